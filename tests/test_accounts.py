"""Sign-up, verification by code, sign-in, sign-out, password reset and e-mail change,
through allauth's real views and the outbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from freezegun import freeze_time

from portal.models import OutboundEmail, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _code_from_last_email() -> str:
    """The code in the newest message: from the outbox while it waits, from what the person
    received once it was delivered (the outbox keeps no code after delivery)."""
    from django.core import mail

    stored = OutboundEmail.objects.latest("created_at")
    body = stored.body if stored.sent_at is None else [m for m in mail.outbox if m.to == stored.to][-1].body
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def _sign_up(client, email="newcomer@example.com", password=PASSWORD, **extra):
    data = {"email": email, "password1": password, "password2": password, "name": "김새내", "position": "과장",
            "consent_personal_information": "on"} | extra
    return client.post("/accounts/signup/", {k: v for k, v in data.items() if v is not None})


def test_sign_up_sends_a_code_and_the_code_verifies_the_address(client, deliver_outbox):
    response = _sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    sent = deliver_outbox()
    assert len(sent) == 1 and sent[0].to == ["newcomer@example.com"]

    response = client.post("/accounts/confirm-email/", {"code": _code_from_last_email()})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="newcomer@example.com").verified
    assert client.get("/companies/").status_code == 200  # signed in


def test_wrong_code_is_refused_in_korean(client):
    _sign_up(client)
    response = client.post("/accounts/confirm-email/", {"code": "XXXXXX"})
    assert response.status_code == 200
    assert "코드" in response.content.decode()
    assert not EmailAddress.objects.get(email="newcomer@example.com").verified


def test_expired_code_is_refused_and_the_address_stays_unverified(client):
    _sign_up(client)
    code = _code_from_last_email()
    with freeze_time(timedelta(minutes=16), tick=True):
        response = client.post("/accounts/confirm-email/", {"code": code})
    assert not EmailAddress.objects.get(email="newcomer@example.com").verified
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # allauth sends the person back to sign in again
        assert "/accounts/login/" in response["Location"] or "/accounts/signup/" in response["Location"]


def test_weak_password_gets_a_korean_message_and_no_account(client):
    response = _sign_up(client, password="12345678")
    html = response.content.decode()
    assert response.status_code == 200
    assert "비밀번호" in html
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_too_long_email_is_refused_not_truncated(client):
    response = _sign_up(client, email=("x" * 250) + "@example.com")
    assert response.status_code == 200
    assert "이메일 주소는 최대 254자입니다(입력한 주소는 262자)." in response.content.decode()
    assert not User.objects.filter(email__startswith="xxxx").exists()


def test_second_sign_up_with_the_same_address_does_not_create_a_second_account(client, alice):
    _sign_up(client, email="alice@example.com")
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1


def test_unverified_person_cannot_sign_in_without_the_code(client, db):
    user = User.objects.create_user("pending@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/companies/").status_code == 302


def test_sign_in_and_sign_out(client, alice):
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/companies/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/companies/").status_code == 302


def test_wrong_password_is_refused_in_korean(client, alice):
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": "wrong-password"})
    assert response.status_code == 200
    assert "이메일 또는 비밀번호가 올바르지 않습니다." in response.content.decode()


def test_password_reset_by_link_sets_a_new_password(client, alice, deliver_outbox):
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    sent = deliver_outbox()
    assert len(sent) == 1
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", sent[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else "/" + path
    response = client.post(form_url, {"password1": "Brand-New-Secret-77", "password2": "Brand-New-Secret-77"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Brand-New-Secret-77")


def test_changing_email_requires_reauthentication_and_the_new_address_code(client, alice):
    client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    with freeze_time(timedelta(hours=1), tick=True):
        response = client.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.com"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/")
        assert not EmailAddress.objects.filter(email="alice.new@example.com").exists()

        response = client.post(response["Location"], {"password": PASSWORD})
        assert response["Location"] == "/accounts/confirm-email/"
        assert OutboundEmail.objects.latest("created_at").to == ["alice.new@example.com"]
        client.post("/accounts/confirm-email/", {"code": _code_from_last_email()})
    assert EmailAddress.objects.get(email="alice.new@example.com", user=alice).verified
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com"


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(client, alice):
    for attempt in range(5):
        client.post("/accounts/login/", {"login": "alice@example.com", "password": f"wrong-{attempt}"})
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "너무 많은 로그인 실패" in response.content.decode()
    assert client.get("/companies/").status_code == 302


def _session_writes(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return sum(1 for q in captured if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")))


def test_the_idle_timeout_slides_without_a_session_write_on_every_page(client, alice, acme):
    with freeze_time("2026-12-01 09:00:00") as clock:
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        _session_writes(client, "/companies/")
        clock.tick(timedelta(minutes=2))
        assert _session_writes(client, "/companies/") == 0  # a page read costs no session write
        clock.tick(timedelta(minutes=4))
        assert _session_writes(client, "/companies/") == 1  # five minutes on: the expiry is renewed
        for _hour in range(4):  # active all afternoon: still signed in after four hours
            clock.tick(timedelta(minutes=59))
            assert _session_writes(client, "/companies/") == 1
        clock.tick(timedelta(hours=3, minutes=1))  # then idle for longer than the limit
        # The cached copy expires by Redis's own clock (the same sliding age), which the frozen
        # clock cannot move; the database row's expiry is what this checks.
        from django.core.cache import cache

        cache.clear()
        assert client.get("/companies/").status_code == 302


def test_session_lasts_hours_not_weeks(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


def test_the_password_mail_is_the_portals_own_korean(client, alice, deliver_outbox, django_capture_on_commit_callbacks):
    """An invited reviewer chooses a first password through this mail: the portal's words,
    not allauth's stock English-shaped greeting and sign-off."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": alice.email})
    message = deliver_outbox()[-1]
    assert message.subject.endswith("비밀번호 정하기")
    assert "새 비밀번호를 정하려는 요청이 있었습니다. 아래 링크를 열어 비밀번호를 정하세요." in message.body
    assert "/accounts/password/reset/key/" in message.body
    assert "직접 요청하지 않았다면 이 메일을 무시하세요. 링크를 열지 않으면 아무것도 바뀌지 않습니다." in message.body
    assert not re.search(r"Hello from|Thank you for using|[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+ [a-z]+", message.body), message.body
