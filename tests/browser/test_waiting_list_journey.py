"""The officer finalizes a selection after ticking what it means, a selected company gives up,
the officer offers the place to the next on the waiting list, and that company accepts on
its phone: real Chromium at desktop and phone widths, axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from applications import lifecycle
from applications.models import Application, Call, SelectionRound, State
from reviews.models import Assignment
from reviews.services import evaluation, selection
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_application_journey import sign_in
from tests.browser.test_screening_journey import new_page, sign_in_with_totp
from tests.conftest import close_call, score_all, under_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finalize_free_a_place_and_accept_it_on_a_phone(browser, live_server, call, olivia, alice, acme, bob, globex, panel):
    first, second = under_review(alice, acme, call, olivia), under_review(bob, globex, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for application, scores in ((first, [36, 25, 18, 9]), (second, [32, 24, 16, 8])):
        for assignment in Assignment.objects.filter(application=application):
            score_all(assignment, scores)
    Call.objects.filter(pk=call.pk).update(budget_total=150_000_000)  # one grant
    close_call(call)
    proposal = selection.selection_run(user=olivia, call=call)

    officer_context, officer = new_page(browser, live_server)
    sign_in_with_totp(officer, olivia.email)
    officer.goto(f"{live_server.url}/officer/selections/{proposal.pk}/")
    confirm = officer.get_by_label(re.compile("결정을 확정합니다: 선정 1건"))
    assert "선정 1건(150,000,000원), 예비 1건, 탈락 0건. 이 선정안의 모든 신청기업에" in officer.locator("label[for=confirm-finalize]").inner_text()
    assert_accessible(officer)
    screenshot(officer, "50-finalize-confirmation")
    confirm.check()
    officer.get_by_role("button", name="확정하고 모든 신청기업에 알리기").click()
    expect(officer.get_by_text("선정을 확정했습니다")).to_be_visible()
    selection.selection_apply(round_id=proposal.pk)  # what the worker does on commit
    assert Application.objects.get(pk=second.pk).state == State.WAITLISTED

    lifecycle.application_withdraw(user=alice, application_id=first.pk, reason="자금 사정으로 포기")
    officer.reload()
    officer.get_by_role("button", name="빈자리를 다음 예비 순위에 제공").click()
    expect(officer.get_by_text(f"{second.receipt_number}에 선정 기회를 제공하고 기업에 알렸습니다.")).to_be_visible()
    screenshot(officer, "51-place-offered")
    officer_context.close()

    phone = browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.base_url = live_server.url
    sign_in(page, bob.email)
    page.goto(f"{live_server.url}/applications/{second.pk}/")
    offer = page.locator("#offer")
    assert "정부지원금 150,000,000원의 선정 기회를 드립니다" in offer.inner_text()
    assert_accessible(page)
    screenshot(page, "52-offer-on-a-phone")
    page.get_by_role("button", name="선정 기회 수락").click()
    expect(page.get_by_text("선정 기회를 수락했습니다. 신청이 선정되었습니다.")).to_be_visible()
    screenshot(page, "53-offer-accepted-on-a-phone")
    phone.close()
    assert Application.objects.get(pk=second.pk).state == State.SELECTED
    assert SelectionRound.objects.get(pk=proposal.pk).finalized_at is not None
