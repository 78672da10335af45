"""What must happen once happens once, with real threads on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from applications import lifecycle
from applications.models import Application, ApplicationEvent, Call, State
from applications.services import submission as svc
from portal.models import CompanyMembership
from tests.conftest import make_complete_draft, make_person
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*actions):
    """Start every action at the same instant in its own thread (own DB connection)."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def worker(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:  # collected, asserted by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_double_submit_from_two_requests_gives_one_receipt(alice, complete_draft, call):
    results = run_together(*[
        (lambda: lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now()).receipt_number)
        for _ in range(2)
    ])
    assert results[0] == results[1] == f"{call.code}-00001", results
    assert Call.objects.get(pk=call.pk).receipt_seq == 1
    assert ApplicationEvent.objects.filter(application=complete_draft, action="submitted").count() == 1


def test_concurrent_submissions_get_unique_gap_free_receipts(call):
    drafts = []
    for n in range(8):
        person = make_person(f"owner{n}@example.com")
        company = CompanyFactory()
        CompanyMembership.objects.create(company=company, user=person, role="owner")
        drafts.append((person, make_complete_draft(person, company, call)))
    results = run_together(*[
        (lambda p=person, d=draft: lifecycle.application_submit(user=p, application_id=d.pk, now=timezone.now()).receipt_number)
        for person, draft in drafts
    ])
    assert sorted(results) == [f"{call.code}-{n:05d}" for n in range(1, 9)], results
    assert Application.objects.filter(state=State.SUBMITTED).count() == 8


def test_two_members_starting_at_once_share_one_application(alice, carol, acme, call):
    results = run_together(
        lambda: svc.application_start(user=alice, call=call, company=acme)[0].pk,
        lambda: svc.application_start(user=carol, call=call, company=acme)[0].pk,
    )
    assert results[0] == results[1], results
    assert Application.objects.filter(call=call, company=acme).count() == 1
    assert connection.vendor == "postgresql"
