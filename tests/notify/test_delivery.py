"""Urgent events reach real servers on 127.0.0.1: an SMTP server and the robots' webhooks."""

import base64
import datetime
import hashlib
import hmac
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.accounts.roles import Role
from safecampus.notify import services
from safecampus.notify.choices import DeliveryStatus, Severity
from safecampus.notify.hazard_events import hazard_reported
from safecampus.notify.models import Channel, Delivery, Notification
from safecampus.notify.services import email_subject
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=False)


def channel(org, kind, target, **kw):
    return Channel.objects.create(org=org, name=f"{kind} group", kind=kind, target=target, **kw)


def test_urgent_hazard_emails_the_school_at_once(
    world, smtp_server, immediate_tasks, make_hazard, django_capture_on_commit_callbacks
):
    officer = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1, email="officer@a1.example")
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1, email="")  # no address
    bureau = f.user_with_role(Role.BUREAU_STAFF, world.county_a, email="bureau@yc.example")
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a2, email="other@a2.example")
    hazard = make_hazard(world.school_a1, grade="major")

    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(hazard)

    assert sorted(m["to"][0] for m in smtp_server.messages) == [
        "bureau@yc.example",
        "officer@a1.example",
    ]
    message = next(m for m in smtp_server.messages if m["to"] == ["officer@a1.example"])
    with translation.override("zh-hans"):
        expected = email_subject(
            title=_("Hazard %(number)s reported at %(school)s")
            % {"number": hazard.number, "school": "冯记沟中心小学"},
            severity=Severity.URGENT,
        )
    assert message["subject"].strip() == expected
    assert expected == f"【平安校园 · 紧急】冯记沟中心小学上报隐患 {hazard.number}"
    assert "冯记沟中心小学" in message["body"]
    assert "重大" in message["body"]
    assert "https://safe.example.org/hazards/" in message["body"]
    # In-app for everyone concerned, whether or not they have an address.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        officer.username,
        principal.username,
        bureau.username,
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_robots_receive_markdown_and_the_signed_dingtalk_url(
    world, http_server, immediate_tasks, make_hazard, django_capture_on_commit_callbacks
):
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    channel(world.county_a, "wecom", http_server.url("/wecom?key=abc"))
    secret = "SEC0123456789abcdef"
    channel(world.town_a, "dingtalk", http_server.url("/ding?access_token=xyz"), secret=secret)
    channel(world.county_b, "wecom", http_server.url("/other-county"))  # not an ancestor
    channel(world.county_a, "wecom", http_server.url("/inactive"), active=False)
    hazard = make_hazard(world.school_a1, grade="major")

    before = int(timezone.now().timestamp() * 1000)
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(hazard)

    assert sorted(r["path"] for r in http_server.requests) == ["/ding", "/wecom"]
    wecom = http_server.posts("/wecom")[0]
    assert wecom["query"] == {"key": "abc"}
    assert wecom["json"]["msgtype"] == "markdown"
    content = wecom["json"]["markdown"]["content"]
    with translation.override("zh-hans"):
        urgent = str(Severity.URGENT.label)
    assert "冯记沟中心小学" in content and f"【{urgent}】" in content and hazard.number in content
    assert "https://safe.example.org/" in content

    ding = http_server.posts("/ding")[0]
    assert ding["json"]["msgtype"] == "markdown"
    assert hazard.number in ding["json"]["markdown"]["title"]
    assert "冯记沟中心小学" in ding["json"]["markdown"]["text"]
    query = ding["query"]
    assert query["access_token"] == "xyz"
    timestamp = query["timestamp"]
    assert before - 1000 <= int(timestamp) <= int(timezone.now().timestamp() * 1000) + 1000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == expected


def test_routine_events_are_not_pushed(
    world,
    smtp_server,
    http_server,
    immediate_tasks,
    make_hazard,
    django_capture_on_commit_callbacks,
):
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a1, email="officer@a1.example")
    channel(world.county_a, "wecom", http_server.url("/wecom"))
    hazard = make_hazard(world.school_a1, grade="general")
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(hazard)
    assert Notification.objects.get().severity == Severity.ROUTINE
    assert smtp_server.messages == []
    assert http_server.requests == []
    assert not Delivery.objects.exists()


def test_a_channel_may_opt_in_to_routine_events(
    world, http_server, immediate_tasks, make_hazard, django_capture_on_commit_callbacks
):
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    channel(world.town_a, "wecom", http_server.url("/all"), min_severity=Severity.ROUTINE)
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(make_hazard(world.school_a1, grade="low"))
    assert len(http_server.posts("/all")) == 1


def test_failure_is_retried_with_backoff_and_shown_to_administrators(
    world, client, http_server, immediate_tasks, make_hazard, django_capture_on_commit_callbacks
):
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    channel(world.county_a, "wecom", http_server.url("/fail"))
    channel(world.county_a, "dingtalk", http_server.url("/errcode"))
    hazard = make_hazard(world.school_a1, grade="major")
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(hazard)

    failing = Delivery.objects.get(kind="wecom")
    assert failing.status == DeliveryStatus.PENDING
    assert failing.attempts == 1
    assert "HTTP 500" in failing.last_error
    assert start + datetime.timedelta(seconds=55) < failing.next_attempt_at
    assert failing.next_attempt_at < timezone.now() + datetime.timedelta(seconds=65)
    errcode = Delivery.objects.get(kind="dingtalk")
    assert "310000" in errcode.last_error

    # Not due yet: nothing is sent again.
    assert services.deliver_pending() == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(http_server.posts("/fail")) == 1

    # Due: retried, and the next wait grows (1, 5, 30 min, 2 h), then it stays failed.
    waits = []
    for _attempt in range(4):
        Delivery.objects.filter(pk=failing.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        services.deliver_pending()
        failing.refresh_from_db()
        if failing.next_attempt_at:
            waits.append(round((failing.next_attempt_at - before).total_seconds() / 60))
    assert waits == [5, 30, 120]
    assert failing.status == DeliveryStatus.FAILED
    assert failing.attempts == 5
    assert len(http_server.posts("/fail")) == 5

    # The county's administrator sees it, with the error, and may retry now.
    admin = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    client.force_login(admin)
    page = client.get(reverse("notify:deliveries"), {"status": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "HTTP 500" in html
    assert "key=" not in html  # the webhook's token is not shown
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notify:delivery_retry", args=[failing.pk]))
    assert response.status_code == 302
    failing.refresh_from_db()
    assert failing.attempts == 5 and failing.status == DeliveryStatus.FAILED
    assert len(http_server.posts("/fail")) == 6


def test_deliveries_page_is_scoped_and_for_administrators(
    world, client, http_server, immediate_tasks, make_hazard, django_capture_on_commit_callbacks
):
    channel(world.county_a, "wecom", http_server.url("/fail"))
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(make_hazard(world.school_a1, grade="major"))
    delivery = Delivery.objects.get()
    url = reverse("notify:deliveries")

    other = f.user_with_role(Role.BUREAU_STAFF, world.county_b)
    client.force_login(other)
    assert "HTTP 500" not in client.get(url).content.decode()
    assert client.post(reverse("notify:delivery_retry", args=[delivery.pk])).status_code == 404

    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    client.force_login(principal)
    assert client.get(url).status_code == 403

    leader = f.user_with_role(Role.BUREAU_LEADER, world.county_a)
    client.force_login(leader)
    assert "HTTP 500" in client.get(url).content.decode()
    assert client.post(reverse("notify:delivery_retry", args=[delivery.pk])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_claimed_delivery_is_sent_once(world, http_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    target = http_server.url("/wecom")
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            kind="wecom", address=target, subject="s", body=f"m{i}", next_attempt_at=timezone.now()
        )
        for i in range(5)
    )
    now = timezone.now()
    assert services.claim(deliveries[0].pk, now) is True
    assert services.claim(deliveries[0].pk, now) is False  # the second worker loses

    # Two workers racing over the same rows: each row is sent by exactly one of them.
    results = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(services.deliver_pending())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 4
    assert sorted(r["json"]["markdown"]["content"] for r in http_server.requests) == [
        "m1",
        "m2",
        "m3",
        "m4",
    ]


def test_a_claim_abandoned_by_a_dead_worker_is_taken_again(world, http_server):
    delivery = Delivery.objects.create(
        kind="wecom",
        address=http_server.url("/wecom"),
        subject="s",
        body="m",
        next_attempt_at=timezone.now(),
    )
    assert services.claim(delivery.pk)
    assert services.deliver_pending()["sent"] == 0  # being sent by its worker
    # The worker died an hour ago, mid-send: the claim has gone stale and is taken again.
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert services.deliver_pending()["sent"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_request_only_enqueues_and_a_worker_sends(
    world, smtp_server, make_hazard, django_capture_on_commit_callbacks, settings
):
    """With the database task backend (the embedded default) the web request sends nothing."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    f.user_with_role(Role.SAFETY_OFFICER, world.school_a1, email="officer@a1.example")
    with django_capture_on_commit_callbacks(execute=True):
        hazard_reported(make_hazard(world.school_a1, grade="major"))
    assert smtp_server.messages == []
    assert DBTaskResult.objects.filter(task_path="safecampus.notify.tasks.deliver_pending").exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert [m["to"] for m in smtp_server.messages] == [["officer@a1.example"]]
