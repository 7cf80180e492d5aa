"""Importing an existing hazard ledger from Excel: a good file, the ledger's own export read
back, a bad row importing nothing with a per-row report, scope, and the pages."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safecampus.core.audit import history
from safecampus.hazards import ledger_import, services
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard
from tests import factories as f

HEADERS = [c.header for c in ledger_import.COLUMNS]


def workbook(rows, headers=HEADERS) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = ledger_import.SHEET
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def upload(buffer, name="台账.xlsx"):
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def people(world):
    return {
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "bureau": f.user_with_role("bureau_staff", world.county_a),
        "outsider": f.user_with_role("bureau_staff", world.county_b),
        "leader": f.user_with_role("bureau_leader", world.county_a),
        "responsible": f.PersonFactory(org=world.school_a1, name="张宏建"),
    }


def good_rows(world):
    return [
        {
            "序号": 1,
            "隐患编号": "盐池-2025-000007",
            "学校": world.school_a1.name,
            "发现时间": datetime.datetime(2025, 9, 3, 10, 30),
            "隐患描述": "一楼配电箱未上锁",
            "等级": "较大",
            "整改措施": "加锁并张贴警示",
            "责任人": "张宏建",
            "整改时限": datetime.date(2025, 9, 10),
            "整改情况": "已销号：已加锁",
            "验收人": "陈建鹏",
            "销号时间": "2025-09-08 16:00",
        },
        {
            "学校": world.school_a2.name,
            "发现时间": "2025/10/1",
            "隐患描述": "滑梯螺丝松动",
            "等级": "一般",
            "责任人": "李四",
            "整改情况": "整改中",
        },
        {"学校": world.school_a1.name, "发现时间": "2025年11月2日", "隐患描述": "窗户护栏缺失"},
    ]


def test_a_good_file_imports_every_row_with_its_status(world, people):
    result = ledger_import.import_ledger(workbook(good_rows(world)), user=people["bureau"])
    assert result.errors == []
    assert result.written and result.created[ledger_import.SHEET] == 3
    closed, rectifying, reported = Hazard.objects.order_by("found_at")
    assert closed.status == Status.CLOSED and closed.grade == Grade.HIGH
    assert closed.closed_at and timezone.localtime(closed.closed_at).date() == datetime.date(
        2025, 9, 8
    )
    assert closed.responsible_person == people["responsible"]
    assert "已加锁" in closed.rectification and "陈建鹏" in closed.rectification
    assert closed.number.startswith("盐池-2025-")
    entry = history(closed).get(action="create")
    assert "imported" in entry.comment or "导入" in entry.comment
    assert "盐池-2025-000007" in entry.comment
    assert rectifying.status == Status.RECTIFYING and rectifying.org == world.school_a2
    assert rectifying.deadline is not None  # the policy's default
    assert "李四" in rectifying.measures and result.notes
    assert reported.status == Status.REPORTED and reported.grade == Grade.GENERAL


def test_a_bad_row_imports_nothing_and_is_reported_by_row_and_column(world, people):
    rows = good_rows(world)
    rows[1]["等级"] = "特别大"
    rows[2]["发现时间"] = "不知道"
    rows.append({"学校": "不存在的学校", "发现时间": "2025-01-01", "隐患描述": "x"})
    rows.append(
        {
            "学校": world.school_a1.name,
            "发现时间": "2025-01-01",
            "隐患描述": "y",
            "整改情况": "很好",
        }
    )
    result = ledger_import.import_ledger(workbook(rows), user=people["bureau"])
    assert Hazard.objects.count() == 0
    assert not result.written
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "等级"), (4, "发现时间"), (5, "学校"), (6, "整改情况")} <= found
    assert all(e.sheet == ledger_import.SHEET for e in result.errors)


def test_a_missing_column_is_reported(world, people):
    result = ledger_import.import_ledger(
        workbook([{"学校": world.school_a1.name}], headers=["学校", "隐患描述"]),
        user=people["bureau"],
    )
    assert {e.column for e in result.errors} == {"发现时间"}
    assert Hazard.objects.count() == 0


def test_only_schools_where_the_importer_adds_hazards(world, people):
    rows = good_rows(world)
    result = ledger_import.import_ledger(workbook(rows), user=people["safety"])
    # school_a2 is not the safety officer's school: not even found in the area
    assert [(e.row, e.column) for e in result.errors] == [(3, "学校")]
    assert Hazard.objects.count() == 0
    result = ledger_import.import_ledger(workbook(rows), user=people["outsider"])
    assert len(result.errors) == 3 and Hazard.objects.count() == 0
    result = ledger_import.import_ledger(workbook(rows), user=people["leader"])
    assert len(result.errors) == 3  # reads, may not add
    assert Hazard.objects.count() == 0


def test_the_ledger_export_reads_back(world, people, client):
    ledger_import.import_ledger(workbook(good_rows(world)), user=people["bureau"])
    hazard = services.hazard_report(
        school=world.school_a1, by=people["safety"], description="楼梯扶手松动", category="building"
    )
    assert hazard.status == Status.REPORTED
    client.force_login(people["bureau"])
    response = client.get(reverse("hazards:ledger") + "?export=xlsx")
    exported = io.BytesIO(b"".join(response.streaming_content))
    before = {(h.description, h.status, h.grade) for h in Hazard.objects.all()}
    Hazard.objects.all().delete()
    result = ledger_import.import_ledger(exported, user=people["bureau"])
    assert result.errors == []
    after = {(h.description, h.status, h.grade) for h in Hazard.objects.all()}
    assert after == before


def test_the_pages_template_errors_download_and_scope(world, people, client):
    client.force_login(people["bureau"])
    template = client.get(reverse("hazard_import:template"))
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS

    rows = good_rows(world)
    rows[0]["等级"] = "?"
    page = client.post(reverse("hazard_import:ledger"), {"file": upload(workbook(rows))})
    assert page.status_code == 200
    assert 'data-testid="import-errors"' in page.content.decode()
    errors = client.get(reverse("hazard_import:ledger") + "?download=errors")
    report = load_workbook(io.BytesIO(errors.content)).active
    assert report.cell(row=2, column=2).value == 2 and report.cell(row=2, column=3).value == "等级"
    assert Hazard.objects.count() == 0

    dry = client.post(
        reverse("hazard_import:ledger"),
        {"file": upload(workbook(good_rows(world))), "dry_run": "on"},
    )
    assert dry.status_code == 200 and Hazard.objects.count() == 0
    done = client.post(
        reverse("hazard_import:ledger"), {"file": upload(workbook(good_rows(world)))}
    )
    assert 'data-testid="import-done"' in done.content.decode()
    assert Hazard.objects.count() == 3

    client.force_login(people["leader"])
    assert client.get(reverse("hazard_import:ledger")).status_code == 403
    assert client.get(reverse("hazard_import:template")).status_code == 403


def test_not_a_workbook(world, people):
    result = ledger_import.import_ledger(io.BytesIO(b"not excel"), user=people["bureau"])
    assert result.errors and Hazard.objects.count() == 0
