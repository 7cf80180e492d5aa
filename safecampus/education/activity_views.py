"""Pages of education activities: the ledger (filters, Excel), recording one on a phone (with
photos), its page, correcting and deleting it."""

from __future__ import annotations

from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.attachments import photos_of
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import ScopedListView, apply_errors, require, scoped_get
from safecampus.education import forms as f
from safecampus.education import services
from safecampus.education.models import EducationActivity
from safecampus.education.views import breadcrumbs

GET_POST = require_http_methods(["GET", "POST"])
NAV = "education_activities"

RECORD_URLS["education.educationactivity"] = "education:activity"


class ActivityListView(ScopedListView):
    model = EducationActivity
    template_name = "education/activities.html"
    nav = NAV
    filter_form_class = f.ActivityFilterForm
    offers_add = True
    export_name = gettext_lazy("Education activities")
    export_columns = [
        (gettext_lazy("Date"), lambda a: a.day),
        (gettext_lazy("School"), lambda a: a.org.name),
        (gettext_lazy("Kind"), lambda a: a.get_kind_display()),
        (gettext_lazy("Title"), lambda a: a.title),
        (gettext_lazy("Topic"), lambda a: a.get_topic_display()),
        (gettext_lazy("Class"), lambda a: a.school_class.name if a.school_class_id else ""),
        (gettext_lazy("Periods"), lambda a: a.periods),
        (gettext_lazy("Participants"), lambda a: a.participants),
        (gettext_lazy("Note"), lambda a: a.note),
    ]

    def decorate(self, qs):
        return qs.select_related("org", "school_class").order_by("-day", "-id")

    def filter_queryset(self, qs, data):
        if data.get("node"):
            qs = qs.within(data["node"].path)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("topic"):
            qs = qs.filter(topic=data["topic"])
        if data.get("date_from"):
            qs = qs.filter(day__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(day__lte=data["date_to"])
        if data.get("q"):
            qs = qs.filter(
                Q(title__icontains=data["q"])
                | Q(org__name__icontains=data["q"])
                | Q(note__icontains=data["q"])
            )
        return qs


def _activity(user, pk):
    return scoped_get(
        user, EducationActivity.objects.select_related("org", "school_class", "recorded_by"), pk=pk
    )


def _form_page(request, form, title, cancel_url):
    return render(
        request,
        "education/activity_form.html",
        {"nav_active": NAV, "form": form, "title": title, "cancel_url": cancel_url},
    )


@login_required
@GET_POST
def activity_new(request):
    """Record an activity held: a themed activity, a health education period, drowning
    prevention education; photos from the phone's camera."""
    user = request.user
    if not can_anywhere(user, "add", EducationActivity):
        raise PermissionDenied(_("Your role does not allow this here."))
    initial = {}
    for name in ("kind", "topic"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    if request.GET.get("school", "").isdigit():
        initial["school"] = int(request.GET["school"])
    form = f.ActivityForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_save(
                by=user,
                school=form.cleaned_data["school"],
                photos=form.cleaned_data.get("photos") or (),
                **form.as_service(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The activity is recorded."))
            return redirect("education:activity", pk=activity.pk)
    return _form_page(
        request, form, _("Record an education activity"), reverse("education:activities")
    )


@login_required
@GET_POST
def activity_edit(request, pk):
    user = request.user
    activity = _activity(user, pk)
    require(user, "change", EducationActivity, activity.org)
    form = f.ActivityForm(request.POST or None, instance=copy(activity), user=user)
    back = reverse("education:activity", args=[activity.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(
                by=user,
                activity=activity,
                expected_version=form.cleaned_data["version"],
                **form.as_service(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return _form_page(request, form, _("Edit the activity"), back)


@login_required
def activity_detail(request, pk):
    user = request.user
    activity = _activity(user, pk)
    return render(
        request,
        "education/activity.html",
        {
            "nav_active": NAV,
            "activity": activity,
            "photos": list(photos_of(activity)),
            "history": history_for(user, activity),
            "breadcrumbs": breadcrumbs(user, activity.org),
            "can_change": can(user, "change", EducationActivity, activity.org),
            "can_delete": can(user, "delete", EducationActivity, activity.org),
            "can_add_photos": can(user, "add", EducationActivity, activity.org),
        },
    )


@login_required
@require_POST
def activity_photos(request, pk):
    activity = _activity(request.user, pk)
    require(request.user, "add", EducationActivity, activity.org)
    from safecampus.hazards.forms import PhotosField

    try:
        photos = PhotosField().clean(request.FILES.getlist("photos"))
        services.activity_add_photos(activity=activity, by=request.user, photos=photos)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if photos:
            messages.success(request, _("The photos are added."))
    return redirect(reverse("education:activity", args=[activity.pk]) + "#photos")


@login_required
@require_POST
def activity_delete(request, pk):
    activity = _activity(request.user, pk)
    require(request.user, "delete", EducationActivity, activity.org)
    services.activity_delete(activity=activity, by=request.user)
    messages.success(request, _("The activity is deleted."))
    return redirect("education:activities")
