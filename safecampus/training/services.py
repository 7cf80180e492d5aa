"""Writes of training and appointments: a session, who attended it, and the posts a school
fills. Each function checks the role table, validates before it writes (so a refused write
changes nothing), refuses a stale version and leaves an audit entry, through core.services.

The checks that need more than one row live here: an attendee belongs to the session's school
(or, at a county's or township's course, to a school under it), nobody is listed twice, and
one person does not hold the same post twice at once.
"""

from __future__ import annotations

import datetime
from copy import copy
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import can
from safecampus.core.errors import NotAllowed
from safecampus.core.services import create_record, delete_record, update_record
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, Person, ancestor_paths
from safecampus.training.choices import Post
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

SESSION_FIELDS = (
    "audience",
    "topic",
    "started_on",
    "days",
    "hours",
    "trainer",
    "place",
    "attendee_count",
    "note",
)
APPOINTMENT_FIELDS = ("post", "person", "name", "unit", "started_on", "document_number", "note")


def _require(by, action: str, model, org) -> None:
    if by is not None and not can(by, action, model, org):
        raise NotAllowed(_("Your role does not allow this here."))


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _hours(value, field: str = "hours") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        hours = Decimal(str(value).strip().replace("，", ".").replace("．", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Give the hours as a number, e.g. 3 or 1.5.")}) from None
    if not hours.is_finite():
        raise ValidationError({field: _("Give the hours as a number, e.g. 3 or 1.5.")})
    return hours.quantize(Decimal("0.1"))


def _not_ahead(day: datetime.date | None, field: str = "started_on") -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError(
            {field: _("A session is recorded once it has been held: this date is still ahead.")}
        )


# ------------------------------------------------------------------------------- sessions


@transaction.atomic
def session_create(
    *,
    by,
    org: OrgNode,
    audience: str,
    topic: str,
    started_on: datetime.date,
    hours,
    days: int = 1,
    trainer: str = "",
    place: str = "",
    attendee_count: int | None = None,
    note: str = "",
) -> TrainingSession:
    _require(by, "add", TrainingSession, org)
    _not_ahead(started_on)
    session = TrainingSession(
        org=org,
        audience=audience,
        topic=(topic or "").strip(),
        started_on=started_on,
        days=days or 1,
        hours=_hours(hours),
        trainer=(trainer or "").strip(),
        place=(place or "").strip(),
        attendee_count=attendee_count,
        note=note or "",
        created_by=_user(by),
    )
    return create_record(instance=session, by=by)


@transaction.atomic
def session_update(
    *, session: TrainingSession, by, data: dict, expected_version: int | None
) -> TrainingSession:
    """Change a session's own fields (never its school or region). Attendance recorded for
    longer than the new hours is refused rather than silently cut."""
    _require(by, "change", TrainingSession, session.org)
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationError({name: _("This cannot be changed here.") for name in sorted(unknown)})
    data = dict(data)
    if "hours" in data:
        data["hours"] = _hours(data["hours"])
        longest = session.attendances.order_by("-hours").values_list("hours", flat=True).first()
        if data["hours"] is not None and longest is not None and longest > data["hours"]:
            raise ValidationError(
                {
                    "hours": _(
                        "Someone is recorded with %(hours)s h: correct their attendance first."
                    )
                    % {"hours": longest}
                }
            )
    if "started_on" in data:
        _not_ahead(data["started_on"])
    return update_record(instance=session, by=by, data=data, expected_version=expected_version)


@transaction.atomic
def session_delete(*, session: TrainingSession, by) -> None:
    """A session recorded by mistake goes with its attendance (each leaves an audit entry)."""
    _require(by, "delete", TrainingSession, session.org)
    for row in session.attendances.all():
        delete_record(instance=row, by=by)
    delete_record(instance=session, by=by)


# ----------------------------------------------------------------------------- attendance


def _attendee_school(session: TrainingSession, person: Person | None, school) -> OrgNode:
    """The school an attendee belongs to: the session's own at a school's session; at a
    county's or township's course, the person's school (or the one named)."""
    org = session.org
    if org.kind == NodeKind.SCHOOL:
        if school is not None and school.pk != org.pk:
            raise ValidationError({"school": _("A school's session lists its own people.")})
        if person is not None and person.org_id != org.pk:
            raise ValidationError(
                {
                    "person": _("%(name)s is not on file at %(school)s.")
                    % {"name": person.name, "school": org.name}
                }
            )
        return org
    if person is not None:
        home = person.org
        if home.kind != NodeKind.SCHOOL or not home.is_within(org):
            raise ValidationError(
                {
                    "person": _("%(name)s is not on file at a school of %(region)s.")
                    % {"name": person.name, "region": org.name}
                }
            )
        if school is not None and school.pk != home.pk:
            raise ValidationError(
                {
                    "school": _("%(name)s is on file at %(school)s.")
                    % {"name": person.name, "school": home.name}
                }
            )
        return home
    if school is None:
        raise ValidationError({"school": _("Say which school the attendee comes from.")})
    if school.kind != NodeKind.SCHOOL or not school.is_within(org):
        raise ValidationError(
            {"school": _("Choose a school of %(region)s.") % {"region": org.name}}
        )
    return school


@transaction.atomic
def attendance_add(
    *,
    session: TrainingSession,
    by,
    person: Person | None = None,
    name: str = "",
    school: OrgNode | None = None,
    hours=None,
) -> TrainingAttendance:
    """One attendee: a person on file, or a name. The hours default to the session's."""
    _require(by, "change", TrainingSession, session.org)
    name = (name or "").strip()
    if person is None and not name:
        raise ValidationError({"name": _("Choose a person or type a name.")})
    home = _attendee_school(session, person, school)
    _require(by, "add", TrainingAttendance, home)
    if person is not None:
        name = person.name
        if session.attendances.filter(person=person).exists():
            raise ValidationError(
                {"person": _("%(name)s is already listed.") % {"name": person.name}}
            )
    elif session.attendances.filter(org=home, name=name).exists():
        raise ValidationError({"name": _("%(name)s is already listed.") % {"name": name}})
    amount = _hours(hours)
    row = TrainingAttendance(
        session=session,
        org=home,
        person=person,
        name=name[:50],
        hours=session.hours if amount is None else amount,
    )
    return create_record(instance=row, by=by)


@transaction.atomic
def attendance_record(
    *,
    session: TrainingSession,
    by,
    people=(),
    names=(),
    school: OrgNode | None = None,
    hours=None,
) -> list[TrainingAttendance]:
    """Several attendees at once (the phone form: tick the people, type the others' names, one
    a line). All or nothing: one refused attendee refuses the lot, with every reason."""
    rows, problems = [], []
    seen = set()
    for person in people:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        try:
            with transaction.atomic():
                rows.append(
                    attendance_add(
                        session=session, by=by, person=person, school=school, hours=hours
                    )
                )
        except ValidationError as exc:
            problems += exc.messages
    typed = []
    for line in names:
        line = (line or "").strip()
        if line and line not in typed:
            typed.append(line)
    for name in typed:
        try:
            with transaction.atomic():
                rows.append(
                    attendance_add(session=session, by=by, name=name, school=school, hours=hours)
                )
        except ValidationError as exc:
            problems += exc.messages
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(_("Tick the people who attended or type their names."))
    return rows


@transaction.atomic
def attendance_update(
    *, attendance: TrainingAttendance, by, hours, expected_version: int | None
) -> TrainingAttendance:
    _require(by, "change", TrainingSession, attendance.session.org)
    amount = _hours(hours)
    if amount is None:
        raise ValidationError({"hours": _("Give the hours attended: more than zero.")})
    return update_record(
        instance=attendance,
        by=by,
        data={"hours": amount},
        expected_version=expected_version,
    )


@transaction.atomic
def attendance_remove(*, attendance: TrainingAttendance, by) -> None:
    _require(by, "change", TrainingSession, attendance.session.org)
    delete_record(instance=attendance, by=by)


# --------------------------------------------------------------------------- appointments


def _check_person(person: Person | None, school: OrgNode) -> None:
    """The person is on file at the school or at a level above it (a legal vice-principal is
    often a police officer on file at the township)."""
    if person is not None and person.org_path not in ancestor_paths(school.path):
        raise ValidationError(
            {
                "person": _("%(name)s is not on file at %(school)s or above it.")
                % {"name": person.name, "school": school.name}
            }
        )


def _check_overlap(appointment: Appointment) -> None:
    """One person holds a post at a school once at a time."""
    others = Appointment.objects.filter(org_id=appointment.org_id, post=appointment.post)
    if appointment.pk:
        others = others.exclude(pk=appointment.pk)
    if appointment.person_id:
        others = others.filter(person_id=appointment.person_id)
    else:
        others = others.filter(name=appointment.name)
    end = appointment.ended_on or datetime.date.max
    for other in others:
        other_end = other.ended_on or datetime.date.max
        if other.started_on <= end and appointment.started_on <= other_end:
            raise ValidationError(
                {
                    "started_on": _(
                        "%(name)s already holds this post from %(date)s: end that appointment "
                        "first, or correct it."
                    )
                    % {"name": appointment.name, "date": other.started_on.isoformat()}
                }
            )


@transaction.atomic
def appointment_create(
    *,
    by,
    org: OrgNode,
    post: str,
    started_on: datetime.date,
    person: Person | None = None,
    name: str = "",
    unit: str = "",
    ended_on: datetime.date | None = None,
    document_number: str = "",
    note: str = "",
) -> Appointment:
    _require(by, "add", Appointment, org)
    name = (name or "").strip()
    if person is None and not name:
        raise ValidationError({"name": _("Choose a person or type a name.")})
    if org.kind != NodeKind.SCHOOL:
        raise ValidationError({"org": _("An appointment belongs to a school.")})
    _check_person(person, org)
    if post not in Post.values:
        raise ValidationError({"post": _("Choose a post.")})
    if started_on is not None and started_on > timezone.localdate() + datetime.timedelta(days=366):
        raise ValidationError({"started_on": _("Check the date: it is more than a year ahead.")})
    appointment = Appointment(
        org=org,
        post=post,
        person=person,
        name=(person.name if person is not None else name)[:50],
        unit=(unit or (person.unit if person is not None else "") or "").strip()[:100],
        started_on=started_on,
        ended_on=ended_on,
        document_number=(document_number or "").strip(),
        note=(note or "").strip(),
        created_by=_user(by),
    )
    appointment.full_clean()
    _check_overlap(appointment)
    return create_record(instance=appointment, by=by)


@transaction.atomic
def appointment_update(
    *, appointment: Appointment, by, data: dict, expected_version: int | None
) -> Appointment:
    """Correct an appointment's details (a typing error); ending it is `appointment_end`."""
    _require(by, "change", Appointment, appointment.org)
    unknown = set(data) - set(APPOINTMENT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This cannot be changed here.") for name in sorted(unknown)})
    data = dict(data)
    if "person" in data:
        _check_person(data["person"], appointment.org)
        if data["person"] is not None:
            data["name"] = data["person"].name
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ValidationError({"name": _("Choose a person or type a name.")})
    changed = copy(appointment)
    for name, value in data.items():
        setattr(changed, name, value)
    _check_overlap(changed)
    return update_record(instance=appointment, by=by, data=data, expected_version=expected_version)


@transaction.atomic
def appointment_end(
    *,
    appointment: Appointment,
    by,
    ended_on: datetime.date,
    reason: str = "",
    expected_version: int | None = None,
) -> Appointment:
    """The appointment ends on `ended_on` (the last day in office); it stays in the history."""
    _require(by, "change", Appointment, appointment.org)
    if appointment.ended_on is not None:
        raise ValidationError(
            {
                "ended_on": _("This appointment already ended on %(date)s.")
                % {"date": appointment.ended_on.isoformat()}
            }
        )
    if ended_on is None:
        raise ValidationError({"ended_on": _("Say on which day the appointment ends.")})
    if ended_on < appointment.started_on:
        raise ValidationError(
            {
                "ended_on": _("An appointment cannot end before it began (%(date)s).")
                % {"date": appointment.started_on.isoformat()}
            }
        )
    return update_record(
        instance=appointment,
        by=by,
        data={"ended_on": ended_on, "end_reason": (reason or "").strip()[:200]},
        expected_version=expected_version,
    )


@transaction.atomic
def appointment_delete(*, appointment: Appointment, by) -> None:
    """Only for an appointment entered by mistake: one that ended is ended, not deleted."""
    _require(by, "delete", Appointment, appointment.org)
    delete_record(instance=appointment, by=by)
