"""A drill recorded on a phone, times typed the way people say them, and the school's
verdicts naming the gap."""

import pytest

from safecampus.emergency.models import Drill
from tests import factories as f

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_record_a_drill_on_a_phone_and_see_the_evacuation_verdict(open_session, world):
    f.user_with_role(
        "safety_officer", world.school_a1, username="anquan", first_name="建鹏", last_name="陈"
    )
    s = open_session(PHONE)
    s.login("anquan", f.PASSWORD)
    s.go("/emergency/drills/record/")
    form = s.page.locator("[data-testid=drill-form]")
    form.locator("select[name=scenario]").select_option("fire")
    form.locator("input[name=evacuation_time]").fill("3分40秒")
    form.locator("input[name=students]").fill("620")
    form.locator("input[name=staff]").fill("48")
    details = form.locator("details.more")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    form.locator("input[name=b-0-name]").fill("一号教学楼")
    form.locator("input[name=b-0-storeys]").fill("4")
    form.locator("input[name=b-0-seconds]").fill("2:30")
    s.shot("drills-01-record-phone")
    form.locator("button[type=submit]").last.click()
    s.page.wait_for_load_state("networkidle")

    drill = Drill.objects.get()
    assert drill.evacuation_seconds == 220 and drill.org == world.school_a1
    assert [(b.name, b.seconds) for b in drill.buildings.all()] == [("一号教学楼", 150)]

    s.go(f"/emergency/drills/compliance/{world.school_a1.pk}/")
    text = s.page.inner_text("main")
    assert "EVAC-PRIMARY" in text and "3分40秒" in text
    assert "DRILL-GUIDE" in text
    s.shot("drills-02-verdicts-phone")
