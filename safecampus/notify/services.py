"""Writes of the notifications capability: notify, deliver, retry, read and acknowledge.

`notify()` is what other capabilities call. It writes in-app notifications at once, queues
deliveries for urgent events (email to each recipient, a post to each group channel of the
record's node and its ancestors), and after the transaction commits enqueues the
`deliver_pending` task, so a worker process, never the request, talks to the outside world.
"""

import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.core.audit import audit
from safecampus.core.errors import NotAllowed
from safecampus.core.services import create_record, update_record
from safecampus.notify import channels as transports
from safecampus.notify.choices import (
    BACKOFF_MINUTES,
    CLAIM_TIMEOUT_MINUTES,
    MAX_ATTEMPTS,
    SEVERITY_RANK,
    ChannelKind,
    DeliveryStatus,
    Severity,
)
from safecampus.notify.models import Channel, Delivery, Notification
from safecampus.orgs.models import ancestor_paths

logger = logging.getLogger(__name__)

Text = str | Callable[[], str]  # a callable is evaluated in each recipient's language


# ------------------------------------------------------------------------------ messages


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def absolute_url(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return site_url() + ("" if link.startswith("/") else "/") + link


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def render(value) -> str:
    if value is None:
        return ""
    return str(value() if callable(value) else value)


def place_of(org) -> str:
    """Where: the node's name after its parent's (a school after its township)."""
    if org is None:
        return ""
    parent = getattr(org, "parent", None)
    return f"{parent.name} {org.name}" if parent is not None else org.name


def severity_label(severity: str) -> str:
    return str(Severity(severity).label)


def email_subject(*, title: str, severity: str) -> str:
    return _("[%(brand)s · %(severity)s] %(title)s") % {
        "brand": _("Safe Campus"),
        "severity": severity_label(severity),
        "title": title,
    }


def email_text(*, title: str, body: str, severity: str, place: str, url: str) -> str:
    lines = [title, ""]
    if place:
        lines.append(_("Where: %(place)s") % {"place": place})
    lines.append(_("Severity: %(severity)s") % {"severity": severity_label(severity)})
    if body:
        lines += ["", body]
    if url:
        lines += ["", _("Open: %(url)s") % {"url": url}]
    return "\n".join(lines) + "\n"


def markdown_text(*, title: str, body: str, severity: str, place: str, url: str) -> str:
    lines = [f"### 【{severity_label(severity)}】{title}"]
    if place:
        lines.append("> " + _("Where: %(place)s") % {"place": place})
    lines.append("> " + _("Severity: %(severity)s") % {"severity": severity_label(severity)})
    if body:
        lines += ["", body]
    if url:
        label = _("Open it")
        lines += ["", f"[{label}]({url})"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ notify


def _org_of(record):
    if record is None:
        return None
    org = getattr(record, "org", None)
    return org if getattr(org, "pk", None) else None


def channels_for(org, severity: str) -> list[Channel]:
    """Active channels of the node and its ancestors that take events of this severity."""
    if org is None:
        return []
    rank = SEVERITY_RANK[severity]
    return [
        c
        for c in Channel.objects.filter(active=True, org_path__in=ancestor_paths(org.path))
        if SEVERITY_RANK[c.min_severity] <= rank
    ]


def notify(
    *,
    event: str,
    severity: str,
    record,
    recipients: Iterable,
    title: Text,
    body: Text = "",
    link: str = "",
) -> list[Notification]:
    """Tell `recipients` that `event` happened to `record`.

    `title` and `body` are strings, or callables evaluated in each recipient's language (use
    gettext inside them). Urgent: email each recipient who has an address and post to the
    group channels at once. Routine: in-app now, by email in the daily digest; channels that
    opted in to routine events (min severity "routine") get them at once too.
    """
    severity = Severity(severity)
    org = _org_of(record)
    place = place_of(org)
    url = absolute_url(link)
    seen: set[int] = set()
    users = []
    for user in recipients:
        if user is not None and user.pk not in seen and user.is_active:
            seen.add(user.pk)
            users.append(user)

    notifications, emails = [], []
    for user in users:
        with translation.override(language_of(user)):
            title_text, body_text = render(title)[:200], render(body)
            notification = Notification(
                recipient=user,
                event=event,
                severity=severity,
                title=title_text,
                body=body_text,
                link=link,
                org=org,
                org_path=org.path if org else "",
            )
            notifications.append(notification)
            if severity == Severity.URGENT and user.email:
                emails.append(
                    (
                        notification,
                        {
                            "kind": ChannelKind.EMAIL,
                            "address": user.email,
                            "subject": email_subject(title=title_text, severity=severity)[:255],
                            "body": email_text(
                                title=title_text,
                                body=body_text,
                                severity=severity,
                                place=place,
                                url=url,
                            ),
                        },
                    )
                )
    with transaction.atomic():
        Notification.objects.bulk_create(notifications)
        now = timezone.now()
        common = {
            "event": event,
            "severity": severity,
            "org": org,
            "org_path": org.path if org else "",
            "next_attempt_at": now,
        }
        deliveries = [Delivery(notification=n, **e, **common) for n, e in emails]
        group = channels_for(org, severity)
        if group:
            with translation.override(settings.LANGUAGE_CODE):
                title_text, body_text = render(title)[:200], render(body)
                for channel in group:
                    if channel.kind == ChannelKind.EMAIL:
                        subject = email_subject(title=title_text, severity=severity)
                        text = email_text(
                            title=title_text,
                            body=body_text,
                            severity=severity,
                            place=place,
                            url=url,
                        )
                    else:
                        subject = title_text
                        text = markdown_text(
                            title=title_text,
                            body=body_text,
                            severity=severity,
                            place=place,
                            url=url,
                        )
                    deliveries.append(
                        Delivery(
                            channel=channel,
                            kind=channel.kind,
                            address=channel.target,
                            subject=subject[:255],
                            body=text,
                            **common,
                        )
                    )
        if deliveries:
            Delivery.objects.bulk_create(deliveries)
            transaction.on_commit(kick)
    return notifications


def kick() -> None:
    """Enqueue the delivery task; if the queue is down, the periodic run picks the work up."""
    from safecampus.notify.tasks import deliver_pending

    try:
        deliver_pending.enqueue()
    except Exception:
        logger.exception("could not enqueue notify.deliver_pending; the periodic run will send")


# ------------------------------------------------------------------------------ delivering


def _due(now: datetime.datetime) -> Q:
    stale = now - datetime.timedelta(minutes=CLAIM_TIMEOUT_MINUTES)
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=stale
    )


def claim(delivery_id: int, now: datetime.datetime | None = None) -> bool:
    """Take one due delivery for this worker: a conditional UPDATE that only one can win."""
    now = now or timezone.now()
    return (
        Delivery.objects.filter(_due(now), pk=delivery_id).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(
        minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1]
    )


def deliver(delivery: Delivery) -> bool:
    """Send a delivery this worker has claimed and record the outcome. True if it was sent."""
    now = timezone.now()
    try:
        transports.send(delivery)
    except Exception as exc:
        error = str(exc) if isinstance(exc, transports.DeliveryError) else repr(exc)
        final = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
            last_error=error[:2000],
            next_attempt_at=None if final else now + backoff(delivery.attempts),
            claimed_at=None,
        )
        logger.warning("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
        return False
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None, claimed_at=None
    )
    return True


def deliver_pending(*, limit: int = 200) -> dict:
    """Claim and send every due delivery (up to `limit`); returns counts."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(_due(now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for delivery_id in ids:
        if not claim(delivery_id, now):
            counts["skipped"] += 1  # another worker has it
            continue
        delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
        counts["sent" if deliver(delivery) else "failed"] += 1
    return counts


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by) -> Delivery:
    """Retry now (an administrator's button): due at once, with one more attempt if spent."""
    from safecampus.accounts.access import can

    if delivery.org is not None and not can(by, "change", Delivery, delivery.org):
        raise NotAllowed(_("Your role does not allow this here."))
    if delivery.org is None and not getattr(by, "is_superuser", False):
        raise NotAllowed(_("Your role does not allow this here."))
    if delivery.status == DeliveryStatus.SENT:
        return delivery
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=timezone.now(),
        attempts=min(delivery.attempts, MAX_ATTEMPTS - 1),
        claimed_at=None,
    )
    delivery.refresh_from_db()
    audit(instance=delivery, action="update", by=by, comment="retry", org=delivery.org)
    transaction.on_commit(kick)
    return delivery


# ------------------------------------------------------------------------------ inbox


def notification_read(*, notification: Notification, by) -> Notification:
    if notification.recipient_id != by.pk:
        raise NotAllowed(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification read, except urgent ones still to acknowledge."""
    return (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .exclude(severity=Severity.URGENT, acknowledged_at__isnull=True)
        .update(read_at=timezone.now())
    )


@transaction.atomic
def notification_acknowledge(*, notification: Notification, by) -> Notification:
    """The recipient confirms they have taken in an urgent alert (kept in the audit trail)."""
    if notification.recipient_id != by.pk:
        raise NotAllowed(_("This notification is not yours."))
    if notification.acknowledged_at is None:
        now = timezone.now()
        notification.acknowledged_at = now
        notification.read_at = notification.read_at or now
        notification.save(update_fields=["acknowledged_at", "read_at"])
        audit(
            instance=notification,
            action="update",
            by=by,
            changes={"acknowledged_at": [None, now.isoformat()]},
            org=notification.org,
        )
    return notification


# ------------------------------------------------------------------------------ channels


def channel_create(*, org, by, name: str, kind: str, target: str, **fields) -> Channel:
    from safecampus.accounts.access import can

    if not can(by, "add", Channel, org):
        raise NotAllowed(_("Your role does not allow this here."))
    channel = Channel(org=org, name=name, kind=kind, target=target, **fields)
    return create_record(instance=channel, by=by)


def channel_update(*, channel: Channel, by, data: dict, expected_version=None) -> Channel:
    from safecampus.accounts.access import can

    if not can(by, "change", Channel, channel.org):
        raise NotAllowed(_("Your role does not allow this here."))
    return update_record(instance=channel, by=by, data=data, expected_version=expected_version)


@transaction.atomic
def channel_test(*, channel: Channel, by) -> Delivery:
    """Queue a test message to a channel (an administrator's button), sent like any other
    delivery by the worker after commit: its result shows on the deliveries page. It goes
    to an inactive channel too, so a new robot can be tried before it is switched on."""
    from django.urls import reverse

    from safecampus.accounts.access import can

    if not can(by, "change", Channel, channel.org):
        raise NotAllowed(_("Your role does not allow this here."))
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Test message for %(channel)s") % {"channel": channel.name}
        body = _(
            "If you can read this, the channel “%(channel)s” of %(place)s works. Sent by %(user)s from the channel settings."
        ) % {
            "channel": channel.name,
            "place": channel.org.name,
            "user": getattr(by, "display_name", "") or str(by),
        }
        place = place_of(channel.org)
        url = absolute_url(reverse("notify:channel", args=[channel.pk]))
        severity = Severity.ROUTINE
        if channel.kind == ChannelKind.EMAIL:
            subject = email_subject(title=title, severity=severity)
            text = email_text(title=title, body=body, severity=severity, place=place, url=url)
        else:
            subject = title
            text = markdown_text(title=title, body=body, severity=severity, place=place, url=url)
        comment = _("Test message queued")
    delivery = Delivery.objects.create(
        channel=channel,
        kind=channel.kind,
        address=channel.target,
        event="channel_test",
        severity=severity,
        subject=subject[:255],
        body=text,
        org=channel.org,
        org_path=channel.org.path,
        next_attempt_at=timezone.now(),
    )
    audit(instance=channel, action="update", by=by, comment=comment)
    transaction.on_commit(kick)
    return delivery
