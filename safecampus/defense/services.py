"""Writes of the inventory: a school's declaration, and an official's verification.

A declaration (the school, or the bureau entering a school's return) writes a new snapshot
with every figure. A verification (an inspector, the bureau or the police, on a visit or an
inspection) records each figure it checked as confirmed or corrected; corrections write a new
snapshot of their own, marked as verified. The school never verifies itself: whoever declares
does not confirm (separation of duties).

Each write names the snapshot the editor started from (`based_on`): if someone saved a newer
one meanwhile, the write is refused (ConflictError) rather than silently overwriting it. Each
is one transaction with one audit entry, and changes nothing when it refuses.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import assignments, can
from safecampus.accounts.roles import DEFENSE, SCHOOL_ROLES, allows
from safecampus.core.audit import audit
from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.services import create_record
from safecampus.defense.figures import BY_NAME, CANTEEN_FIGURES, NAMES, values_of
from safecampus.defense.models import InventorySnapshot, Outcome, Source, Verification


def current_snapshot(school) -> InventorySnapshot | None:
    """The school's newest snapshot (internal: callers have checked access)."""
    return InventorySnapshot.objects.filter(org=school).order_by("-recorded_at", "-id").first()


def _school(node) -> None:
    if node is None or not node.is_school:
        raise ValidationError({"org": _("The inventory belongs to a school.")})


def _check_base(school, based_on) -> InventorySnapshot | None:
    current = current_snapshot(school)
    current_id = current.pk if current is not None else None
    based_id = getattr(based_on, "pk", based_on)
    if based_id != current_id:
        raise ConflictError(
            _(
                "The inventory was updated after you opened it. Reload it to see the newest "
                "figures, then enter yours again."
            )
        )
    return current


def _plain_figures(figures: dict) -> dict:
    unknown = sorted(set(figures) - set(NAMES))
    if unknown:
        raise ValidationError(
            _("Unknown figures: %(names)s.") % {"names": ", ".join(unknown)}, code="unknown"
        )
    out = {}
    for name, value in figures.items():
        plain = BY_NAME[name].plain(value)
        if plain is None:
            raise ValidationError({name: _("Give a value.")})
        out[name] = plain
    return out


def _complete(values: dict) -> None:
    missing = [n for n in NAMES if values.get(n) is None]
    if missing:
        raise ValidationError(
            {n: _("Give a value.") for n in missing},
        )


def is_verifier(user, school) -> bool:
    """May `user` confirm or correct the figures of `school`? Officials above the school with
    "change" on the inventory (an inspector, the bureau, the police) may; the school's own
    staff may not, whatever their other roles."""
    if user is None:
        return True  # the system (imports, the demo)
    if getattr(user, "is_superuser", False):
        return True
    for a in assignments(user):
        if a.role in SCHOOL_ROLES:
            continue
        if not (school.path == a.org_path or school.path.startswith(a.org_path + ".")):
            continue
        kind = a.department.kind if a.department_id else None
        if allows(a.role, DEFENSE, "change", kind):
            return True
    return False


def verifier_of(user, school) -> tuple[str, str]:
    """(role, unit) that a verification by `user` at `school` records: the role that allows
    it, and the department (police station) or node it works for."""
    if user is None:
        return "", ""
    for a in assignments(user):
        if a.role in SCHOOL_ROLES:
            continue
        if not (school.path == a.org_path or school.path.startswith(a.org_path + ".")):
            continue
        kind = a.department.kind if a.department_id else None
        if allows(a.role, DEFENSE, "change", kind):
            unit = a.department.name if a.department_id else a.org.name
            return a.role, unit
    return ("sysadmin", "") if getattr(user, "is_superuser", False) else ("", "")


def _name(by) -> str:
    return (by.display_name if by is not None else "")[:150]


@transaction.atomic
def inventory_declare(
    *, school, by, figures: dict, based_on=None, note: str = "", at=None
) -> InventorySnapshot:
    """The school's (or the bureau's, on the school's behalf) inventory as it stands now.

    `figures` may name only some figures when the school had an inventory: the others keep
    their values. A school without a canteen records no canteen figures.
    """
    _school(school)
    if by is not None and not can(by, "add", InventorySnapshot, school):
        raise NotAllowed(_("Your role does not allow this here."))
    current = _check_base(school, based_on)
    values = values_of(current) if current is not None else {}
    values.update(_plain_figures(figures))
    if values.get("has_canteen") is False:
        values.update(dict.fromkeys(CANTEEN_FIGURES, False))
    _complete(values)
    snapshot = InventorySnapshot(
        org=school,
        recorded_at=at or timezone.now(),
        source=Source.DECLARED,
        recorded_by=by if getattr(by, "pk", None) else None,
        recorded_by_name=_name(by),
        note=note.strip(),
        **values,
    )
    return create_record(instance=snapshot, by=by, comment=note.strip())


@transaction.atomic
def inventory_verify(
    *,
    school,
    by,
    found: dict,
    based_on=None,
    inspection=None,
    note: str = "",
    at=None,
) -> tuple[list[Verification], InventorySnapshot | None]:
    """Record the figures an official checked at `school`: each one confirmed or corrected.

    `found` maps each figure checked to the value found. Returns the verification rows and the
    corrected snapshot (None when every figure was confirmed). A school with no inventory yet
    can be given one this way only if every figure was checked.
    """
    _school(school)
    if by is not None and not (can(by, "change", InventorySnapshot, school)):
        raise NotAllowed(_("Your role does not allow this here."))
    if not is_verifier(by, school):
        raise NotAllowed(
            _(
                "A school declares its own figures; an inspector, the bureau or the police "
                "confirm them."
            )
        )
    if inspection is not None and inspection.org_id != school.pk:
        raise ValidationError({"inspection": _("That inspection was of another school.")})
    checked = _plain_figures(found)
    if not checked:
        raise ValidationError(_("Tick at least one figure that you checked."), code="empty")
    current = _check_base(school, based_on)
    recorded = values_of(current) if current is not None else {}
    if current is None:
        _complete(checked)
    when = at or timezone.now()
    note = note.strip()
    corrected = {n: v for n, v in checked.items() if recorded.get(n) != v}
    correction = None
    if corrected:
        values = {**recorded, **checked}
        if values.get("has_canteen") is False:
            values.update(dict.fromkeys(CANTEEN_FIGURES, False))
        correction = InventorySnapshot(
            org=school,
            recorded_at=when,
            source=Source.VERIFIED,
            recorded_by=by if getattr(by, "pk", None) else None,
            recorded_by_name=_name(by),
            inspection=inspection,
            note=note,
            **values,
        )
        comment = _("Corrected on verification: %(figures)s.") % {
            "figures": "、".join(str(BY_NAME[n].label) for n in corrected)
        }
        create_record(instance=correction, by=by, comment=f"{comment} {note}".strip())
        if current is None:
            current = correction
    else:
        audit(
            instance=current,
            action="transition",
            transition="verify",
            by=by,
            changes={n: [recorded.get(n), v] for n, v in checked.items()},
            comment=note,
        )
    role, unit = verifier_of(by, school)
    rows = [
        Verification(
            org=school,
            org_path=school.path,
            snapshot=current,
            correction=correction,
            figure=name,
            recorded_value=recorded.get(name),
            found_value=value,
            outcome=Outcome.CORRECTED if name in corrected else Outcome.CONFIRMED,
            verified_at=when,
            verified_by=by if getattr(by, "pk", None) else None,
            verified_by_name=_name(by),
            verifier_role=role,
            verifier_unit=unit,
            inspection=inspection,
            note=note,
        )
        for name, value in ((n, checked[n]) for n in NAMES if n in checked)
    ]
    Verification.objects.bulk_create(rows)
    return rows, correction
