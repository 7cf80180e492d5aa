"""Forms of the checklist pages: the list's filter, a template's own fields, and its items as a
formset (add, remove, reorder). The rules on items themselves (at least one, each complete)
are the service's (hazards.checklists); these forms only collect what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.core.listing import VersionedModelForm
from safecampus.hazards.choices import Category, Grade, Rhythm, SpotKind
from safecampus.hazards.models import ChecklistTemplate
from safecampus.orgs import selectors
from safecampus.orgs.choices import DepartmentKind, NodeKind
from safecampus.orgs.forms import SEARCH_WIDGET, node_field

ITEM_PREFIX = "items"


def nodes_for_templates(user):
    """The regions at which the user may define templates (a bureau: its county and below)."""
    return selectors.nodes_where(user, "add", ChecklistTemplate).exclude(kind=NodeKind.SCHOOL)


def _template_node_field(form, user) -> None:
    """The "defined at" picker, preset to the highest region the user may write (their county)."""
    nodes = nodes_for_templates(user)
    form.fields["org"] = node_field(
        user,
        nodes,
        label=_("Defined at"),
        help_text=_("The schools under this level can use the checklist."),
    )
    if not form.is_bound and not form.initial.get("org"):
        first = nodes.order_by("path").first()
        if first is not None:
            form.initial["org"] = first.pk


class TemplateFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), widget=SEARCH_WIDGET)
    rhythm = forms.ChoiceField(required=False, label=_("Rhythm"))
    origin = forms.ChoiceField(required=False, label=_("Source"))
    active = forms.ChoiceField(required=False, label=_("Active"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["rhythm"].choices = [("", _("All rhythms")), *Rhythm.choices]
        self.fields["origin"].choices = [
            ("", _("All")),
            ("builtin", _("Built-in library")),
            ("local", _("Defined by a bureau")),
        ]
        self.fields["active"].choices = [
            ("", _("Active")),
            ("inactive", _("Inactive")),
            ("all", _("All")),
        ]


class TemplateForm(VersionedModelForm):
    """A template's own fields; on creation also where it is defined; on an edit the note of
    what changed, which the new version keeps."""

    note = forms.CharField(
        label=_("What changed"),
        max_length=200,
        required=False,
        help_text=_("Shown in the version history, e.g. “added the CCTV check”."),
    )

    class Meta:
        model = ChecklistTemplate
        fields = ["org", "name", "description", "rhythm", "spot_kind", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["org"]
        else:
            _template_node_field(self, user)
            self.fields["note"].label = _("Note on the first version")
            self.fields["note"].help_text = ""
        self.fields["spot_kind"].choices = [("", _("All kinds")), *SpotKind.choices]
        self.fields["spot_kind"].help_text = _("Which spots it is meant for; empty for any.")

    def changed_data_for_service(self) -> dict:
        data = super().changed_data_for_service()
        data.pop("org", None)
        return data


class CopyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _template_node_field(self, user)
        self.order_fields(["org", "name"])


class ItemForm(forms.Form):
    text = forms.CharField(
        label=_("Item"), max_length=300, widget=forms.TextInput(attrs={"aria-label": _("Item")})
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    default_grade = forms.ChoiceField(label=_("Default grade"), choices=Grade.choices)
    photo_required = forms.BooleanField(label=_("Photo required when abnormal"), required=False)
    guidance = forms.CharField(
        label=_("Guidance"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    department_kinds = forms.MultipleChoiceField(
        label=_("Departments"),
        choices=DepartmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Department kinds whose checklist this item also serves in a joint inspection."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Defaults of a new row: an unchanged empty row is skipped, not an error.
        self.fields["category"].initial = Category.OTHER
        self.fields["default_grade"].initial = Grade.GENERAL


class BaseItemFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = _("No.")
            form.fields["ORDER"].widget.attrs.update({"class": "order", "min": 1})
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")

    def items(self) -> list[dict]:
        """The rows kept, in the order asked for, as the service takes them."""
        out = []
        for form in self.ordered_forms:
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("ORDER", "DELETE")}
            if not data.get("text") and not form.has_changed():
                continue
            out.append(data)
        return out


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=2, can_order=True, can_delete=True
)
