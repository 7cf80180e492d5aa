"""The training resources of the API: sessions, their attendances (a resource of their own, so
that a school reads its people's hours at a county's course) and appointments.

Every queryset starts from `for_user`, so a record outside the caller's scope answers 404.
Writes go through training/services.py: 400 with the reason for a refused write, 403 when the
caller's role forbids it here, 409 when the record changed since it was read.
"""

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions

from safecampus.core.api import ScopedModelViewSet
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.training import serializers as s
from safecampus.training import services
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession


def _data(serializer) -> dict:
    data = dict(serializer.validated_data)
    data.pop("version", None)
    return data


def _stays(data: dict, instance, *names) -> None:
    for name in names:
        if name in data and data.pop(name) != getattr(instance, name):
            raise exceptions.ValidationError({name: [_("This cannot be changed here.")]})


# ---------------------------------------------------------------------------------- sessions


class SessionFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("School or region (node id)"))
    within = WithinFilter()
    date_from = filters.DateFilter(field_name="started_on", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = TrainingSession
        fields = ["audience"]


@extend_schema_view(
    list=extend_schema(summary=_("Training sessions, newest first, scoped to the caller")),
    retrieve=extend_schema(summary=_("A training session")),
    create=extend_schema(summary=_("Record a training session that was held")),
    partial_update=extend_schema(summary=_("Correct a session (send the version you read)")),
    destroy=extend_schema(summary=_("Delete a session recorded by mistake, with its attendance")),
)
class SessionViewSet(ScopedModelViewSet):
    queryset = TrainingSession.objects.select_related("org")
    serializer_class = s.SessionSerializer
    filterset_class = SessionFilter
    search_fields = ["topic", "trainer", "place"]
    ordering_fields = ["started_on", "hours", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(listed=Count("attendances"))
            .order_by("-started_on", "-id")
        )

    def perform_create(self, serializer):
        data = _data(serializer)
        serializer.instance = services.session_create(by=self.request.user, **data)

    def perform_update(self, serializer):
        data = _data(serializer)
        _stays(data, serializer.instance, "org")
        serializer.instance = services.session_update(
            session=serializer.instance,
            by=self.request.user,
            data=data,
            expected_version=serializer.validated_data["version"],
        )

    def perform_destroy(self, instance):
        services.session_delete(session=instance, by=self.request.user)


# ------------------------------------------------------------------------------ attendance


class AttendanceFilter(filters.FilterSet):
    session = IdFilter(field_name="session_id", label=_("Training session (id)"))
    school = IdFilter(field_name="org_id", label=_("The attendee's school (node id)"))
    person = IdFilter(field_name="person_id", label=_("Person (id)"))
    within = WithinFilter()
    date_from = filters.DateFilter(field_name="session__started_on", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="session__started_on", lookup_expr="lte")

    class Meta:
        model = TrainingAttendance
        fields: list = []


@extend_schema_view(
    list=extend_schema(summary=_("Who attended which session, scoped to the caller")),
    retrieve=extend_schema(summary=_("One attendee of a session")),
    create=extend_schema(summary=_("List an attendee: a person on file, or a name")),
    partial_update=extend_schema(summary=_("Correct the hours attended")),
    destroy=extend_schema(summary=_("Take an attendee off the list")),
)
class AttendanceViewSet(ScopedModelViewSet):
    queryset = TrainingAttendance.objects.select_related("org", "session", "session__org")
    serializer_class = s.AttendanceSerializer
    filterset_class = AttendanceFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "hours"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("-session__started_on", "session_id", "name", "id")

    def perform_create(self, serializer):
        data = _data(serializer)
        serializer.instance = services.attendance_add(
            session=data["session"],
            by=self.request.user,
            person=data.get("person"),
            name=data.get("name", ""),
            school=data.get("org"),
            hours=data.get("hours"),
        )

    def perform_update(self, serializer):
        data = _data(serializer)
        _stays(data, serializer.instance, "session", "person", "org", "name")
        if "hours" not in data:
            raise exceptions.ValidationError({"hours": [_("This field is required.")]})
        serializer.instance = services.attendance_update(
            attendance=serializer.instance,
            by=self.request.user,
            hours=data["hours"],
            expected_version=serializer.validated_data["version"],
        )

    def perform_destroy(self, instance):
        services.attendance_remove(attendance=instance, by=self.request.user)


# ---------------------------------------------------------------------------- appointments


class AppointmentFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    in_office = filters.BooleanFilter(
        method="filter_in_office", label=_("In office today (true/false)")
    )

    class Meta:
        model = Appointment
        fields = ["post"]

    def filter_in_office(self, qs, name, value):
        if value is None:
            return qs
        today = timezone.localdate()
        current = Q(started_on__lte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gte=today))
        return qs.filter(current) if value else qs.exclude(current)


@extend_schema_view(
    list=extend_schema(
        summary=_("Appointments (legal vice-principals, psychological teachers, safety managers)")
    ),
    retrieve=extend_schema(summary=_("An appointment")),
    create=extend_schema(summary=_("Record an appointment at a school")),
    partial_update=extend_schema(
        summary=_("Correct an appointment, or end it"),
        description=_(
            "Send ended_on (and end_reason) to end an appointment that is in office; other "
            "fields correct it. Send the version you read."
        ),
    ),
    destroy=extend_schema(summary=_("Delete an appointment entered by mistake")),
)
class AppointmentViewSet(ScopedModelViewSet):
    queryset = Appointment.objects.select_related("org")
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter
    search_fields = ["name", "unit", "document_number"]
    ordering_fields = ["started_on", "ended_on", "post"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("org_path", "post", "-started_on", "-id")

    def perform_create(self, serializer):
        data = _data(serializer)
        serializer.instance = services.appointment_create(by=self.request.user, **data)

    @transaction.atomic
    def perform_update(self, serializer):
        instance = serializer.instance
        data = _data(serializer)
        _stays(data, instance, "org")
        ending = {k: data.pop(k) for k in ("ended_on", "end_reason") if k in data}
        version = serializer.validated_data["version"]
        if data:
            instance = services.appointment_update(
                appointment=instance, by=self.request.user, data=data, expected_version=version
            )
            version = None
        if ending:
            if ending.get("ended_on") is None:
                raise exceptions.ValidationError(
                    {"ended_on": [_("Say on which day the appointment ends.")]}
                )
            instance = services.appointment_end(
                appointment=instance,
                by=self.request.user,
                ended_on=ending["ended_on"],
                reason=ending.get("end_reason", ""),
                expected_version=version,
            )
        serializer.instance = instance

    def perform_destroy(self, instance):
        services.appointment_delete(appointment=instance, by=self.request.user)


ROUTES = [
    ("training-sessions", SessionViewSet, "trainingsession"),
    ("training-attendances", AttendanceViewSet, "trainingattendance"),
    ("appointments", AppointmentViewSet, "appointment"),
]
