"""The daily digest: one message per person who still has something to do.

Routine notifications are not pushed; they wait here. Each day (notify.schedule, 07:30) every
person with unread routine notifications, or named by a CANDIDATE_PROVIDERS hook, is asked
of the OPEN_ITEM_PROVIDERS what still waits for them. Only those with open items get a
digest: in-app, and by email when they have an address. Running it twice on a day sends
nothing more (one Digest row per person and day).
"""

import datetime
import logging
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from safecampus.notify.choices import ChannelKind, Severity
from safecampus.notify.models import Delivery, Digest, Notification
from safecampus.notify.services import absolute_url, email_subject, kick, language_of

logger = logging.getLogger(__name__)

# provider(user) → lines ("3 hazards wait for your acceptance"), in the active language.
OPEN_ITEM_PROVIDERS: list[Callable] = []
# provider(day) → user ids who may have open items even without a new notification.
CANDIDATE_PROVIDERS: list[Callable[[datetime.date], Iterable[int]]] = []

MAX_LISTED = 20
EVENT = "digest"


def pending_routine(user=None):
    qs = Notification.objects.filter(
        severity=Severity.ROUTINE,
        read_at__isnull=True,
        digest_sent_at__isnull=True,
    ).exclude(event=EVENT)
    return qs.filter(recipient=user) if user is not None else qs


def open_items(user) -> list[str]:
    lines: list[str] = []
    for provider in OPEN_ITEM_PROVIDERS:
        try:
            lines.extend(str(line) for line in provider(user) or ())
        except Exception:
            logger.exception("digest open-item provider %r failed for user %s", provider, user.pk)
    return lines


def candidates(day: datetime.date):
    ids = set(pending_routine().values_list("recipient_id", flat=True).distinct())
    for provider in CANDIDATE_PROVIDERS:
        ids.update(provider(day))
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")


def compose(user, day: datetime.date, lines: list[str], recent: list[Notification]):
    """(title, body) of one person's digest, in the active language."""
    title = _("Daily digest for %(day)s: %(count)s item(s) wait for you") % {
        "day": date_format(day, "Y-m-d"),
        "count": len(lines),
    }
    body = [_("Waiting for you:")] + [f"- {line}" for line in lines]
    if recent:
        body += ["", _("Since the last digest:")]
        for n in recent[:MAX_LISTED]:
            link = absolute_url(n.link)
            body.append(f"- {n.title}" + (f" {link}" if link else ""))
        if len(recent) > MAX_LISTED:
            body.append(_("… and %(count)s more") % {"count": len(recent) - MAX_LISTED})
    body += ["", _("Your inbox: %(url)s") % {"url": absolute_url(reverse("notify:inbox"))}]
    return title, "\n".join(body) + "\n"


def build_and_send(day: datetime.date | None = None) -> list[Digest]:
    """Send the day's digests; returns those sent now (none for people already done)."""
    day = day or timezone.localdate()
    sent: list[Digest] = []
    emails = False
    done = set(Digest.objects.filter(day=day).values_list("user_id", flat=True))
    for user in candidates(day):
        if user.pk in done:
            continue
        with translation.override(language_of(user)):
            lines = open_items(user)
            if not lines:
                continue  # nothing left to do: no reminder
            recent = list(pending_routine(user).order_by("created_at", "id"))
            title, body = compose(user, day, lines, recent)
            subject = email_subject(title=title, severity=Severity.ROUTINE)
        try:
            with transaction.atomic():
                digest = Digest.objects.create(user=user, day=day)
                now = timezone.now()
                note = Notification.objects.create(
                    recipient=user,
                    event=EVENT,
                    severity=Severity.ROUTINE,
                    title=title[:200],
                    body=body,
                    link=reverse("notify:inbox"),
                    org=user.org,
                    org_path=user.org_path,
                    digest_sent_at=now,
                )
                digest.notification = note
                digest.save(update_fields=["notification"])
                Notification.objects.filter(pk__in=[n.pk for n in recent]).update(
                    digest_sent_at=now
                )
                if user.email:
                    Delivery.objects.create(
                        notification=note,
                        kind=ChannelKind.EMAIL,
                        address=user.email,
                        event=EVENT,
                        severity=Severity.ROUTINE,
                        subject=subject[:255],
                        body=body,
                        org=user.org,
                        org_path=user.org_path,
                        next_attempt_at=now,
                    )
                    emails = True
        except IntegrityError:
            continue  # another run sent this person's digest for the day meanwhile
        sent.append(digest)
    if emails:
        transaction.on_commit(kick)
    return sent
