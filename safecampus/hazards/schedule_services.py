"""Writes of inspection schedules: creating, editing and ending one, with the rules both the
pages and the API rely on.

A schedule belongs to a school (or a region): its spots must lie there, its checklist must be
one that serves it (the built-in library, or one defined at its node or a level above), and
its responsible person must sit at its node or above. Ending a schedule sets its last day; its
past periods and their checks stay as they were.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.accounts.roles import Role
from safecampus.core.audit import audit
from safecampus.core.errors import NotAllowed
from safecampus.core.services import create_record, update_record
from safecampus.hazards.models import Schedule


def _require(by, action: str, org) -> None:
    if by is not None and not can(by, action, Schedule, org):
        raise NotAllowed(_("Your role does not allow this here."))


def template_serves(template, org) -> bool:
    """Whether a checklist may be used by a schedule of `org`: the built-in library, or a
    template defined at `org` or a level above it."""
    return template.org_id is None or org.is_within_path(template.org_path)


def schedule_check(
    *,
    org,
    template=None,
    spots=(),
    responsible_person=None,
    responsible_role: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> None:
    """Refuse, field by field, what would make the schedule point outside its school."""
    errors: dict[str, list] = {}
    if template is not None and not template_serves(template, org):
        errors["template"] = [_("This checklist does not serve the schedule's school or region.")]
    for spot in spots or ():
        if not org.is_within_path(spot.org_path):
            errors["spots"] = [_("A spot lies outside the schedule's school or region.")]
            break
    if responsible_person is not None and not org.is_within_path(responsible_person.org_path):
        errors["responsible_person"] = [
            _("The responsible person must belong to the node or a level above it.")
        ]
    if responsible_role and responsible_role not in Role.values:
        errors["responsible_role"] = [_("Choose a role from the list.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first day.")]
    if errors:
        raise ValidationError(errors)


def _audit_spots(schedule: Schedule, by, before: list, after: list) -> None:
    """The trail names the spots (a list of ids would mean nothing to its reader)."""
    if {s.pk for s in before} != {s.pk for s in after}:
        names = ["、".join(sorted(s.name for s in spots)) for spots in (before, after)]
        audit(instance=schedule, action="update", by=by, changes={"spots": names})


@transaction.atomic
def schedule_create(*, by, spots=(), **fields) -> Schedule:
    """A new schedule (`fields` are Schedule fields, `org` among them) and its spots."""
    org = fields.get("org")
    if org is None:
        raise ValidationError({"org": [_("Choose the school.")]})
    _require(by, "add", org)
    schedule_check(
        org=org,
        template=fields.get("template"),
        spots=spots,
        responsible_person=fields.get("responsible_person"),
        responsible_role=fields.get("responsible_role", ""),
        starts_on=fields.get("starts_on"),
        ends_on=fields.get("ends_on"),
    )
    schedule = create_record(instance=Schedule(**fields), by=by)
    spots = list(spots or ())
    if spots:
        schedule.spots.set(spots)
        _audit_spots(schedule, by, [], spots)
    return schedule


@transaction.atomic
def schedule_update(
    *, schedule: Schedule, by, data: dict, expected_version: int | None, spots=None
) -> Schedule:
    """Apply `data` (Schedule fields) and, when given, the list of `spots`. A stale
    `expected_version` is refused (ConflictError) and nothing changes."""
    _require(by, "change", schedule.org)
    org = data.get("org", schedule.org)
    moved = org.pk != schedule.org_id
    if moved:
        _require(by, "add", org)
    template = data.get("template")
    keep_template = template is None or template.pk == schedule.template_id
    # Moving a schedule to another node takes its spots along: they must lie there too.
    spots_checked = list(schedule.spots.all()) if spots is None and moved else spots or ()
    schedule_check(
        org=org,
        template=None if keep_template and not moved else (template or schedule.template),
        spots=spots_checked,
        responsible_person=data.get("responsible_person", schedule.responsible_person),
        responsible_role=data.get("responsible_role", schedule.responsible_role),
        starts_on=data.get("starts_on", schedule.starts_on),
        ends_on=data.get("ends_on", schedule.ends_on),
    )
    update_record(instance=schedule, by=by, data=data, expected_version=expected_version)
    if spots is not None:
        before = list(schedule.spots.all())
        spots = list(spots)
        schedule.spots.set(spots)
        _audit_spots(schedule, by, before, spots)
        getattr(schedule, "_prefetched_objects_cache", {}).pop("spots", None)
    return schedule


def schedule_end(
    *, schedule: Schedule, by, ends_on: datetime.date, expected_version: int | None
) -> Schedule:
    """End a schedule on `ends_on` (its last day): nothing is due after it."""
    return schedule_update(
        schedule=schedule, by=by, data={"ends_on": ends_on}, expected_version=expected_version
    )
