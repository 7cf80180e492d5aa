"""The incident rules on crafted timelines: 1-3-5 marks, first reports to the bureau, and the
year-over-year targets of a county, in both languages; incidents named by number only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from safecampus.compliance import engine
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.emergency import incidents
from safecampus.emergency.choices import Step
from safecampus.emergency.models import IncidentEntry, IncidentPolicy
from safecampus.orgs.models import OrgNode
from tests import factories as f
from tests.emergency.incident_helpers import report

D = datetime.date
AS_OF = D(2026, 11, 5)
LONG_AGO = D(2023, 1, 1)
MINUTE = datetime.timedelta(minutes=1)


def moment(day, hour=9, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def backdate(*nodes, day=LONG_AGO):
    OrgNode.objects.filter(pk__in=[n.pk for n in nodes]).update(created_at=moment(day))


def incident(school, day, *, marks=(0.5, 2, 4), bureau=30, **kw):
    """An incident at 9:00 on `day`, reported at once, with its 1-3-5 marks and its first
    report to the bureau `bureau` minutes later (None: not reported)."""
    when = moment(day)
    found = report(school, occurred_at=when, reported_at=when, **kw)
    for step, minutes in zip((Step.RESPONDED, Step.ON_SCENE, Step.CONTROLLED), marks, strict=True):
        if minutes is not None:
            incidents.entry_append(incident=found, by=None, step=step, at=when + minutes * MINUTE)
    if bureau is not None:
        incidents.entry_append(
            incident=found, by=None, step=Step.BUREAU_REPORTED, at=when + bureau * MINUTE
        )
    return found


def judge(user, region, code, key, *, as_of=AS_OF, period=None, lang="zh-hans"):
    asked = parse_period(period) if period else None
    with translation.override(lang):
        result = engine.evaluate(user, region, codes=[code], as_of=as_of, period=asked)
    return result.of(code, key)


def both(user, region, code, key, **kw):
    return judge(user, region, code, key, **kw), judge(user, region, code, key, lang="en", **kw)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


# ------------------------------------------------------------------------- RESPONSE-135


@pytest.mark.django_db
def test_an_incident_on_the_scene_late_fails_the_1_3_5_rule(world, bureau):
    incident(world.school_a1, D(2026, 3, 10))
    late = incident(world.school_a1, D(2026, 9, 14), marks=(0.5, 7, 9))
    zh, en = both(bureau, world.county_a, "RESPONSE-135", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert zh.period.start == D(2025, 11, 6) and zh.period.end == AS_OF
    assert (
        f"1 of the 2 incidents in the twelve months to 2026-11-05 missed a 1-3-5 mark: "
        f"{late.number}: On scene after 7 min (target 3), Under control after 9 min (target 5)."
    ) in en.explanation
    assert f"{late.number}：已到场用时7分钟（目标3分钟）" in zh.explanation
    assert zh.value == 0.5
    assert [e.label for e in zh.evidence] == [e.label for e in en.evidence]
    figures = {e.label: e.figures for e in zh.evidence}
    assert figures[late.number] == {"responded": 0.5, "on_scene": 7.0, "controlled": 9.0}


@pytest.mark.django_db
def test_an_override_of_the_minutes_applies_from_its_effective_date(world, bureau):
    incident(world.school_a1, D(2026, 9, 14), marks=(0.5, 7, 9))
    RuleOverride.objects.create(
        org=world.county_a,
        code="RESPONSE-135",
        effective_from=D(2026, 11, 1),
        params={"minutes": [1, 10, 15]},
    )
    zh, en = both(bureau, world.county_a, "RESPONSE-135", world.school_a1.pk)
    assert zh.status == Status.COMPLIANT
    assert "handled within 1/10/15 minutes" in en.explanation
    assert "1/10/15分钟内" in zh.explanation
    # Judged on 31 October, the numbers then in force were the default 1/3/5.
    before = judge(
        bureau, world.county_a, "RESPONSE-135", world.school_a1.pk, as_of=D(2026, 10, 31)
    )
    assert before.status == Status.NOT_COMPLIANT


@pytest.mark.django_db
def test_marks_not_recorded_cannot_be_judged_and_no_incident_is_not_applicable(world, bureau):
    backdate(world.school_a1, world.school_a2)
    unmarked = incident(world.school_a1, D(2026, 9, 14), marks=(0.5, None, None))
    zh, en = both(bureau, world.county_a, "RESPONSE-135", world.school_a1.pk)
    assert zh.status == Status.NO_DATA
    assert f"The 1-3-5 marks of {unmarked.number} are not recorded" in en.explanation
    quiet = judge(bureau, world.county_a, "RESPONSE-135", world.school_a2.pk, lang="en")
    assert quiet.status == Status.NOT_APPLICABLE
    assert "No incident in the twelve months to 2026-11-05" in quiet.explanation


@pytest.mark.django_db
def test_a_school_registered_after_the_period_has_no_data(world, bureau):
    # 冯记沟幼儿园 is registered today and has never recorded an incident.
    v, en = both(bureau, world.county_a, "RESPONSE-135", world.school_a2.pk)
    assert v.status == Status.NO_DATA
    assert "No records of this school before" in en.explanation


@pytest.mark.django_db
def test_verdicts_name_incidents_by_number_only(world, bureau):
    secret = incident(
        world.school_a1,
        D(2026, 9, 14),
        incident_type="bullying",
        place="男生宿舍三楼",
        description="学生张小明被同学殴打",
        names="张小明、李四",
        marks=(0.5, 7, 9),
        bureau=200,
    )
    assert secret.is_sensitive
    for code in ("RESPONSE-135", "REPORT-DEADLINE"):
        for lang in ("zh-hans", "en"):
            v = judge(bureau, world.county_a, code, world.school_a1.pk, lang=lang)
            assert v.status == Status.NOT_COMPLIANT and secret.number in v.explanation
            shown = v.explanation + repr([e.as_dict() for e in v.evidence])
            for text in ("张小明", "李四", "宿舍", "殴打", "bullying", "欺凌"):
                assert text not in shown
            assert [e.label for e in v.evidence] == [secret.number]


# ---------------------------------------------------------------------- REPORT-DEADLINE


@pytest.mark.django_db
def test_first_reports_after_the_deadline_are_not_compliant(world, bureau):
    on_time = incident(world.school_a1, D(2026, 3, 10), bureau=45)
    late = incident(world.school_a1, D(2026, 9, 14), bureau=90)
    silent = incident(world.school_a1, D(2026, 10, 2), bureau=None)
    zh, en = both(bureau, world.county_a, "REPORT-DEADLINE", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert "2 of the 3 incidents in the twelve months to 2026-11-05 were not" in en.explanation
    assert f"{late.number} reported after 90 min (deadline 60 min)" in en.explanation
    assert f"{silent.number} not reported (due 2026-10-02 10:00)" in en.explanation
    assert on_time.number not in en.explanation
    assert f"{late.number}用时90分钟首报（时限60分钟）" in zh.explanation
    assert zh.value == pytest.approx(1 / 3)
    # A correction of the report's time (mistyped) is what counts.
    entry = IncidentEntry.objects.get(incident=late, step=Step.BUREAU_REPORTED)
    incidents.entry_append(
        incident=late,
        by=None,
        step=Step.CORRECTION,
        corrects=entry,
        at=late.occurred_at + 50 * MINUTE,
        reason="时间录入错误",
    )
    v = judge(bureau, world.county_a, "REPORT-DEADLINE", world.school_a1.pk, lang="en")
    assert late.number not in v.explanation and silent.number in v.explanation


@pytest.mark.django_db
def test_the_deadline_is_the_county_policy_in_force_when_reported(world, bureau):
    IncidentPolicy.objects.create(org=world.county_a, first_report_minutes=120)
    incident(world.school_a1, D(2026, 9, 14), bureau=90)
    zh, en = both(bureau, world.county_a, "REPORT-DEADLINE", world.school_a1.pk)
    assert zh.status == Status.COMPLIANT
    assert "first reported to the bureau on time, after 90 min" in en.explanation
    # A later, stricter policy does not rewrite the deadline the incident was given.
    IncidentPolicy.objects.filter(org=world.county_a).update(first_report_minutes=30)
    assert judge(bureau, world.county_a, "REPORT-DEADLINE", world.school_a1.pk).status == (
        Status.COMPLIANT
    )


@pytest.mark.django_db
def test_a_report_not_yet_due_is_not_judged(world, bureau):
    now = timezone.now()
    found = report(world.school_a1, occurred_at=now - 10 * MINUTE, reported_at=now - 9 * MINUTE)
    v = judge(bureau, world.county_a, "REPORT-DEADLINE", world.school_a1.pk, as_of=None, lang="en")
    assert v.status == Status.NO_DATA
    assert f"The first report of {found.number} is not due yet." in v.explanation


# ------------------------------------------------------------------------------ targets


def year_of_incidents(school, year, count, **kw):
    return [incident(school, D(year, 3, 1 + i), **kw) for i in range(count)]


@pytest.mark.django_db
def test_incidents_down_year_over_year(world, bureau):
    year_of_incidents(world.school_a1, 2024, 5)
    year_of_incidents(world.school_a1, 2025, 4)
    year_of_incidents(world.school_b1, 2025, 9)  # another county's
    zh, en = both(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk)
    assert zh.status == Status.COMPLIANT and zh.period.key == "2025"
    assert (
        "2025, the whole year: 4 incidents; same period last year 5 incidents; down 20.0%; "
        "target −20%: On track."
    ) in en.explanation
    assert "2025年全年" in zh.explanation and "达标" in zh.explanation
    assert zh.value == -20.0 and len(zh.evidence) == 4
    incident(world.school_a2, D(2025, 12, 30))
    v = judge(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT and "unchanged" in v.explanation


@pytest.mark.django_db
def test_an_override_of_the_target_counts_from_its_effective_date(world, bureau):
    year_of_incidents(world.school_a1, 2024, 5)
    year_of_incidents(world.school_a1, 2025, 4)
    stricter = RuleOverride.objects.create(
        org=world.county_a,
        code="TARGET-INCIDENTS",
        effective_from=D(2026, 1, 1),
        params={"targets": [[2025, -0.3]]},
    )
    # In force from 2026 only: 2025 is judged by the catalogue's −20 %.
    assert judge(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk).status == (
        Status.COMPLIANT
    )
    RuleOverride.objects.filter(pk=stricter.pk).update(effective_from=D(2025, 1, 1))
    v = judge(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT and "target −30%: Off track" in v.explanation


@pytest.mark.django_db
def test_minor_crime_from_none_and_to_none(world, bureau):
    backdate(world.county_a)
    zh, en = both(bureau, world.county_a, "TARGET-MINOR-CRIME", world.county_a.pk)
    assert zh.status == Status.COMPLIANT
    assert "2025, the whole year: none, as in the same period last year" in en.explanation
    assert "去年同期（2024年全年）也无" in zh.explanation
    crime = incident(world.school_a1, D(2025, 5, 6), incident_type="violence")
    assert crime.is_criminal
    zh, en = both(bureau, world.county_a, "TARGET-MINOR-CRIME", world.county_a.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert "1 incident; none in the same period last year" in en.explanation
    assert "the target is −20%" in en.explanation
    assert [e.label for e in zh.evidence] == [crime.number]


@pytest.mark.django_db
def test_drowning_deaths_counted_by_deaths(world, bureau):
    incident(world.school_a1, D(2024, 7, 2), incident_type="drowning", deaths=2)
    incident(world.school_a1, D(2025, 7, 9), incident_type="drowning", deaths=1)
    incident(world.school_a1, D(2025, 7, 10), incident_type="drowning", deaths=0)
    zh, en = both(bureau, world.county_a, "TARGET-DROWNING", world.county_a.pk)
    assert zh.status == Status.COMPLIANT
    assert "1 death; same period last year 2 deaths; down 50.0%; target −10%" in en.explanation


@pytest.mark.django_db
def test_a_year_without_records_before_it_has_no_baseline(world, bureau):
    year_of_incidents(world.school_a1, 2025, 3)  # the county's records begin in 2025
    v, en = both(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk)
    assert v.status == Status.NO_DATA
    assert "Records of this county begin on 2025-03-01, after 2024, the whole year" in (
        en.explanation
    )
    # The year to date of 2026 has 2025 to compare with.
    v = judge(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk, period="2026")
    assert v.status == Status.COMPLIANT
    assert v.period.key == "2026-01-01/2026-11-05"
    # Asked for October, the year runs to its end, against the same days of 2025.
    v = judge(bureau, world.county_a, "TARGET-INCIDENTS", world.county_a.pk, period="2026-10")
    assert v.period.key == "2026-01-01/2026-10-31"


# ------------------------------------------------------------------------------- scope

CODES = (
    "RESPONSE-135",
    "REPORT-DEADLINE",
    "TARGET-INCIDENTS",
    "TARGET-MINOR-CRIME",
    "TARGET-DROWNING",
)


@pytest.mark.django_db
def test_a_user_of_county_b_sees_no_verdict_of_county_a(world, bureau):
    incident(world.school_a1, D(2025, 3, 1))
    incident(world.school_a1, D(2026, 3, 1))
    outsider = f.user_with_role("bureau_staff", world.county_b)
    result = engine.evaluate(outsider, world.county_a, codes=CODES, as_of=AS_OF)
    assert all(found == {} for found in result.verdicts.values())
    own = engine.evaluate(outsider, world.county_b, codes=CODES, as_of=AS_OF)
    keys = {k for found in own.verdicts.values() for k in found}
    assert keys == {world.school_b1.pk, world.county_b.pk}


@pytest.mark.django_db
def test_a_county_costs_the_same_queries_for_many_schools(world, bureau):
    def grow(n):
        for i in range(n):
            school = f.school(world.town_a)
            incident(school, D(2025, 4, 1 + i % 20))
            incident(school, D(2026, 4, 1 + i % 20), marks=(0.5, 5, 6), bureau=None)

    def count():
        bureau._assignments_cache = None
        with CaptureQueriesContext(connection) as captured:
            result = engine.evaluate(bureau, world.county_a, codes=CODES, as_of=AS_OF)
        return len(captured), len(result.verdicts["RESPONSE-135"])

    grow(2)
    few, schools_few = count()
    grow(20)
    many, schools_many = count()
    assert schools_many == schools_few + 20
    assert many == few
