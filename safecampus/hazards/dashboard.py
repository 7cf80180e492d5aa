"""The hazard dashboard's figures for one node and for each of its children, set-based.

A page costs a fixed handful of queries whatever the number of schools below the node:
- counts (open by grade, overdue, closed this month) grouped by child branch: one query;
- hazards closed in the last twelve months (branch, found, closed, deadline): one query, from
  which on-time closure, mean and 90th-percentile time to close are computed in Python;
- overdue hazards grouped by (branch, deadline): one query, for the age of the overdue;
- the twelve-month trend, found and closed per month: two queries;
- inspection completion for the month (`schedules.completion`, by school) and one query for
  the paths of those schools.

A branch is the first `len(node.path) + 1 + SEGMENT_WIDTH` characters of a hazard's org_path:
the path of the child node it lies under (or the node's own path for its own hazards).
"""

import datetime
import math
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncMonth
from django.urls import reverse
from django.utils import timezone

from safecampus.core.dates import add_months, day_start
from safecampus.hazards import schedules
from safecampus.hazards.choices import OPEN_STATUSES, Grade, Status
from safecampus.hazards.ledger import overdue_q
from safecampus.hazards.models import Hazard
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode

GRADES = (Grade.MAJOR, Grade.HIGH, Grade.GENERAL, Grade.LOW)
TREND_MONTHS = 12
SECONDS_PER_DAY = 86400


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
        "_durations": [],
        "_overdue_days": 0,
    }
    for grade in GRADES:
        fig[f"open_{grade}"] = 0
    return fig


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (the value at rank ⌈q·n⌉ of the sorted values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _finish(fig: dict) -> dict:
    durations = fig.pop("_durations")
    overdue_days = fig.pop("_overdue_days")
    if durations:
        fig["mean_days"] = round(sum(durations) / len(durations), 1)
        fig["p90_days"] = round(percentile(durations, 0.9), 1)
    if fig["with_deadline"]:
        fig["on_time_rate"] = round(fig["on_time"] / fig["with_deadline"], 4)
    if fig["overdue"]:
        fig["overdue_mean"] = round(overdue_days / fig["overdue"], 1)
    completion = fig["completion"]
    if completion is not None:
        settled = completion["done"] + completion["missed"]
        completion["rate"] = round(completion["done"] / settled, 4) if settled else None
    return fig


def _branch_of(path: str, length: int, branches: set[str]) -> str | None:
    key = path[:length]
    return key if key in branches else None


def compute(user, node: OrgNode, children: list[OrgNode], today: datetime.date | None = None):
    """Figures of `node`'s subtree ({"total": ..., "children": {child pk: ...}}) as the user
    sees it: every query starts from `Hazard.objects.for_user(user)`."""
    today = today or timezone.localdate()
    p = periods(today)
    month_from, month_to = day_start(p["month_start"]), day_start(p["next_month"])
    window_from = day_start(p["window_start"])
    length = len(node.path) + 1 + SEGMENT_WIDTH
    by_path = {c.path: c.pk for c in children}
    total = empty_figures()
    per_child = {c.pk: empty_figures() for c in children}

    def targets(branch: str | None):
        out = [total]
        if branch in by_path:
            out.append(per_child[by_path[branch]])
        return out

    hazards = Hazard.objects.for_user(user).within(node.path)
    branched = hazards.annotate(branch=Substr("org_path", 1, length)).order_by()
    open_q = Q(status__in=OPEN_STATUSES)
    aggregates = {
        "open": Count("pk", filter=open_q),
        "overdue": Count("pk", filter=overdue_q(today)),
        "closed_month": Count(
            "pk",
            filter=Q(status=Status.CLOSED, closed_at__gte=month_from, closed_at__lt=month_to),
        ),
    }
    for grade in GRADES:
        aggregates[f"open_{grade}"] = Count("pk", filter=open_q & Q(grade=grade))
    for row in branched.values("branch").annotate(**aggregates):
        for fig in targets(row["branch"]):
            for key in aggregates:
                fig[key] += row[key]

    closed = branched.filter(
        status=Status.CLOSED, closed_at__gte=window_from, closed_at__lt=month_to
    ).values_list("branch", "found_at", "closed_at", "deadline")
    for branch, found_at, closed_at, deadline in closed.iterator(chunk_size=5000):
        days = max((closed_at - found_at).total_seconds(), 0) / SECONDS_PER_DAY
        on_time = deadline is not None and timezone.localdate(closed_at) <= deadline
        for fig in targets(branch):
            fig["closed_window"] += 1
            fig["_durations"].append(days)
            if deadline is not None:
                fig["with_deadline"] += 1
                fig["on_time"] += int(on_time)

    ages = (
        branched.filter(overdue_q(today))
        .values("branch", "deadline")
        .annotate(n=Count("pk"))
        .values_list("branch", "deadline", "n")
    )
    for branch, deadline, n in ages:
        days = (today - deadline).days
        for fig in targets(branch):
            fig["_overdue_days"] += days * n
            fig["overdue_max"] = max(fig["overdue_max"] or 0, days)

    done = schedules.completion(
        user=user, node=node, start=p["month_start"], end=p["month_end"], by_school=True
    )
    schools = done.pop("schools", {})
    total["completion"] = {k: done[k] for k in ("expected", "done", "missed", "due")}
    if schools and children:
        paths = dict(OrgNode.objects.filter(pk__in=schools.keys()).values_list("pk", "path"))
        for school_id, row in schools.items():
            branch = paths.get(school_id, "")[:length]
            if branch not in by_path:
                continue
            fig = per_child[by_path[branch]]
            if fig["completion"] is None:
                fig["completion"] = {"expected": 0, "done": 0, "missed": 0, "due": 0}
            for key in ("expected", "done", "missed", "due"):
                fig["completion"][key] += row[key]

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
    start, end = day_start(p["window_start"]), day_start(p["next_month"])
    hazards = Hazard.objects.for_user(user).within(node.path).order_by()

    def per_month(qs, field):
        rows = (
            qs.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .annotate(month=TruncMonth(field))
            .values("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )
        out: dict[tuple, int] = {}
        for month, n in rows:
            key = (month.year, month.month)
            out[key] = out.get(key, 0) + n
        return out

    found = per_month(hazards, "found_at")
    closed = per_month(hazards.filter(status=Status.CLOSED), "closed_at")
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
