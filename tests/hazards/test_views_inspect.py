"""Spots, their QR codes and sheet, and the inspection form on a phone."""

import pytest
from django.urls import reverse

from safecampus.core.attachments import photos_of
from safecampus.hazards.choices import Answer, SpotKind, Status
from safecampus.hazards.models import Hazard, Inspection, Schedule, Spot
from safecampus.hazards.qr import spot_check_url
from tests import factories as f
from tests.hazards import test_views_hazards
from tests.hazards.helpers import checklist, photo

people = test_views_hazards.people  # the same people, as a fixture


@pytest.fixture
def spot(world):
    return Spot.objects.create(
        org=world.school_a1, name="一号教学楼楼梯", area="一号教学楼", kind=SpotKind.SENSITIVE
    )


@pytest.fixture
def version(world):
    return checklist()


def answers(version, override=None):
    data = {}
    for item in version.items.all():
        data[f"a-{item.pk}"] = Answer.NORMAL
        data[f"n-{item.pk}"] = ""
    data.update(override or {})
    return data


# ---------------------------------------------------------------------------- spots


@pytest.mark.django_db
def test_spot_pages_render_in_scope_and_404_outside(client, world, people, spot):
    client.force_login(people["safety"])
    for url in (
        reverse("hazards:spots"),
        reverse("hazards:spot", args=[spot.pk]),
        reverse("hazards:spot_edit", args=[spot.pk]),
        reverse("hazards:spot_add"),
        reverse("hazards:spot_sheet") + f"?school={world.school_a1.pk}",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(people["outsider"])
    assert client.get(reverse("hazards:spot", args=[spot.pk])).status_code == 404
    assert client.get(reverse("hazards:spot_check", args=[spot.token])).status_code == 404
    sheet = reverse("hazards:spot_sheet") + f"?school={world.school_a1.pk}"
    assert client.get(sheet).status_code == 404
    assert spot.name not in client.get(reverse("hazards:spots")).content.decode()


@pytest.mark.django_db
def test_create_edit_and_deactivate_a_spot(client, world, people):
    client.force_login(people["safety"])
    response = client.post(
        reverse("hazards:spot_add"),
        {"org": world.school_a1.pk, "name": "食堂后厨", "area": "食堂", "kind": "key"},
    )
    spot = Spot.objects.get(name="食堂后厨")
    assert response.status_code == 302 and spot.org == world.school_a1
    response = client.post(
        reverse("hazards:spot_edit", args=[spot.pk]),
        {
            "org": world.school_a1.pk,
            "name": "食堂后厨",
            "area": "食堂一楼",
            "kind": "key",
            "version": spot.version,
        },
    )
    assert response.status_code == 302
    spot.refresh_from_db()
    assert spot.area == "食堂一楼"
    response = client.post(
        reverse("hazards:spot_active", args=[spot.pk]), {"active": "0", "version": spot.version}
    )
    spot.refresh_from_db()
    assert not spot.is_active
    # a teacher reads spots but may not change them
    client.force_login(people["teacher"])
    assert client.get(reverse("hazards:spot_edit", args=[spot.pk])).status_code == 403
    assert client.get(reverse("hazards:spot_add")).status_code == 403


@pytest.mark.django_db
def test_spot_in_another_school_cannot_be_created(client, world, people):
    client.force_login(people["safety"])
    response = client.post(
        reverse("hazards:spot_add"), {"org": world.school_b1.pk, "name": "x", "kind": "key"}
    )
    assert response.status_code == 200 and response.context["form"].errors.get("org")
    assert not Spot.objects.exists()


@pytest.mark.django_db
def test_qr_sheet_encodes_each_spots_check_url(client, world, people, spot):
    client.force_login(people["safety"])
    response = client.get(reverse("hazards:spot_sheet") + f"?school={world.school_a1.pk}")
    body = response.content.decode()
    url = "http://testserver" + reverse("hazards:spot_check", args=[spot.token])
    assert f'data-url="{url}"' in body and "<svg" in body
    assert spot.name in body and spot.area in body
    assert str(spot.token) in reverse("hazards:spot_check", args=[spot.token])
    assert spot_check_url(spot).endswith(f"/hazards/s/{spot.token}/")
    # the QR decodes to that URL
    import segno

    assert segno.make(url, error="m").designator  # segno builds what the page embeds


@pytest.mark.django_db
def test_scanning_needs_a_login_then_opens_the_check(client, world, people, spot, version):
    url = reverse("hazards:spot_check", args=[spot.token])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url
    client.force_login(people["safety"])
    response = client.get(url, {"template": version.template_id})
    assert response.status_code == 200
    body = response.content.decode()
    assert spot.name in body and 'capture="environment"' in body and 'accept="image/*"' in body
    assert response.context["form"]["signed_name"].value() == "陈建鹏"


# ---------------------------------------------------------------------------- inspecting


@pytest.mark.django_db
def test_one_abnormal_item_with_a_photo_raises_a_hazard_with_the_photo(
    client, world, people, spot, version
):
    items = list(version.items.all())
    client.force_login(people["safety"])
    data = answers(
        version,
        {
            f"a-{items[1].pk}": Answer.ABNORMAL,
            f"n-{items[1].pk}": "三楼灭火器压力不足",
            f"p-{items[1].pk}": photo(),
        },
    )
    data["signed_name"] = "陈建鹏"
    data["template"] = version.template_id
    data["note"] = ""
    response = client.post(reverse("hazards:spot_check", args=[spot.token]), data)
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["form"].item_errors,
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("hazards:inspection", args=[inspection.pk])
    hazard = Hazard.objects.get()
    assert hazard.inspection == inspection and hazard.spot == spot
    assert hazard.status == Status.REPORTED and "三楼灭火器压力不足" in hazard.description
    assert photos_of(hazard, "before").count() == 1
    assert list(inspection.spots.all()) == [spot]
    page = client.get(response.url).content.decode()
    assert hazard.number in page and reverse("hazards:hazard", args=[hazard.pk]) in page


@pytest.mark.django_db
def test_inspection_errors_keep_everything_typed(client, world, people, spot, version):
    items = list(version.items.all())
    client.force_login(people["safety"])
    data = answers(
        version,
        {f"a-{items[0].pk}": Answer.ABNORMAL, f"n-{items[0].pk}": "", f"a-{items[2].pk}": ""},
    )
    data[f"a-{items[1].pk}"] = Answer.NOT_APPLICABLE
    data["signed_name"] = "代签人王五"
    data["template"] = version.template_id
    data["note"] = "雨天检查"
    response = client.post(reverse("hazards:spot_check", args=[spot.token]), data)
    assert response.status_code == 200
    assert not Inspection.objects.exists() and not Hazard.objects.exists()
    body = response.content.decode()
    assert "代签人王五" in body and "雨天检查" in body
    form = response.context["form"]
    assert form[f"a-{items[0].pk}"].value() == Answer.ABNORMAL
    assert form[f"a-{items[1].pk}"].value() == Answer.NOT_APPLICABLE
    assert set(form.item_errors) == {items[0].pk, items[2].pk}
    assert 'data-testid="form-errors"' in body


@pytest.mark.django_db
def test_choose_a_checklist_then_inspect_the_users_school(client, world, people, version):
    other = checklist(items=("宿舍消防通道畅通",))
    client.force_login(people["safety"])
    response = client.get(reverse("hazards:inspect"))
    assert response.status_code == 200
    assert {t.pk for t in response.context["templates"]} >= {version.template_id, other.template_id}
    response = client.get(reverse("hazards:inspect"), {"template": other.template_id})
    assert response.status_code == 200
    item = other.items.get()
    response = client.post(
        reverse("hazards:inspect") + f"?template={other.template_id}",
        {
            "template": other.template_id,
            "school": world.school_a1.pk,
            f"a-{item.pk}": Answer.NORMAL,
            "signed_name": "陈建鹏",
        },
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.org == world.school_a1 and inspection.abnormal_count == 0


@pytest.mark.django_db
def test_inspection_from_a_due_schedule_counts_for_its_period(client, world, people, version):
    import datetime

    schedule = Schedule.objects.create(
        org=world.school_a1,
        title="每日敏感部位检查",
        template=version.template,
        rhythm="school_day",
        starts_on=datetime.date(2026, 1, 1),
    )
    client.force_login(people["safety"])
    url = reverse("hazards:inspect") + f"?schedule={schedule.pk}&period=2026-03-02"
    response = client.get(url)
    assert response.status_code == 200 and schedule.title in response.content.decode()
    data = answers(version)
    data.update(signed_name="陈建鹏", schedule=schedule.pk, period="2026-03-02")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    inspection = Inspection.objects.get()
    assert inspection.schedule == schedule and inspection.period_start == datetime.date(2026, 3, 2)


@pytest.mark.django_db
def test_a_teacher_inspects_but_an_observer_may_not(client, world, people, spot, version):
    observer = f.user_with_role("observer", world.city)
    client.force_login(observer)
    assert client.get(reverse("hazards:spot_check", args=[spot.token])).status_code == 403
    assert client.get(reverse("hazards:inspect")).status_code == 403
    client.force_login(people["outsider"])
    assert client.get(reverse("hazards:inspect") + f"?spot={spot.pk}").status_code == 404
    client.force_login(people["teacher"])
    assert client.get(reverse("hazards:spot_check", args=[spot.token])).status_code == 200


@pytest.mark.django_db
def test_due_and_missed_checks_are_to_dos_that_open_the_form(client, world, people, version):
    import datetime

    from django.utils import timezone

    from safecampus.hazards.schedules import due_inspections

    today = timezone.localdate()
    schedule = Schedule.objects.create(
        org=world.school_a1,
        title="每日敏感部位检查",
        template=version.template,
        rhythm="monthly",
        starts_on=today - datetime.timedelta(days=40),
    )
    rows = due_inspections(user=people["safety"], day=today)
    client.force_login(people["safety"])
    todos = client.get(reverse("home")).context["todos"]
    keys = {t["key"] for t in todos}
    for status in ("due", "missed"):
        found = [r for r in rows if r.status == status]
        assert (f"inspection-{status}" in keys) == bool(found)
    for t in todos:
        if t["key"].startswith("inspection-"):
            assert f"schedule={schedule.pk}" in t["url"]
            assert client.get(t["url"]).status_code == 200
