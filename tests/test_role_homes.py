"""Each role lands on its own desk: officers on their desk with what waits
for them, reviewers on their assignments, applicants on their applications with the next
action and its deadline."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from applications import lifecycle
from tests.conftest import PASSWORD, login_with_mfa, make_complete_draft, timezone_now

pytestmark = pytest.mark.django_db


def test_each_role_lands_on_its_own_desk(alice, acme, olivia, rachel, adam):
    assert Client().post("/accounts/login/", {"login": alice.email, "password": PASSWORD})["Location"] == "/applications/"
    for person, desk in ((olivia, "/officer/"), (adam, "/officer/"), (rachel, "/reviewer/")):
        response = login_with_mfa(Client(), person)
        assert response["Location"] == desk, person
    # A page asked for comes first.
    response = Client().post("/accounts/login/?next=/calls/", {"login": alice.email, "password": PASSWORD, "next": "/calls/"})
    assert response["Location"] == "/calls/"


def test_staff_are_not_offered_to_register_a_company_on_the_home_page(olivia):
    client = Client()
    login_with_mfa(client, olivia)
    html = client.get("/").content.decode()
    assert "기업 등록하기" not in html and 'href="/officer/"' in html


def test_the_applicant_sees_the_next_action_and_its_deadline(alice, acme, call):
    draft = make_complete_draft(alice, acme, call)
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get("/applications/").content.decode()
    from portal.formatting import deadline as written

    deadline = written(call.closes_at)
    assert f'href="/applications/{draft.pk}/edit/overview/">신청서 작성을 마치고 제출하기</a>' in html
    assert f"{deadline}(KST)까지" in html
    lifecycle.application_submit(user=alice, application_id=draft.pk, now=timezone_now())
    html = client.get("/applications/").content.decode()
    assert "요건검토 결과를 기다리세요." in html and "(KST)까지" not in html


def test_the_officer_desk_says_what_waits(olivia, alice, acme, call):
    draft = make_complete_draft(alice, acme, call)
    lifecycle.application_submit(user=alice, application_id=draft.pk, now=timezone_now())
    client = Client()
    login_with_mfa(client, olivia)
    html = client.get("/officer/").content.decode()
    assert re.search(r'href="/officer/queue/\?state=submitted">접수됨, 요건검토 시작 전</a>: <strong>1건</strong>', html), html
    assert "협약서에 기업이 서명해 전담기관 서명을 기다리는 건: <strong>0건</strong>" in html


def test_the_officer_desk_shows_each_calls_code_and_where_it_stands(olivia, program):
    """A draft, a call not yet open, an open one and a closed one each read differently, and
    calls with the same title are told apart by their codes."""
    from datetime import timedelta

    from tests.factories import CallFactory

    now = timezone_now()
    CallFactory(program=program, code="SF-2027-1", title="스마트공장 공고", is_published=False)
    CallFactory(program=program, code="SF-2027-2", title="스마트공장 공고", opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=30))
    CallFactory(program=program, code="SF-2027-3", title="스마트공장 공고")
    CallFactory(program=program, code="SF-2026-1", title="스마트공장 공고", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    client = Client()
    login_with_mfa(client, olivia)
    html = client.get("/officer/").content.decode()
    for code, css, label in (("SF-2027-1", "unpublished", "미게시"), ("SF-2027-2", "upcoming", "접수 예정"),
                             ("SF-2027-3", "open", "접수 중"), ("SF-2026-1", "closed", "마감")):
        assert re.search(rf'<span class="call-code">{code}</span><br><a href="/officer/calls/\d+/dashboard/">스마트공장 공고</a>'
                         rf'.*?</td><td><span class="status call-phase status-call-{css}">{label}</span></td>', html), code
