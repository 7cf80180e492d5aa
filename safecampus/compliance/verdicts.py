"""The vocabulary of compliance: a verdict's status, the period it judges, its evidence.

Every rule of the catalogue (compliance/catalog.py) answers with a `Verdict`: the rule's
code, the node judged (a school, or a county for the rules about a county), the period, the
status, the records it rests on and one sentence that explains it. "No data" is a status of
its own and is never counted as compliant.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.core.dates import ONE_DAY, add_months


class Status(models.TextChoices):
    COMPLIANT = "compliant", gettext_lazy("Compliant")
    NOT_COMPLIANT = "non_compliant", gettext_lazy("Not compliant")
    NOT_APPLICABLE = "not_applicable", gettext_lazy("Not applicable")
    NO_DATA = "no_data", gettext_lazy("No data")


# Worst first: a summary of several verdicts takes the first status present.
STATUS_ORDER = [Status.NOT_COMPLIANT, Status.NO_DATA, Status.COMPLIANT, Status.NOT_APPLICABLE]


@dataclass(frozen=True)
class Period:
    key: str  # 2026-10, 2026-Q3, 2026, 2026-09-01/2027-01-22 (a term), 2026-10-12 (a day)
    label: str  # 2026年10月, 2026年第3季度, 2026年, 2026年秋季学期, 2026-10-12
    start: datetime.date
    end: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True)
class Evidence:
    """One record a verdict rests on, as the user can open it."""

    kind: str  # drill, inspection, hazard, lesson, training, inventory, incident, ...
    id: int | None
    label: str
    date: datetime.date | None = None
    url: str = ""
    figures: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "label": str(self.label),
            "date": self.date.isoformat() if self.date else None,
            "url": self.url,
            **({"figures": self.figures} if self.figures else {}),
        }


@dataclass(frozen=True)
class Verdict:
    rule: str
    status: str
    period: Period | None
    explanation: str
    evidence: tuple = ()  # objects with as_dict(): Evidence, emergency's DrillFact, ...
    node_id: int | None = None
    # The figure a rule measured, where it has one (a share, an evacuation time, hours), so
    # that outcomes can stand beside ticks.
    value: float | None = None

    @property
    def school_id(self) -> int | None:
        return self.node_id

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_failing(self) -> bool:
        return self.status == Status.NOT_COMPLIANT

    @property
    def title(self) -> str:
        from safecampus.compliance.catalog import RULES_BY_CODE

        spec = RULES_BY_CODE.get(self.rule)
        return str(spec.title) if spec else self.rule

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "code": self.rule,
            "title": self.title,
            "node": self.node_id,
            "status": self.status,
            "verdict": self.status,
            "status_label": self.status_label,
            "period": self.period.as_dict() if self.period else None,
            "explanation": self.explanation,
            "value": self.value,
            "evidence": [e.as_dict() for e in self.evidence],
        }


def worst(verdicts) -> str:
    present = {v.status for v in verdicts}
    for status in STATUS_ORDER:
        if status in present:
            return status
    return Status.NOT_APPLICABLE


# ----------------------------------------------------------------------------- periods


def month_period(day: datetime.date) -> Period:
    first = day.replace(day=1)
    last = add_months(first, 1) - ONE_DAY
    return Period(
        f"{first.year}-{first.month:02d}",
        formats.date_format(first, "YEAR_MONTH_FORMAT"),
        first,
        last,
    )


def quarter_of(day: datetime.date) -> Period:
    q = (day.month - 1) // 3 + 1
    first = datetime.date(day.year, 3 * q - 2, 1)
    last = add_months(first, 3) - ONE_DAY
    label = _("Q%(quarter)d %(year)d") % {"quarter": q, "year": day.year}
    return Period(f"{day.year}-Q{q}", label, first, last)


def year_period(year: int) -> Period:
    label = _("%(year)d") % {"year": year}
    if (translation.get_language() or "").startswith("zh"):
        label = f"{year}年"
    return Period(str(year), label, datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def day_period(day: datetime.date) -> Period:
    return Period(day.isoformat(), day.isoformat(), day, day)


def term_period(term) -> Period:
    return Period(
        f"{term.start.isoformat()}/{term.end.isoformat()}", term.name, term.start, term.end
    )


def last_ended_month(as_of: datetime.date) -> Period:
    return month_period(as_of.replace(day=1) - ONE_DAY)


def last_ended_quarter(as_of: datetime.date) -> Period:
    return quarter_of(quarter_of(as_of).start - ONE_DAY)


def last_ended_year(as_of: datetime.date) -> Period:
    return year_period(as_of.year - 1)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_period(key: str) -> Period:
    """A period from its key: 2026-10, 2026-Q3, 2026 or a day 2026-10-12. ValueError when the
    key is none of these."""
    key = (key or "").strip()
    if m := _MONTH.match(key):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return month_period(datetime.date(int(m.group(1)), month, 1))
    elif m := _QUARTER.match(key):
        return quarter_of(datetime.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1))
    elif m := _YEAR.match(key):
        return year_period(int(m.group(1)))
    elif _DAY.match(key):
        return day_period(datetime.date.fromisoformat(key))
    raise ValueError(key)


def gap() -> str:
    """What separates two sentences: nothing after a Chinese full stop, a space in English."""
    return "" if (translation.get_language() or "").startswith("zh") else " "


def join(items) -> str:
    chinese = (translation.get_language() or "").startswith("zh")
    return ("、" if chinese else ", ").join(str(i) for i in items)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %".replace(".00 %", " %")
