"""`path__within=prefix`: the index-backed subtree filter every scoped query uses.

Paths are fixed-width segments joined by dots (`0001.0003.0012`), so "inside the subtree of
P" is "the path is P or starts with P + '.'". On PostgreSQL that is a LIKE served by a
varchar_pattern_ops index; on SQLite (whose LIKE is case-insensitive and skips the index)
it is the equivalent range over BINARY-collated text, which the index serves.

A model that declares `region_indexed = True` keeps indexes led by the county part of the
path (`orgs.models.region_index`). For a county or a node below it, the filter then also says
"the first REGION_CHARS characters equal the county's path": always true of the rows
inside, and the condition both planners can serve in time order from those indexes. Without
it a county's newest rows were found by walking the whole province's time index backwards
(1.3 s on PostgreSQL for a county's inspections, whose LIKE it misjudged), or SQLite chose
the time index over the path for a county's quarter (6 s). For such a model's rows of a root
node (a whole province) in time order, SQLite gets `+path` instead: see `as_sql`; and so does
a query that asks for it (`ScopedQuerySet.by_other_filters`).
"""

from django.db.models import CharField, Lookup

# The attribute a query carries when its other filters, not the path, should find its rows
# (set by `ScopedQuerySet.by_other_filters`; a query's clones keep their attributes).
BY_OTHER_FILTERS = "by_other_filters"


@CharField.register_lookup
class Within(Lookup):
    lookup_name = "within"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = self.rhs
        if "." not in prefix and (
            self._in_time_order(compiler) or getattr(compiler.query, BY_OTHER_FILTERS, False)
        ):
            # A whole province's rows in time order, or found by a selective filter of the
            # query's own: `+path` keeps the path index out of SQLite's plan, which takes it
            # for any range however wide. In time order it reads the first page off the time
            # index instead of sorting a million rows (1.3 s → under 1 ms). Not for every
            # read: a count of the whole province's rows needs its path index.
            lhs = f"+{lhs}"
        # '/' sorts just after '.', so [P + '.', P + '/') holds exactly the descendants.
        sql = f"({lhs} = %s OR ({lhs} >= %s AND {lhs} < %s))"
        params = [*lhs_params, prefix, *lhs_params, prefix + ".", *lhs_params, prefix + "/"]
        return self._in_region(lhs, lhs_params, sql, params, "SUBSTR({lhs}, 1, {n})")

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql = f"({lhs} = %s OR {lhs} LIKE %s)"
        params = [*lhs_params, self.rhs, *lhs_params, self.rhs + ".%"]
        return self._in_region(lhs, lhs_params, sql, params, "LEFT({lhs}, {n})")

    def _in_time_order(self, compiler) -> bool:
        """The query is ordered first by the model's `region_order` (its time column)."""
        model = getattr(getattr(self.lhs, "target", None), "model", None)
        field = getattr(model, "region_order", None)
        query = compiler.query
        order = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
        if not field or not order:
            return False
        first = order[0]
        if not isinstance(first, str):
            first = getattr(getattr(first, "expression", None), "name", "")
        return first.lstrip("-") == field

    def _region_indexed(self) -> bool:
        model = getattr(getattr(self.lhs, "target", None), "model", None)
        return bool(getattr(model, "region_indexed", False))

    def _in_region(self, lhs, lhs_params, sql, params, cut):
        """Add the county-prefix equality where the model has the indexes for it. The length
        is written into the SQL (not bound): SQLite matches an index on an expression only
        against the same expression, literal for literal."""
        from safecampus.orgs.models import REGION_CHARS

        if not self._region_indexed() or len(self.rhs) < REGION_CHARS:
            return sql, params
        region = cut.format(lhs=lhs, n=int(REGION_CHARS))
        return (
            f"({sql} AND {region} = %s)",
            [*params, *lhs_params, self.rhs[:REGION_CHARS]],
        )
