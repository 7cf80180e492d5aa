"""The hazard lists cost a fixed number of queries, whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safecampus.hazards import services
from safecampus.hazards.models import Schedule, Spot
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401
from tests.hazards.helpers import checklist

ROUTES = ["hazards", "inspections", "spots", "checklist-templates", "schedules", "due-inspections"]


def grow(world, user, person, count: int) -> None:
    """`count` more rows of each hazard resource at fresh schools of county A."""
    for _i in range(count):
        school = f.school(world.town_a)
        spot = Spot.objects.create(org=school, name="食堂")
        version = checklist(org=school)
        schedule = Schedule.objects.create(
            org=school,
            title="每周",
            template=version.template,
            rhythm="weekly",
            starts_on=timezone.localdate(),
        )
        schedule.spots.set([spot])
        inspection = services.inspection_submit(
            school=school,
            by=user,
            checklist=version,
            signed_name="王",
            spots=[spot],
            answers=[
                {"item": item, "answer": "abnormal", "note": "坏了", "spot": spot}
                for item in version.items.all()
            ],
        )
        hazard = inspection.hazards.first()
        hazard = services.hazard_move(
            hazard=hazard,
            action="confirm",
            by=user,
            data={"grade": "general", "responsible_person": person, "measures": "修"},
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_list_query_count_does_not_grow_with_rows(world, route):
    user = f.user_with_role("bureau_staff", world.county_a)
    person = f.PersonFactory(org=world.county_a)
    client = api(user)
    url = f"/api/v1/{route}/"
    grow(world, user, person, 2)
    few = queries(client, url)
    grow(world, user, person, 5)
    many = queries(client, url)
    assert many == few, (route, few, many)
