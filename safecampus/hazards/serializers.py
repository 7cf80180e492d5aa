"""Serializers of the hazard API: input serializers feed the services, output ones describe.

Every reference a client may write is scoped: a spot, schedule, person or node outside the
caller's scope is "does not exist", and a checklist must be one the caller may use.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.accounts.roles import Role
from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.core.attachments import photos_of
from safecampus.hazards import services
from safecampus.hazards.choices import GRADE_COLOUR, Answer, Category, Grade, Source, SpotKind
from safecampus.hazards.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Hazard,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
    Schedule,
    Spot,
)
from safecampus.hazards.workflow import MOVES
from safecampus.orgs.choices import DepartmentKind
from safecampus.orgs.models import Department, OrgNode, Person

RECORD_READ_ONLY = ("id", "org_name", "version", "created_at", "updated_at")
VERSION_HELP = _("The version you read. Required when updating; a stale version answers 409.")


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


class TemplateField(serializers.PrimaryKeyRelatedField):
    """A checklist template the caller may use: the built-in library and their subtree's."""

    def get_queryset(self):
        user = _user(self.context)
        return (
            ChecklistTemplate.objects.available_to(user)
            if user
            else ChecklistTemplate.objects.none()
        )


class ChecklistVersionField(serializers.PrimaryKeyRelatedField):
    """A version of a checklist template the caller may use."""

    def get_queryset(self):
        user = _user(self.context)
        if user is None:
            return ChecklistVersion.objects.none()
        return ChecklistVersion.objects.filter(
            template__in=ChecklistTemplate.objects.available_to(user)
        ).select_related("template")


def _enum_ref(name: str, blank: bool = False):
    """Describe a choice field by the enum component its choice set already has.

    A choice set reused under a second field name (a grade as `default_grade`, a role as
    `responsible_role`) would otherwise be published twice under two names, which
    drf-spectacular rightly warns about; pointing at the one component keeps one name.
    """
    ref = {"$ref": f"#/components/schemas/{name}"}
    if blank:
        return {"oneOf": [ref, {"$ref": "#/components/schemas/BlankEnum"}]}
    return ref


@extend_schema_field(_enum_ref("GradeEnum"))
class GradeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Grade.choices, **kwargs)


@extend_schema_field(_enum_ref("DepartmentKindEnum"))
class DepartmentKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=DepartmentKind.choices, **kwargs)


@extend_schema_field(_enum_ref("SpotKindEnum", blank=True))
class SpotKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SpotKind.choices, allow_blank=True, required=False, **kwargs)


@extend_schema_field(_enum_ref("RoleEnum", blank=True))
class RoleField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, allow_blank=True, required=False, **kwargs)


def photo_url(token, request=None):
    """The address of a stored photo, or None while the attachment view is not wired."""
    try:
        url = reverse("attachment", args=[token])
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(url) if request is not None else url


# ----------------------------------------------------------------------------------- spots


class SpotSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Spot
        fields = [
            "id",
            "org",
            "org_name",
            "name",
            "area",
            "kind",
            "building",
            "floor",
            "token",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [*RECORD_READ_ONLY, "token"]

    def validate_org(self, value):
        if not value.is_school:
            raise serializers.ValidationError(_("A spot belongs to a school."))
        return value


# ------------------------------------------------------------------------------ checklists


class ChecklistItemSerializer(serializers.ModelSerializer):
    default_grade = GradeField(required=False)
    department_kinds = serializers.ListField(
        child=DepartmentKindField(),
        required=False,
        help_text=_(
            "Department kinds whose checklist this item also serves in a joint inspection."
        ),
    )

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "position",
            "text",
            "category",
            "guidance",
            "photo_required",
            "default_grade",
            "department_kinds",
        ]
        read_only_fields = ["id", "position"]


class ChecklistVersionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistVersion
        fields = ["id", "number", "note", "created_at", "items"]


class ChecklistTemplateSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The node the template is defined at; empty only for the built-in library."),
    )
    org_name = serializers.CharField(source="org.name", read_only=True, default=None)
    current = ChecklistVersionSerializer(read_only=True)
    spot_kind = SpotKindField()
    items = ChecklistItemSerializer(
        many=True,
        write_only=True,
        required=False,
        help_text=_(
            "The whole list of items, in order. Sending it publishes a new version; past "
            "inspections keep the version they used."
        ),
    )
    note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("What changed in the new version."),
    )

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id",
            "org",
            "org_name",
            "code",
            "name",
            "description",
            "rhythm",
            "spot_kind",
            "source",
            "is_builtin",
            "is_active",
            "current",
            "items",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [*RECORD_READ_ONLY, "is_builtin"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["org"].read_only = True
        return fields

    # The rules on items (at least one, each valid) are the service's: hazards.checklists.


# --------------------------------------------------------------------------------- schedules


class ScheduleSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school or region the schedule covers.")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    template = TemplateField(queryset=ChecklistTemplate.objects.all())
    template_name = serializers.CharField(source="template.name", read_only=True)
    spots = ScopedPrimaryKeyField(queryset=Spot.objects.all(), many=True, required=False)
    responsible_role = RoleField()
    spot_kind = SpotKindField()
    responsible_person = ScopedPrimaryKeyField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Schedule
        fields = [
            "id",
            "org",
            "org_name",
            "title",
            "template",
            "template_name",
            "rhythm",
            "spot_kind",
            "spots",
            "responsible_role",
            "responsible_person",
            "starts_on",
            "ends_on",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = RECORD_READ_ONLY

    # Where spots, checklist and responsible person may lie is checked by the service
    # (hazards.schedule_services.schedule_check), for the pages and the API alike.


class DueInspectionSerializer(serializers.Serializer):
    """One check a schedule expects of a school in one period, and whether it was done."""

    schedule = serializers.IntegerField(source="schedule.pk")
    schedule_title = serializers.CharField(source="schedule.title")
    template = serializers.IntegerField(source="schedule.template_id")
    school = serializers.IntegerField(source="school.pk")
    school_name = serializers.CharField(source="school.name")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.CharField(help_text=_("due, done or missed"))
    inspection = serializers.IntegerField(source="inspection.pk", default=None, allow_null=True)


# ------------------------------------------------------------------------------- inspections


class AnswerInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text=_("A checklist item (id) of the checklist version."))
    spot = ScopedPrimaryKeyField(queryset=Spot.objects.all(), required=False, allow_null=True)
    answer = serializers.ChoiceField(choices=Answer.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    grade = serializers.ChoiceField(
        choices=Grade.choices,
        required=False,
        help_text=_(
            "The grade of the hazard an abnormal answer raises; the item's default otherwise."
        ),
    )


class InspectionCreateSerializer(serializers.Serializer):
    """A check as submitted. Over multipart, `answers` is a JSON string and a file field named
    `photo_<n>` carries the photos of answers[n]."""

    school = ScopedPrimaryKeyField(queryset=OrgNode.objects.all(), help_text=_("School (node id)."))
    checklist = ChecklistVersionField(
        queryset=ChecklistVersion.objects.all(), help_text=_("Checklist version (id).")
    )
    schedule = ScopedPrimaryKeyField(
        queryset=Schedule.objects.all(), required=False, allow_null=True
    )
    period_start = serializers.DateField(required=False, allow_null=True)
    inspected_at = serializers.DateTimeField(required=False)
    signed_name = serializers.CharField(max_length=50, allow_blank=True)
    spots = ScopedPrimaryKeyField(queryset=Spot.objects.all(), many=True, required=False)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    departments = ScopedPrimaryKeyField(
        queryset=Department.objects.all(),
        many=True,
        required=False,
        help_text=_(
            "Departments (ids) taking part in a joint inspection: of the school's node or a "
            "level above it."
        ),
    )
    answers = AnswerInputSerializer(many=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        items = {i.pk: i for i in attrs["checklist"].items.all()}
        errors = {}
        for index, answer in enumerate(attrs["answers"]):
            item = items.get(answer["item"])
            if item is None:
                errors[f"answers.{index}"] = [_("This item is not on the checklist.")]
            answer["item"] = item
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class AnswerSerializer(serializers.ModelSerializer):
    item_text = serializers.CharField(source="item.text", read_only=True)

    class Meta:
        model = InspectionAnswer
        fields = ["id", "item", "item_text", "spot", "answer", "note"]


class HazardRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hazard
        fields = ["id", "number"]


class InspectionSerializer(serializers.ModelSerializer):
    school = serializers.IntegerField(source="org_id", read_only=True)
    school_name = serializers.CharField(source="org.name", read_only=True)
    template = serializers.IntegerField(source="checklist.template_id", read_only=True)
    template_name = serializers.CharField(source="checklist.template.name", read_only=True)
    checklist_number = serializers.IntegerField(source="checklist.number", read_only=True)
    inspector_name = serializers.CharField(
        source="inspector.display_name", read_only=True, default=None
    )
    spots = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    departments = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    hazards = HazardRefSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "school",
            "school_name",
            "checklist",
            "template",
            "template_name",
            "checklist_number",
            "schedule",
            "period_start",
            "inspector",
            "inspector_name",
            "inspected_at",
            "spots",
            "latitude",
            "longitude",
            "signed_name",
            "note",
            "abnormal_count",
            "departments",
            "hazards",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "answers"]
        read_only_fields = fields


class ReportHazardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    grade = serializers.CharField()
    grade_label = serializers.CharField(source="get_grade_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class ReportRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    item = serializers.IntegerField(source="answer.item_id")
    item_text = serializers.CharField(source="answer.item.text")
    category = serializers.CharField(source="answer.item.category")
    answer = serializers.CharField(source="answer.answer")
    answer_label = serializers.CharField(source="answer.get_answer_display")
    note = serializers.CharField(source="answer.note")
    spot = serializers.IntegerField(source="answer.spot_id", allow_null=True)
    hazards = ReportHazardSerializer(many=True)
    photos = serializers.SerializerMethodField()

    def get_photos(self, row) -> list[str]:
        return [reverse("attachment", args=[p.token]) for p in row.photos]


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class DepartmentReportSerializer(serializers.Serializer):
    """One department's record of a joint inspection (hazards/joint.py)."""

    inspection = serializers.IntegerField(source="inspection.pk")
    kind = serializers.CharField()
    sector = serializers.CharField()
    title = serializers.CharField()
    department_name = serializers.CharField()
    departments = DepartmentRefSerializer(many=True)
    participants = DepartmentRefSerializer(many=True)
    school = serializers.IntegerField(source="school.pk")
    school_name = serializers.CharField(source="school.name")
    inspected_at = serializers.DateTimeField()
    signed_name = serializers.CharField(source="inspection.signed_name")
    inspector_name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rows = ReportRowSerializer(many=True)


# ---------------------------------------------------------------------------------- hazards


class HazardListSerializer(serializers.ModelSerializer):
    school = serializers.IntegerField(source="org_id", read_only=True)
    school_name = serializers.CharField(source="org.name", read_only=True)
    spot_name = serializers.CharField(source="spot.name", read_only=True, default=None)
    colour = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(
        read_only=True, help_text=_("Open and past its deadline, as of today.")
    )
    responsible_person_name = serializers.CharField(
        source="responsible_person.name", read_only=True, default=None
    )

    class Meta:
        model = Hazard
        fields = [
            "id",
            "number",
            "school",
            "school_name",
            "spot",
            "spot_name",
            "category",
            "grade",
            "colour",
            "description",
            "source",
            "status",
            "found_at",
            "responsible_person",
            "responsible_person_name",
            "deadline",
            "overdue",
            "closed_at",
            "version",
        ]
        read_only_fields = fields

    def get_colour(self, obj) -> str:
        return GRADE_COLOUR.get(obj.grade, "")


class TransitionSerializer(serializers.ModelSerializer):
    by_name = serializers.CharField(source="by.display_name", read_only=True, default=None)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = HazardTransition
        fields = [
            "id",
            "action",
            "from_status",
            "to_status",
            "by",
            "by_name",
            "at",
            "comment",
            "evidence",
        ]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = HazardEscalation
        fields = ["id", "step", "deadline", "at", "by", "document_number", "note"]
        read_only_fields = fields


class PhotoSerializer(serializers.Serializer):
    token = serializers.UUIDField()
    kind = serializers.CharField()
    url = serializers.CharField(allow_null=True, help_text=_("Empty while photos are not served."))
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class HazardSerializer(VersionedSerializerMixin, HazardListSerializer):
    """A hazard with its trail. Only its plain fields are edited here; every change of state
    goes through the actions endpoint."""

    allowed_actions = serializers.SerializerMethodField()
    transitions = TransitionSerializer(many=True, read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()
    handler_name = serializers.CharField(source="handler.name", read_only=True, default=None)
    reported_by_name = serializers.CharField(
        source="reported_by.display_name", read_only=True, default=None
    )
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)

    EDITABLE = ("description", "temporary_measures", "cost", "funding_note", "category")

    class Meta(HazardListSerializer.Meta):
        fields = [
            *HazardListSerializer.Meta.fields,
            "temporary_measures",
            "measures",
            "plan",
            "cost",
            "funding_note",
            "rectification",
            "reported_by",
            "reported_by_name",
            "reporter_name",
            "handler",
            "handler_name",
            "inspection",
            "submitted_by",
            "submitted_at",
            "accepted_by",
            "recheck_on",
            "allowed_actions",
            "transitions",
            "escalations",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            f
            for f in fields
            if f not in ("description", "temporary_measures", "cost", "funding_note", "category")
            and f != "version"
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        user = _user(self.context)
        return [m.action for m in services.allowed_moves(user, obj)] if user else []

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, obj):
        request = self.context.get("request")
        return [
            {
                "token": a.token,
                "kind": a.kind,
                "url": photo_url(a.token, request),
                "width": a.width,
                "height": a.height,
                "created_at": a.created_at,
            }
            for a in photos_of(obj).order_by("created_at", "id")
        ]


class HazardCreateSerializer(serializers.Serializer):
    """A hazard found outside a scheduled check (a patrol, a supervision visit, ...)."""

    school = ScopedPrimaryKeyField(queryset=OrgNode.objects.all(), help_text=_("School (node id)."))
    spot = ScopedPrimaryKeyField(queryset=Spot.objects.all(), required=False, allow_null=True)
    category = serializers.ChoiceField(choices=Category.choices)
    grade = serializers.ChoiceField(choices=Grade.choices, default=Grade.GENERAL)
    description = serializers.CharField()
    temporary_measures = serializers.CharField(required=False, allow_blank=True, default="")
    found_at = serializers.DateTimeField(required=False)
    source = serializers.ChoiceField(
        choices=Source.choices,
        default=Source.OTHER,
        help_text=_(
            "patrol, supervision or other: inspections and public reports have their own way in."
        ),
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_("Photos before rectification (multipart, one `photos` part per file)."),
    )

    def validate_source(self, value):
        if value not in (Source.PATROL, Source.SUPERVISION, Source.OTHER):
            raise serializers.ValidationError(
                _("Hazards from inspections and public reports are not entered here.")
            )
        return value


class HazardActionSerializer(serializers.Serializer):
    """One workflow move, with the evidence it needs (see `allowed_actions` of the hazard)."""

    action = serializers.ChoiceField(choices=[(m.action, m.label) for m in MOVES.values()])
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    responsible_person = ScopedPrimaryKeyField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )
    measures = serializers.CharField(required=False, allow_blank=True)
    deadline = serializers.DateField(required=False)
    plan = serializers.CharField(required=False, allow_blank=True)
    temporary_measures = serializers.CharField(required=False, allow_blank=True)
    rectification = serializers.CharField(required=False, allow_blank=True)
    no_photo_reason = serializers.CharField(required=False, allow_blank=True)
    cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    funding_note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    to = serializers.IntegerField(
        required=False,
        help_text=_("For escalate: the level above the school to hand it to (node id)."),
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_("Evidence photos (multipart, one `photos` part per file)."),
    )
