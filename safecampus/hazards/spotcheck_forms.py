"""Forms of the spot-check pages: drawing a sample at a desk, recording a check on a phone at
the school, and giving a check to someone else. Every choice of a region or a person is
limited to where the user may draw samples and to the bureau's staff and inspectors."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import assignments
from safecampus.accounts.roles import SPOTCHECK, allows
from safecampus.hazards import spotchecks
from safecampus.hazards.choices import Category, Grade
from safecampus.hazards.models import SpotCheck, SpotCheckSample
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind, SchoolKind
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node
from safecampus.orgs.models import OrgNode

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COORDINATE = {"required": False, "max_digits": 12, "decimal_places": 8, "widget": forms.HiddenInput}


def previous_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last full calendar quarter before `today`'s: the default window of closing dates."""
    first_month = (today.month - 1) // 3 * 3 + 1
    end = datetime.date(today.year, first_month, 1) - datetime.timedelta(days=1)
    return datetime.date(end.year, end.month - 2, 1), end


def pool_for(user) -> list:
    """The people the user may give checks to: the staff and inspectors of every bureau
    where the user may draw samples (each labelled with their role and node)."""
    from safecampus.accounts.models import RoleAssignment

    if user.is_superuser:
        nodes = list(
            OrgNode.objects.filter(kind__in=(NodeKind.COUNTY, NodeKind.CITY)).order_by("path")
        )
    else:
        nodes = [
            a.org
            for a in assignments(user)
            if allows(a.role, SPOTCHECK, "add", a.department.kind if a.department_id else None)
        ]
    users, seen = [], set()
    for node in nodes:
        for member in spotchecks.assignee_pool(node):
            if member.user.pk in seen:
                continue
            seen.add(member.user.pk)
            users.append(member.user)
    if users:
        roles = {}
        for row in (
            RoleAssignment.objects.filter(user__in=users, role__in=spotchecks.ASSIGNEE_ROLES)
            .select_related("org")
            .order_by("org_path")
        ):
            roles.setdefault(row.user_id, []).append(f"{row.get_role_display()} · {row.org.name}")
        for u in users:
            where = "、".join(roles.get(u.pk, [])[:3])
            u.pool_label = f"{u.display_name}（{where}）" if where else u.display_name
    return users


class SampleDrawForm(forms.Form):
    """Draw a sample: where, which closing dates, which hazards, how many, who checks, by when."""

    SIZE_UNITS = [("count", _("hazards")), ("percent", _("% of the candidates"))]

    region = forms.ModelChoiceField(queryset=OrgNode.objects.none(), label=_("Draw over"))
    closed_from = forms.DateField(label=_("Closed from"), widget=DATE_WIDGET)
    closed_to = forms.DateField(label=_("Closed to"), widget=DATE_WIDGET)
    grade = forms.ChoiceField(required=False, label=_("Grade"))
    category = forms.ChoiceField(required=False, label=_("Category"))
    school_kind = forms.ChoiceField(required=False, label=_("School kind"))
    size = forms.IntegerField(
        label=_("Sample size"), min_value=1, max_value=spotchecks.MAX_COUNT, initial=20
    )
    size_unit = forms.ChoiceField(
        label=_("as"), choices=SIZE_UNITS, initial="count", widget=forms.RadioSelect
    )
    due_on = forms.DateField(label=_("Checks due on"), widget=DATE_WIDGET)
    assignees = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Checked by (in turn)"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each drawn hazard goes to whoever of these people may check at its school and "
            "has the fewest checks so far."
        ),
    )
    title = forms.CharField(
        required=False,
        max_length=150,
        label=_("Title"),
        help_text=_("Left empty, the title names the region and the window."),
    )
    note = forms.CharField(
        required=False, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = selectors.nodes_where(user, "add", SpotCheckSample).exclude(kind=NodeKind.SCHOOL)
        self.fields["region"] = node_field(user, regions, label=_("Draw over"))
        preselect_single_node(self, "region")
        if not self.is_bound and not self.initial.get("region"):
            top = regions.order_by("depth", "path").first()
            if top is not None:
                self.initial["region"] = top.pk
        self.fields["grade"].choices = [("", _("All grades")), *Grade.choices]
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["school_kind"].choices = [("", _("All kinds of school")), *SchoolKind.choices]
        people = pool_for(user)
        field = self.fields["assignees"]
        field.queryset = get_user_model().objects.filter(pk__in=[u.pk for u in people])
        field.choices = [(u.pk, u.pool_label) for u in people]
        today = timezone.localdate()
        start, end = previous_quarter(today)
        self.initial.setdefault("closed_from", start)
        self.initial.setdefault("closed_to", end)
        self.initial.setdefault(
            "due_on", today + datetime.timedelta(days=spotchecks.DEFAULT_DAYS_TO_CHECK)
        )
        self.initial.setdefault("assignees", [u.pk for u in people])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        unit = data["size_unit"]
        return {
            "region": data["region"],
            "closed_from": data["closed_from"],
            "closed_to": data["closed_to"],
            "grade": data["grade"],
            "category": data["category"],
            "school_kind": data["school_kind"],
            "size_count": data["size"] if unit == "count" else None,
            "size_percent": data["size"] if unit == "percent" else None,
            "due_on": data["due_on"],
            "assignees": list(data["assignees"]),
            "title": data["title"],
            "note": data["note"],
        }


class SampleFilterForm(ScopedFilterForm):
    status = forms.ChoiceField(required=False, label=_("Status"))

    field_order = ["node", "status", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["status"].choices = [
            ("", _("All")),
            ("open", _("Checks still to do")),
            ("done", _("All checks done")),
            ("cancelled", _("Cancelled")),
        ]


class CheckFilterForm(ScopedFilterForm):
    state = forms.ChoiceField(required=False, label=_("Status"))
    mine = forms.BooleanField(required=False, label=_("Assigned to me"))
    checked_from = forms.DateField(required=False, label=_("Checked from"), widget=DATE_WIDGET)
    checked_to = forms.DateField(required=False, label=_("Checked to"), widget=DATE_WIDGET)
    sample = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["node", "state", "mine", "checked_from", "checked_to", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["state"].choices = [
            ("", _("All")),
            ("open", _("Still to do")),
            *spotchecks.State.choices,
        ]
        self.fields["q"].label = _("Hazard number or school")


class CheckRecordForm(forms.Form):
    """The check as seen on site, on a phone: holds or not, a photo, a note; the place comes
    from the phone's location when the person allows it, the time from the server."""

    outcome = forms.ChoiceField(
        label=_("Does the fix hold?"),
        choices=SpotCheck.Outcome.choices,
        widget=forms.RadioSelect,
    )
    photo = forms.FileField(
        required=False,
        label=_("Photo of the spot now (required)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    note = forms.CharField(
        required=False,
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the fix does not hold: say what is wrong."),
    )
    latitude = forms.DecimalField(**COORDINATE)
    longitude = forms.DecimalField(**COORDINATE)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, check: SpotCheck, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = check.version

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "photo": data.get("photo"),
            "note": data.get("note", ""),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "accuracy": data.get("accuracy"),
            "expected_version": data["version"],
        }


class CheckReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, label=_("Assigned to"))
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, check: SpotCheck, **kwargs):
        super().__init__(*args, **kwargs)
        people = spotchecks.assignees_for(check)
        field = self.fields["assignee"]
        field.queryset = get_user_model().objects.filter(pk__in=[u.pk for u in people])
        field.label_from_instance = lambda u: u.display_name
        self.fields["version"].initial = check.version
        self.initial.setdefault("assignee", check.assignee_id)
        self.initial.setdefault("due_on", check.due_on)


class SampleCancelForm(forms.Form):
    cancel_reason = forms.CharField(
        max_length=200, label=_("Why is the sample cancelled?"), widget=forms.TextInput
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
