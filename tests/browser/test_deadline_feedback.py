"""The deadline as the applicant sees it in the last minutes: the countdown
without zero units, the deadline box urgent on the last day, and at zero the submit button
disabled with the reason — the server still refuses a late submission either way."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Call
from tests.browser.conftest import assert_accessible
from tests.browser.test_application_journey import sign_in
from tests.conftest import make_complete_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_last_minutes_before_the_deadline(page, alice, acme, call):
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + timedelta(minutes=5, seconds=30))
    page.goto(page.base_url + f"/calls/{call.code}/")
    box = page.locator(".deadline-box")
    assert "urgent" in box.get_attribute("class")  # the last day, marked by the server
    countdown = page.locator(".countdown")
    countdown.filter(has_text=re.compile(r"남은 시간 5분")).wait_for()
    assert "0시간" not in countdown.inner_text() and "0일" not in countdown.inner_text()
    assert_accessible(page)

    draft = make_complete_draft(alice, acme, call)
    sign_in(page, alice.email)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + timedelta(seconds=8))
    page.goto(page.base_url + f"/applications/{draft.pk}/edit/review/")
    button = page.get_by_role("button", name="신청서 제출")
    assert button.is_enabled()
    page.get_by_text("공고가 마감되어 더 이상 제출할 수 없습니다.").wait_for(timeout=30_000)
    assert button.is_disabled()
    assert page.locator(".countdown").inner_text() == "마감되었습니다"
