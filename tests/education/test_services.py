"""Writes of safety education: who may record what, what is refused (and that nothing then
changes), one reminder per class, kind and day, and the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from safecampus.compliance.models import RuleOverride
from safecampus.core.models import AuditEntry
from safecampus.education import services
from safecampus.education.models import (
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from tests import factories as f
from tests.education import factories as ef

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def trail(record):
    from django.contrib.contenttypes.models import ContentType

    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk)
    )


@pytest.fixture
def people(world):
    class P:
        teacher = f.user_with_role("teacher", world.school_a1, first_name="丽", last_name="王")
        colleague = f.user_with_role("teacher", world.school_a1)
        officer = f.user_with_role("safety_officer", world.school_a1)
        outsider = f.user_with_role("principal", world.school_b1)
        bureau = f.user_with_role("bureau_staff", world.county_a)

    return P


def test_a_class_is_registered_by_the_schools_managers_with_a_head_teacher(world, people):
    klass = services.class_save(
        by=people.officer,
        school=world.school_a1,
        grade="三年级",
        name="三年级2班",
        head_teacher=people.teacher,
        pupils=46,
    )
    assert klass.rank == 7 and klass.head_teacher == people.teacher
    assert trail(klass).filter(action="create").exists()
    # a teacher may add reminders but does not keep the register
    with pytest.raises(PermissionDenied):
        services.class_save(
            by=people.teacher, school=world.school_a1, grade="四年级", name="四年级1班"
        )
    # another school's principal neither
    with pytest.raises(PermissionDenied):
        services.class_save(
            by=people.outsider, school=world.school_a1, grade="四年级", name="四年级1班"
        )


def test_a_class_name_is_taken_once_and_the_head_teacher_works_at_the_school(world, people):
    services.class_save(by=people.officer, school=world.school_a1, grade="三年级", name="三年级2班")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.class_save(
            by=people.officer, school=world.school_a1, grade="三年级", name="三年级2班"
        )
    assert "already has an active class named 三年级2班" in str(exc.value)
    stranger = f.user_with_role("teacher", world.school_a2)
    with pytest.raises(ValidationError) as exc:
        services.class_save(
            by=people.officer,
            school=world.school_a1,
            grade="四年级",
            name="四年级1班",
            head_teacher=stranger,
        )
    assert "head_teacher" in exc.value.message_dict
    assert SchoolClass.objects.count() == 1
    with pytest.raises(ValidationError):  # a class belongs to a school, not a township
        services.class_save(by=people.bureau, school=world.town_a, grade="一年级", name="一年级1班")


def test_a_second_tap_finds_the_first_reminder(world, people):
    klass = ef.school_class(world.school_a1, head_teacher=people.teacher)
    first, created = services.reminder_record(
        school_class=klass, by=people.teacher, kind="daily", topic="traffic"
    )
    again, created_again = services.reminder_record(
        school_class=klass, by=people.teacher, kind="daily", topic="fire"
    )
    assert created and not created_again and again.pk == first.pk
    assert again.topic == "traffic"  # the second tap changed nothing
    assert first.day == TODAY() and first.minutes == 1 and first.recorded_by == people.teacher
    assert SafetyReminder.objects.count() == 1
    assert trail(first).count() == 1
    # the weekly reminder of the same day is another record, with its own minutes
    weekly, created = services.reminder_record(school_class=klass, by=people.teacher, kind="weekly")
    assert created and weekly.minutes == 5


def test_a_teacher_records_for_the_classes_they_head_and_managers_for_any(world, people):
    mine = ef.school_class(world.school_a1, "三年级2班", head_teacher=people.teacher)
    theirs = ef.school_class(world.school_a1, "四年级1班", head_teacher=people.colleague)
    services.reminder_record(school_class=mine, by=people.teacher, kind="daily")
    with pytest.raises(PermissionDenied):
        services.reminder_record(school_class=theirs, by=people.teacher, kind="daily")
    services.reminder_record(school_class=theirs, by=people.officer, kind="daily")
    with pytest.raises(PermissionDenied):
        services.reminder_record(school_class=mine, by=people.outsider, kind="daily")
    assert SafetyReminder.objects.filter(school_class=theirs).count() == 1


def test_a_reminder_is_not_dated_ahead_nor_long_after(world, people):
    klass = ef.school_class(world.school_a1, head_teacher=people.teacher)
    with translation.override("en"):
        with pytest.raises(ValidationError) as ahead:
            services.reminder_record(
                school_class=klass,
                by=people.teacher,
                kind="daily",
                day=TODAY() + datetime.timedelta(days=1),
            )
        with pytest.raises(ValidationError) as late:
            services.reminder_record(
                school_class=klass,
                by=people.teacher,
                kind="daily",
                day=TODAY() - datetime.timedelta(days=services.LATE_DAYS + 1),
            )
    assert "still ahead" in str(ahead.value)
    assert "within 30 days" in str(late.value)
    _yesterday, created = services.reminder_record(
        school_class=klass,
        by=people.teacher,
        kind="daily",
        day=TODAY() - datetime.timedelta(days=1),
    )
    assert created and SafetyReminder.objects.count() == 1


def test_the_minutes_follow_the_countys_numbers(world, people):
    RuleOverride.objects.create(
        org=world.county_a,
        code="EDU-1530",
        effective_from=TODAY() - datetime.timedelta(days=10),
        params={"weekly_minutes": 10},
    )
    klass = ef.school_class(world.school_a1, head_teacher=people.teacher)
    weekly, _ = services.reminder_record(school_class=klass, by=people.teacher, kind="weekly")
    assert weekly.minutes == 10


def test_a_reminder_is_corrected_by_managers_but_keeps_its_class_and_day(world, people):
    klass = ef.school_class(world.school_a1, head_teacher=people.teacher)
    reminder, _ = services.reminder_record(school_class=klass, by=people.teacher, kind="daily")
    with pytest.raises(PermissionDenied):
        services.reminder_update(
            reminder=reminder, by=people.teacher, data={"topic": "fire"}, expected_version=1
        )
    services.reminder_update(
        reminder=reminder, by=people.officer, data={"topic": "fire"}, expected_version=1
    )
    reminder.refresh_from_db()
    assert reminder.topic == "fire" and reminder.version == 2
    with pytest.raises(ValidationError):
        services.reminder_update(
            reminder=reminder,
            by=people.officer,
            data={"day": TODAY() - datetime.timedelta(days=3)},
            expected_version=2,
        )
    with pytest.raises(ValidationError):  # a stale version is refused
        services.reminder_update(
            reminder=reminder, by=people.officer, data={"note": "x"}, expected_version=1
        )


def test_an_activity_is_checked_before_it_is_written(world, people):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            services.activity_save(
                by=people.teacher,
                school=world.school_a1,
                kind="health",
                title="传染病预防",
                topic="epidemic",
                day=TODAY(),
                periods=0,
            )
        assert "at least one" in str(exc.value)
    other = ef.school_class(world.school_a2, "大一班")
    with pytest.raises(ValidationError):  # a class of another school
        services.activity_save(
            by=people.officer,
            school=world.school_a1,
            kind="themed",
            title="交通安全主题班会",
            topic="traffic",
            day=TODAY(),
            school_class=other,
        )
    with pytest.raises(PermissionDenied):
        services.activity_save(
            by=people.outsider,
            school=world.school_a1,
            kind="themed",
            title="交通安全主题班会",
            topic="traffic",
            day=TODAY(),
        )
    assert EducationActivity.objects.count() == 0
    done = services.activity_save(
        by=people.teacher,
        school=world.school_a1,
        kind="drowning",
        title="防溺水主题班会",
        topic="drowning",
        day=TODAY(),
        participants=45,
    )
    assert done.recorded_by == people.teacher


def test_a_completion_is_reported_replaced_and_audited(world, people):
    campaign = ef.campaign(world.county_a)
    result, created = services.result_save(
        campaign=campaign, school=world.school_a1, by=people.officer, target=600, completed=560
    )
    assert created and result.rate == pytest.approx(560 / 600)
    again, created = services.result_save(
        campaign=campaign, school=world.school_a1, by=people.bureau, target=600, completed=590
    )
    assert not created and again.pk == result.pk and again.completed == 590
    update = trail(result).filter(action="update").get()
    assert update.changes["completed"] == [560, 590]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.result_save(
            campaign=campaign, school=world.school_a1, by=people.officer, target=600, completed=601
        )
    assert "cannot exceed the target" in str(exc.value)
    with pytest.raises(ValidationError):  # a school of the other county
        services.result_save(
            campaign=campaign, school=world.school_b1, by=None, target=600, completed=1
        )
    with pytest.raises(PermissionDenied):  # a teacher does not report the school's figures
        services.result_save(
            campaign=campaign, school=world.school_a1, by=people.teacher, target=1, completed=1
        )
    assert CampaignResult.objects.get().completed == 590


def test_campaigns_are_run_by_regions_and_seen_by_their_schools(world, people):
    with pytest.raises(ValidationError):
        services.campaign_save(
            by=people.officer,
            org=world.school_a1,
            name="安全第一课",
            topic="other",
            start=TODAY(),
            end=TODAY(),
        )
    campaign = services.campaign_save(
        by=people.bureau,
        org=world.county_a,
        name="秋季安全第一课",
        topic="other",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 9, 30),
    )
    from safecampus.education.models import Campaign

    assert list(Campaign.objects.for_user(people.teacher)) == [campaign]
    assert list(Campaign.objects.for_user(people.outsider)) == []
    assert list(Campaign.objects.for_user(people.officer, "change")) == []
    guard = f.user_with_role("guard", world.school_a1)
    assert list(Campaign.objects.for_user(guard)) == []
    ef.result(campaign, world.school_a1, 600, 570)
    with pytest.raises(ValidationError):  # reported figures keep their campaign
        services.campaign_delete(campaign=campaign, by=people.bureau)
