"""The last step before submitting shows the whole application — every answer, budget line
and document — with the applicant copy's own rendering, and offers it as a PDF marked as a
preview, before the applicant ticks that they have checked it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from applications.models import ApplicationCopy
from tests.conftest import VALID_ANSWERS, login_with_mfa
from tests.test_application_copy import pdf_text

pytestmark = pytest.mark.django_db

SECTIONS = ("copy-answers", "copy-budget", "copy-documents", "copy-declarations")


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section class="copy-section" aria-labelledby="{name}">.*?</section>', html, re.S)
    assert found, f"no {name} section"
    return found.group(0)


@pytest.fixture
def as_alice(alice):
    client = Client()
    login_with_mfa(client, alice)
    return client


def test_the_review_step_shows_what_the_copy_will_show_before_the_box_is_ticked(as_alice, complete_draft):
    review = as_alice.get(f"/applications/{complete_draft.pk}/edit/review/").content.decode()
    assert VALID_ANSWERS["summary"] in review
    for description, amount in (("MES 라이선스", "200,000,000원"), ("설비 센서", "80,000,000원"), ("자체 인력 투입", "20,000,000원")):
        assert description in review and amount in review
    for document in complete_draft.documents.all():
        assert document.original_name in review
    assert "신청서를 확인했습니다" in review
    assert f'href="/applications/{complete_draft.pk}/preview.pdf"' in review

    assert as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"}).status_code == 302
    copy = as_alice.get(f"/applications/{complete_draft.pk}/copy/").content.decode()
    for name in SECTIONS:  # the same partial: what was reviewed is what the copy shows
        assert _section(review, name) == _section(copy, name)


def test_the_preview_pdf_is_the_copy_marked_as_not_yet_submitted(as_alice, complete_draft):
    response = as_alice.get(f"/applications/{complete_draft.pk}/preview.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content).replace(" ", "")  # the heading's letter spacing and line breaks split words
    assert "제출전미리보기—제출된신청서가아닙니다" in text and "제출된신청서가아니며접수증이아닙니다" in text
    for expected in ("MES도입을통한품질고도화", "MES라이선스", "200,000,000원", "설비센서", VALID_ANSWERS["summary"].replace(" ", "")):
        assert expected in text
    assert not ApplicationCopy.objects.exists()  # rendered for the asking, nothing stored

    as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert as_alice.get(f"/applications/{complete_draft.pk}/preview.pdf").status_code == 302


def test_only_the_company_may_preview_its_draft(complete_draft, bob, olivia):
    for person in (bob, olivia):
        client = Client()
        login_with_mfa(client, person)
        assert client.get(f"/applications/{complete_draft.pk}/preview.pdf").status_code == 404


def test_the_preview_pdf_is_rendered_a_few_times_a_minute_per_person(as_alice, complete_draft, settings):
    """Rendered in the request, not by the worker: one person reloading it cannot hold the web
    workers. Past the limit the page says so."""
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS | {"preview_pdf": "2/m/user"}
    url = f"/applications/{complete_draft.pk}/preview.pdf"
    assert [as_alice.get(url).status_code for _ in range(2)] == [200, 200]
    refused = as_alice.get(url)
    assert refused.status_code == 429 and "요청이 너무 많습니다" in refused.content.decode()


def test_documents_are_listed_in_the_calls_order_of_requirements_not_as_uploaded(as_alice, complete_draft, alice):
    """An optional bonus evidence uploaded first still comes after the business plan; two files
    of one requirement sit together."""
    from applications.services import submission
    from tests import files

    call = complete_draft.call
    bonus = call.required_documents.get(kind="bonus_evidence")
    plan = call.required_documents.get(kind="business_plan")
    submission.document_upload(user=alice, application_id=complete_draft.pk, upload=files.pdf("가점증빙.pdf"), requirement_id=bonus.pk)
    # The plan replaced afterwards: uploaded last of all, still listed first.
    submission.document_upload(user=alice, application_id=complete_draft.pk, upload=files.pdf("사업계획서_수정.pdf"), requirement_id=plan.pk)
    section = _section(as_alice.get(f"/applications/{complete_draft.pk}/edit/review/").content.decode(), "copy-documents")
    names = [d.original_name for d in complete_draft.documents.all()]
    order = sorted(names, key=section.index)
    required = [r.pk for r in call.required_documents.order_by("order", "pk")]
    by_name = {d.original_name: d.requirement_id for d in complete_draft.documents.all()}
    assert [required.index(by_name[name]) for name in order] == sorted(required.index(by_name[name]) for name in order)
    assert order.index("사업계획서_수정.pdf") < order.index("가점증빙.pdf")
