"""Background work through a real Celery worker: exports of the queue, and notifications
that survive a broker outage."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from applications import lifecycle
from applications.lifecycle import application_submit
from applications.models import Export
from applications.services.exports import export_request
from portal.models import OutboundEmail
from tests.conftest import wait_until, worker_drained

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(alice, complete_draft):
    return application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_is_built_by_the_worker_with_its_progress(celery_worker, submitted, olivia, format):
    export = export_request(user=olivia, call=submitted.call, format=format)
    assert wait_until(lambda: Export.objects.get(pk=export.pk).status == Export.Status.DONE)
    export.refresh_from_db()
    assert (export.done, export.total, export.percent) == (1, 1, 100)
    data = export.file.read()
    if format == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0][0] == "접수번호"
        assert rows[1][0] == submitted.receipt_number and rows[1][2] == submitted.company.business_number_display
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet["A2"].value == submitted.receipt_number


def test_export_page_reports_progress_as_json(client, submitted, olivia):
    from tests.conftest import login_with_mfa

    export = Export.objects.create(call=submitted.call, format="csv", requested_by=olivia, status="running", total=200, done=50)
    login_with_mfa(client, olivia)
    response = client.get(f"/officer/exports/{export.pk}/", HTTP_ACCEPT="application/json")
    assert response.json()["percent"] == 25
    assert client.get(f"/officer/exports/{export.pk}/download/").status_code == 404


@pytest.mark.redis
def test_a_transition_succeeds_with_the_broker_down_and_the_mail_goes_out_once_it_is_back(monkeypatch, submitted, olivia, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("portal.tasks.deliver_email.apply_async", broker_down)
    before = OutboundEmail.objects.count()
    application = lifecycle.screening_pass(user=olivia, application_id=submitted.pk)
    assert application.state == "under_review"
    pending = OutboundEmail.objects.filter(sent_at__isnull=True)
    assert OutboundEmail.objects.count() == before + 1
    monkeypatch.undo()

    # The broker is back: the periodic sweep, run by a real worker, sends what was missed.
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app
    from portal.tasks import redeliver_pending_email

    OutboundEmail.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    mail.outbox.clear()
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        redeliver_pending_email.delay()
        assert wait_until(lambda: not pending.exists())
        redeliver_pending_email.delay()  # running the delivery again sends nothing more
        assert worker_drained()
    subjects = [m.subject for m in mail.outbox]
    assert len([s for s in subjects if "평가" in s]) == 1, subjects


def test_finalized_selection_is_applied_by_the_worker(celery_worker, call, olivia, alice, acme, panel):
    from applications.models import Application, State
    from reviews.models import Assignment
    from reviews.services import evaluation, selection
    from tests.conftest import close_call, score_all, under_review

    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    selection.selection_finalize(user=olivia, round_id=selection.selection_run(user=olivia, call=call).pk)
    assert wait_until(lambda: Application.objects.get(pk=application.pk).state == State.SELECTED)
    assert application.events.filter(action="select").count() == 1


def test_rendering_an_agreement_twice_through_the_worker_yields_one_file(celery_worker, selected, olivia, signing_cert):
    from pathlib import Path

    from applications import lifecycle
    from applications.models import AgreementVersion
    from applications.tasks import render_agreement

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)  # queues the first render on commit
    version = agreement.current_version()
    render_agreement.delay(version.pk)  # a duplicate
    assert wait_until(lambda: AgreementVersion.objects.get(pk=version.pk).render_status == "done", timeout=60)
    assert worker_drained()  # the duplicate has finished too
    version.refresh_from_db()
    folder = Path(version.pdf.storage.path(version.pdf.name)).parent
    assert [p.name for p in folder.iterdir()] == [Path(version.pdf.name).name]
    assert version.render_attempts == 1
