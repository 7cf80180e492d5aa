"""The three-defense and staffing rules of the compliance catalogue (compliance/catalog.py).

Each rule judges the inventory snapshot in force on the run's day (`run.day`: the end of the
period asked, or today): a school with no snapshot by then has "no data", never a pass. The
snapshots of all the run's schools load in one query, shared by the rules of one run through
`run.cache`. The judging itself is plain functions of the figures, the school's profile
(enrolment, boarders) and the numbers in force (`CHECKS`), which the county overview calls
too, so the page and the verdicts never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from safecampus.compliance.catalog import RULES_BY_CODE
from safecampus.compliance.verdicts import Evidence, Status, join, percent
from safecampus.defense.figures import BY_NAME, values_of

# The figures each rule reads: the evidence shows them, the overview highlights them.
RULE_FIGURES = {
    "STAFF-GUARD": ("guards", "guards_trained", "guards_certified"),
    "GUARD-RATIO": ("guards",),
    "GATE-24H": ("gate_hours",),
    "PATROL-KEY": ("patrols_per_day",),
    "DEF-CLOSED": ("closed_management", "gate_closable"),
    "DEF-ALARM": ("alarm_installed", "alarm_networked"),
    "DEF-VIDEO": ("video_entrances", "video_boarding_public", "video_networked"),
    "DEF-WALL": ("wall_height_m", "wall_anti_climb"),
    "STAFF-HEALTH": ("health_staff",),
    "FOOD-6T": ("has_canteen", "canteen_6t"),
    "FOOD-OPEN-KITCHEN": ("has_canteen", "open_kitchen", "open_kitchen_online"),
    "TARGET-4X100": (
        "guards",
        "guards_trained",
        "guards_certified",
        "closed_management",
        "gate_closable",
        "alarm_installed",
        "alarm_networked",
        "video_entrances",
        "video_boarding_public",
        "video_networked",
    ),
}
CODES = tuple(RULE_FIGURES)


@dataclass(frozen=True)
class Finding:
    status: str
    explanation: str
    value: float | None = None


def _ok(flag: bool) -> str:
    return Status.COMPLIANT if flag else Status.NOT_COMPLIANT


def _missing(gaps: list[str]) -> str:
    return _("Missing: %(missing)s.") % {"missing": join(gaps)}


def _metres(value) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text


def _enrolment_unknown() -> Finding:
    return Finding(
        Status.NO_DATA, _("The school's enrolment is not recorded, so this cannot be judged.")
    )


# ------------------------------------------------------------------------------ numbers


def day_pupils(school) -> int:
    """GB/T 29315-2022 counts guards by the pupils who come and go each day."""
    return max((school.enrolment or 0) - (school.boarders or 0), 0)


def required_guards(pupils: int, p: dict) -> int:
    """GUARD-RATIO (GB/T 29315-2022 table A.1): at least `small` under `small_below` pupils,
    `middle` from there, `large` from `large_from`, and one more for each further `step`."""
    if pupils < p["small_below"]:
        return int(p["small"])
    if pupils < p["large_from"]:
        return int(p["middle"])
    step = max(int(p["step"]), 1)
    return int(p["large"]) + (pupils - int(p["large_from"])) // step


def required_health_staff(students: int, p: dict) -> int:
    per = max(int(p["students_per_staff"]), 1)
    return max(math.ceil(students / per), 1)


# ------------------------------------------------------------------------------- checks
# Each check: (figures as plain values, the school's profile, params_for(code)) → Finding.


def check_guard_ratio(v: dict, school, params_for) -> Finding:
    if not school.enrolment:
        return _enrolment_unknown()
    pupils = day_pupils(school)
    required = required_guards(pupils, params_for("GUARD-RATIO"))
    guards = v["guards"]
    text = ngettext(
        "%(guards)d guard for %(pupils)d day pupils; %(required)d required.",
        "%(guards)d guards for %(pupils)d day pupils; %(required)d required.",
        guards,
    ) % {"guards": guards, "pupils": pupils, "required": required}
    return Finding(_ok(guards >= required), text, float(guards))


def check_staff_guard(v: dict, school, params_for) -> Finding:
    if not school.enrolment:
        return _enrolment_unknown()
    required = required_guards(day_pupils(school), params_for("GUARD-RATIO"))
    qualified = min(v["guards"], v["guards_trained"], v["guards_certified"])
    rate = min(qualified, required) / required if required else 1.0
    text = _(
        "%(qualified)d of the %(required)d guards required are on staff, trained and "
        "certified (%(rate)s): %(guards)d on staff, %(trained)d trained, %(certified)d "
        "certified."
    ) % {
        "qualified": qualified,
        "required": required,
        "rate": percent(rate),
        "guards": v["guards"],
        "trained": v["guards_trained"],
        "certified": v["guards_certified"],
    }
    return Finding(_ok(rate + 1e-9 >= float(params_for("STAFF-GUARD")["rate"])), text, rate)


def check_gate_24h(v: dict, school, params_for) -> Finding:
    hours, required = v["gate_hours"], int(params_for("GATE-24H")["hours"])
    text = _("The gatehouse is staffed %(hours)d hours a day; %(required)d required.") % {
        "hours": hours,
        "required": required,
    }
    return Finding(_ok(hours >= required), text, float(hours))


def check_patrol_key(v: dict, school, params_for) -> Finding:
    count, required = v["patrols_per_day"], int(params_for("PATROL-KEY")["per_day"])
    text = ngettext(
        "%(count)d patrol of key areas a day; at least %(required)d required.",
        "%(count)d patrols of key areas a day; at least %(required)d required.",
        count,
    ) % {"count": count, "required": required}
    return Finding(_ok(count >= required), text, float(count))


def check_def_closed(v: dict, school, params_for) -> Finding:
    gaps = []
    if not v["closed_management"]:
        gaps.append(pgettext("gap", "closed management"))
    if not v["gate_closable"]:
        gaps.append(pgettext("gap", "a gate that can be closed"))
    if gaps:
        return Finding(Status.NOT_COMPLIANT, _missing(gaps))
    return Finding(Status.COMPLIANT, _("Closed management is in place and the gate can be closed."))


def check_def_alarm(v: dict, school, params_for) -> Finding:
    if not v["alarm_installed"]:
        return Finding(Status.NOT_COMPLIANT, _("No one-click alarm is installed."))
    if not v["alarm_networked"]:
        return Finding(
            Status.NOT_COMPLIANT,
            _("The one-click alarm is installed but not networked with the police."),
        )
    return Finding(
        Status.COMPLIANT, _("A one-click alarm is installed and networked with the police.")
    )


def check_def_video(v: dict, school, params_for) -> Finding:
    gaps = []
    if not v["video_entrances"]:
        gaps.append(pgettext("gap", "video at every entrance"))
    if school.boarding and not v["video_boarding_public"]:
        gaps.append(pgettext("gap", "video in the public areas of boarding"))
    if not v["video_networked"]:
        gaps.append(pgettext("gap", "video networked with the police"))
    if gaps:
        return Finding(Status.NOT_COMPLIANT, _missing(gaps))
    if school.boarding:
        return Finding(
            Status.COMPLIANT,
            _(
                "Video covers every entrance and the public areas of boarding, networked with "
                "the police."
            ),
        )
    return Finding(
        Status.COMPLIANT, _("Video covers every entrance and is networked with the police.")
    )


def check_def_wall(v: dict, school, params_for) -> Finding:
    p = params_for("DEF-WALL")
    height, minimum = float(v["wall_height_m"]), float(p["min_height_m"])
    needs_anti_climb = bool(p.get("anti_climb", True))
    high = height + 1e-9 >= minimum
    climb = v["wall_anti_climb"] or not needs_anti_climb
    figures = {"height": _metres(height), "minimum": _metres(minimum)}
    if high and climb:
        if needs_anti_climb:
            text = _(
                "The wall is %(height)s m high (at least %(minimum)s m required) and anti-climb."
            )
        else:
            text = _("The wall is %(height)s m high (at least %(minimum)s m required).")
    elif not high and not climb:
        text = _(
            "The wall is %(height)s m high, below the %(minimum)s m required, and has no "
            "anti-climb."
        )
    elif not high:
        text = _("The wall is %(height)s m high, below the %(minimum)s m required.")
    else:
        text = _("The wall is %(height)s m high but has no anti-climb.")
    return Finding(_ok(high and climb), text % figures, height)


def check_staff_health(v: dict, school, params_for) -> Finding:
    students = school.enrolment or 0
    if not students:
        return _enrolment_unknown()
    per = int(params_for("STAFF-HEALTH")["students_per_staff"])
    required = required_health_staff(students, params_for("STAFF-HEALTH"))
    staff = v["health_staff"]
    text = ngettext(
        "%(staff)d health worker for %(students)d students; %(required)d required (at most "
        "%(per)d students each).",
        "%(staff)d health workers for %(students)d students; %(required)d required (at most "
        "%(per)d students each).",
        staff,
    ) % {"staff": staff, "students": students, "required": required, "per": per}
    return Finding(_ok(staff >= required), text, students / staff if staff else None)


def _no_canteen() -> Finding:
    return Finding(Status.NOT_APPLICABLE, _("The school has no canteen."))


def check_food_6t(v: dict, school, params_for) -> Finding:
    if not v["has_canteen"]:
        return _no_canteen()
    if v["canteen_6t"]:
        return Finding(Status.COMPLIANT, _("The canteen runs 6T management."))
    return Finding(Status.NOT_COMPLIANT, _("The canteen does not run 6T management."))


def check_food_open_kitchen(v: dict, school, params_for) -> Finding:
    if not v["has_canteen"]:
        return _no_canteen()
    if not v["open_kitchen"]:
        return Finding(Status.NOT_COMPLIANT, _("The kitchen is not open to view (明厨亮灶)."))
    if not v["open_kitchen_online"]:
        return Finding(
            Status.NOT_COMPLIANT, _("The kitchen is open (明厨亮灶) but not viewable online.")
        )
    return Finding(Status.COMPLIANT, _("The kitchen is open (明厨亮灶) and viewable online."))


FOUR = (
    ("STAFF-GUARD", check_staff_guard),
    ("DEF-CLOSED", check_def_closed),
    ("DEF-ALARM", check_def_alarm),
    ("DEF-VIDEO", check_def_video),
)


def four_labels() -> dict[str, str]:
    return {
        "STAFF-GUARD": pgettext("4x100", "guards"),
        "DEF-CLOSED": pgettext("4x100", "closed management"),
        "DEF-ALARM": pgettext("4x100", "one-click alarm"),
        "DEF-VIDEO": pgettext("4x100", "networked video"),
    }


def check_target_4x100(v: dict, school, params_for) -> Finding:
    labels = four_labels()
    findings = {code: check(v, school, params_for) for code, check in FOUR}
    if any(f.status == Status.NO_DATA for f in findings.values()):
        return _enrolment_unknown()
    missing = [labels[c] for c, f in findings.items() if f.status != Status.COMPLIANT]
    done = len(FOUR) - len(missing)
    if not missing:
        return Finding(
            Status.COMPLIANT,
            _(
                "All four are in place: guards, closed management, one-click alarm, networked video."
            ),
            1.0,
        )
    text = _("%(count)d of the four in place; missing: %(missing)s.") % {
        "count": done,
        "missing": join(missing),
    }
    return Finding(Status.NOT_COMPLIANT, text, done / len(FOUR))


CHECKS = {
    "STAFF-GUARD": check_staff_guard,
    "GUARD-RATIO": check_guard_ratio,
    "GATE-24H": check_gate_24h,
    "PATROL-KEY": check_patrol_key,
    "DEF-CLOSED": check_def_closed,
    "DEF-ALARM": check_def_alarm,
    "DEF-VIDEO": check_def_video,
    "DEF-WALL": check_def_wall,
    "STAFF-HEALTH": check_staff_health,
    "FOOD-6T": check_food_6t,
    "FOOD-OPEN-KITCHEN": check_food_open_kitchen,
    "TARGET-4X100": check_target_4x100,
}


def failing_figures(code: str, v: dict, school, params_for) -> set[str]:
    """The figures that make a failing rule fail (for the pages to mark), not all it reads."""
    if code in ("STAFF-GUARD", "GUARD-RATIO", "TARGET-4X100"):
        need = required_guards(day_pupils(school), params_for("GUARD-RATIO"))
        names = ("guards",) if code == "GUARD-RATIO" else RULE_FIGURES["STAFF-GUARD"]
        out = {n for n in names if v[n] < need}
        if code == "TARGET-4X100":
            for other in ("DEF-CLOSED", "DEF-ALARM", "DEF-VIDEO"):
                out |= failing_figures(other, v, school, params_for)
        return out
    if code == "GATE-24H":
        return {"gate_hours"} if v["gate_hours"] < int(params_for(code)["hours"]) else set()
    if code == "PATROL-KEY":
        low = v["patrols_per_day"] < int(params_for(code)["per_day"])
        return {"patrols_per_day"} if low else set()
    if code == "STAFF-HEALTH":
        need = required_health_staff(school.enrolment or 0, params_for(code))
        return {"health_staff"} if v["health_staff"] < need else set()
    if code == "DEF-WALL":
        p = params_for(code)
        out = set()
        if float(v["wall_height_m"]) + 1e-9 < float(p["min_height_m"]):
            out.add("wall_height_m")
        if p.get("anti_climb", True) and not v["wall_anti_climb"]:
            out.add("wall_anti_climb")
        return out
    if code.startswith("FOOD-") and not v["has_canteen"]:
        return set()
    names = [n for n in RULE_FIGURES[code] if n != "has_canteen"]
    if not school.boarding:
        names = [n for n in names if n != "video_boarding_public"]
    return {n for n in names if v[n] is False}


def judge(code: str, snapshot, school, params_for) -> Finding:
    """One rule on one snapshot (the overview and the to-dos call this directly)."""
    return CHECKS[code](values_of(snapshot), school, params_for)


# ------------------------------------------------------------------------- the engine


def _in_force(run) -> dict:
    """{school id: snapshot in force on run.day} for the run's schools, in one query."""
    key = ("defense_in_force", run.day)
    found = run.cache.get(key)
    if found is None:
        from safecampus.defense.models import InventorySnapshot
        from safecampus.defense.selectors import in_force

        qs = InventorySnapshot.objects.filter(org_id__in=[s.node_id for s in run.schools])
        found = run.cache[key] = {s.org_id: s for s in in_force(qs, run.day)}
    return found


def evidence_of(snapshot, code: str, day, run=None) -> Evidence:
    """The snapshot as evidence of rule `code`; `run` lends its per-run zone and URL
    prefixes (a county's run builds thousands of these)."""
    if run is None:
        recorded = timezone.localtime(snapshot.recorded_at).date()
        url = reverse("defense:school", args=[snapshot.org_id])
    else:
        recorded = run.local_date(snapshot.recorded_at)
        url = run.url("defense:school", snapshot.org_id)
    url += f"?on={day.isoformat()}"
    return Evidence(
        kind="inventory",
        id=snapshot.pk,
        label=_("Inventory of %(date)s") % {"date": recorded.isoformat()},
        date=recorded,
        url=url,
        figures={n: BY_NAME[n].plain(getattr(snapshot, n)) for n in RULE_FIGURES[code]},
    )


def _evaluate(run, rule):
    period = run.state()
    snapshots = _in_force(run)
    out = {}
    for subject in run.schools:
        snapshot = snapshots.get(subject.node_id)
        if snapshot is None:
            why = _("No three-defense inventory was recorded by %(day)s.") % {
                "day": run.day.isoformat()
            }
            out[subject.key] = run.no_data(rule, subject, period, why)
            continue

        def params_for(code, subject=subject):
            return run.params(RULES_BY_CODE[code], subject, run.day)

        found = CHECKS[rule.code](values_of(snapshot), subject, params_for)
        evidence = (
            ()
            if found.status == Status.NO_DATA
            else (evidence_of(snapshot, rule.code, run.day, run),)
        )
        out[subject.key] = run.verdict(
            rule, subject, found.status, period, found.explanation, evidence, found.value
        )
    return out


def staff_guard(run, rule):
    return _evaluate(run, rule)


def guard_ratio(run, rule):
    return _evaluate(run, rule)


def gate_24h(run, rule):
    return _evaluate(run, rule)


def patrol_key(run, rule):
    return _evaluate(run, rule)


def def_closed(run, rule):
    return _evaluate(run, rule)


def def_alarm(run, rule):
    return _evaluate(run, rule)


def def_video(run, rule):
    return _evaluate(run, rule)


def def_wall(run, rule):
    return _evaluate(run, rule)


def staff_health(run, rule):
    return _evaluate(run, rule)


def food_6t(run, rule):
    return _evaluate(run, rule)


def food_open_kitchen(run, rule):
    return _evaluate(run, rule)


def target_4x100(run, rule):
    return _evaluate(run, rule)
