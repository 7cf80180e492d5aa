"""Who hears of what happens to a hazard, and how urgently.

The hazard services call `hazard_reported(hazard)` after a report and
`hazard_moved(hazard, action, by)` after each workflow move (both inside their transaction:
what reaches the outside world is sent after commit). The escalation ladder's steps are
announced by `escalate_and_notify()`, the periodic job of notify.schedule.

A major (重大) hazard is urgent: pushed at once by email and to the group robots. Everything
else is routine: in the inbox now, by email in the daily digest. The person who made the
move is never told of their own move.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from safecampus.accounts.models import RoleAssignment
from safecampus.accounts.roles import Role
from safecampus.notify.choices import Severity
from safecampus.notify.services import notify
from safecampus.orgs.models import ancestor_paths

SCHOOL_MANAGERS = (Role.PRINCIPAL, Role.SAFETY_OFFICER)
HIGHER_LEVELS = (Role.TOWNSHIP_OFFICER, Role.BUREAU_STAFF)


def hazard_link(hazard) -> str:
    for name in ("hazards:detail", "hazards:hazard"):
        try:
            return reverse(name, args=[hazard.pk])
        except NoReverseMatch:
            continue
    return f"/hazards/{hazard.pk}/"


def severity_of(hazard) -> str:
    from safecampus.hazards.choices import Grade

    return Severity.URGENT if hazard.grade == Grade.MAJOR else Severity.ROUTINE


def holders(node, roles, *, above=False, nearest=False) -> list:
    """Active users holding one of `roles` at `node` or one of its ancestors (one query).

    `above`: only strictly above `node`. `nearest`: only those at the deepest level that has
    any (a township's officer rather than every bureau up to the province).
    """
    paths = ancestor_paths(node.path)
    if above:
        paths = paths[:-1]
    if not paths:
        return []
    rows = list(
        RoleAssignment.objects.filter(role__in=roles, org_path__in=paths, user__is_active=True)
        .select_related("user")
        .order_by("-org_path", "user_id")
    )
    if nearest and rows:
        deepest = rows[0].org_path
        rows = [r for r in rows if r.org_path == deepest]
    users, seen = [], set()
    for row in rows:
        if row.user_id not in seen:
            seen.add(row.user_id)
            users.append(row.user)
    return users


def _params(hazard) -> dict:
    return {"number": hazard.number, "school": hazard.org.name}


def _body(hazard, extra: str = ""):
    def body() -> str:
        lines = [
            _("Grade: %(grade)s · Category: %(category)s")
            % {"grade": hazard.get_grade_display(), "category": hazard.get_category_display()},
            Truncator(hazard.description).chars(200),
        ]
        if hazard.deadline:
            lines.append(_("Deadline: %(date)s") % {"date": date_format(hazard.deadline, "Y-m-d")})
        lines.append(_("Status: %(status)s") % {"status": hazard.get_status_display()})
        if extra:
            lines.append(extra)
        return "\n".join(lines)

    return body


def _send(hazard, event: str, recipients, title, *, by=None, extra: str = "", severity=None):
    by_pk = getattr(by, "pk", None)
    recipients = [u for u in recipients if u is not None and u.pk != by_pk]
    if not recipients and severity_of(hazard) == Severity.ROUTINE:
        return []
    return notify(
        event=event,
        severity=severity or severity_of(hazard),
        record=hazard,
        recipients=recipients,
        title=title,
        body=_body(hazard, extra),
        link=hazard_link(hazard),
    )


def hazard_reported(hazard) -> list:
    """A new hazard: the school's safety officers and principal; a major one also the level
    above and the bureau's leaders, who answer for it. A report from the public awaiting
    review goes to the same people."""
    from safecampus.hazards.choices import Status

    recipients = holders(hazard.org, SCHOOL_MANAGERS)
    if severity_of(hazard) == Severity.URGENT:
        recipients += holders(hazard.org, HIGHER_LEVELS, above=True, nearest=True)
        recipients += holders(hazard.org, (Role.BUREAU_LEADER,), above=True, nearest=True)
    p = _params(hazard)
    if hazard.status == Status.PENDING_REVIEW:
        title = lambda: _("A report awaits review at %(school)s: %(number)s") % p  # noqa: E731
    else:
        title = lambda: _("Hazard %(number)s reported at %(school)s") % p  # noqa: E731
    return _send(hazard, "hazard.reported", recipients, title, by=hazard.reported_by)


def _person_user(person):
    return getattr(person, "user", None) if person is not None else None


def hazard_moved(hazard, action: str, by, comment: str = "") -> list:
    """After a workflow move: tell those who must act next, or whose work it concerns."""
    p = _params(hazard)
    managers = lambda: holders(hazard.org, SCHOOL_MANAGERS)  # noqa: E731
    extra = _("Comment: %(comment)s") % {"comment": comment} if comment else ""
    if action == "admit":
        recipients = [*managers(), hazard.reported_by]
        title = lambda: _("Hazard %(number)s at %(school)s was admitted to the ledger") % p  # noqa: E731
    elif action == "dismiss":
        recipients = [hazard.reported_by]
        title = lambda: _("Report %(number)s at %(school)s was dismissed") % p  # noqa: E731
    elif action == "confirm":
        recipients = [_person_user(hazard.responsible_person), hazard.reported_by]
        title = lambda: _("Hazard %(number)s at %(school)s: rectify by the deadline") % p  # noqa: E731
    elif action == "submit":
        # The verifiers: the school's managers, or the level that took the hazard over.
        if hazard.handler_id and hazard.handler_id != hazard.org_id:
            recipients = holders(hazard.handler, (*HIGHER_LEVELS, Role.SYSADMIN), nearest=True)
        else:
            recipients = managers()
        title = lambda: _("Hazard %(number)s at %(school)s awaits your acceptance") % p  # noqa: E731
    elif action == "accept":
        recipients = [
            hazard.submitted_by,
            hazard.reported_by,
            _person_user(hazard.responsible_person),
        ]
        title = lambda: _("Hazard %(number)s at %(school)s was accepted and closed") % p  # noqa: E731
    elif action == "reject":
        recipients = [
            hazard.submitted_by,
            _person_user(hazard.responsible_person),
            *managers(),
        ]
        title = lambda: _("Rectification of hazard %(number)s at %(school)s was rejected") % p  # noqa: E731
    elif action == "escalate":
        target = hazard.handler or hazard.org.parent
        recipients = holders(target, HIGHER_LEVELS, nearest=True) if target else []
        title = lambda: _("Hazard %(number)s at %(school)s was escalated to you") % p  # noqa: E731
    elif action in ("take_over", "return", "reopen"):
        recipients = [*managers(), _person_user(hazard.responsible_person)]
        title = {
            "take_over": lambda: (
                _("Hazard %(number)s at %(school)s was taken over by a higher level") % p
            ),
            "return": lambda: _("Hazard %(number)s at %(school)s was returned to the school") % p,
            "reopen": lambda: _("Hazard %(number)s at %(school)s was reopened") % p,
        }[action]
    else:
        return []
    return _send(hazard, f"hazard.{action}", recipients, title, by=by, extra=extra)


def hazard_escalation_step(escalation) -> list:
    """An overdue hazard reached a step of the ladder: the principal and the bureau; the
    circular (通报) is the leaders' act, so they hear of it too."""
    from safecampus.hazards.choices import EscalationStep

    hazard = escalation.hazard
    bureau = (Role.BUREAU_STAFF,)
    if escalation.step == EscalationStep.CIRCULAR:
        bureau += (Role.BUREAU_LEADER,)
    recipients = holders(hazard.org, (Role.PRINCIPAL,)) + holders(
        hazard.org, bureau, above=True, nearest=True
    )
    p = {**_params(hazard)}

    def title() -> str:
        return _("Hazard %(number)s at %(school)s is overdue: %(step)s") % {
            **p,
            "step": escalation.get_step_display(),
        }

    return _send(hazard, f"hazard.overdue.{escalation.step}", recipients, title)


def escalate_and_notify(*, today=None) -> list:
    """Take the escalation steps that became due, then announce the highest new step of
    each hazard (a hazard that skipped several steps while nobody ran this gets one message)."""
    from django.db import transaction

    from safecampus.hazards.choices import ESCALATION_LADDER
    from safecampus.hazards.services import escalate_overdue

    with transaction.atomic():
        created = escalate_overdue(today=today)
        highest: dict = {}
        for step in created:
            current = highest.get(step.hazard_id)
            if current is None or ESCALATION_LADDER.index(step.step) > ESCALATION_LADDER.index(
                current.step
            ):
                highest[step.hazard_id] = step
        for step in highest.values():
            hazard_escalation_step(step)
    return created
