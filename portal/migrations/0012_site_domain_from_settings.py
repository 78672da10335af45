"""The site's domain from SITE_URL: allauth keys the per-account sign-in failure count on it,
so the count is one whatever Host header a request carries."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def site_from_settings(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": "지원사업 신청 포털"})


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0011_outbound_email_reply_to"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.RunPython(site_from_settings, migrations.RunPython.noop),
    ]
