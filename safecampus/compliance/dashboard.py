"""What the compliance pages show, computed from one evaluation of the catalogue.

- The rule × school matrix of a region: rules as columns grouped by the catalogue's groups,
  schools as rows, each cell a status with its symbol (never colour alone). Rows are rendered
  here to plain HTML, so that a county of two hundred schools and fifty rules (ten thousand
  cells) costs milliseconds rather than a template loop per cell.
- Share compliant per rule for each of the last twelve months (`engine.evaluate_months`),
  one catalogue group at a time, since every month is a full evaluation.
- The 4×100 targets (TARGET-4X100 and the shares of its four components), TARGET-PINGAN.
- Outcomes beside the ticks: evacuation times against their targets, and the hazards' time to
  close and overdue age, next to the shares of schools that drilled and inspected.
- A school's verdicts ordered by what to do next, with the page that fixes each.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from safecampus.compliance import catalog, engine
from safecampus.compliance.catalog import COUNTY, DEPARTMENT, SCHOOL
from safecampus.compliance.verdicts import Status, percent
from safecampus.core.listing import xlsx_response

GROUP_LABELS = {
    "inspection": pgettext_lazy("rule group", "Inspections"),
    "drill": pgettext_lazy("rule group", "Drills"),
    "education": pgettext_lazy("rule group", "Education"),
    "training": pgettext_lazy("rule group", "Training and staffing"),
    "defense": pgettext_lazy("rule group", "Three defenses"),
    "response": pgettext_lazy("rule group", "Incident response"),
    "target": pgettext_lazy("rule group", "Targets"),
    "hazard": pgettext_lazy("rule group", "Hazards"),
}
# A symbol and a class per status: the colour is never the only sign.
SYMBOL = {
    Status.COMPLIANT: "✓",
    Status.NOT_COMPLIANT: "✗",
    Status.NO_DATA: "?",
    Status.NOT_APPLICABLE: "–",
}
CSS = {
    Status.COMPLIANT: "c-ok",
    Status.NOT_COMPLIANT: "c-no",
    Status.NO_DATA: "c-nd",
    Status.NOT_APPLICABLE: "c-na",
}
STATUS_RANK = {
    Status.NOT_COMPLIANT: 0,
    Status.NO_DATA: 1,
    Status.COMPLIANT: 2,
    Status.NOT_APPLICABLE: 3,
}
# What to do next: a rule judged over a short period comes round again soonest.
CADENCE_RANK = {
    catalog.DAY: 0,
    catalog.WEEK: 1,
    catalog.STATE: 2,
    catalog.LATEST: 3,
    catalog.MONTH: 4,
    catalog.QUARTER: 5,
    catalog.TERM: 6,
    catalog.YEAR: 7,
}
ORDER = {r.code: i for i, r in enumerate(catalog.RULES)}
FOUR = ("STAFF-GUARD", "DEF-CLOSED", "DEF-ALARM", "DEF-VIDEO")
FOUR_TARGET = "TARGET-4X100"
HISTORY_MONTHS = 12


# ------------------------------------------------------------------------------ evaluation


@dataclass
class Evaluation:
    result: engine.Result
    missing: list  # rules whose evaluator is not installed yet


def evaluate(
    user, region, *, period=None, as_of=None, codes=None, subjects=None, direct=False
) -> Evaluation:
    """The catalogue (or the rules named) for the region, leaving out rules whose evaluator
    is not installed yet."""
    rules = [r for r in catalog.RULES if codes is None or r.code in codes]
    if subjects is not None:
        rules = [r for r in rules if r.subject in subjects]
    ready = engine.available(rules)
    kw = {"subjects": subjects} if subjects is not None else {}
    result = engine.evaluate(
        user,
        region,
        codes=[r.code for r in ready],
        as_of=as_of,
        period=period,
        direct=direct,
        **kw,
    )
    return Evaluation(result, [r for r in rules if r not in ready])


def fix_url(rule) -> str:
    if not rule.fix_url:
        return ""
    try:
        return reverse(rule.fix_url)
    except NoReverseMatch:
        return ""


def verdict_url(code: str, subject, period=None) -> str:
    url = reverse("compliance:verdict", args=[code, subject.node_id])
    query = []
    if period is not None:
        query.append(f"period={period.key}")
    if subject.kind == DEPARTMENT:
        query.append(f"department={subject.department_id}")
    return url + ("?" + "&".join(query) if query else "")


# ------------------------------------------------------------------------------ matrix


def columns(rules) -> list[dict]:
    """The school rules as columns, grouped in the catalogue's order of groups."""
    groups = []
    for group in catalog.GROUPS:
        members = [r for r in rules if r.group == group and r.subject == SCHOOL]
        if members:
            groups.append({"group": group, "label": GROUP_LABELS[group], "rules": members})
    return groups


def flat(groups) -> list:
    return [r for g in groups for r in g["rules"]]


def _cell(verdict) -> str:
    if verdict is None:
        return '<td class="c-na">·</td>'
    return f'<td class="{CSS[verdict.status]}">{SYMBOL[verdict.status]}</td>'


def matrix_rows(result, rules, *, school_url) -> list[dict]:
    """One row per school of the run: its cells as HTML, and its count of failing verdicts.
    `school_url(subject)` is where the school's name leads (its verdicts, with the period)."""
    kinds = dict(_school_kinds())
    rows = []
    for subject in result.run.schools:
        verdicts = [result.of(r.code, subject.key) for r in rules]
        failing = sum(1 for v in verdicts if v is not None and v.status == Status.NOT_COMPLIANT)
        no_data = sum(1 for v in verdicts if v is not None and v.status == Status.NO_DATA)
        head = format_html(
            '<th scope="row"><a href="{}">{}</a> <span class="muted small">{}</span></th>',
            school_url(subject),
            subject.name,
            kinds.get(subject.school_kind, ""),
        )
        tail = format_html(
            '<td class="num{}">{}</td><td class="num">{}</td>',
            " overdue" if failing else "",
            failing,
            no_data,
        )
        html = (
            f'<tr data-node="{subject.node_id}">{head}'
            + "".join(_cell(v) for v in verdicts)
            + f"{tail}</tr>"
        )
        rows.append(
            {"subject": subject, "html": mark_safe(html), "failing": failing, "no_data": no_data}  # noqa: S308  built from escaped parts
        )
    return rows


def _school_kinds():
    from safecampus.orgs.choices import SchoolKind

    return SchoolKind.choices


def summaries(result, rules) -> list[dict]:
    """Share compliant per rule (no data counts as a gap), with the target where one holds."""
    out = []
    for rule in rules:
        s = result.summary(rule.code)
        out.append(
            {
                "rule": rule,
                "summary": s,
                "share": s.share,
                "share_text": percent(s.share),
                "target_text": percent(s.target) if s.target is not None else "",
                "on_target": s.on_target,
                "counts": {k: s.counts.get(k, 0) for k in Status.values},
            }
        )
    return out


def rule_rows(result, code: str, period) -> list[dict]:
    """Every verdict of one rule in the region, worst first, with its explanation."""
    rule = catalog.RULES_BY_CODE[code]
    rows = []
    for subject in result.run.subjects(rule.subject):
        v = result.of(code, subject.key)
        if v is None:
            continue
        rows.append({"subject": subject, "verdict": v, "url": verdict_url(code, subject, period)})
    rows.sort(key=lambda r: (STATUS_RANK[r["verdict"].status], r["subject"].path))
    return rows


def other_rows(result, period) -> list[dict]:
    """Verdicts about the counties and the police stations of the region."""
    rows = []
    for rule in result.rules:
        if rule.subject == SCHOOL:
            continue
        for subject in result.run.subjects(rule.subject):
            v = result.of(rule.code, subject.key)
            if v is not None:
                rows.append(
                    {
                        "rule": rule,
                        "subject": subject,
                        "verdict": v,
                        "url": verdict_url(rule.code, subject, period),
                    }
                )
    rows.sort(key=lambda r: (r["subject"].kind != COUNTY, r["subject"].path, ORDER[r["rule"].code]))
    return rows


def export_xlsx(result, groups, *, title: str):
    """The matrix as a workbook: a row per school, a column per rule with the status in words."""
    rules = flat(groups)
    kinds = dict(_school_kinds())
    headers = [
        _("School"),
        _("School kind"),
        *[f"{r.code} {r.title}" for r in rules],
        _("Not compliant"),
        _("No data"),
    ]

    def rows():
        for subject in result.run.schools:
            statuses = []
            failing = no_data = 0
            for rule in rules:
                v = result.of(rule.code, subject.key)
                statuses.append(v.status_label if v is not None else "")
                failing += int(v is not None and v.status == Status.NOT_COMPLIANT)
                no_data += int(v is not None and v.status == Status.NO_DATA)
            yield [subject.name, kinds.get(subject.school_kind, ""), *statuses, failing, no_data]
        yield [
            _("Share compliant"),
            "",
            *[percent(result.summary(r.code).share) for r in rules],
            "",
            "",
        ]

    return xlsx_response(filename=title, title=title, headers=headers, rows=rows())


# ------------------------------------------------------------------------------ history


def history_groups(rules=None) -> list[dict]:
    ready = engine.available(rules)
    return [
        {"group": g, "label": GROUP_LABELS[g]}
        for g in catalog.GROUPS
        if any(r.group == g and r.subject == SCHOOL for r in ready)
    ]


def history(user, region, *, group: str, as_of=None, months: int = HISTORY_MONTHS) -> dict:
    """Share compliant per school rule of `group` for each of the last `months` ended months."""
    rules = [r for r in engine.available() if r.group == group and r.subject == SCHOOL]
    results = engine.evaluate_months(
        user, region, codes=[r.code for r in rules], months=months, as_of=as_of, subjects=(SCHOOL,)
    )
    series = []
    for rule in rules:
        shares = [res.summary(rule.code).share for res in results]
        series.append(
            {
                "code": rule.code,
                "title": rule.title,
                "shares": [None if s is None else round(s * 100, 1) for s in shares],
                "texts": [percent(s) for s in shares],
            }
        )
    return {
        "group": group,
        "label": str(GROUP_LABELS.get(group, group)),
        "keys": [res.run.asked.key for res in results],
        "labels": [str(res.run.asked.label) for res in results],
        "series": series,
    }


# ------------------------------------------------------------------------------ targets


def four_by_100(result) -> dict:
    """TARGET-4X100 and the share of each of its four components against 100 %."""
    run = result.run
    codes = {r.code for r in result.rules}
    rows = []
    for code in FOUR:
        rule = catalog.RULES_BY_CODE[code]
        if code not in codes:
            rows.append({"rule": rule, "available": False})
            continue
        s = result.summary(code)
        target = run.book.params(code, run.region.path, run.day).get("rate", 1.0)
        rows.append(
            {
                "rule": rule,
                "available": True,
                "share": s.share,
                "share_text": percent(s.share),
                "target_text": percent(target),
                "on_target": None if s.share is None else s.share + 1e-9 >= target,
                "counts": {k: s.counts.get(k, 0) for k in Status.values},
            }
        )
    overall = None
    if FOUR_TARGET in codes:
        s = result.summary(FOUR_TARGET)
        overall = {
            "rule": catalog.RULES_BY_CODE[FOUR_TARGET],
            "share_text": percent(s.share),
            "target_text": percent(s.target),
            "on_target": s.on_target,
            "counts": {k: s.counts.get(k, 0) for k in Status.values},
        }
    return {"rows": rows, "overall": overall}


# ------------------------------------------------------------------------------ outcomes


def _evacuations(run) -> dict:
    """Timed evacuations of the last twelve months against each school's target (the numbers
    in force for EVAC-PRIMARY / EVAC-MIDDLE): how many within, over, the median and the
    slowest schools; and the schools that should time one and have none."""
    from safecampus.emergency import compliance as dc
    from safecampus.emergency.rules import _facts

    facts = _facts(run)
    window = run.lookback(365)
    within = over = 0
    seconds = []
    slow = []
    untimed = 0
    for subject in run.schools:
        f = facts.get(subject.node_id)
        if f is None:
            continue
        if subject.school_kind in dc.MIDDLE_KINDS:
            code = "EVAC-MIDDLE"
        elif subject.school_kind in dc.PRIMARY_KINDS:
            code = "EVAC-PRIMARY"
        else:
            continue
        limit = run.params(catalog.RULES_BY_CODE[code], subject, run.day)["max_seconds"]
        timed = [d for d in f.drills if d.evacuation_seconds is not None and d.held_on in window]
        if not timed:
            untimed += 1
            continue
        for d in timed:
            seconds.append(d.evacuation_seconds)
            if d.evacuation_seconds <= limit:
                within += 1
            else:
                over += 1
        last = timed[-1]
        if last.evacuation_seconds > limit:
            slow.append({"subject": subject, "seconds": last.evacuation_seconds, "limit": limit})
    from safecampus.emergency.drills import format_duration

    slow.sort(key=lambda r: r["limit"] - r["seconds"])
    for row in slow:
        row["time"] = format_duration(row["seconds"])
        row["limit_text"] = format_duration(row["limit"])
    return {
        "timed": within + over,
        "within": within,
        "over": over,
        "within_text": percent(within / (within + over)) if within + over else "—",
        "median": format_duration(int(statistics.median(seconds))) if seconds else "—",
        "slow": slow[:10],
        "slow_count": len(slow),
        "untimed": untimed,
        "window": window,
    }


def _hazards(user, region, day) -> dict:
    from safecampus.hazards import dashboard as hazard_dashboard

    figures = hazard_dashboard.compute(user, region, [], today=day)["total"]
    rate = figures.get("on_time_rate")
    completion = figures.get("completion") or {}
    return {
        **figures,
        "on_time_text": percent(rate),
        "completion_text": percent(completion.get("rate")),
    }


def outcomes(user, region, result) -> dict:
    """Outcomes beside the ticks: the shares of schools that drilled and inspected, next to
    how fast they evacuated and how fast their hazards were closed."""
    from safecampus.accounts.access import can_anywhere
    from safecampus.emergency.models import Drill
    from safecampus.hazards.models import Hazard

    run = result.run
    codes = {r.code for r in result.rules}

    def tick(code):
        if code not in codes:
            return None
        s = result.summary(code)
        return {"rule": catalog.RULES_BY_CODE[code], "share_text": percent(s.share), "summary": s}

    out = {
        "drill_ticks": [t for t in map(tick, ("DRILL-SCHOOL", "DRILL-KG")) if t],
        "inspect_ticks": [
            t for t in map(tick, ("INSPECT-DAILY", "INSPECT-WEEKLY", "HAZARD-CLASS")) if t
        ],
        "evacuations": None,
        "hazards": None,
    }
    if run.schools and can_anywhere(user, "view", Drill):
        out["evacuations"] = _evacuations(run)
    if can_anywhere(user, "view", Hazard):
        out["hazards"] = _hazards(user, region, run.day)
    return out


# ------------------------------------------------------------------------------ a school


def school_items(verdicts) -> list[dict]:
    """A school's verdicts in the order of what to do next: not compliant first, then no
    data, each by urgency (the shortest cadence comes round first), with the fixing page."""
    items = []
    for v in verdicts:
        rule = catalog.RULES_BY_CODE[v.rule]
        items.append({"verdict": v, "rule": rule, "fix_url": fix_url(rule)})
    items.sort(
        key=lambda i: (
            STATUS_RANK[i["verdict"].status],
            CADENCE_RANK.get(i["rule"].cadence, 9),
            ORDER[i["rule"].code],
        )
    )
    return items


# ------------------------------------------------------------------------------ evidence


def evidence_rows(verdict) -> list[dict]:
    """A verdict's evidence as rows the user can open: label, date, link, figures."""
    from safecampus.emergency.compliance import DrillFact

    rows = []
    for e in verdict.evidence:
        if isinstance(e, DrillFact):
            data = e.as_dict()
            label = data.get("scenario_label") or data.get("scenario", "")
            if e.evacuation_seconds is not None:
                from safecampus.emergency.drills import format_duration

                label = f"{label} · {format_duration(e.evacuation_seconds)}"
            rows.append(
                {
                    "kind": "drill",
                    "label": label,
                    "date": e.held_on,
                    "url": reverse("drills:drill", args=[e.id]),
                    "figures": {},
                }
            )
            continue
        data = e.as_dict() if hasattr(e, "as_dict") else {}
        rows.append(
            {
                "kind": getattr(e, "kind", data.get("kind", "")),
                "label": str(getattr(e, "label", "") or data.get("label", "")),
                "date": getattr(e, "date", None),
                "url": getattr(e, "url", "") or data.get("url", ""),
                "figures": getattr(e, "figures", None) or data.get("figures") or {},
            }
        )
    return rows


def evidence_dicts(verdict) -> list[dict]:
    """The same, as JSON for the API."""
    return [
        {
            "kind": row["kind"],
            "label": row["label"],
            "date": row["date"].isoformat() if row["date"] else None,
            "url": row["url"],
            "figures": row["figures"],
        }
        for row in evidence_rows(verdict)
    ]


# ------------------------------------------------------------------------------ home to-do

TODO_ROLES = ("principal", "safety_officer")
TODO_SECONDS = 300  # a whole evaluation per school: the home page reuses it for five minutes


def _failing_count(user, school) -> int:
    result = evaluate(user, school, subjects=(SCHOOL,)).result
    return sum(1 for v in result.for_subject(school.pk) if v.status == Status.NOT_COMPLIANT)


def todo_items(user) -> list[dict]:
    """A school's principal and safety officer: "N rules not met", to the school's verdicts."""
    from django.core.cache import cache
    from django.utils import timezone

    from safecampus.accounts.access import assignments, can
    from safecampus.compliance.models import PingAnAward

    if not user.is_authenticated:
        return []
    schools = {
        a.org.pk: a.org
        for a in assignments(user)
        if a.role in TODO_ROLES and a.org.is_school and can(user, "view", PingAnAward, a.org)
    }
    items = []
    today = timezone.localdate()
    for school in list(schools.values())[:5]:
        key = f"compliance:todo:{school.pk}:{today.isoformat()}"
        count = cache.get(key)
        if count is None:
            count = _failing_count(user, school)
            cache.set(key, count, TODO_SECONDS)
        label = ngettext(
            "%(count)d compliance rule not met", "%(count)d compliance rules not met", count
        ) % {"count": count}
        if len(schools) > 1:
            label = f"{label} · {school.name}"
        items.append(
            {
                "key": f"compliance-{school.pk}",
                "label": label,
                "count": count,
                "url": reverse("compliance:school", args=[school.pk]),
                "severity": "due",
            }
        )
    return items
