"""Background work of the notifications capability (django-tasks).

With the embedded database backend a worker (`safecampus db_worker`) runs what is enqueued;
`safecampus run-periodic` also calls `deliver_pending` every minute, so nothing waits forever
if no worker runs. The schedule of periodic jobs is in notify.schedule, in one place.
"""

import datetime

from django_tasks import task


@task()
def deliver_pending() -> dict:
    """Claim and send every due delivery (each claimed by one worker only)."""
    from safecampus.notify import services

    return services.deliver_pending()


@task()
def send_digests(day: str | None = None) -> int:
    """The daily digest for `day` (ISO date; today by default)."""
    from safecampus.notify import digest

    return len(digest.build_and_send(datetime.date.fromisoformat(day) if day else None))


@task()
def escalate_overdue(day: str | None = None) -> int:
    """Record the escalation steps that became due, and tell the people concerned."""
    from safecampus.notify.hazard_events import escalate_and_notify

    return len(escalate_and_notify(today=datetime.date.fromisoformat(day) if day else None))
