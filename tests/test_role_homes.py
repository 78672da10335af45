"""Each role lands on its own desk (issue 15, item 5): officers on their desk with what waits
for them, reviewers on their assignments, applicants on their applications with the next
action and its deadline."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from applications.services import lifecycle
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
    deadline = call.closes_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M")
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
    assert re.search(r'href="/officer/queue/\?state=submitted">접수됨, 요건검토 시작 전</a>: <strong>1</strong>', html), html
    assert "협약서에 기업이 서명해 전담기관 서명을 기다리는 건: <strong>0</strong>" in html
