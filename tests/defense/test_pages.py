"""The inventory's pages: a school's figures with their standing and history, its own update
on a phone, the county overview with gaps, verification age and Excel, confirm-or-correct
from an inspection's page, the to-dos, and nothing for outsiders."""

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.defense import inspection_map
from safecampus.defense.models import InventorySnapshot, Outcome, Source, Verification
from safecampus.hazards import library
from safecampus.hazards import services as hazard_services
from safecampus.hazards.models import ChecklistTemplate
from tests import factories as f
from tests.defense.factories import GOOD, declared, verified
from tests.region_helpers import row_urls, schools

D = datetime.date
TODAY = timezone.localdate


def police_inspection(node, by=None, abnormal=()):
    """The built-in POLICE-MONTHLY checklist answered at `node`; items whose text is in
    `abnormal` answered 异常 with a note."""
    template = ChecklistTemplate.objects.filter(code=inspection_map.POLICE).first()
    if template is None:
        library.load_library()
        template = ChecklistTemplate.objects.get(code=inspection_map.POLICE)
    version = template.current
    answers = [
        {
            "item": item,
            "answer": "abnormal" if item.text in abnormal else "normal",
            "note": "现场发现问题" if item.text in abnormal else "",
        }
        for item in version.items.all()
    ]
    return hazard_services.inspection_submit(
        school=node, by=by, checklist=version, answers=answers, signed_name="李警官"
    )


def ticked(form_html: str, name: str) -> bool:
    return bool(re.search(rf'<input[^>]*name="check_{name}"[^>]*checked', form_html))


def login(client, role, node, **kw):
    user = f.user_with_role(role, node, **kw)
    client.force_login(user)
    return user


def test_every_mapped_item_is_in_the_built_in_library():
    texts = {(t.code, i.text) for t in library.LIBRARY for i in t.items}
    assert set(inspection_map.ITEM_FIGURES) <= texts
    assert {t.code for t in library.LIBRARY} >= inspection_map.CODES


def row_of(html: str, marker: str, end: str = "</tr>") -> str:
    return html.split(marker, 1)[1].split(end, 1)[0]


@pytest.mark.django_db
def test_the_school_page_shows_each_figure_with_its_standing_and_the_history(client, world):
    inspector = f.user_with_role("inspector", world.school_a1)
    declared(world.school_a1, D(2026, 3, 2), guards=1, guards_trained=1, guards_certified=1)
    verified(world.school_a1, inspector, D(2026, 4, 8), guards=1, alarm_networked=False)
    login(client, "principal", world.school_a1)
    url = reverse("defense:school", args=[world.school_a1.pk])
    html = client.get(url).content.decode()
    alarm = row_of(html, 'data-figure="alarm_networked"')
    assert 'data-standing="verified"' in alarm and "2026-04-08" in alarm
    assert inspector.display_name in alarm
    gate = row_of(html, 'data-figure="gate_hours"')
    assert 'data-standing="declared"' in gate and 'data-testid="never-verified"' in gate
    # 600 day pupils need 2 guards: the figure is marked as a gap, with a sign, not colour only.
    guards = row_of(html, 'data-figure="guards"')
    assert guards.startswith(' data-gap="1"') and "✗" in guards
    history = row_of(html, 'data-testid="history"', "</table>")
    assert history.count("<tr data-source=") == 2 and 'data-source="verified"' in history
    past = client.get(url, {"on": "2026-03-20"}).content.decode()
    assert 'data-testid="past-day"' in past
    alarm_then = row_of(past, 'data-figure="alarm_networked"')
    assert 'data-standing="declared"' in alarm_then and "2026-04-08" not in alarm_then
    before = client.get(url, {"on": "2026-03-01"}).content.decode()
    assert 'data-testid="no-inventory"' in before


@pytest.mark.django_db
def test_a_principal_updates_the_inventory_on_a_phone_form_grouped_by_defense(client, world):
    user = login(client, "principal", world.school_a1)
    page = client.get(reverse("defense:edit"))  # their own school, no node needed
    html = page.content.decode()
    assert page.status_code == 200
    for group in ("people", "physical", "technical", "health"):
        assert f'data-group="{group}"' in html
    data = {k: str(v) for k, v in GOOD.items()}
    data.update(guards="3", guards_trained="3", guards_certified="2", note="新招保安一名")
    answer = client.post(reverse("defense:edit"), data)
    assert answer.status_code == 302
    snap = InventorySnapshot.objects.get(org=world.school_a1)
    assert snap.guards == 3 and snap.source == Source.DECLARED and snap.recorded_by == user
    # A second, stale form (based on nothing) is refused, nothing changes.
    stale = client.post(reverse("defense:edit"), {**data, "guards": "4", "based_on": ""})
    assert stale.status_code == 200 and 'data-testid="form-errors"' in stale.content.decode()
    assert InventorySnapshot.objects.count() == 1


@pytest.mark.django_db
def test_roles_that_may_not_write_are_refused(client, world):
    declared(world.school_a1)
    login(client, "teacher", world.school_a1)
    assert client.get(reverse("defense:school", args=[world.school_a1.pk])).status_code == 404
    client.force_login(f.user_with_role("guard", world.school_a1))
    assert client.get(reverse("defense:school", args=[world.school_a1.pk])).status_code == 200
    url = reverse("defense:edit") + f"?node={world.school_a1.pk}"
    assert client.get(url).status_code == 403
    assert client.get(reverse("defense:verify", args=[world.school_a1.pk])).status_code == 403
    client.force_login(f.user_with_role("safety_officer", world.school_a1))
    assert client.get(reverse("defense:verify", args=[world.school_a1.pk])).status_code == 403


@pytest.mark.django_db
def test_outsiders_get_404_everywhere(client, world):
    declared(world.school_a1)
    inspector = f.user_with_role("inspector", world.school_a1)
    inspection = police_inspection(world.school_a1, inspector)
    login(client, "bureau_staff", world.county_b)
    pk = world.school_a1.pk
    assert client.get(reverse("defense:school", args=[pk])).status_code == 404
    assert client.get(reverse("defense:verify", args=[pk])).status_code == 404
    assert client.get(reverse("defense:edit") + f"?node={pk}").status_code == 404
    assert client.get(reverse("defense:overview") + f"?node={world.county_a.pk}").status_code == 404
    verify_b = reverse("defense:verify", args=[world.school_b1.pk])
    assert client.get(verify_b + f"?inspection={inspection.pk}").status_code == 404
    overview = client.get(reverse("defense:overview")).content.decode()
    assert world.school_a1.name not in overview


@pytest.mark.django_db
def test_the_county_overview_shows_gaps_verification_age_and_exports(client, world):
    from safecampus.orgs.choices import SchoolKind

    big = f.school(world.town_a, "盐池县第一小学", SchoolKind.PRIMARY, enrolment=1620)
    declared(world.school_a1, TODAY() - datetime.timedelta(days=400))
    declared(big, TODAY() - datetime.timedelta(days=30), alarm_networked=False)
    inspector = f.user_with_role("inspector", world.county_a)
    verified(world.school_a1, inspector, TODAY() - datetime.timedelta(days=250), guards=2)
    verified(big, inspector, TODAY() - datetime.timedelta(days=20), guards=2)
    login(client, "bureau_staff", world.county_a)
    page = client.get(reverse("defense:overview"))
    html = page.content.decode()
    assert page.status_code == 200
    row = row_of(html, f'data-school="{big.pk}"')
    assert "✗ 2 / 4" in row  # 1,620 day pupils need 4 guards (GB/T 29315-2022 A.1)
    assert "DEF-ALARM" in row and 'data-age="20"' in row
    assert 'data-age="250"' in row_of(html, f'data-school="{world.school_a1.pk}"')
    kg = row_of(html, f'data-school="{world.school_a2.pk}"')
    assert 'data-testid="never-entered"' in kg
    alarm = row_of(row_of(html, 'data-testid="shares"', "</table>"), 'data-rule="DEF-ALARM"')
    assert "1 / 3" in alarm  # the kindergarten without an inventory counts against it
    stale = client.get(reverse("defense:overview"), {"show": "unverified"}).content.decode()
    assert f'data-school="{world.school_a1.pk}"' in stale
    assert f'data-school="{big.pk}"' not in stale
    assert f'data-school="{world.school_a2.pk}"' not in stale  # never entered: its own filter
    book = client.get(reverse("defense:overview"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[big.name][5] == 4 and by_name[big.name][6] == 2


@pytest.mark.django_db
def test_a_city_overview_has_a_row_per_county_agreeing_with_the_countys_page(client, world):
    declared(world.school_a1, TODAY() - datetime.timedelta(days=30), alarm_networked=False)
    login(client, "bureau_staff", world.city)
    html = client.get(reverse("defense:overview")).content.decode()
    assert 'data-testid="schools"' not in html and world.school_a1.name not in html
    rows = row_urls(html)
    assert set(rows) == {str(world.county_a.pk), str(world.county_b.pk)}
    row = client.get(rows[str(world.county_a.pk)]).content.decode()
    county = client.get(reverse("defense:overview"), {"node": world.county_a.pk})
    assert schools(row) == county.context["counts"]["schools"] == 2
    assert ">1<" in row_of(row, 'data-col="missing"', "</td>")  # the kindergarten
    assert ">1<" in row_of(row, 'data-col="gaps"', "</td>")  # the alarm not networked
    for share in county.context["shares"]:
        assert share["share_text"] in row_of(row, f'data-rule="{share["code"]}"', "</td>")
    row_b = client.get(rows[str(world.county_b.pk)]).content.decode()
    assert schools(row_b) == 1 and ">1<" in row_of(row_b, 'data-col="missing"', "</td>")
    login(client, "bureau_staff", world.county_b)
    assert client.get(rows[str(world.county_a.pk)]).status_code == 404


@pytest.mark.django_db
def test_a_school_user_on_the_overview_lands_on_their_school(client, world):
    login(client, "safety_officer", world.school_a1)
    answer = client.get(reverse("defense:overview"))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("defense:school", args=[world.school_a1.pk])


@pytest.mark.django_db
def test_an_inspection_page_offers_to_confirm_or_correct_its_figures(client, world):
    inspector = f.user_with_role("inspector", world.school_a1)
    declared(world.school_a1)
    item = "寄宿制学校公共区域视频监控全覆盖"
    inspection = police_inspection(world.school_a1, inspector, abnormal=(item,))
    client.force_login(inspector)
    page = client.get(reverse("hazards:inspection", args=[inspection.pk])).content.decode()
    card = row_of(page, 'data-testid="inventory-from-inspection"', "</section>")
    verify_url = reverse("defense:verify", args=[world.school_a1.pk])
    assert f"{verify_url}?inspection={inspection.pk}" in card
    form = client.get(verify_url, {"inspection": inspection.pk}).content.decode()
    cover = inspection_map.coverage(inspection)
    assert "gate_hours" not in cover.figures and "guards" in cover.figures
    for name in cover.figures:
        assert ticked(form, name)
    assert not ticked(form, "gate_hours")
    boarding = row_of(form, 'data-figure="video_boarding_public"', 'class="verify-row"')
    assert "现场发现问题" in boarding  # the item's answer beside the figure
    # Submitting as prefilled: the abnormal item's figure comes back "no", the rest confirmed.
    data = {"inspection": inspection.pk, "based_on": InventorySnapshot.objects.get().pk}
    for name in cover.figures:
        data[f"check_{name}"] = "on"
        value = GOOD[name]
        if name == "video_boarding_public":
            value = False
        data[f"value_{name}"] = str(value)
    answer = client.post(verify_url, data)
    assert answer.status_code == 302
    fix = Verification.objects.get(figure="guards")
    assert fix.outcome == Outcome.CONFIRMED and fix.inspection == inspection
    # video_boarding_public was already "no" (GOOD): confirmed, no correction needed.
    assert not Verification.objects.filter(outcome=Outcome.CORRECTED).exists()
    data["value_guards"] = "3"
    data["based_on"] = InventorySnapshot.objects.get().pk
    assert client.post(verify_url, data).status_code == 302
    correction = InventorySnapshot.objects.order_by("-recorded_at", "-id").first()
    assert correction.source == Source.VERIFIED and correction.guards == 3
    assert correction.inspection == inspection
    page = client.get(reverse("hazards:inspection", args=[inspection.pk])).content.decode()
    assert 'data-corrected="1"' in row_of(
        page, 'data-testid="inventory-from-inspection"', "</section>"
    )


@pytest.mark.django_db
def test_an_abnormal_single_figure_item_suggests_no(client, world):
    inspector = f.user_with_role("inspector", world.school_a1)
    declared(world.school_a1, video_entrances=True)
    item = "学校、幼儿园所有出入口及周边视频监控全覆盖，画面清晰"
    from tests.hazards.helpers import photo

    template = ChecklistTemplate.objects.get(code=inspection_map.POLICE)
    answers = [
        {
            "item": i,
            "answer": "abnormal" if i.text == item else "normal",
            "note": "东门无摄像头" if i.text == item else "",
            "photos": [photo()] if i.text == item else [],
        }
        for i in template.current.items.all()
    ]
    inspection = hazard_services.inspection_submit(
        school=world.school_a1,
        by=inspector,
        checklist=template.current,
        answers=answers,
        signed_name="王督学",
    )
    client.force_login(inspector)
    url = reverse("defense:verify", args=[world.school_a1.pk])
    form = client.get(url, {"inspection": inspection.pk}).content.decode()
    assert ticked(form, "video_entrances")
    assert re.search(r'<input[^>]*name="value_video_entrances"[^>]*value="False"[^>]*checked', form)
    # The alarm item was normal: its figures keep the recorded "yes".
    assert re.search(r'<input[^>]*name="value_alarm_networked"[^>]*value="True"[^>]*checked', form)


@pytest.mark.django_db
def test_the_school_is_asked_to_enter_its_inventory_then_to_close_its_gaps(client, world):
    from safecampus.core.home import _todos

    principal = f.user_with_role("principal", world.school_a1)

    def mine():
        return [t for t in _todos(principal) if t["url"].startswith("/defense/")]

    assert mine()[0]["url"].startswith(reverse("defense:edit")) and mine()[0]["severity"] == "due"
    declared(world.school_a1, by=principal, patrols_per_day=3, alarm_networked=False)
    assert mine()[0]["count"] == 2  # PATROL-KEY and DEF-ALARM
    declared(world.school_a1, by=principal, patrols_per_day=5, alarm_networked=True)
    assert not mine()


@pytest.mark.django_db
def test_the_menu_leads_each_role_to_its_page(world):
    from safecampus.core.navigation import menu_for

    def keys(user):
        return {i["key"]: i["url"] for i in menu_for(user)}

    principal = keys(f.user_with_role("principal", world.school_a1))
    assert principal["defense"] == reverse("defense:school", args=[world.school_a1.pk])
    assert principal["defense_edit"] == reverse("defense:edit")
    bureau = keys(f.user_with_role("bureau_staff", world.county_a))
    assert bureau["defense"] == reverse("defense:overview") and "defense_edit" not in bureau
    assert "defense" not in keys(f.user_with_role("teacher", world.school_a1))


@pytest.mark.django_db
def test_an_inspector_of_a_few_schools_sees_them_side_by_side(client, world):
    from safecampus.accounts.models import RoleAssignment

    inspector = f.user_with_role("inspector", world.school_a1)
    RoleAssignment.objects.create(user=inspector, role="inspector", org=world.school_a2)
    declared(world.school_a1, TODAY() - datetime.timedelta(days=300))
    declared(world.school_b1)
    client.force_login(inspector)
    html = client.get(reverse("defense:overview")).content.decode()
    assert f'data-school="{world.school_a1.pk}"' in html
    assert f'data-school="{world.school_a2.pk}"' in html
    assert world.school_b1.name not in html
    from safecampus.core.home import _todos

    stale = [t for t in _todos(inspector) if "show=unverified" in t["url"]]
    assert stale and stale[0]["count"] == 1  # school A1: entered, never verified
