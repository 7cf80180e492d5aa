"""TARGET-PINGAN: an award in force makes a school compliant, a revoked one stops counting from
its day, and a region's share is measured against the year's target; awards are recorded and
revoked by the bureau only."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from safecampus.compliance import engine, pingan
from safecampus.compliance.models import PingAnAward, RuleOverride
from safecampus.compliance.verdicts import Status
from safecampus.core.errors import NotAllowed
from safecampus.core.models import AuditEntry
from tests import factories as f

D = datetime.date
CODE = "TARGET-PINGAN"


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def judge(user, region, day):
    return engine.evaluate(user, region, codes=[CODE], as_of=day)


@pytest.mark.django_db
def test_an_award_in_force_is_compliant_and_names_level_date_and_document(world, bureau):
    pingan.award_record(
        school=world.school_a1,
        level="city",
        awarded_on=D(2025, 6, 12),
        document_number="吴教安〔2025〕7号",
        by=bureau,
    )
    with translation.override("zh-hans"):
        v = judge(bureau, world.county_a, D(2026, 11, 5)).of(CODE, world.school_a1.pk)
    assert v.status == Status.COMPLIANT
    assert "2025-06-12" in v.explanation and "吴教安〔2025〕7号" in v.explanation
    assert "种子002" in v.explanation
    assert v.evidence[0].url == reverse("compliance:award", args=[v.evidence[0].id])
    with translation.override("en"):
        v = judge(bureau, world.county_a, D(2026, 11, 5)).of(CODE, world.school_a1.pk)
    assert v.explanation.startswith("平安校园 completed: City-level award of 2025-06-12")


@pytest.mark.django_db
def test_no_award_is_not_compliant_and_a_revoked_one_counts_until_its_day(world, bureau):
    award = pingan.award_record(
        school=world.school_a1, level="county", awarded_on=D(2024, 5, 10), by=bureau
    )
    pingan.award_revoke(award=award, revoked_on=D(2026, 3, 1), note="一票否决", by=bureau)
    with translation.override("en"):
        before = judge(bureau, world.county_a, D(2026, 2, 28))
        after = judge(bureau, world.county_a, D(2026, 3, 1))
    assert before.of(CODE, world.school_a1.pk).status == Status.COMPLIANT
    v = after.of(CODE, world.school_a1.pk)
    assert v.status == Status.NOT_COMPLIANT
    assert "No 平安校园 award in force on 2026-03-01." in v.explanation
    assert "revoked on 2026-03-01" in v.explanation
    # A school that never had one is simply not compliant: no award is not a gap in the data.
    none = after.of(CODE, world.school_a2.pk)
    assert none.status == Status.NOT_COMPLIANT and none.evidence == ()


@pytest.mark.django_db
def test_the_region_share_is_judged_against_the_year_target_and_a_county_override(world, bureau):
    pingan.award_record(school=world.school_a1, level="county", awarded_on=D(2023, 1, 9), by=bureau)
    result = judge(bureau, world.county_a, D(2023, 12, 31))
    progress = pingan.progress(result)
    assert (progress["awarded"], progress["schools"]) == (1, 2)
    assert progress["target"] == 0.6 and progress["on_target"] is False
    # From 2024 the seed asks for every school.
    assert pingan.progress(judge(bureau, world.county_a, D(2024, 6, 1)))["target"] == 1.0
    # A county that asks for 50 % is on target with one school of two.
    RuleOverride.objects.create(
        org=world.county_a,
        code=CODE,
        effective_from=D(2023, 1, 1),
        params={"targets": [[2023, 0.5]]},
    )
    progress = pingan.progress(judge(bureau, world.county_a, D(2023, 12, 31)))
    assert progress["target"] == 0.5 and progress["on_target"] is True
    assert progress["branches"][world.town_a.path]["awarded"] == 1


@pytest.mark.django_db
def test_only_the_bureau_records_and_revokes_awards_and_bad_dates_are_refused(world, bureau):
    principal = f.user_with_role("principal", world.school_a1)
    with pytest.raises(NotAllowed):
        pingan.award_record(
            school=world.school_a1, level="county", awarded_on=D(2025, 1, 1), by=principal
        )
    other = f.user_with_role("bureau_staff", world.county_b)
    with pytest.raises(NotAllowed):
        pingan.award_record(
            school=world.school_a1, level="county", awarded_on=D(2025, 1, 1), by=other
        )
    with pytest.raises(ValidationError) as err:
        pingan.award_record(
            school=world.town_a, level="county", awarded_on=D(2025, 1, 1), by=bureau
        )
    assert "org" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        pingan.award_record(
            school=world.school_a1, level="county", awarded_on=D(2099, 1, 1), by=bureau
        )
    assert "awarded_on" in err.value.message_dict
    award = pingan.award_record(
        school=world.school_a1, level="county", awarded_on=D(2025, 1, 1), by=bureau
    )
    with pytest.raises(ValidationError):
        pingan.award_revoke(award=award, revoked_on=D(2024, 12, 31), by=bureau)
    pingan.award_revoke(award=award, revoked_on=D(2025, 6, 1), by=bureau)
    with pytest.raises(ValidationError):
        pingan.award_revoke(award=award, revoked_on=D(2025, 7, 1), by=bureau)
    assert PingAnAward.objects.count() == 1
    assert AuditEntry.objects.filter(transition="pingan:revoke").count() == 1


@pytest.mark.django_db
def test_award_pages_record_and_revoke_for_the_bureau_and_refuse_a_principal(client, world, bureau):
    client.force_login(bureau)
    response = client.post(
        reverse("compliance:award-new"),
        {
            "school": world.school_a1.pk,
            "level": "city",
            "awarded_on": "2025-06-12",
            "document_number": "吴教安〔2025〕7号",
        },
    )
    award = PingAnAward.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "compliance:award", args=[award.pk]
    )
    listing = client.get(reverse("compliance:awards"))
    assert "冯记沟中心小学" in listing.content.decode()
    export = client.get(reverse("compliance:awards"), {"export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    response = client.post(
        reverse("compliance:award-revoke", args=[award.pk]),
        {
            "revoked_on": "2026-03-01",
            "note": "发生重大安全责任事故，一票否决",
            "version": award.version,
        },
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.revoked_on == D(2026, 3, 1)

    client.force_login(f.user_with_role("principal", world.school_a1))
    assert client.get(reverse("compliance:award", args=[award.pk])).status_code == 200
    assert client.get(reverse("compliance:award-new")).status_code == 403
    assert (
        client.post(
            reverse("compliance:award-revoke", args=[award.pk]),
            {"revoked_on": "2026-03-02", "note": "x", "version": award.version},
        ).status_code
        == 403
    )
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    assert client.get(reverse("compliance:award", args=[award.pk])).status_code == 404


@pytest.mark.django_db
def test_the_demo_loads_awards_and_a_county_override_once_and_the_same_way(world):
    from safecampus.compliance import demo
    from safecampus.compliance.params import effective_params

    for _i in range(20):
        f.school(world.town_a)
    now = timezone.make_aware(datetime.datetime(2026, 11, 20, 9))
    counts = demo.load_compliance(seed=5, now=now)
    assert counts["overrides"] == 1 and counts["revoked"] >= 1
    assert 0 < counts["awards"] < 23
    rows = list(
        PingAnAward.objects.order_by("org_path").values_list("org_id", "awarded_on", "revoked_on")
    )
    showcase = PingAnAward.objects.get(org=world.school_a1)
    assert showcase.level == "city" and showcase.revoked_on is None
    assert all(a <= D(2026, 11, 20) and (r is None or a < r < D(2026, 11, 20)) for _o, a, r in rows)
    assert demo.load_compliance(seed=5, now=now) == {}  # a second run changes nothing
    assert effective_params("DRILL-SCHOOL", world.school_b1, D(2026, 8, 31))["per_month"] == 1
    assert effective_params("DRILL-SCHOOL", world.school_b1, D(2026, 9, 1))["per_month"] == 2
    assert effective_params("DRILL-SCHOOL", world.school_a1, D(2026, 9, 1))["per_month"] == 1
    PingAnAward.objects.all().delete()
    RuleOverride.objects.all().delete()
    demo.load_compliance(seed=5, now=now)
    again = list(
        PingAnAward.objects.order_by("org_path").values_list("org_id", "awarded_on", "revoked_on")
    )
    assert again == rows
