"""The ledger's order, `found_at DESC, id DESC`, as an index — on PostgreSQL only.

With it PostgreSQL reads the first page of a big subtree (a city, a province) and every page
after it by cursor (core/keyset.py) off the index, stopping after 51 rows, instead of sorting
the whole subtree: measured on a 104,000-hazard province, a city's first page of 30,000
general hazards went from 56 ms of SQL to 1 ms and the province's from 59 ms to under 1 ms; a
school's pages keep the path index (the planner weighs both). See docs/performance.md.

Not on SQLite: its planner (no STAT4 here) does not use the index for these lists (the subtree
filter is an OR of two path ranges), and it does pick it, wrongly, for "found between these
days within this county or school", scanning every hazard of the range: a school's ten months
went from under 1 ms to 56 ms on the same data. So the index is not in the model's Meta;
this migration creates it on PostgreSQL and leaves SQLite as it was.
"""

from django.db import migrations

NAME = "hazard_found_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON hazards_hazard (found_at, id)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0007_rollups"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
