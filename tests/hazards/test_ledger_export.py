"""The ledger's XLSX export looks as it always has: bold centred headers, the column widths,
the frozen header row, times and dates as Excel dates, overdue spelled out, text as text."""

import datetime
import io

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from safecampus.hazards import ledger
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard


@pytest.mark.django_db
def test_the_export_keeps_its_look(world):
    found = timezone.make_aware(datetime.datetime(2026, 3, 1, 7, 51))
    today = timezone.localdate()
    Hazard.objects.create(
        org=world.school_a1,
        number="盐池-2026-000001",
        category="fire",
        grade=Grade.HIGH,
        status=Status.RECTIFYING,
        description="@SUM(1)",
        measures="更换",
        found_at=found,
        deadline=today - datetime.timedelta(days=3),
    )
    with translation.override("en"):
        response = ledger.export_response(Hazard.objects.all())
        headers = [str(h) for h in ledger.export_headers()]
        overdue = gettext("%(status)s, overdue %(days)d days") % {
            "status": str(Status.RECTIFYING.label),
            "days": 3,
        }
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFGHIJKL"]
    assert widths == list(ledger.EXPORT_WIDTHS)
    assert [c.value for c in sheet[1]] == headers
    assert all(c.font.b and c.alignment.horizontal == "center" for c in sheet[1])
    row = sheet[2]
    assert row[0].value == 1 and row[1].value == "盐池-2026-000001"
    assert row[3].value == timezone.localtime(found).replace(tzinfo=None)
    assert row[3].number_format == "yyyy-mm-dd h:mm:ss"
    assert row[4].value == "@SUM(1)" and row[4].data_type == "s"
    assert row[8].value.date() == today - datetime.timedelta(days=3)
    assert row[8].number_format == "yyyy-mm-dd"
    assert row[9].value == overdue
    assert row[11].value is None  # not closed
