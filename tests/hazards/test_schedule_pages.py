"""Schedule pages: the list, a schedule with its recent periods (due, done, missed), creating,
editing and ending one, and the standard schedules — in scope, out of scope (404), not allowed
(403), and a schedule that would point outside its school."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.core.models import AuditEntry
from safecampus.hazards import schedule_services, services
from safecampus.hazards.calendar import calendar_period_save
from safecampus.hazards.models import Schedule, Spot
from tests import factories as f
from tests.hazards.helpers import checklist

ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "other_school": f.user_with_role("safety_officer", world.school_a2),
    }


@pytest.fixture
def setting(world):
    """A county checklist, two spots of school A1 and one of school A2."""
    return {
        "version": checklist(org=world.county_a),
        "canteen": Spot.objects.create(org=world.school_a1, name="食堂操作间", kind="sensitive"),
        "gate": Spot.objects.create(org=world.school_a1, name="校门", kind="sensitive"),
        "other": Spot.objects.create(org=world.school_a2, name="幼儿园大门"),
    }


def login(client, user):
    client.force_login(user)
    return client


def schedule_data(setting, *, spots=("canteen",), **extra):
    data = {
        "title": "每周重点部位检查",
        "template": setting["version"].template.pk,
        "rhythm": "weekly",
        "spot_kind": "",
        "spots": [setting[s].pk for s in spots],
        "responsible_role": "safety_officer",
        "responsible_person": "",
        "starts_on": str(timezone.localdate()),
        "ends_on": "",
    }
    data.update(extra)
    return data


def make_schedule(world, setting, by=None, **fields):
    fields.setdefault("title", "每周重点部位检查")
    fields.setdefault("rhythm", "weekly")
    fields.setdefault("starts_on", timezone.localdate())
    return schedule_services.schedule_create(
        by=by,
        org=world.school_a1,
        template=setting["version"].template,
        spots=[setting["canteen"]],
        **fields,
    )


# ---------------------------------------------------------------------------------- create


@pytest.mark.django_db
def test_a_school_creates_a_schedule_for_its_spots(client, world, people, setting):
    login(client, people["safety"])
    url = reverse("hazard_schedules:add")
    page = client.get(url).content.decode()  # one school: straight to its form
    assert "食堂操作间" in page and "幼儿园大门" not in page
    assert setting["version"].template.name in page
    response = client.post(url, schedule_data(setting, spots=("canteen", "gate")))
    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert response["Location"] == reverse("hazard_schedules:detail", args=[schedule.pk])
    assert schedule.org == world.school_a1 and schedule.responsible_role == "safety_officer"
    assert set(schedule.spots.all()) == {setting["canteen"], setting["gate"]}
    assert AuditEntry.objects.filter(object_id=str(schedule.pk), user=people["safety"]).exists()


@pytest.mark.django_db
def test_spots_of_another_school_are_refused(client, world, people, setting):
    login(client, people["bureau"])
    url = reverse("hazard_schedules:add") + f"?school={world.school_a1.pk}"
    response = client.post(url, schedule_data(setting, spots=("canteen", "other")))
    assert response.status_code == 200
    body = response.content.decode()
    assert "有效的选项" in body and "每周重点部位检查" in body  # refused, what was typed kept
    assert not Schedule.objects.exists()
    # The service refuses it too, whatever page or API calls it.
    with pytest.raises(ValidationError) as refused:
        schedule_services.schedule_create(
            by=people["bureau"],
            org=world.school_a1,
            title="越界",
            template=setting["version"].template,
            rhythm="weekly",
            starts_on=timezone.localdate(),
            spots=[setting["other"]],
        )
    assert "spots" in refused.value.error_dict
    with pytest.raises(ValidationError) as foreign:
        schedule_services.schedule_create(
            by=people["bureau"],
            org=world.school_a1,
            title="越界",
            template=checklist(org=world.county_b).template,
            rhythm="weekly",
            starts_on=timezone.localdate(),
        )
    assert "template" in foreign.value.error_dict
    assert not Schedule.objects.exists()


@pytest.mark.django_db
def test_a_bureau_chooses_the_school_first_and_only_within_its_county(client, world, people):
    login(client, people["bureau"])
    url = reverse("hazard_schedules:add")
    page = client.get(url).content.decode()
    assert 'data-testid="choose-school"' in page
    assert world.school_a1.name in page and world.school_b1.name not in page
    assert client.get(url, {"school": world.school_b1.pk}).status_code == 404
    assert client.get(url, {"school": world.town_a.pk}).status_code == 404  # not a school
    assert login(client, people["teacher"]).get(url).status_code == 403


# ------------------------------------------------------------------------------ the page


@pytest.mark.django_db
def test_the_schedule_page_shows_due_done_and_missed(client, world, people, setting):
    today = timezone.localdate()
    calendar_period_save(  # every weekday of these months is a school day
        node=world.county_a,
        by=None,
        kind="term",
        name="学期",
        start=today - 120 * ONE_DAY,
        end=today + 120 * ONE_DAY,
    )
    monday = today - datetime.timedelta(days=today.weekday())
    weeks = [monday - n * 7 * ONE_DAY for n in (3, 2, 1)]
    schedule = make_schedule(world, setting, starts_on=weeks[0])
    version = setting["version"]
    answers = [{"item": i, "answer": "normal"} for i in version.items.all()]
    services.inspection_submit(  # week -3: made from the schedule
        school=world.school_a1,
        by=people["safety"],
        checklist=version,
        schedule=schedule,
        period_start=weeks[0],
        signed_name="王建",
        answers=answers,
        inspected_at=timezone.make_aware(datetime.datetime.combine(weeks[0], datetime.time(9))),
    )
    services.inspection_submit(  # week -2: the same checklist, from a spot's QR code
        school=world.school_a1,
        by=people["safety"],
        checklist=version,
        signed_name="李芳",
        answers=answers,
        inspected_at=timezone.make_aware(
            datetime.datetime.combine(weeks[1] + 2 * ONE_DAY, datetime.time(10))
        ),
    )
    # week -1: nothing (missed); this week: nothing yet (due)
    response = login(client, people["safety"]).get(
        reverse("hazard_schedules:detail", args=[schedule.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    statuses = [r.status for r in response.context["rows"]]
    assert statuses == ["due", "missed", "done", "done"]
    assert response.context["totals"] == {"done": 2, "missed": 1, "due": 1}
    assert body.count('data-status="done"') == 2 and body.count('data-status="missed"') == 1
    assert "王建" in body and "李芳" in body
    inspect = reverse("hazards:inspect") + f"?schedule={schedule.pk}&amp;period={monday:%Y-%m-%d}"
    assert inspect in body
    assert "食堂操作间" in body


# ---------------------------------------------------------------------- edit, end, access


@pytest.mark.django_db
def test_edit_and_end_a_schedule(client, world, people, setting):
    schedule = make_schedule(world, setting, by=people["safety"])
    login(client, people["safety"])
    url = reverse("hazard_schedules:edit", args=[schedule.pk])
    data = schedule_data(setting, spots=("gate",), title="每周检查（修订）", version="1")
    assert client.post(url, data).status_code == 302
    schedule.refresh_from_db()
    assert schedule.title == "每周检查（修订）" and list(schedule.spots.all()) == [setting["gate"]]
    stale = client.post(url, {**data, "title": "又改了"})  # still version 1
    assert stale.status_code == 200
    assert "已有他人修改了它" in stale.content.decode() and "又改了" in stale.content.decode()
    backwards = client.post(
        url, {**data, "version": str(schedule.version), "ends_on": "2000-01-01"}
    )
    assert backwards.status_code == 200
    schedule.refresh_from_db()
    assert schedule.title == "每周检查（修订）" and schedule.ends_on is None

    end = reverse("hazard_schedules:end", args=[schedule.pk])
    today = timezone.localdate()
    client.post(end, {"version": schedule.version, "ends_on": str(today)})
    schedule.refresh_from_db()
    assert schedule.ends_on == today
    client.post(end, {"version": schedule.version, "ends_on": "2000-01-01"})
    schedule.refresh_from_db()
    assert schedule.ends_on == today  # before it started: refused


@pytest.mark.django_db
def test_who_may_see_and_change_a_schedule(client, world, people, setting):
    schedule = make_schedule(world, setting)
    pages = [
        reverse("hazard_schedules:detail", args=[schedule.pk]),
        reverse("hazard_schedules:edit", args=[schedule.pk]),
    ]
    end = reverse("hazard_schedules:end", args=[schedule.pk])
    for who in ("outsider", "other_school"):
        login(client, people[who])
        for url in pages:
            assert client.get(url).status_code == 404, (who, url)
        assert client.post(end, {"version": 1, "ends_on": "2030-01-01"}).status_code == 404
        listing = client.get(reverse("hazard_schedules:list")).content.decode()
        assert "每周重点部位检查" not in listing
    login(client, people["teacher"])
    assert client.get(pages[0]).status_code == 200
    assert client.get(pages[1]).status_code == 403
    assert client.post(end, {"version": 1, "ends_on": "2030-01-01"}).status_code == 403
    schedule.refresh_from_db()
    assert schedule.ends_on is None and schedule.version == 1


@pytest.mark.django_db
def test_list_filters_by_school(client, world, people, setting, django_assert_max_num_queries):
    for n in range(5):
        make_schedule(world, setting, title=f"每周重点部位检查{n}")
    other_version = checklist(org=world.county_a)
    schedule_services.schedule_create(
        by=None,
        org=world.school_a2,
        title="幼儿园日检查",
        template=other_version.template,
        rhythm="school_day",
        starts_on=timezone.localdate(),
    )
    login(client, people["bureau"])
    url = reverse("hazard_schedules:list")
    everything = client.get(url).content.decode()
    assert "每周重点部位检查" in everything and "幼儿园日检查" in everything
    one = client.get(url, {"node": world.school_a2.pk}).content.decode()
    assert "幼儿园日检查" in one and "每周重点部位检查" not in one
    export = client.get(url, {"export": "xlsx"})
    assert export.status_code == 200
    with django_assert_max_num_queries(14):  # no query per row
        client.get(url)


@pytest.mark.django_db
def test_apply_the_standard_schedules(client, world, people):
    login(client, people["safety"])
    url = reverse("hazard_schedules:standard")
    assert client.get(url).status_code == 200
    today = str(timezone.localdate())
    response = client.post(url, {"school": world.school_a1.pk, "starts_on": today}, follow=True)
    assert response.status_code == 200
    made = Schedule.objects.filter(org=world.school_a1)
    assert made.count() == 5 and Spot.objects.filter(org=world.school_a1).exists()
    again = client.post(url, {"school": world.school_a1.pk, "starts_on": today}, follow=True)
    assert again.status_code == 200 and made.count() == 5
    # A school outside the user's own is not on offer.
    refused = client.post(url, {"school": world.school_a2.pk, "starts_on": today})
    assert refused.status_code == 200 and not Schedule.objects.filter(org=world.school_a2)
    assert login(client, people["teacher"]).get(url).status_code == 403
