"""The home page ("我的工作"), the navigation by role, the login page and the error pages."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from safecampus.accounts.roles import Role
from safecampus.core import home
from safecampus.core.navigation import menu_tree
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_login_page_renders_with_the_language_switch(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'name="username"' in body and 'name="password"' in body
    assert 'data-testid="language"' in body


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_school_user_sees_the_school_card_and_an_empty_todo_list(client, world):
    client.force_login(f.user_with_role(Role.TEACHER, world.school_a1))
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="school-card"' in body and "冯记沟中心小学" in body
    assert 'data-testid="todos-empty"' in body
    assert 'data-testid="region-table"' not in body
    assert "豫海中学" not in body and "同心县" not in body
    assert body.index('data-testid="todos-empty"') < body.index('data-testid="figures"')


def test_a_new_schools_safety_officer_is_told_what_the_school_lacks(client, world):
    """A school registered today holds no emergency plan yet: that is its officer's first to-do,
    linked to the school's plans."""
    client.force_login(f.user_with_role(Role.SAFETY_OFFICER, world.school_a1))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert 'data-testid="todos-empty"' not in body
    assert reverse("plans:org", args=[world.school_a1.pk]) in body
    assert "豫海中学" not in body and "同心县" not in body


def test_regional_user_sees_child_regions_with_figures_and_drill_down(client, world):
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_a))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert 'data-testid="region-table"' in body and "冯记沟乡" in body
    assert "同心县" not in body and "豫海镇" not in body
    figures = {c["key"]: c for c in response.context["figure_cards"]}
    assert figures["schools"]["value"] == 2
    assert figures["students"]["value"] == 1200
    assert f'href="{figures["schools"]["url"]}"' in body
    assert reverse("orgs:schools") + f"?node={world.town_a.pk}" in body


@pytest.mark.parametrize("nodes", [["city"], ["county_a"], ["county_a", "county_b"]])
def test_the_key_figures_sum_every_school_in_scope(client, world, nodes):
    """One region's totals come from its children's rows, several regions' from the schools
    themselves: the same sums either way."""
    from django.db.models import Sum

    from safecampus.accounts.models import RoleAssignment
    from safecampus.orgs.models import School

    user = f.user_with_role(Role.BUREAU_STAFF, getattr(world, nodes[0]))
    for name in nodes[1:]:
        RoleAssignment.objects.create(user=user, role=Role.BUREAU_STAFF, org=getattr(world, name))
    client.force_login(user)
    cards = {c["key"]: c["value"] for c in client.get(reverse("home")).context["figure_cards"]}
    expected = School.objects.for_user(user).aggregate(
        students=Sum("enrolment"), staff=Sum("staff_count")
    )
    assert expected["students"] > 0
    assert (cards["students"], cards["staff"]) == (expected["students"], expected["staff"])


def test_city_user_sees_both_counties(client, world):
    client.force_login(f.user_with_role(Role.BUREAU_LEADER, world.city))
    body = client.get(reverse("home")).content.decode()
    assert "盐池县" in body and "同心县" in body


def test_todo_providers_fill_the_list_overdue_first(client, world, monkeypatch):
    def provider(user):
        return [
            {"label": "待验收隐患", "count": 2, "url": "/x/", "severity": "waiting"},
            {"label": "逾期隐患", "count": 1, "url": "/y/", "severity": "overdue"},
            {"label": "无事", "count": 0, "url": "/z/", "severity": "due"},
        ]

    monkeypatch.setattr(home, "TODO_PROVIDERS", [provider])
    client.force_login(f.user_with_role(Role.PRINCIPAL, world.school_a1))
    body = client.get(reverse("home")).content.decode()
    assert body.index("逾期隐患") < body.index("待验收隐患")
    assert "无事" not in body
    assert "badge-overdue" in body


def test_user_without_a_role_is_told_so(client, world):
    client.force_login(f.UserFactory())
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="scope"' in body


@pytest.mark.parametrize(
    ("role", "node", "present", "absent"),
    [
        (Role.GUARD, "school_a1", {"home", "orgs"}, {"people", "audit", "users", "schools"}),
        (Role.TEACHER, "school_a1", {"home", "orgs", "people"}, {"audit", "users", "groups"}),
        (Role.PRINCIPAL, "school_a1", {"people", "groups", "audit"}, {"users", "schools"}),
        (Role.BUREAU_STAFF, "county_a", {"schools", "departments", "audit"}, {"users"}),
        (Role.SYSADMIN, "county_a", {"users", "audit", "schools"}, set()),
    ],
)
def test_menu_follows_the_role_table(client, world, role, node, present, absent):
    client.force_login(f.user_with_role(role, getattr(world, node)))
    keys = {item["key"] for item in client.get(reverse("home")).context["nav_items"]}
    assert present <= keys
    assert not (absent & keys)


def test_the_menu_works_without_javascript(client, world):
    client.force_login(f.user_with_role(Role.TEACHER, world.school_a1))
    body = client.get(reverse("home")).content.decode()
    assert 'id="nav-toggle"' in body and 'for="nav-toggle"' in body
    assert 'aria-current="page"' in body


def test_a_long_menu_is_grouped_and_a_short_one_stays_flat(client, world):
    """A bureau user's twenty entries become a few drop-downs; a guard's stay plain links."""
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_a))
    response = client.get(reverse("hazards:ledger"))
    tree = response.context["nav_tree"]
    groups = [entry for entry in tree if entry.get("children")]
    assert len(tree) < len(response.context["nav_items"])
    assert {"hazards", "org"} <= {g["key"] for g in groups}
    flattened = [i["key"] for e in tree for i in e.get("children", [e])]
    assert sorted(flattened) == sorted(i["key"] for i in response.context["nav_items"])
    body = response.content.decode()
    assert '<details class="navgroup active">' in body  # the ledger's group is marked
    assert "隐患排查" in body

    # A handful of entries (a department liaison's, say) stays flat: grouping would add a tap.
    short = [
        {"group": "hazards", "label": str(n), "url": f"/{n}/", "key": str(n)} for n in range(5)
    ]
    assert menu_tree(short) == short
    # A guard manages no settings, so has no settings group.
    client.force_login(f.user_with_role(Role.GUARD, world.school_a1))
    tree = client.get(reverse("home")).context["nav_tree"]
    assert "settings" not in {entry["key"] for entry in tree}


def test_error_pages_render(client, world, settings):
    settings.DEBUG = False
    client.force_login(f.user_with_role(Role.TEACHER, world.school_a1))
    response = client.get(reverse("orgs:node", args=[world.school_b1.pk]))
    assert response.status_code == 404 and "404" in response.content.decode()
    response = client.get(reverse("orgs:person_add"))
    assert response.status_code == 403 and "403" in response.content.decode()


def test_home_queries_are_bounded(client, world):
    """The home page costs the same number of queries whatever the size of the scope."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_a))
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    for _ in range(10):
        f.school(world.town_a)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("home"))
    assert len(large) == len(small) <= 34


def _with_schedules(*schools):
    """The standard schedules since the start of term, yesterday's daily check done."""
    import datetime

    from django.utils import timezone

    from safecampus.hazards.models import Inspection, Schedule
    from safecampus.hazards.schedules import schedule_defaults_for

    for school in schools:
        schedule_defaults_for(school, by=None, starts_on=datetime.date(2026, 9, 1))
        daily = Schedule.objects.get(org=school, rhythm="school_day")
        Inspection.objects.create(
            org=school,
            schedule=daily,
            period_start=datetime.date(2026, 11, 23),
            checklist=daily.template.current,
            inspected_at=timezone.make_aware(datetime.datetime(2026, 11, 23, 8, 0)),
            signed_name="马建军",
        )


@freeze_time("2026-11-24 10:00:00+08:00")  # a Tuesday of the autumn term
def test_a_bureau_sees_how_many_checks_are_due_and_missed_a_school_which(client, world):
    """A region's home page counts the checks due today and missed this week across its
    schools and links to its dashboard; a school's lists them, each linking to its check."""
    _with_schedules(world.school_a1, world.school_a2, world.school_b1)
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_a))
    todos = {t["key"]: t for t in client.get(reverse("home")).context["todos"]}
    # Each school: today's daily check, this week's and this month's checks are due; the
    # daily checks of 17–20 November (the 23rd was done) and last week's were missed.
    assert todos["inspection-due"]["count"] == 2 * 3
    assert todos["inspection-missed"]["count"] == 2 * 5
    assert todos["inspection-due"]["url"] == reverse("hazard_dashboard:home")
    safety = f.user_with_role(Role.SAFETY_OFFICER, world.school_a1)
    client.force_login(safety)
    items = [
        t for t in client.get(reverse("home")).context["todos"] if t["key"] == "inspection-due"
    ]
    assert len(items) == 3 and all(t["count"] == 1 for t in items)
    assert all(reverse("hazards:inspect") + "?schedule=" in t["url"] for t in items)


@freeze_time("2026-11-24 10:00:00+08:00")
def test_a_bureaus_home_takes_the_same_queries_for_more_schools_with_checks(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _with_schedules(world.school_a1, world.school_a2)
    client.force_login(f.user_with_role(Role.BUREAU_STAFF, world.county_a))
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    _with_schedules(*(f.school(world.town_a) for _ in range(5)))
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("home"))
    todos = {t["key"]: t for t in response.context["todos"]}
    assert todos["inspection-due"]["count"] == 7 * 3
    assert len(large) == len(small) <= 40
