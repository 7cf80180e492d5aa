"""The engine: rules as data, numbers overridden down the tree with effective dates, periods
asked for, verdicts aggregated to a region, and "no data" never counted as a pass."""

import datetime

import pytest
from django.utils import translation

from safecampus.compliance import catalog, engine
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.params import ParamBook, effective_params, share_target
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.emergency.factories import held_drill

D = datetime.date


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def override(node, code, day, **params):
    return RuleOverride.objects.create(org=node, code=code, effective_from=day, params=params)


def test_every_rule_of_both_domain_tables_is_in_the_catalogue_with_both_languages():
    expected = {
        "INSPECT-DAILY", "INSPECT-WEEKLY", "INSPECT-MONTHLY", "INSPECT-HOLIDAY",
        "INSPECT-TERM-START", "SURROUND-TWICE", "POLICE-MONTHLY", "VISIT-MONTHLY",
        "SUPERVISE-QUARTER", "DRILL-SCHOOL", "DRILL-KG", "DRILL-TERM-FIRST-WEEK", "DRILL-NIGHT",
        "DRILL-TERROR", "EVAC-MIDDLE", "EVAC-PRIMARY", "EDU-1530", "EDU-MONTHLY", "EDU-DROWNING",
        "EDU-HEALTH", "TRAIN-MANAGER", "TRAIN-STAFF", "TRAIN-GUARD", "STAFF-GUARD",
        "STAFF-HEALTH", "STAFF-PSY", "STAFF-LEGAL", "DEF-CLOSED", "DEF-ALARM", "DEF-VIDEO",
        "DEF-WALL", "FOOD-6T", "FOOD-OPEN-KITCHEN", "PSY-SCREEN", "SURROUND-ENFORCE",
        "SAFE-ZONE", "RESPONSE-135", "TARGET-PINGAN", "TARGET-INCIDENTS", "TARGET-MINOR-CRIME",
        "TARGET-DROWNING", "TARGET-4X100", "EDU-CAMPAIGN-RATE", "GUARD-RATIO", "GATE-24H",
        "PATROL-KEY", "DRILL-GUIDE", "REPORT-DEADLINE", "RISK-COLOUR", "HAZARD-CLASS",
    }  # fmt: skip
    assert set(catalog.CODES) == expected
    for rule in catalog.RULES:
        assert rule.title_zh and rule.title_en and rule.text_zh and rule.text_en and rule.source
        assert rule.title_zh != rule.title_en
        with translation.override("en"):
            assert rule.title == rule.title_en
        with translation.override("zh-hans"):
            assert rule.title == rule.title_zh


def test_every_rule_names_an_evaluator_that_exists():
    for rule in catalog.RULES:
        assert callable(engine._evaluator(rule)), rule.code


@pytest.mark.django_db
def test_a_drill_rule_through_the_engine_states_the_rule_and_its_source(world, bureau):
    held_drill(world.school_a1, D(2026, 9, 10), "fire", seconds=170)
    result = engine.evaluate(bureau, world.county_a, codes=["DRILL-SCHOOL"], as_of=D(2026, 11, 5))
    v = result.of("DRILL-SCHOOL", world.school_a1.pk)
    assert v.status == Status.NOT_COMPLIANT and v.period.key == "2026-10"
    assert "2026-09-10" in v.explanation
    assert "种子004" in v.explanation  # the rule and its source close the sentence
    assert v.as_dict()["verdict"] == "non_compliant" and v.as_dict()["code"] == "DRILL-SCHOOL"


@pytest.mark.django_db
def test_a_county_override_changes_the_numbers_from_its_effective_date_only(world, bureau):
    # A county asks for two drills a month from November 2026; October is judged by one.
    override(world.county_a, "DRILL-SCHOOL", D(2026, 11, 1), per_month=2)
    held_drill(world.school_a1, D(2026, 10, 10), "fire", seconds=150)
    held_drill(world.school_a1, D(2026, 11, 10), "fire", seconds=150)
    october = engine.evaluate(
        bureau,
        world.county_a,
        codes=["DRILL-SCHOOL"],
        as_of=D(2026, 12, 5),
        period=parse_period("2026-10"),
    ).of("DRILL-SCHOOL", world.school_a1.pk)
    november = engine.evaluate(
        bureau, world.county_a, codes=["DRILL-SCHOOL"], as_of=D(2026, 12, 5)
    ).of("DRILL-SCHOOL", world.school_a1.pk)
    assert october.status == Status.COMPLIANT
    assert november.status == Status.NOT_COMPLIANT and "1" in november.explanation
    # The other county keeps the default.
    assert effective_params("DRILL-SCHOOL", world.county_b, D(2026, 12, 1))["per_month"] == 1
    assert effective_params("DRILL-SCHOOL", world.school_a1, D(2026, 12, 1))["per_month"] == 2
    assert effective_params("DRILL-SCHOOL", world.school_a1, D(2026, 10, 31))["per_month"] == 1


@pytest.mark.django_db
def test_overrides_nest_and_a_withdrawn_override_gives_back_the_parents_numbers(world):
    city = world.county_a.parent
    override(city, "EVAC-PRIMARY", D(2026, 1, 1), max_seconds=200)
    override(world.county_a, "EVAC-PRIMARY", D(2026, 3, 1), max_seconds=150)
    override(world.county_a, "EVAC-PRIMARY", D(2026, 6, 1))  # withdrawn
    book = ParamBook.for_region(world.county_a.path)
    path = world.school_a1.path
    assert book.params("EVAC-PRIMARY", path, D(2025, 12, 31))["max_seconds"] == 180
    assert book.params("EVAC-PRIMARY", path, D(2026, 2, 1))["max_seconds"] == 200
    assert book.params("EVAC-PRIMARY", path, D(2026, 4, 1))["max_seconds"] == 150
    assert book.params("EVAC-PRIMARY", path, D(2026, 7, 1))["max_seconds"] == 200


def test_share_targets_follow_the_year():
    params = {"targets": [[2022, 0.85], [2024, 1.0]]}
    assert share_target(params, "targets", 2022) == 0.85
    assert share_target(params, "targets", 2023) == 0.85
    assert share_target(params, "targets", 2025) == 1.0


@pytest.mark.django_db
def test_no_data_is_never_a_pass_and_the_region_share_counts_it_as_a_gap(world, bureau):
    held_drill(world.school_a1, D(2026, 10, 10), "fire", seconds=150)
    silent = f.school(world.town_a, "大水坑小学", SchoolKind.PRIMARY)  # nothing recorded
    result = engine.evaluate(
        bureau, world.county_a, codes=["DRILL-SCHOOL", "SAFE-ZONE"], as_of=D(2026, 11, 5)
    )
    assert result.of("DRILL-SCHOOL", silent.pk).status == Status.NO_DATA
    assert result.of("DRILL-SCHOOL", world.school_a2.pk).status == Status.NOT_APPLICABLE
    safe = result.of("SAFE-ZONE", world.school_a1.pk)
    assert safe.status == Status.NO_DATA
    summary = result.summary("SAFE-ZONE")
    assert summary.share == 0 and summary.counts[Status.COMPLIANT] == 0
    drills = result.summary("DRILL-SCHOOL")
    assert drills.counts[Status.COMPLIANT] >= 1
    assert drills.judged == 2 and drills.share == 0.5  # the kindergarten is not judged


@pytest.mark.django_db
def test_a_school_user_is_judged_only_at_their_school(world):
    principal = f.user_with_role("principal", world.school_a1)
    result = engine.evaluate(principal, world.county_a, codes=["SAFE-ZONE"], as_of=D(2026, 11, 5))
    assert set(result.verdicts["SAFE-ZONE"]) == {world.school_a1.pk}
    other = f.user_with_role("bureau_staff", world.county_b)
    result = engine.evaluate(other, world.county_a, codes=["SAFE-ZONE"], as_of=D(2026, 11, 5))
    assert result.verdicts["SAFE-ZONE"] == {}
