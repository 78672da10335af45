"""Two officers acting on the same application at once, with real threads on PostgreSQL."""

from __future__ import annotations

import pytest
from django.utils import timezone

from applications import lifecycle
from applications.lifecycle import application_submit
from applications.models import Application, ApplicationEvent, ProgramOfficer, State
from tests.conftest import make_person
from tests.test_submission_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(alice, complete_draft):
    return application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())


@pytest.fixture
def otto(program):
    user = make_person("otto@example.com", mfa=True)
    ProgramOfficer.objects.create(program=program, user=user)
    return user


def test_two_officers_deciding_at_once_one_wins_the_other_is_told(submitted, olivia, otto):
    results = run_together(
        lambda: lifecycle.screening_pass(user=olivia, application_id=submitted.pk, expected_state=State.SUBMITTED),
        lambda: lifecycle.screening_declare_ineligible(user=otto, application_id=submitted.pk, reason="서류 미비",
                                                      expected_state=State.SUBMITTED),
    )
    winners = [r for r in results if isinstance(r, Application)]
    losers = [r for r in results if isinstance(r, lifecycle.StaleState)]
    assert len(winners) == 1 and len(losers) == 1, results
    final = Application.objects.get(pk=submitted.pk).state
    assert final == winners[0].state
    assert ApplicationEvent.objects.filter(application=submitted).exclude(action__in=["created", "submitted", "document_uploaded"]).count() == 1


def test_the_same_decision_twice_at_once_happens_once(submitted, olivia, otto):
    results = run_together(
        lambda: lifecycle.screening_pass(user=olivia, application_id=submitted.pk),
        lambda: lifecycle.screening_pass(user=otto, application_id=submitted.pk),
    )
    assert sum(isinstance(r, Application) for r in results) == 1, results
    assert sum(isinstance(r, lifecycle.TransitionRefused) for r in results) == 1, results
    assert ApplicationEvent.objects.filter(application=submitted, action="pass_screening").count() == 1
