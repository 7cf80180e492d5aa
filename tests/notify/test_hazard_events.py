"""Who hears of a hazard's events: by role, at the hazard's school or the levels above."""

import datetime

import pytest
from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.notify import hazard_events
from safecampus.notify.choices import Severity
from safecampus.notify.models import Notification
from tests import factories as f


@pytest.fixture
def people(world):
    return {
        "officer": f.user_with_role(Role.SAFETY_OFFICER, world.school_a1),
        "principal": f.user_with_role(Role.PRINCIPAL, world.school_a1),
        "teacher": f.user_with_role(Role.TEACHER, world.school_a1),
        "other_school": f.user_with_role(Role.SAFETY_OFFICER, world.school_a2),
        "town": f.user_with_role(Role.TOWNSHIP_OFFICER, world.town_a),
        "bureau": f.user_with_role(Role.BUREAU_STAFF, world.county_a),
        "other_bureau": f.user_with_role(Role.BUREAU_STAFF, world.county_b),
        "leader": f.user_with_role(Role.BUREAU_LEADER, world.county_a),
        "other_leader": f.user_with_role(Role.BUREAU_LEADER, world.county_b),
    }


def told(people, event=None) -> set[str]:
    qs = Notification.objects.all()
    if event:
        qs = qs.filter(event=event)
    names = {u.pk: name for name, u in people.items()}
    return {names[pk] for pk in qs.values_list("recipient_id", flat=True)}


def test_reported_general_hazard_goes_to_the_school_managers(people, world, make_hazard):
    hazard = make_hazard(world.school_a1, reported_by=people["teacher"])
    hazard_events.hazard_reported(hazard)
    assert told(people) == {"officer", "principal"}
    assert set(Notification.objects.values_list("severity", flat=True)) == {Severity.ROUTINE}


def test_reported_major_hazard_is_urgent_and_reaches_the_level_above(people, world, make_hazard):
    hazard = make_hazard(world.school_a1, grade="major", reported_by=people["officer"])
    hazard_events.hazard_reported(hazard)
    # The reporter is not told of their own report; the nearest level above is the township;
    # the county's leaders answer for a major hazard.
    assert told(people) == {"principal", "town", "leader"}
    assert set(Notification.objects.values_list("severity", flat=True)) == {Severity.URGENT}


def test_moves(people, world, make_hazard):
    hazard = make_hazard(world.school_a1, status="submitted")
    hazard.submitted_by = people["teacher"]
    hazard_events.hazard_moved(hazard, "submit", people["teacher"])
    assert told(people, "hazard.submit") == {"officer", "principal"}

    hazard_events.hazard_moved(hazard, "reject", people["officer"], comment="照片不清楚")
    assert told(people, "hazard.reject") == {"teacher", "principal"}
    assert "照片不清楚" in Notification.objects.filter(event="hazard.reject").first().body

    hazard.handler = world.town_a
    hazard_events.hazard_moved(hazard, "escalate", people["principal"], comment="需要资金")
    assert told(people, "hazard.escalate") == {"town"}

    hazard_events.hazard_moved(hazard, "accept", people["officer"])
    assert told(people, "hazard.accept") == {"teacher"}


def test_overdue_ladder_tells_the_principal_and_the_bureau_once(people, world, make_hazard):
    today = timezone.localdate()
    hazard = make_hazard(
        world.school_a1, status="rectifying", deadline=today - datetime.timedelta(days=30)
    )
    make_hazard(world.school_b1, status="closed", deadline=today - datetime.timedelta(days=30))
    created = hazard_events.escalate_and_notify(today=today)
    assert {s.step for s in created} == {"reminder", "notice", "warning", "circular"}
    # Four steps at once (nobody ran the job for a month): one message each, the highest step;
    # the circular is the leaders' act.
    assert Notification.objects.count() == 3
    assert told(people) == {"principal", "bureau", "leader"}
    assert set(Notification.objects.values_list("event", flat=True)) == {"hazard.overdue.circular"}
    # Running again changes nothing.
    assert hazard_events.escalate_and_notify(today=today) == []
    assert Notification.objects.count() == 3
    assert hazard.number in Notification.objects.first().title
