"""Choosing one node among thousands: a search box over the choices instead of a menu of them.

A province's staff reporting a hazard chose the school from a menu of twenty thousand: a page
of 1–2 s to build and send, and a menu no one can scroll. Above `LIMIT` choices the field
shows the chosen node only, with a search box that asks `pick` for the nodes whose name
holds what is typed (HTMX). The choices searched are exactly the field's: its queryset, built
for the user by the form as always, is kept (its query, not its rows) under a token bound to
the user, for an hour; a search still goes through the user's scope as it stands then, and
the form still checks the node chosen against the field's queryset when it is sent. Fields
with fewer choices keep their menu.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from safecampus.orgs.choices import NodeKind
from safecampus.orgs.models import OrgNode

LIMIT = 300  # choices above which the menu becomes a search
SHOWN = 50  # nodes a search answers with
TOKEN_SECONDS = 3600


def label(node: OrgNode) -> str:
    """A node as a search answers it: a school with the region it hangs under, since a
    province has many 中心小学 of the same name."""
    if node.kind == NodeKind.SCHOOL:
        parent = node.parent.name if node.parent_id else ""
        return f"{node.name}（{parent}）" if parent else node.name
    return f"{node.name}（{NodeKind(node.kind).label}）"


class NodeSearchSelect(forms.Select):
    """A node menu that becomes a search box above `LIMIT` choices (decided when drawn)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _queryset(self):
        return getattr(self.choices, "queryset", None)

    def render(self, name, value, attrs=None, renderer=None):
        queryset = self._queryset()
        count = queryset.count() if queryset is not None and self.user is not None else 0
        if count <= LIMIT:
            return super().render(name, value, attrs, renderer)
        token = secrets.token_urlsafe(12)
        cache.set(f"picker:{token}", (self.user.pk, queryset.query, name), TOKEN_SECONDS)
        chosen = None
        if value not in (None, "") and str(value).isdigit():
            chosen = queryset.select_related("parent").filter(pk=value).first()
        empty = getattr(self.choices, "field", None)
        empty_label = getattr(empty, "empty_label", None) or _("Choose…")
        full = self.choices
        self.choices = [("", empty_label), *([(chosen.pk, label(chosen))] if chosen else [])]
        try:
            select = super().render(name, value, attrs, renderer)
        finally:
            self.choices = full
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        box = format_html(
            '<input type="search" name="{}" class="node-search" autocomplete="off"'
            ' placeholder="{}" aria-label="{}" aria-controls="{}" data-testid="node-search"'
            ' hx-get="{}" hx-trigger="input changed delay:300ms, search" hx-target="#{}"'
            ' hx-swap="innerHTML" hx-sync="this:replace">',
            f"{name}-search",
            _("Type part of a name"),
            _("Search the choices"),
            select_id,
            reverse("orgs:pick", args=[token]),
            select_id,
        )
        hint = format_html(
            '<span class="help">{}</span>',
            _("%(count)s to choose from: type part of a name, then choose it below.")
            % {"count": f"{count:,}"},
        )
        return format_html('<div class="node-search-field">{}{}{}</div>', box, select, hint)


def searchable(field: forms.ModelChoiceField, user) -> forms.ModelChoiceField:
    """`field` (a choice of nodes) drawn as a search above `LIMIT` choices."""
    field.widget = NodeSearchSelect(user=user, attrs=field.widget.attrs)
    field.queryset = field.queryset  # the setter hands the widget its choices
    return field


@login_required
def pick(request, token: str) -> HttpResponse:
    """The options of a search: the field's own choices whose name holds the text typed,
    inside what the user sees now."""
    entry = cache.get(f"picker:{token}")
    if entry is None or entry[0] != request.user.pk:
        raise Http404
    queryset = OrgNode.objects.all()
    queryset.query = entry[1]
    typed = (request.GET.get(f"{entry[2]}-search") or "").strip()
    found = (
        queryset.filter(pk__in=OrgNode.objects.for_user(request.user).values("pk"))
        .select_related("parent")
        .order_by("path")
    )
    if typed:
        found = found.filter(name__icontains=typed)
    rows = list(found[: SHOWN + 1])
    options = format_html_join(
        "", '<option value="{}">{}</option>', ((n.pk, label(n)) for n in rows[:SHOWN])
    )
    head = format_html(
        '<option value="">{}</option>',
        (
            _("No match: type another part of the name")
            if not rows
            else _("Choose one of these")
            if typed
            else _("Type part of a name")
        ),
    )
    more = (
        format_html(
            '<option value="" disabled>{}</option>',
            _("More than %(count)s: type more of the name") % {"count": SHOWN},
        )
        if len(rows) > SHOWN
        else ""
    )
    return HttpResponse(head + options + more)
