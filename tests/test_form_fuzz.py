"""Hypothesis-generated input to every form the site shows, never a server error.

The forms are not listed by hand: each role's pages are crawled (from the URL configuration
and the links on the pages), every <form method="post"> found is collected with its field
names, and a test checks that every URL that accepts a POST is reached by some form. Then
random values (and random files for file inputs) are posted to each form as the role that
saw it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login_with_mfa
from tests.test_url_access import REGISTRY, ROLES, all_routes, routes

pytestmark = pytest.mark.django_db

CRAWLED_ROLES = ["anonymous", "owner", "member", "other_applicant", "assigned", "officer", "admin"]
PERSONA = {"anonymous": None, "owner": "alice", "member": "carol", "other_applicant": "bob", "assigned": "assigned", "officer": "olivia",
           "admin": "adam"}
START = ["/", "/calls/", "/applications/", "/companies/", "/companies/new/", "/notifications/", "/officer/", "/officer/queue/",
         "/officer/calls/new/", "/reviewer/", "/verify/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
         "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/accounts/2fa/totp/activate/",
         "/accounts/2fa/totp/deactivate/", "/accounts/2fa/recovery-codes/generate/", "/accounts/reauthenticate/"]
# Never posted at random: they end the session the rest of the crawl depends on (leaving closes
# the account; its random input is posted in test_leaving).
NOT_FUZZED = {"/accounts/logout/", "/me/leave/"}
# URLs that take a POST from scripts rather than from a <form>, or whose form only shows in a
# state the crawled world is not in (an undeclared assignment, an open selection round, an
# issued agreement, a rejection within the appeal window, a duplicate company registration),
# with the test that posts random input to them.
FUZZED_ELSEWHERE = {
    "application_autosave": "test_random_input_to_the_autosave_endpoint",
    # Posted by a script as the budget is typed (the budget step's own form is crawled).
    "application_budget_preview": "test_budget.test_random_input_to_the_budget_preview",
    # Shown only to an offered application and beside an unscored review; empty and valid input in test_lifecycle.
    **dict.fromkeys(["application_offer_answer", "officer_assignment_waive"], "test_lifecycle"),
    # The ranking page offers it only once the call has closed (the crawled call is open); posted while
    # open and without a rubric in test_officer_calls, after closing in test_evaluation.
    "officer_selection_run": "test_officer_calls.test_a_new_call_opens_its_evaluation_and_ranking_pages_with_nothing_set_up",
    "leave": "test_leaving.test_random_input_to_the_leaving_page_never_gives_a_server_error",
    # Offered only while the application is under evaluation (the crawled world's is decided); empty and
    # valid reasons, and the refusal once decided, in test_evaluation.
    "officer_review_reopen": "test_evaluation.test_submitted_review_is_locked_until_the_officer_reopens_it_with_a_reason",
    # Shown only on a three-party (상생형) agreement; the crawled world's is a two-party one.
    "agreement_partner_signer": "test_agreement_parties.test_random_input_to_the_partner_signer_form_is_refused_cleanly",
    **dict.fromkeys(["reviewer_declare", "officer_selection_finalize", "officer_selection_override", "agreement_prepare", "agreement_sign",
                     "application_appeal", "company_join_request", "application_start"],
                    "test_security.test_random_input_to_the_forms_never_gives_a_server_error"),
}


class Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms, self._form = set(), [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.add(attrs["href"])
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action") or "",
                          "multipart": "multipart" in (attrs.get("enctype") or ""), "fields": {}}
        elif tag in ("input", "select", "textarea", "button") and self._form is not None and attrs.get("name"):
            kind = attrs.get("type", "text") if tag == "input" else tag
            self._form["fields"].setdefault(attrs["name"], kind)

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _internal(path: str, base: str) -> str | None:
    path = urldefrag(path)[0]
    if not path:
        return base
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _client(world, role):
    client = Client(raise_request_exception=False)
    if PERSONA[role]:
        login_with_mfa(client, world["people"][PERSONA[role]])
    return client


def pages(world, role, client, limit=140):
    """(path, HTML) of every page this role reaches: the start pages, each URL the access
    matrix says it may GET, and the links on the pages found, breadth first."""
    seeds = list(START)
    for name, spec in REGISTRY.items():
        if spec.get.split()[ROLES.index(role)] == "200":
            seeds.append(reverse(name, kwargs=spec.build(world)))
    seen, queue = set(), seeds
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or path.startswith(("/admin/", "/i18n/")) or "logout" in path:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        yield path, html
        parser = Forms()
        parser.feed(html)
        queue += [p for p in (_internal(link, path) for link in parser.links) if p and p not in seen]


def crawl(world, role, limit=140):
    """Every POST form on the pages this role can reach, as (path, form)."""
    client = _client(world, role)
    found = {}
    for path, html in pages(world, role, client, limit):
        parser = Forms()
        parser.feed(html)
        for form in parser.forms:
            target = _internal(form["action"], path)
            if form["method"] == "post" and target and target not in NOT_FUZZED:
                form["fields"].pop("csrfmiddlewaretoken", None)
                found.setdefault(target, form)
    return client, found


def _url_name(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).url_name
    except Resolver404:
        return None


@pytest.fixture
def fuzz_world(matrix_world, call):
    """The matrix world plus what shows the remaining forms: Bob's complete draft (the step
    forms, submission, document removal) and his second company's submitted application
    (withdrawal; the officer's screening actions), and a call that has not opened (set-up, an
    unlocked rubric)."""
    from applications.demo import configure_call
    from applications.lifecycle import application_submit
    from portal.models import CompanyMembership
    from reviews.services import evaluation
    from tests.conftest import make_complete_draft, timezone_now
    from tests.factories import CallFactory, CompanyFactory

    bob, olivia = matrix_world["people"]["bob"], matrix_world["people"]["olivia"]
    from applications.models import Call

    Call.objects.filter(pk=call.pk).update(closes_at=timezone_now() + timedelta(days=20))  # open again for Bob's drafts
    call.refresh_from_db()
    make_complete_draft(bob, matrix_world["people"]["bob"].memberships.get().company, call)
    second = CompanyFactory(name="글로벡스 2공장")
    CompanyMembership.objects.create(company=second, user=bob, role=CompanyMembership.Role.OWNER, can_sign=True)
    application_submit(user=bob, application_id=make_complete_draft(bob, second, call).pk, now=timezone_now())
    upcoming = CallFactory(program=call.program, code="SF-2027-1", opens_at=timezone_now() + timedelta(days=30),
                           closes_at=timezone_now() + timedelta(days=60))
    configure_call(upcoming, user=olivia)
    evaluation.criterion_add(user=olivia, rubric=evaluation.rubric_for(upcoming), data={
        "name_ko": "기술성", "name_en": "Technology", "description": "", "max_score": Decimal(60), "weight": Decimal(60)})
    return matrix_world


@pytest.fixture
def crawled(fuzz_world):
    return {role: crawl(fuzz_world, role) for role in CRAWLED_ROLES}


def test_every_url_that_takes_a_post_is_reached_by_a_form(crawled):
    reached = {_url_name(path) for _client, forms in crawled.values() for path in forms}
    takes_post = {name for name, spec in REGISTRY.items() if set(spec.post.split()) - {"L", "405"}}
    probe = crawled["officer"][0]
    for route, name in _plain_routes():
        if probe.post("/" + route).status_code != 405:
            takes_post.add(name)
    missing = sorted(takes_post - reached - set(FUZZED_ELSEWHERE) - {None})
    assert not missing, f"no page shows a form for these POST URLs (fuzz them here or in FUZZED_ELSEWHERE): {missing}"
    assert not set(FUZZED_ELSEWHERE) & reached, "now reached by a crawled form: take it out of FUZZED_ELSEWHERE"
    assert {"account_login", "account_signup", "account_reset_password", "account_email", "account_change_password",
            "account_reauthenticate"} <= reached, sorted(n for n in reached if n and (n.startswith(("account", "mfa"))))


def _plain_routes():
    with_ids = {name for _r, name in routes()}
    for route, name in all_routes():
        if name and name not in with_ids and "<" not in route and not route.startswith(("admin/", "i18n/", "accounts/", "^")):
            yield route, name


texts = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", "0", "-1", "9" * 40, "1e309", "NaN", "<script>alert(1)</script>", "'; DROP TABLE x;--", "\x00", "2026-02-30",
                     "2026-12-01T09:00", "../../etc/passwd", "１２３", "yes", "no", "on", "approve", "reject", "selected", "agency"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
files = st.binary(max_size=2048).map(lambda data: ("upload.pdf", data))


def _value(kind: str):
    return files if kind == "file" else texts


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(data=st.data())
def test_random_input_to_every_form_never_gives_a_server_error(crawled, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for role, (client, forms) in crawled.items():
        for path, form in sorted(forms.items()):
            names = sorted(form["fields"])
            chosen = data.draw(st.lists(st.sampled_from(names), unique=True) if names else st.just([]), label=f"{role} {path} fields")
            payload = {}
            for name in chosen:
                value = data.draw(_value(form["fields"][name]), label=name)
                payload[name] = SimpleUploadedFile(value[0], value[1]) if isinstance(value, tuple) else value
            response = client.post(path, payload)
            assert response.status_code < 500, (role, path, payload)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=st.dictionaries(st.sampled_from(["step", "project_title", "support_level", "summary", "new_jobs", "start_date",
                                                "lines-TOTAL_FORMS", "lines-0-amount", "revision"]), texts, max_size=6))
def test_random_input_to_the_autosave_endpoint(draft, alice, payload):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.post(reverse("application_autosave", kwargs={"pk": draft.pk}), payload)
    assert response.status_code < 500
