"""Incident statistics (issue 4 §4): incidents by type, severity, status, month and region, the
year-over-year targets, and response times against 1-3-5, for one node as a user sees it.

Every figure starts from `Incident.objects.for_user(user)` and is aggregated in the database:
one grouped query returns the counts of the period and of the same period last year by
(child branch, month, type, severity, status), from which every table and chart is summed in
Python; the response times cost the two queries of `response.distribution`. A page costs the
same handful of queries for one school or a city of thousands.

The period compared is the year to date against the same days of the year before (1 January to
24 November 2026 against 1 January to 24 November 2025), or a whole past year against the
whole year before: comparing a part of this year with all of last year would make every
target look met until December.

Targets (TARGET-INCIDENTS, TARGET-MINOR-CRIME, TARGET-DROWNING, domain.md) are data: a change
at most the target's (a fall of 20 % or more for −20 %) is on track; without a figure last year
there is no baseline, and the verdict says so instead of inventing a percentage. Sensitive
incidents count like any other; no statistic carries a name or a description.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Count, Q, Sum, Value, When
from django.db.models.functions import Substr, TruncMonth
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from safecampus.core.dates import ONE_DAY, day_start
from safecampus.emergency import response
from safecampus.emergency.choices import IncidentStatus, IncidentType, Severity
from safecampus.emergency.models import Incident
from safecampus.orgs.models import SEGMENT_WIDTH

FIRST_YEAR = 2000  # the earliest year asked about; anything before is a typing error
MINUS = "\u2212"  # "−", as the seeds print a fall

# --------------------------------------------------------------------------- targets

ON_TRACK, OFF_TRACK, NO_BASELINE = "on_track", "off_track", "no_baseline"
VERDICT_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    OFF_TRACK: gettext_lazy("Off track"),
    NO_BASELINE: gettext_lazy("No baseline"),
}
INCIDENTS, DEATHS = "incidents", "deaths"


@dataclass(frozen=True)
class Target:
    """A year-over-year target: `steps` are (first year, change in %), the last one that has
    begun applies; a target set once (year 0) applies to every year."""

    rule: str
    title: str
    unit: str
    steps: tuple[tuple[int, int], ...]
    source: str

    def for_year(self, year: int) -> tuple[int, str]:
        """(target change in %, a note when the year has no target of its own)."""
        begun = [s for s in self.steps if s[0] <= year]
        if not begun:
            first, pct = self.steps[0]
            note = _("No target was set before %(from)d: its target (%(pct)s) is applied.") % {
                "from": first,
                "pct": format_target(pct),
            }
            return pct, note
        first, pct = begun[-1]
        last_set = self.steps[-1][0]
        if first and year > last_set:
            note = _(
                "No target was set for %(year)d: the %(from)d target (%(pct)s) applies to the "
                "years after it."
            ) % {"year": year, "from": first, "pct": format_target(pct)}
            return pct, note
        return pct, ""


TARGETS: tuple[Target, ...] = (
    Target(
        "TARGET-INCIDENTS",
        gettext_lazy("School-related incidents"),
        INCIDENTS,
        ((2023, -10), (2024, -20)),
        "002",
    ),
    Target(
        "TARGET-MINOR-CRIME",
        gettext_lazy("Criminal cases involving minors"),
        INCIDENTS,
        ((0, -20),),
        "003",
    ),
    Target(
        "TARGET-DROWNING",
        gettext_lazy("Student drowning deaths"),
        DEATHS,
        ((0, -10),),
        "003",
    ),
)
# Which total of the grouped rows each target reads.
TARGET_FIGURE = {
    "TARGET-INCIDENTS": "n",
    "TARGET-MINOR-CRIME": "minor_crime",
    "TARGET-DROWNING": "drowning_deaths",
}


# --------------------------------------------------------------------------- formatting


def change_pct(current: int, previous: int) -> float | None:
    """The change in %, one decimal; None without a figure last year (no baseline)."""
    if not previous:
        return None
    return round((current - previous) * 100.0 / previous, 1)


def format_change(pct: float | None) -> str:
    """−20.0% / +5.0% / 0.0%; "—" without a baseline."""
    if pct is None:
        return "—"
    if pct < 0:
        return f"{MINUS}{-pct:.1f}%"
    if pct > 0:
        return f"+{pct:.1f}%"
    return "0.0%"


def format_target(pct: int) -> str:
    return f"{MINUS}{-pct}%" if pct < 0 else f"+{pct}%"


def amount(unit: str, n: int) -> str:
    if unit == DEATHS:
        return ngettext("%(n)d death", "%(n)d deaths", n) % {"n": n}
    return ngettext("%(n)d incident", "%(n)d incidents", n) % {"n": n}


def direction(pct: float) -> str:
    if pct < 0:
        return _("down %(pct)s") % {"pct": f"{-pct:.1f}%"}
    if pct > 0:
        return _("up %(pct)s") % {"pct": f"{pct:.1f}%"}
    return _("unchanged")


# --------------------------------------------------------------------------- periods


def same_day_a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Window:
    """The period judged and the same period a year before (both inclusive)."""

    year: int
    start: datetime.date
    end: datetime.date
    prev_start: datetime.date
    prev_end: datetime.date
    to_date: bool  # the year is still running: the year to date

    @property
    def label(self) -> str:
        if not self.to_date:
            return _("%(year)d, the whole year") % {"year": self.year}
        return _("%(start)s to %(end)s") % {
            "start": formats.date_format(self.start, "DATE_FORMAT"),
            "end": formats.date_format(self.end, "DATE_FORMAT"),
        }

    @property
    def prev_label(self) -> str:
        if not self.to_date:
            return _("%(year)d, the whole year") % {"year": self.year - 1}
        return _("%(start)s to %(end)s") % {
            "start": formats.date_format(self.prev_start, "DATE_FORMAT"),
            "end": formats.date_format(self.prev_end, "DATE_FORMAT"),
        }

    def q(self, previous: bool = False) -> Q:
        first, last = (self.prev_start, self.prev_end) if previous else (self.start, self.end)
        return Q(occurred_at__gte=day_start(first), occurred_at__lt=day_start(last + ONE_DAY))

    def months(self) -> list[datetime.date]:
        return [datetime.date(self.year, m, 1) for m in range(1, self.end.month + 1)]

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "previous_start": self.prev_start.isoformat(),
            "previous_end": self.prev_end.isoformat(),
            "year_to_date": self.to_date,
            "label": self.label,
            "previous_label": self.prev_label,
        }


class BadYear(ValueError):
    pass


def window_for(year: int | None = None, today: datetime.date | None = None) -> Window:
    """The year to date for this year, the whole year for a past one."""
    today = today or timezone.localdate()
    year = today.year if year is None else year
    if year > today.year or year < FIRST_YEAR:
        raise BadYear(
            _("Choose a year from %(first)d to %(last)d.")
            % {"first": FIRST_YEAR, "last": today.year}
        )
    if year == today.year:
        return Window(
            year,
            datetime.date(year, 1, 1),
            today,
            datetime.date(year - 1, 1, 1),
            same_day_a_year_before(today),
            True,
        )
    return Window(
        year,
        datetime.date(year, 1, 1),
        datetime.date(year, 12, 31),
        datetime.date(year - 1, 1, 1),
        datetime.date(year - 1, 12, 31),
        False,
    )


def parse_year(value, today: datetime.date | None = None) -> Window:
    """The window of a year typed in a query string ("" for this year); BadYear otherwise."""
    today = today or timezone.localdate()
    if value in (None, ""):
        return window_for(None, today)
    try:
        year = int(str(value).strip())
    except ValueError:
        raise BadYear(
            _("Choose a year from %(first)d to %(last)d.")
            % {"first": FIRST_YEAR, "last": today.year}
        ) from None
    return window_for(year, today)


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class TargetResult:
    rule: str
    title: str
    unit: str
    current: int
    previous: int
    target_pct: int
    note: str
    window: Window

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.current, self.previous)

    @property
    def status(self) -> str:
        if not self.previous:
            return NO_BASELINE
        # current ≤ previous × (1 + target), in whole numbers (no rounding at the boundary).
        on = self.current * 100 <= self.previous * (100 + self.target_pct)
        return ON_TRACK if on else OFF_TRACK

    @property
    def status_label(self) -> str:
        return str(VERDICT_LABELS[self.status])

    @property
    def sentence(self) -> str:
        """2026年1月1日至2026年11月24日 12 起，去年同期 15 起，下降 20.0%，目标 −20%：达标"""
        values = {
            "period": self.window.label,
            "current": amount(self.unit, self.current),
            "previous": amount(self.unit, self.previous),
            "target": format_target(self.target_pct),
            "verdict": self.status_label,
        }
        if self.status == NO_BASELINE:
            text = (
                _(
                    "%(period)s: %(current)s; none in the same period last year, so there is no "
                    "baseline to measure the target %(target)s against."
                )
                % values
            )
        else:
            values["change"] = direction(self.change_pct)
            text = (
                _(
                    "%(period)s: %(current)s; same period last year %(previous)s; %(change)s; "
                    "target %(target)s: %(verdict)s."
                )
                % values
            )
        if not self.note:
            return text
        return f"{text}{'' if text.endswith('。') else ' '}{self.note}"

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "title": self.title,
            "unit": self.unit,
            "current": self.current,
            "previous": self.previous,
            "change_pct": self.change_pct,
            "target_pct": self.target_pct,
            "status": self.status,
            "status_label": self.status_label,
            "sentence": self.sentence,
            "note": self.note,
        }


def targets(current: dict, previous: dict, window: Window) -> list[TargetResult]:
    out = []
    for target in TARGETS:
        pct, note = target.for_year(window.year)
        key = TARGET_FIGURE[target.rule]
        out.append(
            TargetResult(
                rule=target.rule,
                title=str(target.title),
                unit=target.unit,
                current=current[key],
                previous=previous[key],
                target_pct=pct,
                note=note,
                window=window,
            )
        )
    return out


# --------------------------------------------------------------------------- figures

FIGURES = ("n", "deaths", "injured", "minor_crime", "drowning_deaths", "sensitive")


def empty() -> dict:
    return dict.fromkeys(FIGURES, 0)


def _add(into: dict, row: dict) -> None:
    for key in FIGURES:
        into[key] += row[key]


def _pairs(keys) -> dict:
    return {k: {"current": 0, "previous": 0} for k in keys}


def _rows(pairs: dict, labels: dict, *, keep_zero: bool) -> list[dict]:
    out = []
    for key, figures in pairs.items():
        if not keep_zero and not figures["current"] and not figures["previous"]:
            continue
        out.append(
            {
                "key": key,
                "label": str(labels.get(key, key)),
                "current": figures["current"],
                "previous": figures["previous"],
                "change_pct": change_pct(figures["current"], figures["previous"]),
            }
        )
    return out


def scoped(user, node=None):
    """The incidents the user reads, inside `node`'s subtree when given."""
    qs = Incident.objects.for_user(user, "view")
    return qs.within(node.path) if node is not None else qs


def _grouped(qs, window: Window, branch_length: int | None):
    """One query: counts and sums of both periods by (period, month, branch, type, severity,
    status)."""
    current_q = window.q()
    fields = ["current", "month", "incident_type", "severity", "status"]
    annotations = {
        "current": Case(
            When(current_q, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        "month": TruncMonth("occurred_at"),
    }
    if branch_length:
        annotations["branch"] = Substr("org_path", 1, branch_length)
        fields.append("branch")
    return (
        qs.filter(current_q | window.q(previous=True))
        .annotate(**annotations)
        .order_by()
        .values(*fields)
        .annotate(**{f"x_{key}": aggregate for key, aggregate in _aggregates().items()})
    )


def _aggregates() -> dict:
    """The figures summed per group (named apart from the fields they sum)."""
    return {
        "n": Count("pk"),
        "deaths": Sum("deaths"),
        "injured": Sum("injured"),
        "minor_crime": Count("pk", filter=Q(is_criminal=True, minors_involved=True)),
        "drowning_deaths": Sum("deaths", filter=Q(incident_type=IncidentType.DROWNING)),
        "sensitive": Count("pk", filter=Q(is_sensitive=True)),
    }


def compute(user, node=None, window: Window | None = None, children=()) -> dict:
    """Every figure of the statistics page for `node` (the user's whole scope when None), with
    a row per child in `children` (nodes directly under `node`)."""
    window = window or window_for()
    qs = scoped(user, node)
    length = len(node.path) + 1 + SEGMENT_WIDTH if node is not None and children else None
    by_path = {c.path: c for c in children}

    totals = {"current": empty(), "previous": empty()}
    types = _pairs(IncidentType.values)
    severities = _pairs(Severity.values)
    statuses = dict.fromkeys(IncidentStatus.values, 0)
    months: dict[tuple[int, int], dict] = {}
    branches = {c.pk: {"current": empty(), "previous": empty()} for c in children}

    for row in _grouped(qs, window, length):
        row = {**row, **{k: row[f"x_{k}"] or 0 for k in FIGURES}}
        period = "current" if row["current"] else "previous"
        _add(totals[period], row)
        types.setdefault(row["incident_type"], {"current": 0, "previous": 0})[period] += row["n"]
        severities.setdefault(row["severity"], {"current": 0, "previous": 0})[period] += row["n"]
        if period == "current":
            statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
        month = (
            timezone.localtime(row["month"]) if timezone.is_aware(row["month"]) else row["month"]
        )
        slot = months.setdefault((month.month,), {"current": 0, "previous": 0})
        slot[period] += row["n"]
        child = by_path.get(row.get("branch"))
        if child is not None:
            _add(branches[child.pk][period], row)

    cur, prev = totals["current"], totals["previous"]
    month_rows = []
    for first in window.months():
        slot = months.get((first.month,), {"current": 0, "previous": 0})
        month_rows.append(
            {
                "key": f"{first.year}-{first.month:02d}",
                "label": f"{first.year}-{first.month:02d}",
                "start": first,
                "current": slot["current"],
                "previous": slot["previous"],
            }
        )
    region_rows = []
    for child in children:
        b = branches[child.pk]
        region_rows.append(
            {
                "node": child,
                "current": b["current"]["n"],
                "previous": b["previous"]["n"],
                "change_pct": change_pct(b["current"]["n"], b["previous"]["n"]),
                "deaths": b["current"]["deaths"],
                "injured": b["current"]["injured"],
                "minor_crime": b["current"]["minor_crime"],
            }
        )
    return {
        "window": window,
        "current": cur,
        "previous": prev,
        "change_pct": change_pct(cur["n"], prev["n"]),
        "targets": targets(cur, prev, window),
        "by_type": _rows(types, dict(IncidentType.choices), keep_zero=False),
        "by_severity": _rows(severities, dict(Severity.choices), keep_zero=True),
        "by_status": [
            {"key": k, "label": str(label), "current": statuses.get(k, 0)}
            for k, label in IncidentStatus.choices
        ],
        "by_month": month_rows,
        "by_region": region_rows,
        "response": response_figures(qs.filter(window.q())),
    }


def response_figures(qs) -> dict:
    """The 1-3-5 marks of the period's incidents (response.distribution), with the share of
    recorded marks within their target."""
    found = response.distribution(qs)
    marks = []
    for step in response.MARK_STEPS:
        d = found[step]
        recorded = d["within"] + d["over"]
        marks.append(
            {
                "step": str(step),
                "label": d["label"],
                "target": d["target"],
                "within": d["within"],
                "over": d["over"],
                "none": d["none"],
                "recorded": recorded,
                "within_pct": round(d["within"] * 100.0 / recorded, 1) if recorded else None,
                "median": d["median"],
                "buckets": d["buckets"],
            }
        )
    return {"total": found["total"], "bucket_labels": found["bucket_labels"], "marks": marks}


# --------------------------------------------------------------------------- schools


def school_rows(user, node, window: Window) -> list[dict]:
    """One row per school the user reads incidents of (inside `node`), with the period's and
    last year's counts: two queries (the schools, and the counts grouped by school)."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.core.scoping import ALL, path_q
    from safecampus.orgs.models import School

    prefixes = scope_prefixes(user, Incident, "view")
    if prefixes is not ALL and not prefixes:
        return []
    schools = School.objects.select_related("node").filter(node__is_active=True)
    if prefixes is not ALL:
        schools = schools.filter(path_q("node__path", prefixes))
    if node is not None:
        schools = schools.within(node.path)
    current_q, previous_q = window.q(), window.q(previous=True)
    counts = {
        row["org_id"]: row
        for row in scoped(user, node)
        .filter(current_q | previous_q)
        .order_by()
        .values("org_id")
        .annotate(
            current=Count("pk", filter=current_q),
            previous=Count("pk", filter=previous_q),
            dead=Sum("deaths", filter=current_q),
            hurt=Sum("injured", filter=current_q),
        )
    }
    out = []
    for school in schools.order_by("node__path"):
        row = counts.get(school.node_id, {})
        current, previous = row.get("current", 0), row.get("previous", 0)
        out.append(
            {
                "node": school.node,
                "school_kind": school.school_kind,
                "current": current,
                "previous": previous,
                "change_pct": change_pct(current, previous),
                "deaths": row.get("dead") or 0,
                "injured": row.get("hurt") or 0,
            }
        )
    return out


# --------------------------------------------------------------------------- links


def incidents_url(node, first: datetime.date, last: datetime.date, **params) -> str:
    """The incident list filtered to the rows behind a figure."""
    query = {"date_from": first.isoformat(), "date_to": last.isoformat()}
    if node is not None:
        query["node"] = node.pk
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse('incidents:list')}?{urlencode(query)}"


def month_end(first: datetime.date) -> datetime.date:
    from safecampus.core.dates import add_months

    return add_months(first, 1) - ONE_DAY


# --------------------------------------------------------------------------- home page

HOME_ROLES = ("sysadmin", "bureau_leader", "bureau_staff", "observer")


def home_actions(user) -> list[dict]:
    """The bureau's one line on the home page: 本年涉校案事件 N 起（同比 −x%）, linking to the
    statistics (two queries: the node, and one aggregate)."""
    from safecampus.accounts.access import assignments

    if not user.is_authenticated:
        return []
    if not user.is_superuser and not any(a.role in HOME_ROLES for a in assignments(user)):
        return []
    node = top_node(user)
    if node is None:
        return []
    window = window_for()
    figures = scoped(user, node).aggregate(
        current=Count("pk", filter=window.q()), previous=Count("pk", filter=window.q(True))
    )
    pct = change_pct(figures["current"], figures["previous"])
    if pct is None:
        label = _("Incidents this year: %(n)d (none in the same period last year)") % {
            "n": figures["current"]
        }
    else:
        label = _("Incidents this year: %(n)d (%(change)s year on year)") % {
            "n": figures["current"],
            "change": format_change(pct),
        }
    return [
        {
            "label": label,
            "url": reverse("stats:node", args=[node.pk]),
            "primary": False,
            "key": "incident-stats",
        }
    ]


def top_node(user):
    """The highest node inside which the user reads incidents (the statistics' start)."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.core.scoping import ALL
    from safecampus.orgs import selectors
    from safecampus.orgs.models import OrgNode

    prefixes = scope_prefixes(user, Incident, "view")
    if prefixes is ALL:
        return OrgNode.objects.filter(parent__isnull=True).order_by("path").first()
    if not prefixes:
        return None
    return selectors.visible_nodes(user).filter(path__in=prefixes).order_by("path").first()


def register_home() -> None:
    """Called from EmergencyConfig.ready(): the incidents line on the home page."""
    from safecampus.core.home import ACTION_PROVIDERS

    if home_actions not in ACTION_PROVIDERS:
        ACTION_PROVIDERS.append(home_actions)
