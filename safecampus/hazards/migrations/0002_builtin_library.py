"""Load the built-in checklist library (hazards.library) with the historical models.

The data lives in `safecampus.hazards.library` as plain Python; `load_library(apps)` uses only
plain manager calls on the models it gets from the migration state, so it is safe here. It is
idempotent by code: running it on a database that already holds the library changes nothing.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from safecampus.hazards.library import load_library

    load_library(apps)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
