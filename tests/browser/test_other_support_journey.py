"""The applicant declares another agency's support for the same project (a row missing its
amount is pointed out, nothing typed is lost), submits, and the screener reads it beside the
portal's own 중복수혜 finding; in Korean in real Chromium, every page passing axe, at a
desktop's and a phone's width."""

from __future__ import annotations

import re

import pytest

from applications.models import Application, OtherAgencySupport, State
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_application_journey import sign_in
from tests.browser.test_screening_journey import new_page, sign_in_with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_declared_support_reaches_the_screener(browser, live_server, alice, olivia, complete_draft):
    Application.objects.filter(pk=complete_draft.pk).update(
        declarations={k: v for k, v in complete_draft.declarations.items() if k != "other_support"})
    context, page = new_page(browser, live_server)
    sign_in(page, alice.email)
    page.goto(f"{page.base_url}/applications/{complete_draft.pk}/edit/declarations/")
    page.get_by_role("radio", name=re.compile("^있음: 아래에 지원 기관, 사업명, 금액을 적습니다")).check()
    page.get_by_label("지원 기관 1", exact=True).fill("한국산업기술진흥원")
    page.get_by_label("사업명 1", exact=True).fill("소재부품기술개발사업")
    page.get_by_role("button", name="저장하고 다음 단계").click()
    page.get_by_text("지원 금액을 원 단위로 적어 주세요.").wait_for()
    assert page.get_by_label("지원 기관 1", exact=True).input_value() == "한국산업기술진흥원"  # nothing typed is lost
    assert_accessible(page)
    screenshot(page, "40-other-support-error")
    page.get_by_label("지원 금액(원) 1", exact=True).fill("120,000,000")
    page.get_by_role("button", name="저장하고 다음 단계").click()
    page.wait_for_url(re.compile(r".*/edit/review/$"))
    assert page.get_by_text("120,000,000원").first.is_visible()
    page.locator("#confirm-submit").check()
    page.get_by_role("button", name="신청서 제출").click()
    page.wait_for_url(re.compile(r".*/receipt/$"))
    assert Application.objects.get(pk=complete_draft.pk).state == State.SUBMITTED
    assert OtherAgencySupport.objects.get().amount == 120_000_000
    context.close()

    officer_context, officer = new_page(browser, live_server)
    sign_in_with_totp(officer, olivia.email)
    officer.goto(f"{officer.base_url}/officer/applications/{complete_draft.pk}/")
    section = officer.locator("section", has=officer.get_by_role("heading", name="중복수혜 확인"))
    assert section.get_by_text("이 공고의 신청 요건에는 중복수혜 규칙이 없습니다.").is_visible()
    assert section.get_by_text("한국산업기술진흥원").is_visible() and section.get_by_text("120,000,000원").is_visible()
    assert_accessible(officer)
    screenshot(officer, "41-duplicate-funding")
    officer_context.close()
