"""The plan API: plans with their duties and document, their workflow actions, and the gaps
of the schools in the caller's scope.

Every queryset starts from `for_user`, so a plan or school outside the caller's scope answers
404. Writes go through emergency.plans: 400 with the reason for a refused edit or move, 403
when the caller's role forbids it here, 409 when the plan changed since it was read. Plans
are never deleted: they are retired and kept on file.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from safecampus.core.api import ScopedModelViewSet
from safecampus.core.attachments import DOCUMENT_KIND
from safecampus.core.models import Attachment
from safecampus.emergency import plans, required
from safecampus.emergency import plans_serializers as s
from safecampus.emergency.choices import Scenario
from safecampus.emergency.models import EmergencyPlan, PlanContact
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.orgs.models import OrgNode, School


class PlanFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School or region (node id)"))
    within = WithinFilter()
    review_overdue = filters.BooleanFilter(
        method="filter_overdue", label=_("Approved and past its review date (true/false)")
    )

    class Meta:
        model = EmergencyPlan
        fields = ["scenario", "status", "covers_night"]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(review_overdue=value)


def _documents(plans_) -> dict:
    """The newest document of each plan, in one query."""
    ids = [str(p.pk) for p in plans_]
    if not ids:
        return {}
    found: dict = {}
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(EmergencyPlan),
        object_id__in=ids,
        kind=DOCUMENT_KIND,
    ).order_by("created_at", "id")
    for doc in rows:
        found[int(doc.object_id)] = doc  # the newest wins
    return found


def _data(request, serializer) -> dict:
    data = dict(serializer.validated_data)
    data.pop("version", None)
    return data


@extend_schema_view(
    list=extend_schema(summary=_("Emergency plans, scoped to the caller")),
    retrieve=extend_schema(summary=_("A plan with its duties and document")),
)
class PlanViewSet(ScopedModelViewSet):
    queryset = EmergencyPlan.objects.select_related("org")
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilter
    search_fields = ["title", "edition", "approved_by_name"]
    ordering_fields = ["approved_on", "review_due", "scenario", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(review_overdue=required.overdue_expression(timezone.localdate()))
            .prefetch_related(
                Prefetch("contacts", queryset=PlanContact.objects.order_by("position", "id"))
            )
        )

    def get_serializer_class(self):
        if self.action in {"create", "partial_update"}:
            return s.PlanWriteSerializer
        if self.action == "approve":
            return s.ApproveSerializer
        if self.action == "new_edition":
            return s.NewEditionSerializer
        if self.action == "retire":
            return s.RetireSerializer
        return s.PlanSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "documents": _documents(page)}
        data = s.PlanSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def _detail(self, plan, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=plan.pk).first() or plan
        return Response(
            s.PlanSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        summary=_("Record a plan, as a draft"),
        request={
            "application/json": s.PlanWriteSerializer,
            "multipart/form-data": s.PlanWriteSerializer,
        },
        responses={201: s.PlanSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _data(request, serializer)
        org = data.pop("org", None)
        if org is None:
            raise exceptions.ValidationError({"org": [_("This field is required.")]})
        if "scenario" not in data:
            raise exceptions.ValidationError({"scenario": [_("This field is required.")]})
        for name in ("approved_by_name", "approved_on", "review_due"):
            if data.pop(name, None):
                raise exceptions.ValidationError(
                    {name: [_("A new plan is a draft: approve it with the approve action.")]}
                )
        plan = plans.plan_create(by=request.user, org=org, **data)
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Edit a plan"),
        description=_(
            "A draft's fields, duties and document; an approved plan's duties, approval record "
            "and review date only (400 otherwise: start a new edition). Send the version you read."
        ),
        request={
            "application/json": s.PlanWriteSerializer,
            "multipart/form-data": s.PlanWriteSerializer,
        },
        responses={200: s.PlanSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        serializer = self.get_serializer(plan, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version = serializer.validated_data["version"]
        data = _data(request, serializer)
        if "org" in data and data.pop("org") != plan.org:
            raise exceptions.ValidationError(
                {"org": [_("A plan stays with its school or region.")]}
            )
        contacts = data.pop("contacts", None)
        document = data.pop("document", None)
        plans.plan_update(
            plan=plan,
            by=request.user,
            data=data,
            expected_version=version,
            contacts=contacts,
            document=document,
        )
        return self._detail(plan)

    @extend_schema(
        summary=_("Approve a draft"),
        description=_(
            "Records who approved it and when; the review date defaults to a year later. "
            "Approving a new edition retires the edition it replaces."
        ),
        responses={200: s.PlanSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        plan = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plans.plan_approve(
            plan=plan,
            by=request.user,
            approved_by_name=data["approved_by_name"],
            approved_on=data.get("approved_on"),
            review_due=data.get("review_due"),
            expected_version=data["version"],
            comment=data.get("comment", ""),
        )
        return self._detail(plan)

    @extend_schema(
        summary=_("Draft the next edition of an approved plan"),
        responses={201: s.PlanSerializer},
    )
    @action(detail=True, methods=["post"], url_path="new-edition", url_name="new-edition")
    def new_edition(self, request, pk=None):
        plan = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        new = plans.plan_new_edition(
            plan=plan,
            by=request.user,
            edition=data["edition"],
            title=data.get("title", ""),
            expected_version=data["version"],
        )
        return self._detail(new, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Retire a plan (or withdraw a draft); it stays on file"),
        responses={200: s.PlanSerializer},
    )
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        plan = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plans.plan_retire(
            plan=plan, by=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return self._detail(plan)


# ------------------------------------------------------------------------------------ gaps

GAP_PARAMETERS = [
    OpenApiParameter("school", OpenApiTypes.INT, description=_("One school (node id)")),
    OpenApiParameter("within", OpenApiTypes.INT, description=_("Inside the subtree of node (id)")),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=list(required.GAP_KINDS)),
    OpenApiParameter("scenario", OpenApiTypes.STR, enum=Scenario.values),
]


class PlanGapViewSet(viewsets.GenericViewSet):
    """The schools of the caller's scope with their plan gaps, derived when read: required
    scenarios without an approved plan, drafts never approved, reviews overdue."""

    queryset = School.objects.all()  # rows come from emergency.required.region_gaps
    serializer_class = s.SchoolGapsSerializer
    filter_backends: list = []

    def _int(self, name):
        value = self.request.query_params.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            raise exceptions.ValidationError({name: [_("Enter a whole number.")]}) from None

    def _node(self, pk):
        return OrgNode.objects.for_user(self.request.user, "view").filter(pk=pk).first()

    @extend_schema(summary=_("Schools with plan gaps"), parameters=GAP_PARAMETERS)
    def list(self, request, *args, **kwargs):
        params = request.query_params
        kind = params.get("kind") or ""
        if kind and kind not in required.GAP_KINDS:
            raise exceptions.ValidationError({"kind": [_("Choose missing, draft or overdue.")]})
        scenario = params.get("scenario") or ""
        if scenario and scenario not in Scenario.values:
            raise exceptions.ValidationError({"scenario": [_("Choose a scenario from the list.")]})
        school_id, within_id = self._int("school"), self._int("within")
        school = node = None
        if school_id is not None:
            school = self._node(school_id)
        if within_id is not None:
            node = self._node(within_id)
        if (school_id is not None and school is None) or (within_id is not None and node is None):
            rows = []
        else:
            rows = required.region_gaps(
                user=request.user, node=node, school=school, kind=kind, scenario=scenario
            )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=_("One school's required plans and gaps"),
        responses={200: s.SchoolChecklistSerializer},
    )
    def retrieve(self, request, pk=None):
        try:
            node_id = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        rows = required.region_gaps(
            user=request.user,
            school=OrgNode(pk=node_id),
            with_gaps_only=False,
        )
        if not rows:
            raise Http404
        return Response(s.SchoolChecklistSerializer(rows[0]).data)


ROUTES = [
    ("plans", PlanViewSet, "plan"),
    ("plan-gaps", PlanGapViewSet, "plangap"),
]
