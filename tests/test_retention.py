"""Personal information destroyed when its retention period ends (개인정보 보호법 §21), by the
nightly beat job run through its Celery task: the clock is moved (time-machine) to just
before and just after each period, and each test shows what is gone and what is kept, and
the record each destruction leaves (파기 기록)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import Application, ApplicationDocument, ApplicationEvent, EventType, State
from applications.services.events import verify_chain
from portal.celery import app
from portal.models import AccessRecord, CompanyClaim, CompanyMembership, Consent, DestructionRecord, User
from portal.privacy import consent_record
from portal.retention import months_before, years_before
from portal.services.leaving import account_leave
from portal.tasks import destroy_expired_personal_data
from tests.conftest import PASSWORD, login_with_mfa, make_call, make_complete_draft, make_person

pytestmark = pytest.mark.django_db

JOB = "portal.tasks.destroy_expired_personal_data"
DAY = datetime.timedelta(days=1)


def run_the_job_at(moment: datetime.datetime) -> list[DestructionRecord]:
    """Beat's nightly job, through its Celery task, with the clock at `moment`; the records
    it wrote."""
    before = set(DestructionRecord.objects.values_list("pk", flat=True))
    with time_machine.travel(moment, tick=False):
        result = destroy_expired_personal_data.apply()
    assert result.successful(), result.traceback
    return list(DestructionRecord.objects.exclude(pk__in=before).order_by("pk"))


def years_after(moment: datetime.datetime, years: int) -> datetime.datetime:
    return years_before(moment, -years)


def months_after(moment: datetime.datetime, months: int) -> datetime.datetime:
    return months_before(moment, -months)


def categories(records: list[DestructionRecord]) -> dict[str, int]:
    return {record.category: record.count for record in records}


def test_the_job_runs_every_night_as_a_registered_task():
    entry = settings.CELERY_BEAT_SCHEDULE["destroy-expired-personal-data"]
    assert entry["task"] == JOB and entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


def test_a_sign_up_never_confirmed_goes_after_thirty_days_and_members_stay(client, alice):
    signed_up = timezone.now()
    response = client.post("/accounts/signup/", {"email": "late@example.com", "password1": PASSWORD, "password2": PASSWORD,
                                                 "name": "늦은 사람", "consent_personal_information": "on"})
    assert response.status_code == 302
    late = User.objects.get(email="late@example.com")
    assert not EmailAddress.objects.get(user=late).verified and Consent.objects.filter(user=late).exists()
    admin_from_the_command_line = User.objects.create_superuser("root@example.com", PASSWORD)  # no e-mail row at all

    assert run_the_job_at(signed_up + datetime.timedelta(days=29)) == []
    assert User.objects.filter(pk=late.pk).exists()

    records = run_the_job_at(signed_up + datetime.timedelta(days=30, minutes=1))
    assert not User.objects.filter(pk=late.pk).exists() and not Consent.objects.filter(user_id=late.pk).exists()
    assert set(User.objects.values_list("pk", flat=True)) == {alice.pk, admin_from_the_command_line.pk}
    [record] = records
    assert (record.category, record.method, record.count, record.job, record.period) == (
        "unverified_signups", "deleted", 1, JOB, "30일")
    assert record.run and record.destroyed_at == signed_up + datetime.timedelta(days=30, minutes=1)
    assert record.cutoff == signed_up + datetime.timedelta(minutes=1)


def test_consents_of_a_person_who_left_go_after_three_years_and_then_the_account_unless_a_kept_record_names_it(
        carol, acme, bob, globex, call):
    # Bob started an application; a colleague keeps the company when he leaves.
    application = make_complete_draft(bob, globex, call)
    CompanyMembership.objects.create(company=globex, user=make_person("erin@example.com", name="에린"), role="owner")
    for person in (carol, bob):
        consent_record(user=person, answers={"personal_information": True, "program_news": False}, ip="10.0.0.9")
        account_leave(user_id=person.pk)
    left = User.objects.get(pk=bob.pk).left_at
    assert Consent.objects.filter(user__in=[carol, bob]).count() == 2 * 2 + 2  # the answers and the withdrawals at leaving

    records = run_the_job_at(years_after(left, 3) - DAY)
    assert "consents" not in categories(records) and "former_accounts" not in categories(records)
    assert Consent.objects.filter(user__in=[carol, bob]).count() == 6

    after = years_after(left, 3) + DAY
    records = run_the_job_at(after)
    assert categories(records)["consents"] == 6 and categories(records)["former_accounts"] == 1
    assert not Consent.objects.filter(user_id__in=[carol.pk, bob.pk]).exists()
    # Carol's closed account went; Bob's stays, still nameless, because his application names it.
    assert not User.objects.filter(pk=carol.pk).exists()
    bob = User.objects.get(pk=bob.pk)
    assert (bob.name, bob.is_active, str(bob)) == ("", False, f"탈퇴한 회원 {bob.pseudonym}")
    assert Application.objects.get(pk=application.pk).created_by_id == bob.pk
    record = next(r for r in records if r.category == "consents")
    assert (record.method, record.period, record.job, record.cutoff) == ("deleted", "3년", JOB, years_before(after, 3))
    # The job ran again finds nothing more of these.
    assert {"consents", "former_accounts"} & set(categories(run_the_job_at(after + DAY))) == set()


@pytest.fixture
def submitted(alice, complete_draft):
    return lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())


def test_access_records_lose_the_address_e_mail_and_search_words_after_two_years_and_keep_what_was_read(olivia, submitted):
    officer = Client(REMOTE_ADDR="10.1.2.3")
    login_with_mfa(officer, olivia)
    assert officer.get(f"/officer/applications/{submitted.pk}/").status_code == 200
    assert officer.get("/officer/queue/?q=에이크미").status_code == 200
    records = list(AccessRecord.objects.order_by("pk"))
    assert len(records) == 2 and all(r.ip_address == "10.1.2.3" and r.actor_email == "olivia@example.com" for r in records)
    read_at = records[-1].created_at

    assert "access_record_fields" not in categories(run_the_job_at(years_after(read_at, 2) - DAY))
    assert AccessRecord.objects.filter(ip_address="10.1.2.3").count() == 2

    [record] = [r for r in run_the_job_at(years_after(read_at, 2) + DAY) if r.category == "access_record_fields"]
    assert (record.method, record.count, record.period) == ("anonymised", 2, "2년")
    kept = list(AccessRecord.objects.order_by("pk").values("actor_email", "ip_address", "path", "page", "action", "target_type",
                                                           "target_id", "actor_id"))
    assert kept == [
        {"actor_email": "", "ip_address": None, "path": f"/officer/applications/{submitted.pk}/", "page": "officer_application",
         "action": "view", "target_type": "applications.application", "target_id": str(submitted.pk), "actor_id": olivia.pk},
        {"actor_email": "", "ip_address": None, "path": "/officer/queue/", "page": "officer_queue", "action": "list",
         "target_type": "", "target_id": "", "actor_id": olivia.pk},
    ]


@pytest.fixture
def withdrawn(bob, globex, program, olivia):
    """Globex's application to another call of the program, with its documents, given up: it
    was never selected."""
    other_call = make_call(program, olivia, code="SF-2026-10", title="2026년 스마트공장 10차 공고")
    draft = make_complete_draft(bob, globex, other_call)
    lifecycle.application_submit(user=bob, application_id=draft.pk, now=timezone.now())
    return lifecycle.application_withdraw(user=bob, application_id=draft.pk, reason="사업 계획 변경")


def test_documents_of_an_application_never_selected_go_after_the_programs_period_and_a_selected_one_keeps_its_own(
        withdrawn, selected, program, bob, olivia, django_capture_on_commit_callbacks):
    documents = list(withdrawn.documents.all())
    files = [(d.file.storage, d.file.name) for d in documents]
    assert len(documents) >= 2 and all(storage.exists(name) for storage, name in files)
    selected_files = [(d.file.storage, d.file.name) for d in selected.documents.all()]
    assert selected_files
    # The period counts from the later of the last event and the call's closing.
    start = max(withdrawn.call.closes_at, ApplicationEvent.objects.filter(application=withdrawn).latest("seq").created_at)
    program.unselected_documents_months = 24  # the program's rules set it
    program.save()
    a_year_on = months_after(start, 12) + DAY
    with django_capture_on_commit_callbacks(execute=True):
        assert "application_documents" not in categories(run_the_job_at(a_year_on))
    assert withdrawn.documents.count() == len(documents)

    program.unselected_documents_months = 12
    program.save()
    assert "application_documents" not in categories(run_the_job_at(months_after(start, 12) - DAY))
    with django_capture_on_commit_callbacks(execute=True):
        records = run_the_job_at(a_year_on)
    [record] = [r for r in records if r.category == "application_documents"]
    assert (record.method, record.count, record.period, record.detail) == (
        "deleted", len(documents), "12개월", {"program": program.code, "applications": 1})
    assert not ApplicationDocument.objects.filter(application=withdrawn).exists()
    assert not any(storage.exists(name) for storage, name in files)
    application = Application.objects.get(pk=withdrawn.pk)
    assert application.state == State.WITHDRAWN and application.documents_destroyed_at == a_year_on
    assert application.answers and application.budget_lines.exists()  # the record itself stays
    last = application.events.latest("seq")
    assert (last.action, last.actor, last.data) == (EventType.DOCUMENTS_DESTROYED, None, {"documents": len(documents), "months": 12})
    assert verify_chain(application) == []
    # The selected application keeps its documents, whatever the period.
    assert all(storage.exists(name) for storage, name in selected_files)

    company = Client()
    company.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    day = timezone.localtime(a_year_on)
    page = company.get(f"/applications/{withdrawn.pk}/copy/").content.decode()
    assert (f"제출 서류는 {day.year}년 {day.month}월 {day.day}일({'월화수목금토일'[day.weekday()]}) 파기했습니다. "
            "선정되지 않은 신청의 서류를 사업이 보관하는 기간이 끝났기 때문입니다.") in page
    page = company.get(f"/applications/{withdrawn.pk}/").content.decode()
    assert "제출 서류 파기: 사업이 정한 보관 기간이 끝남" in page  # its history says so too
    officer = Client()
    login_with_mfa(officer, olivia)
    page = officer.get(f"/officer/applications/{withdrawn.pk}/").content.decode()
    assert "선정되지 않은 신청의 서류를 사업이 보관하는 기간이 끝났기 때문입니다." in page
    assert officer.get(f"/applications/{withdrawn.pk}/documents/{documents[0].pk}/").status_code == 404
    # Run again: nothing more to destroy.
    with django_capture_on_commit_callbacks(execute=True):
        assert "application_documents" not in categories(run_the_job_at(a_year_on + DAY))


def test_a_destruction_record_is_kept_as_written_and_shown_to_the_administrator(carol, acme, adam):
    account_leave(user_id=carol.pk)
    record = DestructionRecord.objects.get()
    record.count = 0
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises(ValueError):
        record.delete()
    admin = Client()
    login_with_mfa(admin, adam)
    page = admin.get("/admin/portal/destructionrecord/").content.decode()
    assert "탈퇴한 회원의 이름, 이메일 주소, 전화번호, 직위, 비밀번호, 2단계 인증 수단" in page
    assert admin.get(f"/admin/portal/destructionrecord/{record.pk}/delete/").status_code == 403


def test_a_rule_that_fails_destroys_nothing_of_its_own_and_the_others_still_run(alice, monkeypatch):
    from portal import retention
    from portal.services.retention import retention_run

    late = make_person("late@example.com")
    EmailAddress.objects.filter(user=late).update(verified=False)
    User.objects.filter(pk=late.pk).update(date_joined=timezone.now() - datetime.timedelta(days=40))

    def broken(now):
        AccessRecord.objects.all().delete()
        raise RuntimeError("storage away")

    rule = retention.RULES["access_record_fields"]
    monkeypatch.setitem(retention.RULES, "access_record_fields", retention.RetentionRule(
        category=rule.category, label=rule.label, method=rule.method, period=rule.period, basis=rule.basis, destroy=broken))
    with pytest.raises(RuntimeError, match="access_record_fields"):
        retention_run(job="test")
    assert categories(list(DestructionRecord.objects.all())) == {"unverified_signups": 1}
    assert not User.objects.filter(pk=late.pk).exists()


def test_the_privacy_policy_lists_each_period_from_the_settings_and_the_programs(client, program, settings):
    settings.RETENTION_ACCESS_RECORDS_YEARS = 3
    html = client.get("/privacy/").content.decode()
    for words in ("기록별 보관 기간과 파기 방법", "이메일 주소 확인을 마치지 않은 가입 신청", "30일", "탈퇴 후 3년",
                  "직원의 개인정보 열람 기록(접속기록) 가운데 계정 이메일 주소, 접속지, 검색어", "<td>3년</td>",
                  f"{program.name_ko} 12개월", "협약 종료 후 5년",
                  "회원 탈퇴 시까지. 탈퇴하면 즉시 삭제하며, 동의 기록만 증빙으로 3년 더 보관합니다."):
        assert words in html, words


# --- Ownership claims ---------------------------------------------------------------------------

def claim_filed(person, company) -> CompanyClaim:
    from tests import files

    client = Client()
    client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    response = client.post("/companies/claim/", {"business_number": company.business_number, "message": "대표 김한빛의 위임을 받았습니다.",
                                                 "document": files.pdf("대표자확인서.pdf")})
    assert response.status_code == 302
    return CompanyClaim.objects.get(claimant=person, company=company)


def test_a_decided_claims_document_and_note_go_three_years_after_the_decision_and_the_claim_stays(alice, globex, bob, olivia, adam):
    from portal.services.claims import claim_decide

    filed = claim_filed(alice, globex)
    storage, name = filed.file.storage, filed.file.name
    claim_decide(user=olivia, claim_id=filed.pk, approve=True)
    decided = CompanyClaim.objects.get(pk=filed.pk).decided_at

    assert "claim_documents" not in categories(run_the_job_at(years_after(decided, 3) - DAY))
    assert storage.exists(name) and CompanyClaim.objects.get(pk=filed.pk).message

    after = years_after(decided, 3) + DAY
    records = run_the_job_at(after)
    [record] = [r for r in records if r.category == "claim_documents"]
    assert (record.method, record.count, record.period, record.cutoff, record.job) == ("deleted", 1, "3년", years_before(after, 3), JOB)
    assert not storage.exists(name)
    claim = CompanyClaim.objects.get(pk=filed.pk)
    assert (claim.file.name, claim.original_name, claim.message, claim.evidence_destroyed_at) == ("", "", "", after)
    # The record of the decision stays: who, which company, what became of it, on which document.
    assert (claim.status, claim.claimant, claim.decided_by, claim.previous_owners, claim.sha256) == (
        "approved", alice, olivia, [bob.pk], filed.sha256)
    assert CompanyMembership.objects.get(company=globex).user == alice

    officer = Client()
    login_with_mfa(officer, olivia)
    day = timezone.localtime(after)
    page = officer.get(f"/staff/claims/{filed.pk}/").content.decode()
    assert f"{day.year}년 {day.month}월 {day.day}일({'월화수목금토일'[day.weekday()]}) 파기했습니다. 보관 기간이 끝났기 때문입니다." in page
    assert "대표자확인서.pdf" not in page and "대표 김한빛의 위임을 받았습니다." not in page
    assert officer.get(f"/staff/claims/{filed.pk}/document/").status_code == 404
    assert "claim_documents" not in categories(run_the_job_at(after + DAY))

    admin = Client()
    login_with_mfa(admin, adam)
    assert "기업 소유권 이전 신청의 확인 서류, 파일 이름, 신청인이 남긴 메모" in admin.get("/admin/portal/destructionrecord/").content.decode()


def test_the_document_of_a_claim_cancelled_by_the_claimant_leaving_goes_at_the_next_run(carol, acme, globex):
    filed = claim_filed(carol, globex)
    storage, name = filed.file.storage, filed.file.name
    account_leave(user_id=carol.pk)
    assert storage.exists(name)  # until the night's run: the store may be away when a person leaves
    tonight = timezone.now() + datetime.timedelta(hours=6)
    [record] = [r for r in run_the_job_at(tonight) if r.category == "claim_documents"]
    assert (record.count, record.period, record.cutoff, record.detail) == (1, "회원 탈퇴 시까지", None, {"cancelled": True})
    assert not storage.exists(name)
    claim = CompanyClaim.objects.get(pk=filed.pk)
    assert (claim.status, claim.file.name, claim.original_name, claim.evidence_destroyed_at) == ("cancelled", "", "", tonight)


def test_with_the_store_away_a_claims_document_is_not_recorded_as_destroyed_and_the_next_run_finishes(
        alice, globex, olivia, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    from portal.services.claims import claim_decide

    filed = claim_filed(alice, globex)
    storage, name = filed.file.storage, filed.file.name
    claim_decide(user=olivia, claim_id=filed.pk, approve=True)
    after = years_after(CompanyClaim.objects.get(pk=filed.pk).decided_at, 3) + DAY

    def store_away(self, name):
        raise OSError("the store is away")

    with monkeypatch.context() as patched:
        patched.setattr(FileSystemStorage, "delete", store_away)
        with time_machine.travel(after, tick=False):
            result = destroy_expired_personal_data.apply()
        assert result.failed()
    assert storage.exists(name) and CompanyClaim.objects.get(pk=filed.pk).evidence_destroyed_at is None
    assert not DestructionRecord.objects.filter(category="claim_documents").exists()
    assert categories(run_the_job_at(after + DAY))["claim_documents"] == 1
    assert not storage.exists(name)
