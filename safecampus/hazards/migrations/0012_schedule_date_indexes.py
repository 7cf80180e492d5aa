"""Schedules by their first and last day: the few begun or ended around a period, which a
region's completion counts one by one (hazards/schedules._tally), found without reading them all.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0011_done_rollup"),
        ("orgs", "0002_school_flood_prone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="schedule",
            index=models.Index(fields=["starts_on"], name="schedule_starts_idx"),
        ),
        migrations.AddIndex(
            model_name="schedule",
            index=models.Index(fields=["ends_on"], name="schedule_ends_idx"),
        ),
    ]
