"""The demo's safety education (`seed-demo`): every school's classes, a year of their 1530
reminders, the schools' education activities, and the city's campaigns with each school's
completion — read from the loaded organisation world and written once with bulk inserts.

`load_education(seed=, now=)` does nothing if any class or campaign exists, so running it again
changes nothing; the same seed and day give the same rows. What a demo user finds:

- Classes (班级): a school's grades (一年级…六年级, 七…九年级, 高一…高三, 小班/中班/大班), one
  to three classes a grade as its enrolment asks, registered a year ago. The demo teacher
  (login `teacher`) heads the class of their post at 冯记沟中心小学: today's daily minute and
  this week's five minutes are still to do.
- 1530 reminders for the last twelve months: the daily minute on nearly every school day, the
  five minutes each week, the thirty minutes before each holiday, topics by the season. In
  about one school in eight one or two classes are careless (a few days a month without the
  daily minute, now and then a week or a holiday missed) — so EDU-1530 fails there, and
  drowning education and themed activities lag there too.
- Activities (活动): a themed safety activity each school month (a few schools skip some months),
  drowning prevention education every week from April to October (one school in each county
  held none from May to July), two or three periods of health education a term (a few schools
  only one), each with a title a school would give it.
- Campaigns (专项教育): the city's 平安暑假 and 秋季安全第一课 (the latest one that has begun, e.g.
  2026年秋季安全第一课, 1–30 September) with each school's target and completed, mostly above
  95 %, at least one school a county below it and a couple not reported — reported upwards
  the way seed 001 reports it (“259,633 people, 95.25 %”).

Like the rest of the demo it writes no audit entries and keeps the story's timestamps.
The reminders (hundreds of thousands of rows) go in as multi-row INSERTs, not model objects.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from safecampus.core.dates import ONE_DAY, add_months
from safecampus.education.choices import (
    GRADES_BY_KIND,
    ActivityKind,
    ReminderKind,
    Topic,
    grade_rank,
)
from safecampus.education.schedule import holiday_windows, school_weeks, suggested_topic

DAYS = 365
CLASS_SIZE = {"kindergarten": 30, "default": 45}
MAX_PER_GRADE = 3
LAGGING_SCHOOL = 0.12
TOPICS = [t for t in Topic.values if t != Topic.OTHER]
BATCH = 5000
CN = "一二三四五六七八九十"

THEMED = {
    Topic.TRAFFIC: ("“文明交通 平安出行”主题班会", "交通安全知识讲座", "交通安全手抄报评比"),
    Topic.FIRE: ("消防安全知识讲座", "“119”消防宣传月主题活动", "消防器材使用演示"),
    Topic.FOOD: ("食品安全主题班会", "“拒绝三无食品”主题教育"),
    Topic.BULLYING: ("预防校园欺凌主题班会", "法治副校长防欺凌专题讲座"),
    Topic.FRAUD: ("防范电信网络诈骗主题教育", "反诈知识进校园"),
    Topic.EARTHQUAKE: ("“5·12”防灾减灾主题教育", "地震避险知识讲座"),
    Topic.ELECTRICITY: ("安全用电主题班会",),
    Topic.WEATHER: ("防汛防雷电安全教育",),
    Topic.EPIDEMIC: ("传染病防控知识讲座",),
    Topic.CYBER: ("网络安全宣传周主题活动", "“清朗”网络素养教育"),
    Topic.DROWNING: ("“珍爱生命 预防溺水”主题班会",),
}
MONTH_THEME = {
    1: Topic.FIRE, 2: Topic.FIRE, 3: Topic.TRAFFIC, 4: Topic.BULLYING, 5: Topic.EARTHQUAKE,
    6: Topic.FOOD, 7: Topic.WEATHER, 8: Topic.WEATHER, 9: Topic.CYBER, 10: Topic.FRAUD,
    11: Topic.FIRE, 12: Topic.TRAFFIC,
}  # fmt: skip
DROWNING = (
    "防溺水“六不”安全教育",
    "“珍爱生命 预防溺水”主题班会",
    "防溺水致家长一封信宣讲",
    "防溺水安全警示教育视频观看",
    "防溺水知识竞赛",
)
HEALTH = (
    ("传染病预防健康教育课", Topic.EPIDEMIC),
    ("食品卫生与营养健康教育课", Topic.FOOD),
    ("青春期心理健康教育课", Topic.OTHER),
    ("近视防控健康教育课", Topic.OTHER),
)
NOTES = ("", "", "", "结合近期本地天气提醒", "提醒学生放学结伴回家", "强调不私自下河游泳")


@dataclass
class ClassSpec:
    school: object  # emergency.demo.SchoolInfo
    grade: str
    name: str
    pupils: int
    careless: bool = False
    head_teacher: int | None = None
    pk: int | None = None


@dataclass
class Plan:
    classes: list[ClassSpec] = field(default_factory=list)
    activities: list[tuple] = field(default_factory=list)


def _kg_name(grade: str, i: int, count: int) -> str:
    return f"{grade[0]}{CN[i]}班" if count > 1 else grade


def _classes_of(rng: random.Random, s) -> list[ClassSpec]:
    grades = GRADES_BY_KIND.get(s.kind)
    if not grades:
        return []
    size = CLASS_SIZE.get(s.kind, CLASS_SIZE["default"])
    per_grade = max(1, min(MAX_PER_GRADE, round(s.enrolment / len(grades) / size)))
    pupils = max(5, round(s.enrolment / len(grades) / per_grade))
    out = []
    for grade in grades:
        for i in range(per_grade):
            name = (
                _kg_name(grade, i, per_grade) if s.kind == "kindergarten" else f"{grade}{i + 1}班"
            )
            out.append(ClassSpec(s, grade, name, pupils + rng.randrange(-3, 4)))
    return out


def _teacher_class(world, classes: list[ClassSpec]) -> None:
    """The demo teacher heads the class their post names (三年级二班班主任 → 三年级2班)."""
    from safecampus.orgs.models import Person

    user = world.user("teacher")
    if user is None:
        return
    post = Person.objects.filter(user=user).values_list("post", flat=True).first() or ""
    mine = [c for c in classes if c.school.id == user.org_id]
    if not mine:
        return
    wanted = None
    match = re.match(r"(.+年级)(.)班", post)
    if match and match.group(2) in CN:
        wanted = f"{match.group(1)}{CN.index(match.group(2)) + 1}班"
    found = next((c for c in mine if c.name == wanted), mine[min(2, len(mine) - 1)])
    found.head_teacher = user.pk
    found.careless = False


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# --------------------------------------------------------------------------- reminders


def _topic(rng, kind, day, holiday="") -> str:
    if rng.random() < 0.2:
        return rng.choice(TOPICS)
    return suggested_topic(kind, day, holiday)


class _Stamps:
    """Aware datetimes of (day, hour, minute), made once each: hundreds of thousands of rows
    share a few thousand moments."""

    def __init__(self):
        self.tz = timezone.get_current_timezone()
        self.found: dict = {}

    def __call__(self, day, hour, minute=0):
        key = (day, hour, minute)
        moment = self.found.get(key)
        if moment is None:
            moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.tz)
            self.found[key] = moment
        return moment


def _reminder_rows(rng, plan: Plan, today: datetime.date, now) -> list[tuple]:
    """(org, path, class, kind, day, topic, minutes, note, recorded_by, created_at) tuples."""
    first = today - datetime.timedelta(days=DAYS)
    yesterday = today - ONE_DAY
    stamp = _Stamps()
    rows = []
    calendars: dict[int, tuple] = {}  # a calendar's school days, weeks and holidays, once
    for c in plan.classes:
        s = c.school
        cal = s.calendar
        if id(cal) not in calendars:
            calendars[id(cal)] = (
                cal.school_days(first, yesterday),
                [days[-1] for _m, _s, days in school_weeks(cal, first, today)],
                [w for w in holiday_windows(cal) if first <= w.last < today],
            )
        days, week_ends, windows = calendars[id(cal)]
        p_daily = rng.uniform(0.82, 0.9) if c.careless else rng.uniform(0.988, 1.0)
        p_week = 0.8 if c.careless else 0.9995
        p_holiday = 0.7 if c.careless else 0.9995
        base = (s.id, s.path, c.pk)
        who = c.head_teacher
        for day in days:
            if rng.random() < p_daily:
                topic = _topic(rng, ReminderKind.DAILY, day)
                at = stamp(day, 16, 10 + int(rng.random() * 30))
                rows.append((*base, ReminderKind.DAILY, day, topic, 1, "", who, at))
        for last in week_ends:
            if last >= today or rng.random() >= p_week:
                continue  # this week's is still to do
            topic = _topic(rng, ReminderKind.WEEKLY, last)
            note = rng.choice(NOTES)
            rows.append((*base, ReminderKind.WEEKLY, last, topic, 5, note, who, stamp(last, 16, 5)))
        for w in windows:
            if rng.random() >= p_holiday:
                continue
            day = w.last if rng.random() < 0.8 else w.first
            topic = _topic(rng, ReminderKind.HOLIDAY, day, w.name)
            note = rng.choice(NOTES)
            rows.append(
                (*base, ReminderKind.HOLIDAY, day, topic, 30, note, who, stamp(day, 15, 30))
            )
    return rows


def _insert_reminders(rows: list[tuple]) -> int:
    """One prepared INSERT run over every row (the year of reminders is too many rows for
    model objects); the moments are adapted once each."""
    from safecampus.education.models import SafetyReminder

    table = connection.ops.quote_name(SafetyReminder._meta.db_table)
    columns = (
        "org_id", "org_path", "version", "created_at", "updated_at", "school_class_id", "kind",
        "day", "topic", "minutes", "note", "recorded_by_id",
    )  # fmt: skip
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  ours, not input
    adapted: dict = {}
    days: dict = {}

    def moment(at):
        found = adapted.get(at)
        if found is None:
            found = adapted[at] = connection.ops.adapt_datetimefield_value(at)
        return found

    def day_of(day):
        found = days.get(day)
        if found is None:
            found = days[day] = connection.ops.adapt_datefield_value(day)
        return found

    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            cursor.executemany(
                sql,
                [
                    (o, p, 1, moment(at), moment(at), c, k, day_of(d), t, m, n, w)
                    for o, p, c, k, d, t, m, n, w, at in chunk
                ],
            )
    return len(rows)


# -------------------------------------------------------------------------- activities


def _activities(rng, world, plan: Plan, today) -> None:
    """Themed activities each month, drowning education weekly in season, health periods."""
    first = today - datetime.timedelta(days=DAYS)
    counties: dict[int, list] = {}
    for s in world.schools:
        if s.kind in ("higher", "training"):
            continue
        counties.setdefault(s.county.pk, []).append(s)
    no_summer_drowning = set()
    for schools in counties.values():
        choices = [x for x in schools if not x.showcase and x.kind in GRADES_BY_KIND]
        if choices:
            no_summer_drowning.add(rng.choice(choices).id)
    for schools in counties.values():
        for s in schools:
            if s.kind not in GRADES_BY_KIND:
                continue
            cal = s.calendar
            skip_month = s.lagging and not s.showcase
            month = first.replace(day=1)
            while month <= today:
                last = add_months(month, 1) - ONE_DAY
                days = cal.school_days(max(month, first), min(last, today - ONE_DAY))
                if days and not (skip_month and rng.random() < 0.4):
                    topic = MONTH_THEME[month.month]
                    day = rng.choice(days)
                    title = rng.choice(THEMED[topic])
                    plan.activities.append(
                        (s, ActivityKind.THEMED, title, topic, day, 1, round(s.enrolment * 0.95))
                    )
                month = add_months(month, 1)
            for _monday, _sunday, days in school_weeks(cal, first, today - ONE_DAY):
                day = days[min(len(days) - 1, rng.randrange(2, 5))]
                if not 4 <= day.month <= 10:
                    continue
                if s.id in no_summer_drowning and 5 <= day.month <= 7:
                    continue
                if rng.random() < (0.88 if s.lagging else 0.996):
                    plan.activities.append(
                        (
                            s,
                            ActivityKind.DROWNING,
                            rng.choice(DROWNING),
                            Topic.DROWNING,
                            day,
                            1,
                            s.enrolment,
                        )
                    )
            for term in cal.terms:
                if term.end < first or term.start > today:
                    continue
                days = cal.school_days(max(term.start, first), min(term.end, today - ONE_DAY))
                if len(days) < 20:
                    continue
                wanted = 1 if (s.lagging and rng.random() < 0.5) else rng.choice((2, 2, 3))
                for title, topic in rng.sample(HEALTH, wanted):
                    day = rng.choice(days)
                    plan.activities.append(
                        (s, ActivityKind.HEALTH, title, topic, day, 1, s.enrolment)
                    )


# ---------------------------------------------------------------------------- campaigns


def _campaigns(rng, world, today, now) -> tuple[int, int]:
    from safecampus.education.models import Campaign, CampaignResult
    from safecampus.orgs.models import OrgNode

    city = OrgNode.objects.filter(kind="city").order_by("path").first()
    if city is None:
        return 0, 0
    autumn = today.year if today >= datetime.date(today.year, 9, 1) else today.year - 1
    specs = [
        (f"{autumn - 1}年秋季安全第一课", datetime.date(autumn - 1, 9, 1), datetime.date(autumn - 1, 9, 30), Topic.OTHER),
        (f"{autumn}年平安暑假专项教育", datetime.date(autumn, 7, 10), datetime.date(autumn, 8, 31), Topic.DROWNING),
        (f"{autumn}年秋季安全第一课", datetime.date(autumn, 9, 1), datetime.date(autumn, 9, 30), Topic.OTHER),
    ]  # fmt: skip
    campaigns = []
    for name, start, end, topic in specs:
        if start > today:
            continue
        campaigns.append(
            Campaign(
                org=city,
                org_path=city.path,
                name=name,
                topic=topic,
                start=start,
                end=end,
                platform="学校安全教育平台",
                description="各校组织学生登录学校安全教育平台完成专题学习和答题，按完成人数统计完成率。",
                created_at=_at(start - 10 * ONE_DAY, 9),
                updated_at=_at(start - 10 * ONE_DAY, 9),
            )
        )
    Campaign.objects.bulk_create(campaigns)
    schools = [s for s in world.schools if s.kind not in ("higher", "training")]
    below: set[int] = set()
    missing: set[int] = set()
    by_county: dict[int, list] = {}
    for s in schools:
        by_county.setdefault(s.county.pk, []).append(s)
    for county_schools in by_county.values():
        others = [s for s in county_schools if not s.showcase]
        if others:
            below.add(rng.choice(others).id)
    others = [s for s in schools if not s.showcase and s.id not in below]
    missing.update(s.id for s in rng.sample(others, min(2, len(others))))
    results = []
    for campaign in campaigns:
        running = campaign.end >= today
        share = 1.0
        if running:
            share = max(
                0.1, (today - campaign.start).days / ((campaign.end - campaign.start).days + 1)
            )
        latest = campaign is campaigns[-1]
        for s in schools:
            if latest and s.id in missing:
                continue
            target = s.enrolment
            if latest and s.id in below:
                rate = rng.uniform(0.78, 0.9)
            elif rng.random() < 0.06 and not s.showcase:
                rate = rng.uniform(0.9, 0.95)
            else:
                rate = rng.uniform(0.955, 1.0)
            done = min(target, round(target * rate * share))
            at = _at(min(today, campaign.end + 3 * ONE_DAY), 10)
            results.append(
                CampaignResult(
                    org_id=s.id,
                    org_path=s.path,
                    campaign=campaign,
                    target=target,
                    completed=done,
                    source="import",
                    created_at=at,
                    updated_at=at,
                )
            )
    CampaignResult.objects.bulk_create(results, batch_size=1000)
    return len(campaigns), len(results)


# ------------------------------------------------------------------------------- writing


def education_loaded() -> bool:
    from safecampus.education.models import Campaign, SchoolClass

    return SchoolClass.objects.exists() or Campaign.objects.exists()


def write(rng: random.Random, today: datetime.date, *, now=None) -> dict:
    from safecampus.education.models import (
        Campaign,
        CampaignResult,
        EducationActivity,
        SafetyReminder,
        SchoolClass,
    )
    from safecampus.emergency.demo import load_world
    from safecampus.hazards.demo import historic_timestamps

    now = timezone.localtime(now) if now is not None else _at(today, 18)
    world = load_world()
    if not world.schools:
        return {}
    for s in world.schools:
        s.lagging = not s.showcase and rng.random() < LAGGING_SCHOOL
    plan = Plan()
    for s in world.schools:
        classes = _classes_of(rng, s)
        if s.lagging and classes:  # one or two classes of a lagging school are careless
            for c in rng.sample(classes, min(len(classes), rng.choice((1, 1, 2)))):
                c.careless = True
        plan.classes += classes
    _teacher_class(world, plan.classes)
    registered = _at(today - datetime.timedelta(days=DAYS + 14), 9)
    with (
        transaction.atomic(),
        historic_timestamps(
            SchoolClass, EducationActivity, Campaign, CampaignResult, SafetyReminder
        ),
    ):
        objects = [
            SchoolClass(
                org_id=c.school.id,
                org_path=c.school.path,
                grade=c.grade,
                name=c.name,
                pupils=max(1, c.pupils),
                head_teacher_id=c.head_teacher,
                rank=grade_rank(c.grade),
                created_at=registered,
                updated_at=registered,
            )
            for c in plan.classes
        ]
        SchoolClass.objects.bulk_create(objects, batch_size=1000)
        by_key = {
            (org, name): pk
            for pk, org, name in SchoolClass.objects.values_list("pk", "org_id", "name")
        }
        for c in plan.classes:
            c.pk = by_key[(c.school.id, c.name)]
        reminders = _insert_reminders(_reminder_rows(rng, plan, today, now))
        _activities(rng, world, plan, today)
        activities = [
            EducationActivity(
                org_id=s.id,
                org_path=s.path,
                kind=kind,
                title=title,
                topic=topic,
                day=day,
                periods=periods,
                participants=participants,
                created_at=_at(day, 17),
                updated_at=_at(day, 17),
            )
            for s, kind, title, topic, day, periods, participants in plan.activities
        ]
        EducationActivity.objects.bulk_create(activities, batch_size=1000)
        campaigns, results = _campaigns(rng, world, today, now)
    return {
        "classes": len(objects),
        "reminders": reminders,
        "activities": len(activities),
        "campaigns": campaigns,
        "campaign_results": results,
    }


def load_education(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Load the demo's safety education once; a second call changes nothing and returns {}."""
    if education_loaded():
        return {}
    now = timezone.localtime(now or timezone.now())
    return write(random.Random(seed * 7919 + 53), now.date(), now=now)
