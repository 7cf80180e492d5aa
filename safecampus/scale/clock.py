"""Times as whole local minutes, turned into the UTC text the database stores.

The seed handles millions of moments; integers are cheap to add and compare, and the text of
each day and each offset is computed once.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

MINUTES_PER_DAY = 1440


class Clock:
    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self._dates: dict[int, str] = {}
        self._offsets: dict[int, int] = {}

    @staticmethod
    def minute(day: datetime.date, hour: int = 0, minute: int = 0) -> int:
        return day.toordinal() * MINUTES_PER_DAY + hour * 60 + minute

    @staticmethod
    def day_of(moment: int) -> int:
        """The local day (ordinal) of a moment."""
        return moment // MINUTES_PER_DAY

    def date_text(self, ordinal: int) -> str:
        text = self._dates.get(ordinal)
        if text is None:
            text = self._dates[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text

    def _offset(self, ordinal: int) -> int:
        offset = self._offsets.get(ordinal)
        if offset is None:
            noon = datetime.datetime.combine(
                datetime.date.fromordinal(ordinal), datetime.time(12), tzinfo=self.zone
            )
            offset = int(noon.utcoffset().total_seconds() // 60)
            self._offsets[ordinal] = offset
        return offset

    def text(self, moment: int) -> str:
        """'YYYY-MM-DD HH:MM:SS' in UTC, as Django stores an aware datetime on SQLite and as
        PostgreSQL reads it in a UTC session."""
        utc = moment - self._offset(moment // MINUTES_PER_DAY)
        day, minute = divmod(utc, MINUTES_PER_DAY)
        hour, minute = divmod(minute, 60)
        return f"{self.date_text(day)} {hour:02d}:{minute:02d}:00"
