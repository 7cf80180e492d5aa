"""Spots, checklist templates, schedules and the checks due, over the API."""

import datetime

import pytest
from django.utils import timezone

from safecampus.core.models import AuditEntry
from safecampus.hazards import services
from safecampus.hazards.calendar import calendar_for
from safecampus.hazards.models import ChecklistTemplate, ChecklistVersion, Schedule, Spot
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401
from tests.hazards.helpers import checklist


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "liaison": f.user_with_role("department_liaison", world.town_a, department=world.police_a),
    }


# ------------------------------------------------------------------------------------ spots


@pytest.mark.django_db
def test_spots_crud_at_school_level(world, people):
    client = api(people["safety"])
    created = client.post(
        "/api/v1/spots/",
        {"org": world.school_a1.pk, "name": "学生宿舍", "kind": "sensitive", "building": "2号楼"},
        format="json",
    )
    assert created.status_code == 201, created.content
    spot = created.json()
    assert spot["token"] and spot["version"] == 1
    region = api(people["bureau"]).post(
        "/api/v1/spots/", {"org": world.town_a.pk, "name": "乡政府"}, format="json"
    )
    assert region.status_code == 400 and "org" in region.json()
    refused = api(people["teacher"]).post(
        "/api/v1/spots/", {"org": world.school_a1.pk, "name": "食堂"}, format="json"
    )
    assert refused.status_code == 403
    edited = client.patch(f"/api/v1/spots/{spot['id']}/", {"floor": "3", "version": 1})
    assert edited.status_code == 200 and edited.json()["floor"] == "3"
    assert ids(api(people["outsider"]).get("/api/v1/spots/")) == set()
    assert ids(api(people["liaison"]).get("/api/v1/spots/", {"kind": "sensitive"})) == {spot["id"]}
    assert client.delete(f"/api/v1/spots/{spot['id']}/").status_code == 204
    assert not Spot.objects.exists()


# ------------------------------------------------------------------------------- checklists


ITEMS = [
    {"text": "消防通道畅通", "category": "fire", "default_grade": "high", "photo_required": True},
    {"text": "门卫值守", "category": "gate", "department_kinds": ["police"]},
]


@pytest.mark.django_db
def test_a_bureau_publishes_versions_and_past_inspections_keep_theirs(world, people):
    client = api(people["bureau"])
    created = client.post(
        "/api/v1/checklist-templates/",
        {"org": world.county_a.pk, "name": "周重点部位检查", "rhythm": "weekly", "items": ITEMS},
        format="json",
    )
    assert created.status_code == 201, created.content
    template = created.json()
    assert template["current"]["number"] == 1
    assert [i["text"] for i in template["current"]["items"]] == ["消防通道畅通", "门卫值守"]
    assert template["current"]["items"][1]["department_kinds"] == ["police"]
    first = ChecklistVersion.objects.get(pk=template["current"]["id"])

    # A school uses it; then the bureau edits the items.
    services.inspection_submit(
        school=world.school_a1,
        by=people["safety"],
        checklist=first,
        signed_name="王",
        answers=[{"item": i, "answer": "normal"} for i in first.items.all()],
    )
    edited = client.patch(
        f"/api/v1/checklist-templates/{template['id']}/",
        {
            "version": template["version"],
            "items": [*ITEMS, {"text": "监控正常", "category": "security"}],
            "note": "加监控",
        },
        format="json",
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["current"]["number"] == 2
    assert len(edited.json()["current"]["items"]) == 3
    assert first.items.count() == 2  # the version the inspection used is untouched
    stale = client.patch(
        f"/api/v1/checklist-templates/{template['id']}/",
        {"version": template["version"], "name": "改名"},
        format="json",
    )
    assert stale.status_code == 409

    # Schools under the county see it; the other county does not; a school cannot edit it.
    assert template["id"] in ids(api(people["teacher"]).get("/api/v1/checklist-templates/"))
    assert template["id"] not in ids(api(people["outsider"]).get("/api/v1/checklist-templates/"))
    assert (
        api(people["outsider"]).get(f"/api/v1/checklist-templates/{template['id']}/").status_code
        == 404
    )
    refused = api(people["safety"]).patch(
        f"/api/v1/checklist-templates/{template['id']}/",
        {"version": edited.json()["version"], "name": "改名"},
        format="json",
    )
    assert refused.status_code == 403
    retired = client.patch(
        f"/api/v1/checklist-templates/{template['id']}/",
        {"version": edited.json()["version"], "is_active": False},
        format="json",
    )
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert template["id"] not in ids(client.get("/api/v1/checklist-templates/"))


@pytest.mark.django_db
def test_template_rules(world, people):
    client = api(people["bureau"])
    empty = client.post(
        "/api/v1/checklist-templates/", {"org": world.county_a.pk, "name": "空"}, format="json"
    )
    assert empty.status_code == 400 and "items" in empty.json()
    builtin = client.post(
        "/api/v1/checklist-templates/", {"name": "内置", "items": ITEMS}, format="json"
    )
    assert builtin.status_code == 403
    school = api(people["safety"]).post(
        "/api/v1/checklist-templates/",
        {"org": world.school_a1.pk, "name": "校本", "items": ITEMS},
        format="json",
    )
    assert school.status_code == 403
    library = checklist()  # the built-in library: every user sees it, only a superuser edits
    library.template.is_builtin = True
    library.template.save()
    assert library.template.pk in ids(api(people["outsider"]).get("/api/v1/checklist-templates/"))
    assert (
        client.patch(
            f"/api/v1/checklist-templates/{library.template.pk}/",
            {"version": 1, "name": "x"},
            format="json",
        ).status_code
        == 403
    )
    assert not ChecklistTemplate.objects.filter(name__in=["空", "内置", "校本"]).exists()


# -------------------------------------------------------------------------------- schedules


def a_school_day(school) -> datetime.date:
    """A school day near today, so that weekly schedules have a period on it."""
    today = timezone.localdate()
    days = calendar_for(school).school_days(today, today + datetime.timedelta(days=90))
    return days[0]


@pytest.mark.django_db
def test_schedules_crud_and_scope(world, people):
    version = checklist(org=world.county_a)
    spot = Spot.objects.create(org=world.school_a1, name="食堂")
    other = Spot.objects.create(org=world.school_a2, name="大门")
    client = api(people["safety"])
    body = {
        "org": world.school_a1.pk,
        "title": "每周重点部位检查",
        "template": version.template.pk,
        "rhythm": "weekly",
        "spots": [spot.pk],
        "responsible_role": "safety_officer",
        "starts_on": str(timezone.localdate()),
    }
    created = client.post("/api/v1/schedules/", body, format="json")
    assert created.status_code == 201, created.content
    schedule = created.json()
    assert schedule["spots"] == [spot.pk] and schedule["template_name"] == "日常敏感部位检查"
    wrong = api(people["bureau"]).post(
        "/api/v1/schedules/", {**body, "spots": [other.pk]}, format="json"
    )
    assert wrong.status_code == 400 and "spots" in wrong.json()
    foreign = checklist(org=world.county_b)
    unusable = client.post(
        "/api/v1/schedules/", {**body, "template": foreign.template.pk}, format="json"
    )
    assert unusable.status_code == 400 and "template" in unusable.json()
    edited = client.patch(
        f"/api/v1/schedules/{schedule['id']}/", {"spots": [], "version": 1}, format="json"
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["spots"] == []
    assert (
        api(people["teacher"])
        .patch(f"/api/v1/schedules/{schedule['id']}/", {"title": "x", "version": 2})
        .status_code
        == 403
    )
    assert ids(api(people["outsider"]).get("/api/v1/schedules/")) == set()
    assert ids(api(people["liaison"]).get("/api/v1/schedules/")) == set()
    assert ids(api(people["bureau"]).get("/api/v1/schedules/", {"rhythm": "weekly"})) == {
        schedule["id"]
    }


@pytest.mark.django_db
def test_due_inspections_derived_when_read(world, people):
    day = a_school_day(world.school_a1)
    version = checklist(org=world.county_a)
    schedule = Schedule.objects.create(
        org=world.school_a1,
        title="每周检查",
        template=version.template,
        rhythm="weekly",
        starts_on=day,
    )
    Schedule.objects.create(
        org=world.school_b1,
        title="每周检查",
        template=checklist(org=world.county_b).template,
        rhythm="weekly",
        starts_on=day,
    )
    client = api(people["safety"])
    rows = client.get("/api/v1/due-inspections/", {"date": str(day)}).json()["results"]
    assert [(r["schedule"], r["school"], r["status"]) for r in rows] == [
        (schedule.pk, world.school_a1.pk, "due")
    ]
    monday = day - datetime.timedelta(days=day.weekday())
    assert rows[0]["period_start"] == str(monday) and rows[0]["inspection"] is None

    made = services.inspection_submit(
        school=world.school_a1,
        by=people["safety"],
        checklist=version,
        schedule=schedule,
        period_start=monday,
        signed_name="王",
        answers=[{"item": i, "answer": "normal"} for i in version.items.all()],
    )
    rows = client.get("/api/v1/due-inspections/", {"date": str(day)}).json()["results"]
    assert [(r["status"], r["inspection"]) for r in rows] == [("done", made.pk)]
    assert (
        client.get("/api/v1/due-inspections/", {"date": str(day), "status": "due"}).json()["count"]
        == 0
    )
    outsider = api(people["outsider"]).get(
        "/api/v1/due-inspections/", {"date": str(day), "within": world.county_a.pk}
    )
    assert outsider.json()["count"] == 0
    assert client.get("/api/v1/due-inspections/", {"date": "soon"}).status_code == 400
    assert client.get("/api/v1/due-inspections/", {"status": "late"}).status_code == 400
    assert AuditEntry.objects.filter(action="create").exists()
