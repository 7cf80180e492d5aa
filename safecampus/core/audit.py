"""Writing the audit trail. Services call `audit_*` inside their transaction."""

import datetime
import decimal
import hashlib
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from safecampus.core.context import current_actor
from safecampus.core.models import AuditEntry

SKIP_FIELDS = {
    "created_at",
    "updated_at",
    "version",
    "org_path",
    "path",
    "last_child",
    "password",
    "last_login",
}


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "url"):  # files
        return value.name or None
    return value


def masked(value):
    """A secret as the trail shows it: enough to see that it changed, never the secret itself.
    A webhook URL keeps its address and loses its query (where the robots' tokens travel)."""
    if not value:
        return value
    fingerprint = hashlib.sha256(str(value).encode()).hexdigest()[:6]
    text = str(value)
    if "://" in text:
        return f"{text.split('?', 1)[0]}?…#{fingerprint}" if "?" in text else text
    if "@" in text and " " not in text:  # a mail channel's address is not a secret
        return text
    return f"******#{fingerprint}"


def snapshot(instance) -> dict:
    """The instance's own field values, as JSON-ready plain values (foreign keys as ids).
    Fields a model lists in `audit_secret_fields` are masked: the trail is read by many."""
    data = {}
    secrets = getattr(type(instance), "audit_secret_fields", ())
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in SKIP_FIELDS:
            continue
        value = _plain(getattr(instance, field.attname))
        data[field.name] = masked(value) if field.name in secrets else value
    return data


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _org_of(instance):
    org = getattr(instance, "org", None)
    return org if org is not None and getattr(org, "pk", None) else None


def audit(
    *,
    instance,
    action: str,
    by,
    changes: dict | None = None,
    transition: str = "",
    comment: str = "",
    org=None,
) -> AuditEntry:
    actor = current_actor()
    user = by if by is not None and getattr(by, "pk", None) else None
    org = org or _org_of(instance)
    return AuditEntry.objects.create(
        user=user,
        user_display=(user.display_name if user else "system")[:150],
        action=action,
        transition=transition,
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        org=org,
        org_path=org.path if org else "",
        changes=changes or {},
        comment=comment,
        ip=actor.ip,
    )


def history(instance):
    """A record's own trail, newest first."""
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
    ).select_related("user")
