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
import operator
from dataclasses import dataclass
from functools import reduce
from types import SimpleNamespace

from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.dates import ONE_DAY, day_start, month_of
from safecampus.hazards.calendar import Calendar, calendars_for, default_calendar
from safecampus.hazards.choices import Rhythm, SpotKind
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode

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


def _due_periods(rhythm: str, day: datetime.date, cal: Calendar) -> list[tuple]:
    """A periodic rhythm's periods under one calendar that `due_inspections` looks at on
    `day`: those that ended in the last seven days (missed unless done) and the current one,
    as (start, end, is_current) in order; each schedule keeps those its dates allow."""
    window = day - MISSED_LOOKBACK_DAYS * ONE_DAY
    out = [
        (start, end, False)
        for start, end in _raw_periods(rhythm, window - 62 * ONE_DAY, day, cal)
        if window <= end < day
    ]
    current = _raw_period(rhythm, day, cal)
    if current is not None:
        out.append((*current, True))
    return out


def _keeps(starts_on, ends_on, period) -> bool:
    """A schedule running starts_on–ends_on has this period (`_clip`)."""
    return period[1] >= starts_on and (ends_on is None or period[0] <= ends_on)


def _adhoc_due(starts_on, ends_on, day: datetime.date):
    """A sweep's one period as `due_inspections` looks at it on `day`: (start, end,
    is_current), or None. Ended in the last seven days counts only for a sweep that began in
    the window the periodic rhythms are read from (69 days back), as it always has."""
    window = day - MISSED_LOOKBACK_DAYS * ONE_DAY
    if window <= ends_on < day and window - 62 * ONE_DAY <= starts_on:
        return (starts_on, ends_on, False)
    if starts_on <= day <= ends_on:
        return (starts_on, ends_on, True)
    return None


def _due_q(day: datetime.date) -> Q:
    """The schedules that can have a check due or missed on `day`."""
    window = day - MISSED_LOOKBACK_DAYS * ONE_DAY
    return (
        Q(is_active=True, starts_on__lte=day)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=window))
        & ~Q(rhythm=Rhythm.AD_HOC, ends_on__isnull=True)
    )


def due_inspections(
    *, user, day: datetime.date, within: str | None = None, school_id: int | None = None
) -> list[DueInspection]:
    """The user's scheduled checks on `day`: each schedule's current period (due or done),
    and the periods that ended without a check in the last seven days (missed); only inside
    the subtree at path `within` or at one school when given.

    A constant number of queries, whatever the number of schedules; the periods are worked
    out once per rhythm and calendar, not per schedule. A region's home page counts these
    with `due_counts` instead of listing them."""
    from safecampus.hazards.models import Inspection, Schedule

    schedules = Schedule.objects.for_user(user).filter(_due_q(day))
    if within is not None:
        schedules = schedules.within(within)
    if school_id is not None:
        schedules = schedules.filter(org_id=school_id)
    schedules = list(schedules.select_related("org", "template"))
    if not schedules:
        return []
    calendars = calendars_for({s.org_id: s.org for s in schedules}.values())
    shared: dict[tuple, list] = {}
    wanted: list[tuple] = []  # (schedule, start, end, is_current)
    for s in schedules:
        if s.rhythm == Rhythm.AD_HOC:
            period = _adhoc_due(s.starts_on, s.ends_on, day)
            if period is not None:
                wanted.append((s, *period))
            continue
        cal = calendars[s.org_id]
        key = (id(cal), s.rhythm)
        if key not in shared:
            shared[key] = _due_periods(s.rhythm, day, cal)
        for period in shared[key]:
            if _keeps(s.starts_on, s.ends_on, period):
                wanted.append((s, *period))
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


# ------------------------------------------------------------------------ counting in SQL

# How a region's schedules are counted without walking them one by one (`completion`,
# `due_counts`). Every schedule of one rhythm under one calendar asks for the same periods,
# unless its dates cut some off (it began after the first of them ended, or it ends before
# the last begins). So, per (calendar, rhythm), the periods are worked out once; the
# schedules whose dates cut nothing are counted per school in SQL (how many periods each
# asks for is a constant of its calendar and rhythm), and so are their done periods (an
# inspection naming the schedule and one of those periods' first days). The few whose dates
# do cut (begun or ended inside the range) and the checks made without a schedule are worked
# out one by one, as before. Which calendar a schedule follows is told in SQL by the deepest
# node at or above its school that has calendar rows (calendar.calendars_for).


class _Calendars:
    """The calendars the schedules under some paths follow, each with a key usable in SQL."""

    DEFAULT = -1

    def __init__(self, prefixes):
        from safecampus.core.scoping import ALL
        from safecampus.hazards.models import CalendarPeriod

        paths = set(CalendarPeriod.objects.order_by().values_list("org_path", flat=True).distinct())
        if prefixes is not ALL:
            paths = {p for p in paths if any(_related(p, x) for x in prefixes)}
        self.paths = sorted(paths, key=lambda p: (-len(p), p))  # deepest first
        built = calendars_for([SimpleNamespace(pk=p, path=p) for p in self.paths])
        self.by_key = {i: built[p] for i, p in enumerate(self.paths)}
        self.by_key[self.DEFAULT] = default_calendar()

    def key(self, path_field: str):
        """The calendar key of a row from its school's path (`path_field`)."""
        if not self.paths:
            return Value(self.DEFAULT, output_field=IntegerField())
        return Case(
            *(
                When(**{f"{path_field}__within": p}, then=Value(i))
                for i, p in enumerate(self.paths)
            ),
            default=Value(self.DEFAULT),
            output_field=IntegerField(),
        )

    def keyed(self, queryset, path_field: str):
        """`queryset` with the alias `calkey` that `q()` filters on (none when every school
        follows the default calendar: the filters then say nothing of calendars)."""
        return queryset.alias(calkey=self.key(path_field)) if self.paths else queryset

    def q(self, key) -> Q:
        return Q(calkey=key) if self.paths else Q()


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


@dataclass
class _Tally:
    """Periods a set of schedules asks for, split into ended and current, and how many of
    each were done."""

    ended: int = 0
    current: int = 0
    done_ended: int = 0
    done_current: int = 0

    def add(self, ended=0, current=0, done_ended=0, done_current=0):
        self.ended += ended or 0
        self.current += current or 0
        self.done_ended += done_ended or 0
        self.done_current += done_current or 0


def _on(q: Q, prefix: str) -> Q:
    """The same conditions on a related row (`prefix` "schedule__": an inspection's)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [
        _on(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children
    ]
    return out


def _tally(
    *,
    user,
    base: Q,
    inspections,
    cals: _Calendars,
    wanted: dict,
    adhoc,
    loose_to: datetime.date,
    by_branch: int | None,
    rollup: dict | None = None,
) -> tuple[_Tally, dict]:
    """Count the periods the schedules the user sees that match `base` ask for, and those
    done, in a fixed number of queries.

    `wanted` maps (calendar key, rhythm) to that pair's periods [(start, end, is_current)];
    `adhoc(starts_on, ends_on)` gives an ad-hoc schedule's one period the same way, or None
    (`base` lets through only ad-hoc schedules that have one). A period is done when one of
    `inspections` made at the schedule's school names the schedule and the period's first
    day, or when one made without a schedule at the school with the schedule's checklist
    falls inside it, by `loose_to`. Returns the total and, with `by_branch` (a length of
    path), {school path cut to that length: _Tally} for every branch with one of the
    schedules.

    With `rollup` ({"node", "start", "last"}: the node, and the dates `base` asks of its
    periodic schedules: starts_on ≤ last, ends_on ≥ start), the periods asked and done of
    the schedules whose dates cut none come from the schedules and periods-done rollups
    (hazards/done_rollups.py) when the user sees the whole node: a province's dashboard
    reads a few hundred rows instead of 100,000 schedules and 370,000 checks. The rollups
    hold no sweeps: those are then listed one by one with the schedules cut."""
    return _Tallying(
        user=user,
        base=base,
        inspections=inspections,
        cals=cals,
        wanted=wanted,
        adhoc=adhoc,
        loose_to=loose_to,
        by_branch=by_branch,
        rollup=rollup,
    ).run()


class _Tallying:
    """One count of `_tally`, in four steps:

    1. the periods the schedules ask for: per branch, a constant per calendar and rhythm
       for the schedules whose dates cut none of the periods (`whole`), read from the
       schedules rollup or counted from the schedules; and how many do cut some;
    2. those periods done, from the periods-done rollup or from the checks;
    3. the schedules whose dates cut some periods (and, from the rollups, the sweeps), one
       by one with their checks;
    4. checks made without a schedule, for the school's schedules of their checklist.

    Steps 1 and 2 read either the rollups (`from_rollup`) or the raw rows; 3 and 4 are
    shared."""

    COLUMNS = ("id", "org_id", "org_path", "calkey", "rhythm", "template_id", "starts_on")

    def __init__(
        self, *, user, base, inspections, cals, wanted, adhoc, loose_to, by_branch, rollup
    ):
        from safecampus.hazards import done_rollups
        from safecampus.hazards.models import Schedule

        self.user, self.base, self.inspections, self.cals = user, base, inspections, cals
        self.wanted, self.adhoc, self.loose_to = wanted, adhoc, loose_to
        self.by_branch, self.rollup = by_branch, rollup
        self.schedules = Schedule.objects.for_user(user).filter(base)
        self.total = _Tally()
        self.branches: dict[str, _Tally] = {}
        self.pairs = [(c, r, periods) for (c, r), periods in wanted.items() if periods]
        self.from_rollup = rollup is not None and done_rollups.covers(user, rollup["node"])
        self.sweeps_apart = self.from_rollup and adhoc is not None  # listed in step 3
        # What a schedule whose dates cut some period satisfies (`whole` fails): a condition
        # the date indexes answer, so that a region's schedules are not all read for the few.
        self.first_ends = [min(p[1] for p in ps) for _c, _r, ps in self.pairs]
        self.last_starts = [max(p[0] for p in ps) for _c, _r, ps in self.pairs]
        self.cuts_dates = (
            Q(starts_on__gt=min(self.first_ends)) | Q(ends_on__lt=max(self.last_starts))
            if self.pairs
            else Q()
        )
        self.sweeps_from: datetime.date | None = None  # the first day of the sweeps asked

    def row(self, path) -> list[_Tally]:
        if self.by_branch is None:
            return [self.total]
        return [self.total, self.branches.setdefault(path[: self.by_branch], _Tally())]

    def whole(self, prefix: str, c, r, periods) -> Q:
        """Schedules of calendar c and rhythm r whose dates cut none of the periods."""
        first_end = min(p[1] for p in periods)
        last_start = max(p[0] for p in periods)
        return (
            self.cals.q(c)
            & Q(**{f"{prefix}rhythm": r, f"{prefix}starts_on__lte": first_end})
            & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": last_start}))
        )

    def run(self) -> tuple[_Tally, dict]:
        rows = self.asked_from_rollup() if self.from_rollup else self.asked_from_schedules()
        if not rows and not self.sweeps_apart:
            return self.total, self.branches
        n_cut = 0
        for branch, ended, current, cut_here, first_sweep in rows:
            for t in self.row(branch):
                t.add(ended=ended, current=current)
            n_cut += cut_here or 0
            if first_sweep is not None:
                self.sweeps_from = min(self.sweeps_from or first_sweep, first_sweep)
        if self.total.ended + self.total.current:  # the whole schedules' periods asked
            if self.from_rollup:
                if self.pairs:
                    self.done_from_rollup()
            elif self.pairs or self.adhoc is not None:
                self.done_from_checks()
        asked, done = self.one_by_one(n_cut)
        self.loose(asked, done)
        for key in done:
            path, is_current = asked[key]
            for t in self.row(path):
                t.add(done_current=1) if is_current else t.add(done_ended=1)
        return self.total, self.branches

    # 1. The periods asked --------------------------------------------------------------

    def asked_from_rollup(self) -> list[tuple]:
        from safecampus.hazards import done_rollups

        node = self.rollup["node"]
        return [
            (path, ended, current, cut_here, None)
            for path, ended, current, cut_here in done_rollups.asked_periods(
                node=node,
                cals=self.cals,
                wanted=self.wanted,
                start=self.rollup["start"],
                last=self.rollup["last"],
                depth=self.depth(),
            )
        ]

    def depth(self) -> int:
        """The branches' paths, or the node's own for a total: rollup rows tell them apart."""
        from safecampus.hazards import rollups

        if self.by_branch is not None:
            return (self.by_branch + 1) // (SEGMENT_WIDTH + 1)
        return rollups.segments(self.rollup["node"].path)

    def asked_from_schedules(self) -> list[tuple]:
        """[(branch, ended, current, cut, first sweep)], counted over the schedules."""
        cals, adhoc = self.cals, self.adhoc
        ended_when, current_when, cut = [], [], []
        for c, r, periods in self.pairs:
            n_current = sum(1 for p in periods if p[2])
            cond = self.whole("", c, r, periods)
            ended_when.append(When(cond, then=Value(len(periods) - n_current)))
            current_when.append(When(cond, then=Value(n_current)))
            cut.append(cals.q(c) & Q(rhythm=r) & ~cond)
        if adhoc is not None:  # a sweep is current until its last day, then ended
            ended_when.append(When(Q(rhythm=Rhythm.AD_HOC, ends_on__lt=adhoc.day), then=Value(1)))
            current_when.append(
                When(Q(rhythm=Rhythm.AD_HOC, ends_on__gte=adhoc.day), then=Value(1))
            )
        figures = {
            name: Sum(Case(*cases, default=Value(0), output_field=IntegerField()))
            for name, cases in (("ended", ended_when), ("current", current_when))
        }
        figures["cut"] = Count("id", filter=reduce(operator.or_, cut)) if cut else Value(0)
        figures["first_sweep"] = Min(
            Case(When(rhythm=Rhythm.AD_HOC, then=F("starts_on")), output_field=DateField())
        )
        names = list(figures)
        sched = cals.keyed(self.schedules, "org_path")
        if self.by_branch is not None:  # every branch with a schedule has its row
            return list(
                sched.annotate(branch_=Substr("org_path", 1, self.by_branch))
                .values("branch_")
                .annotate(**figures)
                .values_list("branch_", *names)
            )
        found = sched.aggregate(n=Count("id"), **figures)
        return [("", *(found[k] for k in names))] if found["n"] else []

    # 2. The periods done ---------------------------------------------------------------

    def done_from_rollup(self) -> None:
        """The rollup holds every pair of the active periodic schedules: less those of the
        schedules that `base` and `whole` leave out (counted one by one, or not at all), of
        a calendar and rhythm that asks for periods (the others' pairs are not read)."""
        from safecampus.hazards import done_rollups
        from safecampus.hazards.models import Schedule

        pairs, cals, rollup = self.pairs, self.cals, self.rollup
        counted = self.base & reduce(
            operator.or_, [self.whole("", c, r, periods) for c, r, periods in pairs]
        )
        asking = reduce(operator.or_, [cals.q(c) & Q(rhythm=r) for c, r, _p in pairs])
        # Left out by `whole` (see `cuts_dates`) or by `base`'s dates (starts_on ≤ last,
        # ends_on ≥ start): found by the date indexes too, one range of each (SQLite reads
        # four ranges by scanning the table).
        odd = cals.keyed(Schedule.objects.by_other_filters(), "org_path").filter(
            Q(starts_on__gt=min(*self.first_ends, rollup["last"]))
            | Q(ends_on__lt=max(*self.last_starts, rollup["start"])),
            asking,
            ~counted,
            is_active=True,
            org_path__within=rollup["node"].path,
        )
        for branch, done_ended, done_current in done_rollups.done_periods(
            node=rollup["node"],
            cals=cals,
            wanted=self.wanted,
            odd=odd,
            start=min(p[0] for _c, _r, ps in pairs for p in ps),
            last=max(self.last_starts),
            depth=self.depth(),
        ):
            for t in self.row(branch):
                t.add(done_ended=done_ended, done_current=done_current)

    def done_from_checks(self) -> None:
        """Distinct (schedule, first day) pairs of the checks, per branch."""
        from safecampus.accounts.access import scope_prefixes
        from safecampus.core.scoping import ALL, path_q
        from safecampus.hazards.models import Schedule

        pairs, adhoc, by_branch = self.pairs, self.adhoc, self.by_branch
        ended_q, current_q = [], []
        for c, r, periods in pairs:
            cond = self.whole("schedule__", c, r, periods)
            ended_starts = [p[0] for p in periods if not p[2]]
            current_starts = [p[0] for p in periods if p[2]]
            if ended_starts:
                ended_q.append(cond & Q(period_start__in=ended_starts))
            if current_starts:
                current_q.append(cond & Q(period_start__in=current_starts))
        if adhoc is not None:
            sweep = Q(schedule__rhythm=Rhythm.AD_HOC, period_start=F("schedule__starts_on"))
            ended_q.append(sweep & Q(schedule__ends_on__lt=adhoc.day))
            current_q.append(sweep & Q(schedule__ends_on__gte=adhoc.day))
        if not ended_q + current_q:
            return
        on_schedule = _on(self.base, "schedule__")  # the same schedules, from a check
        prefixes = scope_prefixes(self.user, Schedule)
        if prefixes is not ALL:
            on_schedule &= path_q("schedule__org_path", prefixes)
        insp = self.cals.keyed(
            self.inspections.filter(schedule__isnull=False, org_id=F("schedule__org_id")),
            "schedule__org_path",
        )
        # The first days asked, as a filter an index of inspections by period answers.
        days = Q(period_start__in={p[0] for _c, _r, periods in pairs for p in periods})
        if self.sweeps_from is not None:
            days |= Q(period_start__gte=self.sweeps_from, period_start__lte=self.loose_to)
        # The distinct (schedule, first day) pairs, then counted per branch: a hash of small
        # columns, cheaper than counting distinct pairs per group.
        is_current = (
            ExpressionWrapper(reduce(operator.or_, current_q), output_field=BooleanField())
            if current_q
            else Value(False)
        )
        branch = Substr("schedule__org_path", 1, by_branch) if by_branch is not None else Value("")
        pairs_done = (
            insp.filter(days, on_schedule, reduce(operator.or_, ended_q + current_q))
            .order_by()
            .values(done_schedule=F("schedule_id"))
            .annotate(done_branch=branch, done_day=F("period_start"), done_now=is_current)
            .distinct()
        )
        sql, params = pairs_done.query.sql_with_params()
        group = "t.done_branch, " if by_branch is not None else ""
        outer = (
            f"SELECT {group}SUM(CASE WHEN t.done_now THEN 0 ELSE 1 END), "  # noqa: S608
            f"SUM(CASE WHEN t.done_now THEN 1 ELSE 0 END) FROM ({sql}) t"
            + (" GROUP BY t.done_branch" if by_branch is not None else "")
        )
        with connections[pairs_done.db].cursor() as cursor:
            cursor.execute(outer, params)
            for *key, done_ended, done_current in cursor.fetchall():
                for t in self.row(key[0] if key else ""):
                    t.add(done_ended=done_ended, done_current=done_current)

    # 3. and 4. One by one --------------------------------------------------------------

    def own(self, calkey, rhythm, starts_on, ends_on) -> list[tuple]:
        """The periods one schedule asks for."""
        if rhythm == Rhythm.AD_HOC:
            period = self.adhoc(starts_on, ends_on) if self.adhoc is not None else None
            return [period] if period is not None else []
        return [p for p in self.wanted.get((calkey, rhythm), ()) if _keeps(starts_on, ends_on, p)]

    def listed(self):
        return self.schedules.annotate(calkey=self.cals.key("org_path"))

    def one_by_one(self, n_cut: int) -> tuple[dict, set]:
        """The schedules whose dates cut some periods off (and, from the rollups, the
        sweeps): their periods asked, {(schedule, first day): (school path, is_current)},
        and those done."""
        cut = [
            self.cals.q(c) & Q(rhythm=r) & ~self.whole("", c, r, periods)
            for c, r, periods in self.pairs
        ]
        one_by_one = [reduce(operator.or_, cut) & self.cuts_dates] if n_cut else []
        if self.sweeps_apart:  # the rollups hold no sweeps: they come here
            one_by_one.append(Q(rhythm=Rhythm.AD_HOC, ends_on__gte=self.adhoc.window))
        asked: dict[tuple, tuple] = {}
        for q in one_by_one:
            for sid, _org, path, calkey, rhythm, _t, starts_on, ends_on in (
                self.listed().filter(q).by_other_filters().values_list(*self.COLUMNS, "ends_on")
            ):
                if rhythm == Rhythm.AD_HOC:
                    self.sweeps_from = min(self.sweeps_from or starts_on, starts_on)
                periods = self.own(calkey, rhythm, starts_on, ends_on)
                n_current = sum(1 for p in periods if p[2])
                for t in self.row(path):
                    t.add(ended=len(periods) - n_current, current=n_current)
                for start, _end, is_current in periods:
                    asked[(sid, start)] = (path, is_current)
        done: set[tuple] = set()
        if asked:
            done = self.linked(asked) & set(asked)
        return asked, done

    def linked(self, keys) -> set[tuple]:
        """Which of the (schedule, first day) `keys` a check at the schedule's school names."""
        return set(
            self.inspections.filter(
                schedule_id__in={k[0] for k in keys},
                period_start__in={k[1] for k in keys},
                org_id=F("schedule__org_id"),
            )
            .values_list("schedule_id", "period_start")
            .distinct()
        )

    def loose(self, asked: dict, done: set) -> None:
        """Checks made without a schedule count for the school's schedules of that
        checklist, for the periods no check names."""
        loose_to = self.loose_to
        loose_from = min(
            [p[0] for _c, _r, periods in self.pairs for p in periods]
            + [self.sweeps_from or loose_to]
        )
        loose = list(
            self.inspections.filter(
                schedule__isnull=True,
                inspected_at__gte=day_start(loose_from),
                inspected_at__lt=day_start(loose_to + ONE_DAY),
            ).values_list("org_id", "checklist__template_id", "inspected_at")
        )
        if not loose:
            return
        by_key: dict[tuple, list] = {}
        for sid, org_id, path, calkey, rhythm, template_id, starts_on, ends_on in (
            self.listed()
            .filter(org_id__in={x[0] for x in loose}, template_id__in={x[1] for x in loose})
            .values_list(*self.COLUMNS, "ends_on")
        ):
            periods = self.own(calkey, rhythm, starts_on, ends_on)
            if periods:
                by_key.setdefault((org_id, template_id), []).append((sid, path, periods))
        extra: dict[tuple, tuple] = {}
        for org_id, template_id, moment in loose:
            when = _local_date(moment)
            for sid, path, periods in by_key.get((org_id, template_id), ()):
                for start, end, is_current in periods:
                    if start <= when <= end:
                        extra[(sid, start)] = (path, is_current)
        linked = self.linked(extra) if extra else set()
        for key in set(extra) - linked:
            done.add(key)
            asked.setdefault(key, extra[key])


class _Sweeps:
    """Ad-hoc schedules with an end (sweeps) as `due_inspections` sees them on `day`."""

    def __init__(self, day: datetime.date):
        self.day = day
        self.window = day - MISSED_LOOKBACK_DAYS * ONE_DAY  # every sweep with a period ends after

    def __call__(self, starts_on, ends_on):
        return _adhoc_due(starts_on, ends_on, self.day)


def _adhoc_window_q(day: datetime.date) -> Q:
    """Sweeps with a period `due_inspections` lists on `day` (see `_adhoc_due`)."""
    window = day - MISSED_LOOKBACK_DAYS * ONE_DAY
    return (
        ~Q(rhythm=Rhythm.AD_HOC)
        | Q(ends_on__gte=day)
        | Q(ends_on__lt=day, starts_on__gte=window - 62 * ONE_DAY)
    )


def due_counts(*, user, day: datetime.date | None = None, within: str | None = None) -> dict:
    """How many checks `due_inspections` would list on `day` as due and as missed, counted
    set-based: {"due": n, "missed": m}. What a region's home page shows instead of the list
    (100,000 schedules at a province); a fixed number of queries whatever their number."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.core.scoping import ALL
    from safecampus.hazards.models import Inspection, Schedule

    day = day or timezone.localdate()
    base = _due_q(day) & _adhoc_window_q(day)
    prefixes = scope_prefixes(user, Schedule)
    if within is not None:
        base &= Q(org_path__within=within)
        prefixes = [within]
    cals = _Calendars(prefixes)
    wanted = {
        (key, rhythm): _due_periods(rhythm, day, cal)
        for key, cal in cals.by_key.items()
        for rhythm in PERIODIC
    }
    # One node in view (a bureau's own): its periods asked and done come from the rollups.
    node = None
    if prefixes is not ALL and len(prefixes) == 1:
        node = OrgNode.objects.filter(path=prefixes[0]).first()
    window = day - MISSED_LOOKBACK_DAYS * ONE_DAY
    total, _branches = _tally(
        user=user,
        base=base,
        inspections=Inspection.objects.for_user(user),
        cals=cals,
        wanted=wanted,
        adhoc=_Sweeps(day),
        loose_to=day,
        by_branch=None,
        rollup={"node": node, "start": window, "last": day} if node is not None else None,
    )
    return {
        "due": total.current - total.done_current,
        "missed": total.ended - total.done_ended,
    }


# ---------------------------------------------------------------------------- completion

PERIODIC = (
    Rhythm.SCHOOL_DAY,
    Rhythm.WEEKLY,
    Rhythm.MONTHLY,
    Rhythm.TERM_START,
    Rhythm.BEFORE_HOLIDAY,
)


def _empty() -> dict:
    return {"expected": 0, "done": 0, "missed": 0, "due": 0, "rate": None}


def _figures(t: _Tally) -> dict:
    done = t.done_ended + t.done_current
    row = {
        "expected": t.ended + t.current,
        "done": done,
        "missed": t.ended - t.done_ended,
        "due": t.current - t.done_current,
    }
    settled = done + row["missed"]
    row["rate"] = round(done / settled, 4) if settled else None
    return row


def completion(
    *,
    user,
    node,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    by_branch: int | None = None,
) -> dict:
    """Inspection completion of the schedules in `node`'s subtree the user may see, for the
    periods that begin between `start` and `end` (and have begun by today).

    Returns {expected, done, missed, due, rate}: expected periods, those with a check, those
    ended without one, current ones not yet done; rate = done / (done + missed), None when
    nothing is settled. With `by_branch` (a length of path: a child's of `node`), also
    {"branches": {school path cut to it: {...}}} for every branch with a schedule running
    in the range.

    Counted in SQL per calendar and rhythm (see "counting in SQL" above): a fixed number of
    queries whatever the size of the region, and no per-schedule work but for the schedules
    begun or ended inside the range and the checks made without a schedule. The done
    periods come from the periods-done rollup when the user sees the whole node.
    """
    from safecampus.hazards.models import Inspection

    today = today or timezone.localdate()
    last = min(end, today)
    if last < start:
        return {**_empty(), "branches": {}} if by_branch is not None else _empty()
    base = (
        Q(org_path__within=node.path, is_active=True, starts_on__lte=last)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        & ~Q(rhythm=Rhythm.AD_HOC)
    )
    cals = _Calendars([node.path])
    wanted = {
        (key, rhythm): [(s, e, e >= today) for s, e in _raw_periods(rhythm, start, last, cal)]
        for key, cal in cals.by_key.items()
        for rhythm in PERIODIC
    }
    total, branches = _tally(
        user=user,
        base=base,
        inspections=Inspection.objects.for_user(user).within(node.path),
        cals=cals,
        wanted=wanted,
        adhoc=None,
        loose_to=last,
        by_branch=by_branch,
        rollup={"node": node, "start": start, "last": last},
    )
    result = _figures(total)
    if by_branch is not None:
        result["branches"] = {path: _figures(t) for path, t in branches.items()}
    return result


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
