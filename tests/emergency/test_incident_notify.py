"""A new incident is urgent news at once, at the real local servers (SMTP and the group
robots' webhooks); a first report to the bureau about to be late is warned of once."""

import datetime

import pytest
from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.emergency import incidents
from safecampus.emergency.choices import Step
from safecampus.emergency.models import Incident
from safecampus.notify import schedule
from safecampus.notify.models import Channel, Delivery, Notification
from tests import factories as f
from tests.emergency.incident_helpers import minutes_ago, report
from tests.notify import conftest as servers

# The real local servers of the notification tests (SMTP, the robots' webhooks).
smtp_server, http_server, immediate_tasks = (
    servers.smtp_server,
    servers.http_server,
    servers.immediate_tasks,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailboxes(world):
    return {
        "bureau": f.user_with_role(Role.BUREAU_STAFF, world.county_a, email="bureau@yc.example"),
        "leader": f.user_with_role(Role.BUREAU_LEADER, world.county_a, email="leader@yc.example"),
        "principal": f.user_with_role(Role.PRINCIPAL, world.school_a1, email="head@a1.example"),
        "officer": f.user_with_role(
            Role.SAFETY_OFFICER, world.school_a1, email="safety@a1.example"
        ),
        "teacher": f.user_with_role(Role.TEACHER, world.school_a1, email="teacher@a1.example"),
        "other_school": f.user_with_role(Role.PRINCIPAL, world.school_a2, email="head@a2.example"),
        "other_county": f.user_with_role(
            Role.BUREAU_STAFF, world.county_b, email="bureau@tx.example"
        ),
    }


def test_new_incident_mails_bureau_and_school_managers_at_once(
    world, mailboxes, smtp_server, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(
            world.school_a1, mailboxes["teacher"], incident_type="drowning", severity="major"
        )
    assert sorted(m["to"][0] for m in smtp_server.messages) == [
        "bureau@yc.example",
        "head@a1.example",
        "leader@yc.example",
        "safety@a1.example",
    ]
    message = smtp_server.messages[0]
    assert incident.number in message["subject"]
    assert "紧急" in message["subject"]
    assert f"https://safe.example.org/emergency/incidents/{incident.pk}/" in message["body"]
    assert set(Notification.objects.values_list("severity", flat=True)) == {"urgent"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_sensitive_incident_reaches_the_robots_without_details(
    world, mailboxes, http_server, smtp_server, immediate_tasks, django_capture_on_commit_callbacks
):
    Channel.objects.create(
        org=world.county_a, name="县安全群", kind="wecom", target=http_server.url("/wecom?key=k")
    )
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(
            world.school_a1,
            mailboxes["officer"],
            incident_type="sexual_assault",
            place="女生宿舍三楼",
            description="宿管发现异常情况",
            names="赵小红",
        )
    posts = http_server.posts("/wecom")
    assert len(posts) == 1
    text = str(posts[0]["json"])
    assert incident.number in text
    for secret in ("女生宿舍", "宿管发现", "赵小红"):
        assert secret not in text
        assert all(secret not in m["body"] for m in smtp_server.messages)


def test_deadline_warning_is_sent_once(
    world, mailboxes, smtp_server, immediate_tasks, django_capture_on_commit_callbacks
):
    late = report(
        world.school_a1, mailboxes["teacher"], occurred_at=minutes_ago(50)
    )  # due in 10 min, warned 15 min before
    report(world.school_a1, mailboxes["teacher"], occurred_at=minutes_ago(5))  # not yet
    done = report(world.school_a1, mailboxes["teacher"], occurred_at=minutes_ago(55))
    incidents.entry_append(incident=done, by=mailboxes["officer"], step=Step.BUREAU_REPORTED)
    report(world.school_b1, mailboxes["other_county"], occurred_at=minutes_ago(50))
    Delivery.objects.all().delete()  # the reports' own alerts are another test's
    Notification.objects.all().delete()

    jobs = [j for j in schedule.SCHEDULE if j.name == "incident_report_due"]
    assert jobs, "the warning is a periodic job of notify.schedule"
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule.run_due(jobs=jobs) == ["incident_report_due"]
    warned = Incident.objects.filter(deadline_warned_at__isnull=False)
    assert {i.org_id for i in warned} == {world.school_a1.pk, world.school_b1.pk}
    assert late in warned and done not in warned
    a1_mail = sorted(m["to"][0] for m in smtp_server.messages if late.number in m["subject"])
    assert a1_mail == [
        "bureau@yc.example",
        "head@a1.example",
        "safety@a1.example",
        "teacher@a1.example",
    ]
    count = len(smtp_server.messages)

    # Once only: neither the next run nor a second process warns again.
    later = timezone.now() + datetime.timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert incidents.warn_report_deadlines(later) == []
        schedule.run_due(later, jobs=jobs)
    assert len(smtp_server.messages) == count


def test_a_closed_or_reported_incident_is_never_warned(world, mailboxes):
    closed = report(world.school_a1, mailboxes["officer"], occurred_at=minutes_ago(120))
    incidents.entry_append(incident=closed, by=mailboxes["officer"], step=Step.CLOSED, text="误报")
    assert incidents.warn_report_deadlines() == []
