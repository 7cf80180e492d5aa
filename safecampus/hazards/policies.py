"""Writes of a region's deadline policy: days to rectify by grade and the re-check delay.

A region's own policy wins over its ancestors' (services.policy_for); without any the
built-in defaults apply (低 3, 一般 7, 较大 15, 重大 30 days). A policy is read when a hazard
is confirmed, reopened or closed, so changing it moves no deadline already given.

Numbers are refused, not merely warned about, when a more serious grade would get less time
than a less serious one: the rectification of a major hazard is bigger work (a plan,
suspension, funding), and a ledger where a low hazard waits longer than a major one reads as
a typing mistake.
"""

from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.services import claim_version, create_record, delete_record, update_record
from safecampus.hazards.choices import DEFAULT_DEADLINE_DAYS, Grade
from safecampus.hazards.models import DeadlinePolicy

# Grades from the least to the most serious, with the policy's field for each.
DAY_FIELDS = [
    (Grade.LOW, "days_low"),
    (Grade.GENERAL, "days_general"),
    (Grade.HIGH, "days_high"),
    (Grade.MAJOR, "days_major"),
]
FIELDS = [name for _grade, name in DAY_FIELDS] + ["recheck_days"]
MAX_DAYS = 365


def default_values() -> dict:
    return {
        **{name: DEFAULT_DEADLINE_DAYS[grade] for grade, name in DAY_FIELDS},
        "recheck_days": DeadlinePolicy._meta.get_field("recheck_days").default,
    }


def values_of(policy: DeadlinePolicy) -> dict:
    """The numbers in force: the policy's own, or the built-in defaults for an unsaved one."""
    if policy.pk is None:
        return default_values()
    return {name: getattr(policy, name) for name in FIELDS}


def _require(by, action: str, node) -> None:
    from safecampus.accounts.access import can

    if by is not None and not can(by, action, DeadlinePolicy, node):
        raise NotAllowed(_("Your role does not allow this here."))


def check_values(data: dict) -> dict:
    """Whole days from 1 to 365, and never fewer days for a more serious grade."""
    errors: dict = {}
    clean = {}
    for name in FIELDS:
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DAYS:
            errors[name] = [
                _("Enter a whole number of days from 1 to %(max)s.") % {"max": MAX_DAYS}
            ]
        else:
            clean[name] = value
    if errors:
        raise ValidationError(errors)
    for (lower, low_name), (higher, high_name) in pairwise(DAY_FIELDS):
        if clean[high_name] < clean[low_name]:
            errors[high_name] = [
                _(
                    "A %(higher)s hazard cannot get fewer days than a %(lower)s one (%(days)s): more serious hazards need at least as long."
                )
                % {
                    "higher": Grade(higher).label,
                    "lower": Grade(lower).label,
                    "days": clean[low_name],
                }
            ]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def deadline_policy_save(
    *, node, by, data: dict, expected_version: int | None = None
) -> DeadlinePolicy:
    """Set a region's own deadline policy (audited). `expected_version` is the version of the
    region's own policy the editor saw, None when it had none: a policy created or changed by
    someone else in between is a conflict, never overwritten."""
    if node.is_school:
        raise ValidationError(_("A school's deadlines are set by its county or region."))
    own = DeadlinePolicy.objects.select_for_update().filter(org=node).first()
    _require(by, "add" if own is None else "change", node)
    values = check_values(data)
    if own is None:
        if expected_version is not None:
            raise ConflictError()  # the policy the editor saw was removed meanwhile
        return create_record(instance=DeadlinePolicy(org=node, **values), by=by)
    if expected_version is None:
        raise ConflictError()  # someone gave the region its own policy meanwhile
    return update_record(instance=own, by=by, data=values, expected_version=expected_version)


@transaction.atomic
def deadline_policy_delete(*, policy: DeadlinePolicy, by, expected_version: int) -> None:
    """Drop a region's own policy: its schools follow the region above (or the defaults)."""
    _require(by, "delete", policy.org)
    claim_version(policy, expected_version)  # a stale page's "remove" is a conflict
    delete_record(instance=policy, by=by)
