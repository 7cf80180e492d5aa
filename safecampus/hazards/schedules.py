"""Due, done and missed: derived when read from schedules, inspections and the calendar.

Nothing here depends on a job having run. A schedule's rhythm and the school's calendar give
its periods:

- every school day: that school day;
- weekly: Monday to Sunday, for a week with at least one school day;
- monthly: the calendar month, for a month with at least one school day;
- term start: the first two weeks of each term;
- before each holiday: the three school days before a holiday that starts inside a term,
  and before each winter and summer break;
- ad hoc: none.

A period is done when an inspection names the schedule and the period's first day
(`period_start`), or when an inspection of the school made without a schedule (ad hoc, or
from a spot's QR code) with the schedule's checklist falls inside the period. It is missed
when it has ended without one, and due while it is current and not done.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.dates import ONE_DAY, day_start, month_of
from safecampus.hazards.calendar import Calendar, calendars_for
from safecampus.hazards.choices import Rhythm, SpotKind

TERM_START_DAYS = 14
BEFORE_HOLIDAY_DAYS = 3
MISSED_LOOKBACK_DAYS = 7


@dataclass
class DueInspection:
    schedule: object
    school: object
    period_start: datetime.date
    period_end: datetime.date
    status: str  # 'due' | 'done' | 'missed'
    inspection: object = None


# ------------------------------------------------------------------------------- periods


def _has_school_day(cal: Calendar, start, end) -> bool:
    day = start
    while day <= end:
        if cal.is_school_day(day):
            return True
        day += ONE_DAY
    return False


def _raw_period(rhythm: str, day: datetime.date, cal: Calendar):
    if rhythm == Rhythm.SCHOOL_DAY:
        return (day, day) if cal.is_school_day(day) else None
    if rhythm == Rhythm.WEEKLY:
        monday = day - datetime.timedelta(days=day.weekday())
        sunday = monday + 6 * ONE_DAY
        return (monday, sunday) if _has_school_day(cal, monday, sunday) else None
    if rhythm == Rhythm.MONTHLY:
        first, last = month_of(day)
        return (first, last) if _has_school_day(cal, first, last) else None
    if rhythm == Rhythm.TERM_START:
        term = cal.term_of(day)
        if term is None:
            return None
        end = term.start + (TERM_START_DAYS - 1) * ONE_DAY
        return (term.start, end) if day <= end else None
    if rhythm == Rhythm.BEFORE_HOLIDAY:
        for start, end in cal.before_holiday_periods(BEFORE_HOLIDAY_DAYS):
            if start <= day <= end:
                return (start, end)
        return None
    return None


def _clip(schedule, period):
    if period is None:
        return None
    start, end = period
    if end < schedule.starts_on or (schedule.ends_on and start > schedule.ends_on):
        return None
    return period


def _adhoc_period(schedule):
    """An ad-hoc schedule with an end (a sweep) is one period: [starts_on, ends_on]."""
    if schedule.rhythm == Rhythm.AD_HOC and schedule.ends_on:
        return (schedule.starts_on, schedule.ends_on)
    return None


def period_for(schedule, day: datetime.date, calendar: Calendar):
    """The schedule's period that contains `day`, as (first day, last day), or None."""
    if schedule.rhythm == Rhythm.AD_HOC:
        period = _adhoc_period(schedule)
        return period if period and period[0] <= day <= period[1] else None
    return _clip(schedule, _raw_period(schedule.rhythm, day, calendar))


def _raw_periods(rhythm: str, start: datetime.date, end: datetime.date, cal: Calendar) -> list:
    """Periods of a rhythm whose first day lies in [start, end], in order."""
    out = []
    if rhythm == Rhythm.SCHOOL_DAY:
        return [(d, d) for d in cal.school_days(start, end)]
    if rhythm == Rhythm.WEEKLY:
        monday = start + datetime.timedelta(days=(7 - start.weekday()) % 7)
        while monday <= end:
            sunday = monday + 6 * ONE_DAY
            if _has_school_day(cal, monday, sunday):
                out.append((monday, sunday))
            monday += 7 * ONE_DAY
        return out
    if rhythm == Rhythm.MONTHLY:
        first = start if start.day == 1 else month_of(start)[1] + ONE_DAY
        while first <= end:
            last = month_of(first)[1]
            if _has_school_day(cal, first, last):
                out.append((first, last))
            first = last + ONE_DAY
        return out
    if rhythm == Rhythm.TERM_START:
        return [
            (t.start, t.start + (TERM_START_DAYS - 1) * ONE_DAY)
            for t in cal.terms
            if start <= t.start <= end
        ]
    if rhythm == Rhythm.BEFORE_HOLIDAY:
        return [p for p in cal.before_holiday_periods(BEFORE_HOLIDAY_DAYS) if start <= p[0] <= end]
    return out


def periods_between(schedule, start: datetime.date, end: datetime.date, calendar: Calendar):
    """The schedule's periods whose first day lies in [start, end]."""
    if schedule.rhythm == Rhythm.AD_HOC:
        period = _adhoc_period(schedule)
        return [period] if period and start <= period[0] <= end else []
    return [
        p
        for p in _raw_periods(schedule.rhythm, start, end, calendar)
        if _clip(schedule, p) is not None
    ]


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


# ------------------------------------------------------------------------------ due list


def due_inspections(*, user, day: datetime.date) -> list[DueInspection]:
    """The user's scheduled checks on `day`: each schedule's current period (due or done),
    and the periods that ended without a check in the last seven days (missed).

    A constant number of queries, whatever the number of schedules."""
    from safecampus.hazards.models import Inspection, Schedule

    window = day - MISSED_LOOKBACK_DAYS * ONE_DAY
    schedules = list(
        Schedule.objects.for_user(user)
        .filter(is_active=True, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=window))
        .exclude(rhythm=Rhythm.AD_HOC, ends_on__isnull=True)
        .select_related("org", "template")
    )
    if not schedules:
        return []
    calendars = calendars_for({s.org_id: s.org for s in schedules}.values())
    wanted: list[tuple] = []  # (schedule, start, end, is_current)
    for s in schedules:
        cal = calendars[s.org_id]
        for start, end in periods_between(s, window - 62 * ONE_DAY, day, cal):
            if window <= end < day:
                wanted.append((s, start, end, False))
        current = period_for(s, day, cal)
        if current is not None:
            wanted.append((s, *current, True))
    if not wanted:
        return []
    earliest = min(w[1] for w in wanted)
    ids = {s.pk for s in schedules}
    school_ids = {s.org_id for s in schedules}
    template_ids = {s.template_id for s in schedules}
    found = (
        Inspection.objects.for_user(user)
        .filter(org_id__in=school_ids)
        .filter(
            Q(schedule_id__in=ids, period_start__gte=earliest)
            | Q(
                schedule__isnull=True,
                checklist__template_id__in=template_ids,
                inspected_at__gte=day_start(earliest),
                inspected_at__lt=day_start(day + ONE_DAY),
            )
        )
    )
    linked: dict[tuple, object] = {}
    loose: dict[tuple, list] = {}
    for insp in found.select_related("checklist").order_by("inspected_at", "id"):
        if insp.schedule_id:
            linked.setdefault((insp.schedule_id, insp.period_start), insp)
        else:
            key = (insp.org_id, insp.checklist.template_id)
            loose.setdefault(key, []).append((_local_date(insp.inspected_at), insp))

    out = []
    for s, start, end, is_current in wanted:
        hit = linked.get((s.pk, start))
        if hit is None:
            for when, insp in loose.get((s.org_id, s.template_id), ()):
                if start <= when <= end:
                    hit = insp
                    break
        if hit is not None:
            if not is_current:
                continue  # only missed periods are listed from the past week
            status = "done"
        else:
            status = "due" if is_current else "missed"
        out.append(DueInspection(s, s.org, start, end, status, hit))
    order = {"missed": 0, "due": 1, "done": 2}
    out.sort(key=lambda d: (order[d.status], d.period_end, d.school.path, d.schedule.rhythm))
    return out


def schedule_periods(
    *, user, schedule, today: datetime.date | None = None, days: int = 120
) -> list[DueInspection]:
    """One schedule's periods that began in the last `days` days, newest first: done (with the
    check that counted), missed (ended without one) or due (current, not yet done). The same
    rules as `due_inspections`, for one schedule over a longer stretch; three queries."""
    from safecampus.hazards.calendar import calendar_for
    from safecampus.hazards.models import Inspection

    today = today or timezone.localdate()
    last = min(today, schedule.ends_on) if schedule.ends_on else today
    periods = [
        p
        for p in periods_between(schedule, today - days * ONE_DAY, last, calendar_for(schedule.org))
        if p[0] <= today
    ]
    if not periods:
        return []
    earliest = periods[0][0]
    found = (
        Inspection.objects.for_user(user)
        .filter(org_id=schedule.org_id)
        .filter(
            Q(schedule_id=schedule.pk, period_start__gte=earliest)
            | Q(
                schedule__isnull=True,
                checklist__template_id=schedule.template_id,
                inspected_at__gte=day_start(earliest),
                inspected_at__lt=day_start(today + ONE_DAY),
            )
        )
        .order_by("inspected_at", "id")
    )
    linked: dict = {}
    loose: list = []
    for insp in found:
        if insp.schedule_id:
            linked.setdefault(insp.period_start, insp)
        else:
            loose.append((_local_date(insp.inspected_at), insp))
    out = []
    for start, end in reversed(periods):
        hit = linked.get(start) or next((i for when, i in loose if start <= when <= end), None)
        status = "done" if hit is not None else ("missed" if end < today else "due")
        out.append(DueInspection(schedule, schedule.org, start, end, status, hit))
    return out


# ---------------------------------------------------------------------------- completion


class _Periods:
    """A rhythm's periods under one calendar over a range, for bisecting per schedule."""

    def __init__(self, rhythm, start, end, cal):
        periods = _raw_periods(rhythm, start, end, cal)
        self.starts = [p[0] for p in periods]
        self.ends = [p[1] for p in periods]

    def count(self, starts_on, ends_on, today):
        """(ended, current period or None) for a schedule running starts_on–ends_on."""
        lo = bisect_left(self.ends, starts_on)
        hi = bisect_right(self.starts, ends_on) if ends_on else len(self.starts)
        first_open = bisect_left(self.ends, today)  # first period not yet ended
        ended = max(0, min(hi, first_open) - lo)
        current = None
        k = max(first_open, lo)
        if k < hi and self.starts[k] <= today:
            current = (self.starts[k], self.ends[k])
        return ended, current

    def containing(self, day):
        k = bisect_right(self.starts, day) - 1
        if k >= 0 and self.starts[k] <= day <= self.ends[k]:
            return self.starts[k], self.ends[k]
        return None


def _empty() -> dict:
    return {"expected": 0, "done": 0, "missed": 0, "due": 0, "rate": None}


def _rate(row: dict) -> dict:
    settled = row["done"] + row["missed"]
    row["rate"] = round(row["done"] / settled, 4) if settled else None
    return row


def completion(
    *,
    user,
    node,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    by_school: bool = False,
) -> dict:
    """Inspection completion of the schedules in `node`'s subtree the user may see, for the
    periods that begin between `start` and `end` (and have begun by today).

    Returns {expected, done, missed, due, rate}: expected periods, those with a check, those
    ended without one, current ones not yet done; rate = done / (done + missed), None when
    nothing is settled. With `by_school`, also {"schools": {school id: {...}}}.

    Set-based: a fixed number of queries (schedules, calendars, inspection counts grouped by
    schedule, current periods, checks made without a schedule) whatever the size of the
    region; the per-schedule arithmetic is bisection over periods shared by all schedules of
    one rhythm and calendar.
    """
    from safecampus.hazards.models import Inspection, Schedule

    today = today or timezone.localdate()
    last = min(end, today)
    total = _empty()
    schools: dict[int, dict] = {}
    if last < start:
        return {**total, "schools": schools} if by_school else total
    rows = list(
        Schedule.objects.for_user(user)
        .within(node.path)
        .filter(is_active=True, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .exclude(rhythm=Rhythm.AD_HOC)
        .values_list("id", "org_id", "org_path", "rhythm", "template_id", "starts_on", "ends_on")
    )
    if not rows:
        return {**total, "schools": schools} if by_school else total
    nodes = {r[1]: SimpleNamespace(pk=r[1], path=r[2]) for r in rows}
    calendars = calendars_for(nodes.values())
    cache: dict[tuple, _Periods] = {}

    def periods_of(org_id, rhythm) -> _Periods:
        cal = calendars[org_id]
        key = (id(cal), rhythm)
        if key not in cache:
            cache[key] = _Periods(rhythm, start, last, cal)
        return cache[key]

    inspections = Inspection.objects.for_user(user).within(node.path)
    linked_counts = dict(
        inspections.filter(
            schedule_id__isnull=False, period_start__gte=start, period_start__lte=last
        )
        .values("schedule_id")
        .annotate(n=Count("period_start", distinct=True))
        .values_list("schedule_id", "n")
    )
    plan = {}
    current_starts = set()
    by_school_template: dict[tuple, list] = {}
    for sid, org_id, _path, rhythm, template_id, starts_on, ends_on in rows:
        ended, current = periods_of(org_id, rhythm).count(starts_on, ends_on, today)
        plan[sid] = (org_id, rhythm, ended, current)
        if current:
            current_starts.add(current[0])
        by_school_template.setdefault((org_id, template_id), []).append(
            (sid, rhythm, starts_on, ends_on)
        )
    current_done = set()
    if current_starts:
        current_done = set(
            inspections.filter(schedule_id__in=plan.keys(), period_start__in=current_starts)
            .values_list("schedule_id", "period_start")
            .distinct()
        )
    # Checks made without a schedule count for the schedules of that school and checklist.
    extra: set[tuple] = set()
    loose = inspections.filter(
        schedule__isnull=True,
        inspected_at__gte=day_start(start),
        inspected_at__lt=day_start(last + ONE_DAY),
    ).values_list("org_id", "checklist__template_id", "inspected_at")
    for org_id, template_id, moment in loose:
        for sid, rhythm, starts_on, ends_on in by_school_template.get((org_id, template_id), ()):
            when = _local_date(moment)
            period = periods_of(org_id, rhythm).containing(when)
            if period and period[1] >= starts_on and (not ends_on or period[0] <= ends_on):
                extra.add((sid, period[0]))
    if extra:
        already = set(
            inspections.filter(
                schedule_id__in={e[0] for e in extra}, period_start__in={e[1] for e in extra}
            )
            .values_list("schedule_id", "period_start")
            .distinct()
        )
        extra -= already
    extra_counts: dict[int, int] = {}
    for sid, _ps in extra:
        extra_counts[sid] = extra_counts.get(sid, 0) + 1

    for sid, (org_id, _rhythm, ended, current) in plan.items():
        expected = ended + (1 if current else 0)
        done = min(linked_counts.get(sid, 0) + extra_counts.get(sid, 0), expected)
        cur_done = bool(current) and (
            (sid, current[0]) in current_done or (sid, current[0]) in extra
        )
        missed = max(0, ended - (done - (1 if cur_done else 0)))
        due = 1 if current and not cur_done else 0
        targets = [total]
        if by_school:
            targets.append(schools.setdefault(org_id, _empty()))
        for row in targets:
            row["expected"] += expected
            row["done"] += done
            row["missed"] += missed
            row["due"] += due
    _rate(total)
    if by_school:
        for row in schools.values():
            _rate(row)
        return {**total, "schools": schools}
    return total


# ------------------------------------------------------------------------- school defaults

# (name, kind, area, for which schools): "all", "boarding", "not_kg" (no labs in kindergartens)
DEFAULT_SPOTS = (
    ("校门", SpotKind.SENSITIVE, "校门口", "all"),
    ("门卫室", SpotKind.SENSITIVE, "校门口", "all"),
    ("食堂操作间", SpotKind.SENSITIVE, "食堂", "all"),
    ("学生宿舍", SpotKind.SENSITIVE, "宿舍区", "boarding"),
    ("配电室", SpotKind.SENSITIVE, "后勤区", "all"),
    ("实验室及危化品室", SpotKind.KEY, "实验楼", "not_kg"),
    ("消防通道", SpotKind.KEY, "教学区", "all"),
    ("教学楼楼梯间", SpotKind.KEY, "教学楼", "all"),
    ("监控室", SpotKind.KEY, "行政楼", "all"),
    ("围墙", SpotKind.KEY, "校园四周", "all"),
    ("操场", SpotKind.GENERAL, "运动区", "all"),
    ("体育器材室", SpotKind.GENERAL, "运动区", "all"),
    ("锅炉房", SpotKind.KEY, "后勤区", "boarding"),
)

# template code → (rhythm, spots of kind, responsible role, title)
STANDARD_SCHEDULES = (
    ("INSPECT-DAILY", Rhythm.SCHOOL_DAY, SpotKind.SENSITIVE, "safety_officer", "敏感部位日检查"),
    ("INSPECT-WEEKLY", Rhythm.WEEKLY, SpotKind.KEY, "safety_officer", "重点部位周检查"),
    ("INSPECT-MONTHLY", Rhythm.MONTHLY, "", "principal", "校园区域月检查"),
    ("INSPECT-TERM-START", Rhythm.TERM_START, "", "principal", "开学安全隐患大检查"),
    ("INSPECT-HOLIDAY", Rhythm.BEFORE_HOLIDAY, "", "safety_officer", "节假日前校园周边联合排查"),
)


def default_spots_for(profile) -> list[tuple[str, str, str]]:
    """The usual spots of a school with this profile (a School, or None): (name, kind, area)."""
    boarding = bool(profile and profile.boarding)
    kindergarten = bool(profile and profile.school_kind == "kindergarten")
    out = []
    for name, kind, area, which in DEFAULT_SPOTS:
        if which == "boarding" and not boarding:
            continue
        if which == "not_kg" and kindergarten:
            continue
        out.append((name, str(kind), area))
    return out


def standard_templates() -> dict:
    """The library templates of the standard schedules, by code (loading the library if a
    database was created without it, e.g. after a test flush)."""
    from safecampus.hazards.library import load_library
    from safecampus.hazards.models import ChecklistTemplate

    codes = [s[0] for s in STANDARD_SCHEDULES]
    found = {t.code: t for t in ChecklistTemplate.objects.filter(code__in=codes)}
    if len(found) < len(codes):
        load_library()
        found = {t.code: t for t in ChecklistTemplate.objects.filter(code__in=codes)}
    return found


@transaction.atomic
def schedule_defaults_for(school, by, starts_on: datetime.date | None = None) -> dict:
    """Give a school its usual spots and the standard schedules from the library (daily
    sensitive-spot check, weekly key-spot check, monthly whole-campus check, term-start big
    inspection, before-holiday joint check of the surroundings). Each row is created through
    the audited service; what the school already has is left alone. Returns the new rows."""
    from safecampus.accounts.access import can
    from safecampus.core.errors import NotAllowed
    from safecampus.core.services import create_record
    from safecampus.hazards.models import Schedule, Spot
    from safecampus.orgs.models import School

    if by is not None and not (can(by, "add", Schedule, school) and can(by, "add", Spot, school)):
        raise NotAllowed(_("Your role does not allow this here."))
    profile = School.objects.filter(node=school).first()
    have = set(Spot.objects.filter(org=school).values_list("name", flat=True))
    spots = [
        create_record(instance=Spot(org=school, name=name, kind=kind, area=area), by=by)
        for name, kind, area in default_spots_for(profile)
        if name not in have
    ]
    templates = standard_templates()
    existing = set(Schedule.objects.filter(org=school).values_list("template_id", "rhythm"))
    schedules = []
    for code, rhythm, spot_kind, role, title in STANDARD_SCHEDULES:
        template = templates[code]
        if (template.pk, str(rhythm)) in existing:
            continue
        schedule = Schedule(
            org=school,
            title=title,
            template=template,
            rhythm=rhythm,
            spot_kind=spot_kind,
            responsible_role=role,
            starts_on=starts_on or timezone.localdate(),
        )
        schedules.append(create_record(instance=schedule, by=by))
    return {"spots": spots, "schedules": schedules}
