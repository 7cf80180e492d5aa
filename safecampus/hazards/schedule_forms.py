"""Forms of the schedule pages. A schedule's form is for one school, chosen first: its spots,
the checklists that serve it and the people who may answer for it are that school's. The rules
on what may point where are the service's (hazards.schedule_services)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.roles import SCHOOL_ROLES, Role
from safecampus.core.listing import VersionedModelForm
from safecampus.hazards.choices import Rhythm, SpotKind
from safecampus.hazards.models import ChecklistTemplate, Schedule, Spot
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node
from safecampus.orgs.models import Person, ancestor_paths

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Who usually answers for a school's checks, in the order a school lists them.
RESPONSIBLE_ROLES = [r for r in Role if r in SCHOOL_ROLES]
SCHOOLS_IN_MENU = 200


def schools_where(user, action: str, *models):
    """School nodes inside which the user may `action` records of every one of `models`."""
    nodes = selectors.nodes_where(user, action, models[0]).filter(kind=NodeKind.SCHOOL)
    for model in models[1:]:
        nodes = nodes.filter(pk__in=selectors.nodes_where(user, action, model).values("pk"))
    return nodes


def role_label(value: str) -> str:
    return Role(value).label if value in Role.values else value


class ScheduleFilterForm(ScopedFilterForm):
    rhythm = forms.ChoiceField(required=False, label=_("Rhythm"))
    state = forms.ChoiceField(required=False, label=_("State"))

    field_order = ["node", "rhythm", "state", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        field = self.fields["node"]
        field.label = _("School or region")
        # Schedules belong to schools: offer the schools too, unless there are so many that
        # a region and the table's school links serve better.
        if field.queryset.filter(kind=NodeKind.SCHOOL).count() <= SCHOOLS_IN_MENU:
            field.widget.choices = [("", field.empty_label)] + [
                (n.pk, field.label_from_instance(n)) for n in field.queryset
            ]
        self.fields["rhythm"].choices = [("", _("All rhythms")), *Rhythm.choices]
        self.fields["state"].choices = [
            ("", _("Running")),
            ("ended", _("Ended")),
            ("all", _("All")),
        ]


class SchoolForm(forms.Form):
    """Step one of a new schedule, and the standard schedules: which school."""

    school = forms.ModelChoiceField(queryset=None, label=_("School"))

    def __init__(self, *args, user, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = node_field(user, schools, label=_("School"))
        preselect_single_node(self, "school")


class StandardForm(SchoolForm):
    starts_on = forms.DateField(label=_("Starting on"), widget=DATE_WIDGET)


class ScheduleForm(VersionedModelForm):
    responsible_role = forms.ChoiceField(label=_("Responsible role"), required=False)

    class Meta:
        model = Schedule
        fields = [
            "title",
            "template",
            "rhythm",
            "spot_kind",
            "spots",
            "responsible_role",
            "responsible_person",
            "starts_on",
            "ends_on",
        ]
        widgets = {
            "spots": forms.CheckboxSelectMultiple,
            "starts_on": DATE_WIDGET,
            "ends_on": DATE_WIDGET,
        }
        help_texts = {
            "spot_kind": _("Or, instead of listing spots, every spot of one kind."),
            "ends_on": _("Leave empty for a schedule that goes on."),
        }

    def __init__(self, *args, user, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        mine = Q(pk=self.instance.template_id) if self.instance.pk else Q(pk__in=[])
        serving = Q(org__isnull=True) | Q(org_path__in=ancestor_paths(school.path))
        templates = ChecklistTemplate.objects.available_to(user).filter(
            serving, current__isnull=False
        )
        self.fields["template"].queryset = ChecklistTemplate.objects.filter(
            Q(pk__in=templates.values("pk")) | mine
        ).order_by("org_path", "name")
        self.fields["template"].label_from_instance = lambda t: (
            f"{t.name}（{t.org.name if t.org_id else _('Built-in library')}）"
        )
        self.fields["template"].queryset = self.fields["template"].queryset.select_related("org")
        chosen = list(self.instance.spots.values_list("pk", flat=True)) if self.instance.pk else []
        self.fields["spots"].queryset = (
            Spot.objects.for_user(user)
            .filter(org=school)
            .filter(Q(is_active=True) | Q(pk__in=chosen))
            .order_by("kind", "name")
        )
        self.fields["spots"].required = False
        current_role = self.instance.responsible_role if self.instance.pk else ""
        roles = [(r.value, r.label) for r in RESPONSIBLE_ROLES]
        if current_role and current_role not in {r for r, _label in roles}:
            roles.append((current_role, role_label(current_role)))
        self.fields["responsible_role"].choices = [("", _("None")), *roles]
        people = (
            Person.objects.for_user(user)
            .filter(org_path__in=ancestor_paths(school.path))
            .select_related("org")
            .order_by("-org_path", "name")
        )
        field = self.fields["responsible_person"]
        field.queryset = people
        field.label_from_instance = lambda p: (
            (f"{p.name}（{p.post}）" if p.post else p.name)
            + ("" if p.org_id == school.pk else f" · {p.org.name}")
        )
        self.fields["spot_kind"].choices = [("", _("All kinds")), *SpotKind.choices]
        field.empty_label = _("None")

    def service_fields(self) -> dict:
        """The schedule's own fields, without its spots (the service sets those)."""
        data = self.changed_data_for_service()
        data.pop("spots", None)
        return data


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE_WIDGET)
