"""Read replicas (level 3 of docs/deployment.md): the dashboard's and reports' reads go to a
replica when DATABASE_REPLICA_URLS names one; writes, and every read that could miss a write
of the same person, stay on the primary."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.config.db_router import PIN_COOKIE, ReplicaMiddleware, use_replica
from safecampus.hazards import services
from safecampus.hazards.models import Hazard
from safecampus.notify.models import PeriodicRun
from tests import factories as f

ROUTER = "safecampus.config.db_router.ReplicaRouter"
MIDDLEWARE = "safecampus.config.db_router.ReplicaMiddleware"


def settings_of(**environ) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    clean.update({"DATABASE_URL": "postgres://app@pg-primary:5432/safecampus", **environ})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, safecampus.config.settings as s; print(json.dumps({"
            "'databases': s.DATABASES, 'replicas': s.DATABASE_REPLICAS, "
            "'routers': getattr(s, 'DATABASE_ROUTERS', []), 'first': s.MIDDLEWARE[0]}))",
        ],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
    )


def test_replica_urls_become_aliases_mirrored_in_tests_with_the_router_on():
    result = settings_of(
        DATABASE_REPLICA_URLS=(
            "postgres://reader@pg-replica-1:5432/safecampus, postgres://reader@pg-replica-2/safecampus"
        )
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["replicas"] == ["replica_1", "replica_2"]
    replica = found["databases"]["replica_1"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "pg-replica-1",
        "reader",
        "safecampus",
    )
    assert found["databases"]["replica_2"]["HOST"] == "pg-replica-2"
    assert replica["TEST"] == {"MIRROR": "default"}  # tests read the primary's test database
    assert found["routers"] == [ROUTER]
    assert found["first"] == MIDDLEWARE


def test_without_replicas_there_is_no_router():
    result = settings_of()
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["replicas"] == [] and found["routers"] == []
    assert list(found["databases"]) == ["default"]
    assert found["first"] != MIDDLEWARE


def test_a_bad_replica_url_stops_startup_naming_the_variable():
    result = settings_of(DATABASE_REPLICA_URLS="mysql://reader@db/safecampus")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS='mysql://reader@db/safecampus'" in result.stderr


# ------------------------------------------------------------------------ the routing rules


@pytest.fixture
def replicas(settings):
    settings.DATABASE_REPLICAS = ["replica_1", "replica_2"]
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.DATABASE_REPLICA_PIN_SECONDS = 10
    return settings.DATABASE_REPLICAS


def through_middleware(method="get", cookies=None, view=None):
    """Run `view(request)` inside the middleware as a request would; returns the response."""
    request = getattr(RequestFactory(), method)("/")
    request.COOKIES.update(cookies or {})
    return ReplicaMiddleware(view)(request)


def test_marked_reads_go_to_one_replica_and_unmarked_reads_to_the_primary(replicas):
    assert Hazard.objects.all().db == "default"
    with use_replica():
        chosen = Hazard.objects.all().db
        assert chosen in replicas
        assert PeriodicRun.objects.all().db == chosen  # one page, one snapshot
    assert Hazard.objects.all().db == "default"


def test_writes_go_to_the_primary_even_inside_a_marked_block(replicas):
    with use_replica():
        assert router.db_for_write(Hazard) == "default"
        assert Hazard.objects.select_for_update().db == "default"


def test_read_after_write_in_a_request_stays_on_the_primary(replicas):
    seen = []

    def view(request):
        with use_replica():
            seen.append(Hazard.objects.all().db)
            router.db_for_write(PeriodicRun)  # what Django asks before any save or update
            seen.append(Hazard.objects.all().db)
        return HttpResponse()

    through_middleware(view=view)
    assert seen[0] in replicas and seen[1] == "default"

    def next_view(request):  # the next request starts afresh
        with use_replica():
            seen.append(Hazard.objects.all().db)
        return HttpResponse()

    through_middleware(view=next_view)
    assert seen[2] in replicas


def test_a_request_that_writes_pins_its_browser_to_the_primary_for_a_while(replicas):
    def writes(request):
        router.db_for_write(Hazard)
        return HttpResponse()

    pinned = through_middleware(method="post", view=writes).cookies[PIN_COOKIE]
    assert pinned["max-age"] == 10 and pinned["httponly"]

    seen = []

    def reads(request):
        with use_replica():
            seen.append(Hazard.objects.all().db)
        return HttpResponse()

    through_middleware(cookies={PIN_COOKIE: "1"}, view=reads)
    through_middleware(view=reads)
    assert seen[0] == "default" and seen[1] in replicas


def test_saving_the_session_does_not_pin(replicas):
    from django.contrib.sessions.models import Session

    def view(request):
        router.db_for_write(Session)  # saved on every request (SESSION_SAVE_EVERY_REQUEST)
        return HttpResponse()

    assert PIN_COOKIE not in through_middleware(view=view).cookies


def test_an_unsafe_request_reads_the_primary(replicas):
    seen = []

    def view(request):
        with use_replica():
            seen.append(Hazard.objects.all().db)
        return HttpResponse()

    through_middleware(method="post", view=view)
    assert seen == ["default"]


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary(replicas):
    with transaction.atomic(), use_replica():
        assert Hazard.objects.all().db == "default"


def test_migrations_run_on_the_primary_only(replicas):
    assert router.allow_migrate("replica_1", "hazards", model_name="hazard") is False
    assert router.allow_migrate("default", "hazards", model_name="hazard") is True


def test_without_replicas_use_replica_changes_nothing(settings):
    settings.DATABASE_REPLICAS = []
    settings.DATABASE_ROUTERS = [ROUTER]
    with use_replica():
        assert Hazard.objects.all().db == "default"


# ------------------------------------------------------------------------ through the pages


@pytest.fixture
def replica_connection(transactional_db, replicas, settings):
    """replica_1: a second Django connection over the primary's database session (the test
    database has no standby). Outside a test transaction, so the router may choose it; the
    queries each connection ran show where a page read from."""
    settings.DATABASE_REPLICAS = ["replica_1"]
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    primary = connections["default"]
    primary.ensure_connection()
    replica = primary.copy("replica_1")
    replica.connection = primary.connection
    connections["replica_1"] = replica
    try:
        yield replica
    finally:
        replica.connection = None  # the session is the primary's to close
        del connections["replica_1"]


def test_the_dashboard_reads_from_the_replica_and_the_ledger_from_the_primary(
    replica_connection, client, world
):
    teacher = f.user_with_role("teacher", world.school_a1)
    for text in ("二楼走廊灭火器过期", "操场围栏破损"):
        services.hazard_report(
            school=world.school_a1, by=teacher, description=text, category="fire"
        )
    client.force_login(f.user_with_role("bureau_staff", world.county_a))

    with (
        CaptureQueriesContext(replica_connection) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        page = client.get(reverse("hazard_dashboard:node", args=[world.county_a.pk]))
    assert page.status_code == 200
    assert page.context["total"]["fig"]["open"] == 2  # read on the replica, and right
    aggregates = [q["sql"] for q in on_replica.captured_queries if "hazards_hazard" in q["sql"]]
    assert aggregates, "the dashboard's figures were not read on the replica"
    assert not [q for q in on_primary.captured_queries if "hazards_hazard" in q["sql"]]

    with (
        CaptureQueriesContext(replica_connection) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        ledger = client.get(reverse("hazards:ledger"))
    assert ledger.status_code == 200
    assert on_replica.captured_queries == []  # an unmarked page reads the primary
    assert [q for q in on_primary.captured_queries if "hazards_hazard" in q["sql"]]
