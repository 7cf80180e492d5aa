"""Forms of the compliance pages: the period asked, a rule's new numbers, 平安校园 awards."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from safecampus.compliance import overrides
from safecampus.compliance.models import PingAnAward
from safecampus.compliance.verdicts import parse_period
from safecampus.orgs.forms import ScopedFilterForm, node_field

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def period_of(raw: str):
    """The period a page was asked for (2026-10, 2026-Q3, 2026), None for "each rule's latest",
    or a ValueError with the message to show."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        period = parse_period(raw)
    except ValueError:
        raise ValueError(
            _("Choose a month as 2026-10, a quarter as 2026-Q3 or a year as 2026.")
        ) from None
    if len(period.key) == 10:  # a single day is not a period a page asks for
        raise ValueError(_("Choose a month as 2026-10, a quarter as 2026-Q3 or a year as 2026."))
    if period.start > timezone.localdate():
        raise ValueError(_("This period has not begun yet."))
    return period


# ------------------------------------------------------------------------------ overrides


class OverrideForm(forms.Form):
    """A rule's numbers for a region from a day on: a field per parameter, filled with the
    numbers in force, in the type of its default."""

    effective_from = forms.DateField(label=gettext_lazy("In force from"), widget=DATE)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("The document that sets the numbers, e.g. 盐教安〔2026〕12号."),
    )
    note = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)

    def __init__(self, *args, rule, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["effective_from"].initial = timezone.localdate()
        names = []
        for name, default in rule.params.items():
            kind = overrides.kind_of(default)
            value = current.get(name, default)
            help_text = _("Default: %(value)s") % {
                "value": overrides.format_value(name, default, default)
            }
            if kind == overrides.YES_NO:
                field = forms.BooleanField(required=False, initial=bool(value))
            elif kind == overrides.WHOLE:
                field = forms.IntegerField(initial=value, min_value=0)
                field.widget.attrs["inputmode"] = "numeric"
            else:
                field = forms.CharField(
                    initial=overrides.format_value(name, value, default), max_length=200
                )
                if kind == overrides.TARGETS:
                    help_text += " · " + _(
                        "Write each year and its share, e.g. 2023: 60%; 2024: 100%."
                    )
                elif kind in (overrides.SHARE, overrides.CHANGE):
                    help_text += " · " + _("A share, e.g. 85%.")
            field.label = overrides.label(name)
            field.help_text = help_text
            self.fields[f"p_{name}"] = field
            names.append(f"p_{name}")
        self.order_fields(["effective_from", *names, "document_number", "note"])

    def clean(self):
        data = super().clean()
        params = {}
        for name, default in self.rule.params.items():
            key = f"p_{name}"
            if key not in data:
                continue
            value = data[key]
            if isinstance(value, str):
                try:
                    value = overrides.parse_text(name, default, value)
                except ValidationError as exc:
                    self.add_error(key, exc.message_dict["params"])
                    continue
            params[name] = value
        if not self.errors:
            try:
                data["params"] = overrides.check_params(self.rule, params)
            except ValidationError as exc:
                self.add_error(None, exc.message_dict["params"])
        return data


class WithdrawForm(forms.Form):
    effective_from = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=300)


# ------------------------------------------------------------------------------ awards


class AwardForm(forms.Form):
    school = forms.ModelChoiceField(queryset=None, label=gettext_lazy("School"))
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=PingAnAward.Level.choices)
    awarded_on = forms.DateField(label=gettext_lazy("Awarded on"), widget=DATE)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"), required=False, max_length=50
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)

    def __init__(self, *args, user, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = node_field(user, schools, label=_("School"))


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label=gettext_lazy("Revoked on"), widget=DATE)
    note = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("E.g. 一票否决 after a major incident, with its document."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AwardFilterForm(ScopedFilterForm):
    field_order = ["node", "level", "state", "q"]

    level = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Level"),
        choices=[("", gettext_lazy("All levels")), *PingAnAward.Level.choices],
    )
    state = forms.ChoiceField(
        required=False,
        label=gettext_lazy("State"),
        choices=[
            ("", gettext_lazy("All")),
            ("in_force", pgettext_lazy("award", "In force")),
            ("revoked", gettext_lazy("Revoked")),
        ],
    )
