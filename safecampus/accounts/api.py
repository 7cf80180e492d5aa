"""The accounts API: API tokens, account administration, and "who am I".

Accounts are administered only by callers whose roles cover the record type "user"; everyone
else is refused outright (403) rather than shown an empty list, since the resource is not
theirs at all. `users/me/` is open to every signed-in caller.
"""

from types import SimpleNamespace

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from safecampus.accounts import serializers, services
from safecampus.accounts.access import can_anywhere, scope_prefixes
from safecampus.accounts.backends import AccountLocked
from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.roles import RECORD_TYPES, Role
from safecampus.core.api import ScopedModelViewSet
from safecampus.core.scoping import ALL
from safecampus.orgs.filters import IdFilter, WithinFilter
from safecampus.orgs.models import OrgNode


class AccountLockedError(exceptions.PermissionDenied):
    default_code = "account_locked"


class ObtainTokenView(APIView):
    """Exchange a username (or mobile phone) and password for an API token."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=serializers.LoginSerializer,
        responses={
            200: serializers.TokenSerializer,
            400: OpenApiResponse(description="Wrong username, phone or password."),
            403: OpenApiResponse(description="The account is locked for a while."),
            429: OpenApiResponse(description="Too many attempts from this client."),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        login = serializers.LoginSerializer(data=request.data)
        login.is_valid(raise_exception=True)
        try:
            user = authenticate(
                request._request,
                username=login.validated_data["username"],
                password=login.validated_data["password"],
            )
        except AccountLocked as locked:
            until = timezone.localtime(locked.until).strftime("%H:%M")
            raise AccountLockedError(
                gettext(
                    "Too many failed attempts: this account is locked until %(until)s. Try again later or ask your administrator."
                )
                % {"until": until}
            ) from None
        if user is None:
            raise exceptions.ValidationError(
                {
                    "non_field_errors": [
                        gettext(
                            "The username or phone and password do not match an active account."
                        )
                    ]
                }
            )
        token = services.token_issue(user=user)
        return Response({"token": token.key})


class AdministersAccounts(permissions.BasePermission):
    def has_permission(self, request, view):
        return can_anywhere(request.user, "view", User)


class UserFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Home organisation (id)"))
    within = WithinFilter()
    role = filters.ChoiceFilter(
        field_name="assignments__role", choices=Role.choices, distinct=True, label=_("Role")
    )

    class Meta:
        model = User
        fields = ["is_active"]


def scopes_of(user) -> dict[str, list[dict]]:
    """For each record type, the top nodes of the subtrees `user` may view."""
    prefixes = {
        rt: scope_prefixes(user, SimpleNamespace(record_type=rt, __name__=rt), "view")
        for rt in RECORD_TYPES
    }
    if any(p is ALL for p in prefixes.values()):
        roots = list(OrgNode.objects.filter(parent__isnull=True).values("id", "name", "path"))
        return dict.fromkeys(RECORD_TYPES, roots)
    wanted = {path for paths in prefixes.values() for path in paths}
    nodes = {
        n["path"]: n for n in OrgNode.objects.filter(path__in=wanted).values("id", "name", "path")
    }
    return {rt: [nodes[p] for p in paths if p in nodes] for rt, paths in prefixes.items()}


class UserViewSet(ScopedModelViewSet):
    queryset = User.objects.select_related("org").prefetch_related(
        Prefetch("assignments", queryset=RoleAssignment.objects.select_related("org", "department"))
    )
    serializer_class = serializers.UserSerializer
    permission_classes = [permissions.IsAuthenticated, AdministersAccounts]
    filterset_class = UserFilter
    search_fields = ["username", "first_name", "last_name", "phone"]
    ordering_fields = ["username", "org_path", "last_login", "date_joined"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "me":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.user_create(by=self.request.user, **data)

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        roles = data.pop("roles", None)
        user = services.user_update(
            user=serializer.instance, by=self.request.user, data=data, expected_version=version
        )
        if roles is not None:
            services.user_set_roles(user=user, by=self.request.user, roles=roles)
            user._prefetched_objects_cache = {}
        serializer.instance = user

    @extend_schema(
        request=serializers.PasswordResetSerializer,
        responses={200: serializers.PasswordResetResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        """Set a new password the holder must change; it also lifts a lockout and revokes tokens."""
        user = self.get_object()
        body = serializers.PasswordResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        password = services.user_reset_password(
            user=user, by=request.user, password=body.validated_data.get("password")
        )
        return Response({"temporary_password": password})

    @extend_schema(request=None, responses={200: serializers.UserSerializer})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        """Accounts are disabled rather than deleted: the audit trail keeps naming them."""
        return self._set_active(False)

    @extend_schema(request=None, responses={200: serializers.UserSerializer})
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self._set_active(True)

    def _set_active(self, active: bool):
        user = services.user_set_active(user=self.get_object(), by=self.request.user, active=active)
        return Response(self.get_serializer(user).data)

    @extend_schema(responses={200: serializers.MeSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request):
        """The caller, their roles and, per record type, the subtrees they can view."""
        context = {**self.get_serializer_context(), "scopes": scopes_of(request.user)}
        return Response(serializers.MeSerializer(request.user, context=context).data)


ROUTES = [("users", UserViewSet, "user")]
