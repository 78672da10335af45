# Earlier releases accepted full-width digits (１２４８１００９９８) as a number and stored them
# as typed, so one company could be registered twice. Fold every stored number to its ASCII
# form first; if that makes two companies share a number, stop and name them (an operator
# merges them: the migration does not choose which company's history wins).

import unicodedata

from django.db import migrations, models


def _fold(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value or "")
    return "".join(c for c in folded if not (c.isspace() or unicodedata.category(c) == "Pd" or c in "\u2212\uff0d"))


def normalise_numbers(apps, schema_editor):
    Company = apps.get_model("portal", "Company")
    ReviewerTie = apps.get_model("reviews", "ReviewerTie")
    seen: dict[str, int] = dict(Company.objects.values_list("business_number", "pk"))
    clashes = []
    for company in Company.objects.all().only("pk", "business_number", "corporate_number"):
        number = _fold(company.business_number)
        if number == company.business_number:
            continue
        if number in seen and seen[number] != company.pk:
            clashes.append(f"{company.pk}↔{seen[number]} ({number})")
            continue
        seen[number] = company.pk
        Company.objects.filter(pk=company.pk).update(business_number=number, corporate_number=_fold(company.corporate_number))
    if clashes:
        raise RuntimeError("Companies registered twice under one business number; merge them first: " + ", ".join(clashes))
    for tie in ReviewerTie.objects.all().only("pk", "business_number", "reviewer_id", "kind"):
        number = _fold(tie.business_number)
        if number == tie.business_number:
            continue
        twin = ReviewerTie.objects.filter(reviewer_id=tie.reviewer_id, kind=tie.kind, business_number=number)
        if twin.exists():
            tie.delete()  # the same tie, recorded once in each form
        else:
            ReviewerTie.objects.filter(pk=tie.pk).update(business_number=number)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0001_initial'),
        ('reviews', '0004_waiting_list_offers_and_one_appeal_per_decision'),
    ]

    operations = [
        migrations.RunPython(normalise_numbers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='company',
            constraint=models.CheckConstraint(condition=models.Q(('business_number__regex', '^[0-9]{10}$')), name='business_number_ascii_digits'),
        ),
    ]
