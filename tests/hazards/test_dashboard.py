"""The hazard dashboard: figures on a small known dataset, scoping, drill-down links, a fixed
number of queries whatever the number of schools, and a page that loads ECharts locally."""

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safecampus.core.dates import day_start
from safecampus.hazards import dashboard
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard
from safecampus.orgs.choices import SchoolKind
from tests import factories as f

_numbers = itertools.count(1)


def make(org, grade=Grade.GENERAL, status=Status.REPORTED, found_at=None, **kw):
    return Hazard.objects.create(
        number=f"T-{next(_numbers):06d}",
        org=org,
        category="fire",
        description="测试隐患",
        grade=grade,
        status=status,
        found_at=found_at or timezone.now(),
        **kw,
    )


@pytest.fixture
def people(world):
    return {
        "city": f.user_with_role("bureau_staff", world.city),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
    }


@pytest.fixture
def dataset(world):
    today = timezone.localdate()
    now = timezone.now()
    past = day_start(today.replace(day=1)) - datetime.timedelta(days=40, hours=-12)
    day = datetime.timedelta(days=1)
    return {
        "h1": make(world.school_a1, Grade.MAJOR, Status.RECTIFYING, deadline=today - 5 * day),
        "h2": make(world.school_a1, Grade.GENERAL, Status.REPORTED, deadline=today - day),
        "h3": make(world.school_a2, Grade.LOW, Status.SUBMITTED, deadline=today + 3 * day),
        "h4": make(
            world.school_a1,
            Grade.HIGH,
            Status.CLOSED,
            found_at=now - 4 * day,
            closed_at=now,
            deadline=today + 10 * day,
        ),
        "h5": make(
            world.school_a2,
            Grade.GENERAL,
            Status.CLOSED,
            found_at=past - 10 * day,
            closed_at=past,
            deadline=timezone.localdate(past) - 2 * day,
        ),
        "h6": make(
            world.school_a2, Grade.LOW, Status.CLOSED, found_at=past - 2 * day, closed_at=past
        ),
        "h7": make(world.school_a1, Grade.MAJOR, Status.DISMISSED),
        "other_county": make(
            world.school_b1, Grade.MAJOR, Status.RECTIFYING, deadline=today - 30 * day
        ),
    }


def page(client, user, node):
    client.force_login(user)
    return client.get(reverse("hazard_dashboard:node", args=[node.pk]))


# ---------------------------------------------------------------------------- figures


@pytest.mark.django_db
def test_figures_on_a_known_dataset(world, people, dataset):
    result = dashboard.compute(people["bureau"], world.county_a, [world.town_a])
    total = result["total"]
    assert total["open"] == 3
    assert [total[f"open_{g}"] for g in dashboard.GRADES] == [1, 0, 1, 1]
    assert total["overdue"] == 2
    assert total["overdue_max"] == 5 and total["overdue_mean"] == 3.0
    assert total["closed_month"] == 1
    assert total["closed_window"] == 3
    assert (total["with_deadline"], total["on_time"], total["on_time_rate"]) == (2, 1, 0.5)
    assert total["mean_days"] == 5.3  # (4 + 10 + 2) / 3
    assert total["p90_days"] == 10.0
    child = result["children"][world.town_a.pk]
    assert {k: v for k, v in child.items() if k != "completion"} == {
        k: v for k, v in total.items() if k != "completion"
    }
    assert total["completion"]["rate"] is None  # no schedules: nothing settled


@pytest.mark.django_db
def test_figures_per_child(world, people, dataset):
    children = [world.school_a1, world.school_a2]
    result = dashboard.compute(people["bureau"], world.town_a, children)
    a1 = result["children"][world.school_a1.pk]
    a2 = result["children"][world.school_a2.pk]
    assert (a1["open"], a1["overdue"], a1["overdue_max"], a1["closed_month"]) == (2, 2, 5, 1)
    assert (a1["on_time_rate"], a1["mean_days"], a1["p90_days"]) == (1.0, 4.0, 4.0)
    assert (a2["open"], a2["overdue"], a2["overdue_max"], a2["closed_month"]) == (1, 0, None, 0)
    assert (a2["with_deadline"], a2["on_time_rate"], a2["mean_days"]) == (1, 0.0, 6.0)
    assert a2["p90_days"] == 10.0


@pytest.mark.django_db
def test_trend_counts_found_and_closed_per_month(world, people, dataset):
    months = dashboard.trend(people["bureau"], world.county_a)
    assert len(months) == 12
    assert months[-1]["start"] == timezone.localdate().replace(day=1)
    assert sum(m["found"] for m in months) == 7  # h1..h7, not the other county's
    assert sum(m["closed"] for m in months) == 3
    assert months[-1]["closed"] == 1


@pytest.mark.django_db
def test_percentile_nearest_rank():
    assert dashboard.percentile([], 0.9) is None
    assert dashboard.percentile([3.0], 0.9) == 3.0
    assert dashboard.percentile([float(i) for i in range(1, 11)], 0.9) == 9.0
    assert dashboard.percentile([float(i) for i in range(1, 21)], 0.9) == 18.0


# ---------------------------------------------------------------------------- scoping


@pytest.mark.django_db
def test_other_county_never_counted(client, world, people, dataset):
    body = page(client, people["city"], world.city).content.decode()
    rows = dict(re.findall(r'<tr data-node="(\d+)">(.*?)</tr>', body, re.S))
    assert str(world.county_a.pk) in rows and str(world.county_b.pk) in rows
    result = dashboard.compute(people["city"], world.city, [world.county_a, world.county_b])
    assert result["children"][world.county_b.pk]["open"] == 1
    assert result["children"][world.county_a.pk]["open"] == 3
    assert result["total"]["open"] == 4
    # The county's own bureau sees only its county's hazards.
    mine = dashboard.compute(people["bureau"], world.county_a, [world.town_a])
    assert mine["total"]["overdue"] == 2


@pytest.mark.django_db
def test_out_of_scope_is_404(client, world, people, dataset):
    assert page(client, people["outsider"], world.county_a).status_code == 404
    assert page(client, people["bureau"], world.city).status_code == 404
    assert page(client, people["bureau"], world.school_b1).status_code == 404
    assert page(client, people["bureau"], world.school_a1).status_code == 200


@pytest.mark.django_db
def test_default_is_the_users_top_node(client, world, people):
    client.force_login(people["bureau"])
    response = client.get(reverse("hazard_dashboard:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("hazard_dashboard:node", args=[world.county_a.pk])


@pytest.mark.django_db
def test_login_required(client, world):
    response = client.get(reverse("hazard_dashboard:node", args=[world.county_a.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


# ---------------------------------------------------------------------------- drill-down


@pytest.mark.django_db
def test_drill_down_links(client, world, people, dataset):
    body = page(client, people["city"], world.city).content.decode()
    for county in (world.county_a, world.county_b):
        assert f'href="{reverse("hazard_dashboard:node", args=[county.pk])}"' in body
    body = page(client, people["city"], world.county_a).content.decode()
    assert f'href="{reverse("hazard_dashboard:node", args=[world.town_a.pk])}"' in body
    body = page(client, people["city"], world.town_a).content.decode()
    ledger = reverse("hazards:ledger")
    for school in (world.school_a1, world.school_a2):
        assert f'href="{reverse("hazard_dashboard:node", args=[school.pk])}"' in body
        assert f"{ledger}?node={school.pk}&amp;overdue=1" in body
        assert f"{ledger}?node={school.pk}&amp;grade=major&amp;open=1" in body
    # Breadcrumbs lead back up.
    assert f'href="{reverse("hazard_dashboard:node", args=[world.county_a.pk])}"' in body
    # Grade labels go with the colours.
    assert 'class="risk risk-major"' in body and str(Grade.MAJOR.label) in body


@pytest.mark.django_db
def test_ledger_link_shows_the_rows_behind_the_overdue_count(client, world, people, dataset):
    client.force_login(people["bureau"])
    url = dashboard.ledger_url(world.school_a1, overdue=1)
    body = client.get(url).content.decode()
    assert dataset["h1"].number in body and dataset["h2"].number in body
    assert dataset["h3"].number not in body and dataset["other_county"].number not in body


# ---------------------------------------------------------------------------- queries, page


def _schools(town, n):
    for _ in range(n):
        school = f.school(town, f"测试学校{next(_numbers):06d}", SchoolKind.PRIMARY)
        make(school, Grade.GENERAL, Status.CLOSED, closed_at=timezone.now(), deadline=None)
        make(school, Grade.MAJOR, Status.RECTIFYING, deadline=timezone.localdate())


def _count(client, user, node):
    client.force_login(user)
    url = reverse("hazard_dashboard:node", args=[node.pk])
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_schools(client, world, people):
    _schools(world.town_a, 2)
    town_small = _count(client, people["city"], world.town_a)
    county_small = _count(client, people["city"], world.county_a)
    _schools(world.town_a, 8)
    assert _count(client, people["city"], world.town_a) == town_small
    assert _count(client, people["city"], world.county_a) == county_small


@pytest.mark.django_db
def test_page_loads_echarts_locally_and_embeds_json(client, world, people, dataset):
    response = page(client, people["bureau"], world.county_a)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'src="/static/vendor/echarts/echarts.min.js"' in body
    assert 'src="/static/js/dashboard.js"' in body
    assert 'id="dashboard-trend" type="application/json"' in body
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', body)
    assert srcs and not [s for s in srcs if s.startswith(("http:", "https:", "//"))]
    assert " onclick=" not in body


@pytest.mark.django_db
def test_menu_items(world, people):
    from safecampus.hazards.dashboard_views import menu_items

    items = menu_items(people["bureau"])
    assert [i["key"] for i in items] == ["dashboard"]
    assert items[0]["url"] == reverse("hazard_dashboard:home")


@pytest.mark.django_db
def test_ledger_understands_the_dashboards_open_and_closed_filters(client, world):
    """A dashboard count and the ledger rows behind it agree: open only, closed in a period."""
    from safecampus.hazards import services

    officer = f.user_with_role("safety_officer", world.school_a1)
    first = services.hazard_report(
        school=world.school_a1, by=officer, description="甲", category="fire"
    )
    services.hazard_report(school=world.school_a1, by=officer, description="乙", category="fire")
    today = timezone.localdate()
    Hazard.objects.filter(pk=first.pk).update(status="closed", closed_at=timezone.now())
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    url = reverse("hazards:ledger")
    assert client.get(url, {"open": "1"}).context["page_obj"].paginator.count == 1
    closed = client.get(url, {"closed_from": today.isoformat(), "closed_to": today.isoformat()})
    assert [h.pk for h in closed.context["page_obj"].object_list] == [first.pk]
