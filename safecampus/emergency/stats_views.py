"""The incident statistics of a node the user sees: the year-over-year targets, incidents by
month, type, severity and region, and response times against 1-3-5, each figure a link to the
incidents behind it, each region a link to its own statistics (city → county → township →
school). A school's users see their school's figures."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.access import can_anywhere
from safecampus.core.listing import scoped_get
from safecampus.emergency import stats
from safecampus.emergency.models import Incident
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

NAV_KEY = "incident_stats"
YEARS_SHOWN = 5


def menu_items(user) -> list[dict]:
    """A menu entry, for the lead to place in the "emergency" group."""
    if not user.is_authenticated or not can_anywhere(user, "view", Incident):
        return []
    return [
        {
            "group": "emergency",
            "label": gettext_lazy("Incident statistics"),
            "url": reverse("stats:home"),
            "key": NAV_KEY,
        }
    ]


def _require_incidents(user) -> None:
    if not can_anywhere(user, "view", Incident):
        raise PermissionDenied(_("Your role does not allow this here."))


@login_required
def home(request):
    _require_incidents(request.user)
    node = stats.top_node(request.user)
    if node is None:
        raise Http404
    url = reverse("stats:node", args=[node.pk])
    year = request.GET.get("year", "")
    return redirect(f"{url}?year={year}" if year.isdigit() else url)


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(
        user, node, link=lambda n: reverse("stats:node", args=[n.pk]), include_self=False
    )


def _year_link(node, year) -> str:
    return f"{reverse('stats:node', args=[node.pk])}?year={year}"


def _chart(node, result) -> dict:
    """The figures of the charts, as json_script carries them to emergency-stats.js."""
    window = result["window"]
    start, end = window.start, window.end
    months = result["by_month"]
    marks = result["response"]["marks"]
    return {
        "names": {
            "current": _("This period"),
            "previous": _("Same period last year"),
            "within": _("Within target"),
            "over": _("Over target"),
            "none": _("No mark yet"),
            "minutes": _("minutes"),
        },
        "months": {
            "labels": [formats.date_format(m["start"], "M") for m in months],
            "current": [m["current"] for m in months],
            "previous": [m["previous"] for m in months],
            "urls": [
                stats.incidents_url(node, m["start"], min(stats.month_end(m["start"]), end))
                for m in months
            ],
        },
        "types": {
            "labels": [r["label"] for r in result["by_type"]],
            "current": [r["current"] for r in result["by_type"]],
            "previous": [r["previous"] for r in result["by_type"]],
            "urls": [
                stats.incidents_url(node, start, end, incident_type=r["key"])
                for r in result["by_type"]
            ],
        },
        "severities": {
            "labels": [r["label"] for r in result["by_severity"]],
            "current": [r["current"] for r in result["by_severity"]],
            "urls": [
                stats.incidents_url(node, start, end, severity=r["key"])
                for r in result["by_severity"]
            ],
        },
        "regions": {
            "labels": [r["node"].name for r in result["by_region"]],
            "current": [r["current"] for r in result["by_region"]],
            "previous": [r["previous"] for r in result["by_region"]],
            "urls": [_year_link(r["node"], window.year) for r in result["by_region"]],
        },
        "response": {
            "labels": [f"{m['label']} ≤{m['target']}" for m in marks],
            "within": [m["within"] for m in marks],
            "over": [m["over"] for m in marks],
            "none": [m["none"] for m in marks],
            "bucket_labels": result["response"]["bucket_labels"],
            "buckets": [{"name": m["label"], "data": m["buckets"]} for m in marks],
        },
    }


@login_required
def node_stats(request, pk):
    user = request.user
    _require_incidents(user)
    node = scoped_get(user, OrgNode, pk=pk)
    today = timezone.localdate()
    error = ""
    try:
        window = stats.parse_year(request.GET.get("year"), today)
    except stats.BadYear as exc:
        error = str(exc)
        window = stats.window_for(None, today)
    children = []
    if not node.is_school:
        children = list(selectors.visible_nodes(user).filter(parent=node))
        # Regions first (as the administrative order reads), then schools, each by name.
        children.sort(key=lambda c: (c.kind == NodeKind.SCHOOL, c.name))
    result = stats.compute(user, node, window, children)
    start, end = window.start, window.end
    links = {
        "all": stats.incidents_url(node, start, end),
        "previous": stats.incidents_url(node, window.prev_start, window.prev_end),
        "active": stats.incidents_url(node, start, end, status="active"),
    }
    for row in result["by_type"]:
        row["url"] = stats.incidents_url(node, start, end, incident_type=row["key"])
    for row in result["by_severity"]:
        row["url"] = stats.incidents_url(node, start, end, severity=row["key"])
    for row in result["by_status"]:
        row["url"] = stats.incidents_url(node, start, end, status=row["key"])
    for row in result["by_month"]:
        row["url"] = stats.incidents_url(
            node, row["start"], min(stats.month_end(row["start"]), end)
        )
    for row in result["by_region"]:
        row["url"] = _year_link(row["node"], window.year)
        row["incidents_url"] = stats.incidents_url(row["node"], start, end)
        row["change"] = stats.format_change(row["change_pct"])
    for row in result["by_type"] + result["by_severity"]:
        row["change"] = stats.format_change(row.get("change_pct"))
    return render(
        request,
        "emergency/stats/dashboard.html",
        {
            "nav_active": NAV_KEY,
            "node": node,
            "breadcrumbs": _breadcrumbs(user, node),
            "crumb_current": node.name,
            "error": error,
            "window": window,
            "result": result,
            "change": stats.format_change(result["change_pct"]),
            "active": sum(s["current"] for s in result["by_status"] if s["key"] != "closed"),
            "links": links,
            "chart": _chart(node, result),
            "years": [
                {"year": y, "url": _year_link(node, y), "current": y == window.year}
                for y in range(today.year, today.year - YEARS_SHOWN, -1)
            ],
            "tops": list(selectors.top_nodes(user).exclude(pk=node.pk).order_by("path")[:10]),
        },
    )
