"""Frozen facts: the company facts an application is judged on are kept as
they were at submission; ranking points, the officer's page, exports and the agreement read
them, and a later profile edit is shown to the officer as a difference, moving nothing."""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from applications import lifecycle
from applications.models import Application, Program, ProgramOfficer
from applications.services import agreements
from portal.models import Company
from portal.services.companies import company_update
from reviews.models import Assignment, BonusItem
from reviews.services import evaluation
from reviews.services.selection import compute_ranking
from tests.conftest import login_with_mfa, make_complete_draft, make_person, score_all, timezone_now, under_review
from tests.test_agreements import pdf_text

pytestmark = pytest.mark.django_db


def test_the_facts_survive_the_round_trip(acme):
    facts = acme.facts()
    again = Company.from_facts(facts, pk=acme.pk)
    assert again.facts() == facts
    assert again.average_revenue == acme.average_revenue == 4_500_000_000
    assert again.founded_on == datetime.date(2015, 3, 1) and again.place("site") == ("48", "")


@pytest.fixture
def evaluated(call, olivia, alice, acme, panel, rubric):
    """Acme in Seoul without certificates, scored; the rubric gives 3 points outside the
    capital area and 2 for a venture/innobiz certificate."""
    evaluation.bonus_add(user=olivia, rubric=rubric, data={"name_ko": "인증 보유", "name_en": "Certified",
                                                         "source": BonusItem.Source.CERTIFICATION, "points": Decimal(2)})
    Company.objects.filter(pk=acme.pk).update(region="11", certifications=[])
    acme.refresh_from_db()
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    return application


def test_editing_the_profile_after_submission_moves_no_points(evaluated, call, alice, acme, olivia):
    before = compute_ranking(call).candidates[0]
    assert before.bonus == 0
    company_update(user=alice, company=Company.objects.get(pk=acme.pk),
                   data={"region": "48", "certifications": ["innobiz"], "name": "에이크미 정밀(주)"})
    after = compute_ranking(call).candidates[0]
    assert (after.bonus, after.final) == (before.bonus, before.final) == (0, before.aggregated)

    client = Client()
    login_with_mfa(client, olivia)
    page = client.get(f"/officer/applications/{evaluated.pk}/").content.decode()
    assert f"{evaluated.receipt_number} · 에이크미 정밀</h1>" in page  # the name it applied under
    assert "제출 후 기업 정보가 변경되었습니다" in page
    for row in ("<td>기업명</td><td>에이크미 정밀</td><td>에이크미 정밀(주)</td>",
                "<td>소재지(시·도)</td><td>서울특별시</td><td>경상남도</td>",
                "<td>인증</td><td>—</td><td>이노비즈(기술혁신형 중소기업)</td>"):
        assert row in page.replace("\n", ""), row


def test_every_export_names_the_company_as_it_applied(evaluated, call, alice, acme, olivia):
    """The queue export printed the name the application was submitted under, the ranking and
    selection exports the profile's name today; all three print the submitted one."""
    import csv

    from applications.services.exports import export_build
    from reviews.services import selection
    from tests.conftest import close_call

    company_update(user=alice, company=Company.objects.get(pk=acme.pk), data={"name": "에이크미 정밀(주)"})
    selection.selection_run(user=olivia, call=close_call(call))
    client = Client()
    login_with_mfa(client, olivia)
    for kind in ("queue", "ranking", "selection"):
        response = client.post(f"/officer/calls/{call.pk}/exports/", {"format": "csv", "kind": kind})
        export_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
        export_build(export_id=export_id)  # what the worker does
        download = client.get(f"/officer/exports/{export_id}/download/")
        rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
        row = next(r for r in rows[1:] if evaluated.receipt_number in r)
        assert "에이크미 정밀" in row and "에이크미 정밀(주)" not in row, (kind, row)


def test_a_revised_application_is_judged_on_the_facts_it_was_resent_with(call, olivia, alice, acme):
    application = lifecycle.application_submit(user=alice, application_id=make_complete_draft(alice, acme, call).pk, now=timezone_now())
    assert application.company_facts["employees"] == 30
    lifecycle.revision_request(user=olivia, application_id=application.pk, message="재무제표를 다시 올려 주세요.", days=5, steps=["documents"])
    Company.objects.filter(pk=acme.pk).update(employees=31)
    lifecycle.revision_resubmit(user=alice, application_id=application.pk, now=timezone_now())
    assert Application.objects.get(pk=application.pk).company_facts["employees"] == 31


def test_the_agreement_names_the_company_as_it_applied(selected, olivia, alice, acme, signing_cert):
    company_update(user=alice, company=Company.objects.get(pk=acme.pk),
                   data={"name": "새이름 주식회사", "representative_name": "김새대표", "address": "서울특별시 중구 세종대로 1"})
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    text = pdf_text(version.pdf.read())
    assert acme.name in text and acme.representative_name in text and "공단로 1" in text
    assert "새이름" not in text and "김새대표" not in text and "세종대로" not in text


def test_the_executed_agreement_says_what_the_company_signed(selected, olivia, alice, acme, signing_cert):
    """The probe renamed the company between signing and execution: the executed PDF's party
    block and signature page showed the new name while the clauses kept the old."""
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    agreements.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    version = agreement.current_version()
    version.refresh_from_db()
    signed_text = pdf_text(version.pdf.read())
    lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    company_update(user=alice, company=Company.objects.get(pk=acme.pk), data={"name": "바뀐이름 주식회사", "representative_name": "박바뀜"})
    Program.objects.filter(pk=selected.call.program_id).update(agency_head_name="이바뀜")
    otto = make_person("otto2@example.com", name="오토", mfa=True)  # the agency signer: not the officer who prepared it
    ProgramOfficer.objects.create(program=selected.call.program, user=otto)
    lifecycle.agreement_countersign(user=otto, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    final = agreement.final_pdf.read()
    text = pdf_text(final)
    for changed in ("바뀐이름", "박바뀜", "이바뀜"):
        assert changed not in text, changed
    assert acme.name in text and "단장 김단장" in text and "단장 김단장" in signed_text
    embedded = PdfReader(io.BytesIO(final)).attachments[f"{agreement.number}-v{version.number}.pdf"][0]
    assert hashlib.sha256(embedded).hexdigest() == version.pdf_sha256
