"""The hazard API: the ledger and its workflow moves, inspections, spots, checklists,
schedules and the checks due.

Every queryset starts from `for_user` (checklists from `available_to`), so a record outside
the caller's scope answers 404. Writes go through the hazard services: a workflow move is
one POST to `hazards/{id}/actions/`, answering 400 with the reason for an illegal move, 403
when the caller's role or duty forbids it, and 409 when the hazard changed since it was read.
"""

import datetime
import json
import re

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from safecampus.accounts.access import scope_prefixes
from safecampus.core.api import ScopedModelViewSet
from safecampus.core.errors import ConflictError
from safecampus.core.pagination import KeysetPagination
from safecampus.core.scoping import ALL
from safecampus.core.services import update_record
from safecampus.hazards import checklists, filters, joint, schedule_services, serializers, services
from safecampus.hazards.models import (
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
    Schedule,
    Spot,
)
from safecampus.orgs.models import OrgNode

NO_PUT_DELETE = ["get", "post", "patch", "head", "options"]


def _multipart(request) -> bool:
    return hasattr(request.data, "getlist")


# ----------------------------------------------------------------------------------- hazards


KEYSET_PAGES = _(
    "Pages: follow the `next` and `previous` links, which carry a `cursor`; a page reached "
    "that way costs what the first page costs, however deep it is. `page=N` still answers "
    "page N but counts the rows off, so deep pages of a big list are slow. `count` is taken "
    "on the first page and carried along by the cursor. A cursor altered by hand answers 400."
)


@extend_schema_view(
    list=extend_schema(
        summary=_("The hazard ledger, scoped to the caller"), description=KEYSET_PAGES
    ),
    retrieve=extend_schema(summary=_("A hazard with its trail and the moves the caller may make")),
)
class HazardViewSet(ScopedModelViewSet):
    queryset = Hazard.objects.select_related(
        "org", "spot", "responsible_person", "handler", "reported_by"
    )
    serializer_class = serializers.HazardSerializer
    filterset_class = filters.HazardFilter
    search_fields = ["number", "description"]
    ordering_fields = ["found_at", "deadline", "number", "grade", "status", "closed_at"]
    pagination_class = KeysetPagination
    http_method_names = NO_PUT_DELETE

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .annotate(overdue=filters.overdue_expression(timezone.localdate()))
        )
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("transitions", queryset=HazardTransition.objects.select_related("by")),
                Prefetch("escalations", queryset=HazardEscalation.objects.all()),
            )
        return qs

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.HazardListSerializer
        if self.action == "create":
            return serializers.HazardCreateSerializer
        if self.action == "move":
            return serializers.HazardActionSerializer
        return serializers.HazardSerializer

    def _detail(self, hazard) -> dict:
        """The hazard as its detail shows it, read afresh (its overdue flag, its trail)."""
        self.action = "retrieve"
        fresh = self.get_queryset().filter(pk=hazard.pk).first()
        if fresh is None:  # written where the caller may add but not read
            fresh = hazard
            fresh.overdue = False
        return serializers.HazardSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary=_("Report a hazard"),
        request={
            "application/json": serializers.HazardCreateSerializer,
            "multipart/form-data": serializers.HazardCreateSerializer,
        },
        responses={201: serializers.HazardSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        hazard = services.hazard_report(
            school=data["school"],
            by=request.user,
            spot=data.get("spot"),
            category=data["category"],
            grade=data["grade"],
            description=data["description"],
            temporary_measures=data.get("temporary_measures", ""),
            found_at=data.get("found_at"),
            source=data["source"],
            photos=data.get("photos") or (),
        )
        return Response(self._detail(hazard), status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Edit a hazard's plain fields (not its state)"))
    def partial_update(self, request, *args, **kwargs):
        hazard = self.get_object()
        serializer = self.get_serializer(hazard, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        update_record(instance=hazard, by=request.user, data=data, expected_version=version)
        return Response(self._detail(hazard))

    @extend_schema(
        summary=_("Make a workflow move"),
        description=_(
            "confirm, submit, accept, reject, escalate, take_over, return, reopen (and admit, "
            "dismiss for a report awaiting review). 400 with the reason for an illegal move or "
            "missing evidence, 403 when your role or duty forbids it, 409 when the hazard "
            "changed after you read it."
        ),
        request={
            "application/json": serializers.HazardActionSerializer,
            "multipart/form-data": serializers.HazardActionSerializer,
        },
        responses={200: serializers.HazardSerializer},
    )
    @action(detail=True, methods=["post"], url_path="actions", url_name="actions")
    def move(self, request, pk=None):
        hazard = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        move_action = data.pop("action")
        version = data.pop("version")
        comment = data.pop("comment", "")
        photos = data.pop("photos", None) or ()
        if version != hazard.version:
            raise ConflictError()
        if "to" in data:  # a level above the school, which the school's own staff cannot list
            data["to"] = hazard.org.ancestors().filter(pk=data["to"]).first()
            if data["to"] is None:
                raise exceptions.ValidationError(
                    {"to": [_("Choose a level above the hazard's school.")]}
                )
        services.hazard_move(
            hazard=hazard,
            action=move_action,
            by=request.user,
            expected_version=version,
            comment=comment,
            data=data,
            photos=photos,
        )
        return Response(self._detail(hazard))


# ------------------------------------------------------------------------------- inspections

PHOTO_FIELD = re.compile(r"^photo_(\d+)$")


@extend_schema_view(
    list=extend_schema(summary=_("Inspections, newest first"), description=KEYSET_PAGES),
    retrieve=extend_schema(summary=_("An inspection with its answers and the hazards raised")),
)
class InspectionViewSet(ScopedModelViewSet):
    queryset = Inspection.objects.select_related("org", "checklist__template", "inspector")
    serializer_class = serializers.InspectionSerializer
    filterset_class = filters.InspectionFilter
    search_fields = ["signed_name", "note"]
    ordering_fields = ["inspected_at", "period_start"]
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .prefetch_related(
                "spots",
                "departments",
                Prefetch("hazards", queryset=Hazard.objects.only("id", "number", "inspection")),
            )
        )
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("answers", queryset=InspectionAnswer.objects.select_related("item"))
            )
        return qs

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.InspectionCreateSerializer
        if self.action == "list":
            return serializers.InspectionSerializer
        return serializers.InspectionDetailSerializer

    def _payload(self, request):
        """The submitted check as plain data, and the photos of each answer by index."""
        data = request.data
        if not _multipart(request):
            return data, {}
        lists = ("spots", "departments")
        payload = {k: data.get(k) for k in data if k not in lists and not PHOTO_FIELD.match(k)}
        for name in lists:
            values = data.getlist(name)
            if len(values) == 1 and str(values[0]).strip().startswith("["):
                values = values[0]
            payload[name] = values
        answers = payload.get("answers")
        if isinstance(answers, str):
            try:
                payload["answers"] = json.loads(answers)
            except ValueError:
                raise exceptions.ValidationError(
                    {"answers": [_("Send the answers as a JSON list.")]}
                ) from None
        if isinstance(payload.get("spots"), str):
            try:
                payload["spots"] = json.loads(payload["spots"])
            except ValueError:
                raise exceptions.ValidationError(
                    {"spots": [_("Send the spots as a list of ids.")]}
                ) from None
        if isinstance(payload.get("departments"), str):
            try:
                payload["departments"] = json.loads(payload["departments"])
            except ValueError:
                raise exceptions.ValidationError(
                    {"departments": [_("Send the departments as a list of ids.")]}
                ) from None
        photos = {}
        for key in request.FILES:
            match = PHOTO_FIELD.match(key)
            if match:
                photos[int(match.group(1))] = request.FILES.getlist(key)
        return payload, photos

    @extend_schema(
        summary=_("Submit an inspection"),
        description=_(
            "Every item of the checklist needs an answer; each abnormal answer raises a "
            "pre-filled hazard. As JSON, answers carry no photos. As multipart, send `answers` "
            "(and `spots`) as JSON strings, and the photos of answers[n] as files named "
            "`photo_<n>`."
        ),
        request={
            "application/json": serializers.InspectionCreateSerializer,
            "multipart/form-data": serializers.InspectionCreateSerializer,
        },
        responses={201: serializers.InspectionDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload, photos = self._payload(request)
        serializer = self.get_serializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answers = [dict(a) for a in data["answers"]]
        for index, files in photos.items():
            if index >= len(answers):
                raise exceptions.ValidationError(
                    {f"photo_{index}": [_("There is no answer with this number.")]}
                )
            answers[index]["photos"] = files
        inspection = services.inspection_submit(
            school=data["school"],
            by=request.user,
            checklist=data["checklist"],
            answers=answers,
            signed_name=data["signed_name"],
            spots=list(data.get("spots") or ()),
            schedule=data.get("schedule"),
            period_start=data.get("period_start"),
            inspected_at=data.get("inspected_at"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            note=data.get("note", ""),
            departments=list(data.get("departments") or ()),
        )
        self.action = "retrieve"
        inspection = self.get_queryset().filter(pk=inspection.pk).first() or inspection
        output = serializers.InspectionDetailSerializer(
            inspection, context=self.get_serializer_context()
        )
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("One department's record of a joint inspection"),
        description=_(
            "The items of the inspection that the department's checklist maps to, with their "
            "answers, notes, photos and the hazards raised. Name the department by `kind` "
            "(e.g. police) or by `department` (the id of a department that took part)."
        ),
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, description=_("Department kind")),
            OpenApiParameter("department", OpenApiTypes.INT, description=_("Department (id)")),
        ],
        filters=False,
        responses={200: serializers.DepartmentReportSerializer},
    )
    @action(detail=True, methods=["get"], url_path="department-report")
    def department_report(self, request, pk=None):
        inspection = self.get_object()
        kinds = joint.department_kinds_of(inspection)
        raw_department = request.query_params.get("department", "")
        raw_kind = request.query_params.get("kind", "")
        if raw_department:
            department = (
                inspection.departments.filter(pk=raw_department).first()
                if raw_department.isdigit()
                else None
            )
            if department is None:
                raise exceptions.ValidationError(
                    {"department": [_("This department did not take part in the inspection.")]}
                )
            target = department
        elif joint.parse_kind(raw_kind) in kinds:
            target = joint.parse_kind(raw_kind)
        else:
            raise exceptions.ValidationError(
                {
                    "kind": [
                        _("Name a department kind of this inspection: %(kinds)s.")
                        % {"kinds": ", ".join(kinds) or "—"}
                    ]
                }
            )
        report = joint.department_report(inspection, target, user=request.user)
        return Response(
            serializers.DepartmentReportSerializer(
                report, context=self.get_serializer_context()
            ).data
        )


# ------------------------------------------------------------------------------------ spots


class SpotViewSet(ScopedModelViewSet):
    queryset = Spot.objects.select_related("org")
    serializer_class = serializers.SpotSerializer
    filterset_class = filters.SpotFilter
    search_fields = ["name", "area", "building"]
    ordering_fields = ["org_path", "name", "kind"]


# ------------------------------------------------------------------------------ checklists


class ChecklistTemplateViewSet(ScopedModelViewSet):
    """Checklists: the built-in library and those of the caller's subtree and the levels
    above it. Editing the items publishes a new version."""

    queryset = ChecklistTemplate.objects.all()  # narrowed by `available_to` per request
    serializer_class = serializers.ChecklistTemplateSerializer
    filterset_class = filters.ChecklistTemplateFilter
    search_fields = ["name", "code", "description"]
    ordering_fields = ["org_path", "name", "rhythm"]
    http_method_names = NO_PUT_DELETE

    def get_queryset(self):
        return (
            ChecklistTemplate.objects.available_to(self.request.user)
            .select_related("org", "current")
            .prefetch_related(
                Prefetch(
                    "current__items", queryset=ChecklistItem.objects.order_by("position", "id")
                )
            )
        )

    def check_write(self, action: str, org) -> None:
        if org is None:  # the built-in library: system-wide, so only an unrestricted user
            if scope_prefixes(self.request.user, ChecklistTemplate, action) is not ALL:
                self.permission_denied_here()
            return
        super().check_write(action, org)

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        items = [dict(i) for i in data.pop("items", None) or ()]
        note = data.pop("note", "")
        self.check_write("add", data.get("org"))
        serializer.instance = checklists.template_create(
            by=self.request.user, items=items, note=note, **data
        )

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        items = data.pop("items", None)
        note = data.pop("note", "")
        checklists.template_edit(
            template=serializer.instance,
            by=self.request.user,
            expected_version=version,
            data=data,
            items=None if items is None else [dict(i) for i in items],
            note=note,
        )

    def _fresh(self, response):
        """Answer with the template as read afresh: its new current version and items. (A
        template just made inactive is no longer listed; the plain answer stands then.)"""
        fresh = self.get_queryset().filter(pk=response.data["id"]).first()
        if fresh is not None:
            response.data = self.get_serializer(fresh).data
        return response

    def update(self, request, *args, **kwargs):
        return self._fresh(super().update(request, *args, **kwargs))

    def create(self, request, *args, **kwargs):
        return self._fresh(super().create(request, *args, **kwargs))


# --------------------------------------------------------------------------------- schedules


class ScheduleViewSet(ScopedModelViewSet):
    queryset = Schedule.objects.select_related("org", "template").prefetch_related("spots")
    serializer_class = serializers.ScheduleSerializer
    filterset_class = filters.ScheduleFilter
    search_fields = ["title"]
    ordering_fields = ["org_path", "title", "rhythm", "starts_on"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        spots = data.pop("spots", None) or ()
        self.check_write("add", data["org"])
        serializer.instance = schedule_services.schedule_create(
            by=self.request.user, spots=spots, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        spots = data.pop("spots", None)
        if "org" in data and data["org"] != serializer.instance.org:
            self.check_write("add", data["org"])
        serializer.instance = schedule_services.schedule_update(
            schedule=serializer.instance,
            by=self.request.user,
            data=data,
            expected_version=version,
            spots=spots,
        )
        serializer.instance._prefetched_objects_cache = {}


# --------------------------------------------------------------------------- due inspections

DUE_STATUSES = ["due", "done", "missed"]


class DueInspectionViewSet(viewsets.GenericViewSet):
    """The checks the caller's schedules expect on a day: due, done or missed, derived from
    the schedules and the inspections when read."""

    queryset = Schedule.objects.all()  # rows come from hazards.schedules.due_inspections
    serializer_class = serializers.DueInspectionSerializer
    filter_backends: list = []

    @extend_schema(
        summary=_("Checks due on a day"),
        parameters=[
            OpenApiParameter(
                "date", OpenApiTypes.DATE, description=_("The day (YYYY-MM-DD); today if left out.")
            ),
            OpenApiParameter("status", OpenApiTypes.STR, enum=DUE_STATUSES),
            OpenApiParameter("school", OpenApiTypes.INT, description=_("School (node id)")),
            OpenApiParameter(
                "within", OpenApiTypes.INT, description=_("Inside the subtree of node (id)")
            ),
        ],
    )
    def list(self, request, *args, **kwargs):
        params = request.query_params
        day = timezone.localdate()
        if params.get("date"):
            try:
                day = datetime.date.fromisoformat(params["date"])
            except ValueError:
                raise exceptions.ValidationError(
                    {"date": [_("Enter a date as YYYY-MM-DD.")]}
                ) from None
        wanted = params.get("status") or ""
        if wanted and wanted not in DUE_STATUSES:
            raise exceptions.ValidationError({"status": [_("Choose due, done or missed.")]})
        school = self._int(params, "school")
        within = self._int(params, "within")

        from safecampus.hazards import schedules

        path = None
        if within is not None:
            node = OrgNode.objects.for_user(request.user, "view").filter(pk=within).first()
            path = node.path if node is not None else None
        rows = []
        if within is None or path is not None:  # the school and subtree narrow it in SQL
            rows = schedules.due_inspections(
                user=request.user, day=day, within=path, school_id=school
            )
        if wanted:
            rows = [r for r in rows if r.status == wanted]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @staticmethod
    def _int(params, name):
        value = params.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            raise exceptions.ValidationError({name: [_("Enter a whole number.")]}) from None


ROUTES = [
    ("hazards", HazardViewSet, "hazard"),
    ("inspections", InspectionViewSet, "inspection"),
    ("spots", SpotViewSet, "spot"),
    ("checklist-templates", ChecklistTemplateViewSet, "checklisttemplate"),
    ("schedules", ScheduleViewSet, "schedule"),
    ("due-inspections", DueInspectionViewSet, "dueinspection"),
]
