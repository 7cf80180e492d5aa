"""Forms of the hazard pages. Every choice of a school, spot or person is limited to what the
user may see (and, for the record's own school, where the user may write)."""

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.core.listing import VersionedModelForm
from safecampus.hazards.choices import Category, Grade, SpotKind
from safecampus.hazards.models import Spot
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node
from safecampus.orgs.models import Person, ancestor_paths
from safecampus.orgs.pickers import searchable

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHOTO_ATTRS = {"accept": "image/*", "capture": "environment"}


def schools_where(user, action: str, model):
    """School nodes inside which the user may `action` records of `model`."""
    return selectors.nodes_where(user, action, model).filter(kind=NodeKind.SCHOOL)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos; each is checked and re-encoded by the service that stores it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={**PHOTO_ATTRS, "multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


# ---------------------------------------------------------------------------- spots


class SpotFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(required=False, label=_("Spot kind"))
    active = forms.ChoiceField(required=False, label=_("Active"))

    field_order = ["node", "kind", "active", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *SpotKind.choices]
        self.fields["active"].choices = [
            ("", _("Active")),
            ("inactive", _("Inactive")),
            ("all", _("All")),
        ]


class SpotForm(VersionedModelForm):
    class Meta:
        model = Spot
        fields = ["org", "name", "area", "kind", "building", "floor"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        action = "change" if self.instance.pk else "add"
        self.fields["org"] = node_field(user, schools_where(user, action, Spot), label=_("School"))
        preselect_single_node(self)


# ---------------------------------------------------------------------------- reporting


class HazardReportForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=_("School"), empty_label=_("Choose…"))
    spot = forms.ModelChoiceField(
        queryset=Spot.objects.none(), label=_("Spot"), required=False, empty_label=_("None")
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    grade = forms.ChoiceField(
        label=_("Grade"), choices=Grade.choices, initial=Grade.GENERAL, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is wrong, and where exactly."),
    )
    temporary_measures = forms.CharField(
        label=_("Temporary measures"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was done at once to keep people safe (cordoned off, sign put up…)."),
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args, user, **kwargs):
        from safecampus.hazards.models import Hazard

        super().__init__(*args, **kwargs)
        schools = schools_where(user, "add", Hazard).order_by("path")
        self.fields["school"].queryset = schools
        searchable(self.fields["school"], user).widget.attrs.update(
            {  # a school chosen loads its spots
                "hx-get": reverse("hazards:spot_options"),
                "hx-target": "#id_spot",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )
        preselect_single_node(self, "school")
        raw = self.data.get("school") if self.is_bound else self.initial.get("school")
        school_id = getattr(raw, "pk", raw)
        spots = Spot.objects.for_user(user).filter(is_active=True)
        if school_id and str(school_id).isdigit():
            self.fields["spot"].queryset = spots.filter(org_id=school_id).order_by("kind", "name")
        else:
            self.fields["spot"].queryset = spots.none()
            self.fields["spot"].help_text = _("Choose the school first.")

    def clean(self):
        data = super().clean()
        school, spot = data.get("school"), data.get("spot")
        if school and spot and spot.org_id != school.pk:
            self.add_error("spot", _("The spot belongs to another school."))
        return data


# ---------------------------------------------------------------------------- workflow moves


class MoveForm(forms.Form):
    """The fields a workflow move needs, and the version the mover saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, hazard, user, action, **kwargs):
        self.hazard, self.user, self.action = hazard, user, action
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = hazard.version

    def service_kwargs(self, files=None) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "comment")}
        photos = data.pop("photos", None) or []
        return {
            "data": data,
            "comment": self.cleaned_data.get("comment", ""),
            "photos": photos,
            "expected_version": self.cleaned_data["version"],
        }


class CommentMoveForm(MoveForm):
    comment = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ConfirmForm(MoveForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    responsible_person = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=_("Responsible person"), empty_label=_("Choose…")
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DATE_WIDGET)
    measures = forms.CharField(
        label=_("Rectification measures"), widget=forms.Textarea(attrs={"rows": 2})
    )
    plan = forms.CharField(
        label=_("Rectification plan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a major hazard: suspension, plan and time."),
    )
    temporary_measures = forms.CharField(
        label=_("Temporary measures"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from safecampus.hazards.services import default_deadline

        super().__init__(*args, **kwargs)
        hazard = self.hazard
        paths = ancestor_paths(hazard.org_path)
        people = (
            Person.objects.for_user(self.user)
            .filter(Q(org_path__in=paths))
            .select_related("org")
            .order_by("-org_path", "name")
        )
        field = self.fields["responsible_person"]
        field.queryset = people
        field.label_from_instance = lambda p: (
            (f"{p.name}（{p.post}）" if p.post else p.name)
            + ("" if p.org_id == hazard.org_id else f" · {p.org.name}")
        )
        self.fields["grade"].initial = hazard.grade
        self.fields["deadline"].initial = hazard.deadline or default_deadline(
            hazard.org, hazard.grade
        )
        self.fields["measures"].initial = hazard.measures
        self.fields["plan"].initial = hazard.plan
        self.fields["temporary_measures"].initial = hazard.temporary_measures
        if hazard.responsible_person_id:
            field.initial = hazard.responsible_person_id


class SubmitForm(MoveForm):
    rectification = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("Photos after rectification"))
    no_photo_reason = forms.CharField(
        label=_("No photo, because"),
        required=False,
        max_length=200,
        help_text=_("Only when a photo cannot show the rectification."),
    )


MOVE_FORMS = {
    "confirm": ConfirmForm,
    "submit": SubmitForm,
    "accept": MoveForm,
    "admit": MoveForm,
    "take_over": MoveForm,
    "reject": CommentMoveForm,
    "return": CommentMoveForm,
    "reopen": CommentMoveForm,
    "escalate": CommentMoveForm,
    "dismiss": CommentMoveForm,
}


def move_form(action, *, hazard, user, data=None, files=None):
    return MOVE_FORMS.get(action, CommentMoveForm)(
        data, files, hazard=hazard, user=user, action=action
    )


# ---------------------------------------------------------------------------- inspections


class InspectionForm(forms.Form):
    """One answer, a note and photos per item of a checklist version, and the sign-off."""

    school = forms.ModelChoiceField(queryset=None, label=_("School"), empty_label=_("Choose…"))
    signed_name = forms.CharField(
        label=_("Signed by"),
        max_length=50,
        help_text=_("Who checked, who signs, who answers for it (谁排查、谁签字、谁负责)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("Departments taking part"),
        help_text=_("A joint inspection: each department gets its own record of its items."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, items, schools, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fields["school"].queryset = schools
        searchable(self.fields["school"], user)
        preselect_single_node(self, "school")
        # Departments of the school or above that may join (hazards/joint.py); the field is
        # left out when there are none, to keep the form short on a phone.
        if departments is not None and departments.exists():
            field = self.fields["departments"]
            field.queryset = departments
            field.label_from_instance = department_label
        else:
            del self.fields["departments"]
        self.fields["signed_name"].initial = user.display_name
        for item in self.items:
            self.fields[f"a-{item.pk}"] = forms.ChoiceField(
                label=item.text,
                required=False,
                choices=[
                    ("normal", _("Normal")),
                    ("abnormal", _("Abnormal")),
                    ("na", _("Not applicable")),
                ],
                widget=forms.RadioSelect,
            )
            self.fields[f"n-{item.pk}"] = forms.CharField(
                label=_("What is wrong"), required=False, max_length=500
            )

    def rows(self):
        """Per item: the item, its answer field, note field and errors (for the template)."""
        item_errors = getattr(self, "item_errors", {})
        return [
            {
                "item": item,
                "answer": self[f"a-{item.pk}"],
                "note": self[f"n-{item.pk}"],
                "photo_name": f"p-{item.pk}",
                "errors": item_errors.get(item.pk, []),
            }
            for item in self.items
        ]

    def chosen_departments(self) -> list:
        return list(self.cleaned_data.get("departments") or [])

    def answers(self, files, spot=None) -> list[dict]:
        out = []
        for item in self.items:
            answer = self.cleaned_data.get(f"a-{item.pk}") or ""
            if not answer:
                continue
            out.append(
                {
                    "item": item,
                    "answer": answer,
                    "note": self.cleaned_data.get(f"n-{item.pk}", ""),
                    "spot": spot,
                    "photos": files.getlist(f"p-{item.pk}") if answer == "abnormal" else [],
                }
            )
        return out


def department_label(department) -> str:
    """冯记沟派出所 · 冯记沟乡: the department and the level it sits at."""
    return f"{department.name} · {department.org.name}"
