"""The decision half of the life cycle under random actions by every role, with the beat jobs
and the passing of time among them: selection, finalization, appeals and their decisions,
withdrawals, offers of freed places and the answers to them. After every step:

- each application's state is the target of its newest state-changing event, and every
  change follows from the one before (one event per change, none missing);
- the grants held by selected, offered and contracted applications never exceed the budget;
- nothing is selected while the call is open;
- a refused action changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from applications import lifecycle
from applications.models import Appeal, Application, ApplicationEvent, Call, ProgramOfficer, SelectionRound, State
from reviews.models import Assignment
from reviews.services import evaluation, selection
from reviews.tasks import apply_finalized_selections, sweep_offers
from tests.conftest import close_call, make_person, score_all, under_review
from tests.factories import CompanyFactory, ProgramFactory

pytestmark = pytest.mark.django_db

GRANT = 150_000_000
REFUSALS = (PermissionDenied, ValidationError, lifecycle.SubmissionRefused)
ROLES = ["officer", "other_officer", "member0", "member1", "member2", "reviewer", "admin"]
# The people who move things come up more often, so that sequences get far.
ACTORS = st.sampled_from(["officer"] * 3 + ["member0", "member1", "member2"] * 2 + ROLES)
WHICH = st.integers(min_value=0, max_value=2)
# For an action on one application: most often (more than half the draws) a member of its own
# company ("own"), so that a derandomized run reaches appeals whichever seed the digest of the
# machine's source (changed by any edit of it) gives.
ON_ONE = st.sampled_from(["own"] * 8 + ROLES)


def make_machine(call, olivia, panel, seen: set):
    class Decisions(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._example = transaction.atomic()
            self._example.__enter__()
            self.now = timezone.now()
            fresh = Call.objects.get(pk=call.pk)  # the previous example's changes were rolled back; its objects were not
            self.people = {"officer": olivia, "reviewer": panel.members.first().reviewer,
                           "other_officer": make_person(f"other{id(self)}@example.com", mfa=True),
                           "admin": make_person(f"admin{id(self)}@example.com", is_staff=True, is_superuser=True)}
            ProgramOfficer.objects.create(program=ProgramFactory(), user=self.people["other_officer"])
            self.applications = []
            for n, scores in enumerate([[36, 25, 18, 9], [32, 24, 16, 8], [30, 22, 15, 7]]):
                member = make_person(f"member{n}-{id(self)}@example.com")
                company = CompanyFactory(name=f"회사 {n}")
                company.memberships.create(user=member, role="owner", can_sign=True)
                self.people[f"member{n}"] = member
                application = under_review(member, company, fresh, olivia)
                self.applications.append(application)
            evaluation.auto_assign(user=olivia, panel=panel)
            for application, scores in zip(self.applications, [[36, 25, 18, 9], [32, 24, 16, 8], [30, 22, 15, 7]]):
                for assignment in Assignment.objects.filter(application=application):
                    score_all(assignment, scores)
            Call.objects.filter(pk=call.pk).update(budget_total=GRANT)
            close_call(fresh)

        def teardown(self):
            transaction.set_rollback(True)
            self._example.__exit__(None, None, None)

        def _attempt(self, move: str, role: str, action, which: int | None = None) -> None:
            role = f"member{which}" if role == "own" else role
            before = list(Application.objects.order_by("pk").values_list("pk", "state"))
            events = ApplicationEvent.objects.count()
            try:
                action(self.people[role])
            except REFUSALS:
                assert list(Application.objects.order_by("pk").values_list("pk", "state")) == before, f"a refused {move} moved something"
                assert ApplicationEvent.objects.count() == events, f"a refused {move} left an event"
                return
            if list(Application.objects.order_by("pk").values_list("pk", "state")) != before:
                seen.add(move)

        # Most examples start with the officer's decision, so that sequences reach appeals and offers.
        @initialize(start=st.integers(min_value=0, max_value=3))
        def the_officer_may_decide_first(self, start):
            if start:
                self.run_and_finalize_the_selection(role="officer")

        @rule(role=ACTORS)
        def run_and_finalize_the_selection(self, role):
            def act(user):
                proposal = selection.selection_run(user=user, call=Call.objects.get(pk=call.pk), now=self.now)
                selection.selection_finalize(user=user, round_id=proposal.pk, now=self.now)
                selection.selection_apply(round_id=proposal.pk)
            self._attempt("decide", role, act)

        @rule(role=ON_ONE, which=WHICH)
        def appeal(self, role, which):
            application = self.applications[which]
            self._attempt("appeal", role, lambda u: lifecycle.appeal_file(user=u, application_id=application.pk, reason="이의",
                                                                          now=self.now), which)

        @rule(role=ACTORS, which=WHICH, uphold=st.booleans())
        def decide_the_appeal(self, role, which, uphold):
            appeal = Appeal.objects.filter(application=self.applications[which], outcome="pending").first()
            if appeal is None:
                return
            decide = lifecycle.appeal_order_rereview if uphold else lifecycle.appeal_dismiss
            self._attempt("rereview" if uphold else "dismiss", role, lambda u: decide(user=u, appeal_id=appeal.pk, note="결정 사유"))

        @rule(role=ON_ONE, which=WHICH, chance=st.integers(min_value=0, max_value=1))
        def withdraw(self, role, which, chance):
            if chance:
                return
            application = self.applications[which]
            self._attempt("withdraw", role, lambda u: lifecycle.application_withdraw(user=u, application_id=application.pk, reason="포기"),
                          which)

        @rule()
        def a_selected_company_gives_up(self):
            for which, application in enumerate(self.applications):
                if Application.objects.get(pk=application.pk).state == State.SELECTED:
                    self._attempt("withdraw", "own", lambda u, a=application: lifecycle.application_withdraw(
                        user=u, application_id=a.pk, reason="선정 포기"), which)
                    return

        @rule(role=ACTORS)
        def offer_a_freed_place(self, role):
            self._attempt("offer", role, lambda u: lifecycle.offer_next(user=u, call_id=call.pk, now=self.now))

        @rule(role=ON_ONE, which=WHICH, accept=st.booleans())
        def answer_the_offer(self, role, which, accept):
            application = self.applications[which]
            answer = lifecycle.offer_accept if accept else lifecycle.offer_decline
            self._attempt("accept" if accept else "decline", role,
                          lambda u: answer(user=u, application_id=application.pk, now=self.now), which)

        @rule(days=st.integers(min_value=0, max_value=4))
        def time_passes_and_the_beat_jobs_run(self, days):
            self.now += datetime.timedelta(days=days)
            before = list(Application.objects.order_by("pk").values_list("pk", "state"))
            apply_finalized_selections()
            sweep_offers()
            lifecycle.offer_sweep(now=self.now)
            after = dict(Application.objects.values_list("pk", "state"))
            for pk, state in before:
                # A job only applies a final decision or lapses an overdue offer; it never undoes.
                assert after[pk] == state or (state, after[pk]) in {(State.OFFERED, State.WITHDRAWN)}, (state, after[pk])
                if after[pk] != state:
                    seen.add("lapse")

        @invariant()
        def each_state_is_its_newest_events_target_and_every_change_is_told(self):
            for application in self.applications:
                changes = list(ApplicationEvent.objects.filter(application=application).exclude(to_state="").order_by("seq"))
                assert changes[-1].to_state == Application.objects.get(pk=application.pk).state
                for earlier, later in zip(changes, changes[1:]):
                    assert later.from_state == earlier.to_state, f"{later.action} without the change before it"

        @invariant()
        def no_more_is_held_than_the_budget(self):
            assert lifecycle.committed_budget(call) <= Call.objects.get(pk=call.pk).budget_total

        @invariant()
        def nothing_is_selected_in_an_open_call(self):
            holding = Application.objects.filter(call=call, state__in=lifecycle.HOLDS_BUDGET).exists()
            assert not holding or not Call.objects.get(pk=call.pk).is_open(self.now)

        @invariant()
        def the_first_decision_is_final_once(self):
            assert SelectionRound.objects.filter(call=call, kind="initial", finalized_at__isnull=False).count() <= 1

    return Decisions


def test_random_decisions_appeals_and_offers_by_every_role_keep_the_invariants(call, olivia, panel):
    seen: set[str] = set()
    run_state_machine_as_test(
        make_machine(call, olivia, panel, seen),
        settings=settings(max_examples=20, stateful_step_count=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
    # The machine really moved through the decision half.
    assert {"decide", "appeal", "offer", "withdraw"} <= seen, seen
