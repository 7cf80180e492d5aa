"""Pages of the inventory: a school's figures with their standing and history, the school's
own update (on a phone), an official's confirm-or-correct (from an inspection or a visit),
and the county overview with the 4×100 shares and an Excel export.

Thin: reads start from `for_user` (a school outside the user's scope is 404), writes check
the role table (403) and go through defense.services; verdicts come from defense.rules.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from safecampus.accounts.access import can, can_anywhere, scope_prefixes
from safecampus.compliance.catalog import RULES_BY_CODE
from safecampus.compliance.params import ParamBook, share_target
from safecampus.compliance.verdicts import Status, percent
from safecampus.core.dates import ONE_DAY, day_start
from safecampus.core.listing import apply_errors, require, xlsx_response
from safecampus.core.scoping import ALL, path_q
from safecampus.defense import inspection_map, rules, selectors, services
from safecampus.defense.figures import BY_NAME, FIGURES, YESNO, grouped, values_of
from safecampus.defense.forms import InventoryForm, VerifyForm
from safecampus.defense.models import InventorySnapshot, Verification
from safecampus.hazards.models import Inspection
from safecampus.orgs import region_rows
from safecampus.orgs import selectors as org_selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, School, ancestor_paths
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

GET_POST = require_http_methods(["GET", "POST"])
# The inspections a verification may name when it starts from none: those of the last year.
RECENT_INSPECTION_DAYS = 365
NAV = "defense"
NAV_EDIT = "defense_edit"

# The overview's columns of figures, in the order a bureau reads them.
OVERVIEW_FIGURES = (
    "gate_hours",
    "patrols_per_day",
    "closed_management",
    "alarm_installed",
    "alarm_networked",
    "video_entrances",
    "video_networked",
    "wall_height_m",
    "wall_anti_climb",
    "health_staff",
    "canteen_6t",
    "open_kitchen",
)
# The 4×100 targets and the canteen shares, as the overview reports them.
SHARE_CODES = (
    "STAFF-GUARD",
    "DEF-CLOSED",
    "DEF-ALARM",
    "DEF-VIDEO",
    "TARGET-4X100",
    "FOOD-6T",
    "FOOD-OPEN-KITCHEN",
)
TARGET_OF = dict.fromkeys(("STAFF-GUARD", "DEF-CLOSED", "DEF-ALARM", "DEF-VIDEO"), "TARGET-4X100")


# ------------------------------------------------------------------------------ helpers


def _schools_visible(user):
    """School profiles inside the user's inventory scope."""
    prefixes = scope_prefixes(user, InventorySnapshot, "view")
    qs = School.objects.select_related("node").filter(node__is_active=True)
    if prefixes is ALL:
        return qs
    if not prefixes:
        return qs.none()
    return qs.filter(path_q("node__path", prefixes))


def _school(user, pk) -> School:
    school = _schools_visible(user).filter(node_id=pk).first()
    if school is None:
        raise Http404
    return school


def _own_schools(user, action: str = "view") -> list[School]:
    """The schools a school-side user works at (for "my inventory" and "edit")."""
    nodes = [a.org for a in _assignments(user) if a.org.kind == NodeKind.SCHOOL]
    return [
        s
        for s in _schools_visible(user).filter(node__in=nodes).order_by("node__path")
        if can(user, action, InventorySnapshot, s.node)
    ]


def _assignments(user):
    from safecampus.accounts.access import assignments

    return assignments(user)


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(
        user,
        node,
        link=lambda n: f"{reverse('defense:overview')}?node={n.pk}",
        model=InventorySnapshot,
        include_self=False,
    )


def _day(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _params(book: ParamBook, path: str, day: datetime.date):
    def params_for(code):
        return book.params(code, path, day)

    return params_for


def _verdicts(snapshot, school: School, book: ParamBook, day: datetime.date) -> dict:
    """{rule code: Finding} of the inventory's rules for one school."""
    params_for = _params(book, school.node.path, day)
    return {code: rules.judge(code, snapshot, school, params_for) for code in rules.CODES}


def _gap_figures(findings: dict, snapshot, school, book, day) -> set[str]:
    """The figures behind the failing rules, for the pages to mark."""
    values = values_of(snapshot)
    params_for = _params(book, school.node.path, day)
    return {
        name
        for code, f in findings.items()
        if f.status == Status.NOT_COMPLIANT
        for name in rules.failing_figures(code, values, school, params_for)
    }


# ------------------------------------------------------------------------ school page


@login_required
def school_page(request, pk):
    """One school's inventory: each figure with its standing, the rules on it, the history
    of changes and of verifications; `?on=YYYY-MM-DD` shows the state on a past day."""
    user = request.user
    school = _school(user, pk)
    node = school.node
    on = _day(request.GET.get("on", ""))
    today = timezone.localdate()
    snapshots = list(
        InventorySnapshot.objects.for_user(user)
        .filter(org=node)
        .select_related("recorded_by", "inspection__checklist__template")
        .order_by("recorded_at", "id")
    )
    verifications = list(
        Verification.objects.for_user(user)
        .filter(org=node)
        .select_related("verified_by", "inspection__checklist__template")
        .order_by("verified_at", "id")
    )
    if on is not None:
        cutoff = day_start(on + ONE_DAY)
        snapshots = [s for s in snapshots if s.recorded_at < cutoff]
        verifications = [v for v in verifications if v.verified_at < cutoff]
    current = snapshots[-1] if snapshots else None
    states = selectors.figure_states(snapshots, verifications) if current else []
    day = on or today
    findings = {}
    book = ParamBook.for_region(node.path)
    if current is not None:
        findings = _verdicts(current, school, book, day)
    verdicts = [
        {
            "code": code,
            "rule": RULES_BY_CODE[code],
            "status": f.status,
            "status_label": Status(f.status).label,
            "explanation": f.explanation,
        }
        for code, f in findings.items()
    ]
    gap_figures = set()
    if current is not None:
        gap_figures = _gap_figures(findings, current, school, book, day)
    state_groups = [
        {
            "label": label,
            "states": [s for s in states if s.figure.group == key],
        }
        for key, label, _members in grouped()
    ]
    for group in state_groups:
        for s in group["states"]:
            s.gap = s.figure.name in gap_figures
    return render(
        request,
        "defense/school.html",
        {
            "nav_active": NAV,
            "school": school,
            "node": node,
            "on": on,
            "today": today,
            "current": current,
            "state_groups": state_groups,
            "verdicts": verdicts,
            "history": selectors.history_rows(snapshots),
            "verifications": list(reversed(verifications))[:60],
            "verified_count": sum(1 for s in states if s.verified),
            "figure_count": len(FIGURES),
            "stale_days": selectors.STALE_DAYS,
            "day_pupils": rules.day_pupils(school),
            "required_guards": rules.required_guards(
                rules.day_pupils(school),
                book.params("GUARD-RATIO", node.path, day),
            ),
            "can_edit": can(user, "add", InventorySnapshot, node),
            "can_verify": can(user, "change", InventorySnapshot, node)
            and services.is_verifier(user, node),
            "breadcrumbs": _breadcrumbs(user, node),
        },
    )


# ------------------------------------------------------------------------------ edit


def _edit_school(request) -> School:
    user = request.user
    raw = request.GET.get("node", "") or request.POST.get("node", "")
    if raw.isdigit():
        school = _school(user, int(raw))
    else:
        own = _own_schools(user, "add")  # a head of two schools starts with the first
        if not own:
            raise Http404
        school = own[0]
    require(user, "add", InventorySnapshot, school.node)
    return school


@login_required
@GET_POST
def edit(request):
    """The school's update of its inventory (a declaration): every figure, grouped 人防 /
    物防 / 技防, one column on a phone."""
    user = request.user
    if not request.GET.get("node") and not _own_schools(user, "add"):
        if can_anywhere(user, "view", InventorySnapshot):
            return redirect("defense:overview")
        raise PermissionDenied(_("Your role does not allow this here."))
    school = _edit_school(request)
    node = school.node
    current = services.current_snapshot(node)
    form = InventoryForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.inventory_declare(
                school=node,
                by=user,
                figures=form.figures(),
                based_on=form.cleaned_data.get("based_on"),
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The inventory is saved."))
            return redirect("defense:school", pk=node.pk)
    return render(
        request,
        "defense/edit.html",
        {
            "nav_active": NAV_EDIT,
            "form": form,
            "school": school,
            "node": node,
            "current": current,
            "title": _("Three-defense inventory of %(school)s") % {"school": node.name},
            "day_pupils": rules.day_pupils(school),
            "cancel_url": reverse("defense:school", args=[node.pk]),
        },
    )


# ---------------------------------------------------------------------------- verify


def _suggested(cover: inspection_map.Coverage, code: str) -> dict:
    """A yes/no figure whose own item (one that looks at nothing else) was answered
    "abnormal" is suggested as "no"; the official still decides."""
    out = {}
    for name in cover.abnormal:
        if BY_NAME[name].kind != YESNO:
            continue
        texts = [t for t, answer, _l, _n in cover.answers[name] if answer == "abnormal"]
        if texts and all(len(inspection_map.ITEM_FIGURES[(code, t)]) == 1 for t in texts):
            out[name] = False
    return out


@login_required
@GET_POST
def verify(request, pk):
    """Confirm or correct figures on site: from an inspection (`?inspection=`), the figures
    its items cover are ticked and its answers shown beside them."""
    user = request.user
    school = _school(user, pk)
    node = school.node
    require(user, "change", InventorySnapshot, node)
    if not services.is_verifier(user, node):
        raise PermissionDenied(
            _(
                "A school declares its own figures; an inspector, the bureau or the police confirm them."
            )
        )
    current = services.current_snapshot(node)
    inspections = (
        Inspection.objects.for_user(user)
        .filter(org=node, checklist__template__code__in=inspection_map.CODES)
        .select_related("checklist__template")
        .order_by("-inspected_at")
    )
    raw = request.GET.get("inspection", "") or request.POST.get("inspection", "")
    inspection = inspections.filter(pk=raw).first() if raw.isdigit() else None
    if raw.isdigit() and inspection is None:
        raise Http404
    cover = inspection_map.coverage(inspection) if inspection is not None else None
    form = VerifyForm(
        request.POST or None,
        current=current,
        inspections=inspections.filter(
            inspected_at__gte=timezone.now() - datetime.timedelta(days=RECENT_INSPECTION_DAYS)
        )
        if inspection is None
        else inspections,
        checked=cover.figures if cover else (),
        suggested=_suggested(cover, inspection.checklist.template.code) if cover else None,
        initial={"inspection": inspection.pk} if inspection is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            rows, _correction = services.inventory_verify(
                school=node,
                by=user,
                found=form.found,
                based_on=form.cleaned_data.get("based_on"),
                inspection=form.cleaned_data.get("inspection"),
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            corrected = sum(1 for r in rows if r.outcome == "corrected")
            messages.success(
                request,
                _("%(confirmed)d figures confirmed, %(corrected)d corrected.")
                % {"confirmed": len(rows) - corrected, "corrected": corrected},
            )
            return redirect("defense:school", pk=node.pk)
    return render(
        request,
        "defense/verify.html",
        {
            "nav_active": NAV,
            "form": form,
            "groups": form.rows(current, cover.answers if cover else None),
            "school": school,
            "node": node,
            "current": current,
            "inspection": inspection,
            "title": _("Confirm or correct the inventory of %(school)s") % {"school": node.name},
            "cancel_url": reverse("defense:school", args=[node.pk]),
        },
    )


# -------------------------------------------------------------------------- overview


def overview_rows(user, node: OrgNode, day: datetime.date, *, direct: bool = False) -> list[dict]:
    """Every school of the region in the user's scope (only those right under it when
    `direct`), with its inventory in force, the rules on it and the freshness of its
    verifications (five queries)."""
    direct = direct and not node.is_school
    if node.is_school:
        schools = list(_schools_visible(user).filter(node=node))
    else:
        below = _schools_visible(user).filter(node__path__startswith=node.path + ".")
        if direct:
            below = below.filter(node__parent=node)
        schools = list(below.select_related("node__parent").order_by("node__path"))
    snapshots = InventorySnapshot.objects.for_user(user).within(node.path)
    verifications = Verification.objects.for_user(user).within(node.path)
    if direct:
        snapshots = snapshots.filter(org__parent=node)
        verifications = verifications.filter(org__parent=node)
    snapshots = {s.org_id: s for s in selectors.in_force(snapshots, day)}
    verified = selectors.last_verified(
        verifications.filter(verified_at__lt=day_start(day + ONE_DAY))
    )
    book = ParamBook.for_region(node.path)
    townships = {
        n.path: n for n in OrgNode.objects.filter(kind=NodeKind.TOWNSHIP).within(node.path)
    } | {
        n.path: n
        for n in OrgNode.objects.filter(kind=NodeKind.TOWNSHIP, path__in=ancestor_paths(node.path))
    }
    rows = []
    for school in schools:
        snap = snapshots.get(school.node_id)
        township = next(
            (townships[p] for p in ancestor_paths(school.node.path) if p in townships), None
        )
        last = verified.get(school.node_id) or {}
        age = selectors.age_days(last.get("at"), day)
        row = {
            "school": school,
            "node": school.node,
            "township": township,
            "snapshot": snap,
            "day_pupils": rules.day_pupils(school),
            "required_guards": rules.required_guards(
                rules.day_pupils(school), book.params("GUARD-RATIO", school.node.path, day)
            ),
            "last_verified": last.get("at"),
            "last_verified_by": last.get("by", ""),
            "age": age,
            "stale": age is None or age > selectors.STALE_DAYS,
            "findings": {},
            "gaps": [],
            "cells": [],
        }
        if snap is not None:
            row["findings"] = _verdicts(snap, school, book, day)
            row["gaps"] = [
                code
                for code, f in row["findings"].items()
                if f.status == Status.NOT_COMPLIANT and code != "TARGET-4X100"
            ]
            gap_figures = _gap_figures(row["findings"], snap, school, book, day)
            values = values_of(snap)
            row["cells"] = [
                {
                    "name": name,
                    "text": BY_NAME[name].display(values[name]),
                    "gap": name in gap_figures,
                    "na": name in ("canteen_6t", "open_kitchen") and not values["has_canteen"],
                }
                for name in OVERVIEW_FIGURES
            ]
            row["guards"] = values["guards"]
            row["guards_gap"] = "GUARD-RATIO" in row["gaps"] or "STAFF-GUARD" in row["gaps"]
            row["guards_note"] = " ".join(
                row["findings"][c].explanation
                for c in ("GUARD-RATIO", "STAFF-GUARD")
                if c in row["gaps"]
            )
        rows.append(row)
    return rows


def shares(rows: list[dict], node: OrgNode, day: datetime.date) -> list[dict]:
    """The region's share of schools meeting each target; "no data" (no inventory) counts
    against it and "not applicable" (no canteen) is left out, as in the engine."""
    book = ParamBook.for_region(node.path)
    out = []
    for code in SHARE_CODES:
        compliant = judged = 0
        for row in rows:
            f = row["findings"].get(code)
            status = f.status if f is not None else Status.NO_DATA
            if status == Status.NOT_APPLICABLE:
                continue
            judged += 1
            compliant += status == Status.COMPLIANT
        rule = RULES_BY_CODE[TARGET_OF.get(code, code)]
        target = None
        if rule.share_target:
            target = share_target(
                book.params(rule.code, node.path, day), rule.share_target, day.year
            )
        share = compliant / judged if judged else None
        out.append(
            {
                "code": code,
                "rule": RULES_BY_CODE[code],
                "compliant": compliant,
                "judged": judged,
                "share": share,
                "share_text": percent(share),
                "target": target,
                "target_text": percent(target) if target is not None else "—",
                "on_target": None if target is None or share is None else share + 1e-9 >= target,
            }
        )
    return out


def _overview_node(request) -> OrgNode | None:
    user = request.user
    regions = org_selectors.nodes_where(user, "view", InventorySnapshot)
    raw = request.GET.get("node", "")
    if raw.isdigit():
        node = regions.filter(pk=raw).first()
        if node is None:
            raise Http404
        return node
    region = regions.exclude(kind=NodeKind.SCHOOL).order_by("depth", "path").first()
    if region is not None:
        return region
    # An inspector assigned to a few schools sees them side by side: the page is that of the
    # region holding them all, and lists only the schools the inspector may see.
    paths = list(regions.filter(kind=NodeKind.SCHOOL).values_list("path", flat=True)[:500])
    if len(paths) < 2:
        return None
    common = paths[0].split(".")
    for path in paths[1:]:
        parts = path.split(".")
        while common and parts[: len(common)] != common:
            common = common[:-1]
    return OrgNode.objects.filter(path=".".join(common)).first() if common else None


@login_required
def overview(request):
    """The county's (or township's) inventory: per school the figures, guards required
    against on staff, gaps highlighted, how long since the last verification; the 4×100
    shares of the region; `?export=xlsx` the same table as a workbook."""
    user = request.user
    if not can_anywhere(user, "view", InventorySnapshot):
        raise PermissionDenied(_("Your role does not allow this here."))
    node = _overview_node(request)
    if node is None:
        own = _own_schools(user)
        if not own:
            raise Http404
        return redirect("defense:school", pk=own[0].node_id)
    day = timezone.localdate()
    answer = region_rows.answer(
        request,
        node,
        known=bool(request.GET.get("node")),  # _overview_node: 404 for one not seen
        row=lambda direct: _overview_row(request, node, day, direct),
        regions=lambda: _overview_regions(request, node, day),
    )
    if answer is not None:
        return answer
    direct = region_rows.wants_direct(request, node)
    all_rows = overview_rows(user, node, day, direct=direct)
    region_shares = shares(all_rows, node, day)
    show = request.GET.get("show", "")
    rows = all_rows
    if show == "unverified":
        rows = [r for r in rows if r["snapshot"] is not None and r["stale"]]
    elif show == "gaps":
        rows = [r for r in rows if r["gaps"]]
    elif show == "missing":
        rows = [r for r in rows if r["snapshot"] is None]
    if request.GET.get("export") == "xlsx":
        return _overview_xlsx(rows, node, day)
    params = request.GET.copy()
    params["export"] = "xlsx"
    regions = (
        org_selectors.nodes_where(user, "view", InventorySnapshot)
        .exclude(kind=NodeKind.SCHOOL)
        .order_by("path")[:300]
    )
    return render(
        request,
        "defense/overview.html",
        {
            "nav_active": NAV,
            "node": node,
            "day": day,
            "rows": rows,
            "shares": region_shares,
            "show": show,
            "regions": regions,
            "figure_labels": [BY_NAME[n].label for n in OVERVIEW_FIGURES],
            "counts": _counts(all_rows),
            "stale_days": selectors.STALE_DAYS,
            "export_url": "?" + params.urlencode(),
            "breadcrumbs": _overview_crumbs(request, node),
            "direct": direct,
        },
    )


def _counts(rows: list[dict]) -> dict:
    return {
        "schools": len(rows),
        "missing": sum(1 for r in rows if r["snapshot"] is None),
        "gaps": sum(1 for r in rows if r["gaps"]),
        "unverified": sum(1 for r in rows if r["snapshot"] is not None and r["stale"]),
    }


def _overview_crumbs(request, node):
    return region_rows.crumbs(request.user, node, InventorySnapshot, page_url=request.path)


def _overview_regions(request, node, day):
    """Above a county: a row per region under the node, each filled by its own request."""
    rows = region_rows.region_rows(request.user, node, InventorySnapshot, page_url=request.path)
    return render(
        request,
        "defense/overview_regions.html",
        {
            "nav_active": NAV,
            "node": node,
            "day": day,
            "region_rows": rows,
            "headers": [
                _("Never entered"),
                _("With gaps"),
                _("Not verified for %(stale_days)s days") % {"stale_days": selectors.STALE_DAYS},
                *SHARE_CODES,
            ],
            "rules": [RULES_BY_CODE[c] for c in SHARE_CODES],
            "breadcrumbs": _overview_crumbs(request, node),
        },
    )


def _overview_row(request, node, day, direct: bool):
    """One region's row: its schools never entered, with gaps and unverified, and its shares
    of schools meeting each target (against the target in force for the region)."""
    rows = overview_rows(request.user, node, day, direct=direct)
    page_url = region_rows.row_page_url(request)
    row = region_rows.RegionRow(node=node, schools=len(rows), direct=direct, page_url=page_url)
    return render(
        request,
        "defense/_overview_region_row.html",
        {"row": row, "counts": _counts(rows), "shares": shares(rows, node, day)},
    )


def _overview_xlsx(rows: list[dict], node: OrgNode, day: datetime.date):
    headers = [
        _("School"),
        _("Township"),
        _("School kind"),
        _("Enrolment"),
        _("Day pupils"),
        _("Guards required (GUARD-RATIO)"),
        *[str(f.label) for f in FIGURES],
        _("Gaps"),
        _("Recorded on"),
        _("Last verified"),
        _("Days since verified"),
        _("Verified by"),
    ]
    out = []
    for r in rows:
        snap = r["snapshot"]
        values = values_of(snap) if snap is not None else {}
        figures = []
        for f in FIGURES:
            value = values.get(f.name)
            if value is None:
                figures.append("")
            elif f.kind == "yesno":
                figures.append(f.display(value))
            elif f.kind == "metres":
                figures.append(float(value))
            else:
                figures.append(value)
        out.append(
            [
                r["node"].name,
                r["township"].name if r["township"] else "",
                r["school"].get_school_kind_display(),
                r["school"].enrolment,
                r["day_pupils"],
                r["required_guards"],
                *figures,
                "、".join(r["gaps"]) if snap is not None else _("Never entered"),
                timezone.localtime(snap.recorded_at).date() if snap is not None else None,
                timezone.localtime(r["last_verified"]).date() if r["last_verified"] else None,
                r["age"],
                r["last_verified_by"],
            ]
        )
    name = _("Three-defense inventory") + f" {node.name} {day.isoformat()}"
    return xlsx_response(
        filename=name, title=_("Three-defense inventory"), headers=headers, rows=out
    )


# ---------------------------------------------------------------------- menu, to-dos


def menu_items(user) -> list[dict]:
    if not user.is_authenticated or not can_anywhere(user, "view", InventorySnapshot):
        return []
    from safecampus.accounts.roles import SCHOOL_ROLES

    roles = _assignments(user)
    school_only = bool(roles) and all(a.role in SCHOOL_ROLES for a in roles)
    items = []
    if school_only:
        own = _own_schools(user)
        if own:
            items.append(
                {
                    "group": "defense",
                    "label": _("Three-defense inventory"),
                    "url": reverse("defense:school", args=[own[0].node_id]),
                    "key": NAV,
                }
            )
        if _own_schools(user, "add"):
            items.append(
                {
                    "group": "defense",
                    "label": _("Update the inventory"),
                    "url": reverse("defense:edit"),
                    "key": NAV_EDIT,
                }
            )
    else:
        items.append(
            {
                "group": "defense",
                "label": _("Three-defense inventory"),
                "url": reverse("defense:overview"),
                "key": NAV,
            }
        )
    return items


def todo_items(user) -> list[dict]:
    """A school's: the inventory never entered, or its gaps against the rules. An inspector's
    or police liaison's: inventories in their scope not verified for six months."""
    if not user.is_authenticated:
        return []
    from safecampus.accounts.roles import Role

    items = []
    today = timezone.localdate()
    for school in _own_schools(user, "add"):
        node = school.node
        snap = services.current_snapshot(node)
        if snap is None:
            items.append(
                {
                    "label": _("Enter the three-defense inventory of %(school)s")
                    % {"school": node.name},
                    "count": 1,
                    "url": f"{reverse('defense:edit')}?node={node.pk}",
                    "severity": "due",
                    "key": "defense-enter",
                }
            )
            continue
        findings = _verdicts(snap, school, ParamBook.for_region(node.path), today)
        gaps = [
            c
            for c, f in findings.items()
            if f.status == Status.NOT_COMPLIANT and c != "TARGET-4X100"
        ]
        if gaps:
            items.append(
                {
                    "label": _("Three-defense gaps at %(school)s") % {"school": node.name},
                    "count": len(gaps),
                    "url": reverse("defense:school", args=[node.pk]),
                    "severity": "waiting",
                    "key": "defense-gaps",
                }
            )
    if any(a.role in (Role.INSPECTOR, Role.DEPARTMENT_LIAISON) for a in _assignments(user)):
        stale = _stale_count(user, today)
        if stale:
            items.append(
                {
                    "label": _("Inventories not verified for six months"),
                    "count": stale,
                    "url": f"{reverse('defense:overview')}?show=unverified",
                    "severity": "info",
                    "key": "defense-verify",
                }
            )
    return items


def _stale_count(user, today: datetime.date) -> int:
    """Schools the user may verify whose inventory has no verification for six months."""
    prefixes = scope_prefixes(user, InventorySnapshot, "change")
    if prefixes is not ALL and not prefixes:
        return 0
    qs = InventorySnapshot.objects.for_user(user, "change")
    schools = set(qs.values_list("org_id", flat=True).distinct())
    cutoff = timezone.now() - datetime.timedelta(days=selectors.STALE_DAYS)
    fresh = set(
        Verification.objects.for_user(user, "change")
        .filter(verified_at__gte=cutoff)
        .values_list("org_id", flat=True)
        .distinct()
    )
    return len(schools - fresh)
