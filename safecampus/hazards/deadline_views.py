"""The deadline policy page: the days to rectify by grade and the re-check delay in force for a
region (its own, inherited from a region above, or the built-in defaults), and for writers a
form to give the region numbers of its own or to go back to the inherited ones.

The node is fetched through the user's scope (out of scope: 404); the policy in force is read
from the node and its ancestors by design (services.policy_for), as the workflow reads it.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safecampus.accounts.access import can
from safecampus.core.audit_views import RECORD_URLS, history_for
from safecampus.core.listing import apply_errors, require, scoped_get
from safecampus.hazards import policies, services
from safecampus.hazards.choices import (
    DEFAULT_LADDER_DAYS,
    ESCALATION_LADDER,
    GRADE_COLOUR,
    EscalationStep,
    Grade,
)
from safecampus.hazards.models import DeadlinePolicy
from safecampus.orgs import node_pages
from safecampus.orgs.models import OrgNode

NAV_KEY = "deadlines"
GET_POST = require_http_methods(["GET", "POST"])

RECORD_URLS["hazards.deadlinepolicy"] = "hazard_deadlines:policy"


def _days_field(label, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=policies.MAX_DAYS,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 1, "max": policies.MAX_DAYS}
        ),
    )


class PolicyForm(forms.Form):
    days_low = _days_field(gettext_lazy("Low (blue): days to rectify"))
    days_general = _days_field(gettext_lazy("General (yellow): days to rectify"))
    days_high = _days_field(gettext_lazy("Significant (orange): days to rectify"))
    days_major = _days_field(
        gettext_lazy("Major (red): days to rectify"),
        gettext_lazy(
            "Whole days from 1 to 365, counted from the day the hazard is confirmed. A more serious grade never gets fewer days than a less serious one (low ≤ general ≤ significant ≤ major): numbers in the other order are refused. A major hazard also needs a rectification plan when it is confirmed."
        ),
    )
    recheck_days = _days_field(
        gettext_lazy("Re-check after closing (days)"),
        gettext_lazy("A closed hazard is due for a re-check this many days after acceptance."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _require_view(user, node=None) -> None:
    node_pages.require_view(user, DeadlinePolicy, node)


def _node_url(node) -> str:
    return reverse("hazard_deadlines:node", args=[node.pk])


@login_required
def home(request):
    user = request.user
    _require_view(user)
    return redirect(_node_url(node_pages.start_node(request)))


@login_required
@GET_POST
def node_policy(request, pk):
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    _require_view(user, node)
    in_force = services.policy_for(node)
    own = in_force if in_force.pk and in_force.org_id == node.pk else None
    action = "add" if own is None else "change"
    can_edit = not node.is_school and can(user, action, DeadlinePolicy, node)
    values = policies.values_of(in_force)
    form = None
    if can_edit:
        initial = {**values, "version": own.version if own else None}
        form = PolicyForm(request.POST or None, initial=initial)
    elif request.method == "POST":
        raise PermissionDenied(_("Your role does not allow this here."))
    if request.method == "POST" and form is not None:
        require(user, action, DeadlinePolicy, node)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                policies.deadline_policy_save(
                    node=node, by=user, data=data, expected_version=form.cleaned_data["version"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Saved. Hazards of %(node)s confirmed from now on get these deadlines; deadlines already given stay as they are."
                    )
                    % {"node": node.name},
                )
                return redirect(_node_url(node))
    today = timezone.localdate()
    grades = [
        {
            "grade": grade,
            "label": Grade(grade).label,
            "colour": GRADE_COLOUR[grade],
            "days": values[name],
            "due": today + datetime.timedelta(days=values[name]),
        }
        for grade, name in reversed(policies.DAY_FIELDS)
    ]
    ladder = [
        {"label": EscalationStep(step).label, "days": DEFAULT_LADDER_DAYS[step]}
        for step in ESCALATION_LADDER
    ]
    source = in_force.org if in_force.pk else None
    return render(
        request,
        "hazards/settings/deadlines.html",
        {
            "nav_active": NAV_KEY,
            "node": node,
            "policy": in_force,
            "own": own,
            "source": source,
            "source_url": (
                _node_url(source)
                if source is not None and can(user, "view", OrgNode, source)
                else ""
            ),
            "grades": grades,
            "recheck_days": values["recheck_days"],
            "ladder": ladder,
            "today": today,
            "form": form,
            "can_remove": own is not None and can(user, "delete", DeadlinePolicy, node),
            "history": history_for(user, own) if own is not None else None,
            "picker": node_pages.picker_options(user, node),
        },
    )


@login_required
@require_POST
def policy_remove(request, pk):
    """Drop the region's own numbers: its schools follow the region above again."""
    user = request.user
    node = scoped_get(user, OrgNode, pk=pk)
    own = DeadlinePolicy.objects.filter(org=node).select_related("org").first()
    if own is None:
        raise Http404
    require(user, "delete", DeadlinePolicy, node)
    raw = request.POST.get("version", "")
    try:
        policies.deadline_policy_delete(
            policy=own, by=user, expected_version=int(raw) if raw.isdigit() else 0
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(node)s now follows the deadlines of the region above.") % {"node": node.name},
        )
    return redirect(_node_url(node))


@login_required
def policy(request, pk):
    """A policy's place (the audit trail links here): its region's deadline page."""
    row = scoped_get(request.user, DeadlinePolicy.objects.select_related("org"), pk=pk)
    return redirect(_node_url(row.org))
