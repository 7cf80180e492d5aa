"""Pages kept per node of the tree (a county's school calendar, its rectification deadlines,
its dashboards): which node such a page opens on, who may read it, the picker that switches to
another node and the breadcrumbs above it. One place, so the pages agree."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.listing import scoped_get
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import NodeChoiceField, base_depth
from safecampus.orgs.models import OrgNode


def require_view(user, model, node=None) -> None:
    """403 unless the user may read `model`'s records at `node` (anywhere, without a node)."""
    allowed = can_anywhere(user, "view", model) if node is None else can(user, "view", model, node)
    if not allowed:
        raise PermissionDenied(_("Your role does not allow this here."))


def breadcrumbs(user, node, *, link=None, model=OrgNode, include_self=True) -> list[dict]:
    """The chain from the root down to `node` (one query): a node is a link, to `link(node)`
    (its organisation page by default), where the user may read `model`'s records there, and
    plain text elsewhere — a school's staff see their county's name but cannot open it."""
    link = link or (lambda n: reverse("orgs:node", args=[n.pk]))
    chain = [*node.ancestors(), node] if include_self else list(node.ancestors())

    def shown(n) -> bool:
        return can(user, "view", OrgNode, n) and (model is OrgNode or can(user, "view", model, n))

    return [{"node": n, "url": link(n) if shown(n) else ""} for n in chain]


def start_node(request) -> OrgNode:
    """The node a settings page opens on: `?node=` when the user sees it, else the highest
    node the user sees; 404 for a user who sees none."""
    raw = request.GET.get("node", "")
    if raw.isdigit():
        return scoped_get(request.user, OrgNode, pk=raw)
    node = selectors.top_nodes(request.user).order_by("path").first()
    if node is None:
        raise Http404
    return node


def picker_nodes(user) -> list[OrgNode]:
    """Regions the user sees (a county has hundreds of schools); school users get their
    schools, since no region is theirs to see."""
    nodes = selectors.visible_nodes(user).order_by("path")
    return list(nodes.exclude(kind=NodeKind.SCHOOL)[:500]) or list(nodes[:50])


def picker_options(user, node: OrgNode | None = None) -> list[dict]:
    """The node picker's options, the page's own node among them (a school shown to a bureau
    user is not in the regions' list)."""
    field = NodeChoiceField(queryset=OrgNode.objects.none())
    field.base = base_depth(user)
    nodes = picker_nodes(user)
    if node is not None and all(n.pk != node.pk for n in nodes):
        nodes = sorted([*nodes, node], key=lambda n: n.path)
    return [{"pk": n.pk, "label": field.label_from_instance(n)} for n in nodes]
