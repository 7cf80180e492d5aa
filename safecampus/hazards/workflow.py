"""The hazard workflow: one table of moves, read by the service, the API and the pages.

Each move names the states it starts from, the state it leads to, the roles that may make
it, and the evidence it needs. A role counts only when the user holds it at the hazard's
school or above; `take_over` and `return` need a level above the school.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from safecampus.accounts.roles import Role
from safecampus.hazards.choices import Status

SCHOOL_MANAGERS = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER})
HIGHER_LEVELS = frozenset({Role.TOWNSHIP_OFFICER, Role.BUREAU_STAFF, Role.SYSADMIN})
VERIFIERS = SCHOOL_MANAGERS | HIGHER_LEVELS | {Role.INSPECTOR}


@dataclass(frozen=True)
class Move:
    action: str
    label: object
    sources: tuple[str, ...]
    target: str
    roles: frozenset
    needs: tuple[str, ...] = ()
    above_school: bool = False  # the mover's role must sit above the school
    not_the_submitter: bool = False  # separation of duties


MOVES: dict[str, Move] = {
    m.action: m
    for m in [
        Move(
            "admit",
            _("Admit to the ledger"),
            (Status.PENDING_REVIEW,),
            Status.REPORTED,
            SCHOOL_MANAGERS | HIGHER_LEVELS,
        ),
        Move(
            "dismiss",
            _("Dismiss"),
            (Status.PENDING_REVIEW,),
            Status.DISMISSED,
            SCHOOL_MANAGERS | HIGHER_LEVELS,
            needs=("comment",),
        ),
        Move(
            "confirm",
            _("Confirm and assign"),
            (Status.REPORTED,),
            Status.RECTIFYING,
            SCHOOL_MANAGERS | HIGHER_LEVELS,
            needs=("grade", "responsible_person", "measures"),
        ),
        Move(
            "submit",
            _("Submit rectification"),
            (Status.RECTIFYING,),
            Status.SUBMITTED,
            SCHOOL_MANAGERS | HIGHER_LEVELS | {Role.TEACHER, Role.GUARD},
            needs=("rectification",),
        ),
        Move(
            "accept",
            _("Accept and close"),
            (Status.SUBMITTED,),
            Status.CLOSED,
            VERIFIERS,
            not_the_submitter=True,
        ),
        Move(
            "reject",
            _("Reject"),
            (Status.SUBMITTED,),
            Status.RECTIFYING,
            VERIFIERS,
            needs=("comment",),
            not_the_submitter=True,
        ),
        Move(
            "escalate",
            _("Escalate"),
            (Status.REPORTED, Status.RECTIFYING),
            Status.ESCALATED,
            SCHOOL_MANAGERS | {Role.TOWNSHIP_OFFICER},
            needs=("comment",),
        ),
        Move(
            "take_over",
            _("Take over"),
            (Status.ESCALATED,),
            Status.RECTIFYING,
            HIGHER_LEVELS,
            above_school=True,
        ),
        Move(
            "return",
            _("Return to the school"),
            (Status.ESCALATED,),
            Status.RECTIFYING,
            HIGHER_LEVELS,
            needs=("comment",),
            above_school=True,
        ),
        Move(
            "reopen",
            _("Reopen"),
            (Status.CLOSED,),
            Status.RECTIFYING,
            VERIFIERS,
            needs=("comment",),
        ),
    ]
}


def moves_from(status: str) -> list[Move]:
    return [m for m in MOVES.values() if status in m.sources]
