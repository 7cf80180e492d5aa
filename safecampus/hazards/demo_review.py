"""The demo's rhythm of review, read from the year of hazards `hazards.demo` stored (`seed-demo`).

What it writes, once (nothing if weekly analyses or visits already exist):

- a weekly analysis (周研判) for most school weeks of most schools, held after school on the
  week's last school day, with the figures `review.week_summary` would have given at that
  moment, the attendees, an analysis in the words a school writes, and one to three follow-up
  tasks with owners and due dates after the meeting: a task about a hazard is done when the
  hazard was closed, so stalled hazards leave open, overdue tasks; 冯记沟中心小学 holds its
  analysis nearly every week, recorded by the `safety` login;
- the responsible inspectors' visits (VISIT-MONTHLY) to the schools assigned to them, one in
  most months on a school day (the day they found a hazard there, when they did), with a few
  months missing, and this month's visit to the last school not made yet;
- the county bureau's rectification notices and written warnings (整改通知书, 书面警告) for
  some overdue hazards of 盐池县, numbered as `hazards.documents` numbers them, on the ladder's
  rows, dated on a working day while the hazard was still being rectified.

Like the rest of the demo it writes no audit entries (it is the database's initial state) and
keeps the story's timestamps. The same seed and the same stored hazards give the same rows.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safecampus.core.dates import ONE_DAY, month_of, week_of
from safecampus.hazards.calendar import calendars_for
from safecampus.hazards.choices import (
    OPEN_STATUSES,
    Category,
    EscalationStep,
    Grade,
    Rhythm,
    Status,
)
from safecampus.hazards.demo import DAYS, SHOWCASE_SCHOOL, _at, historic_timestamps

# Share of school weeks with a recorded analysis, by how seriously a school takes it.
REVIEW_RATES = ((0.75, 0.75), (0.9, 0.45), (1.0, 0.2))  # (cumulative share of schools, rate)
SHOWCASE_RATE = 0.93
VISIT_MISSED = 0.12  # share of months an inspector misses a school
DOCUMENT_COUNTY = "盐池县"
# The bureau sends a notice for most overdue hazards of weight, seldom for small ones; a
# warning for most of those still not rectified by the ladder's next step.
NOTICE_RATES = {Grade.MAJOR: 1.0, Grade.HIGH: 0.8, Grade.GENERAL: 0.3, Grade.LOW: 0.1}
WARNING_RATE = 0.6
DOCUMENT_STEPS = (EscalationStep.NOTICE, EscalationStep.WARNING)
RECTIFYING = (Status.RECTIFYING, Status.ESCALATED)  # not yet submitted for acceptance

# The week's focus by month, as a school's safety office plans it.
FOCUS = {
    1: "期末放假前安全教育和寒假安全告知，落实假期值班",
    2: "开学前校舍、水电暖设施安全检查",
    3: "开学安全大检查和春季传染病防控",
    4: "春季防火和清明假期出行安全教育",
    5: "防溺水专题教育和汛期前校舍排查",
    6: "防溺水、防汛和暑期安全教育",
    7: "暑假前安全教育，落实校园假期封闭管理",
    8: "秋季开学前校舍和设施设备安全排查",
    9: "开学初校舍、设施设备排查和新生入学安全教育",
    10: "国庆假期后返校安全检查和秋冬季防火",
    11: "冬季取暖设施、燃煤炉具检查，预防一氧化碳中毒",
    12: "冰雪天气上下学交通安全和屋面积雪清理",
}
# Tasks a weekly analysis gives besides following up hazards: (text, owner post group).
ROUTINE_TASKS = {
    1: [
        ("组织开展寒假安全教育主题班会，发放《致家长的一封信》", "class"),
        ("落实寒假值班安排，公布值班电话", "safety"),
    ],
    2: [("检查供暖、供水设施运行情况，做好开学准备", "logistics")],
    3: [("开展一次春季传染病防控知识宣传", "class"), ("组织开学第一课安全教育", "class")],
    4: [("清理校园内枯草杂物，检查灭火器压力", "logistics"), ("组织一次紧急疏散演练", "safety")],
    5: [
        ("开展防溺水专题教育，签订家长安全责任告知书", "class"),
        ("排查学校周边水塘、水窖警示标志", "safety"),
    ],
    6: [
        ("开展防溺水“六不”教育并做好家访记录", "class"),
        ("检查屋面排水和教室漏雨情况", "logistics"),
    ],
    7: [("落实暑假期间校园封闭管理和值班巡查", "safety")],
    8: [("完成开学前校舍安全排查并建立台账", "logistics")],
    9: [
        ("组织新生入学安全教育和疏散演练", "safety"),
        ("核对学生上下学交通方式并建立台账", "class"),
    ],
    10: [("开展一次消防安全培训和灭火器实操", "safety"), ("检查冬季取暖设施和烟道", "logistics")],
    11: [
        ("检查取暖炉具和烟道，宿舍严禁使用明火取暖", "logistics"),
        ("开展预防一氧化碳中毒专题教育", "class"),
    ],
    12: [("落实冰雪天气护学岗，及时清理校门口积雪", "safety"), ("开展冬季交通安全教育", "class")],
}
GENERAL_TASKS = [
    ("更新隐患排查整改台账，补齐整改前后照片", "safety"),
    ("对保安开展门卫管理和“三防”器械使用培训", "safety"),
    ("抽查食堂留样和进货查验记录", "logistics"),
    ("复查本周已销号隐患的整改效果", "safety"),
]
SAFETY_POSTS = ("分管安全副校长", "安全办主任", "安全员", "保教主任", "教导主任")
HEAD_POSTS = ("校长", "园长")
LOGISTICS_POSTS = ("总务主任", "安全办主任", "安全员", "分管安全副校长", "保教主任", "教导主任")
ATTENDING = (
    "校长", "园长", "分管安全副校长", "副校长", "副园长", "教务主任", "教导主任", "政教主任",
    "德育主任", "保教主任", "总务主任", "安全办主任", "安全员", "校医", "保健医生",
)  # fmt: skip
# How a school's own analysis names the categories.
CATEGORY_WORDS = {
    Category.FIRE: "消防安全", Category.ELECTRICITY: "用电安全", Category.BUILDING: "校舍设施",
    Category.FOOD: "食品安全", Category.DORMITORY: "宿舍管理", Category.LAB: "实验室及危化品",
    Category.GATE: "门卫管理", Category.SURROUNDINGS: "周边环境", Category.TRAFFIC: "交通安全",
    Category.WATER: "防溺水", Category.SECURITY: "安防设施", Category.SPORTS: "体育设施",
    Category.OTHER: "安全管理",
}  # fmt: skip


# ------------------------------------------------------------------------------ reading


@dataclass
class StoredHazard:
    id: int
    school: int
    number: str
    found_at: datetime.datetime
    closed_at: datetime.datetime | None
    deadline: datetime.date | None
    grade: str
    category: str
    description: str
    spot: str
    responsible: int | None
    status: str
    source: str
    reporter: int | None
    moves: list = field(default_factory=list)  # (at, action, from, to)

    def status_at(self, at: datetime.datetime) -> str:
        status = self.moves[0][2] if self.moves else self.status
        for when, _action, _from, to in self.moves:
            if when > at:
                break
            status = to
        return status

    def deadline_at(self, at: datetime.datetime) -> datetime.date | None:
        confirmed = any(a == "confirm" and when <= at for when, a, _f, _t in self.moves)
        return self.deadline if confirmed else None

    @property
    def what(self) -> str:
        """What is wrong, without the checklist item or the source before it."""
        return self.description.split("：", 1)[-1].rstrip("。")

    @property
    def note(self) -> str:
        """`what`, short enough to quote in a sentence."""
        return self.what if len(self.what) <= 32 else self.what[:31] + "…"


def _midnight(day: datetime.date, tz) -> datetime.datetime:
    """`core.dates.day_start` for the time zone at hand, without looking it up each time."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)


def _stored(now):
    """The stored world, every time converted once to the local time of `now`."""
    from safecampus.hazards.models import Hazard, HazardTransition, Inspection
    from safecampus.orgs.models import OrgNode, Person

    tz = now.tzinfo

    schools = list(OrgNode.objects.filter(kind="school").order_by("path"))
    posts: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for org_id, pid, name, post in Person.objects.filter(org__kind="school").order_by("id").values_list("org_id", "id", "name", "post"):  # fmt: skip
        base = "班主任" if post.endswith("班主任") else post
        posts[org_id][base].append((pid, name))
    hazards: dict[int, StoredHazard] = {}
    for row in Hazard.objects.order_by("found_at", "id").values_list(
        "id", "org_id", "number", "found_at", "closed_at", "deadline", "grade", "category",
        "description", "spot__name", "responsible_person_id", "status", "source", "reported_by_id",
    ):  # fmt: skip
        found, closed = row[3].astimezone(tz), row[4].astimezone(tz) if row[4] else None
        hazards[row[0]] = StoredHazard(*row[:3], found, closed, *row[5:9], row[9] or "", *row[10:])
    for hid, at, action, from_status, to_status in HazardTransition.objects.order_by("at", "id").values_list("hazard_id", "at", "action", "from_status", "to_status"):  # fmt: skip
        hazards[hid].moves.append((at.astimezone(tz), action, from_status, to_status))
    by_school: dict[int, list[StoredHazard]] = defaultdict(list)
    for h in hazards.values():
        by_school[h.school].append(h)
    # The checks of each school's week: daily ones by their day (done before lessons), the
    # others by when they were made.
    checks: dict[tuple[int, datetime.date], list] = defaultdict(list)
    recent = Inspection.objects.filter(inspected_at__gte=now - (DAYS + 7) * ONE_DAY)
    daily = recent.filter(schedule__rhythm=Rhythm.SCHOOL_DAY)
    for org_id, day in daily.values_list("org_id", "period_start"):
        checks[(org_id, week_of(day)[0])].append((_midnight(day, tz), Rhythm.SCHOOL_DAY))
    others = recent.exclude(schedule__rhythm=Rhythm.SCHOOL_DAY)
    for org_id, at, rhythm in others.values_list("org_id", "inspected_at", "schedule__rhythm"):
        at = at.astimezone(tz)
        checks[(org_id, week_of(at.date())[0])].append((at, rhythm))
    return schools, posts, hazards, by_school, checks


def _first(posts: dict, wanted) -> tuple[int | None, str]:
    for post in wanted:
        for pid, name in posts.get(post, []):
            return pid, name
    return None, ""


# ------------------------------------------------------------------------ weekly analyses


@dataclass
class ReviewSpec:
    school: int
    path: str
    week_start: datetime.date
    at: datetime.datetime
    summary: dict
    attendees: str
    analysis: str
    signed_name: str
    by: str  # demo username or ""
    tasks: list  # (text, owner person id, due_on, done_at)


def week_figures(hazards: list[StoredHazard], week_start: datetime.date, at) -> dict:
    """`review.week_summary` of a school's week as it stood at the moment `at` of the week."""
    end = week_start + 6 * ONE_DAY
    since, until = _midnight(week_start, at.tzinfo), _midnight(end + ONE_DAY, at.tzinfo)
    today = min(end, at.date())
    known = [h for h in hazards if h.found_at <= at]
    figures = {"found": 0, "closed": 0, "open": 0, "overdue": 0}
    figures.update({f"open_{g}": 0 for g in Grade.values})
    for h in known:
        if since <= h.found_at < until:
            figures["found"] += 1
        if h.closed_at and since <= h.closed_at < until and h.closed_at <= at:
            figures["closed"] += 1
        if h.status_at(at) in OPEN_STATUSES:
            figures["open"] += 1
            figures[f"open_{h.grade}"] += 1
            deadline = h.deadline_at(at)
            if deadline and deadline < today:
                figures["overdue"] += 1
    recent = _midnight(end - 89 * ONE_DAY, at.tzinfo)
    spots = Counter(h.spot for h in known if h.spot and recent <= h.found_at < until)
    repeats = sorted(((n, s) for s, n in spots.items() if n >= 2), key=lambda x: (-x[0], x[1]))
    figures["repeat_spots"] = [[s, n] for n, s in repeats[:10]]
    figures["week_start"] = week_start.isoformat()
    figures["week_end"] = end.isoformat()
    return figures


def _attendees(posts: dict) -> str:
    names = []
    for post in ATTENDING:
        for _pid, name in posts.get(post, [])[:1]:
            names.append(f"{post}{name}")
    for _pid, name in posts.get("班主任", [])[:1]:
        names.append(f"班主任代表{name}")
    return "、".join(names)


def _analysis(figures, week_hazards, open_now, overdue_now, checks, school_days, next_month):
    daily = sum(1 for _at_, rhythm in checks if rhythm == Rhythm.SCHOOL_DAY)
    others = Counter(rhythm for _at_, rhythm in checks if rhythm != Rhythm.SCHOOL_DAY)
    lines = []
    text = f"本周{school_days}个上课日，完成敏感部位日检查{daily}次"
    if others.get(Rhythm.WEEKLY):
        text += "、重点部位周检查1次"
    if others.get(Rhythm.MONTHLY):
        text += "、校园区域月检查1次"
    if others.get(Rhythm.TERM_START):
        text += "、开学安全隐患大检查1次"
    if others.get(Rhythm.BEFORE_HOLIDAY):
        text += "、节假日前校园周边联合排查1次"
    if daily < school_days:
        text += f"，漏检{school_days - daily}天，责成安全办督促落实每日检查"
    lines.append(text + "。")
    if figures["found"]:
        kinds = Counter(CATEGORY_WORDS[h.category] for h in week_hazards)
        detail = "、".join(f"{k}{n}处" for k, n in kinds.most_common(3))
        text = f"本周新发现隐患{figures['found']}处（{detail}）"
    else:
        text = "本周未发现新的安全隐患"
    if figures["closed"]:
        text += f"，整改销号{figures['closed']}处"
    if figures["open"]:
        text += f"；截至目前在改隐患{figures['open']}处"
        serious = figures["open_major"] + figures["open_high"]
        if serious:
            text += f"，其中较大及以上隐患{serious}处，已落实临时管控措施"
        if overdue_now:
            text += f"，超期未改{len(overdue_now)}处，主要是“{overdue_now[0].note}”，需加快进度"
    else:
        text += "；目前无在改隐患"
    lines.append(text + "。")
    for spot, n in figures["repeat_spots"][:1]:
        lines.append(f"{spot}近三个月反复出现隐患{n}次，列为重点部位，增加巡查频次。")
    lines.append(f"下周重点：{FOCUS[next_month]}。")
    return "\n".join(lines)


def _tasks(rng, posts, at, open_now, overdue_now, figures, month, now) -> list:
    """One to three decisions with owners and due dates after the meeting."""
    day = at.date()
    owners = {
        "safety": _first(posts, SAFETY_POSTS)[0],
        "logistics": _first(posts, LOGISTICS_POSTS)[0],
        "class": _first(posts, ("班主任", "教师", "辅导员", *SAFETY_POSTS))[0],
    }
    tasks = []
    followed = overdue_now[:1]
    for h in open_now:
        if len(followed) < 2 and h not in followed:
            followed.append(h)
    for h in followed:
        if h in overdue_now:
            text = f"“{h.note}”已超期未改，督促责任人加快整改，完成后复查销号"
        else:
            text = f"跟踪“{h.note}”整改进度，按期复查销号"
        due = day + rng.randrange(3, 8) * ONE_DAY
        done = h.closed_at if h.closed_at and h.closed_at <= now else None
        tasks.append(
            (text, h.responsible or owners["safety"], due, max(done, at) if done else None)
        )
    if figures["repeat_spots"] and len(tasks) < 3 and rng.random() < 0.5:
        spot = figures["repeat_spots"][0][0]
        tasks.append((f"对{spot}开展专项排查，明确专人每日巡查", owners["logistics"], *_routine_done(rng, at, now)))  # fmt: skip
    if len(tasks) < 3 and (not tasks or rng.random() < 0.6):
        text, who = rng.choice(ROUTINE_TASKS[month] + GENERAL_TASKS)
        tasks.append((text, owners[who] or owners["safety"], *_routine_done(rng, at, now)))
    return tasks[:3]


def _routine_done(rng, at, now) -> tuple:
    """A due date a few days after the meeting and, mostly, when it was done."""
    due = at.date() + rng.randrange(4, 11) * ONE_DAY
    done = rng.random() < (0.9 if due < now.date() else 0.3)
    if not done:
        return due, None
    done_at = at + datetime.timedelta(days=rng.uniform(0.8, (due - at.date()).days + 1.5))
    done_at = done_at.replace(hour=rng.randrange(9, 18))
    return due, done_at if done_at <= now else None


def build_reviews(rng, now, schools, posts, by_school, checks, calendars) -> list[ReviewSpec]:
    today, tz = now.date(), now.tzinfo
    window = today - DAYS * ONE_DAY
    reviews = []
    for school in schools:
        showcase = school.name == SHOWCASE_SCHOOL
        roll = rng.random()
        rate = SHOWCASE_RATE if showcase else next(r for share, r in REVIEW_RATES if roll < share)
        cal = calendars[school.pk]
        school_posts = posts.get(school.pk, {})
        _hid, head = _first(school_posts, HEAD_POSTS)
        attendees = _attendees(school_posts)
        hazards = by_school.get(school.pk, [])
        monday = week_of(window)[0] + 7 * ONE_DAY
        weeks = []
        while monday <= today:
            days = cal.school_days(monday, monday + 6 * ONE_DAY)
            if days:
                at = datetime.datetime.combine(days[-1], datetime.time(16, rng.randrange(0, 50)), tzinfo=tz)  # fmt: skip
                if at <= now:
                    weeks.append((monday, days, at))
            monday += 7 * ONE_DAY
        for i, (monday, days, at) in enumerate(weeks):
            # The showcase never misses the last weeks: its users see this term's rhythm.
            if rng.random() > rate and not (showcase and i >= len(weeks) - 3):
                continue
            figures = week_figures(hazards, monday, at)
            since = _midnight(monday, tz)
            week_hazards = [h for h in hazards if since <= h.found_at <= at]
            open_now = [h for h in hazards if h.found_at <= at and h.status_at(at) in OPEN_STATUSES]
            day = at.date()
            overdue_now = [h for h in open_now if (d := h.deadline_at(at)) and d < day]
            open_now.sort(key=lambda h: (h.grade != Grade.MAJOR, h.grade != Grade.HIGH, h.found_at))
            week_checks = [c for c in checks.get((school.pk, monday), []) if c[0] <= at]
            next_month = (monday + 7 * ONE_DAY).month
            analysis = _analysis(figures, week_hazards, open_now, overdue_now, week_checks, len(days), next_month)  # fmt: skip
            reviews.append(
                ReviewSpec(
                    school=school.pk,
                    path=school.path,
                    week_start=monday,
                    at=at,
                    summary=figures,
                    attendees=attendees,
                    analysis=analysis,
                    signed_name=head or "校长",
                    by="safety" if showcase else "",
                    tasks=_tasks(
                        rng, school_posts, at, open_now, overdue_now, figures, monday.month, now
                    ),
                )
            )
    return reviews


# ------------------------------------------------------------------------------- visits


@dataclass
class VisitSpec:
    school: int
    path: str
    inspector: int
    day: datetime.date
    findings: str
    follow_up: str


def build_visits(rng, now, assignments, by_school, calendars, spots) -> list[VisitSpec]:
    """Most months a visit to each assigned school on a school day; a few months none (at
    least one), and the last school of this month's round not visited yet."""
    today = now.date()
    first = month_of(today - DAYS * ONE_DAY)[1] + ONE_DAY
    slots = []  # (user, school, school days of the month, hazard the visit found, skipped)
    for position, (user_id, school) in enumerate(assignments):
        cal = calendars[school.pk]
        month = first
        while month <= today:
            start, end = month_of(month)
            days = cal.school_days(start, min(end, today))
            month = end + ONE_DAY
            if not days:
                continue
            found = [
                h
                for h in by_school.get(school.pk, [])
                if h.source == "supervision" and h.reporter == user_id and h.found_at.date() in days
            ]
            current = end >= today
            skip = rng.random() < VISIT_MISSED or (current and position == len(assignments) - 1)
            slots.append([user_id, school, days, found[:1], skip and not found])
    past = [s for s in slots if not s[3] and s[2][-1] < month_of(today)[0]]
    if past and not any(s[4] for s in past):
        past[len(past) // 2][4] = True
    visits = []
    for user_id, school, days, found, skipped in slots:
        if skipped:
            continue
        day = found[0].found_at.date() if found else rng.choice(days)
        hazards = by_school.get(school.pk, [])
        visits.append(_visit(rng, school, user_id, day, hazards, found, spots[school.pk]))
    return visits


def _visit(rng, school, user_id, day, hazards, found, spots) -> VisitSpec:
    at = _at(day, 17, 0)
    areas = "、".join(rng.sample(spots, min(3, len(spots)))) or "校园"
    open_then = [h for h in hazards if h.found_at <= at and h.status_at(at) in OPEN_STATUSES]
    overdue = [h for h in open_then if (d := h.deadline_at(at)) and d < day]
    text = f"查阅本月隐患排查台账和每日检查记录，实地查看{areas}。"
    if found:
        text += f"发现{found[0].what}，已现场交办学校登记整改。"
    if overdue:
        text += f"学校在改隐患{len(open_then)}处，其中{len(overdue)}处已超期，主要是“{overdue[0].note}”。"
        follow = "督促学校加快超期隐患整改，完成后上传整改照片，下次督导时复查。"
    elif open_then:
        text += f"学校在改隐患{len(open_then)}处，均在整改期限内。"
        follow = "跟踪在改隐患整改进度，下次督导时复查。"
    else:
        text += "未发现新的安全隐患，台账记录规范。"
        follow = ""
    return VisitSpec(school.pk, school.path, user_id, day, text, follow)


# ---------------------------------------------------------------------------- documents


def build_documents(rng, now, hazards, county, showcase: set) -> list[tuple]:
    """(escalation row, number, issued at, note) for the notices and warnings the bureau
    issued: on the first working day from the ladder's step, while the hazard was overdue and
    still being rectified; always at the showcase school, for most weighty hazards elsewhere."""
    from safecampus.hazards.documents import (
        NEW_DEADLINE_DAYS,
        next_document_number,
        number_prefix,
    )
    from safecampus.hazards.models import HazardEscalation

    rows = list(
        HazardEscalation.objects.filter(
            hazard__org_path__startswith=county.path + ".",
            step__in=DOCUMENT_STEPS,
            document_number="",
        ).order_by("at", "hazard_id", "id")
    )
    issued_steps = set()
    chosen = []
    for row in rows:
        h = hazards[row.hazard_id]
        day = row.at.astimezone(now.tzinfo).date()
        while day.weekday() >= 5:  # the bureau issues on working days
            day += ONE_DAY
        at = _at(day, rng.randrange(9, 12), rng.randrange(0, 59))
        rate = NOTICE_RATES[h.grade] if row.step == EscalationStep.NOTICE else WARNING_RATE
        wanted = rng.random() < rate or h.school in showcase
        if row.step == EscalationStep.WARNING:
            wanted = wanted and (h.id, row.deadline) in issued_steps
        if not wanted or at > now or h.status_at(at) not in RECTIFYING or row.deadline >= day:
            continue
        issued_steps.add((h.id, row.deadline))
        chosen.append((at, row))
    chosen.sort(key=lambda c: (c[0], c[1].hazard_id))
    sequence: dict[int, int] = {}
    out = []
    for at, row in chosen:
        year = at.year
        prefix = number_prefix(county, year)
        if year not in sequence:  # after any the bureau has issued itself
            sequence[year] = int(next_document_number(county, year)[len(prefix) : -1]) - 1
        sequence[year] += 1
        number = f"{prefix}{sequence[year]}号"
        new_deadline = at.date() + NEW_DEADLINE_DAYS[row.step] * ONE_DAY
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Document %(number)s; rectify by %(date)s.") % {
                "number": number,
                "date": new_deadline.isoformat(),
            }
        out.append((row, number, at, note))
    return out


# ------------------------------------------------------------------------------ loading


def review_loaded() -> bool:
    from safecampus.hazards.models import Visit, WeeklyReview

    return WeeklyReview.objects.exists() or Visit.objects.exists()


def load_review(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Write the weekly analyses, visits and issued documents once; {} if already there or
    if there is no year of hazards to read."""
    from safecampus.accounts.models import RoleAssignment, User
    from safecampus.hazards.models import (
        FollowUpTask,
        Hazard,
        HazardEscalation,
        Spot,
        Visit,
        WeeklyReview,
    )
    from safecampus.orgs.models import OrgNode

    if review_loaded() or not Hazard.objects.exists():
        return {}
    now = timezone.localtime(now or timezone.now())
    rng = random.Random(seed * 104729 + 31)
    schools, posts, hazards, by_school, checks = _stored(now)
    calendars = calendars_for(schools)
    showcase = {s.pk for s in schools if s.name == SHOWCASE_SCHOOL}
    reviews = build_reviews(rng, now, schools, posts, by_school, checks, calendars)
    assignments = [
        (a.user_id, a.org)
        for a in RoleAssignment.objects.filter(role="inspector", org__kind="school")
        .select_related("org")
        .order_by("user_id", "id")
    ]
    spots = defaultdict(list)
    for org_id, name in Spot.objects.order_by("id").values_list("org_id", "name"):
        spots[org_id].append(name)
    visits = build_visits(rng, now, assignments, by_school, calendars, spots)
    users = {u.username: u for u in User.objects.filter(username__in=["safety", "bureau"])}
    county = OrgNode.objects.filter(kind="county", name=DOCUMENT_COUNTY).first()
    documents = build_documents(rng, now, hazards, county, showcase) if county else []

    with transaction.atomic(), historic_timestamps(WeeklyReview, Visit, HazardEscalation):
        rows = WeeklyReview.objects.bulk_create(
            [
                WeeklyReview(
                    org_id=r.school, org_path=r.path, week_start=r.week_start, summary=r.summary,
                    attendees=r.attendees, analysis=r.analysis, signed_name=r.signed_name,
                    signed_at=r.at, created_by=users.get(r.by), created_at=r.at, updated_at=r.at,
                )
                for r in reviews
            ],
            batch_size=1000,
        )  # fmt: skip
        tasks = [
            FollowUpTask(review=row, text=text[:300], owner_id=owner, due_on=due, done_at=done)
            for spec, row in zip(reviews, rows, strict=True)
            for text, owner, due, done in spec.tasks
        ]
        FollowUpTask.objects.bulk_create(tasks, batch_size=2000)
        Visit.objects.bulk_create(
            [
                Visit(
                    org_id=v.school, org_path=v.path, inspector_id=v.inspector, visited_on=v.day,
                    findings=v.findings, follow_up=v.follow_up,
                    created_at=_at(v.day, 19, 30), updated_at=_at(v.day, 19, 30),
                )
                for v in visits
            ],
            batch_size=1000,
        )  # fmt: skip
        bureau = users.get("bureau")
        for row, number, at, note in documents:
            row.document_number = number
            row.by = row.by or bureau
            row.note = f"{row.note}\n{note}".strip()
            row.at = at
        HazardEscalation.objects.bulk_update(
            [d[0] for d in documents], ["document_number", "by", "note", "at"], batch_size=500
        )
    return {
        "reviews": len(rows),
        "tasks": len(tasks),
        "visits": len(visits),
        "documents": len(documents),
    }
