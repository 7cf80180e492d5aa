"""The training API: sessions, attendances and appointments through the same services as the
pages (400 with the reason, 403 for a role that may not write, 409 on a stale version), and
scoped reads: a school reads its people's hours at a county's course, never the course's other
schools."""

import datetime

import pytest
from django.utils import timezone

from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401
from tests.training.helpers import appoint, attend, session

pytestmark = pytest.mark.django_db

D = datetime.date


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def officer(world):
    return f.user_with_role("safety_officer", world.school_a1)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def test_record_a_session_and_list_its_attendees(world, officer):
    client = api(officer)
    body = {
        "org": world.school_a1.pk,
        "audience": "all_staff",
        "topic": "秋季全员安全培训",
        "started_on": yesterday().isoformat(),
        "hours": 2,
        "attendee_count": 38,
    }
    refused = client.post("/api/v1/training-sessions/", {**body, "hours": 0}, format="json")
    assert refused.status_code == 400
    assert "more than zero" in refused.json()["hours"][0]
    created = client.post("/api/v1/training-sessions/", body, format="json")
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert created.json()["hours"] == 2.0 and created.json()["audience_display"] == "All staff"
    person = f.PersonFactory(org=world.school_a1, name="王安全")
    other = f.PersonFactory(org=world.school_a2, name="园长马")
    ok = client.post(
        "/api/v1/training-attendances/", {"session": sid, "person": person.pk}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["hours"] == 2.0
    assert ok.json()["school"] == world.school_a1.pk
    # A person of another school is "does not exist" to this officer: outside the scope.
    assert (
        client.post(
            "/api/v1/training-attendances/", {"session": sid, "person": other.pk}, format="json"
        ).status_code
        == 400
    )
    listed = client.get("/api/v1/training-sessions/", {"org": world.school_a1.pk}).json()
    assert listed["results"][0]["listed"] == 1
    patch = client.patch(
        f"/api/v1/training-attendances/{ok.json()['id']}/",
        {"hours": 1.5, "version": 1},
        format="json",
    )
    assert patch.status_code == 200 and patch.json()["hours"] == 1.5
    stale = client.patch(
        f"/api/v1/training-sessions/{sid}/", {"topic": "改", "version": 7}, format="json"
    )
    assert stale.status_code == 409
    assert client.delete(f"/api/v1/training-sessions/{sid}/").status_code == 204
    assert not TrainingSession.objects.exists() and not TrainingAttendance.objects.exists()


def test_a_school_reads_its_peoples_hours_at_a_county_course_and_nothing_else(world, officer):
    course = session(world.county_a, yesterday(), hours=8, topic="县培训班")
    wang = f.PersonFactory(org=world.school_a1, name="王安全")
    mine = attend(course, wang)
    theirs = attend(course, "园长马", school=world.school_a2)
    client = api(officer)
    assert ids(client.get("/api/v1/training-attendances/")) == {mine.pk}
    row = client.get(f"/api/v1/training-attendances/{mine.pk}/").json()
    assert (row["topic"], row["hours"]) == ("县培训班", 8.0)
    assert client.get(f"/api/v1/training-attendances/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/training-sessions/{course.pk}/").status_code == 404
    # Changing it is the county's: the school reads it only.
    answer = client.patch(
        f"/api/v1/training-attendances/{mine.pk}/", {"hours": 4, "version": 1}, format="json"
    )
    assert answer.status_code == 403


def test_appointments_recorded_ended_and_filtered(world, officer):
    client = api(officer)
    created = client.post(
        "/api/v1/appointments/",
        {
            "org": world.school_a1.pk,
            "post": "legal_vp",
            "name": "马警官",
            "unit": "冯记沟派出所",
            "started_on": "2024-09-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    aid = created.json()["id"]
    assert created.json()["in_office"] is True
    twice = client.post(
        "/api/v1/appointments/",
        {
            "org": world.school_a1.pk,
            "post": "legal_vp",
            "name": "马警官",
            "started_on": "2025-01-01",
        },
        format="json",
    )
    assert twice.status_code == 400 and "already holds this post" in str(twice.json())
    early = client.patch(
        f"/api/v1/appointments/{aid}/", {"ended_on": "2024-01-01", "version": 1}, format="json"
    )
    assert early.status_code == 400
    ended = client.patch(
        f"/api/v1/appointments/{aid}/",
        {"ended_on": yesterday().isoformat(), "end_reason": "调离", "version": 1},
        format="json",
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["in_office"] is False and ended.json()["end_reason"] == "调离"
    appoint(world.school_a1, "psy_part", "周老师")
    current = client.get("/api/v1/appointments/", {"in_office": "true"}).json()["results"]
    assert [a["name"] for a in current] == ["周老师"]
    assert Appointment.objects.count() == 2


def test_a_reader_may_not_write(world):
    police = f.user_with_role("department_liaison", world.town_a, department=world.police_a)
    appoint(world.school_a1, "legal_vp", "马警官")
    client = api(police)
    assert len(client.get("/api/v1/appointments/").json()["results"]) == 1
    answer = client.post(
        "/api/v1/training-sessions/",
        {
            "org": world.school_a1.pk,
            "audience": "guards",
            "topic": "保安培训",
            "started_on": yesterday().isoformat(),
            "hours": 6,
        },
        format="json",
    )
    assert answer.status_code == 403
