"""The catalogue's keyword search (ILIKE on the title and the notice) answered from trigram
indexes on PostgreSQL; nothing on SQLite, where the search scans the few calls there are.
Where the database role may not create the pg_trgm extension (some managed services), the
indexes are left out with a warning: the search still works, by a scan."""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

INDEXES = [
    ("call_title_trgm", "title"),
    ("call_notice_trgm", "notice"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):  # a savepoint: a refusal leaves the migration usable
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        log.warning("pg_trgm could not be created (%s); the catalogue's search will scan the calls instead.", exc)
        return
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
