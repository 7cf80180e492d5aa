"""Incidents (涉校案事件): reporting, the append-only timeline, reporting deadlines, and who is
told at once.

Each write is one transaction that validates first and changes nothing when it refuses. The
timeline is evidence: entries are only ever appended, and a mistake is fixed by a CORRECTION
entry that points at the entry it corrects and says why (response.py folds corrections in
when the timeline is read). The incident's status follows its entries: under control after a
CONTROLLED entry, closed after a CLOSED one.

The deadline for the first report to the bureau (REPORT-DEADLINE) is counted from the time
the incident happened, with the policy of the nearest region at or above the school (the
defaults of IncidentPolicy otherwise). A new incident is urgent news for the county's bureau
and the school's principal and safety officer; a periodic job warns once when the deadline
is near and no BUREAU_REPORTED entry exists. Nothing in a notification goes beyond what
privacy.py allows everyone who could receive it (group robots included): never a name, and
for a sensitive incident no detail at all.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from safecampus.accounts.access import assignments, can
from safecampus.accounts.roles import Role
from safecampus.core.audit import audit, diff, snapshot
from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.services import claim_version, delete_record
from safecampus.emergency import privacy
from safecampus.emergency.choices import (
    CRIMINAL_TYPES,
    RESPONSE_MARKS,
    SENSITIVE_TYPES,
    IncidentStatus,
    IncidentType,
    PlanStatus,
    Scenario,
    Severity,
    Step,
)
from safecampus.emergency.models import (
    EmergencyPlan,
    Incident,
    IncidentCounter,
    IncidentEntry,
    IncidentPolicy,
)
from safecampus.orgs.models import OrgNode, ancestor_paths
from safecampus.orgs.selectors import nearest_setting

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# Steps recorded once: a second one would make the 1-3-5 marks and the status ambiguous.
ONCE = frozenset({*RESPONSE_MARKS, Step.CLOSED})
# Steps a person appends by hand (REPORTED is written by the report itself).
APPENDABLE = tuple(s for s in Step if s not in (Step.REPORTED, Step.CORRECTION))
TEXT_MAX = 5000

# The plans that answer each type of incident, the most specific first.
PLAN_SCENARIOS = {
    IncidentType.INJURY: (Scenario.INJURY,),
    IncidentType.DROWNING: (Scenario.DROWNING,),
    IncidentType.TRAFFIC: (Scenario.TRAFFIC,),
    IncidentType.FOOD_POISONING: (Scenario.FOOD_POISONING,),
    IncidentType.BULLYING: (Scenario.VIOLENCE,),
    IncidentType.VIOLENCE: (Scenario.VIOLENCE,),
    IncidentType.SEXUAL_ASSAULT: (Scenario.VIOLENCE,),
    IncidentType.MISSING: (Scenario.MISSING,),
    IncidentType.FIRE: (Scenario.FIRE,),
    IncidentType.NATURAL_DISASTER: (
        Scenario.EARTHQUAKE,
        Scenario.FLOOD,
        Scenario.EXTREME_WEATHER,
    ),
    IncidentType.EPIDEMIC: (Scenario.EPIDEMIC,),
    IncidentType.PUBLIC_OPINION: (Scenario.PUBLIC_OPINION,),
    IncidentType.OTHER: (),
}

# Fields that may be completed or corrected after the report ("everything else later").
EDITABLE = (
    "incident_type",
    "severity",
    "occurred_at",
    "place",
    "description",
    "first_measures",
    "injured",
    "deaths",
    "missing",
    "affected",
    "minors_involved",
    "students_involved",
    "names",
)
FLAGS = ("is_sensitive", "is_criminal")

BUREAU_ROLES = (Role.BUREAU_STAFF, Role.BUREAU_LEADER)
SCHOOL_MANAGERS = (Role.PRINCIPAL, Role.SAFETY_OFFICER)


def _require(user, action: str, model, org) -> None:
    if user is not None and not can(user, action, model, org):
        raise NotAllowed(_("Your role does not allow this here."))


def _user(by):
    return by if getattr(by, "pk", None) else None


# ------------------------------------------------------------------------------ numbering


def next_number(school: OrgNode, year: int) -> str:
    """盐池-2026-S0007: unique per county and year, claimed with an atomic counter."""
    from safecampus.hazards.services import numbering_region

    region = numbering_region(school)
    counter, _created = IncidentCounter.objects.get_or_create(county=region, year=year)
    IncidentCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    prefix = region.short_name or region.name
    return f"{prefix}-{year}-S{counter.last:04d}"


# ------------------------------------------------------------------------------- policies


def policy_for(node: OrgNode) -> IncidentPolicy:
    """The reporting policy of the nearest node at or above `node`; the defaults otherwise
    (an unsaved IncidentPolicy carries them)."""
    return nearest_setting(IncidentPolicy, node)


def deadlines(node: OrgNode, occurred_at: datetime.datetime):
    """(first report due, written report due), counted from when the incident happened."""
    policy = policy_for(node)
    return (
        occurred_at + datetime.timedelta(minutes=policy.first_report_minutes),
        occurred_at + datetime.timedelta(hours=policy.written_report_hours),
    )


POLICY_FIELDS = ("first_report_minutes", "written_report_hours", "warn_before_minutes")


def _check_policy(values: dict) -> None:
    errors = {}
    first, written, warn = (values.get(f) for f in POLICY_FIELDS)
    if isinstance(first, int) and isinstance(warn, int) and warn >= first:
        errors["warn_before_minutes"] = [
            _("The warning must come before the deadline: fewer minutes than the deadline's.")
        ]
    if isinstance(first, int) and isinstance(written, int) and written * 60 < first:
        errors["written_report_hours"] = [
            _("The written report cannot be due before the first report.")
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_policy_save(
    *, node: OrgNode, by, data: dict, expected_version: int | None = None
) -> IncidentPolicy:
    """Give a region reporting deadlines of its own (audited). `expected_version` is the
    version of the region's own policy the editor saw, None when it had none."""
    if node.is_school:
        raise ValidationError(_("A school's reporting deadlines are set by its county or region."))
    own = IncidentPolicy.objects.select_for_update().filter(org=node).first()
    _require(by, "add" if own is None else "change", IncidentPolicy, node)
    values = {f: data.get(f) for f in POLICY_FIELDS}
    _check_policy(values)
    if own is None:
        if expected_version is not None:
            raise ConflictError()
        policy = IncidentPolicy(org=node, **values)
        policy.full_clean()
        policy.save()
        audit(instance=policy, action="create", by=by, changes=diff({}, snapshot(policy)))
        return policy
    if expected_version is None:
        raise ConflictError()
    before = snapshot(own)
    for name, value in values.items():
        setattr(own, name, value)
    own.full_clean()
    claim_version(own, expected_version)
    own.save()
    changes = diff(before, snapshot(own))
    if changes:
        audit(instance=own, action="update", by=by, changes=changes)
    return own


@transaction.atomic
def incident_policy_delete(*, policy: IncidentPolicy, by, expected_version: int) -> None:
    """Drop a region's own deadlines: its schools follow the region above again."""
    _require(by, "delete", IncidentPolicy, policy.org)
    claim_version(policy, expected_version)
    delete_record(instance=policy, by=by)


# ------------------------------------------------------------------------------ reporting


def auto_sensitive(incident_type: str, minors_involved: bool) -> bool:
    """Sensitive by type (sexual assault, bullying), and violence when minors are involved."""
    return incident_type in SENSITIVE_TYPES or (
        incident_type == IncidentType.VIOLENCE and bool(minors_involved)
    )


def _check_time(errors: dict, name: str, value, *, not_before=None) -> None:
    now = timezone.now()
    if value is None:
        return
    if value > now + CLOCK_SKEW:
        errors[name] = [_("This time is in the future.")]
    elif not_before is not None and value < not_before:
        errors[name] = [_("This is before the incident happened.")]


def _audit_snapshot(incident: Incident) -> dict:
    return privacy.audit_values(snapshot(incident))


@transaction.atomic
def incident_report(
    *,
    school: OrgNode,
    by,
    incident_type: str,
    place: str,
    description: str,
    severity: str = Severity.GENERAL,
    occurred_at: datetime.datetime | None = None,
    reported_at: datetime.datetime | None = None,
    first_measures: str = "",
    injured: int = 0,
    deaths: int = 0,
    missing: int = 0,
    affected: int = 0,
    minors_involved: bool = True,
    students_involved: int = 0,
    names: str = "",
    is_sensitive: bool = False,
) -> Incident:
    """A new incident, numbered, with its REPORTED entry, its reporting deadlines, and the
    urgent notification of the bureau and the school's managers."""
    if not school.is_school:
        raise ValidationError({"school": _("An incident belongs to a school.")})
    _require(by, "add", Incident, school)
    now = timezone.now()
    occurred_at = occurred_at or now
    reported_at = reported_at or now
    errors: dict = {}
    _check_time(errors, "occurred_at", occurred_at)
    _check_time(errors, "reported_at", reported_at, not_before=occurred_at)
    if errors:
        raise ValidationError(errors)
    report_due, written_due = deadlines(school, occurred_at)
    incident = Incident(
        org=school,
        number="pending",
        incident_type=incident_type,
        severity=severity,
        occurred_at=occurred_at,
        reported_at=reported_at,
        place=(place or "").strip(),
        description=(description or "").strip(),
        first_measures=(first_measures or "").strip(),
        injured=injured or 0,
        deaths=deaths or 0,
        missing=missing or 0,
        affected=affected or 0,
        minors_involved=bool(minors_involved),
        students_involved=students_involved or 0,
        names=(names or "").strip(),
        is_sensitive=bool(is_sensitive) or auto_sensitive(incident_type, minors_involved),
        is_criminal=incident_type in CRIMINAL_TYPES,
        report_due_at=report_due,
        written_due_at=written_due,
        reported_by=_user(by),
    )
    incident.full_clean(exclude=["number"])
    incident.number = next_number(school, timezone.localtime(occurred_at).year)
    incident.save()
    audit(instance=incident, action="create", by=by, changes=diff({}, _audit_snapshot(incident)))
    IncidentEntry.objects.create(
        incident=incident,
        step=Step.REPORTED,
        at=reported_at,
        by=_user(by),
        by_name=_name_of(by),
    )
    notify_reported(incident)
    return incident


def _name_of(by) -> str:
    user = _user(by)
    return (user.display_name if user else "")[:150]


def may_flag(user, incident: Incident) -> bool:
    """Designated roles that handle the incident may mark it sensitive or criminal (or not)."""
    return privacy.is_designated(user, incident) and can(user, "change", Incident, incident.org)


@transaction.atomic
def incident_update(*, incident: Incident, by, data: dict, expected_version: int) -> Incident:
    """Complete or correct the reported fields later. Only those who read the incident's
    details may edit them, and names only those who read them in full; the flags only
    designated roles. A change of type can make the incident sensitive, never the reverse."""
    _require(by, "change", Incident, incident.org)
    acc = privacy.access(by, incident) if by is not None else privacy.Access(True, True, True)
    unknown = set(data) - set(EDITABLE) - set(FLAGS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(unknown)}
        )
    if not acc.details and set(data) & {*privacy.DETAIL_FIELDS, "names"}:
        raise NotAllowed(_("Only designated staff may read or change this incident's details."))
    if not acc.names and "names" in data:
        raise NotAllowed(_("Only designated staff may read or change the names."))
    if set(data) & set(FLAGS) and by is not None and not may_flag(by, incident):
        raise NotAllowed(_("Only designated staff may change whether an incident is sensitive."))
    before = snapshot(incident)
    for name, value in data.items():
        setattr(incident, name, value.strip() if isinstance(value, str) else value)
    if (
        auto_sensitive(incident.incident_type, incident.minors_involved)
        and "is_sensitive" not in data
    ):
        incident.is_sensitive = True
    if "incident_type" in data and "is_criminal" not in data:
        incident.is_criminal = incident.incident_type in CRIMINAL_TYPES
    errors: dict = {}
    if "occurred_at" in data:
        _check_time(errors, "occurred_at", incident.occurred_at)
        if errors:
            raise ValidationError(errors)
        incident.report_due_at, incident.written_due_at = deadlines(
            incident.org, incident.occurred_at
        )
    incident.full_clean()
    claim_version(incident, expected_version)
    incident.save()
    changes = diff(before, snapshot(incident))
    if changes:
        audit(instance=incident, action="update", by=by, changes=privacy.audit_values(changes))
    return incident


# ------------------------------------------------------------------------------- timeline


def suggested_plans(incident: Incident, user=None):
    """Approved plans that answer this incident: the school's own and its regions', those of
    the incident's scenarios first. Scoped to `user` when given."""
    qs = EmergencyPlan.objects.filter(
        org_path__in=ancestor_paths(incident.org_path), status=PlanStatus.APPROVED
    )
    if user is not None:
        qs = qs.for_user(user, "view")
    plans = list(qs.order_by("-org_path", "scenario", "-approved_on", "-id")[:50])
    scenarios = PLAN_SCENARIOS.get(incident.incident_type, ())
    order = {s: i for i, s in enumerate((*scenarios, Scenario.COMPREHENSIVE))}
    return sorted(plans, key=lambda p: (order.get(p.scenario, 99), -len(p.org_path)))


def best_plan(incident: Incident, user=None):
    """The plan to start for this incident, if the school (or its region) has one for it."""
    scenarios = {*PLAN_SCENARIOS.get(incident.incident_type, ()), Scenario.COMPREHENSIVE}
    for plan in suggested_plans(incident, user):
        if plan.scenario in scenarios:
            return plan
    return None


def _sync_status(incident: Incident) -> None:
    """Status, closing time and summary follow the timeline as it stands after corrections."""
    from safecampus.emergency.response import effective

    rows = effective(IncidentEntry.objects.filter(incident=incident))
    steps = {r.step: r for r in rows}
    closed = steps.get(Step.CLOSED)
    if closed is not None:
        status = IncidentStatus.CLOSED
    elif Step.CONTROLLED in steps:
        status = IncidentStatus.CONTROLLED
    else:
        status = IncidentStatus.OPEN
    values = {
        "status": status,
        "closed_at": closed.at if closed else None,
        "closing_summary": closed.text if closed else "",
    }
    if all(getattr(incident, k) == v for k, v in values.items()):
        return
    Incident.objects.filter(pk=incident.pk).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    for key, value in values.items():
        setattr(incident, key, value)
    incident.version += 1


@transaction.atomic
def entry_append(
    *,
    incident: Incident,
    by,
    step: str,
    at: datetime.datetime | None = None,
    text: str = "",
    plan: EmergencyPlan | None = None,
    corrects: IncidentEntry | None = None,
    reason: str = "",
) -> IncidentEntry:
    """Append one entry to the timeline; a CORRECTION names the entry it corrects and why."""
    _require(by, "change", Incident, incident.org)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    incident.status, incident.version = locked.status, locked.version
    text = (text or "").strip()
    reason = (reason or "").strip()
    errors: dict = {}
    entries = list(IncidentEntry.objects.filter(incident=incident))
    originals = {e.pk: e for e in entries if e.step != Step.CORRECTION}
    present = {e.step for e in originals.values()}

    if step == Step.CORRECTION:
        if corrects is None or corrects.pk not in originals:
            errors["corrects"] = [_("Choose the entry of this timeline that you correct.")]
        if not reason:
            errors["reason"] = [_("Say why the entry is corrected.")]
        if corrects is not None and corrects.pk in originals and not errors:
            from safecampus.emergency.response import effective

            current = next(r for r in effective(entries) if r.entry.pk == corrects.pk)
            at = at or current.at
            if at == current.at and not text and plan is None:
                errors["at"] = [_("Change the time or the text: the correction changes nothing.")]
    elif step not in APPENDABLE:
        errors["step"] = [_("This kind of entry cannot be added by hand.")]
    else:
        if corrects is not None or reason:
            errors["corrects"] = [_("Only a correction points at another entry.")]
        if step in ONCE and step in present:
            errors["step"] = [
                _("“%(step)s” is already on the timeline: correct that entry instead.")
                % {"step": Step(step).label}
            ]
        elif incident.status == IncidentStatus.CLOSED and (step in ONCE or step in RESPONSE_MARKS):
            errors["step"] = [_("The incident is closed: correct an entry instead.")]
        if step == Step.CLOSED and not text:
            errors["text"] = [_("Closing needs a summary of the incident and how it was handled.")]
        if step != Step.PLAN_STARTED and plan is not None:
            errors["plan"] = [_("Only “plan started” names a plan.")]
    if plan is not None:
        allowed = {p.pk for p in suggested_plans(incident, _user(by))}
        if plan.pk not in allowed:
            errors["plan"] = [_("Choose an approved plan of the school or its region.")]
    if len(text) > TEXT_MAX:
        errors["text"] = [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
    at = at or timezone.now()
    _check_time(errors, "at", at, not_before=incident.occurred_at)
    if errors:
        raise ValidationError(errors)

    entry = IncidentEntry(
        incident=incident,
        step=step,
        at=at,
        text=text,
        plan=plan,
        corrects=corrects if step == Step.CORRECTION else None,
        reason=reason[:300] if step == Step.CORRECTION else "",
        by=_user(by),
        by_name=_name_of(by),
    )
    entry.full_clean()
    entry.save()
    before = incident.status
    _sync_status(incident)
    label = corrects.step if step == Step.CORRECTION else step
    audit(
        instance=incident,
        action="transition",
        transition=f"timeline:{step}",
        by=by,
        changes={"status": [before, incident.status]} if before != incident.status else {},
        comment=step_label(label),
    )
    return entry


def step_label(step: str) -> str:
    """A step's name on the timeline: "reported" reads as the report received (接报), not as
    the hazard ledger's "registered" that shares its English word."""
    if step == Step.REPORTED:
        return pgettext("incident step", "Reported")
    return str(Step(step).label)


def bureau_reported_exists():
    return Exists(IncidentEntry.objects.filter(incident=OuterRef("pk"), step=Step.BUREAU_REPORTED))


# ------------------------------------------------------------------------- notifications


def incident_link(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def _recipients(incident: Incident, roles_above=BUREAU_ROLES) -> list:
    from safecampus.notify.hazard_events import holders

    users = holders(incident.org, roles_above, above=True, nearest=True)
    users += holders(incident.org, SCHOOL_MANAGERS)
    return users


def _params(incident: Incident) -> dict:
    return {
        "number": incident.number,
        "school": incident.org.name,
        "type": incident.get_incident_type_display(),
        "severity": incident.get_severity_display(),
    }


def _body(incident: Incident):
    """What every recipient (and the group robots) may read: counts and times always; the
    place, what happened and the first measures only for an incident that is not sensitive;
    names never."""

    def body() -> str:
        lines = [
            _("Happened at %(time)s")
            % {"time": date_format(timezone.localtime(incident.occurred_at), "Y-m-d H:i")},
            _("Injured %(injured)d · deaths %(deaths)d · missing %(missing)d")
            % {"injured": incident.injured, "deaths": incident.deaths, "missing": incident.missing},
        ]
        if incident.is_sensitive:
            lines.append(str(privacy.NOTICE))
        else:
            lines.append(_("Place: %(place)s") % {"place": incident.place})
            lines.append(Truncator(incident.description).chars(200))
            if incident.first_measures:
                lines.append(
                    _("First measures: %(text)s")
                    % {"text": Truncator(incident.first_measures).chars(200)}
                )
        if incident.report_due_at:
            lines.append(
                _("Report to the bureau by %(time)s")
                % {"time": date_format(timezone.localtime(incident.report_due_at), "Y-m-d H:i")}
            )
        return "\n".join(lines)

    return body


def notify_reported(incident: Incident) -> list:
    """A new incident: urgent, at once, to the county's bureau and the school's managers
    (the reporter excepted)."""
    from safecampus.notify.services import notify

    reporter = incident.reported_by_id
    recipients = [u for u in _recipients(incident) if u.pk != reporter]
    p = _params(incident)
    return notify(
        event="incident.reported",
        severity="urgent",
        record=incident,
        recipients=recipients,
        title=lambda: _("Incident %(number)s at %(school)s: %(type)s (%(severity)s)") % p,
        body=_body(incident),
        link=incident_link(incident),
    )


def _warn_before(incident: Incident, cache: dict) -> datetime.timedelta:
    policy = cache.get(incident.org_path)
    if policy is None:
        policy = cache[incident.org_path] = policy_for(incident.org)
    return datetime.timedelta(minutes=policy.warn_before_minutes)


def warn_report_deadlines(now: datetime.datetime | None = None) -> list[Incident]:
    """Warn once about each incident whose first-report deadline is near (or past) without a
    BUREAU_REPORTED entry: the principal, the safety officer, the reporter and the bureau.
    The claim on `deadline_warned_at` is a conditional UPDATE, so two runs warn once."""
    from safecampus.notify.services import notify

    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=1)  # no policy warns a day ahead
    candidates = (
        Incident.objects.filter(
            deadline_warned_at__isnull=True,
            report_due_at__isnull=False,
            report_due_at__lte=horizon,
        )
        .exclude(status=IncidentStatus.CLOSED)
        .exclude(bureau_reported_exists())
        .select_related("org", "org__parent", "reported_by")
    )
    cache: dict = {}
    warned = []
    for incident in candidates:
        if incident.report_due_at - _warn_before(incident, cache) > now:
            continue
        claimed = Incident.objects.filter(pk=incident.pk, deadline_warned_at__isnull=True).update(
            deadline_warned_at=now
        )
        if claimed != 1:
            continue
        incident.deadline_warned_at = now
        p = {
            **_params(incident),
            "time": date_format(timezone.localtime(incident.report_due_at), "Y-m-d H:i"),
        }
        overdue = incident.report_due_at <= now
        if overdue:
            title = lambda p=p: (  # noqa: E731
                _(
                    "Incident %(number)s at %(school)s was due to be reported to the bureau by %(time)s"
                )
                % p
            )
        else:
            title = lambda p=p: (  # noqa: E731
                _("Report incident %(number)s at %(school)s to the bureau by %(time)s") % p
            )
        recipients = [*_recipients(incident, (Role.BUREAU_STAFF,)), incident.reported_by]
        notify(
            event="incident.report_due",
            severity="urgent",
            record=incident,
            recipients=recipients,
            title=title,
            body=_body(incident),
            link=incident_link(incident),
        )
        warned.append(incident)
    return warned


# ------------------------------------------------------------------------------ home page

OPEN_STATUSES = (IncidentStatus.OPEN, IncidentStatus.CONTROLLED)
HOME_ROLES = (Role.SYSADMIN, *BUREAU_ROLES, *SCHOOL_MANAGERS)
SOON = datetime.timedelta(hours=2)


def _home_scope(user):
    """Incidents the user follows on the home page: in the subtrees of their bureau and
    school-manager roles."""
    from safecampus.core.scoping import path_q

    paths = [a.org_path for a in assignments(user) if a.role in HOME_ROLES]
    if not paths and not user.is_superuser:
        return None
    qs = Incident.objects.for_user(user, "view")
    return qs if user.is_superuser else qs.filter(path_q("org_path", paths))


def todo_items(user) -> list[dict]:
    """Open incidents, and first reports to the bureau overdue or due within two hours."""
    qs = _home_scope(user)
    if qs is None:
        return []
    now = timezone.now()
    url = reverse("incidents:list")
    pending = qs.filter(status__in=OPEN_STATUSES, report_due_at__isnull=False).exclude(
        bureau_reported_exists()
    )
    items = [
        {
            "label": _("Reports to the bureau overdue"),
            "count": pending.filter(report_due_at__lte=now).count(),
            "url": f"{url}?report=overdue",
            "severity": "overdue",
            "key": "incidents-report-overdue",
        },
        {
            "label": _("Reports to the bureau due soon"),
            "count": pending.filter(report_due_at__gt=now, report_due_at__lte=now + SOON).count(),
            "url": f"{url}?report=due",
            "severity": "due",
            "key": "incidents-report-due",
        },
        {
            "label": _("Open incidents"),
            "count": qs.filter(status__in=OPEN_STATUSES).count(),
            "url": f"{url}?status=active",
            "severity": "waiting",
            "key": "incidents-open",
        },
    ]
    return [i for i in items if i["count"]]


def home_actions(user) -> list[dict]:
    from safecampus.accounts.access import can_anywhere

    if not can_anywhere(user, "add", Incident):
        return []
    return [
        {"label": _("Report an incident"), "url": reverse("incidents:report"), "primary": False}
    ]


def register_home() -> None:
    """Called from EmergencyConfig.ready(): the home page's to-dos and the report button."""
    from safecampus.core.home import ACTION_PROVIDERS, TODO_PROVIDERS

    if todo_items not in TODO_PROVIDERS:
        TODO_PROVIDERS.append(todo_items)
    if home_actions not in ACTION_PROVIDERS:
        ACTION_PROVIDERS.append(home_actions)


def report_state(incident: Incident, bureau_reported: bool, now=None) -> str:
    """ "done", "overdue", "due" (within two hours) or "pending" — derived when read."""
    if bureau_reported:
        return "done"
    if incident.report_due_at is None or incident.status == IncidentStatus.CLOSED:
        return ""
    now = now or timezone.now()
    if incident.report_due_at <= now:
        return "overdue"
    return "due" if incident.report_due_at <= now + SOON else "pending"


def report_q(state: str, now=None) -> Q | None:
    """The list filter behind the home page's to-dos (with the Exists annotation applied)."""
    now = now or timezone.now()
    base = Q(status__in=OPEN_STATUSES, report_due_at__isnull=False, bureau_reported=False)
    if state == "overdue":
        return base & Q(report_due_at__lte=now)
    if state == "due":
        return base & Q(report_due_at__gt=now, report_due_at__lte=now + SOON)
    if state == "pending":
        return base
    return None
