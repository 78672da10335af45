"""The size tables of 중소기업기본법 시행령 as revised in 2017 (applications/size_tables.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from applications.size_tables import seed as seed_tables

    seed_tables(apps.get_model("applications", "SizeStandard"), apps.get_model("applications", "SizeLimit"))


class Migration(migrations.Migration):
    dependencies = [("applications", "0010_rules_as_law_reads_them")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
