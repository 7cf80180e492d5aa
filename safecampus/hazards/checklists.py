"""Writes of checklist templates: creating one, and publishing a new version of its items.

A template's items live in numbered versions. Editing the items never touches a version an
inspection already used: it publishes the next version and points the template at it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from safecampus.core.audit import audit
from safecampus.core.services import create_record
from safecampus.hazards.models import ChecklistItem, ChecklistTemplate, ChecklistVersion

ITEM_FIELDS = (
    "text",
    "category",
    "guidance",
    "photo_required",
    "default_grade",
    "department_kinds",
)


@transaction.atomic
def template_publish(
    *, template: ChecklistTemplate, by, items: list[dict], note: str = ""
) -> ChecklistVersion:
    """Publish `items` (dicts of ChecklistItem fields, in order) as the template's next version."""
    if not items:
        raise ValidationError({"items": [_("A checklist needs at least one item.")]})
    last = template.versions.aggregate(last=Max("number"))["last"] or 0
    version = ChecklistVersion(
        template=template,
        number=last + 1,
        note=(note or "")[:200],
        created_by=by if getattr(by, "pk", None) else None,
    )
    version.full_clean(exclude=["template"])
    version.save()
    rows = []
    errors: dict = {}
    for position, data in enumerate(items):
        row = ChecklistItem(
            version=version,
            position=position,
            **{k: v for k, v in data.items() if k in ITEM_FIELDS},
        )
        try:
            row.full_clean(exclude=["version"])
        except ValidationError as exc:
            errors[f"items.{position}"] = exc.messages
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    ChecklistItem.objects.bulk_create(rows)
    previous = template.current_id
    template.current = version
    template.save(update_fields=["current", "updated_at"])
    audit(
        instance=template,
        action="update",
        by=by,
        changes={"current": [previous, version.pk]},
        comment=version.note,
        org=template.org,
    )
    return version


@transaction.atomic
def template_create(*, by, items: list[dict], note: str = "", **fields) -> ChecklistTemplate:
    """A new template with its first version of items."""
    template = ChecklistTemplate(**fields)
    create_record(instance=template, by=by)
    template_publish(template=template, by=by, items=items, note=note)
    return template
