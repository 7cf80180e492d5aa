"""What the home page ("我的工作") shows: to-dos first, then quick actions, then the key
figures of the user's scope, each a link to the rows behind it; school roles see their school
card, regional roles a table of their child regions with drill-down.

Capabilities fill the page by registering providers:
- TODO_PROVIDERS: provider(user) → [{"label", "count", "url", "severity"}], severity one of
  "overdue" (red), "due" (orange), "waiting" (yellow), "info" (blue); items with a count of 0
  are dropped.
- ACTION_PROVIDERS: provider(user) → [{"label", "url", "primary": bool}] — big buttons such as
  "report a hazard" or "scan a spot".
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import assignments, can_anywhere
from safecampus.accounts.roles import SCHOOL_ROLES
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import Department, LeadershipGroup, OrgNode, Person, School

TODO_PROVIDERS: list = []
ACTION_PROVIDERS: list = []

SEVERITY_ORDER = {"overdue": 0, "due": 1, "waiting": 2, "info": 3}


def _todos(user) -> list[dict]:
    items = [item for provider in TODO_PROVIDERS for item in provider(user)]
    items = [i for i in items if i.get("count", 1)]
    return sorted(items, key=lambda i: SEVERITY_ORDER.get(i.get("severity", "info"), 9))


def _figure(key, label, value, url):
    return {"key": key, "label": label, "value": value or 0, "url": url}


def figure_cards(user, figures: dict, *, is_school_user: bool, school_node=None) -> list[dict]:
    schools_url = reverse("orgs:schools")
    cards = []
    if not is_school_user:
        if figures["counties"]:
            cards.append(
                _figure("counties", _("Counties"), figures["counties"], reverse("orgs:tree"))
            )
        if figures["townships"]:
            cards.append(
                _figure("townships", _("Townships"), figures["townships"], reverse("orgs:tree"))
            )
        cards.append(_figure("schools", _("Schools"), figures["schools"], schools_url))
        students_url = schools_url
    else:
        students_url = (
            reverse("orgs:node", args=[school_node.pk]) if school_node else reverse("orgs:tree")
        )
    cards.append(_figure("students", _("Students"), figures["students"], students_url))
    cards.append(_figure("staff", _("Staff"), figures["staff"], students_url))
    if can_anywhere(user, "view", Person):
        cards.append(
            _figure("people", _("People on file"), figures["people"], reverse("orgs:people"))
        )
    if can_anywhere(user, "view", Department) and not is_school_user:
        cards.append(
            _figure(
                "departments",
                _("Departments"),
                figures["departments"],
                reverse("orgs:departments"),
            )
        )
    if can_anywhere(user, "view", LeadershipGroup):
        cards.append(
            _figure("groups", _("Leadership groups"), figures["groups"], reverse("orgs:groups"))
        )
    return cards


def home_context(user) -> dict:
    roles = assignments(user)
    is_school_user = bool(roles) and all(a.role in SCHOOL_ROLES for a in roles)
    school_nodes = [a.org for a in roles if a.org.kind == NodeKind.SCHOOL]
    regions = []
    # A school's people see no region table: no query for one on their (busiest) home page.
    tops = []
    if not is_school_user and can_anywhere(user, "view", OrgNode):
        tops = list(selectors.top_nodes(user))
    for root in sorted((t for t in tops if t.kind != NodeKind.SCHOOL), key=lambda n: n.path):
        regions.append({"node": root, "rows": selectors.children_rows(user, root)})
    school_totals = None
    if len(tops) == 1 and len(regions) == 1:  # the one region is the whole scope
        rows = regions[0]["rows"]
        school_totals = {
            "students": sum(r["students"] for r in rows),
            "staff": sum(r["staff"] for r in rows),
        }
    figures = selectors.subtree_figures(user, school_totals=school_totals)
    schools = []
    if school_nodes:
        schools = list(
            School.objects.for_user(user)
            .filter(node__in=school_nodes)
            .select_related("node", "node__parent")
        )
    return {
        "nav_active": "home",
        "assignments": roles,
        "is_school_user": is_school_user,
        "todos": _todos(user),
        "actions": [item for provider in ACTION_PROVIDERS for item in provider(user)],
        "figures": figures,
        "figure_cards": figure_cards(
            user,
            figures,
            is_school_user=is_school_user,
            school_node=school_nodes[0] if len(school_nodes) == 1 else None,
        ),
        "school_nodes": school_nodes,
        "schools": schools,
        "regions": regions,
    }


# ---------------------------------------------------------------------------- hazards


def _hazard_todos(user) -> list[dict]:
    from safecampus.hazards import ledger

    return [*ledger.due_inspection_items(user), *ledger.todo_items(user)]


def _hazard_actions(user) -> list[dict]:
    from safecampus.hazards.models import Hazard, Inspection

    items = []
    if can_anywhere(user, "add", Inspection):
        items.append(
            {"label": _("Start a check"), "url": reverse("hazards:inspect"), "primary": True}
        )
    if can_anywhere(user, "add", Hazard):
        items.append(
            {"label": _("Report a hazard"), "url": reverse("hazards:report"), "primary": False}
        )
    return items


TODO_PROVIDERS.append(_hazard_todos)
ACTION_PROVIDERS.append(_hazard_actions)


def _review_actions(user) -> list[dict]:
    """School managers hold the weekly analysis (周研判) of their school."""
    from safecampus.accounts.roles import Role

    return [
        {
            "label": _("Weekly analysis"),
            "url": reverse("hazard_review:weekly", args=[a.org_id]),
            "primary": False,
        }
        for a in assignments(user)
        if a.role in (Role.PRINCIPAL, Role.SAFETY_OFFICER) and a.org.kind == "school"
    ][:1]


ACTION_PROVIDERS.append(_review_actions)
