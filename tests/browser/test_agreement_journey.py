"""The officer prepares and issues the agreement, the applicant signs, a second officer
countersigns (who drafts does not approve), and anyone verifies the signed PDF; real Chromium, a real worker, axe clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from applications.models import Agreement, AgreementState
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_application_journey import sign_in
from tests.browser.test_screening_journey import new_page, sign_in_with_totp
from tests.conftest import PASSWORD, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reauthenticate_if_asked(page):
    if "/accounts/reauthenticate/" in page.url:
        # The page says why the password is asked again: the company's signature or the agency's countersignature.
        page.get_by_text(re.compile("협약서에 (서명하려고|기관 서명\\(최종 서명\\)을 하려고) 합니다")).wait_for()
        page.get_by_label("비밀번호:").fill(PASSWORD)
        page.locator("main").get_by_role("button").first.click()


def test_agreement_from_issue_to_verification(browser, live_server, celery_worker, selected, olivia, otto, alice, signing_cert,
                                              tmp_path):
    officer_context, officer = new_page(browser, live_server)
    sign_in_with_totp(officer, olivia.email)
    officer.goto(f"{live_server.url}/officer/applications/{selected.pk}/")
    officer.get_by_role("button", name="협약서 작성").click()
    officer.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    officer.wait_for_selector("text=제1판 (PDF)", timeout=60_000)  # the page reloads itself when the worker is done
    assert_accessible(officer)
    screenshot(officer, "50-agreement-officer")
    officer.get_by_role("button", name="기업에 서명 요청 발송").click()
    # Issuing starts the company's signing period: a confirmation page with the amounts comes first.
    expect(officer.get_by_text(re.compile(r"제1판을 기업에 보내 서명을 요청합니다\. 정부지원금 150,000,000원"))).to_be_visible()
    officer.get_by_label("이 판의 협약 조건과 금액을 확인했습니다.").check()
    officer.get_by_role("button", name="기업에 서명 요청 발송").click()
    expect(officer.get_by_text("협약서를 발송했습니다")).to_be_visible()
    agreement = Agreement.objects.get()

    applicant_context, applicant = new_page(browser, live_server)
    sign_in(applicant, alice.email)
    applicant.goto(f"{live_server.url}/applications/{selected.pk}/")
    applicant.get_by_role("link", name=re.compile("협약 AG-")).click()
    with applicant.expect_download() as download:
        applicant.get_by_role("link", name="제1판 (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    applicant.get_by_label(re.compile("협약서 제1판")).check()
    assert_accessible(applicant)
    applicant.get_by_role("button", name="기업 대표로 서명").click()
    reauthenticate_if_asked(applicant)
    applicant.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    if not applicant.get_by_text("서명했습니다").count():
        applicant.get_by_label(re.compile("협약서 제1판")).check()
        applicant.get_by_role("button", name="기업 대표로 서명").click()
    assert wait_until(lambda: Agreement.objects.get().state == AgreementState.SIGNED, timeout=10)
    screenshot(applicant, "51-agreement-signed")

    approver_context, approver = new_page(browser, live_server)
    sign_in_with_totp(approver, otto.email)
    approver.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    approver.get_by_label(re.compile("협약서 제1판")).check()
    approver.get_by_role("button", name="전담기관 서명").click()
    reauthenticate_if_asked(approver)
    approver.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    if Agreement.objects.get().state == AgreementState.SIGNED:
        approver.get_by_label(re.compile("협약서 제1판")).check()
        approver.get_by_role("button", name="전담기관 서명").click()
    assert wait_until(lambda: Agreement.objects.get().state == AgreementState.EXECUTED, timeout=60)
    officer.reload()
    assert_accessible(officer)
    screenshot(officer, "52-agreement-executed")
    with officer.expect_download() as download:
        officer.get_by_role("link", name="체결된 협약서 내려받기(전자서명 PDF)").click()
    signed_pdf = tmp_path / "signed.pdf"
    download.value.save_as(signed_pdf)

    anyone_context, anyone = new_page(browser, live_server)
    anyone.goto(f"{live_server.url}/verify/")
    assert_accessible(anyone)
    anyone.get_by_label("협약서 PDF").set_input_files(str(signed_pdf))
    anyone.get_by_role("button", name="확인", exact=True).click()
    expect(anyone.get_by_text("진본이며 효력이 있습니다.")).to_be_visible()
    expect(anyone.get_by_text(agreement.number).first).to_be_visible()
    assert_accessible(anyone)
    screenshot(anyone, "53-verified")
    for context in (officer_context, applicant_context, approver_context, anyone_context):
        context.close()
