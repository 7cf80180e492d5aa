"""Hazard.rechecked_at: the re-check rollup that `followup.rechecks_due_qs` filters on; and
an index of inspections by period, for counting a region's due and done periods.

Filled from the rule it replaces (the latest inspection of the spot or "recheck" audit entry
at or after closing; hazards/rechecks.py), set-based: one UPDATE, whatever the size.
"""

from django.db import migrations, models


def fill_rechecked_at(apps, schema_editor):
    from safecampus.hazards import rechecks

    rechecks.refresh(
        using=schema_editor.connection.alias,
        models=(
            apps.get_model("hazards", "Hazard"),
            apps.get_model("hazards", "Inspection"),
            apps.get_model("core", "AuditEntry"),
            apps.get_model("contenttypes", "ContentType"),
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0005_spotchecks"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="hazard",
            name="rechecked_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text=(
                    "When the spot was last inspected or the hazard re-checked since it was "
                    "closed; kept in step with the inspections and the audit trail "
                    "(followup.check_rechecked)."
                ),
                null=True,
                verbose_name="re-checked at",
            ),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(("rechecked_at__isnull", True), ("status", "closed")),
                fields=["org_path", "recheck_on"],
                name="hazard_recheck_due_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(fields=["period_start", "schedule"], name="inspection_period_idx"),
        ),
        migrations.RunPython(fill_rechecked_at, migrations.RunPython.noop),
    ]
