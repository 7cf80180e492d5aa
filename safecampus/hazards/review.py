"""The rhythm of review: the weekly analysis of a school (周研判), the monthly dispatch of a
county or city (月调度), and the responsible inspectors' monthly visits (VISIT-MONTHLY).

Figures are computed set-based from the ledger when asked for; a weekly analysis keeps the
figures, and the lists of hazards behind them, as they stood when it was held, because that
is what the meeting discussed. The reports (hazards/reports.py) lay these out as PDF and XLSX.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.accounts.models import RoleAssignment
from safecampus.accounts.roles import Role
from safecampus.core.dates import add_months, day_range, month_of, week_of
from safecampus.core.errors import NotAllowed
from safecampus.core.services import create_record
from safecampus.hazards.choices import OPEN_STATUSES, Grade, Status
from safecampus.hazards.models import FollowUpTask, Hazard, Visit, WeeklyReview
from safecampus.orgs.models import OrgNode


def period_figures(hazards, start: datetime.date, end: datetime.date, today: datetime.date) -> dict:
    """Found, closed, open by grade and overdue for a set of hazards: one aggregate query."""
    since, until = day_range(start, end)
    open_q = Q(status__in=OPEN_STATUSES)
    figures = hazards.aggregate(
        found=Count("pk", filter=Q(found_at__gte=since, found_at__lt=until)),
        closed=Count("pk", filter=Q(closed_at__gte=since, closed_at__lt=until)),
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
        **{f"open_{g}": Count("pk", filter=open_q & Q(grade=g)) for g in Grade.values},
    )
    return figures


def week_summary(school: OrgNode, week_start: datetime.date, *, user) -> dict:
    """What a school's weekly analysis looks at: the week's figures and the spots that keep
    coming back (two or more hazards at one spot in the last 90 days)."""
    hazards = Hazard.objects.for_user(user).filter(org=school)
    start, end = week_start, week_start + datetime.timedelta(days=6)
    figures = period_figures(hazards, start, end, min(end, timezone.localdate()))
    since, _until = day_range(end - datetime.timedelta(days=89), end)
    repeats = (
        hazards.filter(found_at__gte=since, spot__isnull=False)
        .values("spot__name")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "spot__name")[:10]
    )
    figures["repeat_spots"] = [[r["spot__name"], r["n"]] for r in repeats]
    figures["week_start"] = start.isoformat()
    figures["week_end"] = end.isoformat()
    return figures


HAZARD_LIST_LIMIT = 300  # rows kept per list; a school with more has other problems


def _hazard_row(h: Hazard, today: datetime.date) -> dict:
    """What a report shows of one hazard, in JSON terms (kept in WeeklyReview.summary)."""
    return {
        "id": h.pk,
        "number": h.number,
        "spot": h.spot.name if h.spot_id else "",
        "category": h.category,
        "grade": h.grade,
        "status": h.status,
        "description": h.description[:200],
        "found_on": timezone.localtime(h.found_at).date().isoformat(),
        "deadline": h.deadline.isoformat() if h.deadline else None,
        "overdue": h.status in OPEN_STATUSES and h.deadline is not None and h.deadline < today,
    }


def week_hazards(school: OrgNode, week_start: datetime.date, *, user) -> dict:
    """The hazards behind the week's figures: those found in the week and those still open
    (oldest deadline first). Two queries."""
    hazards = Hazard.objects.for_user(user).filter(org=school).select_related("spot")
    start, end = week_start, week_start + datetime.timedelta(days=6)
    today = min(end, timezone.localdate())
    since, until = day_range(start, end)
    found = hazards.filter(found_at__gte=since, found_at__lt=until).order_by("found_at", "pk")
    still_open = hazards.filter(status__in=OPEN_STATUSES).order_by(
        F("deadline").asc(nulls_last=True), "found_at", "pk"
    )
    return {
        "found": [_hazard_row(h, today) for h in found[:HAZARD_LIST_LIMIT]],
        "open": [_hazard_row(h, today) for h in still_open[:HAZARD_LIST_LIMIT]],
    }


@transaction.atomic
def weekly_review_save(
    *,
    school: OrgNode,
    week_start: datetime.date,
    by,
    attendees: str,
    analysis: str,
    signed_name: str,
    tasks: list[dict] = (),
) -> WeeklyReview:
    """Record a weekly analysis with the figures of the week, the hazards behind them, and
    its follow-up tasks."""
    if not can(by, "change", Hazard, school):
        raise NotAllowed(_("Your role does not allow recording the weekly analysis here."))
    week_start, _end = week_of(week_start)
    if WeeklyReview.objects.filter(org=school, week_start=week_start).exists():
        raise ValidationError({"week_start": _("This week's analysis has already been recorded.")})
    if not (signed_name or "").strip():
        raise ValidationError({"signed_name": _("The analysis is signed by whoever chaired it.")})
    review = create_record(
        instance=WeeklyReview(
            org=school,
            week_start=week_start,
            summary={
                **week_summary(school, week_start, user=by),
                "hazards": week_hazards(school, week_start, user=by),
            },
            attendees=attendees,
            analysis=analysis,
            signed_name=signed_name.strip(),
            signed_at=timezone.now(),
            created_by=by,
        ),
        by=by,
    )
    for task in tasks:
        if (task.get("text") or "").strip():
            item = FollowUpTask(
                review=review,
                text=task["text"].strip()[:300],
                owner=task.get("owner"),
                due_on=task.get("due_on"),
            )
            item.full_clean()
            item.save()
    return review


@dataclass(frozen=True)
class DispatchSchool:
    """A school of the by-school table: what the table shows of it. A city's 1,800 schools
    read as plain rows rather than nodes with their parents (model objects were half of the
    report's time over its bare SQL)."""

    pk: int
    name: str
    path: str
    area: str  # the node above the school (its township)


@dataclass
class DispatchRow:
    node: OrgNode | DispatchSchool
    found: int
    closed: int
    open: int
    overdue: int
    major_open: int


def _dispatch_row(node: OrgNode | DispatchSchool, counts: dict) -> DispatchRow:
    return DispatchRow(
        node,
        counts.get("found", 0),
        counts.get("closed", 0),
        counts.get("open", 0),
        counts.get("overdue", 0),
        counts.get("major_open", 0),
    )


def month_counts(
    *, user, node: OrgNode, first: datetime.date, today: datetime.date, length: int | None = None
) -> dict:
    """The month's counts under `node` from the hazard rollups (hazards/rollups.py), by branch
    (the first `length` characters of a path; one total under "" when `length` is None, each
    node's own hazards when it is 0): found and closed in the month (closed as the
    dashboard counts it: closed, with its closing in the month), open by grade, open major
    or significant, and overdue as of `today`. Three queries whatever the number of hazards."""
    from safecampus.hazards import rollups
    from safecampus.hazards.rollup_models import (
        HazardClosedRollup,
        HazardFoundRollup,
        HazardOpenRollup,
    )

    if length == 0:
        level, branch = rollups.Level.LEAF, F("org_path")
    elif length is None:
        level, branch = rollups.read_level(user, node, rollups.segments(node.path)), Value("")
    else:
        level = rollups.read_level(user, node, rollups.segments(node.path) + 1)
        branch = Substr("org_path", 1, length)
    out: dict = {}

    def add(key: str, name: str, n) -> None:
        counts = out.setdefault(key, {"found": 0, "closed": 0, "open": 0, "overdue": 0})
        counts[name] = counts.get(name, 0) + (n or 0)

    for model, name, column in (
        (HazardFoundRollup, "found", "n"),
        (HazardClosedRollup, "closed", "closed"),
    ):
        rows = (
            rollups.rows(model, user, node, level)
            .filter(month=first)
            .annotate(branch=branch)
            .values("branch")
            .annotate(total=Sum(column))
        )
        for row in rows:
            add(row["branch"], name, row["total"])
    rows = (
        rollups.rows(HazardOpenRollup, user, node, level)
        .annotate(branch=branch)
        .values("branch", "grade")
        .annotate(total=Sum("n"), late=Sum("n", filter=Q(deadline__lt=today)))
    )
    for row in rows:
        add(row["branch"], "open", row["total"])
        add(row["branch"], f"open_{row['grade']}", row["total"])
        add(row["branch"], "overdue", row["late"])
        if row["grade"] in (Grade.MAJOR, Grade.HIGH):
            add(row["branch"], "major_open", row["total"])
    return out


def _totals(counts: dict) -> dict:
    return {
        "found": counts.get("found", 0),
        "closed": counts.get("closed", 0),
        "open": counts.get("open", 0),
        "overdue": counts.get("overdue", 0),
        **{f"open_{g}": counts.get(f"open_{g}", 0) for g in Grade.values},
    }


def monthly_dispatch(*, user, node: OrgNode, month: datetime.date) -> dict:
    """The month of a county or city, by child node, with the most overdue schools, the
    escalated hazards awaiting the bureau, and the commonest categories: a fixed number of
    queries, the counts from the rollups grouped by the child's path prefix."""
    start, end = month_of(month)
    today = min(end, timezone.localdate())
    since, until = day_range(start, end)
    hazards = Hazard.objects.for_user(user).within(node.path)
    children = list(OrgNode.objects.for_user(user).filter(parent=node).order_by("path"))
    width = len(node.path) + 5  # the child's segment
    open_q = Q(status__in=OPEN_STATUSES)
    grouped = month_counts(user=user, node=node, first=start, today=today, length=width)
    rows = [_dispatch_row(child, grouped.get(child.path, {})) for child in children]
    totals = month_counts(user=user, node=node, first=start, today=today).get("", {})
    most_overdue = _most_overdue(user, node, today)
    categories = list(
        hazards.filter(found_at__gte=since, found_at__lt=until)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n")[:5]
    )
    escalated = list(
        hazards.filter(status=Status.ESCALATED).select_related("org").order_by("found_at")[:50]
    )
    major = list(
        hazards.filter(open_q, grade=Grade.MAJOR).select_related("org").order_by("deadline")[:50]
    )
    return {
        "node": node,
        "start": start,
        "end": end,
        "totals": _totals(totals),
        "rows": rows,
        "most_overdue": most_overdue,
        "categories": categories,
        "escalated": escalated,
        "major": major,
    }


def _most_overdue(user, node: OrgNode, today: datetime.date, limit: int = 10) -> list[dict]:
    """The schools with the most overdue hazards: {org_id, org__name, n, oldest, earliest},
    from the open hazards' rollup rows of each school (its overdue hazards by deadline),
    rather than from a city's tens of thousands of hazards (SQLite read them all)."""
    from safecampus.hazards import rollups
    from safecampus.hazards.rollup_models import HazardOpenRollup

    school = OrgNode.objects.filter(path=OuterRef("org_path"))
    return list(
        rollups.rows(HazardOpenRollup, user, node, rollups.Level.LEAF)
        .filter(deadline__lt=today)
        .values("org_path")
        .annotate(
            n=Sum("n"),
            oldest=Max("deadline"),
            earliest=Min("deadline"),
            org_id=Subquery(school.values("pk")[:1]),
            org__name=Subquery(school.values("name")[:1]),
        )
        .filter(n__gt=0)
        .order_by("-n", "org__name")
        .values("org_id", "org__name", "n", "oldest", "earliest")[:limit]
    )


def dispatch_schools(*, user, node: OrgNode, month: datetime.date) -> list[DispatchRow]:
    """Every school under `node` with the month's figures, in tree order (so a township's
    schools stand together): the monthly report's by-school table. Four queries."""
    start, end = month_of(month)
    today = min(end, timezone.localdate())
    schools = [
        DispatchSchool(pk, name, path, area or "")
        for pk, name, path, area in OrgNode.objects.for_user(user)
        .within(node.path)
        .filter(kind="school")
        .order_by("path")
        .values_list("pk", "name", "path", "parent__name")
    ]
    grouped = month_counts(user=user, node=node, first=start, today=today, length=0)
    return [_dispatch_row(school, grouped.get(school.path, {})) for school in schools]


def next_month_due(*, user, node: OrgNode, month: datetime.date) -> dict:
    """What falls due in the month after `month` under `node`: the open hazards whose deadline
    lies in it (counted by grade; the major and significant ones listed) and the follow-up
    tasks of the schools' weekly analyses still to be done by then."""
    start, end = month_of(add_months(month, 1))
    open_due = (
        Hazard.objects.for_user(user)
        .within(node.path)
        .filter(status__in=OPEN_STATUSES, deadline__gte=start, deadline__lte=end)
    )
    by_grade = dict(open_due.values_list("grade").annotate(n=Count("pk")).order_by())
    serious = list(
        open_due.filter(grade__in=[Grade.MAJOR, Grade.HIGH])
        .select_related("org")
        .order_by("deadline", "pk")[:50]
    )
    tasks = (
        FollowUpTask.objects.for_user(user)
        .within(node.path)
        .filter(done_at__isnull=True, due_on__lte=end)
        .count()
    )
    return {
        "start": start,
        "end": end,
        "by_grade": {g: by_grade.get(g, 0) for g in Grade.values},
        "total": sum(by_grade.values()),
        "serious": serious,
        "open_tasks": tasks,
    }


@transaction.atomic
def visit_record(
    *, school: OrgNode, by, visited_on: datetime.date, findings: str, follow_up: str = ""
) -> Visit:
    """A responsible inspector records a visit to one of the schools assigned to them."""
    assigned = RoleAssignment.objects.filter(user=by, role=Role.INSPECTOR).values_list(
        "org_path", flat=True
    )
    if not any(school.is_within_path(p) for p in assigned):
        raise NotAllowed(_("Only a responsible inspector of this school records its visits."))
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    return create_record(
        instance=Visit(
            org=school, inspector=by, visited_on=visited_on, findings=findings, follow_up=follow_up
        ),
        by=by,
    )


@dataclass
class VisitStatus:
    inspector: object
    school: OrgNode
    last_visit: datetime.date | None
    visited: bool


def visits_status(*, user, node: OrgNode, month: datetime.date) -> list[VisitStatus]:
    """VISIT-MONTHLY: for every inspector assigned to a school under `node`, whether they
    visited it this month. Two queries: the assignments, the visits grouped."""
    start, end = month_of(month)
    schools_in_scope = OrgNode.objects.for_user(user).within(node.path)
    assignments = list(
        RoleAssignment.objects.filter(
            role=Role.INSPECTOR, org__in=schools_in_scope, org__kind="school"
        )
        .select_related("user", "org")
        .order_by("user__username", "org__path")
    )
    visits = {
        (v["inspector_id"], v["org_id"]): v
        for v in Visit.objects.filter(org__in=[a.org_id for a in assignments])
        .values("inspector_id", "org_id")
        .annotate(
            last=Max("visited_on"),
            this_month=Count("pk", filter=Q(visited_on__gte=start, visited_on__lte=end)),
        )
    }
    result = []
    for a in assignments:
        v = visits.get((a.user_id, a.org_id), {})
        result.append(VisitStatus(a.user, a.org, v.get("last"), bool(v.get("this_month"))))
    return result
