"""The class teacher's “today”: what is due for their classes, the one-tap button (with and
without HTMX), a second tap, an outsider refused, and the home page's to-do."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from safecampus.education.models import SafetyReminder
from safecampus.education.today import today_for
from tests import factories as f
from tests.education import factories as ef

pytestmark = pytest.mark.django_db
D = datetime.date
TUESDAY = "2026-11-24 02:00:00"  # 10:00 in Asia/Shanghai, a school day
BEFORE_NATIONAL_DAY = "2026-09-30 02:00:00"
SATURDAY = "2026-11-28 02:00:00"


@pytest.fixture
def teacher(world):
    return f.user_with_role("teacher", world.school_a1, first_name="丽", last_name="王")


@pytest.fixture
def klass(world, teacher):
    return ef.school_class(world.school_a1, "三年级2班", head_teacher=teacher)


def items(today, index=0):
    return {i.kind: i for i in today.classes[index].items}


@freeze_time(TUESDAY)
def test_on_a_school_day_the_daily_and_the_weekly_reminders_are_due(klass):
    today = today_for([klass])
    due = items(today)
    assert today.school_day and set(due) == {"daily", "weekly"}
    assert due["daily"].minutes == 1 and due["weekly"].minutes == 5
    assert due["daily"].topic == "fire"  # November: the heating season
    assert not due["weekly"].last_chance  # Friday is the last school day of the week
    ef.remind(klass, D(2026, 11, 23), "weekly")  # given on Monday
    due = items(today_for([klass]))
    assert due["weekly"].done is not None and due["daily"].done is None


@freeze_time(BEFORE_NATIONAL_DAY)
def test_on_the_last_school_days_before_a_holiday_the_thirty_minutes_are_due(klass):
    due = items(today_for([klass]))
    holiday = due["holiday"]
    assert holiday.holiday == "国庆节" and holiday.minutes == 30 and holiday.last_chance
    assert holiday.topic == "traffic"  # National Day: travel
    assert due["daily"].topic == "drowning"  # April to October
    ef.remind(klass, D(2026, 9, 29), "holiday")  # the day before counts
    assert items(today_for([klass]))["holiday"].done is not None


@freeze_time(SATURDAY)
def test_nothing_is_due_on_a_saturday(client, teacher, klass):
    today = today_for([klass])
    assert not today.school_day and today.pending == 0
    assert today.next_school_day == D(2026, 11, 30)
    client.force_login(teacher)
    page = client.get(reverse("education:today"))
    assert "2026-11-30" in page.content.decode()


@freeze_time(TUESDAY)
def test_the_teacher_taps_once_and_the_item_shows_done(client, teacher, klass):
    client.force_login(teacher)
    page = client.get(reverse("education:today"))
    html = page.content.decode()
    assert page.status_code == 200 and "三年级2班" in html and 'data-testid="tap-daily"' in html
    tap = {"school_class": klass.pk, "kind": "daily", "topic": "traffic"}
    answer = client.post(reverse("education:tap"), tap)
    assert answer.status_code == 302
    reminder = SafetyReminder.objects.get()
    assert (reminder.day, reminder.topic, reminder.minutes) == (D(2026, 11, 24), "traffic", 1)
    assert reminder.recorded_by == teacher
    # the same tap again (a retry over a weak network) changes nothing
    client.post(reverse("education:tap"), {**tap, "topic": "fire"})
    assert SafetyReminder.objects.get().topic == "traffic"
    html = client.get(reverse("education:today")).content.decode()
    assert 'data-testid="tap-daily"' not in html and 'data-testid="tap-weekly"' in html


@freeze_time(TUESDAY)
def test_with_htmx_the_class_card_is_answered_in_place(client, teacher, klass):
    client.force_login(teacher)
    answer = client.post(
        reverse("education:tap"),
        {"school_class": klass.pk, "kind": "weekly", "topic": "drowning"},
        HTTP_HX_REQUEST="true",
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and html.startswith('<section class="card edu-class"')
    assert 'data-testid="tap-weekly"' not in html and 'data-testid="tap-daily"' in html
    assert 'id="today-summary" data-testid="today-summary" hx-swap-oob="true"' in html
    assert SafetyReminder.objects.get().kind == "weekly"


@freeze_time(TUESDAY)
def test_an_outsider_cannot_record_for_the_class(client, world, teacher, klass):
    colleague = f.user_with_role("teacher", world.school_a1)  # same school, not the head
    other = f.user_with_role("principal", world.school_b1)
    tap = {"school_class": klass.pk, "kind": "daily", "topic": "traffic"}
    client.force_login(other)
    assert client.post(reverse("education:tap"), tap).status_code == 404
    client.force_login(colleague)
    assert client.post(reverse("education:tap"), tap).status_code == 403
    guard = f.user_with_role("guard", world.school_a1)
    client.force_login(guard)
    assert client.get(reverse("education:today")).status_code == 403
    assert client.post(reverse("education:tap"), tap).status_code == 404
    assert not SafetyReminder.objects.exists()


@freeze_time(TUESDAY)
def test_a_reminder_of_an_earlier_day_can_be_recorded(client, teacher, klass):
    client.force_login(teacher)
    client.post(
        reverse("education:earlier"),
        {"school_class": klass.pk, "kind": "daily", "day": "2026-11-23", "topic": "fire"},
    )
    client.post(
        reverse("education:earlier"),
        {"school_class": klass.pk, "kind": "daily", "day": "2026-10-01", "topic": "fire"},
    )
    assert list(SafetyReminder.objects.values_list("day", flat=True)) == [D(2026, 11, 23)]


@freeze_time(TUESDAY)
def test_the_home_page_tells_the_teacher_what_is_due(client, teacher, klass):
    client.force_login(teacher)
    html = client.get("/").content.decode()
    assert reverse("education:today") in html
    from safecampus.education.today import todo_items

    assert todo_items(teacher)[0]["count"] == 2
    ef.remind(klass, D(2026, 11, 24))
    ef.remind(klass, D(2026, 11, 24), "weekly")
    assert todo_items(teacher) == []


@freeze_time(TUESDAY)
def test_a_teacher_without_a_class_is_told_whom_to_ask(client, world):
    lone = f.user_with_role("teacher", world.school_a1)
    client.force_login(lone)
    html = client.get(reverse("education:today")).content.decode()
    assert 'data-testid="no-classes"' in html


@freeze_time(TUESDAY)
def test_the_principal_sees_every_class_of_the_school(client, world, klass):
    ef.school_class(world.school_a1, "四年级1班")
    principal = f.user_with_role("principal", world.school_a1)
    client.force_login(principal)
    html = client.get(reverse("education:today")).content.decode()
    assert "三年级2班" in html and "四年级1班" in html
