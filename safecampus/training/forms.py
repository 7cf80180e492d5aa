"""Forms of the training pages. What is allowed (hours, who may attend, overlapping posts) is
the services' to decide (training/services.py); the forms offer only what the user may choose
and keep what was typed when a service refuses."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.listing import VersionedModelForm
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node
from safecampus.orgs.models import OrgNode, Person, ancestor_paths
from safecampus.training.choices import Audience, Post
from safecampus.training.models import SESSION_NODE_KINDS, Appointment, TrainingSession

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
HOURS_WIDGET = forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"})


def session_nodes(user, action: str = "add"):
    """Schools, townships and counties where the user may record sessions."""
    return selectors.nodes_where(user, action, TrainingSession).filter(
        kind__in=list(SESSION_NODE_KINDS)
    )


def people_of(user, school: OrgNode):
    return Person.objects.for_user(user).filter(org=school).order_by("name", "id")


def appointable_people(user, school: OrgNode):
    """People the school may appoint: its own, and those on file above it (a police officer at
    the township for a legal vice-principal)."""
    return (
        Person.objects.for_user(user)
        .filter(org_path__in=ancestor_paths(school.path))
        .select_related("org", "department")
        .order_by("-org_path", "name", "id")
    )


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        where = obj.unit or (obj.org.name if obj.org.kind != NodeKind.SCHOOL else "")
        post = obj.post or ""
        extra = "，".join(x for x in (post, where) if x)
        return f"{obj.name}（{extra}）" if extra else obj.name


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.post}" if obj.post else obj.name


# -------------------------------------------------------------------------------- lists


class SessionFilterForm(ScopedFilterForm):
    audience = forms.ChoiceField(required=False, label=_("Audience"))
    year = forms.IntegerField(required=False, label=_("Year"), min_value=2000, max_value=2100)

    field_order = ["node", "audience", "year", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["node"].label = _("School or region")
        self.fields["audience"].choices = [("", _("Everyone")), *Audience.choices]


class RegionForm(forms.Form):
    node = forms.ModelChoiceField(queryset=OrgNode.objects.none(), required=False)

    def __init__(self, *args, user, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"] = node_field(user, regions, label=_("Region"), required=False)


# -------------------------------------------------------------------------------- edits


class SessionForm(VersionedModelForm):
    """A session's fields; a new one also names its school or region."""

    org = forms.ModelChoiceField(queryset=OrgNode.objects.none(), label=_("School or region"))

    class Meta:
        model = TrainingSession
        fields = [
            "audience",
            "topic",
            "started_on",
            "days",
            "hours",
            "trainer",
            "place",
            "attendee_count",
            "note",
        ]
        widgets = {
            "started_on": DATE_WIDGET,
            "hours": HOURS_WIDGET,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = ["org", *Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["org"]
        else:
            self.fields["org"] = node_field(
                user,
                session_nodes(user),
                label=_("School or region"),
                help_text=_("A county's or township's course for its schools is recorded there."),
            )
            self.order_fields(self.field_order)
            preselect_single_node(self)
            self.fields["started_on"].initial = timezone.localdate()
        self.fields["hours"].min_value = None

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AttendanceForm(forms.Form):
    """The phone form: tick the people on file, type the others' names, one a line."""

    people = PeopleChoice(
        queryset=Person.objects.none(),
        required=False,
        label=_("People on file"),
        widget=forms.CheckboxSelectMultiple,
    )
    names = forms.CharField(
        required=False,
        label=_("Others, one name a line"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    hours = forms.DecimalField(
        required=False,
        label=_("Hours attended"),
        max_digits=5,
        decimal_places=1,
        widget=HOURS_WIDGET,
        help_text=_("Leave empty for the whole session."),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        if people.exists():
            self.fields["people"].queryset = people
        else:  # everyone on file is listed already: only names are left to type
            del self.fields["people"]

    def people_list(self) -> list:
        return list(self.cleaned_data.get("people") or [])

    def names_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("names", "").splitlines()]


class AppointmentForm(VersionedModelForm):
    person = PersonChoice(
        queryset=Person.objects.none(),
        required=False,
        label=_("Person on file"),
        empty_label=_("Not on file: type the name"),
    )

    class Meta:
        model = Appointment
        fields = ["post", "person", "name", "unit", "started_on", "document_number", "note"]
        widgets = {"started_on": DATE_WIDGET}
        help_texts = {"name": _("Filled from the person on file when one is chosen.")}

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["name"].required = False
        self.fields["post"].choices = list(Post.choices)
        if not self.instance.pk:
            self.fields["started_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose a person or type a name."))
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    ended_on = forms.DateField(label=_("Last day in office"), widget=DATE_WIDGET)
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()
