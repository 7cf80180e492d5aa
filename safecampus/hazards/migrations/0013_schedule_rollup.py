"""The schedules rollup (hazards/done_rollups.py): active schedules counted by rhythm and
dates, built from the schedules already stored. Going back drops the table.
"""

from django.db import migrations, models


def build(apps, schema_editor):
    from safecampus.hazards import rollups

    rollups.rebuild(using=schema_editor.connection.alias, registry=apps, names=["ScheduleRollup"])


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0012_schedule_date_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScheduleRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(choices=[(0, 'Own node'), (2, 'City'), (3, 'County')], verbose_name='level')),
                ('org_path', models.CharField(max_length=255, verbose_name='organisation path')),
                ('rhythm', models.CharField(max_length=20, verbose_name='rhythm')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(help_text='9999-12-31 stands for a schedule without an end.', verbose_name='ends on')),
                ('n', models.IntegerField(default=0, verbose_name='schedules')),
            ],
            options={
                'verbose_name': 'schedules rollup',
                'verbose_name_plural': 'schedules rollups',
                'constraints': [models.UniqueConstraint(fields=('level', 'org_path', 'rhythm', 'starts_on', 'ends_on'), name='schedule_rollup_key', opclasses=['int2_ops', 'varchar_pattern_ops', 'text_ops', 'date_ops', 'date_ops'])],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop, elidable=False),
    ]
