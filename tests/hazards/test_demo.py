"""The demo's year of activity: deterministic, idempotent, every state, consistent history."""

import datetime
import io
import time
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.hazards import demo
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import (
    Hazard,
    HazardCounter,
    HazardEscalation,
    HazardTransition,
    Inspection,
    InspectionAnswer,
    Schedule,
    Spot,
)
from safecampus.hazards.schedules import completion, due_inspections
from safecampus.hazards.workflow import MOVES

SCHOOLS = 16
SEED = 11


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    started = time.monotonic()
    call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=io.StringIO())
    print(f"seed-demo with {SCHOOLS} schools: {time.monotonic() - started:.1f} s")


def _counts():
    models = (Spot, Schedule, Inspection, InspectionAnswer, Hazard, HazardTransition)
    return [m.objects.count() for m in models]


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
    assert any(r.status == "due" for r in rows) or not rows  # a weekend has nothing due
    school = Hazard.objects.filter(org__name=demo.SHOWCASE_SCHOOL)
    submitted = school.filter(status=Status.SUBMITTED)
    assert submitted.exists()
    assert all(h.submitted_by_id != safety.pk for h in submitted)
    assert Hazard.objects.filter(status=Status.ESCALATED, org_path__startswith=User.objects.get(username="bureau").org.path).exists()  # fmt: skip
