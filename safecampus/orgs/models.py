"""The organisation tree and the people in it.

Regions and schools are nodes of one tree, so "where a record belongs" is always one node
and "inside a subtree" is one prefix test on a materialised path.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from safecampus.core.models import ScopedModel, path_index
from safecampus.core.scoping import ScopedQuerySet
from safecampus.orgs.choices import (
    DepartmentKind,
    GroupKind,
    GroupRole,
    NodeKind,
    Ownership,
    SchoolKind,
)

SEGMENT_WIDTH = 4
REGION_DEPTH = 3  # a county: the level whose subtrees `region_index` serves
REGION_CHARS = REGION_DEPTH * (SEGMENT_WIDTH + 1) - 1  # the length of a county's path


def region_index(model_name: str, *fields: str) -> models.Index:
    """An index on (the county part of the path, `fields`…) for a model with
    `region_indexed = True`: a county's rows in `fields` order (core.lookups.Within)."""
    return models.Index(
        Left("org_path", REGION_CHARS),
        *(models.F(field) for field in fields),
        name=f"{model_name[:12]}_rg_{fields[0][:8]}_idx",
    )


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def path_segment(number: int) -> str:
    """Fixed-width base-36, so that text order is tree order and a level holds 1.6 million."""
    if not 0 < number < 36**SEGMENT_WIDTH:
        raise ValueError("node number out of range")
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
    return out.rjust(SEGMENT_WIDTH, "0")


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """The paths from the root down to `path`: "inside whose subtree is this node"."""
    parts = path.split(".") if path else []
    stop = len(parts) if include_self else len(parts) - 1
    return [".".join(parts[: i + 1]) for i in range(stop)]


class OrgNode(models.Model):
    """A region (province … village) or a school: one node of the organisation tree."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NodeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"),
        max_length=20,
        blank=True,
        help_text=_("Used in record numbers and document numbers, e.g. 盐池."),
    )
    code = models.CharField(
        _("code"),
        max_length=20,
        blank=True,
        help_text=_("Administrative division code or school identification code."),
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    last_child = models.PositiveIntegerField(_("last child number"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ScopedQuerySet.as_manager()
    record_type = "org"
    scope_path_field = "path"

    class Meta:
        verbose_name = _("organisation node")
        verbose_name_plural = _("organisation nodes")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="orgnode_path_like_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "name"], name="orgnode_parent_name_idx"),
            models.Index(fields=["kind", "path"], name="orgnode_kind_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def org(self):
        return self

    @property
    def org_id(self):
        return self.pk

    @property
    def org_path(self) -> str:
        return self.path

    @property
    def is_school(self) -> bool:
        return self.kind == NodeKind.SCHOOL

    def ancestors(self):
        """Ancestors from the root down, in one query by their paths."""
        return OrgNode.objects.filter(
            path__in=ancestor_paths(self.path, include_self=False)
        ).order_by("path")

    def descendants(self, *, include_self: bool = False):
        qs = OrgNode.objects.within(self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_within(self, other: "OrgNode") -> bool:
        return self.is_within_path(other.path)

    def is_within_path(self, path: str) -> bool:
        return self.path == path or self.path.startswith(path + ".")


class School(models.Model):
    """The profile of a school node: what the compliance rules need to know about it."""

    node = models.OneToOneField(
        OrgNode,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="school",
        verbose_name=_("organisation node"),
    )
    school_kind = models.CharField(_("school kind"), max_length=20, choices=SchoolKind.choices)
    ownership = models.CharField(
        _("ownership"), max_length=10, choices=Ownership.choices, default=Ownership.PUBLIC
    )
    boarding = models.BooleanField(_("boarding"), default=False)
    enrolment = models.PositiveIntegerField(_("enrolment"), default=0)
    boarders = models.PositiveIntegerField(_("boarding students"), default=0)
    flood_prone = models.BooleanField(
        _("mountain or flood-prone area"),
        default=False,
        help_text=_("The school must hold a flood and mudslide plan (山区、易发区)."),
    )
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    storeys = models.PositiveSmallIntegerField(
        _("storeys of the tallest teaching building"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    principal_name = models.CharField(_("principal"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "org"
    scope_path_field = "node__path"

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["node__path"]

    def __str__(self) -> str:
        return self.node.name

    @property
    def org(self):
        return self.node

    @property
    def org_path(self) -> str:
        return self.node.path

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.boarders > self.enrolment:
            raise ValidationError({"boarders": _("Boarding students cannot exceed enrolment.")})


class Department(ScopedModel):
    """A department (police station, market supervision, ...) attached to a node of the tree."""

    kind = models.CharField(_("department kind"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    record_type = "department"

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["org_path", "name"]
        indexes = path_index("department")
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="department_unique_name_per_node")
        ]

    def __str__(self) -> str:
        return self.name


class Person(ScopedModel):
    """Someone with a post: separate from login accounts, since most never log in."""

    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        verbose_name=_("department"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name=_("login account"),
    )
    notes = models.TextField(_("notes"), blank=True)

    record_type = "person"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["org_path", "name"]
        indexes = [*path_index("person"), models.Index(fields=["phone"], name="person_phone_idx")]

    def __str__(self) -> str:
        return self.name


class LeadershipGroup(ScopedModel):
    """A leadership group (领导小组) or task force (工作专班) at a node of the tree."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=GroupKind.choices, default=GroupKind.LEADERSHIP
    )
    name = models.CharField(_("name"), max_length=150)
    purpose = models.TextField(_("responsibilities"), blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)

    record_type = "leadership_group"

    class Meta:
        verbose_name = _("leadership group")
        verbose_name_plural = _("leadership groups")
        ordering = ["org_path", "name"]
        indexes = path_index("leadgroup")

    def __str__(self) -> str:
        return self.name


class LeadershipGroupMember(models.Model):
    """A seat in a group: the person, the group role, and the post and unit as printed."""

    group = models.ForeignKey(
        LeadershipGroup, on_delete=models.CASCADE, related_name="members", verbose_name=_("group")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    group_role = models.CharField(
        _("group role"), max_length=20, choices=GroupRole.choices, default=GroupRole.MEMBER
    )
    post = models.CharField(_("post"), max_length=150, blank=True)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopedQuerySet.as_manager()
    record_type = "leadership_group"
    scope_path_field = "group__org_path"

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="group_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_group_role_display()})"
