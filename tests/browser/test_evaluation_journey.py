"""Assign, declare no conflict, score, rank, select, and the applicant sees the result:
real Chromium, a real Celery worker applying the selection, axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from applications.models import Application, State
from reviews.models import Assignment
from tests.browser.conftest import assert_accessible, open_menu, screenshot
from tests.browser.test_application_journey import sign_in
from tests.browser.test_screening_journey import new_page, sign_in_with_totp
from tests.conftest import close_call, score_all, under_review, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_evaluation_to_result(browser, live_server, celery_worker, call, olivia, alice, acme, panel, reviewers):
    application = under_review(alice, acme, call, olivia)

    officer_context, officer = new_page(browser, live_server)
    sign_in_with_totp(officer, olivia.email)
    officer.goto(f"{live_server.url}/officer/calls/{call.pk}/evaluation/")
    assert_accessible(officer)
    screenshot(officer, "40-evaluation-setup")
    officer.get_by_role("link", name=panel.name).click()
    officer.get_by_role("button", name="자동 배정(균등, 이해관계 제외)").click()
    expect(officer.get_by_text("3건을 배정했습니다")).to_be_visible()
    assert_accessible(officer)
    screenshot(officer, "41-panel")

    assignments = list(Assignment.objects.filter(application=application).order_by("pk"))
    reviewer_context, reviewer = new_page(browser, live_server)
    sign_in_with_totp(reviewer, assignments[0].reviewer.email)
    open_menu(reviewer)
    reviewer.get_by_role("link", name="평가").first.click()
    reviewer.get_by_role("link", name=application.receipt_number).click()
    assert_accessible(reviewer)
    reviewer.get_by_label("이 신청기업과 이해관계가 없습니다.").check()
    reviewer.get_by_role("button", name="확인 제출").click()
    for field, value in zip(["기술성", "사업성", "추진역량", "파급효과"], ["36", "25", "18", "9"]):
        reviewer.get_by_role("group", name=re.compile(field)).get_by_label("점수").fill(value)
    reviewer.get_by_label("종합 의견").fill("도입 계획이 구체적이고 효과 측정 방법이 분명합니다.")
    assert_accessible(reviewer)
    screenshot(reviewer, "42-scoring")
    reviewer.get_by_role("button", name="평가 제출").click()
    # Submitting locks the scores: a confirmation page with the weighted total comes first.
    expect(reviewer.get_by_text("가중 합계: 88점 / 100점.")).to_be_visible()
    assert_accessible(reviewer)
    screenshot(reviewer, "43-scoring-confirmation")
    reviewer.get_by_label("점수를 확인했습니다. 제출하고 평가를 잠급니다.").check()
    reviewer.get_by_role("button", name="평가 제출").click()
    expect(reviewer.get_by_text("총점 88점")).to_be_visible()
    reviewer_context.close()
    for assignment in assignments[1:]:
        score_all(assignment, [34, 24, 17, 8])
    close_call(call)  # the selection is decided after the call closes

    officer.goto(f"{live_server.url}/officer/calls/{call.pk}/ranking/")
    assert officer.get_by_role("cell", name="88").count() == 0  # totals are not shown, aggregates are
    assert_accessible(officer)
    screenshot(officer, "43-ranking")
    officer.get_by_role("button", name="예산 범위 안에서 선정안 만들기").click()
    officer.wait_for_url(re.compile(r".*/officer/selections/\d+/$"))
    assert_accessible(officer)
    officer.get_by_label(re.compile("결정을 확정합니다: 선정 1건")).check()
    officer.get_by_role("button", name="확정하고 모든 신청기업에 알리기").click()
    expect(officer.get_by_text("선정을 확정했습니다")).to_be_visible()
    screenshot(officer, "44-selection")
    assert wait_until(lambda: Application.objects.get(pk=application.pk).state == State.SELECTED)
    officer_context.close()

    applicant_context, applicant = new_page(browser, live_server)
    sign_in(applicant, alice.email)
    applicant.goto(f"{live_server.url}/applications/{application.pk}/")
    expect(applicant.get_by_role("heading", name=re.compile("평가 결과: 선정"))).to_be_visible()
    expect(applicant.get_by_text("84.667").first).to_be_visible()  # (88 + 83 + 83) / 3
    expect(applicant.get_by_text("87.667").first).to_be_visible()  # + 3 points outside the capital area
    for assignment in assignments:
        assert assignment.reviewer.name not in applicant.content()
    assert_accessible(applicant)
    screenshot(applicant, "45-applicant-result")
    applicant_context.close()
