"""The shapes of the compliance API: rules with the numbers in force, verdicts, rule overrides
and 平安校园 awards."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.compliance.models import PingAnAward, RuleOverride
from safecampus.compliance.verdicts import Status
from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.orgs.models import OrgNode

# ------------------------------------------------------------------------------ rules


class ParamsSourceSerializer(serializers.Serializer):
    default = serializers.BooleanField(help_text=_("True: the rule's default numbers hold."))
    node = serializers.IntegerField(
        allow_null=True, help_text=_("The region whose numbers hold (node id).")
    )
    node_name = serializers.CharField(allow_blank=True)
    effective_from = serializers.DateField(allow_null=True)
    document_number = serializers.CharField(allow_blank=True)
    override = serializers.IntegerField(allow_null=True, help_text=_("The rule override (id)."))


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("DRILL-KG, TARGET-PINGAN, ... (domain rules)"))
    title = serializers.CharField(help_text=_("In the caller's language."))
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    text_zh = serializers.CharField()
    text_en = serializers.CharField()
    source = serializers.CharField(help_text=_("The seed or the standard, e.g. 种子004."))
    subject = serializers.ChoiceField(choices=["school", "county", "department"])
    cadence = serializers.CharField()
    group = serializers.CharField()
    defaults = serializers.JSONField(help_text=_("The rule's default numbers."))
    params = serializers.JSONField(help_text=_("The numbers in force at ?node= on ?date=."))
    params_source = ParamsSourceSerializer()


# ------------------------------------------------------------------------------ verdicts


class VerdictPeriodSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("2026-10, 2026-Q3, 2026, or a term or a day"))
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class VerdictEvidenceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("drill, pingan, inspection, ..."))
    label = serializers.CharField(allow_blank=True)
    date = serializers.DateField(allow_null=True)
    url = serializers.CharField(allow_blank=True, help_text=_("The record's page."))
    figures = serializers.JSONField()


class VerdictRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    node = serializers.IntegerField(help_text=_("The node judged (a school, a county), id."))
    node_name = serializers.CharField()
    subject = serializers.ChoiceField(choices=["school", "county", "department"])
    department = serializers.IntegerField(
        allow_null=True, help_text=_("The police station judged (department id), if any.")
    )
    period = VerdictPeriodSerializer(allow_null=True)
    verdict = serializers.ChoiceField(choices=Status.choices)
    verdict_label = serializers.CharField()
    explanation = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text=_("The figure measured, if any."))
    evidence = VerdictEvidenceSerializer(many=True)


class NodeVerdictsSerializer(serializers.Serializer):
    node = serializers.IntegerField()
    node_name = serializers.CharField()
    verdicts = VerdictRowSerializer(many=True)


# ------------------------------------------------------------------------------ overrides


class RuleOverrideSerializer(serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The city or county (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    params = serializers.JSONField(
        help_text=_("The rule's numbers, named as in rules/; {} withdraws the region's numbers.")
    )
    created_by_name = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = RuleOverride
        fields = [
            "id",
            "org",
            "org_name",
            "code",
            "params",
            "effective_from",
            "note",
            "document_number",
            "created_by_name",
            "created_at",
            "in_force",
            "version",
        ]
        read_only_fields = ["id", "org_name", "created_by_name", "created_at", "version"]
        validators: list = []  # the service says which version already holds that day

    def get_created_by_name(self, obj) -> str:
        return obj.created_by.display_name if obj.created_by_id else ""

    def get_in_force(self, obj) -> bool:
        """Taken effect (a later version or a withdrawal may have followed)."""
        return obj.effective_from <= timezone.localdate()


# ------------------------------------------------------------------------------ awards


class PingAnAwardSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = PingAnAward
        fields = [
            "id",
            "org",
            "org_name",
            "level",
            "level_label",
            "awarded_on",
            "document_number",
            "revoked_on",
            "note",
            "in_force",
            "version",
            "created_at",
        ]
        read_only_fields = ["id", "org_name", "level_label", "in_force", "created_at"]

    def get_in_force(self, obj) -> bool:
        from safecampus.compliance.pingan import in_force

        return in_force(obj, timezone.localdate())
