"""Forms of the drill pages. The record form is meant for a phone: the few fields everyone
fills first, the details (grades, buildings, problems, photos, sign-off) after them and
optional. Every choice of a school or person is limited to what the user may see and write.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.core.dates import now_minute
from safecampus.emergency import compliance
from safecampus.emergency.choices import DrillStatus, Scenario
from safecampus.emergency.drills import format_duration, parse_duration
from safecampus.emergency.models import Drill
from safecampus.hazards.choices import Category, Grade
from safecampus.hazards.forms import PhotosField, schools_where
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import ScopedFilterForm, preselect_single_node
from safecampus.orgs.models import OrgNode, Person
from safecampus.orgs.pickers import searchable

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EvacuationTimeField(forms.Field):
    """An evacuation time typed as people say it: 3分40秒, 3:40 or 220 (seconds)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": _("3分40秒 / 3:40 / 220"),
                    "autocomplete": "off",
                    "maxlength": 30,
                }
            ),
        )
        kwargs.setdefault("help_text", _("Minutes and seconds (3分40秒, 3:40) or seconds (220)."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_duration(value)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_duration(str(value).strip())


GRADE_LINE = re.compile(r"([^\d\s,，;；:：、]+)\s*[:：]?\s*(\d+)")


class GradesField(forms.CharField):
    """Pupils per grade, typed as "一年级 120，二年级 118" (or one grade a line)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", _("For example: 一年级 120，二年级 118"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dict):
            return "，".join(f"{k} {v}" for k, v in value.items())
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if not text.strip():
            return {}
        pairs = GRADE_LINE.findall(text)
        rest = GRADE_LINE.sub("", text)
        if not pairs or re.sub(r"[\s,，;；、]", "", rest):
            raise ValidationError(
                _("Write each grade and its number of pupils, e.g. 一年级 120，二年级 118."),
                code="grades",
            )
        out: dict[str, int] = {}
        for name, count in pairs:
            out[name] = out.get(name, 0) + int(count)
        return out


def drill_schools(user, action: str = "add"):
    return schools_where(user, action, Drill).order_by("path")


def _school_id(form, name: str = "school"):
    raw = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    raw = getattr(raw, "pk", raw)
    return int(raw) if raw not in (None, "") and str(raw).isdigit() else None


# ---------------------------------------------------------------------------- filters


class DrillFilterForm(ScopedFilterForm):
    scenario = forms.ChoiceField(required=False, label=_("Scenario"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    date_from = forms.DateField(required=False, label=_("From"), widget=DATE_WIDGET)
    date_to = forms.DateField(required=False, label=_("To"), widget=DATE_WIDGET)

    field_order = ["node", "scenario", "status", "date_from", "date_to", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["scenario"].choices = [("", _("All scenarios")), *Scenario.choices]
        self.fields["status"].choices = [("", _("All")), *DrillStatus.choices]


class ComplianceFilterForm(forms.Form):
    """The county view: which region, which rule, which township, which statuses, on which day."""

    STATUS_CHOICES = [
        ("failing", _("Not compliant")),
        ("no_data", _("No data")),
        ("all", _("All verdicts")),
    ]

    node = forms.ModelChoiceField(
        queryset=OrgNode.objects.none(), required=False, label=_("Region")
    )
    township = forms.ModelChoiceField(
        queryset=OrgNode.objects.none(), required=False, label=_("Township")
    )
    rule = forms.ChoiceField(required=False, label=_("Rule"))
    status = forms.ChoiceField(required=False, label=_("Show"), choices=STATUS_CHOICES)
    as_of = forms.DateField(
        required=False,
        label=_("As of"),
        widget=DATE_WIDGET,
        help_text=_("The rules judge the last month, quarter or term ended by this day."),
    )

    def __init__(self, *args, user, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = regions
        self.fields["node"].empty_label = _("Everything I can see")
        self.fields["node"].label_from_instance = lambda n: f"{n.name}（{n.get_kind_display()}）"
        self.fields["township"].queryset = regions.filter(kind=NodeKind.TOWNSHIP)
        self.fields["township"].empty_label = _("All townships")
        self.fields["rule"].choices = [
            ("", _("All rules")),
            *((r.id, f"{r.id} {r.title}") for r in compliance.RULES),
        ]


# ----------------------------------------------------------------------------- writing


class DrillPlanForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"), empty_label=_("Choose…"))
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    planned_for = forms.DateTimeField(label=_("Planned for"), widget=DATETIME_WIDGET)
    is_night = forms.BooleanField(label=_("Night drill"), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=150)

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            del self.fields["school"]
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
            self.initial.setdefault("version", instance.version)
            for name in ("scenario", "planned_for", "is_night", "title"):
                self.initial.setdefault(name, getattr(instance, name))
        else:
            self.fields["school"].queryset = drill_schools(user)
            searchable(self.fields["school"], user)
            preselect_single_node(self, "school")
            self.initial.setdefault("held_at", now_minute())  # recorded just after, usually


class BuildingForm(forms.Form):
    name = forms.CharField(label=_("Building"), max_length=60, required=False)
    storeys = forms.IntegerField(
        label=pgettext_lazy("building", "Storeys"),
        min_value=1,
        max_value=60,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    seconds = EvacuationTimeField(label=_("Evacuation time"), help_text="")

    def clean(self):
        data = super().clean()
        if data.get("name") and data.get("seconds") is None and "seconds" not in self.errors:
            self.add_error("seconds", _("Give this building's evacuation time."))
        if data.get("seconds") is not None and not data.get("name"):
            self.add_error("name", _("Name the building."))
        return data


BuildingFormSet = forms.formset_factory(BuildingForm, extra=3, max_num=30)


class ProblemForm(forms.Form):
    text = forms.CharField(
        label=_("Problem found"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    raise_hazard = forms.BooleanField(
        label=_("Enter it in the hazard ledger"),
        required=False,
        help_text=_("A hazard is raised at once; the safety officer confirms and assigns it."),
    )
    category = forms.ChoiceField(
        label=_("Hazard category"), choices=Category.choices, initial=Category.OTHER
    )
    grade = forms.ChoiceField(label=_("Hazard grade"), choices=Grade.choices, initial=Grade.GENERAL)
    follow_up = forms.CharField(
        label=_("Follow-up task"),
        max_length=300,
        required=False,
        help_text=_("Or, instead of a hazard: what is to be done, by whom, by when."),
    )
    owner = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=_("Owner"), required=False, empty_label=_("None")
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].queryset = people
        else:
            self.fields["owner"].help_text = _("Choose the school first.")
        for name in ("category", "grade"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if not data.get("text"):
            if data.get("follow_up") or data.get("raise_hazard"):
                self.add_error("text", _("Describe the problem."))
            return data
        if data.get("follow_up") and not data.get("due_on"):
            self.add_error("due_on", _("A follow-up task needs a date it is due."))
        return data

    def as_service(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "raise_hazard": data.get("raise_hazard", False),
            "category": data.get("category") or Category.OTHER,
            "grade": data.get("grade") or Grade.GENERAL,
            "follow_up": data.get("follow_up", ""),
            "owner": data.get("owner"),
            "due_on": data.get("due_on"),
        }


class BaseProblemFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=None, **kwargs):
        self.people = people
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "people": self.people}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            people=self.people,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form


ProblemFormSet = forms.formset_factory(ProblemForm, formset=BaseProblemFormSet, extra=2, max_num=30)


class DrillRecordForm(forms.Form):
    """A held drill: the essentials first, then the optional details."""

    ESSENTIALS = (
        "school",
        "scenario",
        "held_at",
        "is_night",
        "evacuation_time",
        "students",
        "staff",
    )

    school = forms.ModelChoiceField(queryset=None, label=_("School"), empty_label=_("Choose…"))
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME_WIDGET)
    is_night = forms.BooleanField(label=_("Night drill"), required=False)
    evacuation_time = EvacuationTimeField(label=_("Evacuation time (whole school)"))
    students = forms.IntegerField(
        label=_("Students taking part"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    staff = forms.IntegerField(
        label=_("Staff taking part"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    # details
    assembly_point = forms.CharField(label=_("Assembly point"), max_length=100, required=False)
    police_joined = forms.BooleanField(label=_("Police took part"), required=False)
    fire_joined = forms.BooleanField(label=_("Fire service took part"), required=False)
    other_units = forms.CharField(label=_("Other units"), max_length=200, required=False)
    students_by_grade = GradesField(label=_("Students by grade"))
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    summary = forms.CharField(
        label=pgettext_lazy("drill", "Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evaluator_name = forms.CharField(
        label=_("Evaluated and signed by"),
        max_length=50,
        required=False,
        help_text=_("The evaluator's name signs the record off."),
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, user, drill=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.drill = drill
        if drill is not None:
            del self.fields["school"]
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
            self.initial.setdefault("version", drill.version)
            self.initial.setdefault("scenario", drill.scenario)
            self.initial.setdefault("is_night", drill.is_night)
            self.initial.setdefault("title", drill.title)
            if drill.status == DrillStatus.HELD:
                for name in (
                    "held_at",
                    "students",
                    "staff",
                    "assembly_point",
                    "police_joined",
                    "fire_joined",
                    "other_units",
                    "students_by_grade",
                    "summary",
                    "evaluator_name",
                ):
                    self.initial.setdefault(name, getattr(drill, name))
                self.initial.setdefault("evacuation_time", drill.evacuation_seconds)
                del self.fields["photos"]  # added on the drill's page
            elif drill.planned_for:
                self.initial.setdefault("held_at", drill.planned_for)
        else:
            self.fields["school"].queryset = drill_schools(user)
            searchable(self.fields["school"], user)
            preselect_single_node(self, "school")
            self.initial.setdefault("held_at", now_minute())  # recorded just after, usually

    @property
    def school_id(self):
        if self.drill is not None:
            return self.drill.org_id
        return _school_id(self)

    def essentials(self):
        return [self[name] for name in self.ESSENTIALS if name in self.fields]

    def details(self):
        return [
            self[name]
            for name in self.fields
            if name not in self.ESSENTIALS and name not in ("version", "photos")
        ]

    def as_service(self) -> dict:
        data = self.cleaned_data
        return {
            "scenario": data["scenario"],
            "held_at": data["held_at"],
            "is_night": data["is_night"],
            "evacuation_seconds": data.get("evacuation_time"),
            "students": data.get("students") or 0,
            "staff": data.get("staff") or 0,
            "assembly_point": data.get("assembly_point", ""),
            "police_joined": data.get("police_joined", False),
            "fire_joined": data.get("fire_joined", False),
            "other_units": data.get("other_units", ""),
            "students_by_grade": data.get("students_by_grade") or {},
            "title": data.get("title", ""),
            "summary": data.get("summary", ""),
            "evaluator_name": data.get("evaluator_name", ""),
        }


def people_of(user, school_id):
    if not school_id:
        return None
    return Person.objects.for_user(user).filter(org_id=school_id).order_by("name")


def building_rows(formset) -> list[dict]:
    return [
        {"name": f.cleaned_data["name"], "storeys": f.cleaned_data.get("storeys") or 1,
         "seconds": f.cleaned_data["seconds"]}
        for f in formset.forms
        if f.cleaned_data.get("name")
    ]  # fmt: skip


def problem_rows(formset) -> list[dict]:
    return [f.as_service() for f in formset.forms if f.cleaned_data.get("text")]


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class SignOffForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    evaluator_name = forms.CharField(label=_("Evaluated and signed by"), max_length=50)


class RaiseHazardForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Hazard category"), choices=Category.choices, initial=Category.OTHER
    )
    grade = forms.ChoiceField(label=_("Hazard grade"), choices=Grade.choices, initial=Grade.GENERAL)


class PhotosForm(forms.Form):
    photos = PhotosField(label=_("Photos"), required=True)
