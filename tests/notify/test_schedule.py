"""The periodic jobs: due at their times, run once per slot, claimed by one process."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from safecampus.notify import schedule
from safecampus.notify.models import PeriodicRun

pytestmark = pytest.mark.django_db


def at(hour, minute=0, day=24):
    return timezone.make_aware(datetime.datetime(2026, 11, day, hour, minute))


def test_every_schedule_is_listed_in_one_place():
    jobs = {j.name: j for j in schedule.SCHEDULE}
    assert jobs["digest"].at == datetime.time(7, 30)
    assert jobs["escalate_overdue"].at == datetime.time(6, 0)
    assert jobs["deliver_pending"].every == datetime.timedelta(minutes=1)


def test_daily_and_interval_jobs_are_due_once_per_slot():
    calls = []
    jobs = [
        schedule.Job("a", "builtins.print", at=datetime.time(7, 30)),
        schedule.Job("b", "builtins.print", every=datetime.timedelta(minutes=1)),
    ]
    for job in jobs:
        object.__setattr__(job, "run", lambda job=job: calls.append(job.name))
    assert schedule.run_due(at(7, 0), jobs) == ["b"]
    assert schedule.run_due(at(7, 0), jobs) == []  # b not due again within the minute
    assert schedule.run_due(at(7, 31), jobs) == ["a", "b"]
    assert schedule.run_due(at(8, 0), jobs) == ["b"]
    assert schedule.run_due(at(7, 29, day=25), jobs) == ["b"]
    assert schedule.run_due(at(7, 30, day=25), jobs) == ["a", "b"]
    assert calls.count("a") == 2
    assert schedule.seconds_until_next(at(7, 30, day=25), jobs) == 60


def test_a_run_claimed_by_another_process_is_skipped():
    job = schedule.Job("a", "builtins.print", every=datetime.timedelta(minutes=1))
    object.__setattr__(job, "run", lambda: None)
    PeriodicRun.objects.create(name="a", last_run_at=at(6, 0))
    # Another process ran it between our read and our claim.
    assert schedule._claim(job, at(5, 0), at(7, 0)) is False
    assert schedule._claim(job, at(6, 0), at(7, 0)) is True


def test_run_periodic_once(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("run_periodic", "--once", verbosity=0)
    names = set(PeriodicRun.objects.values_list("name", flat=True))
    assert "deliver_pending" in names
