"""Two people acting on one hazard at once: one wins, the other gets a conflict (409).

Each thread has its own database connection (Django's connections are per thread), loads
the same version of the hazard, and posts its move at the same moment. On PostgreSQL the
loser's conditional UPDATE waits for the winner's row lock and then matches no row; on SQLite
(immediate transactions, a busy timeout) the loser's transaction queues behind the winner's
and its UPDATE likewise matches no row. Either way: one 200, one 409, one transition.
"""

import threading

import pytest
from django.db import connections

from safecampus.core.errors import ConflictError
from safecampus.hazards import services
from safecampus.hazards.models import Hazard, HazardTransition
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401


def run_together(*jobs):
    """Run the jobs in threads released by one barrier; return their results in order.

    A job may take the barrier's `wait` to meet the other threads again at a point of its
    own (after loading a record, say)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def runner(index, job):
        try:
            barrier.wait(timeout=10)
            results[index] = job(lambda: barrier.wait(timeout=10))
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def scene(world):
    safety = f.user_with_role("safety_officer", world.school_a1)
    principal = f.user_with_role("principal", world.school_a1)
    person = f.PersonFactory(org=world.school_a1)
    hazard = services.hazard_report(
        school=world.school_a1, by=safety, description="灭火器过期", category="fire"
    )
    return {"safety": safety, "principal": principal, "person": person, "hazard": hazard}


@pytest.mark.django_db(transaction=True)
def test_two_api_moves_at_once_one_wins_one_conflicts(scene):
    hazard = scene["hazard"]
    url = f"/api/v1/hazards/{hazard.pk}/actions/"
    confirm = {
        "action": "confirm",
        "version": hazard.version,
        "grade": "general",
        "responsible_person": scene["person"].pk,
        "measures": "更换",
    }
    escalate = {"action": "escalate", "version": hazard.version, "comment": "需要协调"}
    clients = [api(scene["safety"]), api(scene["principal"])]  # tokens made before the race

    answers = run_together(
        lambda _meet: clients[0].post(url, confirm, format="json"),
        lambda _meet: clients[1].post(url, escalate, format="json"),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.content for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert "version" in loser.json()
    hazard.refresh_from_db()
    assert hazard.version == 2
    assert HazardTransition.objects.filter(hazard=hazard).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_service_moves_on_the_same_loaded_version(scene):
    """The race at the database itself: both threads pass every check on the same version."""
    pk = scene["hazard"].pk

    def move(action, by, **kw):
        def job(meet):
            hazard = Hazard.objects.get(pk=pk)
            meet()  # both threads hold the same version before either moves
            return services.hazard_move(
                hazard=hazard, action=action, by=by, expected_version=hazard.version, **kw
            )

        return job

    results = run_together(
        move(
            "confirm",
            scene["safety"],
            data={"grade": "general", "responsible_person": scene["person"], "measures": "更换"},
        ),
        move("escalate", scene["principal"], comment="需要协调"),
    )
    winners = [r for r in results if isinstance(r, Hazard)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, results
    fresh = Hazard.objects.get(pk=pk)
    assert fresh.status == winners[0].status and fresh.version == 2
    assert HazardTransition.objects.filter(hazard_id=pk).count() == 1
