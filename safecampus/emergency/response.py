"""The 1-3-5 marks of RESPONSE-135, derived from an incident's timeline when read.

From the report, the school responds within 1 minute, is on the scene within 3 and has the
situation under control within 5. Each mark is the minutes from the REPORTED entry to the
first entry of that step, as the timeline stands after corrections: a correction replaces the
time of the entry it points at (the newest correction wins), so a mistyped time is fixed by
appending, never by rewriting. A mark not yet recorded is "no mark yet", never a zero.

`response_for(incident)` serves a page; `responses(queryset)` and `distribution(queryset)`
serve lists and statistics with one query for any number of incidents.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from safecampus.emergency.choices import RESPONSE_MARKS, Step
from safecampus.emergency.models import IncidentEntry

WITHIN, OVER, NONE = "within", "over", "none"
STATE_LABELS = {WITHIN: _("Within target"), OVER: _("Over target"), NONE: _("No mark yet")}
MARK_STEPS = tuple(RESPONSE_MARKS)
TIMED_STEPS = (Step.REPORTED, *MARK_STEPS)
# Buckets of the response-time distribution, in minutes (upper bounds; the last is open).
BUCKETS = (1, 3, 5, 10, 30, 60)


@dataclass
class Effective:
    """An entry as it stands after its corrections."""

    entry: IncidentEntry
    at: datetime.datetime
    text: str
    plan_id: int | None
    corrections: list = field(default_factory=list)

    @property
    def corrected(self) -> bool:
        return bool(self.corrections)

    @property
    def step(self) -> str:
        return self.entry.step


def effective(entries: Iterable[IncidentEntry]) -> list[Effective]:
    """The timeline's entries (corrections folded into the entries they correct), by time."""
    entries = list(entries)
    corrections: dict[int, list] = defaultdict(list)
    for e in entries:
        if e.step == Step.CORRECTION and e.corrects_id:
            corrections[e.corrects_id].append(e)
    rows = []
    for e in entries:
        if e.step == Step.CORRECTION:
            continue
        fixes = sorted(corrections.get(e.pk, []), key=lambda c: (c.recorded_at, c.pk))
        at, text, plan_id = e.at, e.text, e.plan_id
        for fix in fixes:
            at = fix.at
            text = fix.text or text
            plan_id = fix.plan_id or plan_id
        rows.append(Effective(entry=e, at=at, text=text, plan_id=plan_id, corrections=fixes))
    rows.sort(key=lambda r: (r.at, r.entry.pk))
    return rows


@dataclass(frozen=True)
class Mark:
    step: str
    target: int  # minutes
    at: datetime.datetime | None
    minutes: float | None  # from the report; None: no mark yet
    corrected: bool = False

    @property
    def state(self) -> str:
        if self.minutes is None:
            return NONE
        return WITHIN if self.minutes <= self.target else OVER

    @property
    def label(self) -> str:
        return str(Step(self.step).label)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass(frozen=True)
class Response:
    reported_at: datetime.datetime | None
    marks: tuple[Mark, ...]

    def mark(self, step: str) -> Mark:
        return next(m for m in self.marks if m.step == step)

    @property
    def all_within(self) -> bool:
        return all(m.state == WITHIN for m in self.marks)


def _minutes(start, end) -> float:
    """Minutes between two times, one decimal; a mark recorded before the report counts as 0."""
    return round(max((end - start).total_seconds(), 0.0) / 60.0, 1)


def response_of(entries: Iterable[IncidentEntry]) -> Response:
    """The 1-3-5 marks of one incident's entries (corrections included among them)."""
    first: dict[str, Effective] = {}
    for row in effective(entries):
        if row.step in TIMED_STEPS and row.step not in first:
            first[row.step] = row
    reported = first.get(Step.REPORTED)
    marks = []
    for step, target in RESPONSE_MARKS.items():
        row = first.get(step)
        if row is None or reported is None:
            marks.append(Mark(step=step, target=target, at=row.at if row else None, minutes=None))
            continue
        marks.append(
            Mark(
                step=step,
                target=target,
                at=row.at,
                minutes=_minutes(reported.at, row.at),
                corrected=row.corrected or reported.corrected,
            )
        )
    return Response(reported_at=reported.at if reported else None, marks=tuple(marks))


def response_for(incident) -> Response:
    return response_of(incident.entries.all())


class EntryRow(NamedTuple):
    """What the marks need of an entry: a province's year is some ten thousand entries, and
    model instances cost most of such a page (`effective` reads these same names)."""

    pk: int
    incident_id: int
    step: str
    at: datetime.datetime
    text: str
    corrects_id: int | None
    plan_id: int | None
    recorded_at: datetime.datetime


def _timed_entries(queryset):
    """The entries that carry marks, and the corrections of those, of every incident in
    `queryset` (one query), as `EntryRow`s."""
    rows = (
        IncidentEntry.objects.filter(incident__in=queryset.values("pk"))
        .filter(Q(step__in=TIMED_STEPS) | Q(step=Step.CORRECTION, corrects__step__in=TIMED_STEPS))
        .order_by("incident_id", "id")
        # Only a correction's time of recording is read (to order corrections); left NULL
        # for the others, it is one timestamp fewer to parse per entry.
        .annotate(recorded=Case(When(step=Step.CORRECTION, then=F("recorded_at")), default=None))
        .values_list("id", *EntryRow._fields[1:-1], "recorded")
    )
    return (EntryRow(*row) for row in rows)


def responses(queryset) -> dict[int, Response]:
    """The marks of every incident in `queryset` (already scoped by the caller), by id."""
    grouped: dict[int, list] = defaultdict(list)
    for entry in _timed_entries(queryset):
        grouped[entry.incident_id].append(entry)
    ids = queryset.values_list("pk", flat=True)
    return {pk: response_of(grouped.get(pk, [])) for pk in ids}


def bucket_labels() -> list[str]:
    labels, low = [], 0
    for high in BUCKETS:
        labels.append(f"{low}–{high}")
        low = high
    labels.append(f">{BUCKETS[-1]}")
    return labels


def _bucket(minutes: float) -> int:
    for index, high in enumerate(BUCKETS):
        if minutes <= high:
            return index
    return len(BUCKETS)


def distribution(queryset) -> dict:
    """Response times of the incidents in `queryset` against 1-3-5, mark by mark:
    {step: {"target", "label", "within", "over", "none", "buckets": [n per bucket_labels()],
    "median": minutes or None}} and "total" (the number of incidents)."""
    found = responses(queryset)
    out: dict = {"total": len(found), "bucket_labels": bucket_labels()}
    for step, target in RESPONSE_MARKS.items():
        counts = {WITHIN: 0, OVER: 0, NONE: 0}
        buckets = [0] * (len(BUCKETS) + 1)
        minutes = []
        for response in found.values():
            mark = response.mark(step)
            counts[mark.state] += 1
            if mark.minutes is not None:
                buckets[_bucket(mark.minutes)] += 1
                minutes.append(mark.minutes)
        minutes.sort()
        median = None
        if minutes:
            mid = len(minutes) // 2
            median = (
                minutes[mid]
                if len(minutes) % 2
                else round((minutes[mid - 1] + minutes[mid]) / 2, 1)
            )
        out[step] = {
            "target": target,
            "label": str(Step(step).label),
            **counts,
            "buckets": buckets,
            "median": median,
        }
    return out
