"""Login accounts and their role assignments, each a (role, organisation node) pair."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.roles import Role
from safecampus.core.models import path_index
from safecampus.core.scoping import ScopedQuerySet


class UserQuerySet(ScopedQuerySet):
    pass


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An account. Its home node scopes who may administer it; its roles scope what it sees."""

    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True, blank=True)
    org = models.ForeignKey(
        "orgs.OrgNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("home organisation"),
    )
    org_path = models.CharField(_("organisation path"), max_length=255, blank=True, editable=False)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )
    failed_logins = models.PositiveSmallIntegerField(
        _("failed logins in a row"), default=0, editable=False
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, editable=False)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ScopedUserManager()
    record_type = "user"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        indexes = path_index("user")

    def save(self, *args, **kwargs):
        self.org_path = self.org.path if self.org_id else ""
        if self.phone == "":
            self.phone = None
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return (self.last_name + self.first_name) or self.username

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class RoleAssignment(models.Model):
    """A role at a node: the role's rights inside the node's subtree."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    org = models.ForeignKey(
        "orgs.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("organisation path"), max_length=255, editable=False)
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
        help_text=_("For department liaisons: the department whose kind of records they see."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "user"

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "org_path", "role"]
        indexes = path_index("roleassign")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="role_assignment_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.org}"

    def save(self, *args, **kwargs):
        self.org_path = self.org.path
        super().save(*args, **kwargs)

    def clean(self):
        if self.role == Role.DEPARTMENT_LIAISON and not self.department_id:
            raise ValidationError({"department": _("A department liaison needs a department.")})
        if self.department_id and self.org_id and self.department.org_id != self.org_id:
            raise ValidationError(
                {"department": _("The department must be attached to the assignment's node.")}
            )
