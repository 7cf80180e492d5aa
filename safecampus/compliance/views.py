"""Pages of compliance: a region's rule × school matrix with drill-down to each verdict's
explanation, a school's verdicts in the order of what to do next, the rules' numbers a city or
county sets (settings), and the 平安校园 awards.

Thin: nodes are fetched through the user's scope (`scoped_get`: out of scope is 404), the
compliance pages need the compliance record type (403 otherwise), writes go through
compliance.overrides and compliance.pingan; verdicts come from compliance.dashboard.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import assignments, can, can_anywhere
from safecampus.accounts.roles import SCHOOL_ROLES
from safecampus.compliance import catalog, dashboard, overrides, pingan
from safecampus.compliance import forms as f
from safecampus.compliance.catalog import DEPARTMENT, SCHOOL
from safecampus.compliance.models import PingAnAward, RuleOverride
from safecampus.compliance.params import versions_above
from safecampus.compliance.verdicts import Status, percent
from safecampus.config.db_router import use_replica
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import ScopedListView, apply_errors, form_page, scoped_get
from safecampus.orgs import node_pages, region_rows, selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import SEGMENT_WIDTH, OrgNode, ancestor_paths
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

NAV = "compliance"
NAV_SCHOOL = "compliance_school"
NAV_AWARDS = "pingan_awards"
NAV_RULES = "rule_numbers"
GET_POST = require_http_methods(["GET", "POST"])

RECORD_URLS["compliance.ruleoverride"] = "compliance:override"
RECORD_URLS["compliance.pinganaward"] = "compliance:award"


# ------------------------------------------------------------------------------ shared


def _require(user, node=None) -> None:
    """403 unless the user reads compliance (at `node`, or anywhere)."""
    node_pages.require_view(user, PingAnAward, node)


def _school_only(user) -> bool:
    roles = assignments(user)
    return bool(roles) and all(a.role in SCHOOL_ROLES for a in roles)


def _period(request):
    """(period or None, error message)."""
    try:
        return f.period_of(request.GET.get("period", "")), ""
    except ValueError as exc:
        return None, str(exc)


def _with_period(url: str, period) -> str:
    return f"{url}?period={period.key}" if period is not None else url


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(
        user,
        node,
        link=lambda n: reverse("compliance:region", args=[n.pk]),
        model=PingAnAward,
        include_self=False,
    )


def _top_node(user):
    return selectors.nodes_where(user, "view", PingAnAward).order_by("depth", "path").first()


# ------------------------------------------------------------------------------ menu, home


def menu_items(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    if can_anywhere(user, "view", PingAnAward):
        if _school_only(user):
            items.append(
                {
                    "group": "compliance",
                    "label": gettext_lazy("My school's compliance"),
                    "url": reverse("compliance:home"),
                    "key": NAV_SCHOOL,
                }
            )
        else:
            items.append(
                {
                    "group": "compliance",
                    "label": gettext_lazy("Compliance dashboard"),
                    "url": reverse("compliance:home"),
                    "key": NAV,
                }
            )
            items.append(
                {
                    "group": "compliance",
                    "label": gettext_lazy("平安校园 awards"),
                    "url": reverse("compliance:awards"),
                    "key": NAV_AWARDS,
                }
            )
    if can_anywhere(user, "view", RuleOverride) and not _school_only(user):
        items.append(
            {
                "group": "settings",
                "label": gettext_lazy("Rule numbers"),
                "url": reverse("compliance:rules"),
                "key": NAV_RULES,
            }
        )
    return items


@login_required
def home(request):
    """The dashboard of `?node=` (a school's page for a school), else of the widest region in
    the user's compliance scope; a school's own staff land on their school."""
    user = request.user
    _require(user)
    raw = request.GET.get("node", "")
    node = scoped_get(user, OrgNode, pk=raw) if raw.isdigit() else _top_node(user)
    if node is None:
        raise Http404
    query = {k: v for k, v in request.GET.items() if k == "period" and v}
    target = "compliance:school" if node.is_school else "compliance:region"
    url = reverse(target, args=[node.pk])
    return redirect(f"{url}?{urlencode(query)}" if query else url)


# ------------------------------------------------------------------------------ region


def _children(user, node, result) -> list[dict]:
    """The regions right under the node, each with its schools and how many fail a rule."""
    kids = list(
        selectors.nodes_where(user, "view", PingAnAward)
        .filter(parent=node)
        .exclude(kind=NodeKind.SCHOOL)
        .order_by("path")
    )
    if not kids:
        return []
    length = len(node.path) + 1 + SEGMENT_WIDTH
    rows = {k.path: {"node": k, "schools": 0, "failing": 0, "no_data": 0} for k in kids}
    school_rules = [r for r in result.rules if r.subject == SCHOOL]
    for subject in result.run.schools:
        row = rows.get(subject.path[:length])
        if row is not None:
            _count(row, result, subject, school_rules)
    return list(rows.values())


def _count(row: dict, result, subject, school_rules) -> None:
    """One school into a region's row: failing when a rule is not met, else "no data" when
    a rule cannot be judged."""
    statuses = {v.status for r in school_rules if (v := result.of(r.code, subject.key)) is not None}
    row["schools"] += 1
    row["failing"] += int(Status.NOT_COMPLIANT in statuses)
    row["no_data"] += int(Status.NO_DATA in statuses and Status.NOT_COMPLIANT not in statuses)


def _region_url(node) -> str:
    return reverse("compliance:region", args=[node.pk])


def _regions(request, node, period, error):
    """Above a county: a row per region under the node, each filled by its own request. A
    province's whole evaluation (every rule for twenty thousand schools) is no page's work."""
    keep = {"period": period.key if period else ""}
    return render(
        request,
        "compliance/regions.html",
        {
            "nav_active": NAV,
            "node": node,
            "breadcrumbs": _breadcrumbs(request.user, node)[:-1],
            "crumb_current": node.name,
            "period": period,
            "period_error": error,
            "month_value": period.key if period is not None and len(period.key) == 7 else "",
            "day": timezone.localdate(),
            "picker": node_pages.picker_options(request.user, node),
            "region_rows": region_rows.region_rows(
                request.user, node, PingAnAward, page_url=_region_url, keep=keep
            ),
            "headers": [
                _("Schools failing a rule"),
                _("Schools without data"),
                _("All four 100 % targets met"),
            ],
        },
    )


def _region_row(request, node, period, direct: bool):
    """One region's row: its schools failing a rule or without data, and its share of
    schools meeting all four 100 % targets."""
    result = dashboard.evaluate(
        request.user, node, period=period, subjects=(SCHOOL,), direct=direct
    ).result
    school_rules = [r for r in result.rules if r.subject == SCHOOL]
    counts = {"schools": 0, "failing": 0, "no_data": 0}
    for subject in result.run.schools:
        _count(counts, result, subject, school_rules)
    row = region_rows.RegionRow(
        node=node,
        schools=counts["schools"],
        direct=direct,
        page_url=region_rows.row_page_url(request),
    )
    return render(
        request,
        "compliance/_region_row.html",
        {"row": row, "counts": counts, "four": dashboard.four_by_100(result)["overall"]},
    )


@login_required
@use_replica()  # derived figures a second behind are fine; see config/db_router.py
def region(request, pk):
    user = request.user
    _require(user)
    node = scoped_get(user, OrgNode, pk=pk)
    _require(user, node)
    period, error = _period(request)
    if node.is_school:
        return redirect(_with_period(reverse("compliance:school", args=[node.pk]), period))
    answer = region_rows.answer(
        request,
        node,
        known=True,  # scoped_get above: a node the user does not see is a 404 already
        row=lambda direct: _region_row(request, node, period, direct),
        regions=lambda: _regions(request, node, period, error),
    )
    if answer is not None:
        return answer
    direct = region_rows.wants_direct(request, node)
    evaluation = dashboard.evaluate(user, node, period=period, direct=direct)
    result = evaluation.result
    groups = dashboard.columns(result.rules)
    rules = dashboard.flat(groups)
    if request.GET.get("export") == "xlsx":
        title = _("Compliance") + f" {node.name} {period.key if period else timezone.localdate()}"
        return dashboard.export_xlsx(result, groups, title=title)

    def school_url(subject):
        return _with_period(reverse("compliance:school", args=[subject.node_id]), period)

    rows = dashboard.matrix_rows(result, rules, school_url=school_url)
    show = request.GET.get("show", "")
    if show == "failing":
        rows = [r for r in rows if r["failing"]]
    focus = request.GET.get("rule", "")
    focus_rule = (
        catalog.RULES_BY_CODE.get(focus) if focus in {r.code for r in result.rules} else None
    )
    verdict_template = reverse("compliance:verdict", args=["__RULE__", 0]).replace(
        "/0/", "/__NODE__/"
    )
    params = request.GET.copy()
    params["export"] = "xlsx"
    ctx = {
        "nav_active": NAV,
        "node": node,
        "breadcrumbs": _breadcrumbs(user, node),
        "crumb_current": node.name,
        "period": period,
        "period_error": error,
        "month_value": period.key if period is not None and len(period.key) == 7 else "",
        "groups": groups,
        "rules": rules,
        "codes": ",".join(r.code for r in rules),
        "rows": rows,
        "show": show,
        "schools": len(result.run.schools),
        "failing_schools": sum(1 for r in rows if r["failing"]) if show != "failing" else len(rows),
        "summaries": dashboard.summaries(result, rules),
        "missing": evaluation.missing,
        "others": dashboard.other_rows(result, period),
        "focus": focus_rule,
        "focus_rows": dashboard.rule_rows(result, focus_rule.code, period) if focus_rule else [],
        "verdict_url": _with_period(verdict_template, period),
        "four": dashboard.four_by_100(result),
        "pingan": pingan.progress(result)
        if "TARGET-PINGAN" in {r.code for r in result.rules}
        else None,
        "outcomes": dashboard.outcomes(user, node, result),
        "children": [] if direct else _children(user, node, result),
        "direct": direct,
        "history_groups": dashboard.history_groups(),
        "history_url": reverse("compliance:history", args=[node.pk]),
        "export_url": "?" + params.urlencode(),
        "picker": node_pages.picker_options(user, node),
        "day": result.run.day,
        "can_award": pingan.may(user, "add", node),
    }
    if ctx["pingan"]:
        names = {c["node"].path: c["node"] for c in ctx["children"]}
        ctx["pingan_children"] = [
            {"node": names[path], **row}
            for path, row in sorted(ctx["pingan"]["branches"].items())
            if path in names
        ]
    return render(request, "compliance/region.html", ctx)


@login_required
@use_replica()
def history(request, pk):
    """Share compliant per rule of one group over the last twelve months (a part of the
    region page, loaded after it: each month is a whole evaluation)."""
    user = request.user
    _require(user)
    node = scoped_get(user, OrgNode, pk=pk)
    _require(user, node)
    groups = dashboard.history_groups()
    names = [g["group"] for g in groups]
    group = request.GET.get("group", "")
    if group not in names:
        group = "drill" if "drill" in names else (names[0] if names else "")
    data = dashboard.history(user, node, group=group) if group else None
    return render(
        request,
        "compliance/_history.html",
        {"node": node, "data": data, "groups": groups, "group": group},
    )


# ------------------------------------------------------------------------------ a verdict


def _subject_of(result, rule, node, department_id):
    for subject in result.run.subjects(rule.subject):
        if rule.subject == DEPARTMENT:
            if str(subject.department_id) == department_id:
                return subject
        elif subject.node_id == node.pk:
            return subject
    return None


@login_required
def verdict(request, code, pk):
    """One verdict: its explanation, period, evidence with links, and the numbers in force
    with where they come from (the rule's defaults, or which region's version)."""
    user = request.user
    _require(user)
    rule = catalog.RULES_BY_CODE.get(code)
    node = scoped_get(user, OrgNode, pk=pk)
    if rule is None:
        raise Http404
    _require(user, node)
    period, error = _period(request)
    evaluation = dashboard.evaluate(
        user, node, codes=[code], period=period, subjects=(rule.subject,)
    )
    result = evaluation.result
    if not result.rules:
        raise Http404  # its capability is not installed yet
    subject = _subject_of(result, rule, node, request.GET.get("department", ""))
    v = result.of(code, subject.key) if subject is not None else None
    if v is None:
        raise Http404
    day = v.period.end if v.period is not None else result.run.day
    source = overrides.source(result.run.book, rule, subject.path, day)
    parent = None
    if subject.kind == SCHOOL and node.parent_id:
        parent = selectors.nodes_where(user, "view", PingAnAward).filter(pk=node.parent_id).first()
    source_node = source["override"].org if source["override"] is not None else None
    return render(
        request,
        "compliance/verdict.html",
        {
            "nav_active": NAV_SCHOOL if _school_only(user) else NAV,
            "breadcrumbs": _breadcrumbs(user, node),
            "rule": rule,
            "node": node,
            "subject": subject,
            "verdict": v,
            "period": period,
            "period_error": error,
            "evidence": dashboard.evidence_rows(v),
            "params": overrides.describe(rule, source["params"]),
            "source": source,
            "source_url": reverse("compliance:rule", args=[source_node.pk, rule.code])
            if source_node is not None and can(user, "view", RuleOverride, source_node)
            else "",
            "params_day": day,
            "fix_url": dashboard.fix_url(rule) if subject.kind == SCHOOL else "",
            "school_url": _with_period(reverse("compliance:school", args=[node.pk]), period)
            if subject.kind == SCHOOL
            else "",
            "region_url": _with_period(reverse("compliance:region", args=[parent.pk]), period)
            if parent is not None
            else "",
            "value_text": percent(v.value)
            if v.value is not None and 0 <= v.value <= 1
            else ("" if v.value is None else f"{v.value:g}"),
        },
    )


# ------------------------------------------------------------------------------ a school


@login_required
def school(request, pk):
    """A school's own verdicts, in the order of what to do next, each with its explanation
    and the page that fixes it."""
    user = request.user
    _require(user)
    node = scoped_get(user, OrgNode, pk=pk)
    _require(user, node)
    period, error = _period(request)
    if not node.is_school:
        return redirect(_with_period(reverse("compliance:region", args=[node.pk]), period))
    evaluation = dashboard.evaluate(user, node, period=period, subjects=(SCHOOL,))
    verdicts = evaluation.result.for_subject(node.pk)
    items = dashboard.school_items(verdicts)
    for item in items:
        item["url"] = _with_period(
            reverse("compliance:verdict", args=[item["rule"].code, node.pk]), period
        )
    counts = {s: sum(1 for v in verdicts if v.status == s) for s in Status.values}
    parent = None
    if node.parent_id:
        parent = selectors.nodes_where(user, "view", PingAnAward).filter(pk=node.parent_id).first()
    return render(
        request,
        "compliance/school.html",
        {
            "nav_active": NAV_SCHOOL if _school_only(user) else NAV,
            "breadcrumbs": _breadcrumbs(user, node),
            "crumb_current": node.name,
            "node": node,
            "items": items,
            "counts": counts,
            "period": period,
            "period_error": error,
            "month_value": period.key if period is not None and len(period.key) == 7 else "",
            "missing": evaluation.missing,
            "day": evaluation.result.run.day,
            "region_url": _with_period(reverse("compliance:region", args=[parent.pk]), period)
            if parent is not None
            else "",
            "picker": node_pages.picker_options(user, node) if not _school_only(user) else [],
        },
    )


# ------------------------------------------------------------------------------ rule numbers


def _rules_url(node) -> str:
    return reverse("compliance:rules-node", args=[node.pk])


@login_required
def rules_home(request):
    user = request.user
    node_pages.require_view(user, RuleOverride)
    return redirect(_rules_url(node_pages.start_node(request)))


@login_required
def rules_node(request, pk):
    """Every rule with the numbers in force today at the node, and where they come from."""
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    node_pages.require_view(user, RuleOverride, node)
    today = timezone.localdate()
    book, rows = versions_above(node)
    groups = []
    for group in catalog.GROUPS:
        members = []
        for rule in catalog.RULES:
            if rule.group != group:
                continue
            found = book.source(rule.code, node.path, today)
            members.append(
                {
                    "rule": rule,
                    "params": overrides.describe(rule, book.params(rule.code, node.path, today)),
                    "override": rows.get((rule.code, found[1], found[2])) if found else None,
                    "url": reverse("compliance:rule", args=[node.pk, rule.code]),
                }
            )
        if members:
            groups.append({"label": dashboard.GROUP_LABELS[group], "rules": members})
    return render(
        request,
        "compliance/rules.html",
        {
            "nav_active": NAV_RULES,
            "node": node,
            "groups": groups,
            "today": today,
            "can_set": overrides.may_set(user, node),
            "picker": node_pages.picker_options(user, node),
        },
    )


@login_required
@GET_POST
def rule(request, pk, code):
    """One rule at a region: its text, the numbers in force and their source, every version
    at the region and above (who entered it, when), and for the region's bureau a new
    version from a day on, or withdrawing the region's numbers."""
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    node_pages.require_view(user, RuleOverride, node)
    spec = catalog.RULES_BY_CODE.get(code)
    if spec is None:
        raise Http404
    today = timezone.localdate()
    book, by_key = versions_above(node)
    current = book.params(code, node.path, today)
    may_set = overrides.may_set(user, node) and bool(spec.params)
    form = withdraw = None
    if may_set:
        form = f.OverrideForm(
            request.POST if request.POST.get("action") == "set" else None,
            rule=spec,
            current=current,
        )
        withdraw = f.WithdrawForm(
            request.POST if request.POST.get("action") == "withdraw" else None,
            initial={"effective_from": today},
        )
    elif request.method == "POST":
        raise PermissionDenied(_("Your role does not allow this here."))
    if request.method == "POST":
        bound = form if request.POST.get("action") == "set" else withdraw
        if bound.is_bound and bound.is_valid():
            data = bound.cleaned_data
            try:
                if bound is form:
                    overrides.override_set(
                        node=node,
                        code=code,
                        params=data["params"],
                        effective_from=data["effective_from"],
                        by=user,
                        note=data["note"],
                        document_number=data["document_number"],
                    )
                    message = _("%(code)s: new numbers for %(node)s from %(date)s.")
                else:
                    overrides.override_withdraw(
                        node=node,
                        code=code,
                        effective_from=data["effective_from"],
                        by=user,
                        note=data["note"],
                    )
                    message = _(
                        "%(code)s: from %(date)s, %(node)s follows the numbers of the region "
                        "above or the defaults."
                    )
            except ValidationError as exc:
                apply_errors(bound, exc)
            else:
                messages.success(
                    request,
                    message
                    % {
                        "code": code,
                        "node": node.name,
                        "date": data["effective_from"].isoformat(),
                    },
                )
                return redirect(reverse("compliance:rule", args=[node.pk, code]))
    found = book.source(code, node.path, today)
    in_force = None
    if found is not None:
        in_force = by_key.get((code, found[1], found[2]))
    versions = []
    for o in overrides.versions(node, code):
        versions.append(
            {
                "override": o,
                "params": overrides.describe(spec, {**spec.params, **o.params}) if o.params else [],
                "withdrawn": not o.params,
                "in_force": in_force is not None and o.pk == in_force.pk,
                "future": o.effective_from > today,
                "own": o.org_id == node.pk,
                "can_cancel": o.org_id == node.pk
                and o.effective_from > today
                and can(user, "delete", RuleOverride, node),
            }
        )
    return render(
        request,
        "compliance/rule.html",
        {
            "nav_active": NAV_RULES,
            "breadcrumbs": [
                {"node": n, "url": _rules_url(n)} for n in _visible_ancestors(user, node)
            ],
            "crumb_current": node.name,
            "node": node,
            "rule": spec,
            "params": overrides.describe(spec, current),
            "in_force": in_force,
            "versions": versions,
            "form": form,
            "withdraw": withdraw,
            "today": today,
            "can_set": may_set,
            "is_region": node.kind in overrides.KINDS,
        },
    )


def _visible_ancestors(user, node):
    paths = ancestor_paths(node.path, include_self=False)
    return list(selectors.visible_nodes(user).filter(path__in=paths).order_by("path"))


@login_required
def override(request, pk):
    """An override's place (the audit trail links here): its rule's page at its region."""
    user = request.user
    row = scoped_get(user, RuleOverride.objects.select_related("org"), pk=pk)
    node_pages.require_view(user, RuleOverride, row.org)
    return redirect(reverse("compliance:rule", args=[row.org_id, row.code]))


@login_required
@require_POST
def override_cancel(request, pk):
    user = request.user
    row = scoped_get(user, RuleOverride.objects.select_related("org"), pk=pk)
    try:
        overrides.override_cancel(override=row, by=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The version of %(code)s from %(date)s was cancelled.")
            % {"code": row.code, "date": row.effective_from.isoformat()},
        )
    return redirect(reverse("compliance:rule", args=[row.org_id, row.code]))


# ------------------------------------------------------------------------------ awards


class AwardListView(ScopedListView):
    model = PingAnAward
    template_name = "compliance/awards.html"
    nav = NAV_AWARDS
    filter_form_class = f.AwardFilterForm
    export_name = gettext_lazy("平安校园 awards")
    export_columns = [
        (gettext_lazy("School"), lambda a: a.org.name),
        (gettext_lazy("Level"), lambda a: a.get_level_display()),
        (gettext_lazy("Awarded on"), lambda a: a.awarded_on),
        (gettext_lazy("Document number"), lambda a: a.document_number),
        (gettext_lazy("Revoked on"), lambda a: a.revoked_on),
        (gettext_lazy("State"), lambda a: pingan.state_label(a, timezone.localdate())),
        (gettext_lazy("Note"), lambda a: a.note),
    ]

    def decorate(self, qs):
        return qs.select_related("org")

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        today = timezone.localdate()
        if data.get("state") == "in_force":
            qs = qs.filter(awarded_on__lte=today).filter(
                Q(revoked_on__isnull=True) | Q(revoked_on__gt=today)
            )
        elif data.get("state") == "revoked":
            qs = qs.filter(revoked_on__lte=today)
        if data.get("q"):
            qs = qs.filter(
                Q(org__name__icontains=data["q"]) | Q(document_number__icontains=data["q"])
            )
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        ctx["rows"] = [
            {
                "award": a,
                "state": pingan.state_label(a, today),
                "in_force": pingan.in_force(a, today),
            }
            for a in ctx["object_list"]
        ]
        ctx["can_add"] = pingan.may_anywhere(self.request.user, "add")
        return ctx


def _award_schools(user):
    prefixes_nodes = selectors.nodes_where(user, "add", RuleOverride)
    return prefixes_nodes.filter(kind=NodeKind.SCHOOL, is_active=True)


@login_required
@GET_POST
def award_new(request):
    user = request.user
    if not pingan.may_anywhere(user, "add"):
        raise PermissionDenied(_("Your role does not allow this here."))
    schools = _award_schools(user)
    initial = {"awarded_on": timezone.localdate()}
    raw = request.GET.get("school", "")
    if raw.isdigit() and schools.filter(pk=raw).exists():
        initial["school"] = int(raw)
    form = f.AwardForm(request.POST or None, user=user, schools=schools, initial=initial)

    def save():
        data = form.cleaned_data
        award = pingan.award_record(
            school=data["school"],
            level=data["level"],
            awarded_on=data["awarded_on"],
            document_number=data["document_number"],
            note=data["note"],
            by=user,
        )
        return (
            _("Recorded: %(school)s completed 平安校园 creation.") % {"school": award.org.name},
            reverse("compliance:award", args=[award.pk]),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV_AWARDS,
        title=_("Record a 平安校园 award"),
        cancel_url=reverse("compliance:awards"),
    )


@login_required
def award(request, pk):
    user = request.user
    row = scoped_get(user, PingAnAward.objects.select_related("org"), pk=pk)
    today = timezone.localdate()
    may_revoke = row.revoked_on is None and pingan.may(user, "change", row.org)
    form = None
    if may_revoke:
        form = f.RevokeForm(initial={"revoked_on": today, "version": row.version})
    return render(
        request,
        "compliance/award.html",
        {
            "nav_active": NAV_AWARDS,
            "award": row,
            "state": pingan.state_label(row, today),
            "in_force": pingan.in_force(row, today),
            "form": form,
            "history": history_for(user, row),
            "school_url": reverse("compliance:school", args=[row.org_id])
            if can(user, "view", PingAnAward, row.org)
            else "",
        },
    )


@login_required
@require_POST
def award_revoke(request, pk):
    user = request.user
    row = scoped_get(user, PingAnAward.objects.select_related("org"), pk=pk)
    if not pingan.may(user, "change", row.org):
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.RevokeForm(request.POST)
    if form.is_valid():
        try:
            pingan.award_revoke(
                award=row,
                revoked_on=form.cleaned_data["revoked_on"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
                by=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The award of %(school)s is revoked from %(date)s.")
                % {"school": row.org.name, "date": row.revoked_on.isoformat()},
            )
            return redirect(reverse("compliance:award", args=[row.pk]))
    return render(
        request,
        "compliance/award.html",
        {
            "nav_active": NAV_AWARDS,
            "award": row,
            "state": pingan.state_label(row, timezone.localdate()),
            "in_force": pingan.in_force(row, timezone.localdate()),
            "form": form,
            "history": history_for(user, row),
            "school_url": "",
        },
        status=400,
    )
