"""One status per application: a withdrawn application never reads as selected anywhere, and
the selection page shows one budget figure with one name."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from applications import lifecycle
from applications.models import SelectionRound
from applications.status import application_status
from tests.conftest import login_with_mfa

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("state", "decision", "label", "result"), [
    ("withdrawn", "selected", "선정 후 포기", "선정 후 포기"),
    ("withdrawn", "waitlisted", "예비 순위에서 포기", "예비 순위에서 포기"),
    ("withdrawn", "", "포기", ""),
    ("agreement", "waitlisted", "협약 진행 중", "선정"),
    ("selected", "selected", "선정", "선정"),
    ("rejected", "rejected", "탈락", "탈락"),
    ("under_review", "", "평가 중", ""),
])
def test_the_status_reads_the_state_and_the_announced_decision_together(state, decision, label, result):
    with translation.override("ko"):
        status = application_status(state=state, decision=decision)
        assert (status.label, status.result, status.code) == (label, result, state)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_withdrawn_selected_application_reads_the_same_on_every_page(selected, alice, olivia):
    lifecycle.application_withdraw(user=alice, application_id=selected.pk, reason="자금 사정")
    assert selected.call.budget_total == 10_000_000_000
    applicant, officer = Client(), Client()
    login_with_mfa(applicant, alice)
    login_with_mfa(officer, olivia)

    html = applicant.get(f"/applications/{selected.pk}/").content.decode()
    assert "상태 선정 후 포기" in _text(html)
    assert _text(re.search(r'<h2 id="result-heading">.*?</h2>', html, re.S).group(0)) == "평가 결과: 선정 후 포기"
    assert "선정 후 포기" in _text(applicant.get("/applications/").content.decode())
    assert "상태 선정 후 포기" in _text(officer.get(f"/officer/applications/{selected.pk}/").content.decode())
    # The officer's queue reads it the same way.
    queue = officer.get(f"/officer/queue/?call={selected.call_id}").content.decode()
    row = _text(re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{selected.receipt_number}.*?</tr>", queue, re.S).group(0))
    assert "선정 후 포기" in row, row

    round_ = SelectionRound.objects.get(call=selected.call)
    html = officer.get(f"/officer/selections/{round_.pk}/").content.decode()
    row = _text(re.search(rf"<tr>\s*<td>1</td><td>{selected.receipt_number}</td>.*?</tr>", html, re.S).group(0))
    assert row.endswith("150,000,000원 선정 후 포기")  # the decision column, not 선정
    # One figure, one name: what selected, offered and contracted applications do not hold.
    text = _text(html)
    assert "배정되지 않은 예산 10,000,000,000원" in text and text.count("배정되지 않은 예산") == 1
    assert "잔여 예산" not in text
    assert "선정 0건 · 0원" in text and "포기 1건" in text


NEXT_STEPS = {
    # state: (what the company reads, links somewhere, has a deadline)
    "draft": ("신청서 작성을 마치고 제출하기", True, True),
    "submitted": ("요건검토 결과를 기다리세요.", False, False),
    "screening": ("요건검토 결과를 기다리세요.", False, False),
    "revision_requested": ("신청서를 보완해 다시 제출하기", True, True),
    "ineligible": ("사유 확인하기", True, False),
    "under_review": ("평가 결과를 기다리세요.", False, False),
    "appeal": ("평가 결과를 기다리세요.", False, False),
    "selected": ("협약서 발행을 기다리세요.", False, False),
    "waitlisted": ("예비 순위입니다. 빈자리가 생기면 알려 드립니다.", False, False),
    "offered": ("선정 기회 제안에 회신하기", True, True),
    "rejected": ("사유 확인하기", True, False),
    "withdrawn": ("없음: 신청을 포기했습니다.", False, False),
    "agreement": ("협약서에 서명하기", True, True),
    "contracted": ("협약이 체결되어 효력이 있습니다.", False, False),
}


@pytest.mark.parametrize("state", sorted(NEXT_STEPS))
def test_every_state_has_one_next_step_with_its_deadline(state):
    import datetime

    from django.utils import timezone, translation

    from applications.status import next_step

    now = timezone.now()
    due = now + datetime.timedelta(days=2)
    with translation.override("ko"):
        step = next_step(pk=7, state=state, call_closes_at=due, now=now, revision_due=due, offer_due=due, sign_due=due, agreement_id=3)
    text, linked, has_due = NEXT_STEPS[state]
    assert step.text == text
    assert bool(step.url) is linked and (step.due == due) is has_due


def test_a_draft_of_a_closed_call_has_nothing_left_to_do():
    import datetime

    from django.utils import timezone, translation

    from applications.status import next_step

    now = timezone.now()
    with translation.override("ko"):
        step = next_step(pk=7, state="draft", call_closes_at=now - datetime.timedelta(minutes=1), now=now)
    assert step.text == "제출하기 전에 공고가 마감되었습니다." and not step.url and step.due is None
