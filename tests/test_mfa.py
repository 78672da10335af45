"""Reviewers, officers and admins cannot reach their pages without TOTP."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

from applications.models import ProgramOfficer
from reviews.models import ReviewerProfile
from tests.conftest import PASSWORD, login_with_mfa, make_person, totp_code

pytestmark = pytest.mark.django_db
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def officer_without_mfa(program):
    user = make_person("new.officer@example.com")
    ProgramOfficer.objects.create(program=program, user=user)
    return user


@pytest.fixture
def reviewer_without_mfa(db):
    user = make_person("new.reviewer@example.com")
    ReviewerProfile.objects.create(user=user)
    return user


@pytest.fixture
def admin_without_mfa(db):
    return make_person("new.admin@example.com", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("persona", ["officer_without_mfa", "reviewer_without_mfa", "admin_without_mfa"])
@pytest.mark.parametrize("path", ["/", "/companies/", "/officer/", "/reviewer/", "/admin/"])
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, request, persona, path):
    user = request.getfixturevalue(persona)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)


def test_applicant_is_not_asked_for_a_second_factor(client, alice, acme):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert client.get("/companies/").status_code == 200


def test_officer_sets_up_totp_and_then_reaches_the_desk(client, officer_without_mfa):
    client.post("/accounts/login/", {"login": officer_without_mfa.email, "password": PASSWORD})
    # Adding a factor is account-sensitive: allauth asks for the password once more.
    response = client.get(ACTIVATE)
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    html = page.content.decode()
    # allauth's own Korean leaves "secret" in English; the portal's says it in Korean.
    assert "인증 앱 비밀키" in html and "이 비밀키를 안전한 곳에 보관해 두면" in html and "secret" not in html.replace("authenticator_secret", "")
    secret = client.session[SECRET_SESSION_KEY]
    code = totp_code(secret)
    response = client.post(ACTIVATE, {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=officer_without_mfa, type=Authenticator.Type.TOTP).exists()
    # Recovery codes come with the first authenticator.
    assert Authenticator.objects.filter(user=officer_without_mfa, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/officer/").status_code == 200


def test_sign_in_with_totp_asks_for_the_code(client, olivia):
    response = client.post("/accounts/login/", {"login": olivia.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate")
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if totp_code() != "000000" else "111111"})
    assert wrong.status_code == 200
    assert client.get("/officer/").status_code == 302  # not signed in yet
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert client.get("/officer/").status_code == 200


def test_staff_cannot_remove_their_only_second_factor(client, olivia):
    login_with_mfa(client, olivia)
    client.post("/accounts/2fa/totp/deactivate/", {})
    assert Authenticator.objects.filter(user=olivia, type=Authenticator.Type.TOTP).exists()


def test_django_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_with_totp_reaches_the_admin(client, adam):
    login_with_mfa(client, adam)
    assert client.get("/admin/").status_code == 200
