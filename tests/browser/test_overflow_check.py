"""The overflow check every journey relies on does catch a page wider than the screen."""

from __future__ import annotations

import pytest

from tests.browser import conftest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_page_wider_than_the_screen_is_reported(page):
    page.goto(page.base_url + "/privacy/")
    assert conftest._overflows == []  # the real page fits
    wide = '<!DOCTYPE html><html lang="ko"><body><div style="width: 3000px">넓은 표</div></body></html>'
    page.route("**/wide-page/", lambda route: route.fulfill(body=wide, content_type="text/html; charset=utf-8"))
    page.goto(page.base_url + "/wide-page/")
    page.wait_for_function("document.readyState === 'complete'")
    page.evaluate("1")  # a round trip, so that the binding's report has arrived
    assert conftest._overflows and conftest._overflows[0].startswith("/wide-page/ (30")
    conftest._overflows.clear()  # reported as intended; not a failure of this test


def test_a_page_with_an_accessibility_violation_is_reported(page):
    bad = '<!DOCTYPE html><html lang="ko"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>'
    page.route("**/bad-page/", lambda route: route.fulfill(body=bad, content_type="text/html; charset=utf-8"))
    page.goto(page.base_url + "/bad-page/")
    page.wait_for_function("document.documentElement.dataset.axeChecked === '1'")  # axe ran after the load event
    page.evaluate("1")  # a round trip, so that the binding's report has arrived
    assert any("/bad-page/ axe image-alt" in found for found in conftest._overflows), conftest._overflows
    conftest._overflows.clear()
