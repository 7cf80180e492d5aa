"""The school calendar pages: a county's periods change what the checks of its schools are due,
bad dates are refused with nothing saved, schools read but never write, other counties 404.

Dates are placed in the current school year (the built-in default calendar covers the years
around today), on a Tuesday of November: no default holiday is near it.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.hazards.calendar import calendar_copy_default, calendar_for, school_year_of
from safecampus.hazards.choices import Rhythm
from safecampus.hazards.models import CalendarPeriod
from safecampus.hazards.schedules import due_inspections, schedule_defaults_for
from tests import factories as f

D = datetime.date
YEAR = school_year_of(timezone.localdate())
# A Tuesday in the second half of November of the current school year's autumn term.
TUESDAY = D(YEAR, 11, 17) + datetime.timedelta(days=(1 - D(YEAR, 11, 17).weekday()) % 7)


def node_url(node, year=YEAR):
    return reverse("hazard_calendar:node", args=[node.pk]) + f"?year={year}"


def add_url(node):
    return reverse("hazard_calendar:add", args=[node.pk])


def cell_classes(page: str, day) -> str:
    """The classes of a day's cell in the month grid."""
    match = re.search(rf'<td class="([^"]*)" title="[^"]*" data-day="{day:%Y-%m-%d}"', page)
    assert match, day
    return match.group(1)


def source_text(page: str) -> str:
    match = re.search(r'data-testid="calendar-source">(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>|\s+", "", match.group(1))


def before_holiday(user, day):
    return [
        (r.status, r.period_start, r.period_end)
        for r in due_inspections(user=user, day=day)
        if r.schedule.rhythm == Rhythm.BEFORE_HOLIDAY
    ]


@pytest.fixture
def bureau(world):
    return f.user_with_role(Role.BUREAU_STAFF, world.county_a)


def test_a_holiday_added_on_the_page_moves_the_before_holiday_check_in_that_county_only(
    client, world, bureau
):
    start = TUESDAY - datetime.timedelta(days=30)
    for school in (world.school_a1, world.school_b1):
        schedule_defaults_for(school, by=None, starts_on=start)
    officer_a = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    officer_b = f.user_with_role(Role.SAFETY_OFFICER, world.school_b1)
    client.force_login(bureau)

    response = client.post(
        reverse("hazard_calendar:copy_default", args=[world.county_a.pk]), {"year": YEAR}
    )
    assert response.status_code == 302
    assert CalendarPeriod.objects.filter(org=world.county_a, kind="term").count() == 2
    assert before_holiday(officer_a, TUESDAY) == []
    assert before_holiday(officer_b, TUESDAY) == []

    thursday, friday = TUESDAY + datetime.timedelta(days=2), TUESDAY + datetime.timedelta(days=3)
    response = client.post(
        add_url(world.county_a),
        {"kind": "holiday", "name": "校运会", "start": thursday, "end": friday},
    )
    assert response.status_code == 302
    assert response["Location"] == node_url(world.county_a)
    row = CalendarPeriod.objects.get(org=world.county_a, name="校运会")
    assert AuditEntry.objects.filter(object_id=str(row.pk), action="create", user=bureau).exists()

    # The three school days before the Thursday: Monday to Wednesday, due on the Tuesday.
    monday = TUESDAY - datetime.timedelta(days=1)
    assert before_holiday(officer_a, TUESDAY) == [("due", monday, TUESDAY + datetime.timedelta(1))]
    assert before_holiday(officer_b, TUESDAY) == []  # another county keeps its calendar
    assert calendar_for(world.school_b1).is_school_day(thursday)

    page = client.get(node_url(world.county_a)).content.decode()
    assert "校运会" in page
    assert "cal-before" in cell_classes(page, TUESDAY)
    assert "cal-holiday" in cell_classes(page, thursday)


def test_the_page_says_where_each_period_comes_from(client, world, bureau):
    client.force_login(bureau)
    page = client.get(node_url(world.school_a1)).content.decode()
    assert "内置默认" in source_text(page) and "国庆" in page
    calendar_copy_default(node=world.county_a, by=bureau, school_year=YEAR)
    page = client.get(node_url(world.school_a1)).content.decode()
    assert "沿用盐池县的校历" in source_text(page)
    page = client.get(node_url(world.county_a)).content.decode()
    assert "盐池县有自己的校历" in source_text(page)
    assert 'data-testid="copy-default"' not in page  # the year is already the county's own
    term = CalendarPeriod.objects.filter(org=world.county_a, kind="term").first()
    assert reverse("hazard_calendar:edit", args=[world.county_a.pk, term.pk]) in page


def test_overlapping_term_and_reversed_dates_are_refused_and_nothing_is_saved(
    client, world, bureau
):
    calendar_copy_default(node=world.county_a, by=bureau, school_year=YEAR)
    count = CalendarPeriod.objects.count()
    client.force_login(bureau)

    response = client.post(
        add_url(world.county_a),
        {"kind": "term", "name": "补课学期", "start": D(YEAR, 10, 12), "end": D(YEAR, 10, 20)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "学期之间不能重叠" in page and f"{YEAR}年秋季学期" in page
    assert 'value="补课学期"' in page  # what was typed stays
    assert CalendarPeriod.objects.count() == count

    response = client.post(
        add_url(world.county_a),
        {"kind": "holiday", "name": "校庆", "start": D(YEAR, 11, 20), "end": D(YEAR, 11, 18)},
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert CalendarPeriod.objects.count() == count

    # Moving a term onto the other one is refused too, and the row is unchanged.
    autumn, spring = CalendarPeriod.objects.filter(org=world.county_a, kind="term").order_by(
        "start"
    )
    response = client.post(
        reverse("hazard_calendar:edit", args=[world.county_a.pk, spring.pk]),
        {
            "kind": "term",
            "name": spring.name,
            "start": autumn.end,
            "end": spring.end,
            "version": spring.version,
        },
    )
    assert response.status_code == 200
    assert "学期之间不能重叠" in response.content.decode()
    assert CalendarPeriod.objects.get(pk=spring.pk).start == spring.start


def test_copying_the_default_twice_is_refused(client, world, bureau):
    client.force_login(bureau)
    url = reverse("hazard_calendar:copy_default", args=[world.county_a.pk])
    client.post(url, {"year": YEAR})
    count = CalendarPeriod.objects.count()
    response = client.post(url, {"year": YEAR}, follow=True)
    assert f"已有{YEAR}–{YEAR + 1}学年的校历时段" in response.content.decode()
    assert CalendarPeriod.objects.count() == count


def test_edit_with_a_stale_version_and_delete(client, world, bureau):
    calendar_copy_default(node=world.county_a, by=bureau, school_year=YEAR)
    holiday = CalendarPeriod.objects.filter(org=world.county_a, kind="holiday").first()
    client.force_login(bureau)
    edit = reverse("hazard_calendar:edit", args=[world.county_a.pk, holiday.pk])
    data = {
        "kind": "holiday",
        "name": "国庆节（调整）",
        "start": holiday.start,
        "end": holiday.end,
        "version": holiday.version,
    }
    assert client.post(edit, data).status_code == 302
    response = client.post(edit, {**data, "name": "又一次"})  # the version it saw is gone
    assert response.status_code == 200
    assert "已有他人修改" in response.content.decode()
    assert CalendarPeriod.objects.get(pk=holiday.pk).name == "国庆节（调整）"

    delete = reverse("hazard_calendar:delete", args=[world.county_a.pk, holiday.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not CalendarPeriod.objects.filter(pk=holiday.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(holiday.pk), action="delete").exists()


def test_a_school_user_reads_the_calendar_but_cannot_change_it(client, world, bureau):
    calendar_copy_default(node=world.county_a, by=bureau, school_year=YEAR)
    term = CalendarPeriod.objects.filter(org=world.county_a, kind="term").first()
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    client.force_login(principal)

    home = client.get(reverse("hazard_calendar:home"))
    assert home["Location"] == reverse("hazard_calendar:node", args=[world.school_a1.pk])
    page = client.get(node_url(world.school_a1))
    assert page.status_code == 200
    text = page.content.decode()
    assert term.name in text and "盐池县" in text
    assert not re.search(r'href="/hazards/calendar/[^"]*/edit/"', text)
    assert 'data-testid="copy-default"' not in text

    school = world.school_a1.pk
    assert client.get(add_url(world.school_a1)).status_code == 403
    edit = reverse("hazard_calendar:edit", args=[school, term.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"kind": "term", "name": "x", "start": term.start, "end": term.end}).status_code == 403  # fmt: skip
    assert client.post(reverse("hazard_calendar:delete", args=[school, term.pk])).status_code == 403
    copy = reverse("hazard_calendar:copy_default", args=[school])
    assert client.post(copy, {"year": YEAR}).status_code == 403
    assert CalendarPeriod.objects.get(pk=term.pk).name == term.name
    # The county's own page is not the school's to see.
    assert client.get(node_url(world.county_a)).status_code == 404


def test_another_county_gets_404_and_changes_nothing(client, world, bureau):
    calendar_copy_default(node=world.county_a, by=bureau, school_year=YEAR)
    term = CalendarPeriod.objects.filter(org=world.county_a, kind="term").first()
    count = CalendarPeriod.objects.count()
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_b))
    a, b = world.county_a.pk, world.county_b.pk
    assert client.get(node_url(world.county_a)).status_code == 404
    assert client.get(node_url(world.school_a1)).status_code == 404
    assert client.get(reverse("hazard_calendar:home") + f"?node={a}").status_code == 404
    data = {"kind": "holiday", "name": "x", "start": TUESDAY, "end": TUESDAY}
    assert client.post(add_url(world.county_a), data).status_code == 404
    for node in (a, b):  # a county-A period through either county's page
        edit = reverse("hazard_calendar:edit", args=[node, term.pk])
        assert client.get(edit).status_code == 404
        assert client.post(reverse("hazard_calendar:delete", args=[node, term.pk])).status_code == 404  # fmt: skip
    assert client.get(reverse("hazard_calendar:period", args=[term.pk])).status_code == 404
    copy = reverse("hazard_calendar:copy_default", args=[a])
    assert client.post(copy, {"year": YEAR}).status_code == 404
    assert CalendarPeriod.objects.count() == count
    # Its own county still follows the default.
    page = client.get(node_url(world.county_b)).content.decode()
    assert "盐池" not in page and "内置默认" in page
