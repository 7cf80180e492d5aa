"""Effectiveness: re-checks due after closing (derived when read), recording one, the home
to-do, and sweeps launched from a county to every school under it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.core.audit import history
from safecampus.core.errors import NotAllowed
from safecampus.hazards import followup, services
from safecampus.hazards.choices import Category, Rhythm, Status
from safecampus.hazards.models import Hazard, Schedule, Spot
from safecampus.hazards.schedules import due_inspections
from tests import factories as f
from tests.hazards.helpers import checklist, photo


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "responsible": f.PersonFactory(org=world.school_a1, name="张宏建"),
    }


def closed_hazard(world, people, spot=None):
    hazard = services.hazard_report(
        school=world.school_a1,
        by=people["teacher"],
        description="灭火器过期",
        category="fire",
        spot=spot,
    )
    services.hazard_move(
        hazard=hazard,
        action="confirm",
        by=people["safety"],
        data={"grade": "general", "responsible_person": people["responsible"], "measures": "换"},
    )
    services.hazard_move(
        hazard=hazard,
        action="submit",
        by=people["teacher"],
        data={"rectification": "已更换"},
        photos=[photo()],
    )
    services.hazard_move(hazard=hazard, action="accept", by=people["safety"])
    hazard.refresh_from_db()
    return hazard


def test_a_closed_hazard_is_due_for_recheck_on_its_day(world, people):
    hazard = closed_hazard(world, people)
    today = timezone.localdate()
    assert hazard.recheck_on > today
    assert followup.rechecks_due(user=people["safety"], day=today) == []
    later = hazard.recheck_on
    assert followup.rechecks_due(user=people["safety"], day=later) == [hazard]
    assert followup.rechecks_due(user=people["bureau"], day=later) == [hazard]
    assert followup.rechecks_due(user=people["outsider"], day=later) == []


def test_an_effective_recheck_is_audited_and_clears_it(world, people):
    hazard = closed_hazard(world, people)
    Hazard.objects.filter(pk=hazard.pk).update(recheck_on=timezone.localdate())
    hazard.refresh_from_db()
    assert followup.rechecks_due(user=people["safety"]) == [hazard]
    followup.recheck_record(hazard=hazard, by=people["safety"], ok=True, note="仍完好")
    assert followup.rechecks_due(user=people["safety"]) == []
    assert history(hazard).filter(transition=followup.RECHECK, comment="仍完好").exists()
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED


def test_a_failed_recheck_reopens_the_hazard(world, people):
    hazard = closed_hazard(world, people)
    Hazard.objects.filter(pk=hazard.pk).update(recheck_on=timezone.localdate())
    hazard.refresh_from_db()
    with pytest.raises(ValidationError):
        followup.recheck_record(hazard=hazard, by=people["safety"], ok=False, note="")
    with pytest.raises(NotAllowed):
        followup.recheck_record(hazard=hazard, by=people["teacher"], ok=False, note="又坏了")
    followup.recheck_record(hazard=hazard, by=people["safety"], ok=False, note="又坏了")
    hazard.refresh_from_db()
    assert hazard.status == Status.RECTIFYING
    assert hazard.transitions.last().action == "reopen"
    assert followup.rechecks_due(user=people["safety"]) == []
    with pytest.raises(ValidationError):
        followup.recheck_record(hazard=hazard, by=people["safety"], ok=True)


def test_an_inspection_of_the_spot_since_closing_counts_as_the_recheck(world, people):
    spot = Spot.objects.create(org=world.school_a1, name="一号楼配电室")
    hazard = closed_hazard(world, people, spot=spot)
    Hazard.objects.filter(pk=hazard.pk).update(recheck_on=timezone.localdate())
    assert len(followup.rechecks_due(user=people["safety"])) == 1
    version = checklist()
    services.inspection_submit(
        school=world.school_a1,
        by=people["teacher"],
        checklist=version,
        answers=[{"item": i, "answer": "normal"} for i in version.items.all()],
        signed_name="李老师",
        spots=[spot],
    )
    assert followup.rechecks_due(user=people["safety"]) == []


def test_rechecks_due_is_a_home_todo_and_a_page(world, people, client):
    hazard = closed_hazard(world, people)
    assert followup.todo_items(people["safety"]) == []
    Hazard.objects.filter(pk=hazard.pk).update(recheck_on=timezone.localdate())
    items = followup.todo_items(people["safety"])
    assert items[0]["count"] == 1 and items[0]["url"] == reverse("hazard_followup:rechecks")
    client.force_login(people["safety"])
    page = client.get(reverse("hazard_followup:rechecks"))
    assert hazard.number in page.content.decode()
    response = client.post(
        reverse("hazard_followup:recheck", args=[hazard.pk]), {"ok": "1", "note": "好"}
    )
    assert response.status_code == 302
    assert followup.rechecks_due(user=people["safety"]) == []
    client.force_login(people["outsider"])
    assert (
        client.post(reverse("hazard_followup:recheck", args=[hazard.pk]), {"ok": "1"}).status_code
        == 404
    )


def test_a_sweep_makes_an_adhoc_schedule_at_every_school_under_the_node(world, people):
    version = checklist()
    due_by = timezone.localdate() + datetime.timedelta(days=10)
    created = followup.sweep_launch(
        by=people["bureau"],
        node=world.county_a,
        category=Category.FIRE,
        template=version.template,
        due_by=due_by,
    )
    assert {s.org for s in created} == {world.school_a1, world.school_a2}
    for schedule in created:
        assert schedule.rhythm == Rhythm.AD_HOC
        assert schedule.starts_on == timezone.localdate() and schedule.ends_on == due_by
        assert schedule.template == version.template
    with pytest.raises(NotAllowed):
        followup.sweep_launch(
            by=people["outsider"],
            node=world.county_a,
            category=Category.FIRE,
            template=version.template,
            due_by=due_by,
        )
    with pytest.raises(ValidationError):
        followup.sweep_launch(
            by=people["bureau"],
            node=world.county_a,
            category=Category.FIRE,
            template=version.template,
            due_by=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert Schedule.objects.count() == 2


def test_a_sweep_is_a_due_check_at_each_school(world, people):
    version = checklist()
    due_by = timezone.localdate() + datetime.timedelta(days=10)
    followup.sweep_launch(
        by=people["bureau"],
        node=world.county_a,
        category=Category.FIRE,
        template=version.template,
        due_by=due_by,
    )
    due = due_inspections(user=people["safety"], day=timezone.localdate())
    assert [(d.school, d.status, d.period_end) for d in due] == [(world.school_a1, "due", due_by)]


def test_the_sweep_page_is_for_regional_roles(world, people, client):
    version = checklist()
    client.force_login(people["safety"])
    assert client.get(reverse("hazard_followup:sweep")).status_code == 403
    client.force_login(people["bureau"])
    assert client.get(reverse("hazard_followup:sweep")).status_code == 200
    due_by = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        reverse("hazard_followup:sweep"),
        {
            "node": world.town_a.pk,
            "category": "fire",
            "template": version.template.pk,
            "due_by": due_by.isoformat(),
        },
    )
    assert response.status_code == 302
    assert Schedule.objects.filter(rhythm=Rhythm.AD_HOC).count() == 2
    page = client.get(reverse("hazard_followup:sweep"))
    assert world.school_a2.name in page.content.decode()
