"""Tamper evidence that holds against someone with write access to the database: keyed
chains, an audit chain, and anchors kept outside the database — a head log written on every
commit that appends to a chain, swept every minute, and a daily checkpoint. The chain of sweep
files itself: tests/test_anchor_chain.py."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import shutil
import threading
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import Application, ApplicationEvent
from portal.chains import canonical
from portal.models import AuditEvent, ChainHead
from portal.services.anchors import (
    ANCHOR_GRACE,
    AnchorWithheld,
    anchor_read,
    anchor_write,
    checkpoint_names,
    latest_anchor_name,
    log_names,
)
from portal.services.audit import audit_record
from portal.tasks import anchor_chains, anchor_heads
from tests.conftest import PASSWORD, login_with_mfa, timezone_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(alice, olivia, complete_draft):
    lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone_now())
    return lifecycle.screening_pass(user=olivia, application_id=complete_draft.pk)


def verify_events_problems() -> str:
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


# --- Between checkpoints: the head log, written on commit --------------------------------------

def anchors_folder() -> Path:
    return Path(storages["anchors"].location)


def head_log() -> list[str]:
    return log_names(since=None, now=timezone_now())


def after_the_grace():
    """The clock past the time a head may still be on its way to the anchor store."""
    return time_machine.travel(timezone_now() + ANCHOR_GRACE + datetime.timedelta(minutes=1), tick=True)


@pytest.fixture
def submitted_through_the_pages(alice, complete_draft):
    """Alice's application, submitted on its page (the commit writes the head log)."""
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    response = client.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 302, response.content[:300]
    return Application.objects.get(pk=complete_draft.pk)


@pytest.mark.django_db(transaction=True)
def test_each_commit_that_appends_to_a_chain_writes_its_heads_to_the_head_log(submitted_through_the_pages):
    application = submitted_through_the_pages
    assert application.state == "submitted"
    anchored = [anchor_read(name) for name in head_log()]
    assert [application.pk, application.event_head] in [head for anchor in anchored for head in anchor["applications"]]
    assert verify_events_problems() == ""


@pytest.mark.django_db(transaction=True)
def test_cutting_the_newest_event_of_an_application_between_checkpoints_is_found(submitted_through_the_pages, olivia):
    """The probe: after the daily checkpoint, remove the officer's newest decision and move the
    application's head back; the chain still verifies and the checkpoint still holds."""
    application = submitted_through_the_pages
    anchor_chains()  # the night's checkpoint names the submitted head
    officer = Client()
    login_with_mfa(officer, olivia)
    assert officer.post(f"/officer/applications/{application.pk}/pass/", {"expected_state": "submitted"}).status_code == 302
    assert Application.objects.get(pk=application.pk).state == "under_review"

    newest, previous = ApplicationEvent.objects.filter(application=application).order_by("-seq")[:2]
    with connection.cursor() as cursor:  # an insider with SQL access, without the chain key
        cursor.execute("DELETE FROM applications_applicationevent WHERE id = %s", [newest.pk])
        cursor.execute("UPDATE applications_application SET event_head = %s, state = 'submitted' WHERE id = %s",
                       [previous.hash, application.pk])
    problems = verify_events_problems()
    assert f"application {application.pk}: its chain no longer holds the digest anchored at" in problems
    assert "the newest event is not the one" not in problems  # the chain itself is consistent: only the anchor tells
    # The next checkpoint is not written over the cut.
    with pytest.raises(AnchorWithheld):
        anchor_chains()
    assert len(checkpoint_names()) == 1
    # The operator who knows why (a recovery that lost minutes) writes it anyway, on the record.
    with pytest.raises(CommandError, match="No checkpoint written"):
        call_command("anchor_chains", stdout=StringIO(), stderr=StringIO())
    call_command("anchor_chains", "--despite", "restored from the 14:00 backup", stdout=StringIO())
    record = AuditEvent.objects.filter(action="chain.anchored").order_by("-seq").first()
    assert record.data["despite"] == "restored from the 14:00 backup"
    assert record.data["problems"][0].startswith(f"application {application.pk}: its chain no longer holds")


@pytest.mark.django_db(transaction=True)
def test_cutting_the_newest_audit_events_and_moving_the_head_back_is_found(alice):
    anchor_chains()
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    from tests.test_companies import VALID

    assert client.post("/companies/new/", VALID).status_code == 302  # recorded as "company.registered"
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest.action == "company.registered"
    previous = AuditEvent.objects.filter(seq__lt=newest.seq).order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditevent WHERE id = %s", [newest.pk])
        cursor.execute("UPDATE portal_chainhead SET seq = %s, hash = %s WHERE name = 'audit'", [previous.seq, previous.hash])
    problems = verify_events_problems()
    assert f"audit event {newest.seq} anchored at" in problems and "is gone or altered" in problems
    assert "audit events were removed" not in problems  # the head was moved back with them


@pytest.mark.django_db(transaction=True)
def test_an_emptied_anchor_store_is_an_error_once_a_checkpoint_was_written(submitted_through_the_pages):
    name = anchor_chains()
    assert verify_events_problems() == ""
    shutil.rmtree(anchors_folder())
    problems = verify_events_problems()
    assert f"the anchor store holds no checkpoint, yet the audit log records that {name} was written" in problems
    # And once the heads are older than the grace, each chain says it is in no anchor.
    with after_the_grace():
        problems = verify_events_problems()
    newest = submitted_through_the_pages.events.order_by("-seq").first()
    assert f"application {newest.application_id}: its newest event ({newest.seq}, written {newest.created_at.isoformat()}) is in no anchor" in problems


@pytest.mark.django_db(transaction=True)
def test_deleting_only_the_newest_checkpoint_is_found(submitted_through_the_pages):
    anchor_chains()
    with time_machine.travel(timezone_now() + datetime.timedelta(days=1), tick=True):
        newest = anchor_chains()
    (anchors_folder() / newest).unlink()
    assert f"checkpoint {newest}, recorded in the audit log at" in verify_events_problems()


@pytest.mark.django_db(transaction=True)
def test_deleting_the_head_log_without_any_checkpoint_is_found(submitted_through_the_pages):
    assert head_log() and latest_anchor_name() is None
    shutil.rmtree(anchors_folder() / "log")
    assert verify_events_problems() == ""  # within the grace the head may still be on its way
    with after_the_grace():
        problems = verify_events_problems()
    newest = submitted_through_the_pages.events.order_by("-seq").first()
    assert f"application {newest.application_id}: its newest event ({newest.seq}, written {newest.created_at.isoformat()}) is in no anchor" in problems
    assert f"audit event {AuditEvent.objects.order_by('-seq').first().seq}, the newest, written" in problems


@pytest.mark.django_db(transaction=True)
def test_a_head_the_store_missed_at_commit_is_written_by_the_sweep(alice, complete_draft, monkeypatch):
    """The anchor store away at commit: the submission still succeeds, and the beat job's sweep
    writes the head within the minute, so the check stays clean."""
    original = FileSystemStorage._save

    def away(self, name, content):
        if name.startswith("log/"):
            raise OSError("the anchor store is away")
        return original(self, name, content)

    before = head_log()
    monkeypatch.setattr(FileSystemStorage, "_save", away)
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert client.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"}).status_code == 302
    assert Application.objects.get(pk=complete_draft.pk).state == "submitted" and head_log() == before
    with after_the_grace():
        assert f"application {complete_draft.pk}: its newest event" in verify_events_problems()
    monkeypatch.setattr(FileSystemStorage, "_save", original)
    name = anchor_heads()  # the beat job
    assert [complete_draft.pk, Application.objects.get(pk=complete_draft.pk).event_head] in anchor_read(name)["applications"]
    assert anchor_heads() is None  # nothing new since
    with after_the_grace():
        assert anchor_heads() is not None  # the beat's next sweep: a chain file at least every five minutes
        assert verify_events_problems() == ""


def test_after_one_failed_write_the_requests_leave_the_head_log_to_the_sweep_for_a_while(alice, complete_draft, monkeypatch, settings,
                                                                                         django_capture_on_commit_callbacks):
    """A store that hangs costs its timeouts once, not on every request that writes: after a
    failure the process skips the write at commit (the sweep writes the heads) until the
    backoff has passed, then tries again."""
    from portal import cache
    from portal.services.audit import audit_record

    settings.CACHE_BACKOFF_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(cache, "monotonic", lambda: clock[0])
    original, tries = FileSystemStorage._save, []

    def hangs(self, name, content):
        if name.startswith("log/"):
            tries.append(name)
            raise TimeoutError("the anchor store did not answer")
        return original(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", hangs)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    assert len(tries) == 1 and Application.objects.get(pk=complete_draft.pk).state == "submitted"
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=alice, action="call.updated", target=complete_draft)
    assert len(tries) == 1  # the breaker is open: no second wait, the sweep will write it
    clock[0] += 31
    monkeypatch.setattr(FileSystemStorage, "_save", original)
    before = head_log()
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=alice, action="call.updated", target=complete_draft)
    assert len(head_log()) == len(before) + 1  # half-open: tried, and written


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_machines_committing_at_once_each_write_their_own_head_log_file(alice, bob, olivia, acme, globex, call):
    """Two web machines share one store: each commit writes a new file under a name of its own,
    nothing is appended or rewritten, and both heads are anchored."""
    from tests.conftest import make_complete_draft

    first, second = make_complete_draft(alice, acme, call), make_complete_draft(bob, globex, call)
    before = set(head_log())
    barrier = threading.Barrier(2)
    errors = []

    def submit(user, application):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                lifecycle.application_submit(user=user, application_id=application.pk, now=timezone_now())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in ((alice, first), (bob, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    written = sorted(set(head_log()) - before)
    assert len(written) == 2
    anchored = {tuple(head) for name in written for head in anchor_read(name)["applications"]}
    for application in (first, second):
        assert (application.pk, Application.objects.get(pk=application.pk).event_head) in anchored
    with after_the_grace():
        assert verify_events_problems() == ""
