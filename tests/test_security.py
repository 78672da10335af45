"""CSRF on every state-changing URL, cookie flags, security headers, and random input to
the forms never producing a server error."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application
from tests.conftest import PASSWORD
from tests.test_url_access import REGISTRY

pytestmark = pytest.mark.django_db


def test_every_post_without_a_csrf_token_is_refused(matrix_world):
    world = matrix_world
    alice = world["people"]["alice"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    state = Application.objects.get(pk=world["application"].pk).state
    for name, spec in REGISTRY.items():
        response = client.post(reverse(name, kwargs=spec.build(world)), {"reason": "x"})
        assert response.status_code in (403, 405), (name, response.status_code)
    for path in ["/companies/new/", "/accounts/logout/", "/verify/", "/officer/queue/bulk/", "/officer/calls/new/"]:
        assert client.post(path, {}).status_code == 403, path
    assert Application.objects.get(pk=world["application"].pk).state == state


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_cookies_are_secure_http_only_and_same_site_in_production(alice):
    client = Client()
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]


def test_security_headers_on_every_kind_of_page(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    for path in ["/", "/calls/", "/companies/", "/accounts/login/", "/verify/"]:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


texts = st.one_of(st.text(max_size=300), st.sampled_from(["", "0", "-1", "9" * 40, "1e309", "NaN", "<script>", "'; DROP TABLE x;--",
                                                          "\x00", "2026-02-30", "../../etc/passwd", "１２３"]))
form_data = st.dictionaries(
    st.sampled_from(["name", "business_number", "corporate_number", "representative_name", "address", "region", "ksic_code",
                     "founded_on", "employees", "fiscal_year", "revenue_latest", "total_assets", "certifications", "email", "message",
                     "project_title", "support_level", "grant_requested", "reason", "number", "sha256", "program", "industry",
                     "code", "title", "opens_at", "closes_at", "budget_total", "max_grant", "kind", "divisions", "years", "regions",
                     "lines-TOTAL_FORMS", "lines-INITIAL_FORMS", "lines-0-amount", "lines-0-category", "lines-0-description",
                     "step", "summary", "new_jobs", "start_date", "decision", "grant", "outcome", "note", "expected_state", "due_at",
                     "steps", "q", "state", "older_than_days", "sort", "page", "cutoff", "max_score", "weight", "email", "start", "end", "company",
                     "cash", "in_kind", "first_percent", "format"]),
    texts, max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=form_data)
def test_random_input_to_the_forms_never_gives_a_server_error(world, data):
    people = world["people"]
    alice, olivia = Client(raise_request_exception=False), Client(raise_request_exception=False)
    alice.force_login(people["alice"])
    olivia.force_login(people["olivia"])
    anonymous = Client(raise_request_exception=False)
    targets = [
        (alice, "/companies/new/"), (alice, f"/companies/{world['acme'].pk}/edit/"), (alice, f"/companies/{world['acme'].pk}/invite/"),
        (alice, f"/applications/{world['application'].pk}/withdraw/"), (alice, f"/applications/{world['application'].pk}/appeal/"),
        (alice, f"/agreements/{world['agreement'].pk}/sign/"), (anonymous, "/verify/"), (olivia, f"/agreements/{world['agreement'].pk}/terms/"),
        (olivia, "/officer/calls/new/"), (olivia, f"/officer/calls/{world['call'].pk}/basics/"), (olivia, f"/officer/calls/{world['call'].pk}/rules/"),
        (olivia, f"/officer/calls/{world['call'].pk}/evaluation/rubric/"), (olivia, f"/officer/calls/{world['call'].pk}/evaluation/panel/"),
        (olivia, f"/officer/applications/{world['application'].pk}/revision/"),
        (olivia, f"/officer/selections/{world['round'].pk}/items/{world['round'].items.first().pk}/"),
        (olivia, "/officer/queue/bulk/"), (olivia, f"/officer/calls/{world['call'].pk}/levels/"),
        (olivia, f"/officer/calls/{world['call'].pk}/documents/"), (olivia, f"/officer/calls/{world['call'].pk}/sections/"),
        (olivia, f"/officer/calls/{world['call'].pk}/sections/{world['section'].pk}/fields/"), (olivia, f"/officer/calls/{world['call'].pk}/clauses/"),
        (olivia, f"/officer/calls/{world['call'].pk}/evaluation/criterion/"), (olivia, f"/officer/calls/{world['call'].pk}/evaluation/bonus/"),
        (olivia, f"/officer/panels/{world['assignment'].panel_id}/invite/"), (olivia, f"/officer/panels/{world['assignment'].panel_id}/assign/"),
        (olivia, f"/officer/panels/{world['assignment'].panel_id}/tie/"), (olivia, f"/officer/reviews/{world['review'].pk}/reopen/"),
        (olivia, f"/officer/appeals/{world['appeal'].pk}/decide/"), (olivia, f"/officer/calls/{world['call'].pk}/exports/"),
        (alice, "/companies/join/"), (alice, "/companies/claim/"), (olivia, f"/staff/claims/{world['claim'].pk}/decide/"),
        (alice, f"/applications/{world['application'].pk}/autosave/"),
        (alice, f"/applications/{world['application'].pk}/submit/"), (anonymous, "/accounts/signup/"), (anonymous, "/accounts/login/"),
        (olivia, f"/officer/applications/{world['application'].pk}/agreement/"), (olivia, f"/officer/selections/{world['round'].pk}/finalize/"),
        (alice, f"/calls/{world['call'].code}/apply/"),
    ]
    for client, path in targets:
        assert client.post(path, data).status_code < 500, path
    reviewer = Client(raise_request_exception=False)
    reviewer.force_login(people["assigned"])
    for path in (f"/reviewer/assignments/{world['assignment'].pk}/declare/", f"/reviewer/assignments/{world['assignment'].pk}/score/"):
        assert reviewer.post(path, data).status_code < 500, path
    for client, path in [(anonymous, "/calls/"), (olivia, "/officer/queue/")]:
        assert client.get(path, data).status_code < 500, path
