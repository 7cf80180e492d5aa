"""Serializers of the organisation tree's API.

Every foreign key a client may write is a `ScopedPrimaryKeyField`: an id outside the caller's
scope is rejected as "does not exist", the same answer as an id that does not exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import (
    Department,
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
)

RECORD_READ_ONLY = ("id", "org_name", "version", "created_at", "updated_at")


class OrgNodeSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    parent = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("The parent node; it must be inside your scope."),
    )

    class Meta:
        model = OrgNode
        fields = [
            "id",
            "parent",
            "kind",
            "name",
            "short_name",
            "code",
            "path",
            "depth",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # A node keeps its place and kind: moving a subtree is not an edit of one record.
            for name in ("parent", "kind"):
                fields[name].read_only = True
        return fields

    def validate_kind(self, value):
        if value == NodeKind.SCHOOL:
            raise serializers.ValidationError(
                _("Create schools through the schools resource, which records their profile.")
            )
        return value


class SchoolSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    """A school profile joined with its node, read and written as one flat record."""

    id = serializers.IntegerField(source="node_id", read_only=True)
    parent = ScopedPrimaryKeyField(
        source="node.parent",
        queryset=OrgNode.objects.all(),
        help_text=_("The region node the school belongs to; it must be inside your scope."),
    )
    name = serializers.CharField(source="node.name", max_length=100)
    short_name = serializers.CharField(
        source="node.short_name", max_length=20, required=False, allow_blank=True
    )
    code = serializers.CharField(
        source="node.code", max_length=20, required=False, allow_blank=True
    )
    path = serializers.CharField(source="node.path", read_only=True)
    is_active = serializers.BooleanField(source="node.is_active", required=False)
    version = serializers.IntegerField(
        source="node.version",
        required=False,
        min_value=1,
        help_text=_("The version you read. Required when updating; a stale version answers 409."),
    )

    class Meta:
        model = School
        fields = [
            "id",
            "parent",
            "name",
            "short_name",
            "code",
            "path",
            "is_active",
            "school_kind",
            "ownership",
            "boarding",
            "flood_prone",
            "enrolment",
            "boarders",
            "staff_count",
            "storeys",
            "address",
            "latitude",
            "longitude",
            "principal_name",
            "phone",
            "version",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["parent"].read_only = True
        return fields

    def to_internal_value(self, data):
        """Flatten the node's fields next to the profile's: the services take them flat."""
        values = super().to_internal_value(data)
        values.update(values.pop("node", {}))
        return values


class DepartmentSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(queryset=OrgNode.objects.all())
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Department
        fields = [
            "id",
            "org",
            "org_name",
            "kind",
            "name",
            "phone",
            "address",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = RECORD_READ_ONLY


class PersonSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(queryset=OrgNode.objects.all())
    org_name = serializers.CharField(source="org.name", read_only=True)
    department = ScopedPrimaryKeyField(
        queryset=Department.objects.all(), allow_null=True, required=False
    )
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Person
        fields = [
            "id",
            "org",
            "org_name",
            "name",
            "phone",
            "post",
            "unit",
            "department",
            "department_name",
            "user",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [*RECORD_READ_ONLY, "user"]


class GroupMemberSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyField(queryset=Person.objects.all())
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = LeadershipGroupMember
        fields = ["person", "person_name", "group_role", "post", "unit", "position"]
        read_only_fields = ["position"]


class LeadershipGroupSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(queryset=OrgNode.objects.all())
    org_name = serializers.CharField(source="org.name", read_only=True)
    members = GroupMemberSerializer(
        many=True,
        required=False,
        help_text=_(
            "The whole roster. When sent, it replaces the roster; leave it out to keep it."
        ),
    )

    class Meta:
        model = LeadershipGroup
        fields = [
            "id",
            "org",
            "org_name",
            "kind",
            "name",
            "purpose",
            "document_number",
            "established_on",
            "members",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = RECORD_READ_ONLY
