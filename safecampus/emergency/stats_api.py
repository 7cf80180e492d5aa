"""The incident statistics as JSON (`/api/v1/incident-stats/`): the figures of the statistics
page, computed by the same `stats.compute`, scoped the same way.

The list is one row per school the caller reads incidents of (inside `within` when given),
with the period's count and last year's, paginated; its `summary` carries the figures of the
whole: the targets, by type, severity, status, month and child region, and the response
times. `incident-stats/<node id>/` is the summary of one node the caller sees (404 otherwise).
A `within` outside the caller's scope lists nothing, as every list of the API does.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from safecampus.accounts.access import can_anywhere
from safecampus.emergency import stats
from safecampus.emergency.models import Incident
from safecampus.orgs import selectors
from safecampus.orgs.models import OrgNode

# --------------------------------------------------------------------------- serializers


class IncidentStatsWindowSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    previous_start = serializers.DateField()
    previous_end = serializers.DateField()
    year_to_date = serializers.BooleanField(
        help_text=_("This year: compared day for day with the same days of last year.")
    )
    label = serializers.CharField()
    previous_label = serializers.CharField()


class IncidentStatsFiguresSerializer(serializers.Serializer):
    incidents = serializers.IntegerField()
    deaths = serializers.IntegerField()
    injured = serializers.IntegerField()
    minor_crime = serializers.IntegerField(help_text=_("Criminal cases involving minors."))
    drowning_deaths = serializers.IntegerField()
    sensitive = serializers.IntegerField()


class IncidentStatsTargetSerializer(serializers.Serializer):
    rule = serializers.CharField(
        help_text=_("TARGET-INCIDENTS, TARGET-MINOR-CRIME, TARGET-DROWNING")
    )
    title = serializers.CharField()
    unit = serializers.ChoiceField(choices=[stats.INCIDENTS, stats.DEATHS])
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    change_pct = serializers.FloatField(
        allow_null=True, help_text=_("Change in %; null without a figure last year.")
    )
    target_pct = serializers.IntegerField()
    status = serializers.ChoiceField(choices=list(stats.VERDICT_LABELS))
    status_label = serializers.CharField()
    sentence = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class IncidentStatsBreakdownSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    change_pct = serializers.FloatField(allow_null=True)


class IncidentStatsStatusSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    current = serializers.IntegerField()


class IncidentStatsMonthSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("2026-03"))
    current = serializers.IntegerField()
    previous = serializers.IntegerField()


class IncidentStatsRegionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The child node (id)."))
    name = serializers.CharField()
    kind = serializers.CharField()
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    change_pct = serializers.FloatField(allow_null=True)
    deaths = serializers.IntegerField()
    injured = serializers.IntegerField()
    minor_crime = serializers.IntegerField()


class IncidentStatsMarkSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    target = serializers.IntegerField(help_text=_("Minutes from the report."))
    within = serializers.IntegerField()
    over = serializers.IntegerField()
    none = serializers.IntegerField(help_text=_("Incidents without this mark yet."))
    recorded = serializers.IntegerField()
    within_pct = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    buckets = serializers.ListField(child=serializers.IntegerField())


class IncidentStatsResponseSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    bucket_labels = serializers.ListField(child=serializers.CharField())
    marks = IncidentStatsMarkSerializer(many=True)


class IncidentStatsScopeSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class IncidentStatsSummarySerializer(serializers.Serializer):
    scope = IncidentStatsScopeSerializer()
    window = IncidentStatsWindowSerializer()
    current = IncidentStatsFiguresSerializer()
    previous = IncidentStatsFiguresSerializer()
    change_pct = serializers.FloatField(allow_null=True)
    targets = IncidentStatsTargetSerializer(many=True)
    by_type = IncidentStatsBreakdownSerializer(many=True)
    by_severity = IncidentStatsBreakdownSerializer(many=True)
    by_status = IncidentStatsStatusSerializer(many=True)
    by_month = IncidentStatsMonthSerializer(many=True)
    by_region = IncidentStatsRegionSerializer(many=True)
    response = IncidentStatsResponseSerializer()


class IncidentStatsSchoolSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The school (node id)."))
    name = serializers.CharField()
    school_kind = serializers.CharField()
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    change_pct = serializers.FloatField(allow_null=True)
    deaths = serializers.IntegerField()
    injured = serializers.IntegerField()


@extend_schema_serializer(many=False)
class IncidentStatsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = IncidentStatsSchoolSerializer(many=True)
    summary = IncidentStatsSummarySerializer(
        allow_null=True, help_text=_("Null when `within` names a node outside your scope.")
    )


# --------------------------------------------------------------------------- shaping


def _figures(values: dict) -> dict:
    out = {k: values[k] for k in stats.FIGURES if k != "n"}
    out["incidents"] = values["n"]
    return out


def summary_of(result: dict, node) -> dict:
    return {
        "scope": {"id": node.pk if node else None, "name": node.name if node else ""},
        "window": result["window"].as_dict(),
        "current": _figures(result["current"]),
        "previous": _figures(result["previous"]),
        "change_pct": result["change_pct"],
        "targets": [t.as_dict() for t in result["targets"]],
        "by_type": result["by_type"],
        "by_severity": result["by_severity"],
        "by_status": result["by_status"],
        "by_month": [
            {"key": m["key"], "current": m["current"], "previous": m["previous"]}
            for m in result["by_month"]
        ],
        "by_region": [
            {
                "id": r["node"].pk,
                "name": r["node"].name,
                "kind": r["node"].kind,
                **{k: r[k] for k in ("current", "previous", "change_pct", "deaths", "injured")},
                "minor_crime": r["minor_crime"],
            }
            for r in result["by_region"]
        ],
        "response": result["response"],
    }


def _school_row(row: dict) -> dict:
    return {
        "id": row["node"].pk,
        "name": row["node"].name,
        **{k: row[k] for k in ("school_kind", "current", "previous", "change_pct")},
        "deaths": row["deaths"],
        "injured": row["injured"],
    }


YEAR = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    description=_("The year (this year to date when omitted; a past year in whole)."),
)


class IncidentStatsViewSet(viewsets.GenericViewSet):
    """Incident statistics of the caller's scope, or of one node in it."""

    queryset = OrgNode.objects.all()  # rows are school nodes; figures come from stats
    serializer_class = IncidentStatsSchoolSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can_anywhere(request.user, "view", Incident):
            raise exceptions.PermissionDenied(_("Your role does not allow this here."))

    def _window(self):
        try:
            return stats.parse_year(self.request.query_params.get("year"))
        except stats.BadYear as exc:
            raise exceptions.ValidationError({"year": [str(exc)]}) from None

    def _children(self, node):
        if node is None or node.is_school:
            return []
        children = list(selectors.visible_nodes(self.request.user).filter(parent=node))
        return sorted(children, key=lambda c: (c.kind == "school", c.name))

    @extend_schema(
        summary=_("Incident statistics: a row per school, and the summary of the whole"),
        parameters=[
            OpenApiParameter(
                "within", OpenApiTypes.INT, description=_("Inside the subtree of node (id)")
            ),
            YEAR,
        ],
        responses=IncidentStatsPageSerializer,
    )
    def list(self, request, *args, **kwargs):
        window = self._window()
        within = request.query_params.get("within")
        node = None
        if within not in (None, ""):
            if not str(within).isdigit():
                raise exceptions.ValidationError({"within": [_("Enter a whole number.")]})
            node = OrgNode.objects.for_user(request.user, "view").filter(pk=within).first()
            if node is None:  # outside the caller's scope: nothing
                self.paginate_queryset([])
                answer = self.get_paginated_response([])
                answer.data["summary"] = None
                return answer
        result = stats.compute(request.user, node, window, self._children(node))
        rows = stats.school_rows(request.user, node, window)
        page = self.paginate_queryset(rows)
        answer = self.get_paginated_response(
            self.get_serializer([_school_row(r) for r in page], many=True).data
        )
        answer.data["summary"] = IncidentStatsSummarySerializer(summary_of(result, node)).data
        return answer

    @extend_schema(
        summary=_("Incident statistics of one node"),
        parameters=[YEAR],
        responses=IncidentStatsSummarySerializer,
    )
    def retrieve(self, request, pk=None, *args, **kwargs):
        window = self._window()
        node = OrgNode.objects.for_user(request.user, "view").filter(pk=pk).first()
        if node is None:
            raise Http404
        result = stats.compute(request.user, node, window, self._children(node))
        return Response(IncidentStatsSummarySerializer(summary_of(result, node)).data)


ROUTES = [("incident-stats", IncidentStatsViewSet, "incidentstats")]  # registered in api_urls
