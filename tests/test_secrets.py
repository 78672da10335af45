"""Secrets at rest: TOTP keys and recovery seeds encrypted with a key from
the environment; one-time links and codes removed from the outbox once delivered; a backup
holds no live secret."""

from __future__ import annotations

import importlib
import re
import subprocess
import tarfile
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client

from portal.models import OutboundEmail
from portal.services.outbox import REDACTED
from tests.conftest import PASSWORD, TOTP_SECRET, login_with_mfa

pytestmark = pytest.mark.django_db


def test_totp_secrets_and_recovery_seeds_are_stored_encrypted_and_still_work(olivia):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    totp = Authenticator.objects.get(user=olivia, type=Authenticator.Type.TOTP)
    assert totp.data["secret"].startswith("enc1:") and TOTP_SECRET not in str(totp.data)
    recovery = RecoveryCodes.activate(olivia)
    stored = Authenticator.objects.get(user=olivia, type=Authenticator.Type.RECOVERY_CODES)
    seed = recovery.instance.wrap().get_unused_codes()
    assert stored.data["seed"].startswith("enc1:") and len(seed) == 10
    login_with_mfa(Client(), olivia)  # the TOTP code is checked against the decrypted key


def test_a_secret_stored_before_encryption_is_encrypted_by_the_migration(rachel):
    Authenticator.objects.filter(user=rachel, type=Authenticator.Type.TOTP).update(data={"secret": TOTP_SECRET})
    migration = importlib.import_module("portal.migrations.0008_mfa_secrets_encrypted")
    migration.encrypt_existing(django_apps, None)
    assert Authenticator.objects.get(user=rachel, type=Authenticator.Type.TOTP).data["secret"].startswith("enc1:")
    login_with_mfa(Client(), rachel)


def test_a_reset_link_leaves_the_outbox_once_delivered_and_still_works(alice, deliver_outbox):
    Client().post("/accounts/password/reset/", {"email": alice.email})
    waiting = OutboundEmail.objects.get(to=[alice.email])
    assert waiting.redact_after_delivery and "/accounts/password/reset/key/" in waiting.body
    sent = deliver_outbox()
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", sent[-1].body).group(0)
    stored = OutboundEmail.objects.get(pk=waiting.pk)
    assert stored.body == REDACTED and stored.html_body == "" and stored.sent_at is not None
    # The person still resets with the link they received.
    client = Client()
    form = client.get(urlsplit(link).path, follow=True)
    assert form.status_code == 200 and "password1" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0] if form.redirect_chain else urlsplit(link).path,
                           {"password1": "New-Horse-2027!", "password2": "New-Horse-2027!"})
    assert response.status_code == 302
    assert Client().post("/accounts/login/", {"login": alice.email, "password": "New-Horse-2027!"}).status_code == 302


@pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed
def test_a_backup_holds_no_live_secret(olivia, alice, deliver_outbox, tmp_path):
    Client().post("/accounts/password/reset/", {"email": alice.email})
    link_token = re.search(r"/accounts/password/reset/key/(\S+)/", OutboundEmail.objects.get(to=[alice.email]).body).group(1)
    deliver_outbox()
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})  # a live session
    session_key = client.cookies["sessionid"].value
    archive = tmp_path / "backup.tar"
    call_command("backup", "--output", str(archive), stdout=__import__("io").StringIO())
    text = backup_text(archive, tmp_path)
    assert alice.email in text  # the dump is read as plain text (pg_dump's is compressed)
    for secret in (TOTP_SECRET, link_token, session_key):
        assert secret not in text


def backup_text(archive, folder) -> str:
    """Everything a backup holds, as text: a PostgreSQL dump through pg_restore's SQL output."""
    parts = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name.endswith(".pgdump"):
                (folder / "dump").write_bytes(data)
                data = subprocess.run(["pg_restore", "--file=-", str(folder / "dump")], capture_output=True, check=True).stdout
            parts.append(data.decode("utf-8", "replace"))
    return "".join(parts)
