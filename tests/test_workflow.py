"""Screening, revision requests and the audit trail, through the officer's and the
applicant's pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.lifecycle import application_submit
from applications.models import Application, ApplicationEvent, Notification, RevisionRequest, State
from applications.services.events import verify_chain
from portal.formatting import deadline
from portal.models import OutboundEmail
from portal.periods import period_end
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, complete_draft):
    return application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())


@pytest.fixture
def as_olivia(client, olivia):
    login_with_mfa(client, olivia)
    return client


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_officer_passes_an_application_to_evaluation_and_the_company_is_told(as_olivia, submitted, alice):
    response = as_olivia.post(f"/officer/applications/{submitted.pk}/pass/", {"expected_state": "submitted"}, follow=True)
    assert "요건검토를 통과했습니다. 신청서는 평가로 넘어가며, 기업에 알렸습니다." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.UNDER_REVIEW
    event = submitted.events.get(action="pass_screening")
    assert (event.from_state, event.to_state, event.ip_address) == ("submitted", "under_review", "127.0.0.1")
    assert Notification.objects.filter(user=alice, application=submitted).exists()
    assert any("alice@example.com" in m.to for m in OutboundEmail.objects.filter(subject__contains="평가"))


def test_a_screening_post_without_the_state_its_page_showed_decides_nothing(as_olivia, submitted):
    for action in ("begin", "pass"):
        response = as_olivia.post(f"/officer/applications/{submitted.pk}/{action}/", {}, follow=True)
        assert "화면이 오래되었습니다. 아무것도 처리하지 않았습니다. 신청서를 다시 확인하세요." in response.content.decode()
        assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED
    assert not submitted.events.filter(action__in=["begin_screening", "pass_screening"]).exists()


def test_the_screening_box_offers_what_the_state_allows_and_goes_once_screening_is_done(as_olivia, submitted):
    page = as_olivia.get(f"/officer/applications/{submitted.pk}/").content.decode()
    for action in ("begin", "pass", "revision", "ineligible"):
        assert f'action="/officer/applications/{submitted.pk}/{action}/"' in page
    assert "요건검토 결정" in page
    # The budget line names the company's share, and cash and in-kind as parts of it.
    assert "총사업비 300,000,000원 · 정부지원금 150,000,000원 · 기업부담금 150,000,000원 (그중 현금 130,000,000원 · 그중 현물 20,000,000원)" in page
    as_olivia.post(f"/officer/applications/{submitted.pk}/pass/", {"expected_state": "submitted"})
    page = as_olivia.get(f"/officer/applications/{submitted.pk}/").content.decode()
    assert "요건검토 결정" not in page and f"/officer/applications/{submitted.pk}/ineligible/" not in page


def test_declaring_ineligible_needs_a_reason_and_tells_it(as_olivia, submitted):
    response = as_olivia.post(f"/officer/applications/{submitted.pk}/ineligible/", {"expected_state": "submitted", "reason": ""})
    assert response.status_code == 400
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED
    done = as_olivia.post(f"/officer/applications/{submitted.pk}/ineligible/",
                          {"expected_state": "submitted", "reason": "중소기업확인서 유효기간이 지났습니다."}, follow=True)
    assert "요건미달로 처리했습니다. 사유와 함께 기업에 알렸습니다." in done.content.decode()
    assert Application.objects.get(pk=submitted.pk).state == State.INELIGIBLE
    mail = OutboundEmail.objects.filter(subject__contains="요건").latest("created_at")
    assert "중소기업확인서 유효기간이 지났습니다." in mail.body


def test_revision_request_limits_what_the_applicant_may_change_and_resubmission(as_olivia, client, submitted, alice):
    too_soon = as_olivia.post(f"/officer/applications/{submitted.pk}/revision/",
                              {"expected_state": "submitted", "message": "사업비를 조정하세요.", "days": "0", "steps": ["budget"]})
    assert too_soon.status_code == 400
    assert "1 이상의 값을 입력해 주세요." in too_soon.content.decode()
    before = timezone.now()
    as_olivia.post(f"/officer/applications/{submitted.pk}/revision/",
                   {"expected_state": "submitted", "message": "장비 비목을 견적서와 맞추세요.", "days": "3", "steps": ["budget"]})
    submitted.refresh_from_db()
    assert submitted.state == State.REVISION_REQUESTED
    revision = RevisionRequest.objects.get(application=submitted)
    assert revision.steps == ["budget"]
    # Three days from the day after the request, to 24:00 KST, past weekends and holidays.
    assert revision.due_at == period_end(before, days=3)

    applicant = Client()
    applicant.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    page = applicant.get(f"/applications/{submitted.pk}/").content.decode()
    assert "장비 비목을 견적서와 맞추세요." in page and f"{deadline(revision.due_at)}(KST)까지 보완" in page
    # Only the budget may change.
    assert applicant.get(f"/applications/{submitted.pk}/edit/overview/").status_code == 302
    applicant.post(f"/applications/{submitted.pk}/autosave/", {"step": "overview", "project_title": "바뀐 제목"})
    assert Application.objects.get(pk=submitted.pk).project_title == "MES 도입을 통한 품질 고도화"
    data = {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-category": "software", "lines-0-description": "MES 라이선스", "lines-0-amount": "210,000,000",
        "lines-1-category": "consulting", "lines-1-description": "자체 인력", "lines-1-amount": "20,000,000", "lines-1-is_in_kind": "on",
        "grant_requested": "100,000,000", "go": "stay",
    }
    applicant.post(f"/applications/{submitted.pk}/edit/budget/", data)
    assert Application.objects.get(pk=submitted.pk).budget_lines.first().amount == 210_000_000
    response = applicant.post(f"/applications/{submitted.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.SCREENING
    assert RevisionRequest.objects.get(pk=revision.pk).resolved_at is not None
    assert verify_chain(submitted) == []


def test_overdue_revisions_become_ineligible_once(submitted, olivia):
    lifecycle.revision_request(user=olivia, application_id=submitted.pk, message="서류 보완", steps=["documents"],
                              days=2)
    assert lifecycle.revision_sweep() == 0
    later = RevisionRequest.objects.get(application=submitted).due_at
    assert lifecycle.revision_sweep(now=later - timedelta(microseconds=1)) == 0
    assert lifecycle.revision_sweep(now=later) == 1
    assert lifecycle.revision_sweep(now=later) == 0
    submitted.refresh_from_db()
    assert submitted.state == State.INELIGIBLE
    event = submitted.events.get(action="expire_revision")
    assert event.actor is None
    assert OutboundEmail.objects.filter(subject__contains="기한").exists()


def test_a_stale_page_is_told_the_application_changed_and_nothing_happens(as_olivia, submitted, olivia):
    lifecycle.screening_pass(user=olivia, application_id=submitted.pk)
    response = as_olivia.post(f"/officer/applications/{submitted.pk}/ineligible/",
                              {"expected_state": "submitted", "reason": "늦게 본 화면"}, follow=True)
    assert "화면을 보는 사이에 신청서 상태가 바뀌었습니다(현재: “평가 중”). 아무것도 처리하지 않았습니다. 다시 확인하세요." in response.content.decode()
    assert Application.objects.get(pk=submitted.pk).state == State.UNDER_REVIEW
    assert not ApplicationEvent.objects.filter(action="declare_ineligible").exists()


def test_applicants_and_other_officers_cannot_screen(client, submitted, alice, bob):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert client.post(f"/officer/applications/{submitted.pk}/pass/", {"expected_state": "submitted"}).status_code == 403
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_an_admin_sees_but_does_not_decide(client, submitted, adam):
    login_with_mfa(client, adam)
    assert client.get(f"/officer/applications/{submitted.pk}/").status_code == 200
    client.post(f"/officer/applications/{submitted.pk}/pass/", {"expected_state": "submitted"})
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_forged_posts_without_a_csrf_token_are_refused(olivia, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(olivia)
    response = client.post(f"/officer/applications/{submitted.pk}/pass/", {"expected_state": "submitted"})
    assert response.status_code == 403
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_bulk_actions_report_each_refusal(as_olivia, submitted, olivia):
    lifecycle.screening_pass(user=olivia, application_id=submitted.pk)
    response = as_olivia.post("/officer/queue/bulk/", {"action": "begin_screening", "ids": [submitted.pk]}, follow=True)
    html = response.content.decode()
    assert submitted.receipt_number in html
    assert Application.objects.get(pk=submitted.pk).state == State.UNDER_REVIEW


@pytest.mark.parametrize("back", ["https://evil.example/officer/queue/", "//evil.example/", "-15479", "/officer/queue/?state=submitted"])
def test_bulk_actions_go_back_only_to_the_queue(as_olivia, submitted, back):
    """Found by the form fuzzer: a bad "back" with an invalid form was a 500 (and could leave the site)."""
    for data in ({"back": back}, {"back": back, "action": "begin_screening", "ids": [submitted.pk]}):
        response = as_olivia.post("/officer/queue/bulk/", data)
        assert response.status_code == 302
        assert response["Location"] == (back if back.startswith("/officer/queue/") else "/officer/queue/")


def test_queue_filters_and_searches(as_olivia, submitted):
    def receipts(query):
        return [a.receipt_number for a in as_olivia.get("/officer/queue/" + query).context["page"]]

    assert receipts("") == [submitted.receipt_number]
    assert receipts("?state=submitted&region=48") == [submitted.receipt_number]
    assert receipts("?state=screening") == []
    assert receipts(f"?q={submitted.company.business_number_display}") == [submitted.receipt_number]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else "－" for c in submitted.company.business_number_display)
    assert receipts(f"?q={full_width}") == [submitted.receipt_number]
    assert receipts("?q=없는회사") == []
    assert receipts("?older_than_days=3") == []


def test_the_queue_offers_actions_on_the_selected_only_when_there_is_something_to_select(as_olivia, submitted):
    listed = as_olivia.get("/officer/queue/").content.decode()
    assert "선택한 신청서를" in listed
    empty = as_olivia.get("/officer/queue/?state=screening").content.decode()
    assert "조건에 맞는 신청서가 없습니다." in empty
    assert 'name="action"' not in empty and 'name="action"' in listed


def test_timeline_shows_every_event_with_its_message(client, alice, submitted, olivia):
    lifecycle.revision_request(user=olivia, application_id=submitted.pk, message="재무제표를 다시 올리세요.", steps=["documents"],
                              days=2)
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert html.count("<time") >= submitted.events.count()
    assert "재무제표를 다시 올리세요." in html
    notices = client.get("/notifications/").content.decode()
    assert "보완" in notices
    # "모두 읽음으로 표시" is one of the portal's buttons, not the browser's bare one.
    assert '<button type="submit" class="button button-secondary">모두 읽음으로 표시</button>' in notices


def test_events_cannot_be_edited_or_deleted_through_the_app(submitted):
    event = submitted.events.first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_verify_events_detects_an_altered_and_a_removed_event(submitted, olivia):
    lifecycle.screening_pass(user=olivia, application_id=submitted.pk)
    call_command("verify_events")
    ApplicationEvent.objects.filter(application=submitted, action="submitted").update(message="조작")
    with pytest.raises(CommandError):
        call_command("verify_events")
    ApplicationEvent.objects.filter(application=submitted, action="submitted").update(message="")
    call_command("verify_events")
    ApplicationEvent.objects.filter(application=submitted, action="pass_screening").delete()
    with pytest.raises(CommandError):
        call_command("verify_events")


def test_the_state_diagram_in_the_docs_is_generated_from_the_code():
    call_command("draw_states", "--check")
