"""The education rules on crafted records: the verdict and the sentence that explains it (in
Chinese and in English), "no data" where nothing is recorded, "not applicable" where the rule
does not reach, and a county's numbers changing the verdict.

Dates are those of the default calendar: October 2026 has 18 school days in 4 weeks (国庆节
1–7 October, 10 October a make-up day) and no holiday ahead; September 2026 has the 30-minute
reminders before 中秋节 (25 September) and 国庆节 (1 October).
"""

import datetime

import pytest
from django.utils import translation

from safecampus.compliance import engine
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.hazards.calendar import default_calendar
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.education import factories as ef

pytestmark = pytest.mark.django_db
D = datetime.date
CAL = default_calendar(D(2026, 10, 1))
OCTOBER = CAL.school_days(D(2026, 10, 1), D(2026, 10, 31))
SEPTEMBER = CAL.school_days(D(2026, 9, 1), D(2026, 9, 30))
OCTOBER_WEEKS = [D(2026, 10, 9), D(2026, 10, 16), D(2026, 10, 23), D(2026, 10, 30)]  # Fridays


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def judge(user, region, code, as_of, language="zh-hans", period=None):
    with translation.override(language):
        result = engine.evaluate(
            user,
            region,
            codes=[code],
            as_of=as_of,
            period=parse_period(period) if period else None,
        )
        return result


def kept(klass, days=OCTOBER, fridays=OCTOBER_WEEKS, skip=()):
    ef.remind_all(klass, [d for d in days if d not in skip])
    ef.remind_all(klass, fridays, "weekly")


def test_calendar_of_the_crafted_months():
    assert len(OCTOBER) == 18 and D(2026, 10, 10) in OCTOBER
    assert D(2026, 9, 25) not in SEPTEMBER


# ------------------------------------------------------------------------------ EDU-1530


def test_1530_names_the_classes_that_missed_reminders_and_their_figures(world, bureau):
    good = ef.school_class(world.school_a1, "三年级2班")
    bad = ef.school_class(world.school_a1, "四年级1班")
    kept(good)
    kept(bad, fridays=OCTOBER_WEEKS[:3], skip=OCTOBER[3:7])  # 4 days and the last week missed
    for language in ("zh-hans", "en"):
        v = judge(bureau, world.county_a, "EDU-1530", D(2026, 11, 5), language).of(
            "EDU-1530", world.school_a1.pk
        )
        assert v.status == Status.NOT_COMPLIANT and v.period.key == "2026-10"
        assert "四年级1班" in v.explanation and "三年级2班" not in v.explanation
        assert [e.label for e in v.evidence] == ["四年级1班"]
        assert v.evidence[0].figures == {
            "daily_missed": 4,
            "weekly_missed": 1,
            "holidays_missed": [],
        }
        assert v.value == pytest.approx((2 * 22 - 5) / 44)
        if language == "en":
            assert v.explanation.startswith("October 2026: 1 of 2 classes missed 1530 reminders")
            assert "四年级1班 (daily: 4 missed, weekly: 1 missed)" in v.explanation
            assert v.explanation.endswith("(种子004).")
        else:
            assert v.explanation.startswith("2026年10月")
            assert "四年级1班（每日漏4次、每周漏1次）" in v.explanation
            assert "“1530”安全教育" in v.explanation  # the rule's own title closes it


def test_1530_forgives_the_allowed_missed_days_and_says_so(world, bureau):
    klass = ef.school_class(world.school_a1, "三年级2班")
    kept(klass, skip=OCTOBER[:2])  # 2 missed: the default allows 2
    with translation.override("en"):
        v = engine.evaluate(bureau, world.county_a, codes=["EDU-1530"], as_of=D(2026, 11, 5)).of(
            "EDU-1530", world.school_a1.pk
        )
    assert v.status == Status.COMPLIANT
    assert "classes: 1, school days: 18, weeks: 4, holidays: 0; daily reminders missed: 2" in (
        v.explanation
    )


def test_1530_counts_the_thirty_minutes_before_each_holiday(world, bureau):
    klass = ef.school_class(world.school_a1, "三年级2班")
    fridays = [D(2026, 9, 4), D(2026, 9, 11), D(2026, 9, 18), D(2026, 9, 24), D(2026, 9, 30)]
    kept(klass, SEPTEMBER, fridays)
    ef.remind(klass, D(2026, 9, 24), "holiday", topic="traffic")  # before 中秋节
    result = judge(bureau, world.county_a, "EDU-1530", D(2026, 10, 9), "en")
    v = result.of("EDU-1530", world.school_a1.pk)
    assert v.status == Status.NOT_COMPLIANT
    assert "三年级2班 (none before 国庆节)" in v.explanation
    ef.remind(klass, D(2026, 9, 29), "holiday", topic="traffic")  # the day before the last
    v = judge(bureau, world.county_a, "EDU-1530", D(2026, 10, 9), "en").of(
        "EDU-1530", world.school_a1.pk
    )
    assert v.status == Status.COMPLIANT and "holidays: 2" in v.explanation


def test_1530_needs_the_minutes_the_county_asks_for(world, bureau):
    klass = ef.school_class(world.school_a1, "三年级2班")
    kept(klass)
    RuleOverride.objects.create(
        org=world.county_a,
        code="EDU-1530",
        effective_from=D(2026, 10, 1),
        params={"weekly_minutes": 10},
    )
    v = judge(bureau, world.county_a, "EDU-1530", D(2026, 11, 5), "en").of(
        "EDU-1530", world.school_a1.pk
    )
    assert v.status == Status.NOT_COMPLIANT and "weekly: 4 missed" in v.explanation


def test_a_county_override_of_the_allowed_days_changes_the_verdict(world, bureau):
    klass = ef.school_class(world.school_a1, "三年级2班")
    kept(klass, skip=OCTOBER[:4])
    before = judge(bureau, world.county_a, "EDU-1530", D(2026, 11, 5)).of(
        "EDU-1530", world.school_a1.pk
    )
    RuleOverride.objects.create(
        org=world.county_a,
        code="EDU-1530",
        effective_from=D(2026, 10, 1),
        params={"missed_days_allowed": 5},
    )
    after = judge(bureau, world.county_a, "EDU-1530", D(2026, 11, 5)).of(
        "EDU-1530", world.school_a1.pk
    )
    assert before.status == Status.NOT_COMPLIANT and after.status == Status.COMPLIANT
    # September is judged by the numbers in force then
    kept(
        klass,
        SEPTEMBER,
        [D(2026, 9, 4), D(2026, 9, 11), D(2026, 9, 18), D(2026, 9, 24), D(2026, 9, 30)],
        skip=SEPTEMBER[:4],
    )
    ef.remind(klass, D(2026, 9, 24), "holiday")
    ef.remind(klass, D(2026, 9, 30), "holiday")
    september = judge(bureau, world.county_a, "EDU-1530", D(2026, 11, 5), period="2026-09").of(
        "EDU-1530", world.school_a1.pk
    )
    assert september.status == Status.NOT_COMPLIANT


def test_1530_without_classes_is_no_data_and_a_month_of_holidays_not_applicable(world, bureau):
    ef.school_class(world.school_a2, "大一班", grade="大班")
    with translation.override("en"):
        result = engine.evaluate(bureau, world.county_a, codes=["EDU-1530"], as_of=D(2026, 11, 5))
        august = engine.evaluate(
            bureau,
            world.county_a,
            codes=["EDU-1530"],
            as_of=D(2026, 11, 5),
            period=parse_period("2026-08"),
        )
    none = result.of("EDU-1530", world.school_a1.pk)
    assert (
        none.status == Status.NO_DATA and "No class of the school is registered" in none.explanation
    )
    assert result.of("EDU-1530", world.school_a2.pk).status == Status.NOT_COMPLIANT
    assert august.of("EDU-1530", world.school_a2.pk).status == Status.NOT_APPLICABLE
    # a class registered after the month is not judged for it
    late = f.school(world.town_a, "新建小学")
    ef.school_class(late, "一年级1班", since=D(2026, 11, 2))
    with translation.override("en"):
        v = engine.evaluate(bureau, world.county_a, codes=["EDU-1530"], as_of=D(2026, 11, 5)).of(
            "EDU-1530", late.pk
        )
    assert v.status == Status.NO_DATA and "registered on 2026-11-02" in v.explanation


def test_each_user_is_judged_only_on_the_schools_they_see(world):
    ef.school_class(world.school_a1, "三年级2班")
    ef.school_class(world.school_b1, "七年级1班")
    principal = f.user_with_role("principal", world.school_a1)
    result = engine.evaluate(principal, world.county_a, codes=["EDU-1530"], as_of=D(2026, 11, 5))
    assert set(result.verdicts["EDU-1530"]) == {world.school_a1.pk}
    teacher = f.user_with_role("teacher", world.school_a1)  # no compliance rights
    assert engine.evaluate(teacher, world.school_a1, codes=["EDU-1530"]).verdicts == {
        "EDU-1530": {}
    }


# --------------------------------------------------------------------------- EDU-MONTHLY


def test_monthly_themed_activity(world, bureau):
    ef.school_class(world.school_a1, "三年级2班")
    ef.activity(world.school_a1, D(2026, 10, 16), title="交通安全主题班会")
    ef.activity(world.school_a2, D(2026, 10, 16), "drowning", topic="drowning")  # not themed
    silent = f.school(world.town_a, "大水坑小学", SchoolKind.PRIMARY)
    for language in ("en", "zh-hans"):
        result = judge(bureau, world.county_a, "EDU-MONTHLY", D(2026, 11, 5), language)
        good = result.of("EDU-MONTHLY", world.school_a1.pk)
        bad = result.of("EDU-MONTHLY", world.school_a2.pk)
        none = result.of("EDU-MONTHLY", silent.pk)
        assert good.status == Status.COMPLIANT and good.value == 1
        assert "2026-10-16" in good.explanation and "交通安全主题班会" in good.explanation
        assert bad.status == Status.NOT_COMPLIANT and none.status == Status.NO_DATA
        if language == "en":
            assert "October 2026: 1 themed safety activity, on 2026-10-16" in good.explanation
            assert "October 2026: no themed safety activity was held." in bad.explanation
            assert "No safety education is recorded for this school yet." in none.explanation
        else:
            assert "2026年10月开展主题安全教育活动1次" in good.explanation
            assert "2026年10月未开展主题安全教育活动。" in bad.explanation
    august = judge(bureau, world.county_a, "EDU-MONTHLY", D(2026, 11, 5), period="2026-08")
    assert august.of("EDU-MONTHLY", world.school_a1.pk).status == Status.NOT_APPLICABLE


# -------------------------------------------------------------------------- EDU-DROWNING


def test_drowning_education_every_week_from_april_to_october(world, bureau):
    ef.school_class(world.school_a1, "三年级2班")
    for day in (D(2026, 10, 9), D(2026, 10, 13), D(2026, 10, 30)):
        ef.activity(world.school_a1, day, "drowning", topic="drowning")
    # a themed activity on drowning counts too
    ef.activity(world.school_a2, D(2026, 10, 9), "themed", topic="drowning")
    for language in ("en", "zh-hans"):
        result = judge(bureau, world.county_a, "EDU-DROWNING", D(2026, 11, 5), language)
        v = result.of("EDU-DROWNING", world.school_a1.pk)
        assert v.status == Status.NOT_COMPLIANT and v.value == pytest.approx(0.75)
        assert "2026-10-19" in v.explanation
        if language == "en":
            assert "drowning education in 3 of 4 weeks; missing in the weeks of 2026-10-19" in (
                v.explanation
            )
        else:
            assert "4周中有3周开展防溺水教育" in v.explanation
    ef.activity(world.school_a1, D(2026, 10, 21), "drowning", topic="drowning")
    v = judge(bureau, world.county_a, "EDU-DROWNING", D(2026, 11, 5), "en").of(
        "EDU-DROWNING", world.school_a1.pk
    )
    assert v.status == Status.COMPLIANT and "weeks: 4, sessions: 4" in v.explanation
    november = judge(bureau, world.county_a, "EDU-DROWNING", D(2026, 12, 5), "en").of(
        "EDU-DROWNING", world.school_a1.pk
    )
    assert november.status == Status.NOT_APPLICABLE and "months 4–10" in november.explanation
    # a county that starts the season in March judges March
    RuleOverride.objects.create(
        org=world.county_a,
        code="EDU-DROWNING",
        effective_from=D(2026, 1, 1),
        params={"from_month": 3},
    )
    march = judge(bureau, world.county_a, "EDU-DROWNING", D(2026, 12, 5), period="2026-03").of(
        "EDU-DROWNING", world.school_a1.pk
    )
    assert march.status == Status.NOT_COMPLIANT


# ---------------------------------------------------------------------------- EDU-HEALTH


def test_health_education_two_periods_a_term(world, bureau):
    ef.school_class(world.school_a1, "三年级2班")
    ef.school_class(world.school_a2, "大一班", grade="大班")
    ef.activity(world.school_a1, D(2026, 4, 8), "health", topic="epidemic", periods=1)
    ef.activity(world.school_a1, D(2026, 5, 20), "health", topic="food", periods=1)
    ef.activity(world.school_a2, D(2026, 4, 8), "health", topic="epidemic", periods=1)
    for language in ("en", "zh-hans"):
        result = judge(bureau, world.county_a, "EDU-HEALTH", D(2026, 11, 5), language)
        good = result.of("EDU-HEALTH", world.school_a1.pk)
        bad = result.of("EDU-HEALTH", world.school_a2.pk)
        assert good.status == Status.COMPLIANT and good.value == 2
        assert bad.status == Status.NOT_COMPLIANT and bad.value == 1
        assert good.period.start == D(2026, 3, 2)
        if language == "en":
            assert (
                "2026年春季学期: 1 periods of health education, fewer than 2."
                not in bad.explanation
            )
            assert "2026年春季学期: 1 period of health education, fewer than 2." in bad.explanation
        else:
            assert "2026年春季学期仅开展健康教育1课时，少于每学期2课时。" in bad.explanation


# --------------------------------------------------------------------- EDU-CAMPAIGN-RATE


def test_campaign_rate_of_the_last_campaign_that_ended(world, bureau):
    campaign = ef.campaign(world.county_a)
    ef.result(campaign, world.school_a1, 600, 590)
    ef.result(campaign, world.school_a2, 200, 180)
    silent = f.school(world.town_a, "大水坑小学", SchoolKind.PRIMARY)
    for language in ("en", "zh-hans"):
        result = judge(bureau, world.county_a, "EDU-CAMPAIGN-RATE", D(2026, 11, 5), language)
        good = result.of("EDU-CAMPAIGN-RATE", world.school_a1.pk)
        bad = result.of("EDU-CAMPAIGN-RATE", world.school_a2.pk)
        none = result.of("EDU-CAMPAIGN-RATE", silent.pk)
        assert good.status == Status.COMPLIANT and good.value == pytest.approx(590 / 600)
        assert bad.status == Status.NOT_COMPLIANT and bad.value == pytest.approx(0.9)
        assert none.status == Status.NO_DATA and good.period.label == "秋季安全第一课"
        if language == "en":
            assert (
                "秋季安全第一课 (2026-09-01 – 2026-09-30): 590 of 600 people completed it, "
                "98.33 %; the minimum is 95 %."
            ) in good.explanation
            assert "90 %, below the minimum of 95 %" in bad.explanation
        else:
            assert "完成率98.33 %" in good.explanation
            assert "低于最低要求95 %" in bad.explanation
    # while it runs, no campaign has ended: not applicable
    running = judge(bureau, world.county_a, "EDU-CAMPAIGN-RATE", D(2026, 9, 15), "en")
    assert running.of("EDU-CAMPAIGN-RATE", world.school_a1.pk).status == Status.NOT_APPLICABLE
    # the county's lower minimum passes the second school
    RuleOverride.objects.create(
        org=world.county_a,
        code="EDU-CAMPAIGN-RATE",
        effective_from=D(2026, 1, 1),
        params={"min_rate": 0.9},
    )
    lower = judge(bureau, world.county_a, "EDU-CAMPAIGN-RATE", D(2026, 11, 5))
    assert lower.of("EDU-CAMPAIGN-RATE", world.school_a2.pk).status == Status.COMPLIANT


def test_a_city_campaign_covers_every_county_and_the_latest_is_judged(world, bureau):
    older = ef.campaign(world.city, "平安暑假", D(2026, 7, 10), D(2026, 8, 31))
    newer = ef.campaign(world.county_a, "秋季安全第一课", D(2026, 9, 1), D(2026, 9, 30))
    ef.result(older, world.school_b1, 500, 500)
    ef.result(newer, world.school_a1, 600, 300)
    admin = f.user_with_role("sysadmin", world.city)
    result = judge(admin, world.city, "EDU-CAMPAIGN-RATE", D(2026, 11, 5), "en")
    assert result.of("EDU-CAMPAIGN-RATE", world.school_b1.pk).status == Status.COMPLIANT
    a1 = result.of("EDU-CAMPAIGN-RATE", world.school_a1.pk)
    assert a1.status == Status.NOT_COMPLIANT and "秋季安全第一课" in a1.explanation
