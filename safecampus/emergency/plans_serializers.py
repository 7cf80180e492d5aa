"""Serializers of the plan API: input serializers feed the services of emergency.plans,
output ones describe a plan with its duties and document, and a school's gaps.

A node or person a client names outside its scope is "does not exist", like one that does not
exist. Contacts may come as a JSON list, or as a JSON string in a multipart upload (with the
document).
"""

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.core.attachments import document_content_type, document_filename
from safecampus.emergency.choices import Scenario
from safecampus.emergency.models import EmergencyPlan, PlanContact
from safecampus.orgs.models import OrgNode, Person


class ContactSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyField(
        queryset=Person.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("A person on file (id), of the plan's node or a level above it."),
    )
    duty = serializers.CharField(max_length=60, help_text=_("总指挥, 疏散组, ..."))
    name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=_("Defaults to the person's.")
    )
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text=_("Defaults to the person's.")
    )

    class Meta:
        model = PlanContact
        fields = ["duty", "person", "name", "phone"]


class ContactListField(serializers.ListField):
    """A list of duties; in a multipart upload, that list as a JSON string."""

    child = ContactSerializer()

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "[]")
            except ValueError:
                raise serializers.ValidationError(_("Send the duties as a JSON list.")) from None
        return super().to_internal_value(data)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values[0] if len(values) == 1 else values
        return super().get_value(dictionary)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "url": {"type": "string"},
            "filename": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer"},
            "uploaded_at": {"type": "string", "format": "date-time"},
        },
    }
)
class DocumentField(serializers.Field):
    """The plan's current document, served by the scoped attachment view."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, plan):
        documents = self.context.get("documents")
        if documents is not None:
            doc = documents.get(plan.pk)
        else:
            from safecampus.core.attachments import documents_of

            doc = documents_of(plan).first()
        if doc is None:
            return None
        request = self.context.get("request")
        url = reverse("attachment", args=[doc.token])
        return {
            "url": request.build_absolute_uri(url) if request is not None else url,
            "filename": document_filename(doc),
            "content_type": document_content_type(doc),
            "size": doc.size,
            "uploaded_at": doc.created_at,
        }


class PlanSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text=_("draft, approved or retired"))
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    scenario_display = serializers.CharField(source="get_scenario_display", read_only=True)
    review_overdue = serializers.BooleanField(read_only=True, default=False)
    contacts = ContactSerializer(many=True, read_only=True)
    document = DocumentField()

    class Meta:
        model = EmergencyPlan
        fields = [
            "id",
            "org",
            "org_name",
            "scenario",
            "scenario_display",
            "title",
            "edition",
            "status",
            "status_display",
            "covers_night",
            "summary",
            "approved_by_name",
            "approved_on",
            "review_due",
            "review_overdue",
            "supersedes",
            "contacts",
            "document",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlanWriteSerializer(VersionedSerializerMixin, serializers.Serializer):
    """A new plan (as a draft), or an edit: a draft's fields; an approved plan's approval
    record, review date and duties only."""

    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(),
        required=False,
        help_text=_("The school or region (node id). Required when creating."),
    )
    scenario = serializers.ChoiceField(choices=Scenario.choices, required=False)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    edition = serializers.CharField(max_length=30, required=False, allow_blank=True)
    covers_night = serializers.BooleanField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    approved_by_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    approved_on = serializers.DateField(required=False)
    review_due = serializers.DateField(required=False)
    contacts = ContactListField(
        required=False, help_text=_("Replaces the plan's duties when sent.")
    )
    document = serializers.FileField(
        required=False, help_text=_("PDF, Word (DOC, DOCX) or ODT, up to 20 MB.")
    )


class ApproveSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("The version you read."))
    approved_by_name = serializers.CharField(max_length=50)
    approved_on = serializers.DateField(required=False, help_text=_("Today if left out."))
    review_due = serializers.DateField(
        required=False, help_text=_("One year after approval if left out.")
    )
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True)


class NewEditionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("The version you read."))
    edition = serializers.CharField(max_length=30)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True)


class RetireSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text=_("The version you read."))
    reason = serializers.CharField(max_length=300)


# ------------------------------------------------------------------------------------ gaps


class GapSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["missing", "draft", "overdue"], help_text=_("missing, draft or overdue")
    )
    rule = serializers.CharField()
    scenario = serializers.CharField()
    message = serializers.CharField()
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    due = serializers.DateField(allow_null=True)


class RequirementSerializer(serializers.Serializer):
    rule = serializers.CharField(source="requirement.rule")
    scenario = serializers.CharField(source="requirement.scenario")
    night = serializers.BooleanField(source="requirement.night")
    source = serializers.CharField(source="requirement.source")
    label = serializers.CharField(source="requirement.label")
    state = serializers.CharField(help_text=_("held, overdue, draft or missing"))
    plan = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_plan(self, row):
        return row.plan.pk if row.plan is not None else None


class SchoolGapsSerializer(serializers.Serializer):
    school = serializers.IntegerField(source="node.pk")
    school_name = serializers.CharField(source="node.name")
    parent_name = serializers.CharField(source="node.parent.name", default="")
    school_kind = serializers.CharField(source="school.school_kind")
    missing = serializers.IntegerField()
    drafts = serializers.IntegerField()
    overdue = serializers.IntegerField()
    gaps = GapSerializer(many=True)


class SchoolChecklistSerializer(SchoolGapsSerializer):
    requirements = RequirementSerializer(source="assessment.checklist", many=True)
