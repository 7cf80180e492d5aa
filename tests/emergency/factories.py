"""Builders for emergency tests (shared: add yours, don't rewrite others')."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

# ---------------------------------------------------------------------------------- plans


def pdf_upload(name="火灾应急预案.pdf", body=b"") -> SimpleUploadedFile:
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + body + b"\n%%EOF\n"
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def docx_upload(name="地震应急预案.docx", macros=False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00\x01")
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def odt_upload(name="预案.odt") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return SimpleUploadedFile(
        name, buffer.getvalue(), content_type="application/vnd.oasis.opendocument.text"
    )


def exe_as_pdf(name="应急预案.pdf") -> SimpleUploadedFile:
    """A Windows program renamed .pdf, claiming to be a PDF."""
    data = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"PE\x00\x00"
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def make_plan(org, scenario="fire", *, approved_on=None, review_due=None, covers_night=False, **kw):
    """A plan through the services: a draft, or approved on `approved_on`."""
    from safecampus.emergency import plans

    plan = plans.plan_create(
        by=None,
        org=org,
        scenario=scenario,
        covers_night=covers_night,
        **kw,
    )
    if approved_on is not None:
        plans.plan_approve(
            plan=plan,
            by=None,
            approved_by_name="校长办公会",
            approved_on=approved_on,
            review_due=review_due,
            expected_version=None,
        )
    return plan


# --------------------------------------------------------------------------------- drills


def held_drill(
    school,
    day,
    scenario="fire",
    *,
    hour=10,
    seconds=None,
    night=False,
    police=False,
    buildings=(),
    by=None,
    **fields,
):
    """A drill recorded as held at `school` on `day` (a date) at `hour`, through the service."""
    import datetime

    from django.utils import timezone

    from safecampus.emergency import drills

    held_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
    return drills.drill_record(
        by=by,
        school=school,
        held_at=held_at,
        scenario=scenario,
        evacuation_seconds=seconds,
        is_night=night,
        police_joined=police,
        buildings=[{"name": n, "storeys": s, "seconds": t} for n, s, t in buildings],
        **fields,
    )


def planned_drill(school, when, scenario="fire", *, by=None, **fields):
    """A drill on the calendar at `when` (an aware datetime)."""
    from safecampus.emergency import drills

    return drills.drill_plan(school=school, by=by, scenario=scenario, planned_for=when, **fields)
