"""The compliance dashboards: a county's rule × school matrix with drill-down to a verdict's
explanation, evidence and numbers; its XLSX; the targets and outcomes beside it; a school's
verdicts in the order of what to do next; the school's home to-do; and nobody outside."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safecampus.compliance import catalog, dashboard, engine, pingan
from safecampus.compliance.models import RuleOverride
from safecampus.compliance.verdicts import Status, last_ended_month
from safecampus.core.dates import add_months
from tests import factories as f
from tests.emergency.factories import held_drill
from tests.region_helpers import count, row_urls, schools

D = datetime.date
# The rules these tests judge: the drills, two "not recorded yet" rules and 平安校园. Others'
# evaluators may be installed or not; the pages must work either way.
CODES = {
    "DRILL-SCHOOL",
    "DRILL-KG",
    "EVAC-PRIMARY",
    "EVAC-MIDDLE",
    "DRILL-GUIDE",
    "SAFE-ZONE",
    "PSY-SCREEN",
    "TARGET-PINGAN",
}


INSTALLED = engine.available  # before any test narrows it


@pytest.fixture(autouse=True)
def only_these_rules(monkeypatch):
    def limited(rules=None):
        return [r for r in INSTALLED(rules) if r.code in CODES]

    monkeypatch.setattr(engine, "available", limited)


@pytest.fixture
def bureau(world):
    return f.user_with_role("bureau_staff", world.county_a)


@pytest.fixture
def october(world, bureau):
    """冯记沟中心小学 drilled in October 2026 (a slow evacuation) and holds an award; the
    kindergarten drilled in the quarter."""
    held_drill(world.school_a1, D(2026, 10, 12), "fire", seconds=230)
    held_drill(world.school_a2, D(2026, 8, 20), "earthquake", seconds=100)
    pingan.award_record(school=world.school_a1, level="county", awarded_on=D(2025, 6, 1), by=bureau)
    return "2026-10"


@pytest.mark.django_db
def test_the_county_heatmap_shows_each_school_and_rule_with_symbols_and_shares(
    client, world, bureau, october
):
    client.force_login(bureau)
    response = client.get(
        reverse("compliance:region", args=[world.county_a.pk]), {"period": october}
    )
    assert response.status_code == 200
    ctx = response.context
    codes = [r.code for r in ctx["rules"]]
    assert "DRILL-SCHOOL" in codes and "SAFE-ZONE" in codes
    assert "TRAIN-GUARD" not in codes  # a county rule is not a school column
    rows = {row["subject"].node_id: row for row in ctx["rows"]}
    assert set(rows) == {world.school_a1.pk, world.school_a2.pk}
    html = str(rows[world.school_a1.pk]["html"])
    cells = html.split("</th>", 1)[1]
    # The primary school drilled in October: compliant; no data on the safety zone.
    assert cells.count('class="c-ok">✓') >= 1 and 'class="c-nd">?' in cells
    i = codes.index("DRILL-SCHOOL")
    assert cells.split("<td")[i + 1].startswith(' class="c-ok">✓')
    i = codes.index("EVAC-PRIMARY")
    assert cells.split("<td")[i + 1].startswith(' class="c-no">✗')  # 3分50秒 > 3 minutes
    shares = {s["rule"].code: s for s in ctx["summaries"]}
    assert shares["DRILL-SCHOOL"]["share"] == 1.0  # the kindergarten is not judged by it
    assert shares["SAFE-ZONE"]["share"] == 0
    body = response.content.decode()
    assert 'data-url="/compliance/verdict/__RULE__/__NODE__/?period=2026-10"' in body
    assert "冯记沟中心小学" in body and "✗" in body
    assert ctx["pingan"]["awarded"] == 1 and ctx["pingan"]["schools"] == 2
    assert [r["rule"].code for r in ctx["four"]["rows"]] == list(dashboard.FOUR)
    assert {m.code for m in ctx["missing"]} == set(catalog.CODES) - CODES


@pytest.mark.django_db
def test_outcomes_stand_beside_the_ticks(client, world, bureau, october):
    client.force_login(bureau)
    response = client.get(reverse("compliance:region", args=[world.county_a.pk]))
    evac = response.context["outcomes"]["evacuations"]
    window = evac["window"]
    expected = 1 if D(2026, 10, 12) in window else 0
    assert evac["over"] == expected  # 230 s against the primary school's 180 s
    if expected:
        assert evac["slow"][0]["subject"].node_id == world.school_a1.pk
        assert evac["slow"][0]["time"] == "3分50秒"
    assert response.context["outcomes"]["hazards"] is not None
    assert [t["rule"].code for t in response.context["outcomes"]["drill_ticks"]] == [
        "DRILL-SCHOOL",
        "DRILL-KG",
    ]


@pytest.mark.django_db
def test_the_matrix_exports_to_xlsx(client, world, bureau, october):
    client.force_login(bureau)
    response = client.get(
        reverse("compliance:region", args=[world.county_a.pk]),
        {"period": october, "export": "xlsx"},
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    col = next(i for i, h in enumerate(header) if str(h).startswith("DRILL-SCHOOL"))
    by_school = {row[0]: row for row in rows[1:]}
    assert by_school["冯记沟中心小学"][col] == str(Status.COMPLIANT.label)
    assert by_school["冯记沟幼儿园"][col] == str(Status.NOT_APPLICABLE.label)
    assert rows[-1][col] == "100 %"  # the share compliant closes each column


@pytest.mark.django_db
def test_a_cell_drills_down_to_the_explanation_evidence_and_numbers_in_force(
    client, world, bureau, october
):
    RuleOverride.objects.create(
        org=world.county_a,
        code="EVAC-PRIMARY",
        effective_from=D(2026, 9, 1),
        params={"max_seconds": 200},
        document_number="盐教安〔2026〕9号",
        created_by=bureau,
    )
    client.force_login(bureau)
    url = reverse("compliance:verdict", args=["EVAC-PRIMARY", world.school_a1.pk])
    response = client.get(url, {"period": october}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    verdict = response.context["verdict"]
    assert verdict.status == Status.NOT_COMPLIANT and "2026-10-12" in verdict.explanation
    assert verdict.explanation in body
    assert reverse("drills:drill", args=[verdict.evidence[0].id]) in body  # the drill, a link
    assert response.context["source"]["override"].document_number == "盐教安〔2026〕9号"
    params = {p["name"]: p for p in response.context["params"]}
    assert params["max_seconds"]["value"] == "200" and params["max_seconds"]["default"] == "180"
    assert (
        "盐池县" in body
        and reverse("compliance:rule", args=[world.county_a.pk, "EVAC-PRIMARY"]) in body
    )
    # A rule without an override names the defaults.
    other = client.get(
        reverse("compliance:verdict", args=["DRILL-SCHOOL", world.school_a1.pk]),
        {"period": october},
    )
    assert other.context["source"]["default"] is True
    assert (
        client.get(reverse("compliance:verdict", args=["NO-SUCH", world.school_a1.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_school_sees_its_verdicts_in_the_order_of_what_to_do_next(client, world, october):
    principal = f.user_with_role("principal", world.school_a1)
    client.force_login(principal)
    landing = client.get(reverse("compliance:home"))
    assert landing["Location"] == reverse("compliance:school", args=[world.school_a1.pk])
    response = client.get(landing["Location"], {"period": october})
    items = response.context["items"]
    statuses = [i["verdict"].status for i in items]
    ranks = [dashboard.STATUS_RANK[s] for s in statuses]
    assert ranks == sorted(ranks) and statuses[0] == Status.NOT_COMPLIANT
    first = items[0]
    assert first["rule"].code in {"EVAC-PRIMARY", "TARGET-PINGAN", "DRILL-GUIDE"}
    body = response.content.decode()
    assert first["verdict"].explanation in body
    evac = next(i for i in items if i["rule"].code == "EVAC-PRIMARY")
    assert evac["fix_url"] == reverse("drills:record") and evac["fix_url"] in body
    # The region above is not the principal's to see.
    assert client.get(reverse("compliance:region", args=[world.county_a.pk])).status_code == 404


@pytest.mark.django_db
def test_above_a_county_each_region_is_a_row_agreeing_with_its_own_page(client, world, october):
    """A city's page lists its counties, each row fetched on its own; a row's figures are
    those its county's page shows ("Below" on the city's own page before)."""
    client.force_login(f.user_with_role("bureau_staff", world.city))
    url = reverse("compliance:region", args=[world.city.pk])
    html = client.get(url, {"period": october}).content.decode()
    assert 'data-testid="matrix"' not in html and world.school_a1.name not in html
    rows = row_urls(html)
    assert set(rows) == {str(world.county_a.pk), str(world.county_b.pk)}
    for county in (world.county_a, world.county_b):
        assert f"period={october}" in rows[str(county.pk)]
        row = client.get(rows[str(county.pk)]).content.decode()
        page = client.get(reverse("compliance:region", args=[county.pk]), {"period": october})
        assert schools(row) == page.context["schools"]
        assert count(row, "failing") == page.context["failing_schools"], county.name
    # The province's page: its city, and the schools right under the city as a row of its own.
    own = f.school(world.city, "吴忠市第一中学", "senior")
    client.force_login(f.user_with_role("bureau_staff", world.province))
    html = client.get(reverse("compliance:region", args=[world.province.pk])).content.decode()
    assert set(row_urls(html)) == {str(world.city.pk)}
    html = client.get(url).content.decode()
    direct = client.get(row_urls(html)[str(world.city.pk)]).content.decode()
    assert "吴忠市直属学校" in direct and schools(direct) == 1
    page = client.get(url, {"direct": "1"})
    body = page.content.decode()
    assert page.context["schools"] == 1 and own.name in body and world.school_a1.name not in body
    # A county's staff reach neither the city's page nor its rows.
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    assert client.get(rows[str(world.county_a.pk)]).status_code == 404
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_fix_url_that_does_not_resolve_is_left_out():
    rule = catalog.Rule("X", "甲", "X", "甲", "X", "s", {}, catalog.STATE, "m:f", fix_url="no:such")
    assert dashboard.fix_url(rule) == ""
    assert dashboard.fix_url(catalog.RULES_BY_CODE["DRILL-SCHOOL"]) == reverse("drills:record")


@pytest.mark.django_db
def test_outsiders_are_refused(client, world, bureau, october):
    pages = [
        reverse("compliance:region", args=[world.county_a.pk]),
        reverse("compliance:history", args=[world.county_a.pk]),
        reverse("compliance:school", args=[world.school_a1.pk]),
        reverse("compliance:verdict", args=["DRILL-SCHOOL", world.school_a1.pk]),
        reverse("compliance:rules-node", args=[world.county_a.pk]),
    ]
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    for url in pages:
        assert client.get(url).status_code == 404, url
    client.force_login(f.user_with_role("principal", world.school_b1))
    for url in pages:
        assert client.get(url).status_code == 404, url
    client.force_login(f.user_with_role("teacher", world.school_a1))  # no compliance at all
    for url in pages[:4]:
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_the_home_page_tells_a_principal_how_many_rules_are_not_met(client, world):
    principal = f.user_with_role("principal", world.school_a1)
    client.force_login(principal)
    result = engine.evaluate(principal, world.school_a1, codes=list(CODES), subjects=("school",))
    failing = sum(
        1 for v in result.for_subject(world.school_a1.pk) if v.status == Status.NOT_COMPLIANT
    )
    assert failing  # no drill and no award at all
    todos = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").context["todos"]
    item = next(
        t for t in todos if t["url"] == reverse("compliance:school", args=[world.school_a1.pk])
    )
    assert item["count"] == failing and str(failing) in item["label"]
    # A bureau user gets no such line; the teacher neither.
    client.force_login(f.user_with_role("teacher", world.school_a1))
    todos = client.get(reverse("home")).context["todos"]
    assert not [t for t in todos if "/compliance/" in t["url"]]


@pytest.mark.django_db
def test_menu_items_by_role(world):
    from safecampus.compliance.views import menu_items

    keys = {i["key"] for i in menu_items(f.user_with_role("bureau_staff", world.county_a))}
    assert keys == {"compliance", "pingan_awards", "rule_numbers"}
    keys = {i["key"] for i in menu_items(f.user_with_role("principal", world.school_a1))}
    assert keys == {"compliance_school"}
    assert menu_items(f.user_with_role("teacher", world.school_a1)) == []


@pytest.mark.django_db
def test_history_gives_twelve_months_of_shares_at_a_fixed_query_cost(client, world, bureau):
    today = timezone.localdate()
    last = last_ended_month(today)
    held_drill(world.school_a1, last.start + datetime.timedelta(days=9), "fire", seconds=150)
    client.force_login(bureau)
    url = reverse("compliance:history", args=[world.county_a.pk])
    response = client.get(url, {"group": "drill"})
    data = response.context["data"]
    assert len(data["keys"]) == 12 and data["keys"][-1] == last.key
    assert data["keys"][0] == f"{add_months(last.start, -11):%Y-%m}"
    drill = next(s for s in data["series"] if s["code"] == "DRILL-SCHOOL")
    assert drill["shares"][-1] == 100.0  # the one primary school drilled last month
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"group": "drill"})
    for _i in range(6):
        f.school(world.town_a)
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"group": "drill"})
    assert len(many) == len(few)


@pytest.mark.django_db
def test_verdicts_about_a_county_or_a_police_station_open_from_the_region(
    client, world, bureau, monkeypatch
):
    wanted = [r for r in catalog.RULES if r.subject != "school"]
    monkeypatch.setattr(
        engine, "available", lambda rules=None: [r for r in INSTALLED(rules) if r in wanted]
    )
    if not engine.available(wanted):
        pytest.fail("no rule about a county or a police station is installed")
    client.force_login(bureau)
    others = client.get(reverse("compliance:region", args=[world.county_a.pk])).context["others"]
    assert others and {row["subject"].kind for row in others} <= {"county", "department"}
    assert world.county_b.pk not in {row["subject"].node_id for row in others}
    for row in others:
        page = client.get(row["url"])
        assert page.status_code == 200, row["url"]
        assert page.context["verdict"].explanation == row["verdict"].explanation
