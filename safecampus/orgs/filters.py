"""Query filters of the organisation resources, shared by the API of every app.

`within` narrows a list to one node's subtree. The node is looked up among the nodes the
caller can see, so naming a node outside the caller's scope gives an empty list: exactly what
a node that does not exist gives, and nothing to learn from.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from safecampus.orgs.models import Department, LeadershipGroup, OrgNode, Person, School


class IdFilter(filters.NumberFilter):
    """An exact id: an integer, so the schema and the validation say so."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # drf-spectacular reads this; the label stays the parameter's description.
        self._spectacular_annotation = {"field": {"type": "integer", "description": self.label}}


class WithinFilter(IdFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Inside the subtree of node (id)"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        request = getattr(self.parent, "request", None)
        user = getattr(request, "user", None)
        node = OrgNode.objects.for_user(user, "view").filter(pk=value).only("path").first()
        if node is None:
            return qs.none()
        return qs.within(node.path)


class OrgNodeFilter(filters.FilterSet):
    parent = IdFilter(field_name="parent_id", label=_("Parent node (id)"))
    within = WithinFilter()

    class Meta:
        model = OrgNode
        fields = ["kind", "is_active"]


class SchoolFilter(filters.FilterSet):
    within = WithinFilter()

    class Meta:
        model = School
        fields = ["school_kind", "boarding", "ownership"]


class DepartmentFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Organisation node (id)"))
    within = WithinFilter()

    class Meta:
        model = Department
        fields = ["kind"]


class PersonFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Organisation node (id)"))
    department = IdFilter(field_name="department_id", label=_("Department (id)"))
    within = WithinFilter()

    class Meta:
        model = Person
        fields: list[str] = []


class LeadershipGroupFilter(filters.FilterSet):
    org = IdFilter(field_name="org_id", label=_("Organisation node (id)"))
    within = WithinFilter()

    class Meta:
        model = LeadershipGroup
        fields = ["kind"]
