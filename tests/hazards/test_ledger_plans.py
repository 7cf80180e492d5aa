"""The ledger's first page is read off an index in the list's order, never by sorting the
region's rows: at province scale a sort of a province's million hazards took 1.3 s on SQLite
(docs/performance.md). SQLite's planner decides by rules, not by row counts, so its plan for
the page's own query is the same here as on a loaded province; PostgreSQL's depends on the
table's statistics and is measured by `safecampus bench` instead."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safecampus.hazards.models import Hazard
from tests import factories as f

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's rule-based plans"),
]


def _page_plan(client, user) -> str:
    """EXPLAIN QUERY PLAN of the query that fetched the ledger page's rows."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("hazards:ledger"))
    assert response.status_code == 200
    (sql,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "hazards_hazard"' in q["sql"]
        and "ORDER BY" in q["sql"]
        and "LIMIT" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _index_names() -> set[str]:
    return {index.name for index in Hazard._meta.indexes}


@pytest.mark.parametrize(
    "level, index",
    [
        ("province", "hazard_found_idx"),
        ("county_a", "hazard_rg_found_at_idx"),
        ("school_a1", "hazard_rg_found_at_idx"),
    ],
)
def test_the_first_page_is_read_in_order_off_an_index(client, world, level, index):
    assert index in _index_names()
    plan = _page_plan(client, f.user_with_role("bureau_staff", getattr(world, level)))
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_provinces_todo_counts_are_found_by_state_not_by_path(world):
    """`by_other_filters()`: a province's to-do counts read the few hazards in a state or
    handled at the province by those indexes; by the path they read all the province's
    (163 ms → 6 ms at 20,000 schools). The same rows either way: tests/test_scoping.py."""
    from safecampus.hazards.ledger import todo_items

    user = f.user_with_role("bureau_staff", world.province)
    with CaptureQueriesContext(connection) as captured:
        todo_items(user)
    (sql,) = [q["sql"] for q in captured.captured_queries if 'AS "confirm"' in q["sql"]]
    assert '+"hazards_hazard"."org_path"' in sql
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "org_path" not in plan and "hazard_path_status_idx" not in plan, plan
