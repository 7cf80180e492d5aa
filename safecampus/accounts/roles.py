"""What each role may do: the one table every permission check reads.

(role, record type) → actions. A role assignment gives its actions inside the subtree of its
node. Department liaisons are narrowed further to the record types their department's kind
handles. Later capabilities add their record types here, in this one place.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import DepartmentKind


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("System administrator")
    BUREAU_LEADER = "bureau_leader", _("Bureau leader")
    BUREAU_STAFF = "bureau_staff", _("Bureau safety staff")
    INSPECTOR = "inspector", _("Responsible inspector")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    PRINCIPAL = "principal", _("Principal")
    SAFETY_OFFICER = "safety_officer", _("Safety officer")
    TEACHER = "teacher", _("Teacher")
    GUARD = "guard", _("Guard / grid member")
    DEPARTMENT_LIAISON = "department_liaison", _("Department liaison")
    OBSERVER = "observer", _("Read-only observer")


VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
READ = frozenset({VIEW})
WRITE = frozenset({VIEW, ADD, CHANGE, DELETE})
EDIT = frozenset({VIEW, CHANGE})

# fmt: off
VIEW_ADD = frozenset({VIEW, ADD})

# Record types. Each scoped model names its type in `record_type`.
ORG, DEPARTMENT, PERSON, GROUP, USER, AUDIT = (
    "org", "department", "person", "leadership_group", "user", "audit",
)
ATTACHMENT = "attachment"
SPOT, CHECKLIST, SCHEDULE, CALENDAR, INSPECTION, HAZARD, POLICY = (
    "spot", "checklist", "schedule", "calendar", "inspection", "hazard", "policy",
)
CHANNEL = "channel"  # notification channels (WeCom / DingTalk / mail) and their deliveries
PLAN, DRILL, INCIDENT = "plan", "drill", "incident"
# Safety education (1530, themed activities, campaigns), training and appointments, the
# three-defense and staffing inventory, the compliance verdicts and rule overrides, and the
# bureau's spot-checks of closed hazards.
EDUCATION, TRAINING, DEFENSE = "education", "training", "defense"
COMPLIANCE, RULE, SPOTCHECK = "compliance", "rule", "spotcheck"
# The details of a sensitive incident (sexual assault, bullying, ...: minors' privacy). Roles
# without it see such an incident only with names and details masked.
SENSITIVE = "incident_sensitive"
RECORD_TYPES = (
    ORG, DEPARTMENT, PERSON, GROUP, USER, AUDIT, ATTACHMENT,
    SPOT, CHECKLIST, SCHEDULE, CALENDAR, INSPECTION, HAZARD, POLICY, CHANNEL,
    PLAN, DRILL, INCIDENT, SENSITIVE,
    EDUCATION, TRAINING, DEFENSE, COMPLIANCE, RULE, SPOTCHECK,
)

# Hazards and inspections: who reads, who records, who manages. Workflow moves on a hazard
# have their own table (hazards/workflow.py); "change" here is editing a hazard's fields.
_READ_HAZARDS = {
    SPOT: READ, CHECKLIST: READ, SCHEDULE: READ, CALENDAR: READ,
    INSPECTION: READ, HAZARD: READ, POLICY: READ, ATTACHMENT: READ,
}
_BUREAU_HAZARDS = {
    SPOT: WRITE, CHECKLIST: WRITE, SCHEDULE: WRITE, CALENDAR: WRITE,
    INSPECTION: VIEW_ADD, HAZARD: WRITE, POLICY: WRITE, ATTACHMENT: VIEW_ADD,
}
_SCHOOL_MANAGER_HAZARDS = {
    SPOT: WRITE, CHECKLIST: READ, SCHEDULE: WRITE, CALENDAR: READ,
    INSPECTION: VIEW_ADD, HAZARD: WRITE, POLICY: READ, ATTACHMENT: VIEW_ADD,
}
_FIELD_HAZARDS = {
    SPOT: READ, CHECKLIST: READ, SCHEDULE: READ, CALENDAR: READ,
    INSPECTION: VIEW_ADD, HAZARD: VIEW_ADD, POLICY: READ, ATTACHMENT: VIEW_ADD,
}
# Emergency plans, drills and incidents. "change" on an incident is adding to its timeline.
_READ_EMERGENCY = {PLAN: READ, DRILL: READ, INCIDENT: READ}
_MANAGE_EMERGENCY = {PLAN: WRITE, DRILL: WRITE, INCIDENT: WRITE}
_REPORT_INCIDENTS = {PLAN: READ, DRILL: READ, INCIDENT: VIEW_ADD}
# Education, training, defense inventory and compliance. "change" on the inventory includes
# confirming or correcting a figure on a visit; "change" on a spot-check is recording it.
_READ_COMPLIANCE = {
    EDUCATION: READ, TRAINING: READ, DEFENSE: READ, COMPLIANCE: READ, RULE: READ,
    SPOTCHECK: READ,
}
_BUREAU_COMPLIANCE = {
    EDUCATION: WRITE, TRAINING: WRITE, DEFENSE: WRITE, COMPLIANCE: READ, RULE: WRITE,
    SPOTCHECK: WRITE,
}
_SCHOOL_COMPLIANCE = {
    EDUCATION: WRITE, TRAINING: WRITE, DEFENSE: WRITE, COMPLIANCE: READ, RULE: READ,
}
_ORG_READ = {ORG: READ, DEPARTMENT: READ, PERSON: READ, GROUP: READ}
_ORG_WRITE = {ORG: WRITE, DEPARTMENT: WRITE, PERSON: WRITE, GROUP: WRITE}

PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.SYSADMIN: {
        **_ORG_WRITE, USER: WRITE, AUDIT: READ, CHANNEL: WRITE, **_BUREAU_HAZARDS,
        **_MANAGE_EMERGENCY, **_BUREAU_COMPLIANCE,
    },
    Role.BUREAU_LEADER: {
        **_ORG_READ, AUDIT: READ, CHANNEL: READ, **_READ_HAZARDS, **_READ_EMERGENCY,
        SENSITIVE: READ, **_READ_COMPLIANCE,
    },
    Role.BUREAU_STAFF: {
        **_ORG_WRITE, AUDIT: READ, CHANNEL: WRITE, **_BUREAU_HAZARDS, **_MANAGE_EMERGENCY,
        SENSITIVE: READ, **_BUREAU_COMPLIANCE,
    },
    Role.INSPECTOR: {
        **_ORG_READ, **_FIELD_HAZARDS, **_READ_EMERGENCY, **_READ_COMPLIANCE,
        DEFENSE: EDIT, SPOTCHECK: EDIT,
    },
    Role.TOWNSHIP_OFFICER: {
        ORG: READ, DEPARTMENT: WRITE, PERSON: WRITE, GROUP: WRITE, AUDIT: READ, **_FIELD_HAZARDS,
        PLAN: WRITE, DRILL: READ, INCIDENT: VIEW_ADD, **_READ_COMPLIANCE,
    },
    Role.PRINCIPAL: {
        ORG: EDIT, DEPARTMENT: READ, PERSON: WRITE, GROUP: WRITE, AUDIT: READ,
        **_SCHOOL_MANAGER_HAZARDS, **_MANAGE_EMERGENCY, SENSITIVE: READ, **_SCHOOL_COMPLIANCE,
    },
    Role.SAFETY_OFFICER: {
        ORG: EDIT, DEPARTMENT: READ, PERSON: WRITE, GROUP: WRITE, AUDIT: READ,
        **_SCHOOL_MANAGER_HAZARDS, **_MANAGE_EMERGENCY, **_SCHOOL_COMPLIANCE,
    },
    # A class teacher records the 1530 reminders of the classes they teach.
    Role.TEACHER: {
        ORG: READ, PERSON: READ, **_FIELD_HAZARDS, **_REPORT_INCIDENTS, EDUCATION: VIEW_ADD,
    },
    Role.GUARD: {ORG: READ, **_FIELD_HAZARDS, **_REPORT_INCIDENTS, DEFENSE: READ},
    Role.DEPARTMENT_LIAISON: {
        **_ORG_READ, **_FIELD_HAZARDS, **_REPORT_INCIDENTS, SENSITIVE: READ,
        TRAINING: READ, DEFENSE: EDIT,
    },
    Role.OBSERVER: {**_ORG_READ, **_READ_HAZARDS, **_READ_EMERGENCY, **_READ_COMPLIANCE},
}
# fmt: on

# Record types a department liaison sees, by the kind of the liaison's department. The
# foundation's reference data is shared by all; later capabilities add their own types.
_SHARED = frozenset({ORG, DEPARTMENT, PERSON, GROUP, SPOT, CHECKLIST, CALENDAR, ATTACHMENT})
# Every department takes part in joint inspections and follows the hazards they raise.
_JOINT_INSPECTIONS = frozenset({INSPECTION, HAZARD})
DEPARTMENT_RECORD_TYPES: dict[str, frozenset[str]] = dict.fromkeys(
    DepartmentKind, _SHARED | _JOINT_INSPECTIONS
)
# Police handle incidents (and may read sensitive ones: they investigate them); fire and
# rescue take part in drills; health departments follow food poisoning and epidemics.
# Police also check and confirm the security facilities (POLICE-MONTHLY) and train guards.
DEPARTMENT_RECORD_TYPES[DepartmentKind.POLICE] |= {
    PLAN,
    DRILL,
    INCIDENT,
    SENSITIVE,
    TRAINING,
    DEFENSE,
}
DEPARTMENT_RECORD_TYPES[DepartmentKind.FIRE] |= {PLAN, DRILL}
DEPARTMENT_RECORD_TYPES[DepartmentKind.HEALTH] |= {PLAN, INCIDENT}

# Roles whose home page is the regional overview rather than one school's work.
REGIONAL_ROLES = frozenset(
    {
        Role.SYSADMIN,
        Role.BUREAU_LEADER,
        Role.BUREAU_STAFF,
        Role.INSPECTOR,
        Role.TOWNSHIP_OFFICER,
        Role.DEPARTMENT_LIAISON,
        Role.OBSERVER,
    }
)
SCHOOL_ROLES = frozenset({Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.TEACHER, Role.GUARD})


def allows(role: str, record_type: str, action: str, department_kind: str | None = None) -> bool:
    if action not in PERMISSIONS.get(role, {}).get(record_type, frozenset()):
        return False
    if role == Role.DEPARTMENT_LIAISON:
        return record_type in DEPARTMENT_RECORD_TYPES.get(department_kind or "", frozenset())
    return True
