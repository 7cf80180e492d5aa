"""The audit trail page: scoped, filtered, paginated, read-only."""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.core.services import update_record
from safecampus.orgs.models import OrgNode, Person
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(world):
    """A person in each county, created and then edited by someone of that county."""
    staff_a = f.user_with_role(Role.BUREAU_STAFF, world.county_a, last_name="杨", first_name="美玲")
    staff_b = f.user_with_role(Role.BUREAU_STAFF, world.county_b, last_name="马", first_name="强")
    from safecampus.core.services import create_record

    pa = create_record(instance=Person(org=world.school_a1, name="王校长"), by=staff_a)
    pb = create_record(instance=Person(org=world.school_b1, name="马校长"), by=staff_b)
    update_record(instance=pa, by=staff_a, data={"phone": "13900000001"})
    return {"staff_a": staff_a, "staff_b": staff_b, "pa": pa, "pb": pb}


def rows(response):
    return [row["entry"] for row in response.context["rows"]]


def test_trail_is_scoped_to_the_users_subtree(client, trail):
    client.force_login(trail["staff_a"])
    response = client.get(reverse("audit:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "王校长" in body and "马校长" not in body
    assert "同心县" not in body and "豫海中学" not in body
    assert all(e.org_path.startswith(trail["pa"].org_path[:14]) for e in rows(response))


def test_school_user_sees_only_their_school(client, world, trail):
    client.force_login(f.user_with_role(Role.PRINCIPAL, world.school_a2))
    response = client.get(reverse("audit:list"))
    assert "王校长" not in response.content.decode()
    assert {e.org_id for e in rows(response)} <= {world.school_a2.pk}


def test_roles_without_the_trail_get_403(client, world):
    client.force_login(f.user_with_role(Role.TEACHER, world.school_a1))
    assert client.get(reverse("audit:list")).status_code == 403


def test_filters(client, world, trail):
    client.force_login(trail["staff_a"])
    url = reverse("audit:list")
    person_type = ContentType.objects.get_for_model(Person).pk
    response = client.get(url, {"record_type": person_type})
    assert {e.object_repr for e in rows(response)} == {"王校长"}
    response = client.get(url, {"record_type": person_type, "action": "update"})
    assert [e.action for e in rows(response)] == ["update"]
    response = client.get(url, {"who": "杨美玲"})
    assert rows(response) and all(e.user_id == trail["staff_a"].pk for e in rows(response))
    response = client.get(url, {"user": trail["staff_a"].pk})
    assert sorted(e.action for e in rows(response)) == ["create", "login", "update"]
    response = client.get(url, {"node": world.school_a1.pk})
    assert {e.org_id for e in rows(response)} == {world.school_a1.pk}
    today = timezone.localdate()
    response = client.get(url, {"date_from": today.isoformat(), "date_to": today.isoformat()})
    assert rows(response)
    tomorrow = today + datetime.timedelta(days=1)
    response = client.get(url, {"date_from": tomorrow.isoformat()})
    assert rows(response) == []


def test_changes_are_shown_before_and_after(client, trail):
    client.force_login(trail["staff_a"])
    body = client.get(reverse("audit:list"), {"action": "update"}).content.decode()
    assert "13900000001" in body


def test_the_trail_is_read_only(client, trail):
    client.force_login(trail["staff_a"])
    assert client.post(reverse("audit:list"), {}).status_code == 405
    main = client.get(reverse("audit:list")).content.decode().split('id="main"')[1]
    assert 'method="post"' not in main


def test_trail_is_paginated(client, world, trail):
    staff = trail["staff_a"]
    for i in range(60):
        f.node(world.town_a, "village", f"村{i}")
    client.force_login(staff)
    response = client.get(reverse("audit:list"))
    assert len(rows(response)) == 50
    assert response.context["page_obj"].paginator.num_pages == 2
    response = client.get(reverse("audit:list"), {"page": 2})
    assert response.status_code == 200


def test_trail_export_is_scoped(client, trail):
    client.force_login(trail["staff_a"])
    response = client.get(reverse("audit:list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    records = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "王校长" in records and "马校长" not in records


def test_trail_list_does_not_grow_queries(client, world, trail, django_assert_max_num_queries):
    client.force_login(trail["staff_a"])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("audit:list"))
    for i in range(30):
        node = f.node(world.town_a, "village", f"村{i}")
        update_record(instance=node, by=trail["staff_a"], data={"short_name": f"村{i}"})
    assert (
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(OrgNode)).count()
        > 40
    )
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        client.get(reverse("audit:list"))
