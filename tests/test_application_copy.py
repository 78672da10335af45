"""The applicant's own copy: a read-only page of exactly what was submitted,
and a PDF of it with the receipt, rendered by the worker — its text checked against the database."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from applications import lifecycle
from applications.models import ApplicationCopy, ApplicationDocument, BudgetLine
from applications.services.copies import copy_render
from applications.services.submission import budget_of
from tests.conftest import PASSWORD, login_with_mfa, timezone_now, wait_until

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def submitted(alice, complete_draft):
    return lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone_now())


@pytest.fixture
def as_alice(alice):
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


def _expected(application) -> list[str]:
    """What a copy must show, read from the database."""
    lines = BudgetLine.objects.filter(application=application)
    documents = ApplicationDocument.objects.filter(application=application)
    return [
        application.receipt_number, application.project_title, application.call.title, application.company.name,
        "MES와 설비 모니터링을 도입해 불량률을 30% 줄입니다.", "기초", "2027년 2월 1일(월)",  # the answers (a choice by its label, a date as Koreans write it)
        *(line.description for line in lines), *(f"{line.amount:,}원" for line in lines),
        *(d.original_name for d in documents), *(d.sha256[:16] for d in documents),
        "해당하지 않습니다",  # the declarations, all answered no
    ]


def test_the_copy_shows_exactly_what_was_submitted(as_alice, submitted):
    html = as_alice.get(f"/applications/{submitted.pk}/copy/").content.decode()
    assert "<h1>제출한 내용</h1>" in html
    for expected in _expected(submitted):
        assert expected in html, expected
    for result in submitted.eligibility_snapshot:
        assert result["message_ko"] in html
    # The company's cash and in-kind parts stand under its own share, never under the grant.
    budget = budget_of(submitted)
    assert re.search(r'<th scope="row">정부지원금</th><td class="amount">' + f"{budget.grant:,}원" + r'</td></tr>\s*'
                     r'<tr><th scope="row">기업부담금</th><td class="amount">' + f"{budget.company_share:,}원", html), html
    # Offered from the application's page and the receipt.
    assert f'href="/applications/{submitted.pk}/copy/"' in as_alice.get(f"/applications/{submitted.pk}/").content.decode()
    assert f'href="/applications/{submitted.pk}/copy/"' in as_alice.get(f"/applications/{submitted.pk}/receipt/").content.decode()


def test_the_pdf_copy_is_made_once_per_history_and_its_text_matches_the_database(as_alice, submitted, alice):
    response = as_alice.post(f"/applications/{submitted.pk}/copy/pdf/")
    assert response.status_code == 302 and response["Location"] == f"/applications/{submitted.pk}/copy/"
    assert "PDF 사본을 만들고 있습니다" in as_alice.get(f"/applications/{submitted.pk}/copy/").content.decode()
    assert as_alice.get(f"/applications/{submitted.pk}/copy/pdf/").status_code == 302  # not ready yet
    as_alice.post(f"/applications/{submitted.pk}/copy/pdf/")
    copy = ApplicationCopy.objects.get()  # asked twice, one copy of the same history
    assert (copy.event_head, copy.requested_by) == (submitted.event_head, alice)

    copy_render(copy_id=copy.pk)  # what the worker does
    download = as_alice.get(f"/applications/{submitted.pk}/copy/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{submitted.receipt_number}.pdf"'
    data = b"".join(download.streaming_content)
    from django.conf import settings

    folder = settings.BASE_DIR / "test-artifacts"
    folder.mkdir(exist_ok=True)
    (folder / "application-copy.pdf").write_bytes(data)  # to look at (pdftoppm), like the screenshots
    text = pdf_text(data)
    assert "신청서 사본" in text and "접수증" in text
    for expected in _expected(submitted):
        assert expected in text, expected
    copy.refresh_from_db()
    import hashlib

    assert copy.pdf_sha256 == hashlib.sha256(data).hexdigest()


def test_only_the_company_sees_its_copy_and_a_draft_has_none(as_alice, submitted, bob, olivia, alice, acme, call):
    other = Client()
    other.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert other.get(f"/applications/{submitted.pk}/copy/").status_code == 404
    assert other.post(f"/applications/{submitted.pk}/copy/pdf/").status_code == 404
    officer = Client()
    login_with_mfa(officer, olivia)
    assert officer.get(f"/applications/{submitted.pk}/copy/").status_code == 200
    assert officer.post(f"/applications/{submitted.pk}/copy/pdf/").status_code == 403
    assert not ApplicationCopy.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_renders_the_copy(celery_worker, as_alice, submitted):
    as_alice.post(f"/applications/{submitted.pk}/copy/pdf/")
    assert wait_until(lambda: ApplicationCopy.objects.filter(status="done").exists(), timeout=60)
    text = pdf_text(as_alice.get(f"/applications/{submitted.pk}/copy/pdf/").getvalue())
    assert submitted.receipt_number in text
