"""The whole loop on a phone: open a spot's check from its QR code → mark 异常 with a photo →
a hazard → confirm and assign → rectify with an after photo → accept → closed, then seen as
closed (已销号) by the county in its ledger."""

import io

import pytest
from PIL import Image

from safecampus.hazards.choices import SpotKind, Status
from safecampus.hazards.models import Hazard, Spot
from tests import factories as f
from tests.hazards.helpers import checklist

PHONE = {"width": 390, "height": 844}


def jpeg(colour) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def scene(world):
    version = checklist(items=("消防通道畅通", "灭火器在有效期内", "应急照明完好"))
    version.template.name = "敏感部位日检（测试）"
    version.template.spot_kind = SpotKind.SENSITIVE
    version.template.save()
    spot = Spot.objects.create(
        org=world.school_a1, name="一号教学楼楼梯间", area="一号教学楼", kind=SpotKind.SENSITIVE
    )
    return {
        "spot": spot,
        "template": version.template,
        "responsible": f.PersonFactory(org=world.school_a1, name="张宏建", post="总务主任"),
        "safety": f.user_with_role(
            "safety_officer", world.school_a1, username="anquan", first_name="建鹏", last_name="陈"
        ),
        "teacher": f.user_with_role(
            "teacher", world.school_a1, username="laoshi", first_name="宏建", last_name="张"
        ),
        "principal": f.user_with_role(
            "principal", world.school_a1, username="xiaozhang", first_name="国强", last_name="马"
        ),
        "county": f.user_with_role(
            "bureau_staff", world.county_a, username="jiaoyuju", first_name="美玲", last_name="杨"
        ),
    }


def open_move(page, action):
    details = page.locator(f"details[data-move={action}]")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    page.wait_for_selector(f"[data-testid=do-{action}]", state="visible")


@pytest.mark.django_db(transaction=True)
def test_the_closed_loop_on_a_phone(open_session, world, scene):
    spot = scene["spot"]

    # the safety officer prints the QR sheet, then scans a spot's code on the phone
    desk = open_session()
    desk.login("anquan", f.PASSWORD)
    desk.go(f"/hazards/spots/sheet/?school={world.school_a1.pk}")
    qr_url = desk.page.get_attribute("figure.cell", "data-url")
    assert qr_url.endswith(f"/hazards/s/{spot.token}/")
    assert desk.page.locator("figure.cell svg").count() == 1
    desk.shot("hazards-01-qr-sheet")

    s = open_session(PHONE)
    s.page.goto(qr_url)
    assert "/accounts/login/" in s.page.url, "scanning needs a login first"
    s.page.fill("input[name=username]", "anquan")
    s.page.fill("input[name=password]", f.PASSWORD)
    s.page.click("button[type=submit]")
    s.page.wait_for_load_state("networkidle")
    if s.page.locator("[data-testid=checklists]").count():
        s.page.get_by_role("link", name="敏感部位日检（测试）").click()
        s.page.wait_for_load_state("networkidle")
    assert f"/hazards/s/{spot.token}/" in s.page.url
    assert spot.name in s.page.inner_text("main")
    assert s.page.input_value("input[name=signed_name]") == "陈建鹏"
    s.shot("hazards-02-check-phone")

    items = s.page.locator("li.check-item")
    assert items.count() == 3
    first = items.nth(0)
    first.locator("label.answer-abnormal").click()
    note = first.locator("input[type=text]")
    assert note.is_visible(), "异常 opens the note and the camera"
    note.fill("楼梯间消防通道堆放杂物")
    first.locator("input[type=file]").set_input_files(jpeg((200, 40, 40)))
    for i in (1, 2):
        items.nth(i).locator("label.answer-normal").click()
    s.shot("hazards-03-check-abnormal")
    s.page.click("[data-testid=submit-check]")
    s.page.wait_for_load_state("networkidle")
    raised = s.page.locator("[data-testid=raised] a")
    assert raised.count() == 1
    hazard = Hazard.objects.get()
    assert hazard.status == Status.REPORTED and hazard.spot == spot
    s.shot("hazards-04-check-result")

    # confirm and assign
    raised.first.click()
    s.page.wait_for_load_state("networkidle")
    assert hazard.number in s.page.inner_text("h1")
    assert s.page.locator("[data-testid=photos-before] img").count() == 1
    open_move(s.page, "confirm")
    s.page.select_option("select[name=confirm-responsible_person]", str(scene["responsible"].pk))
    s.page.fill("textarea[name=confirm-measures]", "清理杂物，设置禁止堆放标识")
    s.shot("hazards-05-confirm-form")
    s.page.click("[data-testid=do-confirm]")
    s.page.wait_for_load_state("networkidle")
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING
    assert hazard.responsible_person == scene["responsible"]

    # a teacher rectifies with an after photo
    t = open_session(PHONE)
    t.login("laoshi", f.PASSWORD)
    t.go(f"/hazards/{hazard.pk}/")
    open_move(t.page, "submit")
    t.page.fill("textarea[name=submit-rectification]", "杂物已清理，张贴了禁止堆放标识")
    t.page.set_input_files("input[name=submit-photos]", jpeg((40, 160, 60)))
    t.shot("hazards-06-rectify-phone")
    t.page.click("[data-testid=do-submit]")
    t.page.wait_for_load_state("networkidle")
    hazard.refresh_from_db()
    assert hazard.status == Status.SUBMITTED
    assert t.page.locator("details[data-move=accept]").count() == 0, "no accepting one's own work"

    # the principal accepts: closed (销号)
    p = open_session(PHONE)
    p.login("xiaozhang", f.PASSWORD)
    p.go(f"/hazards/{hazard.pk}/")
    assert p.page.locator("[data-testid=photos-after] img").count() == 1
    open_move(p.page, "accept")
    p.page.click("[data-testid=do-accept]")
    p.page.wait_for_load_state("networkidle")
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED and hazard.accepted_by == scene["principal"]
    assert "已销号" in p.page.inner_text("[data-testid=status]")
    p.shot("hazards-07-closed-phone")

    # the county sees it closed in the ledger
    c = open_session()
    c.login("jiaoyuju", f.PASSWORD)
    c.go("/hazards/")
    row = c.page.locator(f"tr[data-number='{hazard.number}']")
    assert row.count() == 1
    assert "已销号" in row.inner_text()
    assert "冯记沟中心小学" in row.inner_text()
    c.shot("hazards-08-ledger-county")
