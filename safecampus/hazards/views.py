"""Pages of the hazard capability: spots and their QR sheet, the inspection form on a phone,
reporting a hazard, the ledger (风险隐患台账) and a hazard's page with its workflow moves.

Reads start from `for_user` (`scoped_get`: out of scope is 404), writes check the role table
(403) and go through the services, which validate, refuse stale versions and audit.
"""

import datetime
from copy import copy

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

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.attachments import photos_of
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.errors import ConflictError
from safecampus.core.listing import (
    ScopedListView,
    apply_errors,
    form_page,
    require,
    scoped_get,
)
from safecampus.core.services import create_record, update_record
from safecampus.hazards import forms as f
from safecampus.hazards import joint, ledger, qr, services
from safecampus.hazards.choices import GRADE_COLOUR, Grade, Status
from safecampus.hazards.models import (
    ChecklistTemplate,
    Hazard,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
    Schedule,
    Spot,
)
from safecampus.orgs.models import OrgNode
from safecampus.orgs.node_pages import breadcrumbs as node_breadcrumbs

GET_POST = require_http_methods(["GET", "POST"])

RECORD_URLS.update(
    {
        "hazards.hazard": "hazards:hazard",
        "hazards.spot": "hazards:spot",
        "hazards.inspection": "hazards:inspection",
    }
)


def _breadcrumbs(user, node: OrgNode) -> list[dict]:
    return node_breadcrumbs(user, node)


def _single_school(user, action, model):
    schools = list(f.schools_where(user, action, model)[:2])
    return schools[0] if len(schools) == 1 else None


# ---------------------------------------------------------------------------- spots


class SpotListView(ScopedListView):
    model = Spot
    template_name = "hazards/spots.html"
    nav = "spots"
    filter_form_class = f.SpotFilterForm
    offers_add = True
    export_name = gettext_lazy("Inspection spots")
    export_columns = [
        (gettext_lazy("School"), lambda s: s.org.name),
        (gettext_lazy("Spot"), lambda s: s.name),
        (gettext_lazy("Area"), lambda s: s.area),
        (gettext_lazy("Spot kind"), lambda s: s.get_kind_display()),
        (gettext_lazy("Building"), lambda s: s.building),
        (gettext_lazy("Floor"), lambda s: s.floor),
        (gettext_lazy("Active"), lambda s: _("Yes") if s.is_active else _("No")),
    ]

    def decorate(self, qs):
        return qs.select_related("org")

    def filter_queryset(self, qs, data):
        active = data.get("active", "")
        if active == "inactive":
            qs = qs.filter(is_active=False)
        elif active != "all":
            qs = qs.filter(is_active=True)
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("q"):
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(area__icontains=data["q"]))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = None
        if self.filters is not None and self.filters.is_bound and self.filters.is_valid():
            node = self.filters.cleaned_data.get("node")
        school = node if node is not None and node.is_school else None
        school = school or _single_school(self.request.user, "view", Spot)
        ctx["sheet_school"] = school
        ctx["add_url"] = reverse("hazards:spot_add") + (f"?school={school.pk}" if school else "")
        return ctx


@login_required
def spot_detail(request, pk):
    user = request.user
    spot = scoped_get(user, Spot.objects.select_related("org"), pk=pk)
    url = qr.spot_check_url(spot, request)
    hazards = list(
        Hazard.objects.for_user(user)
        .filter(spot=spot)
        .select_related("org")
        .order_by("-found_at")[:20]
    )
    return render(
        request,
        "hazards/spot.html",
        {
            "nav_active": "spots",
            "spot": spot,
            "check_url": url,
            "qr": qr.qr_svg(url, scale=5),
            "hazards": hazards,
            "breadcrumbs": _breadcrumbs(user, spot.org),
            "history": history_for(user, spot),
            "can_change": can(user, "change", Spot, spot.org),
            "can_inspect": can(user, "add", Inspection, spot.org),
            "can_report": can(user, "add", Hazard, spot.org),
        },
    )


@login_required
@GET_POST
def spot_add(request):
    user = request.user
    if not can_anywhere(user, "add", Spot):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {}
    raw = request.GET.get("school")
    if raw and raw.isdigit():
        initial["org"] = int(raw)
    form = f.SpotForm(request.POST or None, initial=initial, user=user)

    def save():
        require(user, "add", Spot, form.cleaned_data["org"])
        spot = create_record(instance=form.instance, by=user)
        return _("Created %(name)s.") % {"name": spot.name}, reverse("hazards:spot", args=[spot.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="spots",
        title=_("New inspection spot"),
        cancel_url=reverse("hazards:spots"),
    )


@login_required
@GET_POST
def spot_edit(request, pk):
    user = request.user
    spot = scoped_get(user, Spot.objects.select_related("org"), pk=pk)
    require(user, "change", Spot, spot.org)
    form = f.SpotForm(request.POST or None, instance=copy(spot), user=user)

    def save():
        data = form.changed_data_for_service()
        if data.get("org") is not None and data["org"].pk != spot.org_id:
            require(user, "add", Spot, data["org"])
        update_record(
            instance=spot, by=user, data=data, expected_version=form.cleaned_data["version"]
        )
        return _("Saved."), reverse("hazards:spot", args=[spot.pk])

    return form_page(
        request,
        form,
        save=save,
        nav="spots",
        title=_("Edit %(name)s") % {"name": spot.name},
        breadcrumbs=_breadcrumbs(user, spot.org),
        cancel_url=reverse("hazards:spot", args=[spot.pk]),
    )


@login_required
@require_POST
def spot_active(request, pk):
    """Deactivate (or reactivate) a spot: its QR stops opening a check, its past stays."""
    user = request.user
    spot = scoped_get(user, Spot.objects.select_related("org"), pk=pk)
    require(user, "change", Spot, spot.org)
    active = request.POST.get("active") == "1"
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        update_record(instance=spot, by=user, data={"is_active": active}, expected_version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (_("%(name)s is active again.") if active else _("%(name)s is deactivated."))
            % {"name": spot.name},
        )
    return redirect("hazards:spot", pk=spot.pk)


@login_required
def spot_sheet(request):
    """A printable A4 sheet of a school's spot QR codes."""
    user = request.user
    raw = request.GET.get("school", "")
    if raw.isdigit():
        school = scoped_get(user, OrgNode, pk=raw)
    else:
        school = _single_school(user, "view", Spot)
        if school is None:
            raise Http404
    if not school.is_school:
        raise Http404
    spots = Spot.objects.for_user(user).filter(org=school, is_active=True).order_by("kind", "name")
    cards = []
    for spot in spots:
        url = qr.spot_check_url(spot, request)
        cards.append({"spot": spot, "url": url, "svg": qr.qr_svg(url, scale=4)})
    return render(request, "hazards/spot_sheet.html", {"school": school, "cards": cards})


@login_required
def spot_options(request):
    """The <option>s of a school's active spots (HTMX, for the report form)."""
    raw = request.GET.get("school", "")
    spots = Spot.objects.none()
    if raw.isdigit():
        spots = Spot.objects.for_user(request.user).filter(org_id=raw, is_active=True)
    return render(request, "hazards/_spot_options.html", {"spots": spots.order_by("kind", "name")})


# ---------------------------------------------------------------------------- inspections


def _parse_period(raw: str):
    try:
        return datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _inspection_page(request, *, spot=None):
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    schedule = None
    period = None
    raw_schedule = params.get("schedule") or request.GET.get("schedule", "")
    if raw_schedule.isdigit():
        schedule = scoped_get(
            user, Schedule.objects.select_related("template", "org"), pk=raw_schedule
        )
        period = _parse_period(params.get("period") or request.GET.get("period", ""))
    templates = (
        ChecklistTemplate.objects.available_to(user)
        .filter(current__isnull=False)
        .order_by("org_path", "name")
    )
    template = None
    raw_template = params.get("template") or request.GET.get("template", "")
    if raw_template.isdigit():
        template = templates.filter(pk=raw_template).first()
        if template is None:
            raise Http404
    elif schedule is not None:
        template = schedule.template
    elif not request.GET.get("choose"):
        available = list(templates[:50])
        matching = [t for t in available if spot is not None and t.spot_kind == spot.kind]
        if len(matching) == 1:
            template = matching[0]
        elif len(available) == 1:
            template = available[0]

    school = spot.org if spot is not None else (schedule.org if schedule is not None else None)
    if school is not None:
        require(user, "add", Inspection, school)
    elif not can_anywhere(user, "add", Inspection):
        raise PermissionDenied(_("Your role does not allow this here."))

    ctx = {
        "nav_active": "inspect",
        "spot": spot,
        "schedule": schedule,
        "period": period,
        "template": template,
    }
    if template is None or template.current_id is None:
        ctx["templates"] = list(templates)
        return render(request, "hazards/inspect_choose.html", ctx)

    version = template.current
    items = list(version.items.all())
    schools = f.schools_where(user, "add", Inspection).order_by("path")
    if school is not None:
        schools = schools.filter(pk=school.pk)
    form = f.InspectionForm(
        request.POST if request.method == "POST" else None,
        user=user,
        items=items,
        schools=schools,
        initial={"school": school.pk} if school is not None else {},
        departments=joint.joinable_departments(user, school or _chosen_school(params, schools)),
    )
    if school is not None:
        del form.fields["school"]  # given by the spot or the schedule
    else:  # choosing a school narrows the departments that may join (hazards/joint_views.py)
        form.fields["school"].widget.attrs.update(
            {
                "hx-get": reverse("hazard_joint:departments"),
                "hx-target": "#joint-departments",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )
    if request.method == "POST" and form.is_valid():
        answers = form.answers(request.FILES, spot=spot)
        try:
            inspection = services.inspection_submit(
                school=school or form.cleaned_data["school"],
                by=user,
                checklist=version,
                answers=answers,
                signed_name=form.cleaned_data["signed_name"],
                spots=[spot]
                if spot is not None
                else list(schedule.spots.all())
                if schedule
                else [],
                schedule=schedule,
                period_start=period,
                note=form.cleaned_data["note"],
                departments=form.chosen_departments(),
            )
        except ValidationError as exc:
            _inspection_errors(form, exc, answers)
        else:
            n = inspection.abnormal_count
            if n:
                messages.warning(
                    request,
                    _("Check recorded: %(n)d abnormal items entered the hazard ledger.") % {"n": n},
                )
            else:
                messages.success(request, _("Check recorded: everything normal."))
            return redirect("hazards:inspection", pk=inspection.pk)
    ctx.update(form=form, version=version, templates=None)
    return render(request, "hazards/inspect.html", ctx)


def _chosen_school(params, schools):
    """The school the form is for: the one posted or asked for, or the only one there is."""
    raw = str(params.get("school") or "")
    if raw.isdigit():
        return schools.filter(pk=raw).first()
    only = list(schools[:2])
    return only[0] if len(only) == 1 else None


def _inspection_errors(form, exc: ValidationError, answers: list[dict]) -> None:
    """Put the service's errors next to the items they are about."""
    item_errors: dict = {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        messages_ = [m for e in errors for m in e.messages]
        if key.startswith("answers.") and key[8:].isdigit() and int(key[8:]) < len(answers):
            item = answers[int(key[8:])]["item"]
            item_errors.setdefault(item.pk, []).extend(messages_)
        elif key in form.fields:
            form.add_error(key, messages_)
        else:
            form.add_error(None, messages_)
    answered = {a["item"].pk for a in answers}
    for item in form.items:
        if item.pk not in answered:
            item_errors.setdefault(item.pk, []).append(_("Choose an answer."))
    form.item_errors = item_errors


@login_required
@GET_POST
def inspect(request):
    spot = None
    raw = request.GET.get("spot", "")
    if raw.isdigit():
        spot = scoped_get(request.user, Spot.objects.select_related("org"), pk=raw, is_active=True)
    return _inspection_page(request, spot=spot)


@login_required
@GET_POST
def spot_check(request, token):
    """What a spot's QR code opens: that spot's check."""
    spot = scoped_get(request.user, Spot.objects.select_related("org"), token=token)
    if not spot.is_active:
        messages.warning(request, _("This spot is no longer in use."))
        return redirect("hazards:spot", pk=spot.pk)
    return _inspection_page(request, spot=spot)


@login_required
def inspection_detail(request, pk):
    user = request.user
    inspection = scoped_get(
        user,
        Inspection.objects.select_related("org", "inspector", "schedule", "checklist__template"),
        pk=pk,
    )
    answers = list(
        InspectionAnswer.objects.filter(inspection=inspection)
        .select_related("item", "spot")
        .order_by("item__position", "id")
    )
    hazards = list(
        Hazard.objects.for_user(user).filter(inspection=inspection).select_related("spot")
    )
    return render(
        request,
        "hazards/inspection.html",
        {
            "nav_active": "inspect",
            "inspection": inspection,
            "answers": answers,
            "hazards": hazards,
            "spots": list(inspection.spots.all()),
            "department_reports": joint.reports_of(inspection),
            "breadcrumbs": _breadcrumbs(user, inspection.org),
            "history": history_for(user, inspection),
        },
    )


# ---------------------------------------------------------------------------- reporting


@login_required
@GET_POST
def report(request):
    user = request.user
    if not can_anywhere(user, "add", Hazard):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {}
    raw = request.GET.get("spot", "")
    if raw.isdigit():
        spot = scoped_get(user, Spot, pk=raw)
        initial = {"school": spot.org_id, "spot": spot.pk}
    elif request.GET.get("school", "").isdigit():
        initial = {"school": int(request.GET["school"])}
    form = f.HazardReportForm(
        request.POST or None, request.FILES or None, initial=initial, user=user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard = services.hazard_report(
                school=data["school"],
                by=user,
                description=data["description"],
                category=data["category"],
                grade=data["grade"],
                spot=data["spot"],
                temporary_measures=data["temporary_measures"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Hazard %(number)s entered the ledger.") % {"number": hazard.number}
            )
            return redirect("hazards:hazard", pk=hazard.pk)
    return render(
        request,
        "hazards/report.html",
        {"nav_active": "report", "form": form, "title": _("Report a hazard")},
    )


# ---------------------------------------------------------------------------- the ledger


class LedgerView(ScopedListView):
    model = Hazard
    template_name = "hazards/ledger.html"
    nav = "ledger"
    filter_form_class = ledger.LedgerFilterForm
    paginate_by = 50
    keyset = True  # a province's ledger runs to 20,000 pages: next/previous by cursor
    count_limit = 50_000  # a city's list is counted (~20 ms), a province's is "more than"
    export_columns = [("", None)]  # the export is ledger.export_response (streaming)

    def get_queryset(self):
        self.filters = self.get_filter_form()
        data = {}
        if self.filters is not None and self.filters.is_bound and self.filters.is_valid():
            data = self.filters.cleaned_data
        qs = ledger.filter_ledger(self.scoped(), data, self.request.user)
        return qs

    def export(self):
        return ledger.export_response(self.get_queryset())

    def get_context_data(self, **kwargs):
        queryset = ledger.with_overdue(self.object_list).select_related(
            "org", "spot", "responsible_person", "accepted_by"
        )
        kwargs["object_list"] = queryset
        self.object_list = queryset
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = []
        start = ctx["page_obj"].start_index() if ctx.get("page_obj") else 1
        # Labels looked up once: get_FOO_display() rebuilds the choices per call (50 rows × 2).
        grades = {k: str(v) for k, v in Grade.choices}
        statuses = {k: str(v) for k, v in Status.choices}
        for index, hazard in enumerate(ctx["object_list"], start=start):
            rows.append(
                {
                    "n": index,
                    "hazard": hazard,
                    "days_overdue": ledger.days_overdue(hazard, today),
                    "colour": GRADE_COLOUR.get(hazard.grade, ""),
                    "grade": grades.get(hazard.grade, hazard.grade),
                    "status": statuses.get(hazard.status, hazard.status),
                }
            )
        todo = (
            self.filters.cleaned_data.get("todo")
            if self.filters.is_bound and self.filters.is_valid()
            else ""
        )
        ctx.update(
            rows=rows,
            todo=todo,
            can_add=can_anywhere(self.request.user, "add", Hazard),
            closed=Status.CLOSED,
        )
        return ctx


# ---------------------------------------------------------------------------- a hazard


def _hazard_context(request, hazard, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    moves = services.allowed_moves(user, hazard)
    forms_ = []
    for move in moves:
        form = bound.get(move.action) or f.move_form(move.action, hazard=hazard, user=user)
        forms_.append({"move": move, "form": form})
    transitions = list(
        HazardTransition.objects.filter(hazard=hazard).select_related("by").order_by("at", "id")
    )
    photos = list(photos_of(hazard))
    from safecampus.hazards.document_views import document_context

    return {
        **document_context(user, hazard),
        "nav_active": "ledger",
        "hazard": hazard,
        "colour": GRADE_COLOUR.get(hazard.grade, ""),
        "days_overdue": ledger.days_overdue(hazard),
        "photos_before": [p for p in photos if p.kind == "before"],
        "photos_after": [p for p in photos if p.kind == "after"],
        "photos_other": [p for p in photos if p.kind not in ("before", "after")],
        "transitions": transitions,
        "escalations": list(
            HazardEscalation.objects.filter(hazard=hazard).select_related("by").order_by("at")
        ),
        "move_forms": forms_,
        "breadcrumbs": _breadcrumbs(user, hazard.org),
        "history": history_for(user, hazard),
    }


def _get_hazard(user, pk):
    return scoped_get(
        user,
        Hazard.objects.select_related(
            "org",
            "spot",
            "responsible_person",
            "reported_by",
            "submitted_by",
            "accepted_by",
            "handler",
            "inspection",
        ),
        pk=pk,
    )


@login_required
def hazard_detail(request, pk):
    hazard = _get_hazard(request.user, pk)
    return render(request, "hazards/hazard.html", _hazard_context(request, hazard))


@login_required
@require_POST
def hazard_move(request, pk, action):
    """One workflow move. A role that may not make it is refused (403); a move overtaken by
    someone else (another state, a newer version) is shown as a message and changes nothing."""
    user = request.user
    hazard = _get_hazard(user, pk)
    refusal = services.move_refusal(user, hazard, action)
    if refusal is not None:
        if refusal.kind == services.Refusal.ROLE:
            raise PermissionDenied(refusal.message)
        messages.error(request, refusal.message)
        return redirect("hazards:hazard", pk=hazard.pk)
    form = f.move_form(action, hazard=hazard, user=user, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            services.hazard_move(hazard=hazard, action=action, by=user, **form.service_kwargs())
        except ConflictError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("hazards:hazard", pk=hazard.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
            hazard = _get_hazard(user, pk)  # the service may have touched the object
        else:
            from safecampus.hazards.workflow import MOVES

            messages.success(
                request,
                _("%(action)s: done. The hazard is now “%(status)s”.")
                % {"action": MOVES[action].label, "status": hazard.get_status_display()},
            )
            return redirect("hazards:hazard", pk=hazard.pk)
    ctx = _hazard_context(request, hazard, bound={action: form})
    ctx["open_move"] = action
    return render(request, "hazards/hazard.html", ctx)
