"""When each 1530 reminder is due, read from the school calendar (hazards/calendar.py).

- The daily minute: every school day.
- The weekly five minutes: once in each week (Monday to Sunday) that has a school day.
- The thirty minutes: on the last school days before each holiday that starts inside a term
  (国庆节, 清明节, ...) and before the winter and summer breaks. `HOLIDAY_WINDOW_DAYS` school
  days are given for it, so that a class whose last day before the break is a sports day can
  take it the day before.

The page of the class teacher (“today”), the home to-do and the EDU-1530 rule all read these
functions, so that what a teacher is asked to do is what the county judges.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from safecampus.core.dates import ONE_DAY, week_of
from safecampus.education.choices import ReminderKind, Topic

HOLIDAY_WINDOW_DAYS = 2
# How far back a holiday may reach for its last school days (a long weekend plus make-up days).
_LOOK_BACK_DAYS = 21


@dataclass(frozen=True)
class HolidayWindow:
    """The school days on which the reminder before `name` (starting `starts`) is given."""

    name: str
    starts: datetime.date
    days: tuple[datetime.date, ...]  # oldest first

    @property
    def first(self) -> datetime.date:
        return self.days[0]

    @property
    def last(self) -> datetime.date:
        return self.days[-1]

    def covers(self, day: datetime.date) -> bool:
        """A reminder given on `day` counts for this holiday: from the first day of the window
        up to the day before the holiday."""
        return self.first <= day < self.starts


def holiday_windows(calendar, days: int = HOLIDAY_WINDOW_DAYS) -> list[HolidayWindow]:
    """Every holiday that interrupts a term, and every break, with its last school days."""
    starts: dict[datetime.date, str] = {}
    for holiday in calendar.holidays:
        if calendar.term_of(holiday.start - ONE_DAY) is not None:
            starts.setdefault(holiday.start, holiday.name)
    for brk in calendar.breaks():
        starts.setdefault(brk.start, brk.name)
    out = []
    for start in sorted(starts):
        found, day = [], start - ONE_DAY
        while len(found) < days and (start - day).days <= _LOOK_BACK_DAYS:
            if calendar.is_school_day(day):
                found.append(day)
            day -= ONE_DAY
        if found:
            out.append(HolidayWindow(starts[start], start, tuple(reversed(found))))
    return out


def window_on(calendar, day: datetime.date, windows=None) -> HolidayWindow | None:
    """The holiday whose reminder is due on `day`, if any."""
    for window in windows if windows is not None else holiday_windows(calendar):
        if day in window.days:
            return window
    return None


def school_weeks(calendar, first: datetime.date, last: datetime.date) -> list[tuple]:
    """(Monday, Sunday, school days between first and last) of each week with a school day."""
    weeks = []
    monday = week_of(first)[0]
    while monday <= last:
        sunday = monday + 6 * ONE_DAY
        days = calendar.school_days(max(monday, first), min(sunday, last))
        if days:
            weeks.append((monday, sunday, days))
        monday += 7 * ONE_DAY
    return weeks


# ------------------------------------------------------------------------------ topics

# The season's risk first (seed 004: drowning education from April to October).
_SEASON = {
    1: Topic.FIRE,
    2: Topic.FIRE,
    3: Topic.TRAFFIC,
    4: Topic.DROWNING,
    5: Topic.DROWNING,
    6: Topic.DROWNING,
    7: Topic.DROWNING,
    8: Topic.DROWNING,
    9: Topic.DROWNING,
    10: Topic.DROWNING,
    11: Topic.FIRE,
    12: Topic.FIRE,
}
# Before a holiday, what the holiday brings: travel, water, fireworks, the winter stove.
_HOLIDAYS = (
    ("暑", Topic.DROWNING),
    ("端午", Topic.DROWNING),
    ("劳动", Topic.TRAFFIC),
    ("国庆", Topic.TRAFFIC),
    ("中秋", Topic.TRAFFIC),
    ("清明", Topic.FIRE),
    ("寒", Topic.FIRE),
    ("春节", Topic.FIRE),
    ("元旦", Topic.FIRE),
)


def suggested_topic(kind: str, day: datetime.date, holiday: str = "") -> str:
    """The topic a reminder most likely covers, preselected on the one-tap button."""
    if kind == ReminderKind.HOLIDAY and holiday:
        for word, topic in _HOLIDAYS:
            if word in holiday:
                return topic
    return _SEASON[day.month]
