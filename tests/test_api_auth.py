"""API login: a token for a username or phone and password, lockout, throttling, sessions."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401

URL = "/api/v1/auth/token/"


@pytest.fixture
def teacher(world):
    return f.user_with_role(Role.TEACHER, world.school_a1, username="liwei", phone="13900001111")


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["liwei", "13900001111"])
def test_token_for_username_or_phone_then_token_header_works(teacher, login):
    response = api().post(URL, {"username": login, "password": f.PASSWORD})
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    assert Token.objects.get(user=teacher).key == key
    assert AuditEntry.objects.filter(object_id=str(teacher.pk), action="login").count() == 1

    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "liwei"


@pytest.mark.django_db
def test_second_login_returns_the_same_token(teacher):
    first = api().post(URL, {"username": "liwei", "password": f.PASSWORD}).json()["token"]
    second = api().post(URL, {"username": "liwei", "password": f.PASSWORD}).json()["token"]
    assert first == second


@pytest.mark.django_db
def test_bad_credentials_are_a_400_with_a_message(teacher):
    response = api().post(URL, {"username": "liwei", "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["The username or phone and password do not match an active account."]
    }
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_missing_field_is_translated(teacher):
    en = api(language="en").post(URL, {"username": "liwei"})
    zh = api(language="zh-hans").post(URL, {"username": "liwei"})
    assert en.status_code == zh.status_code == 400
    assert en.json() == {"password": ["This field is required."]}
    assert zh.json() == {"password": ["该字段是必填项。"]}


@pytest.mark.django_db
def test_unknown_and_disabled_accounts_get_the_same_answer(teacher):
    teacher.is_active = False
    teacher.save()
    disabled = api().post(URL, {"username": "liwei", "password": f.PASSWORD})
    unknown = api().post(URL, {"username": "nobody", "password": f.PASSWORD})
    assert disabled.status_code == unknown.status_code == 400
    assert disabled.json() == unknown.json()


@pytest.mark.django_db
def test_lockout_after_repeated_failures(teacher, settings):
    settings.LOGIN_MAX_FAILURES = 3
    client = api()
    answers = [client.post(URL, {"username": "liwei", "password": "wrong"}) for _i in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 403]
    assert "locked until" in answers[-1].json()["detail"]
    # The right password does not help while locked.
    locked = client.post(URL, {"username": "liwei", "password": f.PASSWORD})
    assert locked.status_code == 403
    assert locked.json()["detail"].startswith("Too many failed attempts")
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_login_is_throttled(teacher, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/minute"})
    client = api()
    codes = [
        client.post(URL, {"username": "nobody", "password": "x"}).status_code for _i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


@pytest.mark.django_db
def test_bad_token_is_refused(teacher):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/orgs/").status_code == 401


@pytest.mark.django_db
def test_session_authentication_works_too(teacher, world):
    client = api()
    client.force_login(teacher)
    response = client.get("/api/v1/orgs/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["冯记沟中心小学"]
