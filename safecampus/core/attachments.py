"""Photos: images only, size-limited, re-encoded.

A phone photo may be 10 MB, carry GPS coordinates in EXIF, or not be an image at all. Every
upload is opened with Pillow, refused unless it is a real image within the limits, turned
upright, shrunk to at most MAX_SIDE pixels and written as a fresh JPEG without metadata.
"""

import io
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from safecampus.core.models import Attachment

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 50_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}


def reencode(upload) -> tuple[bytes, int, int]:
    """The upload as a clean JPEG, or a ValidationError the user can read."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The photo is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            code="too_large",
        )
    try:
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("The photo has too many pixels."), code="too_large")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not a photo (JPEG, PNG or WebP)."), code="not_image"
        ) from None
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue(), image.width, image.height


def attach_photo(*, upload, to, kind: str = "", by=None) -> Attachment:
    """Store a re-encoded photo attached to record `to` (which belongs to a node)."""
    data, width, height = reencode(upload)
    token = uuid.uuid4()
    attachment = Attachment(
        org=to.org,
        token=token,
        content_type=ContentType.objects.get_for_model(type(to)),
        object_id=str(to.pk),
        kind=kind,
        width=width,
        height=height,
        size=len(data),
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    attachment.file.save(f"{token}.jpg", ContentFile(data), save=False)
    attachment.save()
    return attachment


def photos_of(record, kind: str | None = None):
    qs = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=str(record.pk)
    )
    return qs.filter(kind=kind) if kind is not None else qs
