"""The inbox is the recipient's own: another user gets 404, urgent alerts are acknowledged."""

import pytest
from django.urls import reverse

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.notify.choices import Severity
from safecampus.notify.services import notify
from safecampus.notify.views import unread_count
from tests import factories as f


@pytest.fixture
def two(world):
    mine = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    other = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)  # same school, even
    [urgent] = notify(
        event="test",
        severity=Severity.URGENT,
        record=world.school_a1,
        recipients=[mine],
        title="紧急：消防通道堵塞",
        body="请立即处理",
        link="/notify/",
    )
    [routine] = notify(
        event="test",
        severity=Severity.ROUTINE,
        record=world.school_a1,
        recipients=[mine],
        title="例行：新隐患登记",
    )
    return mine, other, urgent, routine


def test_inbox_lists_only_my_notifications(client, two):
    mine, other, urgent, _routine = two
    client.force_login(mine)
    html = client.get(reverse("notify:inbox")).content.decode()
    assert "紧急：消防通道堵塞" in html and "例行：新隐患登记" in html
    assert unread_count(mine) == 2

    client.force_login(other)
    html = client.get(reverse("notify:inbox")).content.decode()
    assert "紧急：消防通道堵塞" not in html
    assert unread_count(other) == 0
    for name in ("open",):
        assert client.get(reverse(f"notify:{name}", args=[urgent.pk])).status_code == 404
    for name in ("read", "acknowledge"):
        assert client.post(reverse(f"notify:{name}", args=[urgent.pk])).status_code == 404
    urgent.refresh_from_db()
    assert urgent.read_at is None and urgent.acknowledged_at is None


def test_read_and_acknowledge(client, two):
    mine, _other, urgent, routine = two
    client.force_login(mine)
    # "Mark all read" leaves urgent alerts that still need acknowledging.
    client.post(reverse("notify:read_all"))
    routine.refresh_from_db()
    urgent.refresh_from_db()
    assert routine.read_at is not None and urgent.read_at is None
    assert unread_count(mine) == 1

    response = client.post(reverse("notify:acknowledge", args=[urgent.pk]))
    assert response.status_code == 302
    urgent.refresh_from_db()
    assert urgent.acknowledged_at is not None and urgent.read_at is not None
    assert AuditEntry.objects.filter(object_id=str(urgent.pk), user=mine).exists()
    assert unread_count(mine) == 0


def test_opening_marks_read_and_follows_the_link(client, two):
    mine, _other, urgent, _routine = two
    client.force_login(mine)
    response = client.get(reverse("notify:open", args=[urgent.pk]))
    assert response.status_code == 302 and response.url == "/notify/"
    urgent.refresh_from_db()
    assert urgent.read_at is not None


def test_inbox_needs_a_login(client):
    response = client.get(reverse("notify:inbox"))
    assert response.status_code == 302


def test_inbox_query_count(client, two, django_assert_max_num_queries):
    mine, _other, _urgent, _routine = two
    for i in range(10):
        notify(
            event="test",
            severity=Severity.ROUTINE,
            record=mine.org,
            recipients=[mine],
            title=f"消息{i}",
        )
    client.force_login(mine)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notify:inbox")).status_code == 200
