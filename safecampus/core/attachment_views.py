"""Serving a stored photo or document: only to someone who may see it, never from a public URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from safecampus.core.attachments import (
    DOCUMENT_KIND,
    document_content_type,
    document_filename,
)
from safecampus.core.models import Attachment


def _record_visible(user, found: Attachment) -> bool:
    """A document is read as part of its record: the user must also see that record (a plan's
    text is not for a department whose kind does not handle plans, whatever its photo rights)."""
    model = found.content_type.model_class()
    manager = getattr(model, "objects", None) if model is not None else None
    if manager is None or not hasattr(manager, "for_user"):
        return False
    return manager.for_user(user, "view").filter(pk=found.object_id).exists()


@login_required
@require_GET
def attachment(request, token):
    """The file if the user's scope holds it; 404 otherwise, exactly as if it did not exist."""
    found = (
        Attachment.objects.for_user(request.user, "view")
        .filter(token=token)
        .select_related("content_type")
        .first()
    )
    if found is None or not found.file:
        raise Http404
    is_document = found.kind == DOCUMENT_KIND
    if is_document and not _record_visible(request.user, found):
        raise Http404
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    if is_document:
        content_type = document_content_type(found)
        response = FileResponse(handle, content_type=content_type)
        # PDFs open in the browser's viewer; Word and ODT files are saved.
        inline = content_type == "application/pdf"
        response["Content-Disposition"] = content_disposition_header(
            not inline, document_filename(found)
        )
    else:
        response = FileResponse(handle, content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="{found.token}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
