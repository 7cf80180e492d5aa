"""A small renderer of official documents (公文) in the GB/T 9704-2012 layout, simplified.

`OfficialDocument` holds what a notice says; `to_pdf()` renders it with WeasyPrint from
templates/documents/official.html, `to_docx()` builds the same layout with python-docx.
A4, margins 37/35/28/26 mm; the issuer's name in red, centred; the document number; a red
rule; the title centred in a serif; the addressee flush left with a full-width colon; the
body with a two-character first-line indent; attachments; the signature and the date at the
lower right with room for the seal. Fonts: Noto Serif CJK SC / Noto Sans CJK SC
(fonts-noto-cjk), embedded in the PDF and named for East Asian text in the DOCX.

`Report` (below) lays out a report — figures, paragraphs and tables — under the same red
head, as PDF (templates/documents/report.html) and XLSX.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string

SERIF = "Noto Serif CJK SC"  # stands in for 小标宋 / 仿宋
SANS = "Noto Sans CJK SC"  # stands in for 黑体
RED = "C00000"

# GB/T 9704 sizes: 2号 22 pt (title), 3号 16 pt (body); 22 lines of 28 characters.
TITLE_PT = 22
BODY_PT = 16
ISSUER_PT = 34
LINE_PT = 28.9  # 225 mm of type area / 22 lines


def chinese_date(day: datetime.date) -> str:
    """2026年11月24日: the date of an official document, in digits without leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class OfficialDocument:
    issuer: str  # 发文机关标志, e.g. 盐池县教育体育局
    number: str  # 发文字号, e.g. 盐教安〔2026〕12号
    title: str  # 标题; a "\n" breaks it where the meaning allows
    addressee: str  # 主送机关, without the colon
    paragraphs: list[str] = field(default_factory=list)  # 正文
    attachments: list[str] = field(default_factory=list)  # 附件
    signature: str = ""  # 发文机关署名; the issuer when empty
    date: datetime.date | None = None  # 成文日期; today when empty

    @property
    def signed_by(self) -> str:
        return self.signature or self.issuer

    @property
    def date_text(self) -> str:
        return chinese_date(self.date or datetime.date.today())

    # ------------------------------------------------------------------------------ PDF

    def to_html(self) -> str:
        return render_to_string("documents/official.html", {"doc": self})

    def to_pdf(self) -> bytes:
        from weasyprint import HTML

        return HTML(string=self.to_html()).write_pdf()

    # ----------------------------------------------------------------------------- DOCX

    def to_docx(self) -> bytes:
        from docx import Document
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Mm, Pt, RGBColor

        document = Document()
        section = document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)

        normal = document.styles["Normal"]
        _set_font(normal.font, normal.element, SERIF, BODY_PT)
        normal.paragraph_format.space_before = Pt(0)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Pt(LINE_PT)

        def paragraph(text="", *, align=None, size=BODY_PT, font=SERIF, bold=False, red=False):
            p = document.add_paragraph()
            if align is not None:
                p.alignment = align
            if text:
                run = p.add_run(text)
                _set_font(run.font, run._element, font, size)
                run.font.bold = bold
                if red:
                    run.font.color.rgb = RGBColor.from_string(RED)
            return p

        centre, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
        # 版头: the issuer in red, the number, and the red rule (a bottom border).
        issuer = paragraph(self.issuer, align=centre, size=ISSUER_PT, bold=True, red=True)
        issuer.paragraph_format.space_before = Pt(LINE_PT * 2)
        issuer.paragraph_format.line_spacing = Pt(ISSUER_PT * 1.5)
        issuer.paragraph_format.space_after = Pt(LINE_PT)
        number = paragraph(self.number, align=centre)
        _bottom_border(number, RED)
        paragraph()
        # 主体
        title = paragraph(align=centre)
        for i, line in enumerate(self.title.split("\n")):
            run = title.add_run()
            if i:
                run.add_break()
            run.add_text(line)
            _set_font(run.font, run._element, SERIF, TITLE_PT)
            run.font.bold = True
        title.paragraph_format.line_spacing = Pt(TITLE_PT * 1.6)
        paragraph()
        paragraph(f"{self.addressee}：")
        for text in self.paragraphs:
            p = paragraph(text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        if self.attachments:
            paragraph()
            for i, name in enumerate(self.attachments, 1):
                label = "附件：" if i == 1 else "　　　"
                numbered = f"{i}. {name}" if len(self.attachments) > 1 else name
                p = paragraph(f"{label}{numbered}")
                p.paragraph_format.left_indent = Pt(BODY_PT * 2)
        # 署名和日期, with room above for the seal.
        for _blank in range(3):
            paragraph()
        for text in (self.signed_by, self.date_text):
            p = paragraph(text, align=right)
            p.paragraph_format.right_indent = Pt(BODY_PT * 4)

        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


def _set_font(font, element, name: str, size: float) -> None:
    """Name the font for Latin and East Asian text alike (w:rFonts w:eastAsia)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font.name = name
    font.size = Pt(size)
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _bottom_border(paragraph, colour: str) -> None:
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.makeelement(qn("w:pBdr"), {})
    bottom = borders.makeelement(
        qn("w:bottom"),
        {qn("w:val"): "single", qn("w:sz"): "18", qn("w:space"): "8", qn("w:color"): colour},
    )
    borders.append(bottom)
    # CT_PPr is a sequence: w:pBdr goes before shading, tabs, spacing, indent, alignment...
    later = {qn(f"w:{tag}") for tag in _AFTER_PBDR}
    successor = next((child for child in ppr if child.tag in later), None)
    if successor is not None:
        successor.addprevious(borders)
    else:
        ppr.append(borders)


_AFTER_PBDR = [
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]


# ---------------------------------------------------------------------------- reports
#
# A report (周研判记录, 月调度报告) is not a 公文: it has no number and no addressee, and it is
# mostly tables. It borrows the 公文's head (the issuer in red over a red rule, the title
# centred in the serif) and fonts, on a tighter A4 page so that tables fit, with the tables'
# header rows repeated on every page and "第 N 页 共 M 页" at the foot. The same `Report`
# makes the XLSX: a first sheet of facts and figures, then one sheet per table.


@dataclass
class ReportTable:
    headers: list[str]
    rows: list[list]
    numeric: tuple[int, ...] = ()  # columns aligned right
    wrap: tuple[int, ...] | None = None  # columns that may wrap (all when None); others don't
    empty: str = ""  # said instead of an empty table

    @property
    def header_cells(self) -> list[tuple[str, str]]:
        """The headers with their column's CSS class: a text column that does not wrap keeps
        its header on one line too (a number's header may wrap over its narrow column)."""
        return [(str(h), self._css(i)) for i, h in enumerate(self.headers)]

    def _css(self, i: int) -> str:
        if i in self.numeric:
            return "num"
        if self.wrap is not None and i not in self.wrap:
            return "nowrap"
        return ""

    @property
    def cells(self) -> list[list[tuple[str, str]]]:
        """The rows as the PDF shows them: (text, CSS class) per cell, dates as 2026-05-04."""
        out = []
        for row in self.rows:
            line = []
            for i, value in enumerate(row):
                if value is None or value == "":
                    text = "—" if value is None else ""
                elif isinstance(value, datetime.date):
                    text = value.isoformat()[:10]
                else:
                    text = str(value)
                line.append((text, self._css(i)))
            out.append(line)
        return out


@dataclass
class ReportSection:
    title: str
    figures: list[tuple[str, object]] = field(default_factory=list)  # (label, value)
    paragraphs: list[str] = field(default_factory=list)
    table: ReportTable | None = None
    sheet: str = ""  # the XLSX sheet of the table; the title when empty

    @property
    def figure_rows(self) -> list[list[tuple[str, object]]]:
        """The figures two to a line, as the PDF lays them out."""
        return [self.figures[i : i + 2] for i in range(0, len(self.figures), 2)]


@dataclass
class Report:
    issuer: str  # the red head: the school or the bureau
    title: str
    period: str  # under the issuer, where a 公文 has its number
    sections: list[ReportSection] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) under the title
    mark: str = ""  # a red stamp beside the title, e.g. 未签字
    signature: list[str] = field(default_factory=list)  # lines at the lower right
    note: str = ""  # a small line at the end, e.g. when it was generated
    page_label: str = "第 {page} 页 共 {pages} 页"
    language: str = "zh-Hans"
    summary_sheet: str = "概况"  # the XLSX's first sheet

    # ------------------------------------------------------------------------------ PDF

    def to_html(self) -> str:
        from django.utils.safestring import mark_safe

        return render_to_string(
            "documents/report.html",
            {
                "report": self,
                "serif": SERIF,
                "sans": SANS,
                "red": RED,
                # CSS strings escaped by css_counter_content; HTML escaping would break them.
                "page_content": mark_safe(css_counter_content(self.page_label)),  # noqa: S308
            },
        )

    def to_pdf(self) -> bytes:
        from weasyprint import HTML

        return HTML(string=self.to_html()).write_pdf()

    # ----------------------------------------------------------------------------- XLSX

    def to_xlsx(self) -> bytes:
        """The summary sheet (the head, the facts, each section's figures and paragraphs, the
        signature), then a sheet for each section's table. Written by core/xlsx.py, row by
        row: openpyxl's cell objects took most of a city's dispatch report (1,800 schools)."""
        from safecampus.core import xlsx

        sheets = [xlsx.Sheet(self.summary_sheet, self._summary_rows(), widths=(36, 24))]
        for section in self.sections:
            table = section.table
            if table is None:
                continue
            widths = [_column_width(h, i, table.rows) for i, h in enumerate(table.headers)]
            rows = [[xlsx.Styled(str(h), xlsx.BOLD) for h in table.headers], *table.rows]
            sheets.append(
                xlsx.Sheet(section.sheet or section.title, rows, widths=widths, frozen_rows=1)
            )
        buffer = io.BytesIO()
        xlsx.write_book(buffer, sheets)
        return buffer.getvalue()

    def _summary_rows(self):
        from safecampus.core.xlsx import BOLD, MARK, TITLE, WRAP, Styled

        yield [Styled(self.title, TITLE)]
        yield [self.issuer]
        yield [self.period]
        for label, value in self.facts:
            yield [label, value]
        if self.mark:
            yield [Styled(self.mark, MARK)]
        for section in self.sections:
            if not (section.figures or section.paragraphs):
                continue
            yield []
            yield [Styled(section.title, BOLD)]
            for label, value in section.figures:
                yield [label, value]
            for text in section.paragraphs:
                yield [Styled(text, WRAP)]
        if self.signature:
            yield []
            for line in self.signature:
                yield [line]
        if self.note:
            yield [self.note]


def css_counter_content(pattern: str) -> str:
    """ "第 {page} 页 共 {pages} 页" → the CSS `content` value that prints it on every page."""
    import re

    parts = re.split(r"\{(page|pages)\}", pattern)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"counter({part})")
        elif part:
            quoted = part.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
            out.append(f'"{quoted}"')
    return " ".join(out) or '""'


def _column_width(header, index: int, rows) -> int:
    """Wide enough for the header and the first 200 values, between 8 and 60 characters."""
    values = (_width(row[index]) for row in rows[:200] if index < len(row))
    return min(max(max(_width(header), *values, 0) + 2, 8), 60)


def _width(value) -> int:
    text = "" if value is None else str(value)
    # CJK characters are about two columns wide.
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text.split("\n")[0])
