"""The periods-done rollup (hazards/done_rollups.py), built from the inspections already
stored: `rollups.rebuild` on this migration's models, set-based. Going back drops the table.
"""

from django.db import migrations, models


def build(apps, schema_editor):
    from safecampus.hazards import rollups

    rollups.rebuild(
        using=schema_editor.connection.alias, registry=apps, names=["InspectionDoneRollup"]
    )


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0010_found_index_everywhere'),
    ]

    operations = [
        migrations.CreateModel(
            name='InspectionDoneRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(choices=[(0, 'Own node'), (2, 'City'), (3, 'County')], verbose_name='level')),
                ('org_path', models.CharField(max_length=255, verbose_name='organisation path')),
                ('rhythm', models.CharField(max_length=20, verbose_name='rhythm')),
                ('period_start', models.DateField(verbose_name='period')),
                ('n', models.IntegerField(default=0, verbose_name='periods done')),
            ],
            options={
                'verbose_name': 'periods done rollup',
                'verbose_name_plural': 'periods done rollups',
                'constraints': [models.UniqueConstraint(fields=('level', 'org_path', 'rhythm', 'period_start'), name='inspection_done_rollup_key', opclasses=['int2_ops', 'varchar_pattern_ops', 'text_ops', 'date_ops'])],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop, elidable=False),
    ]
