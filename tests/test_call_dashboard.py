"""The officer's call dashboard: its charts name days as Korean dates and are tables a
screen reader reads row by row, with nothing hidden that could widen the page."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from applications.models import Application, State
from tests.conftest import login_with_mfa
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")
# Two divisions with long names: the labels that were cut off and widened the phone page.
LONG_INDUSTRIES = ["C29271", "C29271", "C26110"]


def add_submitted(call, user, ksic_codes: list[str], *, at: datetime.datetime) -> None:
    """Submitted applications of new companies in the given industries (rows only: this is
    about what the dashboard shows, not about submitting)."""
    form = call.form_versions.get()
    for n, code in enumerate(ksic_codes, start=1):
        company = CompanyFactory(ksic_code=code)
        Application.objects.create(call=call, company=company, form_version=form, created_by=user, state=State.SUBMITTED,
                                   receipt_number=f"{call.code}-{n:05d}", submitted_at=at, project_title="과제",
                                   grant_requested=100_000_000)


def test_the_submissions_chart_names_each_day_as_a_korean_date(client, olivia, alice, call):
    add_submitted(call, alice, LONG_INDUSTRIES, at=datetime.datetime(2026, 12, 7, 10, 30, tzinfo=KST))
    login_with_mfa(client, olivia)
    html = client.get(f"/officer/calls/{call.pk}/dashboard/").content.decode()
    assert re.search(r'<th scope="row" class="bar-label">12월 7일\(월\)</th>\s*<td class="bar-value">3건</td>', html), html
    assert "12-07" not in html


def test_each_chart_row_is_read_as_a_label_and_its_count(client, olivia, alice, call):
    add_submitted(call, alice, LONG_INDUSTRIES, at=datetime.datetime(2026, 12, 7, 10, 30, tzinfo=KST))
    login_with_mfa(client, olivia)
    html = client.get(f"/officer/calls/{call.pk}/dashboard/").content.decode()
    industries = html[html.index('id="industries"'):]
    industries = industries[:industries.index("</table>")]
    assert re.search(r'<th scope="row" class="bar-label">기타 기계 및 장비 제조업\(C29\)</th>\s*<td class="bar-value">2건</td>', industries)
    assert re.search(r'<th scope="row" class="bar-label">전자 부품, 컴퓨터, 영상, 음향 및 통신장비 제조업\(C26\)</th>\s*'
                     r'<td class="bar-value">1건</td>', industries)
    # The bars are drawing only, and half the longest for half the count.
    assert industries.count('aria-hidden="true"') == 2 and 'width="100%" height="18"' in industries and 'width="50%"' in industries
    # No second copy of the figures hidden from sight (a hidden table kept its full width and
    # widened the page on a phone).
    assert 'table class="visually-hidden"' not in html
