"""The hazard rollups: what a hazard adds to the dashboards' counts, kept exactly in step with
the ledger, rebuilt and checked set-based.

Why: a province's dashboard would otherwise aggregate a million hazards at read time. The
rollups (hazards/rollup_models.py) hold the same counts per node, so a region reads a few
hundred rows. "Exactly in step" means:

- every write of a hazard applies the difference between what it contributed before and
  after, in the same transaction (`record`): `Hazard.save()` reads the row's stored values
  under a row lock first, `HazardQuerySet.update()` / `bulk_create()` / `bulk_update()` and
  deletes do the same for their rows. Writes that bypass the ORM (the province seed's COPY)
  call `rebuild()` afterwards.
- the deltas are upserts (`INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n`) on the
  unique key, in a fixed order of tables and keys, so concurrent moves neither lose a count
  nor deadlock on each other; rows whose counts all reach zero are deleted.
- `check()` recomputes every row from the hazards in SQL, independently of the Python rules
  below, and lists the keys that differ (`safecampus rollups check`).

What a hazard contributes (its `State`):
- found: 1 to (node, month of found_at), whatever its status;
- open (reported, rectifying, submitted, escalated): 1 to (node, grade, deadline), the
  deadline NO_DEADLINE when it has none;
- closed (status closed with closed_at): 1 to (node, month of closed_at, days), with its
  deadline (when it has one), on time when the local date of closed_at is not after the
  deadline, and the seconds from found_at to closed_at (whole seconds, never below 0);
  days = those seconds in whole days, rounded up.
Months and local dates are in settings.TIME_ZONE. Each contribution goes to the hazard's
own path (level 0) and to that path cut to each of CUTS segments.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Count, F, Func, IntegerField, Min, Q, Sum, Value
from django.db.models.fields import BigIntegerField, DateField
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from safecampus.core.scoping import ALL
from safecampus.hazards.choices import OPEN_STATUSES, Status
from safecampus.hazards.rollup_models import (
    NO_DEADLINE,
    TRACKED,
    HazardClosedRollup,
    HazardFoundRollup,
    HazardOpenRollup,
    HazardRecheckRollup,
    InspectionDoneRollup,
    Level,
    ScheduleRollup,
)
from safecampus.orgs.models import SEGMENT_WIDTH

# The cut levels, coarsest first: a region reads the coarsest rows that still tell its
# children apart (a province its cities', a city its counties'), a county or below its own.
CUTS = (Level.CITY, Level.COUNTY)
LEVELS = (Level.LEAF, *CUTS)
SECONDS_PER_DAY = 86400
# The hazards' rollups, in the order of writes.
MODELS = (HazardFoundRollup, HazardOpenRollup, HazardClosedRollup, HazardRecheckRollup)
# Every rollup, in the order of writes: the hazards' and the periods done (done_rollups.py).
ALL_MODELS = (*MODELS, InspectionDoneRollup, ScheduleRollup)
# By model name, so that a migration's historical models find theirs too.
KEYS = {
    "HazardFoundRollup": ("month",),
    "HazardOpenRollup": ("grade", "deadline"),
    "HazardClosedRollup": ("month", "days"),
    "HazardRecheckRollup": ("recheck_on",),
    "InspectionDoneRollup": ("rhythm", "period_start"),
    "ScheduleRollup": ("rhythm", "starts_on", "ends_on"),
}
COUNTS = {
    "HazardFoundRollup": ("n",),
    "HazardOpenRollup": ("n",),
    "HazardClosedRollup": ("closed", "with_deadline", "on_time", "seconds"),
    "HazardRecheckRollup": ("n",),
    "InspectionDoneRollup": ("n",),
    "ScheduleRollup": ("n",),
}
DATE_KEYS = ("month", "deadline", "recheck_on", "period_start", "starts_on", "ends_on")
# A schedule without an end is kept under this date (a NULL would escape the unique key).
NO_END = NO_DEADLINE


def cut_length(level: int) -> int:
    """Characters of a path cut to `level` segments (fixed-width segments joined by dots)."""
    return level * (SEGMENT_WIDTH + 1) - 1


def cut(path: str, level: int) -> str:
    return path if level == Level.LEAF else path[: cut_length(level)]


def segments(path: str) -> int:
    return path.count(".") + 1 if path else 0


# ------------------------------------------------------------------------ contributions


@dataclass(frozen=True)
class State:
    """The values of a hazard that its rollups depend on (TRACKED)."""

    org_path: str
    status: str
    grade: str
    deadline: datetime.date | None
    found_at: datetime.datetime
    closed_at: datetime.datetime | None
    recheck_on: datetime.date | None
    rechecked_at: datetime.datetime | None


def state_of(hazard) -> State:
    return State(*(getattr(hazard, name) for name in TRACKED))


def local_month(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def close_seconds(found_at: datetime.datetime, closed_at: datetime.datetime) -> int:
    return max(0, (closed_at - found_at) // datetime.timedelta(seconds=1))


def close_days(seconds: int) -> int:
    """Whole days, rounded up: the unit of the 90th percentile (ceil keeps the order, so the
    percentile of the rounded days is the rounded percentile)."""
    return -(-seconds // SECONDS_PER_DAY)


def contributions(state: State):
    """(model, key, counts) for each row the hazard counts in, at every level."""
    rows = [(HazardFoundRollup, (local_month(state.found_at),), (1,))]
    if state.status in OPEN_STATUSES:
        rows.append((HazardOpenRollup, (state.grade, state.deadline or NO_DEADLINE), (1,)))
    if state.status == Status.CLOSED and state.closed_at is not None:
        seconds = close_seconds(state.found_at, state.closed_at)
        has_deadline = state.deadline is not None
        local_day = timezone.localtime(state.closed_at, timezone.get_default_timezone()).date()
        on_time = has_deadline and local_day <= state.deadline
        key = (local_month(state.closed_at), close_days(seconds))
        rows.append((HazardClosedRollup, key, (1, int(has_deadline), int(on_time), seconds)))
    if state.status == Status.CLOSED and state.recheck_on and state.rechecked_at is None:
        rows.append((HazardRecheckRollup, (state.recheck_on,), (1,)))
    for model, key, counts in rows:
        for level in LEVELS:
            yield model, (level, cut(state.org_path, level), *key), counts


def deltas(pairs) -> dict:
    """{model: {key: counts}}: what the rollups gain from each (before, after) pair of states
    (None for a hazard that did not exist or no longer does)."""
    out: dict = defaultdict(dict)
    for before, after in pairs:
        if before == after:
            continue
        for state, sign in ((before, -1), (after, 1)):
            if state is None:
                continue
            for model, key, counts in contributions(state):
                rows = out[model]
                current = rows.get(key) or (0,) * len(counts)
                rows[key] = tuple(c + sign * d for c, d in zip(current, counts, strict=True))
    kept = {model: {k: v for k, v in rows.items() if any(v)} for model, rows in out.items()}
    return {model: rows for model, rows in kept.items() if rows}


# ------------------------------------------------------------------------------- writes


def record(before: State | None, after: State | None, *, using: str = "default") -> None:
    """Apply one hazard's change to the rollups (inside the caller's transaction)."""
    record_many([(before, after)], using=using)


def record_many(pairs, *, using: str = "default") -> None:
    apply(deltas(pairs), using=using)


def apply(changes: dict, *, using: str = "default") -> None:
    """Add `changes` to the rollup rows: one upsert per table, then the rows a decrease left
    at zero are deleted. Tables and keys in a fixed order, so that two transactions lock the
    rows they share in the same order and never deadlock on each other."""
    connection = connections[using]
    ops = connection.ops
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        for model in ALL_MODELS:
            rows = changes.get(model)
            if not rows:
                continue
            table = ops.quote_name(model._meta.db_table)
            keys = ("level", "org_path", *KEYS[model.__name__])
            counts = COUNTS[model.__name__]
            columns = ", ".join(ops.quote_name(c) for c in (*keys, *counts))
            conflict = ", ".join(ops.quote_name(c) for c in keys)
            update = ", ".join(
                f"{ops.quote_name(c)} = {table}.{ops.quote_name(c)} + excluded.{ops.quote_name(c)}"
                for c in counts
            )
            width = len(keys) + len(counts)
            ordered = sorted(rows.items())
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
                params = [_adapt(ops, v) for key, c in chunk for v in (*key, *c)]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
                    f"ON CONFLICT ({conflict}) DO UPDATE SET {update}",
                    params,
                )
            emptied = [key for key, c in ordered if any(v < 0 for v in c)]
            if emptied:
                zero = Q(**dict.fromkeys(counts, 0))
                for start in range(0, len(emptied), 200):
                    match = Q()
                    for key in emptied[start : start + 200]:
                        match |= Q(**dict(zip(keys, key, strict=True)))
                    model._base_manager.using(using).filter(match & zero).delete()


def _adapt(ops, value):
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    return value


def _db_for(hazard, using=None) -> str:
    return using or router.db_for_write(type(hazard), instance=hazard)


def stored_state(model, pk, using: str) -> State | None:
    """The hazard's row as stored, locked until the transaction ends (PostgreSQL)."""
    row = (
        model._base_manager.using(using)
        .select_for_update()
        .filter(pk=pk)
        .values_list(*TRACKED)
        .first()
    )
    return State(*row) if row else None


def save_hazard(hazard, save, *args, **kwargs) -> None:
    """`Hazard.save()`: the row and its rollups in one transaction. The row's previous values
    are read from the database under a lock, not from the instance, which may be stale."""
    using = _db_for(hazard, kwargs.get("using"))
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(update_fields) & set(TRACKED):
        save(*args, **kwargs)
        return
    with transaction.atomic(using=using, savepoint=False):
        before = None
        if hazard.pk is not None:
            before = stored_state(type(hazard), hazard.pk, using)
        save(*args, **kwargs)
        after = state_of(hazard)
        if update_fields is not None and before is not None:
            kept = {n: getattr(before, n) for n in TRACKED if n not in update_fields}
            after = State(**{**after.__dict__, **kept})
        record(before, after, using=using)


def record_delete(hazard, *, using: str) -> None:
    """A hazard about to be deleted leaves its rollups (as stored, not as the instance says)."""
    if hazard.pk is None:
        return
    record(stored_state(type(hazard), hazard.pk, using), None, using=using)


def locked_states(queryset) -> dict:
    """{pk: State} of the rows of `queryset`, locked (before a bulk write)."""
    rows = queryset.order_by().select_for_update(of=("self",)).values_list("pk", *TRACKED)
    return {pk: State(*values) for pk, *values in rows}


def update_rows(model, using: str, pks: list, values: dict) -> int:
    """UPDATE the rows `pks` (through the plain manager: no second pass through the rollups)."""
    count = 0
    for start in range(0, len(pks), 2000):
        rows = model._base_manager.using(using).filter(pk__in=pks[start : start + 2000])
        count += rows.update(**values)
    return count


def changed_states(model, using: str, before: dict) -> list:
    """(before, after) pairs for the rows of `before`, read again after a bulk write."""
    pks = list(before)
    pairs = []
    for start in range(0, len(pks), 2000):
        chunk = pks[start : start + 2000]
        after = {
            pk: State(*values)
            for pk, *values in model._base_manager.using(using)
            .filter(pk__in=chunk)
            .values_list("pk", *TRACKED)
        }
        pairs.extend((before[pk], after.get(pk)) for pk in chunk)
    return pairs


# ------------------------------------------------------------------- set-based, in SQL


class LocalMonth(TruncMonth):
    """The first day of the month of a moment, in settings.TIME_ZONE, as a date."""

    output_field = DateField()

    def __init__(self, expression, **extra):
        super().__init__(
            expression, output_field=DateField(), tzinfo=timezone.get_default_timezone(), **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, **extra)
        return f"({sql})::date", params


class CloseSeconds(Func):
    """Whole seconds from found_at to closed_at, never below 0 (as close_seconds)."""

    output_field = BigIntegerField()

    def __init__(self, closed="closed_at", found="found_at"):
        super().__init__(F(closed), F(found))

    def as_postgresql(self, compiler, connection, **extra):
        (closed, cp), (found, fp) = (compiler.compile(e) for e in self.source_expressions)
        sql = f"GREATEST(FLOOR(EXTRACT(EPOCH FROM ({closed} - {found}))), 0)::bigint"
        return sql, (*cp, *fp)

    def as_sqlite(self, compiler, connection, **extra):
        (closed, cp), (found, fp) = (compiler.compile(e) for e in self.source_expressions)
        # Django's own function: the difference in microseconds, as an integer.
        return f"MAX(django_timestamp_diff({closed}, {found}) / 1000000, 0)", (*cp, *fp)


class CloseDays(Func):
    """Whole days of `seconds`, rounded up (integer division on both databases)."""

    template = f"((%(expressions)s + {SECONDS_PER_DAY - 1}) / {SECONDS_PER_DAY})"
    output_field = IntegerField()


class DayNumber(Func):
    """Days since 1970-01-01 of a date column (for sums of ages in days)."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - DATE '1970-01-01')", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


def _expected(model, hazards):
    """The leaf rows of `model` as the hazards give them: (org_path, *key, *counts), grouped
    in the database by expressions written independently of `contributions`."""
    hazards = hazards.order_by()
    if model.__name__ == "HazardFoundRollup":
        qs = hazards.annotate(month_=LocalMonth("found_at")).values("org_path", "month_")
        return qs.annotate(n_=Count("pk")).values_list("org_path", "month_", "n_")
    if model.__name__ == "HazardOpenRollup":
        qs = hazards.filter(status__in=OPEN_STATUSES).annotate(
            deadline_=Coalesce("deadline", Value(NO_DEADLINE, output_field=DateField()))
        )
        qs = qs.values("org_path", "grade", "deadline_").annotate(n_=Count("pk"))
        return qs.values_list("org_path", "grade", "deadline_", "n_")
    if model.__name__ == "HazardRecheckRollup":
        qs = hazards.filter(
            status=Status.CLOSED, recheck_on__isnull=False, rechecked_at__isnull=True
        )
        qs = qs.values("org_path", "recheck_on").annotate(n_=Count("pk"))
        return qs.values_list("org_path", "recheck_on", "n_")
    qs = (
        hazards.filter(status=Status.CLOSED, closed_at__isnull=False)
        .annotate(
            month_=LocalMonth("closed_at"),
            seconds_=CloseSeconds(),
            days_=CloseDays("seconds_"),
        )
        .values("org_path", "month_", "days_")
        .annotate(
            closed_=Count("pk"),
            with_deadline_=Count("deadline"),
            on_time_=Count(
                "pk",
                filter=Q(
                    deadline__gte=TruncDate("closed_at", tzinfo=timezone.get_default_timezone())
                ),
            ),
            total_=Sum("seconds_"),
        )
    )
    return qs.values_list(
        "org_path", "month_", "days_", "closed_", "with_deadline_", "on_time_", "total_"
    )


def _expected_done(inspections):
    """The periods-done leaf rows as the inspections give them: (path, rhythm, first day,
    pairs), with the rule written in SQL apart from done_rollups' Python."""
    qs = (
        inspections.order_by()
        .filter(
            schedule__isnull=False,
            period_start__isnull=False,
            schedule__is_active=True,
            org_id=F("schedule__org_id"),
        )
        .exclude(schedule__rhythm="ad_hoc")
        .values(
            path_=F("schedule__org_path"), rhythm_=F("schedule__rhythm"), day_=F("period_start")
        )
        .annotate(n_=Count("schedule_id", distinct=True))
    )
    return qs.values_list("path_", "rhythm_", "day_", "n_")


def _expected_running(schedules):
    """The schedules rollup's leaf rows as the schedules give them."""
    qs = (
        schedules.order_by()
        .filter(is_active=True)
        .annotate(ends_=Coalesce("ends_on", Value(NO_END, output_field=DateField())))
        .values("org_path", "rhythm", "starts_on", "ends_")
        .annotate(n_=Count("pk"))
    )
    return qs.values_list("org_path", "rhythm", "starts_on", "ends_", "n_")


def _models(registry, names=None) -> tuple:
    """The rollup models named (all by default), in the order of writes: current, or a
    migration's (`registry`)."""
    names = names or [m.__name__ for m in ALL_MODELS]
    if registry is None:
        return tuple(m for m in ALL_MODELS if m.__name__ in names)
    return tuple(registry.get_model("hazards", n) for n in names)


def _source(model, registry):
    """The model whose rows a rollup counts: hazards, or inspections for the periods done."""
    name = {"InspectionDoneRollup": "Inspection", "ScheduleRollup": "Schedule"}.get(
        model.__name__, "Hazard"
    )
    if registry is None:
        from safecampus.hazards import models

        return getattr(models, name)
    return registry.get_model("hazards", name)


def _levels_sql(model, source: str, ops) -> str:
    """SELECT of every level's rows from `source`, a relation of leaf rows with the columns
    org_path, keys…, counts…: the leaf rows as they are, each cut summed."""
    keys = [ops.quote_name(c) for c in KEYS[model.__name__]]
    counts = [ops.quote_name(c) for c in COUNTS[model.__name__]]
    parts = [f"SELECT 0 AS lvl, org_path, {', '.join(keys + counts)} FROM {source}"]  # noqa: S608
    for level in CUTS:
        sums = ", ".join(f"SUM({c})" for c in counts)
        path = f"substr(org_path, 1, {cut_length(level)})"
        group = ", ".join([path, *keys])
        select = ", ".join([str(int(level)), path, *keys, sums])
        parts.append(f"SELECT {select} FROM {source} GROUP BY {group}")  # noqa: S608
    return " UNION ALL ".join(parts)


def _leaf_cte(model, using: str, ops, registry=None) -> tuple[str, list]:
    """`leaf (org_path, keys…, counts…) AS (…)`: the expected leaf rows, compiled by the ORM."""
    rows = _source(model, registry)._base_manager.using(using)
    if model.__name__ == "InspectionDoneRollup":
        expected = _expected_done(rows)
    elif model.__name__ == "ScheduleRollup":
        expected = _expected_running(rows)
    else:
        expected = _expected(model, rows)
    sql, params = expected.query.get_compiler(using).as_sql()
    names = ", ".join(
        ops.quote_name(c) for c in ("org_path", *KEYS[model.__name__], *COUNTS[model.__name__])
    )
    return f"leaf ({names}) AS ({sql})", list(params)


def _lock_sources(model, registry, using: str) -> None:
    """Hold the writers of what a rollup counts off while it is replaced (PostgreSQL;
    SQLite's writer lock does this by itself): hazards, or inspections and schedules."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    sources = [_source(model, registry)]
    if model.__name__ == "InspectionDoneRollup":
        sources.append(sources[0]._meta.get_field("schedule").related_model)
    with connection.cursor() as cursor:
        for source in sources:
            table = connection.ops.quote_name(source._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")


def rebuild(*, using: str = "default", registry=None, names=None) -> dict:
    """Replace every rollup row (of the models `names`, or all) with what the hazards and
    the inspections give, set-based: {table: rows}. `registry` is a migration's apps (the
    data migrations build the rollups this way)."""
    connection = connections[using]
    ops = connection.ops
    models = _models(registry, names)
    written = {}
    with transaction.atomic(using=using):
        for model in models:
            _lock_sources(model, registry, using)
        with connection.cursor() as cursor:
            for model in models:
                table = ops.quote_name(model._meta.db_table)
                columns = ("level", "org_path", *KEYS[model.__name__], *COUNTS[model.__name__])
                names = ", ".join(ops.quote_name(c) for c in columns)
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
                cte, params = _leaf_cte(model, using, ops, registry)
                cursor.execute(
                    f"WITH {cte} INSERT INTO {table} ({names}) "  # noqa: S608
                    f"SELECT * FROM ({_levels_sql(model, 'leaf', ops)}) AS x",
                    params,
                )
                written[model._meta.db_table] = model._base_manager.using(using).count()
    return written


@dataclass(frozen=True)
class Mismatch:
    table: str
    key: tuple
    expected: tuple | None
    stored: tuple | None

    def __str__(self) -> str:
        level, path, *rest = self.key
        return (
            f"{self.table} level={level} org_path={path} key={tuple(str(k) for k in rest)}: "
            f"hazards give {self.expected or 'nothing'}, rollup holds {self.stored or 'nothing'}"
        )


def check(*, using: str = "default") -> list[Mismatch]:
    """Every rollup row against the hazards or the inspections, one statement per table (one
    snapshot each): the rows that differ, keyed. Rows whose counts are all zero count as
    absent."""
    connection = connections[using]
    ops = connection.ops
    models = _models(None)
    out: list[Mismatch] = []
    for model in models:
        table = ops.quote_name(model._meta.db_table)
        keys = ("level", "org_path", *KEYS[model.__name__])
        counts = COUNTS[model.__name__]
        names = ", ".join(ops.quote_name(c) for c in (*keys, *counts))
        nonzero = " OR ".join(f"{ops.quote_name(c)} <> 0" for c in counts)
        cte, params = _leaf_cte(model, using, ops)
        sql = (
            f"WITH {cte}, "  # noqa: S608
            f"expected AS ({_levels_sql(model, 'leaf', ops)}), "
            f"stored AS (SELECT {names} FROM {table} WHERE {nonzero}) "
            "SELECT 'expected', d.* FROM "
            "(SELECT * FROM expected EXCEPT SELECT * FROM stored) AS d "
            "UNION ALL SELECT 'stored', s.* FROM "
            "(SELECT * FROM stored EXCEPT SELECT * FROM expected) AS s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        width = len(keys)
        sides: dict = defaultdict(dict)
        date_columns = [i for i, c in enumerate(keys) if c in DATE_KEYS]
        for side, *values in rows:
            key = list(values[:width])
            for i in date_columns:
                key[i] = _date(key[i])
            key[0] = int(key[0])
            sides[tuple(key)][side] = tuple(int(v) for v in values[width:])
        for key in sorted(sides, key=lambda k: tuple(str(v) for v in k)):
            found = sides[key]
            out.append(
                Mismatch(model._meta.db_table, key, found.get("expected"), found.get("stored"))
            )
    return out


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


# -------------------------------------------------------------------------------- reads


def coarsest_cut(depth: int, paths=()) -> int:
    """The coarsest cut level that tells apart paths of `depth` segments and is no shallower
    than any of `paths`, else the leaf level. A cut row then stands for whole subtrees that
    each lie inside or outside every one of `paths` (a user's scopes, the nodes a calendar
    is set on): what the rows sum is what the raw rows would."""
    deepest = max((segments(p) for p in paths), default=0)
    return next((level for level in CUTS if level >= max(depth, deepest)), Level.LEAF)


def read_level(user, node, depth: int) -> int:
    """The coarsest level whose rows answer exactly for `node` as `user` sees it, told
    apart down to paths of `depth` segments (a child's, or the node's own for its total).

    A cut level serves only when every scope of the user inside the node is no deeper than
    the cut (a scope covering the node, or ALL, always is): a cut row's path lies inside a
    scope exactly when its hazards' paths do. Otherwise the leaf rows, filtered by the
    user's scopes like the hazards themselves: never a wrong answer."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.hazards.models import Hazard

    prefixes = scope_prefixes(user, Hazard, "view")
    inside = [] if prefixes is ALL else [p for p in prefixes if p.startswith(node.path + ".")]
    return coarsest_cut(depth, inside)


def scope_level(user) -> int:
    """The coarsest level whose rows answer exactly for everything `user` sees (a home
    page's count, asked of no one node): a cut no shallower than any of the user's scopes,
    by `read_level`'s argument."""
    from safecampus.accounts.access import scope_prefixes
    from safecampus.hazards.models import Hazard

    prefixes = scope_prefixes(user, Hazard, "view")
    return coarsest_cut(0, () if prefixes is ALL else prefixes)


def seen_total(model, user, **filters) -> int:
    """The sum of `n` over the rollup rows of everything `user` sees that match `filters`:
    a count of hazards, exact, in a read of a few thousand rows at most."""
    rows = model.objects.for_user(user).filter(level=scope_level(user), **filters)
    return rows.aggregate(total=Sum("n"))["total"] or 0


def rows(model, user, node, level: int):
    """The rollup rows of `node`'s subtree at `level`, scoped like hazards."""
    return model.objects.for_user(user).within(node.path).filter(level=level).order_by()


def overdue_aggregates(today: datetime.date) -> dict:
    """Per group of open rows: open, overdue, the oldest overdue deadline, and the sum of the
    overdue deadlines as day numbers (the overdue days are overdue × day_number(today) − it)."""
    late = Q(deadline__lt=today)
    return {
        "open_n": Sum("n"),
        "overdue_n": Sum("n", filter=late),
        "oldest": Min("deadline", filter=late),
        "deadline_days": Sum(F("n") * DayNumber("deadline"), filter=late),
    }


def day_number(day: datetime.date) -> int:
    return (day - datetime.date(1970, 1, 1)).days
