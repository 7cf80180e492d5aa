"""The drill rules of the compliance catalogue, judged by emergency/compliance.py.

The drill pages and the catalogue share one implementation: this module loads the drill
facts of the run's schools once (three queries, whatever their number) and calls the same
check functions with the period asked and the numbers in force for each school.
"""

from __future__ import annotations

from safecampus.emergency import compliance as dc
from safecampus.orgs.models import School


def _facts(run) -> dict:
    found = run.cache.get("drill_facts")
    if found is None:
        schools = School.objects.select_related("node").filter(
            node_id__in=[s.node_id for s in run.schools]
        )
        loaded = dc.load_facts(run.user, as_of=run.day, schools=schools, calendars=run.calendars)
        found = run.cache["drill_facts"] = {f.node_id: f for _school, f in loaded}
    return found


def _term(run, subject):
    period = run.term(subject)
    if period is None:
        return None
    cal = run.calendar(subject)
    return next((t for t in cal.terms if t.start == period.start), None)


def _each(run, rule, judge):
    facts = _facts(run)
    out = {}
    for subject in run.schools:
        f = facts.get(subject.node_id)
        if f is not None:
            out[subject.key] = judge(subject, f)
    return out


def drill_school(run, rule):
    period = run.month()

    def judge(subject, f):
        p = run.params(rule, subject, period.end)
        return dc.drill_school(f, period, per_month=p["per_month"])

    return _each(run, rule, judge)


def drill_kg(run, rule):
    period = run.quarter()

    def judge(subject, f):
        p = run.params(rule, subject, period.end)
        return dc.drill_kg(f, period, per_quarter=p["per_quarter"])

    return _each(run, rule, judge)


def _per_term(run, rule, check, **names):
    def judge(subject, f):
        term = _term(run, subject)
        day = term.end if term is not None else run.day
        p = run.params(rule, subject, day)
        return check(f, term, **{arg: p[key] for arg, key in names.items()})

    return _each(run, rule, judge)


def drill_term_first_week(run, rule):
    return _per_term(run, rule, dc.drill_term_first_week, first_week_days="first_week_days")


def drill_night(run, rule):
    return _per_term(run, rule, dc.drill_night, per_term="per_term")


def drill_terror(run, rule):
    return _per_term(run, rule, dc.drill_terror, per_term="per_term")


def _latest(run, rule, check, **names):
    def judge(subject, f):
        p = run.params(rule, subject, run.day)
        return check(f, **{arg: p[key] for arg, key in names.items()})

    return _each(run, rule, judge)


def evac_middle(run, rule):
    return _latest(run, rule, dc.evac_middle, max_seconds="max_seconds")


def evac_primary(run, rule):
    return _latest(run, rule, dc.evac_primary, max_seconds="max_seconds")


def drill_guide(run, rule):
    return _latest(run, rule, dc.drill_guide, max_seconds="max_seconds", max_storeys="max_storeys")
