"""Training and appointments for the province-year, in the shapes of training/demo.py.

The rules judge whole past periods (TRAIN-MANAGER and TRAIN-GUARD the last ended calendar
year, TRAIN-STAFF the last ended term), so the training records start on 1 January of last
year, or earlier if --days reaches further: a few rows a school, whatever the window.

- Appointments at every school: its safety lead as safety manager (and the logistics lead too
  at a school of 600 pupils or more), now and then with the one they replaced; a psychological
  teacher (full-time from 1,000 pupils, part-time below); a legal vice-principal from the
  township's police station, sometimes after an earlier one whose term ended.
- Each county's three courses for safety managers a year (8 h in spring, 4 h before the autumn
  term, 4 h in November: 16 h against the 15 h required) with each school's managers listed;
  its guards' training and drills (16 days a year, 12 in about one county in eight).
- A whole-staff session early in every term at every school, with the number who took part.

Gaps follow the school's tier (world.SchoolInfo.tier): a school that skips checks also misses
a course (short of 15 h), trains only part of its staff, lacks a psychological teacher or let
its legal vice-principal's term lapse; a few schools recorded no training at all (no data).
"""

from __future__ import annotations

import datetime
import hashlib
import random
from decimal import Decimal

from django.db.models import Count

from safecampus.core.dates import ONE_DAY
from safecampus.hazards.calendar import default_calendar
from safecampus.orgs.models import Person, School
from safecampus.scale.bulk import Loader, Table
from safecampus.scale.clock import Clock
from safecampus.scale.world import SAFETY_POSTS, Names, World
from safecampus.training.choices import Audience, Post
from safecampus.training.demo import (
    FULL_TIME_FROM,
    GUARD_TRAINING,
    GUARD_TRAINING_SHORT,
    MANAGER_COURSES,
    STAFF_TOPICS,
    TRAINERS,
)
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

LOGISTICS_POST = "总务主任"
SECOND_MANAGER_FROM = 600  # pupils: the logistics lead is a safety manager too
# Shares of schools with each gap, by tier.
SILENT = {"good": 0.005, "fair": 0.02, "poor": 0.08}  # no training recorded at all
SHORT = {"good": 0.05, "fair": 0.2, "poor": 0.45}  # missed a managers' course in a year
COVERAGE_SHORT = {"good": 0.04, "fair": 0.12, "poor": 0.3}  # part of the staff trained
NO_PSY = {"good": 0.02, "fair": 0.06, "poor": 0.15}  # no psychological teacher
LEGAL_ENDED = {"good": 0.03, "fair": 0.06, "poor": 0.12}  # the term ended, not renewed
FORMER_MANAGER = 0.15
FORMER_LEGAL = 0.2
SHORT_GUARDS = 0.12  # counties whose guards train 12 days a year


def load(loader: Loader, world: World, *, seed: int, today, days: int, progress=None) -> dict:
    return Training(loader, world, seed=seed, today=today, days=days).run(progress)


load.app_label = "training"


def _hours(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.1")))


class Training:
    def __init__(self, loader: Loader, world: World, *, seed: int, today, days: int):
        self.loader = loader
        self.world = world
        self.rng = random.Random(seed * 3571 + 11)
        self.names = Names(random.Random(seed * 3571 + 12))
        self.today = today
        window = today - datetime.timedelta(days=days - 1)
        self.start = min(window, datetime.date(today.year - 1, 1, 1))
        self.years = range(self.start.year, today.year + 1)
        self.calendar = default_calendar(today)
        self.clock = Clock()
        self.counts: dict[str, int] = {}

    def _write(self, model, columns, rows) -> int:
        n = self.loader.write(Table(model, columns), rows)
        self.counts[model._meta.db_table] = self.counts.get(model._meta.db_table, 0) + n
        return n

    def _stamp(self, day: datetime.date, hour: int) -> str:
        return self.clock.text(Clock.minute(min(day, self.today), hour, 0))

    def run(self, progress=None) -> dict:
        people = self._people()
        staff = dict(
            School.objects.filter(node_id__in=[s.id for s in self.world.schools]).values_list(
                "node_id", "staff_count"
            )
        )
        managers = {s.id: self._managers(s, people.get(s.id, [])) for s in self.world.schools}
        appointments = self.appointments(managers)
        sessions, attendances = self.sessions(managers, staff)
        if progress is not None:
            progress(
                f"training: {sessions:,} sessions with {attendances:,} attendances from "
                f"{self.start.isoformat()}, {appointments:,} appointments"
            )
        return self.counts

    def _people(self) -> dict[int, list[tuple[int, str, str]]]:
        """{school id: [(person id, name, post)]}: the people the world put on file."""
        out: dict[int, list] = {}
        rows = (
            Person.objects.filter(org_path__startswith=self.world.province.path + ".")
            .filter(org_id__in=[s.id for s in self.world.schools])
            .order_by("id")
            .values_list("org_id", "id", "name", "post")
        )
        for org_id, pk, name, post in rows.iterator(chunk_size=20_000):
            out.setdefault(org_id, []).append((pk, name, post))
        return out

    @staticmethod
    def _managers(s, people) -> list[tuple[int, str]]:
        found = [(pk, name) for pk, name, post in people if post in SAFETY_POSTS]
        if s.enrolment >= SECOND_MANAGER_FROM:
            found += [(pk, name) for pk, name, post in people if post == LOGISTICS_POST]
        return found[:2]

    # ------------------------------------------------------------------------ appointments

    def appointments(self, managers: dict[int, list]) -> int:
        rng, names, world, today = self.rng, self.names, self.world, self.today
        aid = self.loader.next_id(Appointment)
        numbers: dict[tuple, int] = {}

        def number(county, year: int) -> str:
            key = (county.id, year)
            numbers[key] = numbers.get(key, 0) + 1
            return f"{county.short}教发〔{year}〕{numbers[key]}号"

        rows = []

        def add(s, post, person, name, unit, since, ended=None, reason="", document=""):
            nonlocal aid
            created = self._stamp(since, 9)
            updated = self._stamp(ended or since, 9)
            rows.append(
                (aid, s.id, s.path, post, person, name, unit, since.isoformat(),
                 ended.isoformat() if ended else None, reason, document, created, updated)
            )  # fmt: skip
            aid += 1

        for s in world.schools:
            county = world.counties[s.county]
            for pk, name in managers[s.id]:
                since = datetime.date(rng.choice((2019, 2020, 2021, 2022, 2023, 2024)), 9, 1)
                add(s, Post.SAFETY_MANAGER, pk, name, "", since)
            if rng.random() < FORMER_MANAGER:
                add(s, Post.SAFETY_MANAGER, None, names.person(), "", datetime.date(2016, 9, 1),
                    datetime.date(2019, 8, 31), "工作调动")  # fmt: skip
            if rng.random() < NO_PSY[s.tier]:
                if rng.random() < 0.5:
                    left = min(today - 30 * ONE_DAY, datetime.date(today.year, 7, 10))
                    add(s, Post.PSY_PART, None, names.person(), "", datetime.date(2021, 9, 1),
                        left, "调离本校")  # fmt: skip
            elif s.enrolment >= FULL_TIME_FROM:
                since = datetime.date(rng.choice((2021, 2022, 2023)), 9, 1)
                add(s, Post.PSY_FULL, None, names.person(), s.name, since)
            else:
                since = datetime.date(rng.choice((2022, 2023, 2024)), 9, 1)
                add(s, Post.PSY_PART, None, names.person(), s.name, since)
            if s.township is not None:
                unit = f"{world.townships[s.township].short}派出所"
            else:
                unit = f"{county.short}城关派出所"
            if rng.random() < FORMER_LEGAL:
                add(s, Post.LEGAL_VP, None, names.person(), unit, datetime.date(2020, 9, 1),
                    datetime.date(2023, 8, 31), "任期届满", number(county, 2020))  # fmt: skip
            ended, reason = None, ""
            if rng.random() < LEGAL_ENDED[s.tier]:
                ended = min(today - 20 * ONE_DAY, datetime.date(today.year, 8, 31))
                reason = "任期届满，待续聘"
            add(s, Post.LEGAL_VP, None, names.person(), unit, datetime.date(2023, 9, 1), ended,
                reason, number(county, 2023))  # fmt: skip
        self._write(
            Appointment,
            ["id", "org_id", "org_path", "post", "person_id", "name", "unit", "started_on",
             "ended_on", "end_reason", "document_number", "created_at", "updated_at"],
            rows,
        )  # fmt: skip
        self.loader.used_ids(Appointment, aid - 1)
        return len(rows)

    # ---------------------------------------------------------------------------- sessions

    def sessions(self, managers: dict[int, list], staff: dict[int, int]) -> tuple[int, int]:
        rng, world, today, start = self.rng, self.world, self.today, self.start
        silent = {s.id for s in world.schools if rng.random() < SILENT[s.tier]}
        short = {
            year: {s.id for s in world.schools if rng.random() < SHORT[s.tier]}
            for year in self.years
        }
        n_counties = len(world.counties)
        short_guards = {k for k in range(n_counties) if rng.random() < SHORT_GUARDS}
        if n_counties > 1 and not short_guards:
            short_guards.add(rng.randrange(n_counties))
        by_county: dict[int, list] = {}
        for i, s in enumerate(world.schools):
            if s.id not in silent:
                by_county.setdefault(s.county, []).append((i, s))
        sid = self.loader.next_id(TrainingSession)
        tid = self.loader.next_id(TrainingAttendance)
        sessions, attendances = [], []

        def session(node, audience, topic, day, hours, days=1, trainer="", place="", count=None):
            nonlocal sid
            at = self._stamp(day + (days - 1) * ONE_DAY, 17)
            sessions.append(
                (sid, node.id, node.path, audience, topic, day.isoformat(), days, _hours(hours),
                 trainer, place, count, at, at)
            )  # fmt: skip
            sid += 1
            return sid - 1, at

        for ki, county in enumerate(world.counties):
            place = f"{county.name}教育体育局会议室"
            for year in self.years:
                for index, (month, first, hours, title) in enumerate(MANAGER_COURSES):
                    day = datetime.date(year, month, first + rng.randrange(0, 8))
                    if not start <= day <= today:
                        continue
                    trainer = rng.choice(TRAINERS)
                    pk, at = session(county, Audience.MANAGERS, f"{county.name}{year}年{title}",
                                     day, hours, trainer=trainer, place=place)  # fmt: skip
                    for i, s in by_county.get(ki, []):
                        skips = index == 1 or (index == 2 and i % 2)
                        if s.id in short[year] and skips:
                            continue  # missed the course: short of 15 h this year
                        for person, name in managers[s.id]:
                            attendances.append(
                                (tid, s.id, s.path, pk, person, name, _hours(hours), at, at)
                            )
                            tid += 1
                plan = GUARD_TRAINING_SHORT if ki in short_guards else GUARD_TRAINING
                for month, day_of, days in plan:
                    day = datetime.date(year, month, day_of)
                    if not start <= day <= today - (days - 1) * ONE_DAY:
                        continue
                    session(county, Audience.GUARDS,
                            f"{county.name}{year}年校园保安员培训及实战演练（{month}月）", day,
                            6 * days, days=days, trainer="县公安局治安大队",
                            place=f"{county.name}公安局训练基地")  # fmt: skip
        cal = self.calendar
        terms = []
        for n, term in enumerate(t for t in cal.terms if t.end >= start and t.start <= today):
            found = [
                d for d in cal.school_days(term.start, term.start + 20 * ONE_DAY) if start <= d <= today
            ]  # fmt: skip
            if found:
                terms.append((f"{term.name}{STAFF_TOPICS[n % len(STAFF_TOPICS)]}", found[:8]))
        for s in world.schools:
            if s.id in silent:
                continue
            for topic, days in terms:
                count = staff.get(s.id) or None
                if count and rng.random() < COVERAGE_SHORT[s.tier]:
                    count = max(1, round(count * rng.uniform(0.8, 0.95)))
                session(s, Audience.ALL_STAFF, topic, rng.choice(days), 2,
                        trainer=rng.choice(TRAINERS), place="学校会议室", count=count)  # fmt: skip
        self._write(
            TrainingSession,
            ["id", "org_id", "org_path", "audience", "topic", "started_on", "days", "hours",
             "trainer", "place", "attendee_count", "created_at", "updated_at"],
            sessions,
        )  # fmt: skip
        self._write(
            TrainingAttendance,
            ["id", "org_id", "org_path", "session_id", "person_id", "name", "hours",
             "created_at", "updated_at"],
            attendances,
        )  # fmt: skip
        self.loader.used_ids(TrainingSession, sid - 1)
        self.loader.used_ids(TrainingAttendance, tid - 1)
        return len(sessions), len(attendances)


# ------------------------------------------------------------------------------- figures


def figures(path: str) -> dict:
    """Counts of the province's training records and a digest of their rows, by natural
    keys, not ids."""
    inside = {"org_path__startswith": path + "."}
    digest = hashlib.sha256()
    queries = (
        TrainingSession.objects.filter(**inside)
        .order_by("org_path", "started_on", "topic")
        .values_list(
            "org_path", "started_on", "topic", "audience", "days", "hours", "attendee_count"
        ),
        TrainingAttendance.objects.filter(**inside)
        .order_by("org_path", "session__started_on", "session__topic", "name")
        .values_list("org_path", "session__started_on", "session__topic", "name", "hours"),
        Appointment.objects.filter(**inside)
        .order_by("org_path", "post", "started_on", "name")
        .values_list("org_path", "post", "started_on", "ended_on", "name", "unit"),
    )
    for rows in queries:
        for row in rows.iterator(chunk_size=20_000):
            digest.update(repr(row).encode())
    return {
        "training_sessions": dict(
            TrainingSession.objects.filter(**inside)
            .values_list("audience")
            .annotate(n=Count("pk"))
            .order_by("audience")
        ),
        "attendances": TrainingAttendance.objects.filter(**inside).count(),
        "appointments": dict(
            Appointment.objects.filter(**inside)
            .values_list("post")
            .annotate(n=Count("pk"))
            .order_by("post")
        ),
        "training_digest": digest.hexdigest(),
    }


load.figures = figures
