"""`seed-province` fills safety education, training and the three-defense inventory (the loaders
in scale.seed.HOOKS): deterministically, as the app reads its own records, and with a realistic
mix of compliant and failing schools for their rules."""

import datetime
import json
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import models, transaction
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.compliance import engine
from safecampus.compliance.verdicts import Status, month_period
from safecampus.education.models import SafetyReminder, SchoolClass
from safecampus.orgs.models import OrgNode
from safecampus.scale import seed
from safecampus.scale.bulk import Loader, db_value
from safecampus.scale.education import reminders_from
from safecampus.scale.world import PROVINCE

TODAY = datetime.date(2026, 11, 20)
HOOKED = {"education", "training", "defense"}
# The rules over the records the hooks load; TRAIN-GUARD judges counties.
SCHOOL_RULES = (
    "EDU-1530", "EDU-MONTHLY", "EDU-DROWNING", "EDU-HEALTH", "EDU-CAMPAIGN-RATE",
    "TRAIN-MANAGER", "TRAIN-STAFF", "STAFF-LEGAL", "STAFF-PSY",
    "STAFF-GUARD", "GUARD-RATIO", "GATE-24H", "PATROL-KEY", "DEF-CLOSED", "DEF-ALARM",
    "DEF-VIDEO", "DEF-WALL", "STAFF-HEALTH", "FOOD-6T", "FOOD-OPEN-KITCHEN", "TARGET-4X100",
)  # fmt: skip


class Recording(Loader):
    """The seed's loader, keeping what it was asked to write to the hooked apps' tables."""

    last = None

    def __init__(self):
        super().__init__()
        self.rows: dict = defaultdict(list)
        self.tables: dict = {}
        Recording.last = self

    def write(self, table, rows):
        if table.model._meta.app_label in HOOKED:
            rows = list(rows)
            self.rows[table.model] += list(table.complete(iter(rows)))
            self.tables[table.model] = table
        return super().write(table, rows)


def _as_written(field, value):
    """A value read through the ORM, in the form the seed wrote it."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return db_value(value)
    if isinstance(field, models.DateField):
        return value.isoformat()
    if isinstance(field, models.DecimalField):
        return Decimal(str(value))
    return value


def _written(field, value):
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return Decimal(str(value))
    if isinstance(field, models.JSONField):
        return json.loads(value)
    return value


def _figures(seed_value: int, **size) -> dict:
    seed.run(seed=seed_value, progress=lambda _line: None, today=TODAY, **size)
    found = seed.figures()
    return {k: found[k] for k in ("education_digest", "training_digest", "defense_digest")}


@pytest.mark.django_db
def test_the_hooks_fill_their_apps_and_the_app_reads_back_exactly_what_they_wrote(monkeypatch):
    # The rows are made in Python from the seed alone; read back through the ORM they are what
    # was written, on whichever database this runs (CI and the docs run it on both), so one
    # seed gives the same rows on SQLite and PostgreSQL.
    monkeypatch.setattr(seed, "Loader", Recording)
    lines = []
    result = seed.run(schools=40, days=60, seed=3, today=TODAY, progress=lines.append)
    recording = Recording.last
    assert not HOOKED & set(result["unfilled"])
    assert {m._meta.model_name for m in recording.rows} == {
        "schoolclass", "safetyreminder", "educationactivity", "campaign", "campaignresult",
        "trainingsession", "trainingattendance", "appointment",
        "inventorysnapshot", "verification",
    }  # fmt: skip
    for model, written in recording.rows.items():
        table = recording.tables[model]
        fields = [model._meta.get_field(n) for n in table.names]
        expected = sorted(
            (tuple(_written(f, v) for f, v in zip(fields, row, strict=True)) for row in written),
            key=lambda r: r[0],
        )
        read = [
            tuple(_as_written(f, v) for f, v in zip(fields, row, strict=True))
            for row in model.objects.order_by("pk").values_list(*table.names)
        ]
        assert read == expected, model._meta.label
    for word in ("education:", "training:", "three-defense inventory:"):
        assert any(word in line for line in lines)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_records_and_another_seed_others():
    size = {"schools": 24, "days": 30}
    with transaction.atomic():
        first = _figures(5, **size)
        transaction.set_rollback(True)
    with transaction.atomic():
        again = _figures(5, **size)
        transaction.set_rollback(True)
    other = _figures(6, **size)
    assert first == again
    assert all(first[k] != other[k] for k in first)


@pytest.mark.django_db
def test_reminders_are_loaded_for_the_month_judged_and_earlier_months_have_no_data():
    seed.run(schools=24, days=120, seed=5, today=TODAY, progress=lambda _line: None)
    first = reminders_from(TODAY, 120)
    assert first == datetime.date(2026, 9, 25)  # the October judged, and the week before it
    days = SafetyReminder.objects.values_list("day", flat=True)
    assert min(days) >= first and max(days) < TODAY
    stamps = SchoolClass.objects.values_list("created_at", flat=True)
    assert {timezone.localtime(c).date() for c in stamps} == {first}
    # A month before the register is "no data" for EDU-1530, not a month of missed reminders;
    # the month judged (October) is judged on the reminders loaded.
    user = User.objects.create_superuser("scale-admin", password="x" * 12)
    province = OrgNode.objects.get(name=PROVINCE, parent__isnull=True)
    june = month_period(datetime.date(2026, 6, 1))
    earlier = engine.evaluate(user, province, codes=["EDU-1530"], as_of=TODAY, period=june)
    counts = earlier.summary("EDU-1530").counts
    assert counts[Status.NOT_COMPLIANT] == counts[Status.COMPLIANT] == 0
    assert counts[Status.NO_DATA] > 0
    judged = engine.evaluate(user, province, codes=["EDU-1530"], as_of=TODAY)
    assert judged.summary("EDU-1530").counts[Status.COMPLIANT] > 0


@pytest.mark.django_db
def test_the_rules_find_most_schools_compliant_and_some_failing():
    seed.run(schools=60, days=300, seed=2026, today=TODAY, progress=lambda _line: None)
    user = User.objects.create_superuser("scale-admin", password="x" * 12)
    province = OrgNode.objects.get(name=PROVINCE, parent__isnull=True)
    result = engine.evaluate(user, province, codes=[*SCHOOL_RULES, "TRAIN-GUARD"], as_of=TODAY)
    for code in SCHOOL_RULES:
        counts = result.summary(code).counts
        assert counts[Status.COMPLIANT] > counts[Status.NOT_COMPLIANT] > 0, (code, counts)
        assert counts[Status.NO_DATA] < counts[Status.COMPLIANT], (code, counts)
    guards = Counter(v.status for v in result.verdicts["TRAIN-GUARD"].values())
    assert guards[Status.COMPLIANT] and guards[Status.NOT_COMPLIANT], guards
