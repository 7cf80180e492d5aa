"""The county overview of training and appointments, and the school's to-dos: the figures of
the rules for the year and term under way, read through the user's scope.

Per school: the safety managers' hours so far this year against TRAIN-MANAGER, this term's
staff coverage (TRAIN-STAFF), the legal vice-principal and the psychological teacher in office;
per county: the guards' training days so far this year (TRAIN-GUARD). The figures come from
training/facts.py, the same functions the rules judge with, so the page and the verdicts
agree. A fixed number of queries, whatever the number of schools.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.access import assignments, can
from safecampus.compliance.params import ParamBook
from safecampus.compliance.verdicts import percent, term_period, year_period
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode, School, ancestor_paths
from safecampus.training import facts
from safecampus.training.choices import PSY_POSTS, Post
from safecampus.training.models import Appointment, TrainingAttendance, TrainingSession

MANAGER_ROLES = ("principal", "safety_officer")
# From this month on, managers short of their hours hear of it on their home page.
LATE_IN_YEAR = 10


@dataclass
class SchoolRow:
    node: OrgNode
    school: School
    township: str
    required_hours: Decimal
    managers: list  # facts.ManagerHours, fewest hours first
    manager_finding: facts.Finding
    term: object  # compliance.verdicts.Period or None
    staff_finding: facts.Finding | None
    covered: int
    legal: list  # facts.AppointmentFact
    psy: list
    psy_needed: int
    legal_finding: facts.Finding = None
    psy_finding: facts.Finding = None
    recorded: bool = True  # any training recorded up to today (else its figures are blank)

    @property
    def short(self) -> list:
        return [m for m in self.managers if m.hours < self.required_hours]

    @property
    def least_hours(self):
        return self.managers[0].hours if self.managers else None

    @property
    def coverage(self) -> float | None:
        return self.staff_finding.value if self.staff_finding is not None else None

    @property
    def coverage_text(self) -> str:
        return percent(self.coverage)

    @property
    def appointments_url(self) -> str:
        return f"{reverse('training:appointments')}?node={self.node.pk}"


@dataclass
class CountyRow:
    node: OrgNode
    minimum: int
    finding: facts.Finding
    days: int
    sessions: list = field(default_factory=list)


def _current_term(calendar, today: datetime.date):
    """The term under way, or in a break the one that just ended."""
    held = calendar.term_of(today)
    if held is not None:
        return held
    ended = [t for t in calendar.terms if t.end < today]
    return ended[-1] if ended else None


def school_rows(
    user, node: OrgNode, today: datetime.date | None = None, *, direct: bool = False
) -> list[SchoolRow]:
    """The schools of `node` the user sees (only those right under it when `direct`), each
    with this year's and this term's figures."""
    from safecampus.emergency.compliance import calendars_of

    today = today or timezone.localdate()
    profiles = School.objects.for_user(user).select_related("node", "node__parent")
    profiles = profiles.filter(node__is_active=True)
    if node.kind == NodeKind.SCHOOL:
        profiles = profiles.filter(node=node)
    elif direct:
        profiles = profiles.filter(node__parent=node)
    else:
        profiles = profiles.filter(node__path__startswith=node.path + ".")
    profiles = list(profiles.order_by("node__path"))
    if not profiles:
        return []
    nodes = [p.node for p in profiles]
    year = year_period(today.year)
    start = datetime.date(today.year - 1, 1, 1)
    loaded = facts.load_schools(
        [n.pk for n in nodes],
        start=start,
        end=today,
        sessions=TrainingSession.objects.for_user(user),
        attendances=TrainingAttendance.objects.for_user(user),
        appointments=Appointment.objects.for_user(user),
    )
    calendars = calendars_of(nodes, today)
    book = ParamBook.for_region(
        node.path, ["TRAIN-MANAGER", "TRAIN-STAFF", "STAFF-LEGAL", "STAFF-PSY"]
    )
    townships = {
        n.path: n.name
        for n in OrgNode.objects.filter(
            kind=NodeKind.TOWNSHIP,
            path__in={a for p in profiles for a in ancestor_paths(p.node.path)},
        )
    }
    rows = []
    for profile in profiles:
        school = profile.node
        st = loaded[school.pk]
        hours = Decimal(str(book.params("TRAIN-MANAGER", school.path, today)["hours"]))
        coverage = float(book.params("TRAIN-STAFF", school.path, today)["coverage"])
        legal_min = int(book.params("STAFF-LEGAL", school.path, today)["per_school"])
        psy = book.params("STAFF-PSY", school.path, today)
        term = _current_term(calendars[school.pk], today)
        period = term_period(term) if term is not None else None
        staff = (
            facts.judge_staff(st, profile.staff_count, period, today, coverage) if period else None
        )
        covered = facts.staff_covered(st, period, today)[0] if period else 0
        township = next(
            (townships[a] for a in ancestor_paths(school.path)[::-1] if a in townships), ""
        )
        psy_posts = {Post.PSY_FULL} if profile.school_kind in facts.HIGHER_KINDS else PSY_POSTS
        rows.append(
            SchoolRow(
                node=school,
                school=profile,
                township=township,
                required_hours=hours,
                recorded=st.covers(today),
                managers=facts.manager_hours(st, year, today),
                manager_finding=facts.judge_manager(st, year, today, hours),
                term=period,
                staff_finding=staff,
                covered=covered,
                legal=facts.holders(st, {Post.LEGAL_VP}, today),
                psy=facts.holders(st, psy_posts, today),
                psy_needed=facts.psy_needed(
                    profile.school_kind,
                    profile.enrolment,
                    int(psy["per_school"]),
                    int(psy["students_per_teacher_higher"]),
                ),
                legal_finding=facts.judge_legal(st, today, legal_min),
                psy_finding=facts.judge_psy(
                    st,
                    today,
                    school_kind=profile.school_kind,
                    enrolment=profile.enrolment,
                    per_school=int(psy["per_school"]),
                    ratio=int(psy["students_per_teacher_higher"]),
                ),
            )
        )
    return rows


def totals(schools: list[SchoolRow]) -> dict:
    """The page's figures of a region's schools (its head, and its row above a county)."""
    return {
        "schools": len(schools),
        "managers_short": sum(1 for r in schools if r.recorded and r.short),
        "no_legal": sum(1 for r in schools if not r.legal),
        "no_psy": sum(1 for r in schools if len(r.psy) < r.psy_needed or not r.psy),
        "full_coverage": sum(
            1 for r in schools if r.coverage is not None and r.coverage >= 1.0 - 1e-9
        ),
    }


def county_rows(user, node: OrgNode, today: datetime.date | None = None) -> list[CountyRow]:
    """The counties at or under `node` the user sees, with this year's guard-training days."""
    today = today or timezone.localdate()
    counties = OrgNode.objects.for_user(user).filter(kind=NodeKind.COUNTY, is_active=True)
    inside = counties.filter(path__startswith=node.path + ".")
    counties = list((counties.filter(path__in=ancestor_paths(node.path)) | inside).order_by("path"))
    if not counties:
        return []
    year = year_period(today.year)
    loaded = facts.load_counties(
        [(c.pk, c.path) for c in counties],
        start=year.start,
        end=today,
        sessions=TrainingSession.objects.for_user(user),
    )
    book = ParamBook.for_region(node.path, ["TRAIN-GUARD"])
    rows = []
    for county in counties:
        minimum = int(book.params("TRAIN-GUARD", county.path, today)["days"])
        cg = loaded[county.pk]
        rows.append(
            CountyRow(
                node=county,
                minimum=minimum,
                finding=facts.judge_guard(cg, year, today, minimum),
                days=len(facts.guard_days(cg, year, today)),
                sessions=[s for s in cg.sessions if s.started_on >= year.start],
            )
        )
    return rows


# ---------------------------------------------------------------------------------- to-dos


def _my_schools(user) -> list[OrgNode]:
    seen = {}
    for a in assignments(user):
        if (
            a.role in MANAGER_ROLES
            and a.org.kind == NodeKind.SCHOOL
            and a.org_id not in seen
            and can(user, "add", Appointment, a.org)
        ):
            seen[a.org_id] = a.org
    return list(seen.values())


def todo_items(user, today: datetime.date | None = None) -> list[dict]:
    """A school's principal and safety officer: a legal vice-principal or psychological teacher
    missing, and (from October) safety managers still short of the year's hours."""
    schools = _my_schools(user)
    if not schools:
        return []
    today = today or timezone.localdate()
    loaded = facts.load_schools(
        [s.pk for s in schools], start=datetime.date(today.year, 1, 1), end=today
    )
    book = ParamBook.for_region(schools[0].path, ["TRAIN-MANAGER"]) if len(schools) == 1 else None
    base = reverse("training:appointments")
    no_legal = [s for s in schools if not facts.holders(loaded[s.pk], {Post.LEGAL_VP}, today)]
    no_psy = [s for s in schools if not facts.holders(loaded[s.pk], PSY_POSTS, today)]
    items = []
    if no_legal:
        items.append(
            {
                "key": "training-legal",
                "label": _("No legal vice-principal in office"),
                "count": len(no_legal),
                "url": f"{base}?node={no_legal[0].pk}",
                "severity": "due",
            }
        )
    if no_psy:
        items.append(
            {
                "key": "training-psy",
                "label": _("No psychological teacher in office"),
                "count": len(no_psy),
                "url": f"{base}?node={no_psy[0].pk}",
                "severity": "due",
            }
        )
    if today.month >= LATE_IN_YEAR:
        year = year_period(today.year)
        short = 0
        for school in schools:
            params = (book or ParamBook.for_region(school.path, ["TRAIN-MANAGER"])).params(
                "TRAIN-MANAGER", school.path, today
            )
            required = Decimal(str(params["hours"]))
            short += sum(
                1 for m in facts.manager_hours(loaded[school.pk], year, today) if m.hours < required
            )
        if short:
            items.append(
                {
                    "key": "training-hours",
                    "label": _("Safety managers short of this year's training hours"),
                    "count": short,
                    "url": f"{base}?node={schools[0].pk}#managers",
                    "severity": "overdue" if today.month == 12 else "due",
                }
            )
    return items
