"""What a class teacher has to do today: for each class they head, the daily minute (every
school day), the weekly five minutes (once a week) and the thirty minutes before a holiday (on
its last school days), each done or not, with the topic the season suggests.

Read by the “today” page, its one-tap buttons and the home page's to-do; the dates come from
education/schedule.py, the same functions the EDU-1530 rule judges by.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import assignments, can
from safecampus.core.dates import ONE_DAY, week_of
from safecampus.education.choices import ReminderKind
from safecampus.education.models import SafetyReminder, SchoolClass
from safecampus.education.schedule import holiday_windows, suggested_topic, window_on


@dataclass
class DueItem:
    school_class: SchoolClass
    kind: str
    minutes: int
    topic: str
    hint: str = ""
    holiday: str = ""
    done: SafetyReminder | None = None
    last_chance: bool = False  # today is the last school day it can be given

    @property
    def label(self) -> str:
        return ReminderKind(self.kind).label

    @property
    def key(self) -> str:
        return f"{self.school_class.pk}-{self.kind}"


@dataclass
class ClassToday:
    school_class: SchoolClass
    items: list[DueItem] = field(default_factory=list)

    @property
    def pending(self) -> list[DueItem]:
        return [i for i in self.items if i.done is None]


@dataclass
class Today:
    day: datetime.date
    classes: list[ClassToday]
    school_day: bool
    why_not: str = ""  # the holiday, or the weekend, when today is no school day
    next_school_day: datetime.date | None = None

    @property
    def pending(self) -> int:
        return sum(len(c.pending) for c in self.classes)

    @property
    def done(self) -> int:
        return sum(len(c.items) - len(c.pending) for c in self.classes)


def own_classes(user):
    """The active classes `user` heads, that they may see."""
    return (
        SchoolClass.objects.for_user(user)
        .filter(head_teacher=user, active=True)
        .by_other_filters()  # a few classes of this teacher, not a province's
        .select_related("org")
        .order_by("org_path", "rank", "name")
    )


def managed_schools(user) -> list:
    """The schools whose education records `user` keeps (principal, safety officer)."""
    return [
        a.org
        for a in assignments(user)
        if a.org.is_school and can(user, "change", SchoolClass, a.org)
    ]


def _minutes_by_school(schools, day) -> dict[int, dict]:
    from safecampus.compliance.params import ParamBook
    from safecampus.education.services import RULE

    out = {}
    for school in schools:
        if school.pk not in out:
            out[school.pk] = ParamBook.for_region(school.path, [RULE]).params(
                RULE, school.path, day
            )
    return out


def _next_school_day(cal, day) -> datetime.date | None:
    probe = day + ONE_DAY
    for _i in range(120):
        if cal.is_school_day(probe):
            return probe
        probe += ONE_DAY
    return None


def today_for(classes, day: datetime.date | None = None) -> Today:
    """The reminders due on `day` (today) for `classes`, with those already given."""
    from safecampus.emergency.compliance import calendars_of

    day = day or timezone.localdate()
    classes = list(classes)
    schools = {c.org_id: c.org for c in classes}
    calendars = calendars_of(list(schools.values()), day)
    windows = {}
    monday, sunday = week_of(day)
    given: dict[tuple, SafetyReminder] = {}
    rows = SafetyReminder.objects.filter(
        school_class__in=classes, day__gte=min(monday, day - 21 * ONE_DAY), day__lte=day
    ).select_related("recorded_by")
    for r in rows.order_by("day", "id"):
        given.setdefault((r.school_class_id, r.kind), []).append(r)
    params = _minutes_by_school(schools.values(), day)
    out = []
    for c in classes:
        cal = calendars[c.org_id]
        if id(cal) not in windows:
            windows[id(cal)] = holiday_windows(cal)
        p = params[c.org_id]
        entry = ClassToday(c)
        if cal.is_school_day(day):
            done = [r for r in given.get((c.pk, ReminderKind.DAILY), ()) if r.day == day]
            entry.items.append(
                DueItem(
                    c,
                    ReminderKind.DAILY,
                    p["daily_minutes"],
                    suggested_topic(ReminderKind.DAILY, day),
                    hint=_("before dismissal today"),
                    done=done[-1] if done else None,
                    last_chance=True,
                )
            )
            week_days = cal.school_days(monday, sunday)
            done = [
                r for r in given.get((c.pk, ReminderKind.WEEKLY), ()) if monday <= r.day <= sunday
            ]
            last = week_days[-1] if week_days else day
            entry.items.append(
                DueItem(
                    c,
                    ReminderKind.WEEKLY,
                    p["weekly_minutes"],
                    suggested_topic(ReminderKind.WEEKLY, day),
                    hint=_("once this week, by %(day)s") % {"day": _weekday(last)},
                    done=done[-1] if done else None,
                    last_chance=last <= day,
                )
            )
            window = window_on(cal, day, windows[id(cal)])
            if window is not None:
                done = [
                    r for r in given.get((c.pk, ReminderKind.HOLIDAY), ()) if window.covers(r.day)
                ]
                entry.items.append(
                    DueItem(
                        c,
                        ReminderKind.HOLIDAY,
                        p["holiday_minutes"],
                        suggested_topic(ReminderKind.HOLIDAY, day, window.name),
                        hint=_("before %(holiday)s (from %(day)s)")
                        % {"holiday": window.name, "day": window.starts.isoformat()},
                        holiday=window.name,
                        done=done[-1] if done else None,
                        last_chance=window.last <= day,
                    )
                )
        out.append(entry)
    cal = calendars[classes[0].org_id] if classes else None
    school_day = bool(cal and cal.is_school_day(day))
    why = ""
    if cal is not None and not school_day:
        holiday = cal.holiday_of(day)
        if holiday is not None:
            why = holiday.name
        elif cal.term_of(day) is None:
            why = _("school holidays")
        else:
            why = _("weekend")
    return Today(
        day=day,
        classes=out,
        school_day=school_day,
        why_not=why,
        next_school_day=_next_school_day(cal, day) if cal is not None and not school_day else None,
    )


def _weekday(day: datetime.date) -> str:
    from django.utils import formats

    return formats.date_format(day, "l")


# ---------------------------------------------------------------------------------- home


def todo_items(user) -> list[dict]:
    """A class teacher's “1530 due today”: the reminders of their classes not given yet."""
    if not getattr(user, "is_authenticated", False):
        return []
    classes = list(own_classes(user))
    if not classes:
        return []
    today = today_for(classes)
    pending = [i for c in today.classes for i in c.pending]
    if not pending:
        return []
    return [
        {
            "label": _("1530 reminders due today"),
            "count": len(pending),
            "url": reverse("education:today"),
            "severity": "due",
            "key": "education-1530",
        }
    ]


def home_actions(user) -> list[dict]:
    """A big “1530” button on a class teacher's home page."""
    if not getattr(user, "is_authenticated", False) or not own_classes(user).exists():
        return []
    return [
        {"label": _("Today's 1530 reminders"), "url": reverse("education:today"), "primary": False}
    ]
