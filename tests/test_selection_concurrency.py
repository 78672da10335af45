"""Two officers finalizing the same call's selection at once: it happens once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from applications.models import ProgramOfficer, SelectionRound
from reviews.models import Assignment
from reviews.services import evaluation, selection
from tests.conftest import close_call, make_person, score_all, under_review, wait_until
from tests.test_submission_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_officers_finalizing_at_once_finalize_once(call, olivia, alice, acme, panel, program):
    otto = make_person("otto@example.com", mfa=True)
    ProgramOfficer.objects.create(program=program, user=otto)
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    first = selection.selection_run(user=olivia, call=call)
    second = selection.selection_run(user=otto, call=call)
    results = run_together(
        lambda: selection.selection_finalize(user=olivia, round_id=first.pk),
        lambda: selection.selection_finalize(user=otto, round_id=second.pk),
    )
    assert sum(isinstance(r, SelectionRound) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert SelectionRound.objects.filter(call=call, finalized_at__isnull=False).count() == 1


def test_the_same_round_finalized_twice_at_once_happens_once(call, olivia, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    selection_round = selection.selection_run(user=olivia, call=call)
    results = run_together(*[(lambda: selection.selection_finalize(user=olivia, round_id=selection_round.pk)) for _ in range(2)])
    assert sum(isinstance(r, SelectionRound) for r in results) == 1, results


def test_two_signatures_of_the_company_at_once_sign_once(selected, olivia, alice, signing_cert):
    from applications import lifecycle
    from applications.models import Signature
    from applications.services import agreements

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    results = run_together(*[
        (lambda: lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256))
        for _ in range(2)
    ])
    assert sum(isinstance(r, Signature) for r in results) == 1, results
    assert Signature.objects.filter(version=version, role="company").count() == 1


def test_two_officers_selecting_at_once_cannot_together_exceed_the_budget(call, olivia, program, panel, monkeypatch):
    """Each change fits the budget alone; together they would not. One is refused."""
    from applications.models import Call, SelectionItem
    from tests.factories import CompanyFactory

    otto = make_person("otto@example.com", mfa=True)
    ProgramOfficer.objects.create(program=program, user=otto)
    applications = []
    for n in range(3):
        owner = make_person(f"owner{n}@example.com")
        company = CompanyFactory()
        from portal.models import CompanyMembership

        CompanyMembership.objects.create(company=company, user=owner, role="owner")
        applications.append(under_review(owner, company, call, olivia))
    evaluation.auto_assign(user=olivia, panel=panel)
    for application, values in zip(applications, [[36, 25, 18, 9], [30, 20, 14, 6], [20, 15, 10, 5]]):
        for assignment in Assignment.objects.filter(application=application):
            score_all(assignment, values)
    Call.objects.filter(pk=call.pk).update(budget_total=300_000_000)  # two grants of 150,000,000
    call.refresh_from_db()
    close_call(call)
    selection_round = selection.selection_run(user=olivia, call=call)
    first = selection_round.items.get(application=applications[0])
    selection.item_override(user=olivia, item_id=first.pk, decision="waitlisted", grant=150_000_000, reason="예산 재검토")
    second, third = (selection_round.items.get(application=a) for a in applications[1:])
    # Hold each officer between checking the total and saving, until the other one has
    # checked too (no lock: both checks pass) or waits for the round's lock in PostgreSQL —
    # a condition, not a pause of a guessed length.
    import threading

    from django.db import connection

    original_total = selection._selected_total
    arrivals, guard = [], threading.Lock()

    def other_is_here_or_waiting() -> bool:
        if len(arrivals) > 1:
            return True
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                           "WHERE NOT l.granted AND a.datname = current_database()")
            return cursor.fetchone()[0] > 0

    def slow_total(selection_round):
        total = original_total(selection_round)
        with guard:
            arrivals.append(threading.get_ident())
        assert wait_until(other_is_here_or_waiting, timeout=10)
        return total

    monkeypatch.setattr(selection, "_selected_total", slow_total)
    # 150,000,000 selected now; each officer adds another 150,000,000: only one fits.
    results = run_together(
        lambda: selection.item_override(user=olivia, item_id=first.pk, decision="selected", grant=150_000_000, reason="복원"),
        lambda: selection.item_override(user=otto, item_id=third.pk, decision="selected", grant=150_000_000, reason="위원회 의결"),
    )
    assert sum(isinstance(r, SelectionItem) for r in results) == 1, results
    selected = SelectionItem.objects.filter(round=selection_round, decision="selected")
    assert sum(selected.values_list("grant", flat=True)) <= 300_000_000
    assert second.pk in selected.values_list("pk", flat=True)
