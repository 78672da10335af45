"""A newcomer signs up, verifies the code from the e-mail and registers the company, in
Korean, in real Chromium; every page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.models import Company, OutboundEmail
from tests.browser.conftest import assert_accessible, open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_and_register_a_company(page):
    base = page.base_url
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert_accessible(page)
    open_menu(page)
    page.get_by_role("link", name="회원가입").first.click()

    page.wait_for_url("**/accounts/signup/")
    assert_accessible(page)
    page.get_by_label("이메일:").fill("newcomer@example.com")
    page.get_by_label("비밀번호:", exact=True).fill("Saemaeul-Factory-2026")
    page.get_by_label("비밀번호 (확인):").fill("Saemaeul-Factory-2026")
    page.get_by_label("이름:").fill("김새마")
    page.get_by_label("직위:").fill("대표이사")
    # The required consent is required by the browser too (the server's refusal: tests/test_people.py).
    required = page.get_by_label("개인정보 수집·이용에 동의합니다(필수).")
    assert required.get_attribute("required") is not None
    assert page.get_by_label("새 공고 안내 메일을 받겠습니다(선택).").get_attribute("required") is None
    required.check()
    screenshot(page, "01-signup")
    page.get_by_role("button", name="회원가입").click()

    page.wait_for_url("**/accounts/confirm-email/")
    assert_accessible(page)
    body = OutboundEmail.objects.get(to=["newcomer@example.com"]).body
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.MULTILINE).group(1)
    page.get_by_label("코드").fill(code)
    screenshot(page, "02-verify-code")
    page.get_by_role("button", name="확인").click()

    page.wait_for_url(base + "/")
    page.get_by_role("link", name="기업 등록하기").click()
    page.wait_for_url("**/companies/new/")
    assert_accessible(page)

    # A wrong check digit first: the message appears next to the field, nothing is saved.
    page.get_by_label("기업명").fill("새마을정밀 주식회사")
    page.get_by_label("사업자등록번호").fill("214-86-12342")
    page.get_by_label("대표자").fill("김새마")
    page.get_by_label("주소").fill("경상남도 창원시 의창구 창원대로 1")
    page.get_by_label("소재지(시·도)").select_option(label="경상남도")
    page.get_by_label("업종(한국표준산업분류 코드)").fill("C29271")
    page.get_by_label("설립일").fill("2016-05-10")
    page.get_by_label("상시근로자 수").fill("35")
    page.get_by_label("최근 회계연도").fill("2025")
    page.get_by_label("매출액, 최근 연도(원)").fill("8,200,000,000")
    page.get_by_label("매출액, 전년도(원)").fill("7,900,000,000")
    page.get_by_label("매출액, 전전년도(원)").fill("7,100,000,000")
    page.get_by_label("자산총액(원)").fill("5,400,000,000")
    page.get_by_label("벤처기업").check()
    page.get_by_role("button", name="등록").click()
    expect(page.locator("#field-business_number").get_by_text("검증번호(마지막 자리)가 맞지 않습니다")).to_be_visible()
    expect(page.get_by_role("alert").get_by_role("link", name="사업자등록번호")).to_be_visible()
    # The red outline is on the field with the error, and on no other.
    border = "e => getComputedStyle(e).borderTopColor"
    assert page.locator("#field-business_number input").evaluate(border) == "rgb(176, 0, 32)"
    assert page.locator("#field-name input").evaluate(border) != "rgb(176, 0, 32)"
    assert_accessible(page)
    screenshot(page, "03-company-error")
    assert not Company.objects.exists()

    page.get_by_label("사업자등록번호").fill("214-86-12341")
    page.get_by_role("button", name="등록").click()
    page.wait_for_url(re.compile(r".*/companies/\d+/$"))
    expect(page.get_by_role("heading", name="새마을정밀 주식회사")).to_be_visible()
    expect(page.get_by_text("214-86-12341")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "04-company")
    assert Company.objects.get().members.get().email == "newcomer@example.com"
