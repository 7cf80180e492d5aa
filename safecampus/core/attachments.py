"""Attachments: photos (images only, size-limited, re-encoded) and documents (checked by
their real type, kept as uploaded).

A phone photo may be 10 MB, carry GPS coordinates in EXIF, or not be an image at all. Every
upload is opened with Pillow, refused unless it is a real image within the limits, turned
upright, shrunk to at most MAX_SIDE pixels and written as a fresh JPEG without metadata.
"""

import io
import os
import re
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


# ---------------------------------------------------------------------------- documents
#
# Documents (a plan's text, a signed report) are kept exactly as uploaded: nothing to
# re-encode, but the name a browser sends and the type it claims prove nothing. The real type
# is read from the file's first bytes (and, for the zip-based formats, from its table of
# contents); anything else — an .exe renamed .pdf, a macro-enabled Word file — is refused
# before a byte is stored. The file lands under a directory named by its token, keeping the
# uploader's name (sanitised) for the download.

DOCUMENT_KIND = "document"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# type: (extension, content type, how people call it)
DOCUMENT_TYPES = {
    "pdf": (".pdf", "application/pdf", "PDF"),
    "doc": (".doc", "application/msword", "Word (DOC)"),
    "docx": (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (DOCX)",
    ),
    "odt": (".odt", "application/vnd.oasis.opendocument.text", "ODT"),
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _zip_document_type(data: bytes) -> str | None:
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if names and names[0] == "mimetype":
            info = archive.getinfo("mimetype")
            if info.file_size <= 100 and archive.read("mimetype").strip() == _ODT_MIMETYPE:
                return "odt"
        lowered = {n.lower() for n in names}
        if "[content_types].xml" in lowered and "word/document.xml" in lowered:
            if any(n.endswith("vbaproject.bin") for n in lowered):
                return None  # macros: not a plain document
            return "docx"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):
        return None
    return None


def sniff_document(data: bytes) -> str | None:
    """The document type the bytes really are ("pdf", "doc", "docx", "odt"), or None."""
    head = data[:8]
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"%PDF-":
        return "pdf"
    if head == _OLE2:
        # An OLE2 compound file may also be a spreadsheet or an installer: a Word file has a
        # "WordDocument" stream, named in UTF-16 in its directory.
        return "doc" if _WORD_STREAM in data else None
    if head[:4] == b"PK\x03\x04":
        return _zip_document_type(data)
    return None


def read_document(upload) -> tuple[bytes, str]:
    """The upload's bytes and real type, or a ValidationError the user can read."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The document is larger than %(mb)d MB.")
            % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The document is larger than %(mb)d MB.")
            % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    kind = sniff_document(data)
    if kind is None:
        raise ValidationError(
            _("This file is not a PDF, Word (DOC, DOCX) or ODT document."), code="not_document"
        )
    return data, kind


def _stored_name(original: str, kind: str) -> str:
    stem = os.path.splitext(os.path.basename(original or ""))[0]
    stem = re.sub(r"(?u)[^-\w.]", "", stem.strip().replace(" ", "_")).strip("._")[:80]
    return (stem or "document") + DOCUMENT_TYPES[kind][0]


def attach_document(*, upload, to, kind: str = DOCUMENT_KIND, by=None) -> Attachment:
    """Store a checked document, as uploaded, attached to record `to` (which belongs to a
    node). Check with `read_document` first when other writes depend on it: this raises the
    same ValidationError before storing anything."""
    data, doc_type = read_document(upload)
    token = uuid.uuid4()
    attachment = Attachment(
        org=to.org,
        token=token,
        content_type=ContentType.objects.get_for_model(type(to)),
        object_id=str(to.pk),
        kind=kind,
        size=len(data),
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    name = f"{token}/{_stored_name(getattr(upload, 'name', ''), doc_type)}"
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


def documents_of(record, kind: str = DOCUMENT_KIND):
    """The documents attached to `record`, newest first."""
    return photos_of(record, kind).order_by("-created_at", "-id")


def document_filename(attachment: Attachment) -> str:
    """The name to download a document under: the uploader's (sanitised) file name."""
    return os.path.basename(attachment.file.name or "") or f"{attachment.token}"


def document_content_type(attachment: Attachment) -> str:
    extension = os.path.splitext(attachment.file.name or "")[1].lower()
    for ext, content_type, _label in DOCUMENT_TYPES.values():
        if ext == extension:
            return content_type
    return "application/octet-stream"
