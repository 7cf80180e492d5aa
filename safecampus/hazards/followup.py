"""Effectiveness of rectification (ISO 45001 §10.2): re-checks after closing, and sweeps.

Re-checks due: a closed hazard whose re-check day has come, with no inspection of its spot
and no re-check record since it was closed. That rule is kept on the hazard as
`rechecked_at` by the writers (hazards/rechecks.py), so the due list is an indexed filter;
`check_rechecked()` proves the stored values equal the rule. The home page's count comes
from the re-checks rollup (`HazardRecheckRollup`), kept by the same writers. Recording a re-check is either a
normal inspection of the spot, or `recheck_record`: not effective reopens the hazard
(workflow move `reopen`), effective leaves an audit entry (transition "recheck").

A sweep (专项排查) asks every school under a node to check one hazard category by a date: one
ad-hoc schedule per school, from `starts_on` today to `ends_on` the date, so the check shows
among each school's due checks.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can, can_anywhere
from safecampus.core.audit import audit
from safecampus.core.errors import NotAllowed
from safecampus.core.services import create_record
from safecampus.hazards import rechecks, rollups, services
from safecampus.hazards.choices import Category, Rhythm, Status
from safecampus.hazards.models import ChecklistTemplate, Hazard, Schedule
from safecampus.hazards.rollup_models import HazardRecheckRollup
from safecampus.hazards.workflow import MOVES
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode

RECHECK = rechecks.RECHECK

# ------------------------------------------------------------------------------ re-checks


def rechecks_due_qs(user, day: datetime.date):
    """Closed hazards the user sees whose re-check is due on `day` and not yet done."""
    return Hazard.objects.for_user(user).filter(
        status=Status.CLOSED, recheck_on__lte=day, rechecked_at__isnull=True
    )


def check_rechecked() -> list[int]:
    """The hazards whose stored `rechecked_at` differs from the rule recomputed from the
    inspections and the audit trail: empty when the re-check list can be trusted."""
    return rechecks.check()


def rechecks_due(*, user, day: datetime.date | None = None) -> list[Hazard]:
    day = day or timezone.localdate()
    return list(
        rechecks_due_qs(user, day).select_related("org", "spot").order_by("recheck_on", "id")
    )


def may_recheck(user, hazard: Hazard) -> bool:
    return services.may_move(user, hazard, MOVES["reopen"])


@transaction.atomic
def recheck_record(*, hazard: Hazard, by, ok: bool, note: str = "") -> Hazard:
    """Record a re-check of a closed hazard: not effective reopens it, effective is audited."""
    if hazard.status != Status.CLOSED:
        raise ValidationError({"hazard": [_("Only a closed hazard is re-checked.")]})
    if not may_recheck(by, hazard):
        raise NotAllowed(_("Your role does not allow this here."))
    note = (note or "").strip()
    if not ok:
        if not note:
            raise ValidationError({"note": [_("Say what is still wrong.")]})
        comment = _("Re-check: not effective. %(note)s") % {"note": note}
        return services.hazard_move(hazard=hazard, action="reopen", by=by, comment=comment)
    entry = audit(
        instance=hazard,
        action="transition",
        transition=RECHECK,
        by=by,
        comment=note or _("Re-check: effective."),
    )
    rechecks.audited(hazard, entry.at)
    return hazard


def todo_items(user) -> list[dict]:
    """The home page's to-do of re-checks due (register in core.home.TODO_PROVIDERS)."""
    if not can_anywhere(user, "view", Hazard):
        return []
    # The count from the re-checks rollup: a province has some 100,000 due; the list behind
    # the link is `rechecks_due_qs`, the same rule.
    count = rollups.seen_total(HazardRecheckRollup, user, recheck_on__lte=timezone.localdate())
    if not count:
        return []
    return [
        {
            "label": _("Re-checks due"),
            "count": count,
            "url": reverse("hazard_followup:rechecks"),
            "severity": "due",
            "key": "hazards-rechecks",
        }
    ]


# --------------------------------------------------------------------------------- sweeps


def sweep_schools(user, node: OrgNode):
    """The schools under `node` where `user` may add schedules."""
    from safecampus.hazards.forms import schools_where

    inside = Q(path=node.path) | Q(path__startswith=node.path + ".")
    return schools_where(user, "add", Schedule).filter(inside, kind=NodeKind.SCHOOL)


@transaction.atomic
def sweep_launch(
    *,
    by,
    node: OrgNode,
    category: str,
    template: ChecklistTemplate,
    due_by: datetime.date,
    title: str = "",
) -> list[Schedule]:
    """One ad-hoc schedule per school under `node`: check `category` by `due_by`."""
    today = timezone.localdate()
    if not can(by, "add", Schedule, node):
        raise NotAllowed(_("Your role does not allow this here."))
    errors = {}
    if category not in Category.values:
        errors["category"] = [_("Choose a hazard category.")]
    if due_by < today:
        errors["due_by"] = [_("The date cannot be in the past.")]
    if not ChecklistTemplate.objects.available_to(by).filter(pk=template.pk).exists():
        errors["template"] = [_("This checklist is not available to you.")]
    schools = list(sweep_schools(by, node).order_by("path"))
    if not schools and not errors:
        errors["node"] = [_("There is no school under it.")]
    if errors:
        raise ValidationError(errors)
    title = title.strip() or _("Sweep: %(category)s, by %(date)s") % {
        "category": Category(category).label,
        "date": due_by.strftime("%Y-%m-%d"),
    }
    created = []
    for school in schools:
        schedule = Schedule(
            org=school,
            title=title[:150],
            template=template,
            rhythm=Rhythm.AD_HOC,
            starts_on=today,
            ends_on=due_by,
        )
        created.append(create_record(instance=schedule, by=by, comment=_("Sweep")))
    return created


def sweeps_of(user):
    """Ad-hoc schedules with an end date (sweeps) the user sees, newest first."""
    return (
        Schedule.objects.for_user(user)
        .filter(rhythm=Rhythm.AD_HOC, ends_on__isnull=False)
        .select_related("org", "template")
        .order_by("-starts_on", "org_path")
    )
