"""Who signs the agreement, and for whom: a company signer who is not the representative signs
by the representative's delegation (위임); a 상생형 call's paying partner is a third party that
signs with an account allowed to sign that one agreement; a smart-factory agreement names the
solution supplier (공급기업) the company chose."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from applications import lifecycle
from applications.models import Agreement, AgreementState, Application, ApplicationEvent, Call, EventType, Signature
from applications.services import agreements as svc
from tests.conftest import PASSWORD, login_with_mfa, make_person

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The PDF's text with no spaces at all: lines wrap inside words (서명 을), so phrases are
    compared without them (`unspaced`)."""
    return "".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def unspaced(text: str) -> str:
    return "".join(text.split())


def page_text(response) -> str:
    """The page's text without tags, white space made single."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def reauthenticated(user, *, mfa: bool = False) -> Client:
    client = Client()
    if mfa:
        login_with_mfa(client, user)
    else:
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


def sign_data(agreement: Agreement, **extra) -> dict:
    version = agreement.current_version()
    return {"version": version.pk, "sha256": version.pdf_sha256, "confirm": "yes", **extra}


def footprint(agreement: Agreement) -> tuple:
    """What a refused signature must leave as it was."""
    agreement.refresh_from_db()
    return (agreement.state, agreement.partner_signer_id, Signature.objects.filter(version__agreement=agreement).count(),
            ApplicationEvent.objects.filter(application_id=agreement.application_id).count())


@pytest.fixture
def issued(selected, olivia, signing_cert):
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    svc.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def paula(db):
    """The partner company's signer: an account of her own, in no company and no program."""
    return make_person("paula@hanbit.example", name="박상생", position="상무")


@pytest.fixture
def three_party(selected, olivia, signing_cert):
    """Acme's agreement in a 상생형 call: 한빛전자(주) pays 30% of the total cost and signs."""
    Call.objects.filter(pk=selected.call_id).update(min_partner_share_bp=3000, min_cash_share_bp=0, partner_name="한빛전자(주)",
                                                    partner_business_number="1168200276", partner_representative="최상생")
    Application.objects.filter(pk=selected.pk).update(partner_amount=90_000_000)
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    svc.render_version(version_id=agreement.current_version().pk)
    agreement.refresh_from_db()
    return agreement


# --- Delegation (위임) --------------------------------------------------------------------------

def test_a_delegate_signs_for_the_representative_and_the_executed_pdf_says_so(issued, alice, otto):
    """Alice (과장) is not Acme's representative (홍길동): her signature is a delegation, kept
    with the representative's name and her position, and the executed agreement states it in
    the parties, the signature block and the signature page."""
    otto.position = "주무관"
    otto.save(update_fields=["position"])
    page = reauthenticated(alice).post(f"/agreements/{issued.pk}/sign/", sign_data(issued, delegated_by="홍길동", position="과장"),
                                       follow=True)
    assert "서명했습니다. 양측이 모두 서명하면 협약이 효력을 가집니다." in page_text(page)
    signature = Signature.objects.get(version__agreement=issued, role=Signature.Role.COMPANY)
    assert (signature.signer, signature.signer_name, signature.signer_position, signature.delegated_by) == (alice, "앨리스", "과장", "홍길동")
    event = ApplicationEvent.objects.filter(application_id=issued.application_id, action=EventType.AGREEMENT_SIGNED).get()
    assert event.data["delegated_by"] == "홍길동" and event.data["sha256"] == signature.pdf_sha256
    assert "앨리스 (과장) · 대표자 홍길동의 위임 ·" in page_text(page)

    lifecycle.agreement_countersign(user=otto, agreement_id=issued.pk, version_id=signature.version_id, seen_sha256=signature.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=issued.pk)
    issued.refresh_from_db()
    text = pdf_text(issued.final_pdf.read())
    assert unspaced("서명 위임 수행기관 대표자 홍길동이 앨리스(과장)에게 이 협약의 체결과 서명을 위임함") in text, text
    assert unspaced("대표자 홍길동 서명자: 앨리스 (과장) (대표자 홍길동의 위임)") in text, text
    assert unspaced("수행기관 서명 앨리스 (과장) · 대표자 홍길동의 위임 ·") in text, text


def test_the_representative_signs_in_person_without_a_delegation(issued, alice, otto):
    alice.name = "홍길동"
    alice.save(update_fields=["name"])
    client = reauthenticated(alice)
    form = client.get(f"/agreements/{issued.pk}/").content.decode()
    assert "협약서에 적힌 대표자 본인으로 서명합니다." in form and 'name="delegated_by"' not in form
    client.post(f"/agreements/{issued.pk}/sign/", sign_data(issued, position="대표이사"))
    signature = Signature.objects.get(version__agreement=issued, role=Signature.Role.COMPANY)
    assert (signature.signer_name, signature.signer_position, signature.delegated_by) == ("홍길동", "대표이사", "")
    lifecycle.agreement_countersign(user=otto, agreement_id=issued.pk, version_id=signature.version_id, seen_sha256=signature.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=issued.pk)
    issued.refresh_from_db()
    text = pdf_text(issued.final_pdf.read())
    assert unspaced("서명자: 홍길동 (대표이사)") in text and "위임" not in text


def test_the_signing_form_asks_a_delegate_for_the_representative_and_the_position(issued, alice):
    html = reauthenticated(alice).get(f"/agreements/{issued.pk}/").content.decode()
    assert "협약서에 적힌 대표자가 아니므로 대표자의 위임에 따라 서명합니다." in html
    assert '<select name="delegated_by" id="delegated-by" required><option value="홍길동">홍길동</option></select>' in html
    assert 'name="position" id="signer-position" value="과장" maxlength="50" required' in html


@pytest.mark.parametrize(("posted", "message"), [
    ({"delegated_by": ""}, "협약서에 적힌 대표자가 아니므로 위임에 따라 서명합니다. 서명을 위임한 대표자를 고르세요. 서명되지 않았습니다."),
    ({"delegated_by": "   "}, "협약서에 적힌 대표자가 아니므로 위임에 따라 서명합니다. 서명을 위임한 대표자를 고르세요. 서명되지 않았습니다."),
    ({"delegated_by": "김철수"}, "협약서에 적힌 대표자는 홍길동입니다. “김철수”의 위임으로는 서명할 수 없습니다. 서명되지 않았습니다."),
    ({"delegated_by": "홍길동", "position": ""}, "위임에 따른 서명에는 서명자의 직위가 적힙니다. 직위(예: 과장)를 입력하세요. 서명되지 않았습니다."),
    ({"delegated_by": "홍길동", "position": "과" * 51}, "직위는 50자까지 적을 수 있습니다. 서명되지 않았습니다."),
])
def test_a_delegation_that_does_not_name_the_representative_is_refused_and_nothing_changes(issued, alice, posted, message):
    before = footprint(issued)
    page = reauthenticated(alice).post(f"/agreements/{issued.pk}/sign/", sign_data(issued, **posted), follow=True)
    assert message in page_text(page)
    assert footprint(issued) == before and before[0] == AgreementState.ISSUED


def test_an_agreement_naming_no_representative_cannot_be_signed_by_delegation(issued, alice):
    version = issued.current_version()
    version.terms["parties"]["company"]["representative_name"] = ""
    version.save(update_fields=["terms"])
    before = footprint(issued)
    page = reauthenticated(alice).post(f"/agreements/{issued.pk}/sign/", sign_data(issued, delegated_by="홍길동"), follow=True)
    assert ("협약서에 에이크미 정밀의 대표자가 적혀 있지 않아 대표자의 위임에 따른 서명을 할 수 없습니다. "
            "사업담당자에게 대표자를 적은 새 판을 요청하세요. 서명되지 않았습니다.") in page_text(page)
    assert footprint(issued) == before


def test_joint_representatives_each_may_delegate(issued, alice):
    version = issued.current_version()
    version.terms["parties"]["company"]["representative_name"] = "홍길동, 김영희"
    version.save(update_fields=["terms"])
    client = reauthenticated(alice)
    html = client.get(f"/agreements/{issued.pk}/").content.decode()
    assert '<option value="">—</option><option value="김영희">' not in html
    assert '<option value="">—</option><option value="홍길동">홍길동</option><option value="김영희">김영희</option>' in html
    client.post(f"/agreements/{issued.pk}/sign/", sign_data(issued, delegated_by="김영희"))
    assert Signature.objects.get(version__agreement=issued).delegated_by == "김영희"


# --- The paying partner (상생형): three parties, three signatures ------------------------------

def test_three_parties_sign_and_the_executed_pdf_carries_all_three_and_validates_offline(three_party, olivia, otto, alice, paula,
                                                                                          settings):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from applications.models import Notification

    agreement = three_party
    officer = reauthenticated(olivia, mfa=True)
    # Not issued before the partner's signer is named: the page offers no issue button.
    page = officer.get(f"/agreements/{agreement.pk}/").content.decode()
    assert "3자 협약입니다. 발행하기 전에 협력기업을 대표해 서명할 계정을 지정하세요." in page and f"/agreements/{agreement.pk}/issue/" not in page
    response = officer.post(f"/agreements/{agreement.pk}/partner-signer/", {"email": "PAULA@hanbit.example"}, follow=True)
    assert "협력기업의 서명자를 지정했습니다." in page_text(response)
    agreement.refresh_from_db()
    assert agreement.partner_signer == paula
    named = ApplicationEvent.objects.get(application_id=agreement.application_id, action=EventType.AGREEMENT_PARTNER_SIGNER)
    assert named.actor == olivia and named.data["signer"] == paula.pk
    officer.post(f"/agreements/{agreement.pk}/issue/", {"confirm": "yes"})
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.ISSUED
    notice = Notification.objects.get(user=paula)
    assert notice.url == f"/agreements/{agreement.pk}/" and notice.message_ko == f"협력기업 서명 요청: 3자 협약 {agreement.number}"

    # Each party's page shows the three parties, in this order, with their representatives.
    partner = reauthenticated(paula)
    rows = page_text(partner.get(f"/agreements/{agreement.pk}/"))
    assert ("당사자 이름 대표자 서명 수행기관 에이크미 정밀 홍길동 서명 전 협력기업 한빛전자(주) 최상생 서명 전 서명할 사람: 박상생 "
            "전담기관 스마트제조혁신추진단 단장 김단장 서명 전") in rows, rows

    reauthenticated(alice).post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, delegated_by="홍길동"))
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.SIGNED

    # The agency cannot countersign before the partner has signed: not counted on the desk,
    # not offered, and refused.
    approver = reauthenticated(otto, mfa=True)
    assert "협약서에 기업이 서명해 전담기관 서명을 기다리는 건: 0건" in page_text(approver.get("/officer/"))
    page = approver.get(f"/agreements/{agreement.pk}/").content.decode()
    assert 'value="agency"' not in page and "협력기업(한빛전자(주))의 서명을 기다리고 있습니다." in page
    before = footprint(agreement)
    refused = approver.post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="agency"), follow=True)
    assert ("3자 협약입니다. 협력기업(한빛전자(주))이 아직 제1판에 서명하지 않았습니다. 전담기관은 수행기관과 협력기업이 모두 서명한 뒤에 "
            "마지막으로 서명합니다. 서명되지 않았습니다.") in page_text(refused)
    assert footprint(agreement) == before

    # The partner signs by its representative's delegation, with her position.
    form = partner.get(f"/agreements/{agreement.pk}/").content.decode()
    assert 'name="role" value="partner"' in form and "협력기업 대표로 서명" in form
    signed = partner.post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="partner", delegated_by="최상생", position="상무"),
                          follow=True)
    assert "서명했습니다. 세 당사자가 모두 서명하면 협약이 효력을 가집니다." in page_text(signed)
    assert "협약서에 기업이 서명해 전담기관 서명을 기다리는 건: 1건" in page_text(approver.get("/officer/"))
    approver.post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="agency"))
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.COUNTERSIGNED
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.EXECUTED

    # Three signatures, each kept alike: signer, name, position, time and the hash of the PDF read.
    version = agreement.current_version()
    signatures = {s.role: s for s in version.signatures.all()}
    assert sorted(signatures) == ["agency", "company", "partner"]
    assert [(s.signer, s.signer_name, s.signer_position, s.delegated_by, s.pdf_sha256) for s in (
        signatures["company"], signatures["partner"], signatures["agency"])] == [
        (alice, "앨리스", "과장", "홍길동", version.pdf_sha256), (paula, "박상생", "상무", "최상생", version.pdf_sha256),
        (otto, "오토", "", "", version.pdf_sha256)]
    assert signatures["company"].signed_at < signatures["partner"].signed_at < signatures["agency"].signed_at
    events = ApplicationEvent.objects.filter(application_id=agreement.application_id).order_by("seq")
    signed_events = [(e.action, e.actor, e.data["sha256"]) for e in events if e.action in (
        EventType.AGREEMENT_SIGNED, EventType.AGREEMENT_PARTNER_SIGNED, EventType.AGREEMENT_COUNTERSIGNED)]
    assert signed_events == [(EventType.AGREEMENT_SIGNED, alice, version.pdf_sha256), (EventType.AGREEMENT_PARTNER_SIGNED, paula, version.pdf_sha256),
                             (EventType.AGREEMENT_COUNTERSIGNED, otto, version.pdf_sha256)]

    final = agreement.final_pdf.read()
    text = pdf_text(final)
    assert unspaced("협력기업(사업비 분담) 한빛전자(주) (대표: 최상생) 사업자등록번호 116-82-00276") in text, text
    assert unspaced("협력기업 서명 위임 협력기업 대표자 최상생이 박상생(상무)에게 이 협약의 체결과 서명을 위임함") in text, text
    assert "체결일:" in text and unspaced("세 당사자의 서명이 끝난 날") not in text
    assert unspaced("협력기업 한빛전자(주) 대표자 최상생 서명자: 박상생 (상무) (대표자 최상생의 위임)") in text, text
    signature_page = text[text.index("전자서명확인"):]
    for expected in ["수행기관 서명 앨리스 (과장) · 대표자 홍길동의 위임 ·", "협력기업 서명 한빛전자(주): 박상생 (상무) · 대표자 최상생의 위임 ·",
                     "전담기관 서명 오토 ·"]:
        assert unspaced(expected) in signature_page, signature_page
    assert signature_page.count(version.pdf_sha256) == 4  # the document's hash and each party's

    # The portal's PAdES signature over the whole file, validated offline (no fetching) by pyHanko.
    embedded = PdfFileReader(io.BytesIO(final)).embedded_signatures
    assert len(embedded) == 1
    offline = ValidationContext(trust_roots=[load_cert_from_pemder(settings.AGREEMENT_SIGNING_CERT)], allow_fetching=False)
    status = validate_pdf_signature(embedded[0], offline)
    assert status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE", status.pretty_print_details()
    assert str(embedded[0].sig_object["/SubFilter"]) == "/ETSI.CAdES.detached"


def test_the_version_to_sign_names_the_partner_and_its_share(three_party):
    text = pdf_text(three_party.current_version().pdf.read())
    assert unspaced("협력기업(사업비 분담) 한빛전자(주) (대표: 최상생) 사업자등록번호 116-82-00276") in text
    assert unspaced("협력기업 부담금 90,000,000원 (총사업비의 30%)") in text
    assert unspaced("체결일: 세 당사자의 서명이 끝난 날") in text
    assert unspaced("협력기업 한빛전자(주) 대표자 최상생 (서명 전)") in text


def test_a_three_party_call_without_its_partner_gets_no_agreement(selected, olivia, signing_cert):
    Call.objects.filter(pk=selected.call_id).update(min_partner_share_bp=3000, min_cash_share_bp=0)
    officer = reauthenticated(olivia, mfa=True)
    page = officer.post(f"/officer/applications/{selected.pk}/agreement/", follow=True)
    assert ("이 공고는 세 당사자가 사업비를 나누어 내는 상생형 공고입니다. 협약서에는 부담금을 내고 서명하는 협력기업이 들어가므로, "
            "먼저 공고 기본 정보에 협력기업과 그 대표자를 적으세요.") in page_text(page)
    assert not Agreement.objects.exists()


def test_issuing_a_three_party_agreement_without_the_partners_signer_is_refused(three_party, olivia):
    before = footprint(three_party)
    page = reauthenticated(olivia, mfa=True).post(f"/agreements/{three_party.pk}/issue/", {"confirm": "yes"}, follow=True)
    assert "3자 협약입니다. 발행하기 전에 협력기업의 서명자를 지정하세요. 발행되지 않았습니다." in page_text(page)
    assert footprint(three_party) == before and before[0] == AgreementState.DRAFTED


@pytest.mark.parametrize(("who", "message"), [
    ("nobody@hanbit.example", "“nobody@hanbit.example” 주소로 확인을 마친 계정이 없습니다. 협력기업의 서명자가 먼저 그 주소로 포털에 가입한 뒤에 "
                              "여기에서 지정하세요. 아무것도 바뀌지 않았습니다."),
    ("carol", "캐럴 님은 과제를 수행하는 기업과 관계가 있어 협력기업을 대표해 서명할 수 없습니다. 협력기업은 제3의 당사자입니다. 아무것도 바뀌지 않았습니다."),
    ("otto", "오토 님은 포털에서 전담기관 쪽 업무를 맡고 있어 협력기업을 대표해 서명할 수 없습니다. 아무것도 바뀌지 않았습니다."),
    ("unconfirmed", "“pete@hanbit.example” 주소로 확인을 마친 계정이 없습니다. 협력기업의 서명자가 먼저 그 주소로 포털에 가입한 뒤에 "
                    "여기에서 지정하세요. 아무것도 바뀌지 않았습니다."),
])
def test_the_partners_signer_must_be_a_real_account_outside_the_company_and_the_agency(three_party, olivia, carol, otto, who, message):
    from allauth.account.models import EmailAddress

    if who == "unconfirmed":
        EmailAddress.objects.filter(user=make_person("pete@hanbit.example", name="피트")).update(verified=False)
    email = {"carol": carol.email, "otto": otto.email, "unconfirmed": "pete@hanbit.example"}.get(who, who)
    before = footprint(three_party)
    response = reauthenticated(olivia, mfa=True).post(f"/agreements/{three_party.pk}/partner-signer/", {"email": email})
    assert response.status_code == 400 and message in page_text(response)
    assert footprint(three_party) == before


def test_random_input_to_the_partner_signer_form_is_refused_cleanly(three_party, olivia):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    officer = reauthenticated(olivia, mfa=True)
    before = footprint(three_party)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(email=st.one_of(st.text(max_size=300), st.emails(), st.sampled_from(["", "\x00", "a@b", olivia.email, "x" * 400 + "@a.kr"])))
    def post(email):
        response = officer.post(f"/agreements/{three_party.pk}/partner-signer/", {"email": email})
        assert response.status_code == 400, (email, response.status_code)
        assert footprint(three_party) == before

    post()


def test_a_two_party_agreement_has_no_partner_signer(issued, olivia, paula):
    officer = reauthenticated(olivia, mfa=True)
    assert 'id="partner-signer"' not in officer.get(f"/agreements/{issued.pk}/").content.decode()
    before = footprint(issued)
    response = officer.post(f"/agreements/{issued.pk}/partner-signer/", {"email": paula.email})
    assert response.status_code == 400 and "협력기업이 서명하는 것은 3자 협약(상생형)뿐입니다." in page_text(response)
    assert footprint(issued) == before


def test_the_partners_signer_reaches_that_one_agreement_and_signs_only_for_the_partner(three_party, olivia, alice, paula, bob,
                                                                                        globex):
    """The role is checked on the server: the named account reads and signs this agreement for
    the partner, and nothing else — not another agreement, not the application, not the company's
    or the agency's signature; anyone else posting as the partner is refused."""
    agreement = three_party
    lifecycle.agreement_partner_signer_set(user=olivia, agreement_id=agreement.pk, email=paula.email)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    # Another company's agreement in the same call, whose partner signer she is not.
    mine = agreement.application
    other_application = Application.objects.create(call=mine.call, company=globex, form_version=mine.form_version, created_by=bob,
                                                   state="agreement")
    other = Agreement.objects.create(application=other_application, number="AG-OTHER-1", created_by=olivia)

    partner = reauthenticated(paula)
    assert partner.get(f"/agreements/{agreement.pk}/").status_code == 200
    assert partner.get(f"/agreements/{agreement.pk}/versions/1.pdf").status_code == 200
    for url in (f"/agreements/{other.pk}/", f"/agreements/{other.pk}/versions/1.pdf", f"/applications/{agreement.application_id}/",
                f"/companies/{agreement.application.company_id}/"):
        assert partner.get(url).status_code == 404, url
    assert partner.post(f"/agreements/{other.pk}/sign/", sign_data(agreement, role="partner")).status_code == 404
    before = footprint(agreement)
    # Her account signs for the partner only: not for the company, and never for the agency.
    page = partner.post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="company"), follow=True)
    assert "이 당사자를 대표해 서명할 권한이 없습니다." in page_text(page)
    page = partner.post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="agency"), follow=True)
    assert 'class="message message-error"' in page.content.decode()
    # The company's signer cannot sign for the partner, nor can a stranger reach the agreement.
    page = reauthenticated(alice).post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="partner"), follow=True)
    assert "이 당사자를 대표해 서명할 권한이 없습니다." in page_text(page)
    assert reauthenticated(bob).post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="partner")).status_code == 404
    assert footprint(agreement) == before

    # Named in her place, another account takes the role; hers is gone at once.
    make_person("pete@hanbit.example", name="피트", position="부장")
    lifecycle.agreement_partner_signer_set(user=olivia, agreement_id=agreement.pk, email="pete@hanbit.example")
    assert partner.get(f"/agreements/{agreement.pk}/").status_code == 404
    assert partner.post(f"/agreements/{agreement.pk}/sign/", sign_data(agreement, role="partner")).status_code == 404


def test_once_the_partner_has_signed_its_signer_stays(three_party, olivia, paula):
    lifecycle.agreement_partner_signer_set(user=olivia, agreement_id=three_party.pk, email=paula.email)
    lifecycle.agreement_issue(user=olivia, agreement_id=three_party.pk)
    version = three_party.current_version()
    lifecycle.agreement_sign_for_partner(user=paula, agreement_id=three_party.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    make_person("pete@hanbit.example", name="피트", position="부장")
    before = footprint(three_party)
    response = reauthenticated(olivia, mfa=True).post(f"/agreements/{three_party.pk}/partner-signer/", {"email": "pete@hanbit.example"})
    assert response.status_code == 400
    assert "협력기업이 이미 이 판에 서명했으므로 서명자를 바꿀 수 없습니다. 아무것도 바뀌지 않았습니다." in page_text(response)
    assert footprint(three_party) == before


def test_the_partners_signer_is_told_with_a_link_to_the_agreement(three_party, olivia, paula):
    from portal.models import OutboundEmail

    lifecycle.agreement_partner_signer_set(user=olivia, agreement_id=three_party.pk, email=paula.email)
    assert not [e for e in OutboundEmail.objects.all() if paula.email in e.to]  # told when it is hers to sign, not before
    lifecycle.agreement_issue(user=olivia, agreement_id=three_party.pk)
    email = next(e for e in OutboundEmail.objects.order_by("-pk") if paula.email in e.to)
    assert email.subject.endswith(f"협력기업 서명 요청: 3자 협약 {three_party.number}")
    assert ("“2026년 스마트공장 9차 공고”에 따른 에이크미 정밀 과제의 협약 " in email.body
            and "사업비를 분담하는 협력기업(한빛전자(주))을 대표해 서명할 사람으로 지정되었습니다." in email.body)
    assert f"/agreements/{three_party.pk}/" in email.body
    html = reauthenticated(paula).get(f"/accounts/reauthenticate/?next=/agreements/{three_party.pk}/sign/").content.decode()
    assert "사업비를 분담하는 협력기업을 대표해 협약서에 서명하려고 합니다." in html


# --- The solution supplier (공급기업) -------------------------------------------------------------

def test_a_smart_factory_application_names_its_supplier_and_the_agreement_prints_it(complete_draft, alice, program):
    program.names_supplier = True
    program.save(update_fields=["names_supplier"])
    client = reauthenticated(alice)
    url = f"/applications/{complete_draft.pk}/edit/overview/"
    page = client.get(url).content.decode()
    assert "공급기업 사업자등록번호" in page and 'name="supplier_name"' in page
    refused = client.post(f"/applications/{complete_draft.pk}/submit/", follow=True)
    assert "고른 공급기업과 그 사업자등록번호를 적으세요." in page_text(refused)
    wrong = client.post(url, {"project_title": complete_draft.project_title, "support_level": complete_draft.support_level_id,
                              "supplier_name": "스마트솔루션(주)", "supplier_business_number": "116-82-00270", "go": "stay"})
    assert "올바른 사업자등록번호가 아닙니다(10자리, 예: 124-81-00998). 공급기업의 사업자등록증을 확인하세요." in page_text(wrong)
    client.post(url, {"project_title": complete_draft.project_title, "support_level": complete_draft.support_level_id,
                      "supplier_name": "스마트솔루션(주)", "supplier_business_number": "116-82-00276", "go": "stay"})
    complete_draft.refresh_from_db()
    assert (complete_draft.supplier_name, complete_draft.supplier_business_number) == ("스마트솔루션(주)", "1168200276")
    assert 'value="116-82-00276"' in client.get(url).content.decode()
    # The page's autosave keeps it too, as the applicant types.
    saved = client.post(f"/applications/{complete_draft.pk}/autosave/", {"step": "overview", "project_title": complete_draft.project_title,
                                                                          "supplier_name": "스마트솔루션 주식회사"})
    assert saved.status_code == 200 and saved.json()["errors"] == {}
    complete_draft.refresh_from_db()
    assert (complete_draft.supplier_name, complete_draft.supplier_business_number) == ("스마트솔루션 주식회사", "1168200276")


def test_the_agreement_names_the_supplier_the_company_chose(selected, olivia, signing_cert):
    Application.objects.filter(pk=selected.pk).update(supplier_name="스마트솔루션(주)", supplier_business_number="1168200276")
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = svc.render_version(version_id=agreement.current_version().pk)
    assert version.terms["parties"]["supplier"] == {"name": "스마트솔루션(주)", "business_number": "1168200276"}
    assert unspaced("공급기업 스마트솔루션(주) (사업자등록번호 116-82-00276)") in pdf_text(version.pdf.read())
    officer = reauthenticated(olivia, mfa=True)
    assert "공급기업 스마트솔루션(주) (116-82-00276)" in page_text(officer.get(f"/agreements/{agreement.pk}/"))
    assert "공급기업 스마트솔루션(주) (116-82-00276)" in page_text(officer.get(f"/officer/applications/{selected.pk}/"))


# --- The call names its paying partner ----------------------------------------------------------

def test_the_officer_names_a_three_party_calls_partner_even_after_it_opened(call, olivia):
    """The partner is the agreements' business, not the applicants': its details may be entered
    or corrected while the call runs, with a checked business number."""
    from tests.browsing import submit

    Call.objects.filter(pk=call.pk).update(min_partner_share_bp=3000, min_cash_share_bp=0)
    officer = Client()
    login_with_mfa(officer, olivia)
    base = f"/officer/calls/{call.pk}"
    refused = submit(officer, f"{base}/", {"partner_name": "한빛전자(주)", "partner_business_number": "116-82-00270",
                                          "partner_representative": "최상생"}, action=re.escape(f"{base}/basics/"))
    assert refused.status_code == 400
    assert "사업자등록번호의 검증번호(마지막 자리)가 맞지 않습니다." in page_text(refused)
    call.refresh_from_db()
    assert call.partner_name == ""
    saved = submit(officer, f"{base}/", {"partner_name": "한빛전자(주)", "partner_business_number": "116-82-00276",
                                        "partner_representative": "최상생"}, action=re.escape(f"{base}/basics/"))
    assert saved.status_code == 302
    call.refresh_from_db()
    assert (call.partner_name, call.partner_business_number, call.partner_representative) == ("한빛전자(주)", "1168200276", "최상생")


def test_a_three_party_call_is_not_published_without_its_partner(call):
    from applications.services.calls import publish_problems

    Call.objects.filter(pk=call.pk).update(min_partner_share_bp=3000)
    call.refresh_from_db()
    with translation.override("ko"):
        assert ("이 공고는 세 당사자가 사업비를 나누어 내는 상생형 공고입니다. 협약서에는 부담금을 내고 서명하는 협력기업이 들어가므로, "
                "먼저 공고 기본 정보에 협력기업과 그 대표자를 적으세요.") in publish_problems(call)
    Call.objects.filter(pk=call.pk).update(partner_name="한빛전자(주)", partner_representative="최상생")
    call.refresh_from_db()
    assert publish_problems(call) == []
