"""Tamper evidence that holds against someone with write access to the database (issue 14,
item 6): keyed chains, an audit chain, and daily anchors kept outside the database."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from applications.models import Application, ApplicationEvent
from applications.services import lifecycle
from portal.chains import canonical
from portal.models import AuditEvent, ChainHead
from portal.services.anchors import anchor_read, anchor_write, latest_anchor_name
from portal.services.audit import audit_record
from portal.tasks import anchor_chains
from tests.conftest import timezone_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(alice, olivia, complete_draft):
    lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone_now())
    return lifecycle.screening_pass(user=olivia, application_id=complete_draft.pk)


def verify_events_problems() -> str:
    from io import StringIO

    err = StringIO()
    try:
        call_command("verify_events", stderr=err, stdout=StringIO())
    except CommandError:
        return err.getvalue()
    return ""


def rehash_without_the_key(application: Application) -> None:
    """What the probe did: rewrite, then recompute every digest after it (plain SHA-256, as an
    insider without the key must) and point the application at the new head."""
    prev = ""
    for event in application.events.order_by("seq"):
        payload = {"application": event.application_id, "seq": event.seq, "at": event.created_at.isoformat(), "actor": event.actor_id,
                   "action": event.action, "from": event.from_state, "to": event.to_state, "message": event.message,
                   "ip": event.ip_address, "data": event.data, "prev": prev}
        digest = hashlib.sha256(canonical(payload)).hexdigest()
        ApplicationEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    Application.objects.filter(pk=application.pk).update(event_head=prev)


def test_a_rewritten_and_rehashed_event_is_found(screened):
    assert verify_events_problems() == ""
    ApplicationEvent.objects.filter(application=screened, action="pass_screening").update(message="심사 통과 (조작)")
    rehash_without_the_key(screened)
    problems = verify_events_problems()
    assert f"application {screened.pk}" in problems and "content does not match its hash (altered)" in problems


def test_a_deleted_application_is_found_against_the_anchor(screened, bob, globex, call):
    from tests.conftest import make_complete_draft

    other = make_complete_draft(bob, globex, call)
    name = anchor_chains()  # the beat job
    assert latest_anchor_name() == name
    anchored = dict(anchor_read(name)["applications"])
    assert anchored[screened.pk] == Application.objects.get(pk=screened.pk).event_head and other.pk in anchored
    assert verify_events_problems() == ""
    with connection.cursor() as cursor:  # an insider with SQL access removes the application and everything under it
        for relation in (f for f in Application._meta.get_fields(include_hidden=True) if f.one_to_many):
            cursor.execute(f"DELETE FROM {relation.related_model._meta.db_table} WHERE {relation.field.column} = %s", [screened.pk])
        cursor.execute("DELETE FROM applications_application WHERE id = %s", [screened.pk])
    problems = verify_events_problems()
    assert f"application {screened.pk}: its chain no longer holds the digest anchored at" in problems
    assert f"application {other.pk}" not in problems


def test_an_altered_anchor_is_refused(screened):
    name = anchor_write()
    storage = storages["anchors"]
    with storage.open(name, "rb") as handle:
        document = json.loads(gzip.decompress(handle.read()))
    document["anchor"]["applications"] = []  # "this application never existed"
    storage.delete(name)
    storage.save(name, __import__("io").BytesIO(gzip.compress(json.dumps(document).encode())))
    assert "its MAC does not verify" in verify_events_problems()


def test_the_audit_log_is_chained(olivia, call):
    for n in range(3):
        audit_record(actor=olivia, action="call.updated", target=call, data={"n": n, "at": timezone_now()})
    assert verify_events_problems() == ""
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert ChainHead.objects.get(name="audit").hash == events[-1].hash

    AuditEvent.objects.filter(pk=events[1].pk).update(data={"n": 99})
    assert "content does not match its digest (altered)" in verify_events_problems()
    AuditEvent.objects.filter(pk=events[1].pk).update(data=events[1].data)
    assert verify_events_problems() == ""
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    assert "audit events are missing" in verify_events_problems()


def test_cutting_off_the_newest_audit_events_is_found(olivia, call):
    for n in range(2):
        audit_record(actor=olivia, action="call.updated", target=call, data={"n": n})
    AuditEvent.objects.order_by("-seq").first().delete()
    assert "audit events were removed" in verify_events_problems()
