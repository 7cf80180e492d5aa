"""The navigation menu, by what the user's roles allow: one list, read by the base template.

Each item is {"label", "url", "key"}; a page marks its item with `nav_active = key`.
Capabilities append their items through MENU_PROVIDERS: provider(user) → [item, ...], placed
after "My work" and before the reference data.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import assignments, can_anywhere
from safecampus.accounts.roles import SCHOOL_ROLES

MENU_PROVIDERS: list = []


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
        items.append({"label": _("Organisations"), "url": reverse("orgs:tree"), "key": "orgs"})
        if not school_only:
            items.append({"label": _("Schools"), "url": reverse("orgs:schools"), "key": "schools"})
    if can_anywhere(user, "view", Department) and not school_only:
        items.append(
            {"label": _("Departments"), "url": reverse("orgs:departments"), "key": "departments"}
        )
    if can_anywhere(user, "view", Person):
        items.append({"label": _("People"), "url": reverse("orgs:people"), "key": "people"})
    if can_anywhere(user, "view", LeadershipGroup):
        items.append(
            {"label": _("Leadership groups"), "url": reverse("orgs:groups"), "key": "groups"}
        )
    if can_anywhere(user, "view", AuditEntry):
        items.append({"label": _("Audit trail"), "url": reverse("audit:list"), "key": "audit"})
    if can_anywhere(user, "view", User):
        items.append({"label": _("Users"), "url": reverse("accounts:users"), "key": "users"})
    from safecampus.notify.models import Delivery

    if can_anywhere(user, "view", Delivery):
        items.append(
            {"label": _("Deliveries"), "url": reverse("notify:deliveries"), "key": "deliveries"}
        )
    return items


def _hazard_menu(user) -> list[dict]:
    from safecampus.hazards.models import Hazard, Inspection, Spot

    items = []
    if can_anywhere(user, "view", Hazard):
        items.append(
            {"label": _("Hazard ledger"), "url": reverse("hazards:ledger"), "key": "ledger"}
        )
    if can_anywhere(user, "add", Inspection):
        items.append({"label": _("Inspect"), "url": reverse("hazards:inspect"), "key": "inspect"})
    if can_anywhere(user, "add", Hazard):
        items.append(
            {"label": _("Report a hazard"), "url": reverse("hazards:report"), "key": "report"}
        )
    if can_anywhere(user, "view", Spot):
        items.append(
            {"label": _("Inspection spots"), "url": reverse("hazards:spots"), "key": "spots"}
        )
    return items


def _review_menu(user) -> list[dict]:
    from safecampus.accounts.roles import REGIONAL_ROLES
    from safecampus.hazards.dashboard_views import menu_items

    items = menu_items(user)
    if any(a.role in REGIONAL_ROLES for a in assignments(user)):
        items.append(
            {
                "label": _("Monthly dispatch"),
                "url": reverse("hazard_review:dispatch"),
                "key": "dispatch",
            }
        )
        items.append(
            {"label": _("Visits"), "url": reverse("hazard_review:visits"), "key": "visits"}
        )
    return items


MENU_PROVIDERS.append(_hazard_menu)
MENU_PROVIDERS.append(_review_menu)
