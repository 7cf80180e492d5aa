"""The demo's emergency work (`seed-demo`): plans, a year of drills, and incidents of this year
and the last, read from the loaded organisation world and written once with bulk inserts.

`load_emergency(seed=, now=)` does nothing if any plan, drill or incident exists, so running it
again changes nothing; `seed(rng, today)` writes the rows. The same seed and the same day give
the same rows. What a demo user finds:

- Plans (应急预案): every school holds the plans `required.required_scenarios` asks of it, nearly
  all approved in the last year with their duties (总指挥, 副总指挥, 现场处置组) named; about one
  school in ten lacks one or two, has a draft never approved, or a review overdue; each county
  bureau holds its overall plan. 冯记沟中心小学 has one review overdue.
- Drills (应急演练), the last twelve months: an evacuation drill a month in primary and secondary
  schools, one a quarter in kindergartens, a comprehensive drill in the first week of each term,
  a night drill each term in boarding schools, a violence and terror drill with the police each
  term; evacuation times overall and per building, mostly within target. About one school in
  eight lags (a month or a quarter without a drill, the first-week drill late, the terror drill
  without the police) and a few evacuate too slowly (3 min 40 s in a primary school); every
  county has at least one of each. Some drills found problems: most became follow-up tasks with
  an owner and a date, a few raised hazards in the ledger. The coming weeks' drills are planned.
- Incidents (涉校案事件) of last year and this year, a few dozen a year in a county, of every kind
  and in every state, with full timelines: the 1-3-5 marks mostly within target and some late,
  the report to the bureau (a few late), rescue, investigation, aftercare, parents, insurance
  claims, one correction with its reason. In 盐池县 the year to date is on track against
  TARGET-INCIDENTS and TARGET-DROWNING and off track against TARGET-MINOR-CRIME. 冯记沟中心小学
  has a bullying case (sensitive: the names reach only designated roles), a missing pupil being
  searched for right now, and a closed injury; another school of the county has an incident
  whose report to the bureau is overdue.

The incidents are planned and written by `demo_incidents`. Like the rest of the demo it writes
no audit entries (it is the database's initial state, not a change someone made) and keeps the
story's timestamps.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from safecampus.core.dates import ONE_DAY, add_months
from safecampus.emergency import compliance, required
from safecampus.emergency.choices import DrillStatus, PlanStatus, Scenario
from safecampus.hazards.demo import SHOWCASE_SCHOOL, historic_timestamps
from safecampus.orgs.choices import NodeKind, SchoolKind

BUREAU_COUNTY = "盐池县"  # where the demo's bureau users work
DAYS = 365
LAGGING_SHARE = 0.12
SLOW_SHARE = 0.06

PLAN_TITLES = {
    Scenario.COMPREHENSIVE: "校园安全突发事件总体应急预案",
    Scenario.FIRE: "消防安全应急预案",
    Scenario.EARTHQUAKE: "地震应急疏散预案",
    Scenario.FLOOD: "防汛及山洪地质灾害应急预案",
    Scenario.FOOD_POISONING: "食物中毒事件应急预案",
    Scenario.EPIDEMIC: "传染病疫情防控应急预案",
    Scenario.TRAFFIC: "交通安全事故应急预案",
    Scenario.INJURY: "学生意外伤害事故应急预案",
    Scenario.STAMPEDE: "拥挤踩踏事故应急预案",
    Scenario.DROWNING: "防溺水事故应急预案",
    Scenario.VIOLENCE: "防范暴力恐怖袭击事件应急预案",
    Scenario.MISSING: "学生走失（失联）事件应急预案",
}
DRILL_NAMES = {
    Scenario.FIRE: "消防应急疏散演练",
    Scenario.EARTHQUAKE: "防震减灾应急疏散演练",
    Scenario.STAMPEDE: "防拥挤踩踏应急疏散演练",
    Scenario.COMPREHENSIVE: "开学第一周综合应急演练",
    Scenario.VIOLENCE: "防暴反恐应急演练",
    Scenario.GAS: "燃气泄漏应急疏散演练",
    Scenario.EXTREME_WEATHER: "极端天气应急疏散演练",
    Scenario.FLOOD: "防汛应急疏散演练",
}
ROTATION = (
    Scenario.FIRE,
    Scenario.EARTHQUAKE,
    Scenario.STAMPEDE,
    Scenario.FIRE,
    Scenario.EARTHQUAKE,
    Scenario.EXTREME_WEATHER,
)
PROBLEMS = [
    ("三楼东侧楼梯口疏散时出现拥堵，两个班级同时下楼", "调整疏散路线，东侧楼梯口安排专人引导", "building"),
    ("部分学生未按要求弯腰捂口鼻", "班主任利用班会课重新讲解疏散要领", ""),
    ("应急广播音量不足，西侧教学楼听不清警报", "更换西侧教学楼广播喇叭", "security"),
    ("一名教师未及时清点本班人数并上报", "组织教师学习演练职责分工", ""),
    ("二楼疏散指示标志被展板遮挡", "移除遮挡物并全面检查疏散指示标志", "fire"),
    ("警报响起后个别班级延迟约30秒才出发", "下次演练前开展分班预演", ""),
    ("集合点划分不清，两个班级站位重叠", "在操场地面标注各班集合位置", ""),
    ("一处安全出口门闩锈蚀，开启困难", "维修安全出口门闩，纳入每日检查", "fire"),
]  # fmt: skip
NIGHT_PROBLEMS = [
    ("宿舍楼二层应急照明灯不亮", "更换应急照明灯并每周测试", "fire"),
    ("宿管员夜间值班未携带手电筒和钥匙", "完善宿管员夜间值班装备清单", ""),
]
BUILDINGS = {
    "default": ("教学楼", "综合楼"),
    SchoolKind.KINDERGARTEN: ("幼儿活动楼",),
}
GRADES = {
    SchoolKind.PRIMARY: ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级"),
    SchoolKind.JUNIOR: ("七年级", "八年级", "九年级"),
    SchoolKind.SENIOR: ("高一", "高二", "高三"),
    SchoolKind.KINDERGARTEN: ("小班", "中班", "大班"),
}


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


# ------------------------------------------------------------------------------ the world


@dataclass
class SchoolInfo:
    id: int
    name: str
    path: str
    kind: str
    boarding: bool
    flood_prone: bool
    storeys: int
    enrolment: int
    staff: int
    county: object  # OrgNode
    township: object  # OrgNode
    profile: object  # orgs.School
    people: dict  # post -> [(person id, name)]
    calendar: object = None
    lagging: bool = False
    slow: bool = False

    @property
    def showcase(self) -> bool:
        return self.name == SHOWCASE_SCHOOL

    def person(self, *posts) -> tuple[int | None, str]:
        for post in posts:
            for found in self.people.get(post, []):
                return found
        for found in self.people.values():
            return found[0]
        return None, ""

    @property
    def head(self) -> tuple[int | None, str]:
        return self.person("校长", "园长")

    @property
    def safety(self) -> tuple[int | None, str]:
        return self.person("分管安全副校长", "安全办主任", "安全员", "保教主任", "教导主任")

    @property
    def teacher(self) -> tuple[int | None, str]:
        return self.person("班主任", "教师", "教导主任")


@dataclass
class World:
    schools: list
    counties: list
    users: dict

    def user(self, name: str):
        return self.users.get(name) if name else None


def load_world() -> World:
    from safecampus.accounts.models import User
    from safecampus.hazards.calendar import calendars_for
    from safecampus.orgs.demo_data import DEMO_USERNAMES
    from safecampus.orgs.models import OrgNode, Person, School

    nodes = {n.path: n for n in OrgNode.objects.order_by("path")}

    def above(path: str, kind: str):
        parts = path.split(".")
        for i in range(len(parts) - 1, 0, -1):
            node = nodes.get(".".join(parts[:i]))
            if node is not None and node.kind == kind:
                return node
        return None

    people: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    rows = Person.objects.filter(org__kind=NodeKind.SCHOOL).order_by("id")
    for org_id, pid, name, post in rows.values_list("org_id", "id", "name", "post"):
        people[org_id]["班主任" if post.endswith("班主任") else post].append((pid, name))
    profiles = School.objects.select_related("node").filter(node__is_active=True)
    schools = []
    for p in profiles.order_by("node__path"):
        county = above(p.node.path, NodeKind.COUNTY) or nodes[p.node.path.rsplit(".", 1)[0]]
        schools.append(
            SchoolInfo(
                id=p.node_id,
                name=p.node.name,
                path=p.node.path,
                kind=p.school_kind,
                boarding=p.boarding,
                flood_prone=p.flood_prone,
                storeys=max(1, p.storeys or 1),
                enrolment=p.enrolment,
                staff=p.staff_count,
                county=county,
                township=above(p.node.path, NodeKind.TOWNSHIP) or county,
                profile=p,
                people=people.get(p.node_id, {}),
            )
        )
    calendars = calendars_for([s.profile.node for s in schools])
    for s in schools:
        s.calendar = calendars[s.id]
    counties = sorted({s.county.pk: s.county for s in schools}.values(), key=lambda n: n.path)
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    return World(schools=schools, counties=counties, users=users)


def _mark_laggards(rng: random.Random, world: World) -> None:
    """About one school in eight lags behind on drills and a few evacuate too slowly; every
    county has at least one of each, never the showcase school."""
    for s in world.schools:
        if s.showcase:
            continue
        s.lagging = rng.random() < LAGGING_SHARE
        s.slow = not s.lagging and rng.random() < SLOW_SHARE and s.kind in compliance.GUIDE_KINDS
    for county in world.counties:
        mine = [
            s
            for s in world.schools
            if s.county.pk == county.pk and not s.showcase and s.kind in compliance.GUIDE_KINDS
        ]
        monthly = [s for s in mine if s.kind in compliance.MONTHLY_KINDS]
        if monthly and not any(s.lagging for s in mine):
            rng.choice(monthly).lagging = True
        timed = [s for s in mine if not s.lagging and compliance.target_seconds(s.kind)]
        if timed and not any(s.slow for s in mine):
            rng.choice(timed).slow = True


# ------------------------------------------------------------------------------ plans


def _plans(rng: random.Random, world: World, today: datetime.date) -> dict:
    """Every school's required plans (a few gaps), with their duties; the counties' overall
    plans. Returns {(school id, scenario): plan} of the approved ones."""
    from safecampus.emergency.models import EmergencyPlan, PlanContact

    plans, duties = [], []
    for county in world.counties:
        approved = today - datetime.timedelta(days=rng.randrange(60, 200))
        plans.append(
            EmergencyPlan(
                org=county,
                org_path=county.path,
                scenario=Scenario.COMPREHENSIVE,
                title=f"{county.name}教育系统{PLAN_TITLES[Scenario.COMPREHENSIVE]}",
                edition=f"{approved.year}年修订版",
                status=PlanStatus.APPROVED,
                summary="明确县教育体育局及各学校在校园安全突发事件中的组织指挥、"
                "分级响应、信息报送和善后处置职责。",
                approved_by_name=f"{county.name}教育体育局局务会",
                approved_on=approved,
                review_due=_year_after(approved),
                created_at=_at(approved, 10),
                updated_at=_at(approved, 10),
            )
        )
        duties.append([])
    for s in world.schools:
        needs = required.required_scenarios(s.profile)
        scenarios = []
        for req in needs:
            if req.scenario not in scenarios:
                scenarios.append(req.scenario)
        night = {r.scenario for r in needs if r.night}
        roll = rng.random()
        gaps = "none" if s.showcase or roll < 0.86 else ("missing" if roll < 0.93 else "draft")
        overdue = s.showcase or (gaps == "none" and rng.random() < 0.05)
        missing = set()
        if gaps == "missing":
            missing = set(rng.sample(scenarios[1:], k=min(2, len(scenarios) - 1)))
        draft = rng.choice(scenarios[1:]) if gaps == "draft" and len(scenarios) > 1 else None
        late = None
        if overdue:
            late = Scenario.STAMPEDE if Scenario.STAMPEDE in scenarios else scenarios[-1]
        head_id, head = s.head
        safety_id, safety = s.safety
        teacher_id, teacher = s.teacher
        for scenario in scenarios:
            if scenario in missing:
                continue
            approved = today - datetime.timedelta(days=rng.randrange(20, 330))
            if scenario == late:
                approved = today - datetime.timedelta(days=rng.randrange(380, 430))
            status = PlanStatus.DRAFT if scenario == draft else PlanStatus.APPROVED
            created = approved - datetime.timedelta(days=rng.randrange(5, 20))
            covers_night = scenario in night
            title = PLAN_TITLES.get(scenario, "应急预案")
            if covers_night:
                title = title.replace("预案", "预案（含宿舍夜间疏散）")
            plans.append(
                EmergencyPlan(
                    org_id=s.id,
                    org_path=s.path,
                    scenario=scenario,
                    title=f"{s.name}{title}",
                    edition=f"{approved.year}年版",
                    status=status,
                    covers_night=covers_night,
                    summary="",
                    approved_by_name="校长办公会" if status == PlanStatus.APPROVED else "",
                    approved_on=approved if status == PlanStatus.APPROVED else None,
                    review_due=_year_after(approved) if status == PlanStatus.APPROVED else None,
                    created_by=world.user("safety") if s.showcase else None,
                    created_at=_at(created, 15),
                    updated_at=_at(approved if status == PlanStatus.APPROVED else created, 16),
                )
            )
            duties.append(
                [
                    ("总指挥", head_id, head),
                    ("副总指挥", safety_id, safety),
                    ("现场处置组", teacher_id, teacher),
                ]
            )
    plans = EmergencyPlan.objects.bulk_create(plans, batch_size=1000)
    contacts = []
    for plan, rows in zip(plans, duties, strict=True):
        for position, (duty, pid, name) in enumerate(rows):
            if name:
                contacts.append(
                    PlanContact(plan=plan, duty=duty, person_id=pid, name=name, position=position)
                )
    PlanContact.objects.bulk_create(contacts, batch_size=2000)
    regions = {c.pk for c in world.counties}
    return {
        (p.org_id, p.scenario): p
        for p in plans
        if p.status == PlanStatus.APPROVED and p.org_id not in regions
    }


def _year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


# ------------------------------------------------------------------------------ drills


@dataclass
class DrillSpec:
    school: SchoolInfo
    scenario: str
    status: str
    when: datetime.datetime
    is_night: bool = False
    police: bool = False
    fire: bool = False
    seconds: int | None = None
    buildings: list = field(default_factory=list)  # (name, storeys, seconds)
    problems: list = field(default_factory=list)  # (text, follow_up, hazard category)
    cancel_reason: str = ""

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.when).date()


def _school_day(rng, s: SchoolInfo, first, last, *, late=False):
    days = s.calendar.school_days(first, last)
    if not days:
        return None
    return rng.choice(days[len(days) // 2 :] if late else days)


def _drill_time(rng, day, night=False) -> datetime.datetime:
    if night:
        return _at(day, 21, rng.choice([0, 10, 20, 30]))
    return _at(day, rng.choice([9, 10, 10, 14, 15, 16]), rng.choice([0, 10, 20, 30, 40]))


def _drills_of(rng: random.Random, s: SchoolInfo, today, now) -> list[DrillSpec]:
    """The held, cancelled and planned drills of one school over the year."""
    start = today - DAYS * ONE_DAY
    yesterday = today - ONE_DAY
    cal = s.calendar
    held: list[DrillSpec] = []
    guide = s.kind in compliance.GUIDE_KINDS
    terms = [t for t in cal.terms if t.end >= start and t.start <= today]
    ended = [t for t in terms if t.end < today]
    last_ended = ended[-1] if ended else None
    begun = [
        t
        for t in terms
        if (w := compliance.first_week(cal, t)) is not None and w.start >= start and w.end < today
    ]
    latest_begun = begun[-1] if begun else None

    def add(scenario, day, **kw):
        night = kw.pop("is_night", False)
        held.append(
            DrillSpec(s, scenario, DrillStatus.HELD, _drill_time(rng, day, night), night, **kw)
        )

    for term in terms:
        week = compliance.first_week(cal, term)
        if guide and term in begun:
            if s.lagging and term is latest_begun and rng.random() < 0.7:
                day = _school_day(rng, s, week.end + 3 * ONE_DAY, week.end + 16 * ONE_DAY)
                if day and day <= yesterday:
                    add(Scenario.COMPREHENSIVE, day, fire=True)  # a week or two late
            else:
                add(
                    Scenario.COMPREHENSIVE,
                    rng.choice(week_days(cal, week)),
                    fire=rng.random() < 0.4,
                )
        first, last = max(term.start, start), min(term.end, yesterday)
        if first > last:
            continue
        if guide:
            if s.lagging and term is last_ended and rng.random() < 0.8:
                if rng.random() < 0.5:  # held, but without the police
                    day = _school_day(rng, s, first, last, late=True)
                    if day:
                        add(Scenario.VIOLENCE, day)
            else:
                day = _school_day(rng, s, first, last, late=term.start < start)
                if day:
                    add(Scenario.VIOLENCE, day, police=True)
        if s.boarding and not (s.lagging and term is last_ended):
            day = _school_day(rng, s, first, last)
            if day:
                add(rng.choice([Scenario.FIRE, Scenario.EARTHQUAKE]), day, is_night=True)

    # The frequency rules: a month (primary and secondary) or a quarter (kindergartens).
    if s.kind in compliance.MONTHLY_KINDS:
        step = 1
    elif s.kind in compliance.QUARTERLY_KINDS:
        step = 3
    else:
        step = 3  # other kinds drill less often; no rule judges them
    periods = []
    first = start.replace(day=1)
    if step == 3:
        first = datetime.date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while first <= today:
        periods.append((first, add_months(first, step) - ONE_DAY))
        first = add_months(first, step)
    rotation = list(ROTATION)
    rng.shuffle(rotation)
    last_ended_period = next((p for p in reversed(periods) if p[1] < today), None)
    for index, (first, last) in enumerate(periods):
        span = (max(first, start), min(last, yesterday))
        if span[0] > span[1]:
            continue
        current = last >= today
        evacuations = [d for d in held if span[0] <= d.day <= span[1] and d.scenario in EVACUATING]
        if evacuations and rng.random() < 0.75:
            continue
        if s.lagging and ((first, last) == last_ended_period or rng.random() < 0.2):
            continue
        if current and rng.random() < 0.45:
            continue  # this month's drill is still to come (planned below)
        day = _school_day(rng, s, *span)
        if day:
            add(rotation[index % len(rotation)], day, fire=rng.random() < 0.1)

    if s.lagging and last_ended_period and s.kind in compliance.GUIDE_KINDS:
        first, last = last_ended_period
        held = [d for d in held if not (first <= d.day <= last and d.scenario in EVACUATING)]
    held.sort(key=lambda d: d.when)
    _evacuation_times(rng, s, held)
    _problems(rng, s, held, today)

    # Planned: this period's drill if it is still to come, and the next one.
    planned = []
    soon = s.calendar.school_days(today + 2 * ONE_DAY, today + 40 * ONE_DAY)
    if soon:
        for offset in sorted(rng.sample(range(len(soon)), k=min(2, len(soon)))):
            day = soon[offset]
            if s.showcase and not planned:
                day = soon[0]
            scenario = rng.choice([Scenario.FIRE, Scenario.EARTHQUAKE, Scenario.STAMPEDE])
            planned.append(
                DrillSpec(s, scenario, DrillStatus.PLANNED, _drill_time(rng, day), False)
            )
    if rng.random() < 0.04 and held:  # put off once by the weather
        day = _school_day(rng, s, start + 30 * ONE_DAY, yesterday)
        if day:
            planned.append(
                DrillSpec(
                    s,
                    Scenario.FIRE,
                    DrillStatus.CANCELLED,
                    _drill_time(rng, day),
                    cancel_reason="当日暴雨，演练改期举行",
                )
            )
    return held + planned


EVACUATING = compliance.EVACUATION_SCENARIOS


def week_days(cal, week) -> list[datetime.date]:
    return cal.school_days(week.start, week.end)


def _buildings_of(s: SchoolInfo) -> list[tuple[str, int]]:
    names = BUILDINGS.get(s.kind, BUILDINGS["default"])
    out = [(names[0], min(s.storeys, 3) if s.kind == SchoolKind.KINDERGARTEN else s.storeys)]
    if len(names) > 1 and s.enrolment >= 300:
        out.append((names[1], min(s.storeys, 3)))
    if s.boarding:
        out.append(("学生宿舍楼", 4))
    return out


def _evacuation_times(rng, s: SchoolInfo, held: list[DrillSpec]) -> None:
    """Times overall and per building: mostly within target, a few over it in the past; the
    slow schools' last timed drill over it (what the evacuation rules judge)."""
    target = compliance.target_seconds(s.kind) or 150
    slow = []
    for d in held:
        if d.scenario not in EVACUATING:
            continue
        if d.scenario != Scenario.COMPREHENSIVE and rng.random() < 0.15:
            continue  # not timed
        over = rng.random() < 0.04
        _time(rng, s, d, target, over)
        if over:
            slow.append(d)
    timed = [d for d in held if d.seconds is not None]
    if s.slow and timed:
        d = timed[-1]
        d.seconds = round(target * rng.uniform(1.15, 1.3))  # 3 min 40 s for a primary school
        d.buildings = [
            (name, storeys, min(d.seconds - rng.randrange(10, 25), 3600))
            for name, storeys in _buildings_of(s)
            if not (d.is_night and name != "学生宿舍楼")
        ]
        return
    # The drills the rules judge (the last timed, the last with buildings) were on time.
    latest = {timed[-1].when if timed else None}
    with_buildings = [d for d in held if d.buildings]
    latest.add(with_buildings[-1].when if with_buildings else None)
    for d in slow:
        if d.when in latest:
            _time(rng, s, d, target, False)


def _time(rng, s: SchoolInfo, d: DrillSpec, target: int, over: bool) -> None:
    rows = []
    for name, storeys in _buildings_of(s):
        if d.is_night and name != "学生宿舍楼":
            continue
        share = rng.uniform(0.45, 0.62) if target <= 120 else rng.uniform(0.38, 0.58)
        seconds = round(target * share) + 3 * storeys
        if over:
            seconds = round(seconds * rng.uniform(1.2, 1.45))
        rows.append((name, storeys, seconds))
    if not rows:
        rows = [("教学楼", s.storeys, round(target * 0.5))]
    d.seconds = min(max(b[2] for b in rows) + rng.randrange(12, 35), 3600)
    if d.seconds > target and not over:
        d.seconds = max(target - rng.randrange(5, 20), max(b[2] for b in rows) + 5)
    with_buildings = d.scenario in (Scenario.COMPREHENSIVE, Scenario.EARTHQUAKE) or d.is_night
    d.buildings = rows if with_buildings else []


def _problems(rng, s: SchoolInfo, held: list[DrillSpec], today) -> None:
    for d in held:
        if d.seconds is not None and d.seconds > (compliance.target_seconds(s.kind) or 150):
            d.problems.append(PROBLEMS[0])
        elif rng.random() < 0.22:
            d.problems.append(rng.choice(NIGHT_PROBLEMS if d.is_night else PROBLEMS))


def _drill_rows(specs: list[DrillSpec], plans: dict, world: World, now, today):
    from safecampus.emergency.models import Drill

    rows = []
    for d in specs:
        s = d.school
        _head_id, head = s.head
        creator = world.user("safety") if s.showcase else None
        common = {
            "org_id": s.id,
            "org_path": s.path,
            "scenario": d.scenario,
            "status": d.status,
            "is_night": d.is_night,
            "plan": plans.get((s.id, d.scenario)) or plans.get((s.id, Scenario.COMPREHENSIVE)),
            "created_by": creator,
        }
        name = DRILL_NAMES.get(d.scenario, "应急演练")
        if d.is_night:
            name = "宿舍夜间" + name
        if d.status != DrillStatus.HELD:
            booked = d.when - datetime.timedelta(days=14)
            rows.append(
                Drill(
                    **common,
                    title=f"{d.day.month}月{name}",
                    planned_for=d.when,
                    cancel_reason=d.cancel_reason,
                    created_at=min(booked, now),
                    updated_at=min(booked, now),
                )
            )
            continue
        students = round(s.enrolment * (0.93 if not d.is_night else 0.9))
        if d.is_night:
            students = max(round((s.profile.boarders or s.enrolment * 0.4) * 0.95), 1)
        grades = GRADES.get(s.kind)
        by_grade = {}
        if grades and d.scenario == Scenario.COMPREHENSIVE:
            share = students // len(grades)
            by_grade = dict.fromkeys(grades, share)
        evaluated = min(d.when + datetime.timedelta(hours=2), now)
        minutes_, secs = divmod(d.seconds or 0, 60)
        summary = "演练按预案组织，各班按指定路线有序疏散至集合点，清点人数无误。"
        if d.seconds is not None:
            summary = (
                f"演练按预案组织，全体师生{minutes_}分{secs:02d}秒疏散至集合点，清点人数无误。"
            )
        if d.scenario == Scenario.VIOLENCE:
            summary = "模拟不法分子持械闯入校园，保安使用钢叉、盾牌处置，师生就近躲避，"
            summary += "派出所民警到场指导。" if d.police else "学校自行组织，未邀请公安民警参加。"
        rows.append(
            Drill(
                **common,
                title=f"{d.day.month}月{name}",
                held_at=d.when,
                students=students,
                staff=max(3, round(s.staff * 0.9)),
                students_by_grade=by_grade,
                evacuation_seconds=d.seconds,
                assembly_point="幼儿园户外活动场地"
                if s.kind == SchoolKind.KINDERGARTEN
                else "学校操场",
                police_joined=d.police,
                fire_joined=d.fire,
                other_units=_units(s, d),
                summary=summary,
                evaluator_name=head,
                evaluated_at=evaluated,
                created_at=evaluated,
                updated_at=evaluated,
            )
        )
    return Drill.objects.bulk_create(rows, batch_size=1000)


def _units(s: SchoolInfo, d: DrillSpec) -> str:
    units = []
    if d.police:
        units.append(f"{s.township.name}派出所")
    if d.fire:
        units.append(f"{s.county.name}消防救援大队")
    return "、".join(units)


def _drill_details(rng, specs, drills, world: World, today, now, counters) -> dict:
    """Buildings and problems of the held drills; a problem raises a hazard now and then."""
    from safecampus.emergency.models import DrillBuilding, DrillProblem

    buildings, problems, raised = [], [], []
    for spec, drill in zip(specs, drills, strict=True):
        for name, storeys, seconds in spec.buildings:
            buildings.append(
                DrillBuilding(drill=drill, name=name, storeys=storeys, seconds=seconds)
            )
        for text, follow_up, category in spec.problems:
            s = spec.school
            owner_id, _owner = s.safety
            due = spec.day + datetime.timedelta(days=rng.choice([7, 10, 14]))
            problem = DrillProblem(drill=drill, text=text)
            if category and rng.random() < 0.3:
                raised.append((problem, spec, category))
            else:
                problem.follow_up = follow_up
                problem.owner_id = owner_id
                problem.due_on = due
                if due < today and rng.random() < 0.88:
                    day = spec.day + datetime.timedelta(
                        days=rng.randrange(2, (due - spec.day).days)
                    )
                    problem.done_at = min(_at(day, 16, rng.randrange(0, 59)), now)
            problems.append(problem)
    DrillBuilding.objects.bulk_create(buildings, batch_size=2000)
    hazards = _raise_hazards(rng, raised, world, today, now, counters)
    for (problem, _spec, _category), hazard in zip(raised, hazards, strict=True):
        problem.hazard = hazard
    DrillProblem.objects.bulk_create(problems, batch_size=2000)
    return {"buildings": len(buildings), "problems": len(problems), "hazards": len(hazards)}


def _raise_hazards(rng, raised, world: World, today, now, counters) -> list:
    """The hazards drills raised, numbered after the county's last number of the year, moved
    through the workflow like any other (confirm, then submit and accept once rectified)."""
    from safecampus.hazards.choices import DEFAULT_DEADLINE_DAYS, Grade, Source, Status
    from safecampus.hazards.models import Hazard, HazardTransition

    hazards, moves = [], []
    for problem, spec, category in raised:
        s = spec.school
        found = spec.when + datetime.timedelta(minutes=40)
        year = timezone.localtime(found).year
        key = (s.county.pk, year)
        counters[key] = counters.get(key, 0) + 1
        number = f"{s.county.short_name or s.county.name}-{year}-{counters[key]:06d}"
        confirmed = found + datetime.timedelta(hours=rng.randrange(2, 20))
        deadline = (
            timezone.localtime(confirmed).date() + DEFAULT_DEADLINE_DAYS[Grade.GENERAL] * ONE_DAY
        )
        owner_id, owner = s.safety
        chain = [("confirm", Status.REPORTED, Status.RECTIFYING, confirmed, "确认隐患，限期整改")]
        if confirmed > now:  # still to be confirmed
            chain, deadline = [], None
        submitted = confirmed + datetime.timedelta(days=rng.randrange(2, 6))
        accepted = submitted + datetime.timedelta(days=1, hours=rng.randrange(1, 5))
        if chain and accepted < now:
            chain.append(
                ("submit", Status.RECTIFYING, Status.SUBMITTED, submitted, "整改完成，请验收")
            )
            chain.append(
                ("accept", Status.SUBMITTED, Status.CLOSED, accepted, "经复查整改到位，同意销号")
            )
        status = chain[-1][2] if chain else Status.REPORTED
        closed = status == Status.CLOSED
        by = world.user("safety") if s.showcase else None
        hazards.append(
            Hazard(
                org_id=s.id,
                org_path=s.path,
                number=number,
                category=category,
                grade=Grade.GENERAL,
                description=f"在{spec.day.isoformat()}的{DRILL_NAMES.get(spec.scenario, '应急演练')}中发现：{problem.text}",
                source=Source.OTHER,
                status=status,
                found_at=found,
                reported_by=by,
                reporter_name="" if by else owner,
                responsible_person_id=owner_id if chain else None,
                measures="按演练总结整改，整改后复查" if chain else "",
                deadline=deadline,
                rectification="已按演练总结完成整改" if closed else "",
                submitted_at=submitted if closed else None,
                closed_at=accepted if closed else None,
                recheck_on=timezone.localtime(accepted).date() + 30 * ONE_DAY if closed else None,
                version=1 + len(chain),
                created_at=found,
                updated_at=chain[-1][3] if chain else found,
            )
        )  # fmt: skip
        moves.append(chain)
    hazards = Hazard.objects.bulk_create(hazards, batch_size=500)
    HazardTransition.objects.bulk_create(
        [
            HazardTransition(
                hazard=h, action=a, from_status=f, to_status=t, at=at, by=None, comment=c
            )
            for h, chain in zip(hazards, moves, strict=True)
            for a, f, t, at, c in chain
        ],
        batch_size=1000,
    )
    return hazards


# ------------------------------------------------------------------------------ writing


def build(rng: random.Random, world: World, today, now) -> tuple[list, list]:
    """The drills and incidents of the loaded world as plain specs, touching nothing: the same
    rng state and day give the same specs."""
    _mark_laggards(rng, world)
    drills = [d for s in world.schools for d in _drills_of(rng, s, today, now)]
    from safecampus.emergency.demo_incidents import incident_plan

    return drills, incident_plan(rng, world, today, now)


def emergency_loaded() -> bool:
    from safecampus.emergency.models import Drill, EmergencyPlan, Incident

    return EmergencyPlan.objects.exists() or Drill.objects.exists() or Incident.objects.exists()


def seed(rng: random.Random, today: datetime.date, *, now: datetime.datetime | None = None) -> dict:
    """Write the demo's plans, drills and incidents for the loaded world, as of `today` (and
    `now`, its current time). Returns the counts."""
    from safecampus.emergency.demo_incidents import write_incidents
    from safecampus.emergency.models import (
        Drill,
        DrillProblem,
        EmergencyPlan,
        Incident,
        IncidentEntry,
        IncidentPolicy,
        PlanContact,
    )
    from safecampus.hazards.models import Hazard, HazardCounter, HazardTransition

    if now is None:
        now = timezone.localtime() if today == timezone.localdate() else _at(today, 18)
    now = timezone.localtime(now)
    world = load_world()
    if not world.schools:
        return {}
    specs, incidents = build(rng, world, today, now)
    models = (EmergencyPlan, PlanContact, Drill, DrillProblem, Incident, IncidentEntry)
    models += (IncidentPolicy, Hazard, HazardTransition)
    with (
        translation.override(settings.LANGUAGE_CODE),
        transaction.atomic(),
        historic_timestamps(*models),
    ):
        plans = _plans(rng, world, today)
        drills = _drill_rows(specs, plans, world, now, today)
        hazard_counters = {(c.county_id, c.year): c for c in HazardCounter.objects.all()}
        numbers = {k: c.last for k, c in hazard_counters.items()}
        details = _drill_details(rng, specs, drills, world, today, now, numbers)
        for key, value in numbers.items():
            counter = hazard_counters.get(key)
            if counter is None:
                HazardCounter.objects.create(county_id=key[0], year=key[1], last=value)
            elif counter.last != value:
                HazardCounter.objects.filter(pk=counter.pk).update(last=value)
        counts = write_incidents(incidents, plans, world, now)
    held = sum(1 for d in specs if d.status == DrillStatus.HELD)
    return {
        "plans": EmergencyPlan.objects.count(),
        "drills": held,
        "planned": len(specs) - held,
        **details,
        **counts,
    }


def load_emergency(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Load the emergency work once; a second call changes nothing and returns {}."""
    if emergency_loaded():
        return {}
    now = timezone.localtime(now or timezone.now())
    return write(random.Random(seed * 6007 + 29), now.date(), now=now)


write = seed  # `load_emergency`'s parameter `seed` hides the function of that name
