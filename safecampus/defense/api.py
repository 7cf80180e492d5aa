"""The defense resources of the API: the inventory (a school's current snapshot, its history,
or the state on a day) and the verifications of its figures.

- `defense-inventories/`: by default each school's current snapshot; `?history=1` every
  snapshot, newest first; `?on=YYYY-MM-DD` the snapshot in force on that day. POST declares
  a school's inventory (every figure). PATCH on the current snapshot with the figures changed
  (and the `version` read): from the school's own staff a declaration, from an inspector, the
  bureau or the police a verification (each figure sent is confirmed or corrected; corrections
  write a new snapshot marked verified). PATCH on an older snapshot answers 409.
- `defense-verifications/`: the figures checked, when, by whom, and the outcome; read-only.

Scoping as everywhere: outside the caller's scope is 404, inside it without the role 403.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from safecampus.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, VersionedSerializerMixin
from safecampus.core.errors import ConflictError
from safecampus.defense import selectors, services
from safecampus.defense.figures import NAMES
from safecampus.defense.models import InventorySnapshot, Outcome, Verification
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.orgs.models import OrgNode

META = ("org", "recorded_at", "source", "note")


class InventorySerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = serializers.PrimaryKeyRelatedField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by_name", read_only=True)
    source = serializers.CharField(
        read_only=True,
        help_text=_("declared (by the school) or verified (a correction on verification)"),
    )
    inspection = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The inspection during which figures were corrected.")
    )
    found_during = serializers.IntegerField(
        write_only=True,
        required=False,
        help_text=_("A verification: the id of the inspection the checks were part of."),
    )

    class Meta:
        model = InventorySnapshot
        fields = [
            "id",
            "org",
            "org_name",
            "recorded_at",
            "source",
            "recorded_by",
            "inspection",
            "found_during",
            "note",
            *NAMES,
            "version",
        ]
        read_only_fields = ["recorded_at"]

    def validate_org(self, value):
        request = self.context.get("request")
        if not OrgNode.objects.for_user(request.user, "view").filter(pk=value.pk).exists():
            raise serializers.ValidationError(_("Invalid pk - object does not exist."))
        return value


def _figures(data: dict) -> dict:
    return {k: data[k] for k in NAMES if k in data}


class InventoryFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()

    class Meta:
        model = InventorySnapshot
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary=_("Each school's current inventory; ?history=1 every snapshot; ?on= a day's"),
    ),
    retrieve=extend_schema(summary=_("One inventory snapshot")),
    create=extend_schema(summary=_("Declare a school's inventory (every figure)")),
    partial_update=extend_schema(
        summary=_("Update (school) or confirm and correct (inspector, bureau, police) figures")
    ),
    update=extend_schema(
        summary=_("Update (school) or confirm and correct (inspector, bureau, police) figures")
    ),
)
class InventoryViewSet(ScopedModelViewSet):
    queryset = InventorySnapshot.objects.select_related("org")
    serializer_class = InventorySerializer
    filterset_class = InventoryFilter
    search_fields = ["org__name", "note"]
    ordering_fields = ["recorded_at", "org_path"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        params = self.request.query_params
        raw = params.get("on", "")
        if raw:
            import datetime

            try:
                day = datetime.date.fromisoformat(raw)
            except ValueError:
                raise exceptions.ValidationError({"on": [_("Give a day as YYYY-MM-DD.")]}) from None
            qs = selectors.in_force(qs, day)
        elif params.get("history") not in ("1", "true", "yes"):
            qs = selectors.in_force(qs)
        return qs.order_by("org_path", "-recorded_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        school = data["org"]
        self.check_write("add", school)
        current = services.current_snapshot(school)
        snapshot = services.inventory_declare(
            school=school,
            by=request.user,
            figures=_figures(data),
            based_on=current,
            note=data.get("note", ""),
        )
        return Response(self.get_serializer(snapshot).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("version") != instance.version:
            raise ConflictError()
        school = instance.org
        figures = _figures(data)
        if services.is_verifier(request.user, school):
            inspection = None
            found_during = data.get("found_during")
            if found_during is not None:
                from safecampus.hazards.models import Inspection

                inspection = (
                    Inspection.objects.for_user(request.user)
                    .filter(pk=found_during, org=school)
                    .first()
                )
                if inspection is None:
                    raise exceptions.ValidationError(
                        {"found_during": [_("Invalid pk - object does not exist.")]}
                    )
            _rows, correction = services.inventory_verify(
                school=school,
                by=request.user,
                found=figures,
                based_on=instance,
                inspection=inspection,
                note=data.get("note", ""),
            )
            result = correction or instance
        else:
            result = services.inventory_declare(
                school=school,
                by=request.user,
                figures=figures,
                based_on=instance,
                note=data.get("note", ""),
            )
        return Response(self.get_serializer(result).data)


class VerificationSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    verified_by = serializers.CharField(source="by_display", read_only=True)
    figure_label = serializers.CharField(read_only=True)

    class Meta:
        model = Verification
        fields = [
            "id",
            "org",
            "org_name",
            "snapshot",
            "correction",
            "figure",
            "figure_label",
            "recorded_value",
            "found_value",
            "outcome",
            "verified_at",
            "verified_by",
            "verifier_role",
            "verifier_unit",
            "inspection",
            "note",
        ]
        read_only_fields = fields


class VerificationFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    inspection = IdFilter(field_name="inspection_id", label=_("Inspection (id)"))
    outcome = filters.ChoiceFilter(choices=Outcome.choices)

    class Meta:
        model = Verification
        fields = ["figure"]


@extend_schema_view(
    list=extend_schema(summary=_("Figures confirmed or corrected, newest first")),
    retrieve=extend_schema(summary=_("One verification of one figure")),
)
class VerificationViewSet(ScopedReadOnlyViewSet):
    queryset = Verification.objects.select_related("org", "verified_by")
    serializer_class = VerificationSerializer
    filterset_class = VerificationFilter
    search_fields = ["org__name", "note", "verified_by_name"]
    ordering_fields = ["verified_at", "org_path"]

    def get_object(self):
        try:
            return super().get_object()
        except (ValueError, TypeError):
            raise Http404 from None


ROUTES: list = [
    ("defense-inventories", InventoryViewSet, "defenseinventory"),
    ("defense-verifications", VerificationViewSet, "defenseverification"),
]
