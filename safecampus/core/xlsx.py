"""A one-sheet XLSX written row by row as XML text straight into the zip stream, for exports
of a hundred thousand rows and more (the hazard ledger of a province).

openpyxl builds a cell object per value (0.15 ms a row of twelve on this project's machine:
14 s for 100,000 ledger rows) and XlsxWriter runs a dozen Python calls per cell (7.7 s of CPU
for the same rows); this writes each row as one string (1.7 s, compressed). What it writes is
what openpyxl's write-only workbook wrote for the ledger — the same parts, styles, column
widths, frozen header row and cell types — so the file reads the same in Excel, WPS and
openpyxl. It writes only that: text, numbers, dates and times, booleans, a bold centred
header, one sheet.

Text is always an inline string, never a formula (a formula is its own `<f>` element, which
this never writes), so a value such as `=HYPERLINK(…)` stays text: no formula injection.
Characters XML 1.0 cannot carry (control characters) are dropped and a value longer than a
cell holds (32,767 characters) is cut, where openpyxl raised an error or Excel would refuse
the file.
"""

from __future__ import annotations

import datetime
import decimal
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from xml.sax.saxutils import escape as _escape_attr

from django.utils import timezone

CELL_LIMIT = 32_767
_EPOCH = datetime.datetime(1899, 12, 30)
_EPOCH_DAY = _EPOCH.date()
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOT_IN_SHEET_NAMES = re.compile(r"[\x00-\x1f\[\]:*?/\\]")
_FLUSH_ROWS = 500

# Style indexes of styles.xml below: 0 plain, 1 bold centred (header), 2 date and time, 3 date,
# 4 bold, 5 a bold 14 pt title, 6 bold red (a report's mark), 7 wrapped at the top (a paragraph).
HEADER, DATETIME, DATE, BOLD, TITLE, MARK, WRAP = 1, 2, 3, 4, 5, 6, 7


class Styled(NamedTuple):
    """A value written with one of the styles above (a plain value is written plain)."""

    value: object
    style: int


@dataclass
class Sheet:
    """One worksheet of `write_book`: `rows` are consumed as they come; `frozen_rows` rows at
    the top stay in view when scrolling (1 for a table under its header)."""

    title: str
    rows: Iterable[Sequence]
    widths: Sequence[float] = ()
    frozen_rows: int = 0


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}"
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/>'
    '<Relationship Id="rId2" Target="docProps/core.xml" Type="http://schemas.openxmlformats.org/'
    'package/2006/relationships/metadata/core-properties"/>'
    '<Relationship Id="rId3" Target="docProps/app.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/extended-properties"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>safecampus</Application></Properties>"
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>safecampus</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
    "</cp:coreProperties>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews>'
    "<sheets>{sheets}</sheets>"
    '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rId{styles}" Target="styles.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/styles"/>'
    "</Relationships>"
)
_SHEET_REL = (
    '<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/worksheet"/>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="4"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><color rgb="00C00000"/><sz val="11"/><name val="Calibri"/><family val="2"/>'
    "</font></fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment horizontal="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'
)
_FROZEN = (
    '<pane ySplit="{rows}" topLeftCell="A{first}" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
)
_SHEET_TAIL = (
    '</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
    'footer="0.5"/></worksheet>'
)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    if len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT]
    if _SPECIAL.search(value):  # most text has none: one search instead of four passes
        value = _CONTROL.sub("", value)
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _cell(ref: str, value, style: int = 0) -> str:
    kind = type(value)
    if kind is Styled:
        value, style = value
        kind = type(value)
    s = f' s="{style}"' if style else ""
    if kind is str:
        if not value:
            return ""
        return f'<c r="{ref}"{s} t="inlineStr"><is>{_text(value)}</is></c>'
    if value is None:
        return ""
    if kind is int or kind is float:
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        delta = value - _EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return f'<c r="{ref}" s="{style or DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="{style or DATE}"><v>{(value - _EPOCH_DAY).days}</v></c>'
    if isinstance(value, int | float | decimal.Decimal):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return _cell(ref, str(value), style)


def write(
    file,
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[float] = (),
    freeze_header: bool = True,
    compresslevel: int = 6,
) -> int:
    """Write one sheet to `file` (a path or a binary file): a bold centred header row, then
    `rows`, each a sequence of str, int, float, Decimal, bool, date, datetime, None (an
    empty cell) or a `Styled` one of them; anything else is written as its text. `widths` are
    column widths in Excel's characters. Returns the number of data rows written. Rows are
    consumed as they come."""
    header = [Styled(str(label), HEADER) for label in headers]
    sheet = Sheet(title, _after(header, rows), widths, frozen_rows=1 if freeze_header else 0)
    return write_book(file, [sheet], compresslevel=compresslevel) - 1


def _after(first: Sequence, rest: Iterable[Sequence]):
    yield first
    yield from rest


def sheet_name(title: str, taken: Iterable[str] = ()) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\ nor control characters,
    and none of `taken` (Excel compares names without case)."""
    base = _NOT_IN_SHEET_NAMES.sub(" ", str(title)).strip()[:31] or "Sheet"
    used = {t.lower() for t in taken}
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def write_book(file, sheets: Sequence[Sheet], *, compresslevel: int = 6) -> int:
    """Write `sheets` to `file` (a path or a binary file), in order, the first one active.
    Their titles are made valid and unique as `sheet_name` makes them. Returns the number of
    rows written in all."""
    now = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    names: list[str] = []
    for sheet in sheets:
        names.append(sheet_name(sheet.title, names))
    numbers = range(1, len(sheets) + 1)
    quoted = [_escape_attr(name, {'"': "&quot;"}) for name in names]
    listed = "".join(
        f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in zip(numbers, quoted, strict=True)
    )
    count = 0
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        types = "".join(_SHEET_TYPE.format(n=n) for n in numbers)
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=types))
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("docProps/app.xml", _APP)
        z.writestr("docProps/core.xml", _CORE.format(now=now))
        z.writestr("xl/workbook.xml", _WORKBOOK.format(sheets=listed))
        rels = "".join(_SHEET_REL.format(n=n) for n in numbers)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(sheets=rels, styles=len(sheets) + 1),
        )
        z.writestr("xl/styles.xml", _STYLES)
        for n, sheet in zip(numbers, sheets, strict=True):
            # No ZIP64 (Excel has refused entries that carry it needlessly): a sheet of
            # Excel's 1,048,576 rows at ~1 kB a row stays under its 4 GB.
            with z.open(f"xl/worksheets/sheet{n}.xml", "w") as part:
                count += _write_sheet(part, sheet)
    return count


def _write_sheet(part, sheet: Sheet) -> int:
    widths = sheet.widths
    letters = [column_letter(i) for i in range(max(len(widths), 26))]
    cols = ""
    if widths:
        cols = (
            "<cols>"
            + "".join(
                f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                for i, w in enumerate(widths, start=1)
            )
            + "</cols>"
        )
    frozen = sheet.frozen_rows
    pane = _FROZEN.format(rows=frozen, first=frozen + 1) if frozen else ""
    buffer = [_SHEET_HEAD.format(pane=pane, cols=cols)]
    count = 0
    for number, row in enumerate(sheet.rows, start=1):
        n = str(number)
        cells = "".join(
            [_cell(letters[i] + n, value) for i, value in enumerate(row)]
            if len(row) <= len(letters)
            else [_cell(column_letter(i) + n, value) for i, value in enumerate(row)]
        )
        buffer.append(f'<row r="{n}">{cells}</row>' if cells else "")
        count += 1
        if len(buffer) >= _FLUSH_ROWS:
            part.write("".join(buffer).encode("utf-8", "replace"))
            buffer.clear()
    buffer.append(_SHEET_TAIL)
    part.write("".join(buffer).encode("utf-8", "replace"))
    return count
