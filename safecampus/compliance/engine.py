"""Evaluating the catalogue for a region: who is judged, for which period, by which numbers.

A `Run` is one evaluation: a user, a region node, the day it is made (`as_of`) and, when
asked, a period. It knows the subjects in the user's scope inside the region (schools, the
counties, the police stations), the parameters in force for each (with overrides) and the
school calendars; evaluators share what they load through `run.cache`. Each evaluator is a
plain function `(run, rule) -> {subject key: Verdict}` living next to the records it reads,
and loads set-based: a county costs the same few queries as a school.

Scope is decided here, once: the schools are those under the region where the user may view
compliance (`PingAnAward`'s record type), and evaluators read only those schools' records.
"""

from __future__ import annotations

import datetime
import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.compliance import catalog
from safecampus.compliance.catalog import COUNTY, DEPARTMENT, SCHOOL, Rule
from safecampus.compliance.params import ParamBook, share_target
from safecampus.compliance.verdicts import (
    Period,
    Status,
    Verdict,
    day_period,
    gap,
    last_ended_month,
    last_ended_quarter,
    last_ended_year,
    month_period,
    quarter_of,
    term_period,
    year_period,
)


@dataclass
class Subject:
    """What a rule judges: a school, a county, or a department (a police station)."""

    kind: str
    node_id: int
    path: str
    name: str
    created_on: datetime.date | None = None
    school_kind: str = ""
    boarding: bool = False
    enrolment: int = 0
    boarders: int = 0
    staff_count: int = 0
    flood_prone: bool = False
    department_id: int | None = None
    department_kind: str = ""

    @property
    def key(self):
        return f"department:{self.department_id}" if self.kind == DEPARTMENT else self.node_id


@dataclass
class Run:
    user: object
    region: object  # OrgNode
    as_of: datetime.date
    asked: Period | None = None
    cache: dict = field(default_factory=dict)
    # Only the schools right under the region (a city's own, 市直学校), not its regions'.
    direct: bool = False

    # --------------------------------------------------------------- subjects
    @cached_property
    def schools(self) -> list[Subject]:
        from safecampus.accounts.access import scope_prefixes
        from safecampus.compliance.models import PingAnAward
        from safecampus.core.scoping import ALL, path_q
        from safecampus.orgs.models import School

        prefixes = scope_prefixes(self.user, PingAnAward, "view")
        if prefixes is not ALL and not prefixes:
            return []
        qs = School.objects.select_related("node").filter(node__is_active=True)
        if prefixes is not ALL:
            qs = qs.filter(path_q("node__path", prefixes))
        path = self.region.path
        if self.region.kind == "school":
            qs = qs.filter(node__path=path)
        elif self.direct:
            qs = qs.filter(node__parent=self.region)
        else:
            qs = qs.filter(node__path__startswith=path + ".")
        return [
            Subject(
                kind=SCHOOL,
                node_id=s.node_id,
                path=s.node.path,
                name=s.node.name,
                created_on=timezone.localtime(s.node.created_at).date(),
                school_kind=s.school_kind,
                boarding=s.boarding,
                enrolment=s.enrolment,
                boarders=s.boarders,
                staff_count=s.staff_count,
                flood_prone=s.flood_prone,
            )
            for s in qs.order_by("node__path")
        ]

    @cached_property
    def counties(self) -> list[Subject]:
        """The counties in scope: the region's own county when it lies inside one, else the
        counties under it in which the user may view compliance."""
        from safecampus.accounts.access import scope_prefixes
        from safecampus.compliance.models import PingAnAward
        from safecampus.core.scoping import ALL
        from safecampus.orgs.models import OrgNode, ancestor_paths

        prefixes = scope_prefixes(self.user, PingAnAward, "view")
        if prefixes is not ALL and not prefixes:
            return []
        path = self.region.path
        qs = OrgNode.objects.filter(kind="county", is_active=True)
        qs = qs.filter(path__in=ancestor_paths(path)) | qs.filter(path__startswith=path + ".")

        def visible(p):
            return prefixes is ALL or any(p == x or p.startswith(x + ".") for x in prefixes)

        return [
            Subject(
                kind=COUNTY,
                node_id=n.pk,
                path=n.path,
                name=n.name,
                created_on=timezone.localtime(n.created_at).date(),
            )
            for n in qs.order_by("path")
            if visible(n.path)
        ]

    @cached_property
    def departments(self) -> list[Subject]:
        """Police stations in the region (POLICE-MONTHLY judges each)."""
        from safecampus.accounts.access import scope_prefixes
        from safecampus.compliance.models import PingAnAward
        from safecampus.core.scoping import ALL, path_q
        from safecampus.orgs.choices import DepartmentKind
        from safecampus.orgs.models import Department, ancestor_paths

        prefixes = scope_prefixes(self.user, PingAnAward, "view")
        if prefixes is not ALL and not prefixes:
            return []
        path = self.region.path
        qs = Department.objects.filter(kind=DepartmentKind.POLICE).select_related("org")
        if prefixes is not ALL:
            qs = qs.filter(path_q("org_path", prefixes))
        # A station serving the region sits inside it, or above it (a township's station
        # judged from one of its schools).
        qs = qs.filter(org_path__startswith=path + ".") | qs.filter(
            org_path__in=ancestor_paths(path)
        )
        return [
            Subject(
                kind=DEPARTMENT,
                node_id=d.org_id,
                path=d.org_path,
                name=d.name,
                created_on=timezone.localtime(d.created_at).date(),
                department_id=d.pk,
                department_kind=d.kind,
            )
            for d in qs.order_by("org_path", "name", "pk")
        ]

    def subjects(self, kind: str) -> list[Subject]:
        return {SCHOOL: self.schools, COUNTY: self.counties, DEPARTMENT: self.departments}[kind]

    # ------------------------------------------------------------- parameters
    @cached_property
    def book(self) -> ParamBook:
        return ParamBook.for_region(self.region.path)

    def params(self, rule: Rule, subject: Subject, day: datetime.date) -> dict:
        """The numbers in force for the subject on `day` (the end of the period judged)."""
        return self.book.params(rule.code, subject.path, day)

    # -------------------------------------------------------------- calendars
    @cached_property
    def calendars(self) -> dict:
        from safecampus.emergency.compliance import calendars_of
        from safecampus.orgs.models import OrgNode

        nodes = OrgNode.objects.filter(pk__in=[s.node_id for s in self.schools])
        return calendars_of(list(nodes), self.day)

    def calendar(self, subject: Subject):
        return self.calendars[subject.node_id]

    def school_days(self, cal, start: datetime.date, end: datetime.date) -> tuple:
        """`cal.school_days(start, end)`, once a run for each calendar and span: the schools
        of a region share a few calendars, and each rule asks each school about the same
        month. (The calendar is kept with the answer, so that its id is not reused.)"""
        memo = self.cache.setdefault("school_days", {})
        key = (id(cal), start, end)
        found = memo.get(key)
        if found is None:
            found = memo[key] = (cal, tuple(cal.school_days(start, end)))
        return found[1]

    # ---------------------------------------------------------------- periods
    @property
    def day(self) -> datetime.date:
        """The day records are judged up to: the end of the asked period, or today."""
        return min(self.asked.end, self.as_of) if self.asked else self.as_of

    def month(self) -> Period:
        return month_period(self.asked.end) if self.asked else last_ended_month(self.as_of)

    def quarter(self) -> Period:
        return quarter_of(self.asked.end) if self.asked else last_ended_quarter(self.as_of)

    def year(self) -> Period:
        return year_period(self.asked.end.year) if self.asked else last_ended_year(self.as_of)

    def state(self) -> Period:
        return day_period(self.day)

    def term(self, subject: Subject) -> Period | None:
        """The term judged for a school: the one holding the end of the asked period (or the
        last that ended before it), else the last term that has ended."""
        cal = self.calendar(subject)
        if self.asked:
            held = cal.term_of(self.asked.end)
            if held is not None:
                return term_period(held)
            ended = [t for t in cal.terms if t.end < self.asked.end]
        else:
            ended = [t for t in cal.terms if t.end < self.as_of]
        return term_period(ended[-1]) if ended else None

    def lookback(self, days: int = 365) -> Period:
        end = self.day
        start = end - datetime.timedelta(days=days - 1)
        label = _("%(start)s – %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
        return Period(f"{start.isoformat()}/{end.isoformat()}", label, start, end)

    # ------------------------------------------------------- per-row helpers
    @cached_property
    def zone(self):
        return timezone.get_current_timezone()

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """`timezone.localtime(moment).date()`, with the zone looked up once a run rather than
        once a row (a county's run converts tens of thousands of moments)."""
        return moment.astimezone(self.zone).date()

    def url(self, name: str, *args: int) -> str:
        """`reverse(name, args=args)` for integer ids, the pattern reversed once a run: a
        county's evidence links number in the thousands, and each reverse() walks the
        resolver. The ids are spliced in where sentinel ids were reversed; anything else falls
        back to reverse()."""
        key = ("url", name, len(args))
        parts = self.cache.get(key)
        if parts is None:
            parts = self.cache[key] = _url_parts(name, len(args))
        if not parts or not all(type(a) is int and a >= 0 for a in args):
            return reverse(name, args=args)
        out = parts[0]
        for arg, part in zip(args, parts[1:], strict=True):
            out += str(arg) + part
        return out

    # --------------------------------------------------------------- verdicts
    def verdict(
        self,
        rule: Rule,
        subject: Subject,
        status: str,
        period: Period | None,
        explanation: str,
        evidence=(),
        value: float | None = None,
    ) -> Verdict:
        return Verdict(
            rule=rule.code,
            status=status,
            period=period,
            explanation=explanation,
            evidence=tuple(evidence),
            node_id=subject.node_id,
            value=value,
        )

    def no_data(self, rule: Rule, subject: Subject, period: Period | None, why: str = ""):
        return self.verdict(
            rule,
            subject,
            Status.NO_DATA,
            period,
            why or _("Nothing is recorded for this period, so it cannot be judged."),
        )

    def not_applicable(self, rule: Rule, subject: Subject, period: Period | None, why: str):
        return self.verdict(rule, subject, Status.NOT_APPLICABLE, period, why)

    def before_records(self, subject: Subject, period: Period) -> bool:
        """A period that ended before the subject existed in the product has no data."""
        return subject.created_on is not None and period.end < subject.created_on


_SENTINEL = 987_654_321_000  # an id no table reaches, to find where ids go in a URL


def _url_parts(name: str, count: int) -> tuple[str, ...]:
    """The text around each argument of URL `name`, or () when the URL does not spell each
    argument exactly once as its digits."""
    marks = [str(_SENTINEL + i) for i in range(count)]
    text = reverse(name, args=[_SENTINEL + i for i in range(count)])
    parts = []
    for mark in marks:
        if text.count(mark) != 1:
            return ()
        head, text = text.split(mark)
        parts.append(head)
    parts.append(text)
    return tuple(parts)


def rule_sentence(rule: Rule) -> str:
    return _("Rule: %(title)s (%(source)s).") % {"title": rule.title, "source": rule.source}


def _evaluator(rule: Rule):
    module, name = rule.evaluator.split(":")
    return getattr(import_module(module), name)


@dataclass
class Summary:
    """One rule over a region: the count of each status and the share compliant, where the
    share counts "no data" as not compliant (it is never a pass) and leaves out schools the
    rule does not apply to."""

    rule: Rule
    counts: Counter
    target: float | None = None

    @property
    def judged(self) -> int:
        return sum(n for s, n in self.counts.items() if s != Status.NOT_APPLICABLE)

    @property
    def share(self) -> float | None:
        return self.counts[Status.COMPLIANT] / self.judged if self.judged else None

    @property
    def on_target(self) -> bool | None:
        if self.target is None or self.share is None:
            return None
        return self.share + 1e-9 >= self.target

    def as_dict(self) -> dict:
        return {
            "code": self.rule.code,
            "title": self.rule.title,
            "counts": {s: self.counts.get(s, 0) for s in Status.values},
            "judged": self.judged,
            "share": self.share,
            "target": self.target,
            "on_target": self.on_target,
        }


@dataclass
class Result:
    run: Run
    rules: list[Rule]
    verdicts: dict  # code → {subject key: Verdict}

    def of(self, code: str, key) -> Verdict | None:
        return self.verdicts.get(code, {}).get(key)

    def for_subject(self, key) -> list[Verdict]:
        return [self.verdicts[r.code][key] for r in self.rules if key in self.verdicts[r.code]]

    def summary(self, code: str) -> Summary:
        rule = catalog.RULES_BY_CODE[code]
        counts = Counter(v.status for v in self.verdicts.get(code, {}).values())
        target = None
        if rule.share_target:
            day = self.run.day
            params = self.run.book.params(code, self.run.region.path, day)
            target = share_target(params, rule.share_target, day.year)
        return Summary(rule, counts, target)

    def summaries(self) -> list[Summary]:
        return [self.summary(r.code) for r in self.rules]

    def overall(self, kind: str = SCHOOL) -> Summary:
        """Every verdict about subjects of `kind` together."""
        counts = Counter()
        for r in self.rules:
            if r.subject == kind:
                counts.update(v.status for v in self.verdicts[r.code].values())
        return Summary(self.rules[0] if self.rules else catalog.RULES[0], counts)


def evaluate(
    user,
    region,
    *,
    codes=None,
    as_of: datetime.date | None = None,
    period: Period | None = None,
    subjects=(SCHOOL, COUNTY, DEPARTMENT),
    direct: bool = False,
) -> Result:
    """Every rule of the catalogue (or those named) for every subject of the region in the
    user's scope (of the schools, only those right under it when `direct`). Each rule's
    verdict ends with the rule and its source."""
    run = Run(
        user=user,
        region=region,
        as_of=as_of or timezone.localdate(),
        asked=period,
        direct=direct,
    )
    rules = [
        r for r in catalog.RULES if (codes is None or r.code in codes) and r.subject in subjects
    ]
    return _judge(run, rules)


def evaluate_school(user, school_node, **kw) -> list[Verdict]:
    """One school's verdicts, in the catalogue's order."""
    result = evaluate(user, school_node, subjects=(SCHOOL,), **kw)
    return result.for_subject(school_node.pk)


# ----------------------------------------------------------------- availability, history


def available(rules=None) -> list[Rule]:
    """The rules (of `rules`, else the catalogue) the pages and the API evaluate: every one,
    since each evaluator is installed with its app (tests/compliance/test_engine.py checks
    that each resolves). Tests narrow it to keep a page's evaluation small."""
    return list(catalog.RULES if rules is None else rules)


def _closed_by(verdict: Verdict, suffix: str) -> Verdict:
    """The verdict with `suffix` after its explanation: `dataclasses.replace` without its
    per-field introspection, which a county's ten thousand verdicts feel."""
    found = object.__new__(type(verdict))
    found.__dict__.update(verdict.__dict__)
    found.__dict__["explanation"] = verdict.explanation + suffix
    return found


@contextmanager
def _collector_paused():
    """The cyclic garbage collector held off while a run builds its verdicts. A county's run
    keeps tens of thousands of new objects alive (rows, facts, verdicts, evidence), enough to
    set off a full collection of the whole process in the middle of it: a fifth of the run's
    time, measured on a county of 196 schools. Reference counting still frees what the run
    drops, the collector resumes as it was when the run is over (and then finds any cycle
    left behind), and a thread that finds it already held off leaves it to the thread that
    held it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _judge(run: Run, rules) -> Result:
    out: dict[str, dict] = {}
    with _collector_paused():
        for rule in rules:
            if not run.subjects(rule.subject):
                out[rule.code] = {}
                continue
            found = _evaluator(rule)(run, rule)
            suffix = gap() + rule_sentence(rule)
            out[rule.code] = {key: _closed_by(v, suffix) for key, v in found.items()}
    return Result(run, list(rules), out)


def evaluate_months(
    user,
    region,
    *,
    codes,
    months: int = 12,
    as_of: datetime.date | None = None,
    subjects=(SCHOOL, COUNTY, DEPARTMENT),
) -> list[Result]:
    """The named rules judged for each of the last `months` ended months, oldest first.

    Each month is an asked period (a quarterly rule judges the quarter holding the month, a
    term rule the term). The subjects in scope and the overrides are loaded once and shared by
    the months; each month then costs only its evaluators' queries."""
    as_of = as_of or timezone.localdate()
    rules = [r for r in catalog.RULES if r.code in codes and r.subject in subjects]
    first = Run(user=user, region=region, as_of=as_of)
    names = {SCHOOL: "schools", COUNTY: "counties", DEPARTMENT: "departments"}
    shared = {"book": first.book}
    for kind in {r.subject for r in rules}:
        shared[names[kind]] = first.subjects(kind)
    period = last_ended_month(as_of)
    asked = []
    for _i in range(months):
        asked.append(period)
        period = last_ended_month(period.start)
    results = []
    for period in reversed(asked):
        run = Run(user=user, region=region, as_of=as_of, asked=period)
        run.__dict__.update(shared)  # the cached properties, already loaded
        results.append(_judge(run, rules))
    return results
