"""The one scoping mechanism: subtree filters and the role table."""

import pytest
from django.db import connection

from safecampus.accounts.roles import Role
from safecampus.orgs.models import OrgNode, Person, School
from tests import factories as f


@pytest.mark.django_db
def test_school_user_sees_only_their_school(world):
    user = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    assert list(OrgNode.objects.for_user(user)) == [world.school_a1]
    assert list(School.objects.for_user(user).values_list("node__name", flat=True)) == [
        "冯记沟中心小学"
    ]


@pytest.mark.django_db
def test_county_user_sees_whole_subtree_and_not_the_other_county(world):
    user = f.user_with_role(Role.BUREAU_STAFF, world.county_a)
    names = set(OrgNode.objects.for_user(user).values_list("name", flat=True))
    assert names == {"盐池县", "冯记沟乡", "冯记沟中心小学", "冯记沟幼儿园"}


@pytest.mark.django_db
def test_sibling_path_prefix_is_not_a_descendant(world):
    """Path 0001.0001.0001 must not match 0001.0001.00010 style neighbours: segments are whole."""
    nodes = OrgNode.objects.within(world.county_a.path)
    assert world.county_b not in nodes
    assert world.school_b1 not in nodes


@pytest.mark.django_db
@pytest.mark.parametrize("level", ["province", "city", "county_a", "school_a1"])
def test_by_other_filters_changes_the_plan_never_the_rows(world, level):
    """The hint only keeps the path index out of SQLite's plan (core/lookups.py)."""
    for school in (world.school_a1, world.school_a2, world.school_b1):
        f.PersonFactory(org=school, name="王芳")
        f.PersonFactory(org=school, name="李强")
    user = f.user_with_role(Role.BUREAU_STAFF, getattr(world, level))
    plain = Person.objects.for_user(user).filter(name="王芳")
    hinted = plain.by_other_filters()
    assert set(hinted) == set(plain) != set()
    # Written into SQLite's SQL for a whole province only; PostgreSQL's planner needs none.
    wrote = '+"orgs_person"."org_path"' in str(hinted.query)
    assert wrote == (level == "province" and connection.vendor == "sqlite")


@pytest.mark.django_db
def test_several_assignments_give_the_union(world):
    user = f.user_with_role(Role.INSPECTOR, world.school_a1)
    from safecampus.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.INSPECTOR, org=world.school_b1)
    assert set(OrgNode.objects.for_user(user)) == {world.school_a1, world.school_b1}


@pytest.mark.django_db
def test_role_without_the_record_type_sees_nothing(world):
    guard = f.user_with_role(Role.GUARD, world.school_a1)
    f.PersonFactory(org=world.school_a1)
    assert Person.objects.for_user(guard).count() == 0


@pytest.mark.django_db
def test_inactive_user_sees_nothing(world):
    user = f.user_with_role(Role.BUREAU_STAFF, world.county_a, is_active=False)
    assert OrgNode.objects.for_user(user).count() == 0
