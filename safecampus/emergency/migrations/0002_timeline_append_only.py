"""The database refuses to rewrite an incident's timeline, like the audit trail: entries are
evidence of who did what when, and a mistake is corrected by a new entry with a reason."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION emergency_timeline_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'An incident timeline is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER emergency_incidententry_no_update BEFORE UPDATE ON emergency_incidententry
  FOR EACH ROW EXECUTE FUNCTION emergency_timeline_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS emergency_incidententry_no_update ON emergency_incidententry;
DROP FUNCTION IF EXISTS emergency_timeline_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER emergency_incidententry_no_update BEFORE UPDATE ON emergency_incidententry
BEGIN SELECT RAISE(ABORT, 'An incident timeline is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS emergency_incidententry_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
