"""The navigation menu, by what the user's roles allow: one list, read by the base template."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import can_anywhere


def menu_for(user) -> list[dict]:
    from safecampus.accounts.models import User
    from safecampus.core.models import AuditEntry
    from safecampus.orgs.models import LeadershipGroup, OrgNode, Person

    items = [{"label": _("My work"), "url": reverse("home"), "key": "home"}]
    if can_anywhere(user, "view", OrgNode):
        items.append({"label": _("Organisations"), "url": reverse("orgs:tree"), "key": "orgs"})
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
    return items
