"""Departments, people and leadership groups over the API: scoped keys, audit, rosters."""

import pytest

from safecampus.accounts.models import RoleAssignment
from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.orgs.models import Department, LeadershipGroup, Person
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401


@pytest.fixture
def officer(world):
    """A township officer of town A: writes departments, people and groups there."""
    return f.user_with_role(Role.TOWNSHIP_OFFICER, world.town_a)


def audits(**kw) -> int:
    return AuditEntry.objects.filter(**kw).count()


@pytest.mark.django_db
def test_create_update_delete_a_department_each_audited(world, officer):
    client = api(officer)
    created = client.post(
        "/api/v1/departments/", {"org": world.town_a.pk, "kind": "fire", "name": "消防站"}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["org_name"] == "冯记沟乡"
    assert audits(object_id=str(pk), action="create", user=officer) == 1

    updated = client.patch(f"/api/v1/departments/{pk}/", {"phone": "119", "version": 1})
    assert updated.status_code == 200
    assert audits(object_id=str(pk), action="update", user=officer) == 1

    assert client.delete(f"/api/v1/departments/{pk}/").status_code == 204
    assert not Department.objects.filter(pk=pk).exists()
    assert audits(object_id=str(pk), action="delete", user=officer) == 1


@pytest.mark.django_db
def test_a_node_out_of_scope_is_does_not_exist(world, officer):
    response = api(officer).post(
        "/api/v1/departments/", {"org": world.town_b.pk, "kind": "fire", "name": "消防站"}
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["org"][0]
    assert not Department.objects.filter(name="消防站").exists()


@pytest.mark.django_db
def test_moving_a_record_to_a_node_where_the_role_may_not_add_is_403(world):
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    RoleAssignment.objects.create(user=principal, role=Role.TEACHER, org=world.school_a2)
    person = f.PersonFactory(org=world.school_a1)
    response = api(principal).patch(
        f"/api/v1/people/{person.pk}/", {"org": world.school_a2.pk, "version": 1}
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.org == world.school_a1


@pytest.mark.django_db
def test_duplicate_department_name_at_a_node_is_a_400(world, officer):
    response = api(officer).post(
        "/api/v1/departments/", {"org": world.town_a.pk, "kind": "police", "name": "冯记沟派出所"}
    )
    assert response.status_code == 400
    assert Department.objects.filter(name="冯记沟派出所").count() == 1


@pytest.mark.django_db
def test_deleting_a_record_still_referred_to_is_a_409_and_writes_nothing(world, officer):
    f.user_with_role(Role.DEPARTMENT_LIAISON, world.town_a, department=world.police_a)
    before = AuditEntry.objects.count()
    response = api(officer).delete(f"/api/v1/departments/{world.police_a.pk}/")
    assert response.status_code == 409
    assert Department.objects.filter(pk=world.police_a.pk).exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_department_filters(world, officer):
    f.DepartmentFactory(org=world.school_a1, name="校卫队", kind="other")
    client = api(officer)
    assert ids(client.get("/api/v1/departments/", {"kind": "police"})) == {world.police_a.pk}
    assert len(ids(client.get("/api/v1/departments/", {"org": world.town_a.pk}))) == 2
    assert len(ids(client.get("/api/v1/departments/", {"within": world.school_a1.pk}))) == 1


@pytest.mark.django_db
def test_people_search_and_filters(world, officer):
    a = f.PersonFactory(org=world.school_a1, name="王建国", phone="13800000001")
    b = f.PersonFactory(org=world.town_a, name="马英", department=world.police_a)
    f.PersonFactory(org=world.school_b1, name="王建军")
    client = api(officer)
    assert ids(client.get("/api/v1/people/", {"search": "王建"})) == {a.pk}
    assert ids(client.get("/api/v1/people/", {"search": "13800000001"})) == {a.pk}
    assert ids(client.get("/api/v1/people/", {"department": world.police_a.pk})) == {b.pk}
    assert ids(client.get("/api/v1/people/", {"org": world.town_a.pk})) == {b.pk}
    assert ids(client.get("/api/v1/people/", {"within": world.school_a1.pk})) == {a.pk}


@pytest.mark.django_db
def test_person_with_a_department_out_of_scope_is_refused(world):
    police_b = f.DepartmentFactory(org=world.town_b, name="豫海派出所")
    officer = f.user_with_role(Role.TOWNSHIP_OFFICER, world.town_a)
    before = AuditEntry.objects.count()
    response = api(officer).post(
        "/api/v1/people/", {"org": world.town_a.pk, "name": "马英", "department": police_b.pk}
    )
    assert response.status_code == 400
    assert "department" in response.json()
    assert not Person.objects.filter(name="马英").exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"), [("en", "This field is required."), ("zh-hans", "该字段是必填项。")]
)
def test_person_validation_in_the_callers_language_writes_nothing(
    world, officer, language, message
):
    before = (Person.objects.count(), AuditEntry.objects.count())
    response = api(officer, language=language).post("/api/v1/people/", {"name": "马英"})
    assert response.status_code == 400
    assert response.json() == {"org": [message]}
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_group_with_its_roster_in_one_request(world, officer):
    leader = f.PersonFactory(org=world.town_a, name="乡长")
    member = f.PersonFactory(org=world.school_a1, name="校长")
    response = api(officer).post(
        "/api/v1/leadership-groups/",
        {
            "org": world.town_a.pk,
            "name": "冯记沟乡校园安全工作领导小组",
            "members": [
                {"person": member.pk, "group_role": "member", "post": "成员"},
                {"person": leader.pk, "group_role": "leader", "post": "乡长"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(m["person_name"], m["group_role"]) for m in body["members"]] == [
        ("乡长", "leader"),
        ("校长", "member"),
    ]
    pk = str(body["id"])
    assert audits(object_id=pk, action="create", user=officer) == 1
    assert audits(object_id=pk, action="update", user=officer) == 1  # the roster


@pytest.mark.django_db
def test_roster_replaced_on_update_and_kept_when_left_out(world, officer):
    group = f.LeadershipGroupFactory(org=world.town_a)
    first, second = f.PersonFactory(org=world.town_a), f.PersonFactory(org=world.town_a)
    client = api(officer)
    url = f"/api/v1/leadership-groups/{group.pk}/"
    response = client.patch(url, {"version": 1, "members": [{"person": first.pk}]})
    assert response.status_code == 200, response.content
    version = response.json()["version"]
    assert [m["person"] for m in response.json()["members"]] == [first.pk]

    response = client.patch(url, {"version": version, "members": [{"person": second.pk}]})
    assert [m["person"] for m in response.json()["members"]] == [second.pk]
    version = response.json()["version"]

    response = client.patch(url, {"version": version, "purpose": "统筹"})
    assert [m["person"] for m in response.json()["members"]] == [second.pk]
    assert group.members.count() == 1


@pytest.mark.django_db
def test_roster_person_out_of_scope_or_listed_twice_is_refused(world, officer):
    group = f.LeadershipGroupFactory(org=world.town_a)
    outsider = f.PersonFactory(org=world.town_b)
    insider = f.PersonFactory(org=world.town_a)
    client = api(officer)
    url = f"/api/v1/leadership-groups/{group.pk}/"
    before = AuditEntry.objects.count()
    response = client.patch(url, {"version": 1, "members": [{"person": outsider.pk}]})
    assert response.status_code == 400
    assert "does not exist" in response.json()["members"]["0"]["person"][0]
    twice = client.patch(
        url, {"version": 1, "members": [{"person": insider.pk}, {"person": insider.pk}]}
    )
    assert twice.status_code == 400
    assert group.members.count() == 0
    assert LeadershipGroup.objects.get(pk=group.pk).version == 1
    assert AuditEntry.objects.count() == before
