"""Safety education for the province-year: each school's classes with their recent 1530
reminders, the schools' education activities, and the campaigns the province and its cities
ran with each school's completion. The shapes (grades and classes, titles, topics by season,
who gives what when) are the demo's (education/demo.py); the volumes are a province's.

Why the reminders are recent only: 20,000 schools have about 134,000 classes, and a year of
their reminders (the daily minute on ~190 school days, the weekly five minutes, the thirty
minutes before each holiday) is some 30 million rows, as many as the rest of the seed's
activity but the inspection answers. What reads them is the last ended month (EDU-1530 with
the six days it shares with its neighbours, the education overview) and this week (the class
teacher's page), so the seed loads them from six days before the last ended month up to
yesterday: about 45 a class. The class register is dated from that first day, so EDU-1530
says "no data" for an earlier month (its classes were registered after it) instead of failing
every class for reminders nobody loaded.

Activities and campaigns cover the whole --days window: a themed activity in most school
months, drowning education in most school weeks from April to October, two or three health
periods a term, about forty a school a year. The province runs 秋季安全第一课 in September and
every city 平安暑假 over the summer, with each school's target and completed.

How well a school keeps it follows its tier, the same that sets its inspection rate
(world.SchoolInfo.tier): a lagging school (most poor schools, a third of the fair ones, a few
good ones) has one or two careless classes (a few days a month without the daily minute, now
and then a week or a holiday missed) and skips more activities; so EDU-1530, EDU-MONTHLY,
EDU-DROWNING, EDU-HEALTH and EDU-CAMPAIGN-RATE find a minority failing, not all or none.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, Sum

from safecampus.compliance.verdicts import last_ended_month
from safecampus.core.dates import ONE_DAY, add_months
from safecampus.education.choices import (
    GRADES_BY_KIND,
    ActivityKind,
    ReminderKind,
    ResultSource,
    Topic,
    grade_rank,
)
from safecampus.education.demo import (
    DROWNING,
    HEALTH,
    MONTH_THEME,
    NOTES,
    THEMED,
    TOPICS,
    _classes_of,
)
from safecampus.education.models import (
    Campaign,
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from safecampus.education.schedule import holiday_windows, school_weeks, suggested_topic
from safecampus.hazards.calendar import default_calendar
from safecampus.scale.bulk import Loader, Table
from safecampus.scale.clock import MINUTES_PER_DAY, Clock
from safecampus.scale.world import World

DAY = MINUTES_PER_DAY
LEAD_DAYS = 6  # EDU-1530 reads six days either side of the month it judges
# Share of schools that lag (careless classes, activities skipped), by tier.
LAGGING = {"good": 0.04, "fair": 0.35, "poor": 0.9}
THEMED_RATE = {"good": 0.98, "fair": 0.9, "poor": 0.7}
DROWNING_RATE = {"good": 0.997, "fair": 0.96, "poor": 0.85}
# Campaign completion: the share of schools below 95 %, by tier; and schools not reported.
BELOW_MINIMUM = {"good": 0.04, "fair": 0.2, "poor": 0.5}
NOT_REPORTED = 0.01
PLATFORM = "学校安全教育平台"
CAMPAIGN_TEXT = "各校组织学生登录学校安全教育平台完成专题学习和答题，按完成人数统计完成率。"
STAMP_MINUTES = 30  # daily reminders are recorded between 16:10 and 16:39


@dataclass
class Klass:
    id: int
    school: object  # world.SchoolInfo
    careless: bool


@dataclass
class Day:
    text: str
    topic: str
    stamps: tuple[str, ...]


def load(loader: Loader, world: World, *, seed: int, today, days: int, progress=None) -> dict:
    return Education(loader, world, seed=seed, today=today, days=days).run(progress)


load.app_label = "education"


def reminders_from(today: datetime.date, days: int) -> datetime.date:
    """The first day of the reminders loaded (and of the class register)."""
    window = today - datetime.timedelta(days=days - 1)
    return max(window, last_ended_month(today).start - LEAD_DAYS * ONE_DAY)


class Education:
    def __init__(self, loader: Loader, world: World, *, seed: int, today, days: int):
        self.loader = loader
        self.world = world
        self.rng = random.Random(seed * 6151 + 29)
        self.today = today
        self.yesterday = today - ONE_DAY
        self.window = today - datetime.timedelta(days=days - 1)
        self.first_reminder = reminders_from(today, days)
        self.calendar = default_calendar(today)
        self.clock = Clock()
        self.counts: dict[str, int] = {}
        self.lagging: set[int] = set()

    def _write(self, model, columns, rows) -> int:
        n = self.loader.write(Table(model, columns), rows)
        self.counts[model._meta.db_table] = self.counts.get(model._meta.db_table, 0) + n
        return n

    def run(self, progress=None) -> dict:
        rng = self.rng
        for s in self.world.schools:
            if s.kind in GRADES_BY_KIND and rng.random() < LAGGING[s.tier]:
                self.lagging.add(s.id)
        classes = self.classes()
        with self.loader.indexes_deferred([SafetyReminder]):
            reminders = self.reminders(classes)
        activities = self.activities()
        campaigns, results = self.campaigns()
        if progress is not None:
            progress(
                f"education: {len(classes):,} classes, {reminders:,} 1530 reminders from "
                f"{self.first_reminder.isoformat()}, {activities:,} activities, "
                f"{campaigns:,} campaigns with {results:,} school results"
            )
        return self.counts

    # ---------------------------------------------------------------------------- classes

    def classes(self) -> list[Klass]:
        rng, loader = self.rng, self.loader
        cid = loader.next_id(SchoolClass)
        registered = self.clock.text(Clock.minute(self.first_reminder, 8, 0))
        rows, out = [], []
        for s in self.world.schools:
            specs = _classes_of(rng, s)
            careless = set()
            if s.id in self.lagging and specs:
                careless = set(
                    rng.sample(range(len(specs)), min(len(specs), rng.choice((1, 1, 2))))
                )
            for i, c in enumerate(specs):
                rows.append(
                    (cid, s.id, s.path, c.grade, c.name, max(1, c.pupils), True,
                     grade_rank(c.grade), registered, registered)
                )  # fmt: skip
                out.append(Klass(cid, s, i in careless))
                cid += 1
        self._write(
            SchoolClass,
            ["id", "org_id", "org_path", "grade", "name", "pupils", "active", "rank",
             "created_at", "updated_at"],
            rows,
        )  # fmt: skip
        loader.used_ids(SchoolClass, cid - 1)
        return out

    # -------------------------------------------------------------------------- reminders

    def _days(self) -> tuple[list[Day], list[Day], list[tuple]]:
        """The school days, the weeks' last school days (finished weeks only) and the holiday
        windows of the reminder window, each with its texts made once."""
        cal, clock = self.calendar, self.clock

        def day(d: datetime.date, hour: int, minute: int, span: int) -> Day:
            moments = tuple(clock.text(Clock.minute(d, hour, minute + m)) for m in range(span))
            return Day(d.isoformat(), suggested_topic(ReminderKind.DAILY, d), moments)

        first = self.first_reminder
        daily = [day(d, 16, 10, STAMP_MINUTES) for d in cal.school_days(first, self.yesterday)]
        weekly = [
            day(w[-1], 16, 5, 1)
            for _monday, _sunday, w in school_weeks(cal, first, self.today)
            if w[-1] < self.today
        ]
        windows = []
        for w in holiday_windows(cal):
            if first <= w.last < self.today:
                pair = []
                for d in (w.last, w.first):
                    topic = suggested_topic(ReminderKind.HOLIDAY, d, w.name)
                    moment = clock.text(Clock.minute(d, 15, 30))
                    pair.append(Day(d.isoformat(), topic, (moment,)))
                windows.append(tuple(pair))
        return daily, weekly, windows

    def reminders(self, classes: list[Klass]) -> int:
        rid = self.loader.next_id(SafetyReminder)
        daily, weekly, windows = self._days()
        rng = self.rng
        random_, choice = rng.random, rng.choice
        topics, notes = TOPICS, NOTES
        n_topics = len(topics)
        last = [rid - 1]
        daily_kind, weekly_kind, holiday_kind = (
            ReminderKind.DAILY.value,
            ReminderKind.WEEKLY.value,
            ReminderKind.HOLIDAY.value,
        )

        def rows():
            n = rid
            for c in classes:
                s = c.school
                if c.careless:
                    p_daily, p_week, p_holiday = rng.uniform(0.82, 0.9), 0.8, 0.7
                else:
                    p_daily, p_week, p_holiday = rng.uniform(0.988, 1.0), 0.9995, 0.9995
                base = (s.id, s.path, c.id)
                # Keys ascend (class, kind, day): daily < holiday < weekly, so the unique
                # index kept during the load is only ever appended to.
                # Every column is given (no defaults appended per row): millions of rows.
                for d in daily:
                    if random_() < p_daily:
                        topic = topics[int(random_() * n_topics)] if random_() < 0.2 else d.topic
                        stamp = d.stamps[int(random_() * STAMP_MINUTES)]
                        yield (n, *base, daily_kind, d.text, topic, 1, "", stamp, stamp, 1, None)
                        n += 1
                given = {}  # two holidays close together may share a day: one reminder
                for pair in windows:
                    if random_() < p_holiday:
                        d = pair[0] if random_() < 0.8 else pair[1]
                        topic = choice(topics) if random_() < 0.2 else d.topic
                        given.setdefault(d.text, (d.text, topic, choice(notes), d.stamps[0]))
                for text, topic, note, stamp in sorted(given.values()):
                    yield (n, *base, holiday_kind, text, topic, 30, note, stamp, stamp, 1, None)
                    n += 1
                for d in weekly:
                    if random_() < p_week:
                        topic = choice(topics) if random_() < 0.2 else d.topic
                        stamp = d.stamps[0]
                        note = choice(notes)
                        yield (n, *base, weekly_kind, d.text, topic, 5, note, stamp, stamp, 1, None)
                        n += 1
                last[0] = n - 1

        written = self._write(
            SafetyReminder,
            ["id", "org_id", "org_path", "school_class_id", "kind", "day", "topic", "minutes",
             "note", "created_at", "updated_at", "version", "recorded_by_id"],
            rows(),
        )  # fmt: skip
        self.loader.used_ids(SafetyReminder, last[0])
        return written

    # ------------------------------------------------------------------------- activities

    def activities(self) -> int:
        rng, cal, clock = self.rng, self.calendar, self.clock
        first, yesterday = self.window, self.yesterday
        months = []
        month = first.replace(day=1)
        while month <= self.today:
            end = add_months(month, 1) - ONE_DAY
            found = cal.school_days(max(month, first), min(end, yesterday))
            if found:
                months.append((MONTH_THEME[month.month], found))
            month = add_months(month, 1)
        weeks = [w for _monday, _sunday, w in school_weeks(cal, first, yesterday)]
        terms = []
        for term in cal.terms:
            if term.end < first or term.start > self.today:
                continue
            found = cal.school_days(max(term.start, first), min(term.end, yesterday))
            if len(found) >= 20:
                terms.append(found)
        stamps: dict[datetime.date, str] = {}

        def stamp(day: datetime.date) -> str:
            text = stamps.get(day)
            if text is None:
                text = stamps[day] = clock.text(Clock.minute(day, 17, 0))
            return text

        aid = self.loader.next_id(EducationActivity)
        last = [aid - 1]

        def rows():
            n = aid
            for s in self.world.schools:
                if s.kind not in GRADES_BY_KIND:
                    continue
                lagging = s.id in self.lagging
                themed = THEMED_RATE[s.tier] * (0.8 if lagging else 1)
                drowning = DROWNING_RATE[s.tier] * (0.92 if lagging else 1)
                found = []
                for topic, days in months:
                    if rng.random() < themed:
                        title = rng.choice(THEMED[topic])
                        found.append((rng.choice(days), ActivityKind.THEMED, title, topic, round(s.enrolment * 0.95)))  # fmt: skip
                for days in weeks:
                    day = days[min(len(days) - 1, rng.randrange(2, 5))]
                    if 4 <= day.month <= 10 and rng.random() < drowning:
                        found.append((day, ActivityKind.DROWNING, rng.choice(DROWNING), Topic.DROWNING, s.enrolment))  # fmt: skip
                for days in terms:
                    wanted = 1 if (lagging and rng.random() < 0.5) else rng.choice((2, 2, 3))
                    for title, topic in rng.sample(HEALTH, wanted):
                        found.append((rng.choice(days), ActivityKind.HEALTH, title, topic, s.enrolment))  # fmt: skip
                found.sort(key=lambda a: (a[0], a[1], a[2]))
                for day, kind, title, topic, participants in found:
                    at = stamp(day)
                    yield (n, s.id, s.path, kind, title, topic, day.isoformat(), 1, participants, at, at)  # fmt: skip
                    n += 1
            last[0] = n - 1

        written = self._write(
            EducationActivity,
            ["id", "org_id", "org_path", "kind", "title", "topic", "day", "periods",
             "participants", "created_at", "updated_at"],
            rows(),
        )  # fmt: skip
        self.loader.used_ids(EducationActivity, last[0])
        return written

    # -------------------------------------------------------------------------- campaigns

    def _specs(self) -> list[tuple]:
        """(region, name, topic, start, end): the province's 秋季安全第一课 of this autumn and
        the last, each city's 平安暑假; those of the window, and at least the latest autumn
        lesson that has begun (the one EDU-CAMPAIGN-RATE judges)."""
        today, world = self.today, self.world
        autumn = today.year if today >= datetime.date(today.year, 9, 1) else today.year - 1
        specs = []
        for year in (autumn - 1, autumn):
            specs.append(
                (-1, f"{world.province.name}{year}年秋季安全第一课", Topic.OTHER,
                 datetime.date(year, 9, 1), datetime.date(year, 9, 30))
            )  # fmt: skip
            for ci, city in enumerate(world.cities):
                specs.append(
                    (ci, f"{city.name}{year}年平安暑假专项教育", Topic.DROWNING,
                     datetime.date(year, 7, 10), datetime.date(year, 8, 31))
                )  # fmt: skip
        begun = [s for s in specs if s[3] <= today]
        latest = max((s for s in begun if s[0] == -1), key=lambda s: s[3], default=None)
        return [s for s in begun if s[4] >= self.window or s is latest]

    def campaigns(self) -> tuple[int, int]:
        rng, clock, world = self.rng, self.clock, self.world
        kid = self.loader.next_id(Campaign)
        qid = self.loader.next_id(CampaignResult)
        campaigns, results = [], []
        judged = [s for s in world.schools if s.kind in GRADES_BY_KIND]
        by_city: dict[int, list] = {}
        for s in judged:
            by_city.setdefault(world.county_city[s.county], []).append(s)
        for region, name, topic, start, end in self._specs():
            node = world.province if region == -1 else world.cities[region]
            created = clock.text(Clock.minute(start - 10 * ONE_DAY, 9, 0))
            campaigns.append(
                (kid, node.id, node.path, name, topic, start.isoformat(), end.isoformat(),
                 PLATFORM, CAMPAIGN_TEXT, created, created)
            )  # fmt: skip
            share = 1.0
            if end >= self.today:
                share = max(0.1, (self.today - start).days / ((end - start).days + 1))
            reported = clock.text(Clock.minute(min(self.yesterday, end + 3 * ONE_DAY), 10, 0))
            for s in judged if region == -1 else by_city.get(region, []):
                if rng.random() < NOT_REPORTED:
                    continue
                if rng.random() < BELOW_MINIMUM[s.tier]:
                    rate = rng.uniform(0.78, 0.945)
                else:
                    rate = rng.uniform(0.955, 1.0)
                target = s.enrolment
                done = min(target, round(target * rate * share))
                results.append(
                    (qid, s.id, s.path, kid, target, done, ResultSource.IMPORT, reported, reported)
                )
                qid += 1
            kid += 1
        self._write(
            Campaign,
            ["id", "org_id", "org_path", "name", "topic", "start", "end", "platform",
             "description", "created_at", "updated_at"],
            campaigns,
        )  # fmt: skip
        self._write(
            CampaignResult,
            ["id", "org_id", "org_path", "campaign_id", "target", "completed", "source",
             "created_at", "updated_at"],
            results,
        )  # fmt: skip
        self.loader.used_ids(Campaign, kid - 1)
        self.loader.used_ids(CampaignResult, qid - 1)
        return len(campaigns), len(results)


# ------------------------------------------------------------------------------- figures


def figures(path: str) -> dict:
    """Counts of the province's education records and a digest of their rows, by natural
    keys (paths, class names, days), not ids. The millions of reminders enter the digest as
    one line per class and kind (how many, their minutes, first and last day and moment, the
    topics), which a changed row changes too, at a fraction of the time of reading each."""
    under = {"org_path__startswith": path + "."}
    digest = hashlib.sha256()
    queries = (
        SchoolClass.objects.filter(**under)
        .order_by("org_path", "name")
        .values_list("org_path", "name", "grade", "pupils", "rank", "created_at"),
        SafetyReminder.objects.filter(**under)
        .values_list("org_path", "school_class__name", "kind")
        .annotate(
            n=Count("pk"),
            minutes=Sum("minutes"),
            first=Min("day"),
            last=Max("day"),
            earliest=Min("created_at"),
            latest=Max("created_at"),
            topics=Count("topic", distinct=True),
            notes=Count("note", filter=~Q(note="")),
        )
        .order_by("org_path", "school_class__name", "kind"),
        EducationActivity.objects.filter(**under)
        .order_by("org_path", "day", "kind", "title")
        .values_list("org_path", "day", "kind", "title", "topic", "periods", "participants"),
        CampaignResult.objects.filter(**under)
        .order_by("campaign__name", "org_path")
        .values_list("campaign__name", "org_path", "target", "completed", "source"),
    )
    for rows in queries:
        for row in rows.iterator(chunk_size=20_000):
            digest.update(repr(row).encode())
    return {
        "classes": SchoolClass.objects.filter(**under).count(),
        "reminders": dict(
            SafetyReminder.objects.filter(**under)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
        ),
        "activities": dict(
            EducationActivity.objects.filter(**under)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by("kind")
        ),
        "campaigns": Campaign.objects.filter(org_path__startswith=path).count(),
        "campaign_results": CampaignResult.objects.filter(**under).count(),
        "education_digest": digest.hexdigest(),
    }


load.figures = figures
