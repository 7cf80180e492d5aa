"""The audit trail over the API: read-only, scoped, and filterable by record, user and day."""

import datetime

import pytest
from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401


@pytest.fixture
def trail(world):
    """Two edits of a person at school A1 by the school's principal, one in county B."""
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    client = api(principal)
    person = client.post("/api/v1/people/", {"org": world.school_a1.pk, "name": "王老师"}).json()
    client.patch(f"/api/v1/people/{person['id']}/", {"post": "安全员", "version": 1})
    staff_b = f.user_with_role(Role.BUREAU_STAFF, world.county_b)
    other = api(staff_b).post("/api/v1/people/", {"org": world.school_b1.pk, "name": "马老师"})
    return principal, person["id"], other.json()["id"]


def entries(client, **params):
    response = client.get("/api/v1/audit/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.django_db
def test_one_records_history(world, trail):
    principal, person_id, _other = trail
    rows = entries(api(principal), record=f"orgs.person:{person_id}")
    assert [(r["action"], r["record_type"], r["user"]) for r in rows] == [
        ("update", "orgs.person", principal.pk),
        ("create", "orgs.person", principal.pk),
    ]
    assert rows[0]["changes"] == {"post": ["", "安全员"]}
    assert rows[0]["org_name"] == "冯记沟中心小学"


@pytest.mark.django_db
def test_filters_by_type_user_action_and_day(world, trail):
    principal, person_id, _other = trail
    client = api(principal)
    assert {r["object_id"] for r in entries(client, record_type="orgs.person")} == {str(person_id)}
    assert len(entries(client, user=principal.pk)) == 2
    assert [r["action"] for r in entries(client, action="create", user=principal.pk)] == ["create"]
    today = timezone.localdate()
    assert len(entries(client, since=today.isoformat(), user=principal.pk)) == 2
    assert len(entries(client, until=today.isoformat(), user=principal.pk)) == 2
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert entries(client, since=tomorrow) == []
    assert entries(client, until=yesterday) == []


@pytest.mark.django_db
@pytest.mark.parametrize("record", ["orgs.person", "nothing.here:1", "orgs.person:", ":1"])
def test_malformed_or_unknown_record_is_empty(world, trail, record):
    assert entries(api(trail[0]), record=record) == []


@pytest.mark.django_db
def test_a_record_out_of_scope_has_no_history_to_show(world, trail):
    principal, _person_id, other_id = trail
    client = api(principal)
    assert entries(client, record=f"orgs.person:{other_id}") == []
    other_entry = AuditEntry.objects.get(
        content_type__model="person", object_id=str(other_id), action="create"
    )
    assert client.get(f"/api/v1/audit/{other_entry.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_trail_cannot_be_written(world, trail):
    principal = trail[0]
    entry = AuditEntry.objects.filter(user=principal).first()
    client = api(principal)
    assert client.post("/api/v1/audit/", {"comment": "x"}).status_code == 405
    assert client.delete(f"/api/v1/audit/{entry.pk}/").status_code == 405
    assert client.put(f"/api/v1/audit/{entry.pk}/", {"comment": "x"}).status_code == 405


@pytest.mark.django_db
def test_since_must_be_a_date(world, trail):
    response = api(trail[0]).get("/api/v1/audit/", {"since": "last week"})
    assert response.status_code == 400
    assert "since" in response.json()
