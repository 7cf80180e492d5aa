"""Pages of the spot-checks of closed hazards: the samples (list, draw, progress with the
hazards' photos before, after and now, the draw's reproduction and its candidates as a
workbook), the checks (a ledger, "my spot-checks" on a phone, one check with its record form).

Thin: reads start from `for_user` (`scoped_get`: out of scope is 404), writes check the role
table (403) and go through hazards.spotchecks.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.dates import day_range
from safecampus.core.errors import ConflictError
from safecampus.core.listing import (
    ScopedListView,
    apply_errors,
    form_page,
    scoped_get,
    xlsx_response,
)
from safecampus.hazards import spotcheck_forms as f
from safecampus.hazards import spotchecks
from safecampus.hazards.models import SpotCheck, SpotCheckSample
from safecampus.hazards.spotchecks import State
from safecampus.orgs.models import ancestor_paths

GET_POST = require_http_methods(["GET", "POST"])
NAV = "spotchecks"
PER_PAGE = 50

RECORD_URLS["hazards.spotchecksample"] = "spotchecks:sample"
RECORD_URLS["hazards.spotcheck"] = "spotchecks:check"


def _yes(value) -> str:
    return _("Yes") if value else _("No")


def _size_text(sample) -> str:
    if sample.size_percent is not None:
        return _("%(n)d %% of the candidates") % {"n": sample.size_percent}
    return _("%(n)d hazards") % {"n": sample.size_count or 0}


def _filters_text(sample) -> str:
    parts = [
        sample.get_grade_display() if sample.grade else "",
        sample.get_category_display() if sample.category else "",
        sample.get_school_kind_display() if sample.school_kind else "",
    ]
    return " · ".join(p for p in parts if p) or _("None")


# --------------------------------------------------------------------------------- samples


class SampleListView(ScopedListView):
    model = SpotCheckSample
    template_name = "hazards/spotchecks/list.html"
    nav = NAV
    filter_form_class = f.SampleFilterForm
    offers_add = True
    paginate_by = PER_PAGE
    export_name = gettext_lazy("Spot-check samples")
    export_columns = [
        (gettext_lazy("Drawn at"), lambda s: s.drawn_at),
        (gettext_lazy("Title"), lambda s: s.title),
        (gettext_lazy("Drawn over"), lambda s: s.region.name),
        (gettext_lazy("Closed from"), lambda s: s.closed_from),
        (gettext_lazy("Closed to"), lambda s: s.closed_to),
        (gettext_lazy("Filters"), _filters_text),
        (gettext_lazy("Sample size"), _size_text),
        (gettext_lazy("Candidates"), lambda s: s.population_size),
        (gettext_lazy("Drawn"), lambda s: s.n_total),
        (gettext_lazy("Fix held"), lambda s: s.n_held),
        (gettext_lazy("Fix did not hold"), lambda s: s.n_not_held),
        (gettext_lazy("Due"), lambda s: s.n_due),
        (gettext_lazy("Overdue"), lambda s: s.n_overdue),
        (gettext_lazy("Checks due on"), lambda s: s.due_on),
        (gettext_lazy("Random seed"), lambda s: s.seed),
        (gettext_lazy("Drawn by"), lambda s: s.drawn_by.display_name if s.drawn_by else ""),
        (gettext_lazy("Cancelled at"), lambda s: s.cancelled_at),
        (gettext_lazy("Reason for cancelling"), lambda s: s.cancel_reason),
    ]

    def decorate(self, qs):
        return (
            qs.defer("population")
            .select_related("org", "region", "drawn_by")
            .annotate(**spotchecks.sample_annotations())
            .order_by("-drawn_at", "-id")
        )

    def filter_queryset(self, qs, data):
        node = data.get("node")
        if node:
            qs = qs.filter(
                Q(region__path__within=node.path) | Q(region__path__in=ancestor_paths(node.path))
            )
        waiting = Exists(SpotCheck.objects.filter(sample=OuterRef("pk"), outcome=""))
        status = data.get("status")
        if status == "open":
            qs = qs.filter(waiting, cancelled_at__isnull=True)
        elif status == "done":
            qs = qs.filter(~waiting, cancelled_at__isnull=True)
        elif status == "cancelled":
            qs = qs.filter(cancelled_at__isnull=False)
        if data.get("q"):
            qs = qs.filter(Q(title__icontains=data["q"]) | Q(region__name__icontains=data["q"]))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for sample in ctx["object_list"]:
            sample.done = sample.n_held + sample.n_not_held
            sample.held_pct = round(100 * sample.n_held / sample.done) if sample.done else None
        ctx["can_record"] = can_anywhere(self.request.user, "change", SpotCheck)
        return ctx


@login_required
@GET_POST
def sample_new(request):
    user = request.user
    if not can_anywhere(user, "add", SpotCheckSample):
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.SampleDrawForm(request.POST or None, user=user)

    def save():
        sample = spotchecks.sample_draw(by=user, **form.service_kwargs())
        count = sample.checks.count()
        message = _("%(count)d of %(total)d closed hazards drawn; the checks are assigned.") % {
            "count": count,
            "total": sample.population_size,
        }
        return message, reverse("spotchecks:sample", args=[sample.pk])

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("Draw a spot-check sample"),
        cancel_url=reverse("spotchecks:list"),
        submit_label=_("Draw"),
    )


def _sample(user, pk):
    return scoped_get(
        user, SpotCheckSample.objects.select_related("org", "region", "drawn_by"), pk=pk
    )


def _photo_rows(checks) -> list[dict]:
    """Each check with its hazard's photos before and after rectification and its own."""
    hazard_photos = spotchecks.photos_by_hazard([c.hazard_id for c in checks])
    check_photos = spotchecks.photos_by_check([c.pk for c in checks])
    today = timezone.localdate()
    rows = []
    for check in checks:
        photos = hazard_photos.get(check.hazard_id, {})
        rows.append(
            {
                "check": check,
                "state": spotchecks.state_of(check, today),
                "before": photos.get("before", [])[:2],
                "after": photos.get("after", [])[:2],
                "now": check_photos.get(check.pk, [])[:2],
            }
        )
    return rows


def _filter_state(qs, state: str):
    if state == "open":
        return qs.filter(spotchecks.open_q())
    if state in State.values:
        return qs.filter(spotchecks.state_q(state))
    return qs


@login_required
def sample_detail(request, pk):
    user = request.user
    sample = _sample(user, pk)
    checks = SpotCheck.objects.for_user(user).filter(sample=sample)
    figures = spotchecks.progress(checks)
    state = request.GET.get("state", "")
    shown = _filter_state(checks, state).select_related(
        "org", "hazard", "assignee", "checked_by", "sample"
    )
    page = Paginator(shown.order_by("position"), PER_PAGE).get_page(request.GET.get("page"))
    can_manage = can(user, "add", SpotCheckSample, sample.org)
    verification = spotchecks.sample_verify(sample)
    return render(
        request,
        "hazards/spotchecks/sample.html",
        {
            "nav_active": NAV,
            "sample": sample,
            "figures": figures,
            "held_pct": round(100 * figures["held"] / figures["done"]) if figures["done"] else None,
            "state": state,
            "states": [
                ("", _("All"), figures["total"]),
                ("open", _("Still to do"), figures["due"] + figures["overdue"]),
            ]
            + [(s, label, figures[s]) for s, label in State.choices],
            "page_obj": page,
            "rows": _photo_rows(list(page.object_list)),
            "verification": verification,
            "size_text": _size_text(sample),
            "filters_text": _filters_text(sample),
            "can_manage": can_manage and sample.cancelled_at is None,
            "cancel_form": f.SampleCancelForm(initial={"version": sample.version}),
            "history": history_for(user, sample, org=sample.org),
        },
    )


@login_required
def sample_population(request, pk):
    """Every candidate of the draw, in the order the draw takes them, with the text whose
    SHA-256 ranks it: whoever holds this workbook can redo the draw by hand."""
    sample = _sample(request.user, pk)
    rows = (
        (
            r["order"],
            r["number"],
            f"{sample.seed}|{r['number']}",
            r["rank"],
            r["position"] or "",
        )
        for r in spotchecks.population_rows(sample)
    )
    name = _("Spot-check candidates")
    return xlsx_response(
        filename=f"{name}-{sample.pk}",
        title=name,
        headers=[
            _("Order in the draw"),
            _("Hazard number"),
            _("Text hashed (seed|number)"),
            _("SHA-256"),
            _("Drawn as"),
        ],
        rows=rows,
    )


@login_required
@require_POST
def sample_cancel(request, pk):
    user = request.user
    sample = _sample(user, pk)
    if not can(user, "add", SpotCheckSample, sample.org):
        raise PermissionDenied(_("Your role does not allow this here."))
    form = f.SampleCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the sample is cancelled."))
        return redirect("spotchecks:sample", pk=sample.pk)
    try:
        spotchecks.sample_cancel(
            sample=sample,
            by=user,
            reason=form.cleaned_data["cancel_reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The sample is cancelled: its checks not yet done are no longer due.")
        )
    return redirect("spotchecks:sample", pk=sample.pk)


# ---------------------------------------------------------------------------------- checks


def _check_export_columns():
    return [
        (gettext_lazy("Hazard number"), lambda c: c.hazard.number),
        (gettext_lazy("School"), lambda c: c.org.name),
        (gettext_lazy("Category"), lambda c: c.hazard.get_category_display()),
        (gettext_lazy("Grade"), lambda c: c.hazard.get_grade_display()),
        (gettext_lazy("Closed at"), lambda c: c.hazard.closed_at),
        (gettext_lazy("Sample"), lambda c: c.sample.title),
        (gettext_lazy("Assigned to"), lambda c: c.assignee.display_name),
        (gettext_lazy("Due on"), lambda c: c.due_on),
        (gettext_lazy("Status"), lambda c: State(spotchecks.state_of(c)).label),
        (gettext_lazy("Checked at"), lambda c: c.checked_at),
        (gettext_lazy("Checked by"), lambda c: c.checked_by.display_name if c.checked_by else ""),
        (gettext_lazy("Latitude"), lambda c: float(c.latitude) if c.latitude is not None else None),
        (
            gettext_lazy("Longitude"),
            lambda c: float(c.longitude) if c.longitude is not None else None,
        ),
        (gettext_lazy("Note"), lambda c: c.note),
        (gettext_lazy("Reopened the hazard"), lambda c: _yes(c.reopened)),
    ]


class CheckListView(ScopedListView):
    model = SpotCheck
    template_name = "hazards/spotchecks/checks.html"
    nav = NAV
    filter_form_class = f.CheckFilterForm
    export_name = gettext_lazy("Spot-checks")
    export_columns = _check_export_columns()

    def decorate(self, qs):
        return qs.select_related("org", "hazard", "assignee", "checked_by", "sample").order_by(
            "-sample__drawn_at", "position", "id"
        )

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        qs = _filter_state(qs, data.get("state") or "")
        if data.get("mine"):
            qs = qs.filter(assignee=self.request.user)
        if data.get("checked_from") or data.get("checked_to"):
            start, end = day_range(
                data.get("checked_from") or datetime.date(2000, 1, 1),
                data.get("checked_to") or datetime.date(2100, 1, 1),
            )
            qs = qs.filter(checked_at__gte=start, checked_at__lt=end)
        if data.get("sample"):
            qs = qs.filter(sample_id=data["sample"])
        if data.get("q"):
            qs = qs.filter(
                Q(hazard__number__icontains=data["q"]) | Q(org__name__icontains=data["q"])
            )
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for check in ctx["object_list"]:
            check.state = spotchecks.state_of(check, today)
        return ctx


@login_required
def my_checks(request):
    """The checks assigned to me, soonest first, as cards for a phone; then what I recorded
    lately."""
    user = request.user
    if not can_anywhere(user, "change", SpotCheck):
        raise PermissionDenied(_("Your role does not allow this here."))
    today = timezone.localdate()
    todo = list(
        spotchecks.my_open_checks(user).select_related("org", "hazard", "hazard__spot", "sample")[
            :200
        ]
    )
    for check in todo:
        check.state = spotchecks.state_of(check, today)
    done = list(
        SpotCheck.objects.for_user(user)
        .filter(checked_by=user)
        .exclude(outcome="")
        .select_related("org", "hazard")
        .order_by("-checked_at")[:20]
    )
    return render(
        request,
        "hazards/spotchecks/mine.html",
        {"nav_active": NAV, "todo": todo, "done": done, "today": today},
    )


def _check(user, pk):
    return scoped_get(
        user,
        SpotCheck.objects.select_related(
            "org",
            "org__school",
            "hazard",
            "hazard__spot",
            "hazard__accepted_by",
            "assignee",
            "checked_by",
            "sample",
            "sample__org",
        ),
        pk=pk,
    )


def _check_context(request, check, *, record_form=None, reassign_form=None) -> dict:
    user = request.user
    from safecampus.core.attachments import photos_of
    from safecampus.hazards.models import Hazard

    hazard = check.hazard
    hazard_photos = list(photos_of(hazard).order_by("created_at", "id"))
    may_record = spotchecks.may_record(user, check)
    may_manage = (
        can(user, "add", SpotCheckSample, check.sample.org)
        and not check.outcome
        and check.sample.cancelled_at is None
    )
    if may_record and record_form is None:
        record_form = f.CheckRecordForm(check=check)
    if may_manage and reassign_form is None:
        reassign_form = f.CheckReassignForm(check=check)
    return {
        "nav_active": NAV,
        "check": check,
        "hazard": hazard,
        "state": spotchecks.state_of(check),
        "sample_visible": can(user, "view", SpotCheckSample, check.sample.org),
        "hazard_visible": can(user, "view", Hazard, hazard.org),
        "before": [p for p in hazard_photos if p.kind == "before"],
        "after": [p for p in hazard_photos if p.kind == "after"],
        "now": list(spotchecks.check_photos(check)),
        "distance": spotchecks.distance_m(check),
        "record_form": record_form if may_record else None,
        "reassign_form": reassign_form if may_manage else None,
        "history": history_for(user, check, org=check.sample.org),
    }


@login_required
@GET_POST
def check_detail(request, pk):
    """A check: the hazard as it was closed, its photos, and (for the person it is assigned
    to) the form that records it on site."""
    user = request.user
    check = _check(user, pk)
    form = None
    if request.method == "POST":
        if not spotchecks.may_record(user, check):
            if check.outcome or check.sample.cancelled_at is not None:
                messages.info(request, _("This check is no longer waiting to be recorded."))
                return redirect("spotchecks:check", pk=check.pk)
            raise PermissionDenied(_("Only the person this check is assigned to records it."))
        form = f.CheckRecordForm(request.POST, request.FILES, check=check)
        if form.is_valid():
            try:
                spotchecks.check_record(check=check, by=user, **form.service_kwargs())
            except ConflictError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("spotchecks:check", pk=check.pk)
            except ValidationError as exc:
                apply_errors(form, exc)
                check = _check(user, pk)
            else:
                if check.reopened:
                    text = _(
                        "Recorded: the fix does not hold. The hazard is reopened and the school is told."
                    )
                elif check.outcome == SpotCheck.Outcome.NOT_HELD:
                    text = _("Recorded: the fix does not hold. The hazard was already open again.")
                else:
                    text = _("Recorded: the fix holds.")
                messages.success(request, text)
                return redirect("spotchecks:check", pk=check.pk)
    return render(
        request, "hazards/spotchecks/check.html", _check_context(request, check, record_form=form)
    )


@login_required
@require_POST
def check_reassign(request, pk):
    user = request.user
    check = _check(user, pk)
    if not can(user, "add", SpotCheckSample, check.sample.org):
        raise PermissionDenied(_("Your role does not allow this here."))
    if check.outcome or check.sample.cancelled_at is not None:
        messages.info(request, _("This check is no longer waiting to be recorded."))
        return redirect("spotchecks:check", pk=check.pk)
    form = f.CheckReassignForm(request.POST, check=check)
    if form.is_valid():
        try:
            spotchecks.check_reassign(
                check=check,
                by=user,
                assignee=form.cleaned_data["assignee"],
                due_on=form.cleaned_data["due_on"],
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("spotchecks:check", pk=check.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
            check = _check(user, pk)
        else:
            messages.success(request, _("The check is reassigned."))
            return redirect("spotchecks:check", pk=check.pk)
    return render(
        request,
        "hazards/spotchecks/check.html",
        _check_context(request, check, reassign_form=form),
    )
