"""The hazard rollups (hazards/rollup_models.py), built from the hazards already stored.

The build is `rollups.rebuild` on this migration's models: set-based, a few statements, so it
runs at province scale. Going back drops the tables (the hazards are untouched).
"""

from django.db import migrations, models


def build(apps, schema_editor):
    from safecampus.hazards import rollups

    rollups.rebuild(
        using=schema_editor.connection.alias,
        registry=apps,
        names=["HazardFoundRollup", "HazardOpenRollup", "HazardClosedRollup"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0006_hazard_rechecked_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="HazardClosedRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "Own node"), (2, "City"), (3, "County")], verbose_name="level"
                    ),
                ),
                ("org_path", models.CharField(max_length=255, verbose_name="organisation path")),
                ("month", models.DateField(verbose_name="month")),
                ("days", models.PositiveIntegerField(verbose_name="days to close")),
                ("closed", models.IntegerField(default=0, verbose_name="closed")),
                (
                    "with_deadline",
                    models.IntegerField(default=0, verbose_name="closed with a deadline"),
                ),
                ("on_time", models.IntegerField(default=0, verbose_name="closed on time")),
                ("seconds", models.BigIntegerField(default=0, verbose_name="seconds to close")),
            ],
            options={
                "verbose_name": "closed hazards rollup",
                "verbose_name_plural": "closed hazards rollups",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("level", "org_path", "month", "days"),
                        name="hazard_closed_rollup_key",
                        opclasses=["int2_ops", "varchar_pattern_ops", "date_ops", "int4_ops"],
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HazardFoundRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "Own node"), (2, "City"), (3, "County")], verbose_name="level"
                    ),
                ),
                ("org_path", models.CharField(max_length=255, verbose_name="organisation path")),
                ("month", models.DateField(verbose_name="month")),
                ("n", models.IntegerField(default=0, verbose_name="hazards")),
            ],
            options={
                "verbose_name": "hazards found rollup",
                "verbose_name_plural": "hazards found rollups",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("level", "org_path", "month"),
                        name="hazard_found_rollup_key",
                        opclasses=["int2_ops", "varchar_pattern_ops", "date_ops"],
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HazardOpenRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "Own node"), (2, "City"), (3, "County")], verbose_name="level"
                    ),
                ),
                ("org_path", models.CharField(max_length=255, verbose_name="organisation path")),
                (
                    "grade",
                    models.CharField(
                        choices=[
                            ("major", "Major"),
                            ("high", "Significant"),
                            ("general", "General"),
                            ("low", "Low"),
                        ],
                        max_length=10,
                        verbose_name="grade",
                    ),
                ),
                (
                    "deadline",
                    models.DateField(
                        help_text="9999-12-31 stands for an open hazard without a deadline.",
                        verbose_name="deadline",
                    ),
                ),
                ("n", models.IntegerField(default=0, verbose_name="hazards")),
            ],
            options={
                "verbose_name": "open hazards rollup",
                "verbose_name_plural": "open hazards rollups",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("level", "org_path", "grade", "deadline"),
                        name="hazard_open_rollup_key",
                        opclasses=["int2_ops", "varchar_pattern_ops", "text_ops", "date_ops"],
                    )
                ],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop),
    ]
