"""A county's own numbers for a rule: checked against the rule's parameters, a new version
from a day on (past months keep the numbers they were judged by), withdrawn by a version
without numbers, set only by the bureau of a city or county."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from safecampus.compliance import engine, overrides
from safecampus.compliance.catalog import RULES_BY_CODE
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.params import effective_params
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.core.errors import NotAllowed
from tests import factories as f
from tests.emergency.factories import held_drill

D = datetime.date


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def today():
    return timezone.localdate()


def test_parameters_are_checked_against_the_rule_with_a_message_saying_what_is_expected():
    drill = RULES_BY_CODE["DRILL-SCHOOL"]
    assert overrides.check_params(drill, {"per_month": 2}) == {"per_month": 2}
    with translation.override("en"):
        with pytest.raises(ValidationError) as err:
            overrides.check_params(drill, {"per_week": 2})
        assert "DRILL-SCHOOL has no parameter per_week; its parameters are per_month." in str(
            err.value
        )
        with pytest.raises(ValidationError) as err:
            overrides.check_params(drill, {"per_month": "two"})
        assert "Per month: enter a whole number." in str(err.value)
        with pytest.raises(ValidationError) as err:
            overrides.check_params(RULES_BY_CODE["DEF-CLOSED"], {"rate": 1.5})
        assert "share from 0 to 100 %" in str(err.value)
        with pytest.raises(ValidationError) as err:
            overrides.check_params(RULES_BY_CODE["REPORT-DEADLINE"], {"hours": 1})
        assert "has no numbers a region can change" in str(err.value)
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as err:
            overrides.check_params(drill, {"per_month": -1})
        assert overrides.label("per_month") in str(err.value)
    pingan = RULES_BY_CODE["TARGET-PINGAN"]
    assert overrides.check_params(pingan, {"targets": [[2025, 0.8], [2023, 0.5]]}) == {
        "targets": [[2023, 0.5], [2025, 0.8]]
    }
    with pytest.raises(ValidationError):
        overrides.check_params(pingan, {"targets": [[2023, 0.5], [2023, 0.6]]})
    with pytest.raises(ValidationError):
        overrides.check_params(RULES_BY_CODE["RESPONSE-135"], {"minutes": [1, 3]})
    with pytest.raises(ValidationError):
        overrides.check_params(RULES_BY_CODE["DEF-WALL"], {"anti_climb": "yes"})


def test_numbers_typed_in_a_form_read_as_people_write_them():
    assert overrides.parse_text("targets", [[2023, 0.6]], "2023: 60%; 2024：100％") == [
        [2023, 0.6],
        [2024, 1.0],
    ]
    assert overrides.parse_text("rate", 1.0, "85%") == 0.85
    assert overrides.parse_text("minutes", [1, 3, 5], "1、3、5") == [1, 3, 5]
    assert overrides.format_value("targets", [[2023, 0.6], [2024, 1.0]]) == "2023: 60%; 2024: 100%"
    with pytest.raises(ValidationError):
        overrides.parse_text("targets", [[2023, 0.6]], "sixty")


@pytest.mark.django_db
def test_a_new_version_from_a_day_on_leaves_past_months_judged_by_the_old_numbers(world, bureau):
    # Entered on 1 November 2026: two drills a month from that day.
    overrides.override_set(
        node=world.county_a,
        code="DRILL-SCHOOL",
        params={"per_month": 2},
        effective_from=D(2026, 11, 1),
        by=bureau,
        document_number="盐教安〔2026〕12号",
        today=D(2026, 11, 1),
    )
    held_drill(world.school_a1, D(2026, 10, 12), "fire", seconds=150)
    held_drill(world.school_a1, D(2026, 11, 10), "fire", seconds=150)

    def month(key):
        return engine.evaluate(
            bureau,
            world.county_a,
            codes=["DRILL-SCHOOL"],
            as_of=D(2026, 12, 5),
            period=parse_period(key),
        ).of("DRILL-SCHOOL", world.school_a1.pk)

    assert month("2026-10").status == Status.COMPLIANT  # one a month was the rule then
    with translation.override("en"):
        november = month("2026-11")
    assert november.status == Status.NOT_COMPLIANT
    assert "1 of the 2 evacuation drills due" in november.explanation
    assert effective_params("DRILL-SCHOOL", world.school_a1, D(2026, 10, 31))["per_month"] == 1
    assert effective_params("DRILL-SCHOOL", world.school_b1, D(2026, 11, 30))["per_month"] == 1


@pytest.mark.django_db
def test_versions_are_never_edited_past_days_refused_and_withdrawal_restores_the_defaults(
    world, bureau
):
    start = today()
    first = overrides.override_set(
        node=world.county_a,
        code="EVAC-PRIMARY",
        params={"max_seconds": 150},
        effective_from=start,
        by=bureau,
    )
    with pytest.raises(ValidationError) as err:
        overrides.override_set(
            node=world.county_a,
            code="EVAC-PRIMARY",
            params={"max_seconds": 140},
            effective_from=start,
            by=bureau,
        )
    assert "effective_from" in err.value.message_dict
    with pytest.raises(ValidationError):
        overrides.override_set(
            node=world.county_a,
            code="EVAC-PRIMARY",
            params={"max_seconds": 140},
            effective_from=start - datetime.timedelta(days=1),
            by=bureau,
        )
    later = start + datetime.timedelta(days=30)
    overrides.override_withdraw(
        node=world.county_a, code="EVAC-PRIMARY", effective_from=later, by=bureau
    )
    assert effective_params("EVAC-PRIMARY", world.school_a1, start)["max_seconds"] == 150
    assert effective_params("EVAC-PRIMARY", world.school_a1, later)["max_seconds"] == 180
    first.refresh_from_db()
    assert first.params == {"max_seconds": 150}  # untouched
    # A version in force cannot be cancelled; one still ahead can.
    with pytest.raises(ValidationError):
        overrides.override_cancel(override=first, by=bureau)
    ahead = RuleOverride.objects.get(effective_from=later)
    overrides.override_cancel(override=ahead, by=bureau)
    assert RuleOverride.objects.filter(code="EVAC-PRIMARY").count() == 1


@pytest.mark.django_db
def test_only_a_city_or_county_bureau_sets_numbers(world, bureau):
    principal = f.user_with_role("principal", world.school_a1)
    kwargs = {"code": "DRILL-SCHOOL", "params": {"per_month": 2}, "effective_from": today()}
    with pytest.raises(NotAllowed):
        overrides.override_set(node=world.county_a, by=principal, **kwargs)
    with pytest.raises(NotAllowed):
        overrides.override_set(node=world.county_b, by=bureau, **kwargs)
    with pytest.raises(ValidationError) as err:
        overrides.override_set(node=world.school_a1, by=bureau, **kwargs)
    assert "org" in err.value.message_dict
    assert not RuleOverride.objects.exists()


@pytest.mark.django_db
def test_rule_pages_list_numbers_and_versions_and_save_a_new_version(client, world, bureau):
    client.force_login(bureau)
    page = client.get(reverse("compliance:rules-node", args=[world.county_a.pk]))
    assert page.status_code == 200 and "DRILL-SCHOOL" in page.content.decode()
    url = reverse("compliance:rule", args=[world.county_a.pk, "TARGET-PINGAN"])
    assert client.get(url).status_code == 200
    day = (today() + datetime.timedelta(days=7)).isoformat()
    refused = client.post(
        url,
        {"action": "set", "effective_from": day, "p_targets": "2027: 120%"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 200 and not RuleOverride.objects.exists()
    assert "share from 0 to 100 %" in refused.content.decode()
    saved = client.post(
        url,
        {
            "action": "set",
            "effective_from": day,
            "p_targets": "2023: 60%; 2027: 90%",
            "note": "县委要求",
        },
    )
    assert saved.status_code == 302
    row = RuleOverride.objects.get()
    assert row.params == {"targets": [[2023, 0.6], [2027, 0.9]]} and row.created_by == bureau
    versions = client.get(url).content.decode()
    assert "县委要求" in versions and bureau.display_name in versions
    withdrawn = client.post(
        url,
        {
            "action": "withdraw",
            "effective_from": (today() + datetime.timedelta(days=9)).isoformat(),
        },
    )
    assert withdrawn.status_code == 302 and RuleOverride.objects.filter(params={}).count() == 1

    # A principal reads the numbers of their school, and may not post.
    client.force_login(f.user_with_role("principal", world.school_a1))
    school_page = reverse("compliance:rule", args=[world.school_a1.pk, "TARGET-PINGAN"])
    assert client.get(school_page).status_code == 200
    assert client.post(school_page, {"action": "set"}).status_code == 403
    # The other county sees none of it.
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    assert client.get(url).status_code == 404
    assert client.get(reverse("compliance:override", args=[row.pk])).status_code == 404
