"""Forms of the education pages. Every choice of a school, class or person is limited to what
the user may see, and the school of a new record to where the user may write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.core.listing import VersionedModelForm
from safecampus.education.choices import GRADES_BY_KIND, ActivityKind, ReminderKind, Topic
from safecampus.education.models import Campaign, EducationActivity, SchoolClass
from safecampus.hazards.forms import PhotosField, schools_where
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def staff_of(school):
    """Accounts with a role at the school: who can be a head teacher there."""
    from safecampus.accounts.models import User

    return (
        User.objects.filter(assignments__org=school, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


# -------------------------------------------------------------------------------- classes


class ClassForm(VersionedModelForm):
    head_teacher = StaffChoiceField(
        queryset=None, required=False, label=_("Head teacher"), empty_label=_("Not named yet")
    )

    class Meta:
        model = SchoolClass
        fields = ["grade", "name", "head_teacher", "pupils", "active"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["head_teacher"].queryset = staff_of(school)
        kind = getattr(getattr(school, "school", None), "school_kind", "")
        self.grades = GRADES_BY_KIND.get(kind, ())
        self.fields["grade"].widget.attrs.update({"list": "grades", "autocomplete": "off"})
        self.fields["name"].widget.attrs.update({"autocomplete": "off"})


# ------------------------------------------------------------------------------ reminders


class TapForm(forms.Form):
    """One tap on the “today” page: which class, which reminder, which topic."""

    school_class = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=ReminderKind.choices, widget=forms.HiddenInput)
    topic = forms.ChoiceField(choices=Topic.choices, label=_("Topic"))
    day = forms.DateField(required=False, widget=forms.HiddenInput)
    holiday = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)


class EarlierForm(forms.Form):
    """A reminder given on an earlier day and not tapped then."""

    school_class = forms.ModelChoiceField(queryset=SchoolClass.objects.none(), label=_("Class"))
    kind = forms.ChoiceField(choices=ReminderKind.choices, label=_("Reminder"))
    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    topic = forms.ChoiceField(choices=Topic.choices, label=_("Topic"))

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["day"].widget.attrs["max"] = timezone.localdate().isoformat()


# ----------------------------------------------------------------------------- activities


class ActivityFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(required=False, label=_("Kind"))
    topic = forms.ChoiceField(required=False, label=_("Topic"))
    date_from = forms.DateField(required=False, label=_("From"), widget=DATE_WIDGET)
    date_to = forms.DateField(required=False, label=_("To"), widget=DATE_WIDGET)

    field_order = ["node", "kind", "topic", "date_from", "date_to", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *ActivityKind.choices]
        self.fields["topic"].choices = [("", _("All topics")), *Topic.choices]


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.org.name} · {obj.name}" if self.many_schools else obj.name


class ActivityForm(VersionedModelForm):
    photos = PhotosField(label=_("Photos"))

    class Meta:
        model = EducationActivity
        fields = [
            "kind",
            "title",
            "topic",
            "day",
            "periods",
            "participants",
            "school_class",
            "note",
        ]
        widgets = {"day": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if not editing:
            schools = schools_where(user, "add", EducationActivity)
            self.fields["school"] = node_field(user, schools, label=_("School"))
            self.order_fields(["school", *self.Meta.fields])
            preselect_single_node(self, "school")
            self.fields["day"].initial = timezone.localdate()
            classes = SchoolClass.objects.for_user(user).filter(active=True, org__in=schools)
        else:
            classes = SchoolClass.objects.for_user(user).filter(org=self.instance.org)
            del self.fields["photos"]
        field = ClassChoiceField(
            queryset=classes.select_related("org").order_by("org_path", "rank", "name"),
            required=False,
            label=_("Class"),
            empty_label=_("Whole school or several classes"),
            help_text=self.fields["school_class"].help_text,
        )
        field.many_schools = len({c.org_id for c in field.queryset[:500]}) > 1
        self.fields["school_class"] = field
        self.fields["day"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean(self):
        data = super().clean()
        school = data.get("school") or (self.instance.org if self.instance.pk else None)
        klass = data.get("school_class")
        if school is not None and klass is not None and klass.org_id != school.pk:
            self.add_error("school_class", _("The class belongs to another school."))
        return data

    def as_service(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.Meta.fields if name in data}


# ------------------------------------------------------------------------------ campaigns


class CampaignForm(VersionedModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "topic", "start", "end", "platform", "description"]
        widgets = {
            "start": DATE_WIDGET,
            "end": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            regions = selectors.nodes_where(user, "add", Campaign).exclude(kind=NodeKind.SCHOOL)
            self.fields["org"] = node_field(user, regions, label=_("Run by"))
            self.order_fields(["org", *self.Meta.fields])
            preselect_single_node(self, "org")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The last day cannot be before the first day."))
        return data

    def as_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ResultForm(forms.Form):
    target = forms.IntegerField(min_value=0, label=_("Target participants"))
    completed = forms.IntegerField(min_value=0, label=_("People completed"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        target, completed = data.get("target"), data.get("completed")
        if target is not None and completed is not None and completed > target:
            self.add_error(
                "completed",
                _("Completed (%(completed)s) cannot exceed the target (%(target)s).")
                % {"completed": completed, "target": target},
            )
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook"),
        help_text=_("The platform's export: one row per school with its target and completed."),
    )

    def clean_file(self):
        from safecampus.orgs.import_views import _check_upload

        upload = self.cleaned_data["file"]
        _check_upload(upload)
        return upload


class MappingForm(forms.Form):
    school = forms.TypedChoiceField(coerce=int, label=_("School (name or code)"))
    target = forms.TypedChoiceField(coerce=int, label=_("Target participants"))
    completed = forms.TypedChoiceField(coerce=int, label=_("People completed"))

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("school", "target", "completed"):
            self.fields[name].choices = [("", _("Choose…")), *columns]
