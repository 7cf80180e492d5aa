"""The navigation menu, by what the user's roles allow: one list, read by the base template.

Each item is {"label", "url", "key", "group"}; a page marks its item with `nav_active = key`.
Capabilities append their items through MENU_PROVIDERS: provider(user) → [item, ...], placed
after "My work" and before the reference data. `group` names one of GROUPS: a bureau user's
menu has some twenty entries, which fit a desktop bar only as a few drop-downs, while a
teacher's four stay flat (see `menu_tree`).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.accounts.access import assignments, can_anywhere
from safecampus.accounts.roles import SCHOOL_ROLES

MENU_PROVIDERS: list = []

# Drop-down groups; a group sits where its first item would.
GROUPS = {
    "hazards": pgettext_lazy("menu", "Inspection and hazards"),
    "review": pgettext_lazy("menu", "Review"),
    "emergency": pgettext_lazy("menu", "Emergency"),
    "education": pgettext_lazy("menu", "Education and training"),
    "defense": pgettext_lazy("menu", "Three defenses"),
    "compliance": pgettext_lazy("menu", "Compliance"),
    "settings": pgettext_lazy("menu", "Settings"),
    "org": pgettext_lazy("menu", "Organisation"),
}
# A menu this short stays flat: grouping would only add a tap.
FLAT_UP_TO = 7


def menu_tree(items: list[dict]) -> list[dict]:
    """The bar: items without a group as links, the others gathered under their group's label
    at the place of the group's first item; a group of one is just that link. A group carries
    its items' `keys`, so the template can mark it when the page is one of them."""
    if len(items) <= FLAT_UP_TO:
        return items
    tree: list[dict] = []
    groups: dict[str, dict] = {}
    for item in items:
        name = item.get("group")
        if not name:
            tree.append(item)
        elif name in groups:
            groups[name]["children"].append(item)
            groups[name]["keys"].append(item["key"])
        else:
            groups[name] = {
                "label": GROUPS.get(name, name),
                "key": name,
                "children": [item],
                "keys": [item["key"]],
            }
            tree.append(groups[name])
    return [e["children"][0] if len(e.get("children", ())) == 1 else e for e in tree]


def menu_for(user) -> list[dict]:
    from safecampus.accounts.models import User
    from safecampus.core.models import AuditEntry
    from safecampus.orgs.models import Department, LeadershipGroup, OrgNode, Person

    roles = assignments(user)
    school_only = bool(roles) and all(a.role in SCHOOL_ROLES for a in roles)
    items = [{"label": _("My work"), "url": reverse("home"), "key": "home"}]
    for provider in MENU_PROVIDERS:
        items.extend(provider(user))
    if can_anywhere(user, "view", OrgNode):
        items.append(
            {
                "group": "org",
                "label": _("Organisations"),
                "url": reverse("orgs:tree"),
                "key": "orgs",
            }
        )
        if not school_only:
            items.append(
                {
                    "group": "org",
                    "label": _("Schools"),
                    "url": reverse("orgs:schools"),
                    "key": "schools",
                }
            )
    if can_anywhere(user, "view", Department) and not school_only:
        items.append(
            {
                "group": "org",
                "label": _("Departments"),
                "url": reverse("orgs:departments"),
                "key": "departments",
            }
        )
    if can_anywhere(user, "view", Person):
        items.append(
            {"group": "org", "label": _("People"), "url": reverse("orgs:people"), "key": "people"}
        )
    if can_anywhere(user, "view", LeadershipGroup):
        items.append(
            {
                "group": "org",
                "label": _("Leadership groups"),
                "url": reverse("orgs:groups"),
                "key": "groups",
            }
        )
    if can_anywhere(user, "view", AuditEntry):
        items.append(
            {
                "group": "org",
                "label": _("Audit trail"),
                "url": reverse("audit:list"),
                "key": "audit",
            }
        )
    if can_anywhere(user, "view", User):
        items.append(
            {"group": "org", "label": _("Users"), "url": reverse("accounts:users"), "key": "users"}
        )
    from safecampus.notify.models import Delivery

    if can_anywhere(user, "view", Delivery):
        items.append(
            {
                "group": "settings",
                "label": _("Deliveries"),
                "url": reverse("notify:deliveries"),
                "key": "deliveries",
            }
        )
    return items


def _hazard_menu(user) -> list[dict]:
    from safecampus.hazards.models import Hazard, Inspection, Spot

    items = []
    if can_anywhere(user, "view", Hazard):
        items.append(
            {
                "group": "hazards",
                "label": _("Hazard ledger"),
                "url": reverse("hazards:ledger"),
                "key": "ledger",
            }
        )
    if can_anywhere(user, "add", Inspection):
        items.append(
            {
                "group": "hazards",
                "label": _("Inspect"),
                "url": reverse("hazards:inspect"),
                "key": "inspect",
            }
        )
    if can_anywhere(user, "add", Hazard):
        items.append(
            {
                "group": "hazards",
                "label": _("Report a hazard"),
                "url": reverse("hazards:report"),
                "key": "report",
            }
        )
    if can_anywhere(user, "view", Spot):
        items.append(
            {
                "group": "hazards",
                "label": _("Inspection spots"),
                "url": reverse("hazards:spots"),
                "key": "spots",
            }
        )
    return items


def _review_menu(user) -> list[dict]:
    from safecampus.accounts.roles import REGIONAL_ROLES
    from safecampus.hazards.dashboard_views import menu_items

    items = menu_items(user)
    if any(a.role in REGIONAL_ROLES for a in assignments(user)):
        items.append(
            {
                "group": "review",
                "label": _("Monthly dispatch"),
                "url": reverse("hazard_review:dispatch"),
                "key": "dispatch",
            }
        )
        items.append(
            {
                "group": "review",
                "label": _("Visits"),
                "url": reverse("hazard_review:visits"),
                "key": "visits",
            }
        )
    return items


def _settings_menu(user) -> list[dict]:
    """Settings of the inspection rhythm and of notifications: for those who manage them (a
    teacher may read the calendar, but it would only lengthen a four-item menu)."""
    from safecampus.hazards.models import CalendarPeriod, DeadlinePolicy, Schedule
    from safecampus.notify.models import Channel

    if not can_anywhere(user, "add", Schedule):
        return []
    items = [
        {
            "group": "hazards",
            "label": _("Checklists"),
            "url": reverse("hazard_checklists:list"),
            "key": "checklists",
        },
        {
            "group": "hazards",
            "label": _("Inspection schedules"),
            "url": reverse("hazard_schedules:list"),
            "key": "schedules",
        },
    ]
    if can_anywhere(user, "view", CalendarPeriod):
        items.append(
            {
                "group": "settings",
                "label": _("School calendar"),
                "url": reverse("hazard_calendar:home"),
                "key": "calendar",
            }
        )
    if can_anywhere(user, "view", DeadlinePolicy):
        items.append(
            {
                "group": "settings",
                "label": _("Rectification deadlines"),
                "url": reverse("hazard_deadlines:home"),
                "key": "deadlines",
            }
        )
    if can_anywhere(user, "view", Channel):
        items.append(
            {
                "group": "settings",
                "label": _("Notification channels"),
                "url": reverse("notify:channels"),
                "key": "channels",
            }
        )
    return items


def _emergency_menu(user) -> list[dict]:
    from safecampus.accounts.roles import REGIONAL_ROLES
    from safecampus.emergency.models import Drill, EmergencyPlan, Incident, IncidentPolicy
    from safecampus.emergency.stats_views import menu_items as stats_items

    def item(label, url, key, group="emergency"):
        return {"group": group, "label": label, "url": reverse(url), "key": key}

    items = []
    if can_anywhere(user, "add", Incident):
        items.append(item(_("Report an incident"), "incidents:report", "incident_report"))
    if can_anywhere(user, "view", Incident):
        items.append(item(_("Incidents"), "incidents:list", "incidents"))
    if can_anywhere(user, "view", Drill):
        items.append(item(_("Drills"), "drills:list", "drills"))
        if any(a.role in REGIONAL_ROLES for a in assignments(user)):
            items.append(item(_("Drill compliance"), "drills:compliance", "drill_compliance"))
    if can_anywhere(user, "view", EmergencyPlan):
        items.append(item(_("Emergency plans"), "plans:list", "plans"))
        if any(a.role in REGIONAL_ROLES for a in assignments(user)):
            items.append(item(_("Emergency plan gaps"), "plans:gaps", "plan_gaps"))
    items += stats_items(user)
    if can_anywhere(user, "change", IncidentPolicy):
        items.append(
            item(
                _("Incident reporting deadlines"),
                "incidents:policy_home",
                "incident_policy",
                group="settings",
            )
        )
    return items


MENU_PROVIDERS.append(_hazard_menu)
MENU_PROVIDERS.append(_review_menu)
MENU_PROVIDERS.append(_emergency_menu)
MENU_PROVIDERS.append(_settings_menu)
