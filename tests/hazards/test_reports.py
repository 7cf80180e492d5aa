"""The weekly analysis (周研判记录) and the monthly dispatch (月调度报告) as PDF and XLSX: what
they say, that the Chinese text is really in the PDF, that a workbook reads back, that an
unsigned week is marked so, and that nobody downloads another county's or school's report."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from safecampus.core.documents import Report, ReportSection, ReportTable, chinese_date
from safecampus.hazards import review, services
from safecampus.hazards.choices import Grade, Status
from safecampus.hazards.models import Hazard, Spot
from tests import factories as f

TODAY = timezone.localdate()
WEEK_START, WEEK_END = review.week_of(TODAY)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    """Table cells wrap: compare without the line breaks and spaces they add."""
    return re.sub(r"\s+", "", text)


def figures_of(book, sheet=None) -> dict:
    """The label → value pairs of a report's first sheet."""
    ws = book[sheet] if sheet else book.worksheets[0]
    return {row[0]: row[1] for row in ws.iter_rows(values_only=True) if len(row) > 1 and row[0]}


def sheet_rows(book, name) -> list[tuple]:
    return list(book[name].iter_rows(values_only=True))


def report(reporter, school, *, grade=Grade.GENERAL, overdue_days=None, closed=False, spot=None):
    hazard = services.hazard_report(
        school=school,
        by=reporter,
        description="二楼走廊灭火器过期",
        category="fire",
        grade=grade,
        spot=spot,
    )
    changes = {}
    if overdue_days is not None:
        changes.update(
            status=Status.RECTIFYING, deadline=TODAY - datetime.timedelta(days=overdue_days)
        )
    if closed:
        changes.update(status=Status.CLOSED, closed_at=timezone.now())
    if changes:
        Hazard.objects.filter(pk=hazard.pk).update(**changes)
    return Hazard.objects.get(pk=hazard.pk)


@pytest.fixture
def ledger(world):
    """School A1: a major overdue hazard, an open one and a closed one, all this week, at one
    spot; school A2: two overdue hazards (the most overdue school); school B1: one."""
    officer = f.user_with_role("safety_officer", world.school_a1)
    spot = Spot.objects.create(org=world.school_a1, name="食堂后门")
    a1 = [
        report(officer, world.school_a1, grade=Grade.MAJOR, overdue_days=5, spot=spot),
        report(officer, world.school_a1, spot=spot),
        report(officer, world.school_a1, closed=True, spot=spot),
    ]
    officer_a2 = f.user_with_role("safety_officer", world.school_a2)
    a2 = [report(officer_a2, world.school_a2, overdue_days=d) for d in (3, 9)]
    officer_b = f.user_with_role("safety_officer", world.school_b1)
    b1 = [report(officer_b, world.school_b1, overdue_days=2)]
    return {"officer": officer, "spot": spot, "a1": a1, "a2": a2, "b1": b1}


@pytest.fixture
def signed(world, ledger):
    owner = f.PersonFactory(org=world.school_a1, name="李明")
    return review.weekly_review_save(
        school=world.school_a1,
        week_start=TODAY,
        by=ledger["officer"],
        attendees="校长、安全办、后勤主任",
        analysis='食堂后门反复出现隐患\n=HYPERLINK("http://x")',
        signed_name="杨志国",
        tasks=[{"text": "食堂后门加装警示标识", "owner": owner, "due_on": WEEK_END}],
    )


def weekly_url(name, school, **params):
    url = reverse(f"hazard_review:{name}", args=[school.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


# ----------------------------------------------------------------------------- weekly


@pytest.mark.django_db
def test_signed_weekly_pdf_has_the_school_week_figures_and_signer(client, world, ledger, signed):
    client.force_login(ledger["officer"])
    response = client.get(weekly_url("weekly_pdf", world.school_a1))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "冯记沟中心小学" in text
    assert chinese_date(WEEK_START) in text and chinese_date(WEEK_END) in text
    assert "安全隐患周研判报告" in text
    squeezed = flat(text)
    for label, value in [("本周发现", 3), ("本周销号", 1), ("未销号", 2), ("逾期", 1)]:
        assert f"{label}{value}" in squeezed, label
    assert "重大未销号1" in squeezed and "一般未销号1" in squeezed
    assert "签字人：杨志国" in text
    assert "校长、安全办、后勤主任" in text and "食堂后门加装警示标识" in text
    assert "李明" in text
    for hazard in ledger["a1"]:  # found this week
        assert hazard.number in squeezed
    assert "未签字" not in text
    assert "第 1 页 共" in text  # page numbers
    assert "豫海中学" not in text and ledger["b1"][0].number not in squeezed


@pytest.mark.django_db
def test_a_signed_week_reports_what_the_meeting_saw(client, world, ledger, signed):
    """Closing a hazard after the analysis was signed does not rewrite the signed record."""
    Hazard.objects.filter(pk=ledger["a1"][1].pk).update(
        status=Status.CLOSED, closed_at=timezone.now()
    )
    client.force_login(ledger["officer"])
    book = load_workbook(io.BytesIO(client.get(weekly_url("weekly_xlsx", world.school_a1)).content))
    assert figures_of(book)["未销号"] == 2
    still_open = [row[0] for row in sheet_rows(book, "尚未销号")[1:]]
    assert ledger["a1"][1].number in still_open


@pytest.mark.django_db
def test_weekly_xlsx_round_trip(client, world, ledger, signed):
    client.force_login(ledger["officer"])
    response = client.get(weekly_url("weekly_xlsx", world.school_a1))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概况", "本周发现", "尚未销号", "反复出现的点位", "跟进任务"]
    figures = figures_of(book)
    assert figures["学校"] == "冯记沟中心小学"
    assert figures["状态"] == "已签字"
    assert (figures["本周发现"], figures["本周销号"], figures["未销号"], figures["逾期"]) == (
        3,
        1,
        2,
        1,
    )
    assert (figures["重大未销号"], figures["一般未销号"], figures["低风险未销号"]) == (1, 1, 0)
    found = sheet_rows(book, "本周发现")
    assert found[0][:3] == ("隐患编号", "点位", "类别")
    assert {row[0] for row in found[1:]} == {h.number for h in ledger["a1"]}
    assert {row[1] for row in found[1:]} == {"食堂后门"}
    still_open = {row[0]: row for row in sheet_rows(book, "尚未销号")[1:]}
    major = ledger["a1"][0]
    assert set(still_open) == {major.number, ledger["a1"][1].number}
    assert still_open[major.number][3] == "重大" and still_open[major.number][6] == "逾期"
    assert sheet_rows(book, "反复出现的点位")[1] == ("食堂后门", 3)
    task = sheet_rows(book, "跟进任务")[1]
    assert task[:2] == ("食堂后门加装警示标识", "李明")
    assert task[2].date() == WEEK_END
    # the analysis' second line looks like a formula: it stays text
    cells = [c for row in book["概况"].iter_rows() for c in row if c.value]
    formula = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"
    assert any(str(c.value) == "签字人：杨志国" for c in cells)


@pytest.mark.django_db
def test_an_unrecorded_week_downloads_marked_unsigned(client, world, ledger):
    client.force_login(ledger["officer"])
    text = pdf_text(client.get(weekly_url("weekly_pdf", world.school_a1)).content)
    assert "未签字" in text and "冯记沟中心小学" in text
    assert "本周发现3" in flat(text)
    assert "杨志国" not in text
    book = load_workbook(io.BytesIO(client.get(weekly_url("weekly_xlsx", world.school_a1)).content))
    figures = figures_of(book)
    assert figures["状态"].startswith("未签字") and figures["本周发现"] == 3


@pytest.mark.django_db
def test_a_past_week_is_chosen_by_any_of_its_days(client, world, ledger, signed):
    client.force_login(ledger["officer"])
    last_week = WEEK_START - datetime.timedelta(days=3)
    text = pdf_text(
        client.get(weekly_url("weekly_pdf", world.school_a1, week=last_week.isoformat())).content
    )
    assert chinese_date(review.week_of(last_week)[0]) in text
    assert "未签字" in text and "本周发现0" in flat(text)
    # the signed week, asked for by its Sunday
    text = pdf_text(
        client.get(weekly_url("weekly_pdf", world.school_a1, week=WEEK_END.isoformat())).content
    )
    assert "杨志国" in text


@pytest.mark.django_db
def test_a_bad_or_future_week_is_not_found(client, world, ledger):
    client.force_login(ledger["officer"])
    future = WEEK_END + datetime.timedelta(days=1)
    for week in ("2026-13-01", "last", future.isoformat()):
        assert client.get(weekly_url("weekly_pdf", world.school_a1, week=week)).status_code == 404


@pytest.mark.django_db
def test_the_weekly_page_links_its_reports(client, world, ledger, signed):
    client.force_login(ledger["officer"])
    html = client.get(reverse("hazard_review:weekly", args=[world.school_a1.pk])).content.decode()
    assert "下载 PDF" in html and "下载 Excel" in html
    assert weekly_url("weekly_pdf", world.school_a1, week=WEEK_START.isoformat()) in html


# ---------------------------------------------------------------------------- monthly


@pytest.mark.django_db
def test_county_monthly_pdf_lists_townships_schools_and_the_most_overdue(client, world, ledger):
    Hazard.objects.filter(pk=ledger["a1"][1].pk).update(status=Status.ESCALATED)
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    response = client.get(reverse("hazard_review:dispatch_node_pdf", args=[world.county_a.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "盐池县教育体育局" in text and "盐池县校园安全月调度报告" in text
    assert f"{TODAY.year}年{TODAY.month}月" in text
    for name in ("冯记沟乡", "冯记沟中心小学", "冯记沟幼儿园"):
        assert name in text, name
    squeezed = flat(text)
    most_overdue = squeezed.split("逾期隐患最多的学校", 1)[1]
    assert most_overdue.startswith("学校逾期隐患")  # the table's header, then…
    assert most_overdue.index("冯记沟幼儿园") < most_overdue.index("冯记沟中心小学")
    assert ledger["a1"][1].number in squeezed.split("待教育局处理的提级隐患", 1)[1]
    assert "下月重点工作" in text and "冯记沟幼儿园" in squeezed.split("下月重点工作", 1)[1]
    assert "同心县" not in text and "豫海中学" not in text


@pytest.mark.django_db
def test_monthly_xlsx_has_every_section(client, world, ledger):
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    response = client.get(reverse("hazard_review:dispatch_node_xlsx", args=[world.county_a.pk]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "概况",
        "按单位",
        "按学校",
        "常见隐患",
        "重大隐患",
        "逾期最多",
        "提级隐患",
        "下月到期",
    ]
    figures = figures_of(book)
    assert (figures["本月发现"], figures["未销号"], figures["逾期"]) == (5, 4, 3)
    by_unit = sheet_rows(book, "按单位")
    assert by_unit[0][0] == "单位"  # its own msgid: not the person's 工作单位
    assert by_unit[1] == ("冯记沟乡", 5, 1, 4, 3, 1)
    by_school = {row[1]: row for row in sheet_rows(book, "按学校")[1:]}
    assert by_school["冯记沟幼儿园"] == ("冯记沟乡", "冯记沟幼儿园", 2, 0, 2, 2, 0)
    assert sheet_rows(book, "逾期最多")[1][:2] == ("冯记沟幼儿园", 2)
    # the page's old export link gives the same workbook
    old = client.get(reverse("hazard_review:dispatch"), {"export": "xlsx"})
    assert load_workbook(io.BytesIO(old.content)).sheetnames == book.sheetnames


@pytest.mark.django_db
def test_city_monthly_report_aggregates_its_counties(client, world, ledger):
    client.force_login(f.user_with_role("bureau_staff", world.city))
    response = client.get(reverse("hazard_review:dispatch_node_pdf", args=[world.city.pk]))
    text = pdf_text(response.content)
    assert "吴忠市教育体育局" in text and "吴忠市校园安全月调度报告" in text
    squeezed = flat(text)
    assert "盐池县51431" in squeezed and "同心县10110" in squeezed and "合计61541" in squeezed
    book = load_workbook(
        io.BytesIO(
            client.get(reverse("hazard_review:dispatch_node_xlsx", args=[world.city.pk])).content
        )
    )
    rows = {row[0]: row[1:] for row in sheet_rows(book, "按单位")[1:]}
    assert rows == {
        "盐池县": (5, 1, 4, 3, 1),
        "同心县": (1, 0, 1, 1, 0),
        "合计": (6, 1, 5, 4, 1),
    }
    assert {row[1] for row in sheet_rows(book, "按学校")[1:]} == {
        "冯记沟中心小学",
        "冯记沟幼儿园",
        "豫海中学",
    }


@pytest.mark.django_db
def test_the_dispatch_page_links_its_reports(client, world, ledger):
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    html = client.get(reverse("hazard_review:dispatch")).content.decode()
    assert "下载 PDF" in html and "下载 Excel" in html
    assert reverse("hazard_review:dispatch_node_pdf", args=[world.county_a.pk]) in html
    assert "<th>单位</th>" in html


# ---------------------------------------------------------------------------- scoping


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dispatch_node_pdf", "dispatch_node_xlsx"])
def test_another_countys_monthly_report_is_not_found(client, world, ledger, name):
    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    for node in (world.county_a, world.town_a, world.school_a1):
        assert client.get(reverse(f"hazard_review:{name}", args=[node.pk])).status_code == 404
    own = client.get(reverse(f"hazard_review:{name}", args=[world.county_b.pk]))
    assert own.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["weekly_pdf", "weekly_xlsx"])
def test_another_schools_weekly_report_is_not_found(client, world, ledger, signed, name):
    for role, node in [
        ("principal", world.school_a2),
        ("principal", world.school_b1),
        ("bureau_staff", world.county_b),
    ]:
        client.force_login(f.user_with_role(role, node))
        assert client.get(weekly_url(name, world.school_a1)).status_code == 404, (role, node)
    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    assert client.get(weekly_url(name, world.school_a1)).status_code == 200
    # a region is not a school
    assert client.get(weekly_url(name, world.town_a)).status_code == 404


@pytest.mark.django_db
def test_reports_need_a_login(client, world):
    response = client.get(weekly_url("weekly_pdf", world.school_a1))
    assert response.status_code == 302


# ---------------------------------------------------------------------------- language


@pytest.mark.django_db
def test_an_english_user_gets_english_headings(client, world, ledger, signed):
    client.force_login(f.user_with_role("bureau_staff", world.county_a, language="en"))
    text = pdf_text(client.get(weekly_url("weekly_pdf", world.school_a1)).content)
    assert "Weekly hazard analysis report" in text and "Figures of the week" in text
    assert "Signed by: 杨志国" in text and "Page 1 of" in text
    assert "冯记沟中心小学" in text and WEEK_START.isoformat() in text
    assert "周研判" not in text and "本周发现" not in text
    text = pdf_text(
        client.get(reverse("hazard_review:dispatch_node_pdf", args=[world.county_a.pk])).content
    )
    assert "Monthly campus safety dispatch report of 盐池县" in text
    assert "Schools with the most overdue hazards" in text and "Priorities for next month" in text
    book = load_workbook(
        io.BytesIO(
            client.get(
                reverse("hazard_review:dispatch_node_xlsx", args=[world.county_a.pk])
            ).content
        )
    )
    assert book.sheetnames[:3] == ["Summary", "By unit", "By school"]
    assert sheet_rows(book, "By unit")[0][0] == "Unit"


# --------------------------------------------------------------------------- renderer


def test_report_renderer_repeats_headers_and_keeps_sheet_names_valid():
    rows = [[f"行{i}", i] for i in range(120)]
    doc = Report(
        issuer="盐池县教育体育局",
        title="测试报告",
        period="2026年5月",
        sections=[
            ReportSection("表：一/二", table=ReportTable(["名称", "数量"], rows, numeric=(1,))),
            ReportSection("表：一/二", table=ReportTable(["名称", "数量"], [["=1+1", 2]])),
        ],
    )
    reader = PdfReader(io.BytesIO(doc.to_pdf()))
    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"第 {number} 页 共 {len(reader.pages)} 页" in text
        if "行" in text:
            assert "名称" in text  # the header row again on every page of the table
    book = load_workbook(io.BytesIO(doc.to_xlsx()))
    assert book.sheetnames == ["概况", "表：一 二", "表：一 二 (2)"]
    assert book["表：一 二 (2)"]["A2"].value == "=1+1"
    assert book["表：一 二 (2)"]["A2"].data_type == "s"
    table = book["表：一 二"]
    assert table.freeze_panes == "A2" and table["A1"].font.b
    assert [c.value for c in table[121]] == ["行119", 119]
    summary = book["概况"]
    assert [summary[f"A{i}"].value for i in (1, 2, 3)] == [
        "测试报告",
        "盐池县教育体育局",
        "2026年5月",
    ]
    assert summary["A1"].font.b and summary["A1"].font.sz == 14
