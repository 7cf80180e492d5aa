"""Drill compliance, derived when read and never stored: DRILL-SCHOOL, DRILL-KG,
DRILL-TERM-FIRST-WEEK, DRILL-NIGHT, DRILL-TERROR, EVAC-MIDDLE, EVAC-PRIMARY and DRILL-GUIDE
(domain.md, "Quantitative rules in the seeds").

The module is plain on purpose, so that a general rules engine can take it over: each rule is
a small function of one school's facts (`SchoolFacts`: its kind, boarding, calendar and the
drills it held) that returns a `Verdict` — the rule, the status, the period judged, the
records it rests on, and one sentence that says what was found. Loading facts is separate and
set-based (`load_facts`): a county of hundreds of schools costs the same few queries as one.

Which period a rule judges "as of" a day: the last period that has ended (the last month,
quarter or term), since a period still running cannot fail yet; DRILL-TERM-FIRST-WEEK judges
the last term whose first week is over; the evacuation rules judge the last timed drill of the
twelve months before. A period before the school's records begin (its first held drill, or
the day it was registered, whichever is earlier) is "no data", never "compliant".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Subquery
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safecampus.compliance.sql import Unindexed, between, unindexed
from safecampus.compliance.verdicts import (  # noqa: F401  the shared vocabulary
    STATUS_ORDER,
    Period,
    Status,
    Verdict,
    last_ended_month,
    last_ended_quarter,
    month_period,
    quarter_of,
    term_period,
    worst,
)
from safecampus.core.dates import ONE_DAY, add_months, day_start
from safecampus.emergency.choices import DrillStatus, Scenario
from safecampus.orgs.choices import SchoolKind

# --------------------------------------------------------------------------- vocabulary

K = SchoolKind
QUARTERLY_KINDS = frozenset({K.KINDERGARTEN})
# 中小学: primary and secondary, including the schools that are both, vocational secondary
# schools and special education schools.
MONTHLY_KINDS = frozenset(
    {K.PRIMARY, K.JUNIOR, K.SENIOR, K.NINE_YEAR, K.TWELVE_YEAR, K.VOCATIONAL, K.SPECIAL}
)
GUIDE_KINDS = QUARTERLY_KINDS | MONTHLY_KINDS  # 中小学幼儿园应急疏散演练指南
MIDDLE_KINDS = frozenset({K.JUNIOR, K.SENIOR, K.VOCATIONAL})
# Schools with both primary and middle pupils evacuate together, at the pace of the youngest.
PRIMARY_KINDS = frozenset({K.PRIMARY, K.NINE_YEAR, K.TWELVE_YEAR})

MIDDLE_LIMIT = 120  # EVAC-MIDDLE: 2 minutes
PRIMARY_LIMIT = 180  # EVAC-PRIMARY: 3 minutes
GUIDE_LIMIT = 120  # DRILL-GUIDE: 2 minutes for a building of up to four storeys
GUIDE_STOREYS = 4
FIRST_WEEK_DAYS = 5  # 开学第一周: the first five school days of the term
LOOKBACK_DAYS = 365  # the evacuation rules look at the last twelve months
WINDOW_DAYS = 2 * 366  # drills loaded: two years, enough for the last term and its history

# Drills that evacuate the buildings (应急疏散演练). A drill of another scenario counts too
# when it recorded an evacuation time.
EVACUATION_SCENARIOS = frozenset(
    {
        Scenario.FIRE,
        Scenario.EARTHQUAKE,
        Scenario.COMPREHENSIVE,
        Scenario.STAMPEDE,
        Scenario.GAS,
        Scenario.FLOOD,
        Scenario.EXTREME_WEATHER,
    }
)


def target_seconds(kind: str) -> int | None:
    """The whole-school evacuation target of a school kind (EVAC-MIDDLE / EVAC-PRIMARY)."""
    if kind in MIDDLE_KINDS:
        return MIDDLE_LIMIT
    if kind in PRIMARY_KINDS:
        return PRIMARY_LIMIT
    return None


def _duration(seconds) -> str:
    from safecampus.emergency.drills import format_duration

    return format_duration(seconds)


# ------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class BuildingFact:
    name: str
    storeys: int
    seconds: int


@dataclass(frozen=True)
class DrillFact:
    """What the rules need of one held drill."""

    id: int
    school_id: int
    scenario: str
    held_at: datetime.datetime
    is_night: bool = False
    police_joined: bool = False
    fire_joined: bool = False
    evacuation_seconds: int | None = None
    buildings: tuple[BuildingFact, ...] = ()
    # The local day held: given by the loader, which converts a region's drills with the zone
    # looked up once; the rules read it many times per drill.
    held_on: datetime.date = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.held_on is None:
            object.__setattr__(self, "held_on", timezone.localtime(self.held_at).date())

    @property
    def is_evacuation(self) -> bool:
        return (
            self.scenario in EVACUATION_SCENARIOS
            or self.evacuation_seconds is not None
            or bool(self.buildings)
        )

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "held_at": self.held_at.isoformat(),
            "scenario": self.scenario,
            "scenario_label": str(Scenario(self.scenario).label)
            if self.scenario in Scenario.values
            else self.scenario,
            "is_night": self.is_night,
            "police_joined": self.police_joined,
            "fire_joined": self.fire_joined,
            "evacuation_seconds": self.evacuation_seconds,
            "buildings": [
                {"name": b.name, "storeys": b.storeys, "seconds": b.seconds} for b in self.buildings
            ],
        }


@dataclass
class SchoolFacts:
    """One school as the rules see it, on the day `as_of`."""

    node_id: int
    name: str
    kind: str
    boarding: bool
    calendar: object  # hazards.calendar.Calendar
    drills: list[DrillFact]  # held drills, oldest first
    as_of: datetime.date
    data_since: datetime.date | None = None  # records begin: first held drill or registration

    def covers(self, period: Period) -> bool:
        return self.data_since is not None and self.data_since <= period.end

    def held_in(self, period: Period, test: Callable[[DrillFact], bool] = bool) -> list[DrillFact]:
        return [d for d in self.drills if d.held_on in period and test(d)]

    def last_before(self, day: datetime.date, test: Callable[[DrillFact], bool] = bool):
        found = [d for d in self.drills if d.held_on < day and test(d)]
        return found[-1] if found else None


# ----------------------------------------------------------------------------- periods


def ended_terms(calendar, as_of: datetime.date) -> list:
    return [t for t in calendar.terms if t.end < as_of]


def first_week(calendar, term, length: int = FIRST_WEEK_DAYS) -> Period | None:
    """The first `length` school days of a term (开学第一周)."""
    days = calendar.school_days(term.start, min(term.end, term.start + 28 * ONE_DAY))
    days = days[:length]
    if not days:
        return None
    label = _("first week of %(term)s") % {"term": term.name}
    return Period(f"{days[0].isoformat()}/{days[-1].isoformat()}", label, days[0], days[-1])


# ----------------------------------------------------------------------------- helpers


def _verdict(rule, status, period, explanation, facts, evidence=()) -> Verdict:
    return Verdict(
        rule=rule,
        status=status,
        period=period,
        explanation=explanation,
        evidence=tuple(evidence),
        node_id=facts.node_id,
    )


def _not_applicable(rule, period, facts, why) -> Verdict:
    return _verdict(rule, Status.NOT_APPLICABLE, period, why, facts)


def _no_records(rule, period, facts) -> Verdict:
    since = facts.data_since.isoformat() if facts.data_since else "—"
    return _verdict(
        rule,
        Status.NO_DATA,
        period,
        _("No records of this school before %(date)s: %(period)s cannot be judged.")
        % {"date": since, "period": period.label},
        facts,
    )


def _gap() -> str:
    """What separates two sentences: nothing after a Chinese full stop, a space in English."""
    return "" if (translation.get_language() or "").startswith("zh") else " "


def _join(items) -> str:
    chinese = (translation.get_language() or "").startswith("zh")
    return ("、" if chinese else ", ").join(str(i) for i in items)


def _kind_label(kinds) -> str:
    return _join(K(k).label for k in K.values if k in kinds)


def _frequency(rule: str, facts: SchoolFacts, period: Period, minimum: int = 1) -> Verdict:
    """At least `minimum` evacuation drills in `period` (a month or a quarter)."""
    if not facts.calendar.school_days(period.start, period.end):
        return _not_applicable(
            rule,
            period,
            facts,
            _("%(period)s has no school day (holidays): nothing is due.")
            % {"period": period.label},
        )
    if not facts.covers(period):
        return _no_records(rule, period, facts)
    found = facts.held_in(period, lambda d: d.is_evacuation)
    if found and len(found) < minimum:
        text = _(
            "%(count)d of the %(minimum)d evacuation drills due in %(period)s, the last on %(date)s."
        ) % {
            "count": len(found),
            "minimum": minimum,
            "period": period.label,
            "date": found[-1].held_on.isoformat(),
        }
        return _verdict(rule, Status.NOT_COMPLIANT, period, text, facts, found)
    if found:
        text = ngettext(
            "%(count)d evacuation drill in %(period)s, on %(date)s.",
            "%(count)d evacuation drills in %(period)s, the last on %(date)s.",
            len(found),
        ) % {"count": len(found), "period": period.label, "date": found[-1].held_on.isoformat()}
        return _verdict(rule, Status.COMPLIANT, period, text, facts, found)
    text = _("No drill in %(period)s.") % {"period": period.label}
    others = facts.held_in(period)
    if others:
        names = _join(sorted({str(Scenario(d.scenario).label) for d in others}))
        text += _gap() + _(
            "The drills held (%(scenarios)s) evacuated no one and recorded no evacuation time."
        ) % {"scenarios": names}
    last = facts.last_before(period.start, lambda d: d.is_evacuation)
    if last is not None:
        text += _gap() + _("Last evacuation drill %(date)s.") % {"date": last.held_on.isoformat()}
    return _verdict(rule, Status.NOT_COMPLIANT, period, text, facts, [last] if last else ())


def _term_for(facts: SchoolFacts, term):
    if term is not None:
        return term
    ended = ended_terms(facts.calendar, facts.as_of)
    return ended[-1] if ended else None


def _no_term(rule, facts) -> Verdict:
    return _verdict(
        rule,
        Status.NO_DATA,
        None,
        _("The school calendar has no term that ended before %(date)s.")
        % {"date": facts.as_of.isoformat()},
        facts,
    )


def _per_term(
    rule: str,
    facts: SchoolFacts,
    term,
    test: Callable[[DrillFact], bool],
    *,
    found_text: str,
    missing_text: str,
    last_text: str,
    never_text: str,
    near_miss: Callable[[DrillFact], bool] | None = None,
    near_miss_text: str = "",
    minimum: int = 1,
) -> Verdict:
    """At least `minimum` drills passing `test` in the term."""
    term = _term_for(facts, term)
    if term is None:
        return _no_term(rule, facts)
    period = term_period(term)
    if not facts.covers(period):
        return _no_records(rule, period, facts)
    found = facts.held_in(period, test)
    if found and len(found) < minimum:
        text = found_text % {"date": found[-1].held_on.isoformat(), "term": period.label}
        text += _gap() + _("%(count)d of the %(minimum)d due.") % {
            "count": len(found),
            "minimum": minimum,
        }
        return _verdict(rule, Status.NOT_COMPLIANT, period, text, facts, found)
    if found:
        text = found_text % {"date": found[-1].held_on.isoformat(), "term": period.label}
        return _verdict(rule, Status.COMPLIANT, period, text, facts, found)
    text = missing_text % {"term": period.label}
    evidence = []
    if near_miss is not None:
        near = facts.held_in(period, near_miss)
        if near:
            text += _gap() + near_miss_text % {"date": near[-1].held_on.isoformat()}
            evidence.append(near[-1])
    last = facts.last_before(period.start, test)
    if last is not None:
        text += _gap() + last_text % {"date": last.held_on.isoformat()}
        evidence.append(last)
    else:
        text += _gap() + never_text
    return _verdict(rule, Status.NOT_COMPLIANT, period, text, facts, evidence)


def _latest_timed(facts: SchoolFacts, test: Callable[[DrillFact], bool]):
    since = facts.as_of - datetime.timedelta(days=LOOKBACK_DAYS)
    found = [d for d in facts.drills if since <= d.held_on <= facts.as_of and test(d)]
    return found[-1] if found else None


def _drill_period(drill: DrillFact) -> Period:
    day = drill.held_on
    return Period(day.isoformat(), day.isoformat(), day, day)


# ------------------------------------------------------------------------------- rules


def drill_school(facts: SchoolFacts, period: Period | None = None, per_month: int = 1) -> Verdict:
    """DRILL-SCHOOL: primary and secondary schools, at least one evacuation drill a month."""
    period = period or last_ended_month(facts.as_of)
    if facts.kind not in MONTHLY_KINDS:
        return _not_applicable(
            "DRILL-SCHOOL",
            period,
            facts,
            _("The rule applies to primary and secondary schools."),
        )
    return _frequency("DRILL-SCHOOL", facts, period, per_month)


def drill_kg(facts: SchoolFacts, period: Period | None = None, per_quarter: int = 1) -> Verdict:
    """DRILL-KG: kindergartens, at least one evacuation drill a quarter."""
    period = period or last_ended_quarter(facts.as_of)
    if facts.kind not in QUARTERLY_KINDS:
        return _not_applicable("DRILL-KG", period, facts, _("The rule applies to kindergartens."))
    return _frequency("DRILL-KG", facts, period, per_quarter)


def drill_term_first_week(
    facts: SchoolFacts, term=None, first_week_days: int = FIRST_WEEK_DAYS
) -> Verdict:
    """DRILL-TERM-FIRST-WEEK: a comprehensive drill in the first week of each term."""
    rule = "DRILL-TERM-FIRST-WEEK"
    if facts.kind not in GUIDE_KINDS:
        return _not_applicable(
            rule,
            None,
            facts,
            _("The rule applies to primary and secondary schools and kindergartens."),
        )
    if term is None:
        begun = [
            t
            for t in facts.calendar.terms
            if (week := first_week(facts.calendar, t, first_week_days)) is not None
            and week.end < facts.as_of
        ]
        term = begun[-1] if begun else None
    if term is None:
        return _verdict(
            rule,
            Status.NO_DATA,
            None,
            _("The school calendar has no term whose first week ended before %(date)s.")
            % {"date": facts.as_of.isoformat()},
            facts,
        )
    week = first_week(facts.calendar, term, first_week_days)
    if week is None:
        return _not_applicable(
            rule, term_period(term), facts, _("%(term)s has no school day.") % {"term": term.name}
        )
    if not facts.covers(week):
        return _no_records(rule, week, facts)

    def comprehensive(d):
        return d.scenario == Scenario.COMPREHENSIVE

    span = {"term": term.name, "start": week.start.isoformat(), "end": week.end.isoformat()}
    found = facts.held_in(week, comprehensive)
    if found:
        text = _("Comprehensive drill on %(date)s, in the first week of %(term)s.") % {
            "date": found[0].held_on.isoformat(),
            "term": term.name,
        }
        return _verdict(rule, Status.COMPLIANT, week, text, facts, found)
    text = _("No comprehensive drill in the first week of %(term)s (%(start)s – %(end)s).") % span
    later = [d for d in facts.held_in(term_period(term), comprehensive) if d.held_on > week.end]
    if later:
        text += _gap() + _("A comprehensive drill followed on %(date)s, after the first week.") % {
            "date": later[0].held_on.isoformat()
        }
    return _verdict(rule, Status.NOT_COMPLIANT, week, text, facts, later[:1])


def drill_night(facts: SchoolFacts, term=None, per_term: int = 1) -> Verdict:
    """DRILL-NIGHT: boarding schools hold night drills "periodically" (适时, seed 002), read
    here as at least one night drill each term."""
    rule = "DRILL-NIGHT"
    if not facts.boarding:
        return _not_applicable(rule, None, facts, _("The rule applies to boarding schools."))
    return _per_term(
        rule,
        facts,
        term,
        lambda d: d.is_night,
        found_text=_("Night drill on %(date)s in %(term)s."),
        missing_text=_("No night drill in %(term)s."),
        last_text=_("Last night drill %(date)s."),
        never_text=_("No night drill on record."),
        minimum=per_term,
    )


def drill_terror(facts: SchoolFacts, term=None, per_term: int = 1) -> Verdict:
    """DRILL-TERROR: a violence and terror drill with the police, at least once a term."""
    rule = "DRILL-TERROR"
    if facts.kind not in GUIDE_KINDS:
        return _not_applicable(
            rule,
            None,
            facts,
            _("The rule applies to primary and secondary schools and kindergartens."),
        )
    return _per_term(
        rule,
        facts,
        term,
        lambda d: d.scenario == Scenario.VIOLENCE and d.police_joined,
        found_text=_("Violence and terror drill with the police on %(date)s in %(term)s."),
        missing_text=_("No violence and terror drill with the police in %(term)s."),
        last_text=_("Last one %(date)s."),
        never_text=_("None on record."),
        near_miss=lambda d: d.scenario == Scenario.VIOLENCE,
        near_miss_text=_("The violence and terror drill of %(date)s had no police taking part."),
        minimum=per_term,
    )


def _evacuation(rule: str, kinds, limit: int, facts: SchoolFacts) -> Verdict:
    if facts.kind not in kinds:
        return _not_applicable(
            rule, None, facts, _("The rule applies to %(kinds)s.") % {"kinds": _kind_label(kinds)}
        )
    drill = _latest_timed(facts, lambda d: d.evacuation_seconds is not None)
    if drill is None:
        return _verdict(
            rule,
            Status.NO_DATA,
            None,
            _("No drill with an evacuation time in the twelve months to %(date)s.")
            % {"date": facts.as_of.isoformat()},
            facts,
        )
    values = {
        "time": _duration(drill.evacuation_seconds),
        "date": drill.held_on.isoformat(),
        "limit": _duration(limit),
    }
    if drill.evacuation_seconds <= limit:
        text = _("Evacuation took %(time)s on %(date)s, within %(limit)s.") % values
        return _verdict(rule, Status.COMPLIANT, _drill_period(drill), text, facts, [drill])
    text = _("Evacuation took %(time)s on %(date)s, more than %(limit)s.") % values
    return _verdict(rule, Status.NOT_COMPLIANT, _drill_period(drill), text, facts, [drill])


def evac_middle(facts: SchoolFacts, max_seconds: int = MIDDLE_LIMIT) -> Verdict:
    """EVAC-MIDDLE: a middle school evacuates within 2 minutes."""
    return _evacuation("EVAC-MIDDLE", MIDDLE_KINDS, max_seconds, facts)


def evac_primary(facts: SchoolFacts, max_seconds: int = PRIMARY_LIMIT) -> Verdict:
    """EVAC-PRIMARY: a primary school evacuates within 3 minutes."""
    return _evacuation("EVAC-PRIMARY", PRIMARY_KINDS, max_seconds, facts)


def drill_guide(
    facts: SchoolFacts, max_seconds: int = GUIDE_LIMIT, max_storeys: int = GUIDE_STOREYS
) -> Verdict:
    """DRILL-GUIDE: each building of up to four storeys evacuated within 2 minutes."""
    rule = "DRILL-GUIDE"
    if facts.kind not in GUIDE_KINDS:
        return _not_applicable(
            rule,
            None,
            facts,
            _("The rule applies to primary and secondary schools and kindergartens."),
        )
    drill = _latest_timed(facts, lambda d: bool(d.buildings))
    if drill is None:
        return _verdict(
            rule,
            Status.NO_DATA,
            None,
            _("No drill with evacuation times per building in the twelve months to %(date)s.")
            % {"date": facts.as_of.isoformat()},
            facts,
        )
    period = _drill_period(drill)
    date = drill.held_on.isoformat()
    low = [b for b in drill.buildings if b.storeys <= max_storeys]
    if not low:
        return _not_applicable(
            rule,
            period,
            facts,
            _(
                "Every building evacuated on %(date)s has more than four storeys: the guide sets no time for them."
            )
            % {"date": date},
        )
    limit = _duration(max_seconds)
    slow = [b for b in low if b.seconds > max_seconds]
    if slow:
        parts = [
            _("%(name)s (%(storeys)d storeys) took %(time)s, more than %(limit)s")
            % {"name": b.name, "storeys": b.storeys, "time": _duration(b.seconds), "limit": limit}
            for b in slow
        ]
        text = _("On %(date)s: %(buildings)s.") % {"date": date, "buildings": _join(parts)}
        return _verdict(rule, Status.NOT_COMPLIANT, period, text, facts, [drill])
    text = ngettext(
        "On %(date)s the %(count)d building of up to four storeys evacuated within %(limit)s.",
        "On %(date)s all %(count)d buildings of up to four storeys evacuated within %(limit)s.",
        len(low),
    ) % {"date": date, "count": len(low), "limit": limit}
    return _verdict(rule, Status.COMPLIANT, period, text, facts, [drill])


# ------------------------------------------------------------------------------- table


@dataclass(frozen=True)
class Rule:
    """A drill rule as the drill pages use it; its title and text are the catalogue's
    (compliance/catalog.py), the one place where the rules are written down."""

    id: str
    check: Callable[[SchoolFacts], Verdict]
    cadence: str  # month / quarter / term / latest

    @property
    def title(self) -> str:
        from safecampus.compliance.catalog import RULES_BY_CODE

        return RULES_BY_CODE[self.id].title

    @property
    def text(self) -> str:
        from safecampus.compliance.catalog import RULES_BY_CODE

        return RULES_BY_CODE[self.id].text


RULES: tuple[Rule, ...] = (
    Rule("DRILL-SCHOOL", drill_school, "month"),
    Rule("DRILL-KG", drill_kg, "quarter"),
    Rule("DRILL-TERM-FIRST-WEEK", drill_term_first_week, "term"),
    Rule("DRILL-NIGHT", drill_night, "term"),
    Rule("DRILL-TERROR", drill_terror, "term"),
    Rule("EVAC-MIDDLE", evac_middle, "latest"),
    Rule("EVAC-PRIMARY", evac_primary, "latest"),
    Rule("DRILL-GUIDE", drill_guide, "latest"),
)
RULES_BY_ID = {r.id: r for r in RULES}
RULE_IDS = tuple(RULES_BY_ID)


def evaluate(facts: SchoolFacts, rule_ids=None) -> list[Verdict]:
    """Every rule (or those named) for one school, in the table's order."""
    return [r.check(facts) for r in RULES if rule_ids is None or r.id in rule_ids]


def history(facts: SchoolFacts, months: int = 12, terms: int = 2) -> list[Verdict]:
    """The frequency verdicts of the last `months` ended months (quarters for a kindergarten)
    and the term verdicts of the last `terms` ended terms, newest first."""
    out = []
    if facts.kind in MONTHLY_KINDS:
        period = last_ended_month(facts.as_of)
        for _i in range(months):
            out.append(drill_school(facts, period))
            period = last_ended_month(period.start)
    elif facts.kind in QUARTERLY_KINDS:
        period = last_ended_quarter(facts.as_of)
        for _i in range(max(months // 3, 1)):
            out.append(drill_kg(facts, period))
            period = last_ended_quarter(period.start)
    for term in reversed(ended_terms(facts.calendar, facts.as_of)[-terms:]):
        for check in (drill_term_first_week, drill_night, drill_terror):
            verdict = check(facts, term)
            if verdict.status != Status.NOT_APPLICABLE:
                out.append(verdict)
    return out


# ------------------------------------------------------------------------------- loading


def calendars_of(nodes, as_of: datetime.date) -> dict:
    """The calendar of each school node (one query); the default school year is built around
    `as_of`, so that a day far from today is judged on the right year."""
    from safecampus.hazards.calendar import calendars_for, default_calendar

    found = calendars_for(nodes)
    default = None
    for pk, cal in found.items():
        if cal.source is None:
            default = default or default_calendar(as_of)
            found[pk] = default
    return found


def _drill_facts(qs) -> dict[int, list[DrillFact]]:
    """Held drills with their buildings, in one query (a row per building), by school."""
    # `+held_at` on SQLite: ordered by the time index, it would walk every drill of the time
    # range, whatever the schools (compliance/sql.py).
    rows = qs.order_by(Unindexed(F("held_at")).asc(), "id", "buildings__id").values_list(
        "id",
        "org_id",
        "scenario",
        "held_at",
        "is_night",
        "police_joined",
        "fire_joined",
        "evacuation_seconds",
        "buildings__name",
        "buildings__storeys",
        "buildings__seconds",
    )
    drills: dict[int, dict] = {}
    for pk, org, scenario, held_at, night, police, fire, secs, b_name, b_storeys, b_secs in rows:
        entry = drills.get(pk)
        if entry is None:
            entry = drills[pk] = {
                "args": (pk, org, scenario, held_at, night, police, fire, secs),
                "buildings": [],
            }
        if b_name is not None:
            entry["buildings"].append(BuildingFact(b_name, b_storeys, b_secs))
    out: dict[int, list[DrillFact]] = {}
    zone = timezone.get_current_timezone()
    for entry in drills.values():  # insertion order is held_at order
        pk, org, scenario, held_at, night, police, fire, secs = entry["args"]
        out.setdefault(org, []).append(
            DrillFact(
                id=pk,
                school_id=org,
                scenario=scenario,
                held_at=held_at,
                is_night=night,
                police_joined=police,
                fire_joined=fire,
                evacuation_seconds=secs,
                buildings=tuple(entry["buildings"]),
                held_on=held_at.astimezone(zone).date(),
            )
        )
    return out


def schools_in_scope(user, *, node=None, school_id=None):
    """School profiles whose drills the user may see (inside `node`, or the one school)."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.core.scoping import ALL, path_q
    from safecampus.emergency.models import Drill
    from safecampus.orgs.models import School

    prefixes = scope_prefixes(user, Drill, "view")
    if prefixes is not ALL and not prefixes:
        return School.objects.none()
    qs = School.objects.select_related("node")
    if prefixes is not ALL:
        qs = qs.filter(path_q("node__path", prefixes))
    if node is not None:
        qs = qs.within(node.path)
    if school_id is not None:
        return qs.filter(node_id=school_id)
    return qs.filter(node__is_active=True).order_by("node__path")


def with_first_drill(schools):
    """School profiles with the time of their first held drill (`first_drill`), where their
    records begin."""
    from safecampus.emergency.models import Drill

    first = (
        Drill.objects.filter(org=OuterRef("node"), status=DrillStatus.HELD)
        .order_by("held_at")
        .values("held_at")[:1]
    )
    return schools.annotate(first_drill=Subquery(first))


def load_facts(
    user,
    *,
    as_of: datetime.date | None = None,
    node=None,
    school_id=None,
    schools=None,
    calendars=None,
) -> list[tuple[object, SchoolFacts]]:
    """(school profile, facts) for every school in scope under `node` (or the one school), in
    three queries whatever their number: schools (with their first drill), held drills with
    their buildings, and calendars (none when the caller has them: `calendars`, by node id,
    built by `calendars_of` for the same day). `schools` may be given as a queryset, or as a
    list read through `with_first_drill` (a page of them)."""
    from safecampus.emergency.models import Drill

    as_of = as_of or timezone.localdate()
    if schools is None:
        schools = schools_in_scope(user, node=node, school_id=school_id)
    if not isinstance(schools, list):  # a list: read already, with its first drills
        schools = list(with_first_drill(schools))
    if not schools:
        return []
    end = day_start(as_of + ONE_DAY)
    start = day_start(as_of - datetime.timedelta(days=WINDOW_DAYS))
    drills = (
        unindexed(Drill.objects.for_user(user, "view"), at="held_at")
        .filter(status=DrillStatus.HELD)
        .filter(between("at", start, end))
    )
    if school_id is not None or len(schools) == 1:
        drills = drills.filter(org_id=schools[0].node_id)
    elif node is not None:
        drills = drills.within(node.path)
    else:  # the schools given: their drills, not all those of the user's scope
        drills = drills.filter(org_id__in=[s.node_id for s in schools])
    by_school = _drill_facts(drills)
    if calendars is None or any(s.node_id not in calendars for s in schools):
        calendars = calendars_of([s.node for s in schools], as_of)
    out = []
    for school in schools:
        since = timezone.localtime(school.node.created_at).date()
        if school.first_drill is not None:
            since = min(since, timezone.localtime(school.first_drill).date())
        out.append(
            (
                school,
                SchoolFacts(
                    node_id=school.node_id,
                    name=school.node.name,
                    kind=school.school_kind,
                    boarding=school.boarding,
                    calendar=calendars[school.node_id],
                    drills=by_school.get(school.node_id, []),
                    as_of=as_of,
                    data_since=since,
                ),
            )
        )
    return out


@dataclass
class SchoolResult:
    school: object  # orgs.School (with .node)
    facts: SchoolFacts
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def node(self):
        return self.school.node

    @property
    def status(self) -> str:
        return worst(self.verdicts)

    @property
    def failing(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.is_failing]


def evaluate_region(
    user,
    *,
    node=None,
    as_of: datetime.date | None = None,
    rule_ids=None,
    school_id=None,
    direct: bool = False,
) -> list[SchoolResult]:
    """Every school the user sees under `node` (only those right under it when `direct`),
    with its verdicts: a few queries in all."""
    schools = None
    if direct and node is not None:
        schools = schools_in_scope(user, node=node).filter(node__parent=node)
    return [
        SchoolResult(school, facts, evaluate(facts, rule_ids))
        for school, facts in load_facts(
            user,
            as_of=as_of,
            node=None if schools is not None else node,  # the few schools' drills, by id
            school_id=school_id,
            schools=schools,
        )
    ]


def evaluate_school(user, school_node, as_of: datetime.date | None = None) -> SchoolResult | None:
    results = evaluate_region(user, as_of=as_of, school_id=school_node.pk)
    return results[0] if results else None


# ------------------------------------------------------------------------------- trends


def evacuation_trend(facts: SchoolFacts) -> dict:
    """A school's timed drills against its target, oldest first (for the trend chart)."""
    target = target_seconds(facts.kind)
    timed = [d for d in facts.drills if d.evacuation_seconds is not None]
    names: list[str] = []
    for d in timed:
        for b in d.buildings:
            if b.name not in names:
                names.append(b.name)
    return {
        "labels": [d.held_on.isoformat() for d in timed],
        "seconds": [d.evacuation_seconds for d in timed],
        "ids": [d.id for d in timed],
        "target": target,
        "guide": GUIDE_LIMIT,
        "buildings": [
            {
                "name": name,
                "seconds": [
                    next((b.seconds for b in d.buildings if b.name == name), None) for d in timed
                ],
            }
            for name in names[:6]
        ],
    }


def monthly_outcomes(results: list[SchoolResult], as_of: datetime.date, months: int = 12) -> dict:
    """Per month: timed drills within their school's target and over it (outcomes, not only
    counts), for a region's chart."""
    first = add_months(as_of, -(months - 1))
    keys = [add_months(first, i) for i in range(months)]
    within = dict.fromkeys(keys, 0)
    over = dict.fromkeys(keys, 0)
    for result in results:
        target = target_seconds(result.facts.kind)
        if target is None:
            continue
        for d in result.facts.drills:
            month = d.held_on.replace(day=1)
            if d.evacuation_seconds is None or month not in within:
                continue
            if d.evacuation_seconds <= target:
                within[month] += 1
            else:
                over[month] += 1
    return {
        "labels": [formats.date_format(k, "YEAR_MONTH_FORMAT") for k in keys],
        "keys": [f"{k.year}-{k.month:02d}" for k in keys],
        "within": [within[k] for k in keys],
        "over": [over[k] for k in keys],
    }
