"""Which inventory figures an inspection can confirm or correct: the items of the built-in
checklists (hazards/library.py) that look at the three defenses, mapped to the figures they
cover.

Items are known by their template's code and their text, which the library keeps stable (a
changed item is a new version, and an inspection keeps the version it answered). A
checklist as a whole may cover figures no single item names: whoever walks the gate and the
perimeter for GATE-THREE-DEFENSE sees the wall and counts the guards.
"""

from __future__ import annotations

from dataclasses import dataclass

GATE, POLICE, CANTEEN = "GATE-THREE-DEFENSE", "POLICE-MONTHLY", "CANTEEN-FOOD"

ITEM_FIGURES: dict[tuple[str, str], tuple[str, ...]] = {
    (GATE, "门卫室24小时有人值守，交接班记录完整"): ("gate_hours",),
    (GATE, "校门可关闭，上课期间实行封闭管理"): ("gate_closable", "closed_management"),
    (GATE, "防冲撞设施（隔离墩、升降柱）在车辆可进入处设置到位"): (
        "vehicle_access",
        "anti_collision",
    ),
    (GATE, "防暴装备：钢叉、盾牌、警棍、头盔、防刺服配备齐全"): (
        "restraint_forks",
        "batons",
        "stab_vests",
    ),
    (GATE, "一键式紧急报警、视频监控运行正常，与公安联网"): (
        "alarm_installed",
        "alarm_networked",
        "video_networked",
    ),
    (GATE, "重点部位每日巡查不少于5次，巡查记录完整"): ("patrols_per_day",),
    (POLICE, "学校、幼儿园所有出入口及周边视频监控全覆盖，画面清晰"): ("video_entrances",),
    (POLICE, "寄宿制学校公共区域视频监控全覆盖"): ("video_boarding_public",),
    (POLICE, "一键式紧急报警装置与派出所联网，现场测试响应正常"): (
        "alarm_installed",
        "alarm_networked",
    ),
    (POLICE, "校园实行封闭化管理，上课期间校门关闭"): ("closed_management", "gate_closable"),
    (POLICE, "保安员在岗在位，防护装备配备齐全并会使用"): (
        "guards",
        "stab_vests",
        "batons",
        "restraint_forks",
    ),
    (CANTEEN, "“互联网+明厨亮灶”运行正常，操作间画面可查看"): (
        "open_kitchen",
        "open_kitchen_online",
    ),
}
# Figures seen whenever the checklist is used, whatever its items.
TEMPLATE_FIGURES: dict[str, tuple[str, ...]] = {
    GATE: ("guards", "guards_trained", "guards_certified", "wall_height_m", "wall_anti_climb"),
    POLICE: ("guards_trained", "guards_certified"),
    CANTEEN: ("has_canteen", "canteen_6t"),
}
CODES = frozenset(TEMPLATE_FIGURES)


@dataclass
class Coverage:
    """What one inspection says about the inventory: the figures it covers, and for each the
    items that looked at it with their answers."""

    figures: list[str]
    answers: dict  # figure → [(item text, answer, answer label, note)]

    @property
    def abnormal(self) -> set[str]:
        return {
            name
            for name, rows in self.answers.items()
            if any(answer == "abnormal" for _t, answer, _l, _n in rows)
        }


def covers(inspection) -> bool:
    """Does this inspection's checklist look at the inventory at all?"""
    return inspection.checklist.template.code in CODES


def coverage(inspection) -> Coverage:
    """The figures the inspection covers, in the inventory's order (two queries)."""
    from safecampus.defense.figures import NAMES
    from safecampus.hazards.models import InspectionAnswer

    code = inspection.checklist.template.code
    found: set[str] = set(TEMPLATE_FIGURES.get(code, ()))
    answers: dict[str, list] = {}
    rows = (
        InspectionAnswer.objects.filter(inspection=inspection)
        .select_related("item")
        .order_by("item__position", "id")
    )
    for a in rows:
        names = ITEM_FIGURES.get((code, a.item.text), ())
        for name in names:
            found.add(name)
            answers.setdefault(name, []).append(
                (a.item.text, a.answer, a.get_answer_display(), a.note)
            )
    return Coverage(figures=[n for n in NAMES if n in found], answers=answers)
