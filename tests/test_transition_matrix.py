"""The access matrix of the state-changing actions, read from the transition table
(applications/lifecycle/runner.py `TRANSITIONS`): role × object state × action.

Every transition a person runs (the table's `by` is not "system") has a row here naming the
page that runs it and an object in one of its source states. Each role posts to that page,
each post rolled back after it, and the transition must move for exactly the roles the table
and the model allow — `runner.actions_for`: the transition's permission, and the duty a tie to
the company forbids — and for nobody else. Where the table says `confirm`, the same post
without the ticked box moves nothing. The allowed roles are never written here: a transition
added to the table without its row fails `test_every_transition_a_person_runs_has_a_row`,
and one whose page lets the wrong people through, or asks for a confirmation the table does
not name (or none it does), fails the stage's test.

The roles are the URL matrix's (tests/test_url_access.py) — the owner and the plain member
being those of the company the object belongs to — plus an officer of the program tied to that
company, and the account named to sign a three-party agreement for its paying partner."""

from __future__ import annotations

from datetime import timedelta
from typing import Callable, NamedTuple

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.lifecycle import runner
from applications.models import ApplicationEvent
from portal.confirm import CONFIRM_FIELD
from portal.models import CompanyMembership, StaffTie, User
from reviews.services.selection import proposal_digest
from tests.conftest import PASSWORD, login_with_mfa, make_person
from tests.test_url_access import PERSONA
from tests.test_url_access import ROLES as URL_ROLES

pytestmark = pytest.mark.django_db

ROLES = (*URL_ROLES, "tied_officer", "partner_signer")


class Row(NamedTuple):
    """Where a transition is run: the stage that holds an object in one of its source states,
    the URL (name and arguments) of the page that runs it, the object whose state moves, the
    form data, and what the worker does after the request (the decisions a finalized
    selection applies)."""

    stage: str
    url: str
    kwargs: Callable[[dict], dict]
    obj: Callable[[dict], object]
    data: Callable[[dict], dict] = lambda w: {}
    then: Callable[[dict], None] | None = None


def _finalized(w) -> None:
    from reviews.services import selection

    selection.selection_apply(round_id=w["round"].pk)


def _scores(w) -> dict:
    criteria = w["evaluation_call"].rubric.criteria.all()
    return {f"score-{c.pk}": str(v) for c, v in zip(criteria, (30, 20, 15, 8))} | {"action": "submit"}


def _sign(w, role: str) -> dict:
    version = w["agreement"].current_version()
    return {"version": version.pk, "sha256": version.pdf_sha256, "role": role}


def _terms(w) -> dict:
    terms = w["agreement"].current_version().terms
    return {"start": terms["start"], "end": terms["end"], "grant": terms["grant"], "cash": terms["cash"],
            "in_kind": terms["in_kind"], "first_percent": 40}


def _open_offer(w):
    return w["offered"].offers.get(outcome="open")


def _screen(action: str, **data):
    return Row("submitted", "officer_application_action", lambda w: {"pk": w["submitted"].pk, "action": action}, lambda w: w["submitted"],
               lambda w: {"expected_state": "submitted", **data})


ROWS: dict[tuple[str, str], Row] = {
    ("application", "submit"): Row("draft", "application_submit", lambda w: {"pk": w["draft"].pk}, lambda w: w["draft"]),
    ("application", "withdraw"): Row("draft", "application_withdraw", lambda w: {"pk": w["draft"].pk}, lambda w: w["draft"],
                                     lambda w: {"reason": "자금 사정으로 포기합니다", "expected_state": "draft"}),
    ("application", "begin_screening"): _screen("begin"),
    ("application", "pass_screening"): _screen("pass"),
    ("application", "request_revision"): _screen("revision", message="사업계획서를 보완하세요", days=7, steps=["overview"]),
    ("application", "declare_ineligible"): _screen("ineligible", reason="업종 요건 미달"),
    ("application", "resubmit"): Row("revision", "application_submit", lambda w: {"pk": w["revision"].pk}, lambda w: w["revision"]),
    **{("application", name): Row("deciding", "officer_selection_finalize", lambda w: {"pk": w["round"].pk},
                                  lambda w, decided=decided: w[decided], lambda w: {"proposal": proposal_digest(w["round"])},
                                  then=_finalized)
       for name, decided in (("select", "to_select"), ("waitlist", "to_waitlist"), ("reject", "to_reject"))},
    ("application", "offer_place"): Row("decided", "officer_offer_next", lambda w: {"pk": w["decided_call"].pk}, lambda w: w["waitlisted"]),
    ("application", "accept_offer"): Row("decided", "application_offer_answer", lambda w: {"pk": w["offered"].pk},
                                         lambda w: w["offered"], lambda w: {"answer": "accept"}),
    ("application", "decline_offer"): Row("decided", "application_offer_answer", lambda w: {"pk": w["offered"].pk},
                                          lambda w: w["offered"], lambda w: {"answer": "decline"}),
    ("offer", "accept"): Row("decided", "application_offer_answer", lambda w: {"pk": w["offered"].pk}, _open_offer,
                             lambda w: {"answer": "accept"}),
    ("offer", "decline"): Row("decided", "application_offer_answer", lambda w: {"pk": w["offered"].pk}, _open_offer,
                              lambda w: {"answer": "decline"}),
    ("application", "appeal"): Row("decided", "application_appeal", lambda w: {"pk": w["rejected"].pk}, lambda w: w["rejected"],
                                   lambda w: {"reason": "채점에 오류가 있습니다"}),
    **{(machine, name): Row("decided", "officer_appeal_decide", lambda w: {"pk": w["appeal"].pk},
                            (lambda w: w["appeal"].application) if machine == "application" else (lambda w: w["appeal"]),
                            lambda w, outcome=outcome: {"outcome": outcome, "note": "이의신청을 검토했습니다"})
       for machine, name, outcome in (("application", "dismiss_appeal", "dismissed"), ("appeal", "dismiss", "dismissed"),
                                      ("application", "order_rereview", "rereview"), ("appeal", "order_rereview", "rereview"))},
    ("application", "start_agreement"): Row("decided", "agreement_prepare", lambda w: {"pk": w["selected"].pk}, lambda w: w["selected"]),
    ("agreement", "issue"): Row("drafted", "agreement_issue", lambda w: {"pk": w["agreement"].pk}, lambda w: w["agreement"]),
    ("agreement", "reopen_terms"): Row("issued", "agreement_terms", lambda w: {"pk": w["agreement"].pk}, lambda w: w["agreement"], _terms),
    ("agreement", "sign"): Row("issued", "agreement_sign", lambda w: {"pk": w["agreement"].pk}, lambda w: w["agreement"],
                               lambda w: _sign(w, "company")),
    ("agreement", "sign_for_partner"): Row("issued", "agreement_sign", lambda w: {"pk": w["agreement"].pk}, lambda w: w["agreement"],
                                           lambda w: _sign(w, "partner")),
    ("agreement", "countersign"): Row("signed", "agreement_sign", lambda w: {"pk": w["agreement"].pk}, lambda w: w["agreement"],
                                      lambda w: _sign(w, "agency")),
    ("assignment", "clear"): Row("evaluation", "reviewer_declare", lambda w: {"pk": w["pending"].pk}, lambda w: w["pending"],
                                 lambda w: {"conflict": "no"}),
    ("assignment", "declare_conflict"): Row("evaluation", "reviewer_declare", lambda w: {"pk": w["pending"].pk}, lambda w: w["pending"],
                                            lambda w: {"conflict": "yes", "reason": "전 직장 동료가 대표입니다"}),
    ("assignment", "record_tie"): Row("evaluation", "officer_panel_post", lambda w: {"pk": w["pending"].panel_id, "what": "tie"},
                                      lambda w: w["pending"],
                                      lambda w: {"reviewer": w["pending"].reviewer_id, "business_number": w["acme"].business_number,
                                                 "kind": "adviser", "note": "자문 계약"}),
    ("assignment", "waive"): Row("evaluation", "officer_assignment_waive", lambda w: {"pk": w["pending"].pk}, lambda w: w["pending"],
                                 lambda w: {"reason": "평가위원 연락 두절"}),
    ("assignment", "submit_review"): Row("evaluation", "reviewer_score", lambda w: {"pk": w["cleared"].pk}, lambda w: w["cleared"], _scores),
    ("review", "submit"): Row("evaluation", "reviewer_score", lambda w: {"pk": w["cleared"].pk}, lambda w: w["cleared"].review, _scores),
    ("assignment", "reopen_review"): Row("evaluation", "officer_review_reopen", lambda w: {"pk": w["scored"].review.pk},
                                         lambda w: w["scored"], lambda w: {"reason": "점수 재검토"}),
    ("review", "reopen"): Row("evaluation", "officer_review_reopen", lambda w: {"pk": w["scored"].review.pk},
                              lambda w: w["scored"].review, lambda w: {"reason": "점수 재검토"}),
}


def _run_by_people() -> set[tuple[str, str]]:
    """The life cycle's own machines; those an app above registers (projects) have their
    access matrix in that app's tests (tests/test_projects_access.py)."""
    return {(machine, name) for machine, transitions in runner.TRANSITIONS.items() for name, t in transitions.items()
            if t.by != "system" and machine not in runner.REGISTERED}


def test_every_transition_a_person_runs_has_a_row():
    assert set(ROWS) == _run_by_people(), "a transition a person runs needs its row: the page and an object in a source state"


def test_every_transition_a_person_runs_is_guarded_by_a_permission():
    from django.apps import apps

    for machine, (label, field) in runner.MACHINES.items():
        model = apps.get_model(label)
        for transition in model._meta.get_field(field).get_all_transitions(model):
            entry = runner.TRANSITIONS[machine].get(transition.name)
            if entry is not None and entry.by != "system":  # the projects' machines too
                assert transition.permission, f"{machine}.{transition.name} has no permission"


# --- The stages: objects in every source state --------------------------------------------------

def _company(name: str, tag: str):
    """A company with its owner (who signs) and a plain member."""
    from tests.factories import CompanyFactory

    company = CompanyFactory(name=name)
    owner = make_person(f"owner-{tag}@example.com", name=f"{name} 대표")
    CompanyMembership.objects.create(company=company, user=owner, role=CompanyMembership.Role.OWNER, can_sign=True)
    CompanyMembership.objects.create(company=company, user=make_person(f"member-{tag}@example.com", name=f"{name} 직원"))
    return company, owner


def _call(w, code: str, title: str):
    from tests.conftest import make_call

    return make_call(w["call"].program, w["people"]["olivia"], code=code, title=title)


def _scored_call(w, code: str, title: str, scores: dict):
    """A call closed after each company's application was scored (`scores`: company → four
    scores), one reviewer per application, and its selection run."""
    from applications.models import Call
    from reviews.models import Assignment
    from reviews.services import evaluation, selection
    from tests.conftest import close_call, make_rubric, score_all, under_review

    olivia = w["people"]["olivia"]
    call = _call(w, code, title)
    make_rubric(call, olivia)
    applications = {}
    for (company, owner), values in scores.items():
        applications[company.pk] = under_review(owner, company, call, olivia)
    panel = evaluation.panel_create(user=olivia, call=call, name="서면평가", stage="written", reviewers_per_application=1,
                                    due_at=timezone.now() + timedelta(days=10))
    evaluation.reviewer_invite(user=olivia, panel=panel, email=w["people"]["rachel"].email)
    evaluation.auto_assign(user=olivia, panel=panel)
    for (company, _owner), values in scores.items():
        score_all(Assignment.objects.get(application=applications[company.pk]), values)
    Call.objects.filter(pk=call.pk).update(budget_total=450_000_000)
    close_call(call)
    return call, applications, selection.selection_run(user=olivia, call=call)


def _decide(olivia, round_, application, decision: str) -> None:
    from reviews.services import selection

    item = round_.items.get(application=application)
    selection.item_override(user=olivia, item_id=item.pk, decision=decision, grant=item.grant, reason="심의위원회 결정")


def stage_draft(w):
    from tests.conftest import make_complete_draft

    return {"draft": make_complete_draft(w["people"]["alice"], w["acme"], _call(w, "SF-2026-MD", "초안 단계 공고"))}


def stage_submitted(w):
    from applications import lifecycle

    draft = stage_draft(w)["draft"]
    return {"submitted": lifecycle.application_submit(user=w["people"]["alice"], application_id=draft.pk, now=timezone.now())}


def stage_revision(w):
    from applications import lifecycle

    submitted = stage_submitted(w)["submitted"]
    return {"revision": lifecycle.revision_request(user=w["people"]["olivia"], application_id=submitted.pk, message="예산을 보완하세요",
                                                   days=7, steps=["budget"])}


def stage_evaluation(w):
    """Acme's application under evaluation, with the assigned reviewer on three panels: not
    declared yet (`pending`), declared with a draft (`cleared`), and submitted (`scored`)."""
    from reviews.models import Assignment
    from reviews.services import evaluation, scoring
    from tests.conftest import make_rubric, under_review

    olivia, reviewer = w["people"]["olivia"], w["people"]["assigned"]
    call = _call(w, "SF-2026-ME", "평가 단계 공고")
    make_rubric(call, olivia)
    application = under_review(w["people"]["alice"], w["acme"], call, olivia)
    found = {}
    for name in ("pending", "cleared", "scored"):
        panel = evaluation.panel_create(user=olivia, call=call, name=f"{name} 분과", stage="written", reviewers_per_application=1,
                                        due_at=timezone.now() + timedelta(days=10))
        evaluation.reviewer_invite(user=olivia, panel=panel, email=reviewer.email)
        found[name] = evaluation.assign(user=olivia, panel=panel, application=application, reviewer=reviewer)
    criteria = list(call.rubric.criteria.all())
    for name, submit in (("cleared", False), ("scored", True)):
        evaluation.declare_no_conflict(user=reviewer, assignment_id=found[name].pk)
        scoring.review_save(user=reviewer, assignment_id=found[name].pk, scores={c.pk: str(v) for c, v in zip(criteria, (30, 20, 15, 8))},
                            comments={}, comment="", submit=submit)
    return {"evaluation_call": call} | {name: Assignment.objects.get(pk=a.pk) for name, a in found.items()}


def stage_deciding(w):
    """A closed call's proposal, not final yet: Acme's application to be selected, two other
    companies' to be waitlisted and not selected."""
    second, third = _company("둘째 정밀", "second"), _company("셋째 기계", "third")
    acme = (w["acme"], w["people"]["alice"])
    _call_, applications, round_ = _scored_call(w, "SF-2026-MS", "선정 단계 공고",
                                                {acme: [36, 25, 18, 9], second: [32, 24, 16, 8], third: [20, 15, 10, 5]})
    olivia = w["people"]["olivia"]
    chosen = {"to_select": (acme, "selected"), "to_waitlist": (second, "waitlisted"), "to_reject": (third, "rejected")}
    for (company, _owner), decision in chosen.values():
        _decide(olivia, round_, applications[company.pk], decision)
    return {"round": round_} | {key: applications[company.pk] for key, ((company, _owner), _d) in chosen.items()}


def stage_decided(w):
    """A call whose selection was applied: Acme's application selected, one waitlisted, one
    not selected, one offered the place it waited for, and one whose appeal waits."""
    from applications import lifecycle
    from reviews.services import selection

    olivia = w["people"]["olivia"]
    acme = (w["acme"], w["people"]["alice"])
    waiting, rejected, offered, appealing = (_company(f"{n} 기업", tag) for n, tag in
                                             (("대기", "waiting"), ("탈락", "rejected"), ("제안", "offered"), ("이의", "appealing")))
    call, applications, round_ = _scored_call(w, "SF-2026-MX", "선정 이후 공고", {
        acme: [40, 30, 20, 10], offered: [38, 28, 18, 9], waiting: [30, 22, 15, 7], rejected: [28, 20, 12, 6], appealing: [27, 20, 12, 6]})
    decisions = {acme: "selected", offered: "waitlisted", waiting: "waitlisted", rejected: "rejected", appealing: "rejected"}
    for (company, _owner), decision in decisions.items():
        _decide(olivia, round_, applications[company.pk], decision)
    selection.selection_finalize(user=olivia, round_id=round_.pk)
    selection.selection_apply(round_id=round_.pk)
    assert lifecycle.offer_next(user=olivia, call_id=call.pk).pk == applications[offered[0].pk].pk
    appeal = lifecycle.appeal_file(user=appealing[1], application_id=applications[appealing[0].pk].pk, reason="평가가 부당합니다",
                                   now=timezone.now())
    return {"decided_call": call, "selected": applications[acme[0].pk], "waitlisted": applications[waiting[0].pk],
            "rejected": applications[rejected[0].pk], "offered": applications[offered[0].pk], "appeal": appeal}


def stage_drafted(w):
    return {}  # the world's agreement: drafted and rendered


def stage_issued(w):
    """The world's agreement made three-party (as tests/test_url_access.py's partner world),
    Paula named to sign it for the partner, and issued."""
    from applications import lifecycle

    agreement, paula = w["agreement"], w["people"]["paula"]
    version = agreement.current_version()
    version.terms["parties"]["partner"] = {"name": "한빛전자(주)", "business_number": "", "representative_name": "최상생"}
    version.save(update_fields=["terms"])
    lifecycle.agreement_partner_signer_set(user=w["people"]["olivia"], agreement_id=agreement.pk, email=paula.email)
    lifecycle.agreement_issue(user=w["people"]["olivia"], agreement_id=agreement.pk)
    return {}


def stage_signed(w):
    """The world's agreement signed by Acme. Olivia drafted it, and the one who drafts does not
    approve (the four-eyes rule, outside the table): the program's officer here is Otto."""
    from applications import lifecycle

    agreement = w["agreement"]
    lifecycle.agreement_issue(user=w["people"]["olivia"], agreement_id=agreement.pk)
    version = agreement.current_version()
    lifecycle.agreement_sign(user=w["people"]["alice"], agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    return {"as": {"officer": w["people"]["otto"]}}


STAGES = {"draft": stage_draft, "submitted": stage_submitted, "revision": stage_revision, "evaluation": stage_evaluation,
          "deciding": stage_deciding, "decided": stage_decided, "drafted": stage_drafted, "issued": stage_issued, "signed": stage_signed}


def test_every_row_names_a_stage():
    assert {row.stage for row in ROWS.values()} == set(STAGES)


# --- Running the matrix ---------------------------------------------------------------------------

def _application_id(obj) -> int:
    if hasattr(obj, "assignment_id") and not hasattr(obj, "application_id"):  # a review
        return obj.assignment.application_id
    return getattr(obj, "application_id", None) or obj.pk


def _company_of(obj):
    from applications.models import Application

    return Application.objects.select_related("company").get(pk=_application_id(obj)).company


def _person(w, role: str, company):
    if role in ("owner", "member"):
        wanted = CompanyMembership.Role.OWNER if role == "owner" else CompanyMembership.Role.MEMBER
        return company.memberships.filter(role=wanted).order_by("pk").first().user
    if role in w.get("as", {}):
        return w["as"][role]
    return {"tied_officer": w["people"]["tina"], "partner_signer": w["people"]["paula"]}.get(role) or (
        None if PERSONA[role] is None else w["people"][PERSONA[role]])


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _moved(machine: str, name: str, row: Row, w: dict, client: Client, data: dict) -> tuple[bool, str]:
    """Post `data` to the row's page; did the transition run? (Rolled back either way.)"""
    field = runner.MACHINES[machine][1]
    event = runner.TRANSITIONS[machine][name].event
    with transaction.atomic():
        obj = _fresh(row.obj(w))
        before = getattr(obj, field)
        events = ApplicationEvent.objects.filter(application_id=_application_id(obj), action=event)
        written = events.count() if event else 0
        response = client.post(reverse(row.url, kwargs=row.kwargs(w)), data)
        if row.then:
            row.then(w)
        after = type(obj).objects.filter(pk=obj.pk).values_list(field, flat=True).get()
        moved = after != before or bool(event and events.count() > written)
        transaction.set_rollback(True)
    return moved, f"{response.status_code} {response.get('Location', '')}".strip()


@pytest.fixture
def transition_world(matrix_world, otto):
    """The URL matrix's world, plus Tina, an officer of the program who has declared a tie to
    the companies of each row, and Paula, who signs three-party agreements for the partner."""
    from applications.models import ProgramOfficer

    tina = make_person("tina@example.com", name="티나", mfa=True)
    ProgramOfficer.objects.create(program=matrix_world["call"].program, user=tina)
    paula = make_person("paula@hanbit.example", name="박상생", position="상무")
    matrix_world["people"] |= {"tina": tina, "paula": paula, "otto": otto}
    return matrix_world


@pytest.mark.parametrize("stage", list(STAGES))
def test_each_transition_moves_for_exactly_the_roles_the_table_allows(transition_world, stage):
    from reviews.services.evaluation import tie_record

    people = transition_world["people"]
    w = transition_world | STAGES[stage](transition_world)
    clients: dict[int, Client] = {}
    problems = []
    for (machine, name), row in ROWS.items():
        if row.stage != stage:
            continue
        company = _company_of(row.obj(w))
        tina = people["tina"]
        if not StaffTie.objects.filter(person=tina, business_number=company.business_number).exists():
            tie_record(user=tina, reviewer=tina, business_number=company.business_number, kind="family", note="배우자가 근무")
        confirm = runner.TRANSITIONS[machine][name].confirm
        ticked = {CONFIRM_FIELD: "yes", "step": "confirm"}
        allowed_roles = []
        for role in ROLES:
            person = _person(w, role, company)
            if person is None:
                client = Client()
            elif person.pk not in clients:
                clients[person.pk] = Client(raise_request_exception=False)
                login_with_mfa(clients[person.pk], person)
                clients[person.pk].post("/accounts/reauthenticate/", {"password": PASSWORD})  # signing asks for it
            client = Client() if person is None else clients[person.pk]
            allowed = person is not None and name in runner.actions_for(_fresh(row.obj(w)), User.objects.get(pk=person.pk))
            if allowed:
                allowed_roles.append(role)
            data = row.data(w)
            # Confirmed where the table says so (and by whoever is refused, to show the refusal is not the box).
            moved, status = _moved(machine, name, row, w, client, (data | ticked) if confirm or not allowed else data)
            if moved != allowed or status.startswith("5"):
                problems.append(f"{machine}.{name} by {role}: table allows {allowed}, page moved it {moved} ({status})")
            if allowed and confirm and _moved(machine, name, row, w, client, data)[0]:
                problems.append(f"{machine}.{name} by {role}: moved without the confirmation the table asks for")
        # A row nobody may run tests nothing (its object is not in a source state); a row everybody
        # may run has lost its permission.
        if not allowed_roles or len(allowed_roles) == len(ROLES):
            problems.append(f"{machine}.{name}: allowed for {allowed_roles or 'nobody'} of {len(ROLES)} roles")
    assert not problems, "\n".join(problems)
