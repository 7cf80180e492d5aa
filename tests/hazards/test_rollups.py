"""Hazard rollups: kept exactly in step by every writer of hazards (reports, workflow moves,
imports, queryset updates, bulk creates, edits, deletes), proven by `rollups check`; the
dashboard and the monthly dispatch read from them equal the figures computed straight from
the hazards, for every user's scope; a tampered row is found; concurrent moves lose no
count."""

import datetime
import io
import itertools
import math

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safecampus.hazards import dashboard, ledger_import, review, rollups, services
from safecampus.hazards.choices import OPEN_STATUSES, Grade, Status
from safecampus.hazards.models import Hazard
from safecampus.hazards.rollup_models import (
    NO_DEADLINE,
    HazardClosedRollup,
    HazardFoundRollup,
    HazardOpenRollup,
    HazardRecheckRollup,
    Level,
)
from safecampus.hazards.workflow import moves_from
from safecampus.orgs.choices import NodeKind, SchoolKind
from safecampus.orgs.models import OrgNode
from tests import factories as f
from tests.hazards.test_api_concurrency import run_together
from tests.hazards.test_ledger_import import good_rows, workbook

DAY = datetime.timedelta(days=1)
TZ = timezone.get_default_timezone()
_names = itertools.count(1)


# ------------------------------------------------------------------------- the oracle


def local(moment):
    return timezone.localtime(moment, TZ)


def reference(user, node, children, today) -> dict:
    """The dashboard's hazard figures computed the plainest way: every hazard the user sees
    under the node, in Python, by the definitions the page states."""
    p = dashboard.periods(today)
    rows = list(
        Hazard.objects.for_user(user)
        .within(node.path)
        .values_list("org_path", "status", "grade", "deadline", "found_at", "closed_at")
    )

    def figures(hazards):
        open_ = [h for h in hazards if h[1] in OPEN_STATUSES]
        overdue = [(today - h[3]).days for h in open_ if h[3] is not None and h[3] < today]
        closed = [
            h
            for h in hazards
            if h[1] == Status.CLOSED
            and h[5] is not None
            and p["window_start"] <= local(h[5]).date() <= p["month_end"]
        ]
        seconds = [max(0, math.floor((h[5] - h[4]).total_seconds())) for h in closed]
        days = sorted(math.ceil(s / 86400) for s in seconds)
        with_deadline = [h for h in closed if h[3] is not None]
        on_time = [h for h in with_deadline if local(h[5]).date() <= h[3]]
        out = {
            "open": len(open_),
            "overdue": len(overdue),
            "overdue_max": max(overdue) if overdue else None,
            "overdue_mean": round(sum(overdue) / len(overdue), 1) if overdue else None,
            "closed_month": sum(1 for h in closed if local(h[5]).date() >= p["month_start"]),
            "closed_window": len(closed),
            "with_deadline": len(with_deadline),
            "on_time": len(on_time),
            "on_time_rate": round(len(on_time) / len(with_deadline), 4) if with_deadline else None,
            "mean_days": round(sum(seconds) / len(seconds) / 86400, 1) if seconds else None,
            "p90_days": days[max(1, math.ceil(len(days) * 9 / 10)) - 1] if days else None,
        }
        for grade in dashboard.GRADES:
            out[f"open_{grade}"] = sum(1 for h in open_ if h[2] == grade)
        return out

    def under(path):
        return [h for h in rows if h[0] == path or h[0].startswith(path + ".")]

    return {
        "total": figures(rows),
        "children": {c.pk: figures(under(c.path)) for c in children},
    }


def reference_trend(user, node, today) -> list[tuple[int, int]]:
    p = dashboard.periods(today)
    hazards = list(
        Hazard.objects.for_user(user)
        .within(node.path)
        .values_list("status", "found_at", "closed_at")
    )
    out = []
    for i in range(dashboard.TREND_MONTHS):
        first = dashboard.add_months(p["window_start"], i)

        def same(moment, first=first):
            return moment is not None and local(moment).date().replace(day=1) == first

        found = sum(1 for _s, found_at, _c in hazards if same(found_at))
        closed = sum(1 for s, _f, closed_at in hazards if s == Status.CLOSED and same(closed_at))
        out.append((found, closed))
    return out


def reference_month(user, node, first) -> dict:
    """The dispatch's counts for the month starting `first`, per hazard path, the plain way."""
    last = dashboard.add_months(first, 1) - DAY
    today = min(last, timezone.localdate())
    out: dict = {}
    for path, status, grade, deadline, found_at, closed_at in (
        Hazard.objects.for_user(user)
        .within(node.path)
        .values_list("org_path", "status", "grade", "deadline", "found_at", "closed_at")
    ):
        counts = out.setdefault(path, {"found": 0, "closed": 0, "open": 0, "overdue": 0})
        is_open = status in OPEN_STATUSES
        counts["found"] += local(found_at).date().replace(day=1) == first
        counts["closed"] += (
            status == Status.CLOSED
            and closed_at is not None
            and local(closed_at).date().replace(day=1) == first
        )
        counts["open"] += is_open
        counts["overdue"] += is_open and deadline is not None and deadline < today
        counts["major_open"] = counts.get("major_open", 0) + (
            is_open and grade in (Grade.MAJOR, Grade.HIGH)
        )
    return out


def assert_dispatch(user, node, first) -> None:
    """The monthly dispatch's rows, totals and by-school table equal the plain counts."""
    plain = reference_month(user, node, first)

    def summed(paths):
        keys = ("found", "closed", "open", "overdue", "major_open")
        return tuple(sum(plain[p].get(k, 0) for p in paths) for k in keys)

    def under(path):
        return [p for p in plain if p == path or p.startswith(path + ".")]

    data = review.monthly_dispatch(user=user, node=node, month=first)
    for row in data["rows"]:
        got = (row.found, row.closed, row.open, row.overdue, row.major_open)
        assert got == summed(under(row.node.path)), (user.username, node.name, row.node.name)
    totals = data["totals"]
    assert (totals["found"], totals["closed"], totals["open"], totals["overdue"]) == summed(plain)[
        :4
    ]
    for row in review.dispatch_schools(user=user, node=node, month=first):
        got = (row.found, row.closed, row.open, row.overdue, row.major_open)
        assert got == summed([row.node.path] if row.node.path in plain else [])


def shown(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "completion"}


def assert_in_step(views) -> None:
    """`check` passes and each (user, node) view's dashboard equals the oracle's."""
    assert rollups.check() == []
    today = timezone.localdate()
    for user, node in views:
        children = list(OrgNode.objects.filter(parent=node).order_by("path"))
        got = dashboard.compute(user, node, children, today)
        want = reference(user, node, children, today)
        assert shown(got["total"]) == want["total"], (user.username, node.name)
        for child in children:
            assert shown(got["children"][child.pk]) == want["children"][child.pk], (
                user.username,
                node.name,
                child.name,
            )
        months = [(m["found"], m["closed"]) for m in dashboard.trend(user, node, today)]
        assert months == reference_trend(user, node, today), (user.username, node.name)
        for back in (0, 2):
            assert_dispatch(user, node, dashboard.add_months(today.replace(day=1), -back))


# ----------------------------------------------------------------------------- scene


@pytest.fixture
def scene(world):
    county_c = f.node(world.city, NodeKind.COUNTY, "红寺堡区", short_name="红寺堡")
    town_c = f.node(county_c, NodeKind.TOWNSHIP, "大河乡")
    school_c1 = f.school(town_c, "大河小学", SchoolKind.PRIMARY)
    other_city = f.node(world.province, NodeKind.CITY, "固原市")
    other_county = f.node(other_city, NodeKind.COUNTY, "西吉县", short_name="西吉")
    school_x = f.school(other_county, "西吉中学", SchoolKind.JUNIOR)
    schools = [world.school_a1, world.school_a2, world.school_b1, school_c1, school_x]
    users = {
        "province": f.user_with_role("bureau_staff", world.province),
        "city": f.user_with_role("bureau_staff", world.city),
        "county": f.user_with_role("bureau_staff", world.county_a),
        "township": f.user_with_role("township_officer", world.town_a),
        "school": f.user_with_role("safety_officer", world.school_a1),
        "teacher": f.user_with_role("teacher", world.school_a1),
        "principal": f.user_with_role("principal", world.school_a1),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "root": f.UserFactory(is_superuser=True, username="root-a"),
        "root2": f.UserFactory(is_superuser=True, username="root-b"),
    }
    inspector = f.UserFactory(username="inspector-two-schools")
    for school in (world.school_a2, school_c1):
        f.RoleAssignment.objects.create(user=inspector, role="inspector", org=school)
    users["inspector"] = inspector
    person = f.PersonFactory(org=world.province, name="省安全员")
    views = [
        (users["province"], world.province),
        (users["province"], world.city),
        (users["city"], world.city),
        (users["city"], world.county_a),
        (users["county"], world.county_a),
        (users["county"], world.town_a),
        (users["township"], world.city),
        (users["school"], world.county_a),
        (users["school"], world.school_a1),
        (users["inspector"], world.city),
        (users["outsider"], world.city),
        (users["root"], world.province),
    ]
    return {"schools": schools, "users": users, "person": person, "views": views}


def report(school, by, *, grade=Grade.GENERAL, found_at=None, status=Status.REPORTED):
    return services.hazard_report(
        school=school,
        by=by,
        description=f"隐患{next(_names)}",
        category="fire",
        grade=grade,
        found_at=found_at,
        status=status,
    )


def evidence(action: str, scene) -> dict:
    return {
        "confirm": {
            "data": {
                "grade": Grade.HIGH,
                "responsible_person": scene["person"],
                "measures": "整改",
            }
        },
        "submit": {"data": {"rectification": "已整改", "no_photo_reason": "夜间"}},
    }.get(action, {"comment": "意见"})


def act(hazard, action, by, scene):
    hazard = Hazard.objects.get(pk=hazard.pk)
    return services.hazard_move(
        hazard=hazard,
        action=action,
        by=by,
        expected_version=hazard.version,
        **evidence(action, scene),
    )


# ------------------------------------------------------------------------------ rules


def test_a_closed_hazard_counts_by_local_month_and_whole_days_rounded_up():
    found = datetime.datetime(2026, 1, 31, 17, 0, tzinfo=datetime.UTC)  # 2 Feb 01:00 local
    closed = found + datetime.timedelta(days=3, seconds=1, microseconds=500)
    state = rollups.State(
        "0001.0002.0003.0004.0005",
        Status.CLOSED,
        Grade.LOW,
        datetime.date(2026, 2, 4),
        found,
        closed,
        None,  # no re-check asked
        None,
    )
    rows = {(m.__name__, k): c for m, k, c in rollups.contributions(state)}
    month = datetime.date(2026, 2, 1)
    assert rows[("HazardFoundRollup", (0, state.org_path, month))] == (1,)
    assert rows[("HazardFoundRollup", (3, "0001.0002.0003", month))] == (1,)
    assert rows[("HazardFoundRollup", (2, "0001.0002", month))] == (1,)
    # 3 days and 1 second: 4 whole days rounded up; closed on 4 Feb local, the deadline.
    key = (0, state.org_path, month, 4)
    assert rows[("HazardClosedRollup", key)] == (1, 1, 1, 3 * 86400 + 1)
    assert not any(name in ("HazardOpenRollup", "HazardRecheckRollup") for name, _ in rows)
    # A re-check asked counts by its day until one is made.
    asked = rollups.State(**{**state.__dict__, "recheck_on": datetime.date(2026, 3, 6)})
    rows = {(m.__name__, k): c for m, k, c in rollups.contributions(asked)}
    assert rows[("HazardRecheckRollup", (2, "0001.0002", datetime.date(2026, 3, 6)))] == (1,)
    done = rollups.State(**{**asked.__dict__, "rechecked_at": closed + DAY})
    assert rollups.deltas([(asked, done)]) == {
        HazardRecheckRollup: {
            (level, rollups.cut(state.org_path, level), datetime.date(2026, 3, 6)): (-1,)
            for level in rollups.LEVELS
        }
    }
    still_open = rollups.State(
        state.org_path, Status.ESCALATED, Grade.LOW, None, found, None, None, None
    )
    keys = [(m.__name__, k) for m, k, _c in rollups.contributions(still_open)]
    assert ("HazardOpenRollup", (0, state.org_path, Grade.LOW, NO_DEADLINE)) in keys


def test_a_change_that_touches_no_counted_field_writes_nothing():
    found = timezone.now()
    state = rollups.State("0001", Status.RECTIFYING, Grade.LOW, None, found, None, None, None)
    assert rollups.deltas([(state, state)]) == {}
    moved = rollups.State("0001", Status.SUBMITTED, Grade.LOW, None, found, None, None, None)
    assert rollups.deltas([(state, moved)]) == {}  # open either way, same grade and deadline
    closed = rollups.State(**{**moved.__dict__, "status": Status.CLOSED, "closed_at": found + DAY})
    changes = rollups.deltas([(moved, closed)])
    assert set(changes) == {HazardOpenRollup, HazardClosedRollup}
    assert all(v == (-1,) for v in changes[HazardOpenRollup].values())


@pytest.mark.django_db
def test_read_level_is_the_coarsest_exact_one(world, scene):
    users = scene["users"]
    province, city, county = world.province, world.city, world.county_a
    assert rollups.read_level(users["province"], province, 2) == Level.CITY
    assert rollups.read_level(users["province"], city, 3) == Level.COUNTY
    assert rollups.read_level(users["city"], city, 3) == Level.COUNTY
    assert rollups.read_level(users["county"], county, 4) == Level.LEAF
    assert rollups.read_level(users["county"], county, 3) == Level.COUNTY
    # Scopes deeper than the cut inside the node: the cut rows would count too much.
    assert rollups.read_level(users["township"], city, 3) == Level.LEAF
    assert rollups.read_level(users["inspector"], province, 2) == Level.LEAF
    assert rollups.read_level(users["root"], province, 2) == Level.CITY


# ------------------------------------------------------------------- writers in step


@pytest.mark.django_db
def test_the_whole_workflow_keeps_the_rollups_exact(world, scene):
    users, views = scene["users"], scene["views"]
    school = world.school_a1
    first = report(school, users["teacher"], grade=Grade.MAJOR)
    second = report(school, users["teacher"], status=Status.PENDING_REVIEW)
    third = report(world.school_b1, users["root"], found_at=timezone.now() - 40 * DAY)
    assert_in_step(views)
    steps = [
        (first, "confirm", "school"),
        (second, "admit", "principal"),
        (second, "escalate", "principal"),
        (second, "take_over", "county"),
        (first, "submit", "teacher"),
        (first, "reject", "principal"),
        (first, "submit", "teacher"),
        (first, "accept", "principal"),
        (third, "confirm", "root"),
        (third, "escalate", "root"),
        (third, "return", "root"),
        (third, "submit", "root"),
        (third, "accept", "root2"),
        (first, "reopen", "county"),
    ]
    for hazard, action, who in steps:
        act(hazard, action, users[who], scene)
        assert_in_step(views)
    # Deadlines that pass, and a closing long after the finding (dates set directly).
    Hazard.objects.filter(pk=first.pk).update(deadline=timezone.localdate() - 9 * DAY)
    Hazard.objects.filter(pk=third.pk).update(found_at=timezone.now() - 200 * DAY)
    dismissed = report(school, users["root"], status=Status.PENDING_REVIEW)
    act(dismissed, "dismiss", users["root"], scene)
    assert_in_step(views)


@pytest.mark.django_db
def test_inspections_imports_and_refused_imports_keep_step(world, scene):
    from tests.hazards.helpers import checklist

    users, views = scene["users"], scene["views"]
    version = checklist()
    items = list(version.items.all())
    services.inspection_submit(
        school=world.school_a1,
        by=users["school"],
        checklist=version,
        signed_name="王",
        answers=[
            {"item": items[0], "answer": "abnormal", "note": "过期"},
            {"item": items[1], "answer": "abnormal", "note": "堵塞", "grade": Grade.MAJOR},
            {"item": items[2], "answer": "normal"},
        ],
    )
    bureau = users["county"]
    result = ledger_import.import_ledger(workbook(good_rows(world)), user=bureau)
    assert result.written
    assert_in_step(views)
    before = {m: list(m.objects.order_by("level", "org_path").values()) for m in rollups.MODELS}
    bad = good_rows(world)
    bad[1]["等级"] = "特别大"
    assert not ledger_import.import_ledger(workbook(bad), user=bureau).written
    after = {m: list(m.objects.order_by("level", "org_path").values()) for m in rollups.MODELS}
    assert after == before  # the refused import's rows and rollups went back together


@pytest.mark.django_db
def test_edits_moves_between_schools_bulk_writes_and_deletes(world, scene):
    users, views = scene["users"], scene["views"]
    hazard = report(world.school_a1, users["root"], grade=Grade.LOW)
    # An edit through save(): regraded and moved to a school of another county.
    stale = Hazard.objects.get(pk=hazard.pk)
    hazard.grade = Grade.MAJOR
    hazard.org = world.school_b1
    hazard.save()
    assert_in_step(views)
    # A stale instance saved over it: the rollups follow what is stored, not what it read.
    stale.description = "改了描述"
    stale.save()
    assert Hazard.objects.get(pk=hazard.pk).org == world.school_a1
    assert_in_step(views)
    # Bulk creation and bulk update.
    made = Hazard.objects.bulk_create(
        [
            Hazard(
                org=s,
                org_path=s.path,
                number=f"B-{next(_names)}",
                category="fire",
                description="批量",
                status=status,
                found_at=timezone.now() - 30 * DAY,
                closed_at=timezone.now() if status == Status.CLOSED else None,
                deadline=timezone.localdate() - 3 * DAY,
            )
            for s, status in zip(
                scene["schools"],
                [Status.CLOSED, Status.RECTIFYING, Status.REPORTED, Status.CLOSED, Status.REPORTED],
                strict=True,
            )
        ]
    )
    assert_in_step(views)
    for h in made:
        h.grade = Grade.HIGH
    Hazard.objects.bulk_update(made, ["grade"])
    Hazard.objects.filter(pk__in=[h.pk for h in made[:2]]).update(
        status=Status.CLOSED, closed_at=timezone.now() - 2 * DAY
    )
    assert_in_step(views)
    # Deletes: an instance, and a queryset of several.
    Hazard.objects.get(pk=made[0].pk).delete()
    Hazard.objects.filter(pk__in=[h.pk for h in made[1:4]]).delete()
    assert_in_step(views)
    with pytest.raises(ValueError, match="rollups"):
        Hazard.objects.bulk_create([], ignore_conflicts=True)


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(
                st.just("report"),
                st.integers(0, 4),
                st.sampled_from(list(Grade)),
                st.integers(0, 420),
                st.booleans(),
            ),
            st.tuples(st.just("move"), st.integers(0, 99), st.integers(0, 9)),
            st.tuples(st.just("move"), st.integers(0, 99), st.integers(0, 9)),
            st.tuples(
                st.just("shift"),
                st.integers(0, 99),
                st.sampled_from(["found_at", "closed_at", "deadline"]),
                st.integers(-20, 420),
            ),
            st.tuples(st.just("edit"), st.integers(0, 99), st.integers(0, 4), st.integers(0, 3)),
            st.tuples(st.just("delete"), st.integers(0, 99)),
        ),
        min_size=1,
        max_size=14,
    )
)
def test_random_sequences_of_writes_keep_the_rollups_exact(world, scene, ops):
    """Reports, legal workflow moves, dates set directly (queryset updates), regrading and
    moving a hazard through save(), deletes: then `check` passes and every view's dashboard
    equals the oracle's."""
    users, schools = scene["users"], scene["schools"]
    now = timezone.now()
    for op in ops:
        hazards = list(Hazard.objects.order_by("pk"))
        kind = op[0]
        if kind == "report":
            _k, school, grade, days_ago, pending = op
            status = Status.PENDING_REVIEW if pending else Status.REPORTED
            report(
                schools[school],
                users["root"],
                grade=grade,
                found_at=now - days_ago * DAY,
                status=status,
            )
            continue
        if not hazards:
            continue
        hazard = hazards[op[1] % len(hazards)]
        if kind == "move":
            moves = moves_from(hazard.status)
            if not moves:
                continue
            move = moves[op[2] % len(moves)]
            by = users["root2"] if hazard.submitted_by_id == users["root"].pk else users["root"]
            act(hazard, move.action, by, scene)
        elif kind == "shift":
            _k, _i, field, days = op
            if field == "deadline":
                value = timezone.localdate() - days * DAY
            elif field == "closed_at" and hazard.closed_at is None:
                continue
            else:
                value = now - days * DAY
            Hazard.objects.filter(pk=hazard.pk).update(**{field: value})
        elif kind == "edit":
            _k, _i, school, grade = op
            hazard.org = schools[school]
            hazard.grade = list(Grade)[grade]
            hazard.save()
        elif kind == "delete":
            hazard.delete()
    assert_in_step(scene["views"])


# ----------------------------------------------------------------- check and rebuild


@pytest.mark.django_db
def test_a_tampered_row_fails_the_check_with_its_key_and_rebuild_repairs_it(world, scene):
    users = scene["users"]
    report(world.school_a1, users["root"], grade=Grade.MAJOR)
    report(world.school_b1, users["root"], found_at=timezone.now() - 70 * DAY)
    out = io.StringIO()
    call_command("rollups", "check", stdout=out)
    assert "match" in out.getvalue() or "一致" in out.getvalue()

    HazardOpenRollup.objects.filter(level=Level.COUNTY, org_path=world.county_a.path).update(n=5)
    HazardFoundRollup.objects.filter(level=Level.LEAF, org_path=world.school_b1.path).delete()
    mismatches = rollups.check()
    assert {(m.table, m.key[0], m.key[1]) for m in mismatches} == {
        ("hazards_hazardopenrollup", Level.COUNTY, world.county_a.path),
        ("hazards_hazardfoundrollup", Level.LEAF, world.school_b1.path),
    }
    tampered = next(m for m in mismatches if m.table == "hazards_hazardopenrollup")
    assert (tampered.expected, tampered.stored) == ((1,), (5,))
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("rollups", "check", stdout=out)
    assert raised.value.returncode == 1
    listing = out.getvalue()
    assert world.county_a.path in listing and world.school_b1.path in listing

    call_command("rollups", "rebuild", stdout=io.StringIO())
    assert rollups.check() == []


@pytest.mark.django_db
def test_rebuild_gives_exactly_the_rows_the_writes_kept(world, scene):
    users = scene["users"]
    for i, school in enumerate(scene["schools"]):
        hazard = report(school, users["root"], found_at=timezone.now() - (i * 37) * DAY)
        act(hazard, "confirm", users["root"], scene)
        if i % 2:
            act(hazard, "submit", users["root"], scene)
            act(hazard, "accept", users["root2"], scene)

    def rows():
        return {
            m: sorted(
                tuple(r)
                for r in m.objects.values_list(
                    "level", "org_path", *rollups.KEYS[m.__name__], *rollups.COUNTS[m.__name__]
                )
            )
            for m in rollups.MODELS
        }

    kept = rows()
    assert all(kept.values())
    rollups.rebuild()
    assert rows() == kept
    # The data migration's way: the same build on a registry's models.
    rollups.rebuild(registry=apps)
    assert rows() == kept


# ----------------------------------------------------------------------------- scope


@pytest.mark.django_db
def test_each_user_counts_only_what_their_scope_holds(world, scene):
    users = scene["users"]
    report(world.school_a1, users["root"], grade=Grade.MAJOR)
    report(world.school_a2, users["root"], grade=Grade.HIGH)
    report(world.school_b1, users["root"], grade=Grade.LOW)
    report(scene["schools"][3], users["root"], grade=Grade.LOW)
    today = timezone.localdate()

    def open_count(user, node):
        return dashboard.compute(user, node, [], today)["total"]["open"]

    assert open_count(users["city"], world.city) == 4
    assert open_count(users["school"], world.county_a) == 1  # its own school only
    assert open_count(users["school"], world.city) == 1
    assert open_count(users["township"], world.city) == 2
    assert open_count(users["inspector"], world.city) == 2  # a2 and the third county's
    assert open_count(users["outsider"], world.county_a) == 0
    assert open_count(users["outsider"], world.city) == 1
    trend = dashboard.trend(users["school"], world.city, today)
    assert sum(m["found"] for m in trend) == 1


# --------------------------------------------------------------------------- queries


def _count_queries(client, user, node) -> int:
    client.force_login(user)
    url = reverse("hazard_dashboard:node", args=[node.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_province_and_city_pages_cost_the_same_queries_whatever_the_schools(client, world, scene):
    users = scene["users"]

    def more_schools(n):
        for _ in range(n):
            county = f.node(world.city, NodeKind.COUNTY, f"县{next(_names)}")
            school = f.school(county, f"学校{next(_names)}")
            hazard = report(school, users["root"], grade=Grade.HIGH)
            act(hazard, "confirm", users["root"], scene)

    more_schools(1)
    province = _count_queries(client, users["province"], world.province)
    city = _count_queries(client, users["city"], world.city)
    more_schools(4)
    assert _count_queries(client, users["province"], world.province) == province
    assert _count_queries(client, users["city"], world.city) == city
    assert rollups.check() == []


# ------------------------------------------------------------------------ concurrency


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_in_one_county_lose_no_count(world):
    """Two schools' hazards moved at the same moment share their county's and city's rollup
    rows: the upserts queue on those rows (PostgreSQL) or the transactions queue (SQLite),
    and every count arrives."""
    root = f.UserFactory(is_superuser=True, username="root-c")
    root2 = f.UserFactory(is_superuser=True, username="root-d")
    person = f.PersonFactory(org=world.province)
    hazards = [
        services.hazard_report(school=s, by=root, description="并发", category="fire")
        for s in (world.school_a1, world.school_a2, world.school_a1, world.school_a2)
    ]

    def close(hazard):
        def job(meet):
            h = Hazard.objects.get(pk=hazard.pk)
            h = services.hazard_move(
                hazard=h,
                action="confirm",
                by=root,
                data={"grade": Grade.HIGH, "responsible_person": person, "measures": "修"},
            )
            h = services.hazard_move(
                hazard=h,
                action="submit",
                by=root,
                data={"rectification": "好", "no_photo_reason": "无"},
            )
            return services.hazard_move(hazard=h, action="accept", by=root2)

        return job

    results = run_together(*(close(h) for h in hazards))
    assert all(isinstance(r, Hazard) for r in results), results
    assert rollups.check() == []
    county_rows = HazardClosedRollup.objects.filter(
        level=Level.COUNTY, org_path=world.county_a.path
    )
    assert sum(r.closed for r in county_rows) == 4
    assert not HazardOpenRollup.objects.filter(level=Level.COUNTY).exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_emptied_and_refilled_at_once_keeps_its_count(world):
    """One transaction takes the last open hazard of a key away (its row is deleted) while
    another adds one to the same key: the row ends with the one that is there."""
    root = f.UserFactory(is_superuser=True, username="root-e")
    first = services.hazard_report(
        school=world.school_a1, by=root, description="甲", category="fire"
    )

    def remove(meet):
        Hazard.objects.filter(pk=first.pk).update(status=Status.DISMISSED)
        return True

    def add(meet):
        services.hazard_report(school=world.school_a2, by=root, description="乙", category="fire")
        return True

    assert run_together(remove, add) == [True, True]
    assert rollups.check() == []
    row = HazardOpenRollup.objects.get(level=Level.COUNTY, org_path=world.county_a.path)
    assert row.n == 1
