"""Reads of the organisation tree for a user. Every function starts from `for_user`."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from safecampus.accounts.access import scope_prefixes
from safecampus.core.scoping import ALL, path_q
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import (
    SEGMENT_WIDTH,
    Department,
    LeadershipGroup,
    OrgNode,
    Person,
    School,
)


def visible_nodes(user):
    return OrgNode.objects.for_user(user, "view")


def top_nodes(user):
    """The highest nodes the user sees: the roots of the user's part of the tree."""
    prefixes = scope_prefixes(user, OrgNode, "view")
    if prefixes is ALL:
        return OrgNode.objects.filter(parent__isnull=True)
    return visible_nodes(user).filter(path__in=prefixes)


def nodes_where(user, action: str, model):
    """Nodes (that the user sees) inside which the user may `action` records of `model`."""
    prefixes = scope_prefixes(user, model, action)
    nodes = visible_nodes(user)
    if prefixes is ALL:
        return nodes
    if not prefixes:
        return nodes.none()
    return nodes.filter(path_q("path", prefixes))


def branch_figures(user, node: OrgNode) -> dict[str, dict]:
    """Per child branch of `node`: schools, students and staff of the branch, in one query."""
    length = len(node.path) + 1 + SEGMENT_WIDTH
    rows = (
        School.objects.for_user(user)
        .within(node.path)
        .annotate(branch=Substr("node__path", 1, length))
        .order_by()
        .values("branch")
        .annotate(schools=Count("pk"), students=Sum("enrolment"), staff=Sum("staff_count"))
    )
    return {row["branch"]: row for row in rows}


def children_rows(user, node: OrgNode) -> list[dict]:
    """The node's visible children with the figures of their subtrees (two queries)."""
    children = list(
        visible_nodes(user)
        .filter(parent=node)
        .annotate(n_children=Count("children"))
        .order_by("kind", "name")
    )
    if not children:
        return []
    figures = branch_figures(user, node)
    empty = {"schools": 0, "students": 0, "staff": 0}
    rows = []
    for child in children:
        fig = figures.get(child.path, empty)
        rows.append(
            {
                "node": child,
                "schools": fig["schools"] or 0,
                "students": fig["students"] or 0,
                "staff": fig["staff"] or 0,
                "has_children": child.n_children > 0,
            }
        )
    # Regions first (as the administrative order reads), then schools, each by name.
    rows.sort(key=lambda r: (r["node"].kind == NodeKind.SCHOOL, r["node"].name))
    return rows


def subtree_figures(user, node: OrgNode | None = None, *, school_totals=None) -> dict:
    """The key figures of the user's scope, or of one visible node's subtree. A caller that
    already summed the schools' students and staff over the same rows passes them as
    `school_totals` (the home page, from its children's rows: a province's 20,000 schools
    are then summed once)."""

    def inside(qs):
        return qs.within(node.path) if node is not None else qs

    figures = inside(visible_nodes(user)).aggregate(
        counties=Count("pk", filter=Q(kind=NodeKind.COUNTY)),
        townships=Count("pk", filter=Q(kind=NodeKind.TOWNSHIP)),
        schools=Count("pk", filter=Q(kind=NodeKind.SCHOOL)),
    )
    if school_totals is None:
        school_totals = inside(School.objects.for_user(user)).aggregate(
            students=Sum("enrolment"), staff=Sum("staff_count")
        )
    figures.update(students=school_totals["students"], staff=school_totals["staff"])
    figures["people"] = inside(Person.objects.for_user(user)).count()
    figures["departments"] = inside(Department.objects.for_user(user)).count()
    figures["groups"] = inside(LeadershipGroup.objects.for_user(user)).count()
    return {k: v or 0 for k, v in figures.items()}


def people(user, *, node: OrgNode | None = None, q: str = "", department=None):
    qs = Person.objects.for_user(user)
    if node is not None:
        qs = qs.within(node.path)
    if department is not None:
        qs = qs.filter(department=department)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__contains=q) | Q(post__icontains=q))
    return qs


def schools(user, *, node: OrgNode | None = None, kind: str = "", q: str = ""):
    qs = School.objects.for_user(user)
    if node is not None:
        qs = qs.within(node.path)
    if kind:
        qs = qs.filter(school_kind=kind)
    if q:
        qs = qs.filter(Q(node__name__icontains=q) | Q(node__code__icontains=q))
    return qs


def nearest_setting(model, node):
    """The record of `model` (one per node: a county's policy, say) at the nearest node at or
    above `node`, or an unsaved `model()` carrying the defaults. Settings are inherited down
    the tree: a city's policy holds for its counties until a county sets its own."""
    from safecampus.orgs.models import ancestor_paths

    paths = ancestor_paths(node.path)[::-1]  # nearest first
    found = {row.org_path: row for row in model.objects.filter(org_path__in=paths)}
    return next((found[path] for path in paths if path in found), model())
