"""Effectiveness: re-checks due after closing (derived when read), recording one, the home
to-do, and sweeps launched from a county to every school under it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safecampus.core.audit import history
from safecampus.core.errors import NotAllowed
from safecampus.hazards import followup, rollups, services
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


# ------------------------------------------------------------ rechecked_at, kept in step


def _inspect_spots(world, people, spots, at=None):
    version = checklist()
    return services.inspection_submit(
        school=world.school_a1,
        by=people["teacher"],
        checklist=version,
        answers=[{"item": i, "answer": "normal"} for i in version.items.all()],
        signed_name="李老师",
        spots=spots,
        inspected_at=at,
    )


def _by_the_old_rule(user, day):
    """Re-checks due as they were computed before `rechecked_at`: a correlated EXISTS over
    the spot's inspections and the hazard's audit trail, evaluated when read."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast

    from safecampus.core.models import AuditEntry
    from safecampus.hazards.models import Inspection

    inspected = Inspection.objects.filter(
        spots=OuterRef("spot"), inspected_at__gte=OuterRef("closed_at")
    )
    rechecked = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Hazard),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        transition=followup.RECHECK,
        at__gte=OuterRef("closed_at"),
    )
    return set(
        Hazard.objects.for_user(user)
        .filter(status=Status.CLOSED, recheck_on__isnull=False, recheck_on__lte=day)
        .exclude(Exists(inspected))
        .exclude(Exists(rechecked))
    )


def test_rechecked_at_follows_checks_rechecks_and_moves(world, people):
    """At every step the stored moment is what the raw rows give, and the list of re-checks
    due is the one the old correlated rule gave."""
    spot = Spot.objects.create(org=world.school_a1, name="配电室")
    other = Spot.objects.create(org=world.school_a1, name="操场")
    hazard = closed_hazard(world, people, spot=spot)
    bare = closed_hazard(world, people)  # no spot: only a recorded re-check counts
    Hazard.objects.filter(pk__in=[hazard.pk, bare.pk]).update(recheck_on=timezone.localdate())
    day = timezone.localdate()

    def step():
        hazard.refresh_from_db()
        assert followup.check_rechecked() == []
        assert rollups.check() == []  # the re-checks rollup moved with every write
        due = set(followup.rechecks_due_qs(people["bureau"], day))
        assert due == _by_the_old_rule(people["bureau"], day)
        # The home page's count (from the rollup) is the list's length, for each role.
        for who in ("bureau", "safety", "outsider"):
            listed = followup.rechecks_due_qs(people[who], day).count()
            items = followup.todo_items(people[who])
            assert (items[0]["count"] if items else 0) == listed, who
        return due

    assert hazard.rechecked_at is None and step() == {hazard, bare}
    # A check of another spot, or one dated before the closing, is no re-check.
    _inspect_spots(world, people, [other])
    _inspect_spots(world, people, [spot], at=hazard.closed_at - datetime.timedelta(hours=1))
    assert hazard.rechecked_at is None and step() == {hazard, bare}
    first = _inspect_spots(world, people, [spot, other])
    assert step() == {bare} and hazard.rechecked_at == first.inspected_at
    # An older check entered later does not move it back; a recorded re-check moves it on.
    _inspect_spots(world, people, [spot], at=first.inspected_at - datetime.timedelta(seconds=1))
    assert step() == {bare} and hazard.rechecked_at == first.inspected_at
    followup.recheck_record(hazard=hazard, by=people["safety"], ok=True)
    entry = history(hazard).filter(transition=followup.RECHECK).first()
    assert step() == {bare} and hazard.rechecked_at == entry.at
    followup.recheck_record(hazard=bare, by=people["safety"], ok=True)
    assert step() == set()
    # Reopened it is no longer closed; closed again, the earlier checks no longer count.
    followup.recheck_record(hazard=hazard, by=people["safety"], ok=False, note="又坏了")
    assert step() == set() and hazard.rechecked_at is None
    services.hazard_move(
        hazard=hazard, action="submit", by=people["teacher"],
        data={"rectification": "再次更换"}, photos=[photo()],
    )  # fmt: skip
    services.hazard_move(hazard=hazard, action="accept", by=people["safety"])
    Hazard.objects.filter(pk=hazard.pk).update(recheck_on=day)
    assert step() == {hazard} and hazard.rechecked_at is None
    # A deleted spot leaves its hazards with their recorded re-checks only.
    again = _inspect_spots(world, people, [spot])
    assert step() == set() and hazard.rechecked_at == again.inspected_at
    spot.delete()
    assert step() == {hazard} and hazard.rechecked_at is None and hazard.spot is None


def test_the_check_finds_a_stored_moment_the_raw_rows_do_not_give_and_refresh_mends_it(
    world, people
):
    from safecampus.hazards import rechecks

    spot = Spot.objects.create(org=world.school_a1, name="配电室")
    hazard = closed_hazard(world, people, spot=spot)
    check = _inspect_spots(world, people, [spot])
    open_one = services.hazard_report(
        school=world.school_a1, by=people["teacher"], description="门锁坏", category="fire"
    )
    assert followup.check_rechecked() == []
    # Writes that bypass the services (a bulk load, a hand-made fix) drift from the rule.
    Hazard.objects.filter(pk=hazard.pk).update(rechecked_at=None)
    Hazard.objects.filter(pk=open_one.pk).update(rechecked_at=timezone.now())
    assert followup.check_rechecked() == sorted([hazard.pk, open_one.pk])
    assert rechecks.refresh() == 2
    assert followup.check_rechecked() == []
    assert rollups.check() == []  # refresh's raw UPDATE rebuilt the re-checks rollup
    hazard.refresh_from_db()
    assert hazard.rechecked_at == check.inspected_at
