"""The ledger's order, `found_at, id`, as an index on SQLite too, and in the model's Meta.

0008 created it on PostgreSQL only: SQLite's planner (no STAT4) took it, wrongly, for "found
between these days within this county or school", and never used it for a province's list,
whose subtree filter it served from the path index before sorting a million rows. Since 0009
a county's or a school's filter also names the county, and SQLite takes the region index for
those (a school's ten months 1.8 ms, a county's 3.4 ms, with or without this one); and a
whole province's filter keeps the path index out of the plan (core/lookups.Within), so the
province's first page reads 51 rows off this one (1.3 s → under 1 ms). PostgreSQL has it.
"""

from django.db import migrations, models

NAME = "hazard_found_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON hazards_hazard (found_at, id)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0009_region_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
            state_operations=[
                migrations.AddIndex(
                    model_name="hazard",
                    index=models.Index(fields=["found_at", "id"], name=NAME),
                ),
            ],
        ),
    ]
