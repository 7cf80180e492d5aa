"""Reports by anyone (随手拍): a public link and QR code per school, no account needed.

Each school's link carries a signed token derived from the school's id, stable and
unguessable without the secret key, so no model is needed. A report lands in the ledger as
"awaiting review" with source "public"; the school admits or dismisses it (workflow moves
`admit` and `dismiss`). Reports are rate-limited per client address and per school with the
shared cache.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from safecampus.hazards import services
from safecampus.hazards.choices import Source, Status
from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode

SALT = "hazard-public-report"
WINDOW_SECONDS = 3600
PER_IP = 5  # reports per client address per hour
PER_SCHOOL = 60  # reports per school per hour (a flood from many addresses)


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def school_token(school: OrgNode) -> str:
    """The school's public token: the same every time, forged only with the secret key."""
    return _signer().sign(str(school.pk))


def school_for_token(token: str) -> OrgNode | None:
    try:
        pk = _signer().unsign(token)
    except signing.BadSignature:
        return None
    if not pk.isdigit():
        return None
    return OrgNode.objects.filter(pk=int(pk), kind=NodeKind.SCHOOL).first()


def report_path(school: OrgNode) -> str:
    return reverse("hazard_public:report", args=[school_token(school)])


def report_url(school: OrgNode, request=None) -> str:
    path = report_path(school)
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


# ------------------------------------------------------------------------------ rate limit


def _keys(ip: str | None, school: OrgNode) -> list[tuple[str, int]]:
    return [
        (f"hazard-public:ip:{ip or 'unknown'}", PER_IP),
        (f"hazard-public:school:{school.pk}", PER_SCHOOL),
    ]


def rate_limited(ip: str | None, school: OrgNode) -> bool:
    """Has this address or this school used up its reports for the hour?"""
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(ip, school))


def count_report(ip: str | None, school: OrgNode) -> None:
    for key, _limit in _keys(ip, school):
        if cache.add(key, 1, timeout=WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, timeout=WINDOW_SECONDS)


# ------------------------------------------------------------------------------ the report


def public_report(
    *,
    school: OrgNode,
    description: str,
    category: str,
    place: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos=(),
):
    """A hazard awaiting review, reported by someone without an account."""
    text = description.strip()
    if place.strip():
        text = f"【{place.strip()}】{text}"
    return services.hazard_report(
        school=school,
        by=None,
        description=text,
        category=category,
        source=Source.PUBLIC,
        status=Status.PENDING_REVIEW,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(),
        photos=photos,
    )
