"""Logging in: by username or phone, lockout after repeated failures, disabled accounts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f


@pytest.fixture
def officer(world):
    return f.user_with_role("safety_officer", world.school_a1, phone="13900001111")


def login(client, username, password=f.PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["username", "phone"])
def test_login_by_username_or_phone(client, officer, field):
    response = login(client, getattr(officer, field))
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == officer


@pytest.mark.django_db
def test_wrong_password_says_so_in_chinese_and_counts(client, officer):
    response = login(client, officer.username, "wrong-password")
    assert response.status_code == 200
    assert "不匹配" in response.content.decode()
    officer.refresh_from_db()
    assert officer.failed_logins == 1


@pytest.mark.django_db
def test_lockout_after_repeated_failures_even_with_the_right_password(client, officer, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, officer.username, "wrong-password")
    officer.refresh_from_db()
    assert officer.is_locked()
    response = login(client, officer.username)
    assert response.status_code == 200
    assert "锁定" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_lock_expires(client, officer):
    officer.locked_until = timezone.now() - timezone.timedelta(minutes=1)
    officer.save()
    assert login(client, officer.username).status_code == 302


@pytest.mark.django_db
def test_success_resets_the_failure_count(client, officer):
    login(client, officer.username, "wrong-password")
    login(client, officer.username)
    officer.refresh_from_db()
    assert officer.failed_logins == 0


@pytest.mark.django_db
def test_disabled_account_cannot_log_in(client, officer):
    officer.is_active = False
    officer.save()
    response = login(client, officer.username)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_pages_need_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_session_expires_after_idle_age(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 300 <= settings.SESSION_COOKIE_AGE <= 24 * 3600


@pytest.mark.django_db
def test_language_choice_is_kept_on_the_account(client, officer):
    client.force_login(officer)
    client.post(reverse("accounts:language"), {"language": "en", "next": "/"})
    officer.refresh_from_db()
    assert officer.language == "en"
    assert "My work" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_language_switch_refuses_offsite_redirects(client):
    response = client.post(
        reverse("accounts:language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_password_set_by_an_administrator_must_be_changed_first(client, officer):
    officer.must_change_password = True
    officer.save()
    client.force_login(officer)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:password_change"
    )
    new = "a-new-Secret-2026"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": f.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.must_change_password
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_web_login_is_in_the_audit_trail(client, officer):
    from safecampus.core.models import AuditEntry

    login(client, officer.username)
    entry = AuditEntry.objects.filter(action="login", user=officer).get()
    assert entry.ip == "127.0.0.1"
