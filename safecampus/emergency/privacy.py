"""Who sees what of an incident: the one place that decides, used by the pages, the API, the
exports, the search and the notifications alike.

Sensitive incidents (sexual assault, bullying, violence among minors, or flagged by hand)
concern minors' privacy. Their details — what happened, the place, the first measures, the
names, the texts of the timeline and the closing summary — are shown only to designated roles
(those whose role table grants "incident_sensitive", e.g. the principal, the bureau, the
police) and to the person who reported the incident. Everyone else who may see the incident
sees its type, severity, time, school, status and counts, and a notice saying why.

Names are masked (张*) for everyone but designated roles and the reporter, in every incident,
sensitive or not: lists, exports, search and notifications never carry a full name to anyone
else. Every view of a sensitive incident's detail is written to the audit trail.

Search never matches on what the user could not read: a text that is hidden or masked for
the user is not searched for that user (`search_q`), so a hit cannot reveal it either.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.access import can, scope_prefixes
from safecampus.accounts.roles import SENSITIVE
from safecampus.core.scoping import ALL, path_q

NOTICE = _("Involves minors' privacy: details are for designated staff only.")
HIDDEN = "***"
WHERE = {
    "page": _("incident page"),
    "api": _("API"),
    "export": _("Excel export"),
    "edit": _("edit form"),
}  # what the audit trail stores instead of an incident's texts

# The texts of an incident that only those allowed its details read.
DETAIL_FIELDS = ("description", "place", "first_measures", "closing_summary")
# Never written to the audit trail in clear: the record and its timeline carry them, under
# this module's rules; an audit trail readable by the school's staff must not.
AUDIT_HIDDEN = (*DETAIL_FIELDS, "names")

_SEPARATORS = re.compile(r"([\s,，、;；/|]+)")


class SensitiveDetails:
    """The record type of a sensitive incident's details, for the role table's checks."""

    record_type = SENSITIVE


@dataclass(frozen=True)
class Access:
    """What one user may read of one incident."""

    details: bool  # description, place, measures, timeline texts, summary
    names: bool  # names in full (otherwise masked, or hidden with the details)
    designated: bool  # holds "incident_sensitive" here

    @property
    def restricted(self) -> bool:
        return not self.details


def _user_pk(user):
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def is_designated(user, incident) -> bool:
    """A designated role for this incident's school: may read sensitive details."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return can(user, "view", SensitiveDetails, incident.org)


def access(user, incident) -> Access:
    """The decision for one incident (no query: the user's roles are read once per request)."""
    designated = is_designated(user, incident)
    reporter = incident.reported_by_id is not None and incident.reported_by_id == _user_pk(user)
    allowed = designated or reporter
    return Access(
        details=allowed or not incident.is_sensitive, names=allowed, designated=designated
    )


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the family name stays so that a list still reads."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_names(text: str) -> str:
    """Mask each name of a list (张三、李四 → 张*、李*), keeping the separators."""
    if not text:
        return ""
    return "".join(
        part if _SEPARATORS.fullmatch(part) else mask_name(part)
        for part in _SEPARATORS.split(text)
        if part
    )


def shown(user, incident, acc: Access | None = None) -> dict:
    """The incident's texts as this user may read them: None where hidden, names masked."""
    acc = acc or access(user, incident)
    values = {f: (getattr(incident, f) if acc.details else None) for f in DETAIL_FIELDS}
    if acc.names:
        values["names"] = incident.names
    elif acc.details:
        values["names"] = mask_names(incident.names)
    else:
        values["names"] = None
    values["restricted"] = acc.restricted
    values["notice"] = str(NOTICE) if acc.restricted else ""
    return values


def entry_text(user, incident, entry, acc: Access | None = None) -> str | None:
    """A timeline entry's text and reason: hidden with the details (its author reads their
    own entry). Names written into a text are not recognisable, so no masking is attempted:
    the rule for a sensitive incident's texts is all or nothing."""
    acc = acc or access(user, incident)
    if acc.details or (entry.by_id is not None and entry.by_id == _user_pk(user)):
        return entry.text
    return None


# ---------------------------------------------------------------------------- querysets


def _prefixes(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return scope_prefixes(user, SensitiveDetails, "view")


def names_q(user) -> Q:
    """Incidents whose names the user reads in full."""
    prefixes = _prefixes(user)
    if prefixes is ALL:
        return Q(pk__isnull=False)  # every row; unlike Q(), it survives being combined
    q = Q(pk__in=[])
    if prefixes:
        q |= path_q("org_path", prefixes)
    pk = _user_pk(user)
    if pk is not None:
        q |= Q(reported_by_id=pk)
    return q


def details_q(user) -> Q:
    """Incidents whose details the user reads."""
    return Q(is_sensitive=False) | names_q(user)


def search_q(user, text: str) -> Q:
    """Incidents matching `text` among what the user could read of them: the number and the
    school always, the texts only where shown, the names only where shown in full."""
    text = (text or "").strip()
    if not text:
        return Q()
    q = Q(number__icontains=text) | Q(org__name__icontains=text)
    q |= details_q(user) & (Q(place__icontains=text) | Q(description__icontains=text))
    q |= names_q(user) & Q(names__icontains=text)
    return q


# ---------------------------------------------------------------------------- the trail


def audit_values(values: dict) -> dict:
    """A snapshot or a diff for the audit trail, with the incident's texts replaced."""

    def hide(value):
        return HIDDEN if value not in (None, "") else value

    out = {}
    for name, value in values.items():
        if name in AUDIT_HIDDEN:
            value = [hide(v) for v in value] if isinstance(value, list) else hide(value)
        out[name] = value
    return out


def log_view(user, incident, *, shown_details: bool, where: str = "page") -> None:
    """Each view of a sensitive incident's detail leaves an audit entry ("view")."""
    if not incident.is_sensitive:
        return
    from django.conf import settings
    from django.utils import translation

    from safecampus.core.audit import audit

    with translation.override(settings.LANGUAGE_CODE):  # the trail is read in one language
        shown = _("details shown") if shown_details else _("details masked")
        comment = f"{WHERE.get(where, where)} · {shown}"
    audit(instance=incident, action="view", by=user, comment=comment)


def log_views(user, incidents, *, where: str) -> None:
    """One "view" entry per sensitive incident whose details an export carried."""
    for incident in incidents:
        log_view(user, incident, shown_details=True, where=where)
