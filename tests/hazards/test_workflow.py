"""The hazard workflow: every legal and illegal move, who may make it, separation of duties."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safecampus.core.errors import ConflictError, NotAllowed
from safecampus.core.models import AuditEntry
from safecampus.hazards import services
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard, HazardTransition
from safecampus.hazards.workflow import MOVES
from tests import factories as f
from tests.hazards.helpers import photo


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "principal": f.user_with_role("principal", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "township": f.user_with_role("township_officer", world.town_a),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "observer": f.user_with_role("observer", world.city),
        "responsible": f.PersonFactory(org=world.school_a1, name="张宏建", post="总务主任"),
    }


def report(world, people, **kw):
    return services.hazard_report(
        school=world.school_a1,
        by=people["teacher"],
        description="二楼走廊灭火器过期",
        category="fire",
        **kw,
    )


def move(hazard, action, by, **kw):
    hazard = Hazard.objects.get(pk=hazard.pk)
    return services.hazard_move(
        hazard=hazard, action=action, by=by, expected_version=hazard.version, **kw
    )


def confirm(hazard, people, by="safety"):
    return move(
        hazard,
        "confirm",
        people[by],
        data={
            "grade": Grade.GENERAL,
            "responsible_person": people["responsible"],
            "measures": "更换灭火器",
        },
    )


@pytest.mark.django_db
def test_numbers_are_per_county_and_year(world, people):
    first = report(world, people)
    second = report(world, people)
    other = services.hazard_report(
        school=world.school_b1,
        by=f.user_with_role("safety_officer", world.school_b1),
        description="围墙破损",
        category="building",
    )
    year = timezone.localdate().year
    assert first.number == f"盐池-{year}-000001" and second.number == f"盐池-{year}-000002"
    assert other.number == f"同心-{year}-000001"


@pytest.mark.django_db
def test_the_whole_loop_with_evidence_and_trail(world, people):
    hazard = report(world, people)
    assert hazard.status == Status.REPORTED
    hazard = confirm(hazard, people)
    assert hazard.status == Status.RECTIFYING
    assert hazard.deadline == timezone.localdate() + datetime.timedelta(days=7)
    hazard = move(
        hazard, "submit", people["teacher"], data={"rectification": "已更换"}, photos=[photo()]
    )
    assert hazard.status == Status.SUBMITTED
    hazard = move(hazard, "accept", people["principal"])
    assert hazard.status == Status.CLOSED and hazard.closed_at and hazard.recheck_on
    moves = list(
        HazardTransition.objects.filter(hazard=hazard).values_list(
            "action", "from_status", "to_status"
        )
    )
    assert moves == [
        ("confirm", "reported", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("accept", "submitted", "closed"),
    ]
    submit = HazardTransition.objects.get(hazard=hazard, action="submit")
    assert len(submit.evidence["photos"]) == 1
    assert AuditEntry.objects.filter(object_id=str(hazard.pk), action="transition").count() == 3


@pytest.mark.django_db
def test_whoever_submitted_cannot_accept(world, people):
    hazard = confirm(report(world, people), people)
    hazard = move(
        hazard, "submit", people["safety"], data={"rectification": "已更换"}, photos=[photo()]
    )
    with pytest.raises(NotAllowed):
        move(hazard, "accept", people["safety"])
    assert Hazard.objects.get(pk=hazard.pk).status == Status.SUBMITTED
    assert move(hazard, "accept", people["principal"]).status == Status.CLOSED


def legal_sources(action):
    return set(MOVES[action].sources)


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(MOVES))
@pytest.mark.parametrize("status", list(Status.values))
def test_every_move_from_every_state(world, people, action, status):
    """Legal moves go where the table says; illegal ones are refused and change nothing."""
    hazard = report(world, people)
    Hazard.objects.filter(pk=hazard.pk).update(status=status)
    data = {
        "grade": Grade.GENERAL,
        "responsible_person": people["responsible"],
        "measures": "m",
        "rectification": "r",
        "no_photo_reason": "n/a",
    }
    by = f.UserFactory(is_superuser=True)
    before = HazardTransition.objects.count()
    if status in legal_sources(action):
        moved = move(hazard, action, by, data=data, comment="why")
        assert moved.status == MOVES[action].target
        assert HazardTransition.objects.count() == before + 1
    else:
        with pytest.raises(ValidationError):
            move(hazard, action, by, data=data, comment="why")
        assert Hazard.objects.get(pk=hazard.pk).status == status
        assert HazardTransition.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        ("teacher", "confirm", False),
        ("safety", "confirm", True),
        ("observer", "confirm", False),
        ("outsider", "confirm", False),
        ("township", "confirm", True),
        ("safety", "take_over", False),
        ("township", "take_over", True),
        ("bureau", "return", True),
        ("principal", "escalate", True),
        ("teacher", "escalate", False),
    ],
)
def test_who_may_make_which_move(world, people, who, action, allowed):
    hazard = report(world, people)
    status = {"take_over": Status.ESCALATED, "return": Status.ESCALATED}.get(
        action, Status.REPORTED
    )
    Hazard.objects.filter(pk=hazard.pk).update(status=status)
    data = {"grade": Grade.GENERAL, "responsible_person": people["responsible"], "measures": "m"}
    if allowed:
        move(hazard, action, people[who], data=data, comment="原因")
    else:
        with pytest.raises(NotAllowed):
            move(hazard, action, people[who], data=data, comment="原因")


@pytest.mark.django_db
def test_missing_evidence_is_named_and_nothing_changes(world, people):
    hazard = report(world, people)
    with pytest.raises(ValidationError) as err:
        move(hazard, "confirm", people["safety"], data={"grade": Grade.GENERAL})
    assert {"responsible_person", "measures"} <= set(err.value.message_dict)
    assert Hazard.objects.get(pk=hazard.pk).status == Status.REPORTED
    hazard = confirm(hazard, people)
    with pytest.raises(ValidationError) as err:
        move(hazard, "submit", people["safety"], data={"rectification": "done"})
    assert "photos" in err.value.message_dict


@pytest.mark.django_db
def test_a_major_hazard_needs_a_plan(world, people):
    hazard = report(world, people)
    with pytest.raises(ValidationError) as err:
        move(
            hazard,
            "confirm",
            people["safety"],
            data={
                "grade": Grade.MAJOR,
                "responsible_person": people["responsible"],
                "measures": "停用",
            },
        )
    assert "plan" in err.value.message_dict


@pytest.mark.django_db
def test_a_stale_move_is_a_conflict(world, people):
    hazard = report(world, people)
    stale = Hazard.objects.get(pk=hazard.pk)
    confirm(hazard, people)
    with pytest.raises((ConflictError, ValidationError)):
        services.hazard_move(
            hazard=stale,
            action="escalate",
            by=people["principal"],
            expected_version=stale.version,
            comment="x",
        )
    assert Hazard.objects.get(pk=hazard.pk).status == Status.RECTIFYING


@pytest.mark.django_db
def test_escalation_ladder_under_a_controlled_clock(world, people):
    hazard = confirm(report(world, people), people)
    deadline = Hazard.objects.get(pk=hazard.pk).deadline
    assert services.escalate_overdue(today=deadline) == []
    steps = services.escalate_overdue(today=deadline + datetime.timedelta(days=1))
    assert [s.step for s in steps] == ["reminder"]
    steps = services.escalate_overdue(today=deadline + datetime.timedelta(days=12))
    assert [s.step for s in steps] == ["notice", "warning"]
    assert services.escalate_overdue(today=deadline + datetime.timedelta(days=12)) == []
    steps = services.escalate_overdue(today=deadline + datetime.timedelta(days=40))
    assert [s.step for s in steps] == ["circular"]
