"""Where the focus goes after a reload, and what a phone shows first
in real Chromium at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, open_filters, screenshot
from tests.browser.test_application_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e.id || e.className || e.tagName; }")


def test_results_come_first_on_a_phone_and_the_menu_and_filters_open_on_demand(page, width, program):
    from tests.factories import CallFactory

    for n in range(3):
        CallFactory(program=program, title=f"2026년 스마트공장 {n + 1}차 공고")
    page.goto(page.base_url + "/calls/")
    first_card = page.locator(".card-list .card").first
    filters = page.get_by_label("지역")
    nav_link = page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="공고")
    screenshot(page, "60-catalogue")
    if width < 640:
        # The first screen shows a result; the filters and the header's links wait behind their buttons.
        assert first_card.bounding_box()["y"] + 40 < page.viewport_size["height"]
        expect(filters).to_be_hidden()
        expect(nav_link).to_be_hidden()
        page.get_by_text("메뉴", exact=True).click()
        expect(nav_link).to_be_visible()
        open_filters(page)
        expect(filters).to_be_visible()
        screenshot(page, "61-catalogue-menu-and-filters-open")
    else:
        expect(filters).to_be_visible()
        expect(nav_link).to_be_visible()
        expect(page.locator("summary.menu-button")).to_be_hidden()
    assert_accessible(page)

    # The sign-in page: the reset link is a full tap target; a refused sign-in takes the focus to its error.
    page.goto(page.base_url + "/accounts/login/")
    box = page.get_by_role("link", name="비밀번호를 잊으셨나요?").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 24
    page.get_by_label("이메일:").fill("nobody@example.com")
    page.get_by_label("비밀번호:").fill("wrong-password-123")
    page.locator("main").get_by_role("button", name="로그인").click()
    page.wait_for_load_state()
    assert page.title().startswith("오류: ")
    assert _focused(page) == "error-summary"
    assert_accessible(page)


def test_after_a_save_the_focus_is_on_the_message_and_the_address_keeps_no_fragment(page, width, alice, draft):
    sign_in(page, alice.email)
    assert _focused(page) == "messages"  # "…로그인했습니다" after the reload
    # The skip link leaves #main in the address; saving must not carry it to the next page,
    # where it would send the first Tab past the skip link.
    page.goto(f"{page.base_url}/applications/{draft.pk}/edit/overview/#main")
    page.get_by_label("과제명").fill("MES 도입을 통한 품질 고도화")
    page.get_by_role("button", name="저장", exact=True).click()
    page.wait_for_load_state()
    assert "#" not in page.url
    assert _focused(page) == "messages"
    assert page.locator(".messages").inner_text().strip() == "저장했습니다."
