"""The organisation tree's API: nodes and schools, written through the tree's services."""

import pytest

from safecampus.accounts.roles import Role
from safecampus.core.models import AuditEntry
from safecampus.orgs.models import OrgNode, School
from tests import factories as f
from tests.api_helpers import api, api_setup, ids  # noqa: F401


@pytest.fixture
def staff(world):
    """Bureau safety staff of county A: may write the tree inside the county."""
    return f.user_with_role(Role.BUREAU_STAFF, world.county_a)


def names(response) -> set:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.mark.django_db
def test_list_is_paginated(world, staff):
    body = api(staff).get("/api/v1/orgs/", {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    assert body["previous"] is None


@pytest.mark.django_db
def test_filters_parent_within_kind_and_search(world, staff):
    client = api(staff)
    assert names(client.get("/api/v1/orgs/", {"parent": world.town_a.pk})) == {
        "冯记沟中心小学",
        "冯记沟幼儿园",
    }
    assert names(client.get("/api/v1/orgs/", {"within": world.town_a.pk})) == {
        "冯记沟乡",
        "冯记沟中心小学",
        "冯记沟幼儿园",
    }
    assert names(client.get("/api/v1/orgs/", {"kind": "township"})) == {"冯记沟乡"}
    assert names(client.get("/api/v1/orgs/", {"search": "幼儿园"})) == {"冯记沟幼儿园"}


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["orgs", "schools", "departments", "people"])
def test_within_a_node_outside_the_scope_is_empty_like_a_missing_one(world, staff, route):
    f.PersonFactory(org=world.school_b1)
    client = api(staff)
    outside = client.get(f"/api/v1/{route}/", {"within": world.county_b.pk}).json()
    missing = client.get(f"/api/v1/{route}/", {"within": 999999}).json()
    assert outside == missing
    assert outside["count"] == 0


@pytest.mark.django_db
def test_within_must_be_an_id(world, staff):
    response = api(staff).get("/api/v1/orgs/", {"within": "abc"})
    assert response.status_code == 400
    assert "within" in response.json()


@pytest.mark.django_db
def test_create_a_node_under_a_parent_in_scope(world, staff):
    response = api(staff).post(
        "/api/v1/orgs/", {"parent": world.county_a.pk, "kind": "township", "name": "大水坑镇"}
    )
    assert response.status_code == 201, response.content
    node = OrgNode.objects.get(pk=response.json()["id"])
    assert node.parent == world.county_a
    assert node.path.startswith(world.county_a.path + ".")
    assert response.json()["path"] == node.path
    entry = AuditEntry.objects.get(object_id=str(node.pk), action="create")
    assert entry.user == staff
    assert entry.org == node


@pytest.mark.django_db
def test_create_under_a_parent_out_of_scope_is_does_not_exist(world, staff):
    before = (OrgNode.objects.count(), AuditEntry.objects.count())
    response = api(staff).post(
        "/api/v1/orgs/", {"parent": world.county_b.pk, "kind": "township", "name": "大水坑镇"}
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["parent"][0]
    assert (OrgNode.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_create_where_the_role_may_only_read_is_403(world):
    officer = f.user_with_role(Role.TOWNSHIP_OFFICER, world.town_a)
    response = api(officer).post(
        "/api/v1/orgs/", {"parent": world.town_a.pk, "kind": "village", "name": "马儿庄村"}
    )
    assert response.status_code == 403
    assert not OrgNode.objects.filter(name="马儿庄村").exists()


@pytest.mark.django_db
def test_only_superusers_create_top_level_nodes(world, staff):
    body = {"parent": None, "kind": "province", "name": "甘肃省"}
    assert api(staff).post("/api/v1/orgs/", body).status_code == 403
    root = f.UserFactory(is_superuser=True)
    assert api(root).post("/api/v1/orgs/", body).status_code == 201


@pytest.mark.django_db
def test_schools_are_not_created_as_bare_nodes(world, staff):
    response = api(staff).post(
        "/api/v1/orgs/", {"parent": world.town_a.pk, "kind": "school", "name": "新学校"}
    )
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.django_db
def test_a_kind_that_cannot_hang_there_is_refused(world, staff):
    response = api(staff).post(
        "/api/v1/orgs/", {"parent": world.town_a.pk, "kind": "county", "name": "错层县"}
    )
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.django_db
def test_update_needs_the_version_and_a_stale_one_is_409(world, staff):
    client = api(staff)
    url = f"/api/v1/orgs/{world.town_a.pk}/"
    missing = client.patch(url, {"name": "冯记沟镇"})
    assert missing.status_code == 400
    assert "version" in missing.json()

    ok = client.patch(url, {"name": "冯记沟镇", "version": 1, "parent": world.county_b.pk})
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2
    world.town_a.refresh_from_db()
    assert world.town_a.name == "冯记沟镇"
    assert world.town_a.parent == world.county_a  # the parent is not editable
    assert AuditEntry.objects.filter(
        object_id=str(world.town_a.pk), action="update", user=staff
    ).exists()

    before = AuditEntry.objects.count()
    stale = client.patch(url, {"name": "别的名字", "version": 1})
    assert stale.status_code == 409
    assert "version" in stale.json()
    world.town_a.refresh_from_db()
    assert world.town_a.name == "冯记沟镇"
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_nodes_are_not_deleted_over_the_api(world, staff):
    response = api(staff).delete(f"/api/v1/orgs/{world.school_a2.pk}/")
    assert response.status_code == 405
    assert OrgNode.objects.filter(pk=world.school_a2.pk).exists()


@pytest.mark.django_db
def test_principal_edits_their_school_node_but_not_the_township(world):
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    client = api(principal)
    own = client.patch(f"/api/v1/orgs/{world.school_a1.pk}/", {"code": "2164000001", "version": 1})
    assert own.status_code == 200
    above = client.patch(f"/api/v1/orgs/{world.town_a.pk}/", {"code": "1", "version": 1})
    assert above.status_code == 404


SCHOOL = {
    "name": "大水坑中学",
    "school_kind": "junior",
    "boarding": True,
    "enrolment": 800,
    "boarders": 300,
    "staff_count": 60,
    "storeys": 4,
}


@pytest.mark.django_db
def test_create_a_school_with_its_profile(world, staff):
    response = api(staff).post("/api/v1/schools/", {**SCHOOL, "parent": world.town_a.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    school = School.objects.select_related("node").get(pk=body["id"])
    assert school.node.kind == "school"
    assert school.node.parent == world.town_a
    assert (school.enrolment, school.boarders, school.boarding) == (800, 300, True)
    assert body["name"] == "大水坑中学"
    assert body["path"] == school.node.path
    assert AuditEntry.objects.filter(object_id=str(school.pk), user=staff).count() == 2


@pytest.mark.django_db
def test_school_create_outside_scope_or_without_add_right(world, staff):
    outside = api(staff).post("/api/v1/schools/", {**SCHOOL, "parent": world.town_b.pk})
    assert outside.status_code == 400
    assert "parent" in outside.json()
    principal = f.user_with_role(Role.PRINCIPAL, world.school_a1)
    refused = api(principal).post("/api/v1/schools/", {**SCHOOL, "parent": world.school_a1.pk})
    assert refused.status_code == 403
    assert not OrgNode.objects.filter(name="大水坑中学").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"), [("en", "This field is required."), ("zh-hans", "该字段是必填项。")]
)
def test_validation_errors_are_per_field_in_the_callers_language(world, staff, language, message):
    before = (OrgNode.objects.count(), School.objects.count(), AuditEntry.objects.count())
    body = {k: v for k, v in SCHOOL.items() if k != "name"}
    response = api(staff, language=language).post(
        "/api/v1/schools/", {**body, "parent": world.town_a.pk}
    )
    assert response.status_code == 400
    assert response.json() == {"name": [message]}
    assert (OrgNode.objects.count(), School.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_model_validation_of_the_profile_is_a_400_and_writes_nothing(world, staff):
    before = AuditEntry.objects.count()
    response = api(staff).post(
        "/api/v1/schools/", {**SCHOOL, "boarders": 900, "parent": world.town_a.pk}
    )
    assert response.status_code == 400
    assert "boarders" in response.json()
    assert not OrgNode.objects.filter(name="大水坑中学").exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_school_filters(world, staff):
    client = api(staff)
    kinds = client.get("/api/v1/schools/", {"school_kind": "kindergarten"}).json()["results"]
    assert [s["name"] for s in kinds] == ["冯记沟幼儿园"]
    assert ids(client.get("/api/v1/schools/", {"within": world.town_a.pk})) == {
        world.school_a1.pk,
        world.school_a2.pk,
    }
    assert ids(client.get("/api/v1/schools/", {"boarding": "true"})) == set()
    assert len(ids(client.get("/api/v1/schools/", {"ownership": "public"}))) == 2


@pytest.mark.django_db
def test_school_update_edits_node_and_profile_under_one_version(world, staff):
    client = api(staff)
    url = f"/api/v1/schools/{world.school_a1.pk}/"
    version = client.get(url).json()["version"]
    response = client.patch(url, {"name": "冯记沟小学", "enrolment": 700, "version": version})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == version + 1
    world.school_a1.refresh_from_db()
    assert world.school_a1.name == "冯记沟小学"
    assert world.school_a1.school.enrolment == 700
    stale = client.patch(url, {"enrolment": 1, "version": version})
    assert stale.status_code == 409
    assert School.objects.get(pk=world.school_a1.pk).enrolment == 700
