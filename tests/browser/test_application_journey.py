"""An applicant browses calls, runs the self-check, fills the application over two
sittings, uploads documents, submits and sees the receipt and the dashboard, in Korean
in real Chromium; every page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from applications.models import Application, State
from tests.browser.conftest import assert_accessible, new_context, open_filters, open_menu, screenshot
from tests.conftest import PASSWORD, VALID_DECLARATIONS
from tests.files import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("이메일:").fill(email)
    page.get_by_label("비밀번호:").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="로그인").click()
    # Each role lands on its own desk (the applications, the officer desk, the assignments).
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_apply_over_two_sittings_and_submit(browser, live_server, alice, acme, call):
    context = new_context(browser)
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, alice.email)

    open_menu(page)
    page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="공고").click()
    page.wait_for_url("**/calls/")
    assert_accessible(page)
    open_filters(page)
    page.get_by_label("지역").select_option("48")
    page.get_by_role("button", name="검색").click()
    page.get_by_role("link", name=call.title).click()
    page.wait_for_url(f"**/calls/{call.code}/")
    expect(page.get_by_text("신청 자격 자가진단")).to_be_visible()
    assert page.locator(".rule-pass").count() >= 2
    assert_accessible(page)
    screenshot(page, "10-call-self-check")
    page.get_by_role("button", name=f"{acme.name} 기업으로 신청하기").click()

    # First sitting: the project and part of the outline, saved as they type.
    page.wait_for_url(re.compile(r".*/edit/overview/$"))
    assert_accessible(page)
    page.get_by_label("과제명").fill("MES 도입을 통한 품질 고도화")
    page.get_by_label("지원 유형").select_option(label="고도화1 (200,000,000원)")
    page.get_by_role("button", name="저장하고 다음 단계").click()
    page.get_by_label("사업 요약").fill("설비 데이터를 모아 불량 원인을 실시간으로 찾습니다.")
    page.wait_for_selector(".autosave-status:has-text('자동 저장됨')")
    screenshot(page, "11-autosaved")
    application = Application.objects.get()
    assert "불량 원인" in application.answers["summary"]
    context.close()

    # Second sitting: a new browser session finds everything where it was left.
    context = new_context(browser)
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, alice.email)
    open_menu(page)
    page.get_by_role("link", name="내 신청서").first.click()
    page.get_by_role("link", name=call.title).click()
    page.get_by_role("link", name="신청서 계속 작성").click()
    assert page.get_by_label("과제명").input_value() == "MES 도입을 통한 품질 고도화"
    page.get_by_role("link", name="사업 개요").click()
    assert "불량 원인" in page.get_by_label("사업 요약").input_value()
    page.get_by_label("현재 스마트화 수준").select_option("basic")
    page.get_by_role("button", name="저장하고 다음 단계").click()
    page.get_by_label("착수 예정일").fill("2027-02-01")
    page.get_by_label("신규 고용 계획(명)").fill("3")
    page.get_by_role("button", name="저장하고 다음 단계").click()

    # Budget: an over-share grant first, then a valid one.
    page.wait_for_url(re.compile(r".*/edit/budget/$"))
    page.get_by_label("비목 1").select_option("software")
    page.get_by_label("세부 항목 1").fill("MES 라이선스")
    page.get_by_label("금액(원) 1").fill("200,000,000")
    page.get_by_label("비목 2").select_option("consulting")
    page.get_by_label("세부 항목 2").fill("자체 인력")
    page.get_by_label("금액(원) 2").fill("20,000,000")
    page.get_by_label("현물 2").check()
    page.get_by_label("정부지원금 신청액(원)").fill("150,000,000")
    # As typed, before saving: the totals and the limit come back from the server.
    live = page.locator("#budget-live")
    expect(live.locator("dt:text-is('총사업비') + dd")).to_have_text("220,000,000원")
    live.get_by_text("총사업비의 50%(110,000,000원)를 40,000,000원 초과합니다").wait_for()
    page.get_by_role("button", name="저장", exact=True).click()
    # Saved, the limit is the grant field's own error (under its label, the input described by it) as well as in the totals.
    grant_error = page.locator("#id_grant_requested_error")
    expect(grant_error.get_by_text("총사업비의 50%(110,000,000원)를 40,000,000원 초과합니다")).to_be_visible()
    assert page.get_by_label("정부지원금 신청액(원)").get_attribute("aria-describedby") == "id_grant_requested_error"
    assert_accessible(page)
    screenshot(page, "12-budget-error")
    page.get_by_label("정부지원금 신청액(원)").fill("100,000,000")
    page.get_by_role("button", name="저장하고 다음 단계").click()

    # Documents: a disguised file is refused, real ones are accepted.
    page.wait_for_url(re.compile(r".*/edit/documents/$"))
    plan = call.required_documents.get(kind="business_plan")
    page.locator(f"#upload-{plan.pk}").set_input_files({"name": "사업계획서.pdf", "mimeType": "application/pdf", "buffer": b"MZ" + b"\0" * 100})
    page.locator(f"#upload-{plan.pk}").locator("xpath=..").get_by_role("button", name="올리기").click()
    # Sent with its progress shown, then the answer: under the file input, and in the message that takes the focus.
    page.locator(f"#upload-{plan.pk}-error").get_by_text("실행 파일이나 스크립트는 올릴 수 없습니다").wait_for()
    assert page.locator(f"#upload-{plan.pk}").get_attribute("aria-describedby") == f"upload-{plan.pk}-error"
    assert page.evaluate("() => document.activeElement.className") == "messages"
    for requirement in call.required_documents.filter(is_required=True):
        page.locator(f"#upload-{requirement.pk}").set_input_files({"name": f"{requirement.name_ko}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        page.locator(f"#upload-{requirement.pk}").locator("xpath=..").get_by_role("button", name="올리기").click()
        page.wait_for_selector(f"text={requirement.name_ko}.pdf 파일을 올렸습니다")
    assert_accessible(page)
    screenshot(page, "13-documents")
    page.get_by_role("link", name="다음").click()

    page.wait_for_url(re.compile(r".*/edit/declarations/$"))
    for field in VALID_DECLARATIONS:
        page.locator(f"input[name={field}][value=no]").check()
    assert_accessible(page)
    page.get_by_role("button", name="저장하고 다음 단계").click()

    page.wait_for_url(re.compile(r".*/edit/review/$"))
    assert_accessible(page)
    screenshot(page, "14-review")
    page.locator("#confirm-submit").check()
    page.get_by_role("button", name="신청서 제출").click()

    page.wait_for_url(re.compile(r".*/receipt/$"))
    receipt = f"{call.code}-00001"
    expect(page.get_by_text(receipt)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "15-receipt")
    assert Application.objects.get().state == State.SUBMITTED

    page.get_by_role("link", name="내 신청서로 가기").click()
    expect(page.get_by_text("접수 완료").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "16-dashboard")
    context.close()
