"""The rectification notice (整改通知书) and the written warning (书面警告): their text in the PDF
and the DOCX, the embedded Chinese fonts, the numbering per county and year, who may issue
them (403 / 404) and the audit trail."""

import datetime
import io
import os
import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document
from pypdf import PdfReader

from safecampus.core.audit import history
from safecampus.core.documents import OfficialDocument
from safecampus.core.errors import NotAllowed
from safecampus.hazards import documents, services
from safecampus.hazards.choices import EscalationStep, Grade, Status
from safecampus.hazards.document_views import document_context
from safecampus.hazards.models import Hazard, HazardEscalation
from safecampus.hazards.services import escalate_overdue
from tests import factories as f

TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture
def people(world):
    return {
        "bureau": f.user_with_role("bureau_staff", world.county_a, first_name="敏", last_name="王"),
        "bureau_b": f.user_with_role("bureau_staff", world.county_b),
        "sysadmin": f.user_with_role("sysadmin", world.province),
        "safety": f.user_with_role("safety_officer", world.school_a1),
        "principal": f.user_with_role("principal", world.school_a1),
    }


def overdue_hazard(school, by, days=12, description="二楼走廊灭火器过期，压力表指针处于红区"):
    hazard = services.hazard_report(school=school, by=by, description=description, category="fire")
    Hazard.objects.filter(pk=hazard.pk).update(
        status=Status.RECTIFYING,
        grade=Grade.HIGH,
        measures="更换过期灭火器并建立月检记录",
        deadline=TODAY - datetime.timedelta(days=days),
    )
    return Hazard.objects.select_related("org", "spot").get(pk=hazard.pk)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_fonts(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            for desc in descendants.get_object() if descendants else [font]:
                desc = desc.get_object()
                descriptor = desc.get("/FontDescriptor")
                embedded = descriptor and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                if embedded:
                    names.add(str(desc["/BaseFont"]))
    return names


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


# ---------------------------------------------------------------------- the renderer itself


def test_official_document_renders_pdf_and_docx_with_chinese_fonts():
    doc = OfficialDocument(
        issuer="盐池县教育体育局",
        number="盐池教安〔2026〕12号",
        title="关于冯记沟中心小学安全隐患限期整改的通知书",
        addressee="冯记沟中心小学",
        paragraphs=["经查，你校存在安全隐患。", "特此通知。"],
        attachments=["安全隐患整改情况回执"],
        date=datetime.date(2026, 11, 24),
    )
    pdf = doc.to_pdf()
    text = pdf_text(pdf)
    for expected in (
        "盐池县教育体育局",
        "盐池教安〔2026〕12号",
        "冯记沟中心小学：",
        "2026年11月24日",
    ):
        assert expected in text, expected
    assert any(re.search(r"Noto-?(Serif|Sans)-?CJK", name) for name in pdf_fonts(pdf))
    assert PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width == pytest.approx(595.28, abs=1)

    word = Document(io.BytesIO(doc.to_docx()))
    section = word.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    issuer = word.paragraphs[0]
    assert issuer.text == "盐池县教育体育局"
    assert str(issuer.runs[0].font.color.rgb) == "C00000"
    rfonts = issuer.runs[0]._element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "Noto Serif CJK SC"
    )
    assert "w:pBdr" in word.paragraphs[1]._p.xml  # the red rule under the number
    body = next(p for p in word.paragraphs if p.text == "经查，你校存在安全隐患。")
    assert body.paragraph_format.first_line_indent.pt == 32
    assert word.paragraphs[-1].text == "2026年11月24日"
    assert word.paragraphs[-1].alignment == 2  # right


# --------------------------------------------------------------------- issuing and numbering


@pytest.mark.django_db
def test_notice_pdf_and_docx_name_the_school_the_hazard_and_the_number(world, people):
    hazard = overdue_hazard(world.school_a1, people["safety"])
    row = documents.issue_document(hazard=hazard, step=EscalationStep.NOTICE, by=people["bureau"])
    assert row.document_number == f"盐池教安〔{YEAR}〕1号"
    doc = documents.document_of(row)
    assert doc.issuer == "盐池县教育体育局" and doc.addressee == "冯记沟中心小学"

    pdf = doc.to_pdf()
    text = pdf_text(pdf)
    for expected in ("冯记沟中心小学", hazard.number, row.document_number, "逾期12天", "较大"):
        assert expected in text, expected
    assert any(re.search(r"Noto-?(Serif|Sans)-?CJK", name) for name in pdf_fonts(pdf))
    if os.environ.get("SAFECAMPUS_DOC_SAMPLE"):  # to look at it: pdftoppm -png -r 60
        with open(os.environ["SAFECAMPUS_DOC_SAMPLE"], "wb") as out:
            out.write(pdf)

    text = docx_text(doc.to_docx())
    for expected in ("冯记沟中心小学", hazard.number, row.document_number):
        assert expected in text, expected


@pytest.mark.django_db
def test_numbering_runs_per_county_and_year(world, people):
    first = overdue_hazard(world.school_a1, people["safety"])
    second = overdue_hazard(world.school_a2, f.user_with_role("safety_officer", world.school_a2))
    other = overdue_hazard(world.school_b1, f.user_with_role("safety_officer", world.school_b1))
    by = people["sysadmin"]
    numbers = [
        documents.issue_document(hazard=first, step=EscalationStep.NOTICE, by=by).document_number,
        documents.issue_document(hazard=second, step=EscalationStep.NOTICE, by=by).document_number,
        documents.issue_document(hazard=first, step=EscalationStep.WARNING, by=by).document_number,
        documents.issue_document(hazard=other, step=EscalationStep.NOTICE, by=by).document_number,
    ]
    assert numbers == [
        f"盐池教安〔{YEAR}〕1号",
        f"盐池教安〔{YEAR}〕2号",
        f"盐池教安〔{YEAR}〕3号",
        f"同心教安〔{YEAR}〕1号",
    ]
    # A new year starts again at 1.
    later = TODAY.replace(year=YEAR + 1)
    Hazard.objects.filter(pk=second.pk).update(deadline=later - datetime.timedelta(days=5))
    row = documents.issue_document(hazard=second, step=EscalationStep.WARNING, by=by, today=later)
    assert row.document_number == f"盐池教安〔{YEAR + 1}〕1号"
    # The county's education bureau, when it is recorded, is the issuer.
    f.DepartmentFactory(org=world.county_b, name="同心县教育局", kind="education")
    assert documents.document_of(
        HazardEscalation.objects.get(document_number__startswith="同心")
    ).issuer == ("同心县教育局")


@pytest.mark.django_db
def test_issuing_completes_the_ladder_row_and_is_refused_twice(world, people):
    hazard = overdue_hazard(world.school_a1, people["safety"])
    escalate_overdue(today=TODAY)
    ladder_row = HazardEscalation.objects.get(hazard=hazard, step=EscalationStep.NOTICE)
    assert ladder_row.document_number == ""
    row = documents.issue_document(hazard=hazard, step=EscalationStep.NOTICE, by=people["bureau"])
    assert row.pk == ladder_row.pk and row.document_number
    assert HazardEscalation.objects.filter(hazard=hazard, step=EscalationStep.NOTICE).count() == 1
    with translation.override("en"), pytest.raises(ValidationError, match="already been issued"):
        documents.issue_document(hazard=hazard, step=EscalationStep.NOTICE, by=people["bureau"])
    with pytest.raises(NotAllowed):
        documents.issue_document(hazard=hazard, step=EscalationStep.WARNING, by=people["principal"])
    not_overdue = overdue_hazard(world.school_a1, people["safety"], days=-3)
    with translation.override("en"), pytest.raises(ValidationError, match="not overdue"):
        documents.issue_document(
            hazard=not_overdue, step=EscalationStep.NOTICE, by=people["bureau"]
        )


# --------------------------------------------------------------------------------- the views


@pytest.mark.django_db
def test_issue_and_download_through_the_views(client, world, people):
    hazard = overdue_hazard(world.school_a1, people["safety"])
    client.force_login(people["bureau"])
    response = client.post(reverse("hazard_docs:issue", args=[hazard.pk, "notice"]))
    assert response.status_code == 302
    row = HazardEscalation.objects.get(hazard=hazard, step=EscalationStep.NOTICE)
    entries = list(history(hazard).filter(transition="document:notice"))
    assert len(entries) == 1 and entries[0].user == people["bureau"]
    assert entries[0].comment == row.document_number

    url = reverse("hazard_docs:document", args=[hazard.pk, row.pk])
    pdf = client.get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "冯记沟中心小学" in pdf_text(pdf.content)
    docx = client.get(url, {"format": "docx"})
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    assert row.document_number in docx_text(docx.content)
    assert client.get(url, {"format": "exe"}).status_code == 404

    # The school reads and downloads it, but may not issue one.
    client.force_login(people["principal"])
    assert client.get(url, {"format": "docx"}).status_code == 200
    response = client.post(reverse("hazard_docs:issue", args=[hazard.pk, "warning"]))
    assert response.status_code == 403
    # Another county sees nothing.
    client.force_login(people["bureau_b"])
    assert client.get(url).status_code == 404
    assert client.post(reverse("hazard_docs:issue", args=[hazard.pk, "warning"])).status_code == 404
    assert HazardEscalation.objects.filter(hazard=hazard).exclude(document_number="").count() == 1


@pytest.mark.django_db
def test_the_documents_include_lists_and_offers(rf, world, people):
    hazard = overdue_hazard(world.school_a1, people["safety"])
    documents.issue_document(hazard=hazard, step=EscalationStep.NOTICE, by=people["bureau"])
    request = rf.get("/")
    for who, offers_warning in (("bureau", True), ("principal", False)):
        request.user = people[who]
        ctx = {"hazard": hazard, "request": request, **document_context(people[who], hazard)}
        html = render_to_string("hazards/_documents.html", ctx, request=request)
        assert f"盐池教安〔{YEAR}〕1号" in html and "format=docx" in html
        assert ('data-testid="issue-warning"' in html) is offers_warning, who
        assert 'data-testid="issue-notice"' not in html  # already issued for this deadline
