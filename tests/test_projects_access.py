"""The access matrix of the project pages (role × page × method), in test_url_access's notation:
every role's answer to GET and POST on each project URL, each request rolled back after it;
a refusal never changes anything, and reading never writes."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import ProgramOfficer
from portal.models import AuditEvent
from projects import services
from projects.models import Expense, Payment, PaymentRequest, Project, ProjectEvent
from reviews.models import ReviewerProfile
from tests.conftest import make_person
from tests.factories import ProgramFactory
from tests.test_projects import execute, selected_application, with_account
from tests.test_url_access import ROLES, Url, _check_answers, _signed_in, _writes

pytestmark = pytest.mark.django_db

# Answers in ROLES order: anonymous, other applicant, member, owner, reviewer ×3 (the project
# has no reviewers of its own: any reviewer is a stranger to it), officer of this / another
# program, admin. L = sent to sign in; "!" = it changed something.
MATRIX = {
    "project_detail": Url(lambda w: {"pk": w["project"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    # The advance is approved and waits to be paid into the current account: a member's change is turned down (400).
    "project_account": Url(lambda w: {"pk": w["project"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  400  400  404  404  404  403  404  403",
        data=lambda w: {"bank": "신한은행", "number": "110-222-333444", "holder": "에이크미 정밀"}),
    "project_report": Url(lambda w: {"pk": w["project"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302! 302! 404  404  404  403  404  403",
        data=lambda w: {"expected_state": "in_progress", "summary": "결과 요약"}),
    "project_payment_request": Url(lambda w: {"pk": w["project"].pk, "payment_pk": w["returned"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  302! 302! 404  404  404  403  404  403",
        data=lambda w: {"expected_state": "returned"}),
    "officer_projects": Url(lambda w: {},
        get= "L    403  403  403  403  403  403  200  200  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_project": Url(lambda w: {"pk": w["project"].pk},
        get= "L    403  403  403  403  403  403  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_project_action": Url(lambda w: {"pk": w["project"].pk, "action": "suspend"},
        get= "L    403  403  403  403  403  403  405  404  403",
        post="L    403  403  403  403  403  403  302! 404  403",
        data=lambda w: {"suspend-expected_state": "in_progress", "suspend-reason": "현장점검"}),
    "officer_payment_action": Url(lambda w: {"pk": w["requested"].pk, "action": "approve"},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302! 404  403",
        data=lambda w: {"expected_state": "requested"}),
    "payment_order_pdf": Url(lambda w: {"pk": w["approved"].pk},
        get= "L    403  403  403  403  403  403  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    # The expenditure ledger: the world's project has not begun (its period starts next month), and a
    # POST without the evidence file or the workbook is turned down (400) for a member.
    "project_ledger": Url(lambda w: {"pk": w["project"].pk},
        get= "L    404  200  200  404  404  404  200  404  200",
        post="L    404  400  400  404  404  404  403  404  403",
        data=lambda w: {"payee_name": "센서텍"}),
    "project_ledger_template": Url(lambda w: {"pk": w["project"].pk},
        get= "L    404  200  200  404  404  404  403  404  403",
        post="L    405  405  405  405  405  405  405  405  405"),
    "project_ledger_import": Url(lambda w: {"pk": w["project"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    404  400  400  404  404  404  403  404  403"),
    "officer_project_ledger": Url(lambda w: {"pk": w["project"].pk},
        get= "L    403  403  403  403  403  403  200  404  200",
        post="L    405  405  405  405  405  405  405  405  405"),
    "officer_expense_review": Url(lambda w: {"pk": w["expense"].pk},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302! 404  403",
        data=lambda w: {"recognised": "no", "reason": "증빙 불충분"}),
}

# The same URLs with other objects or actions, where the answers differ.
MORE = {
    ("terminate", "officer_project_action"): Url(lambda w: {"pk": w["project"].pk, "action": "terminate"},
        get= "L    403  403  403  403  403  403  200  404  403",
        post="L    403  403  403  403  403  403  200  404  403",
        data=lambda w: {"terminate-expected_state": "in_progress", "terminate-reason": "해약 사유"}),
    ("return", "officer_payment_action"): Url(lambda w: {"pk": w["requested"].pk, "action": "return"},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302! 404  403",
        data=lambda w: {"return-expected_state": "requested", "return-reason": "서류 보완"}),
    ("pay", "officer_payment_action"): Url(lambda w: {"pk": w["approved"].pk, "action": "pay"},
        get= "L    405  405  405  405  405  405  405  405  405",
        post="L    403  403  403  403  403  403  302! 404  403",
        data=lambda w: {f"pay-{w['approved'].pk}-paid_on": timezone.localdate().isoformat(),
                        f"pay-{w['approved'].pk}-amount": str(w["approved"].amount), f"pay-{w['approved'].pk}-expected_state": "approved"}),
    ("not yet approved", "payment_order_pdf"): Url(lambda w: {"pk": w["requested"].pk},
        get= "L    403  403  403  403  403  403  302  404  302",
        post="L    405  405  405  405  405  405  405  405  405"),
}


@pytest.fixture
def project_world(alice, bob, carol, acme, globex, call, olivia, otto, rachel, adam, monkeypatch):
    """Acme's project with its account entered, the advance approved, the balance returned once,
    and an interim instalment requested; the people of every role."""
    project = execute(selected_application(alice, acme, call, olivia), olivia, monkeypatch)
    with_account(project, alice)
    advance, balance = project.payments.order_by("number")
    # The balance as an instalment due today (so that it can be requested now), requested and returned.
    PaymentRequest.objects.filter(pk=balance.pk).update(condition="due_date", due_on=timezone.localdate())
    interim = PaymentRequest.objects.create(project=project, number=3, label="중도금", percent=0, amount=1_000_000,
                                            condition="due_date", due_on=timezone.localdate())
    for payment in (advance, balance, interim):
        services.payment_submit(user=alice, payment_id=payment.pk)
    services.payment_approve(user=otto, payment_id=advance.pk)
    services.payment_send_back(user=otto, payment_id=balance.pk, reason="통장 사본 누락")
    oscar = make_person("oscar@example.com", mfa=True)
    ProgramOfficer.objects.create(program=ProgramFactory(), user=oscar)
    reviewers = {}
    for name in ("assigned", "conflicted"):
        reviewers[name] = make_person(f"{name}@example.com", mfa=True)
        ReviewerProfile.objects.create(user=reviewers[name])
    expense = Expense.objects.create(project=project, budget_line=project.application.budget_lines.first(), spent_on=project.starts_on,
                                     payee_name="센서텍", payee_business_number="2208112345", supply_amount=1_000, vat=100,
                                     eligible_amount=1_000, evidence_kind="card", evidence_number="CARD-1", entered_by=alice)
    return {"project": project, "expense": expense, "approved": advance, "returned": balance, "requested": interim,
            "people": {"alice": alice, "bob": bob, "carol": carol, "olivia": olivia, "oscar": oscar, "rachel": rachel, "adam": adam,
                       **reviewers}}


def _footprint(world):
    return (AuditEvent.objects.count(), ProjectEvent.objects.count(), Payment.objects.count(),
            list(Project.objects.values_list("pk", "state", "account_number", "final_report", "reason")),
            list(PaymentRequest.objects.order_by("pk").values_list("pk", "state", "return_reason")),
            list(Expense.objects.order_by("pk").values_list("pk", "recognised", "review_reason")))


def observe(world, name: str, spec: Url) -> dict[str, list[str]]:
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


def test_the_matrix_names_every_project_url():
    from tests.test_url_access import all_routes

    ours = {name for route, name in all_routes() if route.startswith(("projects/", "officer/projects/", "officer/payments/", "officer/expenses/"))}
    assert ours == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_role_gets_exactly_the_intended_answer_on_the_project_pages(project_world, name):
    _check_answers(name, MATRIX[name], observe(project_world, name, MATRIX[name]))


@pytest.mark.parametrize("key", sorted(MORE), ids=[f"{what}-{name}" for what, name in sorted(MORE)])
def test_every_role_gets_exactly_the_intended_answer_for_each_action(project_world, key):
    _what, name = key
    _check_answers(name, MORE[key], observe(project_world, name, MORE[key]))


@pytest.mark.parametrize("role", ROLES)
def test_the_project_rule_and_the_officer_list_agree(project_world, role):
    """Whoever may manage the project finds it in their list, and nobody else does (the admin reads every project)."""
    from django.contrib.auth.models import AnonymousUser

    from projects.selectors import projects_for_officer
    from tests.test_url_access import PERSONA

    user = project_world["people"][PERSONA[role]] if PERSONA[role] else AnonymousUser()
    project = project_world["project"]
    listed = user.is_authenticated and projects_for_officer(user).filter(pk=project.pk).exists()
    assert listed == (user.has_perm("projects.manage_project", project) or role == "admin")
