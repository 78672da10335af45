"""The application's life cycle through its real services, with the beat jobs run in between:
every transition of the diagram, the waiting list, appeal → re-review → re-decision, and the
guards on irreversible steps. Nothing a job does may undo a decision."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from applications import lifecycle
from applications.models import Appeal, Application, ApplicationEvent, Call, PlaceOffer, SelectionRound, State
from applications.services import agreements
from applications.services.calls import call_update
from applications.services.events import verify_chain
from applications.tasks import render_pending_agreements, sweep_overdue_revisions
from portal.formatting import deadline, korean_date
from portal.models import OutboundEmail
from reviews.models import Assignment
from reviews.services import evaluation, scoring, selection
from reviews.tasks import apply_finalized_selections, sweep_offers
from tests.conftest import close_call, login_with_mfa, make_person, score_all, under_review
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

GRANT = 150_000_000


def run_beat_jobs():
    """Every periodic job that moves applications, as beat would run them."""
    sweep_overdue_revisions()
    apply_finalized_selections()
    sweep_offers()
    render_pending_agreements()


def state_of(application) -> str:
    return Application.objects.get(pk=application.pk).state


def assert_history_is_told_once(application):
    """The state equals the newest state change's target; each change has one event; the chain verifies."""
    application = Application.objects.get(pk=application.pk)
    changes = list(ApplicationEvent.objects.filter(application=application).exclude(to_state="").order_by("seq"))
    assert changes[-1].to_state == application.state
    for before, after in zip(changes, changes[1:]):
        assert after.from_state == before.to_state, f"{after.action}: a change without its own event"
    assert verify_chain(application) == []


@pytest.fixture
def three(call, olivia, alice, acme, bob, globex, panel):
    """Three applications under evaluation, scored: Acme first, Globex second, a third company last."""
    carl = make_person("carl@example.com", name="칼")
    third = CompanyFactory(name="셋째 기업", region="11")
    third.memberships.create(user=carl, role="owner", can_sign=True)
    applications = [under_review(alice, acme, call, olivia), under_review(bob, globex, call, olivia), under_review(carl, third, call, olivia)]
    evaluation.auto_assign(user=olivia, panel=panel)
    for application, scores in zip(applications, [[36, 25, 18, 9], [32, 24, 16, 8], [30, 22, 15, 7]]):
        for assignment in Assignment.objects.filter(application=application):
            score_all(assignment, scores)
    Call.objects.filter(pk=call.pk).update(budget_total=GRANT)  # one grant
    close_call(call)
    return applications, {"alice": alice, "bob": bob, "carl": carl}


def test_every_branch_through_the_services_with_the_beat_jobs_in_between(three, olivia, call, signing_cert):
    (acme, globex, third), people = three
    first = selection.selection_run(user=olivia, call=call)
    assert dict(first.items.values_list("application_id", "decision")) == {acme.pk: "selected", globex.pk: "waitlisted",
                                                                           third.pk: "waitlisted"}
    selection.selection_finalize(user=olivia, round_id=first.pk)
    run_beat_jobs()  # the job applies the decisions the finalization queued
    assert [state_of(a) for a in (acme, globex, third)] == [State.SELECTED, State.WAITLISTED, State.WAITLISTED]

    # Appeal → re-review: no job puts it back.
    appeal = lifecycle.appeal_file(user=people["carl"], application_id=third.pk, reason="채점 오류", now=timezone.now())
    lifecycle.appeal_order_rereview(user=olivia, appeal_id=appeal.pk, note="채점 오류 확인")
    for _ in range(2):
        run_beat_jobs()
        assert state_of(third) == State.UNDER_REVIEW

    # The re-decision round decides only the re-reviewed application, within what is left,
    # and is final only once the reopened review is scored again.
    review = Assignment.objects.filter(application=third).first().review
    scoring.review_reopen(user=olivia, review_id=review.pk, reason="재평가")
    redecision = selection.selection_run(user=olivia, call=call)
    assert redecision.kind == SelectionRound.Kind.REDECISION and redecision.budget == 0
    assert set(redecision.items.values_list("application_id", flat=True)) == {third.pk}
    with pytest.raises(ValidationError, match="채점되지 않은 평가가 1건"):
        selection.selection_finalize(user=olivia, round_id=redecision.pk)
    scoring.review_save(user=review.assignment.reviewer, assignment_id=review.assignment_id,
                        scores={c.pk: str(v) for c, v in zip(call.rubric.criteria.all(), [35, 25, 18, 9])},
                        comments={}, comment="", submit=True)
    selection.selection_finalize(user=olivia, round_id=redecision.pk)
    run_beat_jobs()
    assert [state_of(a) for a in (acme, globex, third)] == [State.SELECTED, State.WAITLISTED, State.WAITLISTED]
    assert first.items.get(application=third).applied_at < redecision.items.get(application=third).applied_at

    # One appeal per decision: the new decision may be appealed, the old one not again.
    lifecycle.appeal_file(user=people["carl"], application_id=third.pk, reason="다시 이의", now=timezone.now())
    lifecycle.appeal_dismiss(user=olivia, appeal_id=Appeal.objects.get(application=third, outcome="pending").pk, note="기각")
    with pytest.raises(ValidationError, match="한 번만"):
        lifecycle.appeal_file(user=people["carl"], application_id=third.pk, reason="세 번째", now=timezone.now())
    assert state_of(third) == State.WAITLISTED

    # Acme withdraws: the freed place goes to the next in rank (Globex), who accepts.
    lifecycle.application_withdraw(user=people["alice"], application_id=acme.pk, reason="자금 사정")
    offered = lifecycle.offer_next(user=olivia, call_id=call.pk)
    assert offered.pk == globex.pk and state_of(globex) == State.OFFERED
    run_beat_jobs()
    assert state_of(globex) == State.OFFERED  # still within its deadline
    lifecycle.offer_accept(user=people["bob"], application_id=globex.pk, now=timezone.now())
    assert state_of(globex) == State.SELECTED and lifecycle.committed_budget(call) == GRANT
    with pytest.raises(ValidationError, match="남은 예산"):
        lifecycle.offer_next(user=olivia, call_id=call.pk)  # nothing left to offer

    # Globex gives up too; the place is offered to the third company, who does not answer.
    lifecycle.application_withdraw(user=people["bob"], application_id=globex.pk, reason="사업 취소")
    lifecycle.offer_next(user=olivia, call_id=call.pk)
    due = PlaceOffer.objects.get(application=third, outcome="open").due_at
    # The job waits ANSWER_GRACE past the deadline, for answers sent in time still on their way.
    assert lifecycle.offer_sweep(now=due + lifecycle.ANSWER_GRACE - datetime.timedelta(seconds=1)) == 0
    assert lifecycle.offer_sweep(now=due + lifecycle.ANSWER_GRACE) == 1
    assert state_of(third) == State.WITHDRAWN

    for application in (acme, globex, third):
        assert_history_is_told_once(application)


def test_the_agreement_branch_executes_with_one_event_per_change(selected, olivia, otto, alice, signing_cert):
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_countersign(user=otto, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    lifecycle.agreement_execute(agreement_id=agreement.pk)  # the worker retrying
    run_beat_jobs()
    assert state_of(selected) == State.CONTRACTED
    assert selected.events.filter(action="agreement_executed").count() == 1
    assert not selected.events.filter(action="execute_agreement").exists()
    assert_history_is_told_once(selected)


def test_a_declined_offer_withdraws_the_application_and_frees_the_place_again(three, olivia, call):
    (acme, globex, third), people = three
    first = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=first.pk)
    selection.selection_apply(round_id=first.pk)
    lifecycle.application_withdraw(user=people["alice"], application_id=acme.pk, reason="포기")
    lifecycle.offer_next(user=olivia, call_id=call.pk)
    client = Client()
    login_with_mfa(client, people["bob"])
    page = client.get(f"/applications/{globex.pk}/").content.decode()
    assert "선정 기회 수락" in page and "예산에 한 자리가 남아 예비 순위인 귀사 신청에 정부지원금 150,000,000원의 선정 기회를 드립니다." in page
    mail = next(m for m in OutboundEmail.objects.order_by("-pk") if people["bob"].email in m.to)
    assert f"“{call.title}”의 예산에 한 자리가 남아(선정 기업의 포기 또는 예산 잔액), 예비 순위인 귀사 신청에 선정 기회를 드립니다." in mail.body
    response = client.post(f"/applications/{globex.pk}/offer/", {"answer": "decline"})  # not confirmed
    assert response.status_code == 302 and state_of(globex) == State.OFFERED
    client.post(f"/applications/{globex.pk}/offer/", {"answer": "decline", "confirm": "yes"})
    assert state_of(globex) == State.WITHDRAWN
    assert lifecycle.offer_next(user=olivia, call_id=call.pk).pk == third.pk


def test_a_call_with_automatic_offers_fills_a_freed_place_without_the_officer(three, olivia, call, settings):
    (acme, globex, third), people = three
    Call.objects.filter(pk=call.pk).update(auto_offer=True)
    first = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=first.pk)
    selection.selection_apply(round_id=first.pk)
    lifecycle.application_withdraw(user=people["alice"], application_id=acme.pk, reason="포기")
    run_beat_jobs()  # the queued task or, missing it, the sweep
    assert state_of(globex) == State.OFFERED and state_of(third) == State.WAITLISTED


# --- Guards on irreversible steps -----------------------------------------------------------


def _officer(olivia):
    client = Client()
    login_with_mfa(client, olivia)
    return client


def test_finalizing_before_the_call_closes_is_refused_and_changes_nothing(three, olivia, call):
    first = selection.selection_run(user=olivia, call=call)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + datetime.timedelta(days=3))
    events = ApplicationEvent.objects.count()
    response = _officer(olivia).post(f"/officer/selections/{first.pk}/finalize/", {"confirm": "yes", "proposal": selection.proposal_digest(first)}, follow=True)
    closes = deadline(Call.objects.get(pk=call.pk).closes_at)
    assert f"공고가 {closes}(KST)까지 접수 중입니다. 선정은 마감 후에 결정합니다." in response.content.decode()
    first.refresh_from_db()
    assert first.finalized_at is None and ApplicationEvent.objects.count() == events


def test_finalizing_a_proposal_that_leaves_an_application_under_evaluation_out_is_refused(call, olivia, alice, acme, bob, globex,
                                                                                        panel):
    """Globex's application passed screening after the proposal was made: nobody scored it, so
    the proposal ranks Acme alone. A final first round decides the whole call, so it would leave
    Globex without a decision for good: refused, naming it, nothing finalized."""
    from tests.conftest import make_complete_draft

    first = under_review(alice, acme, call, olivia)
    late = make_complete_draft(bob, globex, call)
    late = lifecycle.application_submit(user=bob, application_id=late.pk, now=timezone.now())
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=first):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    proposal = selection.selection_run(user=olivia, call=call)
    lifecycle.screening_pass(user=olivia, application_id=late.pk)
    assert list(proposal.items.values_list("application_id", flat=True)) == [first.pk]
    response = _officer(olivia).post(f"/officer/selections/{proposal.pk}/finalize/",
                                     {"confirm": "yes", "proposal": selection.proposal_digest(proposal)}, follow=True)
    assert (f"{late.receipt_number}: 평가 중이지만 이 선정안에 들어 있지 않습니다(제출된 평가가 아직 없음). 이대로 확정하면 결정을 받지 "
            "못합니다. 평가위원을 배정하고 점수가 나온 뒤 선정을 다시 실행하세요.") in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.finalized_at is None and Application.objects.get(pk=late.pk).state == State.UNDER_REVIEW


def test_running_the_selection_of_an_open_call_is_refused(three, olivia, call):
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError, match="접수 중입니다"):
        selection.selection_run(user=olivia, call=Call.objects.get(pk=call.pk))
    assert not SelectionRound.objects.exists()


def test_finalizing_waits_for_every_review_or_a_waiver_with_its_reason(call, olivia, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignments = list(Assignment.objects.filter(application=application).order_by("pk"))
    for assignment in assignments[:-1]:
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    first = selection.selection_run(user=olivia, call=call)
    client = _officer(olivia)
    page = client.get(f"/officer/selections/{first.pk}/").content.decode()
    assert "아직 선정을 확정할 수 없습니다:" in page and "채점되지 않은 평가가 1건 있습니다" in page
    response = client.post(f"/officer/selections/{first.pk}/finalize/", {"confirm": "yes", "proposal": selection.proposal_digest(first)})
    first.refresh_from_db()
    assert response.status_code == 302 and first.finalized_at is None
    client.post(f"/officer/assignments/{assignments[-1].pk}/waive/", {"reason": ""})
    assert Assignment.objects.get(pk=assignments[-1].pk).status == Assignment.Status.ASSIGNED  # no reason, no waiver
    client.post(f"/officer/assignments/{assignments[-1].pk}/waive/", {"reason": "평가위원 입원으로 평가 불가"})
    assert Assignment.objects.get(pk=assignments[-1].pk).status == Assignment.Status.WAIVED
    client.post(f"/officer/selections/{first.pk}/finalize/", {"confirm": "yes", "proposal": selection.proposal_digest(first)})
    first.refresh_from_db()
    assert first.finalized_at is not None
    # The waiver is in the officer's timeline, and not in the company's.
    assert "평가위원 입원으로 평가 불가" in client.get(f"/officer/applications/{application.pk}/").content.decode()
    applicant = Client()
    login_with_mfa(applicant, alice)
    assert "평가 생략" not in applicant.get(f"/applications/{application.pk}/").content.decode()


def test_finalizing_without_the_ticked_confirmation_changes_nothing(three, olivia, call):
    first = selection.selection_run(user=olivia, call=call)
    response = _officer(olivia).post(f"/officer/selections/{first.pk}/finalize/", {"proposal": selection.proposal_digest(first)}, follow=True)
    assert "확인란에 표시하세요. 확정된 선정은 되돌릴 수 없습니다." in response.content.decode()
    first.refresh_from_db()
    assert first.finalized_at is None


def test_finalizing_a_proposal_another_officer_adjusted_after_the_page_was_shown_is_refused(three, olivia, call):
    """The confirmation box stated the counts and totals of the proposal as the page showed it;
    another officer then moves an item: the confirmation no longer describes what would be
    decided, so nothing is finalized."""
    first = selection.selection_run(user=olivia, call=call)
    client = _officer(olivia)
    page = client.get(f"/officer/selections/{first.pk}/").content.decode()
    seen = re.search(r'name="proposal" value="([0-9a-f]+)"', page).group(1)
    assert seen == selection.proposal_digest(first)
    item = first.items.order_by("rank").last()
    other = item.decision
    selection.item_override(user=olivia, item_id=item.pk, decision="waitlisted" if other != "waitlisted" else "rejected",
                            grant=item.grant, reason="예산 조정")
    response = client.post(f"/officer/selections/{first.pk}/finalize/", {"confirm": "yes", "proposal": seen}, follow=True)
    assert "페이지를 연 뒤 선정안이 바뀌었습니다. 아무것도 확정하지 않았습니다." in response.content.decode()
    first.refresh_from_db()
    assert first.finalized_at is None
    # Without the proposal the page showed, likewise.
    client.post(f"/officer/selections/{first.pk}/finalize/", {"confirm": "yes"})
    first.refresh_from_db()
    assert first.finalized_at is None


def test_submitting_without_the_ticked_confirmation_submits_nothing(alice, complete_draft):
    client = Client()
    login_with_mfa(client, alice)
    response = client.post(f"/applications/{complete_draft.pk}/submit/")
    assert response.status_code == 400
    assert "제출하면 신청서를 더 이상 고칠 수 없다는 확인란에 표시하세요." in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.state == State.DRAFT and complete_draft.receipt_number is None


def test_publishing_an_incomplete_call_is_refused_and_the_set_up_page_says_what_is_missing(program, olivia):
    from applications.services.calls import call_create

    now = timezone.now()
    call = call_create(user=olivia, program=program, data={
        "code": "SF-2026-X", "title": "미완성 공고", "opens_at": now - datetime.timedelta(hours=1),
        "closes_at": now + datetime.timedelta(days=10), "budget_total": 1_000_000_000, "max_grant": 100_000_000})
    with translation.override("ko"), pytest.raises(ValidationError) as refused:
        call_update(user=olivia, call=call, data={"is_published": True})
    assert refused.value.messages[:2] == ["아직 공고를 게시할 수 없습니다:", "신청서 양식에 질문을 하나 이상 추가하세요."]
    assert "공고의 지원 유형을 추가하세요." in refused.value.messages
    call.refresh_from_db()
    assert not call.is_published
    page = _officer(olivia).get(f"/officer/calls/{call.pk}/").content.decode()
    assert "공고를 게시하려면:" in page and "모든 신청기업이 제출할 필수 서류를 하나 이상 지정하세요." in page


def test_agreement_terms_below_the_minimum_cash_share_are_refused_and_change_nothing(selected, olivia):
    Call.objects.filter(pk=selected.call_id).update(min_cash_share_bp=5_000)  # half the company's share in cash
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    terms = agreement.current_version().terms
    start, end = datetime.date.fromisoformat(terms["start"]), datetime.date.fromisoformat(terms["end"])
    instalments = terms["instalments"]
    with translation.override("ko"), pytest.raises(ValidationError) as refused:
        # 1 won of cash: the company's share is nearly all in kind, below the call's minimum cash share.
        lifecycle.agreement_update_terms(user=olivia, agreement_id=agreement.pk, start=start, end=end, grant=terms["grant"],
                                          cash=1, in_kind=terms["total"] - terms["grant"] - 1, instalments=instalments)
    assert "기업 현금 부담금 1원은 기업부담금의" in refused.value.messages[0]
    assert agreement.versions.count() == 1


# --- Structure --------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_no_view_module_locks_rows_or_opens_a_transaction():
    offenders = []
    for folder in ("applications/views", "reviews/views", "portal/views"):
        for path in (ROOT / folder).glob("*.py"):
            text = path.read_text()
            for word in ("select_for_update", "atomic", "for_update=True"):
                if word in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {word}")
    assert offenders == []


def test_every_event_the_code_writes_is_in_the_vocabulary():
    from applications.models import EventType

    written = set()
    for folder in ("applications", "reviews", "portal"):
        for path in (ROOT / folder).rglob("*.py"):
            written |= set(re.findall(r"EventType\.([A-Z_]+)", path.read_text()))
    assert written and written <= set(EventType.names)
    with pytest.raises(ValueError):
        from applications.services.events import event_record

        event_record(application=None, actor=None, action="made_up")


def test_the_waiting_list_is_read_in_one_query_whatever_its_length(three, olivia, call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=first.pk)
    selection.selection_apply(round_id=first.pk)
    with CaptureQueriesContext(connection) as queries:
        waiting = lifecycle.waiting_list(call)
    assert [item.application_id for item in waiting] == [three[0][1].pk, three[0][2].pk]
    assert len(queries.captured_queries) == 1


def test_an_agreement_not_signed_in_time_lapses_and_its_place_goes_to_the_waiting_list(three, olivia, call):
    (acme, globex, third), people = three
    Call.objects.filter(pk=call.pk).update(auto_offer=True, sign_days=14)
    first = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=first.pk)
    selection.selection_apply(round_id=first.pk)
    agreement = lifecycle.agreement_start(user=olivia, application_id=acme.pk)
    agreements.render_version(version_id=agreement.current_version().pk)
    issued_at = timezone.now()
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    agreement.refresh_from_db()
    # 14 days leaving out the day of issue, to 24:00 KST of the last day.
    last_day = timezone.localtime(issued_at).date() + datetime.timedelta(days=14)
    assert timezone.localtime(agreement.sign_due_at) == timezone.localtime(agreement.sign_due_at).replace(
        year=last_day.year, month=last_day.month, day=last_day.day, hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    client = Client()
    login_with_mfa(client, people["alice"])
    assert f"서명 기한 {korean_date(last_day, weekday=True)} 24:00(KST)" in client.get(f"/agreements/{agreement.pk}/").content.decode()

    assert lifecycle.offer_sweep(now=agreement.sign_due_at + lifecycle.ANSWER_GRACE - datetime.timedelta(seconds=1)) == 0
    assert state_of(acme) == State.AGREEMENT
    lifecycle.offer_sweep(now=agreement.sign_due_at + lifecycle.ANSWER_GRACE)
    agreement.refresh_from_db()
    assert agreement.state == "lapsed" and state_of(acme) == State.WITHDRAWN
    assert state_of(globex) == State.OFFERED  # the call offers freed places itself
    assert_history_is_told_once(acme)


def test_a_deadline_that_ends_at_midnight_is_written_as_24_00_of_its_last_day():
    from zoneinfo import ZoneInfo

    kst = ZoneInfo("Asia/Seoul")
    assert deadline(datetime.datetime(2026, 12, 8, 0, 0, tzinfo=kst)) == "2026년 12월 7일(월) 24:00"
    assert deadline(datetime.datetime(2026, 12, 8, 18, 0, tzinfo=kst)) == "2026년 12월 8일(화) 18:00"
    assert deadline(datetime.datetime(2026, 12, 7, 15, 0, tzinfo=datetime.UTC)) == "2026년 12월 7일(월) 24:00"  # 15:00 UTC is midnight KST
