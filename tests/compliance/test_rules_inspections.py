"""The inspection and hazard rules on crafted records: the verdict, its explanation in both
languages, "no data" before a school's records begin, overrides from their effective date,
scope, and a county costing the same queries as a township."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from safecampus.accounts.models import RoleAssignment
from safecampus.compliance import engine
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.hazards.calendar import default_calendar
from safecampus.hazards.choices import Category, Grade
from safecampus.hazards.library import load_library
from safecampus.hazards.models import (
    ChecklistTemplate,
    Hazard,
    Inspection,
    Schedule,
    Visit,
    WeeklyReview,
)
from safecampus.hazards.schedules import schedule_defaults_for
from safecampus.hazards.services import hazard_report
from safecampus.orgs.models import OrgNode
from tests import factories as f

D = datetime.date
AS_OF = D(2026, 11, 5)  # October 2026 is the last ended month
CAL = default_calendar(AS_OF)
OCTOBER = CAL.school_days(D(2026, 10, 1), D(2026, 10, 31))  # 18 school days
LONG_AGO = D(2025, 1, 1)


def moment(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def backdate(*nodes, day=LONG_AGO):
    """Nodes registered long ago: their records begin before the periods judged."""
    OrgNode.objects.filter(pk__in=[n.pk for n in nodes]).update(created_at=moment(day))


def template(code):
    found = ChecklistTemplate.objects.filter(code=code).first()
    if found is None:
        load_library()
        found = ChecklistTemplate.objects.get(code=code)
    return found


def check(school, day, code="INSPECT-DAILY", *, schedule=None, period_start=None, departments=()):
    inspection = Inspection.objects.create(
        org=school,
        checklist=template(code).current,
        schedule=schedule,
        period_start=period_start,
        inspected_at=moment(day),
        signed_name="马建军",
    )
    if departments:
        inspection.departments.set(departments)
    return inspection


def judge(user, region, code, key, *, as_of=AS_OF, period=None, lang=None):
    asked = parse_period(period) if period else None
    with translation.override(lang or "zh-hans"):
        result = engine.evaluate(user, region, codes=[code], as_of=as_of, period=asked)
    return result.of(code, key)


def both(user, region, code, key, **kw):
    return judge(user, region, code, key, **kw), judge(user, region, code, key, lang="en", **kw)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


@pytest.fixture
def scheduled(world):
    """冯记沟中心小学, registered long ago, with the standard schedules since 1 September."""
    backdate(world.school_a1)
    schedule_defaults_for(world.school_a1, by=None, starts_on=D(2026, 9, 1))
    return world.school_a1


# ------------------------------------------------------------------------ INSPECT-DAILY


@pytest.mark.django_db
def test_daily_checks_missing_two_school_days_are_not_compliant(world, bureau, scheduled):
    missed = {D(2026, 10, 12), D(2026, 10, 20)}
    for day in OCTOBER:
        if day not in missed:
            check(scheduled, day)
    zh, en = both(bureau, world.county_a, "INSPECT-DAILY", scheduled.pk)
    assert zh.status == Status.NOT_COMPLIANT and zh.period.key == "2026-10"
    assert "2026年10月18个上课日中，16天检查了敏感部位" in zh.explanation
    assert "缺：2026-10-12、2026-10-20" in zh.explanation
    assert "Sensitive spots were checked on 16 of 18 school days in October 2026" in en.explanation
    assert "Missed: 2026-10-12, 2026-10-20." in en.explanation
    assert zh.value == pytest.approx(16 / 18) and len(zh.evidence) == 16
    assert {e.kind for e in zh.evidence} == {"inspection"}


@pytest.mark.django_db
def test_an_override_allows_missed_days_from_its_effective_date_only(world, bureau, scheduled):
    for day in OCTOBER[2:]:
        check(scheduled, day)
    RuleOverride.objects.create(
        org=world.county_a,
        code="INSPECT-DAILY",
        effective_from=D(2026, 10, 31),
        params={"missed_days_allowed": 2},
    )
    october, en = both(bureau, world.county_a, "INSPECT-DAILY", scheduled.pk)
    assert october.status == Status.COMPLIANT
    assert "within the 2 allowed" in en.explanation
    # September (the term's first days) is judged by the default numbers: none allowed.
    for day in CAL.school_days(D(2026, 9, 1), D(2026, 9, 30))[1:]:
        check(scheduled, day)
    september = judge(bureau, world.county_a, "INSPECT-DAILY", scheduled.pk, period="2026-09")
    assert september.status == Status.NOT_COMPLIANT
    assert "2026-09-01" in september.explanation
    # Another county keeps the default numbers: the same two days missed fail there.
    backdate(world.school_b1)
    for day in OCTOBER[2:]:
        check(world.school_b1, day)
    other = f.user_with_role("bureau_staff", world.county_b)
    v = judge(other, world.county_b, "INSPECT-DAILY", world.school_b1.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT and "on 16 of 18 school days" in v.explanation


@pytest.mark.django_db
def test_a_school_without_a_daily_schedule_planned_nothing(world, bureau):
    backdate(world.school_a1)
    check(world.school_a1, D(2026, 10, 8))  # one check without any schedule
    zh, en = both(bureau, world.county_a, "INSPECT-DAILY", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert "No daily sensitive-spot check is scheduled at this school: nothing was planned." in (
        en.explanation
    )
    assert "1 of 18 school days" in en.explanation
    assert "未安排敏感部位日检查" in zh.explanation


@pytest.mark.django_db
def test_a_month_before_the_school_was_registered_is_no_data(world, bureau):
    # 冯记沟中心小学 is registered today, after October 2026, and has no check before.
    v, en = both(bureau, world.county_a, "INSPECT-DAILY", world.school_a1.pk)
    assert v.status == Status.NO_DATA
    assert "No records of this school before" in en.explanation
    assert "无法判断2026年10月" in v.explanation
    # An earlier check shows where records begin: the days before it are not judged.
    check(world.school_a1, D(2026, 10, 26))
    v = judge(bureau, world.county_a, "INSPECT-DAILY", world.school_a1.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT
    assert "on 1 of 5 school days" in v.explanation
    assert "Records of this school begin on 2026-10-26" in v.explanation


@pytest.mark.django_db
def test_a_month_without_a_school_day_is_not_applicable(world, bureau, scheduled):
    v = judge(bureau, world.county_a, "INSPECT-DAILY", scheduled.pk, period="2026-08")
    assert v.status == Status.NOT_APPLICABLE


@pytest.mark.django_db
def test_a_check_linked_to_its_schedule_counts_for_its_period(world, bureau, scheduled):
    daily = Schedule.objects.get(org=scheduled, rhythm="school_day")
    for day in OCTOBER:
        # Every check is made the evening after, and names the day it is for.
        check(scheduled, day + datetime.timedelta(days=1), schedule=daily, period_start=day)
    v = judge(bureau, world.county_a, "INSPECT-DAILY", scheduled.pk)
    assert v.status == Status.COMPLIANT


# ----------------------------------------------------------------------- INSPECT-WEEKLY


@pytest.mark.django_db
def test_weekly_needs_the_key_spot_check_and_the_weekly_analysis(world, bureau, scheduled):
    mondays = [D(2026, 10, 5), D(2026, 10, 12), D(2026, 10, 19), D(2026, 10, 26)]
    for monday in mondays[:-1]:
        check(scheduled, monday + datetime.timedelta(days=3), "INSPECT-WEEKLY")
    check(scheduled, D(2026, 11, 1), "INSPECT-WEEKLY")  # the Sunday ending the last week
    for monday in mondays[:-1]:
        WeeklyReview.objects.create(
            org=scheduled,
            week_start=monday,
            signed_name="马校长",
            signed_at=moment(monday + datetime.timedelta(days=4)),
        )
    zh, en = both(bureau, world.county_a, "INSPECT-WEEKLY", scheduled.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert "3 of 4 weeks beginning in October 2026" in en.explanation
    assert "No weekly analysis in the weeks of 2026-10-26." in en.explanation
    assert "No key-spot check" not in en.explanation
    assert "周研判" in zh.explanation
    WeeklyReview.objects.create(
        org=scheduled, week_start=mondays[-1], signed_name="马校长", signed_at=moment(AS_OF)
    )
    v = judge(bureau, world.county_a, "INSPECT-WEEKLY", scheduled.pk)
    assert v.status == Status.COMPLIANT
    assert {e.kind for e in v.evidence} == {"inspection", "weekly_review"}


# ---------------------------------------------------------------------- INSPECT-MONTHLY


@pytest.mark.django_db
def test_monthly_whole_campus_check(world, bureau, scheduled):
    v = judge(bureau, world.county_a, "INSPECT-MONTHLY", scheduled.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT
    assert "No whole-campus check in October 2026." in v.explanation
    check(scheduled, D(2026, 10, 28), "INSPECT-MONTHLY")
    zh, en = both(bureau, world.county_a, "INSPECT-MONTHLY", scheduled.pk)
    assert zh.status == Status.COMPLIANT
    assert "1 whole-campus check in October 2026: 2026-10-28." in en.explanation
    assert "2026-10-28" in zh.explanation and "全面检查" in zh.explanation
    RuleOverride.objects.create(
        org=world.city,
        code="INSPECT-MONTHLY",
        effective_from=D(2026, 1, 1),
        params={"per_month": 2},
    )
    v = judge(bureau, world.county_a, "INSPECT-MONTHLY", scheduled.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT
    assert "1 of the 2 whole-campus checks due in October 2026" in v.explanation


# ---------------------------------------------------------------------- INSPECT-HOLIDAY


@pytest.mark.django_db
def test_holiday_checks_of_the_last_ended_term(world, bureau):
    backdate(world.school_a1)
    schedule_defaults_for(world.school_a1, by=None, starts_on=D(2026, 3, 1))
    # Spring 2026: before Qingming, Labour Day, Dragon Boat and the summer break.
    check(world.school_a1, D(2026, 4, 2), "INSPECT-HOLIDAY")
    check(world.school_a1, D(2026, 4, 29), "INSPECT-HOLIDAY")
    check(world.school_a1, D(2026, 7, 9), "INSPECT-HOLIDAY")
    zh, en = both(bureau, world.county_a, "INSPECT-HOLIDAY", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT and zh.period.label == "2026年春季学期"
    assert "before 3 of the 4 holidays of 2026年春季学期" in en.explanation
    assert "No check in: 2026-06-16–2026-06-18." in en.explanation
    assert "2026-06-16–2026-06-18" in zh.explanation
    check(world.school_a1, D(2026, 6, 18), "INSPECT-HOLIDAY")
    assert judge(bureau, world.county_a, "INSPECT-HOLIDAY", world.school_a1.pk).status == (
        Status.COMPLIANT
    )


@pytest.mark.django_db
def test_holiday_checks_without_a_schedule_or_a_check_are_no_data(world, bureau):
    backdate(world.school_a1)
    v, en = both(bureau, world.county_a, "INSPECT-HOLIDAY", world.school_a1.pk)
    assert v.status == Status.NO_DATA
    assert "none is recorded for 2026年春季学期" in en.explanation


# ------------------------------------------------------------------- INSPECT-TERM-START


@pytest.mark.django_db
def test_term_start_inspection_within_the_first_two_weeks(world, bureau, scheduled):
    zh, en = both(bureau, world.county_a, "INSPECT-TERM-START", scheduled.pk)
    assert zh.status == Status.NOT_COMPLIANT and zh.period.label == "2026年秋季学期"
    assert "No term-start inspection from 2026-09-01 to 2026-09-14" in en.explanation
    check(scheduled, D(2026, 9, 20), "INSPECT-TERM-START")  # too late
    assert judge(bureau, world.county_a, "INSPECT-TERM-START", scheduled.pk).status == (
        Status.NOT_COMPLIANT
    )
    RuleOverride.objects.create(
        org=world.county_a,
        code="INSPECT-TERM-START",
        effective_from=D(2026, 9, 1),
        params={"within_days": 21},
    )
    zh, en = both(bureau, world.county_a, "INSPECT-TERM-START", scheduled.pk)
    assert zh.status == Status.COMPLIANT
    assert "Term-start inspection on 2026-09-20, within the first 21 days" in en.explanation
    assert "2026-09-20" in zh.explanation


# ----------------------------------------------------------------------- SURROUND-TWICE


@pytest.mark.django_db
def test_surroundings_screened_twice_a_term(world, bureau):
    backdate(world.school_a1)
    check(world.school_a1, D(2026, 3, 5), "INSPECT-TERM-START")
    zh, en = both(bureau, world.county_a, "SURROUND-TWICE", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert "screened on 1 of the 2 days due in 2026年春季学期: 2026-03-05." in en.explanation
    check(world.school_a1, D(2026, 5, 12), "INSPECT-HOLIDAY")
    check(world.school_a1, D(2026, 5, 13), "INSPECT-DAILY")  # not a surroundings check
    v = judge(bureau, world.county_a, "SURROUND-TWICE", world.school_a1.pk, lang="en")
    assert v.status == Status.COMPLIANT and v.value == 2
    assert "2026-03-05, 2026-05-12" in v.explanation


# ----------------------------------------------------------------------- POLICE-MONTHLY


@pytest.mark.django_db
def test_a_police_station_checks_every_school_of_its_area(world, bureau):
    backdate(world.school_a1, world.school_a2)
    check(world.school_a1, D(2026, 10, 14), "POLICE-MONTHLY")
    key = f"department:{world.police_a.pk}"
    zh, en = both(bureau, world.county_a, "POLICE-MONTHLY", key)
    assert zh.status == Status.NOT_COMPLIANT
    assert "冯记沟派出所 checked 1 of the 2 schools of its area in October 2026" in en.explanation
    assert "not checked: 冯记沟幼儿园" in en.explanation
    assert "冯记沟幼儿园" in zh.explanation
    # A joint check the station took part in counts, whatever its checklist.
    check(world.school_a2, D(2026, 10, 21), "INSPECT-MONTHLY", departments=[world.police_a])
    # A joint check by another department does not.
    check(world.school_a2, D(2026, 10, 22), "INSPECT-MONTHLY", departments=[world.market_a])
    v = judge(bureau, world.county_a, "POLICE-MONTHLY", key, lang="en")
    assert v.status == Status.COMPLIANT and v.value == 1
    assert "checked all 2 schools of its area" in v.explanation


@pytest.mark.django_db
def test_a_station_whose_schools_have_no_records_yet_is_no_data(world, bureau):
    v = judge(bureau, world.county_a, "POLICE-MONTHLY", f"department:{world.police_a.pk}")
    assert v.status == Status.NO_DATA


# ----------------------------------------------------------------------- VISIT-MONTHLY


def assign_inspector(school, day=LONG_AGO, **kw):
    user = f.user_with_role("inspector", school, **kw)
    RoleAssignment.objects.filter(user=user).update(created_at=moment(day))
    return user


@pytest.mark.django_db
def test_each_assigned_inspector_visits_each_month(world, bureau):
    backdate(world.school_a1)
    wang = assign_inspector(world.school_a1, last_name="王", first_name="督学")
    li = assign_inspector(world.school_a1, last_name="李", first_name="督学")
    Visit.objects.create(org=world.school_a1, inspector=wang, visited_on=D(2026, 10, 15))
    Visit.objects.create(org=world.school_a1, inspector=li, visited_on=D(2026, 9, 3))
    zh, en = both(bureau, world.county_a, "VISIT-MONTHLY", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert "Not visited in October 2026 by 李督学 (last visit 2026-09-03)." in en.explanation
    assert "Visited by 王督学 on 2026-10-15." in en.explanation
    assert "李督学" in zh.explanation
    Visit.objects.create(org=world.school_a1, inspector=li, visited_on=D(2026, 10, 30))
    v = judge(bureau, world.county_a, "VISIT-MONTHLY", world.school_a1.pk)
    assert v.status == Status.COMPLIANT and v.value == 1


@pytest.mark.django_db
def test_without_an_assigned_inspector_visits_cannot_be_judged(world, bureau):
    backdate(world.school_a1)
    v = judge(bureau, world.county_a, "VISIT-MONTHLY", world.school_a1.pk, lang="en")
    assert v.status == Status.NO_DATA
    assert "No responsible inspector was assigned to this school in October 2026" in (v.explanation)
    # Assigned in November: October is still not judged against them.
    assign_inspector(world.school_a1, day=D(2026, 11, 2))
    v = judge(bureau, world.county_a, "VISIT-MONTHLY", world.school_a1.pk)
    assert v.status == Status.NO_DATA


# -------------------------------------------------------------------- SUPERVISE-QUARTER


@pytest.mark.django_db
def test_city_supervision_each_quarter(world, bureau):
    backdate(world.county_a, world.county_b, world.school_a1)
    v = judge(bureau, world.county_a, "SUPERVISE-QUARTER", world.county_a.pk, lang="en")
    assert v.status == Status.NO_DATA  # nobody at the city could have supervised
    assert "registered at the city or above" in v.explanation
    city = f.user_with_role("bureau_staff", world.city, last_name="赵", first_name="科长")
    county_person = f.user_with_role("inspector", world.county_a)
    Visit.objects.create(org=world.school_a1, inspector=county_person, visited_on=D(2026, 8, 1))
    zh, en = both(bureau, world.county_a, "SUPERVISE-QUARTER", world.county_a.pk)
    assert zh.status == Status.NOT_COMPLIANT and zh.period.key == "2026-Q3"
    assert "No visit or inspection by city-level bureau staff" in en.explanation
    Visit.objects.create(org=world.school_a1, inspector=city, visited_on=D(2026, 9, 17))
    zh, en = both(bureau, world.county_a, "SUPERVISE-QUARTER", world.county_a.pk)
    assert zh.status == Status.COMPLIANT
    assert "1 time in Q3 2026, on 2026-09-17" in en.explanation
    assert "赵科长" in en.explanation
    assert [e.kind for e in zh.evidence] == ["visit"]
    # County B, seen by the city, had no such visit.
    city_view = engine.evaluate(city, world.city, codes=["SUPERVISE-QUARTER"], as_of=AS_OF)
    assert city_view.of("SUPERVISE-QUARTER", world.county_b.pk).status == Status.NOT_COMPLIANT
    assert city_view.of("SUPERVISE-QUARTER", world.county_a.pk).status == Status.COMPLIANT


# --------------------------------------------------------------------- SURROUND-ENFORCE


@pytest.mark.django_db
def test_joint_enforcement_around_schools_twice_a_year(world, bureau):
    backdate(world.county_a)
    check(world.school_a1, D(2025, 4, 2), "INSPECT-HOLIDAY", departments=[world.police_a])
    check(world.school_a2, D(2025, 4, 2), "INSPECT-HOLIDAY", departments=[world.market_a])
    check(world.school_a1, D(2025, 6, 3), "INSPECT-HOLIDAY")  # the school alone
    zh, en = both(bureau, world.county_a, "SURROUND-ENFORCE", world.county_a.pk)
    assert zh.status == Status.NOT_COMPLIANT and zh.period.key == "2025"
    assert "on 1 of the 2 days due in 2025: 2025-04-02." in en.explanation
    check(world.school_a1, D(2025, 9, 3), "INSPECT-TERM-START", departments=[world.police_a])
    v = judge(bureau, world.county_a, "SURROUND-ENFORCE", world.county_a.pk, lang="en")
    assert v.status == Status.COMPLIANT
    assert "2025-04-02, 2025-09-03" in v.explanation


@pytest.mark.django_db
def test_a_year_before_the_county_was_registered_is_no_data(world, bureau):
    v = judge(bureau, world.county_a, "SURROUND-ENFORCE", world.county_a.pk, lang="en")
    assert v.status == Status.NO_DATA
    assert "No records of this county before" in v.explanation


# ------------------------------------------------------------- RISK-COLOUR, HAZARD-CLASS


def hazard(school, grade, **fields):
    found = hazard_report(
        school=school,
        by=None,
        description="消防通道堆放杂物",
        category=Category.FIRE,
        grade=grade,
        found_at=moment(D(2026, 10, 10)),
    )
    if fields:
        Hazard.objects.filter(pk=found.pk).update(**fields)
        found.refresh_from_db()
    return found


@pytest.mark.django_db
def test_risk_colours(world, bureau):
    v = judge(bureau, world.county_a, "RISK-COLOUR", world.school_a1.pk, lang="en")
    assert v.status == Status.NO_DATA  # no ledger, no verdict
    hazard(world.school_a1, Grade.MAJOR)
    hazard(world.school_a1, Grade.GENERAL)
    hazard(world.school_a1, Grade.GENERAL)
    zh, en = both(bureau, world.county_a, "RISK-COLOUR", world.school_a1.pk)
    assert zh.status == Status.COMPLIANT
    assert "All 3 open hazards on 2026-11-05 carry a risk grade" in en.explanation
    assert "Major (red) 1" in en.explanation and "General (yellow) 2" in en.explanation
    assert "红" in zh.explanation
    broken = hazard(world.school_a1, Grade.LOW)
    Hazard.objects.filter(pk=broken.pk).update(grade="")  # an import that lost the grade
    v = judge(bureau, world.county_a, "RISK-COLOUR", world.school_a1.pk, lang="en")
    assert v.status == Status.NOT_COMPLIANT and broken.number in v.explanation


@pytest.mark.django_db
def test_major_hazards_need_plan_measures_and_deadline_and_others_not_overdue(world, bureau):
    major = hazard(
        world.school_a1, Grade.MAJOR, plan="", temporary_measures="", deadline=D(2026, 12, 31)
    )
    late = hazard(world.school_a1, Grade.GENERAL, deadline=D(2026, 10, 20))
    zh, en = both(bureau, world.county_a, "HAZARD-CLASS", world.school_a1.pk)
    assert zh.status == Status.NOT_COMPLIANT
    assert (
        f"Major hazard {major.number} lacks a rectification plan and temporary measures."
        in en.explanation
    )
    assert f"{late.number} (due 2026-10-20)" in en.explanation
    assert en.value == 16  # days overdue on 5 November
    assert major.number in zh.explanation and "整改方案" in zh.explanation
    Hazard.objects.filter(pk=major.pk).update(plan="停用并加固", temporary_measures="设置围挡")
    Hazard.objects.filter(pk=late.pk).update(deadline=D(2026, 11, 30))
    v = judge(bureau, world.county_a, "HAZARD-CLASS", world.school_a1.pk, lang="en")
    assert v.status == Status.COMPLIANT
    assert "2 open hazards on 2026-11-05" in v.explanation
    # Judged as it stood on a day: on 1 October neither hazard had been found.
    v = judge(bureau, world.county_a, "HAZARD-CLASS", world.school_a1.pk, period="2026-10-01")
    assert v.status == Status.NO_DATA


# ------------------------------------------------------------------------------- scope

CODES = (
    "INSPECT-DAILY",
    "INSPECT-WEEKLY",
    "INSPECT-MONTHLY",
    "INSPECT-HOLIDAY",
    "INSPECT-TERM-START",
    "SURROUND-TWICE",
    "POLICE-MONTHLY",
    "VISIT-MONTHLY",
    "SUPERVISE-QUARTER",
    "SURROUND-ENFORCE",
    "RISK-COLOUR",
    "HAZARD-CLASS",
)


@pytest.mark.django_db
def test_a_user_of_county_b_sees_no_verdict_of_county_a(world, bureau, scheduled):
    check(scheduled, D(2026, 10, 8))
    hazard(world.school_a1, Grade.MAJOR)
    outsider = f.user_with_role("bureau_staff", world.county_b)
    result = engine.evaluate(outsider, world.county_a, codes=CODES, as_of=AS_OF)
    assert all(found == {} for found in result.verdicts.values())
    own = engine.evaluate(outsider, world.county_b, codes=CODES, as_of=AS_OF)
    keys = {k for found in own.verdicts.values() for k in found}
    assert keys <= {world.school_b1.pk, world.county_b.pk}
    assert world.school_b1.pk in keys and world.county_b.pk in keys
    # A principal sees their own school only; county rules are not theirs to read.
    principal = f.user_with_role("principal", world.school_a2)
    mine = engine.evaluate(principal, world.county_a, codes=CODES, as_of=AS_OF)
    keys = {k for found in mine.verdicts.values() for k in found}
    assert keys == {world.school_a2.pk}


# ------------------------------------------------------------------------------ queries


@pytest.mark.django_db
def test_a_county_costs_the_same_queries_for_many_schools(world, bureau):
    backdate(world.county_a)
    city = f.user_with_role("bureau_staff", world.city)

    def grow(n):
        for _i in range(n):
            school = f.school(world.town_a)
            backdate(school)
            schedule_defaults_for(school, by=None, starts_on=D(2026, 3, 1))
            check(school, D(2026, 10, 8))
            check(school, D(2026, 10, 9), "INSPECT-WEEKLY")
            check(school, D(2026, 10, 14), "POLICE-MONTHLY", departments=[world.police_a])
            check(school, D(2026, 4, 2), "INSPECT-HOLIDAY")
            WeeklyReview.objects.create(
                org=school, week_start=D(2026, 10, 5), signed_name="校长", signed_at=moment(AS_OF)
            )
            Visit.objects.create(org=school, inspector=city, visited_on=D(2026, 9, 1))
            inspector = assign_inspector(school)
            Visit.objects.create(org=school, inspector=inspector, visited_on=D(2026, 10, 9))
            hazard(school, Grade.GENERAL, deadline=D(2026, 10, 20))

    def count():
        bureau._assignments_cache = None
        with CaptureQueriesContext(connection) as captured:
            result = engine.evaluate(bureau, world.county_a, codes=CODES, as_of=AS_OF)
        return len(captured), len(result.verdicts["INSPECT-DAILY"])

    grow(2)
    few, schools_few = count()
    grow(20)
    many, schools_many = count()
    assert schools_many == schools_few + 20
    assert many == few


# ----------------------------------------------------------------- periods still running


@pytest.mark.django_db
def test_a_month_still_running_is_judged_on_what_is_due_so_far(world, bureau, scheduled):
    today = D(2026, 11, 24)
    november = CAL.school_days(D(2026, 11, 1), today)
    for day in november:
        if day not in (D(2026, 11, 10), D(2026, 11, 23), today):
            check(scheduled, day)
    v = judge(
        bureau,
        world.county_a,
        "INSPECT-DAILY",
        scheduled.pk,
        as_of=today,
        period="2026-11",
        lang="en",
    )
    assert v.status == Status.NOT_COMPLIANT
    assert "Missed: 2026-11-10, 2026-11-23." in v.explanation  # today is still due, not missed
    assert "November 2026 has not ended yet" in v.explanation
    monthly = judge(
        bureau, world.county_a, "INSPECT-MONTHLY", scheduled.pk, as_of=today, period="2026-11"
    )
    assert monthly.status == Status.NOT_APPLICABLE
    # A term still running: one screening so far is not yet a failure.
    check(scheduled, D(2026, 9, 2), "INSPECT-TERM-START")
    v = judge(
        bureau,
        world.county_a,
        "SURROUND-TWICE",
        scheduled.pk,
        as_of=today,
        period="2026-10",
        lang="en",
    )
    assert v.status == Status.NOT_APPLICABLE
    assert (
        "2026年秋季学期 has not ended" in v.explanation and "So far: 2026-09-02." in v.explanation
    )
