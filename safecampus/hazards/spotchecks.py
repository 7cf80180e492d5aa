"""Spot-checks of closed hazards (抽查复核): against box-ticking, the bureau draws a random sample
of closed hazards and its staff re-check them on site, with a photo, the place and the time.

The draw is reproducible, and so shown to be random rather than hand-picked. Each candidate's
rank is the SHA-256 of "seed|number" (its hazard number, e.g. 盐池-2026-000123) and the lowest
ranks are drawn: anyone holding the published seed and the list of candidates can redo it
with any tool, and the rank of one hazard does not depend on the others. The seed is made by
the server when the sample is drawn and never typed in, so nobody can try seeds until a
wanted sample comes out; samples are never deleted (a mistaken one is cancelled, with the
reason, and stays on file).

Each drawn hazard becomes a check for one of the bureau's staff and inspectors who may check
at its school: the least loaded so far, ties taken in turn. The assignee records it on a phone; a fix that does not hold
reopens the hazard through the workflow's "reopen" move, which tells the school.

Schools read none of this (no school role reads spot-checks, and every audit entry sits at
the sample's node): a school learns of a check when the inspector comes, not before.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.accounts.access import assignments, can, can_anywhere
from safecampus.accounts.roles import SPOTCHECK, Role, allows
from safecampus.core.attachments import attach_photo, photos_of
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.dates import day_range, day_start
from safecampus.core.errors import NotAllowed
from safecampus.core.services import claim_version, create_record
from safecampus.hazards.choices import Status
from safecampus.hazards.models import Hazard, SpotCheck, SpotCheckSample
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode

# Who may be given a check: the bureau's safety staff and its responsible inspectors.
ASSIGNEE_ROLES = (Role.BUREAU_STAFF, Role.INSPECTOR)
MAX_COUNT = 500  # a sample bigger than this is not a spot-check any more
DEFAULT_DAYS_TO_CHECK = 30
PHOTO_KIND = "spotcheck"
Outcome = SpotCheck.Outcome


class State(models.TextChoices):
    """Where a check stands, derived when read (never stored): due and overdue move with the
    calendar, not with a job having run."""

    HELD = "held", gettext_lazy("Fix held")
    NOT_HELD = "not_held", gettext_lazy("Fix did not hold")
    DUE = "due", gettext_lazy("Due")
    OVERDUE = "overdue", gettext_lazy("Overdue")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


OPEN_STATES = (State.DUE, State.OVERDUE)


def state_q(state: str, today: datetime.date | None = None) -> Q:
    """The checks in `state` as of `today`, as a filter (one definition for counts and rows)."""
    today = today or timezone.localdate()
    waiting = Q(outcome="")
    live = Q(sample__cancelled_at__isnull=True)
    return {
        State.HELD: Q(outcome=Outcome.HELD),
        State.NOT_HELD: Q(outcome=Outcome.NOT_HELD),
        State.DUE: waiting & live & Q(due_on__gte=today),
        State.OVERDUE: waiting & live & Q(due_on__lt=today),
        State.CANCELLED: waiting & ~live,
    }[state]


def open_q() -> Q:
    return Q(outcome="", sample__cancelled_at__isnull=True)


def state_of(check: SpotCheck, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    if check.outcome:
        return check.outcome
    if check.sample.cancelled_at is not None:
        return State.CANCELLED
    return State.DUE if check.due_on >= today else State.OVERDUE


def progress(checks, today: datetime.date | None = None) -> dict[str, int]:
    """Counts of `checks` per state and in all, in one query."""
    today = today or timezone.localdate()
    figures = checks.aggregate(
        total=Count("id"), **{s: Count("id", filter=state_q(s, today)) for s in State.values}
    )
    figures["done"] = figures[State.HELD] + figures[State.NOT_HELD]
    return figures


def sample_annotations(today: datetime.date | None = None) -> dict:
    """The same counts as annotations of samples: `n_total`, `n_held`, `n_due`, ..."""
    today = today or timezone.localdate()
    waiting = Q(checks__outcome="")
    live = Q(cancelled_at__isnull=True)
    return {
        "n_total": Count("checks"),
        "n_held": Count("checks", filter=Q(checks__outcome=Outcome.HELD)),
        "n_not_held": Count("checks", filter=Q(checks__outcome=Outcome.NOT_HELD)),
        "n_due": Count("checks", filter=waiting & live & Q(checks__due_on__gte=today)),
        "n_overdue": Count("checks", filter=waiting & live & Q(checks__due_on__lt=today)),
        "n_cancelled": Count("checks", filter=waiting & ~live),
    }


# ------------------------------------------------------------------------------- the draw


def rank(seed: str, number: str) -> str:
    """A candidate's place in the draw: SHA-256 of "seed|number", as hex (lowest first)."""
    return hashlib.sha256(f"{seed}|{number}".encode()).hexdigest()


def draw_order(seed: str, numbers) -> list[str]:
    """Every candidate, in the order the draw takes them."""
    return sorted(numbers, key=lambda n: (rank(seed, n), n))


def sample_size(population: int, count: int | None = None, percent: int | None = None) -> int:
    """How many of `population` candidates a sample of `count` hazards or `percent` % takes
    (a share rounds up, so a small population still gives one check)."""
    if count is not None:
        return min(count, population)
    if percent is not None:
        return min(population, math.ceil(population * percent / 100))
    return 0


def new_seed() -> str:
    return secrets.token_hex(16)


def candidates(
    by,
    *,
    region: OrgNode,
    closed_from: datetime.date,
    closed_to: datetime.date,
    grade: str = "",
    category: str = "",
    school_kind: str = "",
):
    """The hazards a sample is drawn from: closed in the window, inside the region and the
    drawer's scope, matching the filters, and not already waiting for a check of another
    sample (a hazard is not sent two inspectors at once)."""
    qs = Hazard.objects.for_user(by, "view") if by is not None else Hazard.objects.all()
    start, end = day_range(closed_from, closed_to)
    qs = qs.within(region.path).filter(
        status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end
    )
    if grade:
        qs = qs.filter(grade=grade)
    if category:
        qs = qs.filter(category=category)
    if school_kind:
        qs = qs.filter(org__school__school_kind=school_kind)
    waiting = SpotCheck.objects.filter(open_q()).values("hazard_id")
    return qs.exclude(pk__in=waiting)


def bureau_node(by, region: OrgNode) -> OrgNode:
    """The node a sample over `region` belongs to: the drawer's bureau, i.e. the deepest node
    at or above the region where they may draw samples. Without a person (the demo, a
    command), the region's county, or the nearest region above it."""
    if by is not None and getattr(by, "pk", None) and not by.is_superuser:
        holding = [
            a
            for a in assignments(by)
            if allows(a.role, SPOTCHECK, "add", a.department.kind if a.department_id else None)
            and region.is_within_path(a.org_path)
        ]
        if not holding:
            raise NotAllowed(_("Your role does not allow this here."))
        return max(holding, key=lambda a: len(a.org_path)).org
    for node in reversed([*region.ancestors(), region]):
        if node.kind in (NodeKind.COUNTY, NodeKind.CITY, NodeKind.PROVINCE):
            return node
    return region


@dataclass
class Assignee:
    """Someone of the bureau who may be given checks, and where they may check."""

    user: object
    paths: list[str] = field(default_factory=list)

    def covers(self, school: OrgNode) -> bool:
        return any(school.is_within_path(p) for p in self.paths)


def assignee_pool(bureau: OrgNode) -> list[Assignee]:
    """The bureau's safety staff and inspectors (roles at the bureau's node or below), staff
    first, each with the subtrees they may check in."""
    from safecampus.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.within(bureau.path)
        .filter(role__in=ASSIGNEE_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("org_path", "user_id")
    )
    pool: dict[int, Assignee] = {}
    for row in rows:
        pool.setdefault(row.user_id, Assignee(row.user)).paths.append(row.org_path)
    return sorted(
        pool.values(),
        key=lambda a: (min(len(p) for p in a.paths), a.user.display_name, a.user.pk),
    )


def assign_round_robin(hazards: list, pool: list[Assignee]) -> list:
    """An assignee per hazard, in the draw's order: of the people of the pool who may check
    at the hazard's school, the one given fewest checks so far, ties taken in turn. Raises if
    nobody of the pool may check at a school."""
    chosen, uncovered = [], []
    load = [0] * len(pool)
    turn = 0
    for hazard in hazards:
        eligible = [i for i, member in enumerate(pool) if member.covers(hazard.org)]
        if not eligible:
            uncovered.append(hazard.org.name)
            continue
        pick = min(eligible, key=lambda i: (load[i], (i - turn) % len(pool)))
        load[pick] += 1
        turn = (pick + 1) % len(pool)
        chosen.append(pool[pick].user)
    if uncovered:
        raise ValidationError(
            {
                "assignees": _(
                    "Nobody chosen may check at %(schools)s: choose someone of the bureau too."
                )
                % {"schools": "、".join(sorted(set(uncovered)))}
            }
        )
    return chosen


def default_title(region: OrgNode, closed_from, closed_to) -> str:
    return _("Spot-check of %(region)s, hazards closed %(start)s – %(end)s") % {
        "region": region.name,
        "start": closed_from.isoformat(),
        "end": closed_to.isoformat(),
    }


def _size_errors(size_count, size_percent) -> dict:
    if (size_count is None) == (size_percent is None):
        return {"size_count": [_("Give the size as a number of hazards or as a share, not both.")]}
    if size_count is not None and not 1 <= size_count <= MAX_COUNT:
        return {
            "size_count": [
                _("Draw between 1 and %(max)d hazards.") % {"max": MAX_COUNT},
            ]
        }
    if size_percent is not None and not 1 <= size_percent <= 100:
        return {"size_percent": [_("A share is between 1 and 100 %.")]}
    return {}


@transaction.atomic
def sample_draw(
    *,
    by,
    region: OrgNode,
    closed_from: datetime.date,
    closed_to: datetime.date,
    due_on: datetime.date,
    size_count: int | None = None,
    size_percent: int | None = None,
    grade: str = "",
    category: str = "",
    school_kind: str = "",
    assignees=None,
    title: str = "",
    note: str = "",
    seed: str | None = None,
) -> SpotCheckSample:
    """Draw a sample and make its checks. `assignees` (users) narrows the round-robin to
    those people; by default every one of the bureau's staff and inspectors takes a turn.
    `seed` is for tests and the demo: the pages and the API never pass one."""
    if by is not None and not can(by, "add", SpotCheckSample, region):
        raise NotAllowed(_("Your role does not allow this here."))
    now = timezone.now()
    today = timezone.localdate(now)
    errors = _size_errors(size_count, size_percent)
    if region.is_school:
        errors["region"] = [_("Draw over a region: a township, a county or a city.")]
    if closed_from is None or closed_to is None:
        errors["closed_from"] = [_("Give the window of closing dates.")]
    elif closed_from > closed_to:
        errors["closed_to"] = [_("The end of the window is before its start.")]
    elif closed_to > today:
        errors["closed_to"] = [
            _("Only hazards already closed can be drawn: end the window today at the latest.")
        ]
    if due_on is None or due_on < today:
        errors["due_on"] = [_("The checks cannot be due in the past.")]
    if errors:
        raise ValidationError(errors)

    bureau = bureau_node(by, region)
    found = dict(
        candidates(
            by,
            region=region,
            closed_from=closed_from,
            closed_to=closed_to,
            grade=grade,
            category=category,
            school_kind=school_kind,
        ).values_list("number", "pk")
    )
    if not found:
        raise ValidationError(
            _("No closed hazard in this region and window matches: there is nothing to draw.")
        )
    population = sorted(found)
    seed = str(seed) if seed is not None else new_seed()
    drawn = draw_order(seed, population)[: sample_size(len(population), size_count, size_percent)]

    pool = assignee_pool(bureau)
    if assignees is not None:
        wanted = {getattr(a, "pk", a) for a in assignees}
        chosen = [a for a in pool if a.user.pk in wanted]
        if len(chosen) != len(wanted):
            raise ValidationError(
                {"assignees": [_("Choose among the bureau's safety staff and inspectors.")]}
            )
        pool = chosen
    if not pool:
        raise ValidationError(
            {"assignees": [_("The bureau has no safety staff or inspector to give checks to.")]}
        )
    rows = Hazard.objects.select_related("org").in_bulk([found[n] for n in drawn])
    hazards = [rows[found[n]] for n in drawn]
    people = assign_round_robin(hazards, pool)

    sample = SpotCheckSample(
        org=bureau,
        title=(title or "").strip() or default_title(region, closed_from, closed_to),
        region=region,
        closed_from=closed_from,
        closed_to=closed_to,
        grade=grade,
        category=category,
        school_kind=school_kind,
        size_count=size_count,
        size_percent=size_percent,
        seed=seed,
        population=population,
        population_size=len(population),
        drawn_at=now,
        drawn_by=by if getattr(by, "pk", None) else None,
        due_on=due_on,
        note=note or "",
    )
    create_record(
        instance=sample,
        by=by,
        comment=_("Drew %(size)d of %(total)d closed hazards with seed %(seed)s: %(numbers)s")
        % {"size": len(drawn), "total": len(population), "seed": seed, "numbers": "、".join(drawn)},
    )
    SpotCheck.objects.bulk_create(
        [
            SpotCheck(
                org=hazard.org,
                org_path=hazard.org_path,
                sample=sample,
                hazard=hazard,
                position=position,
                assignee=person,
                due_on=due_on,
            )
            for position, (hazard, person) in enumerate(zip(hazards, people, strict=True), 1)
        ]
    )
    return sample


@dataclass
class Verification:
    """The draw done again from the recorded seed and candidates."""

    seed: str
    population: int
    expected: list[str]
    drawn: list[str]

    @property
    def reproduced(self) -> bool:
        return self.expected == self.drawn


def sample_verify(sample: SpotCheckSample) -> Verification:
    """Redo the draw from the sample's own record: the same seed over the same candidates
    must give the same hazards in the same order."""
    size = sample_size(len(sample.population), sample.size_count, sample.size_percent)
    drawn = list(sample.checks.order_by("position").values_list("hazard__number", flat=True))
    return Verification(
        seed=sample.seed,
        population=len(sample.population),
        expected=draw_order(sample.seed, sample.population)[:size],
        drawn=drawn,
    )


def population_rows(sample: SpotCheckSample) -> list[dict]:
    """Every candidate with its rank and whether it was drawn, in the order of the draw."""
    drawn = dict(sample.checks.values_list("hazard__number", "position"))
    return [
        {"order": i, "number": n, "rank": rank(sample.seed, n), "position": drawn.get(n)}
        for i, n in enumerate(draw_order(sample.seed, sample.population), 1)
    ]


# ------------------------------------------------------------------------------- managing


def _require_manage(by, sample: SpotCheckSample) -> None:
    """Who may draw samples at the sample's node manages it (renames, cancels, reassigns)."""
    if by is not None and not can(by, "add", SpotCheckSample, sample.org):
        raise NotAllowed(_("Your role does not allow this here."))


def _save(instance, *, by, before: dict, expected_version, org, transition: str = "", comment=""):
    instance.full_clean()
    claim_version(instance, expected_version)
    instance.save()
    changes = diff(before, snapshot(instance))
    audit(
        instance=instance,
        action="transition" if transition else "update",
        transition=transition,
        by=by,
        changes=changes,
        comment=comment,
        org=org,
    )
    return instance


@transaction.atomic
def sample_update(
    *, sample: SpotCheckSample, by, data: dict, expected_version: int | None
) -> SpotCheckSample:
    """Rename a sample or change its note; what was drawn, and how, never changes."""
    _require_manage(by, sample)
    unknown = set(data) - {"title", "note"}
    if unknown:
        raise ValidationError(
            {name: [_("What was drawn, and how, cannot be changed.")] for name in unknown}
        )
    before = snapshot(sample)
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            raise ValidationError({"title": [_("This field is required.")]})
        sample.title = title
    if "note" in data:
        sample.note = data["note"] or ""
    return _save(sample, by=by, before=before, expected_version=expected_version, org=sample.org)


@transaction.atomic
def sample_cancel(
    *, sample: SpotCheckSample, by, reason: str, expected_version: int | None = None
) -> SpotCheckSample:
    """Call off the checks not yet done, saying why; the sample and its done checks stay."""
    _require_manage(by, sample)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": [_("Say why the sample is cancelled.")]})
    if sample.cancelled_at is not None:
        raise ValidationError(_("This sample is already cancelled."))
    before = snapshot(sample)
    sample.cancelled_at = timezone.now()
    sample.cancel_reason = reason[:200]
    return _save(
        sample,
        by=by,
        before=before,
        expected_version=expected_version,
        org=sample.org,
        transition="spotcheck:cancel",
        comment=reason,
    )


def _still_open(check: SpotCheck) -> None:
    if check.outcome:
        raise ValidationError(_("This check is already recorded."))
    if check.sample.cancelled_at is not None:
        raise ValidationError(_("This sample was cancelled: its checks are no longer due."))


def assignees_for(check: SpotCheck) -> list:
    """The people a check may be given to: the sample's bureau's staff and inspectors who may
    check at its school."""
    return [a.user for a in assignee_pool(check.sample.org) if a.covers(check.org)]


@transaction.atomic
def check_reassign(
    *,
    check: SpotCheck,
    by,
    assignee=None,
    due_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> SpotCheck:
    """Give a check not yet done to someone else, or move its due date."""
    _require_manage(by, check.sample)
    _still_open(check)
    before = snapshot(check)
    if assignee is not None and assignee.pk != check.assignee_id:
        if assignee.pk not in {u.pk for u in assignees_for(check)}:
            raise ValidationError(
                {
                    "assignee": [
                        _("Choose someone of the bureau who may check at %(school)s.")
                        % {"school": check.org.name}
                    ]
                }
            )
        check.assignee = assignee
    if due_on is not None and due_on != check.due_on:
        if due_on < timezone.localdate():
            raise ValidationError({"due_on": [_("The check cannot be due in the past.")]})
        check.due_on = due_on
    return _save(
        check, by=by, before=before, expected_version=expected_version, org=check.sample.org
    )


# ------------------------------------------------------------------------------ recording


def _coordinate(value, name: str, limit: int):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (ArithmeticError, ValueError):
        raise ValidationError({name: [_("The location is not a valid coordinate.")]}) from None
    if not -limit <= number <= limit:
        raise ValidationError({name: [_("The location is not a valid coordinate.")]})
    return number


def _metres(value) -> int | None:
    """The accuracy the browser reports (metres, maybe fractional), or None."""
    try:
        metres = round(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return metres if 0 <= metres < 10_000_000 else None


def may_record(user, check: SpotCheck) -> bool:
    """Only the person the check is assigned to records it (the bureau reassigns first)."""
    return (
        getattr(user, "pk", None) == check.assignee_id
        and can(user, "change", SpotCheck, check.org)
        and not check.outcome
        and check.sample.cancelled_at is None
    )


@transaction.atomic
def check_record(
    *,
    check: SpotCheck,
    by,
    outcome: str,
    photo=None,
    note: str = "",
    latitude=None,
    longitude=None,
    accuracy=None,
    expected_version: int | None = None,
) -> SpotCheck:
    """Record the check as seen on site now. A photo is required whatever the outcome: a
    re-check without one is exactly the unverifiable tick the spot-checks are against. A fix
    that does not hold needs a note of what is wrong, and reopens the hazard (the workflow's
    "reopen" move, which tells the school and sets a new deadline); the photo goes with it."""
    if not (getattr(by, "pk", None) and by.pk == check.assignee_id):
        raise NotAllowed(
            _("This check is assigned to %(name)s: ask the bureau to reassign it to you.")
            % {"name": check.assignee.display_name}
        )
    if not can(by, "change", SpotCheck, check.org):
        raise NotAllowed(_("Your role does not allow this here."))
    _still_open(check)
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Say whether the fix holds.")]
    if not photo:
        errors["photo"] = [_("Take a photo of the spot as it is now.")]
    note = (note or "").strip()
    if outcome == Outcome.NOT_HELD and not note:
        errors["note"] = [_("Say what does not hold.")]
    try:
        lat = _coordinate(latitude, "latitude", 90)
        lon = _coordinate(longitude, "longitude", 180)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        lat = lon = None
    if (lat is None) != (lon is None):
        errors["latitude"] = [_("The location needs both latitude and longitude.")]
    if errors:
        raise ValidationError(errors)

    # The photo first: a file that is no photo refuses the record before anything changes.
    attach_photo(upload=photo, to=check, kind=PHOTO_KIND, by=by)
    before = snapshot(check)
    check.outcome = outcome
    check.checked_at = timezone.now()
    check.checked_by = by
    check.note = note
    check.latitude, check.longitude = lat, lon
    check.accuracy = _metres(accuracy) if lat is not None else None
    _save(
        check,
        by=by,
        before=before,
        expected_version=expected_version,
        org=check.sample.org,
        transition="spotcheck:record",
        comment=check.get_outcome_display(),
    )
    if outcome == Outcome.NOT_HELD:
        reopen(check, by=by, photo=photo)
    return check


def reopen(check: SpotCheck, *, by, photo=None) -> bool:
    """Reopen the hazard of a check whose fix did not hold; False when it is no longer closed
    (someone reopened it already), which leaves it as it is."""
    from safecampus.hazards.services import hazard_move

    hazard = Hazard.objects.select_for_update().select_related("org").get(pk=check.hazard_id)
    if hazard.status != Status.CLOSED:
        return False
    comment = _("Spot-check of %(date)s: the fix does not hold. %(note)s") % {
        "date": timezone.localtime(check.checked_at).date().isoformat(),
        "note": check.note,
    }
    hazard_move(
        hazard=hazard,
        action="reopen",
        by=by,
        comment=comment,
        photos=[photo] if photo else (),
    )
    SpotCheck.objects.filter(pk=check.pk).update(reopened=True)
    check.reopened = True
    return True


# ---------------------------------------------------------------------------------- reads


def photos_by_hazard(hazard_ids) -> dict[int, dict[str, list]]:
    """The before and after photos of each hazard, in one query."""
    from django.contrib.contenttypes.models import ContentType

    from safecampus.core.models import Attachment

    out: dict[int, dict[str, list]] = {}
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Hazard),
        object_id__in=[str(i) for i in hazard_ids],
        kind__in=("before", "after"),
    ).order_by("created_at", "id")
    for a in rows:
        out.setdefault(int(a.object_id), {"before": [], "after": []})[a.kind].append(a)
    return out


def photos_by_check(check_ids) -> dict[int, list]:
    from django.contrib.contenttypes.models import ContentType

    from safecampus.core.models import Attachment

    out: dict[int, list] = {}
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(SpotCheck),
        object_id__in=[str(i) for i in check_ids],
        kind=PHOTO_KIND,
    ).order_by("created_at", "id")
    for a in rows:
        out.setdefault(int(a.object_id), []).append(a)
    return out


def check_photos(check: SpotCheck):
    return photos_of(check, PHOTO_KIND).order_by("created_at", "id")


def distance_m(check: SpotCheck) -> int | None:
    """How far from the school's location on file the check was recorded (metres), when
    both are known: a check recorded far away is worth a question."""
    school = getattr(check.org, "school", None)
    if check.latitude is None or school is None or school.latitude is None:
        return None
    if school.longitude is None or check.longitude is None:
        return None
    lat1, lon1 = math.radians(float(check.latitude)), math.radians(float(check.longitude))
    lat2, lon2 = math.radians(float(school.latitude)), math.radians(float(school.longitude))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6_371_000 * math.asin(math.sqrt(a)))


@dataclass
class HeldShare:
    """The outcome figure of the spot-checks: of the closed hazards re-checked, how many
    fixes held."""

    checked: int
    held: int
    url: str = ""

    @property
    def failed(self) -> int:
        return self.checked - self.held

    @property
    def share(self) -> float | None:
        """Held / checked (0–1), or None when nothing was checked: no data, not 100 %."""
        return self.held / self.checked if self.checked else None


def held_share(user, node: OrgNode, since) -> HeldShare:
    """Of the spot-checks recorded at schools under `node` since `since` (a date or a time)
    that `user` may read, the share whose fix held: a figure for the compliance dashboard."""
    start = since if isinstance(since, datetime.datetime) else day_start(since)
    qs = (
        SpotCheck.objects.for_user(user, "view")
        .within(node.path)
        .exclude(outcome="")
        .filter(checked_at__gte=start)
    )
    figures = qs.aggregate(checked=Count("id"), held=Count("id", filter=Q(outcome=Outcome.HELD)))
    url = ""
    if can_anywhere(user, "view", SpotCheck):
        url = (
            reverse("spotchecks:checks")
            + f"?node={node.pk}&checked_from={start.date().isoformat()}"
        )
    return HeldShare(checked=figures["checked"], held=figures["held"], url=url)


def my_open_checks(user):
    """The checks assigned to `user` and still to do, soonest first."""
    return (
        SpotCheck.objects.for_user(user, "change")
        .filter(open_q(), assignee=user)
        .order_by("due_on", "sample_id", "position")
    )


# ------------------------------------------------------------------------ home and menu


def todo_items(user) -> list[dict]:
    """The home page's spot-checks for the person they are assigned to: overdue and due."""
    if not user.is_authenticated or not can_anywhere(user, "change", SpotCheck):
        return []
    today = timezone.localdate()
    figures = my_open_checks(user).aggregate(
        due=Count("id", filter=Q(due_on__gte=today)),
        overdue=Count("id", filter=Q(due_on__lt=today)),
    )
    url = reverse("spotchecks:mine")
    items = []
    if figures["overdue"]:
        items.append(
            {
                "label": _("Spot-checks overdue"),
                "count": figures["overdue"],
                "url": url,
                "severity": "overdue",
                "key": "spotchecks-overdue",
            }
        )
    if figures["due"]:
        items.append(
            {
                "label": _("Spot-checks to do"),
                "count": figures["due"],
                "url": url,
                "severity": "due",
                "key": "spotchecks-due",
            }
        )
    return items


def sees_samples(user) -> bool:
    """Samples live at a bureau's node: a township officer reads its schools' checks but
    none of the samples, so its menu leads to the checks instead."""
    if user.is_superuser:
        return True
    regions = (NodeKind.COUNTY, NodeKind.CITY, NodeKind.PROVINCE)
    return any(
        a.org.kind in regions
        and allows(a.role, SPOTCHECK, "view", a.department.kind if a.department_id else None)
        for a in assignments(user)
    )


def menu_items(user) -> list[dict]:
    """The "review" menu's entry: the samples for those who see them, otherwise the checks."""
    if not user.is_authenticated or not can_anywhere(user, "view", SpotCheck):
        return []
    if sees_samples(user):
        url = reverse("spotchecks:list")
    elif can_anywhere(user, "change", SpotCheck):
        url = reverse("spotchecks:mine")
    else:
        url = reverse("spotchecks:checks")
    return [
        {"group": "review", "label": gettext_lazy("Spot-checks"), "url": url, "key": "spotchecks"}
    ]


# ---------------------------------------------------------------------------------- demo

DEMO_COUNTY = "盐池县"  # where the demo's bureau users work
DEMO_HELD_NOTES = (
    "整改措施落实到位，现场未见反弹",
    "更换的设施运行正常，日常检查记录齐全",
    "现场情况与整改照片一致",
    "问题已彻底解决，责任人熟悉整改要求",
)
DEMO_FAILED_NOTES = (
    "同一位置再次出现相同问题，整改未巩固",
    "临时措施已撤除，隐患再次出现",
    "整改只做了表面处理，问题依旧",
)


def _demo_photo(rng, colour):
    """A small generated picture standing in for a phone photo."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    for _i in range(4):
        x, y = rng.randrange(0, 260), rng.randrange(0, 190)
        shade = tuple(max(0, min(255, c + rng.randrange(-60, 60))) for c in colour)
        draw.rectangle([x, y, x + rng.randrange(30, 60), y + rng.randrange(20, 50)], fill=shade)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg")


def _demo_at(day: datetime.date, rng) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randrange(8, 17), rng.randrange(60)))
    )


def load_spotchecks(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """The demo's spot-checks (`seed-demo`), once: two samples of the demo county's closed
    hazards in the last quarter. The older one, drawn about ten weeks ago, is done but for one
    overdue check; two fixes did not hold, and those hazards were reopened, rectified again and
    closed again. The newer one, drawn about two weeks ago, is under way: most checks done, one
    fix that did not hold (its hazard reopened and being rectified now), a few still due.
    Every recorded check has its photo, place and time; the sampled hazards get photos before
    and after rectification so that the pages show them side by side.

    Like the rest of the demo it writes no audit entries and keeps the story's timestamps.
    Returns the counts; {} when spot-checks already exist or the demo county has none to draw.
    """
    import random

    from safecampus.accounts.models import User
    from safecampus.hazards.choices import DEFAULT_DEADLINE_DAYS
    from safecampus.hazards.demo import historic_timestamps
    from safecampus.hazards.models import HazardTransition

    if SpotCheckSample.objects.exists():
        return {}
    county = OrgNode.objects.filter(kind=NodeKind.COUNTY, name=DEMO_COUNTY).order_by("path").first()
    if county is None:
        return {}
    pool = assignee_pool(county)
    if not pool:
        return {}
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    rng = random.Random(seed * 7919 + 17)
    drawer = User.objects.filter(username="bureau").first() or pool[0].user
    school_users = {
        u.username: u for u in User.objects.filter(username__in=["safety", "principal"])
    }
    plans = [
        # days ago drawn, window of closing dates (days ago), size, days to check, still due
        {"drawn": 70, "window": (160, 75), "count": 16, "days": 30, "open": 1, "failed": 2},
        {"drawn": 16, "window": (75, 18), "count": 12, "days": 28, "open": 4, "failed": 1},
    ]
    counts = {"samples": 0, "checks": 0, "recorded": 0, "failed": 0, "due": 0, "photos": 0}
    D = datetime.timedelta
    with transaction.atomic(), historic_timestamps(SpotCheckSample, SpotCheck, HazardTransition):
        for plan in plans:
            drawn_day = today - D(days=plan["drawn"])
            drawn_at = _demo_at(drawn_day, rng)
            first, last = (today - D(days=d) for d in plan["window"])
            found = dict(
                candidates(None, region=county, closed_from=first, closed_to=last).values_list(
                    "number", "pk"
                )
            )
            if not found:
                continue
            population = sorted(found)
            sample_seed = f"{rng.getrandbits(128):032x}"
            drawn = draw_order(sample_seed, population)[: min(plan["count"], len(population))]
            rows = Hazard.objects.select_related("org", "org__school").in_bulk(
                [found[n] for n in drawn]
            )
            hazards = [rows[found[n]] for n in drawn]
            people = assign_round_robin(hazards, pool)
            due_on = drawn_day + D(days=plan["days"])
            sample = SpotCheckSample(
                org=county,
                org_path=county.path,
                title=f"{drawn_day.year}年第{counts['samples'] + 1}批已销号隐患抽查复核",
                region=county,
                closed_from=first,
                closed_to=last,
                size_count=plan["count"],
                seed=sample_seed,
                population=population,
                population_size=len(population),
                drawn_at=drawn_at,
                drawn_by=drawer,
                due_on=due_on,
                note="按照“双随机”要求抽取，复核整改是否巩固。",
                created_at=drawn_at,
                updated_at=drawn_at,
            )
            SpotCheckSample.objects.bulk_create([sample])
            counts["samples"] += 1
            recorded = len(hazards) - min(plan["open"], len(hazards) - 1)
            failing = set(rng.sample(range(recorded), min(plan["failed"], recorded)))
            last_day = min(due_on - D(days=1), today - D(days=1))
            checks = []
            for position, (hazard, person) in enumerate(zip(hazards, people, strict=True), 1):
                check = SpotCheck(
                    org_id=hazard.org_id,
                    org_path=hazard.org_path,
                    sample=sample,
                    hazard=hazard,
                    position=position,
                    assignee=person,
                    due_on=due_on,
                    created_at=drawn_at,
                    updated_at=drawn_at,
                )
                index = position - 1
                if index < recorded:
                    span = max((last_day - drawn_day).days - 1, 1)
                    day = drawn_day + D(days=1 + rng.randrange(span))
                    if index in failing and plan["open"] > 1:
                        day = max(day, today - D(days=4))  # the newer sample's failure is recent
                    school = getattr(hazard.org, "school", None)
                    check.outcome = Outcome.NOT_HELD if index in failing else Outcome.HELD
                    check.checked_at = _demo_at(day, rng)
                    check.checked_by = person
                    check.note = rng.choice(
                        DEMO_FAILED_NOTES if index in failing else DEMO_HELD_NOTES
                    )
                    if school is not None and school.latitude is not None:
                        jitter = lambda: Decimal(rng.randrange(-30, 31)) / 100000  # noqa: E731
                        check.latitude = school.latitude + jitter()
                        check.longitude = school.longitude + jitter()
                        check.accuracy = rng.randrange(6, 30)
                    check.updated_at = check.checked_at
                    check.version = 2
                    check.reopened = index in failing
                checks.append(check)
            SpotCheck.objects.bulk_create(checks)
            counts["checks"] += len(checks)
            for check in checks:
                hazard = check.hazard
                if not hazard_photos_exist(hazard):
                    attach_photo(upload=_demo_photo(rng, (170, 60, 50)), to=hazard, kind="before")
                    attach_photo(upload=_demo_photo(rng, (70, 140, 90)), to=hazard, kind="after")
                    counts["photos"] += 2
                if not check.outcome:
                    counts["due"] += 1
                    continue
                counts["recorded"] += 1
                colour = (80, 150, 95) if check.outcome == Outcome.HELD else (180, 70, 55)
                attach_photo(upload=_demo_photo(rng, colour), to=check, kind=PHOTO_KIND)
                counts["photos"] += 1
                if check.outcome == Outcome.NOT_HELD:
                    counts["failed"] += 1
                    _demo_reopen(
                        check,
                        rng,
                        today=today,
                        settled=plan["open"] <= 1,
                        school_users=school_users,
                        drawer=drawer,
                        deadline_days=DEFAULT_DEADLINE_DAYS[hazard.grade],
                    )
    return counts if counts["samples"] else {}


def hazard_photos_exist(hazard) -> bool:
    return photos_of(hazard).filter(kind__in=("before", "after")).exists()


def _demo_reopen(check, rng, *, today, settled, school_users, drawer, deadline_days) -> None:
    """The demo's failed check reopened its hazard; in the older sample it was rectified and
    closed again since."""
    from safecampus.hazards import rechecks
    from safecampus.hazards.models import HazardTransition

    hazard = check.hazard
    at = check.checked_at
    day = timezone.localtime(at).date()
    moves = [
        HazardTransition(
            hazard=hazard,
            action="reopen",
            from_status=Status.CLOSED,
            to_status=Status.RECTIFYING,
            by=check.checked_by,
            at=at,
            comment=f"抽查复核（{day.isoformat()}）：整改未巩固。{check.note}",
        )
    ]
    deadline = max(day + datetime.timedelta(days=deadline_days), today + datetime.timedelta(days=2))
    fields = {
        "status": Status.RECTIFYING,
        "closed_at": None,
        "accepted_by": None,
        "submitted_by": None,
        "submitted_at": None,
        "recheck_on": None,
        "deadline": deadline,
        "version": hazard.version + 1,
        "updated_at": at,
    }
    if settled:
        school_side = school_users.get("safety") if hazard.org.name == "冯记沟中心小学" else None
        submitted = at + datetime.timedelta(days=rng.randrange(3, 7), hours=2)
        accepted = submitted + datetime.timedelta(days=rng.randrange(1, 4))
        moves.append(
            HazardTransition(
                hazard=hazard,
                action="submit",
                from_status=Status.RECTIFYING,
                to_status=Status.SUBMITTED,
                by=school_side,
                at=submitted,
                comment="按抽查复核意见重新整改，并落实日常检查。",
            )
        )
        moves.append(
            HazardTransition(
                hazard=hazard,
                action="accept",
                from_status=Status.SUBMITTED,
                to_status=Status.CLOSED,
                by=drawer,
                at=accepted,
            )
        )
        fields.update(
            status=Status.CLOSED,
            deadline=day + datetime.timedelta(days=deadline_days),
            closed_at=accepted,
            accepted_by=drawer,
            submitted_by=school_side,
            submitted_at=submitted,
            recheck_on=timezone.localtime(accepted).date() + datetime.timedelta(days=30),
            rectification=(hazard.rectification + "\n" if hazard.rectification else "")
            + "抽查复核发现整改未巩固，已重新整改。",
            version=hazard.version + 3,
            updated_at=accepted,
        )
    HazardTransition.objects.bulk_create(moves)
    Hazard.objects.filter(pk=hazard.pk).update(**fields)
    rechecks.recompute([hazard.pk])
