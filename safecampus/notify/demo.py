"""The demo's notifications (`seed-demo`): the inboxes the demo users find, and the county's
group robot with its deliveries. Read from the stored year of hazards, written once (nothing
if any notification, delivery or channel exists).

- In-app notifications for what happened at 盐池县 in the last two weeks: each hazard's report,
  its latest move and the escalation ladder's steps, made by the functions the hazard services
  call (`hazard_events`), so titles, bodies, links and recipients are the app's own; then
  dated when the event happened. Their recipients have read most of those older than a couple
  of days, never their newest one: the safety officer finds reports to review and confirm and
  rectifications to accept, the township officer a hazard escalated to the township.
- The bureau leader's inbox: `hazard_events` tells the leaders of major hazards and of the
  circular (通报), so the replay covers the last two weeks; the alerts of the month's earlier
  major hazards are added here with the same titles and bodies, so the leader's inbox spans
  the month they read it for.
- The county's WeCom group robot, behind the intranet's relay: it posted the alert of every
  major hazard of the year until the relay went down, the last alert failed after five
  attempts and the administrator switched the robot off. Its deliveries are stored in their
  final state, so neither the seed nor `make demo` sends anything anywhere.

Like the rest of the demo it writes no audit entries and keeps the story's timestamps.
"""

from __future__ import annotations

import copy
import datetime
import random
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.notify import hazard_events
from safecampus.notify.choices import (
    BACKOFF_MINUTES,
    MAX_ATTEMPTS,
    ChannelKind,
    DeliveryStatus,
    Severity,
)
from safecampus.notify.models import Channel, Delivery, Notification
from safecampus.notify.services import absolute_url, markdown_text, notify, place_of

COUNTY = "盐池县"
RECENT_DAYS = 14  # events replayed into the inboxes
LEADER_DAYS = 30  # major hazards the leader was alerted of
ROBOT_NAME = "盐池县校园安全工作群"
RELAY_DOWN = "URLError: <urlopen error [Errno 113] No route to host>"
RELAY_SLOW = "URLError: <urlopen error timed out>"


def notifications_loaded() -> bool:
    return Notification.objects.exists() or Delivery.objects.exists() or Channel.objects.exists()


def _hazards(county):
    from safecampus.hazards.models import Hazard

    return Hazard.objects.within(county.path).select_related(
        "org__parent", "responsible_person__user", "reported_by", "handler", "submitted_by"
    )


def _replay(county, since, now) -> list[tuple]:
    """The app's notifications of the recent events: (notification, when it happened)."""
    from safecampus.hazards.models import HazardTransition

    recent = _hazards(county).filter(updated_at__gte=since)
    hazards = {h.pk: h for h in recent}
    moves = HazardTransition.objects.filter(hazard__in=recent.values("pk")).order_by("at", "id")
    latest = {}
    for t in moves.filter(at__gte=since, at__lte=now).select_related("by"):
        latest[t.hazard_id] = t
    initial = {}  # the status each hazard was reported in
    for pk, status in moves.values_list("hazard_id", "from_status"):
        initial.setdefault(pk, status)
    events = [(latest[pk].at, pk, latest[pk]) for pk in latest]
    events += [(h.found_at, pk, None) for pk, h in hazards.items() if h.found_at >= since]
    made = []
    for at, pk, move in sorted(events, key=lambda e: (e[0], e[1], e[2] is not None)):
        hazard = hazards[pk]
        if move is None:
            then = _as_reported(hazard, initial.get(pk, hazard.status))
            sent = hazard_events.hazard_reported(then)
        else:
            sent = hazard_events.hazard_moved(hazard, move.action, move.by, move.comment)
        made += [(n, at) for n in sent]
    for step, at in _ladder_steps(county, since, now):
        made += [(n, at) for n in hazard_events.hazard_escalation_step(step)]
    return made


def _ladder_steps(county, since, now, steps=None) -> list[tuple]:
    """(escalation row, when the ladder took the step) for the steps taken since `since`:
    the morning of the day the step fell due (an issued notice or warning has since moved
    its row's `at` to the day of the document)."""
    from safecampus.hazards.choices import DEFAULT_LADDER_DAYS
    from safecampus.hazards.demo import ladder_time
    from safecampus.hazards.models import HazardEscalation

    rows = HazardEscalation.objects.filter(
        hazard__org_path__startswith=county.path + ".",
        deadline__gte=(since - datetime.timedelta(days=max(DEFAULT_LADDER_DAYS.values()))).date(),
    )
    if steps:
        rows = rows.filter(step__in=steps)
    out = []
    for row in rows.select_related("hazard__org__parent").order_by("deadline", "id"):
        at = ladder_time(row.deadline + datetime.timedelta(days=DEFAULT_LADDER_DAYS[row.step]))
        if since <= at <= now:
            out.append((row, at))
    return sorted(out, key=lambda r: (r[1], r[0].pk))


def _reported_title(hazard):
    p = {"number": hazard.number, "school": hazard.org.name}
    return lambda: _("Hazard %(number)s reported at %(school)s") % p


def _as_reported(hazard, initial=None):
    """The hazard as it stood when it was reported: what its first messages said."""
    then = copy.copy(hazard)
    then.status, then.deadline = initial or "reported", None
    return then


def _leader(county, leader, since, now) -> list[tuple]:
    from safecampus.hazards.choices import Grade

    made = []
    majors = _hazards(county).filter(grade=Grade.MAJOR).order_by("found_at", "id")
    recent = majors.filter(found_at__gte=now - datetime.timedelta(days=LEADER_DAYS))
    for hazard in list(recent) or list(majors)[-1:]:  # in a long holiday, the last one
        if hazard.found_at >= since:
            continue  # replayed with the last two weeks
        sent = notify(
            event="hazard.reported",
            severity=Severity.URGENT,
            record=hazard,
            recipients=[leader],
            title=_reported_title(hazard),
            body=hazard_events._body(_as_reported(hazard)),
            link=hazard_events.hazard_link(hazard),
        )
        made += [(n, hazard.found_at) for n in sent]
    return made


def _read(rng, made: list[tuple], now) -> None:
    """Date each notification when its event happened; recipients have read (and
    acknowledged) most older ones, never their newest; the leader reads less often."""
    newest = {}
    for n, at in made:
        if n.recipient_id not in newest or at >= newest[n.recipient_id][1]:
            newest[n.recipient_id] = (n.pk, at)
    for n, at in made:
        n.created_at = at + datetime.timedelta(seconds=rng.randrange(2, 40))
        age = now - at
        chance = 0.85 if age > datetime.timedelta(days=3) else 0.4
        if n.recipient.username == "leader":
            chance = 0.3
        opened = at + datetime.timedelta(minutes=rng.randrange(20, 26 * 60))
        if newest[n.recipient_id][0] != n.pk and rng.random() < chance and opened <= now:
            n.read_at = opened
            if n.severity == Severity.URGENT:
                n.acknowledged_at = opened
    Notification.objects.bulk_update(
        [n for n, _at in made], ["created_at", "read_at", "acknowledged_at"], batch_size=500
    )


def _robot(rng, county, now) -> tuple[Channel | None, list[Delivery]]:
    """The county's WeCom robot and the alerts it posted; the last one failed for good."""
    from safecampus.hazards.choices import Grade

    majors = list(_hazards(county).filter(grade=Grade.MAJOR).order_by("found_at", "id"))
    if not majors:
        return None, []
    key = uuid.UUID(int=rng.getrandbits(128), version=4)
    created = majors[0].found_at - datetime.timedelta(days=rng.randrange(20, 60))
    last = majors[-1].found_at
    channel = Channel(
        org=county,
        org_path=county.path,
        name=ROBOT_NAME,
        kind=ChannelKind.WECOM,
        target=f"http://10.64.{rng.randrange(2, 250)}.{rng.randrange(2, 250)}:8080/cgi-bin/webhook/send?key={key}",
        active=False,
        min_severity=Severity.URGENT,
        created_at=created,
        updated_at=min(last + datetime.timedelta(hours=rng.randrange(20, 30)), now),
    )  # fmt: skip
    channel.full_clean()
    channel.save()
    retried = len(majors) - 2 if len(majors) > 2 else None
    deliveries = []
    for i, hazard in enumerate(majors):
        with translation.override(settings.LANGUAGE_CODE):
            title = _reported_title(hazard)()
            body = hazard_events._body(_as_reported(hazard))()
            text = markdown_text(
                title=title,
                body=body,
                severity=Severity.URGENT,
                place=place_of(hazard.org),
                url=absolute_url(hazard_events.hazard_link(hazard)),
            )
        queued = hazard.found_at + datetime.timedelta(seconds=rng.randrange(1, 5))
        delivery = Delivery(
            channel=channel,
            kind=channel.kind,
            address=channel.target,
            event="hazard.reported",
            severity=Severity.URGENT,
            subject=title[:255],
            body=text,
            org=hazard.org,
            org_path=hazard.org_path,
            status=DeliveryStatus.SENT,
            attempts=1,
            created_at=queued,
            sent_at=queued + datetime.timedelta(seconds=rng.randrange(1, 4)),
        )
        if i == retried:  # the relay was slow once: sent on the second attempt
            delivery.attempts, delivery.last_error = 2, RELAY_SLOW
            delivery.sent_at = queued + datetime.timedelta(minutes=BACKOFF_MINUTES[0], seconds=12)
        if i == len(majors) - 1:  # then it went down: every retry failed
            delivery.status, delivery.attempts = DeliveryStatus.FAILED, MAX_ATTEMPTS
            delivery.last_error, delivery.sent_at = RELAY_DOWN, None
        deliveries.append(delivery)
    return channel, deliveries


def load_notifications(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Write the demo's inboxes and the robot's deliveries once; {} if already there or if
    there is no county with hazards to read."""
    from safecampus.accounts.models import User
    from safecampus.hazards.demo import historic_timestamps
    from safecampus.hazards.models import Hazard
    from safecampus.orgs.models import OrgNode

    county = OrgNode.objects.filter(kind="county", name=COUNTY).first()
    if notifications_loaded() or county is None or not Hazard.objects.exists():
        return {}
    now = now or timezone.now()
    since = now - datetime.timedelta(days=RECENT_DAYS)
    rng = random.Random(seed * 31337 + 5)
    leader = User.objects.filter(username="leader").first()
    with transaction.atomic(), historic_timestamps(Channel, Delivery):
        made = _replay(county, since, now)
        if leader is not None:
            made += _leader(county, leader, since, now)
        _read(rng, made, now)
        channel, deliveries = _robot(rng, county, now)
        Delivery.objects.bulk_create(deliveries)
    return {
        "notifications": len(made),
        "unread": sum(1 for n, _at in made if n.read_at is None),
        "channels": 1 if channel else 0,
        "deliveries": len(deliveries),
    }
