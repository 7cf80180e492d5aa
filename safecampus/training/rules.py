"""The training and appointment rules of the compliance catalogue: TRAIN-MANAGER, TRAIN-STAFF,
TRAIN-GUARD (per county), STAFF-LEGAL and STAFF-PSY.

Each evaluator loads the facts of all the run's schools (or counties) once, through
training/facts.py, in a fixed number of queries shared by the rules of one run
(`run.cache`), and judges each subject with the numbers in force at the end of the period.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from safecampus.training import facts


def _window_start(run) -> datetime.date:
    """Records are loaded from the year before the year judged: enough for that year and for
    the term judged (a term starts in the year before the one it ends in at the latest)."""
    return datetime.date(run.year().start.year - 1, 1, 1)


def _schools(run) -> dict:
    found = run.cache.get("training_facts")
    if found is None:
        found = run.cache["training_facts"] = facts.load_schools(
            [s.node_id for s in run.schools], start=_window_start(run), end=run.day
        )
    return found


def _facts_of(run, subject) -> facts.SchoolTraining:
    return _schools(run).get(subject.node_id) or facts.SchoolTraining(subject.node_id)


def _verdict(run, rule, subject, period, finding: facts.Finding):
    return run.verdict(
        rule,
        subject,
        finding.status,
        period,
        finding.text,
        finding.evidence,
        finding.value,
    )


def train_manager(run, rule):
    period = run.year()
    out = {}
    for subject in run.schools:
        p = run.params(rule, subject, period.end)
        finding = facts.judge_manager(
            _facts_of(run, subject), period, run.day, Decimal(str(p["hours"]))
        )
        out[subject.key] = _verdict(run, rule, subject, period, finding)
    return out


def train_staff(run, rule):
    out = {}
    for subject in run.schools:
        period = run.term(subject)
        if period is None:
            out[subject.key] = run.no_data(
                rule,
                subject,
                None,
                _("The school calendar has no term that ended before %(date)s.")
                % {"date": run.day.isoformat()},
            )
            continue
        p = run.params(rule, subject, period.end)
        finding = facts.judge_staff(
            _facts_of(run, subject), subject.staff_count, period, run.day, float(p["coverage"])
        )
        out[subject.key] = _verdict(run, rule, subject, period, finding)
    return out


def train_guard(run, rule):
    period = run.year()
    loaded = facts.load_counties(
        [(c.node_id, c.path) for c in run.counties], start=period.start, end=run.day
    )
    out = {}
    for subject in run.counties:
        p = run.params(rule, subject, period.end)
        finding = facts.judge_guard(loaded[subject.node_id], period, run.day, int(p["days"]))
        out[subject.key] = _verdict(run, rule, subject, period, finding)
    return out


def staff_legal(run, rule):
    period = run.state()
    out = {}
    for subject in run.schools:
        p = run.params(rule, subject, run.day)
        finding = facts.judge_legal(_facts_of(run, subject), run.day, int(p["per_school"]))
        out[subject.key] = _verdict(run, rule, subject, period, finding)
    return out


def staff_psy(run, rule):
    period = run.state()
    out = {}
    for subject in run.schools:
        p = run.params(rule, subject, run.day)
        finding = facts.judge_psy(
            _facts_of(run, subject),
            run.day,
            school_kind=subject.school_kind,
            enrolment=subject.enrolment,
            per_school=int(p["per_school"]),
            ratio=int(p["students_per_teacher_higher"]),
        )
        out[subject.key] = _verdict(run, rule, subject, period, finding)
    return out
