"""The inventory's place on an inspection's page: an inspection whose checklist looks at the
three defenses offers to confirm or correct the school's inventory with what it found."""

from django import template
from django.urls import reverse

from safecampus.accounts.access import can

register = template.Library()


@register.inclusion_tag("defense/_inspection_card.html", takes_context=True)
def inventory_from_inspection(context, inspection):
    from safecampus.defense import inspection_map, services
    from safecampus.defense.figures import BY_NAME
    from safecampus.defense.models import InventorySnapshot, Verification

    request = context.get("request")
    user = getattr(request, "user", None)
    empty = {"show": False}
    if user is None or not inspection_map.covers(inspection):
        return empty
    node = inspection.org
    may_verify = can(user, "change", InventorySnapshot, node) and services.is_verifier(user, node)
    may_declare = can(user, "add", InventorySnapshot, node) and not may_verify
    if not (may_verify or may_declare or can(user, "view", InventorySnapshot, node)):
        return empty
    cover = inspection_map.coverage(inspection)
    done = list(
        Verification.objects.for_user(user)
        .filter(inspection=inspection)
        .order_by("figure")
        .values_list("outcome", flat=True)
    )
    return {
        "show": True,
        "labels": [BY_NAME[n].label for n in cover.figures],
        "verify_url": f"{reverse('defense:verify', args=[node.pk])}?inspection={inspection.pk}"
        if may_verify
        else "",
        "edit_url": f"{reverse('defense:edit')}?node={node.pk}" if may_declare else "",
        "school_url": reverse("defense:school", args=[node.pk]),
        "confirmed": sum(1 for o in done if o == "confirmed"),
        "corrected": sum(1 for o in done if o == "corrected"),
    }
