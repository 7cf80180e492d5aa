"""`seed-demo` and `demo-logins`: a deterministic, idempotent demo world with one login per role."""

import io
import json
from collections import Counter
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone, translation

from safecampus.accounts.models import RoleAssignment, User
from safecampus.accounts.roles import Role
from safecampus.hazards.models import (
    FollowUpTask,
    Hazard,
    HazardEscalation,
    HazardTransition,
    Inspection,
    Visit,
    WeeklyReview,
)
from safecampus.notify.models import Channel, Delivery, Notification
from safecampus.orgs import demo_data, services
from safecampus.orgs.choices import GroupRole, NodeKind, SchoolKind
from safecampus.orgs.models import (
    Department,
    LeadershipGroup,
    LeadershipGroupMember,
    OrgNode,
    Person,
    School,
    path_segment,
)

SCHOOLS = 30
SEED = 7


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=out)
    return tmp_path, out.getvalue()


def test_same_seed_same_world_and_a_different_seed_another():
    one = demo_data.build_world(seed=SEED, schools=SCHOOLS)
    two = demo_data.build_world(seed=SEED, schools=SCHOOLS)
    other = demo_data.build_world(seed=SEED + 1, schools=SCHOOLS)
    assert [n.name for n in one.nodes] == [n.name for n in two.nodes]
    assert [(p.name, p.phone, p.post) for p in one.people] == [
        (p.name, p.phone, p.post) for p in two.people
    ]
    assert [p.name for p in one.people] != [p.name for p in other.people]


def test_the_database_holds_exactly_the_built_world(seeded):
    world = demo_data.build_world(seed=SEED, schools=SCHOOLS)
    assert sorted(Person.objects.values_list("name", flat=True)) == sorted(
        p.name for p in world.people
    )
    assert sorted(OrgNode.objects.values_list("name", flat=True)) == sorted(
        n.name for n in world.nodes
    )


def test_the_tree_is_county_scale_with_every_kind_of_school(seeded):
    assert School.objects.count() == SCHOOLS
    counties = OrgNode.objects.filter(kind=NodeKind.COUNTY)
    assert sorted(counties.values_list("short_name", flat=True)) == ["同心", "盐池", "青铜峡"]
    townships = set(OrgNode.objects.filter(kind=NodeKind.TOWNSHIP).values_list("name", flat=True))
    assert 18 <= len(townships) <= 24
    assert {
        "花马池镇",
        "大水坑镇",
        "惠安堡镇",
        "高沙窝镇",
        "王乐井乡",
        "冯记沟乡",
        "青山乡",
        "麻黄山乡",
    } <= townships
    assert OrgNode.objects.filter(kind=NodeKind.VILLAGE).count() > 40
    kinds = Counter(School.objects.values_list("school_kind", flat=True))
    assert set(kinds) == set(SchoolKind.values)
    assert kinds[SchoolKind.KINDERGARTEN] + kinds[SchoolKind.PRIMARY] > SCHOOLS / 2
    assert (
        kinds[SchoolKind.HIGHER] == kinds[SchoolKind.VOCATIONAL] == kinds[SchoolKind.SPECIAL] == 1
    )
    school = School.objects.select_related("node").get(node__name="冯记沟中心小学")
    assert school.node.ancestors().last().name == "冯记沟乡"
    assert school.school_kind == SchoolKind.PRIMARY and school.enrolment > 0
    assert school.principal_name
    for s in School.objects.all():
        assert abs(float(s.latitude) - 37.8) < 1 and abs(float(s.longitude) - 107.4) < 1
        assert s.boarders <= s.enrolment and s.staff_count > 0 and s.address


def test_paths_are_allocated_like_the_service_would(seeded):
    nodes = {n.pk: n for n in OrgNode.objects.all()}
    children = Counter(n.parent_id for n in nodes.values() if n.parent_id)
    for node in nodes.values():
        assert node.last_child == children.get(node.pk, 0)
        if node.parent_id:
            parent = nodes[node.parent_id]
            assert node.path.startswith(parent.path + ".") and node.depth == parent.depth + 1
    # The next node under a seeded parent takes the next free number.
    town = OrgNode.objects.get(name="冯记沟乡")
    new = services.node_create(parent=town, kind=NodeKind.VILLAGE, name="新村", by=None)
    assert new.path == f"{town.path}.{path_segment(children[town.pk] + 1)}"


def test_departments_people_and_groups_follow_seed_000(seeded):
    town = OrgNode.objects.get(name="冯记沟乡")
    assert set(Department.objects.filter(org=town).values_list("kind", flat=True)) >= {
        "police",
        "market",
        "judicial",
        "health",
    }
    county = OrgNode.objects.get(name="盐池县")
    assert set(Department.objects.filter(org=county).values_list("kind", flat=True)) >= {
        "education",
        "fire",
        "traffic",
        "emergency",
        "water",
    }
    group = LeadershipGroup.objects.get(name="冯记沟乡校园安全管理领导小组")
    roles = Counter(group.members.values_list("group_role", flat=True))
    assert (
        roles[GroupRole.LEADER] == 1
        and roles[GroupRole.DEPUTY] == 1
        and roles[GroupRole.MEMBER] > 10
    )
    leader = group.members.get(group_role=GroupRole.LEADER)
    assert leader.post == "乡党委副书记、政府乡长"
    police = group.members.get(unit="冯记沟派出所")
    assert police.post == "所长"
    assert LeadershipGroup.objects.filter(name="盐池县教育体育局校园安全工作领导小组").exists()
    school_groups = LeadershipGroup.objects.filter(org__kind=NodeKind.SCHOOL)
    assert school_groups.count() == SCHOOLS
    assert (
        not LeadershipGroupMember.objects.filter(
            group__in=school_groups, group_role=GroupRole.LEADER
        )
        .exclude(post__in=["校长", "园长"])
        .exists()
    )
    phones = list(Person.objects.values_list("phone", flat=True))
    assert len(phones) == len(set(phones))
    assert all(len(p) == 11 and p.startswith("1") and p.isdigit() for p in phones)


def test_every_role_has_a_login_at_a_sensible_node(seeded):
    by_role = {
        a.role: a for a in RoleAssignment.objects.select_related("org", "department", "user")
    }
    assert set(by_role) == set(Role.values)
    assert by_role[Role.SYSADMIN].org.kind == NodeKind.PROVINCE
    assert by_role[Role.BUREAU_LEADER].org.name == "盐池县"
    assert by_role[Role.BUREAU_STAFF].org.name == "盐池县"
    assert by_role[Role.TOWNSHIP_OFFICER].org.name == "冯记沟乡"
    assert by_role[Role.OBSERVER].org.name == "吴忠市"
    for role in (Role.PRINCIPAL, Role.SAFETY_OFFICER, Role.TEACHER, Role.GUARD):
        assert by_role[role].org.name == "冯记沟中心小学"
    liaison = by_role[Role.DEPARTMENT_LIAISON]
    assert liaison.org.name == "冯记沟乡" and liaison.department.name == "冯记沟派出所"
    inspected = RoleAssignment.objects.filter(role=Role.INSPECTOR).select_related("org")
    county = OrgNode.objects.get(name="盐池县")
    assert inspected.count() == 3
    assert all(a.org.is_school and a.org.is_within(county) for a in inspected)
    for user in User.objects.all():
        assert user.person.name == user.last_name + user.first_name
        assert user.phone == user.person.phone
    assert User.objects.get(username="principal").check_password(demo_data.DEMO_PASSWORD)


def test_demo_users_json(seeded):
    tmp_path, _ = seeded
    rows = json.loads((tmp_path / "demo-users.json").read_text(encoding="utf-8"))
    assert [r["username"] for r in rows] == list(demo_data.DEMO_USERNAMES)
    for row in rows:
        assert set(row) == {"username", "password", "role", "org", "org_id"}
        user = User.objects.get(username=row["username"])
        assert row["password"] == "safecampus-demo"
        assert row["org_id"] == user.org_id and row["org"] == user.org.name
        assert row["role"] in Role.values
    assert {r["role"] for r in rows} == set(Role.values)


def test_second_run_changes_nothing(seeded):
    counts = [m.objects.count() for m in (OrgNode, Person, LeadershipGroupMember, User)]
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", schools=SCHOOLS, seed=SEED + 1, stdout=out)
    assert "already loaded" in out.getvalue()
    assert [m.objects.count() for m in (OrgNode, Person, LeadershipGroupMember, User)] == counts


def test_too_few_schools_is_refused(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with pytest.raises(CommandError):
        call_command("seed_demo", schools=3, stdout=io.StringIO())
    assert not OrgNode.objects.exists()


def test_demo_logins_prints_the_table(seeded):
    out = io.StringIO()
    with translation.override("en"):
        call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    for username in demo_data.DEMO_USERNAMES:
        assert username in text
    assert "Principal" in text and "冯记沟中心小学" in text
    assert "safecampus-demo" in text


def test_demo_logins_without_the_file_says_what_to_do(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with pytest.raises(CommandError, match="seed-demo"):
        call_command("demo_logins", stdout=io.StringIO())


def _county_of(node_key: str) -> str:
    return node_key.split("/")[2]


@pytest.mark.parametrize(("seed", "schools"), [(2023, 200), (SEED, SCHOOLS), (1, 600)])
def test_school_names_are_unique_in_each_county(seed, schools):
    world = demo_data.build_world(seed=seed, schools=schools)
    names = Counter((_county_of(s.key), s.name) for s in world.schools)
    assert [k for k, n in names.items() if n > 1] == []
    kept = {s.name for s in world.schools}
    assert {"冯记沟中心小学", "冯记沟幼儿园", "盐池县第一中学"} <= kept


def test_school_names_in_the_database_are_unique_in_each_county(seeded):
    for county in OrgNode.objects.filter(kind=NodeKind.COUNTY):
        names = list(county.descendants().filter(kind=NodeKind.SCHOOL).values_list("name", flat=True))  # fmt: skip
        assert len(names) == len(set(names)), county.name


def _snapshot():
    """Everything a demo user would notice, without the database's ids."""
    models = (Inspection, Hazard, HazardTransition, WeeklyReview, FollowUpTask, Visit)
    models += (Notification, Delivery, Channel)
    return (
        [m.objects.count() for m in models],
        sorted(Hazard.objects.values_list("number", "org__name", "status", "grade", "found_at")),
        sorted(HazardEscalation.objects.values_list("hazard__number", "step", "document_number")),
        sorted(
            (r.org.name, r.week_start, str(r.summary), r.analysis, r.attendees)
            for r in WeeklyReview.objects.select_related("org")
        ),
        sorted(FollowUpTask.objects.values_list("review__org__name", "text", "due_on", "done_at")),
        sorted(Visit.objects.values_list("org__name", "visited_on", "findings")),
        sorted(
            Notification.objects.values_list(
                "recipient__username", "title", "created_at", "read_at"
            )
        ),
        sorted(Delivery.objects.values_list("subject", "status", "attempts", "created_at")),
    )


def test_two_runs_with_the_same_seed_give_the_same_demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    now = timezone.now()
    shots = []
    for _run in range(2):
        with mock.patch("django.utils.timezone.now", return_value=now), transaction.atomic():
            call_command(
                "seed_demo", schools=demo_data.MIN_SCHOOLS, seed=SEED, stdout=io.StringIO()
            )
            shots.append(_snapshot())
            transaction.set_rollback(True)
    assert shots[0] == shots[1]
    counts = shots[0][0]
    assert all(counts[:6]) and counts[6]  # a year of activity, analyses, visits and inboxes
