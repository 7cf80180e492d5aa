"""Keyset ("cursor") pagination of a scoped list: a page starts after the last row of the
page before it (`WHERE (found_at, id) < (…)`), so page 845 costs what page 1 costs instead of
sorting and skipping 42,000 rows (`OFFSET`).

A cursor is a signed token (`django.core.signing`) holding the list's order, the sort values
of the row it starts after (or before, going back), the offset of the page it leads to (for
"page n of N" and the row numbers) and the count of the list when the walk began together with
a digest of the filters it was counted under (so a next page need not count again). A cursor
only narrows the queryset it is applied to: the queryset is scoped and filtered first, so a
cursor made up by hand — or copied from someone else — can only select rows the caller sees
anyway. The signature is there so that an altered or truncated link is refused with a clear
message (400) instead of silently showing some other page.

Rows that share a sort value are ordered by their id, which ends every order, so a walk
neither skips nor repeats a row; NULLs sort last going forward on both databases (PostgreSQL
and SQLite disagree by default). Rows inserted during a walk appear if they fall after the
current position and are never shown twice; the count and the row numbers are those of when
the walk began.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import math
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

SALT = "safecampus.keyset"

INVALID = _(
    "This page link is not valid: it was altered, cut short or belongs to another list. "
    "Start again from the first page."
)
INVALID_PAGE = _("There is no such page.")


class InvalidCursor(ValueError):
    """A cursor that was altered, cut short, or made for another order of the list."""


class InvalidPage(ValueError):
    """A page number that is not a number, or past the end of the list."""


# ---------------------------------------------------------------------------------- the order


@dataclass(frozen=True)
class Key:
    name: str  # the model attribute (attname)
    desc: bool
    nullable: bool
    field: models.Field

    @property
    def token(self) -> str:
        return f"-{self.name}" if self.desc else self.name


def keys_of(queryset) -> list[Key] | None:
    """The queryset's order as keyset keys, ending with the primary key; None when the order
    cannot be walked by keyset (an expression, a related field), for the caller to fall back
    to page numbers."""
    model = queryset.model
    query = queryset.query
    if query.order_by:
        ordering = list(query.order_by)
    elif query.default_ordering:
        ordering = list(model._meta.ordering)
    else:
        ordering = []
    pk = model._meta.pk
    keys: list[Key] = []
    seen = set()
    for item in ordering:
        if not isinstance(item, str) or item == "?":
            return None
        desc = item.startswith("-")
        name = item.lstrip("-+")
        if "__" in name:
            return None
        try:
            f = pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:  # an annotation
            return None
        if f.is_relation or not f.concrete:
            return None
        if f.attname in seen:
            continue
        seen.add(f.attname)
        keys.append(Key(f.attname, desc, bool(f.null), f))
        if f.primary_key:
            break  # nothing after a unique, non-null key changes the order
    if not keys or not keys[-1].field.primary_key:
        desc = keys[0].desc if keys else False
        keys.append(Key(pk.attname, desc, False, pk))
    return keys


def order_by(keys: list[Key], *, backwards: bool = False) -> list:
    """ORDER BY for the keys; nullable keys put NULLs last going forward (first going back).

    Non-null keys carry no NULLS clause, so that PostgreSQL can still read them off an index."""
    out = []
    for k in keys:
        desc = k.desc != backwards
        expr = F(k.name)
        if k.nullable:
            nulls = {"nulls_first": True} if backwards else {"nulls_last": True}
            out.append(expr.desc(**nulls) if desc else expr.asc(**nulls))
        else:
            out.append(expr.desc() if desc else expr.asc())
    return out


def after(keys: list[Key], values: list, *, backwards: bool = False) -> Q:
    """Rows strictly after `values` in the order (strictly before, going back).

    The lexicographic comparison written out — (a after x) OR (a = x AND b after y) OR … — with
    the first key's bound repeated on its own (`found_at <= x`) so that a database can use it
    as an index range."""
    clauses = []
    same = Q()
    for k, v in zip(keys, values, strict=True):
        desc = k.desc != backwards
        nulls_first = backwards  # where NULLs sit in this direction (nullable keys only)
        if v is None:
            later = Q(**{f"{k.name}__isnull": False}) if nulls_first else None
            equal = Q(**{f"{k.name}__isnull": True})
        else:
            later = Q(**{f"{k.name}__{'lt' if desc else 'gt'}": v})
            if k.nullable and not nulls_first:
                later |= Q(**{f"{k.name}__isnull": True})
            equal = Q(**{k.name: v})
        if later is not None:
            clauses.append(same & later)
        same &= equal
    if not clauses:
        return Q(pk__in=[])
    condition = clauses[0]
    for clause in clauses[1:]:
        condition |= clause
    first, v = keys[0], values[0]
    if v is not None and not first.nullable and len(keys) > 1:
        desc = first.desc != backwards
        condition &= Q(**{f"{first.name}__{'lte' if desc else 'gte'}": v})
    return condition


# ---------------------------------------------------------------------------------- cursors


def _dump(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | datetime.timedelta):
        return str(value)
    return value


@dataclass(frozen=True)
class Cursor:
    order: tuple[str, ...]  # the keys' tokens, e.g. ("-found_at", "-id")
    values: tuple  # of the row the page starts after (before, going back)
    backwards: bool
    offset: int  # rows before the page it leads to, when the walk's count was taken
    count: int | None
    digest: str  # of the filters the count was taken under

    def encode(self) -> str:
        payload = {
            "o": list(self.order),
            "v": [_dump(v) for v in self.values],
            "b": 1 if self.backwards else 0,
            "n": self.offset,
            "c": self.count,
            "f": self.digest,
        }
        return signing.dumps(payload, salt=SALT, compress=True)

    @classmethod
    def decode(cls, token: str, keys: list[Key]) -> Cursor:
        try:
            payload = signing.loads(token, salt=SALT)
            order = tuple(payload["o"])
            raw = payload["v"]
            offset = int(payload["n"])
            count = payload["c"]
            digest = str(payload["f"])
            backwards = bool(payload["b"])
        except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
            raise InvalidCursor(str(INVALID)) from exc
        if order != tuple(k.token for k in keys) or len(raw) != len(keys) or offset < 0:
            raise InvalidCursor(str(INVALID))
        if count is not None and (not isinstance(count, int) or count < 0):
            raise InvalidCursor(str(INVALID))
        values = []
        for k, v in zip(keys, raw, strict=True):
            if v is None:
                if not k.nullable:
                    raise InvalidCursor(str(INVALID))
                values.append(None)
                continue
            try:
                values.append(k.field.to_python(v))
            except (ValidationError, TypeError, ValueError) as exc:
                raise InvalidCursor(str(INVALID)) from exc
        return cls(order, tuple(values), backwards, offset, count, digest)


def digest(params) -> str:
    """A short digest of the list's filters: every query parameter but the position ones."""
    items = sorted(
        (k, v)
        for k in params
        if k not in ("cursor", "page", "page_size")
        for v in params.getlist(k)
    )
    return hashlib.sha256(repr(items).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------- a page


@dataclass
class Page:
    """One page of a keyset walk, shaped like Django's Page where the templates read it."""

    rows: list
    size: int
    offset: int  # rows before this page
    has_next: bool
    has_previous: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    next_link: str = ""  # "?…&cursor=…", set by the page that shows it
    previous_link: str = ""
    counter: object = None  # () -> int, counted on first use unless carried by the cursor
    count_limit: int | None = None  # count no further than this (None: count them all)
    _count: int | None = field(default=None, repr=False)
    keyset = True

    @property
    def count(self) -> int:
        """The rows of the list; `count_limit + 1` standing for "more than the limit"."""
        if self._count is None:
            self._count = self.counter()
        return self._count

    @property
    def count_is_exact(self) -> bool:
        return self.count_limit is None or self.count <= self.count_limit

    @property
    def count_shown(self) -> int:
        return self.count if self.count_is_exact else self.count_limit

    # Django's Page and Paginator, as read by includes/pagination.html and ScopedListView.
    @property
    def number(self) -> int:
        return self.offset // self.size + 1

    @property
    def num_pages(self) -> int | None:
        """None when the count stopped at its limit."""
        if not self.count_is_exact:
            return None
        return max(1, math.ceil(self.count / self.size), self.number + (1 if self.has_next else 0))

    @property
    def paginator(self) -> Page:
        return self

    @property
    def object_list(self) -> list:
        return self.rows

    def start_index(self) -> int:
        return self.offset + 1 if self.rows else 0

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _values(row, keys: list[Key]) -> tuple:
    return tuple(getattr(row, k.name) for k in keys)


def counter(queryset, limit: int | None = None):
    """A function counting the rows of `queryset`, stopping after `limit + 1` when a limit is
    given (a subquery with LIMIT: a province's million hazards are not counted to show one
    page)."""
    if limit is None:
        return queryset.count
    return queryset.order_by().values("pk")[: limit + 1].count


def paginate(
    queryset,
    *,
    size: int,
    cursor: str | None,
    page: str | None,
    filters: str,
    count_limit: int | None = None,
) -> Page:
    """The page of `queryset` (scoped and filtered already) that `cursor` leads to, or page
    number `page` (counted with OFFSET, for links and clients that still send one), or the
    first page. Raises InvalidCursor / InvalidPage; the caller answers 400 / 404.

    `filters` is the digest of the request's filters (`digest`): a cursor carries the count
    only to requests with the same filters. With `count_limit`, the count stops there."""
    keys = keys_of(queryset)
    if keys is None:
        raise TypeError(f"{queryset.model.__name__}: an order keyset pagination cannot walk")
    forward = queryset.order_by(*order_by(keys))
    count = None
    offset = 0
    backwards = False
    if cursor:
        position = Cursor.decode(cursor, keys)
        if position.digest == filters:
            count = position.count
        offset = position.offset
        backwards = position.backwards
        if backwards:
            found = list(
                queryset.order_by(*order_by(keys, backwards=True)).filter(
                    after(keys, list(position.values), backwards=True)
                )[: size + 1]
            )
            has_previous = len(found) > size
            rows = found[:size][::-1]
            if not has_previous:  # back at the start: the first page, full
                rows = list(forward[: size + 1])
                has_next = len(rows) > size
                rows = rows[:size]
                offset = 0
            else:
                has_next = True
        else:
            found = list(forward.filter(after(keys, list(position.values)))[: size + 1])
            rows = found[:size]
            has_next = len(found) > size
            has_previous = True
    elif page not in (None, "", "1"):
        try:
            number = int(page)
        except (TypeError, ValueError):
            if page != "last":
                raise InvalidPage(str(INVALID_PAGE)) from None
            count = counter(queryset, count_limit)()
            number = max(1, math.ceil(min(count, count_limit or count) / size))
        if number < 1:
            raise InvalidPage(str(INVALID_PAGE))
        offset = (number - 1) * size
        found = list(forward[offset : offset + size + 1])
        if not found:
            raise InvalidPage(str(INVALID_PAGE))
        rows = found[:size]
        has_next = len(found) > size
        has_previous = True
    else:
        found = list(forward[: size + 1])
        rows = found[:size]
        has_next = len(found) > size
        has_previous = False

    result = Page(
        rows=rows,
        size=size,
        offset=offset,
        has_next=has_next,
        has_previous=has_previous,
        counter=counter(queryset, count_limit),
        count_limit=count_limit,
        _count=count,
    )
    if not rows:
        if cursor and not backwards:  # everything after the position went: lead back to it
            result.previous_cursor = Cursor(
                tuple(k.token for k in keys),
                position.values,
                True,
                max(offset - size, 0),
                result.count,
                filters,
            ).encode()
        return result

    def make(values, backwards: bool, offset: int) -> str:
        return Cursor(
            tuple(k.token for k in keys),
            values,
            backwards,
            offset,
            result.count,
            filters,
        ).encode()

    if has_next:
        result.next_cursor = make(_values(rows[-1], keys), False, offset + len(rows))
    if has_previous:
        result.previous_cursor = make(_values(rows[0], keys), True, max(offset - size, 0))
    return result
