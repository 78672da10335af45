"""The audit log names people by their accounts, never by an e-mail address: its rows are
chained and kept, so an address written there would outlive the person's leaving and every
retention period. An invitee without an account is named by the masked address
(h***@example.com); the administrator still reads each row in words, a person who left by
the pseudonym."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from portal.models import AuditEvent, CompanyClaim, CompanyJoinRequest, User
from portal.services.audit import verify_audit_chain
from portal.services.claims import claim_decide
from portal.services.leaving import account_leave
from reviews.models import PanelMember
from tests import files
from tests.conftest import PASSWORD, login_with_mfa, make_person

pytestmark = pytest.mark.django_db

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def addresses_in_the_log() -> list[str]:
    """Every whole e-mail address in any event's data (a masked one has '***' before the @)."""
    return [found for data in AuditEvent.objects.values_list("data", flat=True)
            for found in ADDRESS.findall(json.dumps(data, ensure_ascii=False))]


def test_invitations_join_decisions_and_claims_name_people_by_account(bob, globex, carol, acme, alice, olivia, panel):
    owner = signed_in(bob)
    owner.post(f"/companies/{globex.pk}/invite/", {"email": "Hana.Kim@Example.com"})
    owner.post(f"/companies/{globex.pk}/invite/", {"email": carol.email})
    to_hana, to_carol = AuditEvent.objects.filter(action="company.invited").order_by("seq")
    assert to_hana.data == {"invitation": globex.invitations.get(email="hana.kim@example.com").pk, "invitee": "h***@example.com"}
    assert to_carol.data == {"invitation": globex.invitations.get(email=carol.email).pk, "invitee": "c***@example.com", "user": carol.pk}

    signed_in(carol).post("/companies/join/", {"business_number": globex.business_number, "message": "캐럴입니다"})
    join_request = CompanyJoinRequest.objects.get(user=carol)
    owner.post(f"/companies/{globex.pk}/join-requests/{join_request.pk}/", {"decision": "approve"})
    assert AuditEvent.objects.get(action="company.join_approved").data == {"user": carol.pk}

    signed_in(alice).post("/companies/claim/", {"business_number": globex.business_number, "message": "",
                                                "document": files.pdf("확인서.pdf")})
    claim = CompanyClaim.objects.get()
    claim_decide(user=olivia, claim_id=claim.pk, approve=True)
    approved = AuditEvent.objects.get(action="company.claim_approved")
    assert approved.data == {"claim": claim.pk, "claimant": alice.pk, "previous_owners": [bob.pk], "note": ""}

    # The review panel's invitations (the panel fixture invited five experts) name the accounts.
    invited = AuditEvent.objects.filter(action="panel.reviewer_invited").order_by("seq")
    assert [set(event.data) for event in invited] == [{"panel", "reviewer"}] * 5
    assert {event.data["reviewer"] for event in invited} == set(PanelMember.objects.values_list("reviewer_id", flat=True))
    assert addresses_in_the_log() == []
    assert verify_audit_chain() == []


def test_an_address_that_reaches_the_log_is_masked_wherever_it_stands(alice):
    from portal.services.audit import audit_record

    event = audit_record(actor=alice, action="company.updated", target=alice,
                         data={"reason": "요청자 Hana.Kim+portal@Mail.Example.co.kr 의 전화", "list": [{"to": "x@y.kr"}], "n": 3})
    assert event.data == {"reason": "요청자 H***@mail.example.co.kr 의 전화", "list": [{"to": "x***@y.kr"}], "n": 3}
    assert AuditEvent.objects.get(pk=event.pk).data == event.data and verify_audit_chain() == []


def test_after_leaving_nothing_in_the_log_holds_the_persons_address(carol, acme, bob, globex):
    """Carol was invited, asked to join, and claimed a company; then she leaves."""
    owner = signed_in(bob)
    owner.post(f"/companies/{globex.pk}/invite/", {"email": carol.email})
    client = signed_in(carol)
    client.post("/companies/join/", {"business_number": globex.business_number, "message": ""})
    owner.post(f"/companies/{globex.pk}/join-requests/{CompanyJoinRequest.objects.get(user=carol).pk}/", {"decision": "decline"})
    client.post("/companies/claim/", {"business_number": globex.business_number, "message": "", "document": files.pdf("확인서.pdf")})
    account_leave(user_id=carol.pk)
    logged = json.dumps(list(AuditEvent.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert "carol" not in logged.lower() and addresses_in_the_log() == []
    assert verify_audit_chain() == []


def test_the_administrator_reads_the_people_of_an_event_by_name_and_a_person_who_left_by_the_pseudonym(
        alice, bob, globex, olivia, adam, monkeypatch):
    erin = make_person("erin@example.com", name="에린")
    globex.memberships.create(user=erin, role="owner")
    signed_in(alice).post("/companies/claim/", {"business_number": globex.business_number, "message": "",
                                                "document": files.pdf("확인서.pdf")})
    claim_decide(user=olivia, claim_id=CompanyClaim.objects.get().pk, approve=True)
    approved = AuditEvent.objects.get(action="company.claim_approved")
    admin = Client()
    login_with_mfa(admin, adam)
    page = admin.get(f"/admin/portal/auditevent/{approved.pk}/change/").content.decode()
    assert "세부 내용(풀어 쓴 것)" in page
    assert f"<dt>claimant</dt><dd>앨리스 (#{alice.pk})</dd>" in page
    assert f"<dt>previous_owners</dt><dd>밥 (#{bob.pk}), 에린 (#{erin.pk})</dd>" in page

    account_leave(user_id=erin.pk)
    erin = User.objects.get(pk=erin.pk)
    page = admin.get(f"/admin/portal/auditevent/{approved.pk}/change/").content.decode()
    assert f"<dt>previous_owners</dt><dd>밥 (#{bob.pk}), 탈퇴한 회원 {erin.pseudonym} (#{erin.pk})</dd>" in page
    assert "erin@example.com" not in page

    # A row written before the log named people by account (docs/personal-data.md) reads as recorded.
    from portal.services import audit

    monkeypatch.setattr(audit, "_without_addresses", lambda data: data)
    old = audit.audit_record(actor=bob, action="company.join_approved", target=globex, data={"user": "dora@example.com"})
    page = admin.get(f"/admin/portal/auditevent/{old.pk}/change/").content.decode()
    assert "<dt>user</dt><dd>dora@example.com</dd>" in page
    assert verify_audit_chain() == []


def test_an_action_the_vocabulary_does_not_name_is_refused_before_anything_is_written(alice):
    from portal.audit_actions import AuditAction
    from portal.services.audit import audit_record

    before = AuditEvent.objects.count()
    with pytest.raises(ValueError):
        audit_record(actor=alice, action="call.creatd", target=alice)
    assert AuditEvent.objects.count() == before
    event = audit_record(actor=alice, action=AuditAction.CALL_CREATED, target=alice)
    assert event.action == "call.created" and verify_audit_chain() == []
