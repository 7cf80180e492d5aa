"""A year of inspections and hazards for every school of the province, written county by
county.

Every school gets the usual spots and the five standard schedules. Each schedule's periods of
the year (under the default school calendar) are checked at the school's rate: most schools
keep 85–95 % of their daily checks, some 72–85 %, a few 40–62 %, and the longer rhythms a
little better. Every check answers every item of its checklist version (not applicable where
the school has no dormitory or no bus) and covers the spots of its schedule's kind. Abnormal
answers raise hazards, as do principals' patrols, responsible inspectors' visits and reports
by anyone, about fifty a school in a year, so about a million at 20,000 schools.

Each hazard walks the workflow (hazards.workflow) along a plausible timeline that stops at
"now": admitted or dismissed, confirmed with a deadline by grade, rectified on time, late or
stalled, escalated and taken over, rejected once, accepted and closed, with a HazardTransition
per move and the escalation steps an overdue hazard reached. Numbers run per county and year
in the order hazards were found, and the counters end where the numbers do. The first school
also holds a hazard in every state at every grade, so that even a tiny province shows them all.
"""

from __future__ import annotations

import datetime
import json
import random
from bisect import bisect_left, bisect_right

from safecampus.hazards.calendar import default_calendar
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
from safecampus.hazards.demo import MEASURES, NOTES, PUBLIC_REPORTERS, SPOT_FOR, TEMPORARY
from safecampus.hazards.models import (
    FollowUpTask,
    Hazard,
    HazardCounter,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
    Schedule,
    Spot,
    WeeklyReview,
)
from safecampus.hazards.schedules import STANDARD_SCHEDULES, _raw_periods, default_spots_for
from safecampus.scale.bulk import Loader, Table
from safecampus.scale.clock import MINUTES_PER_DAY, Clock
from safecampus.scale.world import World

# Share of a school's periods checked, by how well it keeps its rhythm.
TIERS = {"good": (0.85, 0.95), "fair": (0.72, 0.85), "poor": (0.40, 0.62)}
# Chance that a check finds something abnormal, by rhythm (poor schools: 1.6 times as often).
ABNORMAL = {
    Rhythm.SCHOOL_DAY: 0.085,
    Rhythm.WEEKLY: 0.33,
    Rhythm.MONTHLY: 0.48,
    Rhythm.TERM_START: 0.6,
    Rhythm.BEFORE_HOLIDAY: 0.32,
}
# Patrols, visits and reports by anyone per school and year.
FREE_HAZARDS = {"good": (5, 10), "fair": (6, 12), "poor": (10, 18)}
FATES = (["normal", "late", "stalled", "escalate", "reject", "dismiss"], [73, 12, 3, 5, 5, 2])
AWAITING_DAYS = 60
STALLED_DAYS = 90
RECHECK_DAYS = 30
LADDER_HOUR = 6
DAY = MINUTES_PER_DAY
HOUR = 60
NOT_ONE = 10**9  # "never": a moment past any now
# Share of school weeks with a recorded weekly analysis (周研判), by how well a school keeps
# its rhythm, and the share of analyses that give a follow-up task.
REVIEWED = {"good": 0.9, "fair": 0.7, "poor": 0.4}
TASKS = 0.3
REPEAT_DAYS = 90
GRADES = (Grade.MAJOR, Grade.HIGH, Grade.GENERAL, Grade.LOW)


class H:
    """A hazard on its way through the workflow; plain slots, a million of them."""

    __slots__ = (
        "answer",
        "category",
        "deadline",
        "description",
        "escalations",
        "found",
        "grade",
        "handler",
        "initial",
        "inspection",
        "moves",
        "reporter_name",
        "reporter_phone",
        "school",
        "source",
        "spot",
        "walked",
    )

    def __init__(self, school, category, grade, description, source, found, **kw):
        self.school = school
        self.category = category
        self.grade = grade
        self.description = description
        self.source = source
        self.found = found
        self.initial = kw.get("initial", Status.REPORTED)
        self.reporter_name = kw.get("reporter_name", "")
        self.reporter_phone = kw.get("reporter_phone", "")
        self.spot = kw.get("spot")
        self.inspection = kw.get("inspection")
        self.answer = kw.get("answer")
        self.moves: list[tuple] = []  # (action, from, to, at, comment)
        self.deadline: int | None = None  # day ordinal
        self.handler: int | None = None
        self.escalations: list[tuple] = []  # (step, deadline ordinal, at)
        self.walked = False

    @property
    def status(self) -> str:
        return self.moves[-1][2] if self.moves else self.initial


def grade_for(rng: random.Random, default: str) -> str:
    r = rng.random()
    if default in (Grade.HIGH, Grade.MAJOR):
        return Grade.MAJOR if r < 0.04 else Grade.HIGH if r < 0.55 else Grade.GENERAL
    return Grade.HIGH if r < 0.06 else Grade.GENERAL if r < 0.55 else Grade.LOW


class Activity:
    def __init__(self, loader: Loader, world: World, *, seed: int, today, days: int, progress):
        self.loader = loader
        self.world = world
        self.rng = random.Random(seed * 7919 + 17)
        self.today = today
        self.days = days
        self.progress = progress
        self.clock = Clock()
        self.now = Clock.minute(today, 8, 0)
        self.window = today - datetime.timedelta(days=days - 1)
        self.calendar = default_calendar(today)
        self.counts: dict[str, int] = {}
        self.spot_names: dict[int, str] = {}
        # The county's spots' latest check: a closed hazard's re-check when at or after closing.
        self.spot_last: dict[int, int] = {}
        self.tables = {
            "spot": Table(
                Spot,
                [
                    "id",
                    "org_id",
                    "org_path",
                    "name",
                    "area",
                    "kind",
                    "token",
                    "created_at",
                    "updated_at",
                ],
            ),
            "schedule": Table(
                Schedule,
                [
                    "id",
                    "org_id",
                    "org_path",
                    "title",
                    "template_id",
                    "rhythm",
                    "spot_kind",
                    "responsible_role",
                    "starts_on",
                    "created_at",
                    "updated_at",
                ],
            ),
            "inspection": Table(
                Inspection,
                [
                    "id",
                    "org_id",
                    "org_path",
                    "schedule_id",
                    "checklist_id",
                    "period_start",
                    "inspected_at",
                    "signed_name",
                    "abnormal_count",
                    "created_at",
                    "updated_at",
                ],
            ),
            "answer": Table(
                InspectionAnswer, ["id", "inspection_id", "item_id", "spot_id", "answer", "note"]
            ),
            "covered": Table(Inspection.spots.through, ["id", "inspection_id", "spot_id"]),
            "hazard": Table(
                Hazard,
                [
                    "id",
                    "org_id",
                    "org_path",
                    "version",
                    "created_at",
                    "updated_at",
                    "number",
                    "spot_id",
                    "category",
                    "grade",
                    "description",
                    "source",
                    "status",
                    "found_at",
                    "reporter_name",
                    "reporter_phone",
                    "temporary_measures",
                    "responsible_person_id",
                    "measures",
                    "deadline",
                    "plan",
                    "inspection_id",
                    "answer_id",
                    "handler_id",
                    "rectification",
                    "submitted_at",
                    "closed_at",
                    "recheck_on",
                    "rechecked_at",
                ],
            ),
            "transition": Table(
                HazardTransition,
                ["id", "hazard_id", "action", "from_status", "to_status", "at", "comment"],
            ),
            "escalation": Table(
                HazardEscalation, ["id", "hazard_id", "step", "deadline", "at", "note"]
            ),
            "counter": Table(HazardCounter, ["id", "county_id", "year", "last"]),
            "review": Table(
                WeeklyReview,
                [
                    "id",
                    "org_id",
                    "org_path",
                    "week_start",
                    "summary",
                    "attendees",
                    "analysis",
                    "signed_name",
                    "signed_at",
                    "created_at",
                    "updated_at",
                ],
            ),
            "task": Table(
                FollowUpTask, ["id", "review_id", "text", "owner_id", "due_on", "done_at"]
            ),
        }
        self.ids = {
            "spot": loader.next_id(Spot),
            "schedule": loader.next_id(Schedule),
            "inspection": loader.next_id(Inspection),
            "answer": loader.next_id(InspectionAnswer),
            "covered": loader.next_id(Inspection.spots.through),
            "hazard": loader.next_id(Hazard),
            "transition": loader.next_id(HazardTransition),
            "escalation": loader.next_id(HazardEscalation),
            "counter": loader.next_id(HazardCounter),
            "review": loader.next_id(WeeklyReview),
            "task": loader.next_id(FollowUpTask),
        }
        self.models = {
            "spot": Spot,
            "schedule": Schedule,
            "inspection": Inspection,
            "answer": InspectionAnswer,
            "covered": Inspection.spots.through,
            "hazard": Hazard,
            "transition": HazardTransition,
            "escalation": HazardEscalation,
            "counter": HazardCounter,
            "review": WeeklyReview,
            "task": FollowUpTask,
        }
        self._templates()
        self._periods()

    # ------------------------------------------------------------------------ set-up

    def _templates(self) -> None:
        from safecampus.hazards.schedules import standard_templates

        self.templates = {}
        for code, template in standard_templates().items():
            items = list(
                template.current.items.order_by("position").values_list(
                    "id", "text", "category", "default_grade"
                )
            )
            self.templates[code] = (template.pk, template.current_id, items)

    def _periods(self) -> None:
        """Each rhythm's periods of the window with their school days so far (one calendar
        serves every school: no county has entered its own)."""
        cal = self.calendar
        today = self.today
        self.periods = {}
        for _code, rhythm, *_rest in STANDARD_SCHEDULES:
            out = []
            for start, end in _raw_periods(rhythm, self.window, today, cal):
                days = [d.toordinal() for d in cal.school_days(start, min(end, today))]
                if days:
                    out.append((self.clock.date_text(start.toordinal()), days))
            self.periods[rhythm] = out
        self.school_days = [
            d.toordinal() for d in cal.school_days(self.window, today) if d <= today
        ]
        # Weekly analyses: held at 16:00 on the last school day of each week, once it is past.
        self.weeks = []  # (monday ordinal, signing moment)
        for start, end in _raw_periods(Rhythm.WEEKLY, self.window, today, cal):
            days = [d.toordinal() for d in cal.school_days(start, end)]
            at = days[-1] * DAY + 16 * HOUR
            if at <= self.now:
                self.weeks.append((start.toordinal(), at))
        self.week_starts = [w[0] for w in self.weeks]
        self.week_moments = [w[1] for w in self.weeks]

    def take(self, kind: str, n: int = 1) -> int:
        first = self.ids[kind]
        self.ids[kind] = first + n
        return first

    def write(self, kind: str, rows) -> None:
        n = self.loader.write(self.tables[kind], rows)
        self.counts[kind] = self.counts.get(kind, 0) + n

    def finish_ids(self) -> None:
        for kind, model in self.models.items():
            self.loader.used_ids(model, self.ids[kind] - 1)

    # ---------------------------------------------------------------------------- run

    def run(self) -> dict:
        world = self.world
        by_county: dict[int, list] = {}
        for s in world.schools:
            by_county.setdefault(s.county, []).append(s)
        started_text = self.clock.text(Clock.minute(self.window, 7, 0))
        self.started_text = started_text
        done = 0
        total = len(world.schools)
        self.counters: dict[tuple, int] = {}
        for ki, county in enumerate(world.counties):
            schools = by_county.get(ki, [])
            hazards: list[H] = []
            self._schools(schools, hazards)
            if ki == 0 and schools:
                hazards += self._every_state(schools[0])
            self._hazards(ki, county, hazards)
            done += len(schools)
            if ki % 10 == 9 or ki == len(world.counties) - 1:
                self.progress(
                    f"activity: {done:,}/{total:,} schools, "
                    f"{self.counts.get('inspection', 0):,} inspections, "
                    f"{self.counts.get('answer', 0):,} answers, "
                    f"{self.counts.get('hazard', 0):,} hazards"
                )
        rows = []
        for (county_id, year), last in sorted(self.counters.items()):
            rows.append((self.take("counter"), county_id, year, last))
        self.write("counter", rows)
        self.finish_ids()
        return self.counts

    # ----------------------------------------------------------------- schools' checks

    def _schools(self, schools, hazards: list[H]) -> None:
        rng = self.rng
        clock = self.clock
        now = self.now
        spot_rows, schedule_rows = [], []
        insp_rows, answer_rows, covered_rows = [], [], []
        normal, na_answer, abnormal = (
            Answer.NORMAL.value,
            Answer.NOT_APPLICABLE.value,
            Answer.ABNORMAL.value,
        )
        started_day = self.clock.date_text(self.window.toordinal())
        stamp = self.started_text
        for s in schools:
            profile = _Profile(s)
            spots = []
            for name, kind, area in default_spots_for(profile):
                sid = self.take("spot")
                token = f"{rng.getrandbits(128):032x}"
                spot_rows.append((sid, s.id, s.path, name, area, kind, token, stamp, stamp))
                spots.append((sid, name, kind))
            spot_by_name = {name: sid for sid, name, _k in spots}
            for sid, name, _k in spots:
                self.spot_names[sid] = name
            has_bus = rng.random() < 0.4
            lo, hi = TIERS[s.tier]
            daily_rate = rng.uniform(lo, hi)
            factor = 1.6 if s.tier == "poor" else 1.0
            for code, rhythm, spot_kind, role, title in STANDARD_SCHEDULES:
                template_id, version_id, items = self.templates[code]
                schedule_id = self.take("schedule")
                schedule_rows.append(
                    (schedule_id, s.id, s.path, title, template_id, rhythm, spot_kind, role, started_day, stamp, stamp)
                )  # fmt: skip
                rate = daily_rate if rhythm == Rhythm.SCHOOL_DAY else min(0.98, daily_rate + 0.04)
                signer = s.head if role == "principal" else s.safety
                covered = [sid for sid, _n, k in spots if not spot_kind or k == spot_kind]
                na = {
                    i
                    for i, (_id, text, category, _g) in enumerate(items)
                    if (category == Category.DORMITORY and not s.boarding)
                    or ("校车" in text and not has_bus)
                }
                applicable = [i for i in range(len(items)) if i not in na]
                # The answers of an all-normal check, as a pattern filled with ids below.
                plain = [
                    (item_id, na_answer if i in na else normal)
                    for i, (item_id, *_rest) in enumerate(items)
                ]
                p_any = ABNORMAL[rhythm] * factor
                daily = rhythm == Rhythm.SCHOOL_DAY
                last_at = -1
                for period_start, days in self.periods[rhythm]:
                    if rng.random() > rate:
                        continue
                    if daily:
                        at = days[0] * DAY + 440 + rng.randrange(38)  # 07:20–07:57
                    else:
                        at = rng.choice(days) * DAY + rng.choice((600, 840, 900, 960)) + rng.randrange(59)  # fmt: skip
                    if at > now:
                        continue
                    last_at = max(last_at, at)
                    r = rng.random()
                    bad = 0
                    if r < p_any and applicable:
                        bad = 3 if r < p_any * 0.06 else 2 if r < p_any * 0.25 else 1
                        bad = min(bad, len(applicable))
                    iid = self.take("inspection")
                    text = clock.text(at)
                    insp_rows.append(
                        (iid, s.id, s.path, schedule_id, version_id, period_start, text, signer, bad, text, text)
                    )  # fmt: skip
                    first = self.take("answer", len(items))
                    if bad:
                        chosen = rng.sample(applicable, bad)
                        for i, (item_id, answer) in enumerate(plain):
                            aid = first + i
                            if i in chosen:
                                _id, item_text, category, default = items[i]
                                note = rng.choice(NOTES[category])
                                answer_rows.append((aid, iid, item_id, None, abnormal, note))
                                spot_name = SPOT_FOR.get(category, "")
                                hazards.append(
                                    H(
                                        s,
                                        category,
                                        grade_for(rng, default),
                                        f"{item_text}：{note}",
                                        Source.INSPECTION,
                                        at,
                                        reporter_name=signer,
                                        spot=spot_by_name.get(spot_name),
                                        inspection=iid,
                                        answer=aid,
                                    )
                                )
                            else:
                                answer_rows.append((aid, iid, item_id, None, answer, ""))
                    else:
                        answer_rows.extend(
                            (first + i, iid, item_id, None, answer, "")
                            for i, (item_id, answer) in enumerate(plain)
                        )
                    cid = self.take("covered", len(covered))
                    covered_rows.extend(
                        (cid + j, iid, spot_id) for j, spot_id in enumerate(covered)
                    )
                for spot_id in covered:
                    self.spot_last[spot_id] = max(self.spot_last.get(spot_id, -1), last_at)
                if len(answer_rows) > 400_000:
                    self._flush(spot_rows, schedule_rows, insp_rows, answer_rows, covered_rows)
            hazards.extend(self._free(s, spot_by_name))
        self._flush(spot_rows, schedule_rows, insp_rows, answer_rows, covered_rows)

    def _flush(self, spot_rows, schedule_rows, insp_rows, answer_rows, covered_rows) -> None:
        for kind, rows in (
            ("spot", spot_rows),
            ("schedule", schedule_rows),
            ("inspection", insp_rows),
            ("answer", answer_rows),
            ("covered", covered_rows),
        ):
            if rows:
                self.write(kind, rows)
                rows.clear()

    def _free(self, s, spot_by_name) -> list[H]:
        """Patrols, inspectors' visits and reports by anyone, on school days."""
        rng = self.rng
        out = []
        lo, hi = FREE_HAZARDS[s.tier]
        categories = list(NOTES)
        for _ in range(round(rng.randrange(lo, hi + 1) * self.days / 365) or rng.randrange(2)):
            day = rng.choice(self.school_days)
            at = day * DAY + rng.randrange(8, 17) * HOUR + rng.randrange(59)
            if at > self.now:
                continue
            source = rng.choices([Source.PATROL, Source.SUPERVISION, Source.PUBLIC], [6, 2, 2])[0]
            category = rng.choice(categories)
            note = rng.choice(NOTES[category])
            spot = spot_by_name.get(SPOT_FOR.get(category, ""))
            if source == Source.PUBLIC:
                phone = f"1{rng.choice('3589')}{rng.randrange(10):d}****{rng.randrange(10000):04d}"
                out.append(
                    H(s, category, Grade.GENERAL, f"群众反映：{note}", source, at, spot=spot,
                      initial=Status.PENDING_REVIEW, reporter_name=rng.choice(PUBLIC_REPORTERS),
                      reporter_phone=phone)
                )  # fmt: skip
            elif source == Source.SUPERVISION:
                out.append(
                    H(s, category, grade_for(rng, Grade.GENERAL), f"责任督学检查发现：{note}",
                      source, at, spot=spot, reporter_name="责任督学")
                )  # fmt: skip
            else:
                out.append(
                    H(s, category, grade_for(rng, Grade.GENERAL), f"校长巡查发现：{note}",
                      source, at, spot=spot, reporter_name=s.head)
                )  # fmt: skip
        return out

    def _every_state(self, s) -> list[H]:
        """A hazard in every state at every grade at one school, whatever the province's size."""
        rng = self.rng
        out = []
        for gi, grade in enumerate((Grade.MAJOR, Grade.HIGH, Grade.GENERAL, Grade.LOW)):
            for si, status in enumerate(Status.values):
                recent = status in (Status.PENDING_REVIEW, Status.REPORTED)
                age = (2 + gi) * HOUR if recent else (12 + 9 * si + 3 * gi) * DAY
                category = list(NOTES)[(gi * 7 + si) % len(NOTES)]
                public = status in (Status.PENDING_REVIEW, Status.DISMISSED)
                h = H(
                    s,
                    category,
                    grade,
                    f"{'群众反映' if public else '校长巡查发现'}：{NOTES[category][0]}",
                    Source.PUBLIC if public else Source.PATROL,
                    self.now - age,
                    initial=Status.PENDING_REVIEW if public else Status.REPORTED,
                    reporter_name=rng.choice(PUBLIC_REPORTERS) if public else s.head,
                )
                fate = {Status.DISMISSED: "dismiss", Status.ESCALATED: "escalate"}.get(
                    status, "normal"
                )
                # Walk to the state without regard to now, then squeeze the moves between the
                # finding and now, keeping their order; the deadline follows the confirmation.
                self._walk(h, fate=fate, stop=status, now=NOT_ONE)
                span = self.now - h.found
                n = len(h.moves)
                h.moves = [
                    (a, f, t, h.found + span * (i + 1) // (n + 1), c)
                    for i, (a, f, t, _at, c) in enumerate(h.moves)
                ]
                confirm = next((m[3] for m in h.moves if m[0] == "confirm"), None)
                if confirm is not None:
                    h.deadline = Clock.day_of(confirm) + DEFAULT_DEADLINE_DAYS[grade]
                h.walked = True
                out.append(h)
        return out

    # --------------------------------------------------------------------- hazards

    def _walk(self, h: H, fate: str | None = None, stop: str | None = None, now=None) -> None:
        """Move a hazard through the workflow along a plausible timeline, up to `now`."""
        rng = self.rng
        now = self.now if now is None else now
        s = h.school
        fate = fate or rng.choices(*FATES)[0]
        t = h.found
        state = [h.initial]
        moves = h.moves

        def move(action, to, at, comment=""):
            if at > now or state[0] == stop:
                return False
            moves.append((action, state[0], to, at, comment))
            state[0] = to
            return True

        if h.initial == Status.PENDING_REVIEW:
            late = rng.random() < 0.25
            t += (rng.randrange(72, 240) if late else rng.randrange(2, 40)) * HOUR
            if fate == "dismiss" or rng.random() < 0.08:
                move("dismiss", Status.DISMISSED, t, f"经核查，所反映情况不属实（{s.safety}）")
                return
            if not move("admit", Status.REPORTED, t, f"经核实情况属实，登记入台账（{s.safety}）"):
                return
        t += rng.randrange(1, 48) * HOUR
        days = DEFAULT_DEADLINE_DAYS[h.grade]
        deadline = Clock.day_of(t) + days
        if not move("confirm", Status.RECTIFYING, t, "确认隐患，落实整改责任人"):
            return
        h.deadline = deadline
        if fate == "escalate":
            t += rng.randrange(1, 4) * DAY + rng.randrange(1, 6) * HOUR
            if not move(
                "escalate", Status.ESCALATED, t, "整改所需资金超出学校能力，申请上级协调解决"
            ):
                self._ladder(h, now)
                return
            h.handler = s.parent
            if rng.random() < 0.7 and now - t < AWAITING_DAYS * DAY:
                self._ladder(h, now)
                return
            t += rng.randrange(2, 12) * DAY
            if not move("take_over", Status.RECTIFYING, t, "县教体局接手，协调专项资金维修"):
                self._ladder(h, now)
                return
            h.handler = self.world.counties[s.county].id
            done_in = rng.uniform(0.5, 1.3) * (days + 20)
        elif fate == "stalled" and now - h.found < STALLED_DAYS * DAY:
            done_in = 10_000
        elif fate == "stalled":
            done_in = days * rng.uniform(2.0, 5.0)
        elif fate == "late":
            done_in = days * rng.uniform(1.2, 3.0)
        else:
            done_in = days * rng.uniform(0.2, 0.95)
        t += int(done_in * DAY)
        t = Clock.day_of(t) * DAY + rng.randrange(8, 18) * HOUR + rng.randrange(59)
        if not move("submit", Status.SUBMITTED, t, "整改完成，请验收"):
            self._ladder(h, now)
            return
        if fate == "reject":
            t += rng.randrange(1, 3) * DAY
            if not move("reject", Status.RECTIFYING, t, "整改不彻底，请补充整改后重新提交"):
                self._ladder(h, now)
                return
            t += rng.randrange(1, 4) * DAY
            if not move("submit", Status.SUBMITTED, t, "已补充整改"):
                self._ladder(h, now)
                return
        t += rng.randrange(0, 6) * DAY + rng.randrange(1, 5) * HOUR
        move("accept", Status.CLOSED, t, f"经复查整改到位，同意销号（{s.head}）")
        self._ladder(h, now)

    def _ladder(self, h: H, now) -> None:
        """The escalation steps an overdue hazard reached before it was rectified (or by now)."""
        if h.deadline is None:
            return
        accept = next((m[3] for m in h.moves if m[0] == "accept"), None)
        until = Clock.day_of(accept if accept is not None else min(now, self.now))
        overdue = until - h.deadline
        h.escalations = []
        for step in ESCALATION_LADDER:
            if overdue >= DEFAULT_LADDER_DAYS[step]:
                day = h.deadline + DEFAULT_LADDER_DAYS[step]
                h.escalations.append(
                    (step, h.deadline, min(day * DAY + LADDER_HOUR * HOUR, self.now))
                )

    def _hazards(self, ki: int, county, hazards: list[H]) -> None:
        """Walk, number and write one county's hazards, in the order they were found."""
        clock = self.clock
        text = clock.text
        date_text = clock.date_text
        for h in hazards:
            if not h.walked:
                self._walk(h)
            elif h.deadline is not None:
                self._ladder(h, self.now)
        hazards.sort(key=lambda h: (h.found, h.school.id, h.description))
        spot_names, spot_last = self.spot_names, self.spot_last
        prefix = county.short or county.name
        hazard_rows, move_rows, step_rows = [], [], []
        counters = self.counters
        for h in hazards:
            year = datetime.date.fromordinal(Clock.day_of(h.found)).year
            key = (county.id, year)
            counters[key] = counters.get(key, 0) + 1
            number = f"{prefix}-{year}-{counters[key]:06d}"
            hid = self.take("hazard")
            status = h.status
            submit = next((m[3] for m in reversed(h.moves) if m[0] == "submit"), None)
            accept = next((m[3] for m in reversed(h.moves) if m[0] == "accept"), None)
            submitted = submit is not None and status in (Status.SUBMITTED, Status.CLOSED)
            closed = accept is not None and status == Status.CLOSED
            confirmed = h.deadline is not None
            s = h.school
            found = text(h.found)
            updated = text(h.moves[-1][3]) if h.moves else found
            major_plan = (
                "1.立即停止使用相关区域，设置隔离和警示；2.委托有资质单位检测评估；"
                "3.制定维修加固方案，报县教体局审批后实施；4.整改完成后组织验收。"
            )
            handler = h.handler if status in (Status.ESCALATED, Status.RECTIFYING, Status.SUBMITTED, Status.CLOSED) else None  # fmt: skip
            hazard_rows.append(
                (
                    hid, s.id, s.path, 1 + len(h.moves), found, updated, number, h.spot,
                    h.category, h.grade, h.description, h.source, status, found,
                    h.reporter_name, h.reporter_phone,
                    TEMPORARY if h.grade in (Grade.HIGH, Grade.MAJOR) and status != Status.PENDING_REVIEW else "",
                    s.responsible if confirmed else None,
                    MEASURES.get(h.category, MEASURES[Category.OTHER]) if confirmed else "",
                    date_text(h.deadline) if confirmed else None,
                    major_plan if confirmed and h.grade == Grade.MAJOR else "",
                    h.inspection, h.answer, handler,
                    f"已按要求完成整改：{MEASURES.get(h.category, MEASURES[Category.OTHER])}。" if submitted else "",
                    text(submit) if submitted else None,
                    text(accept) if closed else None,
                    date_text(Clock.day_of(accept) + RECHECK_DAYS) if closed else None,
                    text(spot_last[h.spot]) if closed and spot_last.get(h.spot, -1) >= accept else None,
                )
            )  # fmt: skip
            first = self.take("transition", len(h.moves))
            for i, (action, frm, to, at, comment) in enumerate(h.moves):
                move_rows.append((first + i, hid, action, frm, to, text(at), comment))
            if status in OPEN_STATUSES or closed:
                first = self.take("escalation", len(h.escalations))
                for i, (step, deadline, at) in enumerate(h.escalations):
                    step_rows.append(
                        (first + i, hid, step, date_text(deadline), text(at), "逾期未整改，系统按升级阶梯记录")
                    )  # fmt: skip
        self.write("hazard", hazard_rows)
        self.spot_last.clear()
        self.write("transition", move_rows)
        self.write("escalation", step_rows)
        self._reviews(hazards, spot_names)

    def _reviews(self, hazards: list[H], spot_names: dict) -> None:
        """The weekly analyses of the county's schools, with the figures `review.week_summary`
        would have given at the moment each was signed: found and closed in the week, open,
        overdue and open by grade at signing, and the spots with two or more hazards in the
        90 days to the week's end."""
        rng = self.rng
        text, date_text = self.clock.text, self.clock.date_text
        moments, starts = self.week_moments, self.week_starts
        n = len(moments)
        if not n:
            self.spot_names.clear()
            return
        by_school: dict[int, list[H]] = {}
        for h in hazards:
            by_school.setdefault(h.school.id, []).append(h)
        review_rows, task_rows = [], []
        for school_hazards in by_school.values():
            s = school_hazards[0].school
            found = [0] * (n + 1)
            closed = [0] * (n + 1)
            opened = [0] * (n + 1)
            overdue = [0] * (n + 1)
            grades = {g: [0] * (n + 1) for g in GRADES}
            spotted = []
            for h in school_hazards:
                w = bisect_right(starts, Clock.day_of(h.found)) - 1
                if w >= 0 and Clock.day_of(h.found) <= starts[w] + 6 and h.found <= moments[w]:
                    found[w] += 1
                start, end = h.found, NOT_ONE
                for action, _frm, to, at, _c in h.moves:
                    if action == "admit":
                        start = at
                    elif action == "dismiss":
                        start = end = at
                    elif to == Status.CLOSED:
                        end = at
                        w = bisect_right(starts, Clock.day_of(at)) - 1
                        if w >= 0 and Clock.day_of(at) <= starts[w] + 6 and at <= moments[w]:
                            closed[w] += 1
                if h.initial == Status.PENDING_REVIEW and not any(m[0] == "admit" for m in h.moves):
                    start = end
                lo, hi = bisect_left(moments, start), bisect_left(moments, end)
                if lo < hi:
                    opened[lo] += 1
                    opened[hi] -= 1
                    grades[h.grade][lo] += 1
                    grades[h.grade][hi] -= 1
                    if h.deadline is not None:
                        lo2 = max(lo, bisect_left(moments, (h.deadline + 1) * DAY))
                        if lo2 < hi:
                            overdue[lo2] += 1
                            overdue[hi] -= 1
                if h.spot is not None:
                    spotted.append((Clock.day_of(h.found), spot_names.get(h.spot, "")))
            rate = REVIEWED[s.tier]
            run_open = run_overdue = 0
            run_grades = dict.fromkeys(GRADES, 0)
            for w in range(n):
                run_open += opened[w]
                run_overdue += overdue[w]
                for g in GRADES:
                    run_grades[g] += grades[g][w]
                if rng.random() > rate:
                    continue
                monday = starts[w]
                sunday = monday + 6
                repeats: dict[str, int] = {}
                for day, name in spotted:
                    if sunday - (REPEAT_DAYS - 1) <= day <= sunday:
                        repeats[name] = repeats.get(name, 0) + 1
                summary = {
                    "found": found[w],
                    "closed": closed[w],
                    "open": run_open,
                    "overdue": run_overdue,
                    **{f"open_{g}": run_grades[g] for g in GRADES},
                    "repeat_spots": sorted(
                        ([k, v] for k, v in repeats.items() if v >= 2), key=lambda r: (-r[1], r[0])
                    )[:10],
                    "week_start": date_text(monday),
                    "week_end": date_text(sunday),
                }
                rid = self.take("review")
                stamp = text(moments[w])
                review_rows.append(
                    (
                        rid, s.id, s.path, date_text(monday), json.dumps(summary, ensure_ascii=False),
                        f"{s.head}、{s.safety}、各年级组长", _analysis(summary), s.safety, stamp,
                        stamp, stamp,
                    )
                )  # fmt: skip
                if rng.random() < TASKS:
                    due = Clock.day_of(moments[w]) + 7
                    done = moments[w] + rng.randrange(1, 9) * DAY
                    task_rows.append(
                        (self.take("task"), rid, "对本周发现的隐患逐项跟踪整改，周五前复查",
                         s.responsible, date_text(due), text(done) if done <= self.now else None)
                    )  # fmt: skip
        self.write("review", review_rows)
        self.write("task", task_rows)
        self.spot_names.clear()


def _analysis(summary: dict) -> str:
    if summary["overdue"]:
        return (
            f"本周发现隐患{summary['found']}处，整改销号{summary['closed']}处；"
            f"仍有{summary['overdue']}处逾期，责成责任人限期整改。"
        )
    return f"本周发现隐患{summary['found']}处，整改销号{summary['closed']}处，整体情况平稳。"


class _Profile:
    """What `default_spots_for` reads of a school profile."""

    __slots__ = ("boarding", "school_kind")

    def __init__(self, s):
        self.boarding = s.boarding
        self.school_kind = s.kind
