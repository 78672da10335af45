"""An access check generated from the URL configuration: every URL with an object id, now
and in the future, is tried by every role. A new URL fails the registry test until it is
given its objects and its owner here, and then outsiders must be refused and owners let in.
(The exact answers per role are in the feature matrices: test_*_permissions.py.)"""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver, reverse

from applications.models import Export
from portal.models import AuditEvent
from reviews.models import Assignment
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db


def routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name

    return [(route, name) for route, name in walk(get_resolver().url_patterns)
            if "<" in route and not route.startswith(("admin/", "accounts/", "i18n/"))]


# How to build each URL from the world below, and who owns it.
REGISTRY = {
    "company_detail": (lambda w: {"pk": w["acme"].pk}, "alice"),
    "company_edit": (lambda w: {"pk": w["acme"].pk}, "alice"),
    "company_invite": (lambda w: {"pk": w["acme"].pk}, "alice"),
    "company_join_request": (lambda w: {"pk": w["acme"].pk}, "public-signed-in"),
    "company_join_decide": (lambda w: {"pk": w["acme"].pk, "request_pk": 1}, "alice"),
    "invitation_accept": (lambda w: {"token": "x" * 20}, "public-signed-in"),
    "call_detail": (lambda w: {"code": w["call"].code}, "public"),
    "call_attachment": (lambda w: {"code": w["call"].code, "pk": 999}, "public"),
    "application_start": (lambda w: {"code": w["call"].code}, "public-signed-in"),
    "application_detail": (lambda w: {"pk": w["application"].pk}, "alice"),
    "application_step": (lambda w: {"pk": w["application"].pk, "step": "overview"}, "alice"),
    "application_autosave": (lambda w: {"pk": w["application"].pk}, "alice"),
    "document_download": (lambda w: {"pk": w["application"].pk, "document_pk": w["document"].pk}, "alice"),
    "document_delete": (lambda w: {"pk": w["application"].pk, "document_pk": w["document"].pk}, "alice"),
    "application_submit": (lambda w: {"pk": w["application"].pk}, "alice"),
    "application_receipt": (lambda w: {"pk": w["application"].pk}, "alice"),
    "application_withdraw": (lambda w: {"pk": w["application"].pk}, "alice"),
    "application_appeal": (lambda w: {"pk": w["application"].pk}, "alice"),
    "agreement_prepare": (lambda w: {"pk": w["application"].pk}, "olivia"),
    "agreement_detail": (lambda w: {"pk": w["agreement"].pk}, "alice"),
    "agreement_terms": (lambda w: {"pk": w["agreement"].pk}, "olivia"),
    "agreement_issue": (lambda w: {"pk": w["agreement"].pk}, "olivia"),
    "agreement_sign": (lambda w: {"pk": w["agreement"].pk}, "alice"),
    "agreement_version_pdf": (lambda w: {"pk": w["agreement"].pk, "version": 1}, "alice"),
    "agreement_final_pdf": (lambda w: {"pk": w["agreement"].pk}, "alice"),
    "officer_application": (lambda w: {"pk": w["application"].pk}, "olivia"),
    "officer_application_action": (lambda w: {"pk": w["application"].pk, "action": "pass"}, "olivia"),
    "officer_call_dashboard": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_export_create": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_export": (lambda w: {"pk": w["export"].pk}, "olivia"),
    "officer_export_download": (lambda w: {"pk": w["export"].pk}, "olivia"),
    "officer_call_setup": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_call_basics": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_level_add": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_requirement_add": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_rule_add": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_section_add": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_field_add": (lambda w: {"pk": w["call"].pk, "section_pk": w["section"].pk}, "olivia"),
    "officer_attachment_add": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_clause_add": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_item_delete": (lambda w: {"pk": w["call"].pk, "kind": "level", "item_pk": 999}, "olivia"),
    "reviewer_assignment": (lambda w: {"pk": w["assignment"].pk}, "assigned"),
    "reviewer_declare": (lambda w: {"pk": w["assignment"].pk}, "assigned"),
    "reviewer_score": (lambda w: {"pk": w["assignment"].pk}, "assigned"),
    "reviewer_document": (lambda w: {"pk": w["assignment"].pk, "document_pk": w["document"].pk}, "assigned"),
    "officer_evaluation": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_evaluation_post": (lambda w: {"pk": w["call"].pk, "what": "panel"}, "olivia"),
    "officer_criterion_delete": (lambda w: {"pk": w["call"].pk, "criterion_pk": 999}, "olivia"),
    "officer_panel": (lambda w: {"pk": w["assignment"].panel_id}, "olivia"),
    "officer_panel_post": (lambda w: {"pk": w["assignment"].panel_id, "what": "auto"}, "olivia"),
    "officer_review_reopen": (lambda w: {"pk": w["review"].pk}, "olivia"),
    "officer_ranking": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_selection_run": (lambda w: {"pk": w["call"].pk}, "olivia"),
    "officer_selection": (lambda w: {"pk": w["round"].pk}, "olivia"),
    "officer_selection_override": (lambda w: {"pk": w["round"].pk, "item_pk": w["round"].items.first().pk}, "olivia"),
    "officer_selection_finalize": (lambda w: {"pk": w["round"].pk}, "olivia"),
    "officer_appeal_decide": (lambda w: {"pk": w["appeal"].pk}, "olivia"),
}
OUTSIDERS = ["bob", "rachel", "oscar"]
REFUSED = {403, 404, 405}


def test_every_url_with_an_object_id_is_in_the_access_registry():
    missing = sorted(name for _route, name in routes() if name not in REGISTRY)
    assert not missing, f"add these URLs to REGISTRY (objects and owner): {missing}"


def _client_for(client, world, persona):
    user = world["people"][persona]
    if persona in {"olivia", "oscar", "rachel", "assigned"}:
        login_with_mfa(client, user)
    else:
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client


NAMES = sorted(REGISTRY)


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_sign_in(client, world, name):
    build, owner = REGISTRY[name]
    url = reverse(name, kwargs=build(world))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if owner == "public" and method == "get":
            assert response.status_code in (200, 404)
        elif response.status_code == 405:
            continue
        else:
            assert response.status_code in (302, 401), (method, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", [n for n in NAMES if not REGISTRY[n][1].startswith("public")])
def test_outsiders_are_refused_and_change_nothing(world, name):
    """Another company's applicant, a reviewer not assigned, an officer of another program."""
    from django.test import Client

    build, _owner = REGISTRY[name]
    url = reverse(name, kwargs=build(world))
    before = (AuditEvent.objects.count(), world["application"].events.count(), Export.objects.count())
    for persona in OUTSIDERS:
        client = _client_for(Client(), world, persona)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in REFUSED, (persona, method, response.status_code)
    after = (AuditEvent.objects.count(), world["application"].events.count(), Export.objects.count())
    assert after == before


@pytest.mark.parametrize("name", NAMES)
def test_owners_are_let_in(client, world, name):
    build, owner = REGISTRY[name]
    if owner.startswith("public"):
        return
    _client_for(client, world, owner)
    response = client.get(reverse(name, kwargs=build(world)))
    # A page (200), a redirect after an action or to a related page (302), a POST-only URL
    # (405), or a file that does not exist for this object (404 only where none was made).
    allowed = {200, 302, 405} | ({404} if name in {"agreement_final_pdf", "officer_export_download", "reviewer_document"} else set())
    if name == "reviewer_document":
        allowed |= {403}  # before the conflict declaration documents are withheld
    assert response.status_code in allowed


def test_a_reviewer_who_declared_a_conflict_is_refused_their_own_assignment(world):
    """Declaring a conflict removes the assignment: every reviewer URL of it answers 404."""
    from django.test import Client

    from reviews.services import evaluation

    panel = world["assignment"].panel
    assigned = set(Assignment.objects.filter(application=world["application"]).values_list("reviewer_id", flat=True))
    member = panel.members.exclude(reviewer_id__in=assigned).first().reviewer
    conflicted = Assignment.objects.create(panel=panel, application=world["application"], reviewer=member,
                                           assigned_by=world["people"]["olivia"])
    evaluation.declare_conflict(user=member, assignment_id=conflicted.pk, reason="전 직장")
    client = Client()
    login_with_mfa(client, conflicted.reviewer)
    for name in ("reviewer_assignment", "reviewer_declare", "reviewer_score", "reviewer_document"):
        kwargs = {"pk": conflicted.pk} | ({"document_pk": world["document"].pk} if name == "reviewer_document" else {})
        for method in ("get", "post"):
            assert getattr(client, method)(reverse(name, kwargs=kwargs)).status_code in (404, 405), (name, method)
