"""List endpoints cost a fixed number of queries, whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.accounts.models import RoleAssignment
from safecampus.accounts.roles import Role
from safecampus.config.api_urls import router
from safecampus.orgs import services
from tests import factories as f
from tests.api_helpers import Records, api, api_setup  # noqa: F401

# The token, the caller's roles, the count, the page, and one prefetch (roster or roles).
MAX_QUERIES = 5
# Aggregates whose figures take a few fixed grouped queries of their own (this year and last,
# the response marks) besides the list's; fixed all the same.
AGGREGATE_QUERIES = {"incident-stats": 8}
# Verdicts judge every rule of the catalogue: each evaluator loads its records in a few
# queries of its own (53 for the 50 rules when measured), never one per school.
AGGREGATE_QUERIES["verdicts"] = 70
# Drill compliance counts the schools, reads the page's with their first drills, then judges
# only those: their drills and their calendars.
AGGREGATE_QUERIES["drill-compliance"] = 6


def grow(world, count: int) -> None:
    """`count` more rows of every resource in county A, each with its related rows."""
    for _i in range(count):
        school = f.school(world.town_a)
        records = Records(school, f"q{school.pk}")
        extra = f.PersonFactory(org=school, department=world.police_a)
        services.group_set_members(
            group=records.group, by=None, members=[{"person": records.person}, {"person": extra}]
        )
        RoleAssignment.objects.create(
            user=records.user,
            role=Role.DEPARTMENT_LIAISON,
            org=world.town_a,
            department=world.police_a,
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("route", [prefix for prefix, _viewset, _basename in router.registry])
def test_list_query_count_does_not_grow_with_rows(world, route, django_assert_max_num_queries):
    admin = f.user_with_role(Role.SYSADMIN, world.county_a)
    client = api(admin)
    url = f"/api/v1/{route}/"
    grow(world, 2)
    few = queries(client, url)
    grow(world, 6)
    many = queries(client, url)
    assert many == few, (route, few, many)
    with django_assert_max_num_queries(AGGREGATE_QUERIES.get(route, MAX_QUERIES)):
        client.get(url, {"page_size": 100})


@pytest.mark.django_db
def test_me_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    user = f.user_with_role(Role.TEACHER, world.school_a1)
    for node in (world.school_a2, world.school_b1, world.town_a):
        RoleAssignment.objects.create(user=user, role=Role.INSPECTOR, org=node)
    client = api(user)
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/users/me/").status_code == 200
