"""The demo's incidents (涉校案事件) of last year and this year, for `emergency.demo`.

A few dozen a year in a county, of every kind, each with the timeline a school would have
written: the report, the 1-3-5 marks (mostly within target, some late), the plan started, the
report to the bureau (a few late), rescue, parents, investigation, responsibility, aftercare,
the insurance claim and the closure; the open ones stop where the story is today. The types
are drawn from the usual run of school incidents, except the criminal cases involving minors
and the drowning deaths, which are placed so that 盐池县's targets read as the demo promises
(TARGET-INCIDENTS and TARGET-DROWNING on track, TARGET-MINOR-CRIME off track). Pure planning
(`incident_plan`) is separate from writing (`write_incidents`).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from safecampus.core.dates import ONE_DAY
from safecampus.emergency.choices import (
    CRIMINAL_TYPES,
    IncidentStatus,
    IncidentType,
    Scenario,
    Severity,
    Step,
)
from safecampus.emergency.demo import (
    BUREAU_COUNTY,
    DAYS,
    PLAN_TITLES,
    SchoolInfo,
    World,
    _at,
    minutes,
)
from safecampus.emergency.incidents import PLAN_SCENARIOS, auto_sensitive

# Incidents a year per school: a county of sixty schools has a few dozen.
INCIDENTS_PER_SCHOOL = 0.45
MIN_INCIDENTS = 8  # a small demo county still has a year worth reading


@dataclass
class Story:
    """What happened, in the words a school writes, and how it went."""

    kind: str
    place: str
    description: str
    measures: str
    severity: str = Severity.GENERAL
    injured: int = 0
    deaths: int = 0
    missing: int = 0
    students: int = 1
    named: int = 1  # how many names the report carries
    rescue: str = ""
    insurance: bool = False


STORIES = {
    IncidentType.INJURY: [
        Story(IncidentType.INJURY, "教学楼二楼走廊", "课间一名学生在走廊追逐奔跑时摔倒，左前臂疼痛肿胀，疑似骨折。", "校医现场固定伤肢，通知家长，送医检查。", injured=1, rescue="校医固定伤肢后由班主任陪同送县人民医院，诊断为左尺骨骨折。", insurance=True),
        Story(IncidentType.INJURY, "操场", "体育课跳远练习时一名学生落地不稳扭伤右脚踝。", "体育教师冰敷处置，通知家长。", injured=1, rescue="校医冰敷包扎，家长接回就医，无骨折。", insurance=True),
        Story(IncidentType.INJURY, "篮球场", "两名学生课间打篮球时相撞，一人额头被磕破出血。", "校医止血包扎，送乡卫生院缝合。", injured=1, rescue="送乡卫生院清创缝合三针。", insurance=True),
    ],
    IncidentType.TRAFFIC: [
        Story(IncidentType.TRAFFIC, "校门口东侧路口", "放学途中一名学生在校门口东侧路口被一辆电动三轮车撞倒，腿部擦伤。", "护学岗教师现场处置，报警并拨打120。", severity=Severity.SERIOUS, injured=1, rescue="120到场后送县人民医院，经检查为软组织挫伤。", insurance=True),
        Story(IncidentType.TRAFFIC, "村道", "学生乘坐家长驾驶的电动车上学途中侧翻，两名学生擦伤。", "班主任联系家长，送村卫生室处置。", injured=2, students=2, named=2, rescue="村卫生室清创包扎。"),
    ],
    IncidentType.DROWNING: [
        Story(IncidentType.DROWNING, "村外涝坝", "周末两名学生私自到村外涝坝玩水，一人溺水，经村民救起后送医。", "学校接报后立即派人赶赴医院，通知家长。", severity=Severity.SERIOUS, injured=1, students=2, named=2, rescue="村民救起后送乡卫生院，转县人民医院观察，无生命危险。"),
    ],
    IncidentType.FOOD_POISONING: [
        Story(IncidentType.FOOD_POISONING, "学校食堂", "午餐后约一小时，十余名学生陆续出现腹痛、呕吐症状。", "停止供餐，封存留样和剩余食品，报告市场监管所和卫生院。", severity=Severity.SERIOUS, injured=12, students=12, named=0, rescue="12名学生送乡卫生院观察治疗，当晚全部症状缓解。"),
    ],
    IncidentType.MISSING: [
        Story(IncidentType.MISSING, "学生宿舍", "一名住校生晚自习后未返回宿舍，宿管员清点时发现。", "启动学生失联应急预案，分组在校内及周边寻找，联系家长。", missing=1, rescue="当晚在镇上一网吧找到该生，由家长接回。"),
    ],
    IncidentType.FIRE: [
        Story(IncidentType.FIRE, "学校食堂操作间", "食堂操作间油锅起火，火势较小。", "工作人员用灭火毯扑灭，疏散就餐学生，切断燃气。", named=0, students=0, rescue="明火扑灭，无人员受伤，排烟后检查燃气管线。"),
    ],
    IncidentType.NATURAL_DISASTER: [
        Story(IncidentType.NATURAL_DISASTER, "学校北侧围墙", "夜间暴雨导致学校北侧围墙局部坍塌约6米。", "设置警戒区，调整学生上下学路线，报告乡政府。", named=0, students=0, rescue="当日设置围挡，次日施工队到场清理。"),
    ],
    IncidentType.EPIDEMIC: [
        Story(IncidentType.EPIDEMIC, "三年级二班", "一周内班级出现8例水痘病例。", "患病学生居家隔离，教室通风消毒，每日晨午检。", injured=8, students=8, named=0, rescue="报告乡卫生院和疾控中心，落实隔离和消毒措施。"),
    ],
    IncidentType.PUBLIC_OPINION: [
        Story(IncidentType.PUBLIC_OPINION, "网络", "网传学校食堂使用过期食材，引发家长关注和转发。", "学校核查食堂进货台账和留样，同步发布情况说明。", named=0, students=0, rescue="会同市场监管所现场核查，未发现过期食材。"),
    ],
    IncidentType.OTHER: [
        Story(IncidentType.OTHER, "学校西侧围墙", "一名校外人员翻越围墙进入校园，被保安发现。", "保安上前盘问并劝离，报告派出所。", named=0, students=0, rescue="民警到场将其带离，系附近村民，无违法行为。"),
    ],
    IncidentType.BULLYING: [
        Story(IncidentType.BULLYING, "学校厕所", "三名学生在厕所内多次对一名同学推搡、辱骂并索要零花钱。", "班主任制止并分别谈话，通知双方家长，报告派出所。", injured=0, students=4, named=4, rescue="心理教师对受欺凌学生进行心理疏导。"),
    ],
    IncidentType.VIOLENCE: [
        Story(IncidentType.VIOLENCE, "教学楼楼梯间", "两名学生课间发生口角后互殴，一人鼻部受伤出血。", "教师制止，校医处置，通知双方家长，报告派出所。", injured=1, students=2, named=2, rescue="送乡卫生院检查，鼻骨无骨折。"),
    ],
}  # fmt: skip
DROWNING_DEATH = Story(
    IncidentType.DROWNING,
    "村南河道",
    "暑期一名学生与同伴到村南河道游泳，不慎溺水，经打捞抢救无效死亡。",
    "学校接报后校长带队赶赴现场，配合家属和村委会处置，报告县教体局。",
    severity=Severity.MAJOR,
    deaths=1,
    students=1,
    rescue="消防救援人员打捞后送医，经抢救无效死亡。",
    insurance=True,
)
# Types drawn for the ordinary run of incidents: the criminal ones and fatal drownings are
# placed deliberately, so that the county's targets read as the story says.
ORDINARY = [
    (IncidentType.INJURY, 40),
    (IncidentType.TRAFFIC, 14),
    (IncidentType.MISSING, 7),
    (IncidentType.FOOD_POISONING, 4),
    (IncidentType.DROWNING, 4),
    (IncidentType.FIRE, 3),
    (IncidentType.NATURAL_DISASTER, 3),
    (IncidentType.EPIDEMIC, 6),
    (IncidentType.PUBLIC_OPINION, 5),
    (IncidentType.OTHER, 6),
]
CRIMINAL = (IncidentType.BULLYING, IncidentType.VIOLENCE)
MINOR_CRIMES = 3  # the bureau county's criminal cases involving minors, each year to date


@dataclass
class IncidentSpec:
    school: SchoolInfo
    story: Story
    occurred: datetime.datetime
    status: str
    names: str = ""
    late: frozenset = frozenset()  # marks over target
    bureau_late: bool = False
    reporter: str = ""  # demo username
    entries: list = field(default_factory=list)  # (step, at, text, by user, by name, plan)
    correction: tuple | None = None  # (step corrected, new time, reason)
    bureau_reported: bool = True


def _student_name(rng) -> str:
    from safecampus.orgs.demo_data import FEMALE_GIVEN, MALE_GIVEN, SURNAMES

    pool = MALE_GIVEN if rng.random() < 0.55 else FEMALE_GIVEN
    return rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(rng.choice([1, 2])))


def _random_time(rng, s: SchoolInfo, first, last, kind) -> datetime.datetime | None:
    """A time in [first, last]: school days for what happens at school, any day otherwise."""
    if last < first:
        return None
    at_school = kind not in (
        IncidentType.DROWNING,
        IncidentType.TRAFFIC,
        IncidentType.PUBLIC_OPINION,
    )
    every = [first + i * ONE_DAY for i in range((last - first).days + 1)]
    if kind == IncidentType.DROWNING:  # the drowning season
        days = [d for d in every if 5 <= d.month <= 9]
    else:
        days = s.calendar.school_days(first, last) if at_school else every
    days = days or every
    day = rng.choice(days)
    hour = rng.choice([8, 10, 11, 12, 14, 15, 16, 17]) if at_school else rng.randrange(7, 20)
    if kind == IncidentType.MISSING:
        hour = 21
    return _at(day, hour, rng.randrange(0, 59))


def incident_plan(rng, world: World, today, now) -> list[IncidentSpec]:
    """Last year's and this year's incidents of every county."""
    specs = _showcase_incidents(rng, world, today, now)
    # What the showcase placed this year counts toward the bureau county's year to date.
    placed, crimes = defaultdict(int), defaultdict(int)
    for spec in specs:
        if timezone.localtime(spec.occurred).year == today.year:
            placed[spec.school.county.pk] += 1
            crimes[spec.school.county.pk] += spec.story.kind in CRIMINAL_TYPES
    start = datetime.date(today.year - 1, 1, 1)
    same_day = _same_day_last_year(today)
    for county in world.counties:
        schools = [s for s in world.schools if s.county.pk == county.pk]
        if not schools:
            continue
        bureau = county.name == BUREAU_COUNTY
        yearly = max(MIN_INCIDENTS, round(len(schools) * INCIDENTS_PER_SCHOOL))
        done = (today - datetime.date(today.year, 1, 1)).days + 1
        share = done / 365
        previous = max(6, round(yearly * share * rng.uniform(1.05, 1.2)))  # last year, to date
        rest = round(yearly * (1 - share))  # last year, after the same day
        if bureau:
            # Down by a fifth or more (on track), with the showcase's incidents counted.
            fixed = 1 + max(0, MINOR_CRIMES - crimes[county.pk])  # a drowning, the crimes
            previous = max(previous, math.ceil((fixed + placed[county.pk]) / 0.78) + 1)
            current = int(previous * 0.78) - placed[county.pk]
        else:
            current = max(1, round(previous * rng.uniform(0.8, 1.05)))  # about level
        plan = [("previous", previous, start, same_day), ("rest", rest, same_day + ONE_DAY, datetime.date(today.year - 1, 12, 31)), ("current", current, datetime.date(today.year, 1, 1), today)]  # fmt: skip
        for period, count, first, last in plan:
            wanted_crimes = (
                MINOR_CRIMES - crimes[county.pk] if period == "current" else MINOR_CRIMES
            )
            for kind, fatal in _kinds(rng, period, count, bureau, wanted_crimes):
                s = rng.choice(schools)
                story = DROWNING_DEATH if fatal else rng.choice(STORIES[kind])
                when = _random_time(rng, s, first, min(last, today - 3 * ONE_DAY), kind)
                if when is None:
                    continue
                specs.append(IncidentSpec(s, story, when, IncidentStatus.CLOSED))
    specs.sort(key=lambda x: (x.occurred, x.school.path))
    for spec in specs:
        _timeline(rng, spec, world, now)
    _one_correction(specs, world)
    return specs


def _kinds(rng, period: str, count: int, bureau: bool, crimes: int) -> list[tuple[str, bool]]:
    """The types of a period's incidents. In the bureau's county: as many criminal cases
    involving minors this year to date as last year (TARGET-MINOR-CRIME off track), two
    drowning deaths last year and one this year (TARGET-DROWNING on track)."""
    out = []
    if bureau and period in ("previous", "current"):
        out += [(rng.choice(CRIMINAL), False) for _ in range(max(crimes, 0))]
        out += [(IncidentType.DROWNING, True)] * (2 if period == "previous" else 1)
    elif not bureau and period != "rest":
        out += [(rng.choice(CRIMINAL), False) for _ in range(rng.randrange(0, 3))]
        if rng.random() < 0.5:
            out.append((IncidentType.DROWNING, True))
    types, weights = zip(*ORDINARY, strict=True)
    while len(out) < count:
        out.append((rng.choices(types, weights)[0], False))
    return out


def _showcase_incidents(rng, world: World, today, now) -> list[IncidentSpec]:
    """冯记沟中心小学: the bullying case under control, a pupil missing right now, a closed
    injury; and elsewhere in 盐池县 an open incident not yet reported to the bureau."""
    showcase = next((s for s in world.schools if s.showcase), None)
    if showcase is None:
        return []
    bully = IncidentSpec(
        showcase,
        STORIES[IncidentType.BULLYING][0],
        _at(_recent_school_day(showcase, today, 8), 12, 40),
        IncidentStatus.CONTROLLED,
        reporter="principal",
    )
    bully.names = "、".join(_student_name(rng) for _ in range(4))
    missing = IncidentSpec(
        showcase,
        Story(
            IncidentType.MISSING,
            "学生上学途中",
            "一名二年级学生早上离家上学，至第一节课仍未到校，家长称已按时出门。",
            "启动学生失联应急预案，班主任联系家长，教师分组沿上学路线寻找，报告派出所。",
            missing=1,
        ),
        now - datetime.timedelta(minutes=50),
        IncidentStatus.OPEN,
        reporter="teacher",
    )
    injury = IncidentSpec(
        showcase,
        STORIES[IncidentType.INJURY][0],
        _at(_recent_school_day(showcase, today, 40), 10, 5),
        IncidentStatus.CLOSED,
        reporter="safety",
    )
    specs = [bully, missing, injury]
    county = [s for s in world.schools if s.county.name == BUREAU_COUNTY and not s.showcase]
    if county:
        pending = IncidentSpec(
            rng.choice(county),
            STORIES[IncidentType.INJURY][2],
            now - datetime.timedelta(hours=3),
            IncidentStatus.OPEN,
            bureau_reported=False,
        )
        specs.append(pending)
    return specs


def _recent_school_day(s: SchoolInfo, today, back: int) -> datetime.date:
    days = s.calendar.school_days(today - (back + 60) * ONE_DAY, today - back * ONE_DAY)
    return days[-1] if days else today - back * ONE_DAY


def _same_day_last_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _status_by_age(spec: IncidentSpec, now) -> str:
    if spec.status != IncidentStatus.CLOSED:
        return spec.status
    age = now - spec.occurred
    if age < datetime.timedelta(days=4):
        return IncidentStatus.OPEN
    if age < datetime.timedelta(days=25):
        return IncidentStatus.CONTROLLED
    return IncidentStatus.CLOSED


def _timeline(rng, spec: IncidentSpec, world: World, now) -> None:
    """The entries of one incident, from the report to the closure, cut at `now`."""
    s, story = spec.school, spec.story
    spec.status = _status_by_age(spec, now)
    _safety_id, safety = s.safety
    _head_id, head = s.head
    showcase = s.showcase
    writer = "safety" if showcase else ""
    reported = spec.occurred + minutes(rng.choice([2, 3, 4, 5, 8, 12]))
    if spec.status == IncidentStatus.OPEN and now - spec.occurred < datetime.timedelta(hours=4):
        reported = spec.occurred + minutes(3)
    reporter = spec.reporter or writer
    if story.named and not spec.names:
        spec.names = "、".join(_student_name(rng) for _ in range(story.named))

    def add(step, at, text="", by=writer, name=None):
        if at <= now:
            spec.entries.append((step, at, text, by, name if name is not None else safety, None))

    add(Step.REPORTED, reported, by=reporter, name="" if reporter else safety)
    late = {
        step for step in (Step.RESPONDED, Step.ON_SCENE, Step.CONTROLLED) if rng.random() < 0.12
    }
    spec.late = frozenset(late)
    responded = reported + minutes(
        rng.uniform(1.5, 3) if Step.RESPONDED in late else rng.uniform(0.2, 0.95)
    )
    on_scene = responded + minutes(
        rng.uniform(3, 7) if Step.ON_SCENE in late else rng.uniform(0.8, 1.9)
    )
    on_scene = max(on_scene, reported + minutes(0.5))
    controlled = on_scene + minutes(
        rng.uniform(4, 20) if Step.CONTROLLED in late else rng.uniform(0.5, 1.8)
    )
    add(Step.RESPONDED, responded, f"{head}接报，启动应急响应")
    add(Step.ON_SCENE, on_scene, "值班领导和校医到达现场")
    add(
        Step.PLAN_STARTED,
        on_scene + minutes(0.2),
        f"启动《{s.name}{PLAN_TITLES.get(_scenario_of(story.kind), '应急预案')}》",
    )
    if story.rescue:
        add(Step.RESCUE, on_scene + minutes(rng.randrange(3, 15)), story.rescue)
    bureau_at = spec.occurred + minutes(
        rng.randrange(70, 150) if rng.random() < 0.1 else rng.randrange(15, 50)
    )
    spec.bureau_late = bureau_at - spec.occurred > minutes(60)
    if spec.bureau_reported:
        add(Step.BUREAU_REPORTED, bureau_at, f"电话报告{s.county.name}教育体育局安全科")
    if story.named or story.students:
        add(
            Step.PARENTS,
            on_scene + minutes(rng.randrange(10, 40)),
            "电话通知家长，说明情况和处置措施；家长已到校（医院）",
        )
    if spec.status == IncidentStatus.OPEN:
        return
    add(Step.CONTROLLED, controlled, "现场处置完毕，局面得到控制")
    if story.severity in (Severity.SERIOUS, Severity.MAJOR, Severity.EXTRAORDINARY):
        add(
            Step.WRITTEN_REPORT,
            spec.occurred + datetime.timedelta(hours=rng.randrange(3, 20)),
            "书面报告已报送县教育体育局",
        )
    if story.kind == IncidentType.PUBLIC_OPINION or story.deaths:
        add(
            Step.PUBLIC_OPINION,
            spec.occurred + datetime.timedelta(hours=rng.randrange(2, 8)),
            "网信部门监测相关信息，学校按三同步要求发布情况说明，舆情平稳",
        )
    add(
        Step.INVESTIGATION,
        spec.occurred + datetime.timedelta(days=rng.randrange(1, 3), hours=2),
        "调取监控，询问在场师生，查明事件经过",
    )
    if spec.status == IncidentStatus.CONTROLLED:
        return
    add(
        Step.RESPONSIBILITY,
        spec.occurred + datetime.timedelta(days=rng.randrange(3, 7)),
        "经调查，学校已履行教育管理职责，事件系意外所致"
        if story.kind not in CRIMINAL_TYPES
        else "公安机关依法处理，学校对涉事学生进行批评教育并加强管理",
    )
    add(
        Step.AFTERCARE,
        spec.occurred + datetime.timedelta(days=rng.randrange(5, 9)),
        "班主任家访慰问，心理教师开展心理疏导，全校开展专题安全教育",
    )
    if story.insurance:
        add(
            Step.INSURANCE,
            spec.occurred + datetime.timedelta(days=rng.randrange(7, 12)),
            "已向承保公司报案（校方责任险），理赔材料已提交",
        )
    closed = spec.occurred + datetime.timedelta(days=rng.randrange(14, 24))
    add(
        Step.CLOSED,
        closed,
        "事件处置完毕：受伤学生已康复返校，整改措施已落实，家长对处置无异议。"
        if not story.deaths
        else "事件处置完毕：善后工作已完成，学校已开展防溺水专题教育和隐患排查。",
    )
    if spec.entries[-1][0] != Step.CLOSED:  # the closure lies ahead
        spec.status = IncidentStatus.CONTROLLED


def _scenario_of(kind: str) -> str:
    scenarios = PLAN_SCENARIOS.get(kind, ())
    return scenarios[0] if scenarios else Scenario.COMPREHENSIVE


def _one_correction(specs: list[IncidentSpec], world: World) -> None:
    """One closed incident of the bureau's county whose "on scene" time was typed wrong and
    corrected later, with the reason."""
    for spec in specs:
        if spec.school.county.name != BUREAU_COUNTY or spec.status != IncidentStatus.CLOSED:
            continue
        times = {step: at for step, at, *_rest in spec.entries}
        if Step.ON_SCENE not in times or Step.REPORTED not in times:
            continue
        real = times[Step.ON_SCENE]
        typed = times[Step.REPORTED] + minutes(12)
        spec.entries = [
            (step, typed if step == Step.ON_SCENE else at, *rest)
            for step, at, *rest in spec.entries
        ]
        spec.correction = (Step.ON_SCENE, real, "到场时间误录为接报后12分钟，经调取监控核实更正")
        return


def write_incidents(specs: list[IncidentSpec], plans: dict, world: World, now) -> dict:
    from safecampus.emergency.models import Incident, IncidentCounter, IncidentEntry, IncidentPolicy

    bureau = next((c for c in world.counties if c.name == BUREAU_COUNTY), None)
    policies = {}
    if bureau is not None:
        start = _at(now.date() - 2 * DAYS * ONE_DAY, 9)
        policy = IncidentPolicy(
            org=bureau,
            org_path=bureau.path,
            first_report_minutes=60,
            written_report_hours=12,
            warn_before_minutes=15,
            created_at=start,
            updated_at=start,
        )
        policy.save()
        policies[bureau.pk] = policy
    counters = {(c.county_id, c.year): c for c in IncidentCounter.objects.all()}
    last = {k: c.last for k, c in counters.items()}
    rows = []
    for spec in specs:
        s, story = spec.school, spec.story
        year = timezone.localtime(spec.occurred).year
        key = (s.county.pk, year)
        last[key] = last.get(key, 0) + 1
        policy = policies.get(s.county.pk)
        first_minutes = policy.first_report_minutes if policy else 60
        written_hours = policy.written_report_hours if policy else 24
        due = spec.occurred + minutes(first_minutes)
        steps = {step: (at, text) for step, at, text, *_r in spec.entries}
        bureau_at = steps.get(Step.BUREAU_REPORTED, (None,))[0]
        warned = None
        if bureau_at is None or bureau_at > due - minutes(15):
            warned = due - minutes(15) if due - minutes(15) <= now else None
        closed = steps.get(Step.CLOSED)
        reported = steps[Step.REPORTED][0]
        rows.append(
            Incident(
                org_id=s.id,
                org_path=s.path,
                number=f"{s.county.short_name or s.county.name}-{year}-S{last[key]:04d}",
                incident_type=story.kind,
                severity=story.severity,
                status=spec.status,
                occurred_at=spec.occurred,
                reported_at=reported,
                place=story.place,
                description=story.description,
                first_measures=story.measures,
                injured=story.injured,
                deaths=story.deaths,
                missing=story.missing if spec.status == IncidentStatus.OPEN or story.kind != IncidentType.MISSING else 0,
                affected=max(story.students, story.injured),
                minors_involved=True,
                students_involved=story.students,
                names=spec.names,
                is_sensitive=auto_sensitive(story.kind, True),
                is_criminal=story.kind in CRIMINAL_TYPES,
                report_due_at=due,
                written_due_at=spec.occurred + datetime.timedelta(hours=written_hours),
                deadline_warned_at=warned,
                reported_by=world.user(spec.reporter),
                closed_at=closed[0] if closed else None,
                closing_summary=closed[1] if closed else "",
                version=1 + (spec.status != IncidentStatus.OPEN) + (spec.status == IncidentStatus.CLOSED),
                created_at=reported,
                updated_at=max(at for _s, at, *_r in spec.entries),
            )
        )  # fmt: skip
    incidents = Incident.objects.bulk_create(rows, batch_size=500)
    for (county_id, year), value in last.items():
        counter = counters.get((county_id, year))
        if counter is None:
            IncidentCounter.objects.create(county_id=county_id, year=year, last=value)
        elif counter.last != value:
            IncidentCounter.objects.filter(pk=counter.pk).update(last=value)
    entries, fixes = [], []
    for spec, incident in zip(specs, incidents, strict=True):
        plan = plans.get((spec.school.id, _scenario_of(spec.story.kind))) or plans.get(
            (spec.school.id, Scenario.COMPREHENSIVE)
        )
        for step, at, text, by, name, _plan in spec.entries:
            recorded = (
                at + minutes(1) if step in (Step.REPORTED, Step.RESPONDED) else at + minutes(5)
            )
            entry = IncidentEntry(
                incident=incident,
                step=step,
                at=at,
                text=text,
                plan=plan if step == Step.PLAN_STARTED else None,
                by=world.user(by),
                by_name=(world.user(by).display_name if world.user(by) else name)[:150],
                recorded_at=min(recorded, now),
            )
            entries.append(entry)
            if spec.correction and step == spec.correction[0]:
                fixes.append((entry, spec))
    IncidentEntry.objects.bulk_create(entries, batch_size=2000)
    corrections = []
    for entry, spec in fixes:
        _step, real, reason = spec.correction
        by = world.user("bureau") if spec.school.showcase else None
        corrections.append(
            IncidentEntry(
                incident=entry.incident,
                step=Step.CORRECTION,
                at=real,
                corrects=entry,
                reason=reason,
                by=by,
                by_name=spec.school.safety[1],
                recorded_at=min(entry.recorded_at + datetime.timedelta(days=2), now),
            )
        )
    IncidentEntry.objects.bulk_create(corrections)
    return {"incidents": len(incidents), "entries": len(entries) + len(corrections)}
