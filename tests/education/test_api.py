"""The education API beyond the authorisation matrix (tests/test_api_matrix.py): a second
record of a reminder answers with the first, a school's report replaces its figures, errors in
the caller's language, a county's figures only of its own schools, and lists whose cost does
not grow with their rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.education.models import CampaignResult, SafetyReminder
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.education import factories as ef

pytestmark = pytest.mark.django_db


def test_recording_a_reminder_twice_answers_with_the_first(world):
    teacher = f.user_with_role("teacher", world.school_a1)
    klass = ef.school_class(world.school_a1, head_teacher=teacher)
    client = api(teacher)
    first = client.post("/api/v1/safety-reminders/", {"school_class": klass.pk, "kind": "daily"})
    again = client.post(
        "/api/v1/safety-reminders/", {"school_class": klass.pk, "kind": "daily", "topic": "fire"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and SafetyReminder.objects.count() == 1
    body = first.json()
    assert body["day"] == timezone.localdate().isoformat() and body["minutes"] == 1
    assert body["class_name"] == "三年级2班" and body["org"] == world.school_a1.pk


def test_refusals_say_why_in_the_callers_language(world):
    teacher = f.user_with_role("teacher", world.school_a1)
    theirs = ef.school_class(world.school_a1, "四年级1班")
    elsewhere = ef.school_class(world.school_b1, "七年级1班")
    client = api(teacher, language="en")
    refused = client.post("/api/v1/safety-reminders/", {"school_class": theirs.pk, "kind": "daily"})
    assert refused.status_code == 403 and "head teacher of 四年级1班" in refused.json()["detail"]
    unseen = client.post(
        "/api/v1/safety-reminders/", {"school_class": elsewhere.pk, "kind": "daily"}
    )
    assert unseen.status_code == 400 and "school_class" in unseen.json()
    ahead = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    own = ef.school_class(world.school_a1, "三年级2班", head_teacher=teacher)
    late = client.post(
        "/api/v1/safety-reminders/", {"school_class": own.pk, "kind": "daily", "day": ahead}
    )
    assert late.status_code == 400 and "still ahead" in late.json()["day"][0]
    chinese = api(teacher, language="zh-hans").post(
        "/api/v1/safety-reminders/", {"school_class": theirs.pk, "kind": "daily"}
    )
    assert chinese.status_code == 403 and "四年级1班" in chinese.json()["detail"]
    assert not SafetyReminder.objects.exists()


def test_a_principal_registers_a_class_with_a_head_teacher_of_the_school(world):
    principal = f.user_with_role("principal", world.school_a1)
    teacher = f.user_with_role("teacher", world.school_a1)
    stranger = f.user_with_role("teacher", world.school_b1)
    client = api(principal)
    made = client.post(
        "/api/v1/school-classes/",
        {
            "org": world.school_a1.pk,
            "grade": "三年级",
            "name": "三年级2班",
            "head_teacher": teacher.pk,
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["head_teacher_name"] == teacher.display_name
    other = client.post(
        "/api/v1/school-classes/",
        {
            "org": world.school_a1.pk,
            "grade": "四年级",
            "name": "四年级1班",
            "head_teacher": stranger.pk,
        },
    )
    assert other.status_code == 400 and "head_teacher" in other.json()
    taken = client.post(
        "/api/v1/school-classes/",
        {"org": world.school_a1.pk, "grade": "三年级", "name": "三年级2班"},
    )
    assert taken.status_code == 400


def test_a_schools_report_replaces_its_figures(world):
    bureau = f.user_with_role("bureau_staff", world.county_a)
    campaign = ef.campaign(world.county_a)
    client = api(bureau)
    data = {"campaign": campaign.pk, "org": world.school_a1.pk, "target": 600, "completed": 560}
    assert client.post("/api/v1/campaign-results/", data).status_code == 201
    again = client.post("/api/v1/campaign-results/", {**data, "completed": 590, "origin": "import"})
    assert again.status_code == 200 and again.json()["rate_text"] == "98.33 %"
    result = CampaignResult.objects.get()
    assert (result.completed, result.source) == (590, "import")
    too_many = client.post("/api/v1/campaign-results/", {**data, "completed": 601})
    assert too_many.status_code == 400 and "completed" in too_many.json()


def test_a_county_reads_a_city_campaign_with_its_own_schools_figures(world):
    campaign = ef.campaign(
        world.city, "平安暑假", datetime.date(2026, 7, 10), datetime.date(2026, 8, 31)
    )
    ef.result(campaign, world.school_a1, 600, 590)
    ef.result(campaign, world.school_b1, 1000, 500)
    client = api(f.user_with_role("bureau_staff", world.county_a), language="en")
    rows = client.get("/api/v1/campaigns/").json()["results"]
    assert [r["name"] for r in rows] == ["平安暑假"]
    assert rows[0]["completion"] == {
        "schools_reported": 1,
        "target": 600,
        "completed": 590,
        "rate": pytest.approx(590 / 600),
        "text": "590 people, 98.33 %",
    }
    detail = client.get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert detail["completion"]["completed"] == 590
    results = client.get("/api/v1/campaign-results/", {"campaign": campaign.pk}).json()
    assert [r["org"] for r in results["results"]] == [world.school_a1.pk]
    # the county cannot change the city's campaign
    patch = client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"description": "x", "version": 1})
    assert patch.status_code == 403


@pytest.mark.parametrize(
    "route",
    ["school-classes", "safety-reminders", "education-activities", "campaigns", "campaign-results"],
)
def test_list_cost_does_not_grow_with_rows(world, route, django_assert_max_num_queries):
    admin = f.user_with_role("sysadmin", world.county_a)
    teacher = f.user_with_role("teacher", world.school_a1)
    client = api(admin)

    def grow(n, tag):
        for i in range(n):
            school = f.school(world.town_a)
            klass = ef.school_class(school, f"{tag}{i}班", head_teacher=teacher)
            reminder = ef.remind(klass, timezone.localdate())
            reminder.recorded_by = teacher
            reminder.save()
            ef.activity(school, timezone.localdate(), school_class=klass)
            campaign = ef.campaign(world.county_a, name=f"活动{tag}{i}")
            ef.result(campaign, school, 100, 90)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/{route}/", {"page_size": 100}).status_code == 200
        return len(captured)

    grow(2, "a")
    few = count()
    grow(5, "b")
    assert count() == few
    with django_assert_max_num_queries(5):
        client.get(f"/api/v1/{route}/", {"page_size": 100})
