"""Pages of the review rhythm: a school's weekly analysis, a region's monthly dispatch, and
the inspectors' visits, with their reports as PDF and XLSX. Thin: the figures come from
hazards.review, the reports' layout from hazards.reports. Scoped like the pages: a school or
region the user does not see is 404."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from safecampus.accounts.access import assignments
from safecampus.config.db_router import use_replica
from safecampus.core.listing import XLSX_TYPE, form_page, require, scoped_get
from safecampus.hazards import reports, review
from safecampus.hazards.models import Hazard, Visit, WeeklyReview
from safecampus.orgs.models import OrgNode, Person


def _month(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat((request.GET.get("month") or "") + "-01")
    except ValueError:
        return timezone.localdate()


def _week(request) -> datetime.date:
    """The week asked for (`?week=2026-05-04`, any day of it), this week when absent; a
    malformed or future week is 404: there is no such report."""
    today = timezone.localdate()
    raw = request.GET.get("week")
    if not raw:
        return review.week_of(today)[0]
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None
    start, _end = review.week_of(day)
    if start > today:
        raise Http404
    return start


FORMATS = {"pdf": "application/pdf", "xlsx": XLSX_TYPE}


def _report_response(report, fmt: str, filename: str) -> HttpResponse:
    """The report as a PDF shown in the browser or an XLSX to save."""
    content = report.to_pdf() if fmt == "pdf" else report.to_xlsx()
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(fmt != "pdf", f"{filename}.{fmt}")
    return response


def _top_node(user):
    nodes = OrgNode.objects.for_user(user).order_by("depth", "path")
    return nodes.first()


class WeeklyReviewForm(forms.Form):
    attendees = forms.CharField(
        label=gettext_lazy("Attendees"), widget=forms.Textarea(attrs={"rows": 2})
    )
    analysis = forms.CharField(
        label=gettext_lazy("Analysis"), widget=forms.Textarea(attrs={"rows": 4})
    )
    task = forms.CharField(label=gettext_lazy("Follow-up task"), required=False, max_length=300)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"), queryset=Person.objects.none(), required=False
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    signed_name = forms.CharField(label=gettext_lazy("Signed by"), max_length=50)

    def __init__(self, *args, school, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Person.objects.for_user(user).filter(org=school)


@login_required
def weekly(request, pk):
    """The week of one school: figures, past analyses, and the form to record this week's."""
    school = scoped_get(request.user, OrgNode, pk=pk, kind="school")
    start, end = review.week_of(timezone.localdate())
    summary = review.week_summary(school, start, user=request.user)
    past = (
        WeeklyReview.objects.for_user(request.user)
        .filter(org=school)
        .prefetch_related("tasks")[:12]
    )
    form = None
    if request.method == "POST" or request.GET.get("record"):
        require(request.user, "change", Hazard, school)
        form = WeeklyReviewForm(
            request.POST or None,
            school=school,
            user=request.user,
            initial={"signed_name": request.user.display_name},
        )

        def save():
            data = form.cleaned_data
            review.weekly_review_save(
                school=school,
                week_start=start,
                by=request.user,
                attendees=data["attendees"],
                analysis=data["analysis"],
                signed_name=data["signed_name"],
                tasks=[{"text": data["task"], "owner": data["owner"], "due_on": data["due_on"]}],
            )
            return _("The weekly analysis is recorded."), reverse(
                "hazard_review:weekly", args=[school.pk]
            )

        return form_page(
            request,
            form,
            save=save,
            nav="ledger",
            title=_("Weekly analysis of %(school)s") % {"school": school.name},
            cancel_url=reverse("hazard_review:weekly", args=[school.pk]),
        )
    return render(
        request,
        "hazards/review/weekly.html",
        {
            "nav_active": "ledger",
            "school": school,
            "summary": summary,
            "start": start,
            "end": end,
            "past": past,
            "recorded": any(r.week_start == start for r in past),
        },
    )


@login_required
@use_replica()  # a month's figures: a replica's second of lag is fine (config/db_router.py)
def dispatch(request, pk=None):
    """The month of a county or city (月调度), with drill-down to each child node."""
    node = scoped_get(request.user, OrgNode, pk=pk) if pk else _top_node(request.user)
    if node is None:
        return render(request, "hazards/review/dispatch.html", {"data": None})
    data = review.monthly_dispatch(user=request.user, node=node, month=_month(request))
    if request.GET.get("export") == "xlsx":  # the old link; the report's workbook now
        return _dispatch_report(request, node, "xlsx")
    return render(request, "hazards/review/dispatch.html", {"nav_active": "ledger", "data": data})


def _dispatch_report(request, node, fmt: str) -> HttpResponse:
    month = _month(request)
    report = reports.monthly_report(node, month, user=request.user)
    return _report_response(report, fmt, f"{node.name} {report.period} {report.title}")


@login_required
@require_GET
@use_replica()
def dispatch_report(request, pk, fmt: str):
    """The monthly dispatch report (月调度报告) of a region as PDF or XLSX (`?month=2026-05`).
    Always by the region's id, as the page links it: a PDF takes about a second to lay out,
    so no route renders one for whatever node happens to be the user's top."""
    node = scoped_get(request.user, OrgNode, pk=pk)
    return _dispatch_report(request, node, fmt)


@login_required
@require_GET
@use_replica()
def weekly_report(request, pk, fmt: str):
    """A school's weekly analysis as PDF or XLSX: signed if recorded, else marked unsigned."""
    school = scoped_get(request.user, OrgNode, pk=pk, kind="school")
    start = _week(request)
    report = reports.weekly_report(school, start, user=request.user)
    return _report_response(report, fmt, f"{school.name} {start:%Y-%m-%d} {report.title}")


class VisitForm(forms.Form):
    school = forms.ModelChoiceField(label=gettext_lazy("School"), queryset=OrgNode.objects.none())
    visited_on = forms.DateField(
        label=gettext_lazy("Visited on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 4})
    )
    follow_up = forms.CharField(
        label=gettext_lazy("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [
            a.org_id for a in assignments(user) if a.role == "inspector" and a.org.kind == "school"
        ]
        self.fields["school"].queryset = OrgNode.objects.for_user(user).filter(pk__in=ids)


@login_required
def visits(request):
    """VISIT-MONTHLY: done or missing per inspector and school; inspectors record theirs here."""
    node = _top_node(request.user)
    month = _month(request)
    rows = review.visits_status(user=request.user, node=node, month=month) if node else []
    recent = Visit.objects.for_user(request.user).select_related("org", "inspector")[:30]
    return render(
        request,
        "hazards/review/visits.html",
        {
            "nav_active": "ledger",
            "rows": rows,
            "month": month,
            "recent": recent,
            "can_record": any(a.role == "inspector" for a in assignments(request.user)),
        },
    )


@login_required
def visit_add(request):
    form = VisitForm(
        request.POST or None, user=request.user, initial={"visited_on": timezone.localdate()}
    )

    def save():
        data = form.cleaned_data
        review.visit_record(
            school=data["school"],
            by=request.user,
            visited_on=data["visited_on"],
            findings=data["findings"],
            follow_up=data["follow_up"],
        )
        return _("The visit is recorded."), reverse("hazard_review:visits")

    return form_page(
        request,
        form,
        save=save,
        nav="ledger",
        title=_("Record a visit"),
        cancel_url=reverse("hazard_review:visits"),
    )


app_name = "hazard_review"
urlpatterns = [
    path("weekly/<int:pk>/", weekly, name="weekly"),
    path("dispatch/", dispatch, name="dispatch"),
    path("dispatch/<int:pk>/", dispatch, name="dispatch_node"),
    path("weekly/<int:pk>/report.pdf", weekly_report, {"fmt": "pdf"}, name="weekly_pdf"),
    path("weekly/<int:pk>/report.xlsx", weekly_report, {"fmt": "xlsx"}, name="weekly_xlsx"),
    path("dispatch/<int:pk>/report.pdf", dispatch_report, {"fmt": "pdf"}, name="dispatch_node_pdf"),
    path(
        "dispatch/<int:pk>/report.xlsx",
        dispatch_report,
        {"fmt": "xlsx"},
        name="dispatch_node_xlsx",
    ),
    path("visits/", visits, name="visits"),
    path("visits/add/", visit_add, name="visit_add"),
]
