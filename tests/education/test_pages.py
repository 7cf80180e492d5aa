"""The education pages: a school's classes and month of records, activities, campaigns with
their figures and export, and the bureau's overview — each for the roles that use it, and
404 for another county."""

import datetime
import io

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from safecampus.education.models import Campaign, CampaignResult, EducationActivity, SchoolClass
from tests import factories as f
from tests.education import factories as ef
from tests.region_helpers import cell, row_urls, schools

pytestmark = pytest.mark.django_db
D = datetime.date
TUESDAY = "2026-11-24 02:00:00"


@pytest.fixture
def officer(world):
    return f.user_with_role("safety_officer", world.school_a1)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


def test_the_officer_registers_a_class_and_names_its_head_teacher(client, world, officer):
    teacher = f.user_with_role("teacher", world.school_a1, first_name="丽", last_name="王")
    client.force_login(officer)
    url = reverse("education:class-new") + f"?school={world.school_a1.pk}"
    page = client.get(url)
    assert page.status_code == 200 and "三年级" in page.content.decode()  # grade suggestions
    answer = client.post(
        url,
        {
            "grade": "三年级",
            "name": "三年级2班",
            "head_teacher": teacher.pk,
            "pupils": 46,
            "active": "on",
        },
    )
    assert answer.status_code == 302
    klass = SchoolClass.objects.get()
    assert klass.head_teacher == teacher and klass.org == world.school_a1
    listing = client.get(reverse("education:classes"))  # the officer's own school
    assert "三年级2班" in listing.content.decode() and "王丽" in listing.content.decode()
    edit = reverse("education:class-edit", args=[klass.pk])
    client.post(edit, {"grade": "三年级", "name": "三年级2班", "pupils": 47, "version": 1})
    klass.refresh_from_db()
    assert klass.pupils == 47 and klass.head_teacher is None and not klass.active
    # a teacher reads the list but does not keep it
    client.force_login(teacher)
    assert client.get(url).status_code == 403
    assert client.get(reverse("education:classes")).status_code == 200


@freeze_time(TUESDAY)
def test_the_month_grid_shows_given_and_missed_days(client, world, officer):
    klass = ef.school_class(world.school_a1, "三年级2班")
    ef.remind(klass, D(2026, 11, 2))
    ef.remind(klass, D(2026, 11, 6), "weekly")
    client.force_login(officer)
    page = client.get(reverse("education:records"), {"month": "2026-11"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="records-grid"' in html
    row = html.split(f'data-class="{klass.pk}"')[1].split("</tr>")[0]
    assert row.count("✓") == 1 and row.count("✕") == 15  # school days 3–23 November missed
    one = client.get(reverse("education:records"), {"month": "2026-11", "class": klass.pk})
    assert 'data-testid="class-calendar"' in one.content.decode()
    assert 'data-testid="class-summary"' in one.content.decode()
    from safecampus.education.views import month_grid

    grid = month_grid(world.school_a1, [klass], D(2026, 11, 1), D(2026, 11, 30), D(2026, 11, 24))
    result = grid["rows"][0]["result"]
    # daily: 15 missed; weekly: those of 9 and 16 November (this week's is still to come)
    assert (result.daily_missed, result.weekly_missed, result.given) == (15, 2, 2)


def test_activities_are_recorded_listed_and_exported(client, world, officer):
    client.force_login(officer)
    answer = client.post(
        reverse("education:activity-new"),
        {
            "school": world.school_a1.pk,
            "kind": "drowning",
            "title": "珍爱生命 预防溺水主题班会",
            "topic": "drowning",
            "day": "2026-10-16",
            "periods": 1,
            "participants": 620,
        },
    )
    activity = EducationActivity.objects.get()
    assert answer.status_code == 302 and activity.org == world.school_a1
    page = client.get(reverse("education:activity", args=[activity.pk]))
    assert "珍爱生命" in page.content.decode()
    listing = client.get(reverse("education:activities"), {"kind": "drowning"})
    assert "珍爱生命" in listing.content.decode()
    export = client.get(reverse("education:activities"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][3] == "珍爱生命 预防溺水主题班会"
    client.post(
        reverse("education:activity-edit", args=[activity.pk]),
        {
            "kind": "drowning",
            "title": "珍爱生命 预防溺水主题班会",
            "topic": "drowning",
            "day": "2026-10-16",
            "periods": 2,
            "participants": 620,
            "version": 1,
        },
    )
    activity.refresh_from_db()
    assert activity.periods == 2
    client.post(reverse("education:activity-delete", args=[activity.pk]))
    assert not EducationActivity.objects.exists()


def test_a_campaign_reports_its_figure_by_region_and_school(client, world, bureau):
    client.force_login(bureau)
    client.post(
        reverse("education:campaign-new"),
        {
            "org": world.county_a.pk,
            "name": "2026年秋季安全第一课",
            "topic": "other",
            "start": "2026-09-01",
            "end": "2026-09-30",
        },
    )
    campaign = Campaign.objects.get()
    assert campaign.org == world.county_a and campaign.created_by == bureau
    entry = reverse("education:campaign-result", args=[campaign.pk, world.school_a1.pk])
    client.post(entry, {"target": 600, "completed": 590})
    ef.result(campaign, world.school_a2, 200, 160)
    page = client.get(reverse("education:campaign", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "750 people, 93.75 %" in html  # 590 + 160 of 800
    assert "冯记沟乡" in html and "below the minimum" in html
    assert CampaignResult.objects.get(org=world.school_a1).source == "manual"
    missing = client.get(reverse("education:campaign", args=[campaign.pk]), {"show": "missing"})
    assert "冯记沟幼儿园" not in missing.content.decode()
    listing = client.get(reverse("education:campaigns"), HTTP_ACCEPT_LANGUAGE="en")
    assert "93.75 %" in listing.content.decode()


def test_a_school_sees_its_countys_campaign_but_not_the_neighbours_figures(client, world):
    campaign = ef.campaign(world.county_a)
    ef.result(campaign, world.school_a1, 600, 590)
    ef.result(campaign, world.school_a2, 200, 100)
    principal = f.user_with_role("principal", world.school_a1)
    client.force_login(principal)
    html = client.get(
        reverse("education:campaign", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "590 people, 98.33 %" in html and "冯记沟幼儿园" not in html
    assert 'href="/education/campaigns/' in html and "Edit" not in html.split("<main")[1][:3000]
    client.force_login(f.user_with_role("principal", world.school_b1))
    assert client.get(reverse("education:campaign", args=[campaign.pk])).status_code == 404


def test_the_bureau_overview_reads_the_rules_and_exports(client, world, bureau):
    klass = ef.school_class(world.school_a1, "三年级2班")
    ef.activity(world.school_a1, D(2026, 10, 16))
    ef.remind(klass, D(2026, 10, 16))
    client.force_login(bureau)
    page = client.get(reverse("education:overview"), {"month": "2026-10"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="overview-table"' in html
    assert "冯记沟中心小学" in html and "EDU-1530" in html
    export = client.get(reverse("education:overview"), {"month": "2026-10", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert any(r[0] == "冯记沟中心小学" for r in rows[1:])
    teacher = f.user_with_role("teacher", world.school_a1)
    client.force_login(teacher)
    assert client.get(reverse("education:overview")).status_code == 403


def test_a_city_overview_has_a_row_per_county_agreeing_with_the_countys_page(client, world):
    klass = ef.school_class(world.school_a1, "三年级2班")
    ef.activity(world.school_a1, D(2026, 10, 16))
    ef.remind(klass, D(2026, 10, 16))
    ef.school_class(world.school_b1, "初一1班")  # no reminder in October
    client.force_login(f.user_with_role("bureau_staff", world.city))
    url = reverse("education:overview")
    html = client.get(url, {"month": "2026-10"}).content.decode()
    assert 'data-testid="overview-table"' not in html and "冯记沟中心小学" not in html
    rows = row_urls(html)
    assert set(rows) == {str(world.county_a.pk), str(world.county_b.pk)}
    for county in (world.county_a, world.county_b):
        row = client.get(rows[str(county.pk)]).content.decode()
        page = client.get(url, {"month": "2026-10", "node": county.pk})
        assert schools(row) == len(page.context["rows"])
        for s in page.context["summary"]:
            assert cell(row, s["code"]) == str(s["counts"]["non_compliant"]), s["code"]
    row_b = client.get(rows[str(world.county_b.pk)]).content.decode()
    assert cell(row_b, "EDU-1530") == "1"
    # A county's staff cannot read another county's row.
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    assert client.get(rows[str(world.county_b.pk)]).status_code == 404


def test_the_menu_offers_each_role_its_pages(client, world, bureau):
    teacher = f.user_with_role("teacher", world.school_a1)
    from safecampus.education.menu import menu_items

    keys = {i["key"] for i in menu_items(teacher)}
    assert {"education_today", "education_records", "education_activities"} <= keys
    assert "education_overview" not in keys
    keys = {i["key"] for i in menu_items(bureau)}
    assert "education_overview" in keys and "education_today" not in keys
    assert {i["group"] for i in menu_items(bureau)} == {"education"}
    guard = f.user_with_role("guard", world.school_a1)
    assert menu_items(guard) == []


def test_another_county_gets_404_on_every_record_page(client, world):
    klass = ef.school_class(world.school_a1, "三年级2班")
    reminder = ef.remind(klass, D(2026, 10, 16))
    activity = ef.activity(world.school_a1, D(2026, 10, 16))
    campaign = ef.campaign(world.county_a)
    result = ef.result(campaign, world.school_a1, 600, 590)
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    for url in (
        reverse("education:class", args=[klass.pk]),
        reverse("education:class-edit", args=[klass.pk]),
        reverse("education:reminder", args=[reminder.pk]),
        reverse("education:activity", args=[activity.pk]),
        reverse("education:activity-edit", args=[activity.pk]),
        reverse("education:campaign", args=[campaign.pk]),
        reverse("education:campaign-result", args=[campaign.pk, world.school_a1.pk]),
        reverse("education:result", args=[result.pk]),
        reverse("education:records") + f"?school={world.school_a1.pk}",
        reverse("education:classes") + f"?school={world.school_a1.pk}",
        reverse("education:overview") + f"?node={world.county_a.pk}",
    ):
        assert client.get(url).status_code == 404, url
