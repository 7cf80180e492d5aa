"""Account administration over the API, and "who am I"."""

import pytest
from rest_framework.authtoken.models import Token

from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401


@pytest.fixture
def admin(world):
    """The system administrator of county A."""
    return f.user_with_role(Role.SYSADMIN, world.county_a, username="admin-a")


def new_user(world, **extra):
    return {
        "username": "zhangsan",
        "first_name": "三",
        "last_name": "张",
        "phone": "13900002222",
        "org": world.school_a1.pk,
        "password": "Anquan-2024-xiaoyuan",
        "roles": [{"role": "principal", "org": world.school_a1.pk}],
        **extra,
    }


@pytest.mark.django_db
def test_accounts_are_for_administrators_only(world):
    staff = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    client = api(staff)
    assert client.get("/api/v1/users/").status_code == 403
    assert client.post("/api/v1/users/", new_user(world)).status_code == 403
    assert client.get("/api/v1/users/me/").status_code == 200


@pytest.mark.django_db
def test_administrator_lists_the_accounts_of_their_county_only(world, admin):
    teacher_a = f.user_with_role(Role.TEACHER, world.school_a1)
    teacher_b = f.user_with_role(Role.TEACHER, world.school_b1)
    client = api(admin)
    listed = ids(client.get("/api/v1/users/"))
    assert teacher_a.pk in listed
    assert teacher_b.pk not in listed
    assert ids(client.get("/api/v1/users/", {"role": "teacher"})) == {teacher_a.pk}
    assert ids(client.get("/api/v1/users/", {"within": world.school_a1.pk})) == {teacher_a.pk}
    assert client.get(f"/api/v1/users/{teacher_b.pk}/").status_code == 404


@pytest.mark.django_db
def test_create_an_account_with_roles(world, admin):
    response = api(admin).post("/api/v1/users/", new_user(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert body["roles"] == [
        {
            "role": "principal",
            "org": world.school_a1.pk,
            "org_name": "冯记沟中心小学",
            "org_path": world.school_a1.path,
            "department": None,
            "department_name": None,
        }
    ]
    user = User.objects.get(username="zhangsan")
    assert user.check_password("Anquan-2024-xiaoyuan")
    assert user.must_change_password
    assert AuditEntry.objects.filter(object_id=str(user.pk), user=admin).count() == 2
    assert (
        api()
        .post(
            "/api/v1/auth/token/", {"username": "13900002222", "password": "Anquan-2024-xiaoyuan"}
        )
        .json()["token"]
    )


@pytest.mark.django_db
def test_create_without_a_password_or_with_a_weak_one_is_a_400(world, admin):
    client = api(admin)
    missing = client.post("/api/v1/users/", new_user(world, password=""))
    assert missing.status_code == 400
    assert "password" in missing.json()
    weak = client.post("/api/v1/users/", new_user(world, password="12345678"))
    assert weak.status_code == 400
    assert "password" in weak.json()
    assert not User.objects.filter(username="zhangsan").exists()


@pytest.mark.django_db
def test_roles_can_only_be_granted_inside_the_administrators_reach(world):
    # Administers school A1 only, though they may read the whole county.
    admin = f.user_with_role(Role.SYSADMIN, world.school_a1)
    RoleAssignment.objects.create(user=admin, role=Role.BUREAU_LEADER, org=world.county_a)
    client = api(admin)
    before = (User.objects.count(), AuditEntry.objects.count())

    above = client.post(
        "/api/v1/users/",
        new_user(world, roles=[{"role": "bureau_staff", "org": world.county_a.pk}]),
    )
    assert above.status_code == 403
    outside = client.post(
        "/api/v1/users/",
        new_user(world, roles=[{"role": "bureau_staff", "org": world.county_b.pk}]),
    )
    assert outside.status_code == 400
    assert "does not exist" in outside.json()["roles"]["0"]["org"][0]
    assert (User.objects.count(), AuditEntry.objects.count()) == before

    home_outside = client.post("/api/v1/users/", new_user(world, org=world.school_a2.pk))
    assert home_outside.status_code == 403


@pytest.mark.django_db
def test_a_liaison_role_needs_its_department(world, admin):
    response = api(admin).post(
        "/api/v1/users/",
        new_user(
            world,
            org=world.town_a.pk,
            roles=[{"role": "department_liaison", "org": world.town_a.pk}],
        ),
    )
    assert response.status_code == 400
    assert "department" in response.json()
    assert not User.objects.filter(username="zhangsan").exists()


@pytest.mark.django_db
def test_updating_roles_keeps_and_hides_roles_granted_elsewhere(world, admin):
    user = f.user_with_role(Role.TEACHER, world.school_a1)
    RoleAssignment.objects.create(user=user, role=Role.INSPECTOR, org=world.school_b1)
    client = api(admin)
    url = f"/api/v1/users/{user.pk}/"
    shown = client.get(url).json()
    assert [r["role"] for r in shown["roles"]] == ["teacher"]  # not the county B one

    response = client.patch(
        url,
        {
            "version": shown["version"],
            "roles": [{"role": "safety_officer", "org": world.school_a1.pk}],
        },
    )
    assert response.status_code == 200, response.content
    assert [r["role"] for r in response.json()["roles"]] == ["safety_officer"]
    assert set(user.assignments.values_list("role", "org")) == {
        ("safety_officer", world.school_a1.pk),
        ("inspector", world.school_b1.pk),
    }
    entry = AuditEntry.objects.filter(object_id=str(user.pk), user=admin).latest("id")
    assert "roles" in entry.changes

    stale = client.patch(url, {"version": shown["version"], "first_name": "四"})
    assert stale.status_code == 409


@pytest.mark.django_db
def test_password_reset_revokes_tokens_and_must_be_changed(world, admin):
    user = f.user_with_role(Role.TEACHER, world.school_a1)
    Token.objects.create(user=user)
    response = api(admin).post(f"/api/v1/users/{user.pk}/reset-password/", {})
    assert response.status_code == 200, response.content
    temporary = response.json()["temporary_password"]
    user.refresh_from_db()
    assert user.check_password(temporary)
    assert user.must_change_password
    assert not Token.objects.filter(user=user).exists()
    entry = AuditEntry.objects.filter(object_id=str(user.pk), user=admin).latest("id")
    assert entry.comment == "Password reset"


@pytest.mark.django_db
def test_password_reset_is_refused_outside_and_for_non_administrators(world, admin):
    outsider = f.user_with_role(Role.TEACHER, world.school_b1)
    assert api(admin).post(f"/api/v1/users/{outsider.pk}/reset-password/").status_code == 404
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    teacher = f.user_with_role(Role.TEACHER, world.school_a1)
    assert api(principal).post(f"/api/v1/users/{teacher.pk}/reset-password/").status_code == 403


@pytest.mark.django_db
def test_disable_and_enable(world, admin):
    user = f.user_with_role(Role.TEACHER, world.school_a1)
    Token.objects.create(user=user)
    client = api(admin)
    disabled = client.post(f"/api/v1/users/{user.pk}/disable/")
    assert disabled.status_code == 200
    assert disabled.json()["is_active"] is False
    assert not Token.objects.filter(user=user).exists()
    login = api().post("/api/v1/auth/token/", {"username": user.username, "password": f.PASSWORD})
    assert login.status_code == 400
    assert client.post(f"/api/v1/users/{user.pk}/enable/").json()["is_active"] is True
    changes = [
        e.changes["is_active"]
        for e in AuditEntry.objects.filter(object_id=str(user.pk), user=admin).order_by("id")
    ]
    assert changes == [[True, False], [False, True]]


@pytest.mark.django_db
def test_administrators_cannot_disable_themselves(world, admin):
    response = api(admin).post(f"/api/v1/users/{admin.pk}/disable/")
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


@pytest.mark.django_db
def test_me_lists_roles_and_scopes(world):
    liaison = f.user_with_role(Role.DEPARTMENT_LIAISON, world.town_a, department=world.police_a)
    RoleAssignment.objects.create(user=liaison, role=Role.TEACHER, org=world.school_b1)
    body = api(liaison).get("/api/v1/users/me/").json()
    assert {(r["role"], r["org_name"], r["department_name"]) for r in body["roles"]} == {
        ("department_liaison", "冯记沟乡", "冯记沟派出所"),
        ("teacher", "豫海中学", None),
    }
    assert {r["org_path"] for r in body["roles"]} == {world.town_a.path, world.school_b1.path}
    scopes = body["scopes"]
    assert [n["name"] for n in scopes["org"]] == ["冯记沟乡", "豫海中学"]
    assert [n["name"] for n in scopes["leadership_group"]] == ["冯记沟乡"]
    assert [n["id"] for n in scopes["person"]] == [world.town_a.pk, world.school_b1.pk]
    assert scopes["user"] == []
    assert scopes["audit"] == []


@pytest.mark.django_db
def test_me_of_a_superuser_is_every_root(world):
    root = f.UserFactory(is_superuser=True)
    body = api(root).get("/api/v1/users/me/").json()
    assert body["is_superuser"] is True
    assert [n["name"] for n in body["scopes"]["org"]] == ["宁夏回族自治区"]
