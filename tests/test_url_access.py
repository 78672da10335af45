"""The one access matrix, generated from the URL configuration: every URL with an object id, now
and in the future, is tried with GET and POST by every role (anonymous, another company's applicant,
a plain member, the owner, a reviewer assigned / not assigned / who declared a conflict, an
officer of this / another program, the admin), each request rolled back after it, and must give
exactly the answer written in REGISTRY. A new URL fails the registry test until its answers are
written down; a refusal that changes anything fails whatever the table says."""

from __future__ import annotations

from typing import Callable, NamedTuple

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from applications.models import Export
from portal.models import AuditEvent
from reviews.models import Assignment
from tests.conftest import login_with_mfa

pytestmark = pytest.mark.django_db


def all_routes(patterns=None, prefix=""):
    """Every (route, name) in the URL configuration."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name


def routes():
    """The portal's own URLs that carry an object id."""
    return [(route, name) for route, name in all_routes() if "<" in route and not route.startswith(("admin/", "accounts/", "i18n/"))]


class Url(NamedTuple):
    """How to build the URL from the world, the answers to GET and to POST for each role in
    ROLES order, and the form data the POST carries (none by default)."""

    build: Callable[[dict], dict]
    get: str = ""
    post: str = ""
    data: Callable[[dict], dict] | None = None


# Answers in ROLES order:  anonymous, other applicant, member, owner, reviewer assigned / unassigned / conflicted,
# officer of this / another program, admin.  L = sent to sign in; a number is the status; "!" = it changed something.
# Refusals: 404 where the object is not theirs to know of, 403 where they can see it but may not act (or the page is
# for another role), 405 for the wrong method. A 302/400 without "!" is a permitted request the empty form or the
# object's state turned down with a message.
REGISTRY = {
    "company_detail": Url(lambda w: {"pk": w["acme"].pk},
        get= "L    404  200  200  404  404  404  404  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "company_edit": Url(lambda w: {"pk": w["acme"].pk},
        get= "L    404  403  200  404  404  404  404  404  200",
        post="L    404  403  200  404  404  404  404  404  200"),
    "company_invite": Url(lambda w: {"pk": w["acme"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  302  404  404  404  404  404  403"),
    "staff_claim": Url(lambda w: {"pk": w["claim"].pk},
        get= "L    403  403  403  403  403  403  200  200  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "staff_claim_document": Url(lambda w: {"pk": w["claim"].pk},
        get= "L    403  403  403  403  403  403  200  200  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "staff_claim_decide": Url(lambda w: {"pk": w["claim"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302  302  302"),
    "company_join_decide": Url(lambda w: {"pk": w["acme"].pk, "request_pk": w["join_request"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  302  404  404  404  404  404  403"),
    "company_make_owner": Url(lambda w: {"pk": w["acme"].pk, "membership_pk": w["acme"].memberships.get(user=w["people"]["carol"]).pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  200  404  404  404  404  404  403"),
    "invitation_accept": Url(lambda w: {"token": w["invitation"].token},
        get= "L    200  200  200  200  200  200  200  200  200",
        post="L    302! 400  400  400  400  400  400  400  400"),
    "call_detail": Url(lambda w: {"code": w["call"].code},
        get= "200  200  200  200  200  200  200  200  200  200",
        post="405  405  405  405  405  405  405  405  405  405"),
    "call_attachment": Url(lambda w: {"code": w["call"].code, "pk": w["attachment"].pk},
        get= "200  200  200  200  200  200  200  200  200  200",
        post="405  405  405  405  405  405  405  405  405  405"),
    "application_start": Url(lambda w: {"code": w["call"].code},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302  302  404  404  404  404  404  404", data=lambda w: {"company": w["acme"].pk}),
    "application_detail": Url(lambda w: {"pk": w["application"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "application_step": Url(lambda w: {"pk": w["application"].pk, "step": "overview"},
        get= "L    404  302  302  404  404  404  403  404  403",
        post="L    404  302  302  404  404  404  403  404  403"),
    "application_autosave": Url(lambda w: {"pk": w["application"].pk},
        get= "401  405  405  405  405  405  405  405  405  405",
        post="401  403  403  403  403  403  403  403  403  403"),
    "document_download": Url(lambda w: {"pk": w["application"].pk, "document_pk": w["document"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "document_delete": Url(lambda w: {"pk": w["application"].pk, "document_pk": w["document"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  403  404  404  404  403  404  403"),
    "application_submit": Url(lambda w: {"pk": w["application"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  400  400  404  404  404  403  404  403"),
    "application_receipt": Url(lambda w: {"pk": w["application"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "application_budget_preview": Url(lambda w: {"pk": w["application"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  403  404  404  404  403  404  403"),
    "application_copy": Url(lambda w: {"pk": w["application"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "application_copy_pdf": Url(lambda w: {"pk": w["application"].pk},
        get= "L    404  302  302  404  404  404  302  404  302",
        post="L    404  302! 302! 404  404  404  403  404  403"),
    "application_preview_pdf": Url(lambda w: {"pk": w["application"].pk},
        get= "L    404  302  302  404  404  404  403  404  403",
        post="L    405  405  405  405  405  405  405  405  405"),
    "application_withdraw": Url(lambda w: {"pk": w["application"].pk},
        get= "L    404  302  302  404  404  404  403  404  403",
        post="L    404  302  302  404  404  404  403  404  403"),
    "application_appeal": Url(lambda w: {"pk": w["application"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302  302  404  404  404  403  404  403"),
    "application_offer_answer": Url(lambda w: {"pk": w["application"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302  302  404  404  404  403  404  403"),
    "officer_offer_next": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
    "officer_assignment_waive": Url(lambda w: {"pk": w["assignment"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
    "agreement_prepare": Url(lambda w: {"pk": w["application"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302  404  403"),
    "agreement_detail": Url(lambda w: {"pk": w["agreement"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "agreement_terms": Url(lambda w: {"pk": w["agreement"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  403  404  404  404  400  404  403"),
    "agreement_issue": Url(lambda w: {"pk": w["agreement"].pk},
        get= "L    404  403  403  404  404  404  200  404  403",
        post="L    404  403  403  404  404  404  200  404  403"),
    "agreement_partner_signer": Url(lambda w: {"pk": w["agreement"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  403  403  404  404  404  400  404  403"),
    "agreement_sign": Url(lambda w: {"pk": w["agreement"].pk},
        get= "L    404  403  302  404  404  404  302  404  403",
        post="L    404  403  302  404  404  404  302  404  403"),
    "agreement_version_pdf": Url(lambda w: {"pk": w["agreement"].pk, "version": 1},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "agreement_final_pdf": Url(lambda w: {"pk": w["agreement"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_application": Url(lambda w: {"pk": w["application"].pk},
        get= "L    403  403  403  403  403  403  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_application_action": Url(lambda w: {"pk": w["application"].pk, "action": "pass"},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302  404  403"),
    "officer_call_dashboard": Url(lambda w: {"pk": w["call"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_export_create": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  302"),
    "officer_export": Url(lambda w: {"pk": w["export"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_export_download": Url(lambda w: {"pk": w["export"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_call_setup": Url(lambda w: {"pk": w["call"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_call_basics": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_level_add": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_requirement_add": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_rule_add": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_section_add": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_field_add": Url(lambda w: {"pk": w["call"].pk, "section_pk": w["section"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_attachment_add": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  302"),
    "officer_clause_add": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  400"),
    "officer_item_delete": Url(lambda w: {"pk": w["call"].pk, "kind": "level", "item_pk": w["level"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  302"),
    "reviewer_assignment": Url(lambda w: {"pk": w["assignment"].pk},
        get= "L    404  404  404  200  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    "reviewer_declare": Url(lambda w: {"pk": w["assignment"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  302  404  404  404  404  404"),
    "reviewer_score": Url(lambda w: {"pk": w["assignment"].pk},
        get= "L    404  404  404  302  404  404  404  404  404",
        post="L    404  404  404  302  404  404  404  404  404"),
    "reviewer_document": Url(lambda w: {"pk": w["assignment"].pk, "document_pk": w["document"].pk},
        get= "L    404  404  404  200  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_evaluation": Url(lambda w: {"pk": w["call"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_evaluation_post": Url(lambda w: {"pk": w["call"].pk, "what": "panel"},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  400  404  403"),
    "officer_criterion_delete": Url(lambda w: {"pk": w["call"].pk, "criterion_pk": w["criterion"].pk},
        get= "L    404  404  404  404  404  404  302  404  403",
        post="L    404  404  404  404  404  404  302  404  403"),
    "officer_criterion_edit": Url(lambda w: {"pk": w["call"].pk, "criterion_pk": w["criterion"].pk},
        get= "L    404  404  404  404  404  404  200  404  403",
        post="L    404  404  404  404  404  404  400  404  403"),
    "officer_panel": Url(lambda w: {"pk": w["assignment"].panel_id},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_panel_post": Url(lambda w: {"pk": w["assignment"].panel_id, "what": "auto"},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302! 404  403"),
    "officer_review_reopen": Url(lambda w: {"pk": w["review"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
    "officer_ranking": Url(lambda w: {"pk": w["call"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_selection_run": Url(lambda w: {"pk": w["call"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
    "officer_selection": Url(lambda w: {"pk": w["round"].pk},
        get= "L    404  404  404  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_selection_override": Url(lambda w: {"pk": w["round"].pk, "item_pk": w["round"].items.first().pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
    "officer_selection_finalize": Url(lambda w: {"pk": w["round"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
    "officer_appeal_decide": Url(lambda w: {"pk": w["appeal"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  404  404  404  404  404  302  404  403"),
}

ROLES = ("anonymous", "other_applicant", "member", "owner", "assigned", "unassigned", "conflicted", "officer",
         "other_officer", "admin")
PERSONA = {"anonymous": None, "other_applicant": "bob", "member": "carol", "owner": "alice", "assigned": "assigned",
           "unassigned": "rachel", "conflicted": "conflicted", "officer": "olivia", "other_officer": "oscar", "admin": "adam"}
STAFF = {"assigned", "unassigned", "conflicted", "officer", "other_officer", "admin"}


def _signed_in(world, role):
    from django.test import Client

    client = Client(raise_request_exception=False)
    if PERSONA[role] is not None:
        login_with_mfa(client, world["people"][PERSONA[role]])
    return client


def _footprint(world):
    """What a request may change: the audit trail, the application's events and state, and
    every object the URLs act on."""
    from applications.models import Agreement, Appeal, Application, ApplicationCopy, ApplicationEvent, Call, SelectionItem
    from portal.models import Company, CompanyInvitation, CompanyJoinRequest, CompanyMembership
    from reviews.models import Review

    return (AuditEvent.objects.count(), ApplicationEvent.objects.count(), Export.objects.count(), ApplicationCopy.objects.count(),
            list(Application.objects.order_by("pk").values_list("pk", "state", "updated_at")),
            list(Call.objects.order_by("pk").values_list("pk", "is_published")), list(Agreement.objects.values_list("pk", "state")),
            list(Review.objects.values_list("pk", "status")),
            list(Assignment.objects.values_list("pk", "status")), list(Appeal.objects.values_list("pk", "outcome")),
            list(SelectionItem.objects.values_list("pk", "decision")), list(Company.objects.values_list("pk", "name", "address")),
            CompanyMembership.objects.count(), list(CompanyInvitation.objects.values_list("pk", "accepted_at")),
            list(CompanyJoinRequest.objects.values_list("pk", "status")), world["call"].levels.count(),
            world["call"].rubric.criteria.count(), world["call"].attachments.count())


def _writes(sql: str) -> bool:
    """A statement that changes a row. A page may cause two writes: the session's own renewal,
    and the access record (접속기록) of a staff read, which is the point of recording it."""
    words = sql.lstrip().split(None, 3)
    return (bool(words) and words[0].upper() in {"INSERT", "UPDATE", "DELETE"} and "django_session" not in sql
            and not sql.lstrip().startswith('INSERT INTO "portal_accessrecord"'))


def observe(world, name, spec: Url | None = None) -> dict[str, list[str]]:
    """Every role's answer to GET and to POST on this URL, each request rolled back after it."""
    from django.db import transaction

    spec = spec or REGISTRY[name]
    url = reverse(name, kwargs=spec.build(world))
    data = spec.data(world) if spec.data else {}
    answers = {"get": [], "post": [], "get_writes": []}
    for role in ROLES:
        client = _signed_in(world, role)
        for method in ("get", "post"):
            with transaction.atomic():
                before = _footprint(world)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url) if method == "get" else client.post(url, data)
                if method == "get":
                    answers["get_writes"] += [f"{role}: {q['sql'][:120]}" for q in queries.captured_queries if _writes(q["sql"])]
                answer = "L" if response.status_code == 302 and response["Location"].startswith("/accounts/login/") else str(response.status_code)
                answers[method].append(answer + ("!" if _footprint(world) != before else ""))
                transaction.set_rollback(True)
    return answers


def test_every_url_with_an_object_id_is_in_the_access_registry():
    # The project pages have their own matrix, in this notation, on a world with a project in it.
    from tests.test_projects_access import MATRIX

    missing = sorted(name for _route, name in routes() if name not in REGISTRY and name not in MATRIX)
    assert not missing, f"add these URLs to REGISTRY (objects and answers per role): {missing}"
    assert not [name for name in REGISTRY if name not in {n for _r, n in routes()}], "REGISTRY names a URL that is gone"


def _check_answers(name: str, spec: Url, answers: dict) -> None:
    for method in ("get", "post"):
        expected = getattr(spec, method).split()
        assert len(expected) == len(ROLES), f"{name}: state one {method.upper()} answer for each of {ROLES}"
        wrong = {role: (want, got) for role, want, got in zip(ROLES, expected, answers[method]) if want != got}
        assert not wrong, f"{name} {method.upper()}: role → (intended, got) {wrong}"
        for role, got in zip(ROLES, answers[method]):
            if got.rstrip("!") in {"L", "401", "403", "404", "405"}:
                assert not got.endswith("!"), f"{name}: a refused {method.upper()} by {role} changed something"
    # Reading never writes: no GET by anyone inserts, updates or deletes a row.
    assert answers["get_writes"] == [], f"{name}: GET wrote {answers['get_writes']}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_role_gets_exactly_the_intended_answer(matrix_world, name):
    _check_answers(name, REGISTRY[name], observe(matrix_world, name))


# The answers that depend on where the application (or call) stands, in the same notation.
# The world above holds Acme's selected application; `stage_world` adds Acme's applications
# to three more calls of the same program — a draft, a submitted one, and one under
# evaluation assigned to the `assigned` reviewer (not yet declared) and declared a conflict by
# `conflicted` — and an unpublished call.
AT_STAGE = {
    ("draft", "application_detail"): Url(lambda w: {"pk": w["draft"].pk},
        get= "L    404  200  200  404  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("draft", "application_step"): Url(lambda w: {"pk": w["draft"].pk, "step": "overview"},
        get= "L    404  200  200  404  404  404  404  404  404",
        post="L    404  302! 302! 404  404  404  404  404  404"),
    ("draft", "application_autosave"): Url(lambda w: {"pk": w["draft"].pk},
        get= "401  405  405  405  405  405  405  405  405  405",
        post="401  403  200! 200! 403  403  403  403  403  403", data=lambda w: {"step": "overview", "project_title": "x"}),
    ("draft", "document_download"): Url(lambda w: {"pk": w["draft"].pk, "document_pk": w["draft"].documents.first().pk},
        get= "L    404  200  200  404  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("draft", "document_delete"): Url(lambda w: {"pk": w["draft"].pk, "document_pk": w["draft"].documents.first().pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302! 302! 404  404  404  404  404  404"),
    ("draft", "application_withdraw"): Url(lambda w: {"pk": w["draft"].pk},
        get= "L    404  200  200  404  404  404  404  404  404",
        post="L    404  200  200  404  404  404  404  404  404"),
    ("draft", "application_preview_pdf"): Url(lambda w: {"pk": w["draft"].pk},
        get= "L    404  200  200  404  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("draft", "application_receipt"): Url(lambda w: {"pk": w["draft"].pk},
        get= "L    404  302  302  404  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("submitted", "application_detail"): Url(lambda w: {"pk": w["submitted"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("submitted", "application_step"): Url(lambda w: {"pk": w["submitted"].pk, "step": "overview"},
        get= "L    404  302  302  404  404  404  403  404  403",
        post="L    404  302  302  404  404  404  403  404  403"),
    ("submitted", "application_autosave"): Url(lambda w: {"pk": w["submitted"].pk},
        get= "401  405  405  405  405  405  405  405  405  405",
        post="401  403  403  403  403  403  403  403  403  403", data=lambda w: {"step": "overview", "project_title": "x"}),
    ("submitted", "application_submit"): Url(lambda w: {"pk": w["submitted"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  400  400  404  404  404  403  404  403"),
    ("submitted", "application_receipt"): Url(lambda w: {"pk": w["submitted"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("under_review", "reviewer_assignment"): Url(lambda w: {"pk": w["pending_assignment"].pk},
        get= "L    404  404  404  200  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("under_review", "reviewer_document"): Url(lambda w: {"pk": w["pending_assignment"].pk,
                                                          "document_pk": w["under_review"].documents.first().pk},
        get= "L    404  404  404  403  404  404  404  404  404",
        post="L    405  405  405  405  405  405  405  405  405"),
    ("under_review", "reviewer_score"): Url(lambda w: {"pk": w["pending_assignment"].pk},
        get= "L    404  404  404  302  404  404  404  404  404",
        post="L    404  404  404  302  404  404  404  404  404"),
    ("under_review", "application_appeal"): Url(lambda w: {"pk": w["under_review"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302  302  404  404  404  403  404  403"),
    ("unpublished", "call_detail"): Url(lambda w: {"code": w["unpublished"].code},
        get= "404  404  404  404  404  404  404  200  404  200",
        post="405  405  405  405  405  405  405  405  405  405"),
}


@pytest.fixture
def stage_world(matrix_world):
    from applications import lifecycle
    from applications.models import Call
    from reviews.models import Panel, PanelMember
    from reviews.services import evaluation
    from tests.conftest import make_call, make_complete_draft, make_rubric, timezone_now, under_review

    people, acme, program = matrix_world["people"], matrix_world["acme"], matrix_world["call"].program
    alice, olivia = people["alice"], people["olivia"]
    draft = make_complete_draft(alice, acme, make_call(program, olivia, code="SF-2026-D", title="초안 단계 공고"))
    submitted = make_complete_draft(alice, acme, make_call(program, olivia, code="SF-2026-S", title="접수 단계 공고"))
    lifecycle.application_submit(user=alice, application_id=submitted.pk, now=timezone_now())
    review_call = make_call(program, olivia, code="SF-2026-R", title="평가 단계 공고")
    make_rubric(review_call, olivia)
    evaluating = under_review(alice, acme, review_call, olivia)
    panel = Panel.objects.create(call=review_call, name="서면평가", reviewers_per_application=2, due_at=timezone_now())
    for person in (people["assigned"], people["conflicted"]):
        PanelMember.objects.create(panel=panel, reviewer=person)
    pending = Assignment.objects.create(panel=panel, application=evaluating, reviewer=people["assigned"], assigned_by=olivia)
    conflicted = Assignment.objects.create(panel=panel, application=evaluating, reviewer=people["conflicted"], assigned_by=olivia)
    evaluation.declare_conflict(user=people["conflicted"], assignment_id=conflicted.pk, reason="친족 관계")
    unpublished = make_call(program, olivia, code="SF-2026-U", title="미게시 공고")
    Call.objects.filter(pk=unpublished.pk).update(is_published=False)
    return matrix_world | {"draft": draft, "submitted": submitted,
                           "under_review": evaluating, "pending_assignment": pending, "unpublished": unpublished}


def test_every_stage_entry_names_a_real_url():
    names = {n for _r, n in routes()}
    assert {name for _stage, name in AT_STAGE} <= names


@pytest.mark.parametrize("key", sorted(AT_STAGE), ids=[f"{stage}-{name}" for stage, name in sorted(AT_STAGE)])
def test_every_role_gets_exactly_the_intended_answer_at_each_stage(stage_world, key):
    stage, name = key
    _check_answers(f"{name} ({stage})", AT_STAGE[key], observe(stage_world, name, AT_STAGE[key]))


def test_a_reviewer_who_declared_a_conflict_is_refused_their_own_assignment(matrix_world):
    """Declaring a conflict removes the assignment: every reviewer URL of it answers 404."""
    from django.test import Client

    conflicted = Assignment.objects.get(reviewer=matrix_world["people"]["conflicted"], application=matrix_world["application"])
    client = Client()
    login_with_mfa(client, conflicted.reviewer)
    for name in ("reviewer_assignment", "reviewer_declare", "reviewer_score", "reviewer_document"):
        kwargs = {"pk": conflicted.pk} | ({"document_pk": matrix_world["document"].pk} if name == "reviewer_document" else {})
        for method in ("get", "post"):
            assert getattr(client, method)(reverse(name, kwargs=kwargs)).status_code in (404, 405), (name, method)


@pytest.mark.parametrize("role", ROLES)
def test_the_company_rule_and_the_company_selector_agree(matrix_world, role):
    """`rules` cannot filter querysets: the selector that lists companies must show exactly
    the companies the predicate lets the person see."""
    from django.contrib.auth.models import AnonymousUser

    from portal.models import Company
    from portal.selectors import companies_for_user

    user = AnonymousUser() if PERSONA[role] is None else matrix_world["people"][PERSONA[role]]
    visible_by_rule = {c.pk for c in Company.objects.all() if user.has_perm("portal.view_company", c)}
    if not user.is_authenticated:
        assert visible_by_rule == set()
    elif user.is_superuser:
        assert visible_by_rule == set(Company.objects.values_list("pk", flat=True))
    else:
        assert visible_by_rule == set(companies_for_user(user).values_list("pk", flat=True))


# The paying partner's signer of a three-party (상생형) agreement holds a role on that one
# agreement and nothing else: every URL of the registry, GET and POST, in the same notation.
# A URL added to the registry needs its answer here too.
PARTNER = {
    "company_detail": "404 405", "company_edit": "404 404", "company_invite": "405 404", "company_make_owner": "405 404",
    "staff_claim": "403 405", "staff_claim_decide": "405 403", "staff_claim_document": "403 405",
    "company_join_decide": "405 404", "invitation_accept": "200 400", "call_detail": "200 405", "call_attachment": "200 405",
    "application_start": "405 404", "application_detail": "404 405", "application_step": "404 404", "application_autosave": "405 403",
    "document_download": "404 405", "document_delete": "405 404", "application_submit": "405 404", "application_receipt": "404 405",
    "application_budget_preview": "405 404", "application_copy": "404 405", "application_copy_pdf": "404 404",
    "application_preview_pdf": "404 405", "application_withdraw": "404 404", "application_appeal": "405 404",
    "application_offer_answer": "405 404", "officer_offer_next": "405 404", "officer_assignment_waive": "405 404",
    "agreement_prepare": "405 403", "agreement_detail": "200 405", "agreement_terms": "405 403", "agreement_issue": "403 403",
    "agreement_partner_signer": "405 403", "agreement_sign": "302 302", "agreement_version_pdf": "200 405",
    "agreement_final_pdf": "200 405", "officer_application": "403 405", "officer_application_action": "405 403",
    "officer_call_dashboard": "404 405", "officer_export_create": "405 404", "officer_export": "404 405",
    "officer_export_download": "404 405", "officer_call_setup": "404 405", "officer_call_basics": "405 404",
    "officer_level_add": "405 404", "officer_requirement_add": "405 404", "officer_rule_add": "405 404",
    "officer_section_add": "405 404", "officer_field_add": "405 404", "officer_attachment_add": "405 404",
    "officer_clause_add": "405 404", "officer_item_delete": "405 404", "reviewer_assignment": "404 405",
    "reviewer_declare": "405 404", "reviewer_score": "404 404", "reviewer_document": "404 405", "officer_evaluation": "404 405",
    "officer_evaluation_post": "405 404", "officer_criterion_delete": "404 404", "officer_criterion_edit": "404 404",
    "officer_panel": "404 405", "officer_panel_post": "405 404", "officer_review_reopen": "405 404", "officer_ranking": "404 405",
    "officer_selection_run": "405 404", "officer_selection": "404 405", "officer_selection_override": "405 404",
    "officer_selection_finalize": "405 404", "officer_appeal_decide": "405 404",
}


@pytest.fixture
def partner_world(matrix_world):
    """The matrix world's call made three-party, its agreement naming 한빛전자(주) as the paying
    partner, and Paula's account named to sign it for the partner."""
    from applications.models import Agreement, Call
    from tests.conftest import make_person

    Call.objects.filter(pk=matrix_world["call"].pk).update(min_partner_share_bp=3000, partner_name="한빛전자(주)",
                                                           partner_representative="최상생")
    version = matrix_world["agreement"].current_version()
    version.terms["parties"]["partner"] = {"name": "한빛전자(주)", "business_number": "", "representative_name": "최상생"}
    version.save(update_fields=["terms"])
    paula = make_person("paula@hanbit.example", name="박상생", position="상무")
    Agreement.objects.filter(pk=matrix_world["agreement"].pk).update(partner_signer=paula)
    return matrix_world | {"people": matrix_world["people"] | {"paula": paula}}


def test_every_url_has_the_partner_signers_answer():
    assert sorted(PARTNER) == sorted(REGISTRY)


@pytest.mark.parametrize("name", sorted(PARTNER))
def test_the_partners_signer_reaches_only_the_agreement_they_sign(partner_world, name):
    from django.db import transaction
    from django.test import Client

    spec = REGISTRY[name]
    url = reverse(name, kwargs=spec.build(partner_world))
    data = spec.data(partner_world) if spec.data else {}
    client = Client(raise_request_exception=False)
    login_with_mfa(client, partner_world["people"]["paula"])
    answers, writes = [], []
    for method in ("get", "post"):
        with transaction.atomic():
            before = _footprint(partner_world)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url) if method == "get" else client.post(url, data)
            if method == "get":
                writes += [q["sql"][:120] for q in queries.captured_queries if _writes(q["sql"])]
            answers.append(str(response.status_code) + ("!" if _footprint(partner_world) != before else ""))
            transaction.set_rollback(True)
    assert answers == PARTNER[name].split(), f"{name}: (intended, got) {PARTNER[name].split()} {answers}"
    for got in answers:
        if got.rstrip("!") in {"401", "403", "404", "405"}:
            assert not got.endswith("!"), f"{name}: a refused request changed something"
    assert writes == [], f"{name}: GET wrote {writes}"
