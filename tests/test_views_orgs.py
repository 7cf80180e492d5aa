"""The organisation pages: tree, node and school pages, departments, people, leadership groups.

Each page renders for an in-scope user; an outsider (another school, another county) gets 404
on detail pages and none of the other county's rows in lists; a role without the write right
gets 403; a stale version changes nothing and says so; every write lands in the audit trail.
"""

import io
import re
from html import escape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from safecampus.accounts.roles import Role
from safecampus.core.errors import ConflictError
from safecampus.core.models import AuditEntry
from safecampus.orgs.models import (
    Department,
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def conflict_text() -> str:
    with translation.override("zh-hans"):
        return escape(str(ConflictError().messages[0]))


def entries_for(instance, action=None):
    qs = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)), object_id=str(instance.pk)
    )
    return qs.filter(action=action) if action else qs


ROLES = {
    "county": (Role.BUREAU_STAFF, "county_a"),
    "county_b": (Role.BUREAU_STAFF, "county_b"),
    "leader": (Role.BUREAU_LEADER, "county_a"),
    "officer": (Role.SAFETY_OFFICER, "school_a1"),
    "officer_a2": (Role.SAFETY_OFFICER, "school_a2"),
    "teacher": (Role.TEACHER, "school_a1"),
    "township": (Role.TOWNSHIP_OFFICER, "town_a"),
}


@pytest.fixture
def as_user(client, world):
    """Log in as one of the ROLES (made on first use: password hashing is slow)."""
    made = {}

    def login(name):
        if name not in made:
            role, node = ROLES[name]
            made[name] = f.user_with_role(role, getattr(world, node))
        client.force_login(made[name])
        return client

    return login


@pytest.fixture
def people(world):
    return {
        "a1": f.PersonFactory(org=world.school_a1, name="王校长", phone="13900000001"),
        "a2": f.PersonFactory(org=world.school_a2, name="李园长", phone="13900000002"),
        "town": f.PersonFactory(org=world.town_a, name="赵所长", department=world.police_a),
        "b1": f.PersonFactory(org=world.school_b1, name="马校长", phone="13900000009"),
    }


# ---------------------------------------------------------------------------- tree


def test_tree_shows_the_users_subtree_only(as_user, world):
    body = as_user("county").get(reverse("orgs:tree")).content.decode()
    assert "盐池县" in body and "冯记沟乡" in body
    assert "同心县" not in body and "豫海镇" not in body and "豫海中学" not in body


def test_tree_for_a_school_user_is_their_school(as_user, world):
    body = as_user("officer").get(reverse("orgs:tree")).content.decode()
    assert "冯记沟中心小学" in body
    assert "冯记沟幼儿园" not in body


def test_tree_links_to_the_import_pages_only_if_they_exist(as_user):
    response = as_user("county").get(reverse("orgs:tree"))
    assert response.status_code == 200  # {% url … as var %} never raises


def test_children_expand_with_htmx(as_user, world):
    client = as_user("county")
    url = reverse("orgs:node_children", args=[world.town_a.pk])
    response = client.get(url + "?level=1", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "冯记沟中心小学" in body and "冯记沟幼儿园" in body
    assert "<html" not in body
    assert client.get(url).status_code == 302  # without HTMX: the node page


def test_children_of_another_county_are_404(as_user, world):
    url = reverse("orgs:node_children", args=[world.town_b.pk])
    assert as_user("county").get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_children_rows_carry_subtree_figures(as_user, world):
    body = as_user("county").get(reverse("orgs:node", args=[world.county_a.pk])).content.decode()
    # 冯记沟乡: two schools of 600 students each (factory default)
    assert "冯记沟乡" in body and re.search(r">1,?200<", body)


# ---------------------------------------------------------------------------- node pages


def test_school_page_shows_profile_people_groups_and_history(as_user, world, people):
    f.LeadershipGroupFactory(org=world.school_a1, name="校园安全工作领导小组")
    response = as_user("county").get(reverse("orgs:node", args=[world.school_a1.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="school-profile"' in body
    assert "王校长" in body and "校园安全工作领导小组" in body
    assert 'data-testid="history"' in body


def test_breadcrumbs_link_only_nodes_in_scope(as_user, world):
    body = as_user("township").get(reverse("orgs:node", args=[world.school_a1.pk])).content.decode()
    town_url = reverse("orgs:node", args=[world.town_a.pk])
    county_url = reverse("orgs:node", args=[world.county_a.pk])
    assert f'href="{town_url}"' in body
    assert "盐池县" in body and f'href="{county_url}"' not in body


@pytest.mark.parametrize(
    ("who", "node"),
    [("county_b", "school_a1"), ("officer_a2", "school_a1"), ("county", "county_b")],
)
def test_outsiders_get_404_on_node_pages(as_user, world, who, node):
    pk = getattr(world, node).pk
    client = as_user(who)
    for name in ("orgs:node", "orgs:node_edit", "orgs:node_add", "orgs:school_add"):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name


def test_guard_sees_no_people_or_history_sections(client, world, people):
    guard = f.user_with_role(Role.GUARD, world.school_a1)
    client.force_login(guard)
    body = client.get(reverse("orgs:node", args=[world.school_a1.pk])).content.decode()
    assert "王校长" not in body
    assert 'data-testid="history"' not in body


def test_create_a_township_under_the_county(as_user, world):
    client = as_user("county")
    url = reverse("orgs:node_add", args=[world.county_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "township", "name": "惠安堡镇", "short_name": ""})
    node = OrgNode.objects.get(name="惠安堡镇")
    assert response.status_code == 302 and node.parent == world.county_a
    entry = entries_for(node, "create").get()
    assert entry.user_id is not None


def test_create_a_school_with_its_profile(as_user, world):
    client = as_user("county")
    url = reverse("orgs:school_add", args=[world.town_a.pk])
    response = client.post(
        url,
        {
            "name": "冯记沟中学",
            "school_kind": "junior",
            "ownership": "public",
            "enrolment": "420",
            "boarders": "100",
            "staff_count": "35",
            "storeys": "4",
            "boarding": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    school = School.objects.get(node__name="冯记沟中学")
    assert school.enrolment == 420 and school.boarding
    assert entries_for(school.node).count() == 2  # the node, then its profile


def test_school_profile_validation_is_shown(as_user, world):
    response = as_user("county").post(
        reverse("orgs:school_add", args=[world.town_a.pk]),
        {"name": "新学校", "school_kind": "primary", "ownership": "public", "enrolment": "10",
         "boarders": "20", "staff_count": "1", "storeys": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not OrgNode.objects.filter(name="新学校").exists()


def test_a_duplicate_name_is_a_form_error(as_user, world):
    response = as_user("county").post(
        reverse("orgs:node_add", args=[world.county_a.pk]), {"kind": "township", "name": "冯记沟乡"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_school_officer_edits_the_profile_and_it_is_audited(as_user, world):
    client = as_user("officer")
    url = reverse("orgs:node_edit", args=[world.school_a1.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": world.school_a1.name,
            "version": world.school_a1.version,
            "school_kind": "primary",
            "ownership": "public",
            "enrolment": "777",
            "boarders": "0",
            "staff_count": "40",
            "storeys": "3",
            "is_active": "on",
        }
    )
    data.pop("boarding", None)
    data.pop("latitude", None)
    data.pop("longitude", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert School.objects.get(node=world.school_a1).enrolment == 777
    entry = entries_for(world.school_a1, "update").latest("at")
    assert entry.changes["enrolment"] == [600, 777]
    body = client.get(reverse("orgs:node", args=[world.school_a1.pk])).content.decode()
    assert "600" in body and "777" in body  # history: before → after


def test_stale_school_edit_changes_nothing_and_says_so(as_user, world):
    client = as_user("officer")
    url = reverse("orgs:node_edit", args=[world.school_a1.pk])
    stale = world.school_a1.version
    OrgNode.objects.filter(pk=world.school_a1.pk).update(version=stale + 1)
    before = entries_for(world.school_a1).count()
    response = client.post(
        url,
        {
            "name": "改名小学",
            "version": stale,
            "school_kind": "primary",
            "ownership": "public",
            "enrolment": "1",
            "boarders": "0",
            "staff_count": "1",
            "storeys": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert conflict_text() in response.content.decode()
    world.school_a1.refresh_from_db()
    assert world.school_a1.name == "冯记沟中心小学"
    assert School.objects.get(node=world.school_a1).enrolment == 600
    assert entries_for(world.school_a1).count() == before


def test_stale_region_edit_changes_nothing(as_user, world):
    client = as_user("county")
    url = reverse("orgs:node_edit", args=[world.town_a.pk])
    OrgNode.objects.filter(pk=world.town_a.pk).update(version=5)
    response = client.post(url, {"name": "别名乡", "version": 1, "is_active": "on"})
    assert conflict_text() in response.content.decode()
    world.town_a.refresh_from_db()
    assert world.town_a.name == "冯记沟乡"


def test_region_edit_is_audited(as_user, world):
    client = as_user("county")
    url = reverse("orgs:node_edit", args=[world.town_a.pk])
    response = client.post(
        url, {"name": "冯记沟乡", "short_name": "冯记沟", "version": 1, "is_active": "on"}
    )
    assert response.status_code == 302
    assert entries_for(world.town_a, "update").get().changes["short_name"] == ["", "冯记沟"]


@pytest.mark.parametrize("who", ["leader", "teacher", "township"])
def test_roles_without_the_change_right_get_403(as_user, world, who):
    client = as_user(who)
    assert client.get(reverse("orgs:node_edit", args=[world.school_a1.pk])).status_code == 403
    assert client.post(reverse("orgs:node_edit", args=[world.school_a1.pk]), {}).status_code == 403


def test_school_roles_cannot_add_nodes(as_user, world):
    response = as_user("officer").get(reverse("orgs:school_add", args=[world.school_a1.pk]))
    assert response.status_code in (403, 404)


# ---------------------------------------------------------------------------- schools ledger


def test_school_ledger_is_scoped_and_filters_by_node(as_user, world):
    client = as_user("county")
    body = client.get(reverse("orgs:schools")).content.decode()
    assert "冯记沟中心小学" in body and "冯记沟幼儿园" in body and "豫海中学" not in body
    body = client.get(reverse("orgs:schools"), {"kind": "kindergarten"}).content.decode()
    assert "冯记沟幼儿园" in body and "冯记沟中心小学" not in body


def test_school_ledger_rejects_a_node_filter_outside_the_scope(as_user, world):
    response = as_user("county").get(reverse("orgs:schools"), {"node": world.county_b.pk})
    body = response.content.decode()
    assert "豫海中学" not in body


def test_a_list_menu_offers_two_levels_of_regions_and_keeps_a_deeper_choice(client, world):
    """A province's bureau picks a city or a county from the menu (not 1,500 townships); a
    township reached by a drill-down link is shown as chosen."""
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.province))

    def offered(**params):
        body = client.get(reverse("orgs:schools"), params).content.decode()
        menu = body[body.index('name="node"') :]
        menu = menu[: menu.index("</select>")]
        return {int(pk) for pk in re.findall(r'<option value="(\d+)"', menu)}

    regions = {world.province.pk, world.city.pk, world.county_a.pk, world.county_b.pk}
    assert offered() == regions
    assert offered(node=world.town_a.pk) == regions | {world.town_a.pk}


def test_school_ledger_export(as_user, world):
    response = as_user("county").get(reverse("orgs:schools"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"冯记沟中心小学", "冯记沟幼儿园"}


# ---------------------------------------------------------------------------- departments


def test_departments_list_and_detail(as_user, world):
    f.DepartmentFactory(org=world.town_b, name="豫海派出所")
    client = as_user("county")
    body = client.get(reverse("orgs:departments")).content.decode()
    assert "冯记沟派出所" in body and "豫海派出所" not in body
    response = client.get(reverse("orgs:department", args=[world.police_a.pk]))
    assert response.status_code == 200


def test_department_of_another_county_is_404(as_user, world):
    other = f.DepartmentFactory(org=world.town_b, name="豫海派出所")
    client = as_user("county")
    assert client.get(reverse("orgs:department", args=[other.pk])).status_code == 404
    assert client.get(reverse("orgs:department_edit", args=[other.pk])).status_code == 404


def test_department_create_and_edit_are_audited(as_user, world):
    client = as_user("county")
    response = client.post(
        reverse("orgs:department_add"),
        {"org": world.town_a.pk, "kind": "judicial", "name": "冯记沟司法所", "phone": "0953-1"},
    )
    dept = Department.objects.get(name="冯记沟司法所")
    assert response.status_code == 302
    assert entries_for(dept, "create").exists()
    response = client.post(
        reverse("orgs:department_edit", args=[dept.pk]),
        {"org": world.town_a.pk, "kind": "judicial", "name": "冯记沟司法所", "phone": "0953-2",
         "version": dept.version},
    )  # fmt: skip
    assert response.status_code == 302
    assert entries_for(dept, "update").get().changes["phone"] == ["0953-1", "0953-2"]


def test_department_cannot_be_created_in_another_county(as_user, world):
    response = as_user("county").post(
        reverse("orgs:department_add"),
        {"org": world.town_b.pk, "kind": "police", "name": "越界派出所"},
    )
    assert response.status_code in (200, 403)
    assert not Department.objects.filter(name="越界派出所").exists()


def test_school_officer_may_not_edit_departments(as_user, world):
    response = as_user("township").get(reverse("orgs:department_edit", args=[world.police_a.pk]))
    assert response.status_code == 200  # township officers have write rights on departments
    assert (
        as_user("leader").get(reverse("orgs:department_edit", args=[world.police_a.pk])).status_code
        == 403
    )


# ---------------------------------------------------------------------------- people


def test_people_list_is_scoped(as_user, people):
    body = as_user("county").get(reverse("orgs:people")).content.decode()
    assert "王校长" in body and "李园长" in body and "赵所长" in body
    assert "马校长" not in body
    body = as_user("officer").get(reverse("orgs:people")).content.decode()
    assert "王校长" in body and "李园长" not in body and "赵所长" not in body


def test_people_filters_by_subtree_and_search(as_user, world, people):
    client = as_user("county")
    body = client.get(reverse("orgs:people"), {"node": world.school_a2.pk}).content.decode()
    assert "李园长" in body and "王校长" not in body
    body = client.get(reverse("orgs:people"), {"q": "13900000001"}).content.decode()
    assert "王校长" in body and "李园长" not in body
    body = client.get(reverse("orgs:people"), {"q": "赵"}).content.decode()
    assert "赵所长" in body and "王校长" not in body


def test_people_export_contains_only_scoped_rows(as_user, world, people):
    client = as_user("county")
    response = client.get(reverse("orgs:people"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"王校长", "李园长", "赵所长"}
    # the same filters as the list
    response = client.get(reverse("orgs:people"), {"export": "xlsx", "node": world.school_a1.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["王校长"]


def test_export_never_turns_text_into_a_formula(as_user, world):
    f.PersonFactory(org=world.school_a1, name="=HYPERLINK(1)")
    response = as_user("county").get(reverse("orgs:people"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    target = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert target.data_type == "s"


def test_person_detail_and_outsider(as_user, people):
    assert as_user("county").get(reverse("orgs:person", args=[people["a1"].pk])).status_code == 200
    client = as_user("county_b")
    for name in ("orgs:person", "orgs:person_edit", "orgs:person_delete"):
        assert client.get(reverse(name, args=[people["a1"].pk])).status_code == 404
    client = as_user("officer_a2")
    assert client.get(reverse("orgs:person", args=[people["a1"].pk])).status_code == 404


def test_person_create_edit_delete_are_audited(as_user, world):
    client = as_user("officer")
    response = client.get(reverse("orgs:person_add") + f"?node={world.school_a1.pk}")
    assert response.status_code == 200
    response = client.post(
        reverse("orgs:person_add"),
        {"org": world.school_a1.pk, "name": "周老师", "phone": "13800000000", "post": "安全员"},
    )
    person = Person.objects.get(name="周老师")
    assert response.status_code == 302
    assert entries_for(person, "create").get().user.pk
    response = client.post(
        reverse("orgs:person_edit", args=[person.pk]),
        {"org": world.school_a1.pk, "name": "周老师", "phone": "13800000001", "post": "安全员",
         "version": person.version},
    )  # fmt: skip
    assert response.status_code == 302
    assert entries_for(person, "update").get().changes["phone"] == ["13800000000", "13800000001"]
    assert client.get(reverse("orgs:person_delete", args=[person.pk])).status_code == 200
    response = client.post(reverse("orgs:person_delete", args=[person.pk]))
    assert response.status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()
    assert entries_for(person, "delete").exists()


def test_person_cannot_be_moved_out_of_the_editors_scope(as_user, world, people):
    person = people["a1"]
    response = as_user("officer").post(
        reverse("orgs:person_edit", args=[person.pk]),
        {"org": world.school_a2.pk, "name": person.name, "version": person.version},
    )
    assert response.status_code == 200  # the choice is not offered: a form error
    person.refresh_from_db()
    assert person.org == world.school_a1


def test_stale_person_edit_changes_nothing(as_user, world, people):
    person = people["a1"]
    Person.objects.filter(pk=person.pk).update(version=3)
    response = as_user("officer").post(
        reverse("orgs:person_edit", args=[person.pk]),
        {"org": world.school_a1.pk, "name": "改名", "version": 1},
    )
    assert conflict_text() in response.content.decode()
    person.refresh_from_db()
    assert person.name == "王校长"
    assert not entries_for(person, "update").exists()


def test_teacher_reads_people_but_cannot_edit_or_add(as_user, people):
    client = as_user("teacher")
    assert client.get(reverse("orgs:person", args=[people["a1"].pk])).status_code == 200
    assert client.get(reverse("orgs:person_edit", args=[people["a1"].pk])).status_code == 403
    assert client.post(reverse("orgs:person_delete", args=[people["a1"].pk])).status_code == 403
    assert client.get(reverse("orgs:person_add")).status_code == 403


def test_guard_gets_403_on_the_people_list(client, world):
    client.force_login(f.user_with_role(Role.GUARD, world.school_a1))
    assert client.get(reverse("orgs:people")).status_code == 403


def test_a_group_member_cannot_be_deleted(as_user, world, people):
    group = f.LeadershipGroupFactory(org=world.school_a1)
    LeadershipGroupMember.objects.create(group=group, person=people["a1"])
    response = as_user("officer").post(reverse("orgs:person_delete", args=[people["a1"].pk]))
    assert response.status_code == 302
    assert Person.objects.filter(pk=people["a1"].pk).exists()


# ---------------------------------------------------------------------------- leadership groups


@pytest.fixture
def group(world, people):
    g = f.LeadershipGroupFactory(org=world.town_a, name="冯记沟乡校园安全工作领导小组")
    LeadershipGroupMember.objects.create(group=g, person=people["town"], group_role="leader")
    return g


def test_groups_list_is_scoped(as_user, world, group):
    f.LeadershipGroupFactory(org=world.town_b, name="豫海镇领导小组")
    body = as_user("county").get(reverse("orgs:groups")).content.decode()
    assert "冯记沟乡校园安全工作领导小组" in body and "豫海镇领导小组" not in body


def test_group_detail_shows_the_roster(as_user, group):
    body = as_user("county").get(reverse("orgs:group", args=[group.pk])).content.decode()
    assert "赵所长" in body


def test_group_of_another_county_is_404(as_user, group):
    client = as_user("county_b")
    for name in ("orgs:group", "orgs:group_edit", "orgs:group_members"):
        assert client.get(reverse(name, args=[group.pk])).status_code == 404


def test_group_create_and_edit(as_user, world):
    client = as_user("township")
    response = client.post(
        reverse("orgs:group_add"),
        {"org": world.town_a.pk, "kind": "task_force", "name": "防溺水工作专班"},
    )
    group = LeadershipGroup.objects.get(name="防溺水工作专班")
    assert response.status_code == 302 and entries_for(group, "create").exists()
    response = client.post(
        reverse("orgs:group_edit", args=[group.pk]),
        {"org": world.town_a.pk, "kind": "task_force", "name": "防溺水工作专班",
         "document_number": "冯政发〔2026〕3号", "version": group.version},
    )  # fmt: skip
    assert response.status_code == 302
    assert entries_for(group, "update").exists()


def test_group_members_are_replaced_and_audited(as_user, group, people):
    client = as_user("county")
    url = reverse("orgs:group_members", args=[group.pk])
    assert client.get(url).status_code == 200
    data = {
        "version": group.version,
        "m-TOTAL_FORMS": "3",
        "m-INITIAL_FORMS": "1",
        "m-0-person": people["town"].pk,
        "m-0-group_role": "member",
        "m-1-person": people["a1"].pk,
        "m-1-group_role": "leader",
        "m-1-post": "组长",
        "m-2-person": "",
        "m-2-group_role": "member",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["formset"].errors
    roster = list(group.members.order_by("position").values_list("person__name", "group_role"))
    assert roster == [("王校长", "leader"), ("赵所长", "member")]
    assert "members" in entries_for(group, "update").get().changes


def test_stale_roster_changes_nothing(as_user, group, people):
    client = as_user("county")
    LeadershipGroup.objects.filter(pk=group.pk).update(version=9)
    response = client.post(
        reverse("orgs:group_members", args=[group.pk]),
        {"version": 1, "m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "1",
         "m-0-person": people["a1"].pk, "m-0-group_role": "leader"},
    )  # fmt: skip
    assert response.status_code == 200
    assert conflict_text() in response.content.decode()
    assert list(group.members.values_list("person__name", flat=True)) == ["赵所长"]


def test_members_from_another_county_are_not_accepted(as_user, group, people):
    response = as_user("county").post(
        reverse("orgs:group_members", args=[group.pk]),
        {"version": group.version, "m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0",
         "m-0-person": people["b1"].pk, "m-0-group_role": "member"},
    )  # fmt: skip
    assert response.status_code == 200
    assert list(group.members.values_list("person__name", flat=True)) == ["赵所长"]


def test_leader_cannot_edit_members(as_user, group):
    assert as_user("leader").get(reverse("orgs:group_members", args=[group.pk])).status_code == 403


# ---------------------------------------------------------------------------- no N+1


def _many(world, n, start=0):
    for i in range(start, start + n):
        dept = f.DepartmentFactory(org=world.town_a, name=f"部门{i}")
        f.PersonFactory(org=world.school_a1, department=dept)
        g = f.LeadershipGroupFactory(org=world.school_a1)
        LeadershipGroupMember.objects.create(
            group=g, person=Person.objects.filter(org=world.school_a1).first()
        )
        f.school(world.town_a)


@pytest.mark.parametrize(
    "name",
    ["orgs:people", "orgs:groups", "orgs:departments", "orgs:schools", "orgs:tree"],
)
def test_list_pages_do_not_grow_queries_with_rows(
    as_user, world, name, django_assert_max_num_queries
):
    client = as_user("county")
    _many(world, 2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse(name)).status_code == 200
    _many(world, 25, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_node_page_queries_are_bounded(as_user, world, django_assert_max_num_queries):
    client = as_user("county")
    _many(world, 20)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("orgs:node", args=[world.town_a.pk])).status_code == 200
