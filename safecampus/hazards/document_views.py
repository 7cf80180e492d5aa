"""The bureau's notices and warnings on a hazard's page: issue one, download it as PDF or DOCX.

Reads go through `scoped_get` (out of scope → 404); issuing is for bureau staff and system
administrators in scope (403 otherwise) and goes through `documents.issue_document`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safecampus.core.listing import scoped_get
from safecampus.hazards import documents
from safecampus.hazards.models import Hazard

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = {"pdf": "application/pdf", "docx": DOCX_TYPE}


def _get_hazard(user, pk):
    return scoped_get(user, Hazard.objects.select_related("org", "spot"), pk=pk)


def document_context(user, hazard) -> dict:
    """What templates/hazards/_documents.html needs; merge it into the hazard page's context."""
    issued = list(hazard.escalations.exclude(document_number="").order_by("at", "pk"))
    steps = []
    if documents.may_issue(user, hazard):
        today = timezone.localdate()
        for step in documents.DOCUMENT_STEPS:
            if documents.issue_refusal(hazard, step, today) is None:
                steps.append({"step": step.value, "label": step.label})
    return {"hazard_documents": issued, "document_steps": steps}


@login_required
@require_POST
def issue(request, pk, step):
    hazard = _get_hazard(request.user, pk)
    if step not in documents.DOCUMENT_STEPS:
        raise Http404
    try:
        row = documents.issue_document(hazard=hazard, step=step, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(document)s %(number)s issued.")
            % {"document": row.get_step_display(), "number": row.document_number},
        )
    return redirect(reverse("hazards:hazard", args=[hazard.pk]) + "#documents")


@login_required
@require_GET
def download(request, pk, escalation):
    hazard = _get_hazard(request.user, pk)
    row = get_object_or_404(hazard.escalations.exclude(document_number=""), pk=escalation)
    row.hazard = hazard
    fmt = request.GET.get("format", "pdf")
    if fmt not in FORMATS:
        raise Http404
    doc = documents.document_of(row)
    content = doc.to_pdf() if fmt == "pdf" else doc.to_docx()
    response = HttpResponse(content, content_type=FORMATS[fmt])
    filename = f"{row.document_number} {doc.title}.{fmt}"
    inline = fmt == "pdf" and request.GET.get("download") != "1"
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response
