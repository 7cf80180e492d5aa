"""The rhythm of review: the weekly analysis of a school (周研判), the monthly dispatch of a
county or city (月调度), and the responsible inspectors' monthly visits (VISIT-MONTHLY).

Figures are computed set-based from the ledger when asked for; a weekly analysis keeps the
figures as they stood when it was held, because that is what the meeting discussed.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.accounts.models import RoleAssignment
from safecampus.accounts.roles import Role
from safecampus.core.dates import day_range, month_of, week_of
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
    """Record a weekly analysis with the figures of the week and its follow-up tasks."""
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
            summary=week_summary(school, week_start, user=by),
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


@dataclass
class DispatchRow:
    node: OrgNode
    found: int
    closed: int
    open: int
    overdue: int
    major_open: int


def monthly_dispatch(*, user, node: OrgNode, month: datetime.date) -> dict:
    """The month of a county or city, by child node, with the most overdue schools, the
    escalated hazards awaiting the bureau, and the commonest categories: a fixed number of
    queries, grouped in the database by the child's path prefix."""
    start, end = month_of(month)
    today = min(end, timezone.localdate())
    since, until = day_range(start, end)
    hazards = Hazard.objects.for_user(user).within(node.path)
    children = list(OrgNode.objects.for_user(user).filter(parent=node).order_by("path"))
    width = len(node.path) + 5  # the child's segment
    open_q = Q(status__in=OPEN_STATUSES)
    grouped = {
        row["prefix"]: row
        for row in hazards.exclude(org_path=node.path)
        .annotate(prefix=Substr("org_path", 1, width))
        .values("prefix")
        .annotate(
            found=Count("pk", filter=Q(found_at__gte=since, found_at__lt=until)),
            closed=Count("pk", filter=Q(closed_at__gte=since, closed_at__lt=until)),
            open=Count("pk", filter=open_q),
            overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
            major_open=Count("pk", filter=open_q & Q(grade__in=[Grade.MAJOR, Grade.HIGH])),
        )
    }
    rows = []
    for child in children:
        g = grouped.get(child.path, {})
        rows.append(
            DispatchRow(
                child,
                g.get("found", 0),
                g.get("closed", 0),
                g.get("open", 0),
                g.get("overdue", 0),
                g.get("major_open", 0),
            )
        )
    most_overdue = list(
        hazards.filter(open_q, deadline__lt=today)
        .values("org_id", "org__name")
        .annotate(n=Count("pk"), oldest=Max(F("deadline")))
        .order_by("-n", "org__name")[:10]
    )
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
        "totals": period_figures(hazards, start, end, today),
        "rows": rows,
        "most_overdue": most_overdue,
        "categories": categories,
        "escalated": escalated,
        "major": major,
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
