"""The education rules of the compliance catalogue: EDU-1530, EDU-MONTHLY, EDU-DROWNING,
EDU-HEALTH and EDU-CAMPAIGN-RATE.

Each evaluator is `(run, rule) -> {subject key: Verdict}` (compliance/engine.py). The records
of all the run's schools are loaded once and shared through `run.cache` (classes, activities,
the month's reminders, the campaigns: a fixed handful of queries whatever the number of
schools), then each school is judged in Python with the numbers in force for it.

When a school's records begin: its 1530 records with the registration of its classes (no class,
no data); its activities with the first class registered or the first activity recorded,
whichever is earlier. A period that ended before then is "no data", never compliant.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safecampus.compliance.sql import between, unindexed
from safecampus.compliance.verdicts import Evidence, Period, Status, join, percent
from safecampus.core.dates import ONE_DAY
from safecampus.education.choices import ActivityKind, ReminderKind, Topic
from safecampus.education.schedule import holiday_windows, school_weeks
from safecampus.orgs.choices import SchoolKind

# The rules concern primary and secondary schools and kindergartens (seed 004, seed 002).
NOT_JUDGED = frozenset({SchoolKind.HIGHER, SchoolKind.TRAINING})
ACTIVITY_LOOKBACK = datetime.timedelta(days=400)  # the last ended term lies within it
SHOWN_CLASSES = 4  # an explanation names this many failing classes, then counts the rest


@dataclass
class ClassFact:
    id: int
    name: str
    since: datetime.date  # registered


@dataclass
class ActivityFact:
    id: int
    kind: str
    topic: str
    day: datetime.date
    periods: int
    title: str

    @property
    def is_drowning(self) -> bool:
        return self.kind == ActivityKind.DROWNING or self.topic == Topic.DROWNING


@dataclass
class SchoolEducation:
    """What the rules know of one school's education records."""

    classes: list[ClassFact] = field(default_factory=list)  # active ones
    activities: list[ActivityFact] = field(default_factory=list)  # oldest first
    first_class: datetime.date | None = None
    first_activity: datetime.date | None = None

    @property
    def since(self) -> datetime.date | None:
        days = [d for d in (self.first_class, self.first_activity) if d is not None]
        return min(days) if days else None


# ------------------------------------------------------------------------------ loading


def _education(run) -> dict[int, SchoolEducation]:
    found = run.cache.get("education")
    if found is not None:
        return found
    from safecampus.education.models import EducationActivity, SchoolClass

    ids = [s.node_id for s in run.schools]
    found = {i: SchoolEducation() for i in ids}
    rows = SchoolClass.objects.filter(org_id__in=ids).order_by("rank", "name", "id")
    for pk, org_id, name, active, created in rows.values_list(
        "id", "org_id", "name", "active", "created_at"
    ):
        facts = found[org_id]
        since = run.local_date(created)
        facts.first_class = min(facts.first_class or since, since)
        if active:
            facts.classes.append(ClassFact(pk, name, since))
    firsts = (
        EducationActivity.objects.filter(org_id__in=ids)
        .order_by()
        .values("org_id")
        .annotate(first=Min("day"))
    )
    for row in firsts:
        found[row["org_id"]].first_activity = row["first"]
    # Up to the day of the run, not only the end of the period judged: a week that straddles
    # the end of a month is judged on the whole week.
    # Sorted here, and the days not offered to the index: SQLite walks the list's (day, id)
    # index over the whole province for an ORDER BY or a range on the day (compliance/sql.py).
    recent = (
        unindexed(EducationActivity.objects.filter(org_id__in=ids), on="day")
        .filter(between("on", run.day - ACTIVITY_LOOKBACK, run.as_of, closed=True))
        .order_by()
        .values_list("org_id", "id", "kind", "topic", "day", "periods", "title")
    )
    for values in sorted(recent, key=lambda v: (v[4], v[1])):
        found[values[0]].activities.append(ActivityFact(*values[1:]))
    run.cache["education"] = found
    return found


def _reminders(run, first: datetime.date, last: datetime.date) -> dict:
    """{class id: {kind: {day: minutes}}} of the days first–last (a week either side of a
    month, for the weeks it shares with its neighbours)."""
    key = ("education_reminders", first, last)
    found = run.cache.get(key)
    if found is not None:
        return found
    from safecampus.education.models import SafetyReminder

    found = defaultdict(lambda: defaultdict(dict))
    rows = SafetyReminder.objects.filter(
        org_id__in=[s.node_id for s in run.schools], day__gte=first, day__lte=last
    ).order_by()  # one reminder per class, kind and day: no order to keep
    for class_id, kind, day, minutes in rows.values_list(
        "school_class_id", "kind", "day", "minutes"
    ):
        found[class_id][kind][day] = minutes
    run.cache[key] = found
    return found


def _windows(run, subject):
    key = ("education_windows", subject.node_id)
    found = run.cache.get(key)
    if found is None:
        cal = run.calendar(subject)
        by_calendar = run.cache.setdefault("education_windows_by_calendar", {})
        found = by_calendar.get(id(cal))
        if found is None:
            found = by_calendar[id(cal)] = holiday_windows(cal)
        run.cache[key] = found
    return found


# ------------------------------------------------------------------------------ helpers


def _not_judged(run, rule, subject, period):
    if subject.school_kind in NOT_JUDGED:
        return run.not_applicable(
            rule,
            subject,
            period,
            _("The rule concerns primary and secondary schools and kindergartens."),
        )
    return None


def _no_school_day(run, rule, subject, period):
    return run.not_applicable(
        rule,
        subject,
        period,
        _("%(period)s has no school day (holidays): nothing is due.") % {"period": period.label},
    )


def _no_records(run, rule, subject, period, since):
    if since is None:
        why = _("No safety education is recorded for this school yet.")
    else:
        why = _("The school's education records begin on %(day)s, after %(period)s.") % {
            "day": since.isoformat(),
            "period": period.label,
        }
    return run.no_data(rule, subject, period, why)


def _activity_evidence(run, found) -> list[Evidence]:
    return [
        Evidence(
            "activity",
            a.id,
            a.title,
            a.day,
            run.url("education:activity", a.id),
            {"periods": a.periods},
        )
        for a in found
    ]


def _records_url(run, subject, period: Period, class_id: int | None = None) -> str:
    url = run.url("education:records") + f"?school={subject.node_id}&month={period.start:%Y-%m}"
    return url + (f"&class={class_id}" if class_id else "")


# ------------------------------------------------------------------------------- EDU-1530


@dataclass
class ClassResult:
    fact: ClassFact
    required: int = 0
    given: int = 0
    daily_missed: int = 0
    weekly_missed: int = 0
    holidays_missed: list = field(default_factory=list)

    def fails(self, allowed: int) -> bool:
        return self.daily_missed > allowed or self.weekly_missed > 0 or bool(self.holidays_missed)

    def summary(self) -> str:
        parts = []
        if self.daily_missed:
            parts.append(_("daily: %(n)d missed") % {"n": self.daily_missed})
        if self.weekly_missed:
            parts.append(_("weekly: %(n)d missed") % {"n": self.weekly_missed})
        for name in self.holidays_missed:
            parts.append(_("none before %(holiday)s") % {"holiday": name})
        return _("%(class)s (%(missed)s)") % {"class": self.fact.name, "missed": join(parts)}


def judge_class(
    fact, given, cal, windows, period, last_day, p, open_from=None
) -> ClassResult | None:
    """One class over `period` up to `last_day`. A week ending on or after `open_from` (the
    week still running, on a page of the current month) is not yet missed."""
    first = max(period.start, fact.since)
    if first > last_day:
        return None
    result = ClassResult(fact)
    daily = given.get(ReminderKind.DAILY, {})
    weekly = given.get(ReminderKind.WEEKLY, {})
    holiday = given.get(ReminderKind.HOLIDAY, {})
    for day in cal.school_days(first, last_day):
        result.required += 1
        if daily.get(day, 0) >= p["daily_minutes"]:
            result.given += 1
        else:
            result.daily_missed += 1
    for monday, sunday, _days in school_weeks(cal, first, last_day):
        if any(monday <= d <= sunday and m >= p["weekly_minutes"] for d, m in weekly.items()):
            result.required += 1
            result.given += 1
        elif open_from is None or sunday < open_from:
            result.required += 1
            result.weekly_missed += 1
    for window in windows:
        if not first <= window.last <= last_day:
            continue
        result.required += 1
        if any(window.covers(d) and m >= p["holiday_minutes"] for d, m in holiday.items()):
            result.given += 1
        else:
            result.holidays_missed.append(window.name)
    return result


def edu_1530(run, rule):
    period = run.month()
    facts = _education(run)
    reminders = _reminders(
        run, period.start - 6 * ONE_DAY, min(period.end + 6 * ONE_DAY, run.as_of)
    )
    out = {}
    for subject in run.schools:
        skip = _not_judged(run, rule, subject, period)
        if skip is not None:
            out[subject.key] = skip
            continue
        mine = facts[subject.node_id]
        if not mine.classes:
            out[subject.key] = run.no_data(
                rule,
                subject,
                period,
                _("No class of the school is registered, so its 1530 reminders cannot be judged."),
            )
            continue
        cal = run.calendar(subject)
        last_day = min(period.end, run.day)
        if not run.school_days(cal, period.start, last_day):
            out[subject.key] = _no_school_day(run, rule, subject, period)
            continue
        p = run.params(rule, subject, period.end)
        windows = [w for w in _windows(run, subject) if period.start <= w.last <= last_day]
        results = [
            r
            for c in mine.classes
            if (r := judge_class(c, reminders.get(c.id, {}), cal, windows, period, last_day, p))
        ]
        if not results:
            since = min(c.since for c in mine.classes)
            out[subject.key] = run.no_data(
                rule,
                subject,
                period,
                _("The classes were registered on %(day)s, after %(period)s.")
                % {"day": since.isoformat(), "period": period.label},
            )
            continue
        out[subject.key] = _verdict_1530(run, rule, subject, period, results, cal, windows, p)
    return out


def _verdict_1530(run, rule, subject, period, results, cal, windows, p):
    allowed = int(p["missed_days_allowed"])
    failing = [r for r in results if r.fails(allowed)]
    required = sum(r.required for r in results)
    value = sum(r.given for r in results) / required if required else None
    if not failing:
        last_day = min(period.end, run.day)
        text = _(
            "%(period)s: every class kept its 1530 reminders (classes: %(classes)d, school days: "
            "%(days)d, weeks: %(weeks)d, holidays: %(holidays)d; daily reminders missed: "
            "%(missed)d)."
        ) % {
            "period": period.label,
            "classes": len(results),
            "days": len(run.school_days(cal, period.start, last_day)),
            "weeks": len(school_weeks(cal, period.start, last_day)),
            "holidays": len(windows),
            "missed": sum(r.daily_missed for r in results),
        }
        return run.verdict(rule, subject, Status.COMPLIANT, period, text, value=value)
    shown = [r.summary() for r in failing[:SHOWN_CLASSES]]
    if len(failing) > SHOWN_CLASSES:
        shown.append(_("%(n)d more") % {"n": len(failing) - SHOWN_CLASSES})
    text = _(
        "%(period)s: %(failing)d of %(classes)d classes missed 1530 reminders: %(details)s."
    ) % {
        "period": period.label,
        "failing": len(failing),
        "classes": len(results),
        "details": join(shown),
    }
    evidence = [
        Evidence(
            "class",
            r.fact.id,
            r.fact.name,
            None,
            _records_url(run, subject, period, r.fact.id),
            {
                "daily_missed": r.daily_missed,
                "weekly_missed": r.weekly_missed,
                "holidays_missed": list(r.holidays_missed),
            },
        )
        for r in failing
    ]
    return run.verdict(rule, subject, Status.NOT_COMPLIANT, period, text, evidence, value)


# ---------------------------------------------------------------------------- EDU-MONTHLY


def edu_monthly(run, rule):
    period = run.month()
    facts = _education(run)
    out = {}
    for subject in run.schools:
        out[subject.key] = _monthly(run, rule, subject, period, facts[subject.node_id])
    return out


def _monthly(run, rule, subject, period, mine):
    skip = _not_judged(run, rule, subject, period)
    if skip is not None:
        return skip
    if not run.school_days(run.calendar(subject), period.start, period.end):
        return _no_school_day(run, rule, subject, period)
    if mine.since is None or mine.since > period.end:
        return _no_records(run, rule, subject, period, mine.since)
    required = int(run.params(rule, subject, period.end)["per_month"])
    found = [a for a in mine.activities if a.kind == ActivityKind.THEMED and a.day in period]
    evidence = _activity_evidence(run, found)
    if len(found) >= required:
        last = found[-1]
        text = ngettext(
            "%(period)s: %(count)d themed safety activity, on %(day)s (%(title)s).",
            "%(period)s: %(count)d themed safety activities, the last on %(day)s (%(title)s).",
            len(found),
        ) % {
            "period": period.label,
            "count": len(found),
            "day": last.day.isoformat(),
            "title": last.title,
        }
        return run.verdict(rule, subject, Status.COMPLIANT, period, text, evidence, len(found))
    if not found:
        text = _("%(period)s: no themed safety activity was held.") % {"period": period.label}
    else:
        text = _("%(period)s: %(count)d of the %(required)d themed safety activities due.") % {
            "period": period.label,
            "count": len(found),
            "required": required,
        }
    return run.verdict(rule, subject, Status.NOT_COMPLIANT, period, text, evidence, len(found))


# --------------------------------------------------------------------------- EDU-DROWNING


def edu_drowning(run, rule):
    period = run.month()
    facts = _education(run)
    out = {}
    for subject in run.schools:
        out[subject.key] = _drowning(run, rule, subject, period, facts[subject.node_id])
    return out


def _drowning(run, rule, subject, period, mine):
    skip = _not_judged(run, rule, subject, period)
    if skip is not None:
        return skip
    p = run.params(rule, subject, period.end)
    first_month, last_month = int(p["from_month"]), int(p["to_month"])
    if not first_month <= period.start.month <= last_month:
        return run.not_applicable(
            rule,
            subject,
            period,
            _("Drowning education is judged in months %(first)d–%(last)d; %(period)s is outside.")
            % {"first": first_month, "last": last_month, "period": period.label},
        )
    weeks = school_weeks(run.calendar(subject), period.start, period.end)
    if not weeks:
        return _no_school_day(run, rule, subject, period)
    if mine.since is None or mine.since > period.end:
        return _no_records(run, rule, subject, period, mine.since)
    required = int(p["per_week"])
    held = [a for a in mine.activities if a.is_drowning]
    covered, missing, used = 0, [], []
    for monday, sunday, _days in weeks:
        in_week = [a for a in held if monday <= a.day <= sunday]
        used += in_week
        if len(in_week) >= required:
            covered += 1
        else:
            missing.append(monday)
    value = covered / len(weeks)
    evidence = _activity_evidence(run, used)
    if not missing:
        text = _(
            "%(period)s: drowning education in every week (weeks: %(weeks)d, sessions: %(count)d)."
        ) % {"period": period.label, "weeks": len(weeks), "count": len(used)}
        return run.verdict(rule, subject, Status.COMPLIANT, period, text, evidence, value)
    text = _(
        "%(period)s: drowning education in %(covered)d of %(weeks)d weeks; missing in the weeks "
        "of %(missing)s."
    ) % {
        "period": period.label,
        "covered": covered,
        "weeks": len(weeks),
        "missing": join(d.isoformat() for d in missing),
    }
    return run.verdict(rule, subject, Status.NOT_COMPLIANT, period, text, evidence, value)


# ----------------------------------------------------------------------------- EDU-HEALTH


def edu_health(run, rule):
    facts = _education(run)
    out = {}
    for subject in run.schools:
        out[subject.key] = _health(run, rule, subject, facts[subject.node_id])
    return out


def _health(run, rule, subject, mine):
    period = run.term(subject)
    skip = _not_judged(run, rule, subject, period)
    if skip is not None:
        return skip
    if period is None:
        return run.no_data(
            rule,
            subject,
            None,
            _("The school calendar has no term that ended before %(date)s.")
            % {"date": run.day.isoformat()},
        )
    if mine.since is None or mine.since > period.end:
        return _no_records(run, rule, subject, period, mine.since)
    required = int(run.params(rule, subject, period.end)["per_term"])
    found = [a for a in mine.activities if a.kind == ActivityKind.HEALTH and a.day in period]
    periods = sum(a.periods for a in found)
    evidence = _activity_evidence(run, found)
    values = {"term": period.label, "periods": periods, "required": required}
    if periods >= required:
        text = ngettext(
            "%(term)s: %(periods)d period of health education (at least %(required)d a term).",
            "%(term)s: %(periods)d periods of health education (at least %(required)d a term).",
            periods,
        )
        status = Status.COMPLIANT
    else:
        text = ngettext(
            "%(term)s: %(periods)d period of health education, fewer than %(required)d.",
            "%(term)s: %(periods)d periods of health education, fewer than %(required)d.",
            periods,
        )
        status = Status.NOT_COMPLIANT
    return run.verdict(rule, subject, status, period, text % values, evidence, periods)


# ---------------------------------------------------------------------- EDU-CAMPAIGN-RATE


def _campaigns(run):
    """Campaigns that ended by the run's day, run by a region above one of the schools, with
    the schools' results: two queries."""
    found = run.cache.get("education_campaigns")
    if found is not None:
        return found
    from safecampus.education.models import Campaign, CampaignResult
    from safecampus.orgs.models import ancestor_paths

    above = {a for s in run.schools for a in ancestor_paths(s.path, include_self=False)}
    campaigns = list(
        Campaign.objects.filter(org_path__in=sorted(above), end__lte=run.day).order_by(
            "end", "start", "id"
        )
    )
    results = {
        (r.campaign_id, r.org_id): r
        for r in CampaignResult.objects.filter(
            campaign__in=campaigns, org_id__in=[s.node_id for s in run.schools]
        )
    }
    found = run.cache["education_campaigns"] = (campaigns, results)
    return found


def edu_campaign_rate(run, rule):
    campaigns, results = _campaigns(run)
    out = {}
    for subject in run.schools:
        covering = [c for c in campaigns if subject.path.startswith(c.org_path + ".")]
        if not covering:
            out[subject.key] = run.not_applicable(
                rule,
                subject,
                run.state(),
                _("No education campaign covering this school has ended by %(day)s.")
                % {"day": run.day.isoformat()},
            )
            continue
        campaign = covering[-1]
        out[subject.key] = _rate(
            run, rule, subject, campaign, results.get((campaign.pk, subject.node_id))
        )
    return out


def _rate(run, rule, subject, campaign, result):
    period = Period(
        f"{campaign.start.isoformat()}/{campaign.end.isoformat()}",
        campaign.name,
        campaign.start,
        campaign.end,
    )
    named = {
        "campaign": campaign.name,
        "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(),
    }
    if result is None or not result.target:
        return run.no_data(
            rule,
            subject,
            period,
            _("%(campaign)s (%(start)s – %(end)s): the school's completion is not reported.")
            % named,
        )
    minimum = float(run.params(rule, subject, campaign.end)["min_rate"])
    rate = result.completed / result.target
    values = {
        **named,
        "completed": f"{result.completed:,}",
        "target": f"{result.target:,}",
        "rate": percent(rate),
        "min": percent(minimum),
    }
    evidence = [
        Evidence(
            "campaign",
            campaign.pk,
            campaign.name,
            campaign.end,
            run.url("education:campaign", campaign.pk),
            {"target": result.target, "completed": result.completed},
        )
    ]
    if rate + 1e-9 >= minimum:
        text = _(
            "%(campaign)s (%(start)s – %(end)s): %(completed)s of %(target)s people completed it, "
            "%(rate)s; the minimum is %(min)s."
        )
        return run.verdict(rule, subject, Status.COMPLIANT, period, text % values, evidence, rate)
    text = _(
        "%(campaign)s (%(start)s – %(end)s): %(completed)s of %(target)s people completed it, "
        "%(rate)s, below the minimum of %(min)s."
    )
    return run.verdict(rule, subject, Status.NOT_COMPLIANT, period, text % values, evidence, rate)
