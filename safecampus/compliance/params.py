"""The numbers in force for a rule at a node on a day: defaults, then overrides down the tree.

An override at a city holds for its counties unless a county has its own; among one node's
overrides the newest whose effective date is on or before the day holds. One query loads
every override that can matter for a region (those on the region's ancestors and inside it),
so judging a county of hundreds of schools costs the same as judging one.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections import defaultdict

from django.db.models import Q

from safecampus.compliance.catalog import RULES_BY_CODE
from safecampus.orgs.models import ancestor_paths


class ParamBook:
    """Overrides for one region, answering "which numbers for rule R at path P on day D"."""

    def __init__(self, rows):
        # (code, org_path) → sorted [(effective_from, params)]
        self._by: dict[tuple[str, str], list] = defaultdict(list)
        for code, path, day, params, pk in rows:
            self._by[(code, path)].append((day, pk, params))
        for entries in self._by.values():
            entries.sort(key=lambda e: (e[0], e[1]))
        self._codes = {code for code, _path in self._by}  # the rules overridden somewhere
        self._memo: dict = {}

    @classmethod
    def for_region(cls, path: str, codes=None) -> ParamBook:
        from safecampus.compliance.models import RuleOverride

        q = Q(org_path__in=ancestor_paths(path)) | Q(org_path__startswith=path + ".")
        qs = RuleOverride.objects.filter(q)
        if codes is not None:
            qs = qs.filter(code__in=list(codes))
        return cls(qs.values_list("code", "org_path", "effective_from", "params", "pk"))

    def source(self, code: str, path: str, day: datetime.date):
        """(params, org_path, effective_from) of the override in force, or None: defaults."""
        for anc in reversed(ancestor_paths(path)):
            entries = self._by.get((code, anc))
            if not entries:
                continue
            i = bisect_right([e[0] for e in entries], day)
            if i == 0:
                continue
            day_from, _pk, params = entries[i - 1]
            if not params:  # withdrawn: look further up
                continue
            return params, anc, day_from
        return None

    def params(self, code: str, path: str, day: datetime.date) -> dict:
        # A rule overridden nowhere in the book has its defaults everywhere, every day: one
        # entry for a region's thousands of schools.
        key = (code, path, day) if code in self._codes else (code, None, None)
        found = self._memo.get(key)
        if found is None:
            spec = RULES_BY_CODE[code]
            found = dict(spec.params)
            src = self.source(code, path, day)
            if src is not None:
                found.update({k: v for k, v in src[0].items() if k in spec.params})
            self._memo[key] = found
        return found


def versions_above(node) -> tuple[ParamBook, dict]:
    """The overrides in force at `node` — its own and its ancestors' — in one query: a book to
    read the numbers from, and each version by (code, region path, effective date), to name
    the source of a number. Not scoped on purpose: the numbers a school is judged by are its
    county's, which its staff may read though the county's records are not theirs."""
    from safecampus.compliance.models import RuleOverride

    rows = list(
        RuleOverride.objects.filter(org_path__in=ancestor_paths(node.path)).select_related(
            "org", "created_by"
        )
    )
    book = ParamBook([(o.code, o.org_path, o.effective_from, o.params, o.pk) for o in rows])
    return book, {(o.code, o.org_path, o.effective_from): o for o in rows}


def effective_params(code: str, node, day: datetime.date | None = None) -> dict:
    """The numbers in force for `code` at `node` on `day` (today when not given)."""
    from django.utils import timezone

    day = day or timezone.localdate()
    return ParamBook.for_region(node.path, [code]).params(code, node.path, day)


def share_target(params: dict, key: str, year: int) -> float | None:
    """The share in force in `year` from a [[year, share], ...] list: the latest year not
    after it; before the first year, the first target (the seed set it as the floor)."""
    targets = sorted(params.get(key) or [])
    if not targets:
        return None
    found = targets[0][1]
    for y, share in targets:
        if y <= year:
            found = share
    return found
