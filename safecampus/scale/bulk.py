"""Bulk loading for the province seed: COPY on PostgreSQL, executemany on SQLite.

The seed writes tens of millions of rows, so it bypasses the ORM's per-object work: rows are
plain tuples of database-ready values (ints, text, None; dates as 'YYYY-MM-DD' and times as
UTC 'YYYY-MM-DD HH:MM:SS', which both backends read back through the ORM exactly as if the
ORM had written them), and ids are allocated here, after the highest id already in the table.

While loading, secondary indexes of the big tables are dropped and built again afterwards from
their own definitions (a sorted build is many times faster than millions of random inserts),
foreign-key triggers are off on PostgreSQL (`session_replication_role = replica`: the rows
refer only to rows this seed wrote or read), and SQLite skips fsync. Every one of these is put
back before the command ends, and the sequences are moved past the ids used.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import uuid
from decimal import Decimal
from itertools import islice

from django.db import connection, models

BATCH = 20_000


def db_value(value):
    """A constant as both backends take it in a raw insert."""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, Decimal):
        return str(value)
    return value


class Table:
    """One table's insert: the columns the seed supplies, then every other column as the
    model's default (so a new nullable or defaulted field never breaks the seed).

    A NOT NULL column with no default that the seed does not supply is an error here, at once,
    rather than a failed insert after minutes of work."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.db_table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{self.db_table}: no columns {unknown}")
        tail_names, tail = [], []
        for name, f in fields.items():
            if name in columns:
                continue
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif isinstance(f, (models.CharField, models.TextField)) and f.blank:
                value = ""
            else:
                raise ValueError(f"{self.db_table}.{f.column}: the seed must supply a value")
            tail_names.append(name)
            tail.append(db_value(value))
        self.names = list(columns) + tail_names
        self.columns = [fields[n].column for n in self.names]
        self.tail = tuple(tail)
        self.width = len(columns)

    def complete(self, rows):
        tail = self.tail
        if not tail:
            return rows
        return (row + tail for row in rows)


class Loader:
    """Writes tables through the current Django connection, inside the caller's transaction."""

    def __init__(self):
        self.vendor = connection.vendor
        self.written: dict[str, int] = {}
        self.replica = False
        self._max_ids: dict[type, int] = {}

    # ----------------------------------------------------------------------------- ids

    def next_id(self, model) -> int:
        """The first id after those in the table (or after the ids this seed handed out)."""
        if model not in self._max_ids:
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            with connection.cursor() as c:
                c.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # noqa: S608
                self._max_ids[model] = c.fetchone()[0]
        return self._max_ids[model] + 1

    def used_ids(self, model, last: int) -> None:
        self._max_ids[model] = max(self._max_ids.get(model, 0), last)

    # ---------------------------------------------------------------------------- writes

    def write(self, table: Table, rows) -> int:
        """Insert the rows (an iterable of tuples of `table.width` values); returns how many."""
        rows = table.complete(iter(rows))
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in table.columns)
        count = 0
        if self.vendor == "postgresql":
            with connection.cursor() as c:
                copy_sql = f"COPY {quote(table.db_table)} ({columns}) FROM STDIN"
                with c.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
        else:
            marks = ", ".join("?" * len(table.columns))
            sql = f"INSERT INTO {quote(table.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
            raw = connection.connection
            while True:
                batch = list(islice(rows, BATCH))
                if not batch:
                    break
                raw.executemany(sql, batch)
                count += len(batch)
        self.written[table.db_table] = self.written.get(table.db_table, 0) + count
        return count

    # -------------------------------------------------------------------- session set-up

    def begin(self) -> None:
        """Settings for the load; outside a transaction only (SQLite's pragmas need that)."""
        connection.ensure_connection()
        with connection.cursor() as c:
            if self.vendor == "postgresql":
                c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = c.fetchone()
                self.replica = bool(row and row[0])
                if self.replica:  # only a superuser may switch the triggers off
                    c.execute("SET session_replication_role = replica")
                c.execute("SET synchronous_commit = off")
                c.execute("SET maintenance_work_mem = '512MB'")
            elif not connection.in_atomic_block:
                c.execute("PRAGMA foreign_keys = OFF")
                c.execute("PRAGMA synchronous = OFF")
                c.execute("PRAGMA journal_mode = MEMORY")
                c.execute("PRAGMA cache_size = -1000000")
                c.execute("PRAGMA temp_store = MEMORY")

    def end(self) -> None:
        with connection.cursor() as c:
            if self.vendor == "postgresql":
                if self.replica:
                    c.execute("SET session_replication_role = DEFAULT")
                c.execute("SET synchronous_commit = DEFAULT")
                c.execute("SET maintenance_work_mem = DEFAULT")
            elif not connection.in_atomic_block:
                c.execute("PRAGMA foreign_keys = ON")
                c.execute("PRAGMA journal_mode = WAL")
                c.execute("PRAGMA synchronous = NORMAL")
                c.execute("PRAGMA cache_size = -2000")

    def reset_sequences(self, models_) -> None:
        """Move each table's id sequence past the ids the seed used (PostgreSQL; SQLite's
        AUTOINCREMENT counter follows explicit ids by itself)."""
        if self.vendor != "postgresql":
            return
        from django.core.management.color import no_style

        with connection.cursor() as c:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
                c.execute(sql)

    def analyze(self) -> None:
        """Fresh planner statistics: without them both planners guess wrong on big tables."""
        with connection.cursor() as c:
            # A full ANALYZE: SQLite's sampled one (analysis_limit) guessed 2,000 rows per
            # status out of a million hazards, and the planner then scanned a status index
            # across the province instead of the subtree's path range.
            c.execute("ANALYZE")

    # --------------------------------------------------------------------------- indexes

    def _secondary_indexes(self, db_table: str) -> list[tuple[str, str]]:
        with connection.cursor() as c:
            if self.vendor == "postgresql":
                c.execute(
                    """
                    SELECT i.relname, pg_get_indexdef(x.indexrelid)
                    FROM pg_index x
                    JOIN pg_class i ON i.oid = x.indexrelid
                    JOIN pg_class t ON t.oid = x.indrelid
                    WHERE t.relname = %s AND t.relkind = 'r'
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
                    """,
                    [db_table],
                )
            else:
                c.execute(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [db_table],
                )
            return [(name, sql) for name, sql in c.fetchall()]

    @contextlib.contextmanager
    def indexes_deferred(self, models_):
        """Drop the secondary indexes of these tables while the block loads them, then build
        them again from their saved definitions. Run it inside a transaction: both backends
        roll the drop back with everything else if the load fails."""
        quote = connection.ops.quote_name
        dropped = []
        with connection.cursor() as c:
            for model in models_:
                table = model._meta.db_table
                for name, sql in self._secondary_indexes(table):
                    c.execute(f"DROP INDEX {quote(name)}")
                    dropped.append((table, name, sql))
        yield
        with connection.cursor() as c:
            for _table, _name, sql in dropped:
                c.execute(sql)
