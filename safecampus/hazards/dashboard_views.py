"""The hazard dashboard of a node the user sees: its figures, a twelve-month trend and the same
figures per child, every figure a link (drill-down city → county → township → school, counts
→ the ledger's rows)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.access import can_anywhere
from safecampus.config.db_router import use_replica
from safecampus.core.listing import scoped_get
from safecampus.hazards import dashboard
from safecampus.hazards.choices import GRADE_COLOUR, Grade
from safecampus.hazards.models import Hazard
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

NAV_KEY = "dashboard"


def menu_items(user) -> list[dict]:
    """The menu entry (for `safecampus.core.navigation.MENU_PROVIDERS`)."""
    if not user.is_authenticated or not can_anywhere(user, "view", Hazard):
        return []
    return [
        {
            "group": "review",
            "label": gettext_lazy("Hazard dashboard"),
            "url": reverse("hazard_dashboard:home"),
            "key": NAV_KEY,
        }
    ]


def _require_hazards(user):
    if not can_anywhere(user, "view", Hazard):
        raise PermissionDenied(_("Your role does not allow this here."))


@login_required
def home(request):
    _require_hazards(request.user)
    node = selectors.top_nodes(request.user).order_by("path").first()
    if node is None:
        raise Http404
    return redirect("hazard_dashboard:node", pk=node.pk)


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(
        user,
        node,
        link=lambda n: reverse("hazard_dashboard:node", args=[n.pk]),
        include_self=False,
    )


def _pct(rate):
    return None if rate is None else round(rate * 100, 1)


def _row(node, fig, p) -> dict:
    links = dashboard.links(node, p)
    completion = fig["completion"]
    return {
        "node": node,
        "fig": fig,
        "links": links,
        "grades": [
            {
                "grade": grade,
                "colour": GRADE_COLOUR[grade],
                "label": Grade(grade).label,
                "count": fig[f"open_{grade}"],
                "url": links[f"open_{grade}"],
            }
            for grade in dashboard.GRADES
        ],
        "on_time_pct": _pct(fig["on_time_rate"]),
        "completion_pct": _pct(completion["rate"]) if completion else None,
    }


@login_required
@use_replica()  # aggregates a second behind are fine; see config/db_router.py
def node_dashboard(request, pk):
    user = request.user
    _require_hazards(user)
    node = scoped_get(user, OrgNode, pk=pk)
    children = []
    if not node.is_school:
        children = list(selectors.visible_nodes(user).filter(parent=node).order_by("kind", "path"))
        # Regions first (as the administrative order reads), then schools, each by name.
        children.sort(key=lambda c: (c.kind == NodeKind.SCHOOL, c.name))
    result = dashboard.compute(user, node, children)
    p = result["periods"]
    months = dashboard.trend(user, node, p["today"])
    for m in months:
        m["url"] = dashboard.ledger_url(
            node, date_from=m["start"].isoformat(), date_to=m["end"].isoformat()
        )
        m["closed_url"] = dashboard.ledger_url(
            node,
            status="closed",
            closed_from=m["start"].isoformat(),
            closed_to=m["end"].isoformat(),
        )
    chart = {
        "labels": [m["label"] for m in months],
        "found": [m["found"] for m in months],
        "closed": [m["closed"] for m in months],
        "urls": [m["url"] for m in months],
        "closed_urls": [m["closed_url"] for m in months],
        "names": {"found": _("Found"), "closed": _("Closed")},
    }
    return render(
        request,
        "hazards/dashboard.html",
        {
            "nav_active": NAV_KEY,
            "node": node,
            "breadcrumbs": _breadcrumbs(user, node),
            "crumb_current": node.name,
            "periods": p,
            "total": _row(node, result["total"], p),
            "rows": [_row(c, result["children"][c.pk], p) for c in children],
            "months": months,
            "chart": chart,
            "tops": list(selectors.top_nodes(user).exclude(pk=node.pk).order_by("path")[:10]),
        },
    )
