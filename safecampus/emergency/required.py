"""The emergency plans a school must hold, and its gaps, derived when read.

The required set is data: each `Requirement` names its rule, the scenario (and whether the
plan must cover night-time), the seed it comes from and the schools it applies to. A school's
gaps follow from its plans on the day asked: a required scenario without an approved plan
(missing, or only a draft), an approved plan past its review date, a draft never approved.
Nothing is stored, so a gap closes the moment the plan is approved, whether or not any job ran.

The region view computes every school's gaps from two queries — the schools, and the plans of
the subtree — with the same function that serves one school (`assess`).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from safecampus.accounts.access import assignments, can, scope_prefixes
from safecampus.accounts.roles import Role
from safecampus.core.scoping import ALL, path_q
from safecampus.emergency.choices import PlanStatus, Scenario
from safecampus.emergency.models import EmergencyPlan
from safecampus.orgs.choices import NodeKind, SchoolKind
from safecampus.orgs.models import OrgNode, School

MISSING, DRAFT, OVERDUE = "missing", "draft", "overdue"
GAP_KINDS = {
    MISSING: pgettext_lazy("plan", "Missing"),
    DRAFT: gettext_lazy("Draft never approved"),
    OVERDUE: gettext_lazy("Review overdue"),
}
# States of a required scenario on a school's checklist.
HELD = "held"
STATE_LABELS = {
    HELD: pgettext_lazy("plan", "Held"),
    OVERDUE: gettext_lazy("Review overdue"),
    DRAFT: gettext_lazy("Draft only"),
    MISSING: pgettext_lazy("plan", "Missing"),
}
REVIEW_RULE = "PLAN-REVIEW"
REVIEW_SOURCE = "002 §20"


@dataclass(frozen=True)
class Requirement:
    rule: str
    scenario: str
    night: bool
    source: str
    whom: Promise  # who must hold it, for the sentence of a gap

    @property
    def label(self) -> str:
        name = Scenario(self.scenario).label
        if self.night:
            return _("%(scenario)s (covering night-time)") % {"scenario": name}
        return str(name)

    def met_by(self, plan) -> bool:
        return plan.scenario == self.scenario and (plan.covers_night or not self.night)


# Seed 000 §四.二: "制定中心小学、幼儿园预防交通安全、火灾、食物中毒、意外伤害、自然灾害、
# 踩踏事故、溺水事故等处理预案". Natural disaster is held as the earthquake plan, the one
# seed 002 §20 drills everywhere (地震应急); flood and mudslide are for mountain schools.
SEED_000 = (
    Scenario.TRAFFIC,
    Scenario.FIRE,
    Scenario.FOOD_POISONING,
    Scenario.INJURY,
    Scenario.EARTHQUAKE,
    Scenario.STAMPEDE,
    Scenario.DROWNING,
)
# An off-campus training institution has no canteen, transport or outings of its own: it holds
# the plans of a crowded building.
TRAINING_SCENARIOS = (Scenario.FIRE, Scenario.INJURY, Scenario.STAMPEDE)

EVERY_SCHOOL = gettext_lazy("every school")
TRAINING = gettext_lazy("an off-campus training institution")
BOARDING = gettext_lazy("a boarding school")
FLOOD_PRONE = gettext_lazy("a school in a mountain or flood-prone area")
KINDERGARTEN_OR_BOARDING = gettext_lazy("a kindergarten or boarding school")


def school_profile(school) -> School | None:
    """The School profile of a school node (or the profile itself); None for a region."""
    if isinstance(school, School):
        return school
    if isinstance(school, OrgNode):
        try:
            return school.school
        except School.DoesNotExist:
            return None
    return None


def required_scenarios(school) -> list[Requirement]:
    """The plans `school` (a School profile or its node) must hold, by its kind and situation."""
    profile = school_profile(school)
    if profile is None:
        return []
    training = profile.school_kind == SchoolKind.TRAINING
    out: list[Requirement] = [
        Requirement(
            "PLAN-OVERALL",
            Scenario.COMPREHENSIVE,
            False,
            "002 §20",
            TRAINING if training else EVERY_SCHOOL,
        )
    ]
    if training:
        out += [
            Requirement("PLAN-BASE", s, False, "000 §四.二", TRAINING) for s in TRAINING_SCENARIOS
        ]
        out.append(Requirement("PLAN-EPIDEMIC", Scenario.EPIDEMIC, False, "002 §7", TRAINING))
        return out
    out += [Requirement("PLAN-BASE", s, False, "000 §四.二", EVERY_SCHOOL) for s in SEED_000]
    out.append(
        Requirement("PLAN-TERROR", Scenario.VIOLENCE, False, "002 §20, 003 §四.八", EVERY_SCHOOL)
    )
    out.append(Requirement("PLAN-EPIDEMIC", Scenario.EPIDEMIC, False, "002 §7", EVERY_SCHOOL))
    if profile.flood_prone:
        out.append(Requirement("PLAN-FLOOD", Scenario.FLOOD, False, "002 §20", FLOOD_PRONE))
    if profile.boarding:
        # 寄宿制学校适时开展夜间防震减灾应急演练: the dormitory at night, for fire and earthquake.
        out.append(Requirement("PLAN-NIGHT", Scenario.FIRE, True, "002 §20", BOARDING))
        out.append(Requirement("PLAN-NIGHT", Scenario.EARTHQUAKE, True, "002 §20", BOARDING))
    if profile.boarding or profile.school_kind == SchoolKind.KINDERGARTEN:
        # A child who does not arrive, is not collected, or is missing from the dormitory.
        out.append(
            Requirement(
                "PLAN-MISSING", Scenario.MISSING, False, "003 §四.八", KINDERGARTEN_OR_BOARDING
            )
        )
    return out


# ------------------------------------------------------------------------------- assessing


@dataclass
class Gap:
    kind: str  # MISSING, DRAFT or OVERDUE
    rule: str
    scenario: str
    message: str
    plan_id: int | None = None
    due: datetime.date | None = None

    @property
    def kind_label(self) -> str:
        return str(GAP_KINDS[self.kind])


@dataclass
class ChecklistRow:
    requirement: Requirement
    state: str  # HELD, OVERDUE, DRAFT or MISSING
    plan: object = None  # the approved plan that meets it, or the draft that would

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass
class Assessment:
    checklist: list[ChecklistRow] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for g in self.gaps if g.kind == kind)


def overdue_expression(today: datetime.date):
    """Review overdue as a query expression: approved and past its review date."""
    return Case(
        When(status=PlanStatus.APPROVED, review_due__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def review_overdue(plan, today: datetime.date) -> bool:
    return (
        plan.status == PlanStatus.APPROVED
        and plan.review_due is not None
        and plan.review_due < today
    )


def _newest(plans):
    return max(plans, key=lambda p: (p.approved_on or datetime.date.min, p.pk or 0), default=None)


def assess(school, plans, today: datetime.date) -> Assessment:
    """The school's checklist and gaps from its plans (any iterable of plan-like rows with
    id/pk, scenario, status, covers_night, review_due, title, approved_on)."""
    current = [p for p in plans if p.status != PlanStatus.RETIRED]
    approved = [p for p in current if p.status == PlanStatus.APPROVED]
    drafts = [p for p in current if p.status == PlanStatus.DRAFT]
    result = Assessment()
    draft_cited: set[int] = set()
    for req in required_scenarios(school):
        meeting = [p for p in approved if req.met_by(p)]
        if meeting:
            fresh = [p for p in meeting if not review_overdue(p, today)]
            plan = _newest(fresh) or _newest(meeting)
            state = HELD if fresh else OVERDUE
            result.checklist.append(ChecklistRow(req, state, plan))
            continue
        candidates = [p for p in drafts if req.met_by(p)]
        names = {"scenario": req.label, "whom": req.whom, "rule": req.rule, "source": req.source}
        if candidates:
            draft = _newest(candidates)
            draft_cited.add(draft.pk)
            result.checklist.append(ChecklistRow(req, DRAFT, draft))
            result.gaps.append(
                Gap(
                    DRAFT,
                    req.rule,
                    req.scenario,
                    _(
                        "The plan for %(scenario)s, “%(title)s”, is a draft never approved; "
                        "%(whom)s must hold an approved one (%(rule)s, %(source)s)."
                    )
                    % {**names, "title": draft.title},
                    plan_id=draft.pk,
                )
            )
        else:
            result.checklist.append(ChecklistRow(req, MISSING, None))
            result.gaps.append(
                Gap(
                    MISSING,
                    req.rule,
                    req.scenario,
                    _(
                        "No approved plan for %(scenario)s: %(whom)s must hold one (%(rule)s, %(source)s)."
                    )
                    % names,
                )
            )
    for plan in sorted(approved, key=lambda p: (p.review_due or today, p.pk)):
        if review_overdue(plan, today):
            result.gaps.append(
                Gap(
                    OVERDUE,
                    REVIEW_RULE,
                    plan.scenario,
                    _(
                        "The review of “%(title)s” was due on %(date)s: a plan is reviewed and "
                        "revised by its review date (%(rule)s, %(source)s)."
                    )
                    % {
                        "title": plan.title,
                        "date": plan.review_due.isoformat(),
                        "rule": REVIEW_RULE,
                        "source": REVIEW_SOURCE,
                    },
                    plan_id=plan.pk,
                    due=plan.review_due,
                )
            )
    for plan in drafts:
        if plan.pk in draft_cited:
            continue
        result.gaps.append(
            Gap(
                DRAFT,
                "PLAN-APPROVE",
                plan.scenario,
                _("“%(title)s” is a draft never approved: a plan is in force only once approved.")
                % {"title": plan.title},
                plan_id=plan.pk,
            )
        )
    return result


PLAN_FIELDS = (
    "id",
    "org",
    "scenario",
    "status",
    "covers_night",
    "review_due",
    "title",
    "edition",
    "approved_on",
)


def plan_gaps(school, today: datetime.date | None = None) -> list[Gap]:
    """Missing scenarios, overdue reviews and drafts never approved of one school."""
    return school_assessment(school, today).gaps


def school_assessment(school, today: datetime.date | None = None, plans=None) -> Assessment:
    node = school.node if isinstance(school, School) else school
    today = today or timezone.localdate()
    if plans is None:
        plans = (
            EmergencyPlan.objects.filter(org=node)
            .exclude(status=PlanStatus.RETIRED)
            .only(*PLAN_FIELDS)
        )
    return assess(school, list(plans), today)


# ------------------------------------------------------------------------------- a region


@dataclass
class SchoolGaps:
    school: School
    assessment: Assessment

    @property
    def node(self) -> OrgNode:
        return self.school.node

    @property
    def gaps(self) -> list[Gap]:
        return self.assessment.gaps

    @property
    def missing(self) -> int:
        return self.assessment.count(MISSING)

    @property
    def drafts(self) -> int:
        return self.assessment.count(DRAFT)

    @property
    def overdue(self) -> int:
        return self.assessment.count(OVERDUE)


def schools_for_plans(user):
    """The school profiles the user sees whose plans the user may read."""
    schools = School.objects.for_user(user, "view")
    prefixes = scope_prefixes(user, EmergencyPlan, "view")
    if prefixes is ALL:
        return schools
    if not prefixes:
        return schools.none()
    return schools.filter(path_q("node__path", prefixes))


def region_gaps(
    *,
    user,
    node: OrgNode | None = None,
    today: datetime.date | None = None,
    kind: str = "",
    scenario: str = "",
    school_kind: str = "",
    school: OrgNode | None = None,
    q: str = "",
    with_gaps_only: bool = True,
    direct: bool = False,
) -> list[SchoolGaps]:
    """Every school of the user's scope (inside `node` when given; only those right under it
    when `direct`) with its gaps: two queries whatever the number of schools. `kind` and
    `scenario` keep the gaps of that kind or scenario (and the schools that have one)."""
    today = today or timezone.localdate()
    schools = schools_for_plans(user).select_related("node", "node__parent")
    plans = EmergencyPlan.objects.for_user(user, "view").exclude(status=PlanStatus.RETIRED)
    if node is not None:
        schools = schools.within(node.path)
        plans = plans.within(node.path)
        if direct:
            schools = schools.filter(node__parent=node)
            plans = plans.filter(org__parent=node)
    if school is not None:
        schools = schools.filter(node_id=school.pk)
        plans = plans.filter(org_id=school.pk)
    if school_kind:
        schools = schools.filter(school_kind=school_kind)
    if q:
        schools = schools.filter(node__name__icontains=q)
    by_school: dict[int, list] = {}
    for plan in plans.filter(org__kind=NodeKind.SCHOOL).only(*PLAN_FIELDS).order_by():
        by_school.setdefault(plan.org_id, []).append(plan)
    rows = []
    for profile in schools.order_by("node__path"):
        assessment = assess(profile, by_school.get(profile.node_id, []), today)
        if kind or scenario:
            assessment.gaps = [
                g
                for g in assessment.gaps
                if (not kind or g.kind == kind) and (not scenario or g.scenario == scenario)
            ]
        if assessment.gaps or not with_gaps_only:
            rows.append(SchoolGaps(profile, assessment))
    return rows


# ----------------------------------------------------------------------------- home page

SCHOOL_MANAGERS = (Role.PRINCIPAL, Role.SAFETY_OFFICER)


def todo_items(user) -> list[dict]:
    """Missing plans, drafts and overdue reviews of the principal's or safety officer's
    school, on the home page."""
    nodes = {
        a.org_id: a.org
        for a in assignments(user)
        if a.role in SCHOOL_MANAGERS and a.org.kind == NodeKind.SCHOOL
    }
    items = []
    today = timezone.localdate()
    for node in nodes.values():
        if not can(user, "view", EmergencyPlan, node):
            continue
        assessment = school_assessment(node, today)
        url = reverse("plans:org", args=[node.pk])
        for kind, label, severity in (
            (MISSING, _("Emergency plans missing"), "due"),
            (OVERDUE, _("Plan reviews overdue"), "overdue"),
            (DRAFT, _("Plans awaiting approval"), "waiting"),
        ):
            count = assessment.count(kind)
            if count:
                items.append(
                    {
                        "label": label if len(nodes) == 1 else f"{label} · {node.name}",
                        "count": count,
                        "url": url,
                        "severity": severity,
                        "key": f"plans-{kind}-{node.pk}",
                    }
                )
    return items
