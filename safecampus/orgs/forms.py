"""Forms of the organisation pages. Every choice of a node, department or person is limited
to what the user may see (and, for the record's own node, where the user may write)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import assignments
from safecampus.core.listing import VersionedModelForm
from safecampus.orgs import selectors
from safecampus.orgs.choices import (
    ALLOWED_CHILDREN,
    DepartmentKind,
    GroupKind,
    NodeKind,
    SchoolKind,
)
from safecampus.orgs.models import Department, LeadershipGroup, OrgNode, Person, School

SEARCH_WIDGET = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})


def base_depth(user) -> int:
    depths = [a.org.depth for a in assignments(user)]
    return min(depths) if depths and not user.is_superuser else 1


class NodeChoiceField(forms.ModelChoiceField):
    """A node picker whose options read as an indented tree."""

    base = 1

    def label_from_instance(self, obj):
        indent = "\u3000" * max(obj.depth - self.base, 0)
        if obj.kind == NodeKind.SCHOOL:
            return f"{indent}{obj.name}"
        return f"{indent}{obj.name}（{NodeKind(obj.kind).label}）"


def node_field(user, queryset, *, label=None, required=True, help_text=""):
    """A choice of one node of `queryset`: a menu, or a search above a few hundred."""
    from safecampus.orgs.pickers import NodeSearchSelect

    field = NodeChoiceField(
        queryset=queryset.order_by("path"),
        label=label or _("Organisation"),
        required=required,
        help_text=help_text,
        empty_label=_("Choose…"),
        widget=NodeSearchSelect(user=user),
    )
    field.base = base_depth(user)
    return field


def preselect_single_node(form, name: str = "org") -> None:
    """When only one node can be chosen, choose it."""
    if form.is_bound or form.initial.get(name):
        return
    only = list(form.fields[name].queryset[:2])
    if len(only) == 1:
        form.initial[name] = only[0].pk


MENU_LEVELS = 2  # how far below the user's own level a list's "within" menu reaches


class ScopedFilterForm(forms.Form):
    """A list filter: `node` limits to a subtree the user sees; `q` searches."""

    node = NodeChoiceField(queryset=OrgNode.objects.none(), required=False, label=_("Within"))
    q = forms.CharField(required=False, label=_("Search"), widget=SEARCH_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["node"]
        field.queryset = selectors.visible_nodes(user).order_by("path")
        field.base = base_depth(user)
        field.empty_label = _("Everything I can see")
        # Offer the regions of the two levels below the user's in the menu (a county has
        # hundreds of schools, a province 1,500 townships: a menu no one scrolls, and 0.2 s
        # to render); a deeper node chosen by a drill-down link is accepted and shown too.
        selected = self.data.get("node") if self.is_bound else None
        offered = ~Q(kind=NodeKind.SCHOOL) & Q(depth__lte=field.base + MENU_LEVELS)
        if selected and str(selected).isdigit():
            offered |= Q(pk=selected)
        field.widget.choices = [("", field.empty_label)] + [
            (n.pk, field.label_from_instance(n)) for n in field.queryset.filter(offered)
        ]


class PeopleFilterForm(ScopedFilterForm):
    q = forms.CharField(
        required=False,
        label=_("Name or phone"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class SchoolFilterForm(ScopedFilterForm):
    field_order = ["node", "kind", "q"]

    kind = forms.ChoiceField(
        required=False, label=_("School kind"), choices=[("", _("All kinds")), *SchoolKind.choices]
    )


class DepartmentFilterForm(ScopedFilterForm):
    field_order = ["node", "kind", "q"]

    kind = forms.ChoiceField(
        required=False,
        label=_("Department kind"),
        choices=[("", _("All kinds")), *DepartmentKind.choices],
    )


class GroupFilterForm(ScopedFilterForm):
    field_order = ["node", "kind", "q"]

    kind = forms.ChoiceField(
        required=False, label=_("Kind"), choices=[("", _("All kinds")), *GroupKind.choices]
    )


# ---------------------------------------------------------------------------- nodes and schools


class NodeCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    name = forms.CharField(label=_("Organisation name"), max_length=100)
    short_name = forms.CharField(
        label=_("Short name"),
        max_length=20,
        required=False,
        help_text=_("Used in record numbers and document numbers, e.g. 盐池."),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        required=False,
        help_text=_("Administrative division code or school identification code."),
    )

    def __init__(self, *args, parent: OrgNode, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_CHILDREN[parent.kind] - {NodeKind.SCHOOL}
        self.fields["kind"].choices = [(k.value, k.label) for k in NodeKind if k in allowed]


class NodeEditForm(VersionedModelForm):
    class Meta:
        model = OrgNode
        fields = ["name", "short_name", "code", "is_active"]
        labels = {"name": _("Organisation name")}


PROFILE_FIELDS = [
    "school_kind",
    "ownership",
    "boarding",
    "flood_prone",
    "enrolment",
    "boarders",
    "staff_count",
    "storeys",
    "principal_name",
    "phone",
    "address",
    "latitude",
    "longitude",
]


class SchoolForm(forms.ModelForm):
    """A school's node (name, codes) and profile together. On edit the node's version guards both."""

    name = forms.CharField(label=_("School name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=20, required=False)
    code = forms.CharField(
        label=_("School identification code"),
        max_length=20,
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    node_fields = ("name", "short_name", "code", "is_active")

    class Meta:
        model = School
        fields = PROFILE_FIELDS
        widgets = {
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        node = self.instance.node if self.instance.pk else None
        if node is not None:
            for name in self.node_fields:
                self.fields[name].initial = getattr(node, name)
            self.fields["version"].initial = node.version
        else:
            del self.fields["version"]
            del self.fields["is_active"]
        self.order_fields(["name", "short_name", "code", *PROFILE_FIELDS, "is_active"])

    def node_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.node_fields if k in self.fields}

    def profile_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in PROFILE_FIELDS}


# ---------------------------------------------------------------------------- departments, people


class DepartmentForm(VersionedModelForm):
    class Meta:
        model = Department
        fields = ["org", "kind", "name", "phone", "address"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(
            user,
            selectors.nodes_where(user, "add", Department),
            label=_("Attached to"),
        )
        preselect_single_node(self)


class PersonForm(VersionedModelForm):
    class Meta:
        model = Person
        fields = ["org", "name", "phone", "post", "unit", "department", "notes"]
        labels = {"name": _("Name")}
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(user, selectors.nodes_where(user, "add", Person))
        self.fields["department"].queryset = Department.objects.for_user(user).order_by(
            "org_path", "name"
        )
        self.fields["department"].empty_label = _("None")
        preselect_single_node(self)


class GroupForm(VersionedModelForm):
    class Meta:
        model = LeadershipGroup
        fields = ["org", "kind", "name", "purpose", "document_number", "established_on"]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(user, selectors.nodes_where(user, "add", LeadershipGroup))
        self.fields["name"].label = _("Group name")
        preselect_single_node(self)


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    group_role = forms.ChoiceField(label=_("Group role"))
    post = forms.CharField(label=_("Post"), max_length=150, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        from safecampus.orgs.choices import GroupRole

        self.fields["group_role"].choices = GroupRole.choices
        self.fields["group_role"].initial = GroupRole.MEMBER
        if people is not None:
            self.fields["person"].queryset = people
            self.fields["person"].label_from_instance = lambda p: (
                f"{p.name}（{p.post}）" if p.post else p.name
            )


class BaseMemberFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=None, **kwargs):
        self.people = people
        super().__init__(*args, form_kwargs={"people": people}, **kwargs)

    def clean(self):
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            person = form.cleaned_data.get("person")
            if person is None:
                continue
            if person.pk in seen:
                form.add_error("person", _("This person is listed twice."))
            seen.add(person.pk)

    def members(self) -> list[dict]:
        out = []
        for form in self.forms:
            if self._should_delete_form(form) or not form.cleaned_data.get("person"):
                continue
            data = form.cleaned_data
            out.append(
                {
                    "person": data["person"],
                    "group_role": data["group_role"],
                    "post": data["post"] or data["person"].post,
                    "unit": data["unit"] or data["person"].unit,
                }
            )
        return out


MemberFormSet = forms.formset_factory(
    MemberForm, formset=BaseMemberFormSet, extra=3, can_delete=True
)
