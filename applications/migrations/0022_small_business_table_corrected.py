"""별표3 (소기업) as the decree has it: five tiers with the 10억 tier (applications/size_tables.py)."""

from django.db import migrations


def correct(apps, schema_editor):
    from applications.size_tables import correct_small_table

    correct_small_table(apps.get_model("applications", "SizeStandard"), apps.get_model("applications", "SizeLimit"))


class Migration(migrations.Migration):
    dependencies = [("applications", "0021_call_search_trigram")]
    operations = [migrations.RunPython(correct, migrations.RunPython.noop)]
