"""Training and appointment facts, loaded set-based and judged in plain Python: the one
implementation behind the rules (TRAIN-MANAGER, TRAIN-STAFF, TRAIN-GUARD, STAFF-LEGAL,
STAFF-PSY), the county overview and the school's to-dos.

Loading costs a fixed number of queries whatever the number of schools. Judging takes one
school's (or county's) facts, a period, the day records are read up to and the numbers in
force, and returns a `Finding`: the status, one sentence with the figures and dates, the
measured figure and the records it rests on.

How the rules are read:
- A school's safety managers are the people holding a safety-manager appointment on the last
  day judged; each must reach the hours (TRAIN-MANAGER). Their hours are the hours they
  attended, at the school's own sessions and at a county's or township's courses alike; a
  person not on file is matched by name.
- Staff coverage in a term (TRAIN-STAFF) is the number of distinct people who attended a
  session of the term, or the attendee count of a whole-staff session if larger, over the
  school's staff count.
- Guards' training days (TRAIN-GUARD) are the distinct days covered by guards' sessions held
  anywhere in the county (the county's own courses, its townships' and its schools').
- A school (county) with no training recorded at all up to the end of a period has no data for
  it, never a pass and never a failure; one that recorded training but too little fails.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safecampus.compliance.verdicts import Evidence, Period, Status, join, percent
from safecampus.core.dates import ONE_DAY
from safecampus.orgs.choices import SchoolKind
from safecampus.training.choices import PSY_POSTS, Audience, Post

ZERO = Decimal("0")
HIGHER_KINDS = frozenset({SchoolKind.HIGHER})
NAMES_SHOWN = 5  # the explanation names the first few people short of hours


def hours_text(value) -> str:
    """15, 7.5: hours as people write them."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.1"))
    return f"{value:f}".removesuffix(".0")


# ---------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class SessionFact:
    id: int
    org_id: int
    audience: str
    topic: str
    started_on: datetime.date
    days: int
    hours: Decimal
    attendee_count: int | None

    @property
    def covered_days(self) -> list[datetime.date]:
        return [self.started_on + i * ONE_DAY for i in range(max(self.days, 1))]


@dataclass(frozen=True)
class AttendanceFact:
    id: int
    school_id: int
    session_id: int
    session_org_id: int
    started_on: datetime.date
    topic: str
    person_id: int | None
    name: str
    hours: Decimal

    @property
    def key(self):
        return ("p", self.person_id) if self.person_id else ("n", self.name)


@dataclass(frozen=True)
class AppointmentFact:
    id: int
    school_id: int
    post: str
    person_id: int | None
    name: str
    unit: str
    started_on: datetime.date
    ended_on: datetime.date | None

    def in_office(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    def attended(self, row: AttendanceFact) -> bool:
        if row.school_id != self.school_id:
            return False
        if self.person_id and row.person_id:
            return self.person_id == row.person_id
        return self.name == row.name


@dataclass
class SchoolTraining:
    """One school's training records in the window loaded, and all its appointments."""

    node_id: int
    sessions: list[SessionFact] = field(default_factory=list)
    attendances: list[AttendanceFact] = field(default_factory=list)
    appointments: list[AppointmentFact] = field(default_factory=list)
    first_record: datetime.date | None = None  # its first session or attendance, ever

    def covers(self, day: datetime.date) -> bool:
        return self.first_record is not None and self.first_record <= day


@dataclass
class CountyGuards:
    node_id: int
    path: str
    sessions: list[SessionFact] = field(default_factory=list)  # guards' sessions
    first_record: datetime.date | None = None  # the first session of any kind in the county

    def covers(self, day: datetime.date) -> bool:
        return self.first_record is not None and self.first_record <= day


@dataclass
class Finding:
    status: str
    text: str
    value: float | None = None
    evidence: tuple = ()
    rows: list = field(default_factory=list)  # what a page shows beside the sentence


def _models():
    from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

    return TrainingSession, TrainingAttendance, Appointment


def _earliest(*days):
    found = [d for d in days if d is not None]
    return min(found) if found else None


def load_schools(
    school_ids,
    *,
    start: datetime.date,
    end: datetime.date,
    sessions=None,
    attendances=None,
    appointments=None,
) -> dict[int, SchoolTraining]:
    """The facts of the schools, from `start` to `end`, in five queries. The querysets default
    to every row (the engine has scoped the schools already); pages pass `for_user` ones."""
    TrainingSession, TrainingAttendance, Appointment = _models()
    ids = list(school_ids)
    out = {pk: SchoolTraining(pk) for pk in ids}
    if not ids:
        return out
    sessions = TrainingSession.objects.all() if sessions is None else sessions
    attendances = TrainingAttendance.objects.all() if attendances is None else attendances
    appointments = Appointment.objects.all() if appointments is None else appointments
    rows = sessions.filter(org_id__in=ids, started_on__range=(start, end)).order_by(
        "started_on", "id"
    )
    for row in rows.values_list(
        "id", "org_id", "audience", "topic", "started_on", "days", "hours", "attendee_count"
    ):
        out[row[1]].sessions.append(SessionFact(*row))
    rows = attendances.filter(org_id__in=ids, session__started_on__range=(start, end)).order_by(
        "session__started_on", "id"
    )
    for row in rows.values_list(
        "id",
        "org_id",
        "session_id",
        "session__org_id",
        "session__started_on",
        "session__topic",
        "person_id",
        "name",
        "hours",
    ):
        out[row[1]].attendances.append(AttendanceFact(*row))
    for row in (
        appointments.filter(org_id__in=ids)
        .order_by("started_on", "id")
        .values_list("id", "org_id", "post", "person_id", "name", "unit", "started_on", "ended_on")
    ):
        out[row[1]].appointments.append(AppointmentFact(*row))
    firsts = sessions.filter(org_id__in=ids, started_on__lte=end).order_by()
    for org_id, first in firsts.values_list("org_id").annotate(first=Min("started_on")):
        out[org_id].first_record = first
    firsts = attendances.filter(org_id__in=ids, session__started_on__lte=end).order_by()
    for org_id, first in firsts.values_list("org_id").annotate(first=Min("session__started_on")):
        out[org_id].first_record = _earliest(out[org_id].first_record, first)
    return out


def load_counties(
    counties, *, start: datetime.date, end: datetime.date, sessions=None
) -> dict[int, CountyGuards]:
    """Guards' sessions held in each county (`counties`: (node id, path) pairs), in two
    queries: the sessions, and the first session of each node (to know where records begin)."""
    from safecampus.core.scoping import path_q

    TrainingSession, _a, _b = _models()
    out = {pk: CountyGuards(pk, path) for pk, path in counties}
    if not out:
        return out
    sessions = TrainingSession.objects.all() if sessions is None else sessions
    inside = sessions.filter(path_q("org_path", [c.path for c in out.values()]))

    def county_of(path: str):
        for c in out.values():
            if path == c.path or path.startswith(c.path + "."):
                return c
        return None

    # A session of several days that began before the window can still cover days inside it.
    rows = inside.filter(
        audience=Audience.GUARDS, started_on__range=(start - 60 * ONE_DAY, end)
    ).order_by("started_on", "id")
    for row in rows.values_list(
        "org_path",
        "id",
        "org_id",
        "audience",
        "topic",
        "started_on",
        "days",
        "hours",
        "attendee_count",
    ):
        county = county_of(row[0])
        if county is not None:
            county.sessions.append(SessionFact(*row[1:]))
    firsts = inside.filter(started_on__lte=end).order_by()
    for path, first in firsts.values_list("org_path").annotate(first=Min("started_on")):
        county = county_of(path)
        if county is not None:
            county.first_record = _earliest(county.first_record, first)
    return out


# -------------------------------------------------------------------------------- helpers


def _url(session_id: int) -> str:
    return reverse("training:detail", args=[session_id])


def _session_evidence(sessions, limit: int = 5) -> tuple:
    return tuple(
        Evidence(
            kind="training",
            id=s.id,
            label=s.topic,
            date=s.started_on,
            url=_url(s.id),
            figures={"hours": float(s.hours), "days": s.days},
        )
        for s in list(sessions)[-limit:]
    )


def _attendance_evidence(rows, school_id: int, limit: int = 5) -> tuple:
    """The sessions attended, newest last; a link only to the school's own sessions (a county's
    course is the county's record)."""
    seen, out = set(), []
    for row in rows:
        if row.session_id in seen:
            continue
        seen.add(row.session_id)
        out.append(
            Evidence(
                kind="training",
                id=row.session_id,
                label=row.topic,
                date=row.started_on,
                url=_url(row.session_id) if row.session_org_id == school_id else "",
            )
        )
    return tuple(out[-limit:])


def no_records(period: Period, day: datetime.date) -> Finding:
    return Finding(
        Status.NO_DATA,
        _("No training is recorded here up to %(date)s, so %(period)s cannot be judged.")
        % {"date": min(period.end, day).isoformat(), "period": period.label},
    )


# ------------------------------------------------------------------------- TRAIN-MANAGER


@dataclass
class ManagerHours:
    appointment: AppointmentFact
    hours: Decimal
    sessions: int


def managers_in_office(st: SchoolTraining, day: datetime.date) -> list[AppointmentFact]:
    return [a for a in st.appointments if a.post == Post.SAFETY_MANAGER and a.in_office(day)]


def manager_hours(st: SchoolTraining, period: Period, day: datetime.date) -> list[ManagerHours]:
    """The hours each safety manager in office on the last day judged attended in `period`."""
    last = min(period.end, day)
    rows = [r for r in st.attendances if period.start <= r.started_on <= last]
    out = []
    for manager in managers_in_office(st, last):
        mine = [r for r in rows if manager.attended(r)]
        out.append(ManagerHours(manager, sum((r.hours for r in mine), ZERO), len(mine)))
    return sorted(out, key=lambda m: (m.hours, m.appointment.name))


def judge_manager(
    st: SchoolTraining, period: Period, day: datetime.date, required: Decimal
) -> Finding:
    last = min(period.end, day)
    if not st.covers(last):
        return no_records(period, day)
    found = manager_hours(st, period, day)
    if not found:
        return Finding(
            Status.NO_DATA,
            _(
                "No safety manager was in office on %(date)s, so there are no hours to add up: "
                "record the safety-manager appointments."
            )
            % {"date": last.isoformat()},
        )
    least = found[0].hours
    attended = [
        r
        for r in st.attendances
        if period.start <= r.started_on <= last and any(m.appointment.attended(r) for m in found)
    ]
    evidence = _attendance_evidence(attended, st.node_id)
    short = [m for m in found if m.hours < required]
    if short:
        names = join(
            _("%(name)s %(hours)s h") % {"name": m.appointment.name, "hours": hours_text(m.hours)}
            for m in short[:NAMES_SHOWN]
        )
        if len(short) > NAMES_SHOWN:
            names += "…"
        text = ngettext(
            "%(period)s: %(short)d of %(count)d safety manager had under %(required)s h of "
            "training (%(names)s).",
            "%(period)s: %(short)d of %(count)d safety managers had under %(required)s h of "
            "training (%(names)s).",
            len(found),
        ) % {
            "period": period.label,
            "short": len(short),
            "count": len(found),
            "required": hours_text(required),
            "names": names,
        }
        return Finding(Status.NOT_COMPLIANT, text, float(least), evidence, found)
    text = ngettext(
        "%(period)s: the safety manager had %(least)s h of training, at least %(required)s h.",
        "%(period)s: each of the %(count)d safety managers had at least %(required)s h of "
        "training, the fewest %(least)s h.",
        len(found),
    ) % {
        "period": period.label,
        "count": len(found),
        "required": hours_text(required),
        "least": hours_text(least),
    }
    return Finding(Status.COMPLIANT, text, float(least), evidence, found)


# --------------------------------------------------------------------------- TRAIN-STAFF


def staff_covered(st: SchoolTraining, period: Period, day: datetime.date) -> tuple[int, list]:
    """People trained in the period: distinct attendees, or a whole-staff session's count."""
    last = min(period.end, day)
    attendees = {r.key for r in st.attendances if period.start <= r.started_on <= last}
    whole = [
        s
        for s in st.sessions
        if s.audience == Audience.ALL_STAFF
        and period.start <= s.started_on <= last
        and s.attendee_count
    ]
    counted = max([len(attendees), *(s.attendee_count for s in whole)])
    held = [s for s in st.sessions if period.start <= s.started_on <= last]
    return counted, held


def judge_staff(
    st: SchoolTraining,
    staff_count: int,
    period: Period,
    day: datetime.date,
    coverage: float,
) -> Finding:
    last = min(period.end, day)
    if not st.covers(last):
        return no_records(period, day)
    if not staff_count:
        return Finding(
            Status.NO_DATA,
            _("The school's staff count is not on file, so the coverage cannot be worked out."),
        )
    covered, held = staff_covered(st, period, day)
    share = min(covered / staff_count, 1.0)
    figures = {
        "period": period.label,
        "covered": covered,
        "staff": staff_count,
        "share": percent(share),
        "target": percent(coverage),
    }
    evidence = _session_evidence(held)
    if share + 1e-9 >= coverage:
        text = _("%(period)s: %(covered)d of %(staff)d staff trained (%(share)s).") % figures
        return Finding(Status.COMPLIANT, text, share, evidence)
    text = (
        _(
            "%(period)s: %(covered)d of %(staff)d staff trained (%(share)s), under the %(target)s "
            "required."
        )
        % figures
    )
    if not held:
        text = _("%(period)s: no training session; %(staff)d staff to train.") % figures
    return Finding(Status.NOT_COMPLIANT, text, share, evidence)


# --------------------------------------------------------------------------- TRAIN-GUARD


def guard_days(cg: CountyGuards, period: Period, day: datetime.date) -> set[datetime.date]:
    last = min(period.end, day)
    return {d for s in cg.sessions for d in s.covered_days if period.start <= d <= last}


def judge_guard(cg: CountyGuards, period: Period, day: datetime.date, minimum: int) -> Finding:
    last = min(period.end, day)
    if not cg.covers(last):
        return no_records(period, day)
    days = guard_days(cg, period, day)
    held = [s for s in cg.sessions if any(period.start <= d <= last for d in s.covered_days)]
    figures = {"period": period.label, "days": len(days), "minimum": minimum}
    evidence = _session_evidence(held)
    if len(days) >= minimum:
        text = (
            ngettext(
                "%(period)s: guards trained or drilled on %(days)d day in the county, at least "
                "%(minimum)d.",
                "%(period)s: guards trained or drilled on %(days)d days in the county, at least "
                "%(minimum)d.",
                len(days),
            )
            % figures
        )
        return Finding(Status.COMPLIANT, text, float(len(days)), evidence)
    text = (
        ngettext(
            "%(period)s: guards trained or drilled on only %(days)d day in the county, "
            "%(minimum)d required.",
            "%(period)s: guards trained or drilled on only %(days)d days in the county, "
            "%(minimum)d required.",
            len(days),
        )
        % figures
    )
    return Finding(Status.NOT_COMPLIANT, text, float(len(days)), evidence)


# ------------------------------------------------------------------ STAFF-LEGAL, STAFF-PSY


def holders(st: SchoolTraining, posts, day: datetime.date) -> list[AppointmentFact]:
    return [a for a in st.appointments if a.post in posts and a.in_office(day)]


def _holder_text(a: AppointmentFact) -> str:
    if a.unit:
        return _("%(name)s (%(unit)s)") % {"name": a.name, "unit": a.unit}
    return a.name


def _last_ended(st: SchoolTraining, posts, day: datetime.date) -> str:
    ended = [a for a in st.appointments if a.post in posts and a.ended_on and a.ended_on < day]
    if not ended:
        return ""
    last = max(ended, key=lambda a: (a.ended_on, a.id))
    return _("The last one, %(name)s, left office on %(date)s.") % {
        "name": last.name,
        "date": last.ended_on.isoformat(),
    }


def _appointment_evidence(rows) -> tuple:
    return tuple(
        Evidence(kind="appointment", id=a.id, label=a.name, date=a.started_on) for a in rows
    )


def _no_appointments() -> Finding:
    return Finding(
        Status.NO_DATA,
        _("No appointment is recorded for this school, so it cannot be judged."),
    )


def judge_legal(st: SchoolTraining, day: datetime.date, minimum: int) -> Finding:
    if not st.appointments:
        return _no_appointments()
    found = holders(st, {Post.LEGAL_VP}, day)
    figures = {
        "count": len(found),
        "date": day.isoformat(),
        "names": join(_holder_text(a) for a in found),
        "minimum": minimum,
    }
    if len(found) >= minimum and found:
        text = (
            ngettext(
                "%(count)d legal vice-principal in office on %(date)s: %(names)s.",
                "%(count)d legal vice-principals in office on %(date)s: %(names)s.",
                len(found),
            )
            % figures
        )
        return Finding(Status.COMPLIANT, text, float(len(found)), _appointment_evidence(found))
    if found:
        text = (
            ngettext(
                "%(count)d legal vice-principal in office on %(date)s (%(names)s), %(minimum)d "
                "required.",
                "%(count)d legal vice-principals in office on %(date)s (%(names)s), %(minimum)d "
                "required.",
                len(found),
            )
            % figures
        )
    else:
        text = _("No legal vice-principal in office on %(date)s.") % figures
        last = _last_ended(st, {Post.LEGAL_VP}, day)
        if last:
            text += _gap() + last
    return Finding(Status.NOT_COMPLIANT, text, float(len(found)), _appointment_evidence(found))


def _gap() -> str:
    from safecampus.compliance.verdicts import gap

    return gap()


def psy_needed(school_kind: str, enrolment: int, per_school: int, ratio: int) -> int:
    """Teachers needed: `per_school`; in higher education one full-time teacher per `ratio`
    students (at least `per_school`)."""
    if school_kind in HIGHER_KINDS and ratio:
        return max(per_school, math.ceil(enrolment / ratio))
    return per_school


def judge_psy(
    st: SchoolTraining,
    day: datetime.date,
    *,
    school_kind: str,
    enrolment: int,
    per_school: int,
    ratio: int,
) -> Finding:
    if not st.appointments:
        return _no_appointments()
    higher = school_kind in HIGHER_KINDS
    posts = {Post.PSY_FULL} if higher else PSY_POSTS
    found = holders(st, posts, day)
    needed = psy_needed(school_kind, enrolment, per_school, ratio)
    figures = {
        "count": len(found),
        "date": day.isoformat(),
        "names": join(_holder_text(a) for a in found),
        "needed": needed,
        "students": enrolment,
        "ratio": ratio,
    }
    evidence = _appointment_evidence(found)
    ok = len(found) >= needed and bool(found)
    if higher:
        text = (
            ngettext(
                "%(count)d full-time psychological teacher in office on %(date)s for %(students)d "
                "students; one per %(ratio)d students means %(needed)d.",
                "%(count)d full-time psychological teachers in office on %(date)s for %(students)d "
                "students; one per %(ratio)d students means %(needed)d.",
                len(found),
            )
            % figures
        )
        return Finding(
            Status.COMPLIANT if ok else Status.NOT_COMPLIANT, text, float(len(found)), evidence
        )
    if ok:
        text = (
            ngettext(
                "%(count)d psychological teacher in office on %(date)s: %(names)s.",
                "%(count)d psychological teachers in office on %(date)s: %(names)s.",
                len(found),
            )
            % figures
        )
        return Finding(Status.COMPLIANT, text, float(len(found)), evidence)
    if found:
        text = (
            ngettext(
                "%(count)d psychological teacher in office on %(date)s (%(names)s), %(needed)d "
                "required.",
                "%(count)d psychological teachers in office on %(date)s (%(names)s), %(needed)d "
                "required.",
                len(found),
            )
            % figures
        )
    else:
        text = _("No psychological teacher in office on %(date)s.") % figures
        last = _last_ended(st, PSY_POSTS, day)
        if last:
            text += _gap() + last
    return Finding(Status.NOT_COMPLIANT, text, float(len(found)), evidence)
