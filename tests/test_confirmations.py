"""What cannot be undone asks first, without JavaScript: GET shows a confirmation page saying
what follows with the amount or total; a POST without the confirmation does nothing and shows
the page; a confirmed POST acts once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import AgreementState, Application, State
from reviews.models import Assignment, Review
from tests.conftest import login_with_mfa, under_review

pytestmark = pytest.mark.django_db

NOT_DONE = "아직 아무것도 실행되지 않았습니다. 확인란을 선택하세요."


def signed_in(user) -> Client:
    client = Client()
    login_with_mfa(client, user)
    return client


def test_withdrawing_a_selected_application_names_the_grant_and_happens_only_once_confirmed(selected, alice, olivia):
    assert selected.state == State.SELECTED and selected.grant_awarded == 150_000_000
    client, url = signed_in(alice), f"/applications/{selected.pk}/withdraw/"
    said = ("이 신청은 정부지원금 150,000,000원으로 선정되었습니다. 포기하면 이 지원금을 받을 수 없으며, "
            "그 자리는 다른 기업에 제공될 수 있습니다.")

    page = client.get(url)
    assert page.status_code == 200 and said in page.content.decode()
    # The detail page's button posts only the reason: the confirmation page, the reason kept.
    page = client.post(url, {"reason": "자금 사정으로 포기합니다"})
    html = page.content.decode()
    assert page.status_code == 200 and said in html and "자금 사정으로 포기합니다" in html and NOT_DONE not in html
    # Sent from the confirmation page with the box left empty: refused, nothing done.
    page = client.post(url, {"reason": "자금 사정으로 포기합니다", "step": "confirm"})
    assert page.status_code == 400 and NOT_DONE in page.content.decode()
    assert Application.objects.get(pk=selected.pk).state == State.SELECTED
    assert not selected.events.filter(action="withdrawn").exists()
    # Officers keep their refusal.
    assert signed_in(olivia).get(url).status_code == 403

    assert 'name="expected_state" value="selected"' in html
    confirmed = {"reason": "자금 사정으로 포기합니다", "step": "confirm", "confirm": "yes", "expected_state": "selected"}
    assert client.post(url, confirmed).status_code == 302
    assert client.post(url, confirmed).status_code == 302
    assert Application.objects.get(pk=selected.pk).state == State.WITHDRAWN
    assert selected.events.filter(action="withdrawn").count() == 1


def test_a_withdrawal_confirmed_on_a_page_that_showed_another_state_is_refused(complete_draft, alice):
    """The company confirms giving up a draft while a colleague submits it: the stake changed
    under the page, so nothing is done and the page says why."""
    client, url = signed_in(alice), f"/applications/{complete_draft.pk}/withdraw/"
    assert 'name="expected_state" value="draft"' in client.get(url).content.decode()
    lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    answer = client.post(url, {"reason": "자금 사정", "step": "confirm", "confirm": "yes", "expected_state": "draft"}, follow=True)
    assert "화면을 보는 사이에 신청서 상태가 바뀌었습니다(현재: “접수 완료”). 아무것도 처리하지 않았습니다. 다시 확인하세요." in answer.content.decode()
    assert Application.objects.get(pk=complete_draft.pk).state == State.SUBMITTED
    # Without the state the page showed, the confirmation is asked again and nothing is done.
    again = client.post(url, {"reason": "자금 사정", "step": "confirm", "confirm": "yes"})
    assert again.status_code == 400 and Application.objects.get(pk=complete_draft.pk).state == State.SUBMITTED


def test_a_draft_withdrawal_names_the_grant_requested(complete_draft, alice):
    page = signed_in(alice).get(f"/applications/{complete_draft.pk}/withdraw/")
    assert "포기하면 신청한 정부지원금 150,000,000원도 받을 수 없습니다." in page.content.decode()


@pytest.fixture
def scoring(call, olivia, alice, acme, panel):
    """The assigned reviewer, signed in and past the conflict declaration, and the criteria."""
    from reviews.services import evaluation

    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=application).first()
    client = signed_in(assignment.reviewer)
    client.post(f"/reviewer/assignments/{assignment.pk}/declare/", {"conflict": "no"})
    return client, assignment, list(call.rubric.criteria.all())


def test_submitting_a_review_shows_the_weighted_total_first_and_locks_only_once_confirmed(scoring):
    client, assignment, criteria = scoring
    url = f"/reviewer/assignments/{assignment.pk}/score/"
    scores = {f"score-{c.pk}": v for c, v in zip(criteria, ["30", "20", "15", "8"])}

    page = client.post(url, scores | {"action": "submit"})
    html = page.content.decode()
    assert page.status_code == 200 and "가중 합계: 73점 / 100점." in html
    assert "제출하면 점수가 잠기고 순위 산정에 반영됩니다." in html
    review = Review.objects.get(assignment=assignment)
    assert review.status == Review.Status.DRAFT and review.scores.count() == 4  # kept as a draft, not submitted
    assert Assignment.objects.get(pk=assignment.pk).status != Assignment.Status.SUBMITTED
    # GET shows the same page for the saved draft; an unticked POST from it does nothing.
    assert "가중 합계: 73점 / 100점." in client.get(url).content.decode()
    page = client.post(url, scores | {"action": "submit", "step": "confirm"})
    assert page.status_code == 400 and NOT_DONE in page.content.decode()
    assert Review.objects.get(pk=review.pk).status == Review.Status.DRAFT

    assert client.post(url, scores | {"action": "submit", "step": "confirm", "confirm": "yes"}).status_code == 302
    client.post(url, scores | {"action": "submit", "step": "confirm", "confirm": "yes"})
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED and review.total == Decimal("73.000")
    assert assignment.application.events.filter(action="review_submitted").count() == 1
    locked = client.get(url, follow=True).content.decode()  # nothing left to confirm
    assert "제출한 평가는 잠겨 있습니다. 사업담당자에게 재개를 요청하세요." in locked


def test_removing_a_criterion_says_what_the_weights_become_and_happens_only_once_confirmed(call, olivia, rubric):
    client = signed_in(olivia)
    technology = rubric.criteria.get(name_ko="기술성")
    url = f"/officer/calls/{call.pk}/criteria/{technology.pk}/delete/"

    html = client.get(url).content.decode()
    assert "다음 평가 항목을 평가표에서 삭제합니다: “기술성”(배점 40점, 가중치 40)." in html
    assert "삭제하면 가중치 합계는 100 중 60입니다." in html
    # The evaluation page's button posts nothing more: the confirmation page, nothing removed.
    assert client.post(url).status_code == 200
    assert client.post(url, {"step": "confirm"}).status_code == 400
    assert rubric.criteria.filter(pk=technology.pk).exists()

    assert client.post(url, {"step": "confirm", "confirm": "yes"}).status_code == 302
    assert not rubric.criteria.filter(pk=technology.pk).exists()
    assert rubric.criteria.count() == 3


def test_issuing_an_agreement_names_its_amounts_and_happens_only_once_confirmed(selected, olivia, alice, signing_cert):
    from applications import lifecycle
    from applications.services import agreements

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    terms = version.terms
    client, url = signed_in(olivia), f"/agreements/{agreement.pk}/issue/"
    said = (f"협약서 {agreement.number} 제1판을 기업에 보내 서명을 요청합니다. "
            f"정부지원금 {terms['grant']:,}원, 총사업비 {terms['total']:,}원입니다.")
    assert terms["grant"] == 150_000_000

    assert said in client.get(url).content.decode()
    assert signed_in(alice).get(url).status_code == 403
    assert said in client.post(url).content.decode()
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.DRAFTED and agreement.sign_due_at is None

    assert client.post(url, {"step": "confirm", "confirm": "yes"}).status_code == 302
    client.post(url, {"step": "confirm", "confirm": "yes"})
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ISSUED
    assert selected.events.filter(action="agreement_issued").count() == 1
