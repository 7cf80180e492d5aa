"""Inspections over the API: a check with its answers raises hazards; bad input writes nothing."""

import json

import pytest
from django.utils import timezone

from safecampus.core.models import Attachment, AuditEntry
from safecampus.hazards.models import Hazard, Inspection, Spot
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401
from tests.hazards.helpers import checklist, photo

URL = "/api/v1/inspections/"


@pytest.fixture
def setup(world):
    version = checklist()
    items = list(version.items.order_by("position"))
    spot = Spot.objects.create(org=world.school_a1, name="二楼走廊", kind="key")
    return {
        "version": version,
        "items": items,
        "spot": spot,
        "teacher": f.user_with_role("teacher", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "observer": f.user_with_role("observer", world.county_a),
    }


def body(world, setup, **overrides):
    items = setup["items"]
    data = {
        "school": world.school_a1.pk,
        "checklist": setup["version"].pk,
        "schedule": None,
        "period_start": None,
        "signed_name": "王老师",
        "spots": [setup["spot"].pk],
        "latitude": "37.783200",
        "longitude": "107.407800",
        "note": "日常检查",
        "answers": [
            {"item": items[0].pk, "spot": setup["spot"].pk, "answer": "normal", "note": ""},
            {"item": items[1].pk, "answer": "abnormal", "note": "灭火器过期", "grade": "high"},
            {"item": items[2].pk, "answer": "na"},
        ],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_one_abnormal_answer_raises_a_hazard(world, setup):
    answer = api(setup["teacher"]).post(URL, body(world, setup), format="json")
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["abnormal_count"] == 1 and data["signed_name"] == "王老师"
    assert len(data["hazards"]) == 1
    number = data["hazards"][0]["number"]
    assert number.startswith(f"盐池-{timezone.localdate().year}-")
    hazard = Hazard.objects.get(pk=data["hazards"][0]["id"])
    assert hazard.grade == "high" and hazard.source == "inspection"
    assert hazard.inspection_id == data["id"] and hazard.spot == setup["spot"]
    assert [a["answer"] for a in data["answers"]] == ["normal", "abnormal", "na"]
    assert data["spots"] == [setup["spot"].pk]


@pytest.mark.django_db
def test_multipart_with_photos_for_an_answer(world, setup):
    data = body(world, setup)
    payload = {
        **{
            k: v
            for k, v in data.items()
            if k not in ("answers", "spots", "schedule", "period_start")
        },
        "answers": json.dumps(data["answers"]),
        "spots": json.dumps(data["spots"]),
        "photo_1": [photo(), photo("b.jpg")],
    }
    answer = api(setup["teacher"]).post(URL, payload, format="multipart")
    assert answer.status_code == 201, answer.content
    hazard = Hazard.objects.get(pk=answer.json()["hazards"][0]["id"])
    assert Attachment.objects.filter(object_id=str(hazard.pk), kind="before").count() == 2


@pytest.mark.django_db
def test_a_validation_error_writes_nothing(world, setup):
    before = AuditEntry.objects.count()
    items = setup["items"]
    bad = body(
        world,
        setup,
        signed_name="",
        answers=[
            {"item": items[0].pk, "answer": "normal"},
            {"item": items[1].pk, "answer": "abnormal", "note": ""},  # says nothing of what
        ],  # and the third item is not answered
    )
    answer = api(setup["teacher"]).post(URL, bad, format="json")
    assert answer.status_code == 400
    errors = answer.json()
    assert {"signed_name", "answers", "answers.1"} <= set(errors)
    stranger = checklist(items=("别的清单项",)).items.get()
    foreign = body(world, setup, answers=[{"item": stranger.pk, "answer": "normal"}])
    answer = api(setup["teacher"]).post(URL, foreign, format="json")
    assert answer.status_code == 400 and "answers.0" in answer.json()
    assert not Inspection.objects.exists()
    assert not Hazard.objects.exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_out_of_scope_references_are_refused(world, setup):
    other = Spot.objects.create(org=world.school_b1, name="校门")
    answer = api(setup["teacher"]).post(URL, body(world, setup, spots=[other.pk]), format="json")
    assert answer.status_code == 400 and "spots" in answer.json()
    answer = api(setup["teacher"]).post(
        URL, body(world, setup, school=world.school_b1.pk), format="json"
    )
    assert answer.status_code == 400 and "school" in answer.json()
    county_b_list = checklist(org=world.county_b)
    answer = api(setup["teacher"]).post(
        URL, body(world, setup, checklist=county_b_list.pk), format="json"
    )
    assert answer.status_code == 400 and "checklist" in answer.json()
    refused = api(setup["observer"]).post(URL, body(world, setup), format="json")
    assert refused.status_code == 403
    assert not Inspection.objects.exists()


@pytest.mark.django_db
def test_lists_are_scoped_and_filtered(world, setup):
    mine = api(setup["teacher"]).post(URL, body(world, setup), format="json").json()
    b_teacher = f.user_with_role("teacher", world.school_b1)
    items = setup["items"]
    theirs = api(b_teacher).post(
        URL,
        {
            "school": world.school_b1.pk,
            "checklist": setup["version"].pk,
            "signed_name": "李老师",
            "answers": [{"item": i.pk, "answer": "normal"} for i in items],
        },
        format="json",
    )
    assert theirs.status_code == 201, theirs.content
    theirs = theirs.json()
    county = api(setup["bureau"])
    assert ids(county.get(URL)) == {mine["id"]}
    assert ids(api(setup["outsider"]).get(URL)) == {theirs["id"]}
    assert ids(county.get(URL, {"school": world.school_a1.pk})) == {mine["id"]}
    assert ids(county.get(URL, {"within": world.county_b.pk})) == set()
    assert ids(county.get(URL, {"inspector": setup["teacher"].pk})) == {mine["id"]}
    today = str(timezone.localdate())
    assert ids(county.get(URL, {"inspected_after": today, "inspected_before": today})) == {
        mine["id"]
    }
    assert (
        ids(county.get(URL, {"inspected_after": "2000-01-01", "inspected_before": "2000-01-02"}))
        == set()
    )
    assert api(setup["outsider"]).get(f"{URL}{mine['id']}/").status_code == 404
    assert county.patch(f"{URL}{mine['id']}/", {"note": "x"}).status_code == 405
