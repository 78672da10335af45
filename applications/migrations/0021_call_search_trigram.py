"""The catalogue's keyword search (ILIKE on the title and the notice) answered from trigram
indexes on PostgreSQL; nothing on SQLite, where the search scans the few calls there are."""

from django.db import migrations

INDEXES = [
    ("call_title_trgm", "title"),
    ("call_notice_trgm", "notice"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON applications_call USING gin ("{column}" gin_trgm_ops)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("applications", "0020_call_contact")]
    operations = [migrations.RunPython(forwards, backwards)]
