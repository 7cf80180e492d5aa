"""Writes to the organisation tree. Every function validates, audits and runs in a transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.services import claim_version, create_record, update_record
from safecampus.orgs.choices import ALLOWED_CHILDREN, GROUP_ROLE_ORDER, NodeKind
from safecampus.orgs.models import (
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
    path_segment,
)


def _allocate_path(parent: OrgNode | None) -> tuple[str, int]:
    """The next free path under `parent`, claimed with an atomic counter so two inserts never collide."""
    if parent is None:
        last = (
            OrgNode.objects.filter(parent__isnull=True)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        number = int(last, 36) + 1 if last else 1
        return path_segment(number), 1
    OrgNode.objects.filter(pk=parent.pk).update(last_child=F("last_child") + 1)
    parent.refresh_from_db(fields=["last_child"])
    return f"{parent.path}.{path_segment(parent.last_child)}", parent.depth + 1


def check_child_kind(parent: OrgNode | None, kind: str) -> None:
    allowed = ALLOWED_CHILDREN[parent.kind if parent else ""]
    if kind not in allowed:
        raise ValidationError(
            {
                "kind": _("A %(kind)s cannot be placed under a %(parent)s.")
                % {
                    "kind": NodeKind(kind).label,
                    "parent": NodeKind(parent.kind).label if parent else _("the top level"),
                }
            }
        )


@transaction.atomic
def node_create(
    *, parent: OrgNode | None, kind: str, name: str, by, short_name: str = "", code: str = ""
) -> OrgNode:
    check_child_kind(parent, kind)
    if OrgNode.objects.filter(parent=parent, name=name).exists():
        raise ValidationError(
            {"name": _("There is already a node named %(name)s here.") % {"name": name}}
        )
    path, depth = _allocate_path(parent)
    node = OrgNode(
        parent=parent,
        kind=kind,
        name=name,
        short_name=short_name,
        code=code,
        path=path,
        depth=depth,
    )
    return create_record(instance=node, by=by)


@transaction.atomic
def node_update(*, node: OrgNode, by, data: dict, expected_version: int | None = None) -> OrgNode:
    if (
        "name" in data
        and data["name"] != node.name
        and (
            OrgNode.objects.filter(parent=node.parent_id, name=data["name"])
            .exclude(pk=node.pk)
            .exists()
        )
    ):
        raise ValidationError(
            {"name": _("There is already a node named %(name)s here.") % {"name": data["name"]}}
        )
    allowed = {"name", "short_name", "code", "is_active"}
    return update_record(
        instance=node,
        by=by,
        data={k: v for k, v in data.items() if k in allowed},
        expected_version=expected_version,
    )


@transaction.atomic
def school_create(
    *, parent: OrgNode, name: str, by, short_name: str = "", code: str = "", **profile
) -> School:
    node = node_create(
        parent=parent, kind=NodeKind.SCHOOL, name=name, short_name=short_name, code=code, by=by
    )
    school = School(node=node, **profile)
    school.full_clean()
    school.save()
    audit(
        instance=node,
        action="update",
        by=by,
        changes=diff({}, snapshot(school)),
        comment=_("School profile"),
    )
    return school


NODE_FIELDS = {"name", "short_name", "code", "is_active"}


@transaction.atomic
def school_update(*, school: School, by, data: dict, expected_version: int | None = None) -> School:
    """Edit a school's node and profile together; the node's version guards both."""
    node = school.node
    before = {**snapshot(node), **snapshot(school)}
    for name, value in data.items():
        setattr(node if name in NODE_FIELDS else school, name, value)
    node.full_clean()
    school.full_clean()
    if (
        "name" in data
        and OrgNode.objects.filter(parent=node.parent_id, name=node.name)
        .exclude(pk=node.pk)
        .exists()
    ):
        raise ValidationError(
            {"name": _("There is already a node named %(name)s here.") % {"name": node.name}}
        )
    claim_version(node, expected_version)
    node.save()
    school.save()
    changes = diff(before, {**snapshot(node), **snapshot(school)})
    if changes:
        audit(instance=node, action="update", by=by, changes=changes)
    return school


@transaction.atomic
def group_set_members(
    *, group: LeadershipGroup, by, members: list[dict], expected_version: int | None = None
) -> list[LeadershipGroupMember]:
    """Replace a group's roster; each item is {person, group_role, post, unit}. Audited as one change.

    The roster is part of the group: saving it claims the group's version, so two people
    editing one roster cannot overwrite each other unseen.
    """
    claim_version(group, expected_version)
    before = [
        [m.person.name, m.group_role, m.post, m.unit]
        for m in group.members.select_related("person").order_by("position", "id")
    ]
    group.members.all().delete()
    ordered = sorted(
        enumerate(members), key=lambda im: (GROUP_ROLE_ORDER.get(im[1].get("group_role"), 9), im[0])
    )
    created = []
    seen = set()
    for position, (_index, item) in enumerate(ordered):
        person: Person = item["person"]
        if person.pk in seen:
            raise ValidationError(_("%(name)s is listed twice.") % {"name": person.name})
        seen.add(person.pk)
        member = LeadershipGroupMember(
            group=group,
            person=person,
            group_role=item.get("group_role") or "member",
            post=item.get("post", person.post),
            unit=item.get("unit", person.unit),
            position=position,
        )
        member.full_clean()
        created.append(member)
    LeadershipGroupMember.objects.bulk_create(created)
    after = [[m.person.name, m.group_role, m.post, m.unit] for m in created]
    group.save(update_fields=["version", "updated_at"])
    if before != after:
        audit(instance=group, action="update", by=by, changes={"members": [before, after]})
    return created
