"""The demo's year of activity: deterministic, idempotent, every state, consistent history."""

import datetime
import io
import re
import time
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from safecampus.accounts.models import RoleAssignment, User
from safecampus.core.dates import day_range, month_of, week_of
from safecampus.hazards import demo, documents, review
from safecampus.hazards.calendar import calendar_for
from safecampus.hazards.choices import OPEN_STATUSES, Grade, Status
from safecampus.hazards.models import (
    FollowUpTask,
    Hazard,
    HazardCounter,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
    Schedule,
    Spot,
    Visit,
    WeeklyReview,
)
from safecampus.hazards.schedules import completion, due_inspections
from safecampus.hazards.workflow import MOVES
from safecampus.notify.choices import DeliveryStatus
from safecampus.notify.models import Channel, Delivery, Notification
from safecampus.orgs.models import OrgNode

SCHOOLS = 16
SEED = 11


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for the module inside a transaction rolled back at its end; each
    test runs in a savepoint of it (the `db` fixture), so what a test changes is undone."""
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("demo")),
        transaction.atomic(),
    ):
        started = time.monotonic()
        call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=io.StringIO())
        print(f"seed-demo with {SCHOOLS} schools: {time.monotonic() - started:.1f} s")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_demo, db, settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _counts():
    models = (Spot, Schedule, Inspection, InspectionAnswer, Hazard, HazardTransition)
    models += (WeeklyReview, FollowUpTask, Visit, Notification, Delivery, Channel)
    issued = HazardEscalation.objects.exclude(document_number="").count()
    return [m.objects.count() for m in models] + [issued]


def test_the_plan_is_deterministic(seeded):
    now = timezone.make_aware(datetime.datetime(2026, 11, 24, 10, 30))
    one, two = demo.build_plan(seed=SEED, now=now), demo.build_plan(seed=SEED, now=now)
    other = demo.build_plan(seed=SEED + 1, now=now)

    def key(plan):
        return (
            [(i.school, i.schedule, i.period_start, i.at, i.abnormal) for i in plan.inspections],
            [(h.school, h.description, h.grade, h.found_at, h.status) for h in plan.hazards],
        )

    assert key(one) == key(two)
    assert key(one) != key(other)


def test_running_again_changes_nothing(seeded, settings):
    before = _counts()
    assert demo.load_activity(seed=SEED) == {}
    call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=io.StringIO())
    assert _counts() == before


def test_every_school_has_spots_schedules_and_a_realistic_year(seeded):
    schools = Schedule.objects.values("org_id").distinct().count()
    assert schools == SCHOOLS
    assert Spot.objects.values("org_id").distinct().count() == SCHOOLS
    assert Schedule.objects.count() == SCHOOLS * 5
    bureau = User.objects.get(username="bureau")
    county = bureau.org
    today = timezone.localdate()
    year = completion(
        user=User.objects.get(username="admin"),
        node=county.parent,
        start=today - datetime.timedelta(days=360),
        end=today,
    )
    assert 0.6 < year["rate"] < 0.97, year
    answers = Counter(InspectionAnswer.objects.values_list("answer", flat=True))
    assert answers["normal"] > 20 * answers["abnormal"] > 0
    assert not Inspection.objects.filter(inspected_at__gt=timezone.now()).exists()


def test_hazards_in_every_state_with_grades_distributed(seeded):
    statuses = Counter(Hazard.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.CLOSED] > len(statuses)
    grades = Counter(Hazard.objects.values_list("grade", flat=True))
    assert grades[Grade.GENERAL] + grades[Grade.LOW] > 3 * grades[Grade.HIGH] > 0
    assert not Hazard.objects.filter(grade=Grade.MAJOR, status=Status.RECTIFYING, plan="").exists()
    school = Counter(
        Hazard.objects.filter(org__name=demo.SHOWCASE_SCHOOL).values_list("status", flat=True)
    )
    assert set(school) == set(Status.values)
    today = timezone.localdate()
    overdue = Hazard.objects.filter(status=Status.RECTIFYING, deadline__lt=today)
    assert overdue.exists()
    assert HazardEscalation.objects.filter(hazard__in=overdue).exists()


def test_transitions_tell_each_hazard_story_consistently(seeded):
    moves = defaultdict(list)
    for t in HazardTransition.objects.order_by("at", "id"):
        moves[t.hazard_id].append(t)
    now = timezone.now()
    for hazard in Hazard.objects.all():
        chain = moves[hazard.pk]
        first = chain[0].from_status if chain else hazard.status
        assert first in (Status.REPORTED, Status.PENDING_REVIEW)
        state = first
        when = hazard.found_at
        for t in chain:
            move = MOVES[t.action]
            assert t.from_status == state and t.from_status in move.sources
            assert t.to_status == move.target
            assert when <= t.at <= now
            state, when = t.to_status, t.at
        assert state == hazard.status
        if hazard.status == Status.CLOSED:
            assert (hazard.closed_at and hazard.accepted_by_id != hazard.submitted_by_id) or (
                hazard.submitted_by_id is None
            )
        if hazard.status in (Status.RECTIFYING, Status.SUBMITTED, Status.CLOSED):
            assert hazard.deadline and hazard.measures


def test_numbers_follow_the_county_counter(seeded):
    by_prefix = defaultdict(list)
    for number in Hazard.objects.values_list("number", flat=True):
        prefix, year, seq = number.rsplit("-", 2)
        by_prefix[(prefix, int(year))].append(int(seq))
    for counter in HazardCounter.objects.select_related("county"):
        seqs = sorted(by_prefix[(counter.county.short_name, counter.year)])
        assert seqs == list(range(1, counter.last + 1))


def test_the_demo_users_have_work_to_do(seeded):
    today = timezone.localdate()
    safety = User.objects.get(username="safety")
    rows = due_inspections(user=safety, day=today)
    if calendar_for(safety.org).is_school_day(today):  # a weekend or a holiday has none
        assert any(r.status == "due" for r in rows)
    school = Hazard.objects.filter(org__name=demo.SHOWCASE_SCHOOL)
    submitted = school.filter(status=Status.SUBMITTED)
    assert submitted.exists()
    assert all(h.submitted_by_id != safety.pk for h in submitted)
    assert Hazard.objects.filter(
        status=Status.ESCALATED, org_path__startswith=User.objects.get(username="bureau").org.path
    ).exists()


# ------------------------------------------------------------------ the rhythm of review


def _status_at(hazard, at) -> str:
    """A hazard's status at a moment, from its stored transitions."""
    moves = list(hazard.transitions.order_by("at", "id"))
    status = moves[0].from_status if moves else hazard.status
    for t in moves:
        if t.at <= at:
            status = t.to_status
    return status


def _past_term_weeks(school, today):
    """The Mondays of the current (or, in a holiday, the last) term's weeks that are over."""
    cal = calendar_for(school)
    this_week = week_of(today)[0]
    for term in sorted(cal.terms, key=lambda t: t.start, reverse=True):
        if term.start > today:
            continue
        monday, weeks = week_of(term.start)[0], []
        while monday < this_week and monday <= term.end:
            if cal.school_days(monday, monday + datetime.timedelta(days=6)):
                weeks.append(monday)
            monday += datetime.timedelta(days=7)
        if len(weeks) >= 2:
            return weeks
    return []


def test_the_safety_officer_finds_the_weekly_analysis_of_most_weeks(seeded):
    safety = User.objects.get(username="safety")
    school = safety.org
    weeks = _past_term_weeks(school, timezone.localdate())
    assert weeks
    reviews = {
        r.week_start: r
        for r in WeeklyReview.objects.for_user(safety).filter(org=school).prefetch_related("tasks")
    }
    held = [w for w in weeks if w in reviews]
    assert len(held) >= 0.75 * len(weeks), (len(held), len(weeks))
    principal = User.objects.get(username="principal").person.name
    for week in held:
        r = reviews[week]
        assert r.created_by == safety and r.signed_name == principal
        assert week <= timezone.localtime(r.signed_at).date() <= week + datetime.timedelta(days=6)
        assert principal in r.attendees
        assert "本周" in r.analysis and "下周重点" in r.analysis
        assert r.tasks.all(), week
        for task in r.tasks.all():
            assert task.owner.org_id == school.pk
            assert task.due_on > timezone.localtime(r.signed_at).date()


def test_a_weekly_analysis_keeps_the_figures_of_its_week(seeded):
    """The figures stored are what `week_summary` showed when the analysis was signed."""
    school = OrgNode.objects.get(name=demo.SHOWCASE_SCHOOL)
    hazards = list(Hazard.objects.filter(org=school).prefetch_related("transitions"))
    reviews = list(WeeklyReview.objects.filter(org=school))
    assert len(reviews) > 20
    for r in reviews:
        at = r.signed_at
        start, end = r.week_start, r.week_start + datetime.timedelta(days=6)
        since, until = day_range(start, end)
        day = min(end, timezone.localtime(at).date())
        known = [h for h in hazards if h.found_at <= at]
        open_ = [h for h in known if _status_at(h, at) in OPEN_STATUSES]
        confirmed = {
            h.pk
            for h in known
            if any(t.action == "confirm" and t.at <= at for t in h.transitions.all())
        }
        expected = {
            "found": sum(1 for h in known if since <= h.found_at < until),
            "closed": sum(
                1
                for h in known
                if h.closed_at and since <= h.closed_at < until and h.closed_at <= at
            ),
            "open": len(open_),
            "overdue": sum(1 for h in open_ if h.pk in confirmed and h.deadline < day),
            "open_major": sum(1 for h in open_ if h.grade == Grade.MAJOR),
            "open_high": sum(1 for h in open_ if h.grade == Grade.HIGH),
        }
        assert {k: r.summary[k] for k in expected} == expected, r.week_start
        assert r.summary["week_start"] == start.isoformat()
        assert r.summary["week_end"] == end.isoformat()
    # This week's analysis, when it is held, shows the same figures (nothing moved since).
    latest = max(reviews, key=lambda r: r.week_start)
    if latest.week_start == week_of(timezone.localdate())[0]:
        moved = HazardTransition.objects.filter(hazard__org=school, at__gt=latest.signed_at)
        if not moved.exists():
            now = review.week_summary(
                school, latest.week_start, user=User.objects.get(username="safety")
            )
            assert now["found"] >= latest.summary["found"]


def test_follow_up_tasks_come_due_after_the_meeting_and_some_are_late(seeded):
    today = timezone.localdate()
    tasks = list(FollowUpTask.objects.select_related("review", "owner"))
    assert tasks
    for task in tasks:
        signed = task.review.signed_at
        assert task.due_on > timezone.localtime(signed).date()
        assert task.owner is None or task.owner.org_id == task.review.org_id
        if task.done_at:
            assert signed < task.done_at <= timezone.now()
    done = [t for t in tasks if t.done_at]
    late = [t for t in tasks if not t.done_at and t.due_on < today]
    waiting = [t for t in tasks if not t.done_at and t.due_on >= today]
    assert len(done) > len(late) > 0
    assert waiting or not any(
        t.review.week_start >= today - datetime.timedelta(days=10) for t in tasks
    )


def test_the_inspector_visits_the_assigned_schools_most_months(seeded):
    inspector = User.objects.get(username="inspector")
    today = timezone.localdate()
    schools = [a.org for a in RoleAssignment.objects.filter(user=inspector, role="inspector")]
    visits = list(Visit.objects.for_user(inspector).filter(inspector=inspector))
    assert {v.org_id for v in visits} == {s.pk for s in schools}
    gaps = []
    for school in schools:
        cal = calendar_for(school)
        mine = [v for v in visits if v.org_id == school.pk]
        assert all(cal.is_school_day(v.visited_on) and v.visited_on <= today for v in mine)
        assert all(v.findings for v in mine)
        months = Counter(v.visited_on.replace(day=1) for v in mine)
        assert max(months.values()) == 1
        month = month_of(today - datetime.timedelta(days=330))[0]
        while month < month_of(today)[0]:
            if cal.school_days(*month_of(month)) and month not in months:
                gaps.append(month)
            month = month_of(month)[1] + datetime.timedelta(days=1)
        # What they found on a visit is on the ledger, found that day.
        found = Hazard.objects.filter(org=school, source="supervision", reported_by=inspector)
        for hazard in found:
            assert timezone.localtime(hazard.found_at).date() in {v.visited_on for v in mine}
    assert gaps
    # VISIT-MONTHLY shows the gap: the bureau sees the school missing that month.
    county = OrgNode.objects.get(name="盐池县")
    bureau = User.objects.get(username="bureau")
    rows = review.visits_status(user=bureau, node=county, month=gaps[0])
    assert len(rows) == 3 and not all(r.visited for r in rows)
    latest = review.visits_status(user=bureau, node=county, month=today)
    assert {r.school.pk: r.last_visit for r in latest} == {
        s.pk: max(v.visited_on for v in visits if v.org_id == s.pk) for s in schools
    }


def test_the_bureau_issued_notices_and_warnings_for_overdue_hazards(seeded):
    bureau = User.objects.get(username="bureau")
    issued = list(
        HazardEscalation.objects.exclude(document_number="")
        .select_related("hazard__org", "hazard__spot")
        .order_by("at", "id")
    )
    assert issued and {e.step for e in issued} <= set(documents.DOCUMENT_STEPS)
    school = OrgNode.objects.get(name=demo.SHOWCASE_SCHOOL)
    assert any(e.hazard.org_id == school.pk for e in issued)
    by_year = defaultdict(list)
    for e in issued:
        at = timezone.localtime(e.at)
        assert e.by == bureau and at <= timezone.now() and at.weekday() < 5
        assert e.deadline < at.date() and _status_at(e.hazard, e.at) in OPEN_STATUSES
        number = re.fullmatch(r"盐池教安〔(\d{4})〕(\d+)号", e.document_number)
        assert number and int(number.group(1)) == at.year
        by_year[at.year].append(int(number.group(2)))
        assert documents.document_of(e).number == e.document_number
        if e.step == "warning":
            assert any(
                x.step == "notice" and x.hazard_id == e.hazard_id and x.at < e.at for x in issued
            )
    for numbers in by_year.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_the_month_of_the_county_is_worth_a_dispatch(seeded):
    county = OrgNode.objects.get(name="盐池县")
    data = review.monthly_dispatch(
        user=User.objects.get(username="leader"), node=county, month=timezone.localdate()
    )
    assert data["totals"]["open"] > 0 and data["totals"]["overdue"] > 0
    assert len([r for r in data["rows"] if r.open]) >= 2
    assert data["escalated"] and data["most_overdue"]
    assert [h.grade for h in data["major"]] and all(h.grade == Grade.MAJOR for h in data["major"])


# --------------------------------------------------------------------------- notifications


def test_the_demo_users_find_their_inboxes(seeded, client):
    now = timezone.now()
    unread = Notification.objects.filter(read_at__isnull=True)
    leader = User.objects.get(username="leader")
    assert unread.filter(recipient=leader).exists()
    assert Notification.objects.filter(recipient=leader, severity="urgent").exists()
    safety = User.objects.get(username="safety")
    assert unread.filter(recipient=safety, event__in=["hazard.reported", "hazard.submit"]).exists()
    township = User.objects.get(username="township")
    assert Notification.objects.filter(recipient=township, event="hazard.escalate").exists()
    for n in Notification.objects.select_related("recipient"):
        assert n.created_at <= now and (n.read_at is None or n.created_at <= n.read_at <= now)
        hazard = int(re.search(r"/(\d+)/$", n.link).group(1))
        assert Hazard.objects.for_user(n.recipient).filter(pk=hazard).exists(), n.title
    client.force_login(leader)
    page = client.get(reverse("notify:inbox"), {"show": "unread"}).content.decode()
    assert unread.filter(recipient=leader).first().title in page


def test_the_administrator_sees_the_robot_that_failed(seeded, client):
    failed = Delivery.objects.get(status=DeliveryStatus.FAILED)
    assert failed.attempts == 5 and failed.last_error and failed.channel.kind == "wecom"
    assert not Channel.objects.filter(active=True).exists()  # the demo sends nothing
    assert not Delivery.objects.filter(status__in=["pending", "sending"]).exists()
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT, channel=failed.channel)
    assert all(d.created_at < failed.created_at for d in sent)
    client.force_login(User.objects.get(username="admin"))
    page = client.get(reverse("notify:deliveries"), {"status": "failed"}).content.decode()
    assert f'data-testid="delivery-{failed.pk}"' in page and failed.subject in page


def test_checks_cover_their_spots_so_closed_hazards_get_rechecked(seeded):
    """Each demo check covers the spots its schedule names, and the next check of a closed
    hazard's spot is its re-check: the bureau does not face a year of phantom re-checks."""
    from safecampus.hazards.followup import rechecks_due_qs

    daily = Inspection.objects.filter(schedule__spot_kind="sensitive").first()
    assert daily.spots.exists()
    assert set(daily.spots.values_list("kind", flat=True)) == {"sensitive"}
    bureau = User.objects.get(username="bureau")
    closed_at_spots = Hazard.objects.filter(
        status=Status.CLOSED,
        spot__isnull=False,
        recheck_on__lte=timezone.localdate() - datetime.timedelta(days=31),
    )
    due = rechecks_due_qs(bureau, timezone.localdate()).filter(spot__isnull=False)
    assert closed_at_spots.count() > 20
    assert due.filter(pk__in=closed_at_spots).count() < closed_at_spots.count() / 10
