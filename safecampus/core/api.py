"""The API's base: scoped viewsets, pagination, and errors in the caller's language.

`ScopedModelViewSet` starts every queryset from `for_user`, so an endpoint cannot forget to
scope; records outside the caller's scope answer 404, records inside it that the caller's
roles may not change answer 403.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from safecampus.accounts.access import can
from safecampus.core import services
from safecampus.core.errors import ConflictError, NotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _django_errors(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        exc = Conflict(detail={"version": [str(m) for m in exc.messages]})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_errors(exc))
    elif isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ProtectedError):
        # Deleting a record other records still point at (a person seated in a group, ...).
        exc = Conflict(
            detail={
                "non_field_errors": [
                    _("Other records still refer to this one. Remove those references first.")
                ]
            }
        )
    return drf_exception_handler(exc, context)


class VersionedSerializerMixin(serializers.Serializer):
    """Updates must say which version they start from; a stale one is a 409, not an overwrite."""

    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read. Required when updating; a stale version answers 409."),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None and "version" not in attrs:
            raise exceptions.ValidationError(
                {"version": [_("Send the version you read so that no edit is lost.")]}
            )
        return attrs


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Scoped CRUD. Subclasses set `queryset` (unscoped base), `serializer_class`, and may
    override `perform_*` to call their own services."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user, "view")

    def permission_denied_here(self):
        raise exceptions.PermissionDenied(_("Your role does not allow this here."))

    def check_write(self, action: str, org) -> None:
        if not can(self.request.user, action, self.queryset.model, org):
            self.permission_denied_here()

    def get_object(self):
        try:
            obj = super().get_object()
        except (ValueError, TypeError):
            raise Http404 from None
        if self.action in {"update", "partial_update"}:
            self.check_write("change", obj.org)
        elif self.action == "destroy":
            self.check_write("delete", obj.org)
        return obj

    # Writes go through the generic audited services unless a subclass has its own.
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        org = data.get("org")
        if org is None:
            raise exceptions.ValidationError({"org": [_("This field is required.")]})
        self.check_write("add", org)
        serializer.instance = services.create_record(
            instance=self.queryset.model(**data), by=self.request.user
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version")
        if "org" in data and data["org"] != serializer.instance.org:
            self.check_write("add", data["org"])
        serializer.instance = services.update_record(
            instance=serializer.instance, by=self.request.user, data=data, expected_version=version
        )

    def perform_destroy(self, instance):
        services.delete_record(instance=instance, by=self.request.user)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user, "view")


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key whose choices are only the records the caller can see: an id outside the
    caller's scope is "does not exist", exactly like an id that does not exist."""

    def get_queryset(self):
        request = self.context.get("request")
        qs = super().get_queryset()
        return qs.for_user(request.user, "view") if request else qs.none()
