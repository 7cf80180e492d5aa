"""Generic writes of scoped records: validate, save, audit, in one transaction.

Domain services call these rather than `save()` directly, so that every create, update and
delete is validated the same way, refuses stale edits, and lands in the audit trail.
"""

from django.db import models, transaction
from django.db.models import F

from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import ConflictError


@transaction.atomic
def create_record(*, instance: models.Model, by, comment: str = "") -> models.Model:
    instance.full_clean()
    instance.save()
    audit(
        instance=instance,
        action="create",
        by=by,
        changes=diff({}, snapshot(instance)),
        comment=comment,
    )
    return instance


def claim_version(instance: models.Model, expected_version: int | None) -> None:
    """Bump the row's version if it is still the one the editor saw, else raise ConflictError."""
    if not hasattr(instance, "version"):
        return
    model = type(instance)
    current = instance.version if expected_version is None else expected_version
    rows = model._base_manager.filter(pk=instance.pk, version=current).update(
        version=F("version") + 1
    )
    if rows != 1:
        raise ConflictError()
    instance.version = current + 1


@transaction.atomic
def update_record(
    *,
    instance: models.Model,
    by,
    data: dict,
    expected_version: int | None = None,
    comment: str = "",
    audit_instance: models.Model | None = None,
) -> models.Model:
    """Apply `data` to `instance`. `expected_version` is the version the editor started from."""
    before = snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    claim_version(instance, expected_version)
    instance.save()
    changes = diff(before, snapshot(instance))
    if changes:
        audit(
            instance=audit_instance or instance,
            action="update",
            by=by,
            changes=changes,
            comment=comment,
        )
    return instance


@transaction.atomic
def delete_record(*, instance: models.Model, by, comment: str = "") -> None:
    before = snapshot(instance)
    audit(
        instance=instance,
        action="delete",
        by=by,
        changes=diff(before, dict.fromkeys(before)),
        comment=comment,
    )
    instance.delete()
