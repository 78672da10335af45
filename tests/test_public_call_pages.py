"""The public call page and the catalogue: notice files, eligibility in
plain words, contact, an apply path that comes back to the call after sign-up and company
registration; keyword search, a count and 접수예정 / 접수중 / 마감 tabs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Call
from tests.conftest import PASSWORD
from tests.factories import CallFactory, ProgramFactory
from tests.test_accounts import _code_from_last_email
from tests.test_companies import VALID

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_sees_who_may_apply_whom_to_ask_and_how_to_apply(client, call):
    Call.objects.filter(pk=call.pk).update(contact_department="스마트제조팀", contact_phone="043-123-4567", contact_email="sf@example.go.kr")
    html = client.get(f"/calls/{call.code}/").content.decode()
    assert "<h2 id=\"who-heading\">신청 자격</h2>" in html
    from applications.selectors import rules_described

    for rule in rules_described(list(call.rules.all())):
        assert f"<strong>{rule.get_kind_display()}</strong>" in html and rule.summary in html
    assert "(필수)" in html and "기업당 1건 신청" in html
    assert "문의처" in html and "스마트제조팀" in html and 'href="tel:0431234567"' in html and 'href="mailto:sf@example.go.kr"' in html
    assert f'href="/accounts/signup/?next=/calls/{call.code}/"' in html and "회원가입 후 신청하기" in html


def test_sign_up_and_company_registration_lead_back_to_the_call(client, call, deliver_outbox):
    response = client.post(f"/accounts/signup/?next=/calls/{call.code}/", {
        "email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD, "name": "김새내",
        "consent_personal_information": "on", "next": f"/calls/{call.code}/"})
    assert response.status_code == 302
    deliver_outbox()
    response = client.post("/accounts/confirm-email/", {"code": _code_from_last_email()})
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.code}/"
    page = client.get(f"/calls/{call.code}/").content.decode()
    assert f'href="/companies/new/?next=/calls/{call.code}/"' in page
    response = client.post(f"/companies/new/?next=/calls/{call.code}/", VALID)
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.code}/"
    page = client.get(f"/calls/{call.code}/").content.decode()
    assert "한빛정밀 주식회사" in page and f'action="/calls/{call.code}/apply/"' in page
    # Anywhere else is not a place to be sent: the company's own page instead.
    response = client.post("/companies/new/?next=https://evil.example/", VALID | {"business_number": "220-81-62517", "name": "둘째"})
    assert response["Location"].startswith("/companies/")


@pytest.fixture
def three_stages(program):
    now = timezone.now()
    return {
        "open": CallFactory(program=program, code="SF-OPEN", title="스마트공장 고도화 접수 공고", notice="MES 도입 지원",
                            opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=10)),
        "open2": CallFactory(program=ProgramFactory(code="MPE", name_ko="소재·부품·장비 지원", name_en="Materials"), code="MP-OPEN",
                             title="소재부품 기술개발 공고", notice="장비 구축",
                             opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=3)),
        "upcoming": CallFactory(program=program, code="SF-SOON", title="스마트공장 하반기 공고", opens_at=now + timedelta(days=5),
                                closes_at=now + timedelta(days=30)),
        "closed": CallFactory(program=program, code="SF-PAST", title="스마트공장 상반기 공고", opens_at=now - timedelta(days=60),
                              closes_at=now - timedelta(days=20)),
    }


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/calls/[A-Z0-9-]+/">([^<]+)</a></h3>', html)


def test_the_catalogue_has_tabs_with_counts_and_a_result_count(client, three_stages):
    html = client.get("/calls/").content.decode()
    assert _titles(html) == ["소재부품 기술개발 공고", "스마트공장 고도화 접수 공고"]  # open now, closing first
    assert re.search(r'aria-current="page">접수 중 <span class="tab-count">2</span>', html)
    assert re.search(r'>접수 예정 <span class="tab-count">1</span>', html) and re.search(r'>마감 <span class="tab-count">1</span>', html)
    assert "접수 중: 2건" in html
    assert _titles(client.get("/calls/?tab=upcoming").content.decode()) == ["스마트공장 하반기 공고"]
    closed = client.get("/calls/?tab=closed").content.decode()
    assert _titles(closed) == ["스마트공장 상반기 공고"] and "마감: 1건" in closed


def test_keyword_search_finds_words_in_the_title_notice_or_program_and_counts_each_tab(client, three_stages):
    html = client.get("/calls/?q=스마트공장").content.decode()
    assert _titles(html) == ["스마트공장 고도화 접수 공고"]
    assert re.search(r'>접수 예정 <span class="tab-count">1</span>', html) and re.search(r'>마감 <span class="tab-count">1</span>', html)
    assert 'href="?q=%EC%8A%A4%EB%A7%88%ED%8A%B8%EA%B3%B5%EC%9E%A5&amp;tab=closed"' in html  # the tabs keep the search
    assert _titles(client.get("/calls/?q=mes").content.decode()) == ["스마트공장 고도화 접수 공고"]  # in the notice, any case
    assert _titles(client.get("/calls/?q=장비 구축").content.decode()) == ["소재부품 기술개발 공고"]  # every word
    empty = client.get("/calls/?q=없는낱말").content.decode()
    assert _titles(empty) == [] and "접수 중: 0건" in empty and "조건에 맞는 공고가 없습니다" in empty


def test_the_officer_previewing_an_unpublished_call_is_told_companies_cannot_see_it(client, olivia, call):
    from tests.conftest import login_with_mfa

    login_with_mfa(client, olivia)
    Call.objects.filter(pk=call.pk).update(is_published=False)
    html = client.get(f"/calls/{call.code}/").content.decode()
    assert re.search(r'<p class="message message-warning" role="status" id="unpublished-preview"><strong>미게시</strong> — '
                     r'공고 담당자를 위한 미리보기입니다. 공고를 게시하기 전에는 기업이 이 페이지를 보거나 신청할 수 없습니다.', html), html
    Call.objects.filter(pk=call.pk).update(is_published=True)
    assert "unpublished-preview" not in client.get(f"/calls/{call.code}/").content.decode()


def test_each_stage_of_the_window_reads_as_the_call_answers(client, three_stages):
    """The call's page and its card say "not open yet", "open" or "closed" as Call answers it,
    and an anonymous visitor is offered sign-up while the call is open or still to open."""
    def deadline_box(code: str) -> str:
        html = client.get(f"/calls/{code}/").content.decode()
        return re.search(r'<div class="deadline-box[^"]*">(.*?)</div>', html, re.S).group(1), html

    box, html = deadline_box("SF-SOON")
    opens = three_stages["upcoming"].opens_at
    assert '<p class="dday">접수 예정</p>' in box and f'접수 시작 <time datetime="{timezone.localtime(opens).isoformat()}">' in box
    assert "회원가입 후 신청하기" in html
    box, html = deadline_box("SF-OPEN")
    assert '<p class="dday"' in box and "접수 예정" not in box and "마감</p>" not in box and "회원가입 후 신청하기" in html
    box, html = deadline_box("SF-PAST")
    assert '<p class="dday">마감</p>' in box and "<p>접수 마감 " in box and "회원가입 후 신청하기" not in html
    # The card shows when a call opens only while it is still to open.
    assert "<dt>접수 시작</dt>" in client.get("/calls/?tab=upcoming").content.decode()
    for tab in ("open", "closed"):
        assert "<dt>접수 시작</dt>" not in client.get(f"/calls/?tab={tab}").content.decode()
    assert "<dt>접수 시작</dt>" not in client.get("/").content.decode()
