"""A person's own copy of the data held about them (개인정보 보호법 §35, 열람): a page from
"내 정보" and a JSON download of all of it — the account, consents, memberships, what the
apps hold, and the records of staff reading records about them."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from portal.models import AuditEvent
from portal.privacy import VERSION, consent_record
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client


@pytest.fixture
def read_by_the_officer(alice, olivia, complete_draft):
    """Alice's application, submitted, and read by the officer."""
    consent_record(user=alice, answers={"personal_information": True, "program_news": False}, ip="10.0.0.5")
    application = lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    officer = Client(REMOTE_ADDR="10.9.9.9")
    login_with_mfa(officer, olivia)
    assert officer.get(f"/officer/applications/{application.pk}/").status_code == 200
    application.officer = officer  # signed in already: a TOTP code is good once
    return application


def test_the_page_shows_the_account_consents_companies_applications_and_the_staffs_reads(alice, acme, read_by_the_officer):
    client = signed_in(alice)
    assert 'href="/me/data/"' in client.get("/me/").content.decode()
    html = client.get("/me/data/").content.decode()
    for words in ("<h1>내 정보 열람</h1>", "alice@example.com", "앨리스",
                  "개인정보 수집·이용 동의(필수)", "10.0.0.5",
                  "구성원으로 있는 기업", "에이크미 정밀", acme.business_number_display, "대표 관리자",
                  "직접 작성을 시작한 신청서", read_by_the_officer.receipt_number,
                  "기관 직원이 회원님 관련 기록을 열람한 기록", "조회", "신청서",
                  "전체 내려받기(JSON)"):
        assert words in html, words
    # Who at the agency read it is that person's own information: not shown.
    assert "olivia@example.com" not in html and "10.9.9.9" not in html
    assert not AuditEvent.objects.filter(action="personal_data.copied").exists()  # reading the page writes nothing


def test_the_download_is_all_of_it_as_json_and_is_recorded(alice, acme, read_by_the_officer):
    client = signed_in(alice)
    response = client.post("/me/data/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    copy = json.loads(b"".join(response.streaming_content))
    sections = copy["sections"]
    assert dict(sections["account"]["rows"])["이메일 주소"] == "alice@example.com"
    assert [row[:3] + row[4:] for row in sections["consents"]["rows"]] == [  # newest first
        ["새 공고·설명회 안내 메일 수신 동의(선택)", False, VERSION, "10.0.0.5"], ["개인정보 수집·이용 동의(필수)", True, VERSION, "10.0.0.5"]]
    assert sections["memberships"]["rows"][0][:3] == ["에이크미 정밀", acme.business_number_display, "대표 관리자"]
    assert sections["applications_started"]["rows"][0][0] == read_by_the_officer.receipt_number
    [read] = sections["reads_about_you"]["rows"]
    assert read[1:] == ["조회", "신청서", str(read_by_the_officer.pk)] and read[0].endswith("+09:00")
    assert sections["reads_about_you"]["columns"] == ["시각", "수행업무", "정보 종류", "정보 번호"]
    assert "olivia@example.com" not in json.dumps(copy, ensure_ascii=False)
    event = AuditEvent.objects.get(action="personal_data.copied")
    assert (event.actor, event.target_id) == (alice, str(alice.pk))


def test_an_officers_copy_holds_their_own_access_records(olivia, read_by_the_officer):
    officer = read_by_the_officer.officer
    html = officer.get("/me/data/").content.decode()
    assert "회원님의 접속기록" in html and "10.9.9.9" in html and "담당자 화면의 신청서" in html and "officer_application" not in html
    copy = json.loads(b"".join(officer.post("/me/data/").streaming_content))
    [record] = copy["sections"]["your_access_records"]["rows"]
    assert record[1:5] == ["10.9.9.9", "조회", "담당자 화면의 신청서", "신청서"]


def test_a_reviewers_copy_holds_the_profile_and_panels(rachel, panel):
    from reviews.models import ReviewerProfile

    ReviewerProfile.objects.filter(user=rachel).update(affiliation="한국대학교", expertise="스마트공장")
    reviewer = Client()
    login_with_mfa(reviewer, rachel)
    html = reviewer.get("/me/data/").content.decode()
    assert "평가위원 정보" in html and "한국대학교" in html and "스마트공장" in html


def test_the_page_shows_the_newest_rows_and_says_the_download_has_the_rest(alice, olivia, read_by_the_officer):
    from portal.models import AccessRecord

    record = AccessRecord.objects.get()
    AccessRecord.objects.bulk_create([AccessRecord(created_at=record.created_at, actor=olivia, actor_email="x", action="view",
                                                   page=record.page, target_type=record.target_type, target_id=record.target_id,
                                                   path=record.path) for _ in range(60)])
    html = signed_in(alice).get("/me/data/").content.decode()
    assert "전체 61건 가운데 최근 50건입니다. 내려받은 파일에는 모두 들어 있습니다." in html
    copy = json.loads(b"".join(signed_in(alice).post("/me/data/").streaming_content))
    assert len(copy["sections"]["reads_about_you"]["rows"]) == 61 and copy["sections"]["reads_about_you"]["count"] == 61


def test_every_recorded_page_has_its_words():
    from portal.access import PAGE_LABELS, RECORDED_PAGES, page_label

    assert set(PAGE_LABELS) == set(RECORDED_PAGES)
    assert page_label("admin:portal_user_change") == "관리 화면: 사용자"
