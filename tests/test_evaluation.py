"""Panels, conflicts of interest, scoring, ranking, selection and appeals through the pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import Appeal, Application, SelectionRound, State
from portal.models import CompanyMembership, OutboundEmail, StaffTie, User
from reviews.models import Assignment, Review
from reviews.services import evaluation, selection
from reviews.services.selection import proposal_digest, selection_apply
from tests.conftest import PASSWORD, close_call, login_with_mfa, make_person, score_all, under_review
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applications(call, olivia, alice, acme):
    """Three applications under evaluation; Acme (alice's) first."""
    result = [under_review(alice, acme, call, olivia)]
    for n in range(2):
        owner = make_person(f"co{n}@example.com")
        company = CompanyFactory(region="11" if n == 0 else "48")
        CompanyMembership.objects.create(company=company, user=owner, role="owner")
        result.append(under_review(owner, company, call, olivia))
    return result


@pytest.fixture
def single(call, olivia, alice, acme):
    """Acme's application alone under evaluation."""
    return [under_review(alice, acme, call, olivia)]


def officer_client(user) -> Client:
    client = Client()
    login_with_mfa(client, user)
    return client


def test_officer_builds_the_rubric_and_it_is_fixed_once_reviewing_starts(call, olivia, reviewers, applications):
    client = officer_client(olivia)
    base = f"/officer/calls/{call.pk}/evaluation"
    client.post(f"{base}/criterion/", {"name_ko": "기술성", "name_en": "Technology", "max_score": "60", "weight": "60"})
    client.post(f"{base}/criterion/", {"name_ko": "사업성", "name_en": "Business", "max_score": "40", "weight": "40"})
    client.post(f"{base}/panel/", {"name": "1분과", "stage": "written", "reviewers_per_application": 3,
                                   "due_at": (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")})
    panel = call.panels.get()
    for person in reviewers:
        client.post(f"/officer/panels/{panel.pk}/invite/", {"email": person.email})
    client.post(f"/officer/panels/{panel.pk}/auto/")
    call.rubric.refresh_from_db()
    assert call.rubric.is_locked
    response = client.post(f"{base}/criterion/", {"name_ko": "추가", "name_en": "Extra", "max_score": "10", "weight": "10"})
    assert response.status_code == 400
    assert call.rubric.criteria.count() == 2


def test_officer_removes_a_criterion_with_its_button_until_the_rubric_is_locked(call, olivia, reviewers, applications):
    """The button's URL was once swallowed by the call set-up's item-delete URL (a 403 for everyone)."""
    client = officer_client(olivia)
    base = f"/officer/calls/{call.pk}/evaluation"
    client.post(f"{base}/criterion/", {"name_ko": "기술성", "name_en": "Technology", "max_score": "60", "weight": "60"})
    client.post(f"{base}/criterion/", {"name_ko": "사업성", "name_en": "Business", "max_score": "40", "weight": "40"})
    first, second = call.rubric.criteria.order_by("pk")
    page = client.get(f"{base}/").content.decode()
    assert f'action="/officer/calls/{call.pk}/criteria/{first.pk}/delete/"' in page
    response = client.post(f"/officer/calls/{call.pk}/criteria/{first.pk}/delete/", {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == f"{base}/"
    assert list(call.rubric.criteria.values_list("pk", flat=True)) == [second.pk]
    client.post(f"{base}/criterion/", {"name_ko": "기술성", "name_en": "Technology", "max_score": "60", "weight": "60"})
    client.post(f"{base}/panel/", {"name": "1분과", "stage": "written", "reviewers_per_application": 3,
                                   "due_at": (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")})
    for person in reviewers:
        client.post(f"/officer/panels/{call.panels.get().pk}/invite/", {"email": person.email})
    client.post(f"/officer/panels/{call.panels.get().pk}/auto/")
    locked = client.get(f"{base}/").content.decode()
    assert f"/criteria/{second.pk}/delete/" not in locked
    client.post(f"/officer/calls/{call.pk}/criteria/{second.pk}/delete/", {"confirm": "yes"})
    assert call.rubric.criteria.filter(pk=second.pk).exists()
    # The scoring rules are shown as they are, not as inputs that could never be saved.
    rules = locked[locked.index('id="rubric-heading"'):locked.index('id="bonus-heading"')]
    assert re.search(r'<input type="number" name="cutoff"[^>]* disabled', rules) and "<button" not in rules
    # Criteria are named in Korean; the English name is secondary.
    assert '사업성<br><span class="helptext" lang="en">Business</span>' in locked and "사업성 / " not in locked


def test_assignment_needs_weights_that_add_up_to_100(call, olivia, reviewers, applications):
    rubric = evaluation.rubric_for(call)
    evaluation.criterion_add(user=olivia, rubric=rubric, data={"name_ko": "기술성", "name_en": "T", "description": "",
                                                              "max_score": Decimal(50), "weight": Decimal(50)})
    panel = evaluation.panel_create(user=olivia, call=call, name="p", stage="written", reviewers_per_application=3,
                                    due_at=timezone.now() + timedelta(days=3))
    evaluation.reviewer_invite(user=olivia, panel=panel, email=reviewers[0].email)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="100"):
        evaluation.auto_assign(user=olivia, panel=panel)
    assert not Assignment.objects.exists()


def test_auto_assignment_gives_n_reviewers_balances_loads_and_excludes_ties(panel, applications, reviewers, olivia, acme):
    # expert0 works for Acme; expert1 advises it (recorded tie by business number).
    CompanyMembership.objects.create(company=acme, user=reviewers[0])
    evaluation.tie_record(user=olivia, reviewer=reviewers[1], business_number=acme.business_number, kind="adviser")
    created, short = evaluation.auto_assign(user=olivia, panel=panel)
    assert (created, short) == (9, [])
    for application in applications:
        assert application.assignments.count() == 3
    acme_reviewers = set(applications[0].assignments.values_list("reviewer_id", flat=True))
    assert not acme_reviewers & {reviewers[0].pk, reviewers[1].pk}
    loads = [Assignment.objects.filter(reviewer=r).count() for r in reviewers]
    assert max(loads) - min(loads) <= 1
    # Running it again adds nothing.
    assert evaluation.auto_assign(user=olivia, panel=panel) == (0, [])


def test_a_known_tie_blocks_a_manual_assignment(panel, applications, reviewers, olivia, acme):
    CompanyMembership.objects.create(company=acme, user=reviewers[2])
    client = officer_client(olivia)
    client.post(f"/officer/panels/{panel.pk}/assign/", {"receipt_number": applications[0].receipt_number, "reviewer": reviewers[2].pk})
    assert not Assignment.objects.exists()


def test_invited_new_reviewer_gets_an_account_and_a_password_link(panel, olivia):
    evaluation.reviewer_invite(user=olivia, panel=panel, email="New.Expert@Example.com")
    user = User.objects.get(email="new.expert@example.com")
    assert not user.has_usable_password() and hasattr(user, "reviewer_profile")
    mail = OutboundEmail.objects.filter(to=["new.expert@example.com"]).get()
    assert "/accounts/password/reset/" in mail.body


def _assignment(reviewer, application):
    return Assignment.objects.get(reviewer=reviewer, application=application)


def test_reviewer_declares_before_seeing_and_a_conflict_removes_the_assignment(panel, applications, reviewers, olivia):
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=applications[1]).first()
    client = officer_client(assignment.reviewer)
    page = client.get(f"/reviewer/assignments/{assignment.pk}/").content.decode()
    assert "MES와 설비" not in page  # the content waits for the declaration
    client.post(f"/reviewer/assignments/{assignment.pk}/declare/", {"conflict": "yes", "reason": "이 회사에 장비를 납품합니다."})
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFLICT
    assert StaffTie.objects.filter(person=assignment.reviewer, business_number=applications[1].company.business_number).exists()
    assert client.get(f"/reviewer/assignments/{assignment.pk}/").status_code == 404
    assert OutboundEmail.objects.filter(to=[olivia.email], subject__contains=applications[1].receipt_number).exists()
    # The officer fills the gap; the conflicted reviewer is not chosen again.
    created, _short = evaluation.auto_assign(user=olivia, panel=panel)
    assert created == 1
    assert applications[1].assignments.exclude(status="conflict").count() == 3
    assert not applications[1].assignments.filter(reviewer=assignment.reviewer).exclude(status="conflict").exists()


def test_scores_out_of_range_are_refused_and_nothing_is_saved(panel, applications, olivia):
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=applications[0]).first()
    client = officer_client(assignment.reviewer)
    client.post(f"/reviewer/assignments/{assignment.pk}/declare/", {"conflict": "no"})
    page = client.get(f"/reviewer/assignments/{assignment.pk}/").content.decode()
    assert "MES와 설비" in page
    criteria = list(panel.call.rubric.criteria.all())
    data = {f"score-{c.pk}": v for c, v in zip(criteria, ["41", "20", "-1", "abc"])} | {"action": "submit"}
    response = client.post(f"/reviewer/assignments/{assignment.pk}/score/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "0부터 40까지의 점수를 입력하세요." in html and "숫자를 입력하세요." in html
    assert not Review.objects.filter(assignment=assignment, scores__isnull=False).exists()


def test_submitted_review_is_locked_until_the_officer_reopens_it_with_a_reason(panel, applications, olivia):
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=applications[0]).first()
    review, _ = score_all(assignment, [30, 20, 15, 8])
    assert review.total == Decimal("73.000")
    client = officer_client(assignment.reviewer)
    criteria = list(panel.call.rubric.criteria.all())
    client.post(f"/reviewer/assignments/{assignment.pk}/score/", {f"score-{criteria[0].pk}": "40", "action": "save"})
    assert Review.objects.get(pk=review.pk).scores.get(criterion=criteria[0]).value == Decimal(30)
    officer = officer_client(olivia)
    officer.post(f"/officer/reviews/{review.pk}/reopen/", {"reason": ""})
    assert Review.objects.get(pk=review.pk).status == "submitted"
    officer.post(f"/officer/reviews/{review.pk}/reopen/", {"reason": "점수 입력 오류 정정 요청"})
    assert Review.objects.get(pk=review.pk).status == "draft"


def test_a_declaration_sent_without_an_answer_records_nothing(panel, applications, olivia):
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=applications[0]).first()
    client = officer_client(assignment.reviewer)
    response = client.post(f"/reviewer/assignments/{assignment.pk}/declare/", {}, follow=True)
    assert "이해충돌이 있는지 없는지 고르세요. 아무것도 기록하지 않았습니다." in response.content.decode()
    assert Assignment.objects.get(pk=assignment.pk).status == "assigned"


def test_a_review_the_decision_was_made_on_is_not_reopened(panel, applications, olivia, call):
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.all():
        score_all(assignment, [30, 20, 15, 8])
    review = Review.objects.filter(assignment__application=applications[0]).first()
    close_call(call)
    proposal = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=proposal.pk)
    selection_apply(round_id=proposal.pk)  # decided, as the worker applies it
    decided = Application.objects.get(pk=applications[0].pk)
    officer = officer_client(olivia)
    page = officer.get(f"/officer/panels/{panel.pk}/").content.decode()
    assert f"/officer/reviews/{review.pk}/reopen/" not in page
    response = officer.post(f"/officer/reviews/{review.pk}/reopen/", {"reason": "점수 입력 오류"}, follow=True)
    assert decided.state != State.UNDER_REVIEW
    assert (f"{decided.receipt_number} 신청서는 평가가 끝났습니다(현재 “{decided.get_state_display()}”). 결정의 근거가 된 평가는 다시 열 수 "
            "없습니다. 아무것도 바뀌지 않았습니다.") in response.content.decode()
    assert Review.objects.get(pk=review.pk).status == "submitted"


def test_an_unassigned_reviewer_cannot_see_or_score(panel, applications, olivia, reviewers):
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=applications[0]).first()
    stranger = next(r for r in reviewers if not Assignment.objects.filter(application=applications[0], reviewer=r).exists())
    client = officer_client(stranger)
    assert client.get(f"/reviewer/assignments/{assignment.pk}/").status_code == 404
    assert client.post(f"/reviewer/assignments/{assignment.pk}/score/", {"action": "submit"}).status_code == 404


def test_blind_review_never_serves_the_company_identity(panel, applications, olivia, acme):
    evaluation.rubric_update(user=olivia, rubric=panel.call.rubric, data={"blind": True})
    Application.objects.filter(pk=applications[0].pk).update(
        project_title=f"{acme.name}의 MES 도입",
        answers={**applications[0].answers, "summary": f"{acme.name}(대표 {acme.representative_name})는 설비를 바꿉니다."})
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=applications[0]).first()
    client = officer_client(assignment.reviewer)
    served = [client.get("/reviewer/").content.decode(), client.get(f"/reviewer/assignments/{assignment.pk}/").content.decode()]
    client.post(f"/reviewer/assignments/{assignment.pk}/declare/", {"conflict": "no"})
    served.append(client.get(f"/reviewer/assignments/{assignment.pk}/").content.decode())
    for html in served:
        for identity in (acme.name, acme.business_number, acme.business_number_display, acme.representative_name):
            assert identity not in html
    assert "○○○의 MES 도입" in served[-1]
    document = applications[0].documents.first()
    assert client.get(f"/reviewer/assignments/{assignment.pk}/documents/{document.pk}/").status_code == 403


def _score_everything(panel, applications, olivia, per_application):
    evaluation.auto_assign(user=olivia, panel=panel)
    for application, values in zip(applications, per_application):
        for assignment, scores in zip(Assignment.objects.filter(application=application).order_by("pk"), values):
            score_all(assignment, scores)
    close_call(panel.call)


def test_ranking_selection_finalization_and_each_applicant_sees_their_own_result(panel, applications, olivia, alice, call):
    _score_everything(panel, applications, olivia, [
        [[36, 25, 18, 9], [34, 24, 17, 8], [30, 22, 15, 7]],   # Acme: 88, 83, 74 → mean 81.667, +3 bonus
        [[30, 20, 14, 6], [28, 22, 14, 6], [32, 20, 16, 8]],   # Seoul company: 70, 70, 76 → 72, no bonus
        [[20, 15, 10, 5], [22, 15, 10, 5], [20, 14, 10, 6]],   # 50, 52, 50 → 50.667 +3 → below the cut-off
    ])
    from applications.models import Call

    Call.objects.filter(pk=call.pk).update(budget_total=300_000_000)  # room for two grants of 150,000,000
    client = officer_client(olivia)
    ranking_page = client.get(f"/officer/calls/{call.pk}/ranking/").content.decode()
    assert "84.667" in ranking_page
    client.post(f"/officer/calls/{call.pk}/selection/")
    selection_round = SelectionRound.objects.get()
    decisions = dict(selection_round.items.values_list("application_id", "decision"))
    assert decisions == {applications[0].pk: "selected", applications[1].pk: "selected", applications[2].pk: "rejected"}
    # Adjusting the grant needs a reason; going over the budget is refused.
    item = selection_round.items.get(application=applications[2])
    client.post(f"/officer/selections/{selection_round.pk}/items/{item.pk}/", {"decision": "selected", "grant": "150000000", "reason": ""})
    assert selection_round.items.get(pk=item.pk).decision == "rejected"
    client.post(f"/officer/selections/{selection_round.pk}/items/{item.pk}/", {"decision": "selected", "grant": "150000000", "reason": "위원회 의결"})
    assert selection_round.items.get(pk=item.pk).decision == "rejected"
    # Acme's grant is cut, with the reason the company will read.
    first = selection_round.items.get(application=applications[0])
    client.post(f"/officer/selections/{selection_round.pk}/items/{first.pk}/", {"decision": "selected", "grant": "120000000",
                                                                                "reason": "예산 배분 조정"})
    assert selection_round.items.get(pk=first.pk).grant == 120_000_000
    client.post(f"/officer/selections/{selection_round.pk}/finalize/", {"confirm": "yes", "proposal": proposal_digest(selection_round)})
    selection_round.refresh_from_db()
    assert selection_round.finalized_at is not None
    selection_apply(round_id=selection_round.pk)  # what the Celery task does
    states = {a.pk: Application.objects.get(pk=a.pk).state for a in applications}
    assert states == {applications[0].pk: State.SELECTED, applications[1].pk: State.SELECTED, applications[2].pk: State.REJECTED}
    assert selection_apply(round_id=selection_round.pk) == 0  # idempotent
    # After the decision the ranking page still shows the ranking it was made from.
    after = client.get(f"/officer/calls/{call.pk}/ranking/").content.decode()
    assert "84.667" in after and applications[2].receipt_number in after and "아직 제출된 평가가 없습니다" not in after
    assert "선정안</a> — 확정" in after

    applicant = Client()
    applicant.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    page = applicant.get(f"/applications/{applications[0].pk}/").content.decode()
    assert "84.667" in page and "기술성" in page
    assert "정부지원금이 신청액 150,000,000원에서 120,000,000원으로 조정되었습니다. 사유: 예산 배분 조정" in page
    for person in Assignment.objects.values_list("reviewer__name", flat=True):
        assert person not in page
    mail = OutboundEmail.objects.filter(subject__contains=applications[0].receipt_number).latest("created_at")
    assert "84.667" in mail.body


def test_finalizing_twice_is_refused(panel, single, olivia, call):
    _score_everything(panel, single, olivia, [[[36, 25, 18, 9]] * 3])
    selection_round = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=selection_round.pk)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        selection.selection_finalize(user=olivia, round_id=selection_round.pk)
    with pytest.raises(ValidationError):
        selection.selection_run(user=olivia, call=call)


def test_appeal_within_the_window_and_the_officers_decisions(panel, single, olivia, alice, call):
    _score_everything(panel, single, olivia, [[[20, 15, 10, 5]] * 3])
    selection_round = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=selection_round.pk)
    selection_apply(round_id=selection_round.pk)
    application = Application.objects.get(pk=single[0].pk)
    assert application.state == State.REJECTED
    applicant = Client()
    applicant.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    applicant.post(f"/applications/{application.pk}/appeal/", {"reason": "사업성 평가에서 매출 실적이 반영되지 않았습니다."})
    application.refresh_from_db()
    assert application.state == State.APPEAL
    appeal = Appeal.objects.get()
    client = officer_client(olivia)
    client.post(f"/officer/appeals/{appeal.pk}/decide/", {"outcome": "dismissed", "note": "평가 절차에 하자가 없습니다."})
    application.refresh_from_db()
    assert application.state == State.REJECTED
    assert {"appeal", "dismiss_appeal"} <= set(application.events.values_list("action", flat=True))


def test_appeal_after_the_window_is_refused(panel, single, olivia, alice, call):
    _score_everything(panel, single, olivia, [[[20, 15, 10, 5]] * 3])
    selection_round = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=selection_round.pk)
    selection_apply(round_id=selection_round.pk)
    from django.core.exceptions import ValidationError

    from applications.models import SelectionItem
    from portal.formatting import deadline
    from portal.periods import period_end

    # Seven days from the notice of the result, as 행정기본법 counts them: from the next day,
    # to 24:00 of the last one, past weekends and holidays.
    item = SelectionItem.objects.get(application=single[0])
    notified = item.applied_at
    closes = item.appeal_closes_at
    assert closes == period_end(notified, days=7)
    assert timezone.localtime(closes).time().isoformat() == "00:00:00" and closes - notified > timedelta(days=7)
    with pytest.raises(ValidationError) as refused:
        lifecycle.appeal_file(user=alice, application_id=single[0].pk, reason="늦은 이의", now=closes)
    assert refused.value.messages == [f"이의신청 기간이 {deadline(closes)}(KST)에 끝났습니다."]
    assert Application.objects.get(pk=single[0].pk).state == State.REJECTED


def test_rereview_sends_the_application_back_to_evaluation(panel, single, olivia, alice, call):
    _score_everything(panel, single, olivia, [[[20, 15, 10, 5]] * 3])
    selection_round = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=selection_round.pk)
    selection_apply(round_id=selection_round.pk)
    appeal = lifecycle.appeal_file(user=alice, application_id=single[0].pk, reason="재평가 요청", now=timezone.now())
    lifecycle.appeal_order_rereview(user=olivia, appeal_id=appeal.pk, note="평가위원 채점 오류 확인")
    assert Application.objects.get(pk=single[0].pk).state == State.UNDER_REVIEW




@pytest.mark.parametrize("kind", ["scores", "ranking", "selection"])
def test_committee_exports_list_scores_ranking_and_selection_without_reviewer_names(panel, applications, olivia, call, kind):
    import csv
    import io

    from applications.services.exports import export_build, export_request

    _score_everything(panel, applications, olivia, [[[36, 25, 18, 9]] * 3, [[30, 20, 14, 6]] * 3, [[20, 15, 10, 5]] * 3])
    selection.selection_finalize(user=olivia, round_id=selection.selection_run(user=olivia, call=call).pk)
    export = export_build(export_id=export_request(user=olivia, call=call, format="csv", kind=kind).pk)
    rows = list(csv.reader(io.StringIO(export.file.read().decode("utf-8-sig"))))
    text = "\n".join(",".join(r) for r in rows)
    assert applications[0].receipt_number in text
    assert len(rows) == 1 + (9 if kind == "scores" else 3)
    for name in Assignment.objects.values_list("reviewer__name", flat=True):
        assert name not in text
    if kind == "scores":
        assert "위원 1" in text
    if kind == "selection":
        assert "선정" in text and "탈락" in text


def test_the_officer_changes_a_criterion_until_the_rubric_is_locked(call, olivia):
    from decimal import Decimal

    from reviews.services import evaluation
    from tests.conftest import make_rubric

    rubric = make_rubric(call, olivia)
    criterion = rubric.criteria.get(name_ko="기술성")
    client = officer_client(olivia)
    page = client.get(f"/officer/calls/{call.pk}/evaluation/").content.decode()
    assert f'href="/officer/calls/{call.pk}/criteria/{criterion.pk}/edit/">기술성 고치기</a>' in page
    form = client.get(f"/officer/calls/{call.pk}/criteria/{criterion.pk}/edit/").content.decode()
    assert 'value="기술성"' in form
    response = client.post(f"/officer/calls/{call.pk}/criteria/{criterion.pk}/edit/", {
        "name_ko": "기술성 및 혁신성", "name_en": "Technology and innovation", "description": "", "max_score": "40", "weight": "40"})
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.name_ko == "기술성 및 혁신성" and criterion.weight == Decimal(40)
    bad = client.post(f"/officer/calls/{call.pk}/criteria/{criterion.pk}/edit/", {"name_ko": "", "max_score": "x", "weight": "40"})
    assert bad.status_code == 400
    criterion.refresh_from_db()
    assert criterion.name_ko == "기술성 및 혁신성"  # a refused change changes nothing
    # Once reviewing has started the rubric is fixed: the change is refused with the reason.
    from django.utils import timezone

    rubric.locked_at = timezone.now()
    rubric.save(update_fields=["locked_at"])
    locked = client.post(f"/officer/calls/{call.pk}/criteria/{criterion.pk}/edit/", {
        "name_ko": "바뀐 이름", "name_en": "x", "description": "", "max_score": "40", "weight": "40"})
    assert locked.status_code == 400 and "평가가 시작되어" in locked.content.decode()
    criterion.refresh_from_db()
    assert criterion.name_ko == "기술성 및 혁신성"
    assert evaluation.rubric_for(call).is_locked
