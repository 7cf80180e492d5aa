"""`path__within=prefix`: the index-backed subtree filter every scoped query uses.

Paths are fixed-width segments joined by dots (`0001.0003.0012`), so "inside the subtree of
P" is "the path is P or starts with P + '.'". On PostgreSQL that is a LIKE served by a
varchar_pattern_ops index; on SQLite (whose LIKE is case-insensitive and skips the index)
it is the equivalent range over BINARY-collated text, which the index serves.
"""

from django.db.models import CharField, Lookup


@CharField.register_lookup
class Within(Lookup):
    lookup_name = "within"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        prefix = self.rhs
        # '/' sorts just after '.', so [P + '.', P + '/') holds exactly the descendants.
        sql = f"({lhs} = %s OR ({lhs} >= %s AND {lhs} < %s))"
        return sql, [*lhs_params, prefix, *lhs_params, prefix + ".", *lhs_params, prefix + "/"]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"({lhs} = %s OR {lhs} LIKE %s)", [
            *lhs_params,
            self.rhs,
            *lhs_params,
            self.rhs + ".%",
        ]
