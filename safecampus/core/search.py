"""Search across the records a user may see. Each source starts from `for_user`, so search
can never show what the pages would not."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

LIMIT = 20


@dataclass
class Hit:
    title: str
    detail: str
    url: str


def _sources():
    from safecampus.orgs.models import Department, LeadershipGroup, OrgNode, Person

    return [
        (
            _("Organisations and schools"),
            lambda user, q: (
                OrgNode.objects.for_user(user)
                .filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code=q))
                .order_by("depth", "path")
            ),
            lambda n: Hit(n.name, n.get_kind_display(), reverse("orgs:node", args=[n.pk])),
        ),
        (
            _("People"),
            lambda user, q: (
                Person.objects.for_user(user)
                .filter(Q(name__icontains=q) | Q(phone__contains=q) | Q(post__icontains=q))
                .select_related("org")
            ),
            lambda p: Hit(p.name, f"{p.post} · {p.org.name}", reverse("orgs:person", args=[p.pk])),
        ),
        (
            _("Departments"),
            lambda user, q: (
                Department.objects.for_user(user).filter(name__icontains=q).select_related("org")
            ),
            lambda d: Hit(
                d.name,
                f"{d.get_kind_display()} · {d.org.name}",
                reverse("orgs:node", args=[d.org_id]),
            ),
        ),
        (
            _("Leadership groups"),
            lambda user, q: (
                LeadershipGroup.objects.for_user(user)
                .filter(name__icontains=q)
                .select_related("org")
            ),
            lambda g: Hit(g.name, g.org.name, reverse("orgs:group", args=[g.pk])),
        ),
    ]


def search(user, query: str) -> list[tuple[str, list[Hit]]]:
    """Results grouped by kind of record, at most LIMIT each; an empty query finds nothing."""
    query = (query or "").strip()
    if len(query) < 1:
        return []
    results = []
    for label, queryset, to_hit in _sources():
        hits = [to_hit(obj) for obj in queryset(user, query)[:LIMIT]]
        if hits:
            results.append((label, hits))
    return results
