"""Money and deadlines under races, with real threads on PostgreSQL.

Each test holds one side at the exact point between two of its transactions (or between
its unlocked read and its lock) while the other side runs, then lets it go on: the
interleaving that broke before is played every time, not hoped for."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from applications import lifecycle
from applications.models import (
    Appeal,
    Application,
    ApplicationEvent,
    Call,
    PlaceOffer,
    ProgramOfficer,
    SelectionItem,
    SelectionRound,
    State,
)
from portal.formatting import moment
from portal.models import CompanyMembership
from reviews.models import Assignment, Review, Score
from reviews.services import evaluation, scoring, selection
from tests.conftest import close_call, make_person, score_all, under_review, wait_until
from tests.factories import CompanyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GRANT = 150_000_000
SCORES = [[36, 25, 18, 9], [32, 24, 16, 8], [30, 22, 15, 7], [28, 20, 14, 6]]


def held(call) -> int:
    return lifecycle.held_budget(Call.objects.get(pk=call.pk))


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE NOT l.granted AND a.datname = current_database()")
        return cursor.fetchone()[0] > 0


class Pause:
    """Hold the thread running `first` at the `when`-th call of `owner.name` (before it, or
    after it returns), until the other side has finished or waits for a lock the held
    thread has; calls from other threads pass through."""

    def __init__(self, monkeypatch, owner, name: str, *, when: int = 1, after: bool = False) -> None:
        self.reached, self.other_done = threading.Event(), threading.Event()
        self.thread: int | None = None
        self.calls = 0
        original = getattr(owner, name)

        def paused(*args, **kwargs):
            if not after:
                self._maybe()
            result = original(*args, **kwargs)
            if after:
                self._maybe()
            return result

        monkeypatch.setattr(owner, name, paused)
        self.when = when

    def _maybe(self) -> None:
        if threading.get_ident() != self.thread:
            return
        self.calls += 1
        if self.calls == self.when:
            self.reached.set()
            assert wait_until(lambda: self.other_done.is_set() or someone_waits_for_a_lock(), timeout=30)

    def interleave(self, first, second) -> list:
        """Run `first`; when it reaches the pause, run `second` to its end in another thread."""
        results: list = [None, None]

        def run_first():
            self.thread = threading.get_ident()
            try:
                results[0] = first()
            except Exception as exc:  # collected, asserted by the test
                results[0] = exc
            finally:
                self.reached.set()
                connections.close_all()

        def run_second():
            self.reached.wait(timeout=30)
            try:
                results[1] = second()
            except Exception as exc:
                results[1] = exc
            finally:
                self.other_done.set()
                connections.close_all()

        threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a side never finished"
        assert self.calls >= self.when, "the pause was never reached"
        return results


def companies_under_review(call, olivia, panel, n: int) -> list[tuple[Application, object]]:
    """`n` applications of 150,000,000 each, every review scored (best first)."""
    made = []
    for index in range(n):
        owner = make_person(f"owner{index}@example.com", name=f"대표{index}")
        company = CompanyFactory(name=f"회사 {index}")
        CompanyMembership.objects.create(company=company, user=owner, role="owner", can_sign=True)
        made.append((under_review(owner, company, call, olivia), owner))
    evaluation.auto_assign(user=olivia, panel=panel)
    for (application, _owner), values in zip(made, SCORES):
        for assignment in Assignment.objects.filter(application=application):
            score_all(assignment, values)
    Call.objects.filter(pk=call.pk).update(budget_total=2 * GRANT)
    call.refresh_from_db()
    close_call(call)
    return made


def changes(application, action: str) -> int:
    return ApplicationEvent.objects.filter(application=application, action=action).count()


def test_the_offer_sweep_does_not_spend_what_a_final_round_being_applied_selected(call, olivia, panel, monkeypatch):
    """Rank 1 overridden to the waiting list, rank 3 to selected: while the worker applies the
    round, the beat job must not offer rank 1 the money ranks 2 and 3 were given."""
    (first, _), (second, _), (third, _) = companies_under_review(call, olivia, panel, 3)
    Call.objects.filter(pk=call.pk).update(auto_offer=True)
    proposal = selection.selection_run(user=olivia, call=call)
    for application, decision in ((first, "waitlisted"), (third, "selected")):
        item = proposal.items.get(application=application)
        selection.item_override(user=olivia, item_id=item.pk, decision=decision, grant=GRANT, reason="위원회 의결")
    selection.selection_finalize(user=olivia, round_id=proposal.pk)

    # The worker has applied rank 1 (waitlisted) and not yet ranks 2 and 3 when the beat job runs.
    pause = Pause(monkeypatch, selection, "decision_apply", after=True)  # as the selection service calls it
    applied, offered = pause.interleave(lambda: selection.selection_apply(round_id=proposal.pk),
                                        lambda: lifecycle.offer_sweep(now=timezone.now()))

    assert applied == 3 and offered == 0, (applied, offered)
    assert held(call) == 2 * GRANT
    states = dict(Application.objects.filter(call=call).values_list("pk", "state"))
    assert [states[a.pk] for a in (first, second, third)] == [State.WAITLISTED, State.SELECTED, State.SELECTED]
    assert not PlaceOffer.objects.filter(application__call=call).exists()
    # Once the round is applied nothing is left to offer: the beat job offers nothing either.
    assert lifecycle.offer_sweep(now=timezone.now()) == 0


def test_a_redecision_round_cannot_spend_the_remainder_an_officer_just_offered(call, olivia, program, panel, monkeypatch):
    """A and B selected, C waitlisted, R rejected; R's appeal is upheld, A withdraws. One
    officer's re-decision round and another's offer to C want the same 150,000,000."""
    otto = make_person("otto@example.com", mfa=True)
    ProgramOfficer.objects.create(program=program, user=otto)
    (a, a_owner), (b, _), (c, _), (r, r_owner) = companies_under_review(call, olivia, panel, 4)
    proposal = selection.selection_run(user=olivia, call=call)
    selection.item_override(user=olivia, item_id=proposal.items.get(application=r).pk, decision="rejected", grant=GRANT,
                            reason="기준 미달")
    selection.selection_finalize(user=olivia, round_id=proposal.pk)
    selection.selection_apply(round_id=proposal.pk)
    assert Application.objects.get(pk=c.pk).state == State.WAITLISTED
    appeal = lifecycle.appeal_file(user=r_owner, application_id=r.pk, reason="채점 오류", now=timezone.now())
    lifecycle.appeal_order_rereview(user=olivia, appeal_id=appeal.pk, note="채점 오류 확인")
    lifecycle.application_withdraw(user=a_owner, application_id=a.pk, reason="사업 취소")
    assert held(call) == GRANT

    def redecide():
        redecision = selection.selection_run(user=olivia, call=Call.objects.get(pk=call.pk))
        assert redecision.budget == GRANT  # what was left when the proposal was made
        selection.selection_finalize(user=olivia, round_id=redecision.pk)  # the pause is here
        return selection.selection_apply(round_id=redecision.pk)

    pause = Pause(monkeypatch, selection, "selection_finalize")
    decided, offer = pause.interleave(redecide, lambda: lifecycle.offer_next(user=otto, call_id=call.pk))

    assert isinstance(offer, Application) and offer.pk == c.pk, offer
    assert isinstance(decided, ValidationError), decided
    assert decided.messages == [
        "선정한 지원금 합계는 150,000,000원이지만 지금 남은 예산은 0원뿐입니다. 이 안을 만든 뒤 예산이 바뀌었거나 다른 신청에 "
        "선정 기회가 제안·수락되었습니다. 아무것도 확정되지 않았습니다. 안을 고치거나 선정을 다시 실행하세요."]
    assert held(call) == 2 * GRANT
    assert Application.objects.get(pk=r.pk).state == State.UNDER_REVIEW
    assert Appeal.objects.get(pk=appeal.pk).outcome == Appeal.Outcome.REREVIEW
    assert changes(r, "select") == 0 and changes(c, "offer_place") == 1


def test_a_decision_no_longer_fitting_the_budget_is_not_applied(call, olivia, panel):
    """The last line: even a finalized decision is applied only if it fits what is left."""
    (a, a_owner), (b, _), (c, _), (r, r_owner) = companies_under_review(call, olivia, panel, 4)
    proposal = selection.selection_run(user=olivia, call=call)
    selection.item_override(user=olivia, item_id=proposal.items.get(application=r).pk, decision="rejected", grant=GRANT,
                            reason="기준 미달")
    selection.selection_finalize(user=olivia, round_id=proposal.pk)
    selection.selection_apply(round_id=proposal.pk)
    appeal = lifecycle.appeal_file(user=r_owner, application_id=r.pk, reason="채점 오류", now=timezone.now())
    lifecycle.appeal_order_rereview(user=olivia, appeal_id=appeal.pk, note="채점 오류 확인")
    lifecycle.application_withdraw(user=a_owner, application_id=a.pk, reason="사업 취소")
    redecision = selection.selection_run(user=olivia, call=Call.objects.get(pk=call.pk))
    selection.selection_finalize(user=olivia, round_id=redecision.pk)
    # The budget is cut after the finalization: the decided selection no longer fits.
    Call.objects.filter(pk=call.pk).update(budget_total=GRANT)
    item = redecision.items.get(application=r)
    with pytest.raises(ValidationError) as refused:
        lifecycle.decision_apply(item_id=item.pk)
    assert refused.value.messages == [
        "150,000,000원은 사업 예산 안에 들어가지 않습니다. 선정·제안·결정된 지원금을 모두 셈하면 예산 150,000,000원 중 "
        "0원만 남아 있습니다. 아무것도 바뀌지 않았습니다."]
    assert Application.objects.get(pk=r.pk).state == State.UNDER_REVIEW
    assert SelectionItem.objects.get(pk=item.pk).applied_at is None


def test_a_refused_decision_does_not_hold_back_the_rest_and_the_officer_is_told(call, olivia, panel, client):
    """When the last line refuses one decision, the round's other decisions are applied and
    announced all the same; the refused one waits, still counted as spent, and the ranking
    page says so."""
    from tests.conftest import login_with_mfa

    (a, _), (b, _), (c, _) = companies_under_review(call, olivia, panel, 3)
    proposal = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=proposal.pk)
    # Behind the services' back (an administrator's edit in the database): the budget no longer
    # covers the two selections, each counted against the other's decided grant.
    Call.objects.filter(pk=call.pk).update(budget_total=GRANT)
    assert selection.selection_apply(round_id=proposal.pk) == 1
    assert [Application.objects.get(pk=x.pk).state for x in (a, b, c)] == [State.UNDER_REVIEW, State.UNDER_REVIEW, State.WAITLISTED]
    assert selection.selection_apply(round_id=proposal.pk) == 0  # the beat job again: each refusal recorded once
    from portal.models import AuditEvent

    assert AuditEvent.objects.filter(action="selection.apply_refused").count() == 2
    assert lifecycle.committed_budget(call) == 2 * GRANT
    login_with_mfa(client, olivia)
    page = client.get(f"/officer/calls/{call.pk}/ranking/").content.decode()
    assert "최종 선정 결정 2건을 반영하지 못했습니다" in page
    assert f"{a.receipt_number} · 150,000,000원" in page and f"{b.receipt_number} · 150,000,000원" in page
    # The budget raised back through the page's service: the next run applies both.
    from applications.services import calls

    calls.call_update(user=olivia, call=Call.objects.get(pk=call.pk), data={"budget_total": 2 * GRANT})
    assert selection.selection_apply(round_id=proposal.pk) == 2
    assert "반영하지 못했습니다" not in client.get(f"/officer/calls/{call.pk}/ranking/").content.decode()


def test_a_budget_cut_after_the_proposal_is_caught_when_it_is_finalized(call, olivia, panel):
    """The proposal was made within 300,000,000원; the budget is then cut to 150,000,000원
    (nothing is committed yet, so the cut is allowed). Finalizing reads the budget as it is
    now: refused, nothing final."""
    from applications.services import calls

    companies_under_review(call, olivia, panel, 3)
    proposal = selection.selection_run(user=olivia, call=call)
    calls.call_update(user=olivia, call=Call.objects.get(pk=call.pk), data={"budget_total": GRANT})
    with pytest.raises(ValidationError) as refused:
        selection.selection_finalize(user=olivia, round_id=proposal.pk)
    assert "지금 남은 예산은 150,000,000원뿐입니다. 이 안을 만든 뒤 예산이 바뀌었거나" in refused.value.messages[0]
    assert not SelectionRound.objects.filter(call=call, finalized_at__isnull=False).exists()
    assert lifecycle.committed_budget(call) == 0


def test_a_budget_cut_racing_the_finalization_never_leaves_more_promised_than_the_budget(call, olivia, panel, monkeypatch):
    """The officer finalizes (held after the round's proposal total is computed) while another
    cuts the budget: one of the two is refused, and what is committed fits the budget."""
    from applications.services import calls

    companies_under_review(call, olivia, panel, 3)
    proposal = selection.selection_run(user=olivia, call=call)
    pause = Pause(monkeypatch, selection, "_selected_total", after=True)
    finalize, cut = pause.interleave(
        lambda: selection.selection_finalize(user=olivia, round_id=proposal.pk),
        lambda: calls.call_update(user=olivia, call=Call.objects.get(pk=call.pk), data={"budget_total": GRANT}),
    )
    budget = Call.objects.get(pk=call.pk).budget_total
    assert lifecycle.committed_budget(call) <= budget
    assert isinstance(finalize, ValidationError) != isinstance(cut, ValidationError), (finalize, cut)


def _issued_agreement(selected, olivia):
    from applications.services import agreements

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    return agreement, version


def test_a_signature_after_the_signing_deadline_is_refused_before_the_lapse_job_runs(selected, olivia, alice, signing_cert,
                                                                                     monkeypatch):
    from applications.models import Agreement, Signature

    agreement, version = _issued_agreement(selected, olivia)
    due = timezone.now() - datetime.timedelta(minutes=1)
    Agreement.objects.filter(pk=agreement.pk).update(sign_due_at=due)

    # The lapse job has listed the overdue agreement; the company's late signature comes in
    # before the job locks it.
    pause = Pause(monkeypatch, lifecycle.agreement, "agreement_lapse")
    lapsed, signed = pause.interleave(
        lambda: lifecycle.offer_sweep(now=due + lifecycle.ANSWER_GRACE),
        lambda: lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk,
                                          seen_sha256=version.pdf_sha256, now=timezone.now()),
    )

    assert isinstance(signed, ValidationError), signed
    assert signed.messages == [f"협약 서명 기한은 {moment(due)}(KST)였습니다. "
                               "서명 기간이 지나 서명되지 않았습니다."]
    assert lapsed == 1
    assert Agreement.objects.get(pk=agreement.pk).state == "lapsed"
    assert not Signature.objects.filter(version=version).exists()
    assert Application.objects.get(pk=selected.pk).state == State.WITHDRAWN
    assert changes(selected, "lapse_agreement") == 1 and changes(selected, "agreement_signed") == 0


def test_a_signature_sent_before_the_signing_deadline_counts_even_if_the_lapse_job_locks_first(selected, olivia, alice, signing_cert,
                                                                                                monkeypatch):
    """The signature arrived a second before the deadline; before it reaches the
    application's lock, the beat job runs (within its grace): the signature stands and the
    agreement does not lapse."""
    from applications.models import Agreement, Signature

    agreement, version = _issued_agreement(selected, olivia)
    due = timezone.now() - datetime.timedelta(seconds=30)
    Agreement.objects.filter(pk=agreement.pk).update(sign_due_at=due)
    sent = due - datetime.timedelta(seconds=1)  # the request's arrival stamp

    pause = Pause(monkeypatch, lifecycle.runner, "lock_application")
    signed, swept = pause.interleave(
        lambda: lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk,
                                          seen_sha256=version.pdf_sha256, now=sent),
        lambda: lifecycle.offer_sweep(now=timezone.now()),
    )

    assert not isinstance(signed, Exception), signed
    assert swept == 0
    assert Agreement.objects.get(pk=agreement.pk).state == "signed"
    assert Signature.objects.filter(version=version).count() == 1
    assert Application.objects.get(pk=selected.pk).state == State.AGREEMENT
    assert changes(selected, "lapse_agreement") == 0


def test_the_company_signs_the_agreement_on_the_sign_page_only_before_its_deadline(selected, olivia, alice, signing_cert):
    from django.test import Client

    from applications.models import Agreement
    from tests.conftest import PASSWORD

    agreement, version = _issued_agreement(selected, olivia)
    due = timezone.now() - datetime.timedelta(minutes=1)
    Agreement.objects.filter(pk=agreement.pk).update(sign_due_at=due)
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.post(f"/agreements/{agreement.pk}/sign/", {"role": "company", "confirm": "yes", "version": version.pk,
                                                                 "sha256": version.pdf_sha256}, follow=True)
    assert "서명 기간이 지나 서명되지 않았습니다." in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).state == "issued"


def _offered(call, olivia, panel):
    """A selected, B waitlisted; A gives up and B is offered the place."""
    (a, a_owner), (b, b_owner) = companies_under_review(call, olivia, panel, 2)
    Call.objects.filter(pk=call.pk).update(budget_total=GRANT)
    proposal = selection.selection_run(user=olivia, call=Call.objects.get(pk=call.pk))
    selection.selection_finalize(user=olivia, round_id=proposal.pk)
    selection.selection_apply(round_id=proposal.pk)
    lifecycle.application_withdraw(user=a_owner, application_id=a.pk, reason="사업 취소")
    lifecycle.offer_next(user=olivia, call_id=call.pk)
    return b, b_owner


def test_an_answer_sent_before_the_offer_deadline_counts_even_if_the_lapse_job_locks_first(call, olivia, panel, monkeypatch):
    b, b_owner = _offered(call, olivia, panel)
    due = timezone.now() - datetime.timedelta(seconds=30)
    PlaceOffer.objects.filter(application=b).update(due_at=due)
    sent = due - datetime.timedelta(seconds=1)  # the request's arrival stamp

    # The answer has arrived; before it reaches the application's lock the beat job runs.
    pause = Pause(monkeypatch, lifecycle.runner, "lock_application")
    accepted, swept = pause.interleave(lambda: lifecycle.offer_accept(user=b_owner, application_id=b.pk, now=sent),
                                       lambda: lifecycle.offer_sweep(now=timezone.now()))

    assert isinstance(accepted, Application), accepted
    assert swept == 0
    assert Application.objects.get(pk=b.pk).state == State.SELECTED
    assert PlaceOffer.objects.get(application=b).outcome == PlaceOffer.Outcome.ACCEPTED
    assert changes(b, "accept_offer") == 1 and changes(b, "lapse_offer") == 0
    assert held(call) == GRANT


def test_an_answer_sent_after_the_offer_deadline_is_refused_and_changes_nothing(call, olivia, panel):
    b, b_owner = _offered(call, olivia, panel)
    due = timezone.now() - datetime.timedelta(seconds=30)
    PlaceOffer.objects.filter(application=b).update(due_at=due)
    with pytest.raises(ValidationError) as refused:
        lifecycle.offer_accept(user=b_owner, application_id=b.pk, now=due)
    assert refused.value.messages == [f"선정 기회 회신 기한은 {moment(due)}(KST)였습니다."]
    assert Application.objects.get(pk=b.pk).state == State.OFFERED
    # The job takes it as given up once the grace for answers still on their way has passed.
    assert lifecycle.offer_sweep(now=due + lifecycle.ANSWER_GRACE) == 1
    assert Application.objects.get(pk=b.pk).state == State.WITHDRAWN


def _cleared_assignment(call, olivia, panel, alice, acme):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=application).first()
    evaluation.declare_no_conflict(user=assignment.reviewer, assignment_id=assignment.pk)
    criteria = list(call.rubric.criteria.all())
    return application, assignment, {c.pk: str(v) for c, v in zip(criteria, SCORES[0])}


def test_a_review_submitted_just_after_the_officer_waived_it_is_refused(call, olivia, panel, alice, acme, monkeypatch):
    application, assignment, scores = _cleared_assignment(call, olivia, panel, alice, acme)

    # The reviewer's submit has read the assignment (cleared); the officer's waiver lands
    # before the submit takes its lock.
    pause = Pause(monkeypatch, scoring, "refuse_if_tied", after=True)
    submitted, waived = pause.interleave(
        lambda: scoring.review_save(user=assignment.reviewer, assignment_id=assignment.pk, scores=scores, comments={}, comment="",
                                    submit=True),
        lambda: evaluation.assignment_waive(user=olivia, assignment_id=assignment.pk, reason="위원 연락 두절"),
    )

    assert isinstance(waived, Assignment), waived
    assert isinstance(submitted, ValidationError), submitted
    assert submitted.messages == ["담당자가 이 평가를 생략했으므로 더 이상 채점할 수 없습니다. 아무것도 저장되지 않았습니다."]
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.WAIVED
    assert not Score.objects.filter(review__assignment=assignment).exists()
    assert not Review.objects.filter(assignment=assignment, status=Review.Status.SUBMITTED).exists()
    assert changes(application, "review_submitted") == 0 and changes(application, "assignment_waived") == 1


def test_a_review_submitted_just_after_a_conflict_was_recorded_is_refused(call, olivia, panel, alice, acme, monkeypatch):
    application, assignment, scores = _cleared_assignment(call, olivia, panel, alice, acme)

    pause = Pause(monkeypatch, scoring, "refuse_if_tied", after=True)
    submitted, _tie = pause.interleave(
        lambda: scoring.review_save(user=assignment.reviewer, assignment_id=assignment.pk, scores=scores, comments={}, comment="",
                                    submit=True),
        lambda: evaluation.tie_record(user=olivia, reviewer=assignment.reviewer, business_number=acme.business_number,
                                      kind="adviser", note="자문 계약"),
    )

    assert isinstance(submitted, ValidationError), submitted
    assert submitted.messages == ["이해관계로 배정이 해제된 평가이므로 채점할 수 없습니다. 아무것도 저장되지 않았습니다."]
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.CONFLICT
    assert not Score.objects.filter(review__assignment=assignment).exists()
    assert changes(application, "review_submitted") == 0


def test_the_reviewer_is_told_on_the_page_that_a_waived_review_cannot_be_scored(call, olivia, panel, alice, acme):
    from django.test import Client

    from tests.conftest import login_with_mfa

    application, assignment, scores = _cleared_assignment(call, olivia, panel, alice, acme)
    evaluation.assignment_waive(user=olivia, assignment_id=assignment.pk, reason="위원 연락 두절")
    client = Client()
    login_with_mfa(client, assignment.reviewer)
    data = {"action": "submit", **{f"score-{pk}": value for pk, value in scores.items()}}
    response = client.post(f"/reviewer/assignments/{assignment.pk}/score/", data, follow=True)
    assert "담당자가 이 평가를 생략했으므로 더 이상 채점할 수 없습니다. 아무것도 저장되지 않았습니다." in response.content.decode()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.WAIVED


def test_an_agreement_cannot_raise_its_grant_past_what_the_call_has_left(selected, olivia, call):
    from applications.models import Agreement

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    Call.objects.filter(pk=call.pk).update(budget_total=GRANT + 20_000_000)
    terms = agreement.current_version().terms
    start, end = datetime.date.fromisoformat(terms["start"]), datetime.date.fromisoformat(terms["end"])
    plan = [{"label": "일시", "percent": 100, "due": terms["start"]}]
    with pytest.raises(ValidationError) as refused:
        lifecycle.agreement_update_terms(user=olivia, agreement_id=agreement.pk, start=start, end=end, grant=180_000_000,
                                          cash=180_000_000, in_kind=20_000_000, instalments=plan)
    assert refused.value.messages == [
        "180,000,000원은 사업 예산 안에 들어가지 않습니다. 선정·제안·결정된 지원금을 모두 셈하면 예산 170,000,000원 중 "
        "170,000,000원만 남아 있습니다. 아무것도 바뀌지 않았습니다."]
    assert Agreement.objects.get(pk=agreement.pk).versions.count() == 1 and held(call) == GRANT
    # A lower grant gives the difference back to the call.
    lifecycle.agreement_update_terms(user=olivia, agreement_id=agreement.pk, start=start, end=end, grant=140_000_000,
                                      cash=140_000_000, in_kind=20_000_000, instalments=plan)
    assert Application.objects.get(pk=selected.pk).grant_awarded == 140_000_000 and held(call) == 140_000_000


def test_a_budget_cut_below_what_is_committed_is_refused_and_changes_nothing(selected, olivia):
    """The budget is edited under the budget authority too: a cut below what the call already
    holds would leave more promised than the call has."""
    from applications.services import calls

    call = selected.call
    held = selected.grant_awarded
    with pytest.raises(ValidationError) as refused:
        calls.call_update(user=olivia, call=call, data={"budget_total": held - 1})
    assert refused.value.messages == [
        f"정부지원 예산을 줄일 수 없습니다(새 예산: {held - 1:,}원). 이미 선정·제안·결정된 지원금이 {held:,}원입니다. 아무것도 바뀌지 않았습니다."]
    call.refresh_from_db()
    assert call.budget_total != held - 1
    calls.call_update(user=olivia, call=call, data={"budget_total": held})
    call.refresh_from_db()
    assert call.budget_total == held
