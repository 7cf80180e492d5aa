"""The completion rollups (periods done, schedules running): kept exactly in step by every
writer of inspections and schedules (new checks, second checks of a period, checks at
another school, bulk creates, a schedule stopped, moved, given another rhythm or other
dates, or deleted), proven by `rollups check`;
concurrent checks of one period count it once; a signed check is never deleted. That the
completion read from it equals the schedule-by-schedule rule is proven in test_schedules."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from safecampus.hazards import rollups
from safecampus.hazards.choices import Rhythm
from safecampus.hazards.models import Inspection, Schedule
from safecampus.hazards.rollup_models import InspectionDoneRollup, Level, ScheduleRollup
from safecampus.hazards.schedule_services import schedule_end
from safecampus.hazards.schedules import schedule_defaults_for
from tests.hazards.test_api_concurrency import run_together

D = datetime.date
MONDAY = D(2026, 11, 16)


def _check(schedule, first_day, *, org=None) -> Inspection:
    return Inspection.objects.create(
        org=org or schedule.org,
        schedule=schedule,
        period_start=first_day,
        checklist=schedule.template.current,
        inspected_at=timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(9))),
        signed_name="马建军",
    )


def _done(node, level, rhythm, first_day) -> int:
    row = InspectionDoneRollup.objects.filter(
        level=level, org_path=rollups.cut(node.path, level), rhythm=rhythm, period_start=first_day
    ).first()
    return row.n if row else 0


def _schedules(school) -> dict:
    schedule_defaults_for(school, by=None, starts_on=D(2026, 9, 1))
    return {
        s.rhythm: s
        for s in Schedule.objects.filter(org=school).select_related("org", "template__current")
    }


@pytest.mark.django_db
def test_every_writer_keeps_the_periods_done_exact(world):
    a1, a2 = _schedules(world.school_a1), _schedules(world.school_a2)
    weekly = a1[Rhythm.WEEKLY]
    _check(weekly, MONDAY)
    _check(weekly, MONDAY)  # a second check of the same week: still one week done
    _check(a2[Rhythm.WEEKLY], MONDAY)
    _check(a1[Rhythm.SCHOOL_DAY], MONDAY, org=world.school_b1)  # at another school: no
    assert rollups.check() == []
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, MONDAY) == 1
    assert _done(world.county_a, Level.COUNTY, Rhythm.WEEKLY, MONDAY) == 2
    assert _done(world.school_a1, Level.LEAF, Rhythm.SCHOOL_DAY, MONDAY) == 0

    # Bulk: three days of daily checks at once, one of them twice.
    daily = a1[Rhythm.SCHOOL_DAY]
    Inspection.objects.bulk_create(
        [
            Inspection(
                org=world.school_a1,
                org_path=world.school_a1.path,
                schedule=daily,
                period_start=day,
                checklist=daily.template.current,
                inspected_at=timezone.now(),
                signed_name="马建军",
            )
            for day in (MONDAY, MONDAY, D(2026, 11, 17), D(2026, 11, 18))
        ]
    )
    assert rollups.check() == []
    assert _done(world.city, Level.CITY, Rhythm.SCHOOL_DAY, MONDAY) == 1

    # A check moved to another week, by save and by a queryset update.
    moved = _check(weekly, D(2026, 11, 9))
    moved.period_start = D(2026, 11, 2)
    moved.save()
    assert rollups.check() == []
    Inspection.objects.filter(pk=moved.pk).update(period_start=D(2026, 10, 26))
    assert rollups.check() == []
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, D(2026, 11, 2)) == 0
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, D(2026, 10, 26)) == 1

    # A schedule stopped and started again, by save and by a queryset update.
    weekly.is_active = False
    weekly.save()
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, MONDAY) == 0
    assert rollups.check() == []
    Schedule.objects.filter(pk=weekly.pk).update(is_active=True)
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, MONDAY) == 1
    assert rollups.check() == []

    # Another rhythm; an ad-hoc schedule's checks are not periods.
    Schedule.objects.filter(pk=weekly.pk).update(rhythm=Rhythm.MONTHLY)
    assert _done(world.school_a1, Level.LEAF, Rhythm.MONTHLY, MONDAY) == 1
    weekly.refresh_from_db()
    weekly.rhythm = Rhythm.AD_HOC
    weekly.save()
    assert _done(world.school_a1, Level.LEAF, Rhythm.MONTHLY, MONDAY) == 0
    assert rollups.check() == []

    # Moved to another county's school: the checks made at the old one no longer count, the
    # one made at the new school (naming the schedule from before) now does.
    daily.org = world.school_b1
    daily.save()
    assert _done(world.county_a, Level.COUNTY, Rhythm.SCHOOL_DAY, MONDAY) == 0
    assert _done(world.school_b1, Level.LEAF, Rhythm.SCHOOL_DAY, MONDAY) == 1
    assert _done(world.school_b1, Level.LEAF, Rhythm.SCHOOL_DAY, D(2026, 11, 17)) == 0
    assert rollups.check() == []
    daily.org = world.school_a1
    daily.save()
    assert _done(world.county_a, Level.COUNTY, Rhythm.SCHOOL_DAY, D(2026, 11, 18)) == 1

    # Dates: ended by the service, begun later by a queryset update; schedules made in bulk.
    schedule_end(schedule=daily, by=None, ends_on=D(2026, 11, 30), expected_version=None)
    Schedule.objects.filter(pk=a2[Rhythm.MONTHLY].pk).update(starts_on=D(2026, 11, 10))
    made = Schedule.objects.bulk_create(
        [
            Schedule(
                org=school,
                org_path=school.path,
                title="月检查",
                template=daily.template,
                rhythm=Rhythm.MONTHLY,
                starts_on=D(2026, 11, 1),
            )
            for school in (world.school_a1, world.school_b1)
        ]
    )
    assert rollups.check() == []
    running = ScheduleRollup.objects.get(
        level=Level.CITY,
        org_path=world.city.path,
        rhythm=Rhythm.MONTHLY,
        starts_on=D(2026, 11, 1),
        ends_on=rollups.NO_END,
    )
    assert running.n == len(made) == 2

    # Deleted: its checks stay, with no schedule, and its periods leave the rollup.
    a2[Rhythm.WEEKLY].delete()
    assert _done(world.school_a2, Level.LEAF, Rhythm.WEEKLY, MONDAY) == 0
    assert rollups.check() == []
    assert Inspection.objects.filter(org=world.school_a2, schedule__isnull=True).exists()

    kept = set(
        InspectionDoneRollup.objects.values_list("level", "org_path", "rhythm", "period_start", "n")
    )
    assert kept
    rollups.rebuild()
    assert (
        set(
            InspectionDoneRollup.objects.values_list(
                "level", "org_path", "rhythm", "period_start", "n"
            )
        )
        == kept
    )


@pytest.mark.django_db
def test_a_tampered_row_fails_the_check_with_its_key(world):
    weekly = _schedules(world.school_a1)[Rhythm.WEEKLY]
    _check(weekly, MONDAY)
    InspectionDoneRollup.objects.filter(level=Level.CITY).update(n=5)
    (mismatch,) = rollups.check()
    assert mismatch.table == InspectionDoneRollup._meta.db_table
    assert mismatch.key == (Level.CITY, world.city.path, Rhythm.WEEKLY, MONDAY)
    assert (mismatch.expected, mismatch.stored) == ((1,), (5,))
    rollups.rebuild()
    assert rollups.check() == []


@pytest.mark.django_db
def test_a_signed_check_is_not_deleted(world):
    weekly = _schedules(world.school_a1)[Rhythm.WEEKLY]
    check = _check(weekly, MONDAY)
    with pytest.raises(PermissionError), transaction.atomic():
        check.delete()
    with pytest.raises(PermissionError), transaction.atomic():
        Inspection.objects.filter(pk=check.pk).delete()
    assert Inspection.objects.filter(pk=check.pk).exists()
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, MONDAY) == 1


@pytest.mark.django_db(transaction=True)
def test_two_checks_of_one_period_at_the_same_moment_count_it_once(world):
    """Each check locks its schedule before it looks for an earlier check of the period, so
    the second waits for the first and sees it (PostgreSQL), or the transactions queue
    (SQLite)."""
    weekly = _schedules(world.school_a1)[Rhythm.WEEKLY]
    other = _schedules(world.school_a2)[Rhythm.WEEKLY]

    def check(schedule):
        def job(meet):
            return _check(
                Schedule.objects.select_related("org", "template__current").get(pk=schedule.pk),
                MONDAY,
            )

        return job

    results = run_together(check(weekly), check(weekly), check(other))
    assert all(isinstance(r, Inspection) for r in results), results
    assert rollups.check() == []
    assert _done(world.school_a1, Level.LEAF, Rhythm.WEEKLY, MONDAY) == 1
    assert _done(world.county_a, Level.COUNTY, Rhythm.WEEKLY, MONDAY) == 2
