"""The public catalogue and call pages from the cache: an anonymous visitor
gets the kept page without a query, a changed call shows at once, and nobody is ever served
another person's page or CSRF token."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import constants, storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import NoticeAttachment
from portal import page_cache

pytestmark = pytest.mark.django_db


def token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def open_call(call):
    return call


@pytest.mark.parametrize("path", ["/calls/", "/calls/SF-2026-9/", "/calls/?region=48&closing_soon=on"])
def test_the_second_anonymous_visit_is_served_from_the_cache_without_a_query(open_call, path):
    first = Client().get(path)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(path)
    assert second.status_code == 200 and second["X-Page-Cache"] == "hit"
    assert len(queries) == 0
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", second.content.decode()) == strip.sub("", first.content.decode())


def test_a_changed_call_shows_at_once(open_call, olivia):
    assert open_call.title in Client().get("/calls/").content.decode()
    Client().get(f"/calls/{open_call.code}/")
    open_call.title = "2026년 스마트공장 9차 공고 (수정)"
    open_call.save()
    for path in ("/calls/", f"/calls/{open_call.code}/"):
        page = Client().get(path)
        assert page["X-Page-Cache"] == "miss" and "2026년 스마트공장 9차 공고 (수정)" in page.content.decode()


def test_an_added_notice_file_and_an_unpublished_call_show_at_once(open_call, olivia, tmp_path):
    from django.core.files.base import ContentFile

    Client().get(f"/calls/{open_call.code}/")
    NoticeAttachment.objects.create(call=open_call, title="공고문 원문", file=ContentFile(b"%PDF-1.7", name="notice.pdf"))
    assert "공고문 원문" in Client().get(f"/calls/{open_call.code}/").content.decode()
    open_call.is_published = False
    open_call.save()
    assert Client().get(f"/calls/{open_call.code}/").status_code == 404
    assert open_call.title not in Client().get("/calls/").content.decode()


def test_a_page_is_kept_no_longer_than_until_the_next_call_opens_or_closes(open_call):
    now = timezone.now()
    open_call.closes_at = now + datetime.timedelta(seconds=20)
    open_call.save()
    from applications.selectors import seconds_until_next_call_change

    assert 19 <= seconds_until_next_call_change(now) <= 21
    assert page_cache._lifetime() <= 21


def test_each_anonymous_visitor_gets_a_working_csrf_token_of_their_own(open_call):
    Client().get("/calls/")  # kept
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first, second = one.get("/calls/"), two.get("/calls/")
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "hit"
    assert page_cache.CSRF_PLACEHOLDER not in first.content.decode()
    assert token_of(first) != token_of(second)
    # The token works with that visitor's cookie (the language switch is a POST)...
    switched = one.post("/i18n/setlang/", {"csrfmiddlewaretoken": token_of(first), "language": "en", "next": "/calls/"})
    assert switched.status_code == 302
    # ...and not with another's.
    assert two.post("/i18n/setlang/", {"csrfmiddlewaretoken": "x" * 64, "language": "en", "next": "/"}).status_code == 403


def test_a_signed_in_page_is_never_kept_nor_served_a_kept_one(open_call, alice):
    Client().get("/calls/")  # an anonymous page is kept
    signed_in = Client()
    signed_in.force_login(alice)
    mine = signed_in.get("/calls/")
    assert "X-Page-Cache" not in mine and "내 신청서" in mine.content.decode() and "로그아웃" in mine.content.decode()
    anonymous = Client().get("/calls/")
    assert anonymous["X-Page-Cache"] == "hit"
    assert "로그아웃" not in anonymous.content.decode() and alice.email not in anonymous.content.decode()


def test_a_visitor_with_a_message_waiting_gets_their_own_page(open_call, rf):
    Client().get("/calls/")  # kept
    visitor = Client()
    # A message waiting in the visitor's cookie (as after signing out).
    request = rf.get("/")
    messages = storage.cookie.CookieStorage(request)
    messages.add(constants.SUCCESS, "로그아웃했습니다.")
    response = __import__("django.http", fromlist=["HttpResponse"]).HttpResponse()
    messages.update(response)
    visitor.cookies["messages"] = response.cookies["messages"].value
    page = visitor.get("/calls/")
    assert "X-Page-Cache" not in page and "로그아웃했습니다." in page.content.decode()
    assert "로그아웃했습니다." not in Client().get("/calls/").content.decode()


def test_languages_are_kept_apart(open_call):
    korean = Client().get("/calls/")
    english_visitor = Client()
    english_visitor.cookies["django_language"] = "en"
    english = english_visitor.get("/calls/")
    assert '<html lang="ko">' in korean.content.decode()
    assert '<html lang="en">' in english.content.decode() and english["X-Page-Cache"] == "miss"
    assert '<html lang="ko">' in Client().get("/calls/").content.decode()
