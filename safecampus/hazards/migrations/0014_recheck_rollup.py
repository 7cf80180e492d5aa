"""The re-checks rollup (hazards/rollup_models.py): closed hazards awaiting their re-check,
by due day, built from the hazards already stored. Going back drops the table.
"""

from django.db import migrations, models


def build(apps, schema_editor):
    from safecampus.hazards import rollups

    rollups.rebuild(
        using=schema_editor.connection.alias, registry=apps, names=["HazardRecheckRollup"]
    )


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0013_schedule_rollup'),
    ]

    operations = [
        migrations.CreateModel(
            name='HazardRecheckRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(choices=[(0, 'Own node'), (2, 'City'), (3, 'County')], verbose_name='level')),
                ('org_path', models.CharField(max_length=255, verbose_name='organisation path')),
                ('recheck_on', models.DateField(verbose_name='re-check on')),
                ('n', models.IntegerField(default=0, verbose_name='hazards')),
            ],
            options={
                'verbose_name': 're-checks pending rollup',
                'verbose_name_plural': 're-checks pending rollups',
                'constraints': [models.UniqueConstraint(fields=('level', 'org_path', 'recheck_on'), name='hazard_recheck_rollup_key', opclasses=['int2_ops', 'varchar_pattern_ops', 'date_ops'])],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop, elidable=False),
    ]
