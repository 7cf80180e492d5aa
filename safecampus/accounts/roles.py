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

# Record types of the foundation. Each scoped model names its type in `record_type`.
ORG, DEPARTMENT, PERSON, GROUP, USER, AUDIT = (
    "org",
    "department",
    "person",
    "leadership_group",
    "user",
    "audit",
)
RECORD_TYPES = (ORG, DEPARTMENT, PERSON, GROUP, USER, AUDIT)

PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.SYSADMIN: {
        ORG: WRITE,
        DEPARTMENT: WRITE,
        PERSON: WRITE,
        GROUP: WRITE,
        USER: WRITE,
        AUDIT: READ,
    },
    Role.BUREAU_LEADER: {ORG: READ, DEPARTMENT: READ, PERSON: READ, GROUP: READ, AUDIT: READ},
    Role.BUREAU_STAFF: {ORG: WRITE, DEPARTMENT: WRITE, PERSON: WRITE, GROUP: WRITE, AUDIT: READ},
    Role.INSPECTOR: {ORG: READ, DEPARTMENT: READ, PERSON: READ, GROUP: READ},
    Role.TOWNSHIP_OFFICER: {ORG: READ, DEPARTMENT: WRITE, PERSON: WRITE, GROUP: WRITE, AUDIT: READ},
    Role.PRINCIPAL: {ORG: EDIT, DEPARTMENT: READ, PERSON: WRITE, GROUP: WRITE, AUDIT: READ},
    Role.SAFETY_OFFICER: {ORG: EDIT, DEPARTMENT: READ, PERSON: WRITE, GROUP: WRITE, AUDIT: READ},
    Role.TEACHER: {ORG: READ, PERSON: READ},
    Role.GUARD: {ORG: READ},
    Role.DEPARTMENT_LIAISON: {ORG: READ, DEPARTMENT: READ, PERSON: READ, GROUP: READ},
    Role.OBSERVER: {ORG: READ, DEPARTMENT: READ, PERSON: READ, GROUP: READ},
}

# Record types a department liaison sees, by the kind of the liaison's department. The
# foundation's reference data is shared by all; later capabilities add their own types.
_SHARED = frozenset({ORG, DEPARTMENT, PERSON, GROUP})
DEPARTMENT_RECORD_TYPES: dict[str, frozenset[str]] = dict.fromkeys(DepartmentKind, _SHARED)

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
