"""From the call page to a submitted application, through the test client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from applications.models import Application, ApplicationDocument, ApplicationEvent, Call, Notification, State
from applications.services.events import verify_chain
from portal.formatting import deadline, moment
from portal.models import OutboundEmail
from tests import files
from tests.conftest import PASSWORD, VALID_ANSWERS, VALID_DECLARATIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


def test_self_check_shows_each_rule_with_a_reason(as_alice, acme, call):
    html = as_alice.get(f"/calls/{call.code}/").content.decode()
    assert "rule-pass" in html and "rule-needs_evidence" in html
    assert "C29271" in html


def test_applicant_starts_an_application_once_per_company(as_alice, acme, call):
    response = as_alice.post(f"/calls/{call.code}/apply/", {"company": acme.pk})
    application = Application.objects.get()
    assert response["Location"] == f"/applications/{application.pk}/edit/overview/"
    as_alice.post(f"/calls/{call.code}/apply/", {"company": acme.pk})
    assert Application.objects.count() == 1
    assert application.form_version.number == 1


@pytest.mark.parametrize("company", ["abc", "9" * 40, "-1", "１２", ""])
def test_a_malformed_company_is_not_found_not_a_server_error(as_alice, acme, call, company):
    """Found by the Hypothesis input test: a non-numeric company id was a 500."""
    assert as_alice.post(f"/calls/{call.code}/apply/", {"company": company}).status_code == 404
    assert not Application.objects.exists()


def test_cannot_apply_for_a_company_one_does_not_act_for(as_alice, globex, call):
    response = as_alice.post(f"/calls/{call.code}/apply/", {"company": globex.pk})
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_draft_answers_are_kept_even_when_invalid_and_marked(as_alice, draft):
    section = draft.form_version.sections.order_by("order").last()
    response = as_alice.post(f"/applications/{draft.pk}/edit/section-{section.pk}/",
                             {"start_date": "내년 봄", "new_jobs": "세 명", "go": "next"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "날짜를 YYYY-MM-DD 형식으로 입력하세요." in html
    draft.refresh_from_db()
    assert draft.answers["start_date"] == "내년 봄" and draft.answers["new_jobs"] == "세 명"


def test_autosave_stores_what_was_typed_and_reports_errors(as_alice, draft):
    section = draft.form_version.sections.order_by("order").first()
    response = as_alice.post(f"/applications/{draft.pk}/autosave/", {"step": f"section-{section.pk}", "summary": "가" * 1001})
    assert response.status_code == 200
    body = response.json()
    assert "summary" in body["errors"] and "1001" in body["errors"]["summary"]
    draft.refresh_from_db()
    assert len(draft.answers["summary"]) == 1001


def test_autosave_after_the_session_ends_answers_401_not_a_login_page(client, draft):
    response = client.post(f"/applications/{draft.pk}/autosave/", {"step": "overview", "project_title": "x"})
    assert response.status_code == 401
    assert "error" in response.json()


def test_work_survives_signing_out_and_back_in(client, alice, draft):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    client.post(f"/applications/{draft.pk}/edit/overview/", {"project_title": "스마트 품질관리 고도화", "go": "stay"})
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get(f"/applications/{draft.pk}/edit/overview/").content.decode()
    assert "스마트 품질관리 고도화" in html


def test_budget_page_computes_totals_and_names_the_limit_hit(as_alice, draft, call):
    level = call.levels.get(code="basic")
    as_alice.post(f"/applications/{draft.pk}/edit/overview/", {"project_title": "x", "support_level": level.pk, "go": "stay"})
    data = {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-category": "equipment", "lines-0-description": "센서", "lines-0-amount": "100,000,000",
        "lines-1-category": "", "lines-1-description": "", "lines-1-amount": "",
        "grant_requested": "60,000,000", "go": "next",
    }
    response = as_alice.post(f"/applications/{draft.pk}/edit/budget/", data)
    html = response.content.decode()
    assert "100,000,000원" in html
    assert "50,000,000원" in html and "10,000,000원" in html  # basic level cap, over by 10,000,000
    draft.refresh_from_db()
    assert draft.grant_requested == 60_000_000 and draft.budget_lines.count() == 1


def test_a_three_party_call_asks_for_the_partner_share_and_checks_it(as_alice, draft, call):
    """자상한 기업 / 상생형: government at most 30%, the partner at least 30% of the total cost."""
    Call.objects.filter(pk=call.pk).update(max_grant_share_bp=3000, min_partner_share_bp=3000, min_cash_share_bp=0)
    level = call.levels.get(code="advanced1")
    as_alice.post(f"/applications/{draft.pk}/edit/overview/", {"project_title": "x", "support_level": level.pk, "go": "stay"})
    page = as_alice.get(f"/applications/{draft.pk}/edit/budget/").content.decode()
    assert "협력 기업 부담금(원)" in page
    data = {
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-category": "equipment", "lines-0-description": "설비", "lines-0-amount": "100,000,000",
        "grant_requested": "30,000,000", "partner_amount": "25,000,000", "go": "stay",
    }
    html = as_alice.post(f"/applications/{draft.pk}/edit/budget/", data).content.decode()
    assert "협력 기업 부담금 25,000,000원은 총사업비의 30%(30,000,000원) 이상이어야 합니다. 5,000,000원 부족합니다." in html
    draft.refresh_from_db()
    assert draft.partner_amount == 25_000_000  # a draft keeps what was typed
    html = as_alice.post(f"/applications/{draft.pk}/edit/budget/", data | {"partner_amount": "30,000,000"}).content.decode()
    assert "부족합니다" not in html
    from applications.services.submission import budget_of

    draft.refresh_from_db()
    budget = budget_of(draft)
    assert (budget.grant, budget.partner, budget.company_share, budget.errors) == (30_000_000, 30_000_000, 40_000_000, [])


def test_control_characters_are_dropped_not_a_server_error(as_alice, draft):
    """PostgreSQL text cannot hold NUL: a pasted title or answer with one is kept without it."""
    response = as_alice.post(f"/applications/{draft.pk}/edit/overview/", {"project_title": "MES\x00 도입\x07", "go": "stay"})
    assert response.status_code in (200, 302)
    draft.refresh_from_db()
    assert draft.project_title == "MES 도입"
    response = as_alice.post(f"/applications/{draft.pk}/autosave/", {"step": "section-0", "summary": "요약\x00입니다"})
    assert response.status_code < 500


def test_a_call_without_a_partner_share_has_no_partner_field(as_alice, draft):
    assert "협력 기업 부담금" not in as_alice.get(f"/applications/{draft.pk}/edit/budget/").content.decode()


def test_a_half_filled_budget_line_is_refused_and_nothing_changes(as_alice, complete_draft):
    data = {
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-category": "equipment", "lines-0-description": "", "lines-0-amount": "5,000", "grant_requested": "0",
    }
    response = as_alice.post(f"/applications/{complete_draft.pk}/edit/budget/", data)
    assert response.status_code == 400
    assert complete_draft.budget_lines.count() == 3


def test_documents_are_checked_by_content_and_stored_under_server_names(as_alice, draft, call):
    requirement = call.required_documents.get(kind="business_plan")
    url = f"/applications/{draft.pk}/edit/documents/"
    as_alice.post(url, {"requirement": requirement.pk, "file": files.exe_named_pdf("../../x.pdf")})
    assert not draft.documents.exists()
    as_alice.post(url, {"requirement": requirement.pk, "file": files.pdf("../../x.pdf")})
    document = draft.documents.get()
    assert document.original_name == "x.pdf"
    assert ".." not in document.file.name and document.file.name.startswith(f"applications/{draft.pk}/")
    response = as_alice.get(f"/applications/{draft.pk}/documents/{document.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == files.PDF


@pytest.mark.parametrize(("make", "kind", "message"), [
    (files.exe_named_pdf, "business_plan", "실행 파일이나 스크립트는 올릴 수 없습니다."),
    (files.polyglot_pdf, "business_plan", "파일 내용이 허용 형식"),
    (files.html_named_png, "sme_certificate", "파일 내용이 허용 형식"),
    (files.png_with_script, "sme_certificate", "파일 내용이 허용 형식"),
])
def test_disguised_uploads_are_refused_on_the_page_and_nothing_is_stored(as_alice, draft, call, settings, make, kind, message):
    """Through the real upload form: a Korean message, no document row, no file on disk."""
    from pathlib import Path

    requirement = call.required_documents.get(kind=kind)
    response = as_alice.post(f"/applications/{draft.pk}/edit/documents/", {"requirement": requirement.pk, "file": make()}, follow=True)
    assert response.status_code in (200, 400) and message in response.content.decode()
    assert not draft.documents.exists()
    folder = Path(settings.MEDIA_ROOT) / "applications" / str(draft.pk)
    assert not folder.exists() or not any(folder.rglob("*"))


def test_the_application_size_limit_is_enforced(as_alice, draft, call):
    Call.objects.filter(pk=call.pk).update(max_total_mb=1)
    plan = call.required_documents.get(kind="business_plan")
    cert = call.required_documents.get(kind="sme_certificate")
    url = f"/applications/{draft.pk}/edit/documents/"
    as_alice.post(url, {"requirement": plan.pk, "file": files.pdf(size=700 * 1024)})
    response = as_alice.post(url, {"requirement": cert.pk, "file": files.pdf(size=700 * 1024)}, follow=True)
    assert draft.documents.count() == 1
    assert "1.0 MB" in response.content.decode()


def test_submission_issues_a_receipt_stores_eligibility_and_sends_mail(as_alice, complete_draft, call):
    response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/applications/{complete_draft.pk}/receipt/"
    application = Application.objects.get(pk=complete_draft.pk)
    assert application.state == State.SUBMITTED
    assert application.receipt_number == f"{call.code}-00001"
    # Every rule of the call, and the participation-ban register every call consults.
    assert {r["kind"] for r in application.eligibility_snapshot} == set(call.rules.values_list("kind", flat=True)) | {"ban_register"}
    assert all(r["outcome"] == "pass" for r in application.eligibility_snapshot)
    assert application.eligibility_snapshot[0]["inputs"]
    assert ApplicationEvent.objects.filter(application=application, action="submitted").count() == 1
    assert verify_chain(application) == []
    mail = OutboundEmail.objects.filter(subject__contains=application.receipt_number).get()
    assert set(mail.to) == {"alice@example.com", "carol@example.com"}
    receipt = as_alice.get(response["Location"]).content.decode()
    assert application.receipt_number in receipt


def test_a_double_click_gives_one_submission_and_one_receipt(as_alice, complete_draft, call):
    as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.receipt_seq == 1
    assert ApplicationEvent.objects.filter(action="submitted").count() == 1


def _closing_in_two_minutes(call: Call) -> Call:
    # Close the call soon, so that the frozen clock stays inside the session's lifetime.
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() + timedelta(minutes=2))
    call.refresh_from_db()
    return call


def test_submission_after_the_deadline_is_refused_on_the_server_clock(as_alice, complete_draft, call):
    call = _closing_in_two_minutes(call)
    with freeze_time(call.closes_at + timedelta(seconds=1)):
        response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    closes = deadline(call.closes_at)
    assert f"공고가 {closes}(KST)에 마감되었습니다. 신청서를 더 이상 수정하거나 제출할 수 없습니다." in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.state == State.DRAFT and complete_draft.receipt_number is None


def test_submission_one_second_before_the_deadline_is_accepted(as_alice, complete_draft, call):
    call = _closing_in_two_minutes(call)
    with freeze_time(call.closes_at - timedelta(seconds=1)):
        response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 302
    assert Application.objects.get(pk=complete_draft.pk).state == State.SUBMITTED


def test_the_deadline_is_judged_by_when_the_request_reached_the_load_balancer(as_alice, complete_draft, call, settings):
    """Queued five seconds behind the proxy on deadline day: the request that reached it one
    second before the close is accepted, and its receipt shows that second."""
    settings.BEHIND_PROXY = True
    call = _closing_in_two_minutes(call)
    reached = call.closes_at.replace(microsecond=0) - timedelta(seconds=1)
    with freeze_time(call.closes_at + timedelta(seconds=4)):
        response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"},
                                 HTTP_X_REQUEST_START=f"t={reached.timestamp():.3f}")
    assert response.status_code == 302
    application = Application.objects.get(pk=complete_draft.pk)
    assert application.state == State.SUBMITTED and application.submitted_at == reached
    receipt = as_alice.get(response["Location"]).content.decode()
    assert f"{moment(reached, seconds=True)} (KST)" in receipt


def test_without_the_proxy_setting_a_client_cannot_claim_an_earlier_arrival(as_alice, complete_draft, call, settings):
    settings.BEHIND_PROXY = False
    call = _closing_in_two_minutes(call)
    with freeze_time(call.closes_at + timedelta(seconds=4)):
        response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"},
                                 HTTP_X_REQUEST_START=f"t={(call.closes_at - timedelta(seconds=60)).timestamp():.3f}")
    assert response.status_code == 400
    assert Application.objects.get(pk=complete_draft.pk).state == State.DRAFT


@pytest.mark.parametrize(("header", "expected"), [
    ("t=1764484800.123", 1764484800.123), ("t=1764484800123", 1764484800.123), ("1764484800123456", 1764484800.123456),
    ("t=abc", None), ("", None), ("t=nan", None), ("t=-5", None),
])
def test_request_start_formats_of_common_proxies(header, expected):
    from portal.middleware import parse_request_start

    parsed = parse_request_start(header)
    assert (parsed is None and expected is None) or abs(parsed - expected) < 1e-6


def test_incomplete_application_lists_everything_missing_and_stays_a_draft(as_alice, draft):
    response = as_alice.post(f"/applications/{draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    problems = response.context["problems"]
    assert len(problems) >= 5
    assert any(p.startswith("제출 서류: ") and "사업계획서" in p and p.endswith(" 파일을 올리세요.") for p in problems)


def test_over_cap_budget_blocks_submission(as_alice, complete_draft):
    Application.objects.filter(pk=complete_draft.pk).update(grant_requested=250_000_000)
    response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    assert any("250,000,000" in p for p in response.context["problems"])


def test_a_failing_hard_rule_blocks_submission(as_alice, complete_draft, acme):
    acme.ksic_code = "G47110"
    acme.save()
    response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    assert any("G47110" in p for p in response.context["problems"])


def test_submitted_application_cannot_be_edited(as_alice, complete_draft):
    as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    response = as_alice.post(f"/applications/{complete_draft.pk}/edit/overview/", {"project_title": "바꿈"})
    assert response.status_code == 302
    assert Application.objects.get(pk=complete_draft.pk).project_title == "MES 도입을 통한 품질 고도화"
    assert as_alice.post(f"/applications/{complete_draft.pk}/autosave/", {"step": "overview", "project_title": "x"}).status_code == 403


def test_withdrawal_needs_a_reason_and_is_recorded(as_alice, complete_draft):
    as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    as_alice.post(f"/applications/{complete_draft.pk}/withdraw/", {"reason": "", "confirm": "yes"})
    assert Application.objects.get(pk=complete_draft.pk).state == State.SUBMITTED
    as_alice.post(f"/applications/{complete_draft.pk}/withdraw/", {"reason": "자체 예산으로 추진하기로 했습니다.", "confirm": "yes",
                                                                  "step": "confirm", "expected_state": "submitted"})
    application = Application.objects.get(pk=complete_draft.pk)
    assert application.state == State.WITHDRAWN
    event = application.events.get(action="withdrawn")
    assert event.message == "자체 예산으로 추진하기로 했습니다." and event.from_state == State.SUBMITTED
    page = as_alice.get(f"/applications/{complete_draft.pk}/").content.decode()
    assert "자체 예산으로 추진하기로 했습니다." in page
    # Nothing more can happen to a withdrawn application.
    as_alice.post(f"/applications/{complete_draft.pk}/withdraw/", {"reason": "again", "confirm": "yes", "step": "confirm",
                                                                  "expected_state": "withdrawn"})
    assert application.events.filter(action="withdrawn").count() == 1


def test_dashboard_shows_status_and_next_step(as_alice, complete_draft, call):
    html = as_alice.get("/applications/").content.decode()
    assert call.title in html
    assert deadline(call.closes_at) in html


def test_answers_keep_their_form_version_when_the_form_changes(alice, complete_draft, call, olivia):
    from applications.services.calls import form_field_add

    Call.objects.filter(pk=call.pk).update(opens_at=timezone.now() + timedelta(days=1))
    call.refresh_from_db()
    section = complete_draft.form_version.sections.first()
    form_field_add(user=olivia, call=call, section_id=section.pk, data={
        "key": "export_plan", "type": "long_text", "label_ko": "수출 계획", "label_en": "Export plan", "required": True, "choices": []})
    assert call.form_versions.count() == 2
    complete_draft.refresh_from_db()
    assert complete_draft.form_version.number == 1
    keys = set(complete_draft.form_version.sections.values_list("fields__key", flat=True))
    assert "export_plan" not in keys and set(VALID_ANSWERS) <= keys
    newest = call.form_versions.get(number=2)
    assert "export_plan" in set(newest.sections.values_list("fields__key", flat=True))


def test_too_many_files_are_refused_with_the_limit(as_alice, draft, call):
    Call.objects.filter(pk=call.pk).update(max_files=2)
    bonus = call.required_documents.get(kind="bonus_evidence")  # accepts several files
    url = f"/applications/{draft.pk}/edit/documents/"
    for n in range(3):
        response = as_alice.post(url, {"requirement": bonus.pk, "file": files.pdf(f"증빙{n}.pdf")}, follow=True)
    assert draft.documents.count() == 2
    assert "신청서에는 파일을 최대 2개까지 올릴 수 있습니다. 먼저 파일을 삭제하세요." in response.content.decode()


def test_a_company_in_the_ban_register_cannot_submit_to_any_call(as_alice, complete_draft, acme, olivia):
    from applications.models import ParticipationBan

    today = timezone.localdate()
    ParticipationBan.objects.create(business_number=acme.business_number_display, company_name=acme.name, reason="보조금 목적 외 사용",
                                    starts_on=today, ends_on=today + timedelta(days=365), recorded_by=olivia)
    response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    start, end = (f"{d.year}년 {d.month}월 {d.day}일" for d in (today, today + timedelta(days=365)))
    assert f"신청 요건: 이 기업은 {start}부터 {end}까지 참여가 제한되어 있습니다: 보조금 목적 외 사용" in response.context["problems"]
    assert Application.objects.get(pk=complete_draft.pk).state == State.DRAFT
    page = as_alice.get(f"/calls/{complete_draft.call.code}/").content.decode()
    assert f"이 기업은 {start}부터 {end}까지 참여가 제한되어 있습니다: 보조금 목적 외 사용" in page


def test_the_call_basis_date_decides_company_age(as_alice, complete_draft, call, olivia):
    """A call judged on its notice date: a company whose seven years pass between the notice
    and the application is still a startup for this call."""
    from applications.models import EligibilityRule

    notice_day = timezone.localdate(call.opens_at)
    founded = notice_day.replace(year=notice_day.year - 7) + timedelta(days=1)  # the anniversary is the day after the notice
    complete_draft.company.founded_on = founded
    complete_draft.company.save()
    EligibilityRule.objects.create(call=call, kind="max_age", params={"years": 7}, is_hard=True)
    Call.objects.filter(pk=call.pk).update(eligibility_basis="application")
    refused = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert refused.status_code == 400
    assert any("7년이 지났습니다" in p for p in refused.context["problems"])
    Call.objects.filter(pk=call.pk).update(eligibility_basis="notice")
    accepted = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert accepted.status_code == 302
    snapshot = Application.objects.get(pk=complete_draft.pk).eligibility_snapshot
    age = next(r for r in snapshot if r["kind"] == "max_age")
    assert age["outcome"] == "pass" and age["inputs"]["basis_date"] == notice_day.isoformat()


def test_the_submission_reads_each_table_once_and_holds_the_call_only_for_its_writes(as_alice, complete_draft, call):
    """One locked read of the application (also the access check), each table the
    checks need read once, and the call's receipt counter taken last — after it, only the
    receipt number's UPDATE (with the event head), the event's INSERT and the two notices."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/applications/{complete_draft.pk}/receipt/"
    everything = [q["sql"] for q in captured.captured_queries]
    statements = [s for s in everything if not re.match(r"(RELEASE )?SAVEPOINT|ROLLBACK TO", s)]
    application_table = Application._meta.db_table
    this_one = re.compile(rf'WHERE "{application_table}"\."id" = {complete_draft.pk}\b')  # not the other-applications checks
    reads_of_application = [s for s in statements if s.startswith("SELECT") and this_one.search(s)]
    assert len(reads_of_application) == 1, reads_of_application
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in reads_of_application[0]
    documents = ApplicationDocument._meta.db_table
    assert sum(f'FROM "{documents}"' in s for s in statements) == 1, statements
    counter = next(i for i, s in enumerate(everything) if "RETURNING receipt_seq" in s)
    commit = next(i for i, s in enumerate(everything) if i > counter and s.startswith("RELEASE SAVEPOINT"))  # the test's transaction
    under_lock = everything[counter + 1:commit]
    assert re.match(rf'UPDATE "{application_table}" SET "receipt_number" = \S+, "event_head" = \S+ WHERE', under_lock[0]), under_lock[0]
    assert [s.split()[0] + " " + s.split()[2 if s.startswith("INSERT") else 1].strip('"') for s in under_lock] == [
        f"UPDATE {application_table}", "INSERT applications_applicationevent", "INSERT applications_notification",
        "INSERT portal_outboundemail",
    ], under_lock
    application = Application.objects.get(pk=complete_draft.pk)
    assert application.receipt_number == f"{call.code}-00001" and application.event_head
    assert verify_chain(application) == []
    event = ApplicationEvent.objects.get(application=application, action="submitted")
    # The event also keeps the declarations as they were sent (read by the checks, before the counter).
    assert event.hash == application.event_head and event.data == {"receipt_number": f"{call.code}-00001",
                                                                   "declarations": VALID_DECLARATIONS, "other_agency_support": []}
    # The notices were rendered before the counter, with the real number put in after it.
    email = OutboundEmail.objects.get()
    assert email.subject == f"[지원사업 신청 포털] 신청서 접수 완료: {call.code}-00001"
    assert f"접수번호: {call.code}-00001" in email.body and "RECEIPT-" not in email.body
    assert Notification.objects.get(application=application, user__email="alice@example.com").message_ko == f"신청서 접수 완료: {call.code}-00001"


def test_the_declared_support_is_read_once_and_recorded_without_a_read_under_the_call(as_alice, complete_draft, alice):
    """The rows of support from other agencies are checked and recorded in the submission's
    event from one read, before the receipt counter: under the call's lock the same writes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from applications.models import OtherAgencySupport
    from applications.services.submission import application_save_draft

    row = {"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": 120_000_000}
    application_save_draft(user=alice, application_id=complete_draft.pk, declarations={"other_support": True}, other_support=[row])
    with CaptureQueriesContext(connection) as captured:
        assert as_alice.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"}).status_code == 302
    everything = [q["sql"] for q in captured.captured_queries]
    table = OtherAgencySupport._meta.db_table
    assert sum(f'FROM "{table}"' in s for s in everything) == 1, everything
    counter = next(i for i, s in enumerate(everything) if "RETURNING receipt_seq" in s)
    commit = next(i for i, s in enumerate(everything) if i > counter and s.startswith("RELEASE SAVEPOINT"))
    under_lock = everything[counter + 1:commit]
    assert [s.split()[0] for s in under_lock] == ["UPDATE", "INSERT", "INSERT", "INSERT"], under_lock
    event = ApplicationEvent.objects.get(application=complete_draft, action="submitted")
    assert event.data["declarations"] == VALID_DECLARATIONS | {"other_support": True} and event.data["other_agency_support"] == [row]
