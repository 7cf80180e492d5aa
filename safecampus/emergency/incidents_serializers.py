"""Serializers of the incident API: input serializers feed emergency/incidents.py, output
ones show an incident and its timeline as privacy.access allows the caller (the same rule as
the pages and the exports): hidden texts are null with `restricted` true, names masked.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.emergency import incidents, privacy, response
from safecampus.emergency.choices import IncidentStatus, IncidentType, Severity, Step
from safecampus.emergency.models import EmergencyPlan, Incident, IncidentEntry
from safecampus.orgs.models import OrgNode


def _choice(choices):
    """A choice field of one choice set (named in SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES
    where its field name is shared with another resource's choices)."""

    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return Field


IncidentTypeField = _choice(IncidentType.choices)
SeverityField = _choice(Severity.choices)
StatusField = _choice(IncidentStatus.choices)
StepField = _choice(Step.choices)
MarkStepField = _choice([(s.value, s.label) for s in response.MARK_STEPS])
MarkStateField = _choice([(s, s) for s in (response.WITHIN, response.OVER, response.NONE)])


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


def _access(context, incident) -> privacy.Access:
    """privacy.access, once per incident per response."""
    cache = context.setdefault("_incident_access", {})
    if incident.pk not in cache:
        cache[incident.pk] = privacy.access(_user(context), incident)
    return cache[incident.pk]


NULLABLE_TEXT = serializers.CharField(allow_null=True)


class MarkSerializer(serializers.Serializer):
    step = MarkStepField()
    label = serializers.CharField()
    target = serializers.IntegerField(help_text=_("Target in minutes (1, 3, 5)."))
    at = serializers.DateTimeField(allow_null=True)
    minutes = serializers.FloatField(
        allow_null=True, help_text=_("Minutes from the report; null: no mark yet.")
    )
    state = MarkStateField(help_text=_("within, over, or none (no mark yet)"))
    corrected = serializers.BooleanField()


class IncidentListSerializer(serializers.ModelSerializer):
    """An incident in a list: the same masking as the pages."""

    org = serializers.IntegerField(source="org_id", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    incident_type = IncidentTypeField(read_only=True)
    severity = SeverityField(read_only=True)
    status = StatusField(read_only=True)
    place = serializers.SerializerMethodField()
    names = serializers.SerializerMethodField()
    restricted = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "org",
            "org_name",
            "incident_type",
            "severity",
            "status",
            "occurred_at",
            "reported_at",
            "place",
            "injured",
            "deaths",
            "missing",
            "affected",
            "students_involved",
            "minors_involved",
            "names",
            "is_sensitive",
            "is_criminal",
            "restricted",
            "notice",
            "report_due_at",
            "written_due_at",
            "closed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _shown(self, obj) -> dict:
        return privacy.shown(_user(self.context), obj, _access(self.context, obj))

    @extend_schema_field(NULLABLE_TEXT)
    def get_place(self, obj):
        return self._shown(obj)["place"]

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text=_("In full for designated roles and the reporter; masked (张*) otherwise."),
        )
    )
    def get_names(self, obj):
        return self._shown(obj)["names"]

    @extend_schema_field(serializers.BooleanField())
    def get_restricted(self, obj):
        return _access(self.context, obj).restricted

    @extend_schema_field(serializers.CharField())
    def get_notice(self, obj):
        return self._shown(obj)["notice"]


class IncidentSerializer(IncidentListSerializer):
    """An incident with its texts (as allowed) and its 1-3-5 marks."""

    description = serializers.SerializerMethodField()
    first_measures = serializers.SerializerMethodField()
    closing_summary = serializers.SerializerMethodField()
    reported_by_name = serializers.SerializerMethodField()
    bureau_reported = serializers.SerializerMethodField()
    response = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = [
            *IncidentListSerializer.Meta.fields,
            "description",
            "first_measures",
            "closing_summary",
            "reported_by_name",
            "bureau_reported",
            "response",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_TEXT)
    def get_description(self, obj):
        return self._shown(obj)["description"]

    @extend_schema_field(NULLABLE_TEXT)
    def get_first_measures(self, obj):
        return self._shown(obj)["first_measures"]

    @extend_schema_field(NULLABLE_TEXT)
    def get_closing_summary(self, obj):
        return self._shown(obj)["closing_summary"]

    @extend_schema_field(serializers.CharField())
    def get_reported_by_name(self, obj):
        return obj.reported_by.display_name if obj.reported_by_id else ""

    @extend_schema_field(serializers.BooleanField())
    def get_bureau_reported(self, obj):
        return obj.entries.filter(step=Step.BUREAU_REPORTED).exists()

    @extend_schema_field(MarkSerializer(many=True))
    def get_response(self, obj):
        marks = response.response_for(obj).marks
        return MarkSerializer(
            [{**m.__dict__, "label": m.label, "state": m.state} for m in marks], many=True
        ).data


class IncidentCreateSerializer(serializers.Serializer):
    """A report, as short as on the phone; everything else may follow (PATCH)."""

    school = ScopedPrimaryKeyField(queryset=OrgNode.objects.all(), help_text=_("School (node id)."))
    incident_type = IncidentTypeField()
    severity = SeverityField(required=False, default=Severity.GENERAL)
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("When it happened; now if omitted.")
    )
    reported_at = serializers.DateTimeField(
        required=False, help_text=_("When it was reported (the start of 1-3-5); now if omitted.")
    )
    place = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=incidents.TEXT_MAX)
    first_measures = serializers.CharField(
        required=False, allow_blank=True, max_length=incidents.TEXT_MAX, default=""
    )
    injured = serializers.IntegerField(required=False, min_value=0, default=0)
    deaths = serializers.IntegerField(required=False, min_value=0, default=0)
    missing = serializers.IntegerField(required=False, min_value=0, default=0)
    affected = serializers.IntegerField(required=False, min_value=0, default=0)
    students_involved = serializers.IntegerField(required=False, min_value=0, default=0)
    minors_involved = serializers.BooleanField(required=False, default=True)
    names = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    is_sensitive = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Sexual assault, bullying and violence involving minors are sensitive anyway."),
    )


class IncidentUpdateSerializer(VersionedSerializerMixin, serializers.Serializer):
    """Complete or correct the report. Details only for those who read them; the flags only
    for designated roles (403 otherwise)."""

    incident_type = IncidentTypeField(required=False)
    severity = SeverityField(required=False)
    occurred_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, max_length=150)
    description = serializers.CharField(required=False, max_length=incidents.TEXT_MAX)
    first_measures = serializers.CharField(
        required=False, allow_blank=True, max_length=incidents.TEXT_MAX
    )
    injured = serializers.IntegerField(required=False, min_value=0)
    deaths = serializers.IntegerField(required=False, min_value=0)
    missing = serializers.IntegerField(required=False, min_value=0)
    affected = serializers.IntegerField(required=False, min_value=0)
    students_involved = serializers.IntegerField(required=False, min_value=0)
    minors_involved = serializers.BooleanField(required=False)
    names = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    is_sensitive = serializers.BooleanField(required=False)
    is_criminal = serializers.BooleanField(required=False)


class EntrySerializer(serializers.ModelSerializer):
    """A timeline entry as it was written, with the time it stands at after corrections."""

    step = StepField(read_only=True)
    effective_at = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    corrected = serializers.SerializerMethodField()
    plan_title = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEntry
        fields = [
            "id",
            "step",
            "at",
            "effective_at",
            "text",
            "corrects",
            "reason",
            "corrected",
            "plan",
            "plan_title",
            "by_name",
            "recorded_at",
        ]
        read_only_fields = fields

    def _effective(self, obj):
        return self.context.get("effective", {}).get(obj.pk)

    def _text(self, obj):
        incident = self.context["incident"]
        return privacy.entry_text(
            _user(self.context), incident, obj, _access(self.context, incident)
        )

    @extend_schema_field(serializers.DateTimeField())
    def get_effective_at(self, obj):
        row = self._effective(obj)
        value = row.at if row is not None else obj.at
        return serializers.DateTimeField().to_representation(value)

    @extend_schema_field(NULLABLE_TEXT)
    def get_text(self, obj):
        return self._text(obj)

    @extend_schema_field(NULLABLE_TEXT)
    def get_reason(self, obj):
        return obj.reason if self._text(obj) is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_corrected(self, obj):
        row = self._effective(obj)
        return bool(row and row.corrected)

    @extend_schema_field(serializers.CharField())
    def get_plan_title(self, obj):
        return str(obj.plan) if obj.plan_id else ""


class EntryCreateSerializer(serializers.Serializer):
    """Append to the timeline. A correction (step "correction") names the entry it corrects
    and a reason, and gives the right time, the right text, or both."""

    step = _choice([(s.value, s.label) for s in (*incidents.APPENDABLE, Step.CORRECTION)])()
    at = serializers.DateTimeField(
        required=False, help_text=_("When it happened; now if omitted (for a correction: kept).")
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=incidents.TEXT_MAX, default=""
    )
    plan = ScopedPrimaryKeyField(
        queryset=EmergencyPlan.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("For plan_started: the plan (id) of the school or its region."),
    )
    corrects = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("For a correction: the entry (id).")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        default="",
        help_text=_("For a correction: why."),
    )
