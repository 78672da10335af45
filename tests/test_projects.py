"""The project an executed agreement opens and the payments of its instalments (지급), through
the pages: what the company and the officer see and may do, in Korean, and every refusal
leaving nothing changed."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from applications import lifecycle
from applications.lifecycle import agreement as agreement_lifecycle
from applications.models import Agreement, AgreementState, Application, State
from portal.models import AuditEvent, StaffTie
from projects.models import Payment, PaymentRequest, PaymentState, Project, ProjectEvent, ProjectState
from projects.timeline import verify_chain
from tests.conftest import login_with_mfa, make_complete_draft

pytestmark = pytest.mark.django_db

GRANT = 150_000_000
ADVANCE, BALANCE = 105_000_000, 45_000_000  # 70 % on execution, the rest after the final report


def execute(application: Application, officer, monkeypatch) -> Project:
    """Prepare the selected application's agreement and execute it through the life cycle; the
    signatures and the signed PDF are test_agreements' business, so the agreement is taken as
    countersigned and the final PDF left out."""
    agreement = lifecycle.agreement_start(user=officer, application_id=application.pk)
    Agreement.objects.filter(pk=agreement.pk).update(state=AgreementState.COUNTERSIGNED)
    monkeypatch.setattr(agreement_lifecycle, "final_pdf_store", lambda agreement: setattr(agreement, "executed_at", timezone.now()))
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    return Project.objects.select_related("application__company", "agreement").get(application=application)


def selected_application(user, company, call, officer) -> Application:
    """A complete application, submitted, screened and (the evaluation left out) selected."""
    draft = make_complete_draft(user, company, call)
    lifecycle.application_submit(user=user, application_id=draft.pk, now=timezone.now())
    lifecycle.screening_pass(user=officer, application_id=draft.pk)
    Application.objects.filter(pk=draft.pk).update(state=State.SELECTED, grant_awarded=GRANT)
    return Application.objects.get(pk=draft.pk)


@pytest.fixture
def project(alice, acme, call, olivia, monkeypatch):
    """Acme's project, opened by its executed agreement."""
    return execute(selected_application(alice, acme, call, olivia), olivia, monkeypatch)


def signed_in(user) -> Client:
    client = Client()
    login_with_mfa(client, user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client: Client, url: str, data: dict | None = None) -> tuple[int, str]:
    """POST, follow the redirect, and return (the POST's status, the page it led to)."""
    response = client.post(url, data or {})
    status = response.status_code
    if status == 302:
        response = client.get(response["Location"])
    return status, response.content.decode()


def footprint(project: Project):
    """Everything a refused request must leave as it was."""
    return (Project.objects.filter(pk=project.pk).values_list("state", "account_number", "event_head").get(),
            list(PaymentRequest.objects.filter(project=project).order_by("number").values_list("state", "return_reason")),
            ProjectEvent.objects.filter(project=project).count(), Payment.objects.count())


def with_account(project: Project, user) -> Project:
    from projects import services

    services.project_account_set(user=user, project_id=project.pk, bank="국민은행", number="123-456-789012", holder="에이크미 정밀")
    project.refresh_from_db()
    return project


# --- Opening ---------------------------------------------------------------------------------

def test_an_executed_agreement_opens_one_project_with_the_agreements_instalments(project):
    assert project.state == ProjectState.IN_PROGRESS and project.grant == GRANT
    assert project.application.state == State.CONTRACTED
    assert list(project.payments.values_list("number", "label", "percent", "amount", "condition", "state")) == [
        (1, "선급금", 70, ADVANCE, "execution", "draft"), (2, "잔금", 30, BALANCE, "final_report", "draft")]
    assert list(project.events.values_list("seq", "action", "to_state")) == [(1, "opened", "in_progress")]
    assert project.events.get().data["instalments"] == [["선급금", ADVANCE], ["잔금", BALANCE]]
    assert verify_chain(project) == []
    # Executing again (a retried worker task) opens nothing more.
    lifecycle.agreement_execute(agreement_id=project.agreement_id)
    assert Project.objects.count() == 1 and project.events.count() == 1


def korean_day(value: datetime.date) -> str:
    """2026년 12월 14일(월), written out here rather than by the formatting helper under test."""
    return f"{value.year}년 {value.month}월 {value.day}일({'월화수목금토일'[value.weekday()]})"


def test_the_company_dashboard_and_the_application_show_the_project_beside_the_application(project, alice):
    client = signed_in(alice)
    dashboard = page(client, "/applications/")
    assert f'<a class="beside" href="/projects/{project.pk}/">사업 {project.number}</a> <span class="status">수행 중</span>' in dashboard
    detail = page(client, f"/applications/{project.application_id}/")
    assert f'<a class="button" href="/projects/{project.pk}/">사업 {project.number} — 수행 중</a>' in detail


def test_the_officer_desk_counts_payment_requests_and_links_the_project_list(project, olivia):
    desk = page(signed_in(olivia), "/officer/")
    assert '<a href="/officer/projects/?waiting=1">결정을 기다리는 지급 요청</a>: <strong>0건</strong>' in desk
    assert '<a href="/officer/projects/?state=in_progress">수행 중인 사업</a>: <strong>1건</strong>' in desk


def test_the_company_sees_its_project_its_instalments_and_why_each_cannot_be_requested_yet(project, carol):
    text = page(signed_in(carol), f"/projects/{project.pk}/")
    assert f"<h1>사업 {project.number}</h1>" in text
    assert '<span class="status status-project-in_progress" id="project-state">수행 중</span>' in text
    assert '<dd id="project-grant">150,000,000원</dd>' in text and '<dd id="project-paid">0원</dd>' in text
    assert f'<dd id="project-period">{korean_day(project.starts_on)} ~ {korean_day(project.ends_on)}</dd>' in text
    assert '<dd id="project-account">아직 입력되지 않음</dd>' in text
    assert "1. 선급금 (70%)" in text and "105,000,000원" in text and "협약 체결 후" in text
    assert "2. 잔금 (30%)" in text and "45,000,000원" in text and "결과보고서 제출 후" in text
    assert "사업비 전용계좌를 먼저 입력하세요. 정부지원금은 이 계좌로만 지급됩니다." in text
    assert "잔금 지급은 결과보고서를 제출한 뒤에 요청할 수 있습니다. 사업은 아직 “수행 중” 상태입니다." in text
    assert "사업 개시: 협약 체결" in text  # the timeline's first event


def test_the_dedicated_account_is_entered_by_a_member_shown_masked_and_recorded(project, carol):
    client = signed_in(carol)
    status, text = follow(client, f"/projects/{project.pk}/account/", {"bank": "국민은행", "number": "123-456-789012", "holder": "에이크미 정밀"})
    assert status == 302 and "사업비 전용계좌를 저장했습니다." in text
    assert '<dd id="project-account">국민은행 ***-***-**9012 (에이크미 정밀)</dd>' in text
    assert "123-456-789012" not in text
    event = project.events.order_by("seq").last()
    assert (event.action, event.actor, event.data) == ("account_set", carol, {"account": "국민은행 ***-***-**9012 (에이크미 정밀)", "before": ""})
    # A malformed number is refused with the reason, nothing saved.
    before = footprint(project)
    response = client.post(f"/projects/{project.pk}/account/", {"bank": "국민은행", "number": "12-가나", "holder": "에이크미 정밀"})
    assert response.status_code == 400
    assert "계좌번호는 8~20자리 숫자입니다(하이픈은 넣어도 되고 빼도 됩니다)." in response.content.decode()
    assert footprint(project) == before


def test_the_advance_is_refused_without_an_account_then_requested_once_it_is_entered(project, alice, deliver_outbox):
    client = signed_in(alice)
    advance = project.payments.get(number=1)
    before = footprint(project)
    status, text = follow(client, f"/projects/{project.pk}/payments/{advance.pk}/request/", {"expected_state": "draft"})
    assert status == 302
    assert "사업비 전용계좌를 먼저 입력하세요. 정부지원금은 이 계좌로만 지급됩니다. 아무것도 요청되지 않았습니다." in text
    assert footprint(project) == before

    with_account(project, alice)
    deliver_outbox()
    mail.outbox.clear()
    status, text = follow(client, f"/projects/{project.pk}/payments/{advance.pk}/request/", {"expected_state": "draft"})
    assert "선급금 지급을 요청했습니다. 사업담당자가 검토하여 결정합니다." in text
    advance.refresh_from_db()
    assert (advance.state, advance.requested_by) == (PaymentState.REQUESTED, alice)
    event = project.events.order_by("seq").last()
    assert (event.action, event.actor, event.data) == ("payment_requested", alice, {"payment": 1, "label": "선급금", "from": "draft",
                                                                                   "to": "requested", "amount": ADVANCE})
    sent = deliver_outbox()
    assert [m.subject for m in sent] == [f"[지원사업 신청 포털] 지급 요청: 사업 {project.number} 선급금"]
    assert f"사업 {project.number}의 선급금 105,000,000원 지급을 요청했습니다." in sent[0].body
    # The same request sent again (a second click) changes nothing and says why.
    before = footprint(project)
    status, text = follow(client, f"/projects/{project.pk}/payments/{advance.pk}/request/", {"expected_state": "draft"})
    assert "화면을 보는 사이에 지급 요청 상태가 바뀌었습니다(현재: “요청됨(검토 중)”). 아무것도 처리되지 않았습니다. 다시 확인해 주세요." in text
    assert footprint(project) == before


def test_the_balance_is_refused_before_the_final_report(project, alice):
    with_account(project, alice)
    balance = project.payments.get(number=2)
    before = footprint(project)
    status, text = follow(signed_in(alice), f"/projects/{project.pk}/payments/{balance.pk}/request/", {"expected_state": "draft"})
    assert status == 302
    assert ("잔금 지급은 결과보고서를 제출한 뒤에 요청할 수 있습니다. 사업은 아직 “수행 중” 상태입니다. 아무것도 요청되지 않았습니다."
            in text)
    assert footprint(project) == before


def test_the_officer_approves_pays_once_and_both_sides_see_it(project, alice, otto, deliver_outbox):
    from projects import services

    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    officer = signed_in(otto)
    listing = page(officer, "/officer/projects/?waiting=1")
    assert f'<a href="/officer/projects/{project.pk}/">{project.number}</a>' in listing
    status, text = follow(officer, f"/officer/payments/{advance.pk}/approve/", {"expected_state": "requested"})
    assert status == 302 and "선급금 105,000,000원 지급 요청을 승인했습니다." in text
    assert "지급명령서(PDF)" in text
    today = timezone.localdate()
    deliver_outbox()
    mail.outbox.clear()
    status, text = follow(officer, f"/officer/payments/{advance.pk}/pay/", {f"pay-{advance.pk}-paid_on": today.isoformat(),
                                                                         f"pay-{advance.pk}-amount": "105,000,000",
                                                                         f"pay-{advance.pk}-expected_state": "approved"})
    assert status == 302 and "105,000,000원 지급을 기록했습니다." in text
    record = Payment.objects.get()
    assert (record.payment_request_id, record.amount, record.paid_on, record.account_number, record.recorded_by) == (
        advance.pk, ADVANCE, today, "123-456-789012", otto)
    assert [e.action for e in project.events.order_by("seq")][-3:] == ["payment_requested", "payment_approved", "payment_paid"]
    assert verify_chain(Project.objects.get(pk=project.pk)) == []
    company = page(signed_in(alice), f"/projects/{project.pk}/")
    assert f"{korean_day(today)} 105,000,000원 지급" in company and '<dd id="project-paid">105,000,000원</dd>' in company
    sent = deliver_outbox()
    assert (f"사업 {project.number}의 선급금 105,000,000원이 {korean_day(today)} 사업비 전용계좌 "
            "국민은행 ***-***-**9012 (에이크미 정밀)로 지급되었습니다.") in sent[-1].body
    # A second click on the same button records nothing more.
    before = footprint(project)
    status, text = follow(officer, f"/officer/payments/{advance.pk}/pay/", {f"pay-{advance.pk}-paid_on": today.isoformat(),
                                                                         f"pay-{advance.pk}-amount": "105,000,000",
                                                                         f"pay-{advance.pk}-expected_state": "approved"})
    assert "화면을 보는 사이에 지급 요청 상태가 바뀌었습니다(현재: “지급 완료”). 아무것도 처리되지 않았습니다. 다시 확인해 주세요." in text
    assert footprint(project) == before


def test_a_returned_request_carries_the_reason_and_is_requested_again(project, alice, otto):
    from projects import services

    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    officer = signed_in(otto)
    before = footprint(project)
    status, text = follow(officer, f"/officer/payments/{advance.pk}/return/", {"return-expected_state": "requested", "return-reason": " "})
    assert "반려 사유를 입력하세요. 사유는 기업에 통지됩니다. 아무것도 처리되지 않았습니다." in text
    assert footprint(project) == before
    status, text = follow(officer, f"/officer/payments/{advance.pk}/return/", {"return-expected_state": "requested",
                                                                            "return-reason": "통장 사본의 예금주가 다릅니다."})
    assert "선급금 지급 요청을 사유와 함께 기업에 반려했습니다." in text
    company = signed_in(alice)
    text = page(company, f"/projects/{project.pk}/")
    assert "반려(보완 후 재요청)" in text and "사유: 통장 사본의 예금주가 다릅니다." in text and "다시 요청" in text
    status, text = follow(company, f"/projects/{project.pk}/payments/{advance.pk}/request/", {"expected_state": "returned"})
    advance.refresh_from_db()
    assert advance.state == PaymentState.REQUESTED
    assert [e.action for e in project.events.order_by("seq")][-3:] == ["payment_requested", "payment_returned", "payment_requested"]


def test_more_than_the_instalment_or_the_grant_is_never_paid(project, alice, otto):
    from django.core.exceptions import ValidationError

    from projects import services

    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    services.payment_approve(user=otto, payment_id=advance.pk)
    before = footprint(project)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="지급액은 0원보다 크고 이 회차 금액 105,000,000원 이하여야 합니다. 아무것도 기록되지 않았습니다."):
        services.payment_pay(user=otto, payment_id=advance.pk, paid_on=today, amount=ADVANCE + 1)
    with pytest.raises(ValidationError, match=r"지급일은 승인일\(.*\)부터 오늘\(.*\) 사이여야 합니다."):
        services.payment_pay(user=otto, payment_id=advance.pk, paid_on=today + datetime.timedelta(days=1), amount=ADVANCE)
    # The grant was lowered below what the instalments add up to: the sum is still capped.
    Project.objects.filter(pk=project.pk).update(grant=100_000_000)
    with pytest.raises(ValidationError, match=r"이 지급을 기록하면 지급 누계가 105,000,000원이 되어 정부지원금 100,000,000원을 넘습니다"
                                              r"\(지금까지 0원 지급\). 아무것도 기록되지 않았습니다."):
        services.payment_pay(user=otto, payment_id=advance.pk, paid_on=today, amount=ADVANCE)
    assert footprint(project) == before


def test_the_final_report_opens_the_balance_and_settlement_closes_only_with_no_payment_open(project, alice, otto):
    from projects import services

    with_account(project, alice)
    company = signed_in(alice)
    status, text = follow(company, f"/projects/{project.pk}/report/", {"expected_state": "in_progress", "summary": "MES 도입 완료, 불량률 28% 감소."})
    assert "결과보고서를 제출했습니다. 이제 잔금 지급을 요청할 수 있습니다." in text
    assert '<span class="status status-project-final_report" id="project-state">결과보고 제출</span>' in text
    balance = project.payments.get(number=2)
    follow(company, f"/projects/{project.pk}/payments/{balance.pk}/request/", {"expected_state": "draft"})
    assert PaymentRequest.objects.get(pk=balance.pk).state == PaymentState.REQUESTED

    officer = signed_in(otto)
    status, text = follow(officer, f"/officer/projects/{project.pk}/accept_report/", {"accept_report-expected_state": "final_report"})
    assert "결과보고를 확인했습니다. 사업이 정산 단계로 넘어갑니다." in text
    before = footprint(project)
    status, text = follow(officer, f"/officer/projects/{project.pk}/close/", {"close-expected_state": "settlement"})
    assert ("아직 끝나지 않은 지급 요청(요청 또는 승인 후 미지급)이 있습니다. 결정과 지급을 마친 뒤에 사업을 종료하세요. "
            "아무것도 처리되지 않았습니다.") in text
    assert footprint(project) == before
    services.payment_approve(user=otto, payment_id=balance.pk)
    services.payment_pay(user=otto, payment_id=balance.pk, paid_on=timezone.localdate(), amount=BALANCE)
    status, text = follow(officer, f"/officer/projects/{project.pk}/close/", {"close-expected_state": "settlement"})
    assert "사업을 종료했습니다." in text
    project.refresh_from_db()
    assert project.state == ProjectState.CLOSED
    assert [e.action for e in project.events.order_by("seq")] == [
        "opened", "account_set", "submit_report", "payment_requested", "accept_report", "payment_approved", "payment_paid", "close"]


def test_a_suspended_project_holds_its_payments_until_resumed(project, alice, otto):
    from django.core.exceptions import ValidationError

    from projects import services

    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    officer = signed_in(otto)
    before = footprint(project)
    status, text = follow(officer, f"/officer/projects/{project.pk}/suspend/", {"suspend-expected_state": "in_progress", "suspend-reason": ""})
    assert status == 400 and "사유를 입력하세요. 사유는 기업에 통지됩니다. 아무것도 처리되지 않았습니다." in text
    assert footprint(project) == before
    status, text = follow(officer, f"/officer/projects/{project.pk}/suspend/", {"suspend-expected_state": "in_progress",
                                                                             "suspend-reason": "현장점검 결과 확인 필요"})
    assert "사업을 중지했습니다. 지급이 보류됩니다." in text and '<dd id="project-reason">현장점검 결과 확인 필요</dd>' in text
    before = footprint(project)
    with pytest.raises(ValidationError, match="사업이 “중지” 상태이므로 지급이 보류됩니다. 아무것도 처리되지 않았습니다."):
        services.payment_approve(user=otto, payment_id=advance.pk)
    assert footprint(project) == before
    follow(officer, f"/officer/projects/{project.pk}/resume/", {"resume-expected_state": "suspended"})
    services.payment_approve(user=otto, payment_id=advance.pk)
    assert PaymentRequest.objects.get(pk=advance.pk).state == PaymentState.APPROVED


def test_terminating_the_agreement_names_the_money_and_happens_only_once_confirmed(project, alice, otto, deliver_outbox):
    officer = signed_in(otto)
    url = f"/officer/projects/{project.pk}/terminate/"
    text = page(officer, url)
    assert "<h1>협약해약</h1>" in text
    assert (f"에이크미 정밀의 사업({project.number})이 완전히 종료됩니다. 정부지원금 150,000,000원 중 남은 금액은 더 이상 "
            "요청·승인·지급되지 않습니다.") in text
    assert "지금까지 0원이 지급되었으며, 반환할 금액은 이후 정산합니다. 해약 사유는 기업에 통지됩니다." in text
    before = footprint(project)
    # From the page's button: the confirmation page, the reason carried into it, nothing done.
    response = officer.post(url, {"terminate-expected_state": "in_progress", "terminate-reason": "사업 포기 의사 표명"})
    assert response.status_code == 200 and "사업 포기 의사 표명" in response.content.decode()
    # The confirmation page without the box ticked: nothing done, said so.
    response = officer.post(url, {"step": "confirm", "terminate-expected_state": "in_progress", "terminate-reason": "사업 포기 의사 표명"})
    assert response.status_code == 400 and "아직 아무것도 실행되지 않았습니다. 확인란을 선택하세요." in response.content.decode()
    assert footprint(project) == before
    deliver_outbox()
    mail.outbox.clear()
    status, text = follow(officer, url, {"step": "confirm", "confirm": "yes", "terminate-expected_state": "in_progress",
                                         "terminate-reason": "사업 포기 의사 표명"})
    assert "협약을 해약했습니다." in text
    project.refresh_from_db()
    assert (project.state, project.reason) == (ProjectState.TERMINATED, "사업 포기 의사 표명")
    assert project.events.filter(action="terminate").count() == 1
    sent = deliver_outbox()
    assert sent[-1].subject == f"[지원사업 신청 포털] 협약해약: 사업 {project.number}"
    assert "사유: 사업 포기 의사 표명" in sent[-1].body
    # Confirmed twice (a second click): nothing more happens.
    before = footprint(project)
    status, text = follow(officer, url, {"step": "confirm", "confirm": "yes", "terminate-expected_state": "in_progress",
                                         "terminate-reason": "사업 포기 의사 표명"})
    assert "사업이 “협약해약” 상태일 때는 할 수 없습니다." in text
    assert footprint(project) == before


def test_an_officer_tied_to_the_company_is_refused_and_the_attempt_recorded(project, alice, otto):
    from projects import services

    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    StaffTie.objects.create(person=otto, business_number=project.application.company.business_number, kind="supplier", recorded_by=otto)
    officer = signed_in(otto)
    assert "승인</button>" not in page(officer, f"/officer/projects/{project.pk}/")
    before, audits = footprint(project), AuditEvent.objects.filter(action="duty.refused").count()
    response = officer.post(f"/officer/payments/{advance.pk}/approve/", {"expected_state": "requested"})
    assert response.status_code == 403
    assert ("귀하는 에이크미 정밀 기업과 이해관계(공급(스마트공장 솔루션 공급 등))가 있어 이 기업의 사업비 지급에 관한 결정 업무를 "
            "할 수 없습니다. 다른 담당자가 처리해야 하며, 이 시도는 기록되었습니다.") in response.content.decode()
    assert footprint(project) == before
    assert AuditEvent.objects.filter(action="duty.refused").count() == audits + 1


def test_the_payment_order_pdf_names_the_instalment_the_amount_in_words_and_the_account(project, alice, otto):
    from projects import services

    with_account(project, alice)
    advance = project.payments.get(number=1)
    services.payment_submit(user=alice, payment_id=advance.pk)
    officer = signed_in(otto)
    assert officer.get(f"/officer/payments/{advance.pk}/order.pdf").status_code == 302  # not approved yet: no order
    services.payment_approve(user=otto, payment_id=advance.pk)
    response = officer.get(f"/officer/payments/{advance.pk}/order.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "지 급 명 령 서" in text
    for expected in [f"{project.number}-1", "제1회 선급금 (정부지원금의 70%)", "105,000,000원", "금 일억오백만원정",
                     "국민은행 123-456-789012 (예금주: 에이크미 정밀)", project.agreement.number, "에이크미 정밀",
                     "150,000,000원", "지급 완료 누계 0원", "미지급 잔액 150,000,000원", f"담당자 {otto.name}",
                     "위 금액을 사업비 전용계좌로 지급하여 주시기 바랍니다."]:
        assert expected in text, expected
    today = timezone.localdate()
    assert f"{today.year}년 {today.month}월 {today.day}일" in text
    assert "\ufffd" not in text
    assert reader.metadata.title == f"지급명령서 {project.number}-1"
    # The company does not download the agency's order.
    assert signed_in(alice).get(f"/officer/payments/{advance.pk}/order.pdf").status_code == 403


def test_the_timeline_is_a_verified_chain_anchored_with_the_applications(project, alice, tmp_path):
    from portal.services.anchor_files import anchor_read
    from portal.services.anchors import anchors_check, heads_sweep

    with_account(project, alice)
    project.refresh_from_db()
    name = heads_sweep()
    assert [project.pk, project.event_head] in anchor_read(name)["projects"]
    out = io.StringIO()
    call_command("verify_events", stdout=out)
    assert "1 other chained record(s)" in out.getvalue()
    # Altering an event is found.
    ProjectEvent.objects.filter(project=project, seq=2).update(message="고친 내용")
    assert verify_chain(project) == ["event 2: content does not match its hash (altered)"]
    # Cutting the anchored newest event (and pointing the project at the one before) is found against the anchors.
    ProjectEvent.objects.filter(project=project, seq=2).delete()
    Project.objects.filter(pk=project.pk).update(event_head=ProjectEvent.objects.get(project=project, seq=1).hash)
    problems = anchors_check().problems
    assert any(p.startswith(f"project {project.pk}: its chain no longer holds the digest anchored at ") for p in problems), problems


@pytest.mark.parametrize("instalments", [1, 10])
def test_the_project_pages_make_the_same_number_of_queries_at_1_and_10_instalments(project, alice, otto, instalments,
                                                                                  django_assert_max_num_queries):
    from projects import services

    with_account(project, alice)
    PaymentRequest.objects.filter(project=project, number=2).delete()
    PaymentRequest.objects.bulk_create(PaymentRequest(project=project, number=n, label=f"중도금{n}", percent=1, amount=1_000_000,
                                                      condition="due_date", due_on=timezone.localdate())
                                       for n in range(2, instalments + 1))
    for payment in project.payments.all():  # every state on the page: requested, approved, paid
        services.payment_submit(user=alice, payment_id=payment.pk)
    for payment in project.payments.filter(number__gt=1)[: max(instalments - 1, 0)]:
        services.payment_approve(user=otto, payment_id=payment.pk)
        if payment.number % 2:
            services.payment_pay(user=otto, payment_id=payment.pk, paid_on=timezone.localdate(), amount=payment.amount)
    assert project.payments.count() == instalments
    company, officer = signed_in(alice), signed_in(otto)
    with django_assert_max_num_queries(COMPANY_PAGE_QUERIES):
        assert company.get(f"/projects/{project.pk}/").status_code == 200
    with django_assert_max_num_queries(OFFICER_PAGE_QUERIES):
        assert officer.get(f"/officer/projects/{project.pk}/").status_code == 200


# Each page's queries, whatever the number of instalments: the session and the person's roles,
# the project, the permission checks, the payments with their records in one query, the
# timeline, the notices count and the access record (the officer's page adds the ties and
# the transitions it offers).
COMPANY_PAGE_QUERIES = 11
OFFICER_PAGE_QUERIES = 19


def test_random_input_to_every_project_form_never_gives_a_server_error(project, alice, otto):
    """The project's forms are not in the crawled world of test_form_fuzz (it has no executed
    agreement): each is posted random input here, as the company and as the officer."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from projects import services
    from tests.test_form_fuzz import texts

    with_account(project, alice)
    advance, balance = project.payments.order_by("number")
    services.payment_submit(user=alice, payment_id=advance.pk)
    company, officer = signed_in(alice), signed_in(otto)
    forms = [
        (company, f"/projects/{project.pk}/account/", ["bank", "number", "holder"]),
        (company, f"/projects/{project.pk}/report/", ["expected_state", "summary"]),
        (company, f"/projects/{project.pk}/payments/{balance.pk}/request/", ["expected_state"]),
        (officer, f"/officer/payments/{advance.pk}/approve/", ["expected_state"]),
        (officer, f"/officer/payments/{advance.pk}/return/", ["return-expected_state", "return-reason"]),
        (officer, f"/officer/payments/{advance.pk}/pay/", [f"pay-{advance.pk}-paid_on", f"pay-{advance.pk}-amount",
                                                           f"pay-{advance.pk}-expected_state"]),
        *((officer, f"/officer/projects/{project.pk}/{name}/", [f"{name}-expected_state", f"{name}-reason", "step", "confirm"])
          for name in ("accept_report", "close", "suspend", "resume", "terminate")),
    ]

    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def post_random(data):
        for client, url, names in forms:
            chosen = data.draw(st.lists(st.sampled_from(names), unique=True), label=url)
            payload = {name: data.draw(texts, label=name) for name in chosen}
            response = client.post(url, payload)
            assert response.status_code < 500, (url, payload)

    post_random()


def test_the_project_pages_and_e_mails_read_as_korean(project, alice, otto):
    """test_rendered_korean's reading checks, on every project page (its crawled world has no
    project) with every kind of row, and on every e-mail the project's life sent."""
    from portal.models import OutboundEmail
    from projects import services
    from tests.test_rendered_korean import ShownText, problems_in, read_text, reading_problems

    with_account(project, alice)
    advance, balance = project.payments.order_by("number")
    services.payment_submit(user=alice, payment_id=advance.pk)
    services.payment_send_back(user=otto, payment_id=advance.pk, reason="통장 사본 누락")
    services.payment_submit(user=alice, payment_id=advance.pk)
    services.payment_approve(user=otto, payment_id=advance.pk)
    services.payment_pay(user=otto, payment_id=advance.pk, paid_on=timezone.localdate(), amount=ADVANCE)
    services.project_decide(user=otto, project_id=project.pk, name="suspend", reason="현장점검")
    services.project_decide(user=otto, project_id=project.pk, name="resume")
    services.project_submit_report(user=alice, project_id=project.pk, summary="MES 도입 완료")
    services.payment_submit(user=alice, payment_id=balance.pk)
    services.project_decide(user=otto, project_id=project.pk, name="accept_report")
    company, officer = signed_in(alice), signed_in(otto)
    problems = []
    for client, path in ((company, f"/projects/{project.pk}/"), (company, "/applications/"), (officer, f"/officer/projects/{project.pk}/"),
                         (officer, "/officer/projects/"), (officer, "/officer/projects/?state=settlement"), (officer, "/officer/"),
                         (officer, f"/officer/projects/{project.pk}/terminate/")):
        html = page(client, path)
        parser = ShownText()
        parser.feed(html)
        problems += [f"{path}: {p}" for p in problems_in(" ".join(" ".join(parser.parts).split()))]
        problems += [f"{path}: {p}" for p in reading_problems(read_text(html), codes=read_text(html, attributes=False))]
    services.project_decide(user=otto, project_id=project.pk, name="terminate", reason="사업 포기")
    emails = OutboundEmail.objects.filter(subject__contains=project.number)
    # Requested, returned, requested again, approved, paid, suspended, resumed, the report, the balance requested,
    # the report accepted, terminated: one e-mail each.
    assert emails.count() == 11
    for email in OutboundEmail.objects.all():
        problems += [f"e-mail “{email.subject}”: {p}" for p in problems_in(f"{email.subject}\n{email.body}")]
        problems += [f"e-mail “{email.subject}”: {p}" for p in reading_problems(f"{email.subject}\n{email.body}")]
    assert not problems, "\n".join(problems[:40])


def test_the_officers_reads_of_a_project_are_recorded_and_shown_in_the_members_own_copy(project, carol, otto):
    from portal.models import AccessRecord

    officer = signed_in(otto)
    page(officer, f"/officer/projects/{project.pk}/")
    record = AccessRecord.objects.get(page="officer_project")
    assert (record.actor, record.action, record.target_type, record.target_id) == (otto, "view", "projects.project", str(project.pk))
    own = page(signed_in(carol), "/me/data/")
    assert f'<td>조회</td><td>사업</td><td><span class="code">{project.pk}</span></td>' in own
    # The officer's own copy names the page they read it on.
    assert "사업(담당자 화면)" in page(officer, "/me/data/")
