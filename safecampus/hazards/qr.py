"""QR codes of inspection spots: each encodes the absolute URL of the spot's check page, so a
phone's camera opens the check (after logging in) without any app."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe


def spot_check_path(spot) -> str:
    return reverse("hazards:spot_check", args=[spot.token])


def spot_check_url(spot, request=None) -> str:
    """The absolute URL of the spot's check: from the request's host when there is one (the
    address people actually reach), from SITE_URL otherwise."""
    path = spot_check_path(spot)
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def qr_svg(data: str, *, scale: int = 4, border: int = 2) -> str:
    """An inline SVG of `data` (error correction M: survives a scuffed sticker)."""
    code = segno.make(data, error="m", micro=False)
    svg = code.svg_inline(
        scale=scale, border=border, title=data, svgclass="qr", lineclass=None, omitsize=True
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup of a URL we built
