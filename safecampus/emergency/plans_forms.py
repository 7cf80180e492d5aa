"""Forms of the plan pages. The rules (what an approved plan may still change, who may be
named, what a document must be) are the services' (emergency.plans); the forms offer only
what the user may choose and keep what was typed when the service refuses."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from safecampus.core.attachments import MAX_DOCUMENT_BYTES
from safecampus.core.listing import VersionedModelForm
from safecampus.emergency import required
from safecampus.emergency.choices import PlanStatus, Scenario
from safecampus.emergency.models import EmergencyPlan
from safecampus.emergency.plans import APPROVED_EDITABLE, DRAFT_EDITABLE
from safecampus.orgs import selectors
from safecampus.orgs.choices import SchoolKind
from safecampus.orgs.forms import ScopedFilterForm, node_field, preselect_single_node
from safecampus.orgs.models import Person, ancestor_paths

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOCUMENT_ACCEPT = ".pdf,.doc,.docx,.odt"


def nodes_for_plans(user, action: str = "add"):
    return selectors.nodes_where(user, action, EmergencyPlan)


def people_for(user, org):
    """People the plan of `org` may name: of its node or a level above, as the user sees them."""
    return (
        Person.objects.for_user(user)
        .filter(org_path__in=ancestor_paths(org.path))
        .select_related("org")
        .order_by("-org_path", "name")
    )


def document_help() -> str:
    return gettext(
        "PDF, Word (DOC, DOCX) or ODT, up to %(mb)d MB. Choose it again if the form shows an error."
    ) % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)}


class DocumentField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Plan document"))
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}))
        super().__init__(**kwargs)


# ---------------------------------------------------------------------------------- lists


class PlanFilterForm(ScopedFilterForm):
    scenario = forms.ChoiceField(required=False, label=pgettext_lazy("plan", "Scenario"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    review = forms.ChoiceField(required=False, label=_("Review"))

    field_order = ["node", "scenario", "status", "review", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["node"].label = _("School or region")
        self.fields["scenario"].choices = [("", _("All scenarios")), *Scenario.choices]
        self.fields["status"].choices = [
            ("", _("In force and drafts")),
            *PlanStatus.choices,
            ("all", _("All, retired included")),
        ]
        self.fields["review"].choices = [
            ("", _("Any")),
            ("overdue", _("Review overdue")),
            ("soon", _("Review due within 60 days")),
        ]


class GapFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(required=False, label=_("Gap"))
    scenario = forms.ChoiceField(required=False, label=pgettext_lazy("plan", "Scenario"))
    school_kind = forms.ChoiceField(required=False, label=_("School kind"))

    field_order = ["node", "kind", "scenario", "school_kind", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["node"].label = _("Region")
        self.fields["q"].label = _("School name")
        self.fields["kind"].choices = [("", _("All gaps")), *required.GAP_KINDS.items()]
        self.fields["scenario"].choices = [("", _("All scenarios")), *Scenario.choices]
        self.fields["school_kind"].choices = [("", _("All kinds")), *SchoolKind.choices]


# ---------------------------------------------------------------------------------- edits


class OrgChoiceForm(forms.Form):
    """Step one of a new plan when the page was not opened for a school or region."""

    org = forms.ModelChoiceField(queryset=None, label=_("School or region"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"] = node_field(
            user, nodes_for_plans(user, "add"), label=_("School or region")
        )
        preselect_single_node(self)


class PlanForm(VersionedModelForm):
    """A plan's own fields. On an approved plan only the approval record and the review date
    are open; the rest is shown but fixed (a new edition changes it)."""

    document = DocumentField()

    class Meta:
        model = EmergencyPlan
        fields = [
            "scenario",
            "title",
            "edition",
            "covers_night",
            "summary",
            "approved_by_name",
            "approved_on",
            "review_due",
        ]
        widgets = {
            "approved_on": DATE_WIDGET,
            "review_due": DATE_WIDGET,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "scenario": pgettext_lazy("plan", "Scenario"),
            "summary": pgettext_lazy("plan", "Summary"),
        }
        help_texts = {
            "title": _("Leave empty for the usual title, e.g. 某某小学火灾应急预案."),
        }

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["title"].required = False
        approved = self.instance.pk and self.instance.status == PlanStatus.APPROVED
        editable = APPROVED_EDITABLE if approved else DRAFT_EDITABLE
        for name in list(self.fields):
            if name in ("version", "document"):
                continue
            if name not in editable:
                if approved:
                    self.fields[name].disabled = True
                else:
                    del self.fields[name]
        if approved:
            del self.fields["document"]
            for name in ("approved_by_name", "approved_on"):
                self.fields[name].required = True
        else:
            self.fields["document"].help_text = document_help()

    def service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self._meta.fields
            if name in self.fields and not self.fields[name].disabled
        }


class ContactForm(forms.Form):
    duty = forms.CharField(label=_("Duty"), max_length=60, required=False)
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), label=_("Person"), required=False
    )
    name = forms.CharField(label=_("Or name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, people=None, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            field = self.fields["person"]
            field.queryset = people
            field.empty_label = _("— (write a name)")
            field.label_from_instance = lambda p: (
                (f"{p.name}（{p.post}）" if p.post else p.name)
                + ("" if org is None or p.org_id == org.pk else f" · {p.org.name}")
            )


class BaseContactFormSet(forms.BaseFormSet):
    def __init__(self, *args, people=None, org=None, **kwargs):
        super().__init__(*args, form_kwargs={"people": people, "org": org}, **kwargs)

    def contacts(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


ContactFormSet = forms.formset_factory(
    ContactForm, formset=BaseContactFormSet, extra=3, can_delete=True, max_num=60
)
CONTACT_PREFIX = "c"


class ApproveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    approved_by_name = forms.CharField(
        label=_("Approved by"),
        max_length=50,
        help_text=_("Who approved it: the principal, or a meeting (校长办公会)."),
    )
    approved_on = forms.DateField(label=_("Approved on"), widget=DATE_WIDGET)
    review_due = forms.DateField(
        label=_("Review due"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty for one year after approval."),
    )
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_on"].initial = timezone.localdate()


class NewEditionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    edition = forms.CharField(
        label=_("New edition"), max_length=30, help_text=_("For example 2027年修订版.")
    )
    title = forms.CharField(
        label=_("Title"), max_length=150, required=False, help_text=_("Leave empty to keep it.")
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["edition"].initial = f"{year}年修订版"
        self.fields["title"].initial = plan.title


class RetireForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the plan is no longer in force. It stays on file."),
    )
