"""Serializers of the education API. A node, class, campaign or person a client names outside
its scope is "does not exist", exactly like one that does not exist."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from safecampus.compliance.verdicts import percent
from safecampus.core.api import ScopedPrimaryKeyField, VersionedSerializerMixin
from safecampus.education.choices import ReminderKind, ResultSource, Topic
from safecampus.education.models import (
    Campaign,
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from safecampus.orgs.models import OrgNode


class StaffField(serializers.PrimaryKeyRelatedField):
    """An account with a role inside the caller's scope (who can head a class there)."""

    def get_queryset(self):
        from safecampus.accounts.access import scope_prefixes
        from safecampus.accounts.models import User
        from safecampus.core.scoping import ALL, path_q

        request = self.context.get("request")
        if request is None:
            return User.objects.none()
        prefixes = scope_prefixes(request.user, SchoolClass, "view")
        if prefixes is ALL:
            return User.objects.all()
        if not prefixes:
            return User.objects.none()
        return User.objects.filter(path_q("assignments__org_path", prefixes)).distinct()


def _name(user) -> str:
    return user.display_name if user is not None else ""


class SchoolClassSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    head_teacher = StaffField(
        required=False, allow_null=True, help_text=_("The head teacher's account (user id).")
    )
    head_teacher_name = serializers.SerializerMethodField()

    class Meta:
        model = SchoolClass
        fields = [
            "id",
            "org",
            "org_name",
            "grade",
            "name",
            "head_teacher",
            "head_teacher_name",
            "pupils",
            "active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # the services say which name is taken, in the user's language

    def get_head_teacher_name(self, obj) -> str:
        return _name(obj.head_teacher)


class SafetyReminderSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    school_class = ScopedPrimaryKeyField(
        queryset=SchoolClass.objects.all(), help_text=_("The class (id).")
    )
    class_name = serializers.CharField(source="school_class.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind = serializers.ChoiceField(
        choices=ReminderKind.choices, help_text=_("daily, weekly or holiday")
    )
    day = serializers.DateField(
        required=False, help_text=_("The day it was given (YYYY-MM-DD); today when left out.")
    )
    topic = serializers.ChoiceField(
        choices=Topic.choices,
        required=False,
        help_text=_("Left out: the topic the season suggests (drowning April–October)."),
    )
    minutes = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=240,
        help_text=_(
            "Left out: the minutes the rule asks for (1, 5 or 30 unless the county set others)."
        ),
    )
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = SafetyReminder
        fields = [
            "id",
            "org",
            "org_name",
            "school_class",
            "class_name",
            "kind",
            "day",
            "topic",
            "minutes",
            "note",
            "recorded_by",
            "recorded_by_name",
            "version",
            "created_at",
        ]
        read_only_fields = ["org", "recorded_by", "created_at"]
        validators = []  # a second record of the same class, kind and day finds the first

    def get_recorded_by_name(self, obj) -> str:
        return _name(obj.recorded_by)


class EducationActivitySerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    school_class = ScopedPrimaryKeyField(
        queryset=SchoolClass.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The class that held it (id); empty for the whole school."),
    )
    class_name = serializers.SerializerMethodField()

    class Meta:
        model = EducationActivity
        fields = [
            "id",
            "org",
            "org_name",
            "kind",
            "title",
            "topic",
            "day",
            "periods",
            "participants",
            "school_class",
            "class_name",
            "note",
            "recorded_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["recorded_by", "created_at", "updated_at"]

    def get_class_name(self, obj) -> str:
        return obj.school_class.name if obj.school_class_id else ""


class CampaignSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The region that runs it (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    completion = serializers.SerializerMethodField(
        help_text=_(
            "Schools reported, target, completed and rate, of the schools whose figures the "
            "caller may read."
        )
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "org",
            "org_name",
            "name",
            "topic",
            "start",
            "end",
            "platform",
            "description",
            "completion",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_completion(self, obj) -> dict:
        from safecampus.education.campaigns import Figures

        found = (self.context.get("figures") or {}).get(obj.pk) or Figures()
        return {
            "schools_reported": found.reported,
            "target": found.target,
            "completed": found.completed,
            "rate": found.rate,
            "text": found.text,
        }


class CampaignResultSerializer(VersionedSerializerMixin, serializers.ModelSerializer):
    campaign = ScopedPrimaryKeyField(queryset=Campaign.objects.all(), help_text=_("Campaign (id)."))
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    org = ScopedPrimaryKeyField(
        queryset=OrgNode.objects.all(), help_text=_("The school (node id).")
    )
    org_name = serializers.CharField(source="org.name", read_only=True)
    origin = serializers.ChoiceField(
        source="source",
        choices=ResultSource.choices,
        required=False,
        help_text=_("Where the figures came from: manual or import"),
    )
    rate = serializers.SerializerMethodField()
    rate_text = serializers.SerializerMethodField()
    updated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = CampaignResult
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "org",
            "org_name",
            "target",
            "completed",
            "rate",
            "rate_text",
            "origin",
            "updated_by",
            "updated_by_name",
            "version",
            "updated_at",
        ]
        read_only_fields = ["updated_by", "updated_at"]
        validators = []  # a school's second report replaces its figures

    def get_rate(self, obj) -> float | None:
        return obj.rate

    def get_rate_text(self, obj) -> str:
        return percent(obj.rate)

    def get_updated_by_name(self, obj) -> str:
        return _name(obj.updated_by)
