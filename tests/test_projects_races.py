"""Payments under races, with real threads on PostgreSQL (the Pause helper of
test_money_races): one side holds the project's lock at the point where it has read what was
paid, the other runs meanwhile — an instalment is approved and paid once, and never more than
the grant is paid, however the two officers' clicks interleave."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects import services
from projects.models import Payment, PaymentRequest, PaymentState, Project, ProjectEvent
from tests.test_money_races import Pause
from tests.test_projects import ADVANCE, project, with_account  # noqa: F401  (project is a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def approved_advance(project, alice, officer) -> PaymentRequest:  # noqa: F811
    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    services.payment_approve(user=officer, payment_id=advance.pk)
    return advance


def test_two_officers_paying_one_instalment_at_once_pay_it_once(project, alice, olivia, otto, monkeypatch):  # noqa: F811
    advance = approved_advance(project, alice, otto)
    today = timezone.localdate()
    pause = Pause(monkeypatch, services, "paid_so_far", after=True)
    first, second = pause.interleave(
        lambda: services.payment_pay(user=otto, payment_id=advance.pk, paid_on=today, amount=ADVANCE, expected_state="approved"),
        lambda: services.payment_pay(user=olivia, payment_id=advance.pk, paid_on=today, amount=ADVANCE, expected_state="approved"),
    )
    assert isinstance(first, Payment) and first.amount == ADVANCE
    assert isinstance(second, ValidationError)
    assert second.messages == ["화면을 보는 사이에 지급 요청 상태가 바뀌었습니다(현재: “지급 완료”). 아무것도 처리되지 않았습니다. "
                               "다시 확인해 주세요."]
    assert Payment.objects.filter(payment_request=advance).count() == 1
    assert ProjectEvent.objects.filter(project=project, action="payment_paid").count() == 1
    assert PaymentRequest.objects.get(pk=advance.pk).state == PaymentState.PAID


def test_two_officers_approving_one_request_at_once_approve_it_once(project, alice, olivia, otto, monkeypatch):  # noqa: F811
    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    pause = Pause(monkeypatch, services, "_refuse_unless_running", after=True)
    first, second = pause.interleave(
        lambda: services.payment_approve(user=otto, payment_id=advance.pk, expected_state="requested"),
        lambda: services.payment_approve(user=olivia, payment_id=advance.pk, expected_state="requested"),
    )
    assert isinstance(first, PaymentRequest) and first.approved_by == otto
    assert isinstance(second, ValidationError) and "승인(지급 예정)" in second.messages[0]
    assert ProjectEvent.objects.filter(project=project, action="payment_approved").count() == 1
    assert PaymentRequest.objects.get(pk=advance.pk).approved_by == otto


def test_two_instalments_paid_at_once_never_pay_more_than_the_grant(project, alice, olivia, otto, monkeypatch):  # noqa: F811
    """Two different requests (two row locks that do not meet): the project's lock alone
    keeps the second from reading the sum before the first has added to it."""
    advance = approved_advance(project, alice, otto)
    interim = PaymentRequest.objects.create(project=project, number=3, label="중도금", percent=0, amount=ADVANCE,
                                            condition="due_date", due_on=timezone.localdate())
    services.payment_submit(user=alice, payment_id=interim.pk)
    services.payment_approve(user=otto, payment_id=interim.pk)
    Project.objects.filter(pk=project.pk).update(grant=ADVANCE + ADVANCE // 2)  # room for one of the two only
    today = timezone.localdate()
    pause = Pause(monkeypatch, services, "paid_so_far", after=True)
    first, second = pause.interleave(
        lambda: services.payment_pay(user=otto, payment_id=advance.pk, paid_on=today, amount=ADVANCE),
        lambda: services.payment_pay(user=olivia, payment_id=interim.pk, paid_on=today, amount=ADVANCE),
    )
    assert isinstance(first, Payment)
    assert isinstance(second, ValidationError)
    assert second.messages == ["이 지급을 기록하면 지급 누계가 210,000,000원이 되어 정부지원금 157,500,000원을 넘습니다"
                               "(지금까지 105,000,000원 지급). 아무것도 기록되지 않았습니다."]
    assert sum(Payment.objects.values_list("amount", flat=True)) == ADVANCE
    assert PaymentRequest.objects.get(pk=interim.pk).state == PaymentState.APPROVED


def test_two_members_entering_expenses_that_together_exceed_a_line_one_succeeds(project, alice, carol, monkeypatch):  # noqa: F811
    """The line 설비 센서 has 80,000,000원: 50,000,000 and 40,000,000 entered at once — the second,
    held until the first is committed, reads the first's total under the project's lock and is refused."""
    import datetime

    from applications.models import Agreement
    from projects import ledger
    from projects.models import Expense
    from tests.test_project_ledger import PAYEE, entry

    today = timezone.localdate()
    Project.objects.filter(pk=project.pk).update(starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=30))
    Agreement.objects.filter(pk=project.agreement_id).update(executed_at=timezone.now() - datetime.timedelta(days=31))
    project = Project.objects.select_related("agreement", "application__company").get(pk=project.pk)  # noqa: F811
    day = today - datetime.timedelta(days=1)
    pause = Pause(monkeypatch, ledger, "_ledger_state", after=True)

    def enter(user, amount: int, number: str):
        return ledger.expense_add(user=user, project_id=project.pk, entry=entry(project, spent_on=day, supply_amount=amount,
                                                                              payee_business_number=PAYEE, evidence_kind="transfer",
                                                                              evidence_number=number))

    first, second = pause.interleave(lambda: enter(alice, 50_000_000, "T-A"), lambda: enter(carol, 40_000_000, "T-B"))
    assert isinstance(first, Expense) and first.eligible_amount == 50_000_000
    assert isinstance(second, ValidationError)
    assert second.messages == ["40,000,000원은 비목 “설비 센서”의 잔액보다 많습니다(잔액 30,000,000원 / 배정 80,000,000원)."]
    assert list(Expense.objects.filter(project=project).values_list("evidence_number", flat=True)) == ["T-A"]
    assert ProjectEvent.objects.filter(project=project, action="expense_added").count() == 1
