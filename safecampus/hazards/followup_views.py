"""Pages of follow-up: re-checks due (and recording one), and launching a sweep."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can_anywhere
from safecampus.core.listing import apply_errors, scoped_get
from safecampus.hazards import followup
from safecampus.hazards.choices import Category
from safecampus.hazards.models import ChecklistTemplate, Hazard, Schedule
from safecampus.orgs import selectors
from safecampus.orgs.choices import NodeKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@login_required
def rechecks(request):
    user = request.user
    if not can_anywhere(user, "view", Hazard):
        raise PermissionDenied
    rows = [
        {"hazard": h, "may": followup.may_recheck(user, h)}
        for h in followup.rechecks_due(user=user, day=timezone.localdate())
    ]
    return render(
        request,
        "hazards/followup/rechecks.html",
        {"rows": rows, "nav_active": "ledger", "title": _("Re-checks due")},
    )


@login_required
@require_POST
def recheck(request, pk):
    hazard = scoped_get(request.user, Hazard, pk=pk)
    ok = request.POST.get("ok") == "1"
    try:
        followup.recheck_record(
            hazard=hazard, by=request.user, ok=ok, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if ok:
            messages.success(request, _("Re-check recorded: effective."))
        else:
            messages.warning(
                request, _("Hazard %(number)s was reopened.") % {"number": hazard.number}
            )
    return redirect("hazard_followup:rechecks")


class SweepForm(forms.Form):
    node = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Schools under"))
    category = forms.ChoiceField(label=gettext_lazy("Hazard category"), choices=Category.choices)
    template = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Checklist"))
    due_by = forms.DateField(label=gettext_lazy("Check by"), widget=DATE_WIDGET)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=150, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = (
            selectors.nodes_where(user, "add", Schedule)
            .exclude(kind=NodeKind.SCHOOL)
            .order_by("path")
        )
        self.fields["template"].queryset = ChecklistTemplate.objects.available_to(user)
        self.fields["due_by"].initial = timezone.localdate() + datetime.timedelta(days=14)


def _may_sweep(user) -> bool:
    return selectors.nodes_where(user, "add", Schedule).exclude(kind=NodeKind.SCHOOL).exists()


@login_required
@require_http_methods(["GET", "POST"])
def sweep(request):
    user = request.user
    if not _may_sweep(user):
        raise PermissionDenied
    form = SweepForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = followup.sweep_launch(
                by=user,
                node=data["node"],
                category=data["category"],
                template=data["template"],
                due_by=data["due_by"],
                title=data["title"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Sweep launched at %(count)d schools.") % {"count": len(created)},
            )
            return redirect("hazard_followup:sweep")
    return render(
        request,
        "hazards/followup/sweep.html",
        {
            "form": form,
            "sweeps": followup.sweeps_of(user)[:200],
            "nav_active": "ledger",
            "title": _("Launch a sweep"),
        },
    )
