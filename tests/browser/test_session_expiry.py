"""Typing on after the session has ended loses nothing: the text waits in the browser and
is saved as soon as the person is signed in again."""

from __future__ import annotations

import pytest

from applications.models import Application
from tests.browser.conftest import assert_accessible, new_context, screenshot
from tests.browser.test_application_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_text_typed_after_the_session_ended_is_saved_after_signing_in_again(browser, live_server, alice, draft):
    context = new_context(browser)
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, alice.email)
    section = draft.form_version.sections.order_by("order").first()
    step_url = f"{live_server.url}/applications/{draft.pk}/edit/section-{section.pk}/"
    page.goto(step_url)

    context.clear_cookies()  # the session ends while the page stays open
    page.get_by_label("사업 요약").fill("세션이 끝난 뒤에 입력한 문장입니다.")
    page.wait_for_selector(".autosave-status:has-text('서버에 저장하지 못했습니다')")
    assert_accessible(page)
    screenshot(page, "20-session-ended")
    assert "summary" not in Application.objects.get(pk=draft.pk).answers

    sign_in(page, alice.email)
    page.goto(step_url)
    page.wait_for_selector(".autosave-status:has-text('자동 저장됨')")
    assert page.get_by_label("사업 요약").input_value() == "세션이 끝난 뒤에 입력한 문장입니다."
    assert Application.objects.get(pk=draft.pk).answers["summary"] == "세션이 끝난 뒤에 입력한 문장입니다."
    context.close()
