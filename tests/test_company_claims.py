"""A business number already registered: the answer names no company id, the attempts are
limited, and the company's real holder claims it — an officer checks the representative's
confirmation and moves the ownership, every step an audit event."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.models import AccessRecord, AuditEvent, Company, CompanyClaim, CompanyMembership, StaffTie
from tests import files
from tests.conftest import PASSWORD, login_with_mfa, make_person
from tests.test_companies import VALID

pytestmark = pytest.mark.django_db


def signed_in(user, address: str = "203.0.113.20") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client


def register(client: Client, number: str):
    return client.post("/companies/new/", {**VALID, "business_number": number})


def claim(client: Client, number: str, document=None, message: str = "실제 대표 김한빛의 위임을 받은 경영지원팀장입니다."):
    return client.post("/companies/claim/", {"business_number": number, "message": message,
                                            "document": document or files.pdf("대표자확인서.pdf")})


def test_a_registered_number_answers_without_the_companys_id(alice, globex):
    response = register(signed_in(alice), globex.business_number_display)
    assert response.status_code == 409
    html = response.content.decode()
    assert f"사업자등록번호 {globex.business_number_display}" in html and "이미 등록된 기업" in html
    assert 'action="/companies/join/"' in html and 'action="/companies/claim/"' in html
    assert not re.search(rf"/companies/{globex.pk}/|value=\"{globex.pk}\"", html)
    assert globex.name not in html


def test_attempts_at_business_numbers_are_limited_like_sign_ins(alice, globex):
    """Ten numbers an hour per person (and thirty per address), whether to register, join or claim."""
    client = signed_in(alice)
    for _attempt in range(5):
        assert register(client, globex.business_number).status_code == 409
    for _attempt in range(4):
        assert client.post("/companies/join/", {"business_number": globex.business_number, "message": ""}).status_code == 302
    assert claim(client, globex.business_number).status_code == 302  # the tenth
    refused = register(client, "214-86-12341")  # an unregistered number counts too
    assert refused.status_code == 429
    assert "짧은 시간에 사업자등록번호를 너무 여러 번 입력했습니다. 한 시간 뒤에 다시 시도하세요." in refused.content.decode()
    assert client.post("/companies/join/", {"business_number": globex.business_number}).status_code == 429
    assert claim(client, globex.business_number).status_code == 429
    assert Company.objects.count() == 1 and CompanyClaim.objects.count() == 1


def test_the_real_holder_claims_the_company_and_an_officer_moves_its_ownership(alice, bob, globex, olivia, deliver_outbox):
    """Bob registered the number first; Alice holds the company. She claims it from the page
    that told her it was taken, an officer reads her document and approves."""
    claimant = signed_in(alice)
    register(claimant, globex.business_number)
    response = claim(claimant, globex.business_number)
    assert response.status_code == 302
    assert "소유권 이전 신청을 보냈습니다." in claimant.get(response["Location"]).content.decode()
    filed = CompanyClaim.objects.get()
    assert (filed.company, filed.claimant, filed.status, filed.detected_format) == (globex, alice, "pending", "pdf")
    assert AuditEvent.objects.filter(action="company.claim_requested", target_id=str(globex.pk), actor=alice).exists()
    assert deliver_outbox()[-1].subject.endswith(f"{globex.name} 소유권 이전 신청을 받았습니다")

    officer = Client(REMOTE_ADDR="198.51.100.30")
    login_with_mfa(officer, olivia)
    assert "확인을 기다리는 기업 소유권 이전 신청</a>: <strong>1건</strong>" in officer.get("/officer/").content.decode()
    listed = officer.get("/staff/claims/").content.decode()
    assert f'<a href="/staff/claims/{filed.pk}/">{globex.name}</a>' in listed
    page = officer.get(f"/staff/claims/{filed.pk}/").content.decode()
    assert "bob@example.com" in page and "실제 대표 김한빛의 위임을 받은 경영지원팀장입니다." in page
    document = officer.get(f"/staff/claims/{filed.pk}/document/")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"] == "attachment; filename*=utf-8''%EB%8C%80%ED%91%9C%EC%9E%90%ED%99%95%EC%9D%B8%EC%84%9C.pdf"
    assert list(AccessRecord.objects.filter(actor=olivia).order_by("pk").values_list("action", "target_type")) == [
        ("list", ""), ("view", "portal.companyclaim"), ("download", "portal.companyclaim")]

    # Approving asks to confirm first, saying who gains and who loses the company.
    asked = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve"})
    assert asked.status_code == 200 and CompanyClaim.objects.get().status == "pending"
    text = asked.content.decode()
    assert f"앨리스 (alice@example.com) 님이 포털에서 {globex.name}의 소유자가 되고, 협약에 서명할 권한을 갖습니다." in text
    assert "지금의 소유자(bob@example.com)는 기업에서 빠지며 이메일로 안내받습니다." in text
    done = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve", "step": "confirm", "confirm": "yes"}, follow=True)
    assert "소유권을 이전했습니다. 양쪽에 이메일로 알렸습니다." in done.content.decode()

    filed.refresh_from_db()
    assert (filed.status, filed.decided_by, filed.previous_owners) == ("approved", olivia, [bob.pk])
    owner = CompanyMembership.objects.get(company=globex)
    assert (owner.user, owner.role, owner.can_sign) == (alice, "owner", True)
    approved = AuditEvent.objects.get(action="company.claim_approved")
    # People by their accounts' ids: an address would outlive their leaving in the chained log.
    assert (approved.actor, approved.data["claimant"], approved.data["previous_owners"]) == (olivia, alice.pk, [bob.pk])
    assert "@" not in str(approved.data)
    mails = {tuple(m.to): m for m in deliver_outbox()}
    assert mails[("alice@example.com",)].subject.endswith(f"포털에서 {globex.name}의 소유자가 되었습니다")
    assert "기업 페이지에서 동료를 초대하세요" in mails[("alice@example.com",)].body
    assert mails[("bob@example.com",)].subject.endswith(f"포털에서 {globex.name}의 소유자가 바뀌었습니다")
    assert claimant.get(f"/companies/{globex.pk}/").status_code == 200
    assert signed_in(bob).get(f"/companies/{globex.pk}/").status_code == 404
    # Decided once.
    again = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "decline", "note": "늦은 반려"}, follow=True)
    assert "이미 처리된 신청입니다." in again.content.decode() and CompanyClaim.objects.get().status == "approved"


def test_declining_needs_a_reason_which_the_claimant_reads(alice, globex, olivia, deliver_outbox):
    claim(signed_in(alice), globex.business_number)
    filed = CompanyClaim.objects.get()
    officer = Client()
    login_with_mfa(officer, olivia)
    refused = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "decline", "note": " "}, follow=True)
    assert "반려 사유를 적으세요. 신청인에게 그대로 전달됩니다." in refused.content.decode()
    assert CompanyClaim.objects.get().status == "pending"
    officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "decline", "note": "확인서에 대표자 날인이 없습니다."})
    assert CompanyClaim.objects.get().status == "declined"
    assert CompanyMembership.objects.get(company=globex).user.email == "bob@example.com"
    assert AuditEvent.objects.filter(action="company.claim_declined", actor=olivia).exists()
    mail = deliver_outbox()[-1]
    assert mail.to == ["alice@example.com"] and mail.subject.endswith(f"{globex.name} 소유권 이전 신청이 반려되었습니다")
    assert "확인서에 대표자 날인이 없습니다." in mail.body and "다른 서류로 다시 신청할 수 있습니다." in mail.body


def test_an_officer_tied_to_the_company_cannot_decide_and_the_attempt_is_recorded(alice, globex, olivia, otto):
    claim(signed_in(alice), globex.business_number)
    filed = CompanyClaim.objects.get()
    StaffTie.objects.create(person=olivia, business_number=globex.business_number, kind=StaffTie.Kind.choices[0][0], recorded_by=olivia)
    officer = Client()
    login_with_mfa(officer, olivia)
    response = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve", "step": "confirm", "confirm": "yes"})
    assert response.status_code == 403
    assert "이 신청과 이해관계가 있습니다" in response.content.decode()
    assert CompanyClaim.objects.get().status == "pending"
    assert AuditEvent.objects.filter(action="duty.refused", actor=olivia, data__action="claim").exists()
    # Another officer may.
    second = Client()
    login_with_mfa(second, otto)
    second.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve", "step": "confirm", "confirm": "yes"})
    assert CompanyClaim.objects.get().status == "approved"


def test_only_officers_and_administrators_see_claims(alice, bob, globex, rachel):
    claim(signed_in(alice), globex.business_number)
    filed = CompanyClaim.objects.get()
    for person in (alice, bob):
        assert signed_in(person).get(f"/staff/claims/{filed.pk}/").status_code == 403
    reviewer = Client()
    login_with_mfa(reviewer, rachel)
    assert reviewer.get("/staff/claims/").status_code == 403


def test_the_claim_document_is_judged_by_its_content(alice, globex):
    response = claim(signed_in(alice), globex.business_number, document=files.html_named_png("확인서.png"))
    assert response.status_code == 400
    assert "파일 이름과 관계없이 파일 내용이 허용 형식(PDF, 이미지(PNG, JPEG))이 아닙니다." in response.content.decode()
    assert not CompanyClaim.objects.exists()
    too_big = claim(signed_in(alice), globex.business_number, document=SimpleUploadedFile("확인서.pdf", files.pdf(size=11 * 1024 * 1024).read()))
    assert too_big.status_code == 400 and "파일당 한도는 10.0 MB입니다" in too_big.content.decode()


def test_a_claim_to_a_number_nobody_registered_says_to_register_it(alice):
    response = claim(signed_in(alice), "214-86-12341")
    assert response.status_code == 400
    assert "이 번호로 등록된 기업이 없습니다. 직접 기업을 등록하세요." in response.content.decode()


def test_approving_a_claim_leaves_nobody_the_previous_owner_let_in_with_authority(alice, bob, globex, olivia):
    """Bob, who registered the number first, had made a colleague a signer and invited another:
    once ownership moves, the colleague signs nothing until Alice says so, and the open
    invitation is gone."""
    from portal.models import CompanyInvitation
    from portal.services.claims import claim_decide

    colleague = make_person("dave@example.com", name="데이브")
    CompanyMembership.objects.create(company=globex, user=colleague, role="member", can_sign=True)
    CompanyInvitation.objects.create(company=globex, email="eve@example.com", invited_by=bob)
    register(signed_in(alice), globex.business_number)
    claim(signed_in(alice), globex.business_number)
    claim_decide(user=olivia, claim_id=CompanyClaim.objects.get().pk, approve=True)
    members = {m.user: (m.role, m.can_sign) for m in CompanyMembership.objects.filter(company=globex)}
    assert members == {alice: ("owner", True), colleague: ("member", False)}
    assert not CompanyInvitation.objects.filter(company=globex).exists()


# --- The store away, and two claims at once --------------------------------------------------

STORE_AWAY = "지금은 파일을 저장할 수 없습니다(서버 저장 공간이 가득 찼거나 사용할 수 없음). 아무것도 저장되지 않았으니 몇 분 뒤 다시 시도하세요."
STILL_PENDING = "이 기업에 대해 앞서 낸 소유권 이전 신청을 아직 확인하고 있습니다."


def stored_claim_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "claims"
    return sorted(str(path.relative_to(settings.MEDIA_ROOT)) for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def a_full_disk(self, name, content):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def an_object_store_away(self, name, content):
    from botocore.exceptions import EndpointConnectionError

    raise EndpointConnectionError(endpoint_url="http://store.internal:9000/media")


@pytest.mark.parametrize("failure", [a_full_disk, an_object_store_away], ids=["disk full", "object store away"])
def test_with_the_store_away_a_claim_is_refused_in_words_and_nothing_is_written(alice, globex, settings, monkeypatch, failure):
    from django.core.files.storage import FileSystemStorage

    from portal.models import OutboundEmail

    monkeypatch.setattr(FileSystemStorage, "_save", failure)
    response = claim(signed_in(alice), globex.business_number)
    assert response.status_code == 400
    assert STORE_AWAY in response.content.decode()
    assert not CompanyClaim.objects.exists() and not AuditEvent.objects.filter(action="company.claim_requested").exists()
    assert not OutboundEmail.objects.exists() and stored_claim_files(settings) == []
    # Once the store is back the same claim goes through.
    monkeypatch.undo()
    assert claim(signed_in(alice), globex.business_number).status_code == 302
    assert CompanyClaim.objects.count() == 1 and len(stored_claim_files(settings)) == 1


def test_a_claim_whose_row_cannot_be_written_leaves_no_stored_document(alice, globex, settings, monkeypatch):
    from portal.services import claims as claim_services

    def log_away(**kwargs):
        raise RuntimeError("the audit log is away")

    monkeypatch.setattr(claim_services, "audit_record", log_away)
    with pytest.raises(RuntimeError):
        claim(signed_in(alice), globex.business_number)
    assert not CompanyClaim.objects.exists() and stored_claim_files(settings) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claims_sent_at_once_file_one_and_the_other_is_told_why(alice, globex, settings, monkeypatch):
    """The same person sends the claim twice (two tabs, a double click). The first is held
    after writing its row, before it commits, while the second runs: the second waits for the
    first, then finds it — never a server error, never a second document on the store."""
    from portal.services import claims as claim_services
    from tests.test_money_races import Pause

    tabs = signed_in(alice), signed_in(alice)
    pause = Pause(monkeypatch, claim_services, "audit_record", after=True)
    filed, refused = pause.interleave(lambda: claim(tabs[0], globex.business_number), lambda: claim(tabs[1], globex.business_number))
    assert not isinstance(refused, Exception), refused
    assert filed.status_code == 302
    assert refused.status_code == 400 and STILL_PENDING in refused.content.decode()
    kept = CompanyClaim.objects.get()
    assert stored_claim_files(settings) == [kept.file.name]
    assert AuditEvent.objects.filter(action="company.claim_requested").count() == 1


# --- A claimant who leaves the portal ----------------------------------------------------------

def test_leaving_the_portal_cancels_a_pending_claim_which_nobody_may_approve_then(carol, acme, globex, bob, olivia, deliver_outbox):
    from tests.test_leaving import an_hour_later

    client = signed_in(carol)
    claim(client, globex.business_number)
    filed = CompanyClaim.objects.get()
    with an_hour_later():  # through the pages: the password again, then the confirmation says so
        client.post("/accounts/reauthenticate/", {"password": PASSWORD, "next": "/me/leave/"})
        page = client.get("/me/leave/").content.decode()
        assert "다음 기업에 대해 낸 소유권 이전 신청은 취소되고 확인 서류는 파기합니다: 글로벡스." in page
        assert client.post("/me/leave/", {"step": "confirm", "confirm": "yes"})["Location"] == "/"
    filed.refresh_from_db()
    carol.refresh_from_db()
    assert (filed.status, filed.message, filed.decided_by) == ("cancelled", "", None)
    cancelled = AuditEvent.objects.get(action="company.claim_cancelled")
    assert (cancelled.actor, cancelled.target_id, cancelled.data) == (None, str(globex.pk), {"claim": filed.pk})

    officer = Client()
    login_with_mfa(officer, olivia)
    assert "확인을 기다리는 신청이 없습니다." in officer.get("/staff/claims/").content.decode()
    page = officer.get(f"/staff/claims/{filed.pk}/").content.decode()
    assert f"탈퇴한 회원 {carol.pseudonym}" in page and "carol@example.com" not in page
    assert "취소: 신청인이 탈퇴함" in page and "포털에서 탈퇴해 신청이 취소되었습니다." in page
    assert 'name="decision"' not in page
    done = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve", "step": "confirm", "confirm": "yes"}, follow=True)
    assert "이미 처리된 신청입니다." in done.content.decode()
    assert CompanyMembership.objects.get(company=globex).user == bob


def test_a_claim_left_pending_by_a_closed_account_is_not_approved_and_may_be_declined_without_mail(
        carol, acme, globex, bob, olivia, deliver_outbox, monkeypatch):
    """A claim still pending although its claimant has left (filed before leaving cancelled
    claims): the officer is told why before any confirmation, and nothing moves."""
    from portal.services import leaving
    from portal.services.claims import claim_decide

    claim(signed_in(carol), globex.business_number)
    filed = CompanyClaim.objects.get()
    with monkeypatch.context() as before_cancelling:  # leaving as it was before it cancelled claims
        before_cancelling.setattr(leaving, "claims_cancel_for_leaving", lambda **_kwargs: 0)
        leaving.account_leave(user_id=carol.pk)
    assert CompanyClaim.objects.get(pk=filed.pk).status == "pending"
    deliver_outbox()
    refusal = "신청인이 포털에서 탈퇴해(계정이 닫힘) 소유권을 이전할 수 없습니다. 아무것도 바뀌지 않았습니다."

    officer = Client()
    login_with_mfa(officer, olivia)
    asked = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve"}, follow=True)
    assert refusal in asked.content.decode() and "<h1>기업 소유권 이전</h1>" not in asked.content.decode()
    confirmed = officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "approve", "step": "confirm", "confirm": "yes"}, follow=True)
    assert refusal in confirmed.content.decode()
    with pytest.raises(ValidationError) as refused:
        claim_decide(user=olivia, claim_id=filed.pk, approve=True)
    assert refused.value.messages == [refusal]
    assert CompanyClaim.objects.get().status == "pending" and CompanyMembership.objects.get(company=globex).user == bob
    assert not AuditEvent.objects.filter(action="company.claim_approved").exists()

    officer.post(f"/staff/claims/{filed.pk}/decide/", {"decision": "decline", "note": "신청인 탈퇴"})
    assert CompanyClaim.objects.get().status == "declined"
    assert [m.to for m in deliver_outbox()] == []  # nobody to tell: the account has no address


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_approval_and_the_claimant_leaving_at_the_same_moment_do_not_cross(carol, acme, globex, bob, olivia, monkeypatch):
    """Carol leaves while an officer approves her claim. Leaving is held after it found
    nothing in its way; the approval waits for Carol's row, then finds the claim cancelled —
    never a company moved to an account that is closing (leaving would then drop her
    membership and leave the company with no owner at all)."""
    from portal.services import leaving
    from portal.services.claims import claim_decide
    from tests.test_money_races import Pause

    claim(signed_in(carol), globex.business_number)
    filed = CompanyClaim.objects.get()
    pause = Pause(monkeypatch, leaving, "leaving_obstacles", after=True)
    left, approved = pause.interleave(lambda: leaving.account_leave(user_id=carol.pk),
                                      lambda: claim_decide(user=olivia, claim_id=filed.pk, approve=True))
    assert not isinstance(left, Exception), left
    assert isinstance(approved, ValidationError) and approved.messages == ["이미 처리된 신청입니다."], approved
    assert CompanyClaim.objects.get().status == "cancelled"
    assert list(CompanyMembership.objects.filter(company=globex).values_list("user_id", "role")) == [(bob.pk, "owner")]


def test_a_document_refused_for_its_content_is_told_under_the_document(alice, globex):
    """A PDF that runs a script when opened: the refusal stands under the document, not under
    the business number the person typed correctly."""
    response = claim(signed_in(alice), globex.business_number_display, document=files.pdf_with_javascript_in_an_object_stream("확인서.pdf"))
    assert response.status_code == 400 and not CompanyClaim.objects.exists()
    form = response.context["form"]
    assert form.errors.get("document") and "business_number" not in form.errors
