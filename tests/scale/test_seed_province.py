"""`seed-province`: a deterministic province-year that the app reads like its own records."""

import datetime
import io
import itertools
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from safecampus.emergency.models import Drill, EmergencyPlan
from safecampus.hazards import followup, schedules
from safecampus.hazards.choices import Grade, Rhythm, Status
from safecampus.hazards.models import (
    Hazard,
    HazardCounter,
    HazardTransition,
    Inspection,
    Schedule,
    Spot,
    WeeklyReview,
)
from safecampus.orgs.models import OrgNode
from safecampus.scale import seed
from safecampus.scale.world import PROVINCE

TODAY = datetime.date(2026, 11, 20)
SIZE = {"schools": 60, "days": 20, "today": TODAY}


def _load(seed_value: int) -> dict:
    seed.run(seed=seed_value, progress=lambda _line: None, **SIZE)
    return seed.figures()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_province_and_another_seed_another():
    with transaction.atomic():
        first = _load(5)
        transaction.set_rollback(True)
    with transaction.atomic():
        again = _load(5)
        transaction.set_rollback(True)
    other = _load(6)
    assert first == again
    assert first["digest"] != other["digest"]
    assert first["nodes"]["school"] == 60


@pytest.mark.django_db
def test_every_state_and_grade_is_loaded_with_its_workflow_trail():
    figures = _load(5)
    assert set(figures["hazards_by_status"]) == set(Status.values)
    assert set(figures["hazards_by_grade"]) == set(Grade.values)
    assert figures["inspections"]["n"] > 0 and figures["answers"]["normal"] > 0
    assert figures["plans"] and figures["drills"] and figures["visits"]
    # Every move is recorded: a hazard's version counts its saves, one per move.
    for hazard in Hazard.objects.filter(status__in=[Status.CLOSED, Status.ESCALATED])[:50]:
        moves = list(HazardTransition.objects.filter(hazard=hazard).order_by("at", "id"))
        assert hazard.version == 1 + len(moves)
        assert moves[-1].to_status == hazard.status
        for before, after in itertools.pairwise(moves):
            assert before.to_status == after.from_status
    closed = Hazard.objects.filter(status=Status.CLOSED).first()
    assert closed.closed_at > closed.found_at and closed.deadline is not None


@pytest.mark.django_db
def test_the_app_reads_the_loaded_rows_as_its_own():
    _load(5)
    # Times come back aware, tokens as UUIDs, summaries as dicts.
    hazard = Hazard.objects.order_by("found_at").first()
    assert timezone.is_aware(hazard.found_at)
    assert isinstance(Spot.objects.first().token, uuid.UUID)
    review = WeeklyReview.objects.order_by("-week_start").first()
    assert isinstance(review.summary, dict) and "found" in review.summary
    # The week's figure is what the ledger holds: hazards found that week before signing.
    found = Hazard.objects.filter(
        org=review.org,
        found_at__date__gte=review.week_start,
        found_at__lte=review.signed_at,
    ).count()
    assert review.summary["found"] == found
    # The counters continue where the numbers stop.
    for counter in HazardCounter.objects.all():
        prefix = f"{counter.county.short_name}-{counter.year}-"
        numbers = Hazard.objects.filter(number__startswith=prefix).values_list("number", flat=True)
        assert max(int(n.rsplit("-", 1)[1]) for n in numbers) == counter.last
    # Due/done/missed reads the checks: each daily check makes its period "done".
    schedule = Schedule.objects.filter(rhythm=Rhythm.SCHOOL_DAY).order_by("org_path").first()
    periods = schedules.schedule_periods(user=_superuser(), schedule=schedule, today=TODAY, days=19)
    done = {p.period_start for p in periods if p.status == "done"}
    checked = set(
        Inspection.objects.filter(schedule=schedule).values_list("period_start", flat=True)
    )
    assert done == {d for d in checked if d >= TODAY - datetime.timedelta(days=19)}
    assert EmergencyPlan.objects.filter(org=schedule.org).exists()
    assert Drill.objects.filter(status="held").exists()
    # The re-check moments the bulk load bypassed are filled from the loaded checks.
    assert Hazard.objects.filter(rechecked_at__isnull=False).exists()
    assert followup.check_rechecked() == []


def _superuser():
    from safecampus.accounts.models import User

    return User.objects.create_superuser("scale-admin", password="x" * 12)


@pytest.mark.django_db
def test_the_command_reports_its_rows_and_refuses_a_second_load():
    out = io.StringIO()
    call_command(
        "seed_province",
        "--schools",
        "24",
        "--days",
        "10",
        "--today",
        TODAY.isoformat(),
        "--figures",
        stdout=out,
    )
    text = out.getvalue()
    assert "hazards_inspectionanswer" in text and '"digest"' in text
    assert OrgNode.objects.filter(name=PROVINCE).count() == 1
    with pytest.raises(CommandError):
        call_command("seed_province", "--schools", "24", "--days", "10", stdout=io.StringIO())
