"""The drill rules on crafted calendars: each verdict names the rule, the period, the evidence
and the gap, and a school without data is "no data", never compliant."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from safecampus.emergency import compliance
from safecampus.emergency.compliance import Status
from safecampus.hazards.calendar import calendar_period_save
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.emergency.factories import held_drill

D = datetime.date


def verdict(user, school, rule, as_of):
    result = compliance.evaluate_school(user, school, as_of=as_of)
    return next(v for v in result.verdicts if v.rule == rule)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


# ------------------------------------------------------------------------- DRILL-SCHOOL


@pytest.mark.django_db
def test_primary_school_without_an_october_drill_is_not_compliant_for_2026_10(world, bureau):
    held_drill(world.school_a1, D(2026, 9, 10), "fire", seconds=170)
    v = verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 11, 5))
    assert v.status == Status.NOT_COMPLIANT
    assert v.period.key == "2026-10"
    assert (v.period.start, v.period.end) == (D(2026, 10, 1), D(2026, 10, 31))
    assert "2026年10月无演练" in v.explanation
    assert "2026-09-10" in v.explanation  # the last drill, as evidence
    assert [d.held_on for d in v.evidence] == [D(2026, 9, 10)]
    with translation.override("en"):
        v = verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 11, 5))
    assert "No drill in October 2026" in v.explanation


@pytest.mark.django_db
def test_an_october_drill_makes_october_compliant_and_september_is_judged_in_october(world, bureau):
    held_drill(world.school_a1, D(2026, 9, 10), "earthquake")
    october = held_drill(world.school_a1, D(2026, 10, 20), "fire", seconds=150)
    v = verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 11, 1))
    assert v.status == Status.COMPLIANT
    assert [d.id for d in v.evidence] == [october.pk]
    assert "2026-10-20" in v.explanation
    # On 31 October, October has not ended yet: September is judged.
    assert verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 10, 31)).period.key == "2026-09"


@pytest.mark.django_db
def test_a_drill_that_evacuates_no_one_does_not_count_for_the_month(world, bureau):
    held_drill(world.school_a1, D(2026, 9, 10), "fire")
    held_drill(world.school_a1, D(2026, 10, 12), "food_poisoning")
    v = verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 11, 5))
    assert v.status == Status.NOT_COMPLIANT
    assert "食物中毒" in v.explanation
    # ... unless it recorded an evacuation time.
    held_drill(world.school_a1, D(2026, 10, 13), "public_opinion", seconds=200)
    assert verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 11, 5)).status == (
        Status.COMPLIANT
    )


@pytest.mark.django_db
def test_a_month_without_school_days_is_not_judged(world, bureau):
    held_drill(world.school_a1, D(2026, 6, 10), "fire")
    v = verdict(bureau, world.school_a1, "DRILL-SCHOOL", D(2026, 9, 2))  # August: summer break
    assert v.period.key == "2026-08"
    assert v.status == Status.NOT_APPLICABLE


@pytest.mark.django_db
def test_the_monthly_rule_does_not_apply_to_a_kindergarten(world, bureau):
    v = verdict(bureau, world.school_a2, "DRILL-SCHOOL", D(2026, 11, 5))
    assert v.status == Status.NOT_APPLICABLE


# ------------------------------------------------------------------------------ DRILL-KG


@pytest.mark.django_db
def test_kindergarten_is_compliant_in_q1_and_q2_but_not_in_q3(world, bureau):
    held_drill(world.school_a2, D(2026, 1, 10), "fire")
    held_drill(world.school_a2, D(2026, 5, 20), "earthquake")
    q1 = verdict(bureau, world.school_a2, "DRILL-KG", D(2026, 4, 1))
    q2 = verdict(bureau, world.school_a2, "DRILL-KG", D(2026, 7, 1))
    q3 = verdict(bureau, world.school_a2, "DRILL-KG", D(2026, 10, 1))
    assert (q1.period.key, q1.status) == ("2026-Q1", Status.COMPLIANT)
    assert (q2.period.key, q2.status) == ("2026-Q2", Status.COMPLIANT)
    assert (q3.period.key, q3.status) == ("2026-Q3", Status.NOT_COMPLIANT)
    assert "2026年第3季度" in q3.explanation
    assert "2026-05-20" in q3.explanation
    assert verdict(bureau, world.school_a1, "DRILL-KG", D(2026, 10, 1)).status == (
        Status.NOT_APPLICABLE
    )


# ------------------------------------------------------------------ DRILL-TERM-FIRST-WEEK


@pytest.mark.django_db
def test_comprehensive_drill_in_the_first_week_of_term(world, bureau):
    held_drill(world.school_a1, D(2026, 9, 3), "comprehensive")
    v = verdict(bureau, world.school_a1, "DRILL-TERM-FIRST-WEEK", D(2026, 9, 20))
    assert v.status == Status.COMPLIANT
    assert v.period.start == D(2026, 9, 1)  # the default autumn term starts on 1 September
    assert "2026年秋季学期" in v.period.label


@pytest.mark.django_db
def test_a_comprehensive_drill_after_the_first_week_does_not_count(world, bureau):
    held_drill(world.school_a1, D(2026, 8, 20), "fire")  # records begin before the term
    held_drill(world.school_a1, D(2026, 9, 3), "fire")  # the first week, but not comprehensive
    held_drill(world.school_a1, D(2026, 9, 15), "comprehensive")
    v = verdict(bureau, world.school_a1, "DRILL-TERM-FIRST-WEEK", D(2026, 9, 20))
    assert v.status == Status.NOT_COMPLIANT
    assert "2026年秋季学期" in v.explanation
    assert "2026-09-15" in v.explanation


@pytest.mark.django_db
def test_the_first_week_follows_the_countys_own_calendar(world, bureau):
    calendar_period_save(
        node=world.county_a,
        by=None,
        kind="term",
        name="2026年秋季学期（盐池）",
        start=D(2026, 9, 7),
        end=D(2027, 1, 15),
    )
    held_drill(world.school_a1, D(2026, 9, 3), "comprehensive")  # before this county's term
    v = verdict(bureau, world.school_a1, "DRILL-TERM-FIRST-WEEK", D(2026, 9, 30))
    assert v.status == Status.NOT_COMPLIANT
    assert (v.period.start, v.period.end) == (D(2026, 9, 7), D(2026, 9, 11))
    held_drill(world.school_a1, D(2026, 9, 9), "comprehensive")
    assert verdict(bureau, world.school_a1, "DRILL-TERM-FIRST-WEEK", D(2026, 9, 30)).status == (
        Status.COMPLIANT
    )


# --------------------------------------------------------------------------- DRILL-NIGHT


@pytest.fixture
def boarding(world):
    return f.school(world.town_a, "冯记沟寄宿制小学", SchoolKind.PRIMARY, boarding=True)


@pytest.mark.django_db
def test_boarding_school_with_a_night_drill_in_the_spring_term(world, bureau, boarding):
    held_drill(boarding, D(2026, 3, 24), "earthquake", hour=21, night=True)
    v = verdict(bureau, boarding, "DRILL-NIGHT", D(2026, 8, 1))
    assert v.status == Status.COMPLIANT
    assert v.period.label == "2026年春季学期"
    assert "2026-03-24" in v.explanation


@pytest.mark.django_db
def test_boarding_school_without_a_night_drill_names_the_last_one(world, bureau, boarding):
    held_drill(boarding, D(2025, 10, 15), "fire", hour=21, night=True)
    held_drill(boarding, D(2026, 4, 15), "fire")  # a day drill
    v = verdict(bureau, boarding, "DRILL-NIGHT", D(2026, 8, 1))
    assert v.status == Status.NOT_COMPLIANT
    assert "2026年春季学期无夜间演练" in v.explanation
    assert "最近一次夜间演练 2025-10-15" in v.explanation
    assert verdict(bureau, world.school_a1, "DRILL-NIGHT", D(2026, 8, 1)).status == (
        Status.NOT_APPLICABLE
    )


# -------------------------------------------------------------------------- DRILL-TERROR


@pytest.mark.django_db
def test_violence_and_terror_drill_needs_the_police(world, bureau):
    held_drill(world.school_a1, D(2026, 3, 5), "fire")
    held_drill(world.school_a1, D(2026, 4, 8), "violence")
    v = verdict(bureau, world.school_a1, "DRILL-TERROR", D(2026, 8, 1))
    assert v.status == Status.NOT_COMPLIANT
    assert "2026-04-08" in v.explanation  # held, but without the police
    held_drill(world.school_a1, D(2026, 5, 12), "violence", police=True)
    v = verdict(bureau, world.school_a1, "DRILL-TERROR", D(2026, 8, 1))
    assert v.status == Status.COMPLIANT
    assert v.period.label == "2026年春季学期"


# ------------------------------------------------------------------- EVAC-* and DRILL-GUIDE


@pytest.mark.django_db
def test_evacuation_over_two_minutes_fails_a_middle_school(world):
    user = f.user_with_role("bureau_staff", world.county_b)
    held_drill(world.school_b1, D(2026, 10, 12), "fire", seconds=220)
    v = verdict(user, world.school_b1, "EVAC-MIDDLE", D(2026, 11, 5))
    assert v.status == Status.NOT_COMPLIANT
    assert v.period.key == "2026-10-12"
    assert "疏散用时 3分40秒" in v.explanation
    assert "超过 2分钟" in v.explanation
    assert verdict(user, world.school_b1, "EVAC-PRIMARY", D(2026, 11, 5)).status == (
        Status.NOT_APPLICABLE
    )
    with translation.override("en"):
        v = verdict(user, world.school_b1, "EVAC-MIDDLE", D(2026, 11, 5))
    assert "3 min 40 s" in v.explanation and "more than 2 min" in v.explanation


@pytest.mark.django_db
def test_primary_schools_have_three_minutes(world, bureau):
    nine_year = f.school(world.town_a, "九年一贯制学校", SchoolKind.NINE_YEAR)
    held_drill(world.school_a1, D(2026, 10, 12), "fire", seconds=170)
    held_drill(nine_year, D(2026, 10, 12), "fire", seconds=200)
    assert verdict(bureau, world.school_a1, "EVAC-PRIMARY", D(2026, 11, 5)).status == (
        Status.COMPLIANT
    )
    v = verdict(bureau, nine_year, "EVAC-PRIMARY", D(2026, 11, 5))
    assert v.status == Status.NOT_COMPLIANT
    assert "超过 3分钟" in v.explanation
    # The latest timed drill decides: a faster one since clears it.
    held_drill(nine_year, D(2026, 10, 28), "earthquake", seconds=175)
    assert verdict(bureau, nine_year, "EVAC-PRIMARY", D(2026, 11, 5)).status == Status.COMPLIANT


@pytest.mark.django_db
def test_two_minutes_per_building_of_up_to_four_storeys(world, bureau):
    held_drill(
        world.school_a1,
        D(2026, 10, 12),
        "fire",
        seconds=170,
        buildings=[("教学楼", 4, 150), ("综合楼", 6, 200), ("宿舍楼", 3, 100)],
    )
    v = verdict(bureau, world.school_a1, "DRILL-GUIDE", D(2026, 11, 5))
    assert v.status == Status.NOT_COMPLIANT
    assert "教学楼" in v.explanation and "2分30秒" in v.explanation
    assert "综合楼" not in v.explanation  # six storeys: the guide sets no time
    assert "宿舍楼" not in v.explanation  # within two minutes
    held_drill(
        world.school_a1, D(2026, 10, 20), "fire", seconds=130, buildings=[("综合楼", 6, 200)]
    )
    assert verdict(bureau, world.school_a1, "DRILL-GUIDE", D(2026, 11, 5)).status == (
        Status.NOT_APPLICABLE
    )
    held_drill(
        world.school_a1, D(2026, 10, 27), "fire", seconds=110, buildings=[("教学楼", 4, 105)]
    )
    assert verdict(bureau, world.school_a1, "DRILL-GUIDE", D(2026, 11, 5)).status == (
        Status.COMPLIANT
    )


# --------------------------------------------------------------------------------- no data


@pytest.mark.django_db
def test_no_data_is_never_compliant(world, bureau):
    held_drill(world.school_a1, D(2026, 10, 12), "fire")  # no time, no buildings
    result = compliance.evaluate_school(bureau, world.school_a1, as_of=D(2026, 11, 5))
    by_rule = {v.rule: v for v in result.verdicts}
    assert by_rule["EVAC-PRIMARY"].status == Status.NO_DATA
    assert by_rule["DRILL-GUIDE"].status == Status.NO_DATA
    assert "2026-11-05" in by_rule["EVAC-PRIMARY"].explanation
    assert Status.COMPLIANT not in {by_rule["EVAC-PRIMARY"].status, by_rule["DRILL-GUIDE"].status}


@pytest.mark.django_db
def test_periods_before_a_school_has_records_are_no_data(world, bureau):
    fresh = f.school(world.town_a, "新建小学", SchoolKind.PRIMARY)
    today = timezone.localdate()
    result = compliance.evaluate_school(bureau, fresh, as_of=today)
    statuses = {v.rule: v.status for v in result.verdicts}
    assert statuses["DRILL-SCHOOL"] in (Status.NO_DATA, Status.NOT_APPLICABLE)
    assert statuses["EVAC-PRIMARY"] == Status.NO_DATA
    assert Status.COMPLIANT not in statuses.values()


# -------------------------------------------------------------------------- the whole set


@pytest.mark.django_db
def test_every_rule_of_the_domain_is_evaluated_and_serialises(world, bureau):
    held_drill(world.school_a1, D(2026, 10, 12), "fire", seconds=170, buildings=[("楼", 3, 90)])
    result = compliance.evaluate_school(bureau, world.school_a1, as_of=D(2026, 11, 5))
    assert [v.rule for v in result.verdicts] == [
        "DRILL-SCHOOL",
        "DRILL-KG",
        "DRILL-TERM-FIRST-WEEK",
        "DRILL-NIGHT",
        "DRILL-TERROR",
        "EVAC-MIDDLE",
        "EVAC-PRIMARY",
        "DRILL-GUIDE",
    ]
    for v in result.verdicts:
        data = v.as_dict()
        assert set(data) == {
            "rule",
            "code",
            "verdict",
            "node",
            "value",
            "title",
            "status",
            "status_label",
            "period",
            "explanation",
            "evidence",
        }
        assert data["explanation"]
        assert data["status"] in Status.values
    with translation.override("en"):  # the rule states how "periodic" (适时) is read
        assert "each term" in str(compliance.RULES_BY_ID["DRILL-NIGHT"].text)


@pytest.mark.django_db
def test_history_lists_months_and_terms(world, bureau):
    held_drill(world.school_a1, D(2026, 3, 4), "comprehensive")
    held_drill(world.school_a1, D(2026, 10, 12), "fire")
    rows = compliance.history(
        compliance.load_facts(bureau, as_of=D(2026, 11, 5), school_id=world.school_a1.pk)[0][1]
    )
    keys = [(v.rule, v.period.key if v.period else None) for v in rows]
    assert ("DRILL-SCHOOL", "2026-10") in keys
    assert ("DRILL-SCHOOL", "2026-09") in keys
    assert any(rule == "DRILL-TERM-FIRST-WEEK" for rule, _key in keys)


@pytest.mark.django_db
def test_a_user_of_another_county_evaluates_none_of_county_a(world):
    held_drill(world.school_a1, D(2026, 10, 12), "fire")
    outsider = f.user_with_role("bureau_staff", world.county_b)
    names = {r.node.name for r in compliance.evaluate_region(outsider, as_of=D(2026, 11, 5))}
    assert names == {"豫海中学"}
    assert compliance.evaluate_school(outsider, world.school_a1, as_of=D(2026, 11, 5)) is None


@pytest.mark.django_db
def test_region_evaluation_costs_the_same_few_queries_for_many_schools(world, bureau):
    def grow(n):
        for i in range(n):
            school = f.school(world.town_a)
            held_drill(
                school,
                D(2026, 9, 3),
                "comprehensive",
                seconds=150 + i,
                buildings=[("教学楼", 4, 100), ("实验楼", 3, 130)],
            )
            held_drill(school, D(2026, 10, 12), "violence", police=True, night=True)

    def count():
        bureau._assignments_cache = None
        with CaptureQueriesContext(connection) as captured:
            results = compliance.evaluate_region(bureau, node=world.county_a, as_of=D(2026, 11, 5))
        return len(captured), len(results)

    grow(3)
    few, schools_few = count()
    grow(30)
    many, schools_many = count()
    assert schools_many == schools_few + 30
    assert many == few
    assert many <= 4  # roles, schools (with their first drill), drills with buildings, calendars
