"""An incident on a phone: a teacher reports it in a few taps, the principal records the
1-3-5 marks, and the bureau sees it, while the teacher never reads a sensitive one's names."""

import pytest

from safecampus.emergency.models import Incident
from safecampus.notify.models import Notification
from tests import factories as f

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(world):
    return {
        "teacher": f.user_with_role(
            "teacher", world.school_a1, username="laoshi", first_name="宏建", last_name="张"
        ),
        "principal": f.user_with_role(
            "principal", world.school_a1, username="xiaozhang", first_name="国强", last_name="马"
        ),
        "bureau": f.user_with_role(
            "bureau_staff", world.county_a, username="jiaoyuju", first_name="美玲", last_name="杨"
        ),
    }


@pytest.mark.django_db(transaction=True)
def test_report_an_incident_on_a_phone_and_record_the_response(open_session, world, people):
    t = open_session(PHONE)
    t.login("laoshi", f.PASSWORD)
    t.go("/emergency/incidents/report/")
    form = t.page.locator("[data-testid=incident-report]")
    # One school: it is chosen already; the time is now unless changed.
    t.page.select_option("select[name=incident_type]", "injury")
    t.page.locator("label.choice", has_text="一般").click()
    t.page.fill("input[name=place]", "操场东侧篮球场")
    t.page.fill("textarea[name=description]", "课间活动时一名学生摔倒，右臂擦伤")
    t.page.fill("input[name=injured]", "1")
    t.page.fill("textarea[name=first_measures]", "校医现场包扎，已通知家长")
    assert form.is_visible()
    t.shot("incidents-01-report-phone")
    t.page.click("[data-testid=report-submit]")
    t.page.wait_for_load_state("networkidle")

    incident = Incident.objects.get()
    assert incident.org == world.school_a1 and incident.injured == 1
    assert incident.number in t.page.inner_text("h1")
    # The bureau and the principal are told at once.
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"xiaozhang", "jiaoyuju"} <= told and "laoshi" not in told
    t.shot("incidents-02-reported")

    # The principal records the response on the timeline; the 1-3-5 table shows it.
    p = open_session(PHONE)
    p.login("xiaozhang", f.PASSWORD)
    p.go(f"/emergency/incidents/{incident.pk}/")
    entry = p.page.locator("[data-testid=entry-form]")
    entry.locator("select[name=entry-step]").select_option("responded")
    entry.locator("textarea[name=entry-text]").fill("值班校领导到场处置")
    entry.locator("button[type=submit]").click()
    p.page.wait_for_load_state("networkidle")
    assert "值班校领导到场处置" in p.page.inner_text("[data-testid=timeline]")
    assert p.page.inner_text("[data-testid=minutes-responded]").strip() != "—"
    p.shot("incidents-03-timeline-phone")

    # The county sees it in its list.
    b = open_session()
    b.login("jiaoyuju", f.PASSWORD)
    b.go("/emergency/incidents/")
    assert incident.number in b.page.inner_text("main")
    b.shot("incidents-04-county-list")
