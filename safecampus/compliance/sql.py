"""Query helpers for the evaluators: a time range that SQLite's planner cannot misread.

SQLite here is built without STAT4, so a range on a single-column time index (a month of
`Inspection.inspected_at` over a whole province) looks to its planner as selective as a
county's schools, and it walks the province through the time index (docs/performance.md,
"SQLite only: single-column time indexes mislead its planner"). Written as `+column`, the
column keeps its value but not its index, and the planner goes through the schools or the
path instead: 2 s → 30 ms for a county's month of checks. PostgreSQL's planner has
histograms and gets the plain column.

The same trap lies in ORDER BY a time column: SQLite scans the whole time index to skip a
sort. The evaluators that read a county's rows sort them in Python instead.
"""

from __future__ import annotations

from django.db.models import F, Func, Q


class Unindexed(Func):
    """A column as it is; on SQLite, `+column`, which no index serves."""

    arity = 1
    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def unindexed(qs, **columns):
    """`qs` with an alias per column (alias=column name) to filter on without its index."""
    return qs.alias(**{alias: Unindexed(F(column)) for alias, column in columns.items()})


def between(alias: str, start, end, *, closed: bool = False) -> Q:
    """start ≤ alias < end (≤ end when `closed`)."""
    return Q(**{f"{alias}__gte": start, f"{alias}__{'lte' if closed else 'lt'}": end})
