"""Every periodic job, in one place, and the loop that runs them (`safecampus run-periodic`).

| job              | when            | what                                                    |
|------------------|-----------------|---------------------------------------------------------|
| deliver_pending  | every minute    | send due deliveries, retries with backoff included      |
| escalate_overdue | daily at 06:00  | hazards.services.escalate_overdue, then tell people     |
| digest           | daily at 07:30  | the daily digest to people with open items              |
| incident_report_due | every minute | emergency.incidents.warn_report_deadlines: warn once    |

Times are local (settings.TIME_ZONE). Each run is claimed with a conditional UPDATE of its
PeriodicRun row, so two machines running the loop never run a job twice. Jobs only notify:
correctness never depends on them having run.
"""

import contextlib
import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone
from django.utils.module_loading import import_string

from safecampus.notify.models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django-tasks Task (or a plain callable)
    every: datetime.timedelta | None = None
    at: datetime.time | None = None  # daily, local time

    def _slot(self, now: datetime.datetime, days: int = 0) -> datetime.datetime:
        local = timezone.localtime(now)
        day = local.date() + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, self.at))

    def is_due(self, last: datetime.datetime | None, now: datetime.datetime) -> bool:
        if self.every is not None:
            return last is None or now >= last + self.every
        slot = self._slot(now)
        return now >= slot and (last is None or last < slot)

    def next_run(self, last: datetime.datetime | None, now: datetime.datetime):
        if self.is_due(last, now):
            return now
        if self.every is not None:
            return last + self.every
        slot = self._slot(now)
        return slot if now < slot else self._slot(now, days=1)

    def run(self):
        target = import_string(self.task)
        return target.call() if hasattr(target, "call") else target()


SCHEDULE: list[Job] = [
    Job(
        "deliver_pending",
        "safecampus.notify.tasks.deliver_pending",
        every=datetime.timedelta(minutes=1),
    ),
    Job("escalate_overdue", "safecampus.notify.tasks.escalate_overdue", at=datetime.time(6, 0)),
    Job("digest", "safecampus.notify.tasks.send_digests", at=datetime.time(7, 30)),
    Job(
        "incident_report_due",
        "safecampus.emergency.incidents.warn_report_deadlines",
        every=datetime.timedelta(minutes=1),
    ),
]


def last_runs() -> dict[str, datetime.datetime | None]:
    return dict(PeriodicRun.objects.values_list("name", "last_run_at"))


def _claim(job: Job, last: datetime.datetime | None, now: datetime.datetime) -> bool:
    with contextlib.suppress(IntegrityError):  # created by another process at that moment
        PeriodicRun.objects.get_or_create(name=job.name)
    rows = PeriodicRun.objects.filter(name=job.name)
    rows = rows.filter(last_run_at__isnull=True) if last is None else rows.filter(last_run_at=last)
    return rows.update(last_run_at=now) == 1


def run_due(now: datetime.datetime | None = None, jobs: list[Job] | None = None) -> list[str]:
    """Run every job that is due at `now`; returns the names of those this process ran."""
    now = now or timezone.now()
    known = last_runs()
    ran = []
    for job in jobs or SCHEDULE:
        last = known.get(job.name)
        if not job.is_due(last, now) or not _claim(job, last, now):
            continue
        try:
            job.run()
        except Exception:
            logger.exception("periodic job %s failed", job.name)
        ran.append(job.name)
    return ran


def seconds_until_next(
    now: datetime.datetime | None = None, jobs: list[Job] | None = None
) -> float:
    now = now or timezone.now()
    known = last_runs()
    nxt = min(job.next_run(known.get(job.name), now) for job in jobs or SCHEDULE)
    return max((nxt - now).total_seconds(), 0.0)
