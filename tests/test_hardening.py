"""The smaller findings of the outside probe, each reproduced and now
failing safe: officer HTML in help text, caching of private pages, late reviews, a missing
broker, download types from the content."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import FormField
from portal.models import AuditEvent
from reviews.models import Assignment, Panel
from reviews.services import evaluation, scoring
from tests import files
from tests.conftest import PASSWORD, login_with_mfa, make_complete_draft, timezone_now, under_review

pytestmark = pytest.mark.django_db

HOSTILE_HELP = ('<b>굵게</b> 안내 <a href="https://www.mss.go.kr/" onclick="steal()">중기부</a>'
                '<script>alert(1)</script><img src=x onerror="steal()"><a href="javascript:steal()">여기</a>')


def test_officer_help_text_reaches_applicants_cleaned(draft, alice, call):
    section = call.form_versions.get().sections.first()
    FormField.objects.create(section=section, key="hostile", type="short_text", label_ko="질문", label_en="Question",
                             help_ko=HOSTILE_HELP, help_en=HOSTILE_HELP, order=99)
    FormField.objects.create(section=section, key="hostile_file", type="file", label_ko="첨부", label_en="File",
                             help_ko=HOSTILE_HELP, help_en=HOSTILE_HELP, order=100, choices=["pdf"])
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get(f"/applications/{draft.pk}/edit/section-{section.pk}/").content.decode()
    assert html.count("<b>굵게</b> 안내") == 2
    assert html.count('<a href="https://www.mss.go.kr/" rel="noopener noreferrer">중기부</a>') == 2
    for active in ("<script>alert(1)", "onerror", "onclick", "javascript:", "steal()"):
        assert active not in html, active


def test_signed_in_pages_and_downloads_are_not_stored_by_any_cache(complete_draft, alice, call):
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    document = complete_draft.documents.first()
    for path in (f"/applications/{complete_draft.pk}/", "/applications/", f"/applications/{complete_draft.pk}/documents/{document.pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, (path, directives)
    anonymous = Client().get("/calls/")
    assert "no-store" not in anonymous.get("Cache-Control", "")


def test_a_download_is_typed_by_its_content_not_its_name(alice, acme, call):
    from applications.services import submission

    application, _ = submission.application_start(user=alice, call=call, company=acme)
    requirement = call.required_documents.filter(is_required=True).first()
    requirement.formats = [*requirement.formats, "image"]
    requirement.save()
    upload = files.png("사업계획서.pdf")  # a PNG named as a PDF
    submission.document_upload(user=alice, application_id=application.pk, upload=upload, requirement_id=requirement.pk)
    document = application.documents.get()
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    response = client.get(f"/applications/{application.pk}/documents/{document.pk}/")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Disposition"].startswith("attachment")


@pytest.fixture
def late_assignment(call, olivia, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=application).first()
    evaluation.declare_no_conflict(user=assignment.reviewer, assignment_id=assignment.pk)
    Panel.objects.filter(pk=panel.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    return assignment


def test_a_review_after_the_due_time_is_refused_until_the_officer_extends_it(late_assignment, olivia, panel):
    criteria = list(panel.call.rubric.criteria.all())
    scores = {c.pk: "1" for c in criteria}
    from portal.formatting import deadline

    due = deadline(Panel.objects.get(pk=panel.pk).due_at)
    with pytest.raises(ValidationError) as refused:
        scoring.review_save(user=late_assignment.reviewer, assignment_id=late_assignment.pk, scores=scores, comments={}, comment="",
                            submit=True)
    assert refused.value.messages == [f"이 평가위원회의 평가 마감은 {due}(KST)였습니다. 저장되지 않았습니다. "
                                      "담당자에게 마감 연장을 요청하세요."]
    assert not hasattr(Assignment.objects.get(pk=late_assignment.pk), "review")

    officer = Client()
    login_with_mfa(officer, olivia)
    new_due = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    officer.post(f"/officer/panels/{panel.pk}/extend/", {"due_at": new_due, "reason": "평가위원 요청으로 이틀 연장"})
    extended = AuditEvent.objects.get(action="panel.extended")
    assert extended.data["reason"] == "평가위원 요청으로 이틀 연장" and extended.actor == olivia
    review, errors = scoring.review_save(user=late_assignment.reviewer, assignment_id=late_assignment.pk, scores=scores, comments={},
                                         comment="", submit=True)
    assert errors == {} and review.status == "submitted"


def test_an_extension_must_be_later(late_assignment, olivia, panel):
    with pytest.raises(ValidationError):
        evaluation.panel_extend(user=olivia, panel=panel, due_at=timezone.now() - datetime.timedelta(hours=1), reason="-")


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free, and nothing listens once the probe closes


@pytest.fixture
def broker_unreachable():
    """Redis is away: nothing listens at the broker's address."""
    from portal.celery import app

    def fresh_connections():
        # kombu keeps connection and producer pools per broker address, process-wide: drop
        # them all, so that neither this test nor the next one gets a pool of the other broker.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url, dict(app.conf.broker_transport_options or {})
    app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    fresh_connections()
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved
    fresh_connections()


def test_with_the_broker_away_submissions_stay_fast_and_nothing_is_lost(broker_unreachable, alice, acme, bob, globex, call,
                                                                       django_capture_on_commit_callbacks, monkeypatch):
    """What "fast" means here is counted, not timed: the first request that finds the broker
    away makes one connection attempt (bounded by its 0.5 s timeout), and no request after it
    tries again while the broker is marked down. Timings belong to the benchmarks."""
    from celery.app.task import Task

    from portal.models import OutboundEmail
    from portal.queue import broker_marked_down

    attempts = []
    real_apply_async = Task.apply_async

    def counted(task, *args, **kwargs):
        attempts.append(task.name)
        return real_apply_async(task, *args, **kwargs)

    monkeypatch.setattr(Task, "apply_async", counted)
    drafts = [make_complete_draft(alice, acme, call), make_complete_draft(bob, globex, call)]
    per_submission = []
    for user, draft in zip((alice, bob), drafts):
        before = len(attempts)
        with django_capture_on_commit_callbacks(execute=True):
            lifecycle.application_submit(user=user, application_id=draft.pk, now=timezone_now())
        per_submission.append(len(attempts) - before)
    assert broker_marked_down()
    # One attempt found the broker away; every later task of that request and of the next
    # request was left to its sweep without touching the broker (the probe measured ~6 s a
    # request when each task tried its own connection).
    assert per_submission == [1, 0], (per_submission, attempts)
    # The notices wait in the outbox for the sweep: nothing is lost.
    assert OutboundEmail.objects.filter(sent_at__isnull=True).count() >= 2


@pytest.mark.django_db(transaction=True)
def test_once_the_broker_is_back_tasks_reach_the_worker_again(celery_worker, alice):
    """Runs after the unreachable broker above: nothing of it is left in the process."""
    from django.db import transaction

    from portal.models import OutboundEmail
    from portal.services.outbox import email_enqueue
    from tests.conftest import wait_until

    with transaction.atomic():
        email = email_enqueue(subject="확인", body="본문", to=[alice.email])
    assert wait_until(lambda: OutboundEmail.objects.get(pk=email.pk).sent_at is not None)
