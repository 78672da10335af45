"""Site-wide pages: the home page lists open calls, role navigation, health check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD, login_with_mfa
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def test_home_lists_open_published_calls_only(client, program):
    now = timezone.now()
    CallFactory(program=program, title="열린 공고")
    CallFactory(program=program, title="미게시 공고", is_published=False)
    CallFactory(program=program, title="마감된 공고", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    CallFactory(program=program, title="예정 공고", opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=30))
    html = client.get("/").content.decode()
    assert "열린 공고" in html
    for hidden in ("미게시 공고", "마감된 공고", "예정 공고"):
        assert hidden not in html


def test_home_runs_the_same_number_of_queries_for_few_and_many_calls(client, program):
    CallFactory.create_batch(2, program=program)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/")
    CallFactory.create_batch(30, program=program)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(few) == len(many)


def test_navigation_follows_the_role(client, alice, acme, olivia):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get("/").content.decode()
    assert "/companies/" in html and "/officer/" not in html
    client.post("/accounts/logout/")
    login_with_mfa(client, olivia)
    html = client.get("/").content.decode()
    assert "/officer/" in html


def test_officer_desk_is_only_for_officers(client, alice, acme, olivia, program):
    CallFactory(program=program, title="담당 공고")
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert client.get("/officer/").status_code == 403
    assert client.get("/reviewer/").status_code == 403
    client.post("/accounts/logout/")
    login_with_mfa(client, olivia)
    assert "담당 공고" in client.get("/officer/").content.decode()


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_health_check_answers(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_refusals_and_missing_pages_explain_themselves_in_korean_on_the_site_layout(client, carol, acme):
    """A plain member editing the company: the 403 page names the reason, in the site's frame."""
    client.post("/accounts/login/", {"login": carol.email, "password": PASSWORD})
    refused = client.get(f"/companies/{acme.pk}/edit/")
    html = refused.content.decode()
    assert refused.status_code == 403
    assert "허용되지 않습니다" in html and "지원사업 신청 포털" in html and 'href="/"' in html
    missing = client.get("/applications/999999/")
    assert missing.status_code == 404 and "페이지를 찾을 수 없습니다" in missing.content.decode()


def test_a_form_address_opened_directly_says_what_it_is_for_and_changes_nothing(client, olivia, selected):
    """The officer pastes an action's address into the browser: a page in the site's frame, not
    a blank 405, and the application is where it was."""
    login_with_mfa(client, olivia)
    before = selected.state
    response = client.get(f"/officer/applications/{selected.pk}/agreement/")
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "이 주소는 양식을 보낼 때만 쓰입니다" in html and "바뀐 것은 없습니다" in html and "지원사업 신청 포털" in html
    selected.refresh_from_db()
    assert selected.state == before and not hasattr(selected, "agreement")


def test_the_server_error_page_needs_nothing_from_the_request():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "일시적인 오류" in html and "try again" in html
