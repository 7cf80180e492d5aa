"""The base of every domain record: where it belongs in the tree, and its audit trail."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.core.scoping import ScopedQuerySet


class ScopedModel(models.Model):
    """A record that belongs to one node of the organisation tree.

    `org_path` copies the node's materialised path so that "inside the user's scope" is one
    indexed prefix test on this table, without a join. `version` counts saves: an update
    names the version it started from, and a stale one is refused rather than overwriting.
    """

    org = models.ForeignKey(
        "orgs.OrgNode", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = models.CharField(
        _("organisation path"), max_length=255, editable=False, db_index=False
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    # The record type named in the role table (accounts.roles); subclasses set it.
    record_type: str = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.org_id is not None and (not self.org_path or self._org_changed()):
            self.org_path = self.org.path
        super().save(*args, **kwargs)

    def _org_changed(self) -> bool:
        cached = self._state.fields_cache.get("org")
        return cached is not None and cached.path != self.org_path


def path_index(model_name: str) -> list[models.Index]:
    """The subtree index for a scoped table: pattern ops on PostgreSQL, plain on SQLite."""
    return [
        models.Index(
            fields=["org_path"],
            name=f"{model_name}_org_path_idx",
            opclasses=["varchar_pattern_ops"],
        )
    ]


class AuditQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """One change to a record: append-only, so the people it holds accountable can trust it.

    It is scoped by the node of the record it describes, so a county sees the trail of its
    subtree and a school its own.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Workflow move")
        VIEW = "view", _("Viewed")
        LOGIN = "login", _("Login")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    user_display = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    transition = models.CharField(_("workflow move"), max_length=50, blank=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=255)
    org = models.ForeignKey(
        "orgs.OrgNode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    org_path = models.CharField(_("organisation path"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()
    record_type = "audit"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="audit_record_idx"),
            models.Index(fields=["user", "at"], name="audit_user_idx"),
            *path_index("audit"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_display} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class Attachment(ScopedModel):
    """A photo attached to a record (a hazard before/after, an inspection answer, ...).

    Images are re-encoded on upload (see core.attachments), so what is stored is always a
    plain JPEG of bounded size, whatever the phone sent.
    """

    token = models.UUIDField(_("token"), unique=True, editable=False)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=200)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    record_type = "attachment"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "kind"], name="attachment_record_idx"
            ),
            *path_index("attachment"),
        ]

    def __str__(self) -> str:
        return self.file.name
