from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """Urgent events are pushed at once; routine ones wait for the daily digest."""

    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


SEVERITY_RANK = {Severity.ROUTINE: 0, Severity.URGENT: 1}


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# A failed attempt is retried after these delays; after MAX_ATTEMPTS attempts it stays failed.
BACKOFF_MINUTES = (1, 5, 30, 120)
MAX_ATTEMPTS = 5
# A delivery claimed by a worker that died is claimable again after this long.
CLAIM_TIMEOUT_MINUTES = 10
