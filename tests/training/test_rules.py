"""The training and appointment rules through the engine, on crafted records: each verdict's
status and its sentence (in Chinese and in English), "no data" where nothing is recorded, an
override of the hours from its effective date, and the scope of the person asking."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from safecampus.compliance import engine
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.training.helpers import appoint, attend, session

pytestmark = pytest.mark.django_db

D = datetime.date
AS_OF = D(2026, 3, 10)  # judges 2025, the autumn term 2025 and the state on 2026-03-10
CODES = ["TRAIN-MANAGER", "TRAIN-STAFF", "TRAIN-GUARD", "STAFF-LEGAL", "STAFF-PSY"]


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def verdict(user, region, code, node, language="en", **kw):
    kw.setdefault("as_of", AS_OF)
    with translation.override(language):
        return engine.evaluate(user, region, codes=[code], **kw).of(code, node.pk)


@pytest.fixture
def managers(world):
    """Two safety managers of school A1: one on file, one known only by name; and a third
    whose appointment ended in the middle of 2025."""
    wang = f.PersonFactory(org=world.school_a1, name="王安全", post="分管安全副校长")
    appoint(world.school_a1, "safety_manager", wang)
    appoint(world.school_a1, "safety_manager", "李四")
    appoint(world.school_a1, "safety_manager", "赵前", ended_on=D(2025, 6, 30))
    return wang


# ------------------------------------------------------------------------- TRAIN-MANAGER


def test_managers_hours_add_up_county_courses_and_the_schools_own_sessions(world, bureau, managers):
    course = session(world.county_a, D(2025, 4, 10), hours=10, topic="县安全管理人员培训班")
    attend(course, managers)
    attend(course, "李四", school=world.school_a1)
    own = session(world.school_a1, D(2025, 10, 12), hours=6, topic="校园安全管理专题")
    attend(own, managers)
    attend(own, "李四", hours=3)
    attend(own, "赵前")  # no longer a manager: not judged, whatever the hours
    v = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT and v.period.key == "2025"
    assert v.explanation.startswith(
        "2025: 1 of 2 safety managers had under 15 h of training (李四 13 h)."
    )
    assert v.value == 13.0
    assert {e.label for e in v.evidence} == {"县安全管理人员培训班", "校园安全管理专题"}
    zh = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, "zh-hans")
    assert zh.explanation.startswith(
        "2025年：2名安全管理人员中有1名培训不足15学时（李四 13学时）。"
    )
    assert "种子004" in zh.explanation

    attend(session(world.school_a1, D(2025, 12, 20), hours=2), "李四")
    v = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert v.status == Status.COMPLIANT
    assert v.explanation.startswith(
        "2025: each of the 2 safety managers had at least 15 h of training, the fewest 15 h."
    )
    zh = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, "zh-hans")
    assert zh.explanation.startswith("2025年：2名安全管理人员培训均不少于15学时，最少15学时。")


def test_hours_of_another_year_do_not_count(world, bureau, managers):
    attend(session(world.school_a1, D(2024, 12, 30), hours=12), managers)
    attend(session(world.school_a1, D(2026, 1, 5), hours=12), managers)
    attend(session(world.school_a1, D(2025, 5, 5), hours=4), managers)
    v = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT
    assert "王安全 4 h" in v.explanation and "李四 0 h" in v.explanation


def test_no_training_recorded_at_all_is_no_data_not_a_failure(world, bureau, managers):
    v = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert v.status == Status.NO_DATA
    assert v.explanation.startswith(
        "No training is recorded here up to 2025-12-31, so 2025 cannot be judged."
    )
    zh = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, "zh-hans")
    assert zh.explanation.startswith("截至2025-12-31本单位没有培训记录，无法判定2025年。")
    # Records that begin after the year judged leave it without data too.
    session(world.school_a1, D(2026, 2, 1), hours=3, audience="all_staff")
    assert verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1).status == (
        Status.NO_DATA
    )
    # A school that trained others but not its managers fails.
    session(world.school_a1, D(2025, 9, 3), hours=3, audience="all_staff", attendee_count=40)
    v = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT and v.value == 0.0


def test_without_a_safety_manager_in_office_there_are_no_hours_to_judge(world, bureau):
    appoint(world.school_a1, "safety_manager", "赵前", ended_on=D(2025, 6, 30))
    attend(session(world.school_a1, D(2025, 5, 5), hours=16), "赵前")
    v = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert v.status == Status.NO_DATA
    assert "No safety manager was in office on 2025-12-31" in v.explanation
    zh = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, "zh-hans")
    assert "2025-12-31没有在任的安全管理人员" in zh.explanation


def test_a_county_override_of_the_hours_changes_the_verdict_from_its_effective_date(
    world, bureau, managers
):
    RuleOverride.objects.create(
        org=world.county_a, code="TRAIN-MANAGER", effective_from=D(2026, 1, 1), params={"hours": 12}
    )
    for year in (2025, 2026):
        s = session(world.school_a1, D(year, 5, 5), hours=13)
        attend(s, managers)
        attend(s, "李四")
    before = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1)
    assert before.status == Status.NOT_COMPLIANT  # 2025 is judged by the default 15 h
    assert "under 15 h" in before.explanation
    after = verdict(bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, as_of=D(2027, 1, 10))
    assert after.period.key == "2026" and after.status == Status.COMPLIANT
    assert "at least 12 h" in after.explanation
    # The other county keeps the default.
    school_b = world.school_b1
    appoint(school_b, "safety_manager", "钱多")
    attend(session(school_b, D(2026, 5, 5), hours=13), "钱多")
    other = f.user_with_role("bureau_staff", world.county_b)
    v = verdict(other, world.county_b, "TRAIN-MANAGER", school_b, as_of=D(2027, 1, 10))
    assert v.status == Status.NOT_COMPLIANT


# --------------------------------------------------------------------------- TRAIN-STAFF


def test_staff_coverage_of_the_last_ended_term(world, bureau):
    # School A1 has 40 staff (the factory's default).
    session(world.school_a1, D(2025, 9, 5), hours=2, audience="all_staff", attendee_count=36)
    session(world.school_a1, D(2025, 7, 1), hours=2, audience="all_staff", attendee_count=40)
    v = verdict(bureau, world.county_a, "TRAIN-STAFF", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT
    assert v.period.label == "2025年秋季学期"
    assert v.explanation.startswith(
        "2025年秋季学期: 36 of 40 staff trained (90 %), under the 100 % required."
    )
    assert v.value == pytest.approx(0.9)
    zh = verdict(bureau, world.county_a, "TRAIN-STAFF", world.school_a1, "zh-hans")
    assert zh.explanation.startswith(
        "2025年秋季学期：教职工40人，培训36人（90 %），低于要求的100 %。"
    )

    # Named attendees count once each, across sessions; a whole-staff count stands on its own.
    people = [f.PersonFactory(org=world.school_a1) for _ in range(38)]
    first = session(world.school_a1, D(2025, 10, 20), hours=2, audience="other")
    second = session(world.school_a1, D(2025, 11, 20), hours=2, audience="other")
    for p in people[:30]:
        attend(first, p)
    for p in people[20:]:
        attend(second, p)
    attend(second, "门卫老张")
    attend(second, "门卫老张".replace("张", "李"))
    v = verdict(bureau, world.county_a, "TRAIN-STAFF", world.school_a1)
    assert v.status == Status.COMPLIANT
    assert v.explanation.startswith("2025年秋季学期: 40 of 40 staff trained (100 %).")


def test_staff_coverage_without_a_staff_count_or_records_is_no_data(world, bureau):
    v = verdict(bureau, world.county_a, "TRAIN-STAFF", world.school_a1)
    assert v.status == Status.NO_DATA
    school = f.school(world.town_a, "惠安堡小学", staff_count=0)
    session(school, D(2025, 9, 5), hours=2, audience="all_staff", attendee_count=20)
    v = verdict(bureau, world.county_a, "TRAIN-STAFF", school)
    assert v.status == Status.NO_DATA
    assert "staff count is not on file" in v.explanation
    # Sessions of another term only: the school trained, but not in the term judged.
    session(world.school_a1, D(2025, 6, 5), hours=2, audience="all_staff", attendee_count=40)
    v = verdict(bureau, world.county_a, "TRAIN-STAFF", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT
    assert v.explanation.startswith("2025年秋季学期: no training session; 40 staff to train.")


# --------------------------------------------------------------------------- TRAIN-GUARD


def test_guard_training_days_of_a_county(world, bureau):
    session(world.county_a, D(2025, 3, 1), hours=30, audience="guards", days=5)
    session(world.school_a1, D(2025, 3, 3), hours=8, audience="guards", days=2)  # same days
    session(world.town_a, D(2025, 6, 1), hours=20, audience="guards", days=4)
    session(world.county_a, D(2025, 12, 30), hours=20, audience="guards", days=4)  # 2 in 2025
    session(world.county_a, D(2025, 8, 1), hours=6, audience="managers", days=3)  # not guards
    session(world.county_b, D(2025, 8, 1), hours=6, audience="managers")
    city = f.user_with_role("bureau_staff", world.city)
    with translation.override("en"):
        result = engine.evaluate(city, world.city, codes=["TRAIN-GUARD"], as_of=AS_OF)
    a = result.of("TRAIN-GUARD", world.county_a.pk)
    assert a.status == Status.NOT_COMPLIANT and a.value == 11
    assert a.explanation.startswith(
        "2025: guards trained or drilled on only 11 days in the county, 15 required."
    )
    b = result.of("TRAIN-GUARD", world.county_b.pk)
    assert b.status == Status.NOT_COMPLIANT and b.value == 0
    with translation.override("zh-hans"):
        a = engine.evaluate(bureau, world.county_a, codes=["TRAIN-GUARD"], as_of=AS_OF).of(
            "TRAIN-GUARD", world.county_a.pk
        )
    assert a.explanation.startswith("2025年：全县保安员培训演练仅11天，要求不少于15天。")
    session(world.county_a, D(2025, 10, 8), hours=30, audience="guards", days=4)
    a = verdict(bureau, world.county_a, "TRAIN-GUARD", world.county_a)
    assert a.status == Status.COMPLIANT and a.value == 15
    assert a.explanation.startswith(
        "2025: guards trained or drilled on 15 days in the county, at least 15."
    )


def test_a_county_with_no_training_recorded_has_no_data(world):
    user = f.user_with_role("bureau_staff", world.county_b)
    v = verdict(user, world.county_b, "TRAIN-GUARD", world.county_b)
    assert v.status == Status.NO_DATA


# ------------------------------------------------------------------ STAFF-LEGAL, STAFF-PSY


def test_legal_vice_principal_in_office(world, bureau):
    appoint(world.school_a1, "psy_part", "周老师")
    appoint(
        world.school_a1,
        "legal_vp",
        "李警官",
        started_on=D(2023, 9, 1),
        ended_on=D(2025, 8, 31),
        unit="冯记沟派出所",
    )
    appoint(world.school_a1, "legal_vp", "孙警官", started_on=D(2026, 4, 1))  # not yet
    v = verdict(bureau, world.county_a, "STAFF-LEGAL", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT and v.period.key == "2026-03-10"
    assert v.explanation.startswith(
        "No legal vice-principal in office on 2026-03-10. The last one, 李警官, left office on "
        "2025-08-31."
    )
    zh = verdict(bureau, world.county_a, "STAFF-LEGAL", world.school_a1, "zh-hans")
    assert zh.explanation.startswith("2026-03-10无在任法治副校长。上一任李警官已于2025-08-31离任。")
    police = f.PersonFactory(org=world.town_a, name="马警官", unit="冯记沟派出所")
    appoint(world.school_a1, "legal_vp", police, started_on=D(2025, 9, 1), unit="冯记沟派出所")
    v = verdict(bureau, world.county_a, "STAFF-LEGAL", world.school_a1)
    assert v.status == Status.COMPLIANT and v.value == 1
    assert v.explanation.startswith(
        "1 legal vice-principal in office on 2026-03-10: 马警官 (冯记沟派出所)."
    )
    zh = verdict(bureau, world.county_a, "STAFF-LEGAL", world.school_a1, "zh-hans")
    assert zh.explanation.startswith("2026-03-10在任法治副校长1名：马警官（冯记沟派出所）。")
    # A school that recorded no appointment at all has no data.
    assert verdict(bureau, world.county_a, "STAFF-LEGAL", world.school_a2).status == (
        Status.NO_DATA
    )


def test_psychological_teacher_in_office(world, bureau):
    appoint(world.school_a1, "legal_vp", "李警官")
    appoint(world.school_a1, "psy_full", "周老师", ended_on=D(2026, 1, 31))
    v = verdict(bureau, world.county_a, "STAFF-PSY", world.school_a1)
    assert v.status == Status.NOT_COMPLIANT
    assert v.explanation.startswith(
        "No psychological teacher in office on 2026-03-10. The last one, 周老师, left office on "
        "2026-01-31."
    )
    zh = verdict(bureau, world.county_a, "STAFF-PSY", world.school_a1, "zh-hans")
    assert zh.explanation.startswith("2026-03-10无在任心理健康教师。")
    appoint(world.school_a1, "psy_part", "吴老师", started_on=D(2026, 2, 1))
    v = verdict(bureau, world.county_a, "STAFF-PSY", world.school_a1)
    assert v.status == Status.COMPLIANT  # a part-time teacher counts at a school
    assert v.explanation.startswith("1 psychological teacher in office on 2026-03-10: 吴老师.")


def test_higher_education_counts_students_per_full_time_teacher(world, bureau):
    college = f.school(
        world.county_a, "盐池职业技术学院", SchoolKind.HIGHER, enrolment=9000, staff_count=500
    )
    appoint(college, "psy_full", "甲老师")
    appoint(college, "psy_full", "乙老师")
    appoint(college, "psy_part", "丙老师")  # part-time teachers do not count here
    v = verdict(bureau, world.county_a, "STAFF-PSY", college)
    assert v.status == Status.NOT_COMPLIANT and v.value == 2
    assert v.explanation.startswith(
        "2 full-time psychological teachers in office on 2026-03-10 for 9000 students; one per "
        "4000 students means 3."
    )
    zh = verdict(bureau, world.county_a, "STAFF-PSY", college, "zh-hans")
    assert zh.explanation.startswith(
        "2026-03-10在校学生9000人，在任专职心理健康教师2名；按每4000名学生1名计需3名。"
    )
    RuleOverride.objects.create(
        org=world.county_a,
        code="STAFF-PSY",
        effective_from=D(2026, 1, 1),
        params={"students_per_teacher_higher": 5000},
    )
    assert verdict(bureau, world.county_a, "STAFF-PSY", college).status == Status.COMPLIANT


# ---------------------------------------------------------------------- scope and queries


def test_verdicts_follow_the_scope_of_whoever_asks(world, managers):
    attend(session(world.school_a1, D(2025, 5, 5), hours=16), managers)
    session(world.county_a, D(2025, 3, 1), hours=30, audience="guards", days=15)
    principal = f.user_with_role("principal", world.school_a1)
    result = engine.evaluate(principal, world.county_a, codes=CODES, as_of=AS_OF)
    assert set(result.verdicts["TRAIN-MANAGER"]) == {world.school_a1.pk}
    assert result.verdicts["TRAIN-GUARD"] == {}  # the county is not the principal's to judge
    outsider = f.user_with_role("bureau_staff", world.county_b)
    result = engine.evaluate(outsider, world.county_a, codes=CODES, as_of=AS_OF)
    assert all(found == {} for found in result.verdicts.values())


def test_the_rules_cost_the_same_queries_for_two_schools_or_eight(world, bureau, managers):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            engine.evaluate(bureau, world.county_a, codes=CODES, as_of=AS_OF)
        return len(captured)

    count()  # the user's roles are loaded once, then kept on the user
    few = count()
    for i in range(6):
        school = f.school(world.town_a, f"测试学校{i}")
        appoint(school, "safety_manager", f"管理员{i}")
        attend(session(school, D(2025, 5, 5), hours=16), f"管理员{i}")
    assert count() == few


def test_an_asked_period_judges_that_year_with_the_managers_then_in_office(world, bureau, managers):
    s = session(world.school_a1, D(2024, 5, 5), hours=16)
    attend(s, managers)
    attend(s, "李四")
    v = verdict(
        bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, period=parse_period("2024")
    )
    # 赵前 was still a safety manager at the end of 2024, and was not trained.
    assert v.period.key == "2024" and v.status == Status.NOT_COMPLIANT
    assert "(赵前 0 h)" in v.explanation
    attend(s, "赵前")
    v = verdict(
        bureau, world.county_a, "TRAIN-MANAGER", world.school_a1, period=parse_period("2024")
    )
    assert v.status == Status.COMPLIANT and "each of the 3 safety managers" in v.explanation
