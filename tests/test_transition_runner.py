"""One way to run a transition (applications/lifecycle/runner.py): the table names every
transition of every machine and nothing else; a transition called outside the runner is
refused; no code writes a status by a bulk update (a machine's, an ownership claim's, or any
other but a background job's progress); a tie recorded after assignment moves each assignment
through its machine with one event, under the application's lock."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from applications import lifecycle
from applications.lifecycle import runner
from applications.models import ApplicationEvent, EventType
from reviews.models import Assignment
from reviews.services import evaluation
from tests.test_evaluation import applications  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("applications", "reviews", "portal", "projects")


def _model_transitions(machine: str) -> set[str]:
    label, field = runner.MACHINES[machine]
    model = apps.get_model(label)
    return {t.name for t in model._meta.get_field(field).get_all_transitions(model)}


@pytest.mark.parametrize("machine", list(runner.MACHINES))
def test_the_table_names_every_transition_of_every_machine_and_nothing_else(machine):
    assert set(runner.TRANSITIONS[machine]) == _model_transitions(machine)


@pytest.mark.parametrize("machine", list(runner.MACHINES))
def test_every_machine_has_a_protected_state_field(machine):
    label, field = runner.MACHINES[machine]
    assert apps.get_model(label)._meta.get_field(field).protected


def test_agency_transitions_name_a_duty_and_system_ones_none():
    for machine, transitions in runner.TRANSITIONS.items():
        for name, transition in transitions.items():
            if transition.by == "agency" and transition.event is not None and machine in ("application", "agreement"):
                assert transition.duty, f"{machine}.{name}"
            if transition.by == "system":
                assert transition.duty is None, f"{machine}.{name}"


def test_a_transition_called_outside_the_runner_is_refused_and_changes_nothing(alice, acme, call):
    from tests.conftest import make_complete_draft

    draft = make_complete_draft(alice, acme, call)
    events = draft.events.count()
    with pytest.raises(runner.TransitionOutsideRunner, match="applications.Application.submit"):
        draft.submit()
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.events.count() == events


STATE_FIELDS = {"state", "status", "outcome"}
# Statuses no person acts on: a background job's progress, which the worker writes as it goes
# (applications/services/exports.py, copies.py). Every other status is a state machine.
JOB_PROGRESS = {"Export", "ApplicationCopy"}


def _machines() -> dict[str, str]:
    """Every model whose status is a state machine (a django-fsm field), and that field."""
    from django_fsm import FSMFieldMixin

    return {model.__name__: field.name for model in apps.get_models() for field in model._meta.concrete_fields
            if isinstance(field, FSMFieldMixin)}


def _calls_and_writes(path: Path) -> list[str]:
    """Bulk writes of a status: `….update(state=…)`, `status=`, `outcome=` (or `bulk_update` of
    such a field) on a queryset of any model but a background job's progress."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("update", "bulk_update")):
            continue
        if node.func.attr == "update":
            fields = {k.arg for k in node.keywords}
        else:
            listed = node.args[1:2] + [k.value for k in node.keywords if k.arg == "fields"]
            fields = {e.value for value in listed if isinstance(value, (ast.List, ast.Tuple, ast.Set)) for e in value.elts
                      if isinstance(e, ast.Constant)}
        base = node.func.value
        while isinstance(base, (ast.Call, ast.Attribute)):
            base = base.func if isinstance(base, ast.Call) else base.value
        model = base.id if isinstance(base, ast.Name) else ""
        if fields & STATE_FIELDS and model not in JOB_PROGRESS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {model}.{node.func.attr}({', '.join(sorted(f for f in fields if f))})")
    return found


def test_no_code_changes_a_status_by_a_bulk_update():
    found = []
    for app in PRODUCT:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found += _calls_and_writes(path)
    assert not found, found


def test_the_scan_finds_a_bulk_update_of_a_state():
    bad = ROOT / "applications" / "_scan_probe.py"
    bad.write_text("Assignment.objects.filter(pk=1).update(status='conflict')\n"
                   "CompanyClaim.objects.filter(claimant=user).update(status=CompanyClaim.Status.CANCELLED, decided_at=now)\n"
                   "CompanyClaim.objects.bulk_update(claims, ['status'])\n"
                   "Export.objects.filter(pk=1).update(status='running')\n")
    try:
        assert [line.split(" ", 1)[1] for line in _calls_and_writes(bad)] == [
            "Assignment.update(status)", "CompanyClaim.update(decided_at, status)", "CompanyClaim.bulk_update(status)"]
    finally:
        bad.unlink()


def test_the_job_progress_statuses_are_not_machines_and_every_machine_is_drawn():
    from applications.management.commands.draw_states import PORTAL_MACHINES

    assert JOB_PROGRESS <= {model.__name__ for model in apps.get_models()} and not JOB_PROGRESS & set(_machines())
    drawn = {label.split(".")[1]: field for label, field in runner.MACHINES.values()}
    drawn |= {label.split(".")[1]: field for label, field, _table in PORTAL_MACHINES.values()}
    assert _machines() == drawn


def test_the_claims_table_names_every_transition_of_a_claim_and_its_status_is_protected():
    from portal.models import CompanyClaim
    from portal.services.claims import CLAIM_TRANSITIONS

    field = CompanyClaim._meta.get_field("status")
    assert field.protected
    assert set(CLAIM_TRANSITIONS) == {t.name for t in field.get_all_transitions(CompanyClaim)}
    for transition in field.get_all_transitions(CompanyClaim):
        assert bool(transition.permission) == (CLAIM_TRANSITIONS[transition.name].by != "system"), transition.name


def test_a_tie_recorded_after_assignment_moves_each_open_assignment_with_one_event(panel, applications, reviewers, olivia, acme):  # noqa: F811  (the fixture)
    evaluation.auto_assign(user=olivia, panel=panel)
    reviewer = Assignment.objects.filter(application__company=acme).first().reviewer
    before = ApplicationEvent.objects.filter(action=EventType.CONFLICT_DECLARED).count()
    evaluation.tie_record(user=olivia, reviewer=reviewer, business_number=acme.business_number, kind="adviser", note="자문 계약",
                          ip="203.0.113.9")
    moved = Assignment.objects.filter(reviewer=reviewer, application__company=acme)
    assert moved and all(a.status == Assignment.Status.CONFLICT and a.conflict_reason == "자문 계약" for a in moved)
    events = ApplicationEvent.objects.filter(action=EventType.CONFLICT_DECLARED).order_by("pk")[before:]
    assert [(e.application_id, e.actor_id, e.ip_address, e.data["from"], e.data["to"]) for e in events] == [
        (a.application_id, olivia.pk, "203.0.113.9", "assigned", "conflict") for a in moved.order_by("application_id", "pk")]
    # Recording the same tie again moves nothing and writes nothing.
    evaluation.tie_record(user=olivia, reviewer=reviewer, business_number=acme.business_number, kind="adviser", note="자문 계약")
    assert ApplicationEvent.objects.filter(action=EventType.CONFLICT_DECLARED).count() == before + len(moved)


def test_the_package_answers_for_every_stage():
    for name in ("application_submit", "screening_pass", "revision_request", "decision_apply", "offer_accept", "appeal_file",
                 "agreement_issue", "agreement_sign", "agreement_countersign", "agreement_execute", "agreement_lapse"):
        assert callable(getattr(lifecycle, name)), name
    assert timedelta(seconds=0) < lifecycle.ANSWER_GRACE and timezone.now()


def test_every_transition_the_table_confirms_is_checked_through_its_page():
    """tests/test_transition_matrix.py posts every transition a person runs in the life cycle
    without the ticked box too, wherever the table says `confirm`: each has its row there. A
    machine an app above registers names the test of its confirmation page here."""
    import importlib

    from tests.test_transition_matrix import ROWS

    registered = {("project", "terminate"): "tests.test_projects:test_terminating_the_agreement_names_the_money_and_happens_only_once_confirmed"}
    marked = {(machine, name) for machine, transitions in runner.TRANSITIONS.items() for name, t in transitions.items() if t.confirm}
    assert marked and marked - set(registered) <= set(ROWS)
    assert {key for key in marked if key[0] in runner.REGISTERED} == set(registered)
    for where in registered.values():
        module, function = where.split(":")
        assert callable(getattr(importlib.import_module(module), function)), where


def test_a_form_shows_its_confirmation_box_where_the_table_asks_for_it(monkeypatch):
    from applications.templatetags.lifecycle import asks_confirmation

    assert asks_confirmation("application.decline_offer") and not asks_confirmation("application.accept_offer")
    assert asks_confirmation("application.accept_offer application.decline_offer")
    monkeypatch.setitem(runner.TRANSITIONS["application"], "decline_offer", runner.Transition(None, "company"))
    assert not asks_confirmation("application.decline_offer")


def test_every_kind_of_rule_has_one_registry_entry_with_its_form():
    from applications.eligibility import RULE_KINDS
    from applications.forms import RULE_PARAMS
    from applications.models import RuleKind

    assert set(RULE_KINDS) == set(RuleKind.values)
    # The one rule the portal adds to every call itself is never made through the form.
    assert set(RULE_PARAMS) == set(RuleKind.values) - {RuleKind.ONE_PER_CALL}
