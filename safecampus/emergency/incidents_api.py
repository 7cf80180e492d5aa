"""The incident API: `incidents/` (list, report, read, complete) and its timeline at
`incidents/{id}/entries/` (list, append, correct).

Every queryset starts from `for_user` (out of scope: 404); what a caller reads of an
incident is privacy.access, as on the pages, and each read of a sensitive incident's detail
or timeline is logged. The timeline is append-only: any attempt to change or delete an
entry answers 400 and names the way to fix a mistake (a correction with a reason).
"""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from safecampus.core.api import ScopedModelViewSet
from safecampus.emergency import incidents, privacy, response
from safecampus.emergency import incidents_serializers as s
from safecampus.emergency.choices import IncidentStatus, IncidentType, Severity
from safecampus.emergency.models import Incident, IncidentEntry
from safecampus.orgs.filters import IdFilter, WithinFilter

APPEND_ONLY = _(
    "An incident's timeline is append-only: entries cannot be changed or removed. "
    'Post a correction instead: {"step": "correction", "corrects": <entry id>, "reason": "…"}.'
)


class IncidentFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    incident_type = filters.ChoiceFilter(choices=IncidentType.choices, label=_("Type"))
    severity = filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = filters.ChoiceFilter(choices=IncidentStatus.choices, label=_("Status"))
    sensitive = filters.BooleanFilter(field_name="is_sensitive", label=_("Sensitive (true/false)"))
    criminal = filters.BooleanFilter(
        field_name="is_criminal", label=_("Criminal case (true/false)")
    )
    happened_after = filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label=_("Happened on or after (YYYY-MM-DD)"),
    )
    happened_before = filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label=_("Happened on or before (YYYY-MM-DD)"),
    )
    search = filters.CharFilter(
        method="filter_search",
        label=_("Number, school, place or names: only what the caller may read is searched"),
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_search(self, qs, name, value):
        request = getattr(self, "request", None)
        return qs.filter(privacy.search_q(getattr(request, "user", None), value))


ENTRY_ID = OpenApiParameter("entry_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary=_("Incidents, scoped to the caller; names masked")),
    retrieve=extend_schema(
        summary=_("An incident with its 1-3-5 marks; details as the caller may read them")
    ),
    partial_update=extend_schema(
        summary=_("Complete or correct the report"),
        request=s.IncidentUpdateSerializer,
        responses={200: s.IncidentSerializer},
    ),
    update=extend_schema(exclude=True),
    destroy=extend_schema(exclude=True),
)
class IncidentViewSet(ScopedModelViewSet):
    queryset = Incident.objects.select_related("org", "org__parent", "reported_by")
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilter
    ordering_fields = ["occurred_at", "number", "severity", "status", "report_due_at"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "list":
            return s.IncidentListSerializer
        if self.action == "create":
            return s.IncidentCreateSerializer
        if self.action == "partial_update":
            return s.IncidentUpdateSerializer
        return s.IncidentSerializer

    def _detail(self, incident) -> dict:
        return s.IncidentSerializer(incident, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        incident = self.get_object()
        data = self._detail(incident)
        privacy.log_view(request.user, incident, shown_details=not data["restricted"], where="api")
        return Response(data)

    @extend_schema(
        summary=_("Report an incident"),
        request=s.IncidentCreateSerializer,
        responses={201: s.IncidentSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = incidents.incident_report(by=request.user, **serializer.validated_data)
        return Response(self._detail(incident), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        serializer = self.get_serializer(incident, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        incidents.incident_update(
            incident=incident, by=request.user, data=data, expected_version=version
        )
        return Response(self._detail(incident))

    def update(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)

    def destroy(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)

    # ------------------------------------------------------------------ the timeline

    def _entries_context(self, incident, entries) -> dict:
        return {
            **self.get_serializer_context(),
            "incident": incident,
            "effective": {r.entry.pk: r for r in response.effective(entries)},
        }

    @extend_schema(
        methods=["GET"],
        summary=_("The timeline, in the order written; texts as the caller may read them"),
        responses={200: s.EntrySerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Append to the timeline, or correct an entry"),
        request=s.EntryCreateSerializer,
        responses={201: s.EntrySerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="entries", url_name="entries")
    def entries(self, request, pk=None):
        incident = self.get_object()
        entries = list(IncidentEntry.objects.filter(incident=incident).select_related("plan"))
        if request.method == "GET":
            context = self._entries_context(incident, entries)
            data = s.EntrySerializer(entries, many=True, context=context).data
            acc = privacy.access(request.user, incident)
            privacy.log_view(request.user, incident, shown_details=acc.details, where="api")
            return Response(data)
        self.check_write("change", incident.org)
        serializer = s.EntryCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        corrects = data.pop("corrects", None)
        if corrects is not None:
            data["corrects"] = next((e for e in entries if e.pk == corrects), None)
            if data["corrects"] is None:
                raise exceptions.ValidationError(
                    {"corrects": [_("Choose the entry of this timeline that you correct.")]}
                )
        entry = incidents.entry_append(incident=incident, by=request.user, **data)
        entries.append(entry)
        context = self._entries_context(incident, entries)
        return Response(
            s.EntrySerializer(entry, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        methods=["GET"],
        summary=_("One timeline entry"),
        parameters=[ENTRY_ID],
        responses={200: s.EntrySerializer},
    )
    @extend_schema(
        methods=["PUT", "PATCH", "DELETE"],
        summary=_("Refused: the timeline is append-only (400); post a correction instead"),
        parameters=[ENTRY_ID],
        request=None,
        responses={400: OpenApiTypes.OBJECT},
    )
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        url_path=r"entries/(?P<entry_id>[0-9]+)",
        url_name="entry",
    )
    def entry(self, request, pk=None, entry_id=None):
        incident = self.get_object()
        entries = list(IncidentEntry.objects.filter(incident=incident).select_related("plan"))
        found = next((e for e in entries if str(e.pk) == str(entry_id)), None)
        if found is None:
            raise exceptions.NotFound()
        if request.method != "GET":
            raise exceptions.ValidationError({"non_field_errors": [APPEND_ONLY]})
        context = self._entries_context(incident, entries)
        acc = privacy.access(request.user, incident)
        privacy.log_view(request.user, incident, shown_details=acc.details, where="api")
        return Response(s.EntrySerializer(found, context=context).data)


ROUTES = [("incidents", IncidentViewSet, "incident")]
