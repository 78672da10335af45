"""Reviewers' ties become the portal's ties of every person who acts for the agency
(officers too): the rows are copied to portal.StaffTie and the old table dropped."""

from django.db import migrations


def copy_ties(apps, schema_editor):
    old = apps.get_model("reviews", "ReviewerTie")
    new = apps.get_model("portal", "StaffTie")
    new.objects.bulk_create(
        [new(person_id=t.reviewer_id, business_number=t.business_number, kind=t.kind, note=t.note,
             recorded_by_id=t.recorded_by_id, created_at=t.created_at) for t in old.objects.all()],
        ignore_conflicts=True,
    )


def copy_back(apps, schema_editor):
    old = apps.get_model("reviews", "ReviewerTie")
    new = apps.get_model("portal", "StaffTie")
    old.objects.bulk_create(
        [old(reviewer_id=t.person_id, business_number=t.business_number, kind=t.kind if t.kind != "family" else "other",
             note=t.note, recorded_by_id=t.recorded_by_id, created_at=t.created_at) for t in new.objects.all()],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_identifier_fields"),
        ("portal", "0005_staff_ties"),
    ]

    operations = [
        migrations.RunPython(copy_ties, copy_back),
        migrations.DeleteModel(name="ReviewerTie"),
    ]
