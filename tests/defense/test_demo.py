"""The demo's inventories: deterministic, idempotent, quick, and what a demo user relies on — a
year of history, checks by inspectors and police (some corrections, some schools never
checked), and gaps a bureau would find in any county."""

import io
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from safecampus.compliance import engine
from safecampus.compliance.verdicts import Status
from safecampus.defense import demo
from safecampus.defense.models import InventorySnapshot, Source, Verification
from safecampus.hazards.demo import SHOWCASE_SCHOOL
from safecampus.orgs.models import OrgNode, School
from tests import factories as f

SCHOOLS = 30
SEED = 11


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("demo")),
        transaction.atomic(),
    ):
        call_command("seed_demo", schools=SCHOOLS, seed=SEED, stdout=io.StringIO())
        started = time.monotonic()
        counts = demo.load_defense(seed=SEED)  # {} if seed-demo already loaded it
        seconds = time.monotonic() - started
        yield counts, seconds
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_demo, db):
    return _demo


def test_the_demo_loads_once_quickly_and_the_same_way(seeded):
    counts, seconds = seeded
    assert seconds < 10
    total = InventorySnapshot.objects.count()
    assert total > School.objects.count()  # a year of history: several snapshots a school
    assert demo.load_defense(seed=SEED) == {}
    assert InventorySnapshot.objects.count() == total
    if counts:
        assert counts["inventories"] == total


def test_a_year_of_history_with_checks_by_inspectors_and_police(seeded):
    today = timezone.localdate()
    oldest = InventorySnapshot.objects.order_by("recorded_at").first().recorded_at
    assert (today - timezone.localtime(oldest).date()).days > 290
    roles = set(Verification.objects.values_list("verifier_role", flat=True))
    assert {"inspector", "department_liaison"} <= roles
    assert InventorySnapshot.objects.filter(source=Source.VERIFIED).exists()
    assert Verification.objects.filter(outcome="corrected").exists()
    schools = set(InventorySnapshot.objects.values_list("org_id", flat=True))
    checked = set(Verification.objects.values_list("org_id", flat=True))
    assert schools - checked  # some schools never checked
    assert set(School.objects.values_list("node_id", flat=True)) - schools  # never entered
    # Every check names who made it; the verified snapshots are the corrections' own.
    assert not Verification.objects.filter(verified_by_name="").exists()
    for v in Verification.objects.filter(outcome="corrected")[:20]:
        assert v.correction is not None and v.found_value != v.recorded_value


def test_the_showcase_school_and_the_counties_show_gaps(seeded):
    showcase = OrgNode.objects.get(name=SHOWCASE_SCHOOL)
    assert Verification.objects.filter(org=showcase, verified_by__username="inspector").exists()
    assert Verification.objects.filter(org=showcase, verified_by__username="police").exists()
    bureau = f.user_with_role("bureau_staff", OrgNode.objects.get(name="盐池县"))
    county = OrgNode.objects.get(name="盐池县")
    codes = ["STAFF-GUARD", "DEF-ALARM", "DEF-WALL", "FOOD-6T", "TARGET-4X100"]
    result = engine.evaluate(bureau, county, codes=codes, as_of=timezone.localdate())
    for code in codes[:4]:
        assert result.summary(code).counts[Status.NOT_COMPLIANT] >= 1, code
    mine = {v.rule: v.status for v in result.for_subject(showcase.pk)}
    assert mine["TARGET-4X100"] == Status.COMPLIANT
    assert mine["DEF-WALL"] == Status.NOT_COMPLIANT
    four = result.summary("TARGET-4X100")
    assert 0.3 < four.share < 1  # most schools meet the four targets, not all
