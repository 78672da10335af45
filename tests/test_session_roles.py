"""Roles and the MFA flag kept in the session: a signed-in page no longer
asks the database who the person is on every request, and a role taken away counts from
the very next request — not after the session's copy expires."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ProgramOfficer
from portal.roles import SESSION_SECONDS
from tests.conftest import login_with_mfa

pytestmark = pytest.mark.django_db


def role_queries(client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    sql = [q["sql"] for q in captured.captured_queries]
    return response.status_code, [s for s in sql if '"_officer"' in s or 'mfa_authenticator' in s]


def test_an_officers_roles_are_read_once_and_then_kept(client, olivia):
    login_with_mfa(client, olivia)
    client.get("/officer/")  # read and kept
    status, asked = role_queries(client, "/officer/")
    assert status == 200 and asked == []


def test_a_role_taken_away_counts_from_the_next_request(client, olivia, program):
    login_with_mfa(client, olivia)
    assert client.get("/officer/").status_code == 200
    ProgramOfficer.objects.filter(user=olivia).delete()
    refused = client.get("/officer/")
    assert refused.status_code == 403
    assert "사업담당자 업무" not in client.get("/calls/").content.decode()


def test_a_role_given_counts_from_the_next_request(client, alice, program):
    client.force_login(alice)
    assert client.get("/officer/").status_code == 403
    ProgramOfficer.objects.create(program=program, user=alice)
    # Now staff: sent to set up two-factor authentication before anything else.
    response = client.get("/officer/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_the_kept_roles_expire(client, olivia, monkeypatch):
    import time

    login_with_mfa(client, olivia)
    client.get("/officer/")
    later = time.time() + SESSION_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    status, asked = role_queries(client, "/officer/")
    assert status == 200 and asked != []


def test_an_authenticator_removed_sends_staff_to_set_up_again(client, olivia):
    from allauth.mfa.models import Authenticator

    login_with_mfa(client, olivia)
    assert client.get("/officer/").status_code == 200
    Authenticator.objects.filter(user=olivia).delete()
    response = client.get("/officer/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")
