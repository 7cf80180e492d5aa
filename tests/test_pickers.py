"""Choosing a school among thousands: above the limit a node field is a search box over its
own choices (orgs/pickers.py), answering only what the field offers and the user sees."""

import re

import pytest
from django.urls import reverse

from safecampus.hazards.models import Hazard
from safecampus.orgs import pickers
from tests import factories as f


def search_url(html: str) -> str:
    return (
        re.search(r'data-testid="node-search" hx-get="([^"]+)"', html)
        .group(1)
        .replace("&amp;", "&")
    )


@pytest.fixture
def few(monkeypatch):
    """A limit of one choice, so that a test world's county is "too many" for a menu."""
    monkeypatch.setattr(pickers, "LIMIT", 1)


@pytest.mark.django_db
def test_a_county_reports_a_hazard_by_searching_its_school(client, world, few):
    user = f.user_with_role("bureau_staff", world.county_a)
    client.force_login(user)
    page = client.get(reverse("hazards:report")).content.decode()
    select = re.search(r'<select name="school".*?</select>', page, re.S).group(0)
    assert world.school_a1.name not in select and 'hx-get="/hazards/' in select  # spots
    url = search_url(page)
    found = client.get(url, {"school-search": "冯记沟中心"}).content.decode()
    assert f'value="{world.school_a1.pk}"' in found and "冯记沟中心小学（冯记沟乡）" in found
    assert f'value="{world.school_a2.pk}"' not in found
    everything = client.get(url, {"school-search": ""}).content.decode()
    assert f'value="{world.school_a2.pk}"' in everything
    # Another county's school is never offered, whatever is typed.
    assert "豫海" not in client.get(url, {"school-search": "豫海"}).content.decode()
    # The school found is sent with the form, checked against the field's own choices.
    data = {"school": world.school_a1.pk, "category": "fire", "grade": "low", "description": "x"}
    assert client.post(reverse("hazards:report"), data).status_code == 302
    assert Hazard.objects.get().org_id == world.school_a1.pk
    # A form sent back with an error still shows the school chosen.
    data["description"] = ""
    page = client.post(reverse("hazards:report"), data).content.decode()
    select = re.search(r'<select name="school".*?</select>', page, re.S).group(0)
    assert f'value="{world.school_a1.pk}" selected' in select


@pytest.mark.django_db
def test_a_search_is_its_users_alone(client, world, few):
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    url = search_url(client.get(reverse("hazards:report")).content.decode())
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    assert client.get(url, {"school-search": "冯记沟"}).status_code == 404
    assert client.get("/orgs/pick/no-such-token/").status_code in (302, 404)


@pytest.mark.django_db
def test_a_few_choices_stay_a_menu(client, world):
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    page = client.get(reverse("hazards:report")).content.decode()
    assert 'data-testid="node-search"' not in page
    select = re.search(r'<select name="school".*?</select>', page, re.S).group(0)
    assert world.school_a1.name in select and world.school_a2.name in select
