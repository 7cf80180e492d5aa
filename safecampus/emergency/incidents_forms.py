"""Forms of the incident pages: the report on a phone (one short form, the rest optional and
later), completing it, the timeline's entries and corrections, the list's filters and a
region's reporting deadlines. Every choice of a school or plan is limited to what the user
may see (and, for the school, where the user may report)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.dates import now_minute
from safecampus.emergency import incidents, privacy
from safecampus.emergency.choices import IncidentStatus, IncidentType, Severity
from safecampus.emergency.models import EmergencyPlan, Incident, IncidentEntry
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import ScopedFilterForm, preselect_single_node
from safecampus.orgs.pickers import searchable

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
NUMBER_ATTRS = {"inputmode": "numeric", "min": 0, "max": 100000}

# Severity on the risk colours: I red, II orange, III yellow, IV blue.
SEVERITY_COLOUR = {
    Severity.EXTRAORDINARY: "major",
    Severity.MAJOR: "high",
    Severity.SERIOUS: "general",
    Severity.GENERAL: "low",
}


def datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def count_field(label, help_text=""):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=100000,
        initial=0,
        help_text=help_text,
        widget=forms.NumberInput(attrs=NUMBER_ATTRS),
    )


def schools_where(user, action: str):
    return selectors.nodes_where(user, action, Incident).filter(kind=NodeKind.SCHOOL)


class SchoolField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class IncidentReportForm(forms.Form):
    """What a teacher can type on a phone in under a minute; the rest may follow later."""

    school = SchoolField(queryset=None, label=_("School"), empty_label=_("Choose…"))
    incident_type = forms.ChoiceField(label=_("Type"), choices=IncidentType.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.GENERAL,
        widget=forms.RadioSelect,
    )
    occurred_at = forms.DateTimeField(
        label=_("Happened at"), widget=datetime_widget(), help_text=_("Now, unless you change it.")
    )
    place = forms.CharField(label=_("Place"), max_length=150)
    description = forms.CharField(
        label=_("What happened"),
        max_length=incidents.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences are enough now; details can follow."),
    )
    injured = count_field(_("Injured"))
    deaths = count_field(_("Deaths"))
    missing = count_field(pgettext_lazy("incident people", "Missing"))
    first_measures = forms.CharField(
        label=_("First measures"),
        required=False,
        max_length=incidents.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was done at once (first aid, 120 called, area cordoned off…)."),
    )
    # Optional, folded away on the phone.
    affected = count_field(_("People affected"))
    students_involved = count_field(_("Students involved"))
    minors_involved = forms.BooleanField(label=_("Minors involved"), required=False, initial=True)
    names = forms.CharField(
        label=_("Names of those involved"),
        required=False,
        max_length=1000,
        help_text=_("Only where needed. Shown only to designated roles; masked elsewhere."),
    )
    is_sensitive = forms.BooleanField(
        label=_("Sensitive: involves minors' privacy"),
        required=False,
        help_text=_(
            "Sexual assault, bullying and violence involving minors are sensitive anyway. Details of a sensitive incident are visible only to designated roles, and every view is logged."
        ),
    )

    MORE = ("affected", "students_involved", "minors_involved", "names", "is_sensitive")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools_where(user, "add").order_by("path")
        searchable(self.fields["school"], user)
        preselect_single_node(self, "school")
        self.fields["occurred_at"].initial = now_minute()

    def severity_radios(self):
        """Each severity's radio with its colour (I red … IV blue), for the big buttons."""
        return [(r, SEVERITY_COLOUR.get(r.data["value"], "low")) for r in self["severity"]]

    def main_fields(self):
        return [f for f in self if f.name not in self.MORE]

    def more_fields(self):
        return [f for f in self if f.name in self.MORE]

    def more_has_errors(self) -> bool:
        return self.is_bound and any(self[name].errors for name in self.MORE)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("injured", "deaths", "missing", "affected", "students_involved"):
            data[name] = data.get(name) or 0
        return data


class IncidentEditForm(forms.ModelForm):
    """Complete or correct the report. Details only for those who read them; names only for
    those who read them in full; the flags only for designated roles."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Incident
        fields = [*incidents.EDITABLE, *incidents.FLAGS]
        widgets = {
            "occurred_at": datetime_widget(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "first_measures": forms.Textarea(attrs={"rows": 3}),
            "names": forms.TextInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        incident = self.instance
        acc = privacy.access(user, incident)
        self.fields["version"].initial = incident.version
        self.fields["occurred_at"].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        # The widget shows minutes: an untouched time must not count as changed.
        self.initial["occurred_at"] = timezone.localtime(incident.occurred_at).replace(
            second=0, microsecond=0
        )
        if not acc.details:
            for name in (*privacy.DETAIL_FIELDS, "names"):
                self.fields.pop(name, None)
        elif not acc.names:
            self.fields.pop("names", None)
        if not incidents.may_flag(user, incident):
            for name in incidents.FLAGS:
                self.fields.pop(name, None)
        for name in ("injured", "deaths", "missing", "affected", "students_involved"):
            self.fields[name].widget.attrs.update(NUMBER_ATTRS)

    def changed_for_service(self) -> dict:
        names = [n for n in self.fields if n != "version" and n in self.changed_data]
        return {n: self.cleaned_data[n] for n in names}


class EntryForm(forms.Form):
    """Add to the timeline: what happened when (now, unless changed)."""

    step = forms.ChoiceField(label=_("What"))
    at = forms.DateTimeField(label=_("When"), widget=datetime_widget())
    plan = forms.ModelChoiceField(
        queryset=EmergencyPlan.objects.none(),
        required=False,
        label=_("Plan started"),
        empty_label=_("None"),
    )
    text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=incidents.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For parent communication, public-opinion notes, insurance claims: who, what, the outcome. Closing needs a summary."
        ),
    )

    def __init__(self, *args, incident, user, **kwargs):
        super().__init__(*args, prefix="entry", **kwargs)
        present = set(
            IncidentEntry.objects.filter(incident=incident).values_list("step", flat=True)
        )
        self.fields["step"].choices = [
            (s.value, s.label)
            for s in incidents.APPENDABLE
            if not (s in incidents.ONCE and s in present)
        ]
        self.fields["at"].initial = now_minute()
        plans = incidents.suggested_plans(incident, user)
        self.fields["plan"].queryset = EmergencyPlan.objects.filter(pk__in=[p.pk for p in plans])
        self.fields["plan"].choices = [("", _("None"))] + [(p.pk, _plan_label(p)) for p in plans]
        best = incidents.best_plan(incident, user)
        if best is not None:
            self.fields["plan"].initial = best.pk
        self.fields["plan"].help_text = (
            _("The school's plan for this kind of incident is chosen when there is one.")
            if plans
            else _("No approved plan of the school or its region is on file.")
        )


def _plan_label(plan) -> str:
    return f"{plan.get_scenario_display()} · {plan}"


class CorrectionForm(forms.Form):
    """Correct an entry: the time, the text, or both, and why. The entry stays, struck through."""

    corrects = forms.TypedChoiceField(label=_("Entry to correct"), coerce=int)
    at = forms.DateTimeField(
        label=_("Correct time"),
        required=False,
        widget=datetime_widget(),
        help_text=_("Leave empty to keep the time."),
    )
    text = forms.CharField(
        label=_("Correct text"),
        required=False,
        max_length=incidents.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty to keep the text."),
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def __init__(self, *args, incident, rows, **kwargs):
        super().__init__(*args, prefix="fix", **kwargs)
        self.fields["corrects"].choices = [("", _("Choose…"))] + [
            (
                r.entry.pk,
                f"{timezone.localtime(r.at):%Y-%m-%d %H:%M} · {incidents.step_label(r.entry.step)}",
            )
            for r in rows
        ]


class IncidentFilterForm(ScopedFilterForm):
    incident_type = forms.ChoiceField(required=False, label=_("Type"))
    severity = forms.ChoiceField(required=False, label=_("Severity"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    date_from = forms.DateField(required=False, label=_("Happened from"), widget=DATE_WIDGET)
    date_to = forms.DateField(required=False, label=_("Happened until"), widget=DATE_WIDGET)
    # The home page's to-dos: first reports overdue or due soon.
    report = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    field_order = ["incident_type", "severity", "status", "node", "date_from", "date_to", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["q"].label = _("Number, school or place")
        self.fields["incident_type"].choices = [("", _("All types")), *IncidentType.choices]
        self.fields["severity"].choices = [("", _("All severities")), *Severity.choices]
        self.fields["status"].choices = [
            ("", _("All statuses")),
            ("active", _("Not closed")),
            *IncidentStatus.choices,
        ]
        self.fields["report"].choices = [("", ""), ("overdue", ""), ("due", ""), ("pending", "")]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _minutes_field(label, max_value, help_text="", min_value=1):
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=max_value,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": min_value, "max": max_value}
        ),
    )


class PolicyForm(forms.Form):
    first_report_minutes = _minutes_field(
        _("First report to the bureau within (minutes)"),
        24 * 60,
        _("Counted from the time the incident happened; for example 60 for one hour."),
        min_value=5,
    )
    written_report_hours = _minutes_field(_("Written report within (hours)"), 24 * 14)
    warn_before_minutes = _minutes_field(
        _("Warn this many minutes before the first-report deadline"),
        24 * 60,
        _(
            "The school's managers, the reporter and the bureau are warned once if nobody has recorded the report to the bureau by then."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
