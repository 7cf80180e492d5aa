"""Notifications: the in-app inbox, group channels, and every outgoing delivery."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.core.models import ScopedModel, path_index
from safecampus.core.scoping import ScopedQuerySet
from safecampus.notify.choices import ChannelKind, DeliveryStatus, Severity


class Notification(models.Model):
    """One message in one person's inbox: what happened, where, how severe, and a link.

    Its node is the node of the record it is about; the inbox itself is the recipient's own,
    so it is read by recipient, never through role scopes.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=40)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.ROUTINE
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    org = models.ForeignKey(
        "orgs.OrgNode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organisation"),
    )
    org_path = models.CharField(_("organisation path"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    digest_sent_at = models.DateTimeField(_("sent in a digest at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_urgent(self) -> bool:
        return self.severity == Severity.URGENT

    @property
    def needs_acknowledgement(self) -> bool:
        return self.is_urgent and self.acknowledged_at is None


class Channel(ScopedModel):
    """A group channel of a node: a WeCom or DingTalk group robot, or a mailing address.

    It receives the events of the node's whole subtree (a county's group hears of its
    schools) at or above its minimum severity.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    target = models.CharField(
        _("webhook URL or email address"),
        max_length=500,
        help_text=_("The robot's webhook URL, or the email address of a mailing list."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk robots with signing enabled: the secret (SEC…)."),
    )
    active = models.BooleanField(_("active"), default=True)
    min_severity = models.CharField(
        _("minimum severity"), max_length=10, choices=Severity.choices, default=Severity.URGENT
    )

    # Webhook tokens and signing secrets never reach the audit trail in clear.
    audit_secret_fields = ("target", "secret")
    record_type = "channel"

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["org_path", "name"]
        indexes = path_index("channel")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError
        from django.core.validators import EmailValidator, URLValidator

        try:
            if self.kind == ChannelKind.EMAIL:
                EmailValidator()(self.target)
            else:
                URLValidator(schemes=["http", "https"])(self.target)
        except ValidationError as exc:
            raise ValidationError({"target": exc.messages}) from exc
        if self.secret and self.kind != ChannelKind.DINGTALK:
            raise ValidationError({"secret": _("Only DingTalk robots use a signing secret.")})


class Delivery(models.Model):
    """One message on its way to one address: an email to a person or a group robot post.

    Pending work is claimed with a conditional UPDATE, so two workers never send the same
    delivery; a failure is retried with backoff and stays visible to administrators.
    """

    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name=_("channel"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    address = models.CharField(_("address"), max_length=500)
    event = models.CharField(_("event"), max_length=40, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.ROUTINE
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    org = models.ForeignKey(
        "orgs.OrgNode",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organisation"),
    )
    org_path = models.CharField(_("organisation path"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    record_type = "channel"

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            *path_index("delivery"),
            # Only unfinished work is ever claimed: a partial index keeps it small.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.display_address}"

    @property
    def display_address(self) -> str:
        """An email address as is; a webhook without its query string (its access token)."""
        if self.kind == ChannelKind.EMAIL:
            return self.address
        return self.address.split("?", 1)[0]


class Digest(models.Model):
    """The daily digest sent to one person on one day: at most one, however often it runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    day = models.DateField(_("day"))
    notification = models.OneToOneField(
        Notification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("notification"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        ordering = ["-day", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"


class PeriodicRun(models.Model):
    """When each periodic job (notify.schedule) last ran; claimed with a conditional UPDATE."""

    name = models.CharField(_("job"), max_length=50, unique=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")

    def __str__(self) -> str:
        return self.name
