"""A program's family (which standard agreement clauses it signs) is chosen, never assumed.

Until now the field defaulted to smart_factory, so a program created without a choice printed
the smart-factory clauses in its agreements. The default goes; a program keeps its family only
where it can be told without guessing: the demo and benchmark programs by their code, a
family someone changed from the default, or a name (or the solution-supplier setting) that
points to exactly one family. Every other program is left without a family (NULL), and the
migration names each one: no call of it can be published, and no agreement prepared or issued,
until an administrator chooses it (calls published before stay open for applications; the
officer's desk lists the programs waiting for their family)."""

from django.db import migrations, models

# The programs reviews/management/commands/load_demo.py and benchmarks/agreement.py create.
KNOWN_CODES = {
    "smart-factory": "smart_factory",
    "sobujang": "materials",
    "win-win": "win_win",
    "free-zone-gangwon": "free_zone",
    "bench-agreement": "smart_factory",
}
# Words in a program's name that belong to one family only (DOMAIN.md's four programs).
NAME_WORDS = {
    "smart_factory": ("스마트공장", "smart factory"),
    "materials": ("소재·부품", "소재부품", "소부장", "materials, parts"),
    "win_win": ("상생", "자상한", "win-win"),
    "free_zone": ("규제자유특구", "regulation-free"),
}
OLD_DEFAULT = "smart_factory"


def infer_family(program) -> str | None:
    """The program's family where it is unambiguous, else None."""
    if program.family and program.family != OLD_DEFAULT:
        return program.family  # someone chose it: the default was the smart factory
    if program.code in KNOWN_CODES:
        return KNOWN_CODES[program.code]
    names = f"{program.name_ko} {program.name_en}".lower()
    families = {family for family, words in NAME_WORDS.items() if any(word in names for word in words)}
    if program.names_supplier:  # a smart-factory setting (the company names its 공급기업)
        families.add("smart_factory")
    return families.pop() if len(families) == 1 else None


def set_families(apps, schema_editor) -> None:
    Program = apps.get_model("applications", "Program")
    unknown = []
    for program in Program.objects.all():
        family = infer_family(program)
        if family != program.family:
            Program.objects.filter(pk=program.pk).update(family=family)
        if family is None:
            unknown.append(f"{program.code} ({program.name_ko})")
    if unknown:
        print(f"\n  Programs without a family until an administrator chooses it: {', '.join(unknown)}")


def back_to_the_default(apps, schema_editor) -> None:
    apps.get_model("applications", "Program").objects.filter(family__isnull=True).update(family=OLD_DEFAULT)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0030_field_labels_in_korean'),
    ]

    operations = [
        migrations.AlterField(
            model_name='program',
            name='family',
            field=models.CharField(choices=[('smart_factory', 'Smart factory (스마트공장)'), ('materials', 'Materials, parts and equipment (소재·부품·장비)'), ('win_win', 'Win-win partnership (자상한 기업·상생형)'), ('free_zone', 'Regulation-free zone (규제자유특구)')], help_text="Decides the standard clauses of the program's agreements. Until it is chosen, the program's calls cannot be published and no agreement can be prepared.", max_length=20, null=True, verbose_name='program family'),
        ),
        migrations.RunPython(set_families, back_to_the_default),
    ]
