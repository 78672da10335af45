"""The first pages of a new call and of a company asked to revise, in real Chromium at both
widths: an officer creates a call and opens its evaluation and ranking pages before anything
is set up (this answered 500 once), and a company reads its revision deadline on the
dashboard the way the application page and the e-mail write it. Screenshots land in
test-artifacts/ (50-…)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications import lifecycle
from applications.models import Call, RevisionRequest
from portal.formatting import deadline
from tests.browser.conftest import assert_accessible, open_filters, open_menu, screenshot
from tests.browser.test_application_journey import sign_in
from tests.browser.test_screening_journey import new_page, sign_in_with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_call_shows_its_evaluation_set_up_before_anything_is_there(browser, live_server, olivia, program):
    context, officer = new_page(browser, live_server)
    sign_in_with_totp(officer, olivia.email)
    officer.goto(live_server.url + "/officer/calls/new/")
    officer.locator("#id_code").fill("SF-2027-7")
    officer.locator("#id_title").fill("2027년 스마트공장 7차 공고")
    officer.locator("#id_opens_at").fill("2027-03-02T09:00")
    officer.locator("#id_closes_at").fill("2027-03-31T18:00")
    officer.locator("#id_budget_total").fill("3,000,000,000")
    officer.locator("#id_max_grant").fill("200,000,000")
    officer.get_by_role("button", name="공고 만들기").click()
    officer.wait_for_load_state()
    assert re.search(r"/officer/calls/\d+/$", officer.url), officer.locator("main").inner_text()
    call = Call.objects.get(code="SF-2027-7")

    officer.goto(f"{live_server.url}/officer/calls/{call.pk}/evaluation/")
    expect(officer.get_by_role("heading", level=1)).to_be_visible()
    expect(officer.get_by_text("평가 항목을 추가하세요.").first).to_be_visible()
    assert_accessible(officer)
    screenshot(officer, "50-new-call-evaluation")

    officer.goto(f"{live_server.url}/officer/calls/{call.pk}/ranking/")
    expect(officer.get_by_text("이 공고에는 아직 평가표가 없습니다.")).to_be_visible()
    assert_accessible(officer)
    screenshot(officer, "51-new-call-ranking")
    context.close()


def test_the_dashboard_reads_a_revision_deadline_as_the_application_page_does(browser, live_server, alice, olivia,
                                                                           complete_draft):
    application = lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    lifecycle.screening_begin(user=olivia, application_id=application.pk)
    lifecycle.revision_request(user=olivia, application_id=application.pk, message="장비 견적서를 올리세요.", days=3,
                               steps=["documents"])
    due = deadline(RevisionRequest.objects.get(application=application).due_at)
    assert re.fullmatch(r"\d{4}년 \d{1,2}월 \d{1,2}일\([월화수목금토일]\) 24:00", due), due

    context, page = new_page(browser, live_server)
    sign_in(page, alice.email)
    page.goto(live_server.url + "/applications/")
    row = page.get_by_role("row").filter(has_text=application.call.title)
    assert due in row.inner_text()
    assert "00:00" not in row.inner_text()
    assert_accessible(page)
    screenshot(page, "52-dashboard-revision-deadline")
    page.get_by_role("link", name=application.call.title).click()
    expect(page.get_by_text(due).first).to_be_visible()

    page.goto(live_server.url + "/calls/")
    open_menu(page)
    open_filters(page)
    assert_accessible(page)
    screenshot(page, "53-catalogue")
    page.goto(f"{live_server.url}/calls/{application.call.code}/")
    assert_accessible(page)
    screenshot(page, "54-call-page")
    context.close()
