"""Region pages above a county: one row per region right under the node, not one per school.

A per-school table of a city runs to a thousand schools and a province's to twenty thousand:
too long to read, and each school's verdicts are derived when read (docs/decisions.md), so
such a page took 6–25 s to build. Above a county a page lists the regions under the node
instead, each row linking down to that region's own page. The figures of a row are fetched
by the row itself once the page is shown (`part=row`, HTMX), so the page answers at once and
each row costs one region's evaluation, never the whole province's in one request. The
hazard dashboard drills down the same way; this module is the one rule of when and how.

Schools that hang right under a city or a province (市直学校) are a row of their own: the
page of the node with `direct=1` judges only them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import Substr
from django.http import Http404

from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode
from safecampus.orgs.selectors import nodes_where

ABOVE_COUNTY = frozenset({NodeKind.PROVINCE, NodeKind.CITY})
ROW = "row"  # the `part` of a request for one row's figures


def by_region(node: OrgNode | None) -> bool:
    """Whether the page of `node` lists regions rather than schools."""
    return node is not None and node.kind in ABOVE_COUNTY


def wants_row(request) -> bool:
    return request.GET.get("part") == ROW


def wants_direct(request, node: OrgNode | None) -> bool:
    """The schools right under `node` only (the pseudo-region row of a city's own schools)."""
    return by_region(node) and request.GET.get("direct") == "1"


def answer(request, node: OrgNode | None, *, known: bool, row, regions):
    """What a region page's request asks for, the one rule of the pages above: one row's
    figures (`row(direct)`, 404 for a node the user does not see, `known` False), the table
    of regions above a county (`regions()`), or None for the page itself (`direct` or not,
    `wants_direct`)."""
    direct = wants_direct(request, node)
    if wants_row(request):
        if not known:
            raise Http404
        return row(direct)
    if by_region(node) and not direct:
        return regions()
    return None


@dataclass
class RegionRow:
    node: OrgNode
    schools: int
    direct: bool = False  # the schools right under the node, not a region
    url: str = ""  # this row's figures (part=row)
    page_url: str = ""  # the region's own page


def _linker(page_url, keep: dict | None):
    """Links to the page at a node: `page_url` is the page's path (the node goes in the
    query, `?node=`) or a function of the node giving its own path (`/region/<pk>/`)."""
    keep = {k: v for k, v in (keep or {}).items() if v not in (None, "")}

    def link(node: OrgNode, **extra) -> str:
        if callable(page_url):
            query = urlencode({**keep, **extra})
            return page_url(node) + (f"?{query}" if query else "")
        return f"{page_url}?{urlencode({**keep, 'node': node.pk, **extra})}"

    return link


def crumbs(user, node: OrgNode, model, *, page_url, keep: dict | None = None):
    """The chain from the root to `node`, each a link to the same page at that node: the way
    back up from a region (or county) reached by drilling down."""
    from safecampus.orgs.node_pages import breadcrumbs

    return breadcrumbs(user, node, model=model, link=_linker(page_url, keep))


def region_rows(user, node: OrgNode, model, *, page_url, keep: dict | None = None):
    """The regions right under `node` where the user may view `model`, each with its number
    of schools (one grouped query), then a row for the schools right under `node` if any.
    `page_url` is the page's path (or a function of a node, `_linker`); `keep` the query
    values every row's links carry."""
    visible = nodes_where(user, "view", model)
    kids = list(visible.filter(parent=node).exclude(kind=NodeKind.SCHOOL).order_by("path"))
    length = len(node.path) + 1 + SEGMENT_WIDTH
    counts = dict(
        visible.filter(kind=NodeKind.SCHOOL, is_active=True)
        .within(node.path)
        .annotate(branch=Substr("path", 1, length))
        .order_by()
        .values_list("branch")
        .annotate(n=Count("pk"))
    )
    link = _linker(page_url, keep)
    rows = [
        RegionRow(
            node=k,
            schools=counts.get(k.path, 0),
            url=link(k, part=ROW),
            page_url=link(k),
        )
        for k in kids
    ]
    direct = sum(n for path, n in counts.items() if path not in {k.path for k in kids})
    if direct:
        rows.append(
            RegionRow(
                node=node,
                schools=direct,
                direct=True,
                url=link(node, part=ROW, direct=1),
                page_url=link(node, direct=1),
            )
        )
    return rows


def row_page_url(request) -> str:
    """The page a row request stands for: its own URL without `part`."""
    params = request.GET.copy()
    params.pop("part", None)
    query = params.urlencode()
    return request.path + (f"?{query}" if query else "")
