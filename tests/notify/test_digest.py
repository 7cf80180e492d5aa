"""Routine events wait for the daily digest, which goes only to people with open items."""

import datetime

import pytest

from safecampus.accounts.roles import Role
from safecampus.notify import digest
from safecampus.notify.choices import Severity
from safecampus.notify.hazard_events import hazard_reported
from safecampus.notify.models import Delivery, Digest, Notification
from tests import factories as f

DAY = datetime.date(2026, 11, 24)


@pytest.fixture
def open_items(monkeypatch):
    """A stand-in for the hazards' provider: who still has something to do."""
    waiting: dict[int, list[str]] = {}
    monkeypatch.setattr(digest, "OPEN_ITEM_PROVIDERS", [lambda user: waiting.get(user.pk, [])])
    monkeypatch.setattr(digest, "CANDIDATE_PROVIDERS", [])
    return waiting


def test_digest_reaches_only_people_with_open_items_once_a_day(
    world, smtp_server, immediate_tasks, make_hazard, open_items, django_capture_on_commit_callbacks
):
    officer = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1, email="officer@a1.example")
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1, email="head@a1.example")
    hazard = make_hazard(world.school_a1, grade="general")
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(hazard)
    assert smtp_server.messages == []  # routine: nothing pushed
    assert Notification.objects.filter(severity=Severity.ROUTINE).count() == 2

    open_items[officer.pk] = ["1 hazard waits for your confirmation"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = digest.build_and_send(DAY)
    assert [d.user for d in sent] == [officer]
    assert [m["to"] for m in smtp_server.messages] == [["officer@a1.example"]]
    body = smtp_server.messages[0]["body"]
    assert "1 hazard waits for your confirmation" in body
    assert hazard.number in body and "冯记沟中心小学" in body
    assert "https://safe.example.org/notify/" in body
    # Shown in-app too, and the routine notification counts as sent.
    assert Notification.objects.filter(recipient=officer, event="digest").count() == 1
    assert not digest.pending_routine(officer).exists()
    # The principal has nothing left to do: no digest, the notification stays in the inbox.
    assert not Digest.objects.filter(user=principal).exists()
    assert digest.pending_routine(principal).exists()

    # Idempotent per day, even with new routine news.
    hazard_reported(make_hazard(world.school_a1, grade="low"))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.build_and_send(DAY) == []
    assert len(smtp_server.messages) == 1
    assert Delivery.objects.count() == 1

    # The next day the new news goes out.
    with django_capture_on_commit_callbacks(execute=True):
        assert [d.user for d in digest.build_and_send(DAY + datetime.timedelta(days=1))] == [
            officer
        ]
    assert len(smtp_server.messages) == 2


def test_digest_reminds_of_open_items_without_news(world, open_items, monkeypatch):
    officer = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)  # no email: in-app only
    monkeypatch.setattr(digest, "CANDIDATE_PROVIDERS", [lambda day: [officer.pk]])
    assert digest.build_and_send(DAY) == []  # nothing open
    open_items[officer.pk] = ["2 hazards are overdue"]
    [sent] = digest.build_and_send(DAY)
    assert "2 hazards are overdue" in sent.notification.body
    assert not Delivery.objects.exists()


def test_a_read_routine_notification_is_not_repeated(world, open_items):
    officer = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    from safecampus.notify.services import notify

    [n] = notify(
        event="test",
        severity=Severity.ROUTINE,
        record=world.school_a1,
        recipients=[officer],
        title="已读的消息",
    )
    n.read_at = n.created_at
    n.save()
    open_items[officer.pk] = ["something"]
    assert digest.build_and_send(DAY) == []  # read news, no candidate
