"""Search shows only what the pages would: nothing across schools or counties."""

import pytest
from django.urls import reverse

from tests import factories as f


@pytest.fixture
def people(world):
    f.PersonFactory(org=world.school_a1, name="杨志国", post="校长")
    f.PersonFactory(org=world.school_b1, name="杨明", post="校长")
    f.PersonFactory(org=world.school_a2, name="杨芳", post="园长")


@pytest.mark.django_db
def test_school_user_finds_only_their_school(client, world, people):
    client.force_login(f.user_with_role("principal", world.school_a1))
    html = client.get(reverse("search"), {"q": "杨"}).content.decode()
    assert "杨志国" in html
    assert "杨明" not in html and "杨芳" not in html


@pytest.mark.django_db
def test_county_user_finds_their_county_not_the_other(client, world, people):
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    html = client.get(reverse("search"), {"q": "杨"}).content.decode()
    assert "杨志国" in html and "杨芳" in html
    assert "杨明" not in html
    assert "豫海中学" not in client.get(reverse("search"), {"q": "中学"}).content.decode()


@pytest.mark.django_db
def test_search_by_phone(client, world):
    f.PersonFactory(org=world.school_a1, name="马莉", phone="13812345678")
    client.force_login(f.user_with_role("safety_officer", world.school_a1))
    assert "马莉" in client.get(reverse("search"), {"q": "1381234"}).content.decode()
