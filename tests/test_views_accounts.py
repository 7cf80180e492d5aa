"""User administration pages and the user's own password change."""

from html import escape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.roles import Role
from safecampus.core.errors import ConflictError
from safecampus.core.models import AuditEntry
from tests import factories as f

pytestmark = pytest.mark.django_db


def trail_of(user):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    )


@pytest.fixture
def admin(world):
    return f.user_with_role(Role.SYSADMIN, world.county_a, username="admin_a")


@pytest.fixture
def accounts(world):
    return {
        "a1": f.user_with_role(Role.SAFETY_OFFICER, world.school_a1, username="officer_a1"),
        "b1": f.user_with_role(Role.SAFETY_OFFICER, world.school_b1, username="officer_b1"),
    }


def test_user_list_is_scoped(client, admin, accounts):
    client.force_login(admin)
    response = client.get(reverse("accounts:users"))
    body = response.content.decode()
    assert "officer_a1" in body and "officer_b1" not in body


def test_user_list_filters(client, admin, accounts, world):
    client.force_login(admin)
    url = reverse("accounts:users")
    assert "officer_a1" not in client.get(url, {"q": "admin"}).content.decode()
    assert "officer_a1" in client.get(url, {"role": "safety_officer"}).content.decode()
    assert "admin_a" not in client.get(url, {"role": "safety_officer"}).content.decode()
    assert "officer_a1" in client.get(url, {"node": world.school_a1.pk}).content.decode()


def test_non_administrators_get_403_and_404(client, world, accounts):
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_a))
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.get(reverse("accounts:user_add")).status_code == 403
    assert client.get(reverse("accounts:user", args=[accounts["a1"].pk])).status_code == 404


def test_an_account_of_another_county_is_404(client, admin, accounts):
    client.force_login(admin)
    pk = accounts["b1"].pk
    for name in (
        "accounts:user",
        "accounts:user_edit",
        "accounts:user_roles",
        "accounts:user_password",
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert (
        client.post(reverse("accounts:user_active", args=[pk]), {"active": "0"}).status_code == 404
    )


def test_user_page_shows_roles_and_history(client, admin, accounts):
    client.force_login(admin)
    response = client.get(reverse("accounts:user", args=[accounts["a1"].pk]))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="roles"' in body
    assert 'data-testid="history"' in body or "history" in body


def test_create_an_account_with_a_role(client, admin, world):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_add"),
        {"username": "new_teacher", "last_name": "周", "first_name": "敏", "phone": "13700000000",
         "org": world.school_a1.pk, "role": "teacher", "password": ""},
    )  # fmt: skip
    user = User.objects.get(username="new_teacher")
    assert response.status_code == 302
    assert user.must_change_password and user.org == world.school_a1
    assert list(user.assignments.values_list("role", flat=True)) == ["teacher"]
    assert trail_of(user).filter(action="create").exists()
    follow = client.get(response["Location"])
    assert "new_teacher" in follow.content.decode()


def test_cannot_create_an_account_in_another_county(client, admin, world):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_add"),
        {"username": "intruder", "org": world.school_b1.pk, "role": "principal"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="intruder").exists()


def test_edit_an_account_is_audited_and_stale_edits_are_refused(client, admin, accounts, world):
    client.force_login(admin)
    account = accounts["a1"]
    url = reverse("accounts:user_edit", args=[account.pk])
    assert client.get(url).status_code == 200
    data = {"username": account.username, "last_name": "陈", "first_name": "建鹏",
            "org": world.school_a1.pk, "version": account.version}  # fmt: skip
    assert client.post(url, data).status_code == 302
    account.refresh_from_db()
    assert account.last_name == "陈"
    assert trail_of(account).filter(action="update").exists()
    stale = {**data, "last_name": "王", "version": 1}
    response = client.post(url, stale)
    with translation.override("zh-hans"):
        message = escape(str(ConflictError().messages[0]))
    assert message in response.content.decode()
    account.refresh_from_db()
    assert account.last_name == "陈"


def test_roles_are_granted_inside_the_admins_scope_only(client, admin, accounts, world):
    client.force_login(admin)
    account = accounts["a1"]
    url = reverse("accounts:user_roles", args=[account.pk])
    assert client.get(url).status_code == 200
    data = {
        "r-TOTAL_FORMS": "2", "r-INITIAL_FORMS": "1",
        "r-0-role": "principal", "r-0-org": world.school_a1.pk,
        "r-1-role": "teacher", "r-1-org": world.school_a2.pk,
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert set(account.assignments.values_list("role", "org")) == {
        ("principal", world.school_a1.pk),
        ("teacher", world.school_a2.pk),
    }
    assert trail_of(account).filter(action="update").exists()
    outside = {**data, "r-1-org": world.school_b1.pk}
    assert client.post(url, outside).status_code == 200
    assert not RoleAssignment.objects.filter(user=account, org=world.school_b1).exists()


def test_department_liaison_needs_a_department(client, admin, accounts, world):
    client.force_login(admin)
    url = reverse("accounts:user_roles", args=[accounts["a1"].pk])
    data = {"r-TOTAL_FORMS": "1", "r-INITIAL_FORMS": "0",
            "r-0-role": "department_liaison", "r-0-org": world.town_a.pk}  # fmt: skip
    assert client.post(url, data).status_code == 200
    data["r-0-department"] = world.police_a.pk
    assert client.post(url, data).status_code == 302


def test_reset_password_generates_one_and_forces_a_change(client, admin, accounts):
    client.force_login(admin)
    account = accounts["a1"]
    response = client.post(reverse("accounts:user_password", args=[account.pk]), {"password": ""})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.must_change_password
    assert not account.check_password(f.PASSWORD)
    assert trail_of(account).filter(comment__isnull=False, action="update").exists()


def test_disable_and_enable(client, admin, accounts):
    client.force_login(admin)
    account = accounts["a1"]
    url = reverse("accounts:user_active", args=[account.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"active": "0"})
    account.refresh_from_db()
    assert not account.is_active
    client.post(url, {"active": "1"})
    account.refresh_from_db()
    assert account.is_active
    assert trail_of(account).filter(action="update").count() == 2


def test_admin_cannot_disable_themselves(client, admin):
    client.force_login(admin)
    client.post(reverse("accounts:user_active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_user_export_is_scoped(client, admin, accounts):
    import io

    from openpyxl import load_workbook

    client.force_login(admin)
    response = client.get(reverse("accounts:users"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "officer_a1" in names and "officer_b1" not in names


def test_user_list_does_not_grow_queries(client, admin, world, django_assert_max_num_queries):
    client.force_login(admin)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("accounts:users"))
    for i in range(25):
        f.user_with_role(Role.TEACHER, world.school_a1, username=f"t{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("accounts:users"))


def test_own_password_change_clears_the_flag(client, world):
    user = f.user_with_role(Role.TEACHER, world.school_a1, must_change_password=True)
    client.force_login(user)
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "old_password": f.PASSWORD,
            "new_password1": "Another-horse-42",
            "new_password2": "Another-horse-42",
        },
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Another-horse-42")
    assert trail_of(user).exists()
