"""Serializers of the drill API. Evacuation times are read as whole seconds and written as
seconds or as people type them ("3分40秒", "3:40"), through the one parser of the pages.
Every reference a client may write (the school, a problem's owner) is scoped: outside the
caller's scope is "does not exist"."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.core.attachments import photos_of
from safecampus.emergency.choices import DrillStatus
from safecampus.emergency.drills import format_duration, parse_duration
from safecampus.emergency.models import Drill, DrillBuilding, DrillProblem
from safecampus.hazards.choices import Category
from safecampus.hazards.serializers import GradeField, photo_url
from safecampus.orgs.models import OrgNode, Person


@extend_schema_field(OpenApiTypes.INT)
class DurationSecondsField(serializers.Field):
    """Seconds; written as 220, "220", "3分40秒" or "3:40"."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _('Seconds. May be written as minutes and seconds: "3分40秒" or "3:40".'),
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return parse_duration(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value):
        return value


class DrillBuildingSerializer(serializers.ModelSerializer):
    seconds = DurationSecondsField()

    class Meta:
        model = DrillBuilding
        fields = ["name", "storeys", "seconds"]


class DrillProblemSerializer(serializers.ModelSerializer):
    owner = ScopedPrimaryKeyField(
        queryset=Person.objects.all(), required=False, allow_null=True, help_text=_("Person (id).")
    )
    hazard_number = serializers.CharField(source="hazard.number", read_only=True, default=None)
    raise_hazard = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_("Enter the problem in the hazard ledger at once."),
    )
    category = serializers.ChoiceField(
        choices=Category.choices,
        write_only=True,
        required=False,
        help_text=_("The hazard's category, when one is raised."),
    )
    grade = GradeField(write_only=True, required=False)

    class Meta:
        model = DrillProblem
        fields = [
            "id",
            "text",
            "follow_up",
            "owner",
            "due_on",
            "done_at",
            "hazard",
            "hazard_number",
            "raise_hazard",
            "category",
            "grade",
        ]
        read_only_fields = ["id", "done_at", "hazard"]


class DrillListSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    evacuation_seconds = DurationSecondsField(read_only=True)
    building_count = serializers.IntegerField(read_only=True)
    problem_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Drill
        fields = [
            "id",
            "org",
            "org_name",
            "scenario",
            "title",
            "status",
            "planned_for",
            "held_at",
            "is_night",
            "students",
            "staff",
            "evacuation_seconds",
            "police_joined",
            "fire_joined",
            "evaluator_name",
            "evaluated_at",
            "building_count",
            "problem_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DrillSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    status = serializers.ChoiceField(
        choices=DrillStatus.choices,
        required=False,
        help_text=_(
            "planned (the default without held_at), held (records the drill), cancelled (with "
            "cancel_reason). A planned drill moves to held or cancelled; nothing moves back."
        ),
    )
    evacuation_seconds = DurationSecondsField(required=False, allow_null=True)
    evacuation_time = serializers.SerializerMethodField(
        help_text=_("The evacuation time as people read it, e.g. 3分40秒.")
    )
    buildings = DrillBuildingSerializer(
        many=True,
        required=False,
        help_text=_("Evacuation per building. Sending the list replaces the drill's buildings."),
    )
    problems = DrillProblemSerializer(
        many=True,
        required=False,
        help_text=_("Problems found. Problems sent are added to those the drill already has."),
    )
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Drill
        fields = [
            "id",
            "org",
            "org_name",
            "scenario",
            "title",
            "status",
            "planned_for",
            "held_at",
            "is_night",
            "plan",
            "students",
            "staff",
            "students_by_grade",
            "evacuation_seconds",
            "evacuation_time",
            "assembly_point",
            "police_joined",
            "fire_joined",
            "other_units",
            "summary",
            "evaluator_name",
            "evaluated_at",
            "cancel_reason",
            "buildings",
            "problems",
            "photos",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "org_name", "evaluated_at", "version", "created_at", "updated_at"]
        extra_kwargs = {"plan": {"read_only": True}}

    def get_evacuation_time(self, obj) -> str:
        return format_duration(obj.evacuation_seconds)

    def get_photos(self, obj) -> list[str]:
        request = self.context.get("request")
        return [photo_url(p.token, request) for p in photos_of(obj)]

    def validate_org(self, value):
        if not value.is_school:
            raise serializers.ValidationError(_("A drill belongs to a school."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        people = [p.get("owner") for p in attrs.get("problems") or () if p.get("owner")]
        org = attrs.get("org") or getattr(self.instance, "org", None)
        for person in people:
            if org is not None and not org.is_within_path(person.org_path):
                raise serializers.ValidationError(
                    {"problems": [_("The owner must belong to the school or a level above it.")]}
                )
        return attrs
