"""The audit trail over the API: read-only, scoped like the records it describes.

`?record=orgs.person:12` answers "who changed this record, when, and how"; the other filters
narrow by record type, user, date and action.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.api import ScopedReadOnlyViewSet
from safecampus.core.dates import day_start
from safecampus.core.models import AuditEntry
from safecampus.orgs.filters import IdFilter, WithinFilter


def _content_type(label: str) -> ContentType | None:
    app_label, _dot, model = (label or "").strip().lower().partition(".")
    if not app_label or not model:
        return None
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        return None


class AuditFilter(filters.FilterSet):
    record = filters.CharFilter(
        method="filter_record",
        label=_("One record, as <app>.<model>:<id>, e.g. orgs.person:12"),
    )
    record_type = filters.CharFilter(
        method="filter_record_type", label=_("Record type, as <app>.<model>, e.g. orgs.person")
    )
    user = IdFilter(field_name="user_id", label=_("User (id)"))
    since = filters.DateFilter(method="filter_since", label=_("From this day on (YYYY-MM-DD)"))
    until = filters.DateFilter(method="filter_until", label=_("Up to this day (YYYY-MM-DD)"))
    within = WithinFilter()

    class Meta:
        model = AuditEntry
        fields = ["action"]

    def filter_record(self, qs, name, value):
        label, _colon, object_id = value.rpartition(":")
        content_type = _content_type(label)
        if content_type is None or not object_id.strip():
            return qs.none()
        return qs.filter(content_type=content_type, object_id=object_id.strip())

    def filter_record_type(self, qs, name, value):
        content_type = _content_type(value)
        return qs.none() if content_type is None else qs.filter(content_type=content_type)

    # Bounds on the indexed timestamp itself, in the site's time zone, rather than `at__date`.
    def filter_since(self, qs, name, value):
        return qs.filter(at__gte=day_start(value))

    def filter_until(self, qs, name, value):
        return qs.filter(at__lt=day_start(value + datetime.timedelta(days=1)))


@extend_schema_field(OpenApiTypes.OBJECT)
class ChangesField(serializers.JSONField):
    """{field: [before, after]}"""


class AuditEntrySerializer(serializers.ModelSerializer):
    record_type = serializers.SerializerMethodField()
    org_name = serializers.CharField(source="org.name", read_only=True, default=None)
    changes = ChangesField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "user",
            "user_display",
            "action",
            "transition",
            "record_type",
            "object_id",
            "object_repr",
            "org",
            "org_name",
            "changes",
            "comment",
            "ip",
        ]
        read_only_fields = fields

    def get_record_type(self, entry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"


class AuditEntryViewSet(ScopedReadOnlyViewSet):
    queryset = AuditEntry.objects.select_related("content_type", "org")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter
    search_fields = ["object_repr", "user_display", "comment"]
    ordering_fields = ["at"]


ROUTES = [("audit", AuditEntryViewSet, "audit")]
