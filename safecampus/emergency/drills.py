"""Writes of the drill capability: planning a drill, recording it as held (or recording one
directly), cancelling, the evaluator's sign-off, and the problems a drill revealed — each of
which can raise a hazard in the ledger or become a follow-up task with an owner and a date.

Each function is one transaction that checks the role table, validates first, claims the
drill's `version` (so two people recording the same planned drill cannot both win), writes
its rows and an audit entry on the drill, and changes nothing when it refuses.

The evacuation time is typed as people say it ("3分40秒", "3:40", "220"): `parse_duration`
is the one parser of it, used by the pages and the API alike.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import assignments, can
from safecampus.core.attachments import attach_photo
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.dates import day_range
from safecampus.core.errors import NotAllowed
from safecampus.core.services import claim_version, create_record, update_record
from safecampus.emergency.choices import DrillStatus
from safecampus.emergency.models import Drill, DrillBuilding, DrillProblem
from safecampus.orgs.models import School

MAX_SECONDS = 3600  # the model's bound: an evacuation of more than an hour is a typing error
# A drill is recorded after it happened; a few minutes of clock difference are forgiven.
CLOCK_SKEW = datetime.timedelta(minutes=10)

# ------------------------------------------------------------------------------ durations

_WIDE = str.maketrans("０１２３４５６７８９：．，", "0123456789:..")
_NUMBER = r"([0-9]+(?:\.[0-9]+)?)"
_MINUTES = r"(?:分钟|分|minutes|minute|mins|min|m|′|')"
_SECONDS = r"(?:秒钟|秒|seconds|second|secs|sec|s|″|\"|'')"
_COLON = re.compile(r"^([0-9]+):([0-9]{1,2})(?::([0-9]{1,2}))?$")
_UNITS = re.compile(
    rf"^(?:{_NUMBER}{_MINUTES})?(?:{_NUMBER}(?P<sunit>{_SECONDS})?)?$"  # 3分40秒 / 3分40 / 40秒
)


def _duration_error() -> ValidationError:
    return ValidationError(
        _("Enter the time as 3分40秒, 3:40 or a number of seconds."), code="invalid_duration"
    )


def parse_duration(value) -> int | None:
    """Seconds from what people type: 220, 220秒, 3分40秒, 3分40, 3分钟, 3.5分, 3:40, 0:03:40,
    3'40", 3 min 40 s (full-width digits too). Empty is None; anything else is a
    ValidationError the user can read. Seconds after minutes must be under 60."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _duration_error()
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, float):
        if value != value:  # NaN
            raise _duration_error()
        seconds = round(value)
    else:
        text = re.sub(r"\s+", "", str(value).translate(_WIDE)).lower()
        if not text:
            return None
        seconds = _parse_text(text)
    if seconds < 1:
        raise ValidationError(_("An evacuation takes at least one second."), code="too_short")
    if seconds > MAX_SECONDS:
        raise ValidationError(
            _("An evacuation time over an hour is surely a typing error: check it."),
            code="too_long",
        )
    return seconds


def _parse_text(text: str) -> int:
    if len(text) > 30:
        raise _duration_error()
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    match = _COLON.match(text)
    if match:
        first, second, third = match.groups()
        if third is None:  # m:ss
            minutes, secs, hours = int(first), int(second), 0
        else:  # h:mm:ss
            hours, minutes, secs = int(first), int(second), int(third)
            if minutes >= 60:
                raise _duration_error()
        if secs >= 60:
            raise _duration_error()
        return hours * 3600 + minutes * 60 + secs
    match = _UNITS.match(text)
    if not match or not (match.group(1) or match.group(2)):
        raise _duration_error()
    minutes, secs = match.group(1), match.group(2)
    if secs is not None and minutes is None and match.group("sunit") is None:
        raise _duration_error()  # a bare decimal such as "3.5" says no unit
    total = float(minutes or 0) * 60 + float(secs or 0)
    if minutes is not None and secs is not None and float(secs) >= 60:
        raise _duration_error()
    return round(total)


def format_duration(seconds: int | None) -> str:
    """3分40秒, 2分钟, 40秒 (3 min 40 s in English): a form reads it back unchanged."""
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    if not minutes:
        return _("%(s)d s") % {"s": secs}
    if not secs:
        return _("%(m)d min") % {"m": minutes}
    return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}


# ------------------------------------------------------------------------------- checking


def _require(by, action: str, org) -> None:
    if by is not None and not can(by, action, Drill, org):
        raise NotAllowed(_("Your role does not allow this here."))


def _school(node) -> None:
    if node is None or not node.is_school:
        raise ValidationError({"org": _("A drill belongs to a school.")})


def _not_in_future(held_at: datetime.datetime | None) -> None:
    if held_at is None:
        raise ValidationError({"held_at": _("Say when the drill was held.")})
    if held_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            {"held_at": _("A drill is recorded once it has been held: this time is still ahead.")}
        )


def _grades(value) -> dict:
    """{"一年级": 120, ...}: names of grades and whole numbers of pupils."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            {"students_by_grade": _("Give the pupils per grade as pairs of grade and number.")}
        )
    out = {}
    for name, count in value.items():
        name = str(name).strip()
        if not name:
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationError(
                {
                    "students_by_grade": _("“%(grade)s”: give a whole number of pupils.")
                    % {"grade": name}
                }
            )
        out[name] = count
    return out


def _clean_buildings(buildings) -> list[DrillBuilding]:
    rows = []
    for row in buildings or ():
        row = dict(row)
        name = str(row.get("name") or "").strip()
        if not name and row.get("seconds") in (None, ""):
            continue  # an empty line of the form
        seconds = parse_duration(row.get("seconds"))
        if seconds is None:
            raise ValidationError(
                {"buildings": _("“%(name)s”: give its evacuation time.") % {"name": name}}
            )
        building = DrillBuilding(name=name, storeys=row.get("storeys") or 1, seconds=seconds)
        try:
            building.full_clean(exclude=["drill"])
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError({"buildings": f"{name or _('Building')}: {messages}"}) from None
        rows.append(building)
    return rows


def _buildings_text(rows) -> str:
    return "；".join(
        _("%(name)s (%(storeys)s storeys) %(time)s")
        % {"name": b.name, "storeys": b.storeys, "time": format_duration(b.seconds)}
        for b in rows
    )


def _replace_buildings(drill: Drill, rows: list[DrillBuilding]) -> bool:
    """Store `rows` as the drill's buildings; True when anything changed."""
    old = [(b.name, b.storeys, b.seconds) for b in drill.buildings.all()]
    new = [(b.name, b.storeys, b.seconds) for b in rows]
    if old == new:
        return False
    drill.buildings.all().delete()
    for b in rows:
        b.drill = drill
    DrillBuilding.objects.bulk_create(rows)
    return True


def _owner_ok(drill: Drill, owner) -> None:
    if owner is not None and not drill.org.is_within_path(owner.org_path):
        raise ValidationError(
            {"owner": _("The owner must belong to the school or a level above it.")}
        )


# --------------------------------------------------------------------------------- writes


@transaction.atomic
def drill_plan(
    *,
    school,
    by,
    scenario: str,
    planned_for: datetime.datetime,
    title: str = "",
    is_night: bool = False,
    plan=None,
) -> Drill:
    """Put a drill on the school's calendar."""
    _school(school)
    _require(by, "add", school)
    if planned_for is None:
        raise ValidationError({"planned_for": _("Say when the drill is planned.")})
    if plan is not None and plan.org_id != school.pk and not school.is_within_path(plan.org_path):
        raise ValidationError({"plan": _("The plan belongs to another school or region.")})
    drill = Drill(
        org=school,
        scenario=scenario,
        title=title,
        status=DrillStatus.PLANNED,
        planned_for=planned_for,
        is_night=is_night,
        plan=plan,
        created_by=by if getattr(by, "pk", None) else None,
    )
    return create_record(instance=drill, by=by)


RECORD_FIELDS = (
    "scenario",
    "title",
    "held_at",
    "is_night",
    "students",
    "staff",
    "students_by_grade",
    "evacuation_seconds",
    "assembly_point",
    "police_joined",
    "fire_joined",
    "other_units",
    "summary",
    "evaluator_name",
    "plan",
)


@transaction.atomic
def drill_record(
    *,
    by,
    held_at: datetime.datetime,
    school=None,
    drill: Drill | None = None,
    expected_version: int | None = None,
    scenario: str = "",
    buildings=(),
    problems=(),
    photos=(),
    **fields,
) -> Drill:
    """Record a drill as held: the planned `drill` (which must still be planned), or a new one
    at `school` recorded directly. `fields` are the record's own (see RECORD_FIELDS); an
    evaluator's name signs it off at once."""
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"drill_record: unknown fields {sorted(unknown)}")
    _not_in_future(held_at)
    data = dict(fields)
    data["held_at"] = held_at
    data["students_by_grade"] = _grades(data.get("students_by_grade"))
    if not data.get("students") and data["students_by_grade"]:
        data["students"] = sum(data["students_by_grade"].values())
    if "evacuation_seconds" in data:
        data["evacuation_seconds"] = parse_duration(data["evacuation_seconds"])
    if data.get("evaluator_name"):
        data["evaluated_at"] = timezone.now()
    rows = _clean_buildings(buildings)

    if drill is None:
        _school(school)
        _require(by, "add", school)
        instance = Drill(
            org=school,
            scenario=scenario,
            status=DrillStatus.HELD,
            created_by=by if getattr(by, "pk", None) else None,
        )
        for name, value in data.items():
            setattr(instance, name, value)
        create_record(instance=instance, by=by)
    else:
        _require(by, "change", drill.org)
        if drill.status != DrillStatus.PLANNED:
            raise ValidationError(
                {
                    "status": _(
                        "Only a planned drill can be recorded as held; this one is %(status)s."
                    )
                    % {"status": drill.get_status_display()}
                }
            )
        instance = drill
        before = snapshot(instance)
        if scenario:
            data["scenario"] = scenario
        for name, value in data.items():
            setattr(instance, name, value)
        instance.status = DrillStatus.HELD
        instance.full_clean()
        claim_version(instance, expected_version)
        instance.save()
        audit(
            instance=instance,
            action="transition",
            transition="drill:record",
            by=by,
            changes=diff(before, snapshot(instance)),
        )
    if rows:
        _replace_buildings(instance, rows)
        audit(instance=instance, action="update", by=by, comment=_buildings_text(rows))
    for problem in problems or ():
        problem = dict(problem)
        if not str(problem.get("text") or "").strip():
            continue
        problem_add(drill=instance, by=by, **problem)
    drill_add_photos(drill=instance, by=by, photos=photos)
    return instance


@transaction.atomic
def drill_update(
    *,
    drill: Drill,
    by,
    data: dict,
    expected_version: int | None,
    buildings=None,
) -> Drill:
    """Correct a planned or held drill's own fields (and, with `buildings`, replace its
    buildings). Its status moves only through drill_record and drill_cancel."""
    _require(by, "change", drill.org)
    if drill.status == DrillStatus.CANCELLED:
        raise ValidationError(_("A cancelled drill is kept as it was: plan a new one instead."))
    data = dict(data)
    if "status" in data and data["status"] != drill.status:
        raise ValidationError(
            {"status": _("Record the drill as held, or cancel it, instead of changing its status.")}
        )
    data.pop("status", None)
    data.pop("org", None)  # a drill stays at its school
    if "evacuation_seconds" in data:
        data["evacuation_seconds"] = parse_duration(data["evacuation_seconds"])
    if "students_by_grade" in data:
        data["students_by_grade"] = _grades(data["students_by_grade"])
    if drill.status == DrillStatus.HELD and "held_at" in data:
        _not_in_future(data["held_at"])
    if drill.status == DrillStatus.PLANNED and data.get("held_at"):
        raise ValidationError({"held_at": _("Record the drill as held to say when it was held.")})
    if data.get("evaluator_name") and data["evaluator_name"] != drill.evaluator_name:
        data["evaluated_at"] = timezone.now()
    rows = None if buildings is None else _clean_buildings(buildings)
    version_before = drill.version
    update_record(instance=drill, by=by, data=data, expected_version=expected_version)
    if rows is not None and _replace_buildings(drill, rows):
        if drill.version == version_before:  # only the buildings changed: still a new version
            claim_version(drill, expected_version)
        audit(
            instance=drill,
            action="update",
            by=by,
            comment=_buildings_text(rows) or _("Buildings removed."),
        )
    return drill


@transaction.atomic
def drill_cancel(*, drill: Drill, by, reason: str, expected_version: int | None = None) -> Drill:
    """Take a planned drill off the calendar, saying why (it stays on file)."""
    _require(by, "change", drill.org)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("Say why the drill is cancelled.")})
    if drill.status != DrillStatus.PLANNED:
        raise ValidationError(
            {"status": _("Only a planned drill can be cancelled; this one is %(status)s.")
             % {"status": drill.get_status_display()}}
        )  # fmt: skip
    before = snapshot(drill)
    drill.status = DrillStatus.CANCELLED
    drill.cancel_reason = reason[:200]
    drill.full_clean()
    claim_version(drill, expected_version)
    drill.save()
    audit(
        instance=drill,
        action="transition",
        transition="drill:cancel",
        by=by,
        changes=diff(before, snapshot(drill)),
        comment=reason,
    )
    return drill


@transaction.atomic
def drill_sign_off(
    *, drill: Drill, by, evaluator_name: str, expected_version: int | None = None
) -> Drill:
    """The evaluator's sign-off of a held drill (谁评估、谁签字)."""
    _require(by, "change", drill.org)
    name = (evaluator_name or "").strip()
    if not name:
        raise ValidationError({"evaluator_name": _("The evaluator signs with their name.")})
    if drill.status != DrillStatus.HELD:
        raise ValidationError({"status": _("Only a held drill can be signed off.")})
    before = snapshot(drill)
    drill.evaluator_name = name[:50]
    drill.evaluated_at = timezone.now()
    drill.full_clean()
    claim_version(drill, expected_version)
    drill.save()
    audit(
        instance=drill,
        action="transition",
        transition="drill:sign_off",
        by=by,
        changes=diff(before, snapshot(drill)),
    )
    return drill


def drill_add_photos(*, drill: Drill, by, photos) -> list:
    """Photos of the drill, re-encoded like every photo (core.attachments)."""
    photos = [p for p in photos or () if p]
    if not photos:
        return []
    _require(by, "change", drill.org)
    with transaction.atomic():
        stored = [attach_photo(upload=p, to=drill, kind="drill", by=by) for p in photos]
        audit(
            instance=drill,
            action="update",
            by=by,
            comment=_("%(count)d photos added.") % {"count": len(stored)},
        )
    return stored


# ------------------------------------------------------------------------------- problems


@transaction.atomic
def problem_add(
    *,
    drill: Drill,
    by,
    text: str,
    follow_up: str = "",
    owner=None,
    due_on: datetime.date | None = None,
    raise_hazard: bool = False,
    category: str = "",
    grade: str = "",
) -> DrillProblem:
    """A problem the drill revealed; with `raise_hazard` it enters the hazard ledger at once,
    otherwise a `follow_up` with an owner and a date makes it a task."""
    _require(by, "change", drill.org)
    if drill.status != DrillStatus.HELD:
        raise ValidationError(_("Problems are recorded for a drill that was held."))
    _owner_ok(drill, owner)
    problem = DrillProblem(
        drill=drill,
        text=(text or "").strip(),
        follow_up=follow_up or "",
        owner=owner,
        due_on=due_on,
    )
    if follow_up and due_on is None:
        raise ValidationError({"due_on": _("A follow-up task needs a date it is due.")})
    problem.full_clean()
    problem.save()
    audit(
        instance=drill,
        action="update",
        by=by,
        comment=_("Problem found: %(text)s") % {"text": problem.text},
    )
    if raise_hazard:
        problem_raise_hazard(problem=problem, by=by, category=category, grade=grade)
    return problem


@transaction.atomic
def problem_raise_hazard(*, problem: DrillProblem, by, category: str = "", grade: str = ""):
    """Enter the problem in the hazard ledger (hazards.services.hazard_report) and link it.
    A problem raises at most one hazard, even when two people click at once."""
    from safecampus.hazards.choices import Category, Grade, Source
    from safecampus.hazards.services import hazard_report

    drill = problem.drill
    _require(by, "change", drill.org)
    if problem.hazard_id:
        raise ValidationError(_("This problem has already raised a hazard."))
    when = drill.held_at or timezone.now()
    hazard = hazard_report(
        school=drill.org,
        by=by,
        description=_("Found in the drill of %(date)s (%(scenario)s): %(text)s")
        % {
            "date": timezone.localtime(when).date().isoformat(),
            "scenario": drill.get_scenario_display(),
            "text": problem.text,
        },
        category=category or Category.OTHER,
        grade=grade or Grade.GENERAL,
        source=Source.OTHER,
        found_at=min(when, timezone.now()),
    )
    claimed = DrillProblem.objects.filter(pk=problem.pk, hazard__isnull=True).update(hazard=hazard)
    if claimed != 1:
        raise ValidationError(_("This problem has already raised a hazard."))
    problem.hazard = hazard
    audit(
        instance=drill,
        action="transition",
        transition="drill:raise_hazard",
        by=by,
        comment=_("Hazard %(number)s raised: %(text)s")
        % {"number": hazard.number, "text": problem.text},
    )
    return hazard


@transaction.atomic
def problem_done(*, problem: DrillProblem, by) -> DrillProblem:
    """The follow-up task of a problem is done."""
    drill = problem.drill
    _require(by, "change", drill.org)
    now = timezone.now()
    if DrillProblem.objects.filter(pk=problem.pk, done_at__isnull=True).update(done_at=now) != 1:
        raise ValidationError(_("This follow-up task is already done."))
    problem.done_at = now
    audit(
        instance=drill,
        action="update",
        by=by,
        comment=_("Follow-up done: %(text)s") % {"text": problem.follow_up or problem.text},
    )
    return problem


# ---------------------------------------------------------------------------------- reads


def drills_between(qs, first: datetime.date, last: datetime.date):
    """Drills of `qs` that fall on the days `first`–`last`: held ones by when they were held,
    planned and cancelled ones by when they were planned."""
    from django.db.models import Q

    start, end = day_range(first, last)
    return qs.filter(
        Q(status=DrillStatus.HELD, held_at__gte=start, held_at__lt=end)
        | (~Q(status=DrillStatus.HELD) & Q(planned_for__gte=start, planned_for__lt=end))
    )


def when_of(drill: Drill) -> datetime.datetime | None:
    return drill.held_at if drill.status == DrillStatus.HELD else drill.planned_for


def with_counts(qs):
    """`qs` with each drill's `problem_count` and `building_count`, counted for the rows
    shown only (a province lists 250,000 drills)."""
    from safecampus.core.listing import count_of

    return qs.annotate(
        problem_count=count_of(DrillProblem, "drill"),
        building_count=count_of(DrillBuilding, "drill"),
    )


def month_calendar(qs, first: datetime.date, last: datetime.date, *, per_day: int = 4):
    """The drills of `qs` on the days `first`–`last` as a month's calendar shows them:
    ({day: the first `per_day` drills by time}, {day: how many in all}, {status: how
    many}). Counted and ranked in SQL: a province's month holds some 20,000 drills, of
    which the calendar shows at most `per_day` a day. Each drill shown carries `when_`, the
    moment `when_of` gives."""
    from collections import Counter

    from django.db.models import Case, Count, F, When, Window
    from django.db.models.functions import RowNumber, TruncDate

    when = Case(When(status=DrillStatus.HELD, then=F("held_at")), default=F("planned_for"))
    # The month's dates pick its rows (both time columns are indexed), not a province's path.
    month = drills_between(qs.by_other_filters(), first, last)
    month = month.annotate(when_=when).annotate(day_=TruncDate("when_"))
    totals: dict[datetime.date, int] = {}
    statuses: Counter = Counter()
    counted = month.order_by().values_list("day_", "status").annotate(n=Count("pk"))
    for day, status, n in counted:
        totals[day] = totals.get(day, 0) + n
        statuses[status] += n
    # Ranked over the month's slim rows, then the few shown read with their schools.
    ranked = month.annotate(
        day_rank=Window(RowNumber(), partition_by=[F("day_")], order_by=[F("when_"), F("pk")])
    ).filter(day_rank__lte=per_day)
    shown = (
        month.filter(pk__in=list(ranked.values_list("pk", flat=True)))
        .select_related("org")
        .order_by("when_", "pk")
    )
    by_day: dict[datetime.date, list] = {}
    for drill in shown:
        by_day.setdefault(drill.day_, []).append(drill)
    return by_day, totals, statuses


# ---------------------------------------------------------------------------------- home

MANAGER_ROLES = ("principal", "safety_officer")


def todo_items(user) -> list[dict]:
    """The home page's "drills due" for a school's principal and safety officer: this month's
    (this quarter's, for a kindergarten) drill still missing, and drills planned for today."""
    from safecampus.emergency import compliance

    schools = [
        a.org
        for a in assignments(user)
        if a.role in MANAGER_ROLES and a.org.is_school and can(user, "add", Drill, a.org)
    ]
    if not schools:
        return []
    today = timezone.localdate()
    kinds = dict(School.objects.filter(node__in=schools).values_list("node_id", "school_kind"))
    quarter_start = compliance.quarter_of(today).start
    month_start = today.replace(day=1)
    held: dict[int, list] = {}
    planned_today = 0
    rows = drills_between(
        Drill.objects.filter(org__in=schools), min(quarter_start, month_start), today
    )
    for drill in rows.only("org_id", "status", "held_at", "planned_for"):
        if drill.status == DrillStatus.HELD:
            day = timezone.localtime(drill.held_at).date()
            held.setdefault(drill.org_id, []).append(day)
        elif (
            drill.status == DrillStatus.PLANNED
            and timezone.localtime(drill.planned_for).date() == today
        ):
            planned_today += 1
    calendars = compliance.calendars_of(schools, today)
    missing, quarterly = [], []
    for school in schools:
        kind = kinds.get(school.pk)
        if kind in compliance.QUARTERLY_KINDS:
            period = compliance.quarter_of(today)
        elif kind in compliance.MONTHLY_KINDS:
            period = compliance.month_period(today)
        else:
            continue
        if not calendars[school.pk].school_days(period.start, period.end):
            continue  # a month of holidays: nothing is due
        if not any(day >= period.start for day in held.get(school.pk, ())):
            missing.append(school)
            quarterly.append(kind in compliance.QUARTERLY_KINDS)
    items = []
    if missing:
        if all(quarterly):
            label = _("Drill of this quarter not yet held")
        elif not any(quarterly):
            label = _("Drill of this month not yet held")
        else:
            label = _("Drills due this month or quarter")
        items.append(
            {
                "label": label,
                "count": len(missing),
                "url": reverse("drills:record") + f"?school={missing[0].pk}",
                "severity": "due",
                "key": "drills-due",
            }
        )
    if planned_today:
        items.append(
            {
                "label": _("Drills planned for today"),
                "count": planned_today,
                "url": reverse("drills:calendar"),
                "severity": "due",
                "key": "drills-today",
            }
        )
    return items
