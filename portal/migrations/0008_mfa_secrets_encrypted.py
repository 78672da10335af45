"""TOTP secrets and recovery-code seeds stored before encryption are encrypted in place."""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from portal import secrets_at_rest

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all().iterator(chunk_size=500):
        data = dict(authenticator.data or {})
        changed = False
        for field in ("secret", "seed"):
            if isinstance(data.get(field), str) and not data[field].startswith(secrets_at_rest.PREFIX):
                data[field] = secrets_at_rest.encrypt(data[field])
                changed = True
        if changed:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0007_access_records_and_outbox_redaction"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
