"""The county's bureau opens the compliance heatmap, sees a school's failing cell marked by a
symbol as well as a colour, and drills down to that school's explanation."""

import datetime

import pytest

from safecampus.compliance import pingan
from tests import factories as f
from tests.emergency.factories import held_drill

D = datetime.date


@pytest.mark.django_db(transaction=True)
def test_the_county_heatmap_drills_down_to_one_schools_explanation(open_session, world):
    bureau = f.user_with_role("bureau_staff", world.county_a, username="jiaoyuju", first_name="王")
    held_drill(world.school_a1, D(2026, 10, 12), "fire", seconds=230)  # 3分50秒: too slow
    held_drill(world.school_a2, D(2026, 8, 20), "earthquake", seconds=100)
    pingan.award_record(school=world.school_a2, level="county", awarded_on=D(2025, 6, 1), by=bureau)

    s = open_session({"width": 1440, "height": 900})
    s.login("jiaoyuju", f.PASSWORD)
    s.go("/compliance/")
    s.page.wait_for_load_state("networkidle")
    assert f"/compliance/region/{world.county_a.pk}/" in s.page.url
    s.go(f"/compliance/region/{world.county_a.pk}/?period=2026-10")
    table = s.page.locator("[data-testid=heatmap]")
    codes = table.get_attribute("data-rules").split(",")
    row = table.locator(f"tr[data-node='{world.school_a1.pk}']")
    assert "冯记沟中心小学" in row.locator("th").inner_text()
    cell = row.locator("td").nth(codes.index("EVAC-PRIMARY"))
    assert cell.inner_text().strip() == "✗"  # a symbol, not colour alone
    assert "c-no" in cell.get_attribute("class")
    s.page.wait_for_selector("#history-chart svg, [data-testid=history-table]", timeout=30000)
    s.shot("compliance-01-county-heatmap")

    cell.click()
    s.page.wait_for_load_state("networkidle")
    assert f"/compliance/verdict/EVAC-PRIMARY/{world.school_a1.pk}/" in s.page.url
    explanation = s.page.inner_text("[data-testid=explanation]")
    assert "2026-10-12" in explanation and "3分50秒" in explanation
    assert "种子" in explanation or "GB" in explanation or "指南" in explanation  # its source
    evidence = s.page.locator("[data-testid=evidence] a").first
    assert "/emergency/drills/" in evidence.get_attribute("href")
    s.shot("compliance-02-verdict")
    assert s.hosts == {s.base_url.split("//", 1)[1]}  # nothing fetched from elsewhere
