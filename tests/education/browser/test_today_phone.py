"""A class teacher on a phone records today's 1530 reminder with one tap: the topic changed
first, the card answered in place, the page one column wide at 390 px."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from safecampus.education.models import SafetyReminder
from safecampus.hazards.calendar import default_calendar
from tests import factories as f
from tests.education import factories as ef

PHONE = {"width": 390, "height": 844}


def next_school_day() -> datetime.date:
    """Today when it is a school day (default calendar), else the next one: the page is tested
    on a day with reminders due, whatever day the suite runs."""
    day = timezone.localdate()
    cal = default_calendar(day)
    while not cal.is_school_day(day):
        day += datetime.timedelta(days=1)
    return day


@pytest.mark.django_db(transaction=True)
def test_a_teacher_records_todays_reminder_on_a_phone(open_session, world):
    day = next_school_day()
    teacher = f.user_with_role(
        "teacher", world.school_a1, username="banzhuren", first_name="丽", last_name="王"
    )
    klass = ef.school_class(world.school_a1, "三年级2班", head_teacher=teacher)
    ef.school_class(world.school_a1, "四年级1班")  # someone else's class: not on the page
    # 10:00 in Beijing on that day, the clock running; the browser's own machinery keeps real time
    moment = datetime.datetime.combine(day, datetime.time(2, 0))
    with freeze_time(moment, tick=True, ignore=["playwright", "asyncio", "greenlet"]):
        s = open_session(PHONE)
        s.login("banzhuren", f.PASSWORD)
        s.go("/education/")
        card = s.page.locator(f"#class-{klass.pk}")
        assert card.is_visible()
        assert s.page.locator("[data-testid=class-card]").count() == 1
        width = s.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide on a 390px phone"
        card.locator("[data-testid=topic-daily]").select_option("traffic")
        s.shot("education-01-today-phone")
        card.locator("[data-testid=tap-daily]").click()
        done = s.page.locator(f"#class-{klass.pk} [data-testid=due-daily].is-done")
        done.wait_for(timeout=10000)
        assert "交通安全" in done.inner_text()
        # the page's counts follow: one done, one (the weekly) still to do
        summary = s.page.locator("[data-testid=today-summary]")
        assert "1" in summary.locator(".badge-closed").inner_text()
        assert "1" in summary.locator(".status").inner_text()
        # the weekly five minutes are still there to tap
        assert s.page.locator(f"#class-{klass.pk} [data-testid=tap-weekly]").is_visible()
        s.shot("education-02-today-done-phone")

        reminder = SafetyReminder.objects.get()
        assert (reminder.school_class, reminder.kind, reminder.topic) == (klass, "daily", "traffic")
        assert reminder.day == day and reminder.recorded_by == teacher

        # reloaded (a weak network's retry), the item stays done and nothing is doubled
        s.go("/education/")
        assert s.page.locator(f"#class-{klass.pk} [data-testid=tap-daily]").count() == 0
        assert SafetyReminder.objects.count() == 1
