"""Spot-checks of closed hazards in the API: the bureau's samples (drawn here, never with a
seed of the caller's choosing) and the checks they gave its staff.

Every queryset starts from `for_user`: a sample or check outside the caller's scope answers
404. Writes go through hazards.spotchecks: drawing, renaming, cancelling and reassigning are
for those who may draw samples at the sample's node (403 otherwise); a check is recorded
only by the person it is assigned to; a stale `version` answers 409.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from safecampus.core.api import ScopedModelViewSet, ScopedPrimaryKeyField
from safecampus.core.attachments import photos_of
from safecampus.hazards import spotchecks
from safecampus.hazards.choices import Category, Grade
from safecampus.hazards.models import SpotCheck, SpotCheckSample
from safecampus.hazards.serializers import PhotoSerializer, photo_url
from safecampus.orgs.choices import SchoolKind
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.orgs.models import OrgNode

VERSION_HELP = _("The version you read. Required when updating; a stale version answers 409.")

# ------------------------------------------------------------------------------- samples


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    held = serializers.IntegerField(help_text=_("Checks whose fix held."))
    not_held = serializers.IntegerField(help_text=_("Checks whose fix did not hold."))
    due = serializers.IntegerField(help_text=_("Checks not yet done, due today or later."))
    overdue = serializers.IntegerField(help_text=_("Checks not yet done, past their due date."))
    cancelled = serializers.IntegerField(help_text=_("Checks called off with their sample."))


class SampleSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    drawn_by_name = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheckSample
        fields = [
            "id",
            "org",
            "org_name",
            "title",
            "region",
            "region_name",
            "closed_from",
            "closed_to",
            "grade",
            "category",
            "school_kind",
            "size_count",
            "size_percent",
            "seed",
            "population_size",
            "drawn_at",
            "drawn_by",
            "drawn_by_name",
            "due_on",
            "note",
            "cancelled_at",
            "cancel_reason",
            "progress",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_drawn_by_name(self, obj) -> str:
        return obj.drawn_by.display_name if obj.drawn_by_id else ""

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj) -> dict:
        return {
            "total": obj.n_total,
            "held": obj.n_held,
            "not_held": obj.n_not_held,
            "due": obj.n_due,
            "overdue": obj.n_overdue,
            "cancelled": obj.n_cancelled,
        }


class SampleDetailSerializer(SampleSerializer):
    population = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("The numbers of every candidate hazard, sorted: the draw's input."),
    )

    class Meta(SampleSerializer.Meta):
        fields = [*SampleSerializer.Meta.fields, "population"]
        read_only_fields = fields


class SampleDrawSerializer(serializers.Serializer):
    region = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The region drawn over (node id).")
    )
    closed_from = serializers.DateField(help_text=_("First day of the window of closing dates."))
    closed_to = serializers.DateField(help_text=_("Last day of the window of closing dates."))
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True)
    school_kind = serializers.ChoiceField(
        choices=SchoolKind.choices, required=False, allow_blank=True
    )
    size_count = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("How many hazards to draw…")
    )
    size_percent = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("…or which share of the candidates (%).")
    )
    due_on = serializers.DateField(help_text=_("The day the checks are due."))
    assignees = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_(
            "Users (ids) who take the checks in turn; by default every safety staff member "
            "and inspector of the bureau."
        ),
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=150)
    note = serializers.CharField(required=False, allow_blank=True)


class SampleUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=150)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class SampleCancelSerializer(serializers.Serializer):
    cancel_reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class DrawVerificationSerializer(serializers.Serializer):
    reproduced = serializers.BooleanField(
        help_text=_("The seed over the recorded candidates gives the same hazards, in order.")
    )
    seed = serializers.CharField()
    population = serializers.IntegerField(help_text=_("Number of candidates."))
    expected = serializers.ListField(child=serializers.CharField())
    drawn = serializers.ListField(child=serializers.CharField())
    method = serializers.CharField()


class SampleFilter(filters.FilterSet):
    within = WithinFilter()
    cancelled = filters.BooleanFilter(
        field_name="cancelled_at", lookup_expr="isnull", exclude=True, label=_("Cancelled")
    )

    class Meta:
        model = SpotCheckSample
        fields: list = []


def _not_allowed_here():
    return exceptions.MethodNotAllowed("PUT")


@extend_schema_view(
    list=extend_schema(summary=_("Spot-check samples, newest first, with their progress")),
    retrieve=extend_schema(summary=_("A sample with its candidates and progress")),
    create=extend_schema(
        summary=_("Draw a sample of closed hazards"),
        description=_(
            "The server makes the random seed; each candidate is ranked by the SHA-256 of "
            "“seed|hazard number” and the lowest ranks are drawn. Each drawn hazard becomes a "
            "check, given in turn to the bureau's staff and inspectors who may check at its "
            "school."
        ),
        request=SampleDrawSerializer,
        responses={201: SampleDetailSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Rename a sample or change its note"),
        request=SampleUpdateSerializer,
        responses={200: SampleDetailSerializer},
    ),
)
class SampleViewSet(ScopedModelViewSet):
    queryset = SpotCheckSample.objects.select_related("org", "region", "drawn_by")
    serializer_class = SampleSerializer
    filterset_class = SampleFilter
    search_fields = ["title", "region__name"]
    ordering_fields = ["drawn_at", "due_on"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset().annotate(**spotchecks.sample_annotations())
        if self.action == "list":
            qs = qs.defer("population")
        return qs.order_by("-drawn_at", "-id")

    def get_serializer_class(self):
        return SampleSerializer if self.action == "list" else SampleDetailSerializer

    def _detail(self, sample, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=sample.pk)
        return Response(
            SampleDetailSerializer(fresh, context=self.get_serializer_context()).data, code
        )

    def create(self, request, *args, **kwargs):
        serializer = SampleDrawSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sample = spotchecks.sample_draw(
            by=request.user,
            region=data["region"],
            closed_from=data["closed_from"],
            closed_to=data["closed_to"],
            due_on=data["due_on"],
            size_count=data.get("size_count"),
            size_percent=data.get("size_percent"),
            grade=data.get("grade") or "",
            category=data.get("category") or "",
            school_kind=data.get("school_kind") or "",
            assignees=data.get("assignees"),
            title=data.get("title", ""),
            note=data.get("note", ""),
        )
        return self._detail(sample, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise _not_allowed_here()
        sample = self.get_object()
        serializer = SampleUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        spotchecks.sample_update(
            sample=sample, by=request.user, data=data, expected_version=version
        )
        return self._detail(sample)

    @extend_schema(
        summary=_("Cancel a sample: its checks not yet done are no longer due"),
        request=SampleCancelSerializer,
        responses={200: SampleDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        sample = self.get_object()
        serializer = SampleCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spotchecks.sample_cancel(
            sample=sample,
            by=request.user,
            reason=serializer.validated_data["cancel_reason"],
            expected_version=serializer.validated_data["version"],
        )
        return self._detail(sample)

    @extend_schema(
        summary=_("Redo the draw from the recorded seed and candidates"),
        responses={200: DrawVerificationSerializer},
    )
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        sample = self.get_object()
        result = spotchecks.sample_verify(sample)
        return Response(
            DrawVerificationSerializer(
                {
                    "reproduced": result.reproduced,
                    "seed": result.seed,
                    "population": result.population,
                    "expected": result.expected,
                    "drawn": result.drawn,
                    "method": "sha256(seed + '|' + number), lowest first",
                }
            ).data
        )


# -------------------------------------------------------------------------------- checks


class CheckSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    hazard_number = serializers.CharField(source="hazard.number", read_only=True)
    hazard_grade = serializers.CharField(source="hazard.grade", read_only=True)
    hazard_category = serializers.CharField(source="hazard.category", read_only=True)
    hazard_closed_at = serializers.DateTimeField(source="hazard.closed_at", read_only=True)
    assignee_name = serializers.CharField(source="assignee.display_name", read_only=True)
    check_state = serializers.SerializerMethodField(
        help_text=_("held, not_held, due, overdue or cancelled (derived when read).")
    )
    fix_held = serializers.SerializerMethodField(
        help_text=_("Whether the fix held; null while the check is not recorded.")
    )

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "org",
            "org_name",
            "sample",
            "hazard",
            "hazard_number",
            "hazard_grade",
            "hazard_category",
            "hazard_closed_at",
            "position",
            "assignee",
            "assignee_name",
            "due_on",
            "check_state",
            "fix_held",
            "checked_at",
            "checked_by",
            "latitude",
            "longitude",
            "accuracy",
            "note",
            "reopened",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_check_state(self, obj) -> str:
        return spotchecks.state_of(obj)

    def get_fix_held(self, obj) -> bool | None:
        return obj.outcome == SpotCheck.Outcome.HELD if obj.outcome else None


class CheckDetailSerializer(CheckSerializer):
    photos = serializers.SerializerMethodField()

    class Meta(CheckSerializer.Meta):
        fields = [*CheckSerializer.Meta.fields, "photos"]
        read_only_fields = fields

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, obj) -> list:
        request = self.context.get("request")
        return [
            {
                "token": p.token,
                "kind": p.kind,
                "url": photo_url(p.token, request),
                "width": p.width,
                "height": p.height,
                "created_at": p.created_at,
            }
            for p in photos_of(obj, spotchecks.PHOTO_KIND).order_by("created_at", "id")
        ]


class CheckUpdateSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        required=False, help_text=_("The user (id) to give the check to.")
    )
    due_on = serializers.DateField(required=False)
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class CheckRecordSerializer(serializers.Serializer):
    fix_held = serializers.BooleanField(help_text=_("Does the fix hold?"))
    photo = serializers.FileField(
        required=False, help_text=_("A photo of the spot now (multipart). Required.")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Required when the fix does not hold.")
    )
    latitude = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, allow_null=True
    )
    accuracy = serializers.FloatField(
        required=False, allow_null=True, help_text=_("Accuracy of the location, in metres.")
    )
    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)


class CheckFilter(filters.FilterSet):
    within = WithinFilter()
    sample = IdFilter(field_name="sample_id", label=_("Sample (id)"))
    assignee = IdFilter(field_name="assignee_id", label=_("Assigned to (user id)"))
    state = filters.ChoiceFilter(
        method="filter_state",
        choices=[("open", _("Still to do")), *spotchecks.State.choices],
        label=_("State"),
    )
    mine = filters.BooleanFilter(method="filter_mine", label=_("Assigned to me"))

    class Meta:
        model = SpotCheck
        fields: list = []

    def filter_state(self, qs, name, value):
        if value == "open":
            return qs.filter(spotchecks.open_q())
        return qs.filter(spotchecks.state_q(value)) if value else qs

    def filter_mine(self, qs, name, value):
        if value:
            return qs.filter(assignee=self.request.user)
        return qs


@extend_schema_view(
    list=extend_schema(summary=_("Spot-checks, by sample and place in its draw")),
    retrieve=extend_schema(summary=_("A spot-check with its photos")),
    partial_update=extend_schema(
        summary=_("Reassign a check not yet done, or move its due date"),
        request=CheckUpdateSerializer,
        responses={200: CheckDetailSerializer},
    ),
)
class CheckViewSet(ScopedModelViewSet):
    queryset = SpotCheck.objects.select_related("org", "hazard", "assignee", "sample")
    serializer_class = CheckSerializer
    filterset_class = CheckFilter
    search_fields = ["hazard__number", "org__name"]
    ordering_fields = ["due_on", "checked_at", "position"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("-sample__drawn_at", "position", "id")

    def get_serializer_class(self):
        return CheckSerializer if self.action == "list" else CheckDetailSerializer

    def _detail(self, check) -> Response:
        fresh = self.get_queryset().get(pk=check.pk)
        return Response(CheckDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(
            "POST", detail=_("Checks are made by drawing a sample (spot-check-samples).")
        )

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise _not_allowed_here()
        check = self.get_object()
        serializer = CheckUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignee = None
        if "assignee" in data:
            assignee = get_user_model().objects.filter(pk=data["assignee"]).first()
            if assignee is None:
                raise exceptions.ValidationError(
                    {"assignee": [_("Choose someone of the bureau who may check at this school.")]}
                )
        spotchecks.check_reassign(
            check=check,
            by=request.user,
            assignee=assignee,
            due_on=data.get("due_on"),
            expected_version=data["version"],
        )
        return self._detail(check)

    @extend_schema(
        summary=_("Record a check on site: does the fix hold?"),
        description=_(
            "Only the person the check is assigned to records it, once. A photo is required; "
            "a fix that does not hold needs a note and reopens the hazard, which tells the "
            "school. The time is the server's."
        ),
        request={
            "multipart/form-data": CheckRecordSerializer,
            "application/json": CheckRecordSerializer,
        },
        responses={200: CheckDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        check = self.get_object()
        serializer = CheckRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        spotchecks.check_record(
            check=check,
            by=request.user,
            outcome=SpotCheck.Outcome.HELD if data["fix_held"] else SpotCheck.Outcome.NOT_HELD,
            photo=data.get("photo"),
            note=data.get("note", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            accuracy=data.get("accuracy"),
            expected_version=data["version"],
        )
        return self._detail(check)


ROUTES: list = [
    ("spot-check-samples", SampleViewSet, "spotchecksample"),
    ("spot-checks", CheckViewSet, "spotcheck"),
]
