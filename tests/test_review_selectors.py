"""reviews/selectors.py: the evaluation's reads narrowed to the person. Handed an object of a
program they do not run, an officer's lists come back empty; a reviewer's desk holds only
their own assignments that are still theirs."""

from __future__ import annotations

import pytest

from applications.models import ProgramOfficer
from reviews import selectors
from reviews.models import Assignment
from reviews.services import evaluation, selection
from tests.conftest import close_call, make_person, score_all, under_review
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(call, olivia, alice, acme, panel):
    """Acme's application scored by its panel, the call closed and its selection run."""
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    return application, selection.selection_run(user=olivia, call=call)


@pytest.fixture
def stranger(db):
    """An officer of another program."""
    person = make_person("oscar@example.com", mfa=True)
    ProgramOfficer.objects.create(program=ProgramFactory(), user=person)
    return person


def test_an_officer_reads_the_evaluation_of_the_programs_they_run_and_an_admin_of_all(scored, call, olivia, stranger, adam, panel):
    application, round_ = scored
    for person, sees in ((olivia, True), (adam, True), (stranger, False)):
        assert selectors.panels_of_call(person, call).exists() is sees
        assert bool(selectors.panel_members(person, panel)) is sees
        assert selectors.panel_assignments(person, panel).exists() is sees
        assert (selectors.panel_progress(person, panel)["submitted"] > 0) is sees
        assert bool(selectors.round_items(person, round_)) is sees
        assert selectors.round_decisions(person, round_).exists() is sees
        assert bool(selectors.ranking_for_officer(person, call)["receipts"]) is sees
        assert (selectors.application_by_receipt(person, call, application.receipt_number) is not None) is sees
        assert (selectors.rubric_of(person, call).pk is not None) is sees


def test_a_reviewers_desk_holds_their_own_assignments_still_theirs(scored, acme, olivia):
    application, _round = scored
    first, second = Assignment.objects.filter(application=application).order_by("pk")[:2]
    assert list(selectors.assignments_for_reviewer(first.reviewer)) == [first]
    # A tie recorded after assignment takes the company's applications off the desk.
    evaluation.tie_record(user=olivia, reviewer=second.reviewer, business_number=acme.business_number, kind="adviser", note="자문")
    assert list(selectors.assignments_for_reviewer(second.reviewer)) == []
    assert selectors.review_for_reviewer(first.reviewer, first).assignment_id == first.pk
    assert selectors.review_for_reviewer(second.reviewer, first) is None
