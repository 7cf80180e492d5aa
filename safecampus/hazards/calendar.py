"""The school calendar: what "school day" and "before each holiday" mean for a school.

A county (or any region) writes its own terms and holidays as CalendarPeriod rows; a school
follows the nearest node at or above it that has rows. Without any, the default Chinese
school year applies (ux.md, "The school year"): autumn term from 1 September to mid-January,
winter break around the Spring Festival, spring term from late February or early March to
early July, summer break July–August, and the public holidays inside terms.

The 2025–2026 school year follows the State Council's published holiday arrangements (with
the make-up working days, 调休上班, counted as school days). For 2026–2027 the autumn dates
are published; the 2027 spring holidays are placed on their lunar dates by the usual rules
until a county enters the official ones. Other years are computed by the same rules.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.core.dates import ONE_DAY
from safecampus.orgs.models import ancestor_paths

D = datetime.date


@dataclass(frozen=True)
class Period:
    kind: str  # "term" | "holiday"
    name: str
    start: datetime.date
    end: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


# Lunar festivals (Spring Festival, Dragon Boat, Mid-Autumn) on the Gregorian calendar.
SPRING_FESTIVAL = {
    2022: D(2022, 2, 1), 2023: D(2023, 1, 22), 2024: D(2024, 2, 10), 2025: D(2025, 1, 29),
    2026: D(2026, 2, 17), 2027: D(2027, 2, 6), 2028: D(2028, 1, 26), 2029: D(2029, 2, 13),
    2030: D(2030, 2, 3), 2031: D(2031, 1, 23), 2032: D(2032, 2, 11),
}  # fmt: skip
DRAGON_BOAT = {
    2022: D(2022, 6, 3), 2023: D(2023, 6, 22), 2024: D(2024, 6, 10), 2025: D(2025, 5, 31),
    2026: D(2026, 6, 19), 2027: D(2027, 6, 9), 2028: D(2028, 5, 28), 2029: D(2029, 6, 16),
    2030: D(2030, 6, 5), 2031: D(2031, 6, 24), 2032: D(2032, 6, 12),
}  # fmt: skip
MID_AUTUMN = {
    2022: D(2022, 9, 10), 2023: D(2023, 9, 29), 2024: D(2024, 9, 17), 2025: D(2025, 10, 6),
    2026: D(2026, 9, 25), 2027: D(2027, 9, 15), 2028: D(2028, 10, 3), 2029: D(2029, 9, 22),
    2030: D(2030, 9, 12), 2031: D(2031, 10, 1), 2032: D(2032, 9, 19),
}  # fmt: skip

# School years with known dates: terms, public holidays and make-up working days.
KNOWN_YEARS: dict[int, dict] = {
    2025: {
        "terms": [("2025年秋季学期", D(2025, 9, 1), D(2026, 1, 16)), ("2026年春季学期", D(2026, 3, 2), D(2026, 7, 10))],
        "holidays": [
            ("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8)),
            ("元旦", D(2026, 1, 1), D(2026, 1, 3)),
            ("春节", D(2026, 2, 15), D(2026, 2, 23)),
            ("清明节", D(2026, 4, 4), D(2026, 4, 6)),
            ("劳动节", D(2026, 5, 1), D(2026, 5, 5)),
            ("端午节", D(2026, 6, 19), D(2026, 6, 21)),
        ],
        "workdays": [D(2025, 9, 28), D(2025, 10, 11), D(2026, 1, 4), D(2026, 5, 9)],
    },
    2026: {
        "terms": [("2026年秋季学期", D(2026, 9, 1), D(2027, 1, 22)), ("2027年春季学期", D(2027, 2, 22), D(2027, 7, 9))],
        "holidays": [
            ("中秋节", D(2026, 9, 25), D(2026, 9, 27)),
            ("国庆节", D(2026, 10, 1), D(2026, 10, 7)),
            ("元旦", D(2027, 1, 1), D(2027, 1, 3)),
            ("春节", D(2027, 2, 5), D(2027, 2, 13)),
            ("清明节", D(2027, 4, 3), D(2027, 4, 5)),
            ("劳动节", D(2027, 5, 1), D(2027, 5, 5)),
            ("端午节", D(2027, 6, 9), D(2027, 6, 11)),
        ],
        "workdays": [D(2026, 9, 20), D(2026, 10, 10)],
    },
}  # fmt: skip


def _first_weekday_on_or_after(day: datetime.date, weekday: int = 0) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def _three_days_around(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A three-day holiday that includes `day` and the nearest weekend."""
    wd = day.weekday()
    if wd == 0:  # Monday: Sat–Mon
        return day - 2 * ONE_DAY, day
    if wd == 4:  # Friday: Fri–Sun
        return day, day + 2 * ONE_DAY
    if wd in (5, 6):
        start = day - datetime.timedelta(days=wd - 5)
        return start, start + 2 * ONE_DAY
    return day, day + 2 * ONE_DAY  # mid-week: the festival and two days after (approximate)


def _approximate_year(year: int) -> dict:
    """School year `year`–`year+1` by the usual rules."""
    spring = SPRING_FESTIVAL.get(year + 1, D(year + 1, 2, 5))
    autumn_end = min(spring - datetime.timedelta(days=14), D(year + 1, 1, 23))
    spring_start = _first_weekday_on_or_after(
        max(spring + datetime.timedelta(days=14), D(year + 1, 2, 20))
    )
    holidays = []
    mid = MID_AUTUMN.get(year, D(year, 9, 20))
    if not D(year, 10, 1) <= mid <= D(year, 10, 8):
        holidays.append(("中秋节", *_three_days_around(mid)))
        holidays.append(("国庆节", D(year, 10, 1), D(year, 10, 7)))
    else:
        holidays.append(("国庆节、中秋节", D(year, 10, 1), D(year, 10, 8)))
    holidays.append(("元旦", *_three_days_around(D(year + 1, 1, 1))))
    holidays.append(("春节", spring - ONE_DAY, spring + 7 * ONE_DAY))
    holidays.append(("清明节", *_three_days_around(D(year + 1, 4, 5))))
    holidays.append(("劳动节", D(year + 1, 5, 1), D(year + 1, 5, 5)))
    holidays.append(("端午节", *_three_days_around(DRAGON_BOAT.get(year + 1, D(year + 1, 6, 10)))))
    return {
        "terms": [
            (f"{year}年秋季学期", D(year, 9, 1), autumn_end),
            (f"{year + 1}年春季学期", spring_start, D(year + 1, 7, 10)),
        ],
        "holidays": holidays,
        "workdays": [],
    }


def school_year_of(day: datetime.date) -> int:
    """The first calendar year of the school year `day` falls in (September to August)."""
    return day.year if day.month >= 9 else day.year - 1


def default_periods(first_year: int, last_year: int) -> tuple[list[Period], list[Period], set]:
    terms, holidays, workdays = [], [], set()
    for year in range(first_year, last_year + 1):
        data = KNOWN_YEARS.get(year) or _approximate_year(year)
        terms += [Period("term", *t) for t in data["terms"]]
        holidays += [Period("holiday", *h) for h in data["holidays"]]
        workdays |= set(data["workdays"])
    return terms, holidays, workdays


@dataclass
class Calendar:
    """Terms and holidays; `source` is the node whose rows they are (None: the default)."""

    terms: list[Period]
    holidays: list[Period]
    workdays: set = field(default_factory=set)
    source: object = None

    def __post_init__(self):
        self.terms = sorted(self.terms, key=lambda p: p.start)
        self.holidays = sorted(self.holidays, key=lambda p: p.start)
        self._term_starts = [t.start for t in self.terms]
        self._memo: dict = {}

    @property
    def key(self):
        return self.source.pk if self.source is not None else None

    @cached_property
    def _holiday_days(self) -> set:
        days = set()
        for h in self.holidays:
            day = h.start
            while day <= h.end:
                days.add(day)
                day += ONE_DAY
        return days

    def term_of(self, day: datetime.date) -> Period | None:
        i = bisect_right(self._term_starts, day) - 1
        if i >= 0 and day in self.terms[i]:
            return self.terms[i]
        return None

    def holiday_of(self, day: datetime.date) -> Period | None:
        for h in self.holidays:
            if day in h:
                return h
        return None

    def is_school_day(self, day: datetime.date) -> bool:
        memo = self._memo.get(day)
        if memo is None:
            if self.term_of(day) is None or day in self._holiday_days:
                memo = False
            else:
                memo = day.weekday() < 5 or day in self.workdays
            self._memo[day] = memo
        return memo

    def school_days(self, start: datetime.date, end: datetime.date) -> list[datetime.date]:
        days, day = [], start
        while day <= end:
            if self.is_school_day(day):
                days.append(day)
            day += ONE_DAY
        return days

    def next_holiday_after(self, day: datetime.date) -> Period | None:
        for h in self.holidays:
            if h.start > day:
                return h
        return None

    def breaks(self) -> list[Period]:
        """The gaps between terms (winter and summer breaks), as holiday periods."""
        out = []
        for a, b in zip(self.terms, self.terms[1:], strict=False):
            if b.start > a.end + ONE_DAY:
                out.append(Period("holiday", "寒假" if a.end.month <= 2 else "暑假", a.end + ONE_DAY, b.start - ONE_DAY))  # fmt: skip
        if self.terms:
            last = self.terms[-1]
            out.append(Period("holiday", "假期", last.end + ONE_DAY, last.end + 60 * ONE_DAY))
        return out

    def before_holiday_periods(self, days: int = 3) -> list[tuple[datetime.date, datetime.date]]:
        """The `days` school days before each holiday that starts inside a term or ends one."""
        if "bh" in self._memo:
            return self._memo["bh"]
        starts = set()
        for h in self.holidays:
            if self.term_of(h.start - ONE_DAY) is not None:
                starts.add(h.start)
        for b in self.breaks():
            starts.add(b.start)
        periods = set()
        for start in sorted(starts):
            found, day = [], start - ONE_DAY
            while len(found) < days and (start - day).days <= 21:
                if self.is_school_day(day):
                    found.append(day)
                day -= ONE_DAY
            if found:
                periods.add((found[-1], found[0]))
        result = sorted(periods)
        self._memo["bh"] = result
        return result


def default_calendar(around: datetime.date | None = None) -> Calendar:
    """The default calendar, covering the school years from two before `around` to one after."""
    year = school_year_of(around or timezone.localdate())
    terms, holidays, workdays = default_periods(year - 2, year + 1)
    return Calendar(terms=terms, holidays=holidays, workdays=workdays, source=None)


def _ancestor_paths(path: str) -> list[str]:
    """Nearest first: a county's own calendar wins over its city's."""
    return ancestor_paths(path)[::-1]


def _from_rows(rows, source, default: Calendar) -> Calendar:
    terms = [Period("term", r.name, r.start, r.end) for r in rows if r.kind == "term"]
    holidays = [Period("holiday", r.name, r.start, r.end) for r in rows if r.kind == "holiday"]
    return Calendar(
        terms=terms or default.terms,
        holidays=holidays or default.holidays,
        workdays=default.workdays if not holidays else set(),
        source=source,
    )


def calendars_for(nodes) -> dict[int, Calendar]:
    """The calendar of each node (by pk), in one query for every node's ancestors' rows."""
    from safecampus.hazards.models import CalendarPeriod

    nodes = list(nodes)
    paths = {p for n in nodes for p in _ancestor_paths(n.path)}
    rows: dict[str, list] = {}
    for row in CalendarPeriod.objects.filter(org_path__in=paths).select_related("org"):
        rows.setdefault(row.org_path, []).append(row)
    default = default_calendar()
    built: dict[str, Calendar] = {}
    out = {}
    for node in nodes:
        cal = default
        for path in _ancestor_paths(node.path):
            if path in rows:
                if path not in built:
                    built[path] = _from_rows(rows[path], rows[path][0].org, default)
                cal = built[path]
                break
        out[node.pk] = cal
    return out


def calendar_for(node) -> Calendar:
    """The calendar of the nearest node at or above `node` with CalendarPeriod rows, else the
    default school year."""
    return calendars_for([node])[node.pk]


# ------------------------------------------------------------------------------- writing


def _check(by, action, node):
    from safecampus.accounts.access import can
    from safecampus.core.errors import NotAllowed
    from safecampus.hazards.models import CalendarPeriod

    if by is not None and not can(by, action, CalendarPeriod, node):
        raise NotAllowed(_("Your role does not allow this here."))


MAX_PERIOD_DAYS = 366


def _check_dates(*, node, kind: str, start, end, period=None) -> None:
    """The last day is not before the first, a period spans at most a year (a longer one is a
    mistyped year), and a region's terms never overlap: a day belongs to one term."""
    from safecampus.hazards.models import CalendarPeriod

    if start is None or end is None:
        return  # the model's own validation names the missing date
    if end < start:
        raise ValidationError({"end": _("The last day cannot be before the first day.")})
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError(
            {"end": _("A term or holiday lasts at most a year: check the years of the dates.")}
        )
    if kind != CalendarPeriod.Kind.TERM:
        return
    clash = (
        CalendarPeriod.objects.filter(org=node, kind=kind, start__lte=end, end__gte=start)
        .exclude(pk=getattr(period, "pk", None))
        .order_by("start")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "start": _(
                    "This term overlaps the term “%(name)s” (%(start)s – %(end)s): terms cannot overlap."
                )
                % {"name": clash.name, "start": clash.start, "end": clash.end}
            }
        )


@transaction.atomic
def calendar_period_save(
    *,
    node,
    by,
    kind: str,
    name: str,
    start: datetime.date,
    end: datetime.date,
    period=None,
    expected_version: int | None = None,
):
    """Add a term or holiday to a region's calendar, or change one (audited)."""
    from safecampus.core.services import create_record, update_record
    from safecampus.hazards.models import CalendarPeriod

    if node.is_school:
        raise ValidationError({"org": _("A school calendar is set by its county or region.")})
    if period is None:
        _check(by, "add", node)
        _check_dates(node=node, kind=kind, start=start, end=end)
        instance = CalendarPeriod(org=node, kind=kind, name=name, start=start, end=end)
        return create_record(instance=instance, by=by)
    _check(by, "change", period.org)
    _check_dates(node=period.org, kind=kind, start=start, end=end, period=period)
    return update_record(
        instance=period,
        by=by,
        data={"kind": kind, "name": name, "start": start, "end": end},
        expected_version=expected_version,
    )


@transaction.atomic
def calendar_period_delete(*, period, by) -> None:
    from safecampus.core.services import delete_record

    _check(by, "delete", period.org)
    delete_record(instance=period, by=by)


@transaction.atomic
def calendar_copy_default(*, node, by, school_year: int | None = None) -> list:
    """Give a region its own copy of the default school year, to edit (audited per row).
    Refused when the region already has periods in that school year: copying would mix two."""
    from safecampus.hazards.models import CalendarPeriod

    year = school_year if school_year is not None else school_year_of(timezone.localdate())
    _check(by, "add", node)
    if CalendarPeriod.objects.filter(
        org=node, start__lte=D(year + 1, 8, 31), end__gte=D(year, 9, 1)
    ).exists():
        raise ValidationError(
            _(
                "%(node)s already has periods in the %(first)s–%(second)s school year: edit them, or delete them before copying the default."
            )
            % {"node": node.name, "first": year, "second": year + 1}
        )
    terms, holidays, _workdays = default_periods(year, year)
    return [
        calendar_period_save(node=node, by=by, kind=p.kind, name=p.name, start=p.start, end=p.end)
        for p in terms + holidays
    ]
