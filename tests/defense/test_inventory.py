"""The inventory's history and its verifications: every save a new snapshot, the state on a
past day readable, a declaration that comes after someone else's refused, and the figures'
standing (declared or verified, when, by whom) as the bureau reads it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.models import AuditEntry
from safecampus.defense import selectors, services
from safecampus.defense.models import InventorySnapshot, Outcome, Source, Verification
from tests import factories as f
from tests.defense.factories import GOOD, declared, verified

D = datetime.date


@pytest.fixture
def principal(world):
    return f.user_with_role("principal", world.school_a1)


@pytest.fixture
def inspector(world):
    return f.user_with_role("inspector", world.school_a1)


@pytest.mark.django_db
def test_each_save_is_a_new_snapshot_and_a_past_day_reads_the_state_then(world, principal):
    first = declared(
        world.school_a1, D(2026, 3, 2), by=principal, guards=1, guards_trained=1, guards_certified=1
    )
    declared(world.school_a1, D(2026, 5, 10), by=principal, guards=3, guards_trained=2)
    first.refresh_from_db()
    assert first.guards == 1 and first.version == 1  # never edited in place
    assert InventorySnapshot.objects.filter(org=world.school_a1).count() == 2

    def on(day):
        return selectors.state_on(principal, world.school_a1, day)

    assert on(D(2026, 3, 1)) is None  # nothing recorded yet
    assert on(D(2026, 3, 2)).guards == 1
    assert on(D(2026, 5, 9)).guards == 1
    assert on(D(2026, 5, 10)).guards == 3
    in_force = selectors.in_force(InventorySnapshot.objects.all(), D(2026, 4, 1))
    assert [s.pk for s in in_force] == [first.pk]


@pytest.mark.django_db
def test_a_partial_update_keeps_the_other_figures_and_no_canteen_clears_its_figures(
    world, principal
):
    declared(world.school_a1, by=principal)
    snap = declared(world.school_a1, by=principal, has_canteen=False)
    assert snap.guards == GOOD["guards"] and snap.alarm_networked
    assert not snap.canteen_6t and not snap.open_kitchen and not snap.open_kitchen_online


@pytest.mark.django_db
def test_a_first_declaration_needs_every_figure(world, principal):
    with pytest.raises(ValidationError) as exc:
        services.inventory_declare(school=world.school_a1, by=principal, figures={"guards": 2})
    assert "gate_hours" in exc.value.message_dict
    assert not InventorySnapshot.objects.exists()


@pytest.mark.django_db
def test_a_stale_edit_is_refused_and_changes_nothing(world, principal):
    first = declared(world.school_a1, by=principal)
    declared(world.school_a1, by=principal, guards=3, guards_trained=2, guards_certified=2)
    with pytest.raises(ConflictError):
        services.inventory_declare(
            school=world.school_a1, by=principal, figures={"guards": 1}, based_on=first
        )
    assert InventorySnapshot.objects.count() == 2


@pytest.mark.django_db
def test_impossible_figures_are_refused_in_the_users_language(world, principal):
    declared(world.school_a1, by=principal)
    with pytest.raises(ValidationError) as exc:
        declared(world.school_a1, by=principal, guards=1, guards_trained=2)
    assert "guards_trained" in exc.value.message_dict
    assert "不能超过" in exc.value.message_dict["guards_trained"][0]
    assert InventorySnapshot.objects.count() == 1


@pytest.mark.django_db
def test_a_teacher_cannot_declare_and_a_school_cannot_verify_itself(world, principal):
    teacher = f.user_with_role("teacher", world.school_a1)
    with pytest.raises(NotAllowed):
        declared(world.school_a1, by=teacher)
    declared(world.school_a1, by=principal)
    with pytest.raises(NotAllowed):
        verified(world.school_a1, principal, guards=2)
    outsider = f.user_with_role("bureau_staff", world.county_b)
    with pytest.raises(NotAllowed):
        verified(world.school_a1, outsider, guards=2)
    assert not Verification.objects.exists()


@pytest.mark.django_db
def test_an_inspector_confirms_and_corrects_figures_in_one_audited_step(
    world, principal, inspector
):
    declared(world.school_a1, D(2026, 3, 2), by=principal)
    before = AuditEntry.objects.count()
    rows, correction = verified(
        world.school_a1, inspector, D(2026, 4, 8), guards=2, alarm_networked=False
    )
    assert {r.figure: r.outcome for r in rows} == {
        "guards": Outcome.CONFIRMED,
        "alarm_networked": Outcome.CORRECTED,
    }
    assert correction.source == Source.VERIFIED and not correction.alarm_networked
    assert correction.guards == 2 and correction.recorded_by == inspector
    assert AuditEntry.objects.count() == before + 1
    corrected = Verification.objects.get(figure="alarm_networked")
    assert corrected.recorded_value is True and corrected.found_value is False
    assert corrected.verifier_role == "inspector" and corrected.correction == correction


@pytest.mark.django_db
def test_a_police_check_that_finds_everything_true_confirms_without_a_new_snapshot(world):
    police = f.user_with_role("department_liaison", world.town_a, department=world.police_a)
    snap = declared(world.school_a1)
    rows, correction = verified(world.school_a1, police, alarm_installed=True, guards=2)
    assert correction is None
    assert InventorySnapshot.objects.count() == 1
    assert all(r.snapshot == snap and r.outcome == Outcome.CONFIRMED for r in rows)
    assert rows[0].verifier_unit == "冯记沟派出所"
    assert AuditEntry.objects.filter(transition="verify", object_id=str(snap.pk)).count() == 1


@pytest.mark.django_db
def test_each_figure_says_when_and_by_whom_it_was_last_verified(world, principal, inspector):
    declared(world.school_a1, D(2026, 3, 2), by=principal)
    verified(world.school_a1, inspector, D(2026, 4, 8), guards=2, alarm_networked=False)
    # The school then hires a guard: the figure is declared again, its last check still shown.
    declared(
        world.school_a1,
        D(2026, 5, 1),
        by=principal,
        guards=3,
        guards_trained=3,
        guards_certified=3,
    )
    snapshots = list(InventorySnapshot.objects.order_by("recorded_at", "id"))
    checks = list(Verification.objects.order_by("verified_at", "id"))
    states = {s.figure.name: s for s in selectors.figure_states(snapshots, checks)}
    assert states["alarm_networked"].verified and states["alarm_networked"].value is False
    assert not states["guards"].verified and states["guards"].value == 3
    assert states["guards"].last.found_value == 2
    assert states["guards"].last.verified_by == inspector
    assert not states["gate_hours"].verified and states["gate_hours"].last is None
    last = selectors.last_verified(Verification.objects.all())
    assert last[world.school_a1.pk]["at"].date() == D(2026, 4, 8)
    assert inspector.display_name in last[world.school_a1.pk]["by"]


@pytest.mark.django_db
def test_an_inspection_of_another_school_cannot_back_a_verification(world, inspector):
    from tests.defense.test_pages import police_inspection

    declared(world.school_a1)
    other = police_inspection(world.school_a2, f.user_with_role("safety_officer", world.school_a2))
    with pytest.raises(ValidationError):
        verified(world.school_a1, inspector, inspection=other, guards=2)
    assert not Verification.objects.exists()
