"""Checklist templates: who may edit which, which ones a user lists, and the writes (creating,
editing, copying, publishing a new version of the items).

A template's items live in numbered versions. Editing the items never touches a version an
inspection already used: it publishes the next version and points the template at it. An edit
claims the template's `version` first, so of two people editing at once the second is refused
instead of silently replacing the first one's items. The pages and the API both write through
here, so the rules below are the same for both.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from safecampus.accounts.access import can, scope_prefixes
from safecampus.core.audit import audit
from safecampus.core.errors import NotAllowed
from safecampus.core.scoping import ALL
from safecampus.core.services import create_record, update_record
from safecampus.hazards.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from safecampus.orgs.choices import DepartmentKind

ITEM_FIELDS = (
    "text",
    "category",
    "guidance",
    "photo_required",
    "default_grade",
    "department_kinds",
)
# What a copy takes over from its original, besides the items.
COPIED_FIELDS = ("name", "description", "rhythm", "spot_kind", "source")


# ----------------------------------------------------------------------------------- reading


def may(user, action: str, org) -> bool:
    """May `user` do `action` on templates defined at `org`? The built-in library (no org) is
    system-wide, so only an unrestricted user may write it."""
    if org is None:
        return scope_prefixes(user, ChecklistTemplate, action) is ALL
    return can(user, action, ChecklistTemplate, org)


def can_edit(user, template: ChecklistTemplate) -> bool:
    return may(user, "change", template.org if template.org_id else None)


def _require(by, action: str, org) -> None:
    if by is not None and not may(by, action, org):
        raise NotAllowed(_("Your role does not allow this here."))


def templates_for(user):
    """The templates a user's pages list: those they may inspect with (the built-in library,
    their nodes', their ancestors' and those below), and the deactivated ones of their own
    subtree, so that whoever may reactivate one can still find it."""
    active = ChecklistTemplate.objects.available_to(user)
    retired = ChecklistTemplate.objects.for_user(user, "view").filter(is_active=False)
    return active | retired


def item_data(item: ChecklistItem) -> dict:
    """An item's fields as `template_publish` takes them."""
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def item_key(data: dict) -> tuple:
    """What makes two items the same item (their position aside)."""
    return (
        data.get("text", ""),
        str(data.get("category", "")),
        data.get("guidance", "") or "",
        bool(data.get("photo_required", False)),
        str(data.get("default_grade", "")),
        tuple(sorted(str(k) for k in data.get("department_kinds") or ())),
    )


def items_changed(template: ChecklistTemplate, items: list[dict]) -> bool:
    """Whether `items` differ from the template's current version (in content or order)."""
    if template.current_id is None:
        return True
    current = template.current.items.order_by("position", "id")
    return [item_key(item_data(i)) for i in current] != [item_key(i) for i in items]


def version_changes(old: list, new: list) -> dict:
    """How version `new` differs from `old` (lists of ChecklistItem): items added, removed and
    changed, an item being known by its text; and whether the order changed."""
    before = {i.text: i for i in old}
    after = {i.text: i for i in new}
    changed = [
        (before[i.text], i)
        for i in new
        if i.text in before and item_key(item_data(i)) != item_key(item_data(before[i.text]))
    ]
    kept_old = [i.text for i in old if i.text in after]
    kept_new = [i.text for i in new if i.text in before]
    return {
        "added": [i for i in new if i.text not in before],
        "removed": [i for i in old if i.text not in after],
        "changed": changed,
        "reordered": kept_old != kept_new,
    }


# ----------------------------------------------------------------------------------- writing


def _clean_items(version: ChecklistVersion, items: list[dict]) -> list[ChecklistItem]:
    """The items as unsaved rows, or a ValidationError naming each bad item (`items.<n>`)."""
    if not items:
        raise ValidationError({"items": [_("A checklist needs at least one item.")]})
    kinds = set(DepartmentKind.values)
    rows, errors = [], {}
    for position, data in enumerate(items):
        row = ChecklistItem(
            version=version,
            position=position,
            **{k: v for k, v in data.items() if k in ITEM_FIELDS},
        )
        problems = []
        try:
            row.full_clean(exclude=["version"])
        except ValidationError as exc:
            problems.extend(exc.messages)
        unknown = [k for k in row.department_kinds or () if k not in kinds]
        if unknown:
            problems.append(
                _("Unknown department kind: %(kinds)s.") % {"kinds": "、".join(map(str, unknown))}
            )
        if problems:
            errors[f"items.{position}"] = problems
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def template_publish(
    *, template: ChecklistTemplate, by, items: list[dict], note: str = ""
) -> ChecklistVersion:
    """Publish `items` (dicts of ChecklistItem fields, in order) as the template's next version.

    Callers that edit an existing template go through `template_edit`, which claims the
    template's version first."""
    last = template.versions.aggregate(last=Max("number"))["last"] or 0
    version = ChecklistVersion(
        template=template,
        number=last + 1,
        note=(note or "")[:200],
        created_by=by if getattr(by, "pk", None) else None,
    )
    rows = _clean_items(version, items)
    version.full_clean(exclude=["template"])
    version.save()
    for row in rows:
        row.version = version
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
    """A new template with its first version of items, defined at `fields["org"]`."""
    _require(by, "add", fields.get("org"))
    template = ChecklistTemplate(**fields)
    create_record(instance=template, by=by)
    template_publish(template=template, by=by, items=items, note=note)
    return template


@transaction.atomic
def template_edit(
    *,
    template: ChecklistTemplate,
    by,
    expected_version: int,
    data: dict | None = None,
    items: list[dict] | None = None,
    note: str = "",
) -> ChecklistVersion | None:
    """Change a template's own fields (`data`) and, when `items` differ from the current
    version's, publish them as a new version. Returns the new version, or None when the items
    did not change. A stale `expected_version` is refused (ConflictError) and nothing changes."""
    _require(by, "change", template.org if template.org_id else None)
    data = {k: v for k, v in (data or {}).items() if k != "org"}  # a template stays where it is
    update_record(instance=template, by=by, data=data, expected_version=expected_version)
    if items is None or not items_changed(template, items):
        return None
    return template_publish(template=template, by=by, items=items, note=note)


@transaction.atomic
def template_copy(
    *, template: ChecklistTemplate, by, org, name: str = "", note: str = ""
) -> ChecklistTemplate:
    """A new template at `org` starting from `template`'s current items (the built-in library
    or a level above, say), for a bureau to adapt. The original is left as it is."""
    if template.current_id is None:
        raise ValidationError({"items": [_("A checklist needs at least one item.")]})
    items = [item_data(i) for i in template.current.items.order_by("position", "id")]
    fields = {f: getattr(template, f) for f in COPIED_FIELDS}
    if name:
        fields["name"] = name
    note = note or _("Copied from %(name)s, version %(number)s.") % {
        "name": template.name,
        "number": template.current.number,
    }
    return template_create(by=by, items=items, note=note, org=org, **fields)
