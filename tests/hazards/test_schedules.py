"""The school calendar and due / done / missed derived at read time."""

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from safecampus.accounts.models import RoleAssignment
from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.hazards import calendar as cal_mod
from safecampus.hazards.calendar import calendar_for, calendar_period_save, default_calendar
from safecampus.hazards.choices import Rhythm
from safecampus.hazards.models import CalendarPeriod, Inspection, Schedule, Spot
from safecampus.hazards.schedules import (
    completion,
    due_counts,
    due_inspections,
    period_for,
    periods_between,
    schedule_defaults_for,
)
from safecampus.orgs.models import OrgNode
from tests import factories as f
from tests.hazards.helpers import checklist

D = datetime.date
TODAY = D(2026, 11, 24)  # a Tuesday in the autumn term
START = D(2026, 11, 2)  # a Monday


def test_the_default_calendar_knows_terms_holidays_and_weekends():
    cal = default_calendar(TODAY)
    assert cal.is_school_day(TODAY)
    assert not cal.is_school_day(D(2026, 11, 28))  # Saturday
    for day in range(1, 8):
        assert not cal.is_school_day(D(2026, 10, day))  # National Day week
    assert cal.is_school_day(D(2026, 10, 10))  # a Saturday worked in exchange
    assert not cal.is_school_day(D(2026, 8, 10))  # summer break
    assert not cal.is_school_day(D(2026, 5, 4))  # Labour Day
    assert not cal.is_school_day(D(2026, 2, 10))  # winter break
    assert cal.is_school_day(D(2026, 3, 2))  # spring term begins
    assert cal.term_of(TODAY).name == "2026年秋季学期"
    assert cal.term_of(D(2026, 7, 20)) is None
    assert cal.next_holiday_after(TODAY).name == "元旦"
    assert any(h.name == "清明节" for h in cal.holidays)
    # Years without published dates fall back to the usual rules.
    later = default_calendar(D(2031, 11, 1))
    assert not later.is_school_day(D(2031, 10, 2))
    assert later.term_of(D(2031, 11, 3)) is not None


def test_a_county_calendar_overrides_the_default_for_its_schools_only(world):
    bureau = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    calendar_period_save(
        node=world.county_a, by=bureau, kind="term", name="秋季学期",
        start=D(2026, 8, 24), end=D(2027, 1, 15),
    )  # fmt: skip
    calendar_period_save(
        node=world.county_a, by=bureau, kind="holiday", name="国庆节",
        start=D(2026, 10, 1), end=D(2026, 10, 8),
    )  # fmt: skip
    assert AuditEntry.objects.filter(org_path=world.county_a.path, user=bureau).count() == 2
    mine, other = calendar_for(world.school_a1), calendar_for(world.school_b1)
    assert mine.source == world.county_a and other.source is None
    assert mine.is_school_day(D(2026, 8, 25)) and not other.is_school_day(D(2026, 8, 25))
    assert not mine.is_school_day(D(2026, 10, 8))
    with pytest.raises(Exception):  # noqa: B017  a school is refused its own calendar
        calendar_period_save(
            node=world.school_a1, by=bureau, kind="term", name="x", start=TODAY, end=TODAY
        )
    outsider = f.user_with_role(Role.BUREAU_STAFF, world.county_b)
    with pytest.raises(Exception):  # noqa: B017
        calendar_period_save(
            node=world.county_a, by=outsider, kind="term", name="x", start=TODAY, end=TODAY
        )
    assert CalendarPeriod.objects.count() == 2


def test_periods_per_rhythm():
    cal = default_calendar(TODAY)

    def sched(rhythm):
        return Schedule(rhythm=rhythm, starts_on=D(2025, 1, 1))

    assert period_for(sched(Rhythm.SCHOOL_DAY), TODAY, cal) == (TODAY, TODAY)
    assert period_for(sched(Rhythm.SCHOOL_DAY), D(2026, 11, 28), cal) is None
    assert period_for(sched(Rhythm.WEEKLY), TODAY, cal) == (D(2026, 11, 23), D(2026, 11, 29))
    assert period_for(sched(Rhythm.MONTHLY), TODAY, cal) == (D(2026, 11, 1), D(2026, 11, 30))
    assert period_for(sched(Rhythm.MONTHLY), D(2026, 8, 5), cal) is None
    assert period_for(sched(Rhythm.TERM_START), D(2026, 9, 8), cal) == (
        D(2026, 9, 1),
        D(2026, 9, 14),
    )
    assert period_for(sched(Rhythm.TERM_START), TODAY, cal) is None
    # The three school days before New Year's Day (a Friday).
    assert period_for(sched(Rhythm.BEFORE_HOLIDAY), D(2026, 12, 30), cal) == (
        D(2026, 12, 29),
        D(2026, 12, 31),
    )
    assert period_for(sched(Rhythm.BEFORE_HOLIDAY), TODAY, cal) is None
    assert period_for(sched(Rhythm.AD_HOC), TODAY, cal) is None
    late = Schedule(rhythm=Rhythm.SCHOOL_DAY, starts_on=D(2026, 12, 1))
    assert period_for(late, TODAY, cal) is None


def _daily(school):
    schedule_defaults_for(school, by=None, starts_on=START)
    return Schedule.objects.get(org=school, rhythm=Rhythm.SCHOOL_DAY)


def _check(schedule, day, *, linked=True):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
    return Inspection.objects.create(
        org=schedule.org,
        schedule=schedule if linked else None,
        period_start=day if linked else None,
        checklist=schedule.template.current,
        inspected_at=moment,
        signed_name="马建军",
    )


def test_schedule_defaults_give_spots_and_the_standard_schedules(world):
    made = schedule_defaults_for(world.school_a1, by=None, starts_on=START)
    names = set(Spot.objects.filter(org=world.school_a1).values_list("name", flat=True))
    assert {
        "校门",
        "门卫室",
        "食堂操作间",
        "配电室",
        "消防通道",
        "教学楼楼梯间",
        "操场",
        "围墙",
    } <= names
    assert "学生宿舍" not in names  # not a boarding school
    rhythms = set(Schedule.objects.filter(org=world.school_a1).values_list("rhythm", flat=True))
    assert rhythms == {
        Rhythm.SCHOOL_DAY, Rhythm.WEEKLY, Rhythm.MONTHLY, Rhythm.TERM_START, Rhythm.BEFORE_HOLIDAY,
    }  # fmt: skip
    assert len(made["schedules"]) == 5
    assert AuditEntry.objects.filter(object_id=str(made["schedules"][0].pk)).exists()
    again = schedule_defaults_for(world.school_a1, by=None, starts_on=START)
    assert again == {"spots": [], "schedules": []}


def test_due_done_and_missed_under_a_controlled_day(world):
    daily = _daily(world.school_a1)
    for day in (D(2026, 11, 16), D(2026, 11, 18), D(2026, 11, 20)):
        _check(daily, day)
    safety = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    rows = [r for r in due_inspections(user=safety, day=TODAY) if r.schedule == daily]
    by_status = {}
    for r in rows:
        by_status.setdefault(r.status, []).append(r.period_start)
    assert by_status == {
        "missed": [D(2026, 11, 17), D(2026, 11, 19), D(2026, 11, 23)],
        "due": [TODAY],
    }
    assert all(r.school == world.school_a1 for r in rows)
    # An ad hoc check with the same checklist inside a period counts for it.
    _check(daily, D(2026, 11, 19), linked=False)
    _check(daily, TODAY)
    rows = [r for r in due_inspections(user=safety, day=TODAY) if r.schedule == daily]
    assert [(r.status, r.period_start) for r in rows] == [
        ("missed", D(2026, 11, 17)),
        ("missed", D(2026, 11, 23)),
        ("done", TODAY),
    ]
    assert rows[-1].inspection is not None
    # Another school's user sees none of it.
    other = f.user_with_role(Role.SAFETY_OFFICER, world.school_a2)
    assert all(r.school == world.school_a2 for r in due_inspections(user=other, day=TODAY))


def test_completion_for_a_school(world, django_assert_max_num_queries):
    daily = _daily(world.school_a1)
    for day in (D(2026, 11, 16), D(2026, 11, 18), D(2026, 11, 20)):
        _check(daily, day)
    _check(daily, D(2026, 11, 19), linked=False)
    Schedule.objects.filter(org=world.school_a1).exclude(pk=daily.pk).update(is_active=False)
    safety = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    with django_assert_max_num_queries(9):
        result = completion(user=safety, node=world.school_a1, start=START, end=TODAY, today=TODAY)
    # 17 school days from 2 to 24 November; 4 checked, today's still due, 12 missed.
    assert result["expected"] == 17
    assert result["done"] == 4 and result["due"] == 1 and result["missed"] == 12
    assert result["rate"] == round(4 / 16, 4)


def test_completion_for_a_county_counts_only_schools_in_scope(world):
    for school in (world.school_a1, world.school_a2, world.school_b1):
        daily = _daily(school)
        Schedule.objects.filter(org=school).exclude(pk=daily.pk).update(is_active=False)
        for day in (D(2026, 11, 23), TODAY):
            _check(daily, day)
    bureau_a = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    result = completion(
        user=bureau_a, node=world.county_a, start=D(2026, 11, 23), end=TODAY, today=TODAY,
        by_branch=len(world.school_a1.path),
    )  # fmt: skip
    assert result["expected"] == 4 and result["done"] == 4 and result["rate"] == 1.0
    assert set(result["branches"]) == {world.school_a1.path, world.school_a2.path}
    # Another county's schools are never counted, even when asked for.
    assert (
        completion(
            user=bureau_a, node=world.county_b, start=D(2026, 11, 23), end=TODAY, today=TODAY
        )["expected"]
        == 0
    )
    city = completion(user=bureau_a, node=world.city, start=D(2026, 11, 23), end=TODAY, today=TODAY)
    assert city["expected"] == 4
    teacher = f.user_with_role(Role.TEACHER, world.school_a2)
    assert (
        completion(
            user=teacher, node=world.county_a, start=D(2026, 11, 23), end=TODAY, today=TODAY
        )["expected"]
        == 2
    )


def test_school_year_of():
    assert cal_mod.school_year_of(D(2026, 9, 1)) == 2026
    assert cal_mod.school_year_of(D(2026, 8, 31)) == 2025


# ------------------------------------------------------- region counts against the rule


def _reference_completion(*, user, node, start, end, today):
    """The rule of `completion`, schedule by schedule and period by period: what the
    set-based count must equal. Returns ({school id: figures}, total)."""
    last = min(end, today)
    schedules = (
        Schedule.objects.for_user(user)
        .within(node.path)
        .filter(is_active=True, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .exclude(rhythm=Rhythm.AD_HOC)
        .select_related("org")
    )
    checks = list(Inspection.objects.for_user(user).within(node.path).select_related("checklist"))
    linked = {(i.schedule_id, i.period_start) for i in checks if i.schedule_id}
    loose = [
        (i.org_id, i.checklist.template_id, timezone.localtime(i.inspected_at).date())
        for i in checks
        if i.schedule_id is None
    ]
    schools, total = {}, {"expected": 0, "done": 0, "missed": 0, "due": 0}
    for s in schedules:
        row = schools.setdefault(s.org_id, {"expected": 0, "done": 0, "missed": 0, "due": 0})
        for first, final in periods_between(s, start, last, calendar_for(s.org)):
            done = (s.pk, first) in linked or any(
                org == s.org_id and template == s.template_id and first <= day <= min(final, last)
                for org, template, day in loose
            )
            for figures in (row, total):
                figures["expected"] += 1
                figures["done"] += done
                if not done:
                    figures["missed" if final < today else "due"] += 1
    return schools, total


def _moment(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _varied(world):
    """Schedules and checks of every shape: a county with its own calendar (a term that
    starts earlier and a holiday inside November), schedules begun and ended inside the
    months counted, an inactive one, sweeps current, ended and too old, checks linked to
    their period (twice for some, once to a day that is no period), checks made without a
    schedule inside a period, and checks of another checklist."""
    import random

    rng = random.Random(7)
    bureau = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    for kind, name, first, last in (
        ("term", "秋季学期", D(2026, 8, 24), D(2027, 1, 15)),
        ("holiday", "国庆节", D(2026, 10, 1), D(2026, 10, 8)),
        ("holiday", "运动会", D(2026, 11, 12), D(2026, 11, 13)),
    ):
        calendar_period_save(
            node=world.county_a, by=bureau, kind=kind, name=name, start=first, end=last
        )
    extra = f.school(world.town_b, "豫海二小")
    for school in (world.school_a1, world.school_a2, world.school_b1, extra):
        schedule_defaults_for(school, by=None, starts_on=D(2026, 8, 20))
    shift = {
        (world.school_a2, Rhythm.SCHOOL_DAY): {"starts_on": D(2026, 11, 11)},
        (world.school_a2, Rhythm.WEEKLY): {"ends_on": D(2026, 11, 15)},
        (world.school_b1, Rhythm.MONTHLY): {"is_active": False},
        (world.school_b1, Rhythm.SCHOOL_DAY): {"starts_on": D(2026, 11, 20)},
        (extra, Rhythm.BEFORE_HOLIDAY): {"ends_on": D(2026, 10, 20)},
    }
    for (school, rhythm), change in shift.items():
        Schedule.objects.filter(org=school, rhythm=rhythm).update(**change)
    template = checklist().template  # the sweeps' own checklist
    for school, first, last in (
        (world.school_a1, D(2026, 11, 20), D(2026, 11, 30)),  # current sweep
        (world.school_a2, D(2026, 11, 10), D(2026, 11, 20)),  # ended in the week
        (world.school_b1, D(2026, 8, 1), D(2026, 11, 20)),  # ended, but began long ago
        (extra, D(2026, 11, 1), None),  # ad hoc without an end: never due
        (extra, D(2026, 11, 18), D(2026, 11, 26)),  # done by a check without a schedule
    ):
        Schedule.objects.create(
            org=school, title="专项排查", template=template, rhythm=Rhythm.AD_HOC,
            starts_on=first, ends_on=last,
        )  # fmt: skip
    other = Schedule.objects.filter(rhythm=Rhythm.MONTHLY).first().template
    sweep = Schedule.objects.get(org=extra, rhythm=Rhythm.AD_HOC, ends_on__isnull=False)
    _inspect(sweep, None, D(2026, 11, 19))
    periodic = Schedule.objects.exclude(rhythm=Rhythm.AD_HOC)
    for s in periodic.select_related("org", "template__current"):
        cal = calendar_for(s.org)
        for first, final in periods_between(s, D(2026, 8, 20), TODAY, cal):
            if first > TODAY:
                continue
            r = rng.random()
            day = min(final, TODAY)
            if r < 0.55:
                _inspect(s, first, first)
                if r < 0.05:
                    _inspect(s, first, day)  # a second check of the same period
            elif r < 0.7:
                _inspect(s, None, first + (day - first) // 2)  # without a schedule
            elif r < 0.75:
                _inspect(s, None, first, template=other)  # another checklist
        if s.rhythm == Rhythm.SCHOOL_DAY and s.org == world.school_a1:
            _inspect(s, D(2026, 11, 14), D(2026, 11, 14))  # a Saturday: no period
    return bureau


def _inspect(schedule, period_start, day, template=None):
    version = (template or schedule.template).current
    Inspection.objects.create(
        org=schedule.org,
        schedule=schedule if period_start else None,
        period_start=period_start,
        checklist=version,
        inspected_at=_moment(day),
        signed_name="马建军",
    )


def test_completion_of_a_region_equals_the_rule_schedule_by_schedule(world):
    bureau = _varied(world)
    city = f.user_with_role(Role.BUREAU_LEADER, world.city)
    safety = f.user_with_role(Role.SAFETY_OFFICER, world.school_a2)
    cases = [
        (city, world.city, D(2026, 11, 1), D(2026, 11, 30), TODAY),
        (city, world.city, D(2026, 11, 1), D(2026, 11, 30), D(2026, 11, 13)),
        (city, world.city, D(2026, 10, 1), D(2026, 10, 31), TODAY),
        (city, world.county_b, D(2026, 9, 1), D(2026, 11, 30), TODAY),
        (bureau, world.county_a, D(2026, 11, 9), D(2026, 11, 22), TODAY),
        (bureau, world.city, D(2026, 11, 1), D(2026, 11, 30), TODAY),  # only its county
        (safety, world.school_a2, D(2026, 11, 1), D(2026, 11, 30), TODAY),
    ]
    school_path = world.school_a1.path
    for user, node, start, end, today in cases:
        schools, total = _reference_completion(
            user=user, node=node, start=start, end=end, today=today
        )
        assert total["expected"] > 0
        fast = completion(
            user=user, node=node, start=start, end=end, today=today, by_branch=len(school_path)
        )
        got = {k: fast[k] for k in ("expected", "done", "missed", "due")}
        assert got == total, (node.name, start, today)
        paths = dict(OrgNode.objects.filter(pk__in=schools).values_list("pk", "path"))
        assert {
            path: {k: row[k] for k in ("expected", "done", "missed", "due")}
            for path, row in fast["branches"].items()
        } == {paths[pk]: row for pk, row in schools.items()}
        alone = completion(user=user, node=node, start=start, end=end, today=today)
        assert {k: alone[k] for k in ("expected", "done", "missed", "due")} == total


def test_due_counts_equal_the_listed_checks(world):
    bureau = _varied(world)
    city = f.user_with_role(Role.BUREAU_LEADER, world.city)
    safety = f.user_with_role(Role.SAFETY_OFFICER, world.school_a2)
    days = [TODAY, D(2026, 11, 13), D(2026, 11, 16), D(2026, 11, 21), D(2026, 11, 30)]
    seen = set()
    for user in (city, bureau, safety):
        for day in days:
            listed = due_inspections(user=user, day=day)
            expected = {
                status: sum(1 for r in listed if r.status == status) for status in ("due", "missed")
            }
            assert due_counts(user=user, day=day) == expected, (user, day)
            seen |= {(r.schedule.rhythm, r.status) for r in listed}
    assert {(Rhythm.AD_HOC, "due"), (Rhythm.AD_HOC, "missed"), (Rhythm.WEEKLY, "missed")} <= seen
    # Roles at two schools: no one node covers them, the counts come from the checks.
    two = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    RoleAssignment.objects.create(user=two, role=Role.SAFETY_OFFICER, org=world.school_b1)
    for day in days:
        listed = due_inspections(user=two, day=day)
        expected = {s: sum(1 for r in listed if r.status == s) for s in ("due", "missed")}
        assert due_counts(user=two, day=day) == expected, day
    assert due_counts(user=city, day=TODAY, within=world.county_b.path) == {
        status: sum(
            1
            for r in due_inspections(user=city, day=TODAY, within=world.county_b.path)
            if r.status == status
        )
        for status in ("due", "missed")
    }


def test_region_counts_take_the_same_queries_for_more_schools(world):
    """Neither the count of a region's completion nor its due checks walks the schools."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _varied(world)
    city = f.user_with_role(Role.BUREAU_LEADER, world.city)

    def queries():
        with CaptureQueriesContext(connection) as done:
            completion(
                user=city, node=world.city, start=D(2026, 11, 1), end=D(2026, 11, 30),
                today=TODAY, by_branch=len(world.school_a1.path),
            )  # fmt: skip
            due_counts(user=city, day=TODAY)
        return len(done)

    queries()  # the user's roles, loaded once per request
    before = queries()
    for _ in range(5):
        school = f.school(world.town_a)
        schedule_defaults_for(school, by=None, starts_on=D(2026, 8, 20))
        daily = Schedule.objects.get(org=school, rhythm=Rhythm.SCHOOL_DAY)
        _inspect(daily, D(2026, 11, 23), D(2026, 11, 23))
        _inspect(daily, None, TODAY)
    assert queries() == before <= 25
