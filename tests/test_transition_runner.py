"""One way to run a transition (applications/lifecycle/runner.py): the table names every
transition of every machine and nothing else; a transition called outside the runner is
refused; no code writes a state field by a bulk update; a tie recorded after assignment moves
each assignment through its machine with one event, under the application's lock."""

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


def _calls_and_writes(path: Path) -> list[str]:
    """Bulk updates of a machine's state field: `….update(state=…)`, `status=`, `outcome=` on
    a queryset of one of the machines' models."""
    machine_models = {label.split(".")[1] for label, _field in runner.MACHINES.values()}
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            fields = {k.arg for k in node.keywords}
            base = node.func.value
            while isinstance(base, (ast.Call, ast.Attribute)):
                base = base.func if isinstance(base, ast.Call) else base.value
            model = base.id if isinstance(base, ast.Name) else ""
            if model in machine_models and fields & {"state", "status", "outcome"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {model}.update({', '.join(sorted(fields))})")
    return found


def test_no_code_changes_a_machine_state_by_a_bulk_update():
    found = []
    for app in PRODUCT:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found += _calls_and_writes(path)
    assert not found, found


def test_the_scan_finds_a_bulk_update_of_a_state(tmp_path):
    bad = ROOT / "applications" / "_scan_probe.py"
    bad.write_text("Assignment.objects.filter(pk=1).update(status='conflict')\n")
    try:
        assert _calls_and_writes(bad)
    finally:
        bad.unlink()


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


# Each transition the table marks `confirm`, and the test that proves its page does nothing
# until the person confirms (and then does it once).
CONFIRMED_IN = {
    ("application", "withdraw"): "tests.test_confirmations:test_withdrawing_a_selected_application_names_the_grant_and_happens_only_once_confirmed",
    ("application", "decline_offer"): "tests.test_lifecycle:test_a_declined_offer_withdraws_the_application_and_frees_the_place_again",
    ("agreement", "issue"): "tests.test_confirmations:test_issuing_an_agreement_names_its_amounts_and_happens_only_once_confirmed",
    ("review", "submit"): "tests.test_confirmations:test_submitting_a_review_shows_the_weighted_total_first_and_locks_only_once_confirmed",
    ("project", "terminate"): "tests.test_projects:test_terminating_the_agreement_names_the_money_and_happens_only_once_confirmed",
}


def test_every_transition_the_table_confirms_has_a_test_of_its_confirmation_page():
    import importlib

    marked = {(machine, name) for machine, transitions in runner.TRANSITIONS.items() for name, t in transitions.items() if t.confirm}
    assert marked == set(CONFIRMED_IN)
    for where in CONFIRMED_IN.values():
        module, function = where.split(":")
        assert callable(getattr(importlib.import_module(module), function)), where


def test_every_kind_of_rule_has_one_registry_entry_with_its_form():
    from applications.eligibility import RULE_KINDS
    from applications.forms import RULE_PARAMS
    from applications.models import RuleKind

    assert set(RULE_KINDS) == set(RuleKind.values)
    # The one rule the portal adds to every call itself is never made through the form.
    assert set(RULE_PARAMS) == set(RuleKind.values) - {RuleKind.ONE_PER_CALL}
