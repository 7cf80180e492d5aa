"""Forms of the inventory: the school's declaration (one column on a phone, grouped
人防/物防/技防) and an official's verification (for each figure: checked or not, value found).

Both carry the id of the snapshot the editor started from (`based_on`), so a save that comes
after someone else's is refused instead of overwriting it.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.defense.figures import FIGURES, HOURS, METRES, YESNO, grouped

YES_NO = ((True, gettext_lazy("Yes")), (False, gettext_lazy("No")))


def _coerce_bool(value):
    if isinstance(value, bool):
        return value
    return str(value) in {"True", "true", "1", "on"}


def figure_field(figure, *, required: bool = True) -> forms.Field:
    common = {"label": figure.label, "help_text": figure.help, "required": required}
    if figure.kind == YESNO:
        return forms.TypedChoiceField(
            choices=YES_NO,
            coerce=_coerce_bool,
            widget=forms.RadioSelect(attrs={"class": "yes-no"}),
            empty_value=None,
            **common,
        )
    if figure.kind == METRES:
        return forms.DecimalField(
            min_value=0,
            max_value=10,
            max_digits=4,
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            **common,
        )
    top = 24 if figure.kind == HOURS else 9999
    return forms.IntegerField(
        min_value=0,
        max_value=top,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **common,
    )


class BasedOnMixin:
    def add_based_on(self, based_on):
        self.fields["based_on"] = forms.IntegerField(
            required=False, widget=forms.HiddenInput, initial=based_on
        )


class InventoryForm(BasedOnMixin, forms.Form):
    """Every figure of the inventory, as the school declares it."""

    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What changed, e.g. a new guard hired in March."),
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        note = self.fields.pop("note")
        for figure in FIGURES:
            self.fields[figure.name] = figure_field(figure)
            if current is not None:
                self.fields[figure.name].initial = getattr(current, figure.name)
        self.fields["note"] = note
        self.add_based_on(current.pk if current is not None else None)

    def groups(self):
        return [
            {"key": key, "label": label, "fields": [self[f.name] for f in members]}
            for key, label, members in grouped()
        ]

    def figures(self) -> dict:
        return {f.name: self.cleaned_data[f.name] for f in FIGURES}


class VerifyForm(BasedOnMixin, forms.Form):
    """For each figure, whether it was checked on this visit and the value found."""

    inspection = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("During inspection"),
        help_text=gettext_lazy("The inspection these checks were part of, if any."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, current=None, inspections=None, checked=(), suggested=None, **kw):
        super().__init__(*args, **kw)
        suggested = suggested or {}
        self.fields["inspection"].queryset = inspections
        self.fields["inspection"].label_from_instance = _inspection_label
        for figure in FIGURES:
            check = forms.BooleanField(required=False, label=_("Checked"))
            check.initial = figure.name in checked
            value = figure_field(figure, required=False)
            if figure.name in suggested:
                value.initial = suggested[figure.name]
            elif current is not None:
                value.initial = getattr(current, figure.name)
            self.fields[f"check_{figure.name}"] = check
            self.fields[f"value_{figure.name}"] = value
        self.add_based_on(current.pk if current is not None else None)

    def rows(self, current=None, answers=None):
        answers = answers or {}
        out = []
        for key, label, members in grouped():
            out.append(
                {
                    "key": key,
                    "label": label,
                    "rows": [
                        {
                            "figure": f,
                            "check": self[f"check_{f.name}"],
                            "value": self[f"value_{f.name}"],
                            "recorded": f.display(getattr(current, f.name))
                            if current is not None
                            else "—",
                            "answers": answers.get(f.name, []),
                        }
                        for f in members
                    ],
                }
            )
        return out

    def clean(self):
        data = super().clean()
        found = {}
        for figure in FIGURES:
            if not data.get(f"check_{figure.name}"):
                continue
            value = data.get(f"value_{figure.name}")
            if value is None:
                self.add_error(f"value_{figure.name}", _("Give the value you found."))
                continue
            found[figure.name] = value
        if not found and not self.errors:
            raise forms.ValidationError(_("Tick at least one figure that you checked."))
        self.found = found
        return data


def _inspection_label(inspection) -> str:
    from django.utils import timezone

    when = timezone.localtime(inspection.inspected_at)
    return f"{when:%Y-%m-%d} {inspection.checklist.template.name} · {inspection.signed_name}"
