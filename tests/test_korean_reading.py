"""Dates, deadlines, numbers and e-mails as a Korean reads them: one deadline written one way
(24:00 of the last day, D-Day on that day), dates with the weekday, scores without padding,
counts with their unit, file sizes in KB or MB, and e-mails that link where they speak of,
name people by name, answer to the program's contact and carry no English half."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation
from freezegun import freeze_time

from applications import lifecycle
from applications.models import Call, RevisionRequest
from portal import formatting
from portal.models import OutboundEmail
from portal.services import outbox
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")


def test_dates_and_deadlines_are_written_with_the_weekday_and_24_00():
    with translation.override("ko"):
        assert formatting.day(datetime.date(2026, 12, 7)) == "2026년 12월 7일(월)"
        assert formatting.day("2027-02-01") == "2027년 2월 1일(월)"
        assert formatting.moment(datetime.datetime(2026, 12, 7, 2, 33, 47, tzinfo=datetime.UTC)) == "2026년 12월 7일(월) 11:33"
        assert formatting.moment(datetime.datetime(2026, 12, 7, 2, 33, 47, tzinfo=datetime.UTC), seconds=True) == "2026년 12월 7일(월) 11:33:47"
        assert formatting.deadline(datetime.datetime(2026, 12, 15, 0, 0, tzinfo=KST)) == "2026년 12월 14일(월) 24:00"
        assert formatting.deadline(datetime.datetime(2026, 12, 11, 18, 0, tzinfo=KST)) == "2026년 12월 11일(금) 18:00"
    with translation.override("en"):
        assert formatting.deadline(datetime.datetime(2026, 12, 15, 0, 0, tzinfo=KST)) == "Mon 14 Dec 2026 24:00"


def test_numbers_read_without_padding_and_with_their_units():
    with translation.override("ko"):
        assert [formatting.score(v) for v in (Decimal("81.400"), Decimal("2.00"), Decimal("100.00"), Decimal("84.667"), Decimal("88.1254"))] == [
            "81.4", "2", "100", "84.667", "88.125"]
        assert formatting.count(2) == "2건" and formatting.count(1204) == "1,204건"
        assert formatting.won(0) == "0원"
        assert [formatting.file_size(n) for n in (77, 12_595, 1024 * 1024, 1_572_864)] == ["77B", "12.3KB", "1MB", "1.5MB"]
        assert formatting.choice_label("---------") == "선택하세요" and formatting.choice_label("서울특별시") == "서울특별시"


def test_a_call_closing_at_midnight_reads_24_00_and_d_day_on_its_last_day(call):
    Call.objects.filter(pk=call.pk).update(opens_at=datetime.datetime(2030, 12, 1, 9, 0, tzinfo=KST),
                                           closes_at=datetime.datetime(2030, 12, 17, 0, 0, tzinfo=KST))
    with freeze_time(datetime.datetime(2030, 12, 16, 10, 0, tzinfo=KST)):
        page = Client().get(f"/calls/{call.code}/").content.decode()
        catalogue = Client().get("/calls/").content.decode()
    assert "D-Day: 오늘 마감" in page and "D-1" not in page
    assert "접수 마감 <time datetime=\"2030-12-17T00:00:00+09:00\">2030년 12월 16일(월) 24:00</time> (KST)" in page
    assert '<dt>마감</dt><dd><time datetime="2030-12-17T00:00:00+09:00">2030년 12월 16일(월) 24:00</time></dd>' in catalogue


def test_a_revision_deadline_reads_the_same_on_the_dashboard_the_application_and_the_e_mail(complete_draft, alice, olivia):
    lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=datetime.datetime.now(datetime.UTC))
    lifecycle.revision_request(user=olivia, application_id=complete_draft.pk, message="장비 비목을 견적서와 맞추세요.", days=3,
                               steps=["budget"], now=datetime.datetime(2030, 12, 9, 10, 0, tzinfo=KST))  # a Monday
    assert RevisionRequest.objects.get(application=complete_draft).due_at == datetime.datetime(2030, 12, 13, 0, 0, tzinfo=KST)
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    dashboard = client.get("/applications/").content.decode()
    detail = client.get(f"/applications/{complete_draft.pk}/").content.decode()
    assert "2030년 12월 12일(목) 24:00(KST)까지" in dashboard and "12-13 00:00" not in dashboard
    assert "2030년 12월 12일(목) 24:00(KST)까지 보완해 제출하세요." in detail
    email = OutboundEmail.objects.filter(subject__contains="보완").latest("pk")
    assert "2030년 12월 12일(목) 24:00(KST)까지" in email.body
    assert f"여기에서 보완하세요: {settings.SITE_URL}/applications/{complete_draft.pk}/edit/budget/" in email.body


def test_the_documents_step_says_how_much_was_used_in_kb(draft, alice):
    from applications.services import submission
    from tests import files

    requirement = draft.call.required_documents.filter(is_required=True).first()
    submission.document_upload(user=alice, application_id=draft.pk, upload=files.pdf("plan.pdf"), requirement_id=requirement.pk)
    size = draft.documents.get().size
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    page = client.get(f"/applications/{draft.pk}/edit/documents/").content.decode()
    assert f"지금까지 {formatting.file_size(size)}를 사용했습니다." in page and "0.0MB" not in page
    assert f"({formatting.file_size(size)}, " in page and "바이트" not in page


def test_an_empty_choice_says_choose_one_instead_of_dashes(alice):
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    page = client.get("/companies/new/").content.decode()
    assert '<option value="" selected>선택하세요</option>' in page and "---------" not in page


def test_the_result_mail_reads_as_korean_links_to_the_breakdown_and_the_appeal_and_answers_to_the_program(call, olivia, alice, acme, panel):
    from applications.models import SelectionItem
    from reviews.models import Assignment
    from reviews.services import evaluation, selection
    from tests.conftest import close_call, score_all, under_review

    Call.objects.filter(pk=call.pk).update(contact_email="smart-factory@example.kr")
    call.refresh_from_db()
    selected = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=selected):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    round_ = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=round_.pk)
    selection.selection_apply(round_id=round_.pk)
    selected.refresh_from_db()
    item = SelectionItem.objects.get(application=selected, applied_at__isnull=False)
    email = OutboundEmail.objects.filter(subject__contains="평가 결과").latest("pk")
    assert email.subject == f"[지원사업 신청 포털] 평가 결과: 선정 — {selected.receipt_number}"
    appeal_until = formatting.deadline(item.appeal_closes_at)
    assert appeal_until.endswith(" 24:00") and re.fullmatch(r"\d{4}년 \d{1,2}월 \d{1,2}일\([월화수목금토일]\) 24:00", appeal_until)
    for line in ("결과: 선정", "평균 점수: 88", "가점: 3", "최종 점수: 91", "순위: 1", "정부지원금: 150,000,000원",
                 f"항목별 점수는 포털에서 확인할 수 있습니다. {appeal_until}(KST)까지 이의신청할 수 있습니다.",
                 f"항목별 점수: {settings.SITE_URL}/applications/{selected.pk}/#result-heading",
                 f"이의신청: {settings.SITE_URL}/applications/{selected.pk}/#appeal-reason"):
        assert line in email.body.splitlines(), line
    assert "English" not in email.body and "Final score" not in email.body
    assert email.reply_to == ["smart-factory@example.kr"]
    # The officer's selection counts with a unit and writes the final score unpadded.
    officer = Client()
    login_with_mfa(officer, olivia)
    page = officer.get(f"/officer/selections/{round_.pk}/").content.decode()
    assert "<dt>선정</dt><dd>1건 · 150,000,000원</dd>" in page and "<dt>예비 선정</dt><dd>0건</dd>" in page
    assert "<td>91</td><td>150,000,000원</td>" in page and "91.000" not in page


def test_the_receipt_mail_links_to_the_copy_is_dated_in_kst_and_answers_to_the_program(call, complete_draft, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Call.objects.filter(pk=call.pk).update(contact_email="smart-factory@example.kr")
    lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=datetime.datetime.now(datetime.UTC))
    email = OutboundEmail.objects.filter(subject__contains="접수").latest("pk")
    number = complete_draft.__class__.objects.get(pk=complete_draft.pk).receipt_number
    assert f"신청서 사본: {settings.SITE_URL}/applications/{complete_draft.pk}/copy/" in email.body
    assert f"신청서 사본(PDF): {settings.SITE_URL}/applications/{complete_draft.pk}/copy/pdf/" in email.body
    assert number in email.subject and "English" not in email.body
    mail.outbox.clear()
    assert outbox.email_deliver(email_id=email.pk)
    sent = message_from_bytes(mail.outbox[0].message().as_bytes())
    assert sent["Date"].endswith("+0900") and sent["Reply-To"] == "smart-factory@example.kr"


def test_an_invitation_names_the_inviter_by_name(acme, alice):
    from portal.services.companies import invitation_create

    invitation_create(user=alice, company=acme, email="new@example.com")
    email = OutboundEmail.objects.filter(to=["new@example.com"]).latest("pk")
    assert email.body.startswith(f"앨리스 님이 지원사업 신청 포털에서 {acme.name} 기업의 구성원으로 귀하를 초대했습니다.")
    assert alice.email not in email.body and "English" not in email.body


def test_the_sign_up_mail_is_the_portals_own_korean_text(db):
    response = Client().post("/accounts/signup/", {"email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD,
                                                   "name": "김새내", "position": "과장", "consent_personal_information": "on"})
    assert response.status_code == 302
    email = OutboundEmail.objects.filter(to=["newcomer@example.com"]).latest("pk")
    body = email.body
    assert email.subject == "[지원사업 신청 포털] 가입을 마치려면 이메일 주소를 확인하세요"
    assert body.startswith("지원사업 신청 포털에서 이 이메일 주소(newcomer@example.com)를 계정에 쓰겠다는 요청이 있었습니다.")
    assert "주소를 확인하려면 가입한 화면에 아래 코드를 입력하세요." in body and "코드는 15분 동안 유효합니다." in body
    assert "Hello from" not in body and "Thank you for using" not in body and "You're receiving" not in body
