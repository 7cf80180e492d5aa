"""The three-defense rules through the engine: each on crafted figures with the verdict and the
sentence a bureau reads (in Chinese and in English), the snapshot in force on the day judged,
"no data" where nothing was recorded, and a county's override changing a number."""

import datetime

import pytest
from django.utils import translation

from safecampus.compliance import engine
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.defense import rules
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.defense.factories import declared

D = datetime.date
AS_OF = D(2026, 11, 5)
RATIO = {"small_below": 100, "small": 1, "middle": 2, "large_from": 1000, "large": 3, "step": 500}


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def verdict(user, region, code, node, language="zh-hans", **kw):
    with translation.override(language):
        result = engine.evaluate(user, region, codes=[code], as_of=kw.pop("as_of", AS_OF), **kw)
        return result.of(code, node.pk)


def school(world, name, **profile):
    kind = profile.pop("kind", SchoolKind.PRIMARY)
    return f.school(world.town_a, name, kind, **profile)


@pytest.mark.parametrize(
    ("pupils", "required"),
    [(0, 1), (99, 1), (100, 2), (999, 2), (1000, 3), (1499, 3), (1500, 4), (2000, 5)],
)
def test_guards_required_follow_gb_t_29315_table_a1(pupils, required):
    assert rules.required_guards(pupils, RATIO) == required


# code, school profile, figures changed from a compliant inventory, status, en, zh
CASES = [
    (
        "GUARD-RATIO",
        {"enrolment": 870},
        {},
        Status.COMPLIANT,
        "2 guards for 870 day pupils; 2 required.",
        "现有保安2名，非寄宿学生870人，应配2名。",
    ),
    (
        "GUARD-RATIO",
        {"enrolment": 1620, "boarders": 300, "boarding": True},
        {},
        Status.NOT_COMPLIANT,
        "2 guards for 1320 day pupils; 3 required.",
        "现有保安2名，非寄宿学生1320人，应配3名。",
    ),
    (
        "STAFF-GUARD",
        {"enrolment": 870},
        {"guards_certified": 1},
        Status.NOT_COMPLIANT,
        "1 of the 2 guards required are on staff, trained and certified (50 %): 2 on staff, "
        "2 trained, 1 certified.",
        "应配保安2名，在岗且经培训、持证1名（配备率50 %）：在岗2名，经培训2名，持证1名。",
    ),
    (
        "STAFF-GUARD",
        {"enrolment": 870},
        {},
        Status.COMPLIANT,
        "2 of the 2 guards required are on staff, trained and certified (100 %): 2 on staff, "
        "2 trained, 2 certified.",
        "应配保安2名，在岗且经培训、持证2名（配备率100 %）：在岗2名，经培训2名，持证2名。",
    ),
    (
        "GATE-24H",
        {},
        {"gate_hours": 16},
        Status.NOT_COMPLIANT,
        "The gatehouse is staffed 16 hours a day; 24 required.",
        "门卫室每天值守16小时，要求24小时。",
    ),
    (
        "PATROL-KEY",
        {},
        {"patrols_per_day": 3},
        Status.NOT_COMPLIANT,
        "3 patrols of key areas a day; at least 5 required.",
        "重点部位每天巡查3次，要求不少于5次。",
    ),
    (
        "DEF-CLOSED",
        {},
        {"closed_management": False, "gate_closable": False},
        Status.NOT_COMPLIANT,
        "Missing: closed management, a gate that can be closed.",
        "缺少：封闭化管理、可关闭的校门。",
    ),
    (
        "DEF-ALARM",
        {},
        {"alarm_networked": False},
        Status.NOT_COMPLIANT,
        "The one-click alarm is installed but not networked with the police.",
        "一键式紧急报警装置已安装，但未与公安联网。",
    ),
    (
        "DEF-ALARM",
        {},
        {},
        Status.COMPLIANT,
        "A one-click alarm is installed and networked with the police.",
        "已安装一键式紧急报警装置并与公安联网。",
    ),
    (
        "DEF-VIDEO",
        {"enrolment": 800, "boarders": 200, "boarding": True},
        {"video_boarding_public": False},
        Status.NOT_COMPLIANT,
        "Missing: video in the public areas of boarding.",
        "缺少：寄宿区公共区域视频监控。",
    ),
    (
        "DEF-VIDEO",
        {},
        {"video_boarding_public": False},
        Status.COMPLIANT,
        "Video covers every entrance and is networked with the police.",
        "视频监控覆盖全部出入口并与公安联网。",
    ),
    (
        "DEF-WALL",
        {},
        {"wall_height_m": "1.8", "wall_anti_climb": False},
        Status.NOT_COMPLIANT,
        "The wall is 1.8 m high, below the 2 m required, and has no anti-climb.",
        "围墙高1.8米，低于要求的2米，且无防攀爬设施。",
    ),
    (
        "STAFF-HEALTH",
        {"enrolment": 870},
        {},
        Status.NOT_COMPLIANT,
        "1 health worker for 870 students; 2 required (at most 600 students each).",
        "卫生专业技术人员1名，在校生870人，应配2名（每名不超过600人）。",
    ),
    (
        "FOOD-6T",
        {},
        {"has_canteen": False},
        Status.NOT_APPLICABLE,
        "The school has no canteen.",
        "学校未开办食堂。",
    ),
    (
        "FOOD-6T",
        {},
        {"canteen_6t": False},
        Status.NOT_COMPLIANT,
        "The canteen does not run 6T management.",
        "学校食堂未实行“6T”管理。",
    ),
    (
        "FOOD-OPEN-KITCHEN",
        {},
        {"open_kitchen_online": False},
        Status.NOT_COMPLIANT,
        "The kitchen is open (明厨亮灶) but not viewable online.",
        "食堂已实现“明厨亮灶”，但未实现“互联网+”在线查看。",
    ),
    (
        "TARGET-4X100",
        {"enrolment": 1200},
        {"alarm_networked": False},
        Status.NOT_COMPLIANT,
        "2 of the four in place; missing: guards, one-click alarm.",
        "四项中2项达标；未达标：专职保安、一键式紧急报警。",
    ),
    (
        "TARGET-4X100",
        {},
        {},
        Status.COMPLIANT,
        "All four are in place: guards, closed management, one-click alarm, networked video.",
        "专职保安、封闭化管理、一键式紧急报警、视频监控联网四项均已达标。",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "profile", "changes", "status", "english", "chinese"),
    CASES,
    ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)],
)
def test_each_rule_on_crafted_figures(
    world, bureau, code, profile, changes, status, english, chinese
):
    node = school(world, "沙泉湾小学", **profile)
    snapshot = declared(node, D(2026, 10, 1), **changes)
    zh = verdict(bureau, world.county_a, code, node)
    en = verdict(bureau, world.county_a, code, node, language="en")
    assert zh.status == en.status == status
    assert en.explanation.startswith(english), en.explanation
    assert zh.explanation.startswith(chinese), zh.explanation
    assert "Rule:" in en.explanation and zh.period.key == "2026-11-05"
    if status != Status.NOT_APPLICABLE:
        assert zh.evidence[0].id == snapshot.pk and zh.evidence[0].kind == "inventory"
        assert f"?on={AS_OF.isoformat()}" in zh.evidence[0].url


@pytest.mark.django_db
def test_no_inventory_is_no_data_never_a_pass(world, bureau):
    for code in rules.CODES:
        zh = verdict(bureau, world.county_a, code, world.school_a1)
        en = verdict(bureau, world.county_a, code, world.school_a1, language="en")
        assert zh.status == Status.NO_DATA, code
        assert en.explanation.startswith("No three-defense inventory was recorded by 2026-11-05.")
        assert zh.explanation.startswith("截至2026-11-05未录入“三防”台账。")


@pytest.mark.django_db
def test_a_school_without_enrolment_cannot_be_judged_on_guards(world, bureau):
    node = school(world, "新建小学", enrolment=0)
    declared(node, D(2026, 10, 1))
    v = verdict(bureau, world.county_a, "GUARD-RATIO", node, language="en")
    assert v.status == Status.NO_DATA and "enrolment is not recorded" in v.explanation
    assert verdict(bureau, world.county_a, "DEF-ALARM", node).status == Status.COMPLIANT


@pytest.mark.django_db
def test_a_past_period_is_judged_by_the_snapshot_in_force_then(world, bureau):
    declared(world.school_a1, D(2026, 3, 2), alarm_networked=False)
    declared(world.school_a1, D(2026, 9, 10), alarm_networked=True)
    june = verdict(
        bureau, world.county_a, "DEF-ALARM", world.school_a1, period=parse_period("2026-06")
    )
    assert june.status == Status.NOT_COMPLIANT and june.period.key == "2026-06-30"
    now = verdict(bureau, world.county_a, "DEF-ALARM", world.school_a1)
    assert now.status == Status.COMPLIANT
    before = verdict(
        bureau, world.county_a, "DEF-ALARM", world.school_a1, period=parse_period("2026-02")
    )
    assert before.status == Status.NO_DATA


@pytest.mark.django_db
def test_a_county_override_changes_the_guards_required_from_its_day(world, bureau):
    # 盐池县 asks for 3 guards from 100 day pupils from September 2026.
    RuleOverride.objects.create(
        org=world.county_a, code="GUARD-RATIO", effective_from=D(2026, 9, 1), params={"middle": 3}
    )
    node = school(world, "高沙窝小学", enrolment=870)
    declared(node, D(2026, 3, 2))
    august = verdict(
        bureau, world.county_a, "GUARD-RATIO", node, "en", period=parse_period("2026-08")
    )
    assert august.status == Status.COMPLIANT and "2 required" in august.explanation
    now = verdict(bureau, world.county_a, "GUARD-RATIO", node, "en")
    assert now.status == Status.NOT_COMPLIANT
    assert now.explanation.startswith("2 guards for 870 day pupils; 3 required.")
    staffing = verdict(bureau, world.county_a, "STAFF-GUARD", node, "en")
    assert staffing.status == Status.NOT_COMPLIANT and "(66.67 %)" in staffing.explanation
    # The other county keeps the standard's numbers.
    b_school = f.school(world.town_b, "豫海小学", SchoolKind.PRIMARY, enrolment=870)
    declared(b_school, D(2026, 3, 2))
    b_bureau = f.user_with_role("bureau_staff", world.county_b)
    assert verdict(b_bureau, world.county_b, "GUARD-RATIO", b_school).status == Status.COMPLIANT


@pytest.mark.django_db
def test_an_override_of_the_wall_height_and_the_health_ratio(world, bureau):
    RuleOverride.objects.create(
        org=world.county_a,
        code="DEF-WALL",
        effective_from=D(2026, 1, 1),
        params={"min_height_m": 1.8},
    )
    RuleOverride.objects.create(
        org=world.county_a,
        code="STAFF-HEALTH",
        effective_from=D(2026, 1, 1),
        params={"students_per_staff": 900},
    )
    node = school(world, "青山小学", enrolment=870)
    declared(node, D(2026, 3, 2), wall_height_m="1.8")
    wall = verdict(bureau, world.county_a, "DEF-WALL", node, "en")
    assert wall.status == Status.COMPLIANT
    assert wall.explanation.startswith(
        "The wall is 1.8 m high (at least 1.8 m required) and anti-climb."
    )
    health = verdict(bureau, world.county_a, "STAFF-HEALTH", node, "en")
    assert health.status == Status.COMPLIANT and "at most 900 students each" in health.explanation


@pytest.mark.django_db
def test_the_regions_shares_against_the_targets(world, bureau):
    declared(world.school_a1, D(2026, 3, 2))  # all four in place, 6T canteen
    declared(world.school_a2, D(2026, 3, 2), canteen_6t=False, alarm_networked=False)
    third = school(world, "萌城小学")
    declared(third, D(2026, 3, 2), has_canteen=False)
    school(world, "马儿庄小学")  # never entered
    result = engine.evaluate(bureau, world.county_a, codes=["TARGET-4X100", "FOOD-6T"], as_of=AS_OF)
    four = result.summary("TARGET-4X100")
    assert four.counts[Status.COMPLIANT] == 2 and four.judged == 4
    assert four.share == 0.5 and four.target == 1.0 and four.on_target is False
    food = result.summary("FOOD-6T")
    assert food.judged == 3  # the school without a canteen is left out
    assert food.share == pytest.approx(1 / 3) and food.target == 1.0


@pytest.mark.django_db
def test_a_school_user_sees_only_their_schools_verdicts(world):
    declared(world.school_a1, D(2026, 3, 2))
    declared(world.school_a2, D(2026, 3, 2))
    principal = f.user_with_role("principal", world.school_a1)
    result = engine.evaluate(principal, world.county_a, codes=["DEF-ALARM"], as_of=AS_OF)
    assert set(result.verdicts["DEF-ALARM"]) == {world.school_a1.pk}


def test_only_the_figures_that_fail_a_rule_are_marked():
    from types import SimpleNamespace

    from safecampus.compliance.catalog import RULES_BY_CODE
    from safecampus.defense.figures import BY_NAME
    from tests.defense.factories import GOOD

    def params_for(code):
        return RULES_BY_CODE[code].params

    v = {n: BY_NAME[n].plain(x) for n, x in GOOD.items()}
    v.update(video_networked=False, video_boarding_public=False, guards_certified=1)
    day_school = SimpleNamespace(enrolment=600, boarders=0, boarding=False)
    boarding = SimpleNamespace(enrolment=600, boarders=100, boarding=True)
    assert rules.failing_figures("DEF-VIDEO", v, day_school, params_for) == {"video_networked"}
    assert rules.failing_figures("DEF-VIDEO", v, boarding, params_for) == {
        "video_networked",
        "video_boarding_public",
    }
    assert rules.failing_figures("STAFF-GUARD", v, day_school, params_for) == {"guards_certified"}
    assert rules.failing_figures("GUARD-RATIO", v, day_school, params_for) == set()
