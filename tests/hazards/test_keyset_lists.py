"""Keyset pagination of the hazard ledger (page and API) and the inspections API: a walk by
the `next` links sees every row once, in order, even when rows share their sort value and
when rows arrive between two pages; a cursor only ever narrows the caller's own rows; a bad
cursor is a clear 400; a page costs the same queries however deep it is."""

import datetime
import functools
import itertools
import re
from html import unescape

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safecampus.core import keyset
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard
from tests import factories as f
from tests.api_helpers import api, api_setup  # noqa: F401

URL = "/api/v1/hazards/"
_numbers = itertools.count(1)
BASE = timezone.make_aware(datetime.datetime(2026, 3, 1, 8, 0))


def make(school, *, hours: int = 0, deadline_days: int | None = None, **kw) -> Hazard:
    """A ledger row written directly (the services number, audit and notify: not the point)."""
    n = next(_numbers)
    return Hazard.objects.create(
        org=school,
        number=f"测-2026-{n:06d}",
        category="fire",
        grade=kw.pop("grade", Grade.GENERAL),
        status=kw.pop("status", Status.RECTIFYING),
        description=kw.pop("description", f"隐患 {n}"),
        found_at=BASE + datetime.timedelta(hours=hours),
        deadline=None if deadline_days is None else BASE.date() + datetime.timedelta(deadline_days),
        **kw,
    )


def walk_api(client, url, params=None, limit=200) -> tuple[list[int], list]:
    """Every page by its `next` link: the ids in the order shown, and the answers."""
    answer = client.get(url, params or {})
    seen, answers = [], []
    while True:
        assert answer.status_code == 200, answer.content
        body = answer.json()
        answers.append(body)
        seen += [row["id"] for row in body["results"]]
        if not body["next"] or len(answers) > limit:
            return seen, answers
        assert "cursor=" in body["next"] and "page=" not in body["next"]
        answer = client.get(body["next"])


def walk_back(client, link) -> list[int]:
    """Every page before `link`'s by the `previous` links, in the list's order."""
    seen = []
    for _page in range(200):
        if not link:
            return seen
        body = client.get(link).json()
        seen = [row["id"] for row in body["results"]] + seen
        link = body["previous"]
    raise AssertionError("the walk back does not end")


def in_order(rows: list[dict], order: str) -> list[int]:
    """The ids of `rows` sorted in Python as the API documents its order: the fields of
    `ordering` (found_at descending by default), NULLs last either way, then the id in the
    direction of the first field."""
    fields = [(f.lstrip("-"), f.startswith("-")) for f in (order or "-found_at").split(",")]
    fields.append(("id", fields[0][1]))

    def compare(a, b):
        for name, desc in fields:
            x, y = a[name], b[name]
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1
            return (1 if x < y else -1) if desc else (-1 if x < y else 1)
        return 0

    return [r["id"] for r in sorted(rows, key=functools.cmp_to_key(compare))]


@pytest.fixture
def county_user(world):
    return f.user_with_role("bureau_staff", world.county_a)


# ------------------------------------------------------------------ no gaps, no repeats


ORDERS = ["", "found_at", "-found_at", "deadline", "-deadline", "grade,-found_at", "-status"]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    hours=st.lists(st.integers(min_value=0, max_value=3), min_size=0, max_size=23),
    deadlines=st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=2)), max_size=23),
    size=st.integers(min_value=1, max_value=6),
    order=st.sampled_from(ORDERS),
)
@pytest.mark.django_db
def test_a_walk_by_next_links_shows_each_row_once_in_order(
    world, county_user, hours, deadlines, size, order
):
    """Rows share found_at (four values), deadlines (three and NULL), grades and statuses:
    the pages, forwards and then back, are exactly the list in its order."""
    with transaction.atomic():
        for i, h in enumerate(hours):
            make(
                world.school_a1 if i % 2 else world.school_a2,
                hours=h,
                deadline_days=deadlines[i] if i < len(deadlines) else None,
                grade=[Grade.GENERAL, Grade.HIGH][i % 2],
                status=[Status.RECTIFYING, Status.CLOSED, Status.REPORTED][i % 3],
            )
        make(world.school_b1, hours=1)  # another county's: never shown
        client = api(county_user)
        params = {"page_size": size, **({"ordering": order} if order else {})}
        seen, answers = walk_api(client, URL, params)
        rows = Hazard.objects.within(world.county_a.path).values(
            "id", "found_at", "deadline", "grade", "status"
        )
        expected = in_order(list(rows), order)
        assert seen == expected
        assert all(a["count"] == len(hours) for a in answers)
        if len(answers) > 1:
            last = answers[-1]
            assert walk_back(client, last["previous"]) == expected[: -len(last["results"])]
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("size", [1, 2, 3])
def test_nulls_and_ties_at_every_page_boundary(world, county_user, order, size):
    """Deadlines NULL and shared, found_at shared: a boundary falls on each kind of row."""
    for i in range(7):
        make(
            world.school_a1,
            hours=i % 2,
            deadline_days=[None, 1, None, 1, 2, None, 2][i],
            grade=[Grade.GENERAL, Grade.HIGH][i % 2],
            status=[Status.RECTIFYING, Status.CLOSED][i % 2],
        )
    client = api(county_user)
    params = {"page_size": size, **({"ordering": order} if order else {})}
    seen, answers = walk_api(client, URL, params)
    rows = Hazard.objects.values("id", "found_at", "deadline", "grade", "status")
    expected = in_order(list(rows), order)
    assert seen == expected
    last = answers[-1]
    assert walk_back(client, last["previous"]) == expected[: -len(last["results"])]


@pytest.mark.django_db
def test_rows_arriving_between_pages_never_repeat_a_row_or_hide_an_old_one(world, county_user):
    old = [make(world.school_a1, hours=h % 3) for h in range(12)]  # 3 distinct found_at
    client = api(county_user)
    first = client.get(URL, {"page_size": 5}).json()
    shown = [r["id"] for r in first["results"]]
    # Between the pages: newer rows (before the position), rows with the very found_at of
    # the last row shown (on either side of it by id), and older rows (after the position).
    last = Hazard.objects.get(pk=shown[-1])
    newer = make(world.school_a1, hours=10)
    same = make(world.school_a1, hours=(last.found_at - BASE).seconds // 3600)
    older = make(world.school_a1, hours=-5)
    rest, _answers = walk_api(client, first["next"])
    everything = shown + rest
    assert len(everything) == len(set(everything)), "a row was shown twice"
    assert {h.pk for h in old} <= set(everything), "a row that was there all along was skipped"
    assert older.pk in rest  # it sorts after the position: the walk reaches it
    assert newer.pk not in everything  # it sorts before page 1's rows: it is for a new walk
    # `same` has a higher id than the row it ties with, so it sorts before it (id DESC).
    assert same.pk not in rest


# ------------------------------------------------------------------ scoping and tampering


@pytest.mark.django_db
def test_a_cursor_never_reaches_rows_out_of_scope(world):
    mine = [make(world.school_a1, hours=h) for h in range(4)]
    theirs = [make(world.school_a2, hours=h) for h in range(4)]
    county = api(f.user_with_role("bureau_staff", world.county_a))
    school = api(f.user_with_role("safety_officer", world.school_a1))
    # A cursor from the county's walk, used by the school: only the school's rows.
    link = county.get(URL, {"page_size": 1}).json()["next"]
    rows = walk_api(school, link)[0]
    assert set(rows) <= {h.pk for h in mine}
    # A correctly signed cursor built by hand from another school's row narrows the school's
    # own list; it never widens it.
    keys = keyset.keys_of(Hazard.objects.all())
    target = theirs[-1]
    forged = keyset.Cursor(
        tuple(k.token for k in keys),
        (target.found_at, target.pk),
        False,
        0,
        None,
        "",
    ).encode()
    rows = walk_api(school, URL + "?cursor=" + forged)[0]
    assert set(rows) <= {h.pk for h in mine} and rows
    assert not set(rows) & {h.pk for h in theirs}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-3] + ("AAA" if not c.endswith("AAA") else "BBB"),  # signature broken
        lambda c: c[: len(c) // 2],  # cut short
        lambda c: "not-a-cursor",
        lambda c: "",  # empty: the first page
    ],
)
def test_an_altered_cursor_answers_400_with_the_reason(world, county_user, mangle):
    for h in range(3):
        make(world.school_a1, hours=h)
    client = api(county_user, language="en")
    link = client.get(URL, {"page_size": 1}).json()["next"]
    cursor = mangle(re.search(r"cursor=([^&]+)", link).group(1))
    answer = client.get(URL, {"page_size": 1, "cursor": cursor})
    if not cursor:
        assert answer.status_code == 200
        return
    assert answer.status_code == 400
    with translation.override("en"):
        assert answer.json() == {"cursor": [str(keyset.INVALID)]}


@pytest.mark.django_db
def test_a_cursor_of_another_order_is_refused(world, county_user):
    for h in range(3):
        make(world.school_a1, hours=h)
    client = api(county_user)
    link = client.get(URL, {"page_size": 1, "ordering": "deadline"}).json()["next"]
    cursor = re.search(r"cursor=([^&]+)", link).group(1)
    assert client.get(URL, {"page_size": 1, "cursor": cursor}).status_code == 400


@pytest.mark.django_db
def test_page_numbers_still_answer_and_lead_on_by_cursor(world, county_user):
    rows = [make(world.school_a1, hours=h) for h in range(7)]
    client = api(county_user)
    body = client.get(URL, {"page_size": 3, "page": 2}).json()
    newest_first = [h.pk for h in reversed(rows)]
    assert [r["id"] for r in body["results"]] == newest_first[3:6]
    assert body["count"] == 7
    assert "cursor=" in body["next"] and "cursor=" in body["previous"]
    assert [r["id"] for r in client.get(body["next"]).json()["results"]] == newest_first[6:]
    assert [r["id"] for r in client.get(body["previous"]).json()["results"]] == newest_first[:3]
    last = client.get(URL, {"page_size": 3, "page": "last"}).json()
    assert [r["id"] for r in last["results"]] == newest_first[6:] and last["next"] is None
    assert client.get(URL, {"page_size": 3, "page": 4}).status_code == 404
    assert client.get(URL, {"page_size": 3, "page": "x"}).status_code == 404


@pytest.mark.django_db
def test_a_page_whose_rows_all_went_leads_back(world, county_user):
    rows = [make(world.school_a1, hours=h) for h in range(4)]
    client = api(county_user)
    first = client.get(URL, {"page_size": 2}).json()
    Hazard.objects.filter(pk__in=[h.pk for h in rows[:2]]).delete()  # the older two
    empty = client.get(first["next"]).json()
    assert empty["results"] == [] and empty["next"] is None
    back = client.get(empty["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.django_db
def test_filters_ride_along_and_the_count_is_not_taken_again(world, county_user):
    for h in range(6):
        make(world.school_a1, hours=h, grade=Grade.HIGH)
        make(world.school_a1, hours=h, grade=Grade.LOW)
    client = api(county_user)
    first = client.get(URL, {"page_size": 2, "grade": Grade.HIGH}).json()
    assert first["count"] == 6 and "grade=high" in first["next"]
    with CaptureQueriesContext(connection) as captured:
        second = client.get(first["next"]).json()
    assert second["count"] == 6
    assert {r["grade"] for r in second["results"]} == {Grade.HIGH}
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    # The same cursor under other filters: the position holds, the count is taken afresh.
    other = client.get(first["next"].replace("grade=high", "grade=low")).json()
    assert other["count"] == 6 and {r["grade"] for r in other["results"]} == {Grade.LOW}


@pytest.mark.django_db
def test_a_deep_page_costs_the_queries_of_the_second(world, county_user):
    for h in range(30):
        make(world.school_a1, hours=h)
    client = api(county_user)
    _ids, answers = walk_api(client, URL, {"page_size": 2})
    counts = []
    for body in (answers[1], answers[-2]):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(body["next"]).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_inspections_api_walks_by_cursor(world):
    from safecampus.hazards.models import Inspection
    from tests.hazards.helpers import checklist

    user = f.user_with_role("bureau_staff", world.county_a)
    version = checklist(org=world.school_a1)
    at = timezone.now().replace(microsecond=0)
    made = [
        Inspection.objects.create(
            org=world.school_a1,
            checklist=version,
            inspector=user,
            inspected_at=at - datetime.timedelta(hours=i // 3),
            signed_name="王",
        )
        for i in range(8)
    ]
    ids, answers = walk_api(api(user), "/api/v1/inspections/", {"page_size": 3})
    expected = [i.pk for i in sorted(made, key=lambda i: (i.inspected_at, i.pk), reverse=True)]
    assert ids == expected and len(answers) == 3


@pytest.mark.django_db
def test_schema_documents_the_cursor():
    import yaml

    document = yaml.safe_load(
        api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content
    )
    for path in ("/api/v1/hazards/", "/api/v1/inspections/"):
        names = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
        assert {"cursor", "page", "page_size"} <= names, path


# ------------------------------------------------------------------ the ledger page


def _next(html: str) -> str:
    found = re.search(r'href="([^"]*)" rel="next"', html)
    return unescape(found.group(1)) if found else ""


@pytest.mark.django_db
def test_the_ledger_page_walks_by_next_links_keeping_filters_and_numbers(
    client, world, county_user, monkeypatch
):
    from safecampus.hazards.views import LedgerView

    monkeypatch.setattr(LedgerView, "paginate_by", 4)
    high = [make(world.school_a1, hours=h % 2, grade=Grade.HIGH) for h in range(10)]
    make(world.school_a1, hours=0, grade=Grade.LOW)
    client.force_login(county_user)
    url = reverse("hazards:ledger")
    response = client.get(url, {"grade": Grade.HIGH})
    numbers, seen = [], []
    while True:
        assert response.status_code == 200
        rows = response.context["rows"]
        numbers += [r["n"] for r in rows]
        seen += [r["hazard"].pk for r in rows]
        assert response.context["total"] == 10
        link = _next(response.content.decode())
        if not link:
            break
        assert "grade=high" in link and "cursor=" in link and "page=" not in link
        response = client.get(url + link)
    assert numbers == list(range(1, 11))
    assert sorted(seen) == sorted(h.pk for h in high) and len(seen) == len(set(seen))
    assert response.context["page_obj"].number == 3
    assert 'rel="prev"' in response.content.decode()


@pytest.mark.django_db
def test_the_ledger_page_counts_no_further_than_its_limit(client, world, county_user, monkeypatch):
    from safecampus.hazards.views import LedgerView

    monkeypatch.setattr(LedgerView, "paginate_by", 2)
    monkeypatch.setattr(LedgerView, "count_limit", 3)
    for h in range(5):
        make(world.school_a1, hours=h)
    client.force_login(county_user)
    response = client.get(reverse("hazards:ledger"))
    assert response.context["total"] == 3 and response.context["total_more"]
    assert response.context["page_obj"].paginator.num_pages is None
    assert _next(response.content.decode())  # the walk goes on past the counted rows


@pytest.mark.django_db
def test_a_bad_cursor_on_the_ledger_page_is_a_400_showing_the_first_page(
    client, world, county_user
):
    mine = make(world.school_a1, hours=1)
    client.force_login(county_user)
    response = client.get(reverse("hazards:ledger"), {"cursor": "tampered"})
    assert response.status_code == 400
    assert [r["hazard"].pk for r in response.context["rows"]] == [mine.pk]
    messages = [str(m) for m in response.context["messages"]]
    with translation.override("zh-hans"):
        assert messages == [str(keyset.INVALID)]


@pytest.mark.django_db
def test_a_ledger_page_by_cursor_costs_the_queries_of_the_second(
    client, world, county_user, monkeypatch
):
    from safecampus.hazards.views import LedgerView

    monkeypatch.setattr(LedgerView, "paginate_by", 2)
    for h in range(12):
        make(world.school_a1, hours=h)
    client.force_login(county_user)
    url = reverse("hazards:ledger")
    pages = [client.get(url)]
    while link := _next(pages[-1].content.decode()):
        pages.append(client.get(url + link))
    counts = []
    for page in (pages[1], pages[-2]):
        with CaptureQueriesContext(connection) as captured:
            client.get(url + _next(page.content.decode()))
        counts.append(len(captured))
    assert len(pages) == 6 and counts[0] == counts[1]
