"""Writes of the hazard capability: reporting, inspecting, and every workflow move.

Each function is one transaction that validates first, writes its rows, its transition and
its audit entry, and changes nothing when it refuses.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import assignments, can
from safecampus.core.attachments import attach_photo
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import NotAllowed
from safecampus.core.services import claim_version, create_record
from safecampus.hazards import joint, rechecks
from safecampus.hazards.choices import (
    DEFAULT_DEADLINE_DAYS,
    DEFAULT_LADDER_DAYS,
    ESCALATION_LADDER,
    OPEN_STATUSES,
    Answer,
    Grade,
    Source,
    Status,
)
from safecampus.hazards.models import (
    ChecklistVersion,
    DeadlinePolicy,
    Hazard,
    HazardCounter,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
)
from safecampus.hazards.workflow import MOVES, Move
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode
from safecampus.orgs.selectors import nearest_setting

# ------------------------------------------------------------------------------ numbering


def numbering_region(school: OrgNode) -> OrgNode:
    """The county (or the nearest region above the school) whose sequence numbers hazards."""
    ancestors = list(school.ancestors())
    for kind in (NodeKind.COUNTY, NodeKind.CITY, NodeKind.PROVINCE):
        for node in reversed(ancestors):
            if node.kind == kind:
                return node
    return ancestors[-1] if ancestors else school


def next_number(school: OrgNode, year: int) -> str:
    """盐池-2026-000123: unique per county and year, claimed with an atomic counter."""
    region = numbering_region(school)
    counter, _created = HazardCounter.objects.get_or_create(county=region, year=year)
    HazardCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    prefix = region.short_name or region.name
    return f"{prefix}-{year}-{counter.last:06d}"


# ------------------------------------------------------------------------------- policies


def policy_for(node: OrgNode) -> DeadlinePolicy:
    """The deadline policy of the nearest node at or above `node`; the defaults otherwise."""
    return nearest_setting(DeadlinePolicy, node)


def default_deadline(
    node: OrgNode, grade: str, start: datetime.date | None = None
) -> datetime.date:
    start = start or timezone.localdate()
    policy = policy_for(node)
    days = policy.days_for(grade) if policy.pk else DEFAULT_DEADLINE_DAYS[grade]
    return start + datetime.timedelta(days=days)


# ------------------------------------------------------------------------------ reporting


def _require(user, action: str, model, org) -> None:
    if user is not None and not can(user, action, model, org):
        raise NotAllowed(_("Your role does not allow this here."))


@transaction.atomic
def hazard_report(
    *,
    school: OrgNode,
    by,
    description: str,
    category: str,
    grade: str = Grade.GENERAL,
    source: str = Source.OTHER,
    spot=None,
    found_at: datetime.datetime | None = None,
    temporary_measures: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    inspection: Inspection | None = None,
    answer: InspectionAnswer | None = None,
    photos=(),
    status: str = Status.REPORTED,
) -> Hazard:
    """A new hazard in the ledger (or awaiting review, for a report from the public)."""
    if not school.is_school:
        raise ValidationError({"school": _("A hazard belongs to a school.")})
    _require(by, "add", Hazard, school)
    if spot is not None and spot.org_id != school.pk:
        raise ValidationError({"spot": _("The spot belongs to another school.")})
    found_at = found_at or timezone.now()
    hazard = Hazard(
        org=school,
        spot=spot,
        category=category,
        grade=grade,
        description=description,
        source=source,
        status=status,
        found_at=found_at,
        reported_by=by if getattr(by, "pk", None) else None,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        temporary_measures=temporary_measures,
        inspection=inspection,
        answer=answer,
        number="pending",
    )
    hazard.full_clean(exclude=["number"])
    hazard.number = next_number(school, timezone.localtime(found_at).year)
    create_record(instance=hazard, by=by)
    for upload in photos:
        attach_photo(upload=upload, to=hazard, kind="before", by=by)
    _events().hazard_reported(hazard)
    return hazard


def _events():
    """The notification side of each write (imported late: notify depends on hazards)."""
    from safecampus.notify import hazard_events

    return hazard_events


# ------------------------------------------------------------------------------- workflow


def roles_for_move(user, hazard: Hazard, move: Move) -> list:
    """The user's assignments that let them make `move` on `hazard`."""
    if user is None or not user.is_authenticated:
        return []
    return [
        a
        for a in assignments(user)
        if a.role in move.roles
        and hazard.org.is_within_path(a.org_path)
        and not (move.above_school and a.org_path == hazard.org_path)
    ]


def may_move(user, hazard: Hazard, move: Move) -> bool:
    """Superusers may make every move; others need a role the move names, at or above the school."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or bool(roles_for_move(user, hazard, move))


class Refusal:
    """Why a move cannot be made: a wrong state is bad input (400), a role or duty is 403."""

    STATE, ROLE, DUTY = "state", "role", "duty"

    def __init__(self, kind: str, message: str):
        self.kind, self.message = kind, message


def move_refusal(user, hazard: Hazard, action: str) -> Refusal | None:
    """Why `user` may not make `action` on `hazard` now, or None if they may."""
    move = MOVES.get(action)
    if move is None:
        return Refusal(Refusal.STATE, _("Unknown action: %(action)s.") % {"action": action})
    if hazard.status not in move.sources:
        message = _("A hazard that is “%(status)s” cannot be moved by “%(action)s”.") % {
            "status": hazard.get_status_display(),
            "action": move.label,
        }
        return Refusal(Refusal.STATE, message)
    if not may_move(user, hazard, move):
        message = _("Your role does not allow “%(action)s” on this hazard.") % {
            "action": move.label
        }
        return Refusal(Refusal.ROLE, message)
    if move.not_the_submitter and hazard.submitted_by_id and user.pk == hazard.submitted_by_id:
        message = _(
            "Whoever submitted a rectification cannot accept or reject it: someone else must verify it."
        )
        return Refusal(Refusal.DUTY, message)
    return None


def allowed_moves(user, hazard: Hazard) -> list[Move]:
    return [m for m in MOVES.values() if move_refusal(user, hazard, m.action) is None]


def _missing(move: Move, data: dict, comment: str) -> dict:
    errors = {}
    for name in move.needs:
        value = comment if name == "comment" else data.get(name)
        if value in (None, "", []):
            errors[name] = [_("This is needed to %(action)s.") % {"action": move.label}]
    return errors


@transaction.atomic
def hazard_move(
    *,
    hazard: Hazard,
    action: str,
    by,
    expected_version: int | None = None,
    comment: str = "",
    data: dict | None = None,
    photos=(),
) -> Hazard:
    """Make one workflow move. Refused moves raise and change nothing."""
    data = dict(data or {})
    refusal = move_refusal(by, hazard, action)
    if refusal is not None:
        if refusal.kind == Refusal.STATE:
            raise ValidationError({"action": [refusal.message]})
        raise NotAllowed(refusal.message)
    move = MOVES[action]
    errors = _missing(move, data, comment)
    before = snapshot(hazard)
    evidence: dict = {}
    today = timezone.localdate()

    if action == "confirm":
        grade = data.get("grade") or hazard.grade
        if grade == Grade.MAJOR and not (data.get("plan") or hazard.plan):
            errors["plan"] = [
                _("A major hazard needs a rectification plan (suspension, plan and time).")
            ]
        person = data.get("responsible_person")
        if person is not None and not hazard.org.is_within_path(person.org_path):
            errors["responsible_person"] = [
                _("The responsible person must belong to the school or a level above it.")
            ]
        deadline = data.get("deadline") or default_deadline(hazard.org, grade, today)
        if deadline < today:
            errors["deadline"] = [_("The deadline cannot be in the past.")]
        if not errors:
            hazard.grade = grade
            hazard.responsible_person = person
            hazard.measures = data.get("measures", hazard.measures)
            hazard.deadline = deadline
            hazard.plan = data.get("plan", hazard.plan)
            hazard.temporary_measures = data.get("temporary_measures", hazard.temporary_measures)
            for field in ("cost", "funding_note", "category"):
                if field in data:
                    setattr(hazard, field, data[field])
    elif action == "submit":
        if not photos and not data.get("no_photo_reason"):
            errors["photos"] = [_("Add a photo of the rectified spot, or say why there is none.")]
        if not errors:
            hazard.rectification = data["rectification"]
            hazard.submitted_by = by
            hazard.submitted_at = timezone.now()
            if "cost" in data:
                hazard.cost = data["cost"]
    elif action == "accept":
        hazard.accepted_by = by
        hazard.closed_at = timezone.now()
        hazard.recheck_on = today + datetime.timedelta(days=policy_for(hazard.org).recheck_days)
    elif action == "reject":
        hazard.submitted_by = None
        hazard.submitted_at = None
    elif action == "escalate":
        target = data.get("to")
        if target is None or not hazard.org.is_within(target) or target.pk == hazard.org_id:
            target = hazard.org.parent
        hazard.handler = target
        evidence["to"] = target.pk
    elif action == "take_over":
        takers = roles_for_move(by, hazard, move)
        hazard.handler = takers[0].org if takers else hazard.org.parent
    elif action == "return":
        hazard.handler = None
    elif action == "reopen":
        hazard.closed_at = None
        hazard.accepted_by = None
        hazard.submitted_by = None
        hazard.submitted_at = None
        hazard.recheck_on = None
        hazard.deadline = default_deadline(hazard.org, hazard.grade, today)

    if errors:
        raise ValidationError(errors)
    claim_version(hazard, expected_version)
    from_status = hazard.status
    hazard.status = move.target
    hazard.rechecked_at = rechecks.value_for(hazard)  # cleared unless closed (re-check rule)
    hazard.full_clean()
    hazard.save()
    kind = {"submit": "after", "confirm": "plan"}.get(action, action)
    evidence["photos"] = [
        str(attach_photo(upload=u, to=hazard, kind=kind, by=by).token) for u in photos
    ]
    if data.get("no_photo_reason"):
        evidence["no_photo_reason"] = data["no_photo_reason"]
    HazardTransition.objects.create(
        hazard=hazard,
        action=action,
        from_status=from_status,
        to_status=move.target,
        by=by if getattr(by, "pk", None) else None,
        comment=comment,
        evidence=evidence,
    )
    audit(
        instance=hazard,
        action="transition",
        transition=action,
        by=by,
        comment=comment,
        changes=diff(before, snapshot(hazard)),
    )
    _events().hazard_moved(hazard, action, by, comment)
    return hazard


# ------------------------------------------------------------------------------ inspecting


@transaction.atomic
def inspection_submit(
    *,
    school: OrgNode,
    by,
    checklist: ChecklistVersion,
    answers: list[dict],
    signed_name: str,
    spots=(),
    schedule=None,
    period_start: datetime.date | None = None,
    inspected_at: datetime.datetime | None = None,
    latitude=None,
    longitude=None,
    note: str = "",
    departments=(),
) -> Inspection:
    """Record a check. Every item needs an answer; each 异常 raises a pre-filled hazard.

    `answers` items: {"item": ChecklistItem, "answer": "normal"|"abnormal"|"na", "note": str,
    "spot": Spot|None, "photos": [uploads], "grade": optional override}. `departments` took
    part in a joint check (hazards/joint.py): each must be visible to the inspector and sit on
    the school's node or above.
    """
    _require(by, "add", Inspection, school)
    items = {i.pk: i for i in checklist.items.all()}
    errors: dict = {}
    seen = set()
    for index, a in enumerate(answers):
        item = a["item"]
        if item.pk not in items:
            errors[f"answers.{index}"] = [_("This item is not on the checklist.")]
            continue
        seen.add(item.pk)
        if a["answer"] not in Answer.values:
            errors[f"answers.{index}"] = [_("Answer normal, abnormal or not applicable.")]
        if a["answer"] == Answer.ABNORMAL:
            if item.photo_required and not a.get("photos"):
                errors[f"answers.{index}"] = [
                    _("“%(item)s” needs a photo when abnormal.") % {"item": item.text}
                ]
            if not (a.get("note") or "").strip():
                errors[f"answers.{index}"] = [
                    _("Say what is wrong with “%(item)s”.") % {"item": item.text}
                ]
    for pk, item in items.items():
        if pk not in seen:
            errors.setdefault("answers", []).append(
                _("“%(item)s” has no answer.") % {"item": item.text}
            )
    if not (signed_name or "").strip():
        errors["signed_name"] = [_("The inspector signs the check (谁排查、谁签字、谁负责).")]
    for spot in spots:
        if spot.org_id != school.pk:
            errors["spots"] = [_("A spot belongs to another school.")]
    if schedule is not None and schedule.org_id != school.pk:
        errors["schedule"] = [_("The schedule belongs to another school.")]
    departments = list(departments)
    department_errors = joint.department_errors(
        by if getattr(by, "pk", None) else None, school, departments
    )
    if department_errors:
        errors["departments"] = department_errors
    if errors:
        raise ValidationError(errors)

    inspection = Inspection(
        org=school,
        schedule=schedule,
        checklist=checklist,
        period_start=period_start,
        inspector=by if getattr(by, "pk", None) else None,
        inspected_at=inspected_at or timezone.now(),
        latitude=latitude,
        longitude=longitude,
        signed_name=signed_name.strip(),
        note=note,
        abnormal_count=sum(1 for a in answers if a["answer"] == Answer.ABNORMAL),
    )
    create_record(instance=inspection, by=by)
    inspection.spots.set(spots)
    rechecks.inspected([spot.pk for spot in spots], inspection.inspected_at)
    inspection.departments.set(departments)
    rows = InspectionAnswer.objects.bulk_create(
        [
            InspectionAnswer(
                inspection=inspection,
                item=a["item"],
                spot=a.get("spot"),
                answer=a["answer"],
                note=(a.get("note") or "")[:500],
            )
            for a in answers
        ]
    )
    for row, a in zip(rows, answers, strict=True):
        if row.answer != Answer.ABNORMAL:
            continue
        item = a["item"]
        hazard_report(
            school=school,
            by=by,
            description=f"{item.text}：{row.note}",
            category=item.category,
            grade=a.get("grade") or item.default_grade,
            source=Source.INSPECTION,
            spot=a.get("spot") or (spots[0] if len(spots) == 1 else None),
            found_at=inspection.inspected_at,
            inspection=inspection,
            answer=row,
            photos=a.get("photos") or (),
        )
    return inspection


# ------------------------------------------------------------------------------ escalation


def ladder_steps_due(hazard: Hazard, today: datetime.date) -> list[str]:
    """The steps of the ladder an overdue hazard should have reached by `today`."""
    if hazard.status not in OPEN_STATUSES or hazard.deadline is None or hazard.deadline >= today:
        return []
    overdue = (today - hazard.deadline).days
    return [step for step in ESCALATION_LADDER if overdue >= DEFAULT_LADDER_DAYS[step]]


@transaction.atomic
def escalate_overdue(
    *, today: datetime.date | None = None, by=None, queryset=None
) -> list[HazardEscalation]:
    """Record every ladder step that has become due and is not yet recorded.

    Safe to run any number of times: a step is recorded once per deadline. Correctness of
    "overdue" never depends on this having run; it only leaves the trail of steps taken.
    """
    today = today or timezone.localdate()
    qs = queryset if queryset is not None else Hazard.objects.all()
    candidates = qs.filter(status__in=OPEN_STATUSES, deadline__lt=today)
    done = set(
        HazardEscalation.objects.filter(hazard__in=candidates).values_list(
            "hazard_id", "step", "deadline"
        )
    )
    created = []
    for hazard in candidates.select_related("org"):
        for step in ladder_steps_due(hazard, today):
            if (hazard.pk, step, hazard.deadline) in done:
                continue
            created.append(
                HazardEscalation.objects.create(
                    hazard=hazard,
                    step=step,
                    deadline=hazard.deadline,
                    by=by if getattr(by, "pk", None) else None,
                )
            )
            audit(instance=hazard, action="transition", transition=f"escalation:{step}", by=by)
    return created
