"""Faults: a full disk for uploads, Redis down during submissions, the database restarting."""

from __future__ import annotations

import errno
import json

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test import Client, override_settings

from applications.models import Application, ApplicationDocument, State
from portal.models import OutboundEmail
from tests import files
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_full_disk_gives_a_clear_message_and_leaves_nothing_half_written(client, alice, draft, call, monkeypatch):
    def disk_full(self, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    requirement = call.required_documents.get(kind="business_plan")
    response = client.post(f"/applications/{draft.pk}/edit/documents/", {"requirement": requirement.pk, "file": files.pdf()}, follow=True)
    assert response.status_code == 200
    assert "저장 공간" in response.content.decode()
    assert not ApplicationDocument.objects.filter(application=draft).exists()
    assert not draft.events.filter(action="document_uploaded").exists()


@pytest.mark.redis
def test_with_redis_down_submissions_are_stored_and_mail_waits(complete_draft, alice, settings, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr("portal.tasks.deliver_email.apply_async", broker_down)
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})  # signed in before the outage
    dead_cache = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/1"}}
    with override_settings(CACHES=dead_cache):
        # Sessions fall back to the database; the broker's absence only delays the e-mail.
        response = client.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
        assert response.status_code == 302
    application = Application.objects.get(pk=complete_draft.pk)
    assert application.state == State.SUBMITTED and application.receipt_number
    assert OutboundEmail.objects.filter(subject__contains=application.receipt_number, sent_at__isnull=True).exists()


def test_with_redis_down_people_still_sign_in_and_failed_sign_ins_are_still_limited(alice, bob):
    """A deadline-day Redis outage must not lock everyone out, nor open the door to guessing."""
    from portal import cache as resilient

    resilient._local.clear()
    dead_cache = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/1",
                              "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    with override_settings(CACHES=dead_cache):
        signing_in = Client()
        assert signing_in.post("/accounts/login/", {"login": bob.email, "password": PASSWORD}).status_code == 302
        assert signing_in.get("/companies/").status_code == 200
        guessing = Client()
        for attempt in range(5):
            guessing.post("/accounts/login/", {"login": alice.email, "password": f"wrong-{attempt}"})
        response = guessing.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        assert response.status_code == 200 and "너무 많은 로그인 실패" in response.content.decode()
        assert guessing.get("/companies/").status_code == 302
    resilient._local.clear()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_restart_between_requests_gives_a_clean_recovery():
    """Under gunicorn, as in production: the database drops every connection (as a restart
    does) between two requests; the next request reconnects instead of failing."""
    import urllib.request

    from benchmarks.gunicorn_server import gunicorn

    with gunicorn(workers=1, threads=1) as base:
        assert urllib.request.urlopen(base + "/calls/", timeout=10).status == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        responses = [urllib.request.urlopen(base + "/calls/", timeout=10).status for _ in range(3)]
        assert responses == [200, 200, 200]
        assert json.loads(urllib.request.urlopen(base + "/healthz", timeout=10).read())["database"] == "ok"
