"""The organisation tree's API: nodes, schools, departments, people and leadership groups.

Nodes and schools are written through the tree's services, which allocate paths and check
which kinds may hang under which; the other records through the generic audited services of
the base viewset. Nodes are deactivated, not deleted: records all over the system hang on them.
"""

from django.db import transaction
from django.db.models import Prefetch

from safecampus.accounts.access import scope_prefixes
from safecampus.core.api import ScopedModelViewSet
from safecampus.core.scoping import ALL
from safecampus.orgs import filters, serializers, services
from safecampus.orgs.models import (
    Department,
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class TreeWriteMixin:
    def check_parent(self, parent) -> None:
        """A new node goes under a node where the caller may add; only superusers add roots."""
        if parent is not None:
            self.check_write("add", parent)
            return
        if scope_prefixes(self.request.user, OrgNode, "add") is not ALL:
            self.permission_denied_here()


class OrgNodeViewSet(TreeWriteMixin, ScopedModelViewSet):
    queryset = OrgNode.objects.all()
    serializer_class = serializers.OrgNodeSerializer
    filterset_class = filters.OrgNodeFilter
    search_fields = ["name", "short_name", "code"]
    ordering_fields = ["path", "name", "code", "kind"]
    http_method_names = NO_DELETE

    def perform_create(self, serializer):
        data = serializer.validated_data
        parent = data.get("parent")
        self.check_parent(parent)
        serializer.instance = services.node_create(
            parent=parent,
            kind=data["kind"],
            name=data["name"],
            short_name=data.get("short_name", ""),
            code=data.get("code", ""),
            by=self.request.user,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        serializer.instance = services.node_update(
            node=serializer.instance, by=self.request.user, data=data, expected_version=version
        )


class SchoolViewSet(TreeWriteMixin, ScopedModelViewSet):
    queryset = School.objects.select_related("node")
    serializer_class = serializers.SchoolSerializer
    filterset_class = filters.SchoolFilter
    search_fields = ["node__name", "node__short_name", "node__code", "principal_name"]
    ordering_fields = ["node__path", "node__name", "enrolment", "school_kind"]
    http_method_names = NO_DELETE

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data.pop("is_active", None)
        parent = data.pop("parent")
        self.check_parent(parent)
        serializer.instance = services.school_create(parent=parent, by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        serializer.instance = services.school_update(
            school=serializer.instance, by=self.request.user, data=data, expected_version=version
        )


class DepartmentViewSet(ScopedModelViewSet):
    queryset = Department.objects.select_related("org")
    serializer_class = serializers.DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    search_fields = ["name", "phone", "address"]
    ordering_fields = ["org_path", "name", "kind"]


class PersonViewSet(ScopedModelViewSet):
    queryset = Person.objects.select_related("org", "department")
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    search_fields = ["name", "phone"]
    ordering_fields = ["org_path", "name", "post"]


class LeadershipGroupViewSet(ScopedModelViewSet):
    queryset = LeadershipGroup.objects.select_related("org").prefetch_related(
        Prefetch("members", queryset=LeadershipGroupMember.objects.select_related("person"))
    )
    serializer_class = serializers.LeadershipGroupSerializer
    filterset_class = filters.LeadershipGroupFilter
    search_fields = ["name", "document_number"]
    ordering_fields = ["org_path", "name", "established_on"]

    @transaction.atomic
    def perform_create(self, serializer):
        members = serializer.validated_data.pop("members", None)
        super().perform_create(serializer)
        self._set_members(serializer.instance, members)

    @transaction.atomic
    def perform_update(self, serializer):
        members = serializer.validated_data.pop("members", None)
        super().perform_update(serializer)
        self._set_members(serializer.instance, members)

    def _set_members(self, group, members) -> None:
        if members is None:
            return
        services.group_set_members(group=group, by=self.request.user, members=members)
        group._prefetched_objects_cache = {}


ROUTES = [
    ("orgs", OrgNodeViewSet, "orgnode"),
    ("schools", SchoolViewSet, "school"),
    ("departments", DepartmentViewSet, "department"),
    ("people", PersonViewSet, "person"),
    ("leadership-groups", LeadershipGroupViewSet, "leadershipgroup"),
]
