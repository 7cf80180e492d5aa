"""A campaign's completion, per school and per region, as the bureaus report it (seed 001:
“安全教育完成人数259633人，完成率95.25%”): the people who completed it against those who
should, summed over the schools that reported. Every figure is of the schools the user sees:
a county reads its own schools in a city's campaign, not the neighbours'.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.compliance.verdicts import percent
from safecampus.education.models import Campaign, CampaignResult
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode

RATE_RULE = "EDU-CAMPAIGN-RATE"


@dataclass
class Figures:
    schools: int = 0
    reported: int = 0
    target: int = 0
    completed: int = 0

    @property
    def rate(self) -> float | None:
        return self.completed / self.target if self.target else None

    @property
    def rate_text(self) -> str:
        return percent(self.rate)

    @property
    def text(self) -> str:
        """“259,633 people, 95.25 %”, the way the figure is reported upwards."""
        if not self.target:
            return _("Not reported")
        return _("%(completed)s people, %(rate)s") % {
            "completed": f"{self.completed:,}",
            "rate": percent(self.rate),
        }

    def add(self, row: SchoolRow) -> None:
        self.schools += 1
        if row.result is not None:
            self.reported += 1
            self.target += row.result.target
            self.completed += row.result.completed


@dataclass
class SchoolRow:
    school: OrgNode
    region: OrgNode | None
    result: CampaignResult | None
    minimum: float

    @property
    def rate(self) -> float | None:
        return self.result.rate if self.result is not None else None

    @property
    def rate_text(self) -> str:
        return percent(self.rate)

    @property
    def below(self) -> bool:
        return self.rate is not None and self.rate + 1e-9 < self.minimum


@dataclass
class RegionRow:
    node: OrgNode | None  # None: schools directly under the campaign's region
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class CampaignTable:
    campaign: Campaign
    base: OrgNode
    rows: list[SchoolRow]
    regions: list[RegionRow]
    figures: Figures
    minimum: float

    @property
    def minimum_text(self) -> str:
        return percent(self.minimum)

    @property
    def ended(self) -> bool:
        return self.campaign.end < timezone.localdate()


def status_of(campaign: Campaign, today=None) -> str:
    today = today or timezone.localdate()
    if today < campaign.start:
        return "upcoming"
    return "running" if today <= campaign.end else "ended"


def schools_for(user, campaign: Campaign, base: OrgNode | None = None):
    """The active schools of the campaign's region (or of `base` inside it) whose education
    records the user may read."""
    from safecampus.orgs.models import School

    qs = selectors.nodes_where(user, "view", CampaignResult).filter(
        kind=NodeKind.SCHOOL, is_active=True
    )
    qs = qs.within((base or campaign.org).path)
    kinds = dict(School.objects.filter(node__in=qs).values_list("node_id", "school_kind"))
    return [n for n in qs.order_by("path") if kinds.get(n.pk) not in ("higher", "training")]


def campaign_table(user, campaign: Campaign, base: OrgNode | None = None) -> CampaignTable:
    """Every school (the user sees) of the campaign's region or of `base` inside it, with its
    completion; the figures of each region one level down; and the whole."""
    from safecampus.compliance.params import ParamBook

    if base is None or not base.is_within(campaign.org):
        base = _scope_node(user, campaign.org)
    schools = schools_for(user, campaign, base)
    results = {
        r.org_id: r
        for r in CampaignResult.objects.for_user(user)
        .filter(campaign=campaign, org__in=schools)
        .select_related("updated_by")
    }
    book = ParamBook.for_region(base.path, [RATE_RULE])
    depth_path = len(base.path) + 1 + SEGMENT_WIDTH
    child_paths = {s.path[:depth_path] for s in schools}
    children = {n.path: n for n in OrgNode.objects.filter(path__in=child_paths)}
    rows, regions, figures = [], {}, Figures()
    for school in schools:
        child = children.get(school.path[:depth_path])
        region = child if child is not None and not child.is_school else None
        minimum = float(book.params(RATE_RULE, school.path, campaign.end)["min_rate"])
        row = SchoolRow(school, region, results.get(school.pk), minimum)
        rows.append(row)
        figures.add(row)
        key = region.pk if region is not None else None
        if key not in regions:
            label = (
                region.name
                if region is not None
                else _("Directly under %(name)s") % {"name": base.name}
            )
            regions[key] = RegionRow(region, label)
        regions[key].figures.add(row)
    minimum = float(book.params(RATE_RULE, base.path, campaign.end)["min_rate"])
    ordered = sorted(
        regions.values(), key=lambda r: (r.node is None, r.node.path if r.node else "")
    )
    return CampaignTable(campaign, base, rows, ordered, figures, minimum)


def _scope_node(user, top: OrgNode) -> OrgNode:
    """Where the user reads the campaign from: its own region when the user's scope holds it,
    else the lowest node holding the user's part of it (a county reads a city's campaign as the
    county's, a school as its own)."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.core.scoping import ALL

    prefixes = scope_prefixes(user, CampaignResult, "view")
    if prefixes is ALL or any(top.is_within_path(p) for p in prefixes):
        return top
    inside = [p.split(".") for p in prefixes if p.startswith(top.path + ".")]
    if not inside:
        return top
    parts = inside[0]
    for other in inside[1:]:
        n = 0
        while n < min(len(parts), len(other)) and parts[n] == other[n]:
            n += 1
        parts = parts[:n]
    path = ".".join(parts)
    if len(path) <= len(top.path):
        return top
    return OrgNode.objects.filter(path=path).first() or top


def list_figures(user, campaigns) -> dict[int, Figures]:
    """Per campaign, the completion of the schools whose results the user may read (one
    grouped query)."""
    rows = (
        CampaignResult.objects.for_user(user)
        .filter(campaign__in=list(campaigns))
        .order_by()
        .values("campaign_id")
        .annotate(reported=Count("id"), target=Sum("target"), completed=Sum("completed"))
    )
    return {
        r["campaign_id"]: Figures(
            schools=r["reported"],
            reported=r["reported"],
            target=r["target"] or 0,
            completed=r["completed"] or 0,
        )
        for r in rows
    }
