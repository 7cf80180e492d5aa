"""The incident rules of the compliance catalogue: the 1-3-5 response (RESPONSE-135) and the
first report to the bureau (REPORT-DEADLINE) of each school's incidents, and the
year-over-year targets of each county (TARGET-INCIDENTS, TARGET-MINOR-CRIME,
TARGET-DROWNING).

The marks are read as response.py reads them (corrections folded in, a mark not yet recorded
is never a zero); the deadline of a first report is the one fixed when the incident was
reported (`report_due_at`, from the IncidentPolicy in force then), or the nearest policy's
when an old row lacks it. The targets count as the statistics page counts (stats.py): the
whole year against the whole year before, or the year to date against the same days of the
year before.

A verdict names an incident by its number only: never a name, a place or what happened,
since these verdicts reach people who may not read a sensitive incident's details
(privacy.py). Loading is set-based: a few queries for every school of the run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safecampus.compliance.params import share_target
from safecampus.compliance.verdicts import Evidence, Period, Status, gap, join
from safecampus.core.dates import ONE_DAY, day_start
from safecampus.core.scoping import path_q
from safecampus.emergency import response, stats
from safecampus.emergency.choices import IncidentType, Step

LOOKBACK_DAYS = 365
LIST_LIMIT = 8
EVIDENCE_LIMIT = 31


def _time(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _minutes(start: datetime.datetime, end: datetime.datetime) -> float:
    return round(max((end - start).total_seconds(), 0.0) / 60.0, 1)


def _num(value: float) -> str:
    return f"{value:g}"


def _list(items, separate: bool = False) -> str:
    """Items joined; `separate` for items that hold lists of their own (；/ ; )."""
    items = [str(i) for i in items]

    def glue(parts):
        if not separate:
            return join(parts)
        return ("；" if gap() == "" else "; ").join(parts)

    if len(items) <= LIST_LIMIT:
        return glue(items)
    return _("%(items)s … (%(count)d in all)") % {
        "items": glue(items[:LIST_LIMIT]),
        "count": len(items),
    }


def _sentences(*parts) -> str:
    return gap().join(p for p in parts if p)


# ------------------------------------------------------------------------------ schools


@dataclass
class _Incident:
    id: int
    org_id: int
    number: str
    occurred_at: datetime.datetime
    report_due_at: datetime.datetime | None
    marks: response.Response | None = None
    bureau_at: datetime.datetime | None = None  # first report to the bureau, as corrected

    def evidence(self, run, **figures) -> Evidence:
        return Evidence(
            "incident",
            self.id,
            self.number,
            run.local_date(self.occurred_at),
            run.url("incidents:detail", self.id),
            {k: v for k, v in figures.items() if v is not None},
        )


def _load(run):
    """The incidents of the past twelve months of every school, with their 1-3-5 marks and
    first reports to the bureau, and where each school's records begin: five queries."""
    from safecampus.emergency.models import Incident, IncidentEntry

    found = run.cache.get("incidents.schools")
    if found is not None:
        return found
    period = run.lookback(LOOKBACK_DAYS)
    ids = [s.node_id for s in run.schools]
    qs = Incident.objects.filter(
        org_id__in=ids,
        occurred_at__gte=day_start(period.start),
        occurred_at__lt=day_start(period.end + ONE_DAY),
    )
    incidents = {
        row[0]: _Incident(*row)
        for row in qs.order_by("occurred_at", "id").values_list(
            "id", "org_id", "number", "occurred_at", "report_due_at"
        )
    }
    for pk, marks in response.responses(qs).items():
        if pk in incidents:
            incidents[pk].marks = marks
    entries = defaultdict(list)
    for entry in (
        IncidentEntry.objects.filter(incident__in=qs.values("pk"))
        .filter(
            Q(step=Step.BUREAU_REPORTED)
            | Q(step=Step.CORRECTION, corrects__step=Step.BUREAU_REPORTED)
        )
        .only("id", "incident_id", "step", "at", "text", "corrects_id", "plan_id", "recorded_at")
        .order_by("incident_id", "id")
    ):
        entries[entry.incident_id].append(entry)
    for pk, rows in entries.items():
        reported = [r for r in response.effective(rows) if r.step == Step.BUREAU_REPORTED]
        if reported and pk in incidents:
            incidents[pk].bureau_at = reported[0].at
    first = dict(
        Incident.objects.filter(org_id__in=ids, occurred_at__lt=day_start(period.end + ONE_DAY))
        .order_by()
        .values("org_id")
        .annotate(first=Min("occurred_at"))
        .values_list("org_id", "first")
    )
    by_school: dict[int, list[_Incident]] = defaultdict(list)
    for incident in incidents.values():
        by_school[incident.org_id].append(incident)
    found = run.cache["incidents.schools"] = (period, by_school, first)
    return found


def _each_school(run, rule, judge):
    """Judge each school's incidents; a school without any in the twelve months has nothing
    to judge (or no records yet)."""
    period, by_school, first = _load(run)
    out = {}
    for s in run.schools:
        incidents = by_school.get(s.node_id, [])
        if incidents:
            out[s.key] = judge(s, period, incidents)
            continue
        begins = [
            d
            for d in (s.created_on, first.get(s.node_id) and run.local_date(first[s.node_id]))
            if d
        ]
        since = min(begins) if begins else None
        if since is None or since > period.end:
            out[s.key] = run.verdict(
                rule,
                s,
                Status.NO_DATA,
                period,
                _("No records of this school before %(date)s: %(period)s cannot be judged.")
                % {"date": since.isoformat() if since else "—", "period": period.label},
            )
            continue
        out[s.key] = run.not_applicable(
            rule,
            s,
            period,
            _("No incident in the twelve months to %(date)s: nothing to judge.")
            % {"date": period.end.isoformat()},
        )
    return out


def response_135(run, rule):
    """RESPONSE-135: every incident of the past twelve months was responded to within 1
    minute of the report, on the scene within 3 and under control within 5 (the numbers are
    the rule's `minutes`). A mark not recorded cannot be judged."""

    def judge(s, period, incidents):
        given = list(run.params(rule, s, period.end)["minutes"])[: len(response.MARK_STEPS)]
        numbers = given + list(rule.params["minutes"])[len(given) :]
        targets = dict(zip(response.MARK_STEPS, numbers, strict=True))
        late, unmarked, evidence = [], [], []
        for incident in incidents:
            marks = incident.marks.marks if incident.marks else ()
            minutes = {m.step: m.minutes for m in marks}
            over = [
                _("%(mark)s after %(minutes)s min (target %(target)s)")
                % {
                    "mark": str(Step(step).label),
                    "minutes": _num(minutes[step]),
                    "target": _num(target),
                }
                for step, target in targets.items()
                if minutes.get(step) is not None and minutes[step] > target
            ]
            missing = [step for step in targets if minutes.get(step) is None]
            if over:
                late.append(
                    _("%(number)s: %(marks)s") % {"number": incident.number, "marks": join(over)}
                )
            elif missing:
                unmarked.append(incident.number)
            evidence.append(
                incident.evidence(run, **{str(step): minutes.get(step) for step in targets})
            )
        values = {
            "count": len(incidents),
            "date": period.end.isoformat(),
            "targets": "/".join(_num(t) for t in targets.values()),
        }
        within = len(incidents) - len(late) - len(unmarked)
        share = within / len(incidents)
        if late:
            text = _(
                "%(late)d of the %(count)d incidents in the twelve months to %(date)s missed a 1-3-5 mark: %(details)s."
            ) % {**values, "late": len(late), "details": _list(late, separate=True)}
            parts = [text]
            if unmarked:
                parts.append(_("No marks recorded for %(numbers)s.") % {"numbers": _list(unmarked)})
            status = Status.NOT_COMPLIANT
        elif unmarked:
            parts = [
                _(
                    "The 1-3-5 marks of %(numbers)s are not recorded, so the response cannot be judged."
                )
                % {"numbers": _list(unmarked)}
            ]
            status = Status.NO_DATA
        else:
            parts = [
                ngettext(
                    "The incident of the twelve months to %(date)s was handled within %(targets)s minutes.",
                    "All %(count)d incidents of the twelve months to %(date)s were handled within %(targets)s minutes.",
                    len(incidents),
                )
                % values
            ]
            status = Status.COMPLIANT
        return run.verdict(
            rule, s, status, period, _sentences(*parts), evidence[-EVIDENCE_LIMIT:], value=share
        )

    return _each_school(run, rule, judge)


def _policies(run) -> dict[int, int]:
    """First-report minutes of the nearest IncidentPolicy of each school (one query)."""
    from safecampus.emergency.models import IncidentPolicy
    from safecampus.orgs.models import ancestor_paths

    found = run.cache.get("incidents.policies")
    if found is None:
        paths = {p for s in run.schools for p in ancestor_paths(s.path)}
        rows = dict(
            IncidentPolicy.objects.filter(org_path__in=paths).values_list(
                "org_path", "first_report_minutes"
            )
        )
        default = IncidentPolicy().first_report_minutes
        found = {}
        for s in run.schools:
            nearest = next((rows[p] for p in reversed(ancestor_paths(s.path)) if p in rows), None)
            found[s.node_id] = nearest if nearest is not None else default
        run.cache["incidents.policies"] = found
    return found


def report_deadline(run, rule):
    """REPORT-DEADLINE: every incident of the past twelve months was first reported to the
    bureau by its deadline. One whose deadline has not passed yet is not judged."""
    minutes_by_school = _policies(run)
    moment = min(timezone.now(), day_start(run.day + ONE_DAY))

    def judge(s, period, incidents):
        on_time, late, pending, evidence = [], [], [], []
        for incident in incidents:
            due = incident.report_due_at or incident.occurred_at + datetime.timedelta(
                minutes=minutes_by_school[s.node_id]
            )
            allowed = _minutes(incident.occurred_at, due)
            if incident.bureau_at is not None:
                took = _minutes(incident.occurred_at, incident.bureau_at)
                figures = {"minutes": took, "deadline_minutes": allowed}
                if incident.bureau_at <= due:
                    on_time.append(took)
                else:
                    late.append(
                        _("%(number)s reported after %(minutes)s min (deadline %(deadline)s min)")
                        % {
                            "number": incident.number,
                            "minutes": _num(took),
                            "deadline": _num(allowed),
                        }
                    )
            elif due < moment:
                figures = {"deadline_minutes": allowed}
                late.append(
                    _("%(number)s not reported (due %(time)s)")
                    % {"number": incident.number, "time": _time(due)}
                )
            else:
                figures = {"deadline_minutes": allowed}
                pending.append(incident.number)
            evidence.append(incident.evidence(run, **figures))
        judged = len(on_time) + len(late)
        values = {"count": judged, "date": period.end.isoformat()}
        parts = []
        if late:
            status = Status.NOT_COMPLIANT
            parts.append(
                ngettext(
                    "%(late)d of the %(count)d incidents in the twelve months to %(date)s was not first reported to the bureau on time: %(details)s.",
                    "%(late)d of the %(count)d incidents in the twelve months to %(date)s were not first reported to the bureau on time: %(details)s.",
                    len(late),
                )
                % {**values, "late": len(late), "details": _list(late)}
            )
        elif on_time:
            status = Status.COMPLIANT
            parts.append(
                ngettext(
                    "The incident of the twelve months to %(date)s was first reported to the bureau on time, after %(slowest)s min.",
                    "All %(count)d incidents of the twelve months to %(date)s were first reported to the bureau on time, the slowest after %(slowest)s min.",
                    judged,
                )
                % {**values, "slowest": _num(max(on_time))}
            )
        else:
            status = Status.NO_DATA
        if pending:
            parts.append(
                _("The first report of %(numbers)s is not due yet.") % {"numbers": _list(pending)}
            )
        return run.verdict(
            rule,
            s,
            status,
            period,
            _sentences(*parts),
            evidence[-EVIDENCE_LIMIT:],
            value=len(on_time) / judged if judged else None,
        )

    return _each_school(run, rule, judge)


# ------------------------------------------------------------------------------ targets


def _figures(run, rows, start: datetime.date, end: datetime.date) -> dict:
    """The statistics page's figures (stats._aggregates) of the incidents in [start, end]."""
    out = {"n": [], "minor_crime": [], "drowning_deaths": []}
    deaths = 0
    for pk, number, _path, occurred, kind, criminal, minors, dead in rows:
        day = run.local_date(occurred)
        if not start <= day <= end:
            continue
        out["n"].append((pk, number, day))
        if criminal and minors:
            out["minor_crime"].append((pk, number, day))
        if kind == IncidentType.DROWNING and dead:
            out["drowning_deaths"].append((pk, number, day))
            deaths += dead
    return {
        "n": len(out["n"]),
        "minor_crime": len(out["minor_crime"]),
        "drowning_deaths": deaths,
        "rows": out,
    }


def _county_load(run):
    """Each county's incidents of the year judged and the year before, and where its records
    begin: two queries for every county of the run."""
    from safecampus.emergency.models import Incident

    found = run.cache.get("incidents.counties")
    if found is not None:
        return found
    counties = run.counties
    year = run.year().end.year
    # The year to date ends on the day judged (the end of an asked month, say); a year judged
    # from its last day on is a whole year.
    today = run.as_of if run.day >= datetime.date(year, 12, 31) else run.day
    try:
        window = stats.window_for(year, today)
    except stats.BadYear:
        window = None
    paths = [c.path for c in counties]
    by_county: dict[int, list] = defaultdict(list)
    if window is not None:
        rows = (
            Incident.objects.filter(path_q("org_path", paths))
            .filter(window.q() | window.q(previous=True))
            .order_by("occurred_at", "id")
            .values_list(
                "id",
                "number",
                "org_path",
                "occurred_at",
                "incident_type",
                "is_criminal",
                "minors_involved",
                "deaths",
            )
        )
        for row in rows:
            for c in counties:
                if row[2].startswith(c.path + "."):
                    by_county[c.node_id].append(row)
    first = (
        Incident.objects.filter(path_q("org_path", paths))
        .order_by()
        .aggregate(
            **{
                f"c{c.node_id}": Min("occurred_at", filter=Q(org_path__within=c.path))
                for c in counties
            }
        )
    )
    since = {}
    for c in counties:
        days = [d for d in (c.created_on, first.get(f"c{c.node_id}")) if d is not None]
        days = [run.local_date(d) if isinstance(d, datetime.datetime) else d for d in days]
        since[c.node_id] = min(days) if days else None
    found = run.cache["incidents.counties"] = (window, by_county, since)
    return found


def _window_period(run, window) -> Period:
    if window is None or not window.to_date:
        return run.year()
    key = f"{window.start.isoformat()}/{window.end.isoformat()}"
    return Period(key, window.label, window.start, window.end)


def _target(run, rule, figure: str, unit: str, change_of):
    window, by_county, since = _county_load(run)
    period = _window_period(run, window)
    out = {}
    for c in run.counties:
        if window is None:
            out[c.key] = run.verdict(
                rule,
                c,
                Status.NO_DATA,
                period,
                _("%(period)s has not begun.") % {"period": period.label},
            )
            continue
        begins = since[c.node_id]
        if begins is None or begins > window.prev_end:
            out[c.key] = run.verdict(
                rule,
                c,
                Status.NO_DATA,
                period,
                _(
                    "Records of this county begin on %(date)s, after %(previous)s: there is no year before to compare %(period)s with."
                )
                % {
                    "date": begins.isoformat() if begins else "—",
                    "previous": window.prev_label,
                    "period": window.label,
                },
            )
            continue
        change = change_of(run.params(rule, c, period.end), window.year)
        if change is None:
            out[c.key] = run.not_applicable(
                rule, c, period, _("No target is set for %(year)d.") % {"year": window.year}
            )
            continue
        rows = by_county.get(c.node_id, [])
        current = _figures(run, rows, window.start, window.end)
        previous = _figures(run, rows, window.prev_start, window.prev_end)
        cur, prev = current[figure], previous[figure]
        pct = round(change * 100)
        evidence = [
            Evidence("incident", pk, number, day, run.url("incidents:detail", pk))
            for pk, number, day in current["rows"][figure]
        ][:EVIDENCE_LIMIT]
        values = {
            "period": window.label,
            "previous": window.prev_label,
            "current": stats.amount(unit, cur),
            "target": stats.format_target(pct),
        }
        if not prev and not cur:
            text = _("%(period)s: none, as in the same period last year (%(previous)s).") % values
            out[c.key] = run.verdict(rule, c, Status.COMPLIANT, period, text, value=0.0)
            continue
        if not prev:
            text = (
                _(
                    "%(period)s: %(current)s; none in the same period last year (%(previous)s), so the figure rose where the target is %(target)s."
                )
                % values
            )
            out[c.key] = run.verdict(rule, c, Status.NOT_COMPLIANT, period, text, evidence)
            continue
        on_track = cur <= prev * (1 + change) + 1e-9
        actual = stats.change_pct(cur, prev)
        text = _(
            "%(period)s: %(current)s; same period last year %(previous)s; %(change)s; target %(target)s: %(verdict)s."
        ) % {
            **values,
            "previous": stats.amount(unit, prev),
            "change": stats.direction(actual),
            "verdict": stats.VERDICT_LABELS[stats.ON_TRACK if on_track else stats.OFF_TRACK],
        }
        out[c.key] = run.verdict(
            rule,
            c,
            Status.COMPLIANT if on_track else Status.NOT_COMPLIANT,
            period,
            text,
            evidence,
            value=actual,
        )
    return out


def target_incidents(run, rule):
    """TARGET-INCIDENTS: school-related incidents fall year over year by the target of the
    year (−10 % in 2023, −20 % from 2024; before 2023 the first target applies)."""
    return _target(
        run, rule, "n", stats.INCIDENTS, lambda p, year: share_target(p, "targets", year)
    )


def target_minor_crime(run, rule):
    """TARGET-MINOR-CRIME: criminal cases involving minors fall by `change` a year."""
    return _target(run, rule, "minor_crime", stats.INCIDENTS, lambda p, _year: p.get("change"))


def target_drowning(run, rule):
    """TARGET-DROWNING: student drowning deaths fall by `change` a year."""
    return _target(run, rule, "drowning_deaths", stats.DEATHS, lambda p, _year: p.get("change"))
