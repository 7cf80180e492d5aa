"""The demo's safety education: loaded once (a second call changes nothing), the demo teacher
heads a class with today's reminders still to do, a year of records with realistic gaps that
the rules find, and the autumn campaign reported like seed 001."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.compliance import engine
from safecampus.compliance.verdicts import Status, parse_period
from safecampus.education import demo
from safecampus.education.campaigns import campaign_table
from safecampus.education.models import (
    Campaign,
    CampaignResult,
    EducationActivity,
    SafetyReminder,
    SchoolClass,
)
from safecampus.education.today import own_classes

SCHOOLS = 16
SEED = 11
CODES = ["EDU-1530", "EDU-MONTHLY", "EDU-DROWNING", "EDU-HEALTH", "EDU-CAMPAIGN-RATE"]
NOW = timezone.make_aware(datetime.datetime(2026, 11, 24, 10, 0))


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("demo")),
        transaction.atomic(),
    ):
        call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=io.StringIO())
        counts = demo.load_education(seed=SEED, now=NOW)
        # seed-demo may have loaded it already, as of now
        yield counts, (NOW.date() if counts else timezone.localdate())
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_demo, db):
    return _demo


def autumn(today) -> str:
    year = today.year if today.month >= 9 else today.year - 1
    return f"{year}年秋季安全第一课"


def test_loaded_once_with_a_year_of_records(seeded):
    counts, today = seeded
    assert SchoolClass.objects.count() > 3 * SCHOOLS
    assert demo.load_education(seed=SEED, now=NOW) == {}  # nothing twice
    if counts:
        assert counts["reminders"] == SafetyReminder.objects.count()
    months = SafetyReminder.objects.dates("day", "month")
    assert len(months) >= 10 and months[0] <= today - datetime.timedelta(days=330)
    assert EducationActivity.objects.filter(kind="drowning").exists()
    assert EducationActivity.objects.filter(kind="health").exists()
    assert Campaign.objects.filter(name=autumn(today)).exists()


def test_the_demo_teacher_heads_a_class_with_today_to_do(seeded):
    _counts, today = seeded
    teacher = User.objects.get(username="teacher")
    mine = list(own_classes(teacher))
    assert len(mine) == 1 and mine[0].org_id == teacher.org_id
    assert not SafetyReminder.objects.filter(school_class=mine[0], day=today).exists()
    last_school_day = (
        SafetyReminder.objects.filter(school_class=mine[0]).order_by("-day").first().day
    )
    assert today - last_school_day < datetime.timedelta(days=5)


def test_the_rules_find_the_gaps_without_failing_everyone(seeded):
    _counts, today = seeded
    admin = User.objects.get(username="admin")
    result = engine.evaluate(admin, admin.org, codes=CODES, as_of=today)
    for code in ("EDU-1530", "EDU-MONTHLY", "EDU-CAMPAIGN-RATE"):
        counts = Counter(v.status for v in result.verdicts[code].values())
        assert counts[Status.NOT_COMPLIANT] < sum(counts.values()) / 2, (code, counts)
    rate = Counter(v.status for v in result.verdicts["EDU-CAMPAIGN-RATE"].values())
    assert rate[Status.NOT_COMPLIANT] >= 1  # at least one school a county below the minimum
    june = f"{today.year if today.month > 7 else today.year - 1}-06"
    summer = engine.evaluate(
        admin, admin.org, codes=["EDU-DROWNING"], as_of=today, period=parse_period(june)
    )
    drowning = Counter(v.status for v in summer.verdicts["EDU-DROWNING"].values())
    assert drowning[Status.NOT_COMPLIANT] >= 1  # a school without drowning education in summer


def test_the_autumn_campaign_is_reported_like_seed_001(seeded):
    _counts, today = seeded
    admin = User.objects.get(username="admin")
    campaign = Campaign.objects.get(name=autumn(today))
    table = campaign_table(admin, campaign)
    assert 0.9 < table.figures.rate < 1
    assert table.figures.reported < table.figures.schools  # a couple did not report
    assert CampaignResult.objects.filter(campaign=campaign, source="import").count() == (
        table.figures.reported
    )
    assert any(r.below for r in table.rows)
