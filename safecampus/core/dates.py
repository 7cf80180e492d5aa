"""Calendar arithmetic in the configured time zone: where a day, a week or a month starts.

Every filter "found on day D" or "closed in month M" is a half-open range of aware
datetimes [start of first day, start of the day after the last), built here only.
"""

import datetime

from django.utils import timezone

ONE_DAY = datetime.timedelta(days=1)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day`, in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_range(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The half-open datetime range covering the days `first` to `last` inclusive."""
    return day_start(first), day_start(last + ONE_DAY)


def add_months(day: datetime.date, n: int) -> datetime.date:
    """The first of the month `n` months after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `day`'s month."""
    first = day.replace(day=1)
    return first, add_months(first, 1) - ONE_DAY


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of `day`'s week."""
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


def now_minute() -> datetime.datetime:
    """Now, to the minute: the default of "when did it happen" on forms typed at the scene."""
    from django.utils import timezone

    return timezone.localtime().replace(second=0, microsecond=0)
