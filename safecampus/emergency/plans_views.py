"""Pages of emergency plans: the ledger of plans, a school's (or region's) plans with the
required set as a checklist, a plan with its duties, document, editions and drills, the forms
of the workflow, and the region's list of schools with gaps.

Reads start from `for_user` (out of scope is 404); writes check the role table (403) and go
through the services of emergency.plans, which refuse a stale version and audit. A refused
form is shown again with what was typed.
"""

import datetime
from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from safecampus.accounts.access import assignments, can, can_anywhere
from safecampus.core.attachments import document_filename, documents_of
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import (
    ScopedListView,
    apply_errors,
    display,
    form_page,
    require,
    scoped_get,
    xlsx_response,
)
from safecampus.emergency import plans, required
from safecampus.emergency import plans_forms as f
from safecampus.emergency.choices import PlanStatus, Scenario
from safecampus.emergency.models import Drill, EmergencyPlan, PlanContact
from safecampus.orgs import region_rows
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

GET_POST = require_http_methods(["GET", "POST"])
NAV = "plans"

RECORD_URLS["emergency.emergencyplan"] = "plans:detail"


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(
        user, node, link=lambda n: reverse("plans:org", args=[n.pk]), model=EmergencyPlan
    )


def _get_plan(user, pk) -> EmergencyPlan:
    return scoped_get(
        user,
        EmergencyPlan.objects.select_related("org", "org__school", "supersedes", "created_by"),
        pk=pk,
    )


def _plan_node(user, pk) -> OrgNode:
    """A node whose plans the user may read; 404 otherwise, as if it did not exist."""
    node = scoped_get(user, OrgNode.objects.select_related("parent"), pk=pk)
    if not can(user, "view", EmergencyPlan, node):
        raise Http404
    return node


def _my_nodes(user) -> list[OrgNode]:
    """The user's own schools and regions whose plans the user reads: the shortcuts of the
    plans page."""
    seen = {}
    for a in assignments(user):
        if a.org_id not in seen and can(user, "view", EmergencyPlan, a.org):
            seen[a.org_id] = a.org
    return list(seen.values())[:5]


# ---------------------------------------------------------------------------------- ledger


def _status_label(plan) -> str:
    return display(plan, "status")


class PlanListView(ScopedListView):
    model = EmergencyPlan
    template_name = "emergency/plans/list.html"
    nav = NAV
    filter_form_class = f.PlanFilterForm
    offers_add = True
    export_name = gettext_lazy("Emergency plans")
    export_columns = [
        (gettext_lazy("School or region"), lambda p: p.org.name),
        (pgettext_lazy("plan", "Scenario"), lambda p: display(p, "scenario")),
        (gettext_lazy("Title"), lambda p: p.title),
        (gettext_lazy("Edition"), lambda p: p.edition),
        (gettext_lazy("Status"), _status_label),
        (
            gettext_lazy("Covers night-time"),
            lambda p: _("Yes") if p.covers_night else _("No"),
        ),
        (gettext_lazy("Approved by"), lambda p: p.approved_by_name),
        (gettext_lazy("Approved on"), lambda p: p.approved_on),
        (gettext_lazy("Review due"), lambda p: p.review_due),
        (
            gettext_lazy("Review overdue"),
            lambda p: _("Overdue") if p.review_overdue else "",
        ),
    ]

    def decorate(self, qs):
        return qs.select_related("org").annotate(
            review_overdue=required.overdue_expression(timezone.localdate())
        )

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("scenario"):
            qs = qs.filter(scenario=data["scenario"])
        status = data.get("status", "")
        if status in PlanStatus.values:
            qs = qs.filter(status=status)
        elif status != "all":
            qs = qs.exclude(status=PlanStatus.RETIRED)
        today = timezone.localdate()
        if data.get("review") == "overdue":
            qs = qs.filter(status=PlanStatus.APPROVED, review_due__lt=today)
        elif data.get("review") == "soon":
            qs = qs.filter(
                status=PlanStatus.APPROVED,
                review_due__gte=today,
                review_due__lte=today + datetime.timedelta(days=60),
            )
        if data.get("q"):
            q = data["q"]
            qs = qs.filter(
                Q(title__icontains=q) | Q(edition__icontains=q) | Q(approved_by_name__icontains=q)
            )
        return qs.order_by("org_path", "scenario", "-approved_on", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["my_nodes"] = _my_nodes(self.request.user)
        return ctx


# ------------------------------------------------------------------------ a node's plans


@login_required
def org_plans(request, pk):
    """A school's plans with its required set as a checklist (held, missing, review overdue,
    with links that start the missing plan); a region's own plans and its schools' gaps."""
    user = request.user
    node = _plan_node(user, pk)
    today = timezone.localdate()
    rows = list(
        EmergencyPlan.objects.for_user(user, "view")
        .filter(org=node)
        .annotate(review_overdue=required.overdue_expression(today))
        .order_by("scenario", "-approved_on", "-id")
    )
    current = [p for p in rows if p.status != PlanStatus.RETIRED]
    retired = [p for p in rows if p.status == PlanStatus.RETIRED]
    can_add = can(user, "add", EmergencyPlan, node)
    ctx = {
        "nav_active": NAV,
        "node": node,
        "current": current,
        "retired": retired,
        "can_add": can_add,
        "breadcrumbs": _breadcrumbs(user, node)[:-1],
        "today": today,
    }
    if node.kind == NodeKind.SCHOOL:
        assessment = required.school_assessment(node, today, plans=current)
        add_url = reverse("plans:add")
        for row in assessment.checklist:
            row.add_url = f"{add_url}?org={node.pk}&scenario={row.requirement.scenario}" + (
                "&night=1" if row.requirement.night else ""
            )
        ctx.update(assessment=assessment, profile=required.school_profile(node))
    elif region_rows.by_region(node):  # a city's or province's gaps: region by region
        ctx["region"] = {"by_region": True, "url": f"{reverse('plans:gaps')}?node={node.pk}"}
    else:
        schools = required.region_gaps(user=user, node=node, today=today)
        ctx["region"] = {
            **_gap_totals(schools),
            "url": f"{reverse('plans:gaps')}?node={node.pk}",
        }
    return render(request, "emergency/plans/org.html", ctx)


# -------------------------------------------------------------------------------- detail


def _drill_url(drill) -> str:
    try:
        return reverse("drills:detail", args=[drill.pk])
    except NoReverseMatch:
        return ""


@login_required
def plan_detail(request, pk):
    user = request.user
    plan = _get_plan(user, pk)
    visible = EmergencyPlan.objects.for_user(user, "view")
    today = timezone.localdate()
    contacts = list(
        PlanContact.objects.for_user(user)
        .filter(plan=plan)
        .select_related("person")
        .order_by("position", "id")
    )
    documents = list(documents_of(plan))
    for doc in documents:
        doc.filename = document_filename(doc)
    drills = list(
        Drill.objects.for_user(user, "view")
        .filter(plan=plan)
        .order_by("-held_at", "-planned_for", "-id")[:50]
    )
    for drill in drills:
        drill.url = _drill_url(drill)
    chain = plans.editions(plan, visible)
    successor = next((p for p in chain if p.supersedes_id == plan.pk), None)
    may_change = can(user, "change", EmergencyPlan, plan.org)
    ctx = {
        "nav_active": NAV,
        "plan": plan,
        "contacts": contacts,
        "document": documents[0] if documents else None,
        "earlier_documents": documents[1:],
        "drills": drills,
        "editions": chain if len(chain) > 1 else [],
        "successor": successor,
        "overdue": required.review_overdue(plan, today),
        "may_edit": may_change and plan.status != PlanStatus.RETIRED,
        "may_approve": may_change and plan.status == PlanStatus.DRAFT,
        "may_new_edition": (
            may_change
            and can(user, "add", EmergencyPlan, plan.org)
            and plan.status == PlanStatus.APPROVED
            and successor is None
        ),
        "may_retire": may_change and plan.status != PlanStatus.RETIRED,
        "breadcrumbs": _breadcrumbs(user, plan.org),
        "history": history_for(user, plan),
    }
    return render(request, "emergency/plans/detail.html", ctx)


# --------------------------------------------------------------------------------- edits


def _edit_page(request, *, title, form, formset, plan=None, org, cancel_url):
    return render(
        request,
        "emergency/plans/form.html",
        {
            "nav_active": NAV,
            "title": title,
            "form": form,
            "formset": formset,
            "plan": plan,
            "org": org,
            "cancel_url": cancel_url,
            "breadcrumbs": _breadcrumbs(request.user, org),
        },
    )


def _contact_initial(plan) -> list[dict]:
    return [
        {"duty": c.duty, "person": c.person_id, "name": c.name, "phone": c.phone}
        for c in plan.contacts.order_by("position", "id")
    ]


@login_required
@GET_POST
def plan_add(request):
    """A new plan. Opened from a checklist's "add" link, the school and scenario are filled in;
    otherwise the school or region is chosen first."""
    user = request.user
    if not can_anywhere(user, "add", EmergencyPlan):
        raise PermissionDenied(_("Your role does not allow this here."))
    org_id = request.GET.get("org")
    if not org_id:
        return _choose_org(request, f.OrgChoiceForm(request.GET or None, user=user))
    try:
        org = f.nodes_for_plans(user, "view").get(pk=int(org_id))
    except (ValueError, OrgNode.DoesNotExist):
        raise Http404 from None
    require(user, "add", EmergencyPlan, org)
    scenario = request.GET.get("scenario", "")
    initial = {}
    if scenario in Scenario.values:
        initial = {
            "scenario": scenario,
            "title": plans.default_title(org, scenario),
            "covers_night": request.GET.get("night") == "1",
        }
    people = f.people_for(user, org)
    form = f.PlanForm(request.POST or None, request.FILES or None, initial=initial, org=org)
    formset = f.ContactFormSet(
        request.POST or None, people=people, org=org, prefix=f.CONTACT_PREFIX
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            plan = plans.plan_create(
                by=user,
                org=org,
                contacts=formset.contacts(),
                document=form.cleaned_data.get("document") or None,
                **form.service_fields(),
            )
        except ValidationError as exc:
            _apply(form, formset, exc)
        else:
            messages.success(
                request,
                _("Saved %(plan)s as a draft. Approve it to put it in force.") % {"plan": plan},
            )
            return redirect("plans:detail", pk=plan.pk)
    return _edit_page(
        request,
        title=_("New emergency plan"),
        form=form,
        formset=formset,
        org=org,
        cancel_url=reverse("plans:org", args=[org.pk]),
    )


def _choose_org(request, chooser):
    if chooser.is_bound and chooser.is_valid():
        return redirect(f"{reverse('plans:add')}?org={chooser.cleaned_data['org'].pk}")
    return render(
        request,
        "emergency/plans/choose.html",
        {"nav_active": NAV, "title": _("New emergency plan"), "form": chooser},
    )


def _apply(form, formset, exc: ValidationError) -> None:
    """A service's refusal on the page: the duties' errors above the duties, the rest on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field == "contacts":
                apply_errors(formset, ValidationError([m for e in errors for m in e.messages]))
            else:
                form.add_error(field if field in form.fields else None, errors)
    else:
        apply_errors(form, exc)


@login_required
@GET_POST
def plan_edit(request, pk):
    user = request.user
    plan = _get_plan(user, pk)
    require(user, "change", EmergencyPlan, plan.org)
    if plan.status == PlanStatus.RETIRED:
        messages.error(request, _("A retired plan is kept on file as it was; it cannot be edited."))
        return redirect("plans:detail", pk=plan.pk)
    people = f.people_for(user, plan.org)
    form = f.PlanForm(
        request.POST or None, request.FILES or None, instance=copy(plan), org=plan.org
    )
    formset = f.ContactFormSet(
        request.POST or None,
        initial=None if request.method == "POST" else _contact_initial(plan),
        people=people,
        org=plan.org,
        prefix=f.CONTACT_PREFIX,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            plans.plan_update(
                plan=plan,
                by=user,
                data=form.service_fields(),
                expected_version=form.cleaned_data["version"],
                contacts=formset.contacts(),
                document=form.cleaned_data.get("document") or None,
            )
        except ValidationError as exc:
            _apply(form, formset, exc)
        else:
            messages.success(request, _("Saved %(plan)s.") % {"plan": plan})
            return redirect("plans:detail", pk=plan.pk)
    return _edit_page(
        request,
        title=_("Edit %(plan)s") % {"plan": plan},
        form=form,
        formset=formset,
        plan=plan,
        org=plan.org,
        cancel_url=reverse("plans:detail", args=[plan.pk]),
    )


def _workflow_page(request, pk, *, status_ok, form_class, save, title, submit_label, form_kwargs):
    user = request.user
    plan = _get_plan(user, pk)
    require(user, "change", EmergencyPlan, plan.org)
    if plan.status not in status_ok:
        raise Http404
    form = form_class(request.POST or None, initial={"version": plan.version}, **form_kwargs(plan))
    return form_page(
        request,
        form,
        save=lambda: save(plan, form.cleaned_data),
        nav=NAV,
        title=title % {"plan": plan},
        cancel_url=reverse("plans:detail", args=[plan.pk]),
        breadcrumbs=_breadcrumbs(user, plan.org),
        submit_label=submit_label,
    )


@login_required
@GET_POST
def plan_approve(request, pk):
    def save(plan, data):
        plans.plan_approve(
            plan=plan,
            by=request.user,
            approved_by_name=data["approved_by_name"],
            approved_on=data["approved_on"],
            review_due=data.get("review_due"),
            expected_version=data["version"],
            comment=data.get("comment", ""),
        )
        return (
            _("%(plan)s is approved; its review is due on %(date)s.")
            % {"plan": plan, "date": plan.review_due.isoformat()},
            reverse("plans:detail", args=[plan.pk]),
        )

    return _workflow_page(
        request,
        pk,
        status_ok={PlanStatus.DRAFT},
        form_class=f.ApproveForm,
        save=save,
        title=_("Approve %(plan)s"),
        submit_label=_("Approve"),
        form_kwargs=lambda plan: {},
    )


@login_required
@GET_POST
def plan_new_edition(request, pk):
    def save(plan, data):
        new = plans.plan_new_edition(
            plan=plan,
            by=request.user,
            edition=data["edition"],
            title=data.get("title", ""),
            expected_version=data["version"],
        )
        return (
            _(
                "Drafted %(plan)s. Upload its text and approve it: the edition it replaces stays "
                "in force until then."
            )
            % {"plan": new},
            reverse("plans:edit", args=[new.pk]),
        )

    return _workflow_page(
        request,
        pk,
        status_ok={PlanStatus.APPROVED},
        form_class=f.NewEditionForm,
        save=save,
        title=_("New edition of %(plan)s"),
        submit_label=_("Draft the new edition"),
        form_kwargs=lambda plan: {"plan": plan},
    )


@login_required
@GET_POST
def plan_retire(request, pk):
    def save(plan, data):
        plans.plan_retire(
            plan=plan, by=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return (
            _("%(plan)s is retired and kept on file.") % {"plan": plan},
            reverse("plans:detail", args=[plan.pk]),
        )

    return _workflow_page(
        request,
        pk,
        status_ok={PlanStatus.DRAFT, PlanStatus.APPROVED},
        form_class=f.RetireForm,
        save=save,
        title=_("Retire %(plan)s"),
        submit_label=_("Retire"),
        form_kwargs=lambda plan: {},
    )


# ----------------------------------------------------------------------------- the region


def _scenario_label(value: str) -> str:
    return str(Scenario(value).label) if value in Scenario.values else value


class GapListView(ScopedListView):
    """Schools with gaps in the user's scope: missing plans, drafts, overdue reviews. Computed
    from two queries whatever the number of schools (required.region_gaps)."""

    model = EmergencyPlan
    template_name = "emergency/plans/gaps.html"
    nav = "plan_gaps"
    filter_form_class = f.GapFilterForm
    export_name = gettext_lazy("Emergency plan gaps")
    export_columns = [
        (gettext_lazy("School"), lambda row, gap: row.node.name),
        (
            gettext_lazy("Township or region"),
            lambda row, gap: row.node.parent.name if row.node.parent_id else "",
        ),
        (gettext_lazy("School kind"), lambda row, gap: row.school.get_school_kind_display()),
        (gettext_lazy("Gap"), lambda row, gap: gap.kind_label),
        (pgettext_lazy("plan", "Scenario"), lambda row, gap: _scenario_label(gap.scenario)),
        (gettext_lazy("Rule"), lambda row, gap: gap.rule),
        (gettext_lazy("Details"), lambda row, gap: gap.message),
        (pgettext_lazy("plan", "Review was due on"), lambda row, gap: gap.due),
    ]

    def _data(self) -> dict:
        self.filters = self.get_filter_form()
        if self.filters is not None and self.filters.is_bound and self.filters.is_valid():
            return self.filters.cleaned_data
        return {}

    def get_queryset(self):
        data = self._data()
        node = data.get("node")
        return required.region_gaps(
            user=self.request.user,
            node=node,
            kind=data.get("kind", ""),
            scenario=data.get("scenario", ""),
            school_kind=data.get("school_kind", ""),
            q=data.get("q", ""),
            direct=region_rows.wants_direct(self.request, node),
        )

    def get(self, request, *args, **kwargs):
        """Above a county (and not searching a school by name) a row per region under the
        node, each filled in by its own request (orgs/region_rows.py)."""
        if not can_anywhere(request.user, "view", EmergencyPlan):
            raise PermissionDenied(_("Your role does not allow this here."))
        data = self._data()
        node = data.get("node") or (
            f.nodes_for_plans(request.user, "view")
            .exclude(kind=NodeKind.SCHOOL)
            .order_by("depth", "path")
            .first()
        )
        listing = bool(data.get("q")) or request.GET.get("export") == "xlsx"
        answer = region_rows.answer(
            request,
            node,
            known=data.get("node") is not None,  # the form refuses a region not seen
            row=lambda direct: self._row(request, data),
            regions=lambda: None if listing else self._regions(request, node),
        )
        return answer or super().get(request, *args, **kwargs)

    def _keep(self) -> dict:
        return {k: self.request.GET.get(k, "") for k in ("kind", "scenario", "school_kind")}

    def _regions(self, request, node):
        keep = self._keep()
        return render(
            request,
            "emergency/plans/gaps_regions.html",
            {
                "nav_active": self.nav,
                "filters": self.filters,
                "node": node,
                "region_rows": region_rows.region_rows(
                    request.user, node, EmergencyPlan, page_url=request.path, keep=keep
                ),
                "headers": [
                    _("Schools with gaps"),
                    pgettext("plan", "Missing"),
                    _("Drafts"),
                    _("Reviews overdue"),
                ],
                "breadcrumbs": region_rows.crumbs(
                    request.user, node, EmergencyPlan, page_url=request.path, keep=keep
                ),
            },
        )

    def _row(self, request, data):
        rows = self.get_queryset()
        node = data["node"]
        row = region_rows.RegionRow(
            node=node,
            schools=_school_count(request.user, node, region_rows.wants_direct(request, node)),
            direct=region_rows.wants_direct(request, node),
            page_url=region_rows.row_page_url(request),
        )
        return render(
            request,
            "emergency/plans/_gaps_region_row.html",
            {"row": row, "totals": _gap_totals(rows)},
        )

    def export(self):
        """One line per gap, so that Excel can filter by school, kind, scenario or rule."""
        headers = [str(label) for label, _getter in self.export_columns]
        rows = (
            [getter(row, gap) for _label, getter in self.export_columns]
            for row in self.get_queryset()
            for gap in row.gaps
        )
        name = str(self.export_name)
        return xlsx_response(filename=name, title=name, headers=headers, rows=rows)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["totals"] = _gap_totals(self.object_list)
        node = self.filters.cleaned_data.get("node") if self.filters.is_valid() else None
        if node is not None:
            ctx["direct"] = region_rows.wants_direct(self.request, node)
            ctx["node"] = node
        return ctx


def _gap_totals(rows) -> dict:
    return {
        "schools": len(rows),
        "missing": sum(r.missing for r in rows),
        "drafts": sum(r.drafts for r in rows),
        "overdue": sum(r.overdue for r in rows),
    }


def _school_count(user, node, direct: bool) -> int:
    schools = required.schools_for_plans(user).within(node.path)
    return (schools.filter(node__parent=node) if direct else schools).count()
