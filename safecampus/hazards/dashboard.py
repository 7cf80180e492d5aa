"""The hazard dashboard's figures for one node and for each of its children, from the rollups.

The counts come from the hazard rollups (hazards/rollups.py), kept in step with the ledger in
the same transaction as each hazard write, so a page reads a few hundred rows whatever the
number of hazards below the node, in a fixed handful of queries:
- open hazards by (branch, grade), with the overdue among them and their ages: one query;
- hazards closed in the last twelve months by (branch, whole days to close): one query, from
  which closed this month, on-time closure, mean and 90th-percentile time to close come;
- the twelve-month trend, found and closed per month: two queries;
- inspection completion for the month (`schedules.completion`, by branch): the periods asked
  and done read from the schedules and periods-done rollups (hazards/done_rollups.py), less
  the few schedules whose dates cut the month.

A branch is the first `len(node.path) + 1 + SEGMENT_WIDTH` characters of a row's org_path:
the path of the child node it lies under (or the node's own path for its own hazards). The
rows read are the coarsest that answer exactly for the user (`rollups.read_level`).

Time to close is counted in whole seconds from found to closed; its 90th percentile is the
nearest-rank percentile of the whole days to close, each rounded up (what the page says).
"""

import datetime
import math
from fractions import Fraction
from urllib.parse import urlencode

from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from safecampus.core.dates import add_months
from safecampus.hazards import rollups, schedules
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.rollup_models import (
    HazardClosedRollup,
    HazardFoundRollup,
    HazardOpenRollup,
)
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode

GRADES = (Grade.MAJOR, Grade.HIGH, Grade.GENERAL, Grade.LOW)
TREND_MONTHS = 12
SECONDS_PER_DAY = 86400
P90 = 0.9


# ---------------------------------------------------------------------------- dates


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def periods(today: datetime.date) -> dict:
    """This month, and the twelve months ending with it (the trend and the closing figures)."""
    first = month_start(today)
    nxt = add_months(first, 1)
    return {
        "today": today,
        "month_start": first,
        "month_end": nxt - datetime.timedelta(days=1),
        "next_month": nxt,
        "window_start": add_months(first, -(TREND_MONTHS - 1)),
    }


# ---------------------------------------------------------------------------- figures


def empty_figures() -> dict:
    fig = {
        "open": 0,
        "overdue": 0,
        "closed_month": 0,
        "closed_window": 0,
        "with_deadline": 0,
        "on_time": 0,
        "on_time_rate": None,
        "mean_days": None,
        "p90_days": None,
        "overdue_max": None,
        "overdue_mean": None,
        "completion": None,
        "_days": {},
        "_seconds": 0,
        "_overdue_days": 0,
    }
    for grade in GRADES:
        fig[f"open_{grade}"] = 0
    return fig


def nearest_rank(n: int, q: float) -> int:
    """The rank ⌈q·n⌉ (at least 1), in exact arithmetic."""
    return max(1, math.ceil(Fraction(str(q)) * n))


def percentile(values: list, q: float):
    """Nearest-rank percentile (the value at rank ⌈q·n⌉ of the sorted values)."""
    if not values:
        return None
    return sorted(values)[nearest_rank(len(values), q) - 1]


def percentile_of_counts(counts: dict, q: float):
    """The nearest-rank percentile of values given as {value: how many}."""
    n = sum(counts.values())
    if not n:
        return None
    rank = nearest_rank(n, q)
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None  # unreachable: the counts add up to n


def _finish(fig: dict) -> dict:
    days = fig.pop("_days")
    seconds = fig.pop("_seconds")
    overdue_days = fig.pop("_overdue_days")
    if fig["closed_window"]:
        fig["mean_days"] = round(seconds / fig["closed_window"] / SECONDS_PER_DAY, 1)
        fig["p90_days"] = percentile_of_counts(days, P90)
    if fig["with_deadline"]:
        fig["on_time_rate"] = round(fig["on_time"] / fig["with_deadline"], 4)
    if fig["overdue"]:
        fig["overdue_mean"] = round(overdue_days / fig["overdue"], 1)
    completion = fig["completion"]
    if completion is not None:
        settled = completion["done"] + completion["missed"]
        completion["rate"] = round(completion["done"] / settled, 4) if settled else None
    return fig


def compute(user, node: OrgNode, children: list[OrgNode], today: datetime.date | None = None):
    """Figures of `node`'s subtree ({"total": ..., "children": {child pk: ...}}) as the user
    sees it: every query reads rollup rows through `for_user`, like the hazards'."""
    today = today or timezone.localdate()
    p = periods(today)
    length = len(node.path) + 1 + SEGMENT_WIDTH
    by_path = {c.path: c.pk for c in children}
    total = empty_figures()
    per_child = {c.pk: empty_figures() for c in children}

    def targets(branch: str | None):
        out = [total]
        if branch in by_path:
            out.append(per_child[by_path[branch]])
        return out

    depth = rollups.segments(node.path) + (1 if children else 0)
    level = rollups.read_level(user, node, depth)
    branch = Substr("org_path", 1, length)

    today_number = rollups.day_number(today)
    open_rows = (
        rollups.rows(HazardOpenRollup, user, node, level)
        .annotate(branch=branch)
        .values("branch", "grade")
        .annotate(**rollups.overdue_aggregates(today))
    )
    for row in open_rows:
        overdue = row["overdue_n"] or 0
        for fig in targets(row["branch"]):
            fig["open"] += row["open_n"]
            fig[f"open_{row['grade']}"] += row["open_n"]
            if overdue:
                fig["overdue"] += overdue
                fig["_overdue_days"] += overdue * today_number - row["deadline_days"]
                days = (today - row["oldest"]).days
                fig["overdue_max"] = max(fig["overdue_max"] or 0, days)

    closed_rows = (
        rollups.rows(HazardClosedRollup, user, node, level)
        .filter(month__gte=p["window_start"], month__lte=p["month_start"])
        .annotate(branch=branch)
        .values("branch", "days")
        .annotate(
            closed_n=Sum("closed"),
            month_n=Sum("closed", filter=Q(month=p["month_start"])),
            with_deadline_n=Sum("with_deadline"),
            on_time_n=Sum("on_time"),
            seconds_n=Sum("seconds"),
        )
    )
    for row in closed_rows:
        for fig in targets(row["branch"]):
            fig["closed_window"] += row["closed_n"]
            fig["closed_month"] += row["month_n"] or 0
            fig["with_deadline"] += row["with_deadline_n"]
            fig["on_time"] += row["on_time_n"]
            fig["_seconds"] += row["seconds_n"]
            fig["_days"][row["days"]] = fig["_days"].get(row["days"], 0) + row["closed_n"]

    done = schedules.completion(
        user=user,
        node=node,
        start=p["month_start"],
        end=p["month_end"],
        today=today,
        by_branch=length if children else None,
    )
    branches = done.pop("branches", {})
    total["completion"] = {k: done[k] for k in ("expected", "done", "missed", "due")}
    for branch_path, row in branches.items():
        if branch_path not in by_path:
            continue
        fig = per_child[by_path[branch_path]]
        fig["completion"] = {k: row[k] for k in ("expected", "done", "missed", "due")}

    return {
        "periods": p,
        "total": _finish(total),
        "children": {pk: _finish(fig) for pk, fig in per_child.items()},
    }


# ---------------------------------------------------------------------------- trend


def trend(user, node: OrgNode, today: datetime.date | None = None) -> list[dict]:
    """Hazards found and closed per month over the twelve months ending this month."""
    today = today or timezone.localdate()
    p = periods(today)
    level = rollups.read_level(user, node, rollups.segments(node.path))
    window = {"month__gte": p["window_start"], "month__lte": p["month_start"]}

    def per_month(model, count):
        rows = (
            rollups.rows(model, user, node, level)
            .filter(**window)
            .values("month")
            .annotate(n=Sum(count))
            .values_list("month", "n")
        )
        return {(month.year, month.month): n for month, n in rows}

    found = per_month(HazardFoundRollup, "n")
    closed = per_month(HazardClosedRollup, "closed")
    months = []
    for i in range(TREND_MONTHS):
        first = add_months(p["window_start"], i)
        key = (first.year, first.month)
        months.append(
            {
                "start": first,
                "end": add_months(first, 1) - datetime.timedelta(days=1),
                "label": f"{first.year}-{first.month:02d}",
                "found": found.get(key, 0),
                "closed": closed.get(key, 0),
            }
        )
    return months


# ---------------------------------------------------------------------------- links


def ledger_url(node: OrgNode, **params) -> str:
    """The ledger filtered to the rows behind a figure (filters of `ledger.LedgerFilterForm`).

    `open=1` and `closed_from` / `closed_to` narrow further where the ledger knows them and are
    ignored otherwise."""
    query = {"node": node.pk}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse('hazards:ledger')}?{urlencode(query)}"


def links(node: OrgNode, p: dict) -> dict:
    closed_month = {
        "status": Status.CLOSED,
        "closed_from": p["month_start"].isoformat(),
        "closed_to": p["month_end"].isoformat(),
    }
    closed_window = {
        "status": Status.CLOSED,
        "closed_from": p["window_start"].isoformat(),
        "closed_to": p["month_end"].isoformat(),
    }
    out = {
        "all": ledger_url(node),
        "open": ledger_url(node, open=1),
        "overdue": ledger_url(node, overdue=1),
        "closed_month": ledger_url(node, **closed_month),
        "closed_window": ledger_url(node, **closed_window),
        "dashboard": reverse("hazard_dashboard:node", args=[node.pk]),
    }
    for grade in GRADES:
        out[f"open_{grade}"] = ledger_url(node, grade=grade, open=1)
    return out
