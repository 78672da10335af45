"""Random sequences of actions by every role; after each step the invariants hold:
each state change has exactly one event, the chain verifies, nobody acts outside their
permissions, and nothing happens to a withdrawn application."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from applications import lifecycle
from applications.models import Application, ApplicationEvent, ProgramOfficer, State
from applications.services.events import verify_chain
from portal.models import CompanyMembership
from reviews.models import ReviewerProfile
from tests.conftest import make_complete_draft, make_person
from tests.factories import CompanyFactory, ProgramFactory

pytestmark = pytest.mark.django_db

# Which roles may make each move (the rest must be refused and change nothing).
ALLOWED = {
    "submit": {"member"},
    "begin_screening": {"officer"},
    "pass_screening": {"officer"},
    "declare_ineligible": {"officer"},
    "request_revision": {"officer"},
    "resubmit": {"member"},
    "withdraw": {"member"},
}
ROLES = ["member", "outsider", "officer", "other_officer", "reviewer", "admin"]
# The people who can move the application come up more often, so that sequences get far.
ACTORS = st.sampled_from(["member"] * 3 + ["officer"] * 3 + ROLES)
REFUSALS = (PermissionDenied, ValidationError, lifecycle.SubmissionRefused)


def make_machine(call, olivia, seen: set):
    counter = {"n": 0}

    class Workflow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Every example starts from the test's database and leaves nothing behind.
            self._example = transaction.atomic()
            self._example.__enter__()
            counter["n"] += 1
            n = counter["n"]
            self.people = {
                "member": make_person(f"member{n}@example.com"),
                "outsider": make_person(f"outsider{n}@example.com"),
                "officer": olivia,
                "other_officer": make_person(f"other{n}@example.com", mfa=True),
                "reviewer": make_person(f"reviewer{n}@example.com", mfa=True),
                "admin": make_person(f"admin{n}@example.com", is_staff=True, is_superuser=True),
            }
            ProgramOfficer.objects.create(program=ProgramFactory(), user=self.people["other_officer"])
            ReviewerProfile.objects.create(user=self.people["reviewer"])
            company = CompanyFactory()
            CompanyMembership.objects.create(company=company, user=self.people["member"], role="owner")
            CompanyMembership.objects.create(company=CompanyFactory(), user=self.people["outsider"], role="owner")
            self.application = make_complete_draft(self.people["member"], company, call)
            self.changes = 0
            self.withdrawn_events = None

        def _attempt(self, move: str, role: str, action) -> None:
            before = Application.objects.get(pk=self.application.pk).state
            events_before = self.application.events.count()
            try:
                action(self.people[role])
                succeeded = True
            except REFUSALS:
                succeeded = False
            after = Application.objects.get(pk=self.application.pk).state
            if succeeded and after != before:
                self.changes += 1
                seen.add(move)
                assert role in ALLOWED[move], f"{role} managed to {move}"
            else:
                assert after == before
                assert self.application.events.count() == events_before, f"a refused {move} left an event"

        @rule(role=ACTORS)
        def submit(self, role):
            self._attempt("submit", role, lambda u: lifecycle.application_submit(user=u, application_id=self.application.pk, now=timezone.now()))

        @rule(role=ACTORS)
        def begin_screening(self, role):
            self._attempt("begin_screening", role, lambda u: lifecycle.screening_begin(user=u, application_id=self.application.pk))

        @rule(role=ACTORS)
        def pass_screening(self, role):
            self._attempt("pass_screening", role, lambda u: lifecycle.screening_pass(user=u, application_id=self.application.pk))

        @rule(role=ACTORS)
        def declare_ineligible(self, role):
            self._attempt("declare_ineligible", role, lambda u: lifecycle.screening_declare_ineligible(
                user=u, application_id=self.application.pk, reason="요건 미충족"))

        @rule(role=ACTORS, steps=st.sampled_from([["budget"], ["documents", "declarations"]]))
        def request_revision(self, role, steps):
            self._attempt("request_revision", role, lambda u: lifecycle.revision_request(
                user=u, application_id=self.application.pk, message="보완하세요", steps=steps,
                days=2))

        @rule(role=ACTORS)
        def resubmit(self, role):
            self._attempt("resubmit", role, lambda u: lifecycle.revision_resubmit(user=u, application_id=self.application.pk, now=timezone.now()))

        # Withdrawal ends everything, so it is drawn rarely to let sequences reach the later states.
        @rule(role=ACTORS, chance=st.integers(min_value=0, max_value=5))
        def withdraw(self, role, chance):
            if chance:
                return
            self._attempt("withdraw", role, lambda u: lifecycle.application_withdraw(user=u, application_id=self.application.pk, reason="사정상 포기"))

        # Beat jobs run among the people's actions: they must never move the application on
        # their own except as the life cycle allows (an overdue revision), and never undo.
        @rule(chance=st.integers(min_value=0, max_value=3))
        def beat_jobs(self, chance):
            if chance:
                return
            from applications.tasks import sweep_overdue_revisions
            from reviews.tasks import apply_finalized_selections, sweep_offers

            before = Application.objects.get(pk=self.application.pk).state
            sweep_overdue_revisions()
            apply_finalized_selections()
            sweep_offers()
            assert Application.objects.get(pk=self.application.pk).state == before  # nothing is overdue here

        @invariant()
        def the_state_is_the_newest_events_target(self):
            newest = ApplicationEvent.objects.filter(application=self.application).exclude(to_state="").order_by("-seq").first()
            assert newest.to_state == Application.objects.get(pk=self.application.pk).state

        @invariant()
        def nothing_is_selected_while_the_call_is_open(self):
            holding = Application.objects.filter(call=call, state__in=lifecycle.HOLDS_BUDGET)
            assert not holding.exists() or not call.is_open()
            assert lifecycle.committed_budget(call) <= call.budget_total

        def teardown(self):
            transaction.set_rollback(True)
            self._example.__exit__(None, None, None)

        @invariant()
        def every_state_change_has_exactly_one_event(self):
            changes = ApplicationEvent.objects.filter(application=self.application).exclude(from_state="").exclude(
                to_state="").count()
            assert changes == self.changes

        @invariant()
        def the_chain_verifies(self):
            self.application.refresh_from_db()
            assert verify_chain(self.application) == []

        @invariant()
        def nothing_happens_to_a_withdrawn_application(self):
            if Application.objects.get(pk=self.application.pk).state != State.WITHDRAWN:
                return
            count = self.application.events.count()
            if self.withdrawn_events is None:
                self.withdrawn_events = count
            assert count == self.withdrawn_events

    return Workflow


def test_random_sequences_of_actions_by_all_roles_keep_the_invariants(call, olivia):
    seen: set[str] = set()
    machine = make_machine(call, olivia, seen)
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
    # The machine really moved: most transitions happened in some example.
    assert len(seen) >= 5, seen
