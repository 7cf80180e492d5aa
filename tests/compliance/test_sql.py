"""A time range kept off its index (compliance/sql.py): the rows of the plain filter, with
SQLite told to reach them some other way than through the time column's own index."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from safecampus.compliance.sql import between, unindexed
from safecampus.hazards.library import load_library
from safecampus.hazards.models import ChecklistTemplate, Inspection


@pytest.mark.django_db
def test_a_time_range_kept_off_its_index_finds_the_same_rows(world):
    load_library()
    daily = ChecklistTemplate.objects.get(code="INSPECT-DAILY")
    moments = [
        timezone.make_aware(datetime.datetime(2026, 10, d, h)) for d in (1, 2, 31) for h in (0, 23)
    ]
    for at in moments:
        Inspection.objects.create(
            org=world.school_a1, checklist=daily.current, inspected_at=at, signed_name="马建军"
        )
    start, end = moments[1], moments[4]
    plain = Inspection.objects.filter(inspected_at__gte=start, inspected_at__lt=end)
    kept_off = unindexed(Inspection.objects.all(), at="inspected_at").filter(
        between("at", start, end)
    )
    assert sorted(kept_off.values_list("pk", flat=True)) == sorted(
        plain.values_list("pk", flat=True)
    )
    assert kept_off.count() == 3
    sql = str(kept_off.query)
    assert ('+"hazards_inspection"."inspected_at"' in sql) == (connection.vendor == "sqlite")
