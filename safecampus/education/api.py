"""The education resources of the API: classes, 1530 reminders, education activities,
campaigns and each school's completion of a campaign.

Every queryset starts from `for_user` (a campaign is also read by the schools of the region
that runs it), so a record outside the caller's scope answers 404. Writes go through
education.services: 400 with the reason in the caller's language, 403 when the role forbids it
here, 409 when the record changed since it was read. Recording a reminder that is already
recorded (same class, kind and day) answers 200 with the first record, not a duplicate;
reporting a school's completion again replaces its figures.
"""

import datetime

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response

from safecampus.core.api import ScopedModelViewSet
from safecampus.education import campaigns as figures
from safecampus.education import serializers as s
from safecampus.education import services
from safecampus.education.choices import ResultSource
from safecampus.education.models import (
    Campaign,
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from safecampus.orgs.filters import IdFilter, WithinFilter


def _data(serializer) -> tuple[dict, int | None]:
    data = dict(serializer.validated_data)
    return data, data.pop("version", None)


def _same_org(serializer, data) -> None:
    org = data.pop("org", None)
    if org is not None and org != serializer.instance.org:
        raise exceptions.ValidationError({"org": [_("A record stays at its school or region.")]})


# --------------------------------------------------------------------------------- classes


class SchoolClassFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    head_teacher = IdFilter(field_name="head_teacher_id", label=_("Head teacher (user id)"))

    class Meta:
        model = SchoolClass
        fields = ["active", "grade"]


@extend_schema_view(
    list=extend_schema(summary=_("Classes of the schools in the caller's scope")),
    create=extend_schema(summary=_("Register a class (the school's managers)")),
)
class SchoolClassViewSet(ScopedModelViewSet):
    queryset = SchoolClass.objects.select_related("org", "head_teacher")
    serializer_class = s.SchoolClassSerializer
    filterset_class = SchoolClassFilter
    search_fields = ["name", "grade", "org__name"]
    ordering_fields = ["org_path", "rank", "name"]

    def perform_create(self, serializer):
        data, _version = _data(serializer)
        serializer.instance = services.class_save(
            by=self.request.user, school=data.pop("org"), **data
        )

    def perform_update(self, serializer):
        data, version = _data(serializer)
        _same_org(serializer, data)
        klass = serializer.instance
        fields = {
            "grade": klass.grade,
            "name": klass.name,
            "head_teacher": klass.head_teacher,
            "pupils": klass.pupils,
            "active": klass.active,
            **data,
        }
        serializer.instance = services.class_save(
            by=self.request.user, school_class=klass, expected_version=version, **fields
        )

    def perform_destroy(self, instance):
        services.class_delete(school_class=instance, by=self.request.user)


# ------------------------------------------------------------------------------- reminders


class ReminderFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    school_class = IdFilter(field_name="school_class_id", label=_("Class (id)"))
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From (YYYY-MM-DD)"))
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", label=_("To (YYYY-MM-DD)"))

    class Meta:
        model = SafetyReminder
        fields = ["kind", "topic", "day"]


@extend_schema_view(
    list=extend_schema(summary=_("1530 reminders, newest first, scoped to the caller")),
    create=extend_schema(
        summary=_("Record a reminder given to a class"),
        description=_(
            "A class teacher records for the classes they head; the school's managers for any "
            "class. When the class already has this reminder on this day, the answer is 200 with "
            "that record and nothing changes (201 when it is new)."
        ),
    ),
    partial_update=extend_schema(summary=_("Correct a reminder's topic, minutes or note")),
)
class SafetyReminderViewSet(ScopedModelViewSet):
    queryset = SafetyReminder.objects.select_related("org", "school_class", "recorded_by")
    serializer_class = s.SafetyReminderSerializer
    filterset_class = ReminderFilter
    search_fields = ["school_class__name", "org__name", "note"]
    ordering_fields = ["day", "org_path"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, _version = _data(serializer)
        reminder, created = services.reminder_record(
            school_class=data["school_class"],
            by=request.user,
            kind=data["kind"],
            day=data.get("day"),
            topic=data.get("topic") or "",
            minutes=data.get("minutes"),
            note=data.get("note") or "",
        )
        out = self.get_serializer(reminder)
        return Response(out.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_update(self, serializer):
        data, version = _data(serializer)
        serializer.instance = services.reminder_update(
            reminder=serializer.instance, by=self.request.user, data=data, expected_version=version
        )

    def perform_destroy(self, instance):
        services.reminder_delete(reminder=instance, by=self.request.user)


# ------------------------------------------------------------------------------ activities


class ActivityFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From (YYYY-MM-DD)"))
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", label=_("To (YYYY-MM-DD)"))

    class Meta:
        model = EducationActivity
        fields = ["kind", "topic"]


@extend_schema_view(
    list=extend_schema(summary=_("Education activities, newest first, scoped to the caller")),
)
class EducationActivityViewSet(ScopedModelViewSet):
    queryset = EducationActivity.objects.select_related("org", "school_class")
    serializer_class = s.EducationActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "note", "org__name"]
    ordering_fields = ["day", "org_path"]

    def perform_create(self, serializer):
        data, _version = _data(serializer)
        serializer.instance = services.activity_save(
            by=self.request.user, school=data.pop("org"), **data
        )

    def perform_update(self, serializer):
        data, version = _data(serializer)
        _same_org(serializer, data)
        serializer.instance = services.activity_save(
            by=self.request.user, activity=serializer.instance, expected_version=version, **data
        )

    def perform_destroy(self, instance):
        services.activity_delete(activity=instance, by=self.request.user)


# ------------------------------------------------------------------------------- campaigns


class CampaignFilter(filters.FilterSet):
    within = WithinFilter()
    active_on = filters.DateFilter(method="filter_active", label=_("Running on (YYYY-MM-DD)"))

    class Meta:
        model = Campaign
        fields = ["topic"]

    def filter_active(self, qs, name, value: datetime.date):
        return qs.filter(start__lte=value, end__gte=value) if value else qs


@extend_schema_view(
    list=extend_schema(
        summary=_("Education campaigns the caller's schools take part in, with their completion")
    ),
)
class CampaignViewSet(ScopedModelViewSet):
    queryset = Campaign.objects.select_related("org")
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name", "description"]
    ordering_fields = ["start", "end"]

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        context = {
            **self.get_serializer_context(),
            "figures": figures.list_figures(request.user, rows),
        }
        data = s.CampaignSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "action", "") == "retrieve" and "pk" in self.kwargs:
            context["figures"] = figures.list_figures(
                self.request.user, Campaign.objects.filter(pk=self.kwargs["pk"])
            )
        return context

    def perform_create(self, serializer):
        data, _version = _data(serializer)
        serializer.instance = services.campaign_save(
            by=self.request.user, org=data.pop("org"), **data
        )

    def perform_update(self, serializer):
        data, version = _data(serializer)
        _same_org(serializer, data)
        serializer.instance = services.campaign_save(
            by=self.request.user, campaign=serializer.instance, expected_version=version, **data
        )

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance, by=self.request.user)


class ResultFilter(filters.FilterSet):
    campaign = IdFilter(field_name="campaign_id", label=_("Campaign (id)"))
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()

    origin = filters.ChoiceFilter(
        field_name="source", choices=ResultSource.choices, label=_("manual or import")
    )

    class Meta:
        model = CampaignResult
        fields = []


@extend_schema_view(
    list=extend_schema(summary=_("Schools' completions of campaigns, scoped to the caller")),
    create=extend_schema(
        summary=_("Report a school's completion of a campaign"),
        description=_(
            "201 when the school had no figure yet; 200 when its figures are replaced (the "
            "old ones stay in the audit trail)."
        ),
    ),
)
class CampaignResultViewSet(ScopedModelViewSet):
    queryset = CampaignResult.objects.select_related("org", "campaign", "updated_by")
    serializer_class = s.CampaignResultSerializer
    filterset_class = ResultFilter
    search_fields = ["org__name", "campaign__name"]
    ordering_fields = ["org_path", "completed", "target"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, _version = _data(serializer)
        result, created = services.result_save(
            campaign=data["campaign"],
            school=data["org"],
            by=request.user,
            target=data["target"],
            completed=data["completed"],
            source=data.get("source") or "manual",
        )
        out = self.get_serializer(result)
        return Response(out.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def perform_update(self, serializer):
        data, version = _data(serializer)
        result = serializer.instance
        _same_org(serializer, data)
        if data.get("campaign") not in (None, result.campaign):
            raise exceptions.ValidationError(
                {"campaign": [_("A completion stays with its campaign.")]}
            )
        serializer.instance, _created = services.result_save(
            campaign=result.campaign,
            school=result.org,
            by=self.request.user,
            target=data.get("target", result.target),
            completed=data.get("completed", result.completed),
            source=data.get("source", result.source),
            expected_version=version,
        )

    def perform_destroy(self, instance):
        services.result_delete(result=instance, by=self.request.user)


ROUTES = [
    ("school-classes", SchoolClassViewSet, "schoolclass"),
    ("safety-reminders", SafetyReminderViewSet, "safetyreminder"),
    ("education-activities", EducationActivityViewSet, "educationactivity"),
    ("campaigns", CampaignViewSet, "campaign"),
    ("campaign-results", CampaignResultViewSet, "campaignresult"),
]
