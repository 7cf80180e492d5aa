"""A city's bureau in a real browser: the region table fills in row by row and leads down to a
county's schools; a school found among too many to list by typing part of its name."""

import pytest

from safecampus.hazards.models import Hazard
from safecampus.orgs import pickers
from tests import factories as f
from tests.emergency.factories import held_drill

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_a_city_reads_its_counties_rows_then_a_countys_schools(open_session, world):
    import datetime

    held_drill(world.school_a1, datetime.date(2026, 9, 10), "fire", seconds=220)
    f.user_with_role("bureau_staff", world.city, username="shiju", first_name="伟", last_name="王")
    s = open_session()
    s.login("shiju", f.PASSWORD)
    s.go("/emergency/drills/compliance/?as_of=2026-11-05")
    table = s.page.locator("[data-testid=regions]")
    row = table.locator(f"tr[data-node='{world.county_a.pk}']")
    row.locator("td[data-rule=DRILL-SCHOOL]").wait_for()  # filled in by its own request
    assert row.locator("td[data-rule=DRILL-SCHOOL]").inner_text().strip() == "1"
    total = table.locator("[data-testid=regions-total]")
    total.wait_for()  # shown once every row has arrived: the city's sums
    assert table.locator("[aria-busy=true]").count() == 0
    cells = total.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[2] == "1"  # schools; DRILL-SCHOOL not met
    s.shot("regions-01-city-drill-compliance")
    row.locator("th a").click()
    s.page.wait_for_load_state("networkidle")
    text = s.page.inner_text("main")
    assert "冯记沟中心小学" in text and "2026年10月无演练" in text
    s.page.locator("nav.crumbs a", has_text="吴忠市").first.click()
    s.page.wait_for_load_state("networkidle")
    assert s.page.locator("[data-testid=regions]").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_hazard_reported_by_searching_the_school_on_a_phone(open_session, world, monkeypatch):
    monkeypatch.setattr(pickers, "LIMIT", 1)  # the county's schools are "too many"
    f.user_with_role("bureau_staff", world.county_a, username="xianju")
    s = open_session(PHONE)
    s.login("xianju", f.PASSWORD)
    s.go("/hazards/report/")
    s.page.locator("[data-testid=node-search]").fill("中心小学")
    school = s.page.locator("select[name=school]")
    school.locator(f"option[value='{world.school_a1.pk}']").wait_for(state="attached")
    school.select_option(str(world.school_a1.pk))
    s.page.locator("select[name=category]").select_option("fire")
    s.page.locator("label.risk-choice-low").click()
    s.page.locator("textarea[name=description]").fill("灭火器过期")
    s.shot("regions-02-report-search-phone")
    s.page.locator("form button[type=submit]").last.click()
    s.page.wait_for_load_state("networkidle")
    hazard = Hazard.objects.get()
    assert hazard.org_id == world.school_a1.pk and hazard.description == "灭火器过期"
