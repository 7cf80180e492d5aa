"""Incident statistics: figures per type, severity, month and region against records made
here; the year-over-year targets on and off track with controlled dates, and "no baseline";
response times against 1-3-5; drill-down scoping; a fixed number of queries; the API."""

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safecampus.accounts.roles import Role
from safecampus.emergency import stats
from safecampus.emergency.choices import Step
from safecampus.emergency.models import Incident, IncidentEntry
from safecampus.orgs.choices import SchoolKind
from tests import factories as f
from tests.api_helpers import api

_numbers = itertools.count(1)
D = datetime.date
YEAR = 2025  # a past year: the whole of 2025 against the whole of 2024


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make(school, day, kind="injury", severity="general", status="open", **kw):
    """An incident as the statistics read it (the reporting service is tested elsewhere)."""
    when = at(day) if isinstance(day, datetime.date) else day
    kw.setdefault("place", "操场")
    kw.setdefault("description", "学生课间摔伤")
    return Incident.objects.create(
        org=school,
        number=f"T-{next(_numbers):06d}",
        incident_type=kind,
        severity=severity,
        status=status,
        occurred_at=when,
        reported_at=when,
        **kw,
    )


def marks(incident, **minutes):
    """Timeline entries: reported at the incident's time, then each mark `minutes` after."""
    start = incident.occurred_at
    IncidentEntry.objects.create(incident=incident, step=Step.REPORTED, at=start)
    for step, value in minutes.items():
        IncidentEntry.objects.create(
            incident=incident, step=step, at=start + datetime.timedelta(minutes=value)
        )


@pytest.fixture
def people(world):
    return {
        "city": f.user_with_role(Role.BUREAU_STAFF, world.city),
        "leader": f.user_with_role(Role.BUREAU_LEADER, world.county_a),
        "bureau": f.user_with_role(Role.BUREAU_STAFF, world.county_a),
        "outsider": f.user_with_role(Role.BUREAU_STAFF, world.county_b),
        "teacher": f.user_with_role(Role.TEACHER, world.school_a1),
        "market": f.user_with_role(
            Role.DEPARTMENT_LIAISON, world.town_a, department=world.market_a
        ),
    }


@pytest.fixture
def dataset(world):
    """2025 and 2024 at three schools of two counties."""
    a1, a2, b1 = world.school_a1, world.school_a2, world.school_b1
    return [
        make(a1, D(2025, 1, 10), "injury"),
        make(a1, D(2025, 1, 20), "traffic", "serious", "closed", injured=2),
        make(a1, D(2025, 3, 5), "drowning", "major", "closed", deaths=1),
        make(
            a1,
            D(2025, 3, 9),
            "bullying",
            status="controlled",
            is_sensitive=True,
            is_criminal=True,
            names="张三丰、李四光",
        ),
        make(a2, D(2025, 7, 1), "food_poisoning", "serious", injured=12),
        make(b1, D(2025, 2, 2), "injury"),
        make(b1, D(2025, 2, 3), "violence", is_criminal=True, minors_involved=False),
        # 2024: the baseline
        make(a1, D(2024, 1, 5), "injury"),
        make(a1, D(2024, 4, 5), "injury"),
        make(a2, D(2024, 5, 5), "drowning", deaths=2),
        make(a2, D(2024, 6, 5), "bullying", is_criminal=True),
        make(a2, D(2024, 8, 5), "fire"),
        make(b1, D(2024, 2, 5), "traffic"),
        # outside both periods
        make(a1, D(2023, 12, 31), "injury"),
    ]


def compute(user, node, year=YEAR, children=()):
    return stats.compute(user, node, stats.window_for(year, D(2026, 6, 1)), list(children))


def by_key(rows, field="key"):
    return {r[field]: r for r in rows}


# ---------------------------------------------------------------------------- figures


@pytest.mark.django_db
def test_figures_by_type_severity_status_month_and_region(world, people, dataset):
    result = compute(people["city"], world.city, children=[world.county_a, world.county_b])
    assert result["current"]["n"] == 7 and result["previous"]["n"] == 6
    assert result["current"]["deaths"] == 1 and result["current"]["injured"] == 14
    types = by_key(result["by_type"])
    assert (types["injury"]["current"], types["injury"]["previous"]) == (2, 2)
    assert (types["drowning"]["current"], types["drowning"]["previous"]) == (1, 1)
    assert types["fire"]["current"] == 0 and types["fire"]["previous"] == 1
    assert "epidemic" not in types  # neither period had one
    severities = by_key(result["by_severity"])
    assert list(severities) == ["extraordinary", "major", "serious", "general"]
    assert severities["serious"]["current"] == 2 and severities["extraordinary"]["current"] == 0
    statuses = by_key(result["by_status"])
    assert {k: v["current"] for k, v in statuses.items()} == {
        "open": 4,
        "controlled": 1,
        "closed": 2,
    }
    months = by_key(result["by_month"])
    assert len(months) == 12
    assert months["2025-01"]["current"] == 2 and months["2025-01"]["previous"] == 1
    assert months["2025-03"]["current"] == 2 and months["2025-07"]["current"] == 1
    assert months["2025-08"]["previous"] == 1
    regions = {r["node"].pk: r for r in result["by_region"]}
    assert (regions[world.county_a.pk]["current"], regions[world.county_a.pk]["previous"]) == (5, 5)
    assert (regions[world.county_b.pk]["current"], regions[world.county_b.pk]["previous"]) == (2, 1)
    assert regions[world.county_b.pk]["change_pct"] == 100.0


@pytest.mark.django_db
def test_a_county_sees_only_itself_and_its_townships(world, people, dataset):
    result = compute(people["bureau"], world.county_a, children=[world.town_a])
    assert result["current"]["n"] == 5 and result["previous"]["n"] == 5
    assert [r["current"] for r in result["by_region"]] == [5]
    # The same user asking about the city gets their own part of it only.
    city = compute(people["bureau"], world.city)
    assert city["current"]["n"] == 5


@pytest.mark.django_db
def test_sensitive_incidents_count(world, people, dataset):
    result = compute(people["teacher"], world.school_a1)
    assert result["current"]["n"] == 4  # the bullying case included, for a teacher too
    assert result["current"]["sensitive"] == 1
    assert by_key(result["by_type"])["bullying"]["current"] == 1


# ---------------------------------------------------------------------------- periods


def test_year_to_date_is_compared_with_the_same_days_last_year():
    window = stats.window_for(2026, D(2026, 11, 24))
    assert window.to_date
    assert (window.start, window.end) == (D(2026, 1, 1), D(2026, 11, 24))
    assert (window.prev_start, window.prev_end) == (D(2025, 1, 1), D(2025, 11, 24))
    assert len(window.months()) == 11
    leap = stats.window_for(2028, D(2028, 2, 29))
    assert leap.prev_end == D(2027, 2, 28)
    past = stats.window_for(2025, D(2026, 11, 24))
    assert not past.to_date and past.end == D(2025, 12, 31) and past.prev_end == D(2024, 12, 31)
    with pytest.raises(stats.BadYear):
        stats.window_for(2027, D(2026, 11, 24))
    with pytest.raises(stats.BadYear):
        stats.parse_year("二〇二六", D(2026, 11, 24))


@pytest.mark.django_db
def test_year_to_date_counts_only_the_days_so_far(world, people):
    today = D(2025, 6, 15)
    make(world.school_a1, at(D(2025, 6, 15), 23, 30))  # today, late: counted
    make(world.school_a1, D(2025, 6, 16))  # after "today": not yet
    make(world.school_a1, at(D(2024, 6, 15), 23, 30))  # the same day last year: counted
    make(world.school_a1, D(2024, 6, 16))  # last year after that day: not compared
    window = stats.window_for(2025, today)
    result = stats.compute(people["bureau"], world.county_a, window)
    assert (result["current"]["n"], result["previous"]["n"]) == (1, 1)
    assert [m["key"] for m in result["by_month"]][-1] == "2025-06"


# ---------------------------------------------------------------------------- targets


def verdict(rule, current, previous, year=2026):
    window = stats.window_for(year, D(2026, 11, 24))
    target = next(t for t in stats.TARGETS if t.rule == rule)
    pct, note = target.for_year(year)
    return stats.TargetResult(
        rule=rule,
        title=str(target.title),
        unit=target.unit,
        current=current,
        previous=previous,
        target_pct=pct,
        note=note,
        window=window,
    )


def test_targets_on_and_off_track_at_the_boundary(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    on = verdict("TARGET-INCIDENTS", 12, 15)
    assert on.status == stats.ON_TRACK and on.change_pct == -20.0
    assert on.sentence.startswith(
        "2026年1月1日至2026年11月24日 12 起，去年同期 15 起，下降 20.0%，目标 −20%：达标"
    )
    off = verdict("TARGET-INCIDENTS", 13, 15)
    assert off.status == stats.OFF_TRACK
    assert "下降 13.3%" in off.sentence and "未达标" in off.sentence
    up = verdict("TARGET-MINOR-CRIME", 6, 5)
    assert up.status == stats.OFF_TRACK and "上升 20.0%" in up.sentence
    assert verdict("TARGET-MINOR-CRIME", 4, 5).status == stats.ON_TRACK
    assert verdict("TARGET-DROWNING", 9, 10).status == stats.ON_TRACK  # −10 %
    assert verdict("TARGET-DROWNING", 10, 10).status == stats.OFF_TRACK
    deaths = verdict("TARGET-DROWNING", 1, 2)
    assert "1 人" in deaths.sentence and "去年同期 2 人" in deaths.sentence


def test_no_baseline_when_last_year_had_none(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    for current in (0, 3):
        result = verdict("TARGET-DROWNING", current, 0)
        assert result.status == stats.NO_BASELINE
        assert result.change_pct is None
        assert "无同比基数" in result.sentence and "%" not in result.sentence.split("目标")[0]


def test_the_incident_target_by_year_says_which_year_set_it(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    target = stats.TARGETS[0]
    assert target.for_year(2023) == (-10, "")
    assert target.for_year(2024) == (-20, "")
    pct, note = target.for_year(2026)
    assert pct == -20 and "2024" in note and "2026" in note
    pct, note = target.for_year(2021)
    assert pct == -10 and "2023" in note
    assert verdict("TARGET-INCIDENTS", 9, 10, year=2023).status == stats.ON_TRACK
    assert verdict("TARGET-INCIDENTS", 9, 10, year=2024).status == stats.OFF_TRACK
    assert stats.TARGETS[1].for_year(2030) == (-20, "")  # set once, for every year


@pytest.mark.django_db
def test_targets_from_the_records(world, people, dataset):
    result = compute(people["bureau"], world.county_a)
    targets = {t.rule: t for t in result["targets"]}
    incidents = targets["TARGET-INCIDENTS"]
    assert (incidents.current, incidents.previous) == (5, 5)
    assert incidents.status == stats.OFF_TRACK and incidents.note  # 2025: the 2024 target
    crime = targets["TARGET-MINOR-CRIME"]  # criminal and minors involved
    assert (crime.current, crime.previous) == (1, 1) and crime.status == stats.OFF_TRACK
    drowning = targets["TARGET-DROWNING"]  # deaths in drowning incidents
    assert (drowning.current, drowning.previous) == (1, 2) and drowning.status == stats.ON_TRACK
    other = compute(people["outsider"], world.county_b)
    targets = {t.rule: t for t in other["targets"]}
    assert targets["TARGET-MINOR-CRIME"].current == 0  # a crime without minors
    assert targets["TARGET-DROWNING"].status == stats.NO_BASELINE


# ---------------------------------------------------------------------------- response


@pytest.mark.django_db
def test_response_times_against_1_3_5(world, people):
    day = D(2025, 4, 1)
    fast = make(world.school_a1, day)
    marks(fast, responded=0.5, on_scene=2, controlled=4)
    slow = make(world.school_a1, day)
    marks(slow, responded=3, on_scene=8, controlled=30)
    fresh = make(world.school_a1, day)
    marks(fresh, responded=1)
    result = compute(people["bureau"], world.county_a)
    figures = {m["step"]: m for m in result["response"]["marks"]}
    assert result["response"]["total"] == 3
    responded = figures["responded"]
    assert (responded["within"], responded["over"], responded["none"]) == (2, 1, 0)
    assert responded["within_pct"] == 66.7 and responded["target"] == 1
    controlled = figures["controlled"]
    assert (controlled["within"], controlled["over"], controlled["none"]) == (1, 1, 1)
    assert controlled["within_pct"] == 50.0 and controlled["median"] == 17.0
    assert sum(controlled["buckets"]) == 2


# ---------------------------------------------------------------------------- pages


def page(client, user, node, **params):
    client.force_login(user)
    return client.get(reverse("stats:node", args=[node.pk]), params)


@pytest.mark.django_db
def test_county_page_shows_targets_charts_and_drill_down(client, world, people, dataset):
    response = page(client, people["bureau"], world.county_a, year=YEAR)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-rule="TARGET-INCIDENTS" data-status="off_track"' in body
    assert 'data-rule="TARGET-DROWNING" data-status="on_track"' in body
    assert reverse("stats:node", args=[world.town_a.pk]) + f"?year={YEAR}" in body
    assert world.county_b.name not in body
    assert 'id="stats-data" type="application/json"' in body
    assert 'src="/static/vendor/echarts/echarts.min.js"' in body
    assert 'src="/static/js/emergency-stats.js"' in body
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', body)
    assert srcs and not [s for s in srcs if s.startswith(("http:", "https:", "//"))]
    # A figure is a link to the incidents behind it.
    assert f"node={world.county_a.pk}" in body and "incident_type=drowning" in body
    chart = response.context["chart"]
    assert sum(chart["months"]["current"]) == 5 and chart["regions"]["current"] == [5]


@pytest.mark.django_db
def test_names_never_appear_in_statistics(client, world, people, dataset):
    for user in (people["bureau"], people["teacher"]):
        body = page(client, user, world.school_a1, year=YEAR).content.decode()
        assert "张三丰" not in body and "张*" not in body and "学生课间摔伤" not in body


@pytest.mark.django_db
def test_school_users_see_their_school(client, world, people, dataset):
    client.force_login(people["teacher"])
    home = client.get(reverse("stats:home"))
    assert home.status_code == 302
    assert home["Location"] == reverse("stats:node", args=[world.school_a1.pk])
    response = page(client, people["teacher"], world.school_a1, year=YEAR)
    assert response.status_code == 200
    assert response.context["result"]["current"]["n"] == 4
    assert page(client, people["teacher"], world.school_a2).status_code == 404
    assert page(client, people["teacher"], world.county_a).status_code == 404


@pytest.mark.django_db
def test_drill_down_is_scoped(client, world, people, dataset):
    for node in (world.county_a, world.town_a, world.school_a1):
        assert page(client, people["outsider"], node).status_code == 404
    assert page(client, people["bureau"], world.school_b1).status_code == 404
    assert page(client, people["bureau"], world.city).status_code == 404
    city = page(client, people["city"], world.city, year=YEAR)
    assert city.status_code == 200 and city.context["result"]["current"]["n"] == 7
    assert page(client, people["market"], world.town_a).status_code == 403


@pytest.mark.django_db
def test_a_bad_year_says_so_and_shows_this_year(client, world, people):
    response = page(client, people["bureau"], world.county_a, year="2099")
    assert response.status_code == 200
    assert (
        response.context["error"] and response.context["window"].year == timezone.localdate().year
    )
    assert 'data-testid="year-error"' in response.content.decode()


@pytest.mark.django_db
def test_home_line_for_the_bureau(client, world, people):
    today = timezone.localdate()
    now = timezone.now()
    make(world.school_a1, now - datetime.timedelta(minutes=5))
    make(world.school_a1, now - datetime.timedelta(minutes=6))
    make(world.school_a1, at(stats.same_day_a_year_before(today), 0, 1))
    [item] = stats.home_actions(people["leader"])
    assert item["url"] == reverse("stats:node", args=[world.county_a.pk])
    assert "2" in item["label"] and "+100.0%" in item["label"]
    assert stats.home_actions(people["teacher"]) == []
    client.force_login(people["leader"])
    body = client.get("/").content.decode()
    assert "本年涉校案事件 2 起（同比 +100.0%）" in body
    assert stats.home_actions(people["outsider"])[0]["label"].startswith("本年涉校案事件 0 起")


# ---------------------------------------------------------------------------- queries


def _schools(town, n):
    for _ in range(n):
        school = f.school(town, f"测试学校{next(_numbers):06d}", SchoolKind.PRIMARY)
        incident = make(school, D(YEAR, 5, 1), "injury")
        marks(incident, responded=1, on_scene=3)
        make(school, D(YEAR - 1, 5, 1), "drowning", deaths=1)


def _count(client, user, url):
    client.force_login(user)
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_schools_or_incidents(client, world, people):
    _schools(world.town_a, 2)
    urls = [
        reverse("stats:node", args=[world.county_a.pk]) + f"?year={YEAR}",
        reverse("stats:node", args=[world.city.pk]) + f"?year={YEAR}",
        f"/api/v1/incident-stats/?year={YEAR}&within={world.county_a.pk}",
        f"/api/v1/incident-stats/{world.town_a.pk}/?year={YEAR}",
    ]
    small = [_count(client, people["city"], url) for url in urls]
    assert max(small) <= 16, small
    _schools(world.town_a, 8)
    _schools(world.town_b, 3)
    assert [_count(client, people["city"], url) for url in urls] == small


# ---------------------------------------------------------------------------- API


@pytest.mark.django_db
def test_api_returns_the_page_figures(world, people, dataset):
    client = api(people["bureau"])
    answer = client.get("/api/v1/incident-stats/", {"within": world.county_a.pk, "year": YEAR})
    assert answer.status_code == 200
    data = answer.json()
    rows = {r["id"]: r for r in data["results"]}
    assert set(rows) == {world.school_a1.pk, world.school_a2.pk}
    assert (rows[world.school_a1.pk]["current"], rows[world.school_a1.pk]["previous"]) == (4, 2)
    summary = data["summary"]
    assert summary["scope"]["id"] == world.county_a.pk
    assert summary["current"]["incidents"] == 5 and summary["window"]["year"] == YEAR
    targets = {t["rule"]: t for t in summary["targets"]}
    assert targets["TARGET-DROWNING"]["status"] == "on_track"
    assert targets["TARGET-INCIDENTS"]["status"] == "off_track"
    assert summary["by_region"] == [
        {
            "id": world.town_a.pk,
            "name": world.town_a.name,
            "kind": "township",
            "current": 5,
            "previous": 5,
            "change_pct": 0.0,
            "deaths": 1,
            "injured": 14,
            "minor_crime": 1,
        }
    ]
    assert "张三丰" not in answer.content.decode()
    detail = client.get(f"/api/v1/incident-stats/{world.school_a1.pk}/", {"year": YEAR}).json()
    assert detail["current"]["incidents"] == 4 and detail["by_region"] == []


@pytest.mark.django_db
def test_api_scoping_and_bad_input(world, people, dataset):
    outsider = api(people["outsider"])
    answer = outsider.get("/api/v1/incident-stats/", {"within": world.county_a.pk})
    assert answer.status_code == 200
    assert answer.json()["count"] == 0 and answer.json()["summary"] is None
    assert outsider.get(f"/api/v1/incident-stats/{world.county_a.pk}/").status_code == 404
    mine = outsider.get("/api/v1/incident-stats/", {"year": YEAR}).json()
    assert [r["id"] for r in mine["results"]] == [world.school_b1.pk]
    assert mine["summary"]["current"]["incidents"] == 2
    bad = outsider.get("/api/v1/incident-stats/", {"year": "next"})
    assert bad.status_code == 400 and "year" in bad.json()
    assert outsider.get("/api/v1/incident-stats/", {"within": "x"}).status_code == 400
    assert api(people["market"]).get("/api/v1/incident-stats/").status_code == 403
