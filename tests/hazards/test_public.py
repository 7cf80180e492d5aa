"""Reports by anyone: a school's public link, the phone form without an account, CSRF, the
rate limit per address, review before the ledger, and the staff's QR poster."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from safecampus.core.attachments import photos_of
from safecampus.hazards import public, services
from safecampus.hazards.choices import Source, Status
from safecampus.hazards.models import Hazard
from tests import factories as f
from tests.hazards.helpers import photo


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _form(**kw):
    data = {
        "description": "操场东侧围墙有裂缝",
        "category": "building",
        "place": "操场东侧",
        "reporter_name": "王女士",
        "reporter_phone": "13900000000",
    }
    data.update(kw)
    return data


def test_the_token_is_stable_and_unguessable(world):
    token = public.school_token(world.school_a1)
    assert token == public.school_token(world.school_a1)
    assert token != public.school_token(world.school_a2)
    assert public.school_for_token(token) == world.school_a1
    forged = token.split(":")[0] + ":" + "x" * 20
    assert public.school_for_token(forged) is None
    assert public.school_for_token(str(world.school_a1.pk)) is None
    # a region's id signed the same way is no school
    assert public.school_for_token(public._signer().sign(str(world.county_a.pk))) is None


def test_anyone_reports_without_an_account_and_it_awaits_review(world, client):
    url = public.report_path(world.school_a1)
    page = client.get(url)
    assert page.status_code == 200
    assert world.school_a1.name in page.content.decode()
    response = client.post(url, {**_form(), "photos": photo()})
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.org == world.school_a1
    assert hazard.status == Status.PENDING_REVIEW
    assert hazard.source == Source.PUBLIC
    assert hazard.reported_by is None
    assert hazard.reporter_name == "王女士" and hazard.reporter_phone == "13900000000"
    assert "操场东侧" in hazard.description and "裂缝" in hazard.description
    assert photos_of(hazard).count() == 1
    thanks = client.get(response["Location"])
    assert hazard.number in thanks.content.decode()

    # reviewed before it enters the ledger: the school's safety officer admits it
    officer = f.user_with_role("safety_officer", world.school_a1)
    services.hazard_move(hazard=hazard, action="admit", by=officer)
    hazard.refresh_from_db()
    assert hazard.status == Status.REPORTED


def test_name_phone_and_photo_are_optional_the_description_is_not(world, client):
    url = public.report_path(world.school_a1)
    response = client.post(url, _form(reporter_name="", reporter_phone="", place=""))
    assert response.status_code == 302
    bad = client.post(url, _form(description=""))
    assert bad.status_code == 200
    assert Hazard.objects.count() == 1


def test_a_bad_token_is_404(world, client):
    assert client.get("/report/nope/").status_code == 404
    assert client.post("/report/12:abc/", _form()).status_code == 404


def test_the_post_is_csrf_protected(world):
    client = Client(enforce_csrf_checks=True)
    url = public.report_path(world.school_a1)
    assert client.post(url, _form()).status_code == 403
    client.get(url)
    token = client.cookies["csrftoken"].value
    assert client.post(url, {**_form(), "csrfmiddlewaretoken": token}).status_code == 302
    assert Hazard.objects.count() == 1


def test_reports_are_rate_limited_per_address(world, client):
    url = public.report_path(world.school_a1)
    for _ in range(public.PER_IP):
        assert client.post(url, _form(), REMOTE_ADDR="10.0.0.1").status_code == 302
    refused = client.post(url, _form(), REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    assert "稍后再试" in refused.content.decode() or "Too many" in refused.content.decode()
    assert Hazard.objects.count() == public.PER_IP
    # another address still may, at another school too
    assert client.post(url, _form(), REMOTE_ADDR="10.0.0.2").status_code == 302


def test_reports_are_rate_limited_per_school(world, client, monkeypatch):
    monkeypatch.setattr(public, "PER_SCHOOL", 2)
    url = public.report_path(world.school_a1)
    assert client.post(url, _form(), REMOTE_ADDR="10.0.1.1").status_code == 302
    assert client.post(url, _form(), REMOTE_ADDR="10.0.1.2").status_code == 302
    assert client.post(url, _form(), REMOTE_ADDR="10.0.1.3").status_code == 429
    other = public.report_path(world.school_a2)
    assert client.post(other, _form(), REMOTE_ADDR="10.0.1.3").status_code == 302


def test_the_poster_is_for_staff_in_scope(world, client):
    officer = f.user_with_role("safety_officer", world.school_a1)
    poster = reverse("hazard_public:poster")
    assert client.get(poster).status_code == 302  # login
    client.force_login(officer)
    page = client.get(poster)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and public.report_path(world.school_a1) in body
    assert client.get(f"{poster}?school={world.school_b1.pk}").status_code == 404
    bureau = f.user_with_role("bureau_staff", world.county_a)
    client.force_login(bureau)
    assert client.get(poster).status_code == 404  # several schools: choose one
    page = client.get(f"{poster}?school={world.school_a2.pk}")
    assert public.report_path(world.school_a2) in page.content.decode()
    assert client.get(f"{poster}?school={world.county_a.pk}").status_code == 404


def test_the_spots_page_links_to_the_poster(world, client):
    """Staff find the poster where they print the spots' QR sheet."""
    client.force_login(f.user_with_role("safety_officer", world.school_a1))
    body = client.get(reverse("hazards:spots")).content.decode()
    link = f"{reverse('hazard_public:poster')}?school={world.school_a1.pk}"
    assert link in body
    assert client.get(link).status_code == 200
