"""The call dashboard's charts on a desktop and on a phone: the page never scrolls sideways,
every label is drawn at a readable size and none is cut off or overlapped by its bar."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_screening_journey import sign_in_with_totp
from tests.test_call_dashboard import KST, LONG_INDUSTRIES, add_submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each chart row: the height of the label's text as drawn (a chart scaled down to fit
# draws it small), and whether its text box and its bar's box overlap.
MEASURE_ROWS = """() => [...document.querySelectorAll('.bar-chart tr')].map(row => {
  const label = row.querySelector('.bar-label'), bar = row.querySelector('.bar').getBoundingClientRect();
  const range = document.createRange(); range.selectNodeContents(label);
  const lines = [...range.getClientRects()], text = range.getBoundingClientRect();
  const apart = text.right <= bar.left + 0.5 || text.bottom <= bar.top + 0.5;
  return {label: label.textContent, height: Math.min(...lines.map(r => r.height)), apart,
          clipped: label.scrollWidth > label.clientWidth || text.right > document.documentElement.clientWidth};
})"""


def test_the_charts_fit_the_screen_with_readable_labels(page, live_server, olivia, alice, call):
    add_submitted(call, alice, LONG_INDUSTRIES, at=datetime.datetime(2026, 12, 7, 10, 30, tzinfo=KST))
    sign_in_with_totp(page, olivia.email)
    page.goto(f"{live_server.url}/officer/calls/{call.pk}/dashboard/")
    assert_accessible(page)
    rows = page.evaluate(MEASURE_ROWS)
    assert {row["label"] for row in rows} >= {"12월 7일(월)", "기타 기계 및 장비 제조업(C29)", "전자 부품, 컴퓨터, 영상, 음향 및 통신장비 제조업(C26)"}
    for row in rows:
        assert row["height"] >= 14, row  # the page's own text size, not a chart shrunk to fit
        assert row["apart"] and not row["clipped"], row
    screenshot(page, "62-call-dashboard-charts")
