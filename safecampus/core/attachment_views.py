"""Serving a stored photo: only to someone who may see it, never from a public URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from safecampus.core.models import Attachment


@login_required
@require_GET
def attachment(request, token):
    """The image if the user's scope holds it; 404 otherwise, exactly as if it did not exist."""
    found = Attachment.objects.for_user(request.user, "view").filter(token=token).first()
    if found is None or not found.file:
        raise Http404
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{found.token}.jpg"'
    return response
