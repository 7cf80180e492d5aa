"""A year of inspection and hazard activity for the demo world (`seed-demo`).

`build_plan(seed, now)` reads the loaded organisation world and returns plain specs, touching
nothing: the same seed and the same `now` give the same plan. `write(plan)` stores it with bulk
inserts. `load_activity()` does both, and does nothing if the demo schools already have
inspections or hazards, so running it again changes nothing.

What it writes: the usual spots and the five standard schedules of every school; the checks
of the last twelve months at a realistic completion rate (most schools do their daily check on
85–95 % of school days, a few do far fewer), an answer per item, mostly normal; hazards from
the abnormal answers, from principals' patrols, from responsible inspectors' visits and from
reports by anyone, each moved through the workflow with a HazardTransition row per move at
plausible times by plausible people, numbered per county and year as HazardCounter would;
overdue hazards carry the escalation steps the ladder gives them. Hazards wait long only
lately: an escalation still awaits the level above only if recent, and a stalled hazard is
still open only if found in the last three months. 冯记沟中心小学, where the school-side demo
users work, has hazards in every state and today's daily check still due; the responsible
inspector found a major hazard at another school they follow a few days ago, so the month has
an urgent alert. The weekly analyses, visits and inboxes that follow from this year are
written by `hazards.demo_review` and `notify.demo`.

No audit entries are written: like the organisation world, this is the initial state of the
database, not a change someone made. Timestamps (created_at, transition times) are set to
when the event happened in the story, not to when the seed ran.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from safecampus.hazards import rechecks
from safecampus.hazards.calendar import ONE_DAY, calendars_for
from safecampus.hazards.choices import (
    DEFAULT_DEADLINE_DAYS,
    DEFAULT_LADDER_DAYS,
    ESCALATION_LADDER,
    OPEN_STATUSES,
    Answer,
    Category,
    Grade,
    Rhythm,
    Source,
    Status,
)
from safecampus.hazards.schedules import STANDARD_SCHEDULES, _raw_periods, default_spots_for

SHOWCASE_SCHOOL = "冯记沟中心小学"
DAYS = 365
# An escalated hazard still waits for the level above only if escalated this recently; a
# stalled one is still open only if found this recently (older ones were done in the end).
AWAITING_DAYS = 60
STALLED_DAYS = 90

# Share of a school's periods checked, by tier: (daily, weekly, monthly and the rest).
TIERS = {"good": (0.85, 0.95), "fair": (0.72, 0.85), "poor": (0.40, 0.62)}

NOTES = {
    Category.FIRE: ["教学楼二楼东侧灭火器压力指针在红区", "消防通道堆放课桌椅和体育器材", "三楼安全出口指示灯不亮", "食堂后门安全出口被杂物堵塞", "室内消火栓箱内水带缺失", "宿舍楼防火门闭门器损坏，常开"],
    Category.ELECTRICITY: ["配电室内堆放废旧纸箱", "教室插座面板破损，线头外露", "走廊照明线路老化，绝缘层开裂", "办公室私拉电线给电动车充电", "配电箱未上锁，漏电保护器测试不跳闸"],
    Category.BUILDING: ["教学楼三楼走廊栏杆松动", "二号楼楼梯台阶踏步破损", "围墙西北角墙体开裂", "教室吊顶局部脱落", "厕所地面湿滑，防滑垫缺失", "屋面防水层破损，雨天渗漏"],
    Category.FOOD: ["食堂留样不足125克，部分菜品未留样", "两名从业人员健康证过期", "冷藏柜内生熟食品混放", "进货查验记录缺少两批次索证索票", "操作间防蝇帘缺失", "消毒柜故障，餐具未按规定消毒"],
    Category.DORMITORY: ["男生宿舍305室发现违规使用电热毯", "宿舍上铺护栏高度不足", "宿管员夜间巡查记录缺两天", "宿舍楼二层应急照明失效"],
    Category.LAB: ["危化品室双人双锁未落实，钥匙由一人保管", "部分化学试剂账物不符", "实验废液未分类收集", "洗眼器无水"],
    Category.GATE: ["来访登记不全，未核验身份证件", "上课期间校门未关闭", "防刺服缺失一件，钢叉锈蚀", "保安员巡查记录缺失", "外卖人员进入校园送餐"],
    Category.SECURITY: ["校门口一路监控画面模糊", "一键报警装置测试无响应", "围墙东侧有约2米缺口", "监控录像仅保存15天", "围墙防攀爬刺网破损"],
    Category.SURROUNDINGS: ["校门口50米内有流动摊点售卖“三无”食品", "校园周边新开一家网吧，距校门约150米", "周边出租屋有可疑人员聚集"],
    Category.TRAFFIC: ["校门口减速带损坏", "校门口人行横道标线模糊", "家长接送车辆在校门口乱停乱放", "校车灭火器过期"],
    Category.WATER: ["学校北侧涝坝警示牌缺失", "村口水窖未加盖", "河道旁救生圈缺失", "池塘护栏损坏"],
    Category.SPORTS: ["篮球架底座螺丝松动", "单杠锈蚀严重", "操场跑道局部破损"],
    Category.OTHER: ["安全台账未及时更新", "应急预案未按规定修订", "上月隐患整改资料不全"],
}  # fmt: skip
MEASURES = {
    Category.FIRE: "更换、补充消防器材，清理通道杂物，落实专人每日检查",
    Category.ELECTRICITY: "请专业电工更换老化线路和破损面板，配电室清理后上锁",
    Category.BUILDING: "设置警戒区域，联系维修单位加固修复，修复后组织验收",
    Category.FOOD: "责令食堂立即整改，补齐证照和记录，对从业人员开展培训",
    Category.DORMITORY: "收缴违规电器，修复设施，宿管员加强夜间巡查",
    Category.LAB: "落实双人双锁，重新盘点建账，废液交有资质单位处置",
    Category.GATE: "重申门卫管理制度，补齐防护装备，加强来访登记核验",
    Category.SECURITY: "联系安防公司维修设备，修补围墙缺口，恢复联网",
    Category.SURROUNDINGS: "报请派出所、市场监管所联合整治，上下学时段加强巡逻",
    Category.TRAFFIC: "报请交警部门修复交通设施，护学岗加强疏导",
    Category.WATER: "协调村委会补设警示牌和救生设施，水窖加盖上锁",
    Category.SPORTS: "停止使用相关器材，维修加固后再开放",
    Category.OTHER: "指定专人补齐资料，下周研判会复核",
}
TEMPORARY = "现场设置警示标志，安排专人看守，暂停使用相关区域"
SPOT_FOR = {
    Category.FOOD: "食堂操作间",
    Category.DORMITORY: "学生宿舍",
    Category.ELECTRICITY: "配电室",
    Category.GATE: "门卫室",
    Category.FIRE: "消防通道",
    Category.BUILDING: "教学楼楼梯间",
    Category.LAB: "实验室及危化品室",
    Category.SECURITY: "监控室",
    Category.SPORTS: "操场",
}
PUBLIC_REPORTERS = ["学生家长", "马女士", "王先生", "杨女士", "学生", "附近居民"]
SAFETY_POSTS = ("分管安全副校长", "安全办主任", "安全员", "保教主任", "教导主任")
HEAD_POSTS = ("校长", "园长")
LOGISTICS_POSTS = ("总务主任", "安全办主任", "安全员", "分管安全副校长", "保教主任", "教导主任")


# ------------------------------------------------------------------------------ the plan


@dataclass
class InspectionSpec:
    key: int
    school: int
    schedule: int  # index into PlanSchool.schedules
    period_start: datetime.date
    at: datetime.datetime
    signed: str
    inspector: str  # demo username or ""
    abnormal: dict  # item position -> note
    na: tuple  # item positions not applicable


@dataclass
class MoveSpec:
    action: str
    from_status: str
    to_status: str
    at: datetime.datetime
    by: str  # demo username or ""
    comment: str = ""


@dataclass
class HazardSpec:
    school: int
    category: str
    grade: str
    description: str
    source: str
    found_at: datetime.datetime
    reporter: str  # username or ""
    reporter_name: str = ""
    reporter_phone: str = ""
    spot: str = ""
    inspection: int | None = None  # InspectionSpec.key
    item_position: int | None = None
    moves: list = field(default_factory=list)
    deadline: datetime.date | None = None
    responsible: int | None = None  # person id
    measures: str = ""
    plan: str = ""
    temporary: str = ""
    rectification: str = ""
    handler: int | None = None
    escalations: list = field(default_factory=list)  # (step, deadline, at)

    @property
    def status(self) -> str:
        return self.moves[-1].to_status if self.moves else self.initial

    initial: str = Status.REPORTED


@dataclass
class PlanSchool:
    id: int
    name: str
    path: str
    county: int
    parent: int
    tier: str
    spots: list  # (name, kind, area, token)
    schedules: list  # (code, rhythm, spot_kind, role, title)


@dataclass
class Plan:
    now: datetime.datetime
    schools: list
    inspections: list
    hazards: list


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _person(posts: dict, wanted) -> tuple[int | None, str]:
    for post in wanted:
        for pid, name in posts.get(post, []):
            return pid, name
    for people in posts.values():
        return people[0]
    return None, ""


def _world():
    from safecampus.hazards.models import ChecklistTemplate
    from safecampus.orgs.models import OrgNode, Person, School

    profiles = {s.node_id: s for s in School.objects.all()}
    nodes = list(OrgNode.objects.order_by("path"))
    by_path = {n.path: n for n in nodes}
    schools = [n for n in nodes if n.is_school]
    posts: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for org_id, pid, name, post in Person.objects.filter(org__kind="school").order_by("id").values_list("org_id", "id", "name", "post"):  # fmt: skip
        base = "班主任" if post.endswith("班主任") else post
        posts[org_id][base].append((pid, name))
    templates = {}
    codes = [s[0] for s in STANDARD_SCHEDULES]
    for t in ChecklistTemplate.objects.filter(code__in=codes).select_related("current"):
        items = list(t.current.items.order_by("position").values("id", "position", "text", "category", "default_grade"))  # fmt: skip
        templates[t.code] = {"template": t, "version": t.current, "items": items}
    return profiles, by_path, schools, posts, templates


def _county_of(node, by_path):
    parts = node.path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        anc = by_path[".".join(parts[:i])]
        if anc.kind == "county":
            return anc
    return by_path[".".join(parts[:-1])]


def build_plan(*, seed: int, now: datetime.datetime | None = None) -> Plan:
    """The year of activity for the loaded world, as plain specs."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    rng = random.Random(seed * 7919 + 17)
    profiles, by_path, schools, posts, templates = _world()
    inspected = _inspected_schools()
    calendars = calendars_for(schools)
    window = today - DAYS * ONE_DAY
    plan = Plan(now=now, schools=[], inspections=[], hazards=[])
    key = 0
    for school in schools:
        profile = profiles.get(school.pk)
        is_showcase = school.name == SHOWCASE_SCHOOL
        roll = rng.random()
        tier = "good" if is_showcase or roll < 0.8 else ("fair" if roll < 0.92 else "poor")
        spots = [
            (name, kind, area, uuid.UUID(int=rng.getrandbits(128), version=4))
            for name, kind, area in default_spots_for(profile)
        ]
        ps = PlanSchool(
            id=school.pk,
            name=school.name,
            path=school.path,
            county=_county_of(school, by_path).pk,
            parent=school.parent_id,
            tier=tier,
            spots=spots,
            schedules=list(STANDARD_SCHEDULES),
        )
        plan.schools.append(ps)
        cal = calendars[school.pk]
        school_posts = posts.get(school.pk, {})
        _sid, safety_name = _person(school_posts, SAFETY_POSTS)
        _hid, head_name = _person(school_posts, HEAD_POSTS)
        boarding = bool(profile and profile.boarding)
        lo, hi = TIERS[tier]
        daily_rate = rng.uniform(lo, hi)
        for index, (code, rhythm, _kind, role, _title) in enumerate(ps.schedules):
            rate = daily_rate if rhythm == Rhythm.SCHOOL_DAY else min(0.98, daily_rate + 0.04)
            items = templates[code]["items"]
            signer = head_name if role == "principal" else safety_name
            user = ("principal" if role == "principal" else "safety") if is_showcase else ""
            for start, end in _raw_periods(rhythm, window, today, cal):
                if is_showcase and rhythm == Rhythm.SCHOOL_DAY and start == today:
                    continue  # the demo users see today's check due
                if rng.random() > rate:
                    continue
                days = list(cal.school_days(start, min(end, today)))
                if not days:
                    continue
                day = days[0] if rhythm == Rhythm.SCHOOL_DAY else rng.choice(days)
                at = (
                    _at(day, 7, rng.randrange(20, 59))
                    if rhythm == Rhythm.SCHOOL_DAY
                    else _at(day, rng.choice([10, 14, 15, 16]), rng.randrange(0, 59))
                )
                if at > now:
                    continue
                na = tuple(
                    i["position"]
                    for i in items
                    if (i["category"] == Category.DORMITORY and not boarding)
                    or ("校车" in i["text"] and rng.random() < 0.7)
                )
                per_item = 0.003 if rhythm == Rhythm.SCHOOL_DAY else 0.015
                if tier == "poor":
                    per_item *= 1.8
                abnormal = {}
                for i in items:
                    if i["position"] not in na and rng.random() < per_item:
                        abnormal[i["position"]] = rng.choice(NOTES[i["category"]])
                key += 1
                spec = InspectionSpec(key, school.pk, index, start, at, signer or "安全员", user, abnormal, na)  # fmt: skip
                plan.inspections.append(spec)
                for position, note in abnormal.items():
                    item = next(i for i in items if i["position"] == position)
                    plan.hazards.append(
                        _hazard_from(rng, ps, school_posts, item, note, spec, is_showcase)
                    )
        # Patrols, inspectors' visits and reports by anyone.
        extra = rng.randrange(2, 7) if tier != "poor" else rng.randrange(6, 12)
        for _ in range(extra):
            day = window + rng.randrange(DAYS) * ONE_DAY
            if not cal.is_school_day(day):
                continue
            source = rng.choices([Source.PATROL, Source.SUPERVISION, Source.PUBLIC], [6, 2, 2])[0]
            category = rng.choice(list(NOTES))
            plan.hazards.append(
                _free_hazard(
                    rng,
                    ps,
                    school_posts,
                    category,
                    source,
                    day,
                    is_showcase,
                    school.pk in inspected,
                )
            )
    plan._by_id = {s.id: s for s in plan.schools}
    for h in plan.hazards:
        _live(rng, h, plan, posts.get(h.school, {}), by_path)
    showcase = next((s for s in plan.schools if s.name == SHOWCASE_SCHOOL), None)
    if showcase is not None:
        _showcase(rng, plan, showcase, posts.get(showcase.id, {}), by_path, calendars[showcase.id])
    _major_alert(rng, plan, inspected, posts, by_path, calendars)
    plan.hazards.sort(key=lambda h: (h.found_at, h.school, h.description))
    return plan


def _grade(rng, default: str) -> str:
    r = rng.random()
    if default in (Grade.HIGH, Grade.MAJOR):
        return Grade.MAJOR if r < 0.04 else Grade.HIGH if r < 0.55 else Grade.GENERAL
    return Grade.HIGH if r < 0.06 else Grade.GENERAL if r < 0.55 else Grade.LOW


def _hazard_from(rng, school, posts, item, note, spec, is_showcase) -> HazardSpec:
    category = item["category"]
    return HazardSpec(
        school=school.id,
        category=category,
        grade=_grade(rng, item["default_grade"]),
        description=f"{item['text']}：{note}",
        source=Source.INSPECTION,
        found_at=spec.at,
        reporter=spec.inspector,
        reporter_name="" if spec.inspector else spec.signed,
        spot=SPOT_FOR.get(category, "")
        if any(s[0] == SPOT_FOR.get(category) for s in school.spots)
        else "",
        inspection=spec.key,
        item_position=item["position"],
    )


def _free_hazard(rng, school, posts, category, source, day, is_showcase, inspected=False):
    note = rng.choice(NOTES[category])
    at = _at(day, rng.randrange(8, 17), rng.randrange(0, 59))
    spot = SPOT_FOR.get(category, "")
    spot = spot if any(s[0] == spot for s in school.spots) else ""
    if source == Source.PUBLIC:
        return HazardSpec(
            school=school.id, category=category, grade=Grade.GENERAL, description=f"群众反映：{note}",
            source=source, found_at=at, reporter="", reporter_name=rng.choice(PUBLIC_REPORTERS),
            reporter_phone=f"1{rng.choice('3589')}{rng.randrange(10):d}****{rng.randrange(10000):04d}",
            spot=spot, initial=Status.PENDING_REVIEW,
        )  # fmt: skip
    if source == Source.SUPERVISION:
        return HazardSpec(
            school=school.id, category=category, grade=_grade(rng, Grade.GENERAL),
            description=f"责任督学检查发现：{note}", source=source, found_at=at,
            reporter="inspector" if inspected or is_showcase else "",
            reporter_name="" if inspected or is_showcase else "责任督学",
            spot=spot,
        )  # fmt: skip
    _pid, head = _person(posts, HEAD_POSTS)
    return HazardSpec(
        school=school.id, category=category, grade=_grade(rng, Grade.GENERAL),
        description=f"校长巡查发现：{note}", source=source, found_at=at,
        reporter="principal" if is_showcase else "", reporter_name="" if is_showcase else head,
        spot=spot,
    )  # fmt: skip


def _users(is_showcase: bool, county_is_yanchi: bool) -> dict:
    if is_showcase:
        return {"manager": "safety", "head": "principal", "fixer": "teacher", "bureau": "bureau"}
    return {"manager": "", "head": "", "fixer": "", "bureau": "bureau" if county_is_yanchi else ""}


def _work_time(rng, day: datetime.date) -> datetime.datetime:
    return _at(day, rng.randrange(8, 18), rng.randrange(0, 59))


def _live(rng, h: HazardSpec, plan: Plan, posts: dict, by_path, fate: str | None = None) -> None:
    """Move a hazard through the workflow along a plausible timeline, stopping at `now`."""
    now = plan.now
    _walk(rng, h, plan, posts, by_path, fate)
    h.escalations = []
    if h.deadline is not None:
        # As the periodic job does: a hazard climbs the ladder while it is open, awaiting
        # acceptance included, until it is closed.
        accept = next((m for m in h.moves if m.action == "accept"), None)
        _ladder(h, now, until=accept.at if accept is not None else now)


def _walk(rng, h: HazardSpec, plan: Plan, posts: dict, by_path, fate) -> None:
    now = plan.now
    school = plan._by_id[h.school]
    county = by_path_node(by_path, school.path, "county")
    showcase = school.name == SHOWCASE_SCHOOL
    u = _users(showcase, county is not None and county.name == "盐池县")
    resp_id, resp_name = _person(posts, LOGISTICS_POSTS)
    _sid, safety_name = _person(posts, SAFETY_POSTS)
    _hid, head_name = _person(posts, HEAD_POSTS)
    h.responsible = resp_id
    fate = (
        fate
        or rng.choices(
            ["normal", "late", "stalled", "escalate", "reject", "dismiss"], [73, 12, 3, 5, 5, 2]
        )[0]
    )
    t = h.found_at
    status = h.initial

    def move(action, to, at, by, comment=""):
        nonlocal status
        if at > now:
            return False
        h.moves.append(MoveSpec(action, status, to, at, by, comment))
        status = to
        return True

    if status == Status.PENDING_REVIEW:
        late = rng.random() < 0.25  # some reports wait days for someone to review them
        t = t + datetime.timedelta(hours=rng.randrange(72, 240) if late else rng.randrange(2, 40))
        if fate == "dismiss" or rng.random() < 0.08:
            move(
                "dismiss",
                Status.DISMISSED,
                t,
                u["manager"],
                f"经核查，所反映情况不属实（{safety_name}）",
            )
            return
        if not move(
            "admit",
            Status.REPORTED,
            t,
            u["manager"],
            f"经核实情况属实，登记入台账（{safety_name}）",
        ):
            return
    t = t + datetime.timedelta(hours=rng.randrange(1, 48))
    if h.grade == Grade.MAJOR:
        h.plan = "1.立即停止使用相关区域，设置隔离和警示；2.委托有资质单位检测评估；3.制定维修加固方案，报县教体局审批后实施；4.整改完成后组织验收。"  # fmt: skip
    h.measures = MEASURES.get(h.category, MEASURES[Category.OTHER])
    h.temporary = TEMPORARY if h.grade in (Grade.HIGH, Grade.MAJOR) else ""
    confirmed_on = timezone.localtime(t).date()
    h.deadline = confirmed_on + DEFAULT_DEADLINE_DAYS[h.grade] * ONE_DAY
    if not move("confirm", Status.RECTIFYING, t, u["manager"], f"确认隐患，责任人：{resp_name}"):
        h.deadline = None
        return
    days = DEFAULT_DEADLINE_DAYS[h.grade]
    if fate == "escalate":
        t = t + datetime.timedelta(days=rng.randrange(1, 4), hours=rng.randrange(1, 6))
        if not move(
            "escalate", Status.ESCALATED, t, u["head"], "整改所需资金超出学校能力，申请上级协调解决"
        ):
            return
        h.handler = school.parent
        if rng.random() < 0.7 and now - t < datetime.timedelta(days=AWAITING_DAYS):
            return  # still awaiting the level above (an old request has long been answered)
        t = t + datetime.timedelta(days=rng.randrange(2, 12))
        if not move(
            "take_over", Status.RECTIFYING, t, u["bureau"], "县教体局接手，协调专项资金维修"
        ):
            return
        h.handler = county.pk if county else school.parent
        days += 20
        done_in = rng.uniform(0.5, 1.3) * days
    elif fate == "stalled" and now - h.found_at < datetime.timedelta(days=STALLED_DAYS):
        done_in = 10_000
    elif fate == "stalled":  # stalled for months, then done under the ladder's pressure
        done_in = days * rng.uniform(2.0, 5.0)
    elif fate == "late":
        done_in = days * rng.uniform(1.2, 3.0)
    else:
        done_in = days * rng.uniform(0.2, 0.95)
    t = t + datetime.timedelta(days=done_in)
    if t > now:
        return
    t = _work_time(rng, timezone.localtime(t).date())
    h.rectification = f"已按要求完成整改：{h.measures}。"
    if not move("submit", Status.SUBMITTED, t, u["fixer"], f"整改完成，请验收（{resp_name}）"):
        return
    if fate == "reject":
        t = t + datetime.timedelta(days=rng.randrange(1, 3))
        if not move("reject", Status.RECTIFYING, t, u["head"], "整改不彻底，请补充整改后重新提交"):
            return
        t = t + datetime.timedelta(days=rng.randrange(1, 4))
        if not move("submit", Status.SUBMITTED, t, u["fixer"], f"已补充整改（{resp_name}）"):
            return
    t = t + datetime.timedelta(days=rng.randrange(0, 6), hours=rng.randrange(1, 5))
    move("accept", Status.CLOSED, t, u["head"], f"经复查整改到位，同意销号（{head_name}）")


def by_path_node(by_path, path, kind):
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        node = by_path.get(".".join(parts[:i]))
        if node is not None and node.kind == kind:
            return node
    return None


def ladder_time(day: datetime.date) -> datetime.datetime:
    """When the periodic job takes a day's escalation steps (notify.schedule: 06:00)."""
    return _at(day, 6, 0)


def _ladder(h: HazardSpec, now, until) -> None:
    """The escalation steps an overdue hazard reached before it was rectified (or by now)."""
    if h.deadline is None:
        return
    end = timezone.localtime(until).date()
    overdue = (end - h.deadline).days
    for step in ESCALATION_LADDER:
        if overdue >= DEFAULT_LADDER_DAYS[step]:
            day = h.deadline + DEFAULT_LADDER_DAYS[step] * ONE_DAY
            h.escalations.append((step, h.deadline, min(ladder_time(day), now)))


def _showcase(rng, plan: Plan, school: PlanSchool, posts, by_path, cal) -> None:
    """Hazards at 冯记沟中心小学 in every state, with timelines ending where the demo needs them."""
    now = plan.now
    today = now.date()
    wanted = [
        (Status.PENDING_REVIEW, Category.TRAFFIC, Source.PUBLIC, 1, "normal"),
        (Status.REPORTED, Category.FIRE, Source.PATROL, 0, "normal"),
        (Status.REPORTED, Category.ELECTRICITY, Source.INSPECTION, 0, "normal"),
        (Status.RECTIFYING, Category.BUILDING, Source.PATROL, 3, "normal"),
        (Status.RECTIFYING, Category.FOOD, Source.INSPECTION, 14, "stalled"),
        (Status.SUBMITTED, Category.SECURITY, Source.SUPERVISION, 6, "normal"),
        (Status.SUBMITTED, Category.GATE, Source.PATROL, 5, "normal"),
        (Status.ESCALATED, Category.WATER, Source.PATROL, 9, "escalate"),
        (Status.CLOSED, Category.SPORTS, Source.PATROL, 20, "normal"),
        (Status.DISMISSED, Category.SURROUNDINGS, Source.PUBLIC, 12, "dismiss"),
    ]
    for status, category, source, age, fate in wanted:
        day = today - age * ONE_DAY
        # Patrols and visits happen on school days (the nearest before, within a week).
        back = next((d for d in range(8) if cal.is_school_day(day - d * ONE_DAY)), 0)
        day -= back * ONE_DAY
        if source == Source.SUPERVISION and not cal.is_school_day(day):
            source = Source.PATROL  # inspectors visit in term time; in a holiday, duty patrols
        h = _free_hazard(rng, school, posts, category, source, day, True)
        h.found_at = min(h.found_at, now - datetime.timedelta(hours=3))
        if status == Status.PENDING_REVIEW:
            h.found_at = now - datetime.timedelta(hours=5)
        if status == Status.REPORTED:
            h.found_at = now - datetime.timedelta(hours=2)
            h.initial = Status.REPORTED
            h.reporter = "teacher"
            h.source = source if source != Source.INSPECTION else Source.PATROL
        # Drive the timeline, then cut it at the state wanted.
        saved = plan.now
        plan.now = now + datetime.timedelta(days=400)
        _live(rng, h, plan, posts, by_path, fate=fate)
        plan.now = saved
        cut = list(h.moves)
        while cut and cut[-1].to_status != status and h.initial != status:
            cut.pop()
        if h.initial == status:
            cut = []
        # Squeeze the kept moves into the time between finding and now.
        span = (now - h.found_at).total_seconds()
        for i, m in enumerate(cut):
            m.at = h.found_at + datetime.timedelta(seconds=span * (i + 1) / (len(cut) + 1))
        h.moves = cut
        h.escalations = []
        if status in (Status.RECTIFYING, Status.ESCALATED):
            confirmed = timezone.localtime(next(m.at for m in cut if m.action == "confirm")).date()
            h.deadline = confirmed + DEFAULT_DEADLINE_DAYS[h.grade] * ONE_DAY
            if fate == "stalled":  # overdue by a week: the ladder has begun
                h.deadline = today - 7 * ONE_DAY
                _ladder(h, now, until=now)
        if status in (Status.REPORTED, Status.PENDING_REVIEW, Status.DISMISSED):
            h.deadline = None
        if status != Status.ESCALATED and status != Status.RECTIFYING:
            h.handler = h.handler if status == Status.CLOSED else None
        if status == Status.ESCALATED:
            h.handler = school.parent
        if status == Status.SUBMITTED:
            h.moves[-1].by = "teacher"
        if status in OPEN_STATUSES and h.deadline is not None and not h.escalations:
            _ladder(h, now, until=now)
        plan.hazards.append(h)


def _inspected_schools() -> set[int]:
    """The schools the responsible inspectors follow (联县包校): their role's nodes."""
    from safecampus.accounts.models import RoleAssignment

    return set(
        RoleAssignment.objects.filter(role="inspector", org__kind="school").values_list(
            "org_id", flat=True
        )
    )


def _major_alert(rng, plan: Plan, inspected: set, posts, by_path, calendars) -> None:
    """A major hazard the responsible inspector found a few days ago at another school they
    follow (a kindergarten first): confirmed with a plan and rectifying, so the month has an
    urgent alert, a major hazard open and a visit that found it."""
    today = plan.now.date()
    followed = [s for s in plan.schools if s.id in inspected and s.name != SHOWCASE_SCHOOL]
    if not followed:
        return
    school = sorted(followed, key=lambda s: ("幼儿园" not in s.name, s.path))[0]
    cal = calendars[school.id]
    # A few days ago; in a long holiday, on the last school day before it.
    days = cal.school_days(today - 12 * ONE_DAY, today - 3 * ONE_DAY) or cal.school_days(
        today - (DAYS - 30) * ONE_DAY, today - 3 * ONE_DAY
    )
    if not days:
        return
    near = "幼儿户外活动场地" if "幼儿园" in school.name else "学生上下学通道"
    h = HazardSpec(
        school=school.id,
        category=Category.BUILDING,
        grade=Grade.MAJOR,
        description=f"责任督学检查发现：西侧围墙墙体开裂并向外倾斜约5厘米，墙内侧紧邻{near}，"
        "遇大风或降雨有倒塌危险",
        source=Source.SUPERVISION,
        found_at=_at(days[-1], 10, 20),
        reporter="inspector",
        spot="围墙" if any(sp[0] == "围墙" for sp in school.spots) else "",
    )
    _live(rng, h, plan, posts.get(school.id, {}), by_path, fate="normal")
    confirm = next(i for i, m in enumerate(h.moves) if m.action == "confirm")
    h.moves = h.moves[: confirm + 1]
    h.escalations = []
    plan.hazards.append(h)


# ------------------------------------------------------------------------------- writing


@contextlib.contextmanager
def historic_timestamps(*models):
    """Let bulk inserts keep the story's timestamps instead of "now"."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def write(plan: Plan) -> dict:
    from safecampus.accounts.models import User
    from safecampus.hazards.models import (
        Hazard,
        HazardCounter,
        HazardEscalation,
        HazardTransition,
        Inspection,
        InspectionAnswer,
        Schedule,
        Spot,
    )
    from safecampus.hazards.schedules import standard_templates
    from safecampus.orgs.models import OrgNode

    users = {u.username: u for u in User.objects.filter(username__in=["safety", "principal", "teacher", "guard", "bureau", "inspector"])}  # fmt: skip

    def user(name):
        return users.get(name) if name else None

    templates = standard_templates()
    versions = {code: t.current_id for code, t in templates.items()}
    items_of = {}
    for code, t in templates.items():
        items_of[code] = list(t.current.items.order_by("position"))
    started = plan.now - DAYS * ONE_DAY
    with transaction.atomic(), historic_timestamps(Spot, Schedule, Inspection, Hazard, HazardTransition, HazardEscalation):  # fmt: skip
        spots = []
        for s in plan.schools:
            for name, kind, area, token in s.spots:
                spots.append(Spot(org_id=s.id, org_path=s.path, name=name, kind=kind, area=area, token=token, created_at=started, updated_at=started))  # fmt: skip
        spots = Spot.objects.bulk_create(spots, batch_size=1000)
        spot_of = {(sp.org_id, sp.name): sp for sp in spots}
        schedules = []
        for s in plan.schools:
            for code, rhythm, kind, role, title in s.schedules:
                schedules.append(Schedule(org_id=s.id, org_path=s.path, title=title, template=templates[code], rhythm=rhythm, spot_kind=kind, responsible_role=role, starts_on=started.date(), created_at=started, updated_at=started))  # fmt: skip
        schedules = Schedule.objects.bulk_create(schedules, batch_size=1000)
        schedule_of = {}
        i = 0
        for s in plan.schools:
            for index in range(len(s.schedules)):
                schedule_of[(s.id, index)] = schedules[i]
                i += 1
        paths = {s.id: s.path for s in plan.schools}
        codes = {s.id: [c[0] for c in s.schedules] for s in plan.schools}

        inspections = []
        for spec in plan.inspections:
            code = codes[spec.school][spec.schedule]
            inspections.append(Inspection(
                org_id=spec.school, org_path=paths[spec.school], schedule=schedule_of[(spec.school, spec.schedule)],
                checklist_id=versions[code], period_start=spec.period_start, inspector=user(spec.inspector),
                inspected_at=spec.at, signed_name=spec.signed, abnormal_count=len(spec.abnormal),
                created_at=spec.at, updated_at=spec.at,
            ))  # fmt: skip
        inspections = Inspection.objects.bulk_create(inspections, batch_size=2000)
        # Which spots each check covered: the schedule's kind of spot, or the whole campus. A
        # closed hazard's re-check is done by the next check of its spot.
        spots_of: dict = {}
        for sp in spots:
            spots_of.setdefault((sp.org_id, sp.kind), []).append(sp.pk)
            spots_of.setdefault((sp.org_id, ""), []).append(sp.pk)
        kinds = {s.id: [c[2] for c in s.schedules] for s in plan.schools}
        covered = Inspection.spots.through
        Inspection.spots.through.objects.bulk_create(
            (
                covered(inspection_id=row.pk, spot_id=spot_id)
                for spec, row in zip(plan.inspections, inspections, strict=True)
                for spot_id in spots_of.get(
                    (spec.school, kinds[spec.school][spec.schedule] or ""), ()
                )
            ),
            batch_size=5000,
        )
        inspection_of = {
            spec.key: row for spec, row in zip(plan.inspections, inspections, strict=True)
        }
        answers = []
        abnormal_rows = []
        for spec, row in zip(plan.inspections, inspections, strict=True):
            code = codes[spec.school][spec.schedule]
            for item in items_of[code]:
                if item.position in spec.abnormal:
                    a = InspectionAnswer(inspection=row, item=item, answer=Answer.ABNORMAL, note=spec.abnormal[item.position])  # fmt: skip
                    abnormal_rows.append((spec.key, item.position, a))
                elif item.position in spec.na:
                    a = InspectionAnswer(inspection=row, item=item, answer=Answer.NOT_APPLICABLE)
                else:
                    a = InspectionAnswer(inspection=row, item=item, answer=Answer.NORMAL)
                answers.append(a)
        InspectionAnswer.objects.bulk_create(answers, batch_size=5000)
        answer_of = {(k, p): a for k, p, a in abnormal_rows}

        # Numbers per county and year, in the order the hazards were found.
        school_county = {s.id: s.county for s in plan.schools}
        counties = {n.pk: n for n in OrgNode.objects.filter(pk__in=set(school_county.values()))}
        counters = {(c.county_id, c.year): c for c in HazardCounter.objects.filter(county_id__in=counties)}  # fmt: skip
        last = {k: c.last for k, c in counters.items()}
        hazards = []
        for h in plan.hazards:
            county = counties[school_county[h.school]]
            year = timezone.localtime(h.found_at).year
            last[(county.pk, year)] = last.get((county.pk, year), 0) + 1
            number = f"{county.short_name or county.name}-{year}-{last[(county.pk, year)]:06d}"
            status = h.status
            submit = next((m for m in reversed(h.moves) if m.action == "submit"), None)
            accept = next((m for m in reversed(h.moves) if m.action == "accept"), None)
            updated = h.moves[-1].at if h.moves else h.found_at
            hazards.append(Hazard(
                org_id=h.school, org_path=paths[h.school], number=number,
                spot=spot_of.get((h.school, h.spot)), category=h.category, grade=h.grade,
                description=h.description, source=h.source, status=status, found_at=h.found_at,
                reported_by=user(h.reporter), reporter_name=h.reporter_name, reporter_phone=h.reporter_phone,
                temporary_measures=h.temporary if status != Status.PENDING_REVIEW else "",
                responsible_person_id=h.responsible if h.deadline else None,
                measures=h.measures if h.deadline else "", deadline=h.deadline, plan=h.plan if h.deadline else "",
                inspection=inspection_of.get(h.inspection), answer=answer_of.get((h.inspection, h.item_position)),
                handler_id=h.handler,
                rectification=h.rectification if submit and status in (Status.SUBMITTED, Status.CLOSED) else "",
                submitted_by=user(submit.by) if submit and status in (Status.SUBMITTED, Status.CLOSED) else None,
                submitted_at=submit.at if submit and status in (Status.SUBMITTED, Status.CLOSED) else None,
                accepted_by=user(accept.by) if accept and status == Status.CLOSED else None,
                closed_at=accept.at if accept and status == Status.CLOSED else None,
                recheck_on=(timezone.localtime(accept.at).date() + 30 * ONE_DAY) if accept and status == Status.CLOSED else None,
                version=1 + len(h.moves), created_at=h.found_at, updated_at=updated,
            ))  # fmt: skip
        hazards = Hazard.objects.bulk_create(hazards, batch_size=1000)
        for (county_id, year), value in last.items():
            counter = counters.get((county_id, year))
            if counter is None:
                HazardCounter.objects.create(county_id=county_id, year=year, last=value)
            elif counter.last != value:
                HazardCounter.objects.filter(pk=counter.pk).update(last=value)
        transitions, escalations = [], []
        for spec, row in zip(plan.hazards, hazards, strict=True):
            for m in spec.moves:
                transitions.append(HazardTransition(hazard=row, action=m.action, from_status=m.from_status, to_status=m.to_status, by=user(m.by), at=m.at, comment=m.comment))  # fmt: skip
            for step, deadline, at in spec.escalations:
                escalations.append(HazardEscalation(hazard=row, step=step, deadline=deadline, at=at, by=None, note="逾期未整改，系统按升级阶梯记录"))  # fmt: skip
        HazardTransition.objects.bulk_create(transitions, batch_size=2000)
        HazardEscalation.objects.bulk_create(escalations, batch_size=2000)
        rechecks.refresh()  # the bulk rows bypassed the writers that keep rechecked_at
    return {
        "spots": len(spots),
        "schedules": len(schedules),
        "inspections": len(inspections),
        "answers": len(answers),
        "hazards": len(hazards),
        "transitions": len(transitions),
        "escalations": len(escalations),
    }


def activity_loaded() -> bool:
    from safecampus.hazards.models import Hazard, Inspection, Schedule

    return Inspection.objects.exists() or Hazard.objects.exists() or Schedule.objects.exists()


def load_activity(*, seed: int, now: datetime.datetime | None = None) -> dict:
    """Load the year of activity once; a second call changes nothing and returns {}."""
    from safecampus.hazards.library import load_library

    load_library()
    if activity_loaded():
        return {}
    return write(build_plan(seed=seed, now=now))
