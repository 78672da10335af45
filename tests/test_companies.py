"""Registering a company, its bad input, duplicates, invitations and join requests."""

from __future__ import annotations

import re

import pytest

from portal.models import AuditEvent, Company, CompanyInvitation, CompanyJoinRequest, CompanyMembership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

VALID = {
    "name": "한빛정밀 주식회사",
    "business_number": "214-86-12341",
    "corporate_number": "110111-0006240",
    "representative_name": "김한빛",
    "address": "경상남도 창원시 성산구 공단로 100",
    "region": "48",
    "ksic_code": "c29271",
    "founded_on": "2012-04-02",
    "employees": "48",
    "fiscal_year": "2025",
    "revenue_latest": "12,400,000,000",
    "revenue_previous": "11100000000",
    "revenue_before_previous": "9,800,000,000원",
    "total_assets": "8,700,000,000",
    "certifications": ["venture", "research_institute"],
}


@pytest.fixture
def signed_in(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


def test_registering_a_company_makes_the_person_its_owner(signed_in, alice):
    response = signed_in.post("/companies/new/", VALID)
    company = Company.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/companies/{company.pk}/"
    assert company.business_number == "2148612341"
    assert company.corporate_number == "1101110006240"
    assert company.ksic_code == "C29271"
    assert company.revenue_before_previous == 9_800_000_000
    assert company.average_revenue == 11_100_000_000
    membership = CompanyMembership.objects.get(company=company)
    assert membership.user == alice and membership.role == "owner" and membership.can_sign
    assert AuditEvent.objects.filter(action="company.registered", target_id=str(company.pk), actor=alice).exists()
    page = signed_in.get(f"/companies/{company.pk}/").content.decode()
    assert "214-86-12341" in page and "한빛정밀" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("business_number", "214-86-12342", "검증번호"),
        ("business_number", "214-86-1234", "10자리"),
        ("business_number", "abc-de-fghij", "10자리"),
        ("business_number", "214-86-1234²", "검증번호"),
        ("business_number", "٢١٤-٨٦-١٢٣٤١", "10자리"),
        ("business_number", "000-00-00000", "세무서 코드"),
        ("corporate_number", "110111-0006241", "검증번호"),
        ("corporate_number", "110111-000624", "13자리"),
        ("ksic_code", "C99999", "한국표준산업분류"),
        ("founded_on", "2999-01-01", "미래"),
        ("revenue_latest", "-5", "0"),
        ("revenue_latest", "많음", "정수"),
        ("name", "가" * 201, "200"),
        ("region", "99", "선택"),
    ],
)
def test_bad_input_gets_a_korean_message_next_to_the_field_and_saves_nothing(signed_in, field, value, message):
    response = signed_in.post("/companies/new/", {**VALID, field: value})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    assert not Company.objects.exists()
    assert not CompanyMembership.objects.exists()


def test_full_width_digits_find_the_company_already_registered(signed_in, globex):
    """A Korean input method writes １２４-８１-…: the same company, never a second one."""
    written = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else "－" for c in globex.business_number_display)
    response = signed_in.post("/companies/new/", {**VALID, "business_number": written})
    assert response.status_code == 409
    assert "이미 등록된 기업" in response.content.decode()
    assert Company.objects.count() == 1


def test_a_full_width_number_is_stored_in_ascii(signed_in):
    response = signed_in.post("/companies/new/", {**VALID, "business_number": "２１４ ８６ １２３４１"})
    assert response.status_code == 302
    assert Company.objects.get().business_number == "2148612341"


def test_registering_an_existing_number_offers_to_ask_the_owner(signed_in, client, bob, globex):
    response = signed_in.post("/companies/new/", {**VALID, "business_number": globex.business_number})
    assert response.status_code == 409
    html = response.content.decode()
    assert "이미 등록된 기업" in html
    assert Company.objects.count() == 1
    assert 'action="/companies/join/"' in html and f"/companies/{globex.pk}/" not in html


def test_the_join_form_reveals_nothing_to_someone_without_the_number(signed_in, globex):
    """The join request carries the number, never a company id: without the right number
    nothing about any company comes back."""
    for data in ({"message": "x" * 501}, {"message": "x" * 501, "business_number": "1234567891"}, {"message": "안녕하세요"}):
        response = signed_in.post("/companies/join/", data)
        assert response.status_code == 404
        assert globex.business_number_display not in response.content.decode() and globex.name not in response.content.decode()
    assert not CompanyJoinRequest.objects.exists()
    # Who typed the number gets the form back with its error.
    response = signed_in.post("/companies/join/", {"message": "x" * 501, "business_number": globex.business_number_display})
    assert response.status_code == 400 and "이미 등록된 기업" in response.content.decode()


def test_join_request_reaches_the_owner_who_approves_it(signed_in, client, alice, bob, globex, deliver_outbox):
    signed_in.post("/companies/join/", {"message": "영업팀 김입니다", "business_number": globex.business_number})
    join_request = CompanyJoinRequest.objects.get()
    assert join_request.status == "pending"
    sent = deliver_outbox()
    assert sent[-1].to == ["bob@example.com"] and "English" not in sent[-1].body

    # A second request while one is pending does not pile up.
    signed_in.post("/companies/join/", {"message": "again", "business_number": globex.business_number})
    assert CompanyJoinRequest.objects.count() == 1

    # Alice cannot decide her own request.
    response = signed_in.post(f"/companies/{globex.pk}/join-requests/{join_request.pk}/", {"decision": "approve"})
    assert response.status_code == 404

    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    page = client.get(f"/companies/{globex.pk}/").content.decode()
    assert "alice@example.com" in page
    client.post(f"/companies/{globex.pk}/join-requests/{join_request.pk}/", {"decision": "approve"})
    assert CompanyMembership.objects.filter(company=globex, user=alice, role="member").exists()
    join_request.refresh_from_db()
    assert join_request.status == "approved" and join_request.decided_by == bob


def test_owner_invites_a_colleague_who_accepts(client, alice, acme, deliver_outbox, db):
    from tests.conftest import make_person

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    client.post(f"/companies/{acme.pk}/invite/", {"email": "Dave@Example.com"})
    invitation = CompanyInvitation.objects.get()
    assert invitation.email == "dave@example.com"
    sent = deliver_outbox()
    assert invitation.token in sent[-1].body

    dave = make_person("dave@example.com")
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"login": dave.email, "password": PASSWORD})
    assert client.get(f"/invitations/{invitation.token}/").status_code == 200
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 302
    assert CompanyMembership.objects.filter(company=acme, user=dave, role="member").exists()
    # The same link cannot be used twice.
    assert client.post(f"/invitations/{invitation.token}/").status_code == 400


def test_invitation_for_another_address_cannot_be_accepted(client, alice, bob, acme):
    invitation = CompanyInvitation.objects.create(company=acme, email="dave@example.com", invited_by=alice)
    client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 400
    assert not CompanyMembership.objects.filter(company=acme, user=bob).exists()


def test_expired_invitation_is_refused(client, alice, acme, db):
    from datetime import timedelta

    from django.utils import timezone

    from tests.conftest import make_person

    invitation = CompanyInvitation.objects.create(
        company=acme, email="dave@example.com", invited_by=alice, expires_at=timezone.now() - timedelta(minutes=1)
    )
    dave = make_person("dave@example.com")
    client.post("/accounts/login/", {"login": dave.email, "password": PASSWORD})
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 400
    assert "기한" in response.content.decode()
    assert not CompanyMembership.objects.filter(company=acme, user=dave).exists()


def test_owner_edits_the_profile_but_cannot_change_the_number(client, alice, acme):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    data = {**VALID, "business_number": "214-86-12341", "name": "에이크미 정밀 (주)"}
    response = client.post(f"/companies/{acme.pk}/edit/", data)
    assert response.status_code == 302
    old_number = acme.business_number
    acme.refresh_from_db()
    assert acme.name == "에이크미 정밀 (주)"
    assert acme.business_number == old_number
    assert AuditEvent.objects.filter(action="company.updated", target_id=str(acme.pk)).exists()


def test_the_people_of_a_company_are_listed_by_name_and_position(signed_in, alice, carol, acme):
    """Colleagues know each other by name and position (asked at sign-up); the e-mail address
    follows, and stands alone only for an account without a name."""
    alice.position = "대표이사"
    alice.save(update_fields=["position"])
    carol.name = ""
    carol.save(update_fields=["name"])
    page = signed_in.get(f"/companies/{acme.pk}/").content.decode()
    assert re.search(r'<li><strong>앨리스</strong> 대표이사 <span class="person-email">\(alice@example.com\)</span> — 대표 관리자 · 협약 서명 권한\s*</li>',
                     page)
    assert re.search(r"<li><strong>carol@example.com</strong> — 구성원\s*<form", page)
