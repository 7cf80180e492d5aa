"""A small renderer of official documents (公文) in the GB/T 9704-2012 layout, simplified.

`OfficialDocument` holds what a notice says; `to_pdf()` renders it with WeasyPrint from
templates/documents/official.html, `to_docx()` builds the same layout with python-docx.
A4, margins 37/35/28/26 mm; the issuer's name in red, centred; the document number; a red
rule; the title centred in a serif; the addressee flush left with a full-width colon; the
body with a two-character first-line indent; attachments; the signature and the date at the
lower right with room for the seal. Fonts: Noto Serif CJK SC / Noto Sans CJK SC
(fonts-noto-cjk), embedded in the PDF and named for East Asian text in the DOCX.
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
