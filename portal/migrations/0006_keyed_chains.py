"""Keyed hash chains: the audit log gets a chain of its own, and every
application's event chain is re-linked with HMAC-SHA256 keyed outside the database.

The application chains are verified with their old unkeyed digests first; a chain that does
not verify stops the migration (restore it from a backup, or investigate) rather than being
blessed with a key. The digest functions are frozen here as they were at this change."""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models


def _key() -> bytes:
    if getattr(settings, "EVENT_CHAIN_KEY", ""):
        return settings.EVENT_CHAIN_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"portal event chain v1", hashlib.sha256).digest()


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _event_payload(event, prev: str) -> dict:
    return {"application": event.application_id, "seq": event.seq, "at": event.created_at.isoformat(), "actor": event.actor_id,
            "action": event.action, "from": event.from_state, "to": event.to_state, "message": event.message,
            "ip": event.ip_address, "data": event.data, "prev": prev}


def chain(apps, schema_editor):
    key = _key()
    AuditEvent = apps.get_model("portal", "AuditEvent")
    ChainHead = apps.get_model("portal", "ChainHead")
    prev, seq = "", 0
    for event in AuditEvent.objects.order_by("created_at", "pk").iterator(chunk_size=2000):
        seq += 1
        at = event.created_at.replace(microsecond=event.created_at.microsecond // 1000 * 1000)
        payload = {"seq": seq, "at": at.isoformat(), "actor": event.actor_id, "action": event.action, "target_type": event.target_type,
                   "target_id": event.target_id, "ip": event.ip_address, "data": event.data, "prev": prev}
        digest = hmac.new(key, _canonical(payload), hashlib.sha256).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(seq=seq, prev_hash=prev, hash=digest, created_at=at)
        prev = digest
    ChainHead.objects.update_or_create(name="audit", defaults={"seq": seq, "hash": prev})

    Application = apps.get_model("applications", "Application")
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    for application in Application.objects.order_by("pk").iterator(chunk_size=500):
        old_prev, new_prev = "", ""
        for event in ApplicationEvent.objects.filter(application_id=application.pk).order_by("seq"):
            legacy = hashlib.sha256(_canonical(_event_payload(event, old_prev))).hexdigest()
            if legacy != event.hash or event.prev_hash != old_prev:
                raise RuntimeError(f"The event chain of application {application.pk} does not verify (event {event.seq}); "
                                   "it is not re-linked. Restore it from a backup or investigate, then migrate again.")
            digest = hmac.new(key, _canonical(_event_payload(event, new_prev)), hashlib.sha256).hexdigest()
            ApplicationEvent.objects.filter(pk=event.pk).update(prev_hash=new_prev, hash=digest)
            old_prev, new_prev = legacy, digest
        if application.event_head != old_prev:
            raise RuntimeError(f"The newest event of application {application.pk} is not its recorded head; it is not re-linked.")
        Application.objects.filter(pk=application.pk).update(event_head=new_prev)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_staff_ties"),
        ("applications", "0017_company_facts_frozen_at_submission"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.AlterField(model_name="auditevent", name="created_at", field=models.DateTimeField(db_index=True, verbose_name="time")),
        migrations.AddField(model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(null=True)),
        migrations.AddField(model_name="auditevent", name="prev_hash", field=models.CharField(blank=True, default="", max_length=64),
                            preserve_default=False),
        migrations.AddField(model_name="auditevent", name="hash", field=models.CharField(default="", max_length=64), preserve_default=False),
        migrations.RunPython(chain, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(unique=True)),
    ]
