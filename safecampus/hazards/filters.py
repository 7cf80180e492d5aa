"""Query filters of the hazard resources. `within` and `school` follow the organisation
filters: a node outside the caller's scope gives an empty list, like one that does not exist."""

import datetime

from django.db.models import BooleanField, Case, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from safecampus.hazards.choices import OPEN_STATUSES
from safecampus.hazards.models import ChecklistTemplate, Hazard, Inspection, Schedule, Spot
from safecampus.orgs.filters import IdFilter, WithinFilter


def overdue_expression(today: datetime.date):
    """Overdue, derived when read: still open and past its deadline."""
    return Case(
        When(status__in=OPEN_STATUSES, deadline__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


class HazardFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    spot = IdFilter(field_name="spot_id", label=_("Spot (id)"))
    overdue = filters.BooleanFilter(
        method="filter_overdue", label=_("Open and past its deadline (true/false)")
    )
    found_after = filters.DateFilter(
        field_name="found_at", lookup_expr="date__gte", label=_("Found on or after (YYYY-MM-DD)")
    )
    found_before = filters.DateFilter(
        field_name="found_at", lookup_expr="date__lte", label=_("Found on or before (YYYY-MM-DD)")
    )

    class Meta:
        model = Hazard
        fields = ["status", "grade", "category", "source"]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(overdue=value)


class InspectionFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()
    schedule = IdFilter(field_name="schedule_id", label=_("Schedule (id)"))
    inspector = IdFilter(field_name="inspector_id", label=_("Inspector (user id)"))
    inspected_after = filters.DateFilter(
        field_name="inspected_at",
        lookup_expr="date__gte",
        label=_("Inspected on or after (YYYY-MM-DD)"),
    )
    inspected_before = filters.DateFilter(
        field_name="inspected_at",
        lookup_expr="date__lte",
        label=_("Inspected on or before (YYYY-MM-DD)"),
    )

    class Meta:
        model = Inspection
        fields: list[str] = []


class SpotFilter(filters.FilterSet):
    school = IdFilter(field_name="org_id", label=_("School (node id)"))
    within = WithinFilter()

    class Meta:
        model = Spot
        fields = ["kind", "is_active"]


class ChecklistTemplateFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Defined at node (id)"))
    within = WithinFilter()
    builtin = filters.BooleanFilter(field_name="is_builtin", label=_("Built in (true/false)"))

    class Meta:
        model = ChecklistTemplate
        fields = ["rhythm", "spot_kind"]


class ScheduleFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Organisation node (id)"))
    within = WithinFilter()
    template = IdFilter(field_name="template_id", label=_("Checklist template (id)"))

    class Meta:
        model = Schedule
        fields = ["rhythm", "is_active"]
