"""Emergency work and supervision for the province-year: plans, drills, incidents and the
responsible inspectors' visits.

Plans: every school holds an approved comprehensive, fire and earthquake plan (and a food one
where it has a canteen worth the name), most reviewed within the year, some past their review
date, a few still drafts or missing, so the plan gaps have something to find. Drills follow the
drill rules' rhythm at the school's own diligence: one a month (a quarter for kindergartens),
a comprehensive drill in each term's first week, an anti-violence drill and, at boarding
schools, a night drill each term; next month's drills are planned, a few were cancelled. About
one school in seven had an incident in the year, each with its timeline. Inspectors visit the
schools they follow most months.
"""

from __future__ import annotations

import datetime
import random

from safecampus.emergency.choices import (
    DrillStatus,
    IncidentStatus,
    IncidentType,
    PlanStatus,
    Scenario,
    Severity,
    Step,
)
from safecampus.emergency.models import (
    Drill,
    DrillBuilding,
    EmergencyPlan,
    Incident,
    IncidentCounter,
    IncidentEntry,
    PlanContact,
)
from safecampus.hazards.models import Visit
from safecampus.orgs.choices import SchoolKind
from safecampus.scale.bulk import Loader, Table
from safecampus.scale.clock import MINUTES_PER_DAY, Clock
from safecampus.scale.world import World

DAY = MINUTES_PER_DAY
DILIGENCE = {"good": 0.92, "fair": 0.75, "poor": 0.45}
ROTATION = (
    Scenario.FIRE,
    Scenario.EARTHQUAKE,
    Scenario.STAMPEDE,
    Scenario.FIRE,
    Scenario.EXTREME_WEATHER,
    Scenario.FOOD_POISONING,
)
INCIDENT_TYPES = (
    [IncidentType.INJURY, IncidentType.TRAFFIC, IncidentType.FOOD_POISONING, IncidentType.DROWNING,
     IncidentType.BULLYING, IncidentType.FIRE, IncidentType.OTHER],
    [40, 15, 8, 4, 10, 5, 18],
)  # fmt: skip
INCIDENT_TEXT = {
    IncidentType.INJURY: "课间活动时一名学生摔倒致手臂骨折，已送医治疗",
    IncidentType.TRAFFIC: "放学途中一名学生被电动车剐蹭，轻微擦伤",
    IncidentType.FOOD_POISONING: "午餐后数名学生出现腹痛呕吐症状，已送医观察",
    IncidentType.DROWNING: "周末一名学生在村外涝坝附近玩耍落水，经施救脱险",
    IncidentType.BULLYING: "一名学生反映在宿舍内遭受同学欺凌",
    IncidentType.FIRE: "食堂操作间油锅起火，已用灭火毯扑灭，无人员伤亡",
    IncidentType.OTHER: "校外人员在校门口滋扰，经保安和民警劝离",
}


class Emergency:
    def __init__(self, loader: Loader, world: World, *, seed: int, today, days: int, calendar):
        self.loader = loader
        self.world = world
        self.rng = random.Random(seed * 104729 + 3)
        self.today = today
        self.now = Clock.minute(today, 8, 0)
        self.window = today - datetime.timedelta(days=days - 1)
        self.calendar = calendar
        self.clock = Clock()
        self.counts: dict[str, int] = {}

    def _write(self, model, columns, rows) -> None:
        n = self.loader.write(Table(model, columns), rows)
        self.counts[model._meta.db_table] = self.counts.get(model._meta.db_table, 0) + n

    def run(self) -> dict:
        self.plans()
        self.drills()
        self.incidents()
        self.visits()
        return self.counts

    # ----------------------------------------------------------------------------- plans

    def plans(self) -> None:
        rng, text, date_text = self.rng, self.clock.text, self.clock.date_text
        pid = self.loader.next_id(EmergencyPlan)
        cid = self.loader.next_id(PlanContact)
        plans, contacts = [], []
        today = self.today.toordinal()
        for s in self.world.schools:
            wanted = [Scenario.COMPREHENSIVE, Scenario.FIRE, Scenario.EARTHQUAKE]
            if s.kind not in (SchoolKind.TRAINING,) and s.enrolment >= 100:
                wanted.append(Scenario.FOOD_POISONING)
            if rng.random() < 0.05:
                wanted.pop()  # a gap: one required plan missing
            for scenario in wanted:
                approved = today - rng.randrange(20, 560)
                draft = rng.random() < 0.04
                created = text(approved * DAY + 600)
                plans.append(
                    (
                        pid, s.id, s.path, scenario, f"{s.name}{_zh(scenario)}应急预案",
                        f"{datetime.date.fromordinal(approved).year}年版",
                        PlanStatus.DRAFT if draft else PlanStatus.APPROVED,
                        s.boarding and scenario == Scenario.COMPREHENSIVE,
                        f"{_zh(scenario)}：组织机构、预警、处置流程、疏散路线和保障措施。",
                        "" if draft else s.head,
                        None if draft else date_text(approved),
                        None if draft else date_text(approved + 365),
                        created, created,
                    )
                )  # fmt: skip
                for position, (duty, name) in enumerate((("总指挥", s.head), ("疏散组", s.safety))):
                    contacts.append((cid, pid, duty, name, position))
                    cid += 1
                pid += 1
        self._write(
            EmergencyPlan,
            [
                "id", "org_id", "org_path", "scenario", "title", "edition", "status",
                "covers_night", "summary", "approved_by_name", "approved_on", "review_due",
                "created_at", "updated_at",
            ],
            plans,
        )  # fmt: skip
        self._write(PlanContact, ["id", "plan_id", "duty", "name", "position"], contacts)
        self.loader.used_ids(EmergencyPlan, pid - 1)
        self.loader.used_ids(PlanContact, cid - 1)

    # ---------------------------------------------------------------------------- drills

    def drills(self) -> None:
        rng, text = self.rng, self.clock.text
        cal = self.calendar
        did = self.loader.next_id(Drill)
        bid = self.loader.next_id(DrillBuilding)
        drills, buildings = [], []
        months: dict[tuple, list[int]] = {}
        for d in cal.school_days(self.window, self.today):
            months.setdefault((d.year, d.month), []).append(d.toordinal())
        terms = [t for t in cal.terms if t.end >= self.window and t.start <= self.today]
        first_weeks = {
            t.start: [d.toordinal() for d in cal.school_days(t.start, t.end)[:5]] for t in terms
        }
        term_days = {
            t.start: [
                d.toordinal() for d in cal.school_days(max(t.start, self.window), min(t.end, self.today))
            ]
            for t in terms
        }  # fmt: skip
        later = [
            d.toordinal()
            for d in cal.school_days(self.today + datetime.timedelta(days=1), self.today + datetime.timedelta(days=40))
        ]  # fmt: skip
        columns = [
            "id", "org_id", "org_path", "scenario", "title", "status", "planned_for", "held_at",
            "is_night", "students", "staff", "evacuation_seconds", "assembly_point",
            "police_joined", "fire_joined", "summary", "evaluator_name", "cancel_reason",
            "created_at", "updated_at",
        ]  # fmt: skip

        def held(s, scenario, day, night=False):
            nonlocal did, bid
            at = day * DAY + (20 * 60 + 30 if night else rng.choice((600, 630, 900, 930)))
            if at > self.now:
                return
            students = max(10, round(s.enrolment * rng.uniform(0.85, 1.0)))
            seconds = rng.randrange(55, 150 if s.storeys <= 4 else 260)
            stamp = text(at)
            drills.append(
                (
                    did, s.id, s.path, scenario, f"{_zh(scenario)}应急疏散演练", DrillStatus.HELD,
                    stamp, stamp, night, students, max(3, students // 12), seconds, "操场",
                    rng.random() < 0.2, rng.random() < 0.15,
                    "演练组织有序，疏散路线清晰，个别班级集合稍慢。", s.safety, "", stamp, stamp,
                )
            )  # fmt: skip
            buildings.append((bid, did, "教学楼", s.storeys, seconds))
            did += 1
            bid += 1

        for s in self.world.schools:
            rate = DILIGENCE[s.tier]
            kg = s.kind == SchoolKind.KINDERGARTEN
            for i, ((_y, month), days) in enumerate(sorted(months.items())):
                if kg and month % 3 != 1:
                    continue
                if rng.random() < rate:
                    held(s, ROTATION[(i + s.id) % len(ROTATION)], rng.choice(days))
            for _start, days in first_weeks.items():
                days = [d for d in days if d >= self.window.toordinal()]
                if days and rng.random() < rate:
                    held(s, Scenario.COMPREHENSIVE, rng.choice(days))
            for _start, days in term_days.items():
                if not days:
                    continue
                if rng.random() < rate:
                    held(s, Scenario.VIOLENCE, rng.choice(days))
                if s.boarding and rng.random() < rate:
                    held(s, Scenario.FIRE, rng.choice(days), night=True)
            if later and rng.random() < 0.6:
                day = rng.choice(later)
                cancelled = rng.random() < 0.05
                stamp = text(self.now - rng.randrange(1, 10) * DAY)
                drills.append(
                    (
                        did, s.id, s.path, Scenario.FIRE, "消防应急疏散演练",
                        DrillStatus.CANCELLED if cancelled else DrillStatus.PLANNED,
                        text(day * DAY + 600), None, False, 0, 0, None, "", False, False, "", "",
                        "因天气原因取消" if cancelled else "", stamp, stamp,
                    )
                )  # fmt: skip
                did += 1
        self._write(Drill, columns, drills)
        self._write(DrillBuilding, ["id", "drill_id", "name", "storeys", "seconds"], buildings)
        self.loader.used_ids(Drill, did - 1)
        self.loader.used_ids(DrillBuilding, bid - 1)

    # ------------------------------------------------------------------------- incidents

    def incidents(self) -> None:
        rng, text = self.rng, self.clock.text
        iid = self.loader.next_id(Incident)
        eid = self.loader.next_id(IncidentEntry)
        kid = self.loader.next_id(IncidentCounter)
        counters: dict[tuple, int] = {}
        found = []
        span = (self.today - self.window).days + 1
        for s in self.world.schools:
            if rng.random() < 0.15 * span / 365:
                at = self.now - rng.randrange(2 * 60, span * DAY)
                found.append((at, s, rng.choices(*INCIDENT_TYPES)[0]))
        found.sort(key=lambda f: (f[0], f[1].id))
        incidents, entries = [], []
        for at, s, kind in found:
            county = self.world.counties[s.county]
            year = datetime.date.fromordinal(Clock.day_of(at)).year
            key = (county.id, year)
            counters[key] = counters.get(key, 0) + 1
            number = f"{county.short}-{year}-S{counters[key]:04d}"
            reported = at + rng.randrange(3, 40)
            closed = at + rng.randrange(2, 30) * DAY
            status = IncidentStatus.CLOSED if closed <= self.now else IncidentStatus.CONTROLLED
            sensitive = kind == IncidentType.BULLYING
            incidents.append(
                (
                    iid, s.id, s.path, number, kind, Severity.GENERAL, status, text(at),
                    text(reported), "校内" if kind != IncidentType.TRAFFIC else "校门外道路",
                    INCIDENT_TEXT[kind], "立即报告学校负责人，启动应急预案，联系家长。",
                    1 if kind in (IncidentType.INJURY, IncidentType.TRAFFIC) else 0,
                    True, 1, sensitive, sensitive, text(reported + 60), text(reported + 24 * 60),
                    text(closed) if status == IncidentStatus.CLOSED else None,
                    "事件已妥善处置，相关责任已落实。" if status == IncidentStatus.CLOSED else "",
                    text(at), text(min(closed, self.now)),
                )
            )  # fmt: skip
            steps = [
                (Step.REPORTED, reported),
                (Step.RESPONDED, reported + 1),
                (Step.ON_SCENE, reported + rng.randrange(2, 6)),
                (Step.CONTROLLED, reported + rng.randrange(4, 30)),
                (Step.BUREAU_REPORTED, reported + rng.randrange(10, 70)),
            ]
            if status == IncidentStatus.CLOSED:
                steps.append((Step.CLOSED, closed))
            for step, when in steps:
                entries.append(
                    (eid, iid, step, text(when), "", s.safety, text(min(when + 2, self.now)))
                )
                eid += 1
            iid += 1
        self._write(
            Incident,
            [
                "id", "org_id", "org_path", "number", "incident_type", "severity", "status",
                "occurred_at", "reported_at", "place", "description", "first_measures", "injured",
                "minors_involved", "students_involved", "is_sensitive", "is_criminal",
                "report_due_at", "written_due_at", "closed_at", "closing_summary", "created_at",
                "updated_at",
            ],
            incidents,
        )  # fmt: skip
        self._write(
            IncidentEntry,
            ["id", "incident_id", "step", "at", "text", "by_name", "recorded_at"],
            entries,
        )
        rows = []
        for (county_id, year), last in sorted(counters.items()):
            rows.append((kid, county_id, year, last))
            kid += 1
        self._write(IncidentCounter, ["id", "county_id", "year", "last"], rows)
        self.loader.used_ids(Incident, iid - 1)
        self.loader.used_ids(IncidentEntry, eid - 1)
        self.loader.used_ids(IncidentCounter, kid - 1)

    # ---------------------------------------------------------------------------- visits

    def visits(self) -> None:
        """VISIT-MONTHLY: the county's responsible inspectors visit the schools they follow."""
        rng, text, date_text = self.rng, self.clock.text, self.clock.date_text
        vid = self.loader.next_id(Visit)
        months: dict[tuple, list[int]] = {}
        for d in self.calendar.school_days(self.window, self.today):
            months.setdefault((d.year, d.month), []).append(d.toordinal())
        rows = []
        for s in self.world.schools:
            inspectors = self.world.inspectors.get(s.county) or []
            if not inspectors:
                continue
            inspector = inspectors[s.id % len(inspectors)]
            for days in months.values():
                if rng.random() < 0.8:
                    day = rng.choice(days)
                    stamp = text(day * DAY + 14 * 60)
                    if day * DAY + 14 * 60 > self.now:
                        continue
                    rows.append(
                        (vid, s.id, s.path, inspector, date_text(day),
                         "查看校门值守和食堂管理，抽查隐患台账。", "督促按期整改台账中的逾期隐患。",
                         stamp, stamp)
                    )  # fmt: skip
                    vid += 1
        self._write(
            Visit,
            ["id", "org_id", "org_path", "inspector_id", "visited_on", "findings", "follow_up",
             "created_at", "updated_at"],
            rows,
        )  # fmt: skip
        self.loader.used_ids(Visit, vid - 1)


ZH = {
    Scenario.COMPREHENSIVE: "综合",
    Scenario.FIRE: "消防",
    Scenario.EARTHQUAKE: "地震",
    Scenario.FOOD_POISONING: "食物中毒",
    Scenario.STAMPEDE: "防踩踏",
    Scenario.EXTREME_WEATHER: "极端天气",
    Scenario.VIOLENCE: "防暴恐",
}


def _zh(scenario: str) -> str:
    return ZH.get(scenario, "")
