"""Inventories for defense tests: a complete, compliant one unless told otherwise."""

import datetime

from django.utils import timezone

from safecampus.defense import services

# A primary school of 600 day pupils meets every rule with these (2 guards required).
GOOD = {
    "guards": 2,
    "guards_trained": 2,
    "guards_certified": 2,
    "gate_hours": 24,
    "patrols_per_day": 5,
    "closed_management": True,
    "gate_closable": True,
    "wall_height_m": "2.2",
    "wall_anti_climb": True,
    "vehicle_access": True,
    "anti_collision": True,
    "stab_vests": 2,
    "batons": 2,
    "restraint_forks": 2,
    "alarm_installed": True,
    "alarm_networked": True,
    "video_entrances": True,
    "video_boarding_public": False,
    "video_networked": True,
    "health_staff": 1,
    "has_canteen": True,
    "canteen_6t": True,
    "open_kitchen": True,
    "open_kitchen_online": True,
}


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def declared(node, day: datetime.date | None = None, *, by=None, **changes):
    """The school's declaration (on `day`, or now), on top of its current inventory."""
    current = services.current_snapshot(node)
    figures = dict(changes) if current is not None else {**GOOD, **changes}
    return services.inventory_declare(
        school=node,
        by=by,
        figures=figures,
        based_on=current,
        at=at(day) if day else None,
    )


def verified(node, by, day: datetime.date | None = None, *, inspection=None, **found):
    current = services.current_snapshot(node)
    return services.inventory_verify(
        school=node,
        by=by,
        found=found,
        based_on=current,
        inspection=inspection,
        at=at(day, 15) if day else None,
    )
