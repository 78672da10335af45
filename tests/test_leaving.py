"""Leaving the portal (회원 탈퇴): reached from "내 정보", the password asked again, a
confirmation; refused with the reason while the person is a company's last owner, signed a
running agreement or holds an agency account; the account closed and its personal fields
gone, while the records the law keeps still render and name the person by a pseudonym."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications import lifecycle
from applications.models import Agreement, AgreementState, Application, Notification
from applications.services import agreements as agreement_services
from portal.models import AuditEvent, CompanyMembership, Consent, DestructionRecord, User
from portal.privacy import consent_record
from portal.services.leaving import account_leave, leaving_obstacles
from tests.conftest import PASSWORD, login_with_mfa, make_person, wait_until

pytestmark = pytest.mark.django_db

ONLY_OWNER = ("대표 관리자가 회원님뿐인 기업이 있어 아직 탈퇴할 수 없습니다: 에이크미 정밀. 기업 페이지에서 다른 구성원을 대표 관리자로 지정한 뒤 "
              "다시 시도하세요. 다른 구성원이 없으면 먼저 동료를 초대하세요.")
AGENCY_ACCOUNT = "사업담당자나 관리자 같은 기관 계정은 이 화면에서 탈퇴할 수 없습니다. 시스템 관리자에게 계정 정리를 요청하세요."


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def an_hour_later():
    """Long enough after signing in that allauth asks for the password again."""
    return time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=True)


def leave_through_the_pages(client: Client) -> None:
    """An hour after signing in: the password again, then the confirmation ticked."""
    with an_hour_later():
        response = client.get("/me/leave/")
        assert response.status_code == 302 and response["Location"] == "/accounts/reauthenticate/?next=%2Fme%2Fleave%2F"
        assert client.post(response["Location"], {"password": PASSWORD, "next": "/me/leave/"})["Location"] == "/me/leave/"
        response = client.post("/me/leave/", {"step": "confirm", "confirm": "yes"})
        assert response.status_code == 302 and response["Location"] == "/", response.content.decode()[:2000]


def test_leaving_is_reached_from_my_details_asks_the_password_again_and_then_a_confirmation(carol, acme):
    client = signed_in(carol)
    assert 'href="/me/leave/">회원 탈퇴</a>' in client.get("/me/").content.decode()
    with an_hour_later():
        response = client.get("/me/leave/")
        assert response["Location"] == "/accounts/reauthenticate/?next=%2Fme%2Fleave%2F"
        page = client.get(response["Location"]).content.decode()
        assert "회원 탈퇴를 하려고 합니다. 탈퇴하면 계정이 영구히 닫히므로, 본인임을 확인하기 위해 비밀번호를 다시 입력하세요." in page
        client.post(response["Location"], {"password": PASSWORD, "next": "/me/leave/"})
        page = client.get("/me/leave/").content.decode()
        for sentence in ("<h1>회원 탈퇴</h1>",
                         "계정이 즉시 닫힙니다. 다시 로그인할 수 없으며 이름, 이메일 주소, 전화번호, 직위, 비밀번호, 2단계 인증 수단을 삭제합니다.",
                         "다음 기업의 구성원에서 빠집니다: 에이크미 정밀.",
                         "동의 기록은 증빙으로 3년 동안 보관한 뒤 파기합니다.",
                         "탈퇴하면 계정이 영구히 닫힌다는 것을 확인합니다.", "carol@example.com"):
            assert sentence in page, sentence
        # Without the box ticked nothing happens.
        response = client.post("/me/leave/", {"step": "confirm"})
        assert response.status_code == 400 and "아직 아무것도 실행되지 않았습니다. 확인란을 선택하세요." in response.content.decode()
    carol.refresh_from_db()
    assert carol.is_active and carol.left_at is None


def test_a_member_who_leaves_has_the_account_closed_and_the_personal_fields_gone(carol, acme):
    consent_record(user=carol, answers={"personal_information": True, "program_news": True}, ip="10.0.0.7")
    Authenticator.objects.create(user=carol, type=Authenticator.Type.RECOVERY_CODES, data={})
    carol.phone, carol.position = "010-2222-3333", "과장"
    carol.save()
    client = signed_in(carol)
    leave_through_the_pages(client)
    assert "탈퇴했습니다. 계정을 닫고 개인정보를 삭제했습니다." in client.get("/").content.decode()
    assert client.get("/me/").status_code == 302  # signed out

    carol.refresh_from_db()
    assert carol.left_at is not None and not carol.is_active and not carol.has_usable_password()
    assert (carol.name, carol.phone, carol.position, carol.last_login) == ("", "", "", None)
    assert carol.email == f"{carol.pseudonym.lower()}@left.invalid" and len(carol.pseudonym) == 8
    assert str(carol) == f"탈퇴한 회원 {carol.pseudonym}"
    assert not CompanyMembership.objects.filter(user=carol).exists()
    assert not EmailAddress.objects.filter(user=carol).exists() and not Authenticator.objects.filter(user=carol).exists()
    # Leaving withdrew each consent still given, as new rows; the earlier answers stay as evidence.
    assert list(Consent.objects.filter(user=carol).order_by("pk").values_list("item", "granted")) == [
        ("personal_information", True), ("program_news", True), ("personal_information", False), ("program_news", False)]
    record = DestructionRecord.objects.get()
    assert (record.category, record.method, record.count, record.job) == (
        "left_account", "anonymised", 1, "portal.services.leaving.account_leave")
    assert "carol" not in str(record.detail)
    event = AuditEvent.objects.get(action="account.left")
    assert event.actor is None and event.target_id == str(carol.pk) and event.data == {"pseudonym": carol.pseudonym}

    # The old address signs in no more, and is free for a new sign-up.
    response = Client().post("/accounts/login/", {"login": "carol@example.com", "password": PASSWORD})
    assert response.status_code == 200 and "이메일 또는 비밀번호가 올바르지 않습니다." in response.content.decode()
    response = Client().post("/accounts/signup/", {"email": "carol@example.com", "password1": PASSWORD, "password2": PASSWORD,
                                                   "name": "캐럴", "consent_personal_information": "on"})
    assert response.status_code == 302
    assert User.objects.get(email="carol@example.com").pk != carol.pk


def test_a_session_open_elsewhere_ends_when_the_person_leaves(carol, acme):
    other_browser = signed_in(carol)
    assert other_browser.get("/me/").status_code == 200
    account_leave(user_id=carol.pk)
    assert other_browser.get("/me/").status_code == 302


def test_the_last_owner_of_a_company_is_told_why_and_nothing_changes(alice, acme):
    client = signed_in(alice)
    response = client.get("/me/leave/")
    assert response.status_code == 200  # said before any password is asked
    html = response.content.decode()
    assert "다음 사유로 아직 탈퇴할 수 없습니다." in html and ONLY_OWNER in html
    response = client.post("/me/leave/", {"step": "confirm", "confirm": "yes"})
    assert response.status_code == 400 and ONLY_OWNER in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        account_leave(user_id=alice.pk)
    assert refused.value.messages == [ONLY_OWNER]
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.com" and alice.name == "앨리스"
    assert CompanyMembership.objects.filter(user=alice).exists() and not DestructionRecord.objects.exists()


def test_an_owner_makes_a_colleague_owner_through_the_company_page_and_may_then_leave(alice, carol, acme):
    owner = signed_in(alice)
    membership = CompanyMembership.objects.get(user=carol, company=acme)
    page = owner.get(f"/companies/{acme.pk}/").content.decode()
    assert f'action="/companies/{acme.pk}/members/{membership.pk}/owner/"' in page and "대표 관리자로 지정" in page
    confirmation = owner.post(f"/companies/{acme.pk}/members/{membership.pk}/owner/")
    assert confirmation.status_code == 200
    assert "포털에서는 대표 관리자 권한을 다시 거둘 수 없습니다." in confirmation.content.decode()
    membership.refresh_from_db()
    assert membership.role == "member"  # not without the box ticked
    response = owner.post(f"/companies/{acme.pk}/members/{membership.pk}/owner/", {"step": "confirm", "confirm": "yes"}, follow=True)
    assert "기업의 대표 관리자로 지정했습니다: 캐럴." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"
    # A plain member may not make owners.
    assert signed_in(make_member(acme)).post(f"/companies/{acme.pk}/members/{membership.pk}/owner/").status_code == 403
    assert leaving_obstacles(alice) == []
    leave_through_the_pages(owner)
    assert sorted(acme.memberships.values_list("user__email", "role")) == [("carol@example.com", "owner"), ("dora@example.com", "member")]


def make_member(company):
    person = make_person("dora@example.com", name="도라")
    CompanyMembership.objects.create(company=company, user=person)
    return person


def test_an_officer_or_administrator_is_told_to_ask_the_administrator(olivia, adam):
    for person in (olivia, adam):
        client = Client()
        login_with_mfa(client, person)
        html = client.get("/me/leave/").content.decode()
        assert AGENCY_ACCOUNT in html, person
        with pytest.raises(ValidationError) as refused:
            account_leave(user_id=person.pk)
        assert refused.value.messages == [AGENCY_ACCOUNT]


@pytest.fixture
def executed(selected, olivia, otto, alice, signing_cert):
    """Acme's agreement, signed by Alice for the company and by Otto for the agency, in force."""
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    agreement_services.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    version = agreement.current_version()
    version.refresh_from_db()
    lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_countersign(user=otto, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.EXECUTED
    return agreement


def test_a_signer_of_a_running_agreement_leaves_only_after_its_period_ends(executed, alice, carol, acme):
    CompanyMembership.objects.filter(user=carol, company=acme).update(role="owner")  # Alice is not the last owner
    end = datetime.date.fromisoformat(executed.current_version().terms["end"])
    weekday = "월화수목금토일"[end.weekday()]
    refusal = (f"서명한 협약이 아직 진행 중이어서 탈퇴할 수 없습니다(협약번호 {executed.number}, 협약기간 {end.year}년 {end.month}월 "
               f"{end.day}일({weekday})까지). 협약기간이 끝나면 탈퇴할 수 있습니다.")
    assert leaving_obstacles(alice) == [refusal]
    html = signed_in(alice).get("/me/leave/").content.decode()
    assert refusal in html
    last_day = datetime.datetime.combine(end, datetime.time(23, 0), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(last_day, tick=False):
        assert leaving_obstacles(alice) == [refusal]  # the period's last day still counts
    with time_machine.travel(last_day + datetime.timedelta(hours=2), tick=False):
        assert leaving_obstacles(alice) == []
        account_leave(user_id=alice.pk)

    # The records the law keeps still render and name her: the agreement by the name she signed
    # with, the application's history by her pseudonym.
    alice.refresh_from_db()
    otto = User.objects.get(email="otto@example.com")
    officer = Client()
    login_with_mfa(officer, otto)
    page = officer.get(f"/agreements/{executed.pk}/").content.decode()
    assert "앨리스" in page and "alice@example.com" not in page
    olivia = User.objects.get(email="olivia@example.com")
    officer = Client()
    login_with_mfa(officer, olivia)
    page = officer.get(f"/officer/applications/{executed.application_id}/").content.decode()
    assert f"탈퇴한 회원 {alice.pseudonym}" in page and "alice@example.com" not in page
    assert Application.objects.get(pk=executed.application_id).created_by == alice
    colleague = signed_in(carol)
    assert colleague.get(f"/applications/{executed.application_id}/").status_code == 200
    assert colleague.get(f"/agreements/{executed.pk}/").status_code == 200
    assert Agreement.objects.get(pk=executed.pk).current_version().signatures.get(role="company").signer_name == "앨리스"


def test_leaving_forgets_notices_requests_and_mail_to_the_person_alone(carol, acme, bob, globex, complete_draft):
    from portal.models import CompanyInvitation, CompanyJoinRequest, OutboundEmail

    Notification.objects.create(user=carol, message_ko="알림", message_en="notice")
    CompanyJoinRequest.objects.create(company=globex, user=carol, message="저는 캐럴입니다")
    CompanyInvitation.objects.create(company=globex, email="carol@example.com", invited_by=bob)
    alone = OutboundEmail.objects.create(subject="s", body="b", from_email="f", to=["carol@example.com"])
    shared = OutboundEmail.objects.create(subject="s", body="b", from_email="f", to=["Carol@example.com", "alice@example.com"])
    account_leave(user_id=carol.pk)
    assert not Notification.objects.filter(user=carol).exists()
    assert not CompanyJoinRequest.objects.filter(user=carol).exists()
    assert not CompanyInvitation.objects.filter(email__iexact="carol@example.com").exists()
    assert not OutboundEmail.objects.filter(pk=alone.pk).exists()
    shared.refresh_from_db()
    assert shared.to == ["alice@example.com"]


def test_leaving_twice_is_refused(carol, acme):
    account_leave(user_id=carol.pk)
    with pytest.raises(ValidationError) as refused:
        account_leave(user_id=carol.pk)
    assert refused.value.messages == ["이미 탈퇴한 계정입니다."]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_the_company_one_owner():
    """Both are owners, so each alone may leave; run together, the company's row lock makes the
    second see that the first has gone, and refuses it as the last owner."""
    from unittest import mock

    from portal.services import leaving
    from tests.factories import CompanyFactory

    first, second = make_person("first@example.com", name="첫째"), make_person("second@example.com", name="둘째")
    company = CompanyFactory(name="공동 기업")
    for person in (first, second):
        CompanyMembership.objects.create(company=company, user=person, role="owner", can_sign=True)

    checked, release = threading.Event(), threading.Event()
    real_obstacles = leaving.leaving_obstacles

    def held_after_the_check(user):
        reasons = real_obstacles(user)
        if user.pk == first.pk:  # the first has its locks and found nothing in the way: hold it there
            checked.set()
            release.wait(10)
        return reasons

    outcome = {}

    def waiting_on_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
            return cursor.fetchone()[0] == 1

    def leave(person):
        try:
            account_leave(user_id=person.pk)
            outcome[person.pk] = "left"
        except ValidationError as exc:
            outcome[person.pk] = exc.messages
        finally:
            connection.close()

    with mock.patch.object(leaving, "leaving_obstacles", held_after_the_check):
        one = threading.Thread(target=leave, args=(first,))
        one.start()
        assert checked.wait(10)
        two = threading.Thread(target=leave, args=(second,))
        two.start()
        assert wait_until(waiting_on_a_lock, timeout=10)  # the second waits on the company's row
        release.set()
        one.join(10)
        two.join(10)
    assert outcome[first.pk] == "left"
    assert outcome[second.pk] == [ONLY_OWNER.replace("에이크미 정밀", "공동 기업")]
    assert list(company.memberships.values_list("user_id", "role")) == [(second.pk, "owner")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=st.dictionaries(st.sampled_from(["step", "confirm", "next", "password"]),
                               st.one_of(st.text(max_size=80), st.sampled_from(["yes", "confirm", "", "\x00", "/me/leave/"])), max_size=4))
def test_random_input_to_the_leaving_page_never_gives_a_server_error(alice, carol, acme, payload):
    """The only owner (refused) and a member (who may leave) post anything: never a server
    error, and the owner stays whatever was sent."""
    for person in User.objects.filter(pk__in=[alice.pk, carol.pk], left_at__isnull=True):
        client = Client(raise_request_exception=False)
        client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})  # just signed in: no password asked again
        assert client.post("/me/leave/", payload).status_code < 500
    alice.refresh_from_db()
    assert alice.is_active and alice.left_at is None


def test_an_outside_reviewer_who_leaves_is_named_by_the_pseudonym_on_the_panel(panel, reviewers, olivia):
    from reviews.models import ReviewerProfile

    expert = reviewers[0]
    ReviewerProfile.objects.filter(user=expert).update(affiliation="한국대학교", expertise="스마트공장")
    assert leaving_obstacles(expert) == []
    account_leave(user_id=expert.pk)
    expert.refresh_from_db()
    assert ReviewerProfile.objects.filter(user=expert, affiliation="", expertise="", is_active=False).exists()
    officer = Client()
    login_with_mfa(officer, olivia)
    page = officer.get(f"/officer/panels/{panel.pk}/").content.decode()
    assert f"탈퇴한 회원 {expert.pseudonym}" in page and "평가위원0" not in page and "expert0@example.com" not in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_signature_and_leaving_at_the_same_moment_do_not_cross(selected, olivia, alice, carol, acme, signing_cert):
    """Carol may sign for Acme and may leave (Alice stays owner). She leaves while her
    signature is on its way: leaving holds her row after finding no running agreement, the
    signature waits for it and is then refused — never a running agreement signed by a
    closed account."""
    from unittest import mock

    from portal.services import leaving

    CompanyMembership.objects.filter(user=carol, company=acme).update(can_sign=True)
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    agreement_services.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    version = agreement.current_version()
    checked, release = threading.Event(), threading.Event()
    real_obstacles = leaving.leaving_obstacles

    def held_after_the_check(user):
        reasons = real_obstacles(user)
        checked.set()
        release.wait(10)
        return reasons

    outcome = {}

    def waiting_on_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
            return cursor.fetchone()[0] == 1

    def leave():
        try:
            account_leave(user_id=carol.pk)
            outcome["leave"] = "left"
        except ValidationError as exc:
            outcome["leave"] = exc.messages
        finally:
            connection.close()

    def sign():
        try:
            lifecycle.agreement_sign(user=carol, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256,
                                              delegated_by="홍길동", position="대리")
            outcome["sign"] = "signed"
        except ValidationError as exc:
            outcome["sign"] = exc.messages
        finally:
            connection.close()

    with mock.patch.object(leaving, "leaving_obstacles", held_after_the_check):
        one = threading.Thread(target=leave)
        one.start()
        assert checked.wait(10)
        two = threading.Thread(target=sign)
        two.start()
        assert wait_until(waiting_on_a_lock, timeout=10)  # the signature waits on Carol's row
        release.set()
        one.join(10)
        two.join(10)
    assert outcome == {"leave": "left", "sign": ["탈퇴한 계정이어서 더 이상 서명할 수 없습니다. 서명되지 않았습니다."]}
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ISSUED and not version.signatures.exists()


def test_a_reviewer_with_reviews_not_yet_submitted_is_told_which_call_and_may_leave_once_they_are_done(
        call, panel, olivia, alice, acme, bob, globex):
    """Two applications under evaluation, three reviewers each of five: a reviewer who still
    owes a review would leave the panel short of a score."""
    from reviews.models import Assignment
    from reviews.services import evaluation
    from tests.conftest import score_all, under_review

    for owner, company in ((alice, acme), (bob, globex)):
        under_review(owner, company, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    expert = (User.objects.filter(assignments__panel=panel).annotate(n=Count("assignments")).filter(n=2).order_by("pk").first())
    first, second = Assignment.objects.filter(reviewer=expert).order_by("pk")
    refusal = (f"아직 제출하지 않은 평가가 2건 있어 탈퇴할 수 없습니다: {call.title}. 평가를 제출하거나 사업담당자에게 배정 해제를 요청한 뒤 "
               "다시 시도하세요.")
    assert leaving_obstacles(expert) == [refusal]
    client = Client()
    login_with_mfa(client, expert)
    html = client.get("/me/leave/").content.decode()
    assert "다음 사유로 아직 탈퇴할 수 없습니다." in html and refusal in html
    response = client.post("/me/leave/", {"step": "confirm", "confirm": "yes"})
    assert response.status_code == 400 and refusal in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        account_leave(user_id=expert.pk)
    assert refused.value.messages == [refusal]
    expert.refresh_from_db()
    assert expert.is_active and expert.left_at is None

    # One submitted, the other taken off by the officer: nothing is awaited from the reviewer any more.
    score_all(first, [36, 25, 18, 9])
    assert leaving_obstacles(expert) == [refusal.replace("2건", "1건")]
    officer = Client()
    login_with_mfa(officer, olivia)
    officer.post(f"/officer/assignments/{second.pk}/waive/", {"reason": "평가위원 개인 사정"})
    assert Assignment.objects.get(pk=second.pk).status == "waived"
    assert leaving_obstacles(expert) == []
    account_leave(user_id=expert.pk)
    assert Assignment.objects.filter(reviewer=expert).count() == 2  # the evaluation keeps them, under the pseudonym


def test_a_reviewer_who_left_is_never_assigned(call, panel, reviewers, olivia, alice, acme):
    from reviews.models import Assignment
    from reviews.services import evaluation
    from tests.conftest import under_review

    application = under_review(alice, acme, call, olivia)
    expert = reviewers[0]
    account_leave(user_id=expert.pk)
    with pytest.raises(ValidationError) as refused:
        evaluation.assign(user=olivia, panel=panel, application=application, reviewer=expert)
    assert refused.value.messages == ["탈퇴한 회원이어서 평가를 배정할 수 없습니다."]
    evaluation.auto_assign(user=olivia, panel=panel)
    assert Assignment.objects.filter(application=application).count() == panel.reviewers_per_application
    assert not Assignment.objects.filter(reviewer=expert).exists()
