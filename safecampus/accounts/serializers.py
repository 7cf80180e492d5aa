"""Serializers of the accounts API: login, accounts with their roles, and "who am I"."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.accounts.access import assignments
from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.services import may_administer
from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.orgs.models import Department, OrgNode


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, help_text=_("Username or mobile phone"), trim_whitespace=True
    )
    password = serializers.CharField(
        max_length=128, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text=_("Send it as the header `Authorization: Token <token>`.")
    )


class VisibleRolesSerializer(serializers.ListSerializer):
    """Only the roles at nodes the administrator reaches: roles elsewhere are not theirs to see."""

    def to_representation(self, data):
        request = self.context.get("request")
        items = data.all() if hasattr(data, "all") else data
        if request is not None:
            items = [a for a in items if may_administer(request.user, "view", a.org)]
        return super().to_representation(items)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(queryset=OrgNode.objects.all())
    org_name = serializers.CharField(source="org.name", read_only=True)
    org_path = serializers.CharField(source="org.path", read_only=True)
    department = ScopedPrimaryKeyField(
        queryset=Department.objects.all(), allow_null=True, required=False
    )
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = RoleAssignment
        fields = ["role", "org", "org_name", "org_path", "department", "department_name"]
        list_serializer_class = VisibleRolesSerializer
        validators: list = []  # uniqueness is the service's to check, across the whole list


class UserSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(),
        allow_null=True,
        help_text=_("The home organisation: who may administer this account."),
    )
    org_name = serializers.CharField(source="org.name", read_only=True, default=None)
    display_name = serializers.CharField(read_only=True)
    roles = RoleAssignmentSerializer(
        source="assignments",
        many=True,
        required=False,
        help_text=_(
            "Roles at nodes inside your reach. When sent, they replace those; roles granted "
            "elsewhere are kept."
        ),
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("Initial password (creation only); it must be changed at first login."),
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "display_name",
            "phone",
            "email",
            "org",
            "org_name",
            "language",
            "is_active",
            "must_change_password",
            "last_login",
            "date_joined",
            "roles",
            "password",
            "version",
        ]
        read_only_fields = ["is_active", "last_login", "date_joined"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields.pop("password")  # changed through the reset-password action, audited
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError(
                {"password": [serializers.Field.default_error_messages["required"]]}
            )
        if "assignments" in attrs:
            attrs["roles"] = attrs.pop("assignments")
        return attrs


class PasswordResetSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False,
        write_only=True,
        trim_whitespace=False,
        help_text=_("Leave it out to have a temporary password generated."),
    )


class PasswordResetResultSerializer(serializers.Serializer):
    temporary_password = serializers.CharField(
        help_text=_("Tell it to the account holder; it must be changed at the next login.")
    )


class MyRoleSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display")
    org_name = serializers.CharField(source="org.name")
    org_path = serializers.CharField(source="org.path")
    department_name = serializers.CharField(source="department.name", default=None)

    class Meta:
        model = RoleAssignment
        fields = [
            "role",
            "role_label",
            "org",
            "org_name",
            "org_path",
            "department",
            "department_name",
        ]


class NodeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    path = serializers.CharField()


SCOPES_FIELD = serializers.DictField(
    child=NodeRefSerializer(many=True),
    help_text=_("For each record type, the nodes whose subtrees you may view."),
)


class MeSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", default=None)
    display_name = serializers.CharField()
    roles = serializers.SerializerMethodField()
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "first_name",
            "last_name",
            "phone",
            "email",
            "org",
            "org_name",
            "language",
            "is_superuser",
            "must_change_password",
            "roles",
            "scopes",
        ]
        read_only_fields = fields

    @extend_schema_field(MyRoleSerializer(many=True))
    def get_roles(self, user):
        return MyRoleSerializer(assignments(user), many=True).data

    @extend_schema_field(SCOPES_FIELD)
    def get_scopes(self, user):
        return self.context["scopes"]
