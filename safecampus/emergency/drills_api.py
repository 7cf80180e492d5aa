"""The drill API: drills (planned, held, cancelled) with their buildings and problems, and the
drill compliance of schools (verdicts derived when read).

Every queryset starts from `for_user`, so a drill or school outside the caller's scope answers
404. Writes go through emergency.drills: a stale `version` answers 409, a role that may not
write here 403, an illegal move (a held drill back to planned) 400 with the reason.
"""

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from safecampus.core.api import ScopedModelViewSet
from safecampus.emergency import compliance, drills
from safecampus.emergency.choices import DrillStatus
from safecampus.emergency.drills_serializers import DrillListSerializer, DrillSerializer
from safecampus.emergency.models import Drill, DrillProblem
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.orgs.models import OrgNode, School

# ------------------------------------------------------------------------------- drills


class DrillFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    date_from = filters.DateFilter(
        method="filter_from", label=_("Held (or planned) on or after (YYYY-MM-DD)")
    )
    date_to = filters.DateFilter(
        method="filter_to", label=_("Held (or planned) on or before (YYYY-MM-DD)")
    )

    class Meta:
        model = Drill
        fields = ["scenario", "status", "is_night", "police_joined"]

    def filter_from(self, qs, name, value):
        return drills.drills_between(qs, value, datetime.date(2100, 1, 1)) if value else qs

    def filter_to(self, qs, name, value):
        return drills.drills_between(qs, datetime.date(1970, 1, 1), value) if value else qs


def _record_fields(data: dict) -> dict:
    return {k: data[k] for k in drills.RECORD_FIELDS if k in data and k != "held_at"}


@extend_schema_view(
    list=extend_schema(summary=_("Drills, newest first, scoped to the caller")),
    retrieve=extend_schema(summary=_("A drill with its buildings, problems and photos")),
    create=extend_schema(
        summary=_("Plan a drill, or record one as held"),
        description=_(
            "Without held_at (or with status planned) the drill is put on the calendar; with "
            "held_at (or status held) it is recorded as held, with its buildings and problems. "
            "A problem with raise_hazard enters the hazard ledger at once."
        ),
    ),
    update=extend_schema(
        summary=_("Correct a drill, record a planned one as held, or cancel it"),
        description=_(
            "Send the version you read (409 if it changed). status held records a planned "
            "drill; status cancelled cancels it (cancel_reason needed). Buildings sent replace "
            "the drill's; problems sent are added."
        ),
    ),
    partial_update=extend_schema(
        summary=_("Correct a drill, record a planned one as held, or cancel it")
    ),
)
class DrillViewSet(ScopedModelViewSet):
    queryset = Drill.objects.select_related("org")
    serializer_class = DrillSerializer
    filterset_class = DrillFilter
    search_fields = ["title", "summary", "org__name"]
    ordering_fields = ["held_at", "planned_for", "org_path", "evacuation_seconds"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            return drills.with_counts(qs).order_by(*Drill._meta.ordering)
        return qs.prefetch_related(
            "buildings",
            Prefetch("problems", queryset=DrillProblem.objects.select_related("hazard")),
        )

    def get_serializer_class(self):
        return DrillListSerializer if self.action == "list" else DrillSerializer

    def _detail(self, drill, code=status.HTTP_200_OK) -> Response:
        self.action = "retrieve"
        fresh = self.get_queryset().filter(pk=drill.pk).first() or drill
        return Response(DrillSerializer(fresh, context=self.get_serializer_context()).data, code)

    def create(self, request, *args, **kwargs):
        serializer = DrillSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        school = data.pop("org")
        wanted = data.pop("status", None) or (
            DrillStatus.HELD if data.get("held_at") else DrillStatus.PLANNED
        )
        buildings = data.pop("buildings", None) or []
        problems = data.pop("problems", None) or []
        with transaction.atomic():
            if wanted == DrillStatus.HELD:
                drill = drills.drill_record(
                    by=request.user,
                    school=school,
                    held_at=data.get("held_at"),
                    scenario=data.get("scenario", ""),
                    buildings=buildings,
                    problems=problems,
                    **_record_fields(data),
                )
            elif wanted == DrillStatus.PLANNED:
                if buildings or problems or data.get("held_at"):
                    raise exceptions.ValidationError(
                        {"status": [_("Buildings, problems and held_at belong to a held drill.")]}
                    )
                drill = drills.drill_plan(
                    school=school,
                    by=request.user,
                    scenario=data.get("scenario", ""),
                    planned_for=data.get("planned_for"),
                    title=data.get("title", ""),
                    is_night=data.get("is_night", False),
                )
            else:
                raise exceptions.ValidationError(
                    {
                        "status": [
                            _("A drill is planned or recorded; only a planned one is cancelled.")
                        ]
                    }
                )
        return self._detail(drill, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        drill = self.get_object()
        serializer = DrillSerializer(
            drill, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        org = data.pop("org", None)
        if org is not None and org.pk != drill.org_id:
            raise exceptions.ValidationError({"org": [_("A drill stays at its school.")]})
        wanted = data.pop("status", drill.status)
        buildings = data.pop("buildings", None)
        problems = data.pop("problems", None) or []
        with transaction.atomic():
            if wanted != drill.status:
                if wanted == DrillStatus.HELD:
                    drills.drill_record(
                        by=request.user,
                        drill=drill,
                        expected_version=version,
                        held_at=data.get("held_at"),
                        scenario=data.get("scenario", ""),
                        buildings=buildings or (),
                        problems=problems,
                        **_record_fields(data),
                    )
                elif wanted == DrillStatus.CANCELLED:
                    drills.drill_cancel(
                        drill=drill,
                        by=request.user,
                        reason=data.get("cancel_reason", ""),
                        expected_version=version,
                    )
                else:
                    raise exceptions.ValidationError(
                        {"status": [_("A held or cancelled drill does not go back to planned.")]}
                    )
            else:
                data.pop("cancel_reason", None)
                drills.drill_update(
                    drill=drill,
                    by=request.user,
                    data=data,
                    expected_version=version,
                    buildings=buildings,
                )
                for problem in problems:
                    drills.problem_add(drill=drill, by=request.user, **problem)
        return self._detail(drill)


# --------------------------------------------------------------------------- compliance


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("2026-10, 2026-Q3, a term as 2026-09-01/2027-01-22"))
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The drill (id)."))
    held_at = serializers.DateTimeField()
    scenario = serializers.CharField()
    scenario_label = serializers.CharField()
    is_night = serializers.BooleanField()
    police_joined = serializers.BooleanField()
    fire_joined = serializers.BooleanField()
    evacuation_seconds = serializers.IntegerField(allow_null=True)


class VerdictSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text=_("DRILL-SCHOOL, DRILL-KG, ... (see domain rules)"))
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=compliance.Status.choices)
    status_label = serializers.CharField()
    period = PeriodSerializer(allow_null=True)
    explanation = serializers.CharField()
    evidence = EvidenceSerializer(many=True)


class SchoolComplianceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The school (node id)."))
    school = serializers.IntegerField(help_text=_("The school (node id)."))
    school_name = serializers.CharField()
    school_kind = serializers.CharField()
    boarding = serializers.BooleanField()
    as_of = serializers.DateField()
    status = serializers.ChoiceField(
        choices=compliance.Status.choices, help_text=_("The worst status of the verdicts.")
    )
    verdicts = VerdictSerializer(many=True)


def _row(result) -> dict:
    return {
        "id": result.node.pk,
        "school": result.node.pk,
        "school_name": result.node.name,
        "school_kind": result.school.school_kind,
        "boarding": result.school.boarding,
        "as_of": result.facts.as_of,
        "status": result.status,
        "verdicts": [v.as_dict() for v in result.verdicts],
    }


PARAMS = [
    OpenApiParameter(
        "as_of", OpenApiTypes.DATE, description=_("Judge as of this day (YYYY-MM-DD); today.")
    ),
    OpenApiParameter(
        "rule", OpenApiTypes.STR, enum=list(compliance.RULE_IDS), description=_("Only this rule")
    ),
]


class DrillComplianceViewSet(viewsets.GenericViewSet):
    """Each school's drill verdicts, derived from its drills and calendar when read."""

    queryset = OrgNode.objects.all()  # rows are school nodes; verdicts come from compliance
    serializer_class = SchoolComplianceSerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def _params(self):
        params = self.request.query_params
        as_of = timezone.localdate()
        if params.get("as_of"):
            try:
                as_of = datetime.date.fromisoformat(params["as_of"])
            except ValueError:
                raise exceptions.ValidationError(
                    {"as_of": [_("Enter a date as YYYY-MM-DD.")]}
                ) from None
        rule = params.get("rule") or None
        if rule is not None and rule not in compliance.RULES_BY_ID:
            raise exceptions.ValidationError(
                {
                    "rule": [
                        _("Choose one of: %(rules)s.") % {"rules": ", ".join(compliance.RULE_IDS)}
                    ]
                }
            )
        return as_of, ([rule] if rule else None)

    @staticmethod
    def _int(params, name):
        value = params.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            raise exceptions.ValidationError({name: [_("Enter a whole number.")]}) from None

    @extend_schema(
        summary=_("Drill compliance of the schools in scope"),
        parameters=[
            OpenApiParameter("school", OpenApiTypes.INT, description=_("School (node id)")),
            OpenApiParameter(
                "within", OpenApiTypes.INT, description=_("Inside the subtree of node (id)")
            ),
            *PARAMS,
        ],
    )
    def list(self, request, *args, **kwargs):
        as_of, rules = self._params()
        params = request.query_params
        school = self._int(params, "school")
        within = self._int(params, "within")
        node = None
        if within is not None:
            node = OrgNode.objects.for_user(request.user, "view").filter(pk=within).first()
        if within is not None and node is None:  # outside the caller's scope: nothing
            schools = School.objects.none()
        else:
            schools = compliance.schools_in_scope(request.user, node=node, school_id=school)
        # The page's schools first, then their verdicts: a province's caller pays for fifty
        # schools a page, not for the twenty thousand before them.
        page = self.paginate_queryset(
            compliance.with_first_drill(schools).order_by("node__path", "node_id")
        )
        rows = [
            _row(compliance.SchoolResult(school, facts, compliance.evaluate(facts, rules)))
            for school, facts in compliance.load_facts(
                request.user, as_of=as_of, schools=list(page)
            )
        ]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @extend_schema(summary=_("Drill compliance of one school"), parameters=PARAMS)
    def retrieve(self, request, pk=None, *args, **kwargs):
        as_of, rules = self._params()
        results = compliance.evaluate_region(
            request.user, as_of=as_of, rule_ids=rules, school_id=int(pk)
        )
        if not results:
            raise Http404
        return Response(self.get_serializer(_row(results[0])).data)


ROUTES = [
    ("drills", DrillViewSet, "drill"),
    ("drill-compliance", DrillComplianceViewSet, "drillcompliance"),
]
