"""The figures of the three-defense and staffing inventory, as data: one list that the model,
the forms, the pages, the API, the verification records and the export all read.

A figure is a count, a yes/no or a height in metres; each belongs to one of the groups people
know from the seeds' language: 人防 (people), 物防 (physical), 技防 (technical), and the
health staff and canteen figures that the same inventory holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

COUNT, YESNO, METRES, HOURS = "count", "yesno", "metres", "hours"

PEOPLE, PHYSICAL, TECHNICAL, HEALTH = "people", "physical", "technical", "health"
GROUPS = {
    PEOPLE: pgettext_lazy("three defenses", "People (人防)"),
    PHYSICAL: pgettext_lazy("three defenses", "Physical (物防)"),
    TECHNICAL: pgettext_lazy("three defenses", "Technical (技防)"),
    HEALTH: pgettext_lazy("three defenses", "Health staff and canteen"),
}


@dataclass(frozen=True)
class Figure:
    name: str
    group: str
    kind: str
    label: object  # lazy text
    help: object = ""

    def plain(self, value):
        """The value as stored in JSON and compared: bool, int, or metres as a 2-place string."""
        if value is None or value == "":
            return None
        if self.kind == YESNO:
            if isinstance(value, str):
                return value.strip().lower() in {"true", "1", "yes", "y", "是", "有"}
            return bool(value)
        if self.kind == METRES:
            try:
                return str(Decimal(str(value)).quantize(Decimal("0.01")))
            except (InvalidOperation, ValueError):
                return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def display(self, value) -> str:
        """How a person reads it: 是/否, 2.00 m → 2 米, counts as numbers."""
        value = self.plain(value)
        if value is None:
            return "—"
        if self.kind == YESNO:
            return _("Yes") if value else _("No")
        if self.kind == METRES:
            return _("%(metres)s m") % {"metres": _metres(value)}
        if self.kind == HOURS:
            return _("%(hours)d h") % {"hours": value}
        return str(value)


def _metres(value) -> str:
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


F = Figure
FIGURES: tuple[Figure, ...] = (
    # 人防
    F("guards", PEOPLE, COUNT, gettext_lazy("Full-time guards")),
    F("guards_trained", PEOPLE, COUNT, gettext_lazy("Guards trained")),
    F(
        "guards_certified",
        PEOPLE,
        COUNT,
        gettext_lazy("Guards certified"),
        gettext_lazy("Holding a security guard certificate (保安员证)."),
    ),
    F(
        "gate_hours",
        PEOPLE,
        HOURS,
        gettext_lazy("Hours a day the gatehouse is staffed"),
        gettext_lazy("24 when someone is on duty around the clock (GATE-24H)."),
    ),
    F("patrols_per_day", PEOPLE, COUNT, gettext_lazy("Patrols of key areas a day")),
    # 物防
    F("closed_management", PHYSICAL, YESNO, gettext_lazy("Closed campus management")),
    F("gate_closable", PHYSICAL, YESNO, gettext_lazy("The gate can be closed")),
    F(
        "wall_height_m",
        PHYSICAL,
        METRES,
        gettext_lazy("Height of the perimeter wall (m)"),
        gettext_lazy("The lowest stretch of the wall or barrier."),
    ),
    F("wall_anti_climb", PHYSICAL, YESNO, gettext_lazy("Anti-climb on the wall")),
    F("vehicle_access", PHYSICAL, YESNO, gettext_lazy("Vehicles can drive up to an entrance")),
    F(
        "anti_collision",
        PHYSICAL,
        YESNO,
        gettext_lazy("Anti-collision bollards or barriers in place"),
    ),
    F("stab_vests", PHYSICAL, COUNT, gettext_lazy("Stab-resistant vests")),
    F("batons", PHYSICAL, COUNT, gettext_lazy("Batons")),
    F("restraint_forks", PHYSICAL, COUNT, gettext_lazy("Restraint forks (钢叉)")),
    # 技防
    F("alarm_installed", TECHNICAL, YESNO, gettext_lazy("One-click alarm installed")),
    F("alarm_networked", TECHNICAL, YESNO, gettext_lazy("One-click alarm networked with police")),
    F("video_entrances", TECHNICAL, YESNO, gettext_lazy("Video covers every entrance")),
    F(
        "video_boarding_public",
        TECHNICAL,
        YESNO,
        gettext_lazy("Video covers the public areas of boarding"),
        gettext_lazy("Dormitories' corridors, stairs and yards; boarding schools only."),
    ),
    F("video_networked", TECHNICAL, YESNO, gettext_lazy("Video networked with police")),
    # 卫生与食堂
    F(
        "health_staff",
        HEALTH,
        COUNT,
        gettext_lazy("Health staff"),
        gettext_lazy("School doctors, nurses and health teachers (保健教师)."),
    ),
    F("has_canteen", HEALTH, YESNO, gettext_lazy("The school runs a canteen")),
    F("canteen_6t", HEALTH, YESNO, gettext_lazy("Canteen under 6T management")),
    F("open_kitchen", HEALTH, YESNO, gettext_lazy("Open kitchen (明厨亮灶)")),
    F(
        "open_kitchen_online",
        HEALTH,
        YESNO,
        gettext_lazy("Kitchen viewable online (互联网+)"),
    ),
)
BY_NAME: dict[str, Figure] = {f.name: f for f in FIGURES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
# Figures that mean nothing without a canteen: a school without one records them as "no".
CANTEEN_FIGURES = ("canteen_6t", "open_kitchen", "open_kitchen_online")


def grouped(figures=FIGURES) -> list[tuple[str, object, list[Figure]]]:
    """[(group key, group label, [figures])] in the inventory's order."""
    out = []
    for key, label in GROUPS.items():
        members = [f for f in figures if f.group == key]
        if members:
            out.append((key, label, members))
    return out


def values_of(snapshot) -> dict:
    """{figure name: plain value} of a snapshot (or any object with the figures)."""
    return {name: BY_NAME[name].plain(getattr(snapshot, name)) for name in NAMES}


def label(name: str) -> str:
    return str(BY_NAME[name].label)
