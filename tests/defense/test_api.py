"""The defense API: each school's current inventory, its history and the state on a day; a
school's update (a declaration) and an official's (a verification) through the same PATCH;
the verification records; and nothing for outsiders."""

import datetime

import pytest

from safecampus.defense.models import InventorySnapshot, Source, Verification
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.defense.factories import GOOD, declared

D = datetime.date
URL = "/api/v1/defense-inventories/"
VERIFICATIONS = "/api/v1/defense-verifications/"


@pytest.fixture
def two_snapshots(world):
    old = declared(world.school_a1, D(2026, 3, 2), alarm_networked=False)
    new = declared(world.school_a1, D(2026, 9, 10), alarm_networked=True)
    declared(world.school_a2, D(2026, 4, 1))
    declared(world.school_b1, D(2026, 4, 1))
    return old, new


@pytest.mark.django_db
def test_the_list_gives_each_schools_current_inventory_its_history_or_a_days(world, two_snapshots):
    old, new = two_snapshots
    client = api(f.user_with_role("bureau_staff", world.county_a))
    rows = client.get(URL).json()["results"]
    assert {r["id"] for r in rows} == {
        new.pk,
        InventorySnapshot.objects.get(org=world.school_a2).pk,
    }
    mine = client.get(URL, {"school": world.school_a1.pk, "history": 1}).json()["results"]
    assert [r["id"] for r in mine] == [new.pk, old.pk]
    june = client.get(URL, {"school": world.school_a1.pk, "on": "2026-06-30"}).json()["results"]
    assert [r["id"] for r in june] == [old.pk] and june[0]["alarm_networked"] is False
    assert client.get(URL, {"on": "June"}).status_code == 400
    assert client.get(URL, {"on": "2026-01-01"}).json()["count"] == 0


@pytest.mark.django_db
def test_a_school_patch_is_a_declaration_and_an_old_snapshot_is_a_conflict(world, two_snapshots):
    old, new = two_snapshots
    client = api(f.user_with_role("safety_officer", world.school_a1))
    answer = client.patch(f"{URL}{new.pk}/", {"patrols_per_day": 6, "version": 1})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["id"] != new.pk and body["source"] == "declared" and body["patrols_per_day"] == 6
    assert body["guards"] == GOOD["guards"]  # the figures not sent are kept
    stale = client.patch(f"{URL}{new.pk}/", {"patrols_per_day": 7, "version": 1})
    assert stale.status_code == 409
    assert client.patch(f"{URL}{old.pk}/", {"patrols_per_day": 7, "version": 1}).status_code == 409
    assert not Verification.objects.exists()
    bad = client.patch(f"{URL}{body['id']}/", {"guards_trained": 9, "version": 1})
    assert bad.status_code == 400 and "guards_trained" in bad.json()


@pytest.mark.django_db
def test_an_officials_patch_confirms_and_corrects(world, two_snapshots):
    _old, new = two_snapshots
    police = f.user_with_role("department_liaison", world.town_a, department=world.police_a)
    client = api(police)
    same = client.patch(f"{URL}{new.pk}/", {"guards": 2, "alarm_networked": True, "version": 1})
    assert same.status_code == 200 and same.json()["id"] == new.pk  # confirmed: no new snapshot
    fixed = client.patch(f"{URL}{new.pk}/", {"video_networked": False, "version": 1})
    assert fixed.status_code == 200
    body = fixed.json()
    assert body["source"] == Source.VERIFIED and body["video_networked"] is False
    rows = client.get(VERIFICATIONS, {"school": world.school_a1.pk}).json()["results"]
    assert [(r["figure"], r["outcome"]) for r in rows] == [
        ("video_networked", "corrected"),
        ("alarm_networked", "confirmed"),
        ("guards", "confirmed"),
    ]
    assert rows[0]["verifier_unit"] == "冯记沟派出所"
    corrected = client.get(VERIFICATIONS, {"outcome": "corrected"}).json()["results"]
    assert [r["figure"] for r in corrected] == ["video_networked"]
    assert client.patch(f"{VERIFICATIONS}{rows[0]['id']}/", {"note": "x"}).status_code == 405


@pytest.mark.django_db
def test_only_those_who_may_declare_can_post_and_outsiders_see_nothing(world):
    data = {**GOOD, "org": world.school_a1.pk}
    inspector = api(f.user_with_role("inspector", world.school_a1))
    assert inspector.post(URL, data, format="json").status_code == 403
    principal = api(f.user_with_role("principal", world.school_a1))
    made = principal.post(URL, data, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["source"] == "declared" and made.json()["recorded_by"]
    assert principal.post(URL, {**data, "org": world.school_a2.pk}, format="json").status_code in (
        400,
        403,
    )
    outsider = api(f.user_with_role("bureau_staff", world.county_b))
    pk = made.json()["id"]
    assert outsider.get(f"{URL}{pk}/").status_code == 404
    assert outsider.patch(f"{URL}{pk}/", {"guards": 5, "version": 1}).status_code == 404
    assert outsider.get(URL, {"within": world.county_a.pk}).json()["count"] == 0
    teacher = api(f.user_with_role("teacher", world.school_a1))
    assert teacher.get(URL).json()["count"] == 0
