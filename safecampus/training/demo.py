"""The demo's training and appointments (`seed-demo`), read from the loaded organisation world
and written once with bulk inserts.

`load_training(seed=, now=)` does nothing if any session or appointment exists, so running it
again changes nothing; the same seed and day give the same rows. From 1 January of last year
to today, a demo user finds:

- Appointments at every school: its safety managers (the deputy head for safety and the safety
  office's head, on file), a psychological teacher (a part-time teacher on file, or a full-time
  one at a school of 1,000 pupils or more) and a legal vice-principal (the township police
  station's community officer), with some earlier holders in the history. Realistic gaps: a few
  schools without any psychological teacher (one whose teacher left without a successor), a few
  whose legal vice-principal's term ended and was not renewed; every county has one of each.
- Each county's courses for safety managers (spring 8 h, before the autumn term 4 h, November
  4 h: 16 h a year) with each school's managers listed; about one school in ten has managers who
  missed a course and stay short of 15 h (冯记沟中心小学 this year).
- A whole-staff session early in every term, with the number who took part; a few schools reach
  only 80–95 % of their staff. 冯记沟中心小学 lists its people on file by name too.
- Guards' training run by each county (16 days a year); 盐池县 reaches only 12.
- A few schools recorded no training at all (their training rules have no data).

Like the rest of the demo it writes no audit entries and keeps the story's timestamps.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from safecampus.core.dates import ONE_DAY
from safecampus.training.choices import Audience, Post

BUREAU_COUNTY = "盐池县"  # where the demo's bureau users work: its guards are short of days
SHOWCASE_SCHOOL = "冯记沟中心小学"
NO_PSY_SHARE = 0.04
LEGAL_ENDED_SHARE = 0.05
SHORT_SHARE = 0.10
COVERAGE_SHORT_SHARE = 0.08
SILENT_SHARE = 0.02
FULL_TIME_FROM = 1000  # pupils: a school this big has a full-time psychological teacher

MANAGER_COURSES = (  # month, first day, hours, title
    (4, 8, 8, "中小学幼儿园安全管理人员培训班"),
    (8, 20, 4, "秋季开学校园安全工作专题培训"),
    (11, 3, 4, "校园安全风险防控与隐患排查治理培训"),
)
GUARD_TRAINING = (  # month, day, days
    (3, 9, 5),
    (5, 12, 4),
    (9, 7, 4),
    (11, 2, 3),
)
GUARD_TRAINING_SHORT = ((3, 9, 5), (5, 12, 4), (9, 7, 3))  # 12 days
STAFF_TOPICS = (
    "开学安全教育全员培训",
    "校园消防安全与应急疏散全员培训",
    "防溺水与学生安全管理全员培训",
    "预防校园欺凌与心理健康全员培训",
)
TRAINERS = ("县消防救援大队宣传员", "县教育体育局安全科", "派出所社区民警", "县疾控中心")
MANAGER_POSTS = ("分管安全副校长", "安全办主任", "安全员", "保教主任")


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@dataclass
class SessionSpec:
    org_id: int
    org_path: str
    audience: str
    topic: str
    day: datetime.date
    hours: int
    days: int = 1
    trainer: str = ""
    place: str = ""
    attendee_count: int | None = None
    attendees: list = field(default_factory=list)  # (school id, school path, person id, name)


@dataclass
class AppointmentSpec:
    school_id: int
    path: str
    post: str
    person_id: int | None
    name: str
    unit: str
    started_on: datetime.date
    ended_on: datetime.date | None = None
    end_reason: str = ""
    document_number: str = ""


@dataclass
class Plan:
    sessions: list
    appointments: list


def training_loaded() -> bool:
    from safecampus.training.models import Appointment, TrainingSession

    return TrainingSession.objects.exists() or Appointment.objects.exists()


def _police_officers() -> dict[int, tuple[int, str, str]]:
    """The community police officer on file at each township: {township id: (id, name, unit)}."""
    from safecampus.orgs.choices import DepartmentKind, NodeKind
    from safecampus.orgs.models import Person

    found: dict[int, tuple[int, str, str]] = {}
    rows = Person.objects.filter(
        department__kind=DepartmentKind.POLICE, org__kind=NodeKind.TOWNSHIP
    ).order_by("org_id", "id")
    for org_id, pid, name, unit in rows.values_list("org_id", "id", "name", "department__name"):
        found.setdefault(org_id, (pid, name, unit))
    return found


def _name(rng: random.Random, used: set) -> str:
    from safecampus.orgs.demo_data import FEMALE_GIVEN, MALE_GIVEN, SURNAMES

    for _attempt in range(60):
        pool = MALE_GIVEN if rng.random() < 0.5 else FEMALE_GIVEN
        name = rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2))))
        if name not in used:
            break
    used.add(name)
    return name


def _pick(rng, schools, share, *, per_county, exclude=()) -> set[int]:
    """About `share` of the schools, at least one per county, never the showcase school."""
    chosen = {
        s.id for s in schools if s.id not in exclude and not s.showcase and rng.random() < share
    }
    by_county = defaultdict(list)
    for s in schools:
        if s.id not in exclude and not s.showcase:
            by_county[s.county.pk].append(s)
    if per_county:
        for mine in by_county.values():
            if mine and not any(s.id in chosen for s in mine):
                chosen.add(rng.choice(mine).id)
    return chosen


def _managers(s) -> list[tuple[int, str]]:
    found = []
    for post in MANAGER_POSTS:
        for pid, name in s.people.get(post, []):
            if (pid, name) not in found:
                found.append((pid, name))
            if len(found) == 2:
                return found
    return found or ([s.safety] if s.safety[0] else [])


def _number(county, year: int, n: int) -> str:
    short = county.short_name or county.name[:2]
    return f"{short}教发〔{year}〕{n}号"


def build(rng: random.Random, world, today: datetime.date) -> Plan:
    """The sessions and appointments of the loaded world, as plain specs touching nothing."""
    start = datetime.date(today.year - 1, 1, 1)
    years = (today.year - 1, today.year)
    police = _police_officers()
    used = {name for s in world.schools for rows in s.people.values() for _pid, name in rows}
    schools = world.schools
    silent = _pick(rng, schools, SILENT_SHARE, per_county=False)
    no_psy = _pick(rng, schools, NO_PSY_SHARE, per_county=True)
    legal_ended = _pick(rng, schools, LEGAL_ENDED_SHARE, per_county=True)
    short = {
        year: _pick(rng, schools, SHORT_SHARE, per_county=True, exclude=silent) for year in years
    }
    for s in schools:
        if s.showcase:
            short[today.year].add(s.id)
    appointments: list[AppointmentSpec] = []
    managers_of: dict[int, list] = {}
    numbers = defaultdict(int)

    def number(county, year):
        numbers[(county.pk, year)] += 1
        return _number(county, year, numbers[(county.pk, year)])

    for s in schools:
        # Safety managers, and now and then the one they replaced.
        mine = _managers(s)
        managers_of[s.id] = mine
        for pid, name in mine:
            since = datetime.date(rng.choice((2019, 2020, 2021, 2022, 2023, 2024)), 9, 1)
            appointments.append(
                AppointmentSpec(s.id, s.path, Post.SAFETY_MANAGER, pid, name, "", since)
            )
        if rng.random() < 0.15:
            appointments.append(
                AppointmentSpec(
                    s.id,
                    s.path,
                    Post.SAFETY_MANAGER,
                    None,
                    _name(rng, used),
                    "",
                    datetime.date(2016, 9, 1),
                    datetime.date(2019, 8, 31),
                    "工作调动",
                )
            )
        # The psychological teacher.
        if s.id in no_psy:
            if rng.random() < 0.5:
                left = min(today - 30 * ONE_DAY, datetime.date(today.year, 7, 10))
                appointments.append(
                    AppointmentSpec(
                        s.id,
                        s.path,
                        Post.PSY_PART,
                        None,
                        _name(rng, used),
                        "",
                        datetime.date(2021, 9, 1),
                        left,
                        "调离本校",
                    )
                )
        elif s.enrolment >= FULL_TIME_FROM:
            appointments.append(
                AppointmentSpec(
                    s.id,
                    s.path,
                    Post.PSY_FULL,
                    None,
                    _name(rng, used),
                    s.name,
                    datetime.date(rng.choice((2021, 2022, 2023)), 9, 1),
                )
            )
        else:
            pid, name = s.teacher
            appointments.append(
                AppointmentSpec(
                    s.id,
                    s.path,
                    Post.PSY_PART,
                    pid,
                    name or _name(rng, used),
                    s.name,
                    datetime.date(rng.choice((2022, 2023, 2024)), 9, 1),
                )
            )
        # The legal vice-principal: the township's community police officer.
        officer = police.get(s.township.pk)
        if officer is not None:
            pid, name, unit = officer
        else:
            pid, name, unit = None, _name(rng, used), f"{s.township.name[:3]}派出所"
        if rng.random() < 0.2 or s.showcase:
            appointments.append(
                AppointmentSpec(
                    s.id,
                    s.path,
                    Post.LEGAL_VP,
                    None,
                    _name(rng, used),
                    unit,
                    datetime.date(2020, 9, 1),
                    datetime.date(2023, 8, 31),
                    "任期届满",
                    number(s.county, 2020),
                )
            )
        since = datetime.date(2023, 9, 1)
        ended = None
        reason = ""
        if s.id in legal_ended:
            ended = min(today - 20 * ONE_DAY, datetime.date(today.year, 8, 31))
            reason = "任期届满，待续聘"
        appointments.append(
            AppointmentSpec(
                s.id,
                s.path,
                Post.LEGAL_VP,
                pid,
                name,
                unit,
                since,
                ended,
                reason,
                number(s.county, 2023),
            )
        )

    sessions: list[SessionSpec] = []
    # The counties' courses for safety managers, with each school's managers listed.
    for county in world.counties:
        mine = [s for s in schools if s.county.pk == county.pk and s.id not in silent]
        for year in years:
            for index, (month, first, hours, title) in enumerate(MANAGER_COURSES):
                day = datetime.date(year, month, first + rng.randrange(0, 8))
                if not start <= day <= today:
                    continue
                spec = SessionSpec(
                    county.pk,
                    county.path,
                    Audience.MANAGERS,
                    f"{county.name}{year}年{title}",
                    day,
                    hours,
                    trainer=rng.choice(TRAINERS),
                    place=f"{county.name}教育体育局会议室",
                )
                for s in mine:
                    skips = index == 1 or (index == 2 and (s.id % 2 or s.showcase))
                    if s.id in short[year] and skips:
                        continue  # missed the course: short of 15 h this year
                    for pid, name in managers_of[s.id]:
                        spec.attendees.append((s.id, s.path, pid, name))
                sessions.append(spec)
        # Guards' training and drills, counted in days.
        for year in years:
            plan = GUARD_TRAINING_SHORT if county.name == BUREAU_COUNTY else GUARD_TRAINING
            for month, day_of, days in plan:
                day = datetime.date(year, month, day_of)
                if not start <= day <= today - (days - 1) * ONE_DAY:
                    continue
                sessions.append(
                    SessionSpec(
                        county.pk,
                        county.path,
                        Audience.GUARDS,
                        f"{county.name}{year}年校园保安员培训及实战演练（{month}月）",
                        day,
                        6 * days,
                        days=days,
                        trainer="县公安局治安大队",
                        place=f"{county.name}公安局训练基地",
                    )
                )
    # A whole-staff session early in each term.
    for s in schools:
        if s.id in silent:
            continue
        people = [(pid, name) for rows in s.people.values() for pid, name in rows]
        for n, term in enumerate(
            t for t in s.calendar.terms if t.end >= start and t.start <= today
        ):
            days = [
                d
                for d in s.calendar.school_days(term.start, term.start + 20 * ONE_DAY)
                if d >= start
            ]
            days = [d for d in days if d <= today]
            if not days:
                continue
            count = s.staff or None
            if count and rng.random() < COVERAGE_SHORT_SHARE and not s.showcase:
                count = max(1, round(count * rng.uniform(0.8, 0.95)))
            spec = SessionSpec(
                s.id,
                s.path,
                Audience.ALL_STAFF,
                f"{term.name}{STAFF_TOPICS[n % len(STAFF_TOPICS)]}",
                rng.choice(days[:8]),
                2,
                trainer=rng.choice(TRAINERS),
                place="学校会议室",
                attendee_count=count,
            )
            if s.showcase:
                spec.attendees = [(s.id, s.path, pid, name) for pid, name in people]
            sessions.append(spec)
    sessions.sort(key=lambda x: (x.day, x.org_path, x.topic))
    return Plan(sessions=sessions, appointments=appointments)


def write(rng: random.Random, today: datetime.date, *, now=None) -> dict:
    """Write the demo's training and appointments for the loaded world, as of `today`."""
    from safecampus.emergency.demo import load_world
    from safecampus.hazards.demo import historic_timestamps
    from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

    world = load_world()
    if not world.schools:
        return {}
    plan = build(rng, world, today)
    with (
        transaction.atomic(),
        historic_timestamps(TrainingSession, TrainingAttendance, Appointment),
    ):
        rows = TrainingSession.objects.bulk_create(
            [
                TrainingSession(
                    org_id=x.org_id,
                    org_path=x.org_path,
                    audience=x.audience,
                    topic=x.topic,
                    started_on=x.day,
                    days=x.days,
                    hours=Decimal(x.hours),
                    trainer=x.trainer,
                    place=x.place,
                    attendee_count=x.attendee_count,
                    created_at=_at(x.day + (x.days - 1) * ONE_DAY, 17),
                    updated_at=_at(x.day + (x.days - 1) * ONE_DAY, 17),
                )
                for x in plan.sessions
            ],
            batch_size=1000,
        )
        attendances = [
            TrainingAttendance(
                session=row,
                org_id=school_id,
                org_path=path,
                person_id=pid,
                name=name,
                hours=Decimal(spec.hours),
                created_at=row.created_at,
                updated_at=row.created_at,
            )
            for row, spec in zip(rows, plan.sessions, strict=True)
            for school_id, path, pid, name in spec.attendees
        ]
        TrainingAttendance.objects.bulk_create(attendances, batch_size=2000)
        Appointment.objects.bulk_create(
            [
                Appointment(
                    org_id=a.school_id,
                    org_path=a.path,
                    post=a.post,
                    person_id=a.person_id,
                    name=a.name,
                    unit=a.unit,
                    started_on=a.started_on,
                    ended_on=a.ended_on,
                    end_reason=a.end_reason,
                    document_number=a.document_number,
                    created_at=_at(min(a.started_on, today), 9),
                    updated_at=_at(min(a.ended_on or a.started_on, today), 9),
                )
                for a in plan.appointments
            ],
            batch_size=1000,
        )
    return {
        "training_sessions": len(rows),
        "attendances": len(attendances),
        "appointments": len(plan.appointments),
    }


def load_training(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Load the training and appointments once; a second call changes nothing and returns {}."""
    if training_loaded():
        return {}
    now = timezone.localtime(now or timezone.now())
    return write(random.Random(seed * 7919 + 41), now.date(), now=now)
