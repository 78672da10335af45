"""An officer screens, requests a revision, the applicant revises and resubmits, the officer
passes it to evaluation; in Korean in real Chromium, every page passing axe."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.lifecycle import application_submit
from applications.models import Application, State
from tests.browser.conftest import assert_accessible, new_context, open_menu, screenshot
from tests.browser.test_application_journey import sign_in
from tests.conftest import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_totp(page, email):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("이메일:").fill(email)
    page.get_by_label("비밀번호:").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="로그인").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/.*"))
    page.locator("input[name=code]").fill(totp_code())
    page.locator("main").get_by_role("button").first.click()
    # Each role lands on its own desk (the applications, the officer desk, the assignments).
    page.wait_for_url(lambda url: "/accounts/" not in url)


def new_page(browser, live_server):
    context = new_context(browser)
    page = context.new_page()
    page.base_url = live_server.url
    return context, page


def test_screening_revision_and_resubmission(browser, live_server, alice, olivia, complete_draft):
    application = application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())

    officer_context, officer = new_page(browser, live_server)
    sign_in_with_totp(officer, olivia.email)
    open_menu(officer)
    officer.get_by_role("link", name="사업담당자 업무").click()
    officer.get_by_role("link", name="요건검토 목록").click()
    officer.wait_for_url("**/officer/queue/")
    assert_accessible(officer)
    screenshot(officer, "30-queue")
    officer.get_by_role("link", name=application.receipt_number).click()
    assert_accessible(officer)
    officer.get_by_role("button", name="요건검토 시작").click()
    expect(officer.get_by_text("요건검토를 시작했습니다. 기업에 알렸습니다.", exact=True)).to_be_visible()
    officer.get_by_text("보완요청", exact=True).click()
    officer.get_by_label("보완할 내용").fill("장비 견적서 금액과 사업비 내역을 맞추세요.")
    officer.get_by_label("보완 기간(일)").fill("3")
    officer.get_by_role("checkbox", name="사업비").check()
    screenshot(officer, "31-revision-form")
    officer.get_by_role("button", name="보완요청 보내기").click()
    expect(officer.get_by_text("보완을 요청했습니다.")).to_be_visible()
    assert Application.objects.get(pk=application.pk).state == State.REVISION_REQUESTED
    from applications.models import RevisionRequest
    from portal.formatting import deadline

    due = RevisionRequest.objects.get(application=application).due_at
    expect(officer.get_by_text(f"보완을 요청했습니다. 기업에 알렸으며, 기업은 {deadline(due)}까지 보완한 내용을 제출할 수 있습니다.",
                               exact=True)).to_be_visible()

    applicant_context, applicant = new_page(browser, live_server)
    sign_in(applicant, alice.email)
    open_menu(applicant)
    expect(applicant.get_by_role("link", name=re.compile("알림"))).to_be_visible()
    applicant.get_by_role("link", name="내 신청서").first.click()
    applicant.get_by_role("link", name=application.call.title).click()
    expect(applicant.get_by_text("장비 견적서 금액과 사업비 내역을 맞추세요.").first).to_be_visible()
    # Three days from the day after the request, to 24:00 KST, past weekends and holidays.
    expect(applicant.get_by_text(f"{deadline(due)}(KST)까지 보완해 제출하세요.").first).to_be_visible()
    assert_accessible(applicant)
    screenshot(applicant, "32-applicant-revision")
    applicant.get_by_role("link", name="사업비").click()
    applicant.get_by_label("금액(원) 1").fill("210,000,000")
    applicant.get_by_role("button", name="저장하고 다음 단계").click()
    applicant.wait_for_url(re.compile(r".*/edit/review/$"))
    assert_accessible(applicant)
    applicant.locator("#confirm-submit").check()
    applicant.get_by_role("button", name="보완한 신청서 제출").click()
    expect(applicant.get_by_text("보완한 신청서를 다시 제출했습니다")).to_be_visible()
    assert Application.objects.get(pk=application.pk).state == State.SCREENING

    officer.reload()
    expect(officer.get_by_text("보완 제출", exact=True)).to_be_visible()  # the timeline's entry
    officer.get_by_role("button", name="요건 충족: 평가로 넘기기").click()
    assert Application.objects.get(pk=application.pk).state == State.UNDER_REVIEW
    assert_accessible(officer)
    screenshot(officer, "33-officer-application")
    officer.goto(f"{live_server.url}/officer/calls/{application.call_id}/dashboard/")
    assert_accessible(officer)
    screenshot(officer, "34-dashboard")
    officer_context.close()
    applicant_context.close()
