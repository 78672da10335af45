"""Two officers finalising the same call's selection at once: it happens once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from applications.models import ProgramOfficer
from reviews.models import Assignment, SelectionRound
from reviews.services import evaluation, selection
from tests.conftest import make_person, score_all, under_review
from tests.test_submission_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_officers_finalising_at_once_finalise_once(call, olivia, alice, acme, panel, program):
    otto = make_person("otto@example.com", mfa=True)
    ProgramOfficer.objects.create(program=program, user=otto)
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    first = selection.selection_run(user=olivia, call=call)
    second = selection.selection_run(user=otto, call=call)
    results = run_together(
        lambda: selection.selection_finalize(user=olivia, round_id=first.pk),
        lambda: selection.selection_finalize(user=otto, round_id=second.pk),
    )
    assert sum(isinstance(r, SelectionRound) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert SelectionRound.objects.filter(call=call, finalized_at__isnull=False).count() == 1


def test_the_same_round_finalised_twice_at_once_happens_once(call, olivia, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    selection_round = selection.selection_run(user=olivia, call=call)
    results = run_together(*[(lambda: selection.selection_finalize(user=olivia, round_id=selection_round.pk)) for _ in range(2)])
    assert sum(isinstance(r, SelectionRound) for r in results) == 1, results


def test_two_signatures_of_the_company_at_once_sign_once(selected, olivia, alice, signing_cert):
    from applications.models import Signature
    from applications.services import agreements

    agreement = agreements.agreement_prepare(user=olivia, application_id=selected.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    agreements.agreement_issue(user=olivia, agreement_id=agreement.pk)
    results = run_together(*[
        (lambda: agreements.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256))
        for _ in range(2)
    ])
    assert sum(isinstance(r, Signature) for r in results) == 1, results
    assert Signature.objects.filter(version=version, role="company").count() == 1
