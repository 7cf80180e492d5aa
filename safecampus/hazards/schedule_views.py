"""Pages of the inspection schedules: the list, a schedule with its recent periods (due, done,
missed), creating one for a school, editing and ending it, and giving a school the standard
schedules.

Reads start from `for_user` (`scoped_get`: out of scope is 404); writes check the role table
(403) and go through hazards.schedule_services, which keep a schedule's spots, checklist and
responsible person inside its school and refuse a stale version.
"""

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

from safecampus.accounts.access import can
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import ScopedListView, form_page, require, scoped_get
from safecampus.hazards import schedule_forms as f
from safecampus.hazards import schedule_services, schedules
from safecampus.hazards.choices import Rhythm
from safecampus.hazards.models import Inspection, Schedule, Spot
from safecampus.orgs.models import OrgNode

GET_POST = require_http_methods(["GET", "POST"])
NAV = "schedules"
# How far back a schedule's page looks: some thirty periods of a frequent rhythm, a year or
# two of the rare ones.
WINDOW_DAYS = {
    Rhythm.SCHOOL_DAY: 42,
    Rhythm.WEEKLY: 182,
    Rhythm.MONTHLY: 366,
    Rhythm.TERM_START: 731,
    Rhythm.BEFORE_HOLIDAY: 366,
    Rhythm.AD_HOC: 731,
}

RECORD_URLS["hazards.schedule"] = "hazard_schedules:detail"


def spots_label(schedule: Schedule) -> str:
    """Where a schedule checks: its spots, else every spot of a kind, else the whole school."""
    names = [s.name for s in schedule.spots.all()]
    if names:
        return "、".join(names)
    if schedule.spot_kind:
        return _("Every %(kind)s") % {"kind": schedule.get_spot_kind_display()}
    return _("The whole school")


def responsible_label(schedule: Schedule) -> str:
    parts = []
    if schedule.responsible_role:
        parts.append(str(f.role_label(schedule.responsible_role)))
    if schedule.responsible_person_id:
        parts.append(schedule.responsible_person.name)
    return " · ".join(parts)


def _running(today):
    return Q(is_active=True) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))


# ---------------------------------------------------------------------------------- list


class ScheduleListView(ScopedListView):
    model = Schedule
    template_name = "hazards/schedules/list.html"
    nav = NAV
    filter_form_class = f.ScheduleFilterForm
    offers_add = True
    export_name = gettext_lazy("Inspection schedules")
    export_columns = [
        (gettext_lazy("School"), lambda s: s.org.name),
        (gettext_lazy("Schedule"), lambda s: s.title),
        (gettext_lazy("Checklist"), lambda s: s.template.name),
        (gettext_lazy("Rhythm"), lambda s: s.get_rhythm_display()),
        (gettext_lazy("Spots"), spots_label),
        (gettext_lazy("Responsible"), responsible_label),
        (gettext_lazy("Starts on"), lambda s: s.starts_on),
        (gettext_lazy("Ends on"), lambda s: s.ends_on),
    ]

    def decorate(self, qs):
        return qs.select_related("org", "template", "responsible_person").prefetch_related("spots")

    def filter_queryset(self, qs, data):
        today = timezone.localdate()
        state = data.get("state", "")
        if state == "ended":
            qs = qs.exclude(_running(today))
        elif state != "all":
            qs = qs.filter(_running(today))
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("rhythm"):
            qs = qs.filter(rhythm=data["rhythm"])
        if data.get("q"):
            qs = qs.filter(Q(title__icontains=data["q"]) | Q(template__name__icontains=data["q"]))
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for schedule in ctx["object_list"]:
            schedule.spots_label = spots_label(schedule)
            schedule.responsible_label = responsible_label(schedule)
        ctx["can_apply_standard"] = f.schools_where(
            self.request.user, "add", Schedule, Spot
        ).exists()
        ctx["today"] = timezone.localdate()
        return ctx


# -------------------------------------------------------------------------------- detail


@login_required
def schedule_detail(request, pk):
    user = request.user
    schedule = scoped_get(
        user, Schedule.objects.select_related("org", "template", "responsible_person"), pk=pk
    )
    today = timezone.localdate()
    rows = schedules.schedule_periods(
        user=user, schedule=schedule, today=today, days=WINDOW_DAYS.get(schedule.rhythm, 182)
    )
    totals = {
        status: sum(1 for r in rows if r.status == status) for status in ("done", "missed", "due")
    }
    settled = totals["done"] + totals["missed"]
    can_inspect = can(user, "add", Inspection, schedule.org)
    for row in rows:
        if row.status == "due" and can_inspect:
            row.inspect_url = (
                reverse("hazards:inspect")
                + f"?schedule={schedule.pk}&period={row.period_start:%Y-%m-%d}"
            )
    return render(
        request,
        "hazards/schedules/detail.html",
        {
            "nav_active": NAV,
            "schedule": schedule,
            "spots": list(schedule.spots.order_by("kind", "name")),
            "responsible": responsible_label(schedule),
            "rows": rows,
            "totals": totals,
            "rate": round(100 * totals["done"] / settled) if settled else None,
            "ended": bool(schedule.ends_on and schedule.ends_on < today),
            "today": today,
            "can_change": can(user, "change", Schedule, schedule.org),
            "history": history_for(user, schedule),
        },
    )


# --------------------------------------------------------------------------------- edits


def _school_from(request, user, schools):
    """The school named by ?school= (404 outside the user's view, 403 where they may not add
    schedules), or the only one the user may add schedules to, or None (ask)."""
    raw = request.GET.get("school", "")
    if raw.isdigit():
        school = scoped_get(user, OrgNode, pk=raw)
        if not school.is_school:
            raise Http404
        require(user, "add", Schedule, school)
        return school
    only = list(schools[:2])
    if not only:
        raise PermissionDenied(_("Your role does not allow this here."))
    return only[0] if len(only) == 1 else None


@login_required
@GET_POST
def schedule_add(request):
    user = request.user
    schools = f.schools_where(user, "add", Schedule)
    school = _school_from(request, user, schools)
    if school is None:
        return render(
            request,
            "hazards/schedules/choose_school.html",
            {"nav_active": NAV, "form": f.SchoolForm(user=user, schools=schools)},
        )
    form = f.ScheduleForm(
        request.POST or None,
        user=user,
        school=school,
        initial={"starts_on": timezone.localdate()},
    )

    def save():
        schedule = schedule_services.schedule_create(
            by=user, org=school, spots=form.cleaned_data["spots"], **form.service_fields()
        )
        return (
            _("Created %(name)s.") % {"name": schedule.title},
            reverse("hazard_schedules:detail", args=[schedule.pk]),
        )

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("New schedule for %(school)s") % {"school": school.name},
        cancel_url=reverse("hazard_schedules:list"),
    )


@login_required
@GET_POST
def schedule_edit(request, pk):
    user = request.user
    schedule = scoped_get(user, Schedule.objects.select_related("org", "template"), pk=pk)
    require(user, "change", Schedule, schedule.org)
    form = f.ScheduleForm(
        request.POST or None, instance=copy(schedule), user=user, school=schedule.org
    )

    def save():
        schedule_services.schedule_update(
            schedule=schedule,
            by=user,
            data=form.service_fields(),
            spots=list(form.cleaned_data["spots"]),
            expected_version=form.cleaned_data["version"],
        )
        return _("Saved."), reverse("hazard_schedules:detail", args=[schedule.pk])

    return form_page(
        request,
        form,
        save=save,
        nav=NAV,
        title=_("Edit %(name)s") % {"name": schedule.title},
        cancel_url=reverse("hazard_schedules:detail", args=[schedule.pk]),
    )


@login_required
@require_POST
def schedule_end(request, pk):
    """End a schedule on a day: nothing is due after it; its past periods stay as they were."""
    user = request.user
    schedule = scoped_get(user, Schedule.objects.select_related("org"), pk=pk)
    require(user, "change", Schedule, schedule.org)
    form = f.EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the last day as a date."))
        return redirect("hazard_schedules:detail", pk=schedule.pk)
    try:
        schedule_services.schedule_end(
            schedule=schedule,
            by=user,
            ends_on=form.cleaned_data["ends_on"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s ends on %(day)s.")
            % {"name": schedule.title, "day": f"{schedule.ends_on:%Y-%m-%d}"},
        )
    return redirect("hazard_schedules:detail", pk=schedule.pk)


@login_required
@GET_POST
def schedule_standard(request):
    """Give a school its usual spots and the standard schedules from the built-in library;
    what the school already has is left alone."""
    user = request.user
    schools = f.schools_where(user, "add", Schedule, Spot)
    if not schools.exists():
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {"starts_on": timezone.localdate()}
    raw = request.GET.get("school", "")
    if raw.isdigit():
        initial["school"] = int(raw)
    form = f.StandardForm(request.POST or None, initial=initial, user=user, schools=schools)
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        made = schedules.schedule_defaults_for(
            school, by=user, starts_on=form.cleaned_data["starts_on"]
        )
        if made["schedules"] or made["spots"]:
            messages.success(
                request,
                _("Added %(schedules)s schedules and %(spots)s spots to %(school)s.")
                % {
                    "schedules": len(made["schedules"]),
                    "spots": len(made["spots"]),
                    "school": school.name,
                },
            )
        else:
            messages.info(
                request,
                _("%(school)s already has the standard schedules and spots.")
                % {"school": school.name},
            )
        return redirect(reverse("hazard_schedules:list") + f"?node={school.pk}")
    rhythms = dict(Rhythm.choices)
    return render(
        request,
        "hazards/schedules/standard.html",
        {
            "nav_active": NAV,
            "form": form,
            "standard": [
                {"title": title, "rhythm": rhythms[rhythm]}
                for _code, rhythm, _kind, _role, title in schedules.STANDARD_SCHEDULES
            ],
            "spots": [name for name, _kind, _area, _which in schedules.DEFAULT_SPOTS],
        },
    )
