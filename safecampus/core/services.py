"""Generic writes of scoped records: validate, save, audit, in one transaction.

Domain services call these rather than `save()` directly, so that every create, update and
delete is validated the same way, refuses stale edits, and lands in the audit trail.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import ConflictError


def _loaded_relations(instance: models.Model) -> list[str]:
    """Foreign keys whose row the caller already holds (read through a scoped query moments
    ago): `full_clean` would query each again to see that it exists. The database's own
    foreign-key constraint still guards them; a key with `limit_choices_to` is checked."""
    return [
        f.name
        for f in instance._meta.concrete_fields
        if f.many_to_one
        and f.is_cached(instance)
        and not f.get_limit_choices_to()
        and getattr(instance, f.attname) is not None
    ]


def _full_clean(instance: models.Model) -> None:
    """`full_clean`, except that relations already loaded are not fetched again; their
    unique and other constraints are still checked (excluding them from `full_clean` would
    skip those too). Mirrors Django's order: fields, clean(), then unique and constraints
    over the fields that were valid."""
    errors: dict = {}
    try:
        instance.clean_fields(exclude=_loaded_relations(instance))
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as e:
        errors = e.update_error_dict(errors)
    failed = set(errors)
    for check in (instance.validate_unique, instance.validate_constraints):
        try:
            check(exclude=failed)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_record(*, instance: models.Model, by, comment: str = "") -> models.Model:
    _full_clean(instance)
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
