"""The hazard ledger over the API: reporting, the workflow moves, refusals, scoping."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.models import AuditEntry
from safecampus.hazards import services
from safecampus.hazards.choices import Grade, Source, Status
from safecampus.hazards.models import Hazard, HazardTransition
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401
from tests.hazards.helpers import photo

URL = "/api/v1/hazards/"


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "principal": f.user_with_role("principal", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "observer": f.user_with_role("observer", world.county_a),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "responsible": f.PersonFactory(org=world.school_a1, name="张宏建", post="总务主任"),
    }


def report(world, by=None, school=None, **kw):
    return services.hazard_report(
        school=school or world.school_a1,
        by=by,
        description=kw.pop("description", "二楼走廊灭火器过期"),
        category=kw.pop("category", "fire"),
        **kw,
    )


def act(user, hazard, action, *, version=None, multipart=False, **data):
    hazard.refresh_from_db()
    body = {"action": action, "version": version or hazard.version, **data}
    client = api(user)
    url = f"{URL}{hazard.pk}/actions/"
    if multipart:
        return client.post(url, body, format="multipart")
    return client.post(url, body, format="json")


def confirm_body(people):
    return {
        "grade": Grade.GENERAL,
        "responsible_person": people["responsible"].pk,
        "measures": "更换灭火器",
    }


@pytest.mark.django_db
def test_the_whole_loop_over_the_api_by_different_people(world, people):
    created = api(people["teacher"]).post(
        URL,
        {
            "school": world.school_a1.pk,
            "category": "fire",
            "grade": "general",
            "description": "二楼走廊灭火器过期",
            "temporary_measures": "设置警示牌",
            "source": "patrol",
            "photos": [photo(), photo("b.jpg")],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    year = timezone.localdate().year
    assert body["number"] == f"盐池-{year}-000001"
    assert body["status"] == "reported" and body["source"] == "patrol"
    assert [p["kind"] for p in body["photos"]] == ["before", "before"]
    assert body["allowed_actions"] == []  # a teacher cannot confirm
    hazard = Hazard.objects.get(pk=body["id"])

    safety = api(people["safety"]).get(f"{URL}{hazard.pk}/").json()
    assert set(safety["allowed_actions"]) >= {"confirm", "escalate"}

    answer = act(people["safety"], hazard, "confirm", comment="尽快", **confirm_body(people))
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "rectifying"
    assert answer.json()["deadline"] == str(timezone.localdate() + datetime.timedelta(days=7))

    answer = act(
        people["teacher"],
        hazard,
        "submit",
        multipart=True,
        rectification="已更换",
        photos=[photo()],
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "submitted"
    assert "after" in {p["kind"] for p in answer.json()["photos"]}

    answer = act(people["principal"], hazard, "accept", comment="验收合格")
    assert answer.status_code == 200, answer.content
    detail = answer.json()
    assert detail["status"] == "closed" and detail["closed_at"]
    moves = [(t["action"], t["from_status"], t["to_status"]) for t in detail["transitions"]]
    assert moves == [
        ("confirm", "reported", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("accept", "submitted", "closed"),
    ]
    assert detail["transitions"][0]["comment"] == "尽快"
    assert detail["transitions"][2]["by"] == people["principal"].pk
    assert len(detail["transitions"][1]["evidence"]["photos"]) == 1
    assert detail["version"] == 4

    # The county sees it closed.
    closed = api(people["bureau"]).get(URL, {"status": "closed"})
    assert ids(closed) == {hazard.pk}


@pytest.mark.django_db
def test_an_illegal_move_is_400_with_the_reason_and_changes_nothing(world, people):
    hazard = report(world)
    before = AuditEntry.objects.count()
    answer = act(people["principal"], hazard, "accept")
    assert answer.status_code == 400
    assert "action" in answer.json()
    assert "cannot be moved" in answer.json()["action"][0]
    missing = act(people["safety"], hazard, "confirm", grade="general")
    assert missing.status_code == 400
    assert {"responsible_person", "measures"} <= set(missing.json())
    unknown = act(people["safety"], hazard, "teleport")
    assert unknown.status_code == 400 and "action" in unknown.json()
    hazard.refresh_from_db()
    assert hazard.status == Status.REPORTED and hazard.version == 1
    assert AuditEntry.objects.count() == before
    assert not HazardTransition.objects.exists()


@pytest.mark.django_db
def test_a_move_without_version_is_400(world, people):
    hazard = report(world)
    answer = api(people["safety"]).post(
        f"{URL}{hazard.pk}/actions/", {"action": "confirm", **confirm_body(people)}, format="json"
    )
    assert answer.status_code == 400
    assert "version" in answer.json()


@pytest.mark.django_db
def test_a_role_refusal_is_403(world, people):
    hazard = report(world)
    for who in ("teacher", "observer"):
        answer = act(people[who], hazard, "confirm", **confirm_body(people))
        assert answer.status_code == 403, (who, answer.content)
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED


@pytest.mark.django_db
def test_whoever_submitted_cannot_accept(world, people):
    hazard = report(world)
    assert act(people["safety"], hazard, "confirm", **confirm_body(people)).status_code == 200
    submitted = act(
        people["safety"], hazard, "submit", rectification="已更换", no_photo_reason="远程"
    )
    assert submitted.status_code == 200, submitted.content
    assert "accept" not in submitted.json()["allowed_actions"]
    refused = act(people["safety"], hazard, "accept")
    assert refused.status_code == 403
    assert "verify" in refused.json()["detail"]
    assert Hazard.objects.get(pk=hazard.pk).status == Status.SUBMITTED
    assert act(people["principal"], hazard, "accept").status_code == 200


@pytest.mark.django_db
def test_a_stale_version_is_409(world, people):
    hazard = report(world)
    stale = hazard.version
    assert act(people["safety"], hazard, "confirm", **confirm_body(people)).status_code == 200
    answer = act(people["principal"], hazard, "escalate", version=stale, comment="超出能力")
    assert answer.status_code == 409
    assert "version" in answer.json()
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFYING
    patch = api(people["safety"]).patch(
        f"{URL}{hazard.pk}/", {"description": "新的描述", "version": stale}, format="json"
    )
    assert patch.status_code == 409


@pytest.mark.django_db
def test_escalate_to_the_county_and_take_over(world, people):
    hazard = report(world)
    answer = act(
        people["principal"], hazard, "escalate", comment="需要县局协调", to=world.county_a.pk
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "escalated"
    assert answer.json()["handler"] == world.county_a.pk
    answer = act(people["bureau"], hazard, "take_over")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "rectifying"


@pytest.mark.django_db
def test_another_countys_user_gets_404_on_detail_and_actions(world, people):
    hazard = report(world)
    client = api(people["outsider"])
    assert client.get(f"{URL}{hazard.pk}/").status_code == 404
    answer = client.post(
        f"{URL}{hazard.pk}/actions/",
        {"action": "confirm", "version": 1, **confirm_body(people)},
        format="json",
    )
    assert answer.status_code == 404
    assert client.patch(f"{URL}{hazard.pk}/", {"description": "x", "version": 1}).status_code == 404
    assert ids(client.get(URL)) == set()


@pytest.mark.django_db
def test_a_person_outside_the_callers_scope_cannot_be_made_responsible(world, people):
    hazard = report(world)
    stranger = f.PersonFactory(org=world.school_b1)
    answer = act(
        people["safety"],
        hazard,
        "confirm",
        grade="general",
        measures="m",
        responsible_person=stranger.pk,
    )
    assert answer.status_code == 400
    assert "responsible_person" in answer.json()


@pytest.mark.django_db
def test_reporting_needs_a_school_in_scope_and_the_right_to_add(world, people):
    outside = api(people["teacher"]).post(
        URL,
        {"school": world.school_b1.pk, "category": "fire", "description": "x"},
        format="json",
    )
    assert outside.status_code == 400 and "school" in outside.json()
    refused = api(people["observer"]).post(
        URL,
        {"school": world.school_a1.pk, "category": "fire", "description": "x"},
        format="json",
    )
    assert refused.status_code == 403
    public = api(people["teacher"]).post(
        URL,
        {"school": world.school_a1.pk, "category": "fire", "description": "x", "source": "public"},
        format="json",
    )
    assert public.status_code == 400 and "source" in public.json()
    assert not Hazard.objects.exists()


@pytest.mark.django_db
def test_patch_edits_plain_fields_only(world, people):
    hazard = report(world)
    answer = api(people["safety"]).patch(
        f"{URL}{hazard.pk}/",
        {"description": "三楼灭火器过期", "cost": "120.50", "status": "closed", "version": 1},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    hazard.refresh_from_db()
    assert hazard.description == "三楼灭火器过期" and str(hazard.cost) == "120.50"
    assert hazard.status == Status.REPORTED and hazard.version == 2
    assert (
        api(people["teacher"])
        .patch(f"{URL}{hazard.pk}/", {"description": "x", "version": 2})
        .status_code
        == 403
    )
    assert (
        api(people["safety"]).patch(f"{URL}{hazard.pk}/", {"description": "x"}).status_code == 400
    )


@pytest.mark.django_db
def test_lists_are_scoped_and_filtered(world, people):
    today = timezone.localdate()
    a1 = report(world, grade=Grade.MAJOR, source=Source.PATROL)
    a2 = report(world, school=world.school_a2, description="围墙裂缝", category="building")
    b1 = report(world, school=world.school_b1)
    late = report(world, description="电线裸露", category="electricity")
    Hazard.objects.filter(pk=late.pk).update(
        status=Status.RECTIFYING, deadline=today - datetime.timedelta(days=2)
    )
    Hazard.objects.filter(pk=a2.pk).update(found_at=timezone.now() - datetime.timedelta(days=40))

    county = api(people["bureau"])
    assert ids(county.get(URL)) == {a1.pk, a2.pk, late.pk}
    assert ids(api(people["safety"]).get(URL)) == {a1.pk, late.pk}
    assert ids(api(people["outsider"]).get(URL)) == {b1.pk}
    assert ids(county.get(URL, {"school": world.school_a2.pk})) == {a2.pk}
    assert ids(county.get(URL, {"school": world.school_b1.pk})) == set()
    assert ids(county.get(URL, {"within": world.town_a.pk})) == {a1.pk, a2.pk, late.pk}
    assert ids(county.get(URL, {"within": world.county_b.pk})) == set()
    assert ids(county.get(URL, {"grade": "major"})) == {a1.pk}
    assert ids(county.get(URL, {"category": "building"})) == {a2.pk}
    assert ids(county.get(URL, {"source": "patrol"})) == {a1.pk}
    assert ids(county.get(URL, {"status": "rectifying"})) == {late.pk}
    assert ids(county.get(URL, {"overdue": "true"})) == {late.pk}
    assert ids(county.get(URL, {"overdue": "false"})) == {a1.pk, a2.pk}
    found_after = str(today - datetime.timedelta(days=10))
    assert ids(county.get(URL, {"found_after": found_after})) == {a1.pk, late.pk}
    assert ids(county.get(URL, {"found_before": found_after})) == {a2.pk}
    assert ids(county.get(URL, {"search": "围墙"})) == {a2.pk}
    assert ids(county.get(URL, {"search": a1.number})) == {a1.pk}
    rows = {r["id"]: r for r in county.get(URL).json()["results"]}
    assert rows[late.pk]["overdue"] is True and rows[a1.pk]["overdue"] is False
    assert rows[a1.pk]["colour"] == "red"
