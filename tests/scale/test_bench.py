"""`bench`: every hot path timed against the loaded data, with p50/p95 and its targets."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Min
from django.utils import timezone

from safecampus.hazards.choices import OPEN_STATUSES
from safecampus.hazards.models import Hazard, Inspection
from safecampus.scale import bench, seed

STEPS = [
    "dashboard province",
    "dashboard city",
    "dashboard county",
    "home page province",
    "home page school",
    "hazard list page, province, unfiltered, first page",
    "hazard list page, filtered, first page",
    "hazard list page, filtered, page",
    "hazard list API, filtered, first page",
    "hazard list API, filtered, page",
    "hazard detail page",
    "hazard detail API",
    "workflow move (submit), rolled back",
    "inspection submission (10 items), rolled back",
    "compliance verdicts, county (engine.evaluate)",
    "compliance page, province (its cities' rows)",
    "compliance page, a county's row of the city",
    "compliance page, a city's row of the province",
    "monthly dispatch page, city",
    "monthly dispatch report XLSX, city",
    *(f"{label}, {level}" for level in ("county", "province") for label, _n in bench.MODULE_PAGES),
    "incident statistics, county",
    "incident statistics, province",
    *(
        f"{label}, a city's row of the province"
        for label, name in bench.MODULE_PAGES
        if name in bench.REGION_ROW_PAGES
    ),
    "ledger XLSX export",
]


@pytest.fixture
def province(db):
    seed.run(
        schools=60,
        days=30,
        seed=3,
        today=timezone.localdate(),
        progress=lambda _line: None,
    )


def test_bench_prints_every_operation_and_writes_them_to_json(province, tmp_path):
    hazards, inspections = Hazard.objects.count(), Inspection.objects.count()
    out = io.StringIO()
    path = tmp_path / "bench.json"
    call_command("bench", "--repeat", "1", "--json", str(path), stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    for name in STEPS:
        line = next((x for x in lines if x.startswith(name)), None)
        assert line is not None, name
        assert "p50" in line and "p95" in line and ("PASS" in line or "MISS" in line)
    data = json.loads(path.read_text())
    names = [op["name"] for op in data["operations"]]
    for name in STEPS:
        op = next(op for op in data["operations"] if op["name"].startswith(name))
        assert op["runs"] >= 1 and op["p50_ms"] > 0 and op["p95_ms"] >= op["p50_ms"]
        assert op["targets"], name
    aggregates = [op for op in data["operations"] if op["kind"] == "aggregate"]
    assert aggregates and all(op["bare_sql_p50_ms"] > 0 and op["ratio"] > 0 for op in aggregates)
    export = next(op for op in data["operations"] if op["kind"] == "export")
    assert export["rows"] == hazards and export["peak_memory_mb"] is not None
    assert len(names) == len(set(names))
    # The writes were rolled back: the benchmark leaves the data as it found it.
    assert (Hazard.objects.count(), Inspection.objects.count()) == (hazards, inspections)


def test_the_dashboard_bare_sql_counts_what_the_dashboard_shows(province):
    """The ratio means something only if the bare SQL computes the same figures: the bare
    SQL of the rollups the dashboard reads, and that of the hazards themselves. The seed's
    rollups (rebuilt after its bulk load) match the hazards."""
    from safecampus.hazards import dashboard, rollups
    from safecampus.orgs.models import OrgNode
    from safecampus.scale import baresql

    assert rollups.check() == []
    scene = bench.scene()
    today = timezone.localdate()
    node = scene.county
    children = list(OrgNode.objects.filter(parent=node))
    figures = dashboard.compute(scene.users["county"], node, children, today)
    counts = baresql.dashboard_raw(node.path, today)[0]
    total = [sum(row[i] or 0 for row in counts) for i in range(1, 8)]
    assert total[0] == figures["total"]["open"]
    assert total[1] == figures["total"]["overdue"]
    assert total[2] == figures["total"]["closed_month"]
    assert total[3:] == [figures["total"][f"open_{g}"] for g in dashboard.GRADES]
    closed = baresql.dashboard_raw(node.path, today)[1]
    assert sum(row[1] for row in closed) == figures["total"]["closed_window"]
    for level in ("province", "county"):
        node = getattr(scene, level)
        children = list(OrgNode.objects.filter(parent=node))
        figures = dashboard.compute(scene.users[level], node, children, today)["total"]
        bare = baresql.dashboard(node.path, today)
        assert sum(row[2] for row in bare[0]) == figures["open"]
        assert sum(row[3] for row in bare[0]) == figures["overdue"]
        for grade in dashboard.GRADES:
            assert sum(r[2] for r in bare[0] if r[1] == grade) == figures[f"open_{grade}"]
        assert sum(row[2] for row in bare[1]) == figures["closed_window"]
        assert sum(row[3] for row in bare[1]) == figures["closed_month"]
        assert sum(row[1] for row in bare[4]) == figures["closed_window"]  # the trend's
        found = dashboard.trend(scene.users[level], node, today)
        assert sum(row[1] for row in bare[3]) == sum(m["found"] for m in found)


def test_percentiles_are_nearest_rank():
    assert bench.percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert bench.percentile(list(range(1, 101)), 0.95) == 95
    assert bench.percentile([7], 0.95) == 7


@pytest.mark.django_db
def test_bench_on_an_empty_database_says_what_is_missing():
    with pytest.raises(CommandError, match="seed-province"):
        call_command("bench", "--repeat", "1", stdout=io.StringIO())


def test_the_dispatch_report_bare_sql_counts_what_the_report_shows(province):
    """The report's ratio is taken against SQL that computes what the report adds to the
    page: its schools and what falls due next month."""
    from safecampus.hazards import review
    from safecampus.scale import baresql

    scene = bench.scene()
    user, node = scene.users["city"], scene.city
    today = timezone.localdate()
    month = today.replace(day=1)
    bare = baresql.dispatch_report(node.path, month, today)
    schools, by_grade, serious, tasks = bare[-4:]
    rows = review.dispatch_schools(user=user, node=node, month=month)
    assert len(schools) > 1 and [s[0] for s in schools] == [r.node.pk for r in rows]
    assert [s[3] for s in schools] == [r.node.area for r in rows]
    due = review.next_month_due(user=user, node=node, month=month)
    assert dict(by_grade) == {g: n for g, n in due["by_grade"].items() if n}
    assert [s[0] for s in serious] == [h.pk for h in due["serious"]]
    assert tasks[0][0] == due["open_tasks"]
    # Per school, the month's counts of the bare SQL's leaf rows are the report's.
    found = dict(bare[1][0])
    assert {r.node.path: r.found for r in rows if r.found} == found
    # The most overdue schools, read from the open hazards' rollup, are the hazards' own.
    data = review.monthly_dispatch(user=user, node=node, month=month)
    overdue = (
        Hazard.objects.within(node.path)
        .filter(status__in=OPEN_STATUSES, deadline__lt=today)
        .values("org_id", "org__name")
        .annotate(n=Count("pk"), earliest=Min("deadline"))
        .order_by("-n", "org__name")[:10]
    )
    expected = [(r["org_id"], r["org__name"], r["n"], r["earliest"]) for r in overdue]
    assert len(expected) > 1
    shown = [(r["org_id"], r["org__name"], r["n"], r["earliest"]) for r in data["most_overdue"]]
    assert shown == expected
    assert [(r[0], r[2]) for r in bare[2]] == [(r[0], r[2]) for r in expected]
