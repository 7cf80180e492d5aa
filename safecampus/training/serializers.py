"""Serializers of the training API. Input goes to training/services.py, which validates it the
same way the pages do; a node, session or person outside the caller's scope is "does not
exist", like one that does not exist."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.orgs.models import OrgNode, Person
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

HOURS = {"max_digits": 5, "decimal_places": 1, "coerce_to_string": False}


class SessionSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(),
        help_text=_("The school, or the county or township that runs the course (node id)."),
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    audience_display = serializers.CharField(source="get_audience_display", read_only=True)
    hours = serializers.DecimalField(help_text=_("Class hours of the whole session."), **HOURS)
    listed = serializers.IntegerField(
        read_only=True, default=0, help_text=_("Attendees listed one by one.")
    )
    ended_on = serializers.DateField(read_only=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "org",
            "org_name",
            "audience",
            "audience_display",
            "topic",
            "started_on",
            "ended_on",
            "days",
            "hours",
            "trainer",
            "place",
            "attendee_count",
            "note",
            "listed",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]


class AttendanceSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    session = ScopedPrimaryKeyField(queryset=TrainingSession.objects.all())
    person = ScopedPrimaryKeyField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A person on file at the attendee's school (id)."),
    )
    name = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text=_("For someone not on file; taken from the person otherwise."),
    )
    school = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(),
        source="org",
        required=False,
        allow_null=True,
        help_text=_(
            "The attendee's school (node id): needed at a county's or township's course for "
            "someone not on file."
        ),
    )
    school_name = serializers.CharField(source="org.name", read_only=True)
    hours = serializers.DecimalField(
        required=False,
        allow_null=True,
        help_text=_("Hours attended; the whole session when left out."),
        **HOURS,
    )
    started_on = serializers.DateField(source="session.started_on", read_only=True)
    topic = serializers.CharField(source="session.topic", read_only=True)

    class Meta:
        model = TrainingAttendance
        fields = [
            "id",
            "session",
            "topic",
            "started_on",
            "school",
            "school_name",
            "person",
            "name",
            "hours",
            "version",
            "created_at",
        ]
        read_only_fields = ["version", "created_at"]
        validators = []


class AppointmentSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(queryset=OrgNode.objects.all(), help_text=_("The school (id)."))
    org_name = serializers.CharField(source="org.name", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    person = ScopedPrimaryKeyField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A person on file at the school or above it (id)."),
    )
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    in_office = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "org",
            "org_name",
            "post",
            "post_display",
            "person",
            "name",
            "unit",
            "started_on",
            "ended_on",
            "end_reason",
            "document_number",
            "note",
            "in_office",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    def get_in_office(self, obj) -> bool:
        return obj.in_office(timezone.localdate())
