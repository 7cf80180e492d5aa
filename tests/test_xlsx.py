"""core/xlsx.py, the row-by-row XLSX writer of the big exports: what Excel (here openpyxl)
reads back from it — values and their types, the header's look, widths, the frozen row —
and that text is never a formula."""

import datetime
import decimal
import io
import zipfile

from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook

from safecampus.core import xlsx


def book(**kw):
    out = io.BytesIO()
    written = xlsx.write(out, **kw)
    out.seek(0)
    return written, out


def test_values_come_back_with_their_types_and_formats():
    found = datetime.datetime(2026, 3, 1, 7, 51, 30)
    aware = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))
    written, out = book(
        title="隐患台账",
        headers=["序号", "文本", "时间", "日期", "数", "是否"],
        rows=[
            [1, "安禾-2025-000356", found, datetime.date(2026, 3, 9), 2.5, True],
            [2, "", None, None, decimal.Decimal("12.30"), False],
            [3, "  前后有空格 ", aware, datetime.date(2026, 12, 31), -7, None],
        ],
        widths=[6, 20, 17, 12, 8, 6],
    )
    assert written == 3
    sheet = load_workbook(out).active
    assert sheet.title == "隐患台账" and sheet.freeze_panes == "A2"
    assert [sheet.column_dimensions[c].width for c in "ABCDEF"] == [6, 20, 17, 12, 8, 6]
    header = sheet[1]
    assert [c.value for c in header] == ["序号", "文本", "时间", "日期", "数", "是否"]
    assert all(c.font.b and c.alignment.horizontal == "center" for c in header)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == (1, "安禾-2025-000356", found, datetime.datetime(2026, 3, 9), 2.5, True)
    assert rows[1] == (2, None, None, None, 12.3, False)
    assert rows[2][1] == "  前后有空格 "
    # An aware time is written in the local time zone, as the pages show it.
    assert rows[2][2] == timezone.localtime(aware).replace(tzinfo=None)
    assert sheet["C2"].number_format == "yyyy-mm-dd h:mm:ss"
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert not sheet["A2"].font.b


def test_text_is_never_a_formula_and_bad_characters_do_not_break_the_file():
    formulas = ['=HYPERLINK("http://x","点我")', "+1+2", "-2+3", "@SUM(A1)", "=1+1"]
    long = "长" * 40_000
    _n, out = book(
        title="a/b:c*d?e[f]g\\h-很长的工作表名称超过三十一个字符的部分会被截断掉的",
        headers=["文本"],
        rows=[[v] for v in formulas] + [["控制\x00字符\x07与<标签>&符号"], [long]],
    )
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            etree.fromstring(z.read(name))  # every part is well-formed XML
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(out).active
    values = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[: len(formulas)] == formulas
    assert all(sheet.cell(row=i, column=1).data_type == "s" for i in range(2, 7))
    assert values[len(formulas)] == "控制字符与<标签>&符号"
    assert values[-1] == "长" * xlsx.CELL_LIMIT
    assert len(sheet.title) <= 31 and not set(sheet.title) & set("/:*?[]\\")


def test_a_generator_of_rows_is_written_to_its_end():
    taken = []

    def rows():
        for i in range(1200):
            taken.append(i)
            yield [i, f"行{i}"]

    written, out = book(title="t", headers=["n", "s"], rows=rows())
    assert written == 1200 == len(taken)
    sheet = load_workbook(out, read_only=True).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last == (1199, "行1199")


def test_column_letters():
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_a_book_of_sheets_keeps_their_order_styles_and_frozen_rows():
    out = io.BytesIO()
    written = xlsx.write_book(
        out,
        [
            xlsx.Sheet(
                "概况",
                [
                    [xlsx.Styled("月调度报告", xlsx.TITLE)],
                    [],
                    [xlsx.Styled("未签字", xlsx.MARK)],
                    ["学校数", 1800],
                    [xlsx.Styled("第一行\n第二行", xlsx.WRAP)],
                    [xlsx.Styled("一、隐患", xlsx.BOLD)],
                ],
                widths=(36, 24),
            ),
            xlsx.Sheet("学校/明细", [["学校", "隐患"], ["一中", 3]], frozen_rows=1),
            xlsx.Sheet("概况", [["同名的表"]]),
        ],
    )
    assert written == 9
    book = load_workbook(out)
    # Titles made valid and unique (Excel compares them without case).
    assert book.sheetnames == ["概况", "学校 明细", "概况 (2)"]
    summary = book["概况"]
    assert summary.freeze_panes is None
    assert summary["A1"].value == "月调度报告" and summary["A1"].font.b
    assert summary["A1"].font.sz == 14
    assert summary["A2"].value is None  # an empty row keeps its place
    assert summary["A3"].font.color.rgb.endswith("C00000") and summary["A3"].font.b
    assert (summary["A4"].value, summary["B4"].value) == ("学校数", 1800)
    assert not summary["A4"].font.b
    assert summary["A5"].value == "第一行\n第二行" and summary["A5"].alignment.wrap_text
    assert summary["A6"].font.b and summary["A6"].alignment.horizontal is None
    assert summary.column_dimensions["A"].width == 36
    table = book["学校 明细"]
    assert table.freeze_panes == "A2"
    assert list(table.iter_rows(values_only=True)) == [("学校", "隐患"), ("一中", 3)]
    assert book["概况 (2)"]["A1"].value == "同名的表"
