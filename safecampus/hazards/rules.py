"""The inspection and hazard rules of the compliance catalogue, judged from what the hazard
capability records: checks and their schedules (INSPECT-DAILY … INSPECT-TERM-START,
SURROUND-TWICE), police checks (POLICE-MONTHLY), responsible inspectors' visits
(VISIT-MONTHLY), city supervision and joint enforcement in a county (SUPERVISE-QUARTER,
SURROUND-ENFORCE), and the ledger (RISK-COLOUR, HAZARD-CLASS).

The rhythm rules do not read `schedules.completion()`: a rule is about one kind of check (the
daily sensitive-spot check, the monthly whole-campus check), and a school that scheduled
nothing has still failed a check every school must make. So each rule reads the checks made
with its own checklist — the library template carrying the rule's code, or a region's own
checklist that the school schedules on the rule's rhythm — with the notion of "done" of
schedules.py: a check that names one of those schedules counts for the period its
`period_start` falls in, and any other check with the checklist counts for the period its
day falls in. The periods are the school calendar's (calendar.py), so a holiday week is
never missed.

A school's records begin at the earlier of its registration and its first inspection (its
first visit, its first hazard, for the rules that read those): a period that ended before is
"no data", and the days or weeks before it are not judged. Every loader is set-based, one
query for all the run's schools (or counties, or stations), and shared between the rules of
one run through `run.cache`.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from safecampus.compliance.sql import Unindexed, between, unindexed
from safecampus.compliance.verdicts import (
    Evidence,
    Period,
    Status,
    Verdict,
    gap,
    join,
    term_period,
)
from safecampus.core.dates import ONE_DAY, day_range, day_start
from safecampus.core.scoping import path_q
from safecampus.hazards.choices import OPEN_STATUSES, Category, Grade, Rhythm
from safecampus.hazards.choices import Status as HazardStatus

POLICE_CODE = "POLICE-MONTHLY"
# The library's checklists that screen a school's surroundings (周边排查): the joint check
# before holidays, and the term-start inspection made with the police and market regulation
# (seed 003 §四.四: "开学期间和每学期中段各集中组织开展一次"). A region's own checklist counts
# when it has an item about the surroundings.
SURROUNDINGS_CODES = ("INSPECT-HOLIDAY", "INSPECT-TERM-START")
LIST_LIMIT = 8  # dates or names spelt out in a sentence
EVIDENCE_LIMIT = 31  # records attached to one verdict

COLOURS = {
    Grade.MAJOR: gettext_lazy("red"),
    Grade.HIGH: gettext_lazy("orange"),
    Grade.GENERAL: gettext_lazy("yellow"),
    Grade.LOW: gettext_lazy("blue"),
}


# ------------------------------------------------------------------------------ helpers


def _span(start: datetime.date, end: datetime.date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()}–{end.isoformat()}"


def _list(items) -> str:
    items = [str(i) for i in items]
    if len(items) <= LIST_LIMIT:
        return join(items)
    return _("%(items)s … (%(count)d in all)") % {
        "items": join(items[:LIST_LIMIT]),
        "count": len(items),
    }


def _and(items) -> str:
    """a, b and c; 甲、乙、丙."""
    items = [str(i) for i in items]
    if gap() == "" or len(items) < 2:
        return join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentences(*parts) -> str:
    return gap().join(p for p in parts if p)


def _person(last: str, first: str, username: str) -> str:
    return ((last or "") + (first or "")) or username


def _school_ids(run) -> list[int]:
    return [s.node_id for s in run.schools]


def _before_records(run, rule, subject, period, since) -> Verdict:
    return run.verdict(
        rule,
        subject,
        Status.NO_DATA,
        period,
        _("No records of this school before %(date)s: %(period)s cannot be judged.")
        % {"date": since.isoformat() if since else "—", "period": period.label},
    )


def _no_school_day(run, rule, subject, period) -> Verdict:
    return run.not_applicable(
        rule,
        subject,
        period,
        _("%(period)s has no school day (holidays): nothing is due.") % {"period": period.label},
    )


def _no_term(run, rule, subject) -> Verdict:
    return run.verdict(
        rule,
        subject,
        Status.NO_DATA,
        None,
        _("The school calendar has no term that ended before %(date)s.")
        % {"date": run.day.isoformat()},
    )


def _has_school_day(run, cal, start, end) -> bool:
    return bool(run.school_days(cal, start, end))


def _ended(run, day: datetime.date) -> bool:
    """A period ending on `day` is over: before the day of the run, and inside the period
    asked for (a month still running, asked for, is judged on what is due so far)."""
    return day < run.as_of and (run.asked is None or day <= run.asked.end)


def _not_ended(run, rule, subject, period, so_far: str = "") -> Verdict:
    text = _("%(period)s has not ended: nothing is due yet.") % {"period": period.label}
    return run.not_applicable(rule, subject, period, _sentences(text, so_far))


def _so_far(days) -> str:
    if not days:
        return ""
    return _("So far: %(dates)s.") % {"dates": _list(d.isoformat() for d in days)}


def _running(period) -> str:
    return _("%(period)s has not ended yet: only what is due so far is judged.") % {
        "period": period.label
    }


# ------------------------------------------------------------------------- shared loads


def _first_inspections(run, ids) -> dict[int, datetime.datetime | None]:
    """The moment of each school's first inspection (None: never inspected), in one query
    for the schools not loaded yet in the run (POLICE-MONTHLY reads the schools of its
    stations' areas, most of them the run's own)."""
    from safecampus.hazards.models import Inspection

    known = run.cache.setdefault("hazards.first_inspection", {})
    missing = [i for i in ids if i not in known]
    if missing:
        known.update(dict.fromkeys(missing))
        known.update(
            Inspection.objects.filter(org_id__in=missing)
            .order_by()
            .values("org_id")
            .annotate(first=Min("inspected_at"))
            .values_list("org_id", "first")
        )
    return known


def _since(run) -> dict[int, datetime.date | None]:
    """Where each school's records begin: its registration or its first inspection."""
    found = run.cache.get("hazards.since")
    if found is None:
        first = _first_inspections(run, _school_ids(run))
        found = {}
        for s in run.schools:
            days = [s.created_on] if s.created_on else []
            if first.get(s.node_id) is not None:
                days.append(run.local_date(first[s.node_id]))
            found[s.node_id] = min(days) if days else None
        run.cache["hazards.since"] = found
    return found


@dataclass(frozen=True)
class _Plan:
    """A school's schedule, as the rhythm rules read it."""

    id: int
    org_id: int
    rhythm: str
    template_id: int
    code: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    is_active: bool

    def overlaps(self, start: datetime.date, end: datetime.date) -> bool:
        return (
            self.is_active
            and self.starts_on <= end
            and (self.ends_on is None or self.ends_on >= start)
        )


def _plans(run) -> dict[int, list[_Plan]]:
    from safecampus.hazards.models import Schedule

    found = run.cache.get("hazards.plans")
    if found is None:
        found = defaultdict(list)
        rows = (
            Schedule.objects.filter(org_id__in=_school_ids(run))
            .exclude(rhythm=Rhythm.AD_HOC)
            .order_by("id")
            .values_list(
                "id",
                "org_id",
                "rhythm",
                "template_id",
                "template__code",
                "starts_on",
                "ends_on",
                "is_active",
            )
        )
        for row in rows:
            found[row[1]].append(_Plan(*row))
        run.cache["hazards.plans"] = found
    return found


@dataclass(frozen=True)
class _Check:
    id: int
    org_id: int
    on: datetime.date
    schedule_id: int | None
    period_start: datetime.date | None
    template_id: int
    code: str
    name: str

    def evidence(self, run) -> Evidence:
        return Evidence(
            "inspection", self.id, self.name, self.on, run.url("hazards:inspection", self.id)
        )


_CHECK_FIELDS = (
    "id",
    "org_id",
    "inspected_at",
    "schedule_id",
    "period_start",
    "checklist__template_id",
    "checklist__template__code",
    "checklist__template__name",
)


def _check(run, row) -> _Check:
    pk, org, at, schedule, period_start, template, code, name = row
    return _Check(pk, org, run.local_date(at), schedule, period_start, template, code, name)


def _checks(run, rows, at: int = 2) -> dict[int, list[_Check]]:
    """The checks of `rows` (the `_CHECK_FIELDS`) by school, each school's in the order of
    the moment of the check (column `at`) and then the id. Sorted here, not in SQL: an
    ORDER BY on the time column sends SQLite through its time index (compliance/sql.py)."""
    out: dict[int, list[_Check]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r[at], r[0])):
        check = _check(run, row)
        out[check.org_id].append(check)
    return out


def _days_verdict(run, rule, subject, period, found, required, *, met, short, none, label):
    """Checks counted in days against `required` (SURROUND-TWICE, SURROUND-ENFORCE): met,
    short with the days found, or none; a period still running is not failed early."""
    days = sorted({c.on for c in found})
    values = {
        "count": len(days),
        "required": required,
        label: period.label,
        "dates": _list(d.isoformat() for d in days),
    }
    if len(days) < required and not _ended(run, period.end):
        return _not_ended(run, rule, subject, period, _so_far(days))
    if len(days) >= required:
        status, text = Status.COMPLIANT, met(len(days))
    else:
        status, text = Status.NOT_COMPLIANT, short if days else none
    return run.verdict(
        rule, subject, status, period, text % values, _evidence(run, found), value=len(days)
    )


def _evidence(run, checks) -> list[Evidence]:
    """The newest checks, once each; links are built only for those shown."""
    seen, kept = set(), []
    for c in sorted(checks, key=lambda c: (c.on, c.id)):
        if c.id not in seen:
            seen.add(c.id)
            kept.append(c)
    return [c.evidence(run) for c in kept[-EVIDENCE_LIMIT:]]


def _surroundings_q() -> Q:
    """Checks that screen the surroundings (see SURROUNDINGS_CODES)."""
    from safecampus.hazards.models import ChecklistItem

    own = Exists(
        ChecklistItem.objects.filter(version=OuterRef("checklist"), category=Category.SURROUNDINGS)
    )
    return Q(checklist__template__code__in=SURROUNDINGS_CODES) | (
        Q(checklist__template__code="") & own
    )


# ------------------------------------------------------------------------- rhythm rules


class _Counts:
    """What counts for one rhythm rule at one school: checks with the rule's library
    checklist, with a region's own checklist the school schedules on the rule's rhythm, and
    checks naming one of those schedules."""

    def __init__(self, code: str, rhythm: str, plans: list[_Plan]):
        mine = [p for p in plans if p.rhythm == rhythm and p.code in (code, "")]
        self.code = code
        self.plans = mine
        self.schedule_ids = {p.id for p in mine}
        self.template_ids = {p.template_id for p in mine if p.code == ""}

    def planned(self, start: datetime.date, end: datetime.date) -> bool:
        return any(p.overlaps(start, end) for p in self.plans)

    def counts(self, check: _Check, start: datetime.date, end: datetime.date) -> bool:
        if check.schedule_id in self.schedule_ids and check.period_start is not None:
            return start <= check.period_start <= end
        if check.code == self.code or check.template_id in self.template_ids:
            return start <= check.on <= end
        return False


@dataclass
class _Tally:
    """One school's periods of one rhythm rule: those due, done and missed."""

    subject: object
    period: Period
    params: dict
    expected: list  # [(first day, last day)] judged
    done: list = field(default_factory=list)
    missed: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    planned: bool = False
    clipped_from: datetime.date | None = None  # records begin inside the period
    running: bool = False  # some periods have not ended: done ones count, the rest wait


def _tallies(run, rule, rhythm: str, frame):
    """(subject, _Tally or Verdict) for every school. `frame(subject, calendar)` returns the
    period judged, the periods due in it and the numbers in force, or a Verdict when the
    school is not judged (no term, nothing due). Two queries beyond the shared loads."""
    from safecampus.hazards.models import Inspection

    plans = _plans(run)
    since = _since(run)
    framed = {s.key: frame(s, run.calendar(s)) for s in run.schools}
    counts = {s.node_id: _Counts(rule.code, rhythm, plans.get(s.node_id, [])) for s in run.schools}
    spans = [
        span
        for got in framed.values()
        if not isinstance(got, Verdict)
        for span in [(got[0].start, got[0].end), *got[1]]
    ]
    checks: dict = {}
    if spans:
        lo = min(s[0] for s in spans)
        hi = max(s[1] for s in spans)
        templates = {t for c in counts.values() for t in c.template_ids}
        schedules = {i for c in counts.values() for i in c.schedule_ids}
        since_dt, until_dt = day_range(lo, hi)
        qs = unindexed(Inspection.objects.all(), at="inspected_at", ps="period_start")
        rows = (
            qs.filter(org_id__in=_school_ids(run))
            .filter(
                Q(checklist__template__code=rule.code)
                | Q(checklist__template_id__in=templates)
                | Q(schedule_id__in=schedules)
            )
            .filter(between("at", since_dt, until_dt) | between("ps", lo, hi, closed=True))
            .order_by()
            .values_list(*_CHECK_FIELDS)
        )
        checks = _checks(run, rows)
    for s in run.schools:
        got = framed[s.key]
        if isinstance(got, Verdict):
            yield s, got
            continue
        period, expected, params = got
        first = since[s.node_id]
        due = [e for e in expected if first is not None and e[1] >= first]
        if not due:
            yield s, _before_records(run, rule, s, period, first)
            continue
        c = counts[s.node_id]
        tally = _Tally(s, period, params, [], planned=c.planned(period.start, period.end))
        if len(due) < len(expected):
            tally.clipped_from = first
        # Those that count in some period due, then each period's own.
        lo_due, hi_due = min(e[0] for e in due), max(e[1] for e in due)
        mine = [k for k in checks.get(s.node_id, []) if c.counts(k, lo_due, hi_due)]
        for start, end in due:
            found = [k for k in mine if c.counts(k, start, end)]
            if not _ended(run, end):
                tally.running = True
                if not found:
                    continue  # still due: neither done nor missed
            tally.expected.append((start, end))
            (tally.done if found else tally.missed).append((start, end))
            tally.checks += found
        if not tally.expected:
            yield s, _not_ended(run, rule, s, period)
            continue
        yield s, tally


def _clipped(tally: _Tally) -> str:
    if tally.clipped_from is None:
        return ""
    return _("Records of this school begin on %(date)s; nothing earlier is judged.") % {
        "date": tally.clipped_from.isoformat()
    }


def _month_frame(run, rule, periods_of):
    """A frame for the rules judging the last ended month."""

    def frame(subject, cal):
        period = run.month()
        if not _has_school_day(run, cal, period.start, period.end):
            return _no_school_day(run, rule, subject, period)
        return period, periods_of(cal, period), run.params(rule, subject, period.end)

    return frame


def inspect_daily(run, rule):
    """INSPECT-DAILY: every school day of the last ended month has a sensitive-spot check."""
    frame = _month_frame(
        run, rule, lambda cal, p: [(d, d) for d in run.school_days(cal, p.start, p.end)]
    )
    out = {}
    for s, t in _tallies(run, rule, Rhythm.SCHOOL_DAY, frame):
        if isinstance(t, Verdict):
            out[s.key] = t
            continue
        allowed = t.params["missed_days_allowed"]
        ok = len(t.missed) <= allowed
        values = {"done": len(t.done), "due": len(t.expected), "period": t.period.label}
        text = _("Sensitive spots were checked on %(done)d of %(due)d school days in %(period)s.")
        missed = ""
        if t.missed:
            dates = _list(d[0].isoformat() for d in t.missed)
            missed = (
                _("Missed: %(dates)s, within the %(allowed)d allowed.")
                if ok
                else _("Missed: %(dates)s.")
            ) % {"dates": dates, "allowed": allowed}
        plan = ""
        if not t.planned:
            plan = _(
                "No daily sensitive-spot check is scheduled at this school: nothing was planned."
            )
        out[s.key] = run.verdict(
            rule,
            s,
            Status.COMPLIANT if ok else Status.NOT_COMPLIANT,
            t.period,
            _sentences(plan, text % values, missed, _clipped(t), t.running and _running(t.period)),
            _evidence(run, t.checks),
            value=len(t.done) / len(t.expected),
        )
    return out


def _weeks(run, cal, period) -> list[tuple]:
    """Weeks (Monday to Sunday) beginning in the period, with a school day."""
    out = []
    monday = period.start + datetime.timedelta(days=(7 - period.start.weekday()) % 7)
    while monday <= period.end:
        sunday = monday + 6 * ONE_DAY
        if _has_school_day(run, cal, monday, sunday):
            out.append((monday, sunday))
        monday += 7 * ONE_DAY
    return out


def inspect_weekly(run, rule):
    """INSPECT-WEEKLY: every week beginning in the last ended month with a school day has a
    key-spot check and a weekly analysis (周研判, WeeklyReview)."""
    from safecampus.hazards.models import WeeklyReview

    def frame(subject, cal):
        period = run.month()
        weeks = _weeks(run, cal, period)
        if not weeks:
            return _no_school_day(run, rule, subject, period)
        return period, weeks, run.params(rule, subject, period.end)

    tallies = list(_tallies(run, rule, Rhythm.WEEKLY, frame))
    mondays = [t.period for _s, t in tallies if not isinstance(t, Verdict)]
    reviews: dict = {}
    if mondays:
        rows = WeeklyReview.objects.filter(
            org_id__in=_school_ids(run),
            week_start__gte=min(p.start for p in mondays),
            week_start__lte=max(p.end for p in mondays),
        ).values_list("org_id", "week_start", "id")
        reviews = {(org, week): pk for org, week, pk in rows}
    out = {}
    for s, t in tallies:
        if isinstance(t, Verdict):
            out[s.key] = t
            continue
        unchecked = list(t.missed)
        unreviewed = [
            w for w in t.expected if (s.node_id, w[0]) not in reviews and _ended(run, w[1])
        ]
        full = [w for w in t.expected if w not in unchecked and w not in unreviewed]
        missed = len(t.expected) - len(full)
        ok = missed <= t.params["missed_weeks_allowed"]
        text = _(
            "%(done)d of %(due)d weeks beginning in %(period)s had the key-spot check and the weekly analysis."
        ) % {"done": len(full), "due": len(t.expected), "period": t.period.label}
        parts = [text]
        if unchecked:
            parts.append(
                _("No key-spot check in the weeks of %(dates)s.")
                % {"dates": _list(w[0].isoformat() for w in unchecked)}
            )
        if unreviewed:
            parts.append(
                _("No weekly analysis in the weeks of %(dates)s.")
                % {"dates": _list(w[0].isoformat() for w in unreviewed)}
            )
        if not t.planned:
            parts.insert(
                0, _("No weekly key-spot check is scheduled at this school: nothing was planned.")
            )
        parts += [_clipped(t), t.running and _running(t.period)]
        evidence = _evidence(run, t.checks)
        for w in t.expected:
            pk = reviews.get((s.node_id, w[0]))
            if pk is not None:
                evidence.append(
                    Evidence(
                        "weekly_review",
                        pk,
                        _("Weekly analysis"),
                        w[0],
                        run.url("hazard_review:weekly", s.node_id),
                    )
                )
        out[s.key] = run.verdict(
            rule,
            s,
            Status.COMPLIANT if ok else Status.NOT_COMPLIANT,
            t.period,
            _sentences(*parts),
            evidence,
            value=len(full) / len(t.expected),
        )
    return out


def inspect_monthly(run, rule):
    """INSPECT-MONTHLY: the whole campus is checked in the last ended month (at least
    `per_month` times)."""
    frame = _month_frame(run, rule, lambda cal, p: [(p.start, p.end)])
    out = {}
    for s, t in _tallies(run, rule, Rhythm.MONTHLY, frame):
        if isinstance(t, Verdict):
            out[s.key] = t
            continue
        required = t.params["per_month"]
        found = _evidence(run, t.checks)
        count = len(found)
        values = {
            "count": count,
            "required": required,
            "period": t.period.label,
            "dates": _list(e.date.isoformat() for e in found),
        }
        if count < required and t.running:
            out[s.key] = _not_ended(run, rule, s, t.period)
            continue
        if count >= required:
            status = Status.COMPLIANT
            text = ngettext(
                "%(count)d whole-campus check in %(period)s: %(dates)s.",
                "%(count)d whole-campus checks in %(period)s: %(dates)s.",
                count,
            )
        elif count:
            status = Status.NOT_COMPLIANT
            text = _(
                "%(count)d of the %(required)d whole-campus checks due in %(period)s: %(dates)s."
            )
        else:
            status = Status.NOT_COMPLIANT
            text = _("No whole-campus check in %(period)s.")
        plan = ""
        if not t.planned:
            plan = _(
                "No monthly whole-campus check is scheduled at this school: nothing was planned."
            )
        out[s.key] = run.verdict(
            rule, s, status, t.period, _sentences(plan, text % values), found, value=count
        )
    return out


def _unplanned(run, rule, subject, period, what: str) -> Verdict:
    return run.verdict(rule, subject, Status.NO_DATA, period, what % {"term": period.label})


def inspect_holiday(run, rule):
    """INSPECT-HOLIDAY: a joint check in the `days_before` school days before each holiday of
    the last ended term (and before the break that ends it)."""

    def frame(subject, cal):
        period = run.term(subject)
        if period is None:
            return _no_term(run, rule, subject)
        params = run.params(rule, subject, period.end)
        windows = [
            w
            for w in cal.before_holiday_periods(params["days_before"])
            if period.start <= w[0] <= period.end
        ]
        if not windows:
            return run.not_applicable(
                rule,
                subject,
                period,
                _("%(term)s has no holiday to prepare for.") % {"term": period.label},
            )
        return period, windows, params

    out = {}
    for s, t in _tallies(run, rule, Rhythm.BEFORE_HOLIDAY, frame):
        if isinstance(t, Verdict):
            out[s.key] = t
            continue
        if not t.planned and not t.checks:
            out[s.key] = _unplanned(
                run,
                rule,
                s,
                t.period,
                _(
                    "No check before holidays is scheduled at this school and none is recorded for %(term)s, so it cannot be judged."
                ),
            )
            continue
        text = _("A joint check was made before %(done)d of the %(due)d holidays of %(term)s.") % {
            "done": len(t.done),
            "due": len(t.expected),
            "term": t.period.label,
        }
        missed = ""
        if t.missed:
            missed = _("No check in: %(dates)s.") % {"dates": _list(_span(*w) for w in t.missed)}
        out[s.key] = run.verdict(
            rule,
            s,
            Status.NOT_COMPLIANT if t.missed else Status.COMPLIANT,
            t.period,
            _sentences(text, missed, _clipped(t), t.running and _running(t.period)),
            _evidence(run, t.checks),
            value=len(t.done) / len(t.expected),
        )
    return out


def _term_started(run, cal, within: int):
    """The last term whose first `within` days are over by the day judged."""
    found = None
    for term in cal.terms:
        end = term.start + (within - 1) * ONE_DAY
        if end < run.as_of and (run.asked is None or end <= run.asked.end):
            found = term
    return found


def inspect_term_start(run, rule):
    """INSPECT-TERM-START: a thorough inspection within the first `within_days` days of the
    last term whose first days are over."""

    def frame(subject, cal):
        within = run.params(rule, subject, run.day)["within_days"]
        term = _term_started(run, cal, within)
        if term is None:
            return _no_term(run, rule, subject)
        period = term_period(term)
        params = run.params(rule, subject, period.end)
        within = params["within_days"]
        return period, [(term.start, term.start + (within - 1) * ONE_DAY)], params

    out = {}
    for s, t in _tallies(run, rule, Rhythm.TERM_START, frame):
        if isinstance(t, Verdict):
            out[s.key] = t
            continue
        if not t.planned and not t.checks:
            out[s.key] = _unplanned(
                run,
                rule,
                s,
                t.period,
                _(
                    "No term-start inspection is scheduled at this school and none is recorded for %(term)s, so it cannot be judged."
                ),
            )
            continue
        start, end = t.expected[0]
        values = {
            "term": t.period.label,
            "days": t.params["within_days"],
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        found = _evidence(run, t.checks)
        if found:
            values["date"] = found[0].date.isoformat()
            text = _(
                "Term-start inspection on %(date)s, within the first %(days)d days of %(term)s."
            )
            status = Status.COMPLIANT
        else:
            text = _(
                "No term-start inspection from %(start)s to %(end)s, the first %(days)d days of %(term)s."
            )
            status = Status.NOT_COMPLIANT
        out[s.key] = run.verdict(
            rule, s, status, t.period, _sentences(text % values, _clipped(t)), found
        )
    return out


# ------------------------------------------------------------------------- surroundings


def surround_twice(run, rule):
    """SURROUND-TWICE: the surroundings screened on at least `per_term` days of the last
    ended term (seed 003: at term start and mid-term)."""
    from safecampus.hazards.models import Inspection

    since = _since(run)
    terms = {s.key: run.term(s) for s in run.schools}
    periods = [p for p in terms.values() if p is not None]
    checks: dict = {}
    if periods:
        lo, hi = min(p.start for p in periods), max(p.end for p in periods)
        rows = (
            unindexed(Inspection.objects.all(), at="inspected_at")
            .filter(org_id__in=_school_ids(run))
            .filter(_surroundings_q())
            .filter(between("at", day_start(lo), day_start(hi + ONE_DAY)))
            .order_by()
            .values_list(*_CHECK_FIELDS)
        )
        checks = _checks(run, rows)
    out = {}
    for s in run.schools:
        period = terms[s.key]
        if period is None:
            out[s.key] = _no_term(run, rule, s)
            continue
        first = since[s.node_id]
        if first is None or first > period.end:
            out[s.key] = _before_records(run, rule, s, period, first)
            continue
        required = run.params(rule, s, period.end)["per_term"]
        found = [c for c in checks.get(s.node_id, []) if c.on in period]
        out[s.key] = _days_verdict(
            run,
            rule,
            s,
            period,
            found,
            required,
            met=lambda n: ngettext(
                "The surroundings were screened on %(count)d day of %(term)s: %(dates)s.",
                "The surroundings were screened on %(count)d days of %(term)s: %(dates)s.",
                n,
            ),
            short=_(
                "The surroundings were screened on %(count)d of the %(required)d days due in %(term)s: %(dates)s."
            ),
            none=_("No screening of the surroundings in %(term)s."),
            label="term",
        )
    return out


# ---------------------------------------------------------------------------- counties


def _county_first(run, model, field: str, key: str) -> dict[int, datetime.date | None]:
    """Each county's first record of `model` (by `field`), in one query."""
    found = run.cache.get(key)
    if found is None:
        counties = run.counties
        row = (
            model.objects.filter(path_q("org_path", [c.path for c in counties]))
            .order_by()
            .aggregate(
                **{f"c{c.node_id}": Min(field, filter=Q(org_path__within=c.path)) for c in counties}
            )
        )
        found = {}
        for c in counties:
            value = row.get(f"c{c.node_id}")
            if isinstance(value, datetime.datetime):
                value = run.local_date(value)
            found[c.node_id] = value
        run.cache[key] = found
    return found


def _county_since(run, *firsts) -> dict[int, datetime.date | None]:
    out = {}
    for c in run.counties:
        days = [d for d in (c.created_on, *(f.get(c.node_id) for f in firsts)) if d is not None]
        out[c.node_id] = min(days) if days else None
    return out


def _county_before_records(run, rule, county, period, since) -> Verdict:
    return run.verdict(
        rule,
        county,
        Status.NO_DATA,
        period,
        _("No records of this county before %(date)s: %(period)s cannot be judged.")
        % {"date": since.isoformat() if since else "—", "period": period.label},
    )


def surround_enforce(run, rule):
    """SURROUND-ENFORCE: joint enforcement around a county's schools on at least `per_year`
    days of the year: surroundings checks joined by another department (police, market
    regulation, ...; the education bureau alone is not joint). A campaign visiting several
    schools on one day is one action, so days are counted."""
    from safecampus.hazards.models import Inspection

    period = run.year()
    counties = run.counties
    since = _county_since(
        run, _county_first(run, Inspection, "inspected_at", "hazards.county_first_inspection")
    )
    Joined = Inspection.departments.through
    joined = Exists(
        Joined.objects.filter(inspection_id=OuterRef("pk")).exclude(department__kind="education")
    )
    rows = (
        unindexed(Inspection.objects.all(), at="inspected_at")
        .filter(path_q("org_path", [c.path for c in counties]))
        .filter(joined)
        .filter(_surroundings_q())
        .filter(between("at", day_start(period.start), day_start(period.end + ONE_DAY)))
        .order_by()
        .values_list("org_path", *_CHECK_FIELDS)
    )
    by_county: dict[int, list[_Check]] = defaultdict(list)
    for path, *row in sorted(rows, key=lambda r: (r[3], r[1])):
        for c in counties:
            if path.startswith(c.path + "."):
                by_county[c.node_id].append(_check(run, row))
    out = {}
    for c in counties:
        first = since[c.node_id]
        if first is None or first > period.end:
            out[c.key] = _county_before_records(run, rule, c, period, first)
            continue
        required = run.params(rule, c, period.end)["per_year"]
        out[c.key] = _days_verdict(
            run,
            rule,
            c,
            period,
            by_county.get(c.node_id, []),
            required,
            met=lambda n: ngettext(
                "Joint surroundings checks with other departments on %(count)d day in %(period)s: %(dates)s.",
                "Joint surroundings checks with other departments on %(count)d days in %(period)s: %(dates)s.",
                n,
            ),
            short=_(
                "Joint surroundings checks with other departments on %(count)d of the %(required)d days due in %(period)s: %(dates)s."
            ),
            none=_("No joint surroundings check with other departments in %(period)s."),
            label="period",
        )
    return out


SUPERVISING_ROLES = ("bureau_staff", "bureau_leader", "inspector")


def supervise_quarter(run, rule):
    """SUPERVISE-QUARTER: the city bureau supervises each county once a quarter. The product
    has no record of a "comprehensive supervision" as such; it is read here as a visit or an
    inspection at one of the county's schools by someone holding a bureau role (staff,
    leader, responsible inspector) at the city or above."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.hazards.models import Inspection, Visit
    from safecampus.orgs.models import ancestor_paths

    period = run.quarter()
    counties = run.counties
    since = _county_since(
        run,
        _county_first(run, Inspection, "inspected_at", "hazards.county_first_inspection"),
        _county_first(run, Visit, "visited_on", "hazards.county_first_visit"),
    )
    above = {p for c in counties for p in ancestor_paths(c.path, include_self=False)}
    holders: dict[int, set] = defaultdict(set)
    for user_id, path in RoleAssignment.objects.filter(
        role__in=SUPERVISING_ROLES, org_path__in=above
    ).values_list("user_id", "org_path"):
        holders[user_id].add(path)
    records = []  # (org_path, Evidence, user_id)
    if holders:
        paths = [c.path for c in counties]
        visits = (
            Visit.objects.filter(inspector_id__in=list(holders))
            .filter(path_q("org_path", paths))
            .filter(visited_on__gte=period.start, visited_on__lte=period.end)
            .order_by()
            .values_list(
                "id",
                "org_path",
                "org__name",
                "visited_on",
                "inspector_id",
                "inspector__last_name",
                "inspector__first_name",
                "inspector__username",
            )
        )
        url = run.url("hazard_review:visits")
        for pk, path, school, day, uid, last, first, username in visits:
            label = _("Visit to %(school)s by %(person)s") % {
                "school": school,
                "person": _person(last, first, username),
            }
            month = f"?month={day.year}-{day.month:02d}"
            records.append((path, Evidence("visit", pk, label, day, url + month), uid))
        checks = (
            unindexed(Inspection.objects.all(), at="inspected_at")
            .filter(inspector_id__in=list(holders))
            .filter(path_q("org_path", paths))
            .filter(between("at", day_start(period.start), day_start(period.end + ONE_DAY)))
            .order_by()  # sorted below; an ORDER BY on the time column misleads SQLite
            .values_list(
                "id",
                "org_path",
                "org__name",
                "inspected_at",
                "inspector_id",
                "inspector__last_name",
                "inspector__first_name",
                "inspector__username",
            )
        )
        for pk, path, school, at, uid, last, first, username in checks:
            label = _("Inspection of %(school)s by %(person)s") % {
                "school": school,
                "person": _person(last, first, username),
            }
            url = run.url("hazards:inspection", pk)
            records.append((path, Evidence("inspection", pk, label, run.local_date(at), url), uid))
    records.sort(key=lambda r: (r[1].date, r[1].kind, r[1].id))
    out = {}
    for c in counties:
        first = since[c.node_id]
        if first is None or first > period.end:
            out[c.key] = _county_before_records(run, rule, c, period, first)
            continue
        upper = set(ancestor_paths(c.path, include_self=False))
        if not any(paths & upper for paths in holders.values()):
            out[c.key] = run.verdict(
                rule,
                c,
                Status.NO_DATA,
                period,
                _(
                    "No bureau staff or responsible inspector is registered at the city or above, so city supervision cannot be read from the records."
                ),
            )
            continue
        found = [
            e for path, e, uid in records if path.startswith(c.path + ".") and holders[uid] & upper
        ]
        if not found and not _ended(run, period.end):
            out[c.key] = _not_ended(run, rule, c, period)
            continue
        if found:
            last = found[-1]
            text = ngettext(
                "City-level bureau staff visited or inspected the county's schools %(count)d time in %(period)s, on %(date)s (%(what)s).",
                "City-level bureau staff visited or inspected the county's schools %(count)d times in %(period)s, the last on %(date)s (%(what)s).",
                len(found),
            ) % {
                "count": len(found),
                "period": period.label,
                "date": last.date.isoformat(),
                "what": last.label,
            }
            status = Status.COMPLIANT
        else:
            text = _(
                "No visit or inspection by city-level bureau staff at the county's schools in %(period)s."
            ) % {"period": period.label}
            status = Status.NOT_COMPLIANT
        out[c.key] = run.verdict(
            rule, c, status, period, text, found[-EVIDENCE_LIMIT:], value=len(found)
        )
    return out


# ---------------------------------------------------------------------------- stations


def police_monthly(run, rule):
    """POLICE-MONTHLY: each police station checks every active school of its area (its
    node's subtree) in the last ended month: a check with the library's POLICE-MONTHLY
    checklist, or any check the station took part in. A school whose month has no school day
    is not due; one whose records begin after the month is not judged."""
    from safecampus.emergency.compliance import calendars_of
    from safecampus.hazards.models import Inspection
    from safecampus.orgs.models import School

    period = run.month()
    stations = run.departments
    paths = sorted({d.path for d in stations})
    area_schools = list(
        School.objects.filter(node__is_active=True)
        .filter(path_q("node__path", paths))
        .order_by("node__path")
        .values_list("node_id", "node__path", "node__name", "node__created_at")
    )
    ids = [row[0] for row in area_schools]
    firsts = _first_inspections(run, ids)
    schools = [(*row, firsts.get(row[0])) for row in area_schools]
    # The run's schools' calendars, when another rule has loaded them; the others' here.
    calendars = dict(run.__dict__.get("calendars") or {})
    nodes = [SimpleNamespace(pk=row[0], path=row[1]) for row in schools if row[0] not in calendars]
    if nodes:
        calendars.update(calendars_of(nodes, run.day))
    since_dt, until_dt = day_range(period.start, period.end)
    Joined = Inspection.departments.through
    station_ids = [d.department_id for d in stations]
    rows = list(
        unindexed(Inspection.objects.all(), at="inspected_at")
        .filter(org_id__in=ids)
        .filter(between("at", since_dt, until_dt))
        .filter(
            Q(checklist__template__code=POLICE_CODE)
            | Q(pk__in=Joined.objects.filter(department_id__in=station_ids).values("inspection_id"))
        )
        .order_by()
        .values_list(*_CHECK_FIELDS)
    )
    links: dict[int, set] = defaultdict(set)
    if rows:
        for inspection_id, department_id in Joined.objects.filter(
            department_id__in=station_ids, inspection_id__in=[r[0] for r in rows]
        ).values_list("inspection_id", "department_id"):
            links[inspection_id].add(department_id)
    checks = _checks(run, rows)
    out = {}
    for d in stations:
        area = [row for row in schools if row[1] == d.path or row[1].startswith(d.path + ".")]
        if not area:
            out[d.key] = run.not_applicable(
                rule,
                d,
                period,
                _("No active school lies in the area of %(station)s.") % {"station": d.name},
            )
            continue
        due = [
            row for row in area if _has_school_day(run, calendars[row[0]], period.start, period.end)
        ]
        if not due:
            out[d.key] = _no_school_day(run, rule, d, period)
            continue
        judged = []
        for node_id, _path, name, created, first in due:
            begins = min(x for x in (run.local_date(created), first and run.local_date(first)) if x)
            if begins <= period.end:
                judged.append((node_id, name))
        if not judged:
            out[d.key] = run.verdict(
                rule,
                d,
                Status.NO_DATA,
                period,
                _(
                    "The schools of the area of %(station)s have no records before the end of %(period)s, so it cannot be judged."
                )
                % {"station": d.name, "period": period.label},
            )
            continue
        required = run.params(rule, d, period.end)["per_month"]
        done, missing, evidence = [], [], []
        for node_id, name in judged:
            found = [
                c
                for c in checks.get(node_id, [])
                if c.code == POLICE_CODE or d.department_id in links.get(c.id, ())
            ]
            (done if len(found) >= required else missing).append(name)
            evidence += found
        if missing and not _ended(run, period.end):
            out[d.key] = _not_ended(run, rule, d, period)
            continue
        values = {
            "station": d.name,
            "count": len(judged),
            "done": len(done),
            "period": period.label,
            "schools": _list(missing),
        }
        if missing:
            text = _(
                "%(station)s checked %(done)d of the %(count)d schools of its area in %(period)s; not checked: %(schools)s."
            )
        else:
            text = ngettext(
                "%(station)s checked the one school of its area in %(period)s.",
                "%(station)s checked all %(count)d schools of its area in %(period)s.",
                len(judged),
            )
        out[d.key] = run.verdict(
            rule,
            d,
            Status.NOT_COMPLIANT if missing else Status.COMPLIANT,
            period,
            text % values,
            _evidence(run, evidence),
            value=len(done) / len(judged),
        )
    return out


# ------------------------------------------------------------------------------ visits


def visit_monthly(run, rule):
    """VISIT-MONTHLY: each responsible inspector assigned to a school (a RoleAssignment of
    the inspector role on the school's node) visits it in the last ended month. Assignments
    carry no end date: one made after the month is not judged for it."""
    from safecampus.accounts.models import RoleAssignment
    from safecampus.hazards.models import Visit

    period = run.month()
    ids = _school_ids(run)
    assigned: dict[int, list] = defaultdict(list)
    for org, uid, created, last, first, username in (
        RoleAssignment.objects.filter(role="inspector", org_id__in=ids)
        .order_by("user__username")
        .values_list(
            "org_id",
            "user_id",
            "created_at",
            "user__last_name",
            "user__first_name",
            "user__username",
        )
    ):
        assigned[org].append((uid, run.local_date(created), _person(last, first, username)))
    visits = {}
    first_visit: dict[int, datetime.date] = {}
    for org, uid, first, n, last_in, last in (
        Visit.objects.filter(org_id__in=ids, visited_on__lte=period.end)
        .order_by()
        .values("org_id", "inspector_id")
        .annotate(
            first=Min("visited_on"),
            n=Count("pk", filter=Q(visited_on__gte=period.start)),
            last_in=Max("visited_on", filter=Q(visited_on__gte=period.start)),
            last=Max("visited_on"),
        )
        .values_list("org_id", "inspector_id", "first", "n", "last_in", "last")
    ):
        visits[(org, uid)] = (n, last_in, last)
        first_visit[org] = min(first, first_visit.get(org, first))
    url = run.url("hazard_review:visits") + f"?month={period.start.year}-{period.start.month:02d}"
    out = {}
    for s in run.schools:
        if not _has_school_day(run, run.calendar(s), period.start, period.end):
            out[s.key] = _no_school_day(run, rule, s, period)
            continue
        people = assigned.get(s.node_id, [])
        begins = [d for d in (s.created_on, first_visit.get(s.node_id)) if d]
        begins += [p[1] for p in people]
        since = min(begins) if begins else None
        if since is None or since > period.end:
            out[s.key] = _before_records(run, rule, s, period, since)
            continue
        judged = [p for p in people if p[1] <= period.end]
        if not judged:
            out[s.key] = run.verdict(
                rule,
                s,
                Status.NO_DATA,
                period,
                _(
                    "No responsible inspector was assigned to this school in %(period)s, so no visit can be judged."
                )
                % {"period": period.label},
            )
            continue
        required = run.params(rule, s, period.end)["per_month"]
        done, missing, evidence = [], [], []
        for uid, _assigned_on, name in judged:
            n, last_in, last = visits.get((s.node_id, uid), (0, None, None))
            if n >= required:
                done.append(
                    _("%(person)s on %(date)s") % {"person": name, "date": last_in.isoformat()}
                )
                evidence.append(
                    Evidence(
                        "visit",
                        None,
                        _("Visit by %(person)s") % {"person": name},
                        last_in,
                        url,
                        {"visits": n},
                    )
                )
            elif last is not None:
                missing.append(
                    _("%(person)s (last visit %(date)s)")
                    % {"person": name, "date": last.isoformat()}
                )
            else:
                missing.append(_("%(person)s (never)") % {"person": name})
        if missing and not _ended(run, period.end):
            out[s.key] = _not_ended(run, rule, s, period)
            continue
        values = {"period": period.label, "done": _list(done), "missing": _list(missing)}
        if missing:
            text = _("Not visited in %(period)s by %(missing)s.") % values
            if done:
                text = _sentences(text, _("Visited by %(done)s.") % values)
        else:
            text = _("Visited in %(period)s by %(done)s.") % values
        out[s.key] = run.verdict(
            rule,
            s,
            Status.NOT_COMPLIANT if missing else Status.COMPLIANT,
            period,
            text,
            evidence,
            value=len(done) / len(judged),
        )
    return out


# ------------------------------------------------------------------------------ ledger


@dataclass(frozen=True)
class _Open:
    id: int
    org_id: int
    number: str
    grade: str
    deadline: datetime.date | None
    plan: str
    temporary: str

    def evidence(self, run) -> Evidence:
        return Evidence(
            "hazard",
            self.id,
            self.number,
            self.deadline,
            run.url("hazards:hazard", self.id),
            {"grade": self.grade},
        )


def _ledger(run):
    """The hazards open at the end of the day judged, by school, and where each school's
    ledger begins (its first hazard): two queries."""
    from safecampus.hazards.models import Hazard

    found = run.cache.get("hazards.ledger")
    if found is None:
        ids = _school_ids(run)
        end = day_start(run.day + ONE_DAY)
        open_rows = (
            Hazard.objects.filter(org_id__in=ids, found_at__lt=end)
            .filter(Q(status__in=OPEN_STATUSES) | Q(status=HazardStatus.CLOSED, closed_at__gte=end))
            # `+deadline` on SQLite, which would otherwise walk the whole ledger by its
            # deadline index to skip a sort (compliance/sql.py); NULLs sort as each
            # database sorts them.
            .order_by(Unindexed(F("deadline")).asc(), "id")
            .values_list(
                "id", "org_id", "number", "grade", "deadline", "plan", "temporary_measures"
            )
        )
        opened: dict[int, list[_Open]] = defaultdict(list)
        for row in open_rows:
            opened[row[1]].append(_Open(*row))
        first = dict(
            Hazard.objects.filter(org_id__in=ids, found_at__lt=end)
            .exclude(status=HazardStatus.PENDING_REVIEW)
            .order_by()
            .values("org_id")
            .annotate(first=Min("found_at"))
            .values_list("org_id", "first")
        )
        found = run.cache["hazards.ledger"] = (opened, first)
    return found


def _ledger_verdicts(run, rule, judge):
    opened, first = _ledger(run)
    period = run.state()
    out = {}
    for s in run.schools:
        begins = first.get(s.node_id)
        if begins is None:
            out[s.key] = run.verdict(
                rule,
                s,
                Status.NO_DATA,
                period,
                _("No hazard is recorded at this school by %(date)s, so it cannot be judged.")
                % {"date": run.day.isoformat()},
            )
            continue
        out[s.key] = judge(s, period, opened.get(s.node_id, []))
    return out


def risk_colour(run, rule):
    """RISK-COLOUR: every open hazard carries one of the four grades (red, orange, yellow,
    blue). The ledger asks for a grade on entry, so only imported or damaged rows fail."""

    def judge(s, period, hazards):
        date = run.day.isoformat()
        if not hazards:
            text = _("No open hazard on %(date)s.") % {"date": date}
            return run.verdict(rule, s, Status.COMPLIANT, period, text, value=0)
        bad = [h for h in hazards if h.grade not in Grade.values]
        if bad:
            text = ngettext(
                "%(count)d open hazard on %(date)s has no risk grade: %(numbers)s.",
                "%(count)d open hazards on %(date)s have no risk grade: %(numbers)s.",
                len(bad),
            ) % {"count": len(bad), "date": date, "numbers": _list(h.number for h in bad)}
            return run.verdict(
                rule,
                s,
                Status.NOT_COMPLIANT,
                period,
                text,
                [h.evidence(run) for h in bad][:EVIDENCE_LIMIT],
                value=len(bad),
            )
        tally = Counter(h.grade for h in hazards)
        counts = {g: tally[g] for g in Grade.values}
        summary = join(
            _("%(grade)s (%(colour)s) %(count)d")
            % {"grade": Grade(g).label, "colour": COLOURS[g], "count": n}
            for g, n in counts.items()
            if n
        )
        text = ngettext(
            "The %(count)d open hazard on %(date)s carries a risk grade: %(summary)s.",
            "All %(count)d open hazards on %(date)s carry a risk grade: %(summary)s.",
            len(hazards),
        ) % {"count": len(hazards), "date": date, "summary": summary}
        return run.verdict(rule, s, Status.COMPLIANT, period, text, value=0)

    return _ledger_verdicts(run, rule, judge)


def hazard_class(run, rule):
    """HAZARD-CLASS: each open major hazard (重大隐患) has a rectification plan, temporary
    measures and a deadline; no other open hazard (一般隐患: every other grade) is past its
    deadline. The verdict's value is the oldest overdue age in days."""

    def judge(s, period, hazards):
        date = run.day.isoformat()
        if not hazards:
            text = _("No open hazard on %(date)s.") % {"date": date}
            return run.verdict(rule, s, Status.COMPLIANT, period, text, value=0)
        parts, evidence = [], []
        majors = [h for h in hazards if h.grade == Grade.MAJOR]
        for h in majors:
            lacks = []
            if not (h.plan or "").strip():
                lacks.append(_("a rectification plan"))
            if not (h.temporary or "").strip():
                lacks.append(_("temporary measures"))
            if h.deadline is None:
                lacks.append(_("a deadline"))
            if lacks:
                parts.append(
                    _("Major hazard %(number)s lacks %(missing)s.")
                    % {"number": h.number, "missing": _and(lacks)}
                )
                evidence.append(h.evidence(run))
        overdue = [
            h
            for h in hazards
            if h.grade != Grade.MAJOR and h.deadline is not None and h.deadline < run.day
        ]
        oldest = max(((run.day - h.deadline).days for h in overdue), default=0)
        if overdue:
            items = [
                _("%(number)s (due %(date)s)")
                % {"number": h.number, "date": h.deadline.isoformat()}
                for h in overdue
            ]
            parts.append(
                ngettext(
                    "%(count)d non-major hazard past its deadline: %(items)s.",
                    "%(count)d non-major hazards past their deadline: %(items)s.",
                    len(overdue),
                )
                % {"count": len(overdue), "items": _list(items)}
            )
            evidence += [h.evidence(run) for h in overdue]
        if parts:
            lead = _("On %(date)s:") % {"date": date}
            return run.verdict(
                rule,
                s,
                Status.NOT_COMPLIANT,
                period,
                lead + ("" if gap() == "" else " ") + gap().join(parts),
                evidence[:EVIDENCE_LIMIT],
                value=oldest,
            )
        text = ngettext(
            "%(count)d open hazard on %(date)s: every major one has a plan, temporary measures and a deadline, and none is overdue.",
            "%(count)d open hazards on %(date)s: every major one has a plan, temporary measures and a deadline, and none is overdue.",
            len(hazards),
        ) % {"count": len(hazards), "date": date}
        return run.verdict(
            rule, s, Status.COMPLIANT, period, text, [h.evidence(run) for h in majors], value=0
        )

    return _ledger_verdicts(run, rule, judge)
