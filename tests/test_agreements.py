"""The agreement from preparation to a digitally signed, verifiable PDF."""

from __future__ import annotations

import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone as django_timezone
from pypdf import PdfReader

from applications import lifecycle
from applications.agreement_text import validate_clause_text
from applications.models import Agreement, AgreementState, AgreementVersion, State
from applications.pdf import static_only_fetcher
from applications.services import agreements as svc
from portal.models import CompanyMembership
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text with runs of white space made single (letter-spaced titles come out spread)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def pdf_fonts(data: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


@pytest.fixture
def prepared(selected, olivia, signing_cert):
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    svc.render_version(version_id=agreement.current_version().pk)  # what the worker does
    agreement.refresh_from_db()
    return agreement


def _reauthenticated(user, *, mfa: bool = False) -> Client:
    client = Client()
    if mfa:
        login_with_mfa(client, user)
    else:
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


def test_the_pdf_holds_the_parties_amounts_in_digits_and_words_and_dates(prepared, acme):
    version = prepared.current_version()
    data = version.pdf.read()
    text = pdf_text(data)
    for expected in [acme.name, acme.business_number_display, acme.representative_name, "150,000,000원", "금 일억오천만원정",
                     "300,000,000원", "금 삼억원정", prepared.number, "협 약 서", "제6조(협약변경)"]:
        assert expected in text, expected
    start = datetime.date.fromisoformat(version.terms["start"])
    assert f"{start.year}년 {start.month}월 {start.day}일" in text  # 2026년 12월 1일, never 12월 01일
    assert "년 0" not in text and "월 0" not in text
    # The agency head signs; shares carry their percentages; the 정산 clause is there.
    assert "스마트제조혁신추진단 (대표: 단장 김단장)" in text
    assert "150,000,000원 (총사업비의 50%)" in text
    assert "제8조(사업비 정산)" in text and "이자는전담기관에반납" in text.replace(" ", "")
    assert "체결일: 두 당사자의 서명이 끝난 날" in text
    assert "\ufffd" not in text  # no missing glyph
    fonts = pdf_fonts(data)
    assert fonts and all("Nanum" in f for f in fonts), fonts
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == f"협약서 {prepared.number}"
    assert "/Lang" in reader.trailer["/Root"] and str(reader.trailer["/Root"]["/Lang"]) == "ko"
    assert version.pdf_sha256 and len(reader.pages) >= 2


def test_rendering_the_same_version_twice_keeps_one_file(prepared):
    version = prepared.current_version()
    name, sha = version.pdf.name, version.pdf_sha256
    again = svc.render_version(version_id=version.pk)
    assert (again.pdf.name, again.pdf_sha256) == (name, sha)
    folder = Path(version.pdf.storage.path(name)).parent
    assert [p.name for p in folder.iterdir()] == [Path(name).name]


def test_the_whole_signing_flow_ends_in_a_signed_verifiable_pdf(prepared, olivia, otto, alice, client):
    # Signers are named with their position, never by an e-mail address.
    alice.position, otto.position = "대표이사", "주무관"
    alice.save(update_fields=["position"])
    otto.save(update_fields=["position"])
    officer = _reauthenticated(olivia, mfa=True)
    officer.post(f"/agreements/{prepared.pk}/issue/", {"confirm": "yes"})
    prepared.refresh_from_db()
    assert prepared.state == AgreementState.ISSUED
    version = prepared.current_version()

    applicant = _reauthenticated(alice)
    applicant.post(f"/agreements/{prepared.pk}/sign/", {"version": version.pk, "sha256": version.pdf_sha256, "confirm": "yes"})
    prepared.refresh_from_db()
    assert prepared.state == AgreementState.SIGNED
    signature = version.signatures.get(role="company")
    assert (signature.signer, signature.pdf_sha256, signature.ip_address) == (alice, version.pdf_sha256, "127.0.0.1")

    # The officer who prepared and issued it does not approve it; a second officer does.
    approver = _reauthenticated(otto, mfa=True)
    approver.post(f"/agreements/{prepared.pk}/sign/", {"version": version.pk, "sha256": version.pdf_sha256, "confirm": "yes", "role": "agency"})
    prepared.refresh_from_db()
    assert prepared.state == AgreementState.COUNTERSIGNED
    assert applicant.get(f"/agreements/{prepared.pk}/final.pdf").status_code == 404  # not in force yet
    lifecycle.agreement_execute(agreement_id=prepared.pk)  # what the worker does
    prepared.refresh_from_db()
    assert prepared.state == AgreementState.EXECUTED
    assert prepared.application.state == State.CONTRACTED

    final = prepared.final_pdf.read()
    text = pdf_text(final)
    assert "전자서명 확인" in text and version.pdf_sha256[:16] in text.replace(" ", "")
    concluded = django_timezone.localtime(version.signatures.get(role="agency").signed_at).date()
    assert f"체결일: {concluded.year}년 {concluded.month}월 {concluded.day}일" in text
    assert "IP" not in text and "127.0.0.1 " not in text  # addresses stay in the record, not on paper
    assert "서명자: 앨리스 (대표이사)" in text and "담당자: 오토 (주무관)" in text, text
    assert "alice@example.com" not in text
    # The exact bytes the company signed travel inside the executed PDF (PDF/A-3 associated file).
    attached = PdfReader(io.BytesIO(final)).attachments
    assert list(attached) == [f"{prepared.number}-v{version.number}.pdf"]
    assert hashlib.sha256(attached[f"{prepared.number}-v{version.number}.pdf"][0]).hexdigest() == version.pdf_sha256
    from applications import signing

    result = signing.validate(final)
    assert result["valid"] and result["covers_whole_file"], result
    # One changed byte inside the signed content breaks it.
    position = final.index(b"/Producer")
    tampered = final[:position] + b"/Producex" + final[position + 9:]
    assert not signing.validate(tampered)["valid"]

    verified = client.post("/verify/", {"file": io.BytesIO(final)}).content.decode()
    assert "진본이며 효력이 있습니다." in verified
    assert prepared.number in verified
    forged = client.post("/verify/", {"file": io.BytesIO(tampered)})
    assert prepared.number not in forged.content.decode()
    by_hash = client.post("/verify/", {"number": prepared.number, "sha256": prepared.final_sha256}).content.decode()
    assert prepared.number in by_hash
    # Renamed after signing, the company is still named on /verify/ as it signed.
    from portal.services.companies import company_update

    company_update(user=alice, company=prepared.application.company, data={"name": "에이크미 홀딩스"})
    for answer in (client.post("/verify/", {"file": io.BytesIO(final)}), client.post("/verify/", {"number": prepared.number,
                                                                                                   "sha256": prepared.final_sha256})):
        page = answer.content.decode()
        assert f"협약 {prepared.number}(협약기업: 에이크미 정밀)," in page and "에이크미 홀딩스" not in page
    download = applicant.get(f"/agreements/{prepared.pk}/final.pdf")
    assert download["Content-Disposition"].startswith("attachment")


def test_signing_needs_a_fresh_password_and_the_authority_to_sign(prepared, olivia, alice, carol):
    lifecycle.agreement_issue(user=olivia, agreement_id=prepared.pk)
    version = prepared.current_version()
    stale = Client()
    stale.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    response = stale.post(f"/agreements/{prepared.pk}/sign/", {"version": version.pk, "sha256": version.pdf_sha256, "confirm": "yes"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert Agreement.objects.get(pk=prepared.pk).state == AgreementState.ISSUED
    member_without_authority = _reauthenticated(carol)
    member_without_authority.post(f"/agreements/{prepared.pk}/sign/", {"version": version.pk, "sha256": version.pdf_sha256, "confirm": "yes"})
    assert Agreement.objects.get(pk=prepared.pk).state == AgreementState.ISSUED
    CompanyMembership.objects.filter(user=carol).update(can_sign=True)
    member_without_authority.post(f"/agreements/{prepared.pk}/sign/", {"version": version.pk, "sha256": "0" * 64, "confirm": "yes"})
    assert Agreement.objects.get(pk=prepared.pk).state == AgreementState.ISSUED


def test_changing_terms_makes_a_new_version_and_the_old_one_cannot_be_signed(prepared, olivia, alice):
    lifecycle.agreement_issue(user=olivia, agreement_id=prepared.pk)
    first = prepared.current_version()
    terms = first.terms
    second = lifecycle.agreement_update_terms(user=olivia, agreement_id=prepared.pk, start=datetime.date.fromisoformat(terms["start"]),
                                        end=datetime.date.fromisoformat(terms["end"]), grant=140_000_000, cash=140_000_000,
                                        in_kind=20_000_000, instalments=[{"label": "선급금", "percent": 100, "due": terms["start"]}])
    assert second.number == 2 and AgreementVersion.objects.get(pk=first.pk).superseded_at is not None
    assert Agreement.objects.get(pk=prepared.pk).state == AgreementState.DRAFTED
    svc.render_version(version_id=second.pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=prepared.pk)
    with pytest.raises(ValidationError, match="2"):
        lifecycle.agreement_sign(user=alice, agreement_id=prepared.pk, version_id=first.pk, seen_sha256=first.pdf_sha256)
    assert Agreement.objects.get(pk=prepared.pk).state == AgreementState.ISSUED
    # /verify/ tells a genuine, superseded, unsigned version for what it is — not a forgery.
    from django.test import Client

    from portal.services.companies import company_update

    company_update(user=alice, company=prepared.application.company, data={"name": "에이크미 홀딩스"})  # renamed since
    page = Client().post("/verify/", {"file": io.BytesIO(first.pdf.read())}).content.decode()
    assert "포털이 발행한 문서이지만 효력이 있는 협약서는 아닙니다." in page and f"협약 {prepared.number}(협약기업: 에이크미 정밀)의 제1판으로" in page
    assert "에이크미 홀딩스" not in page
    assert "새 판으로 대체되었습니다" in page and "서명한 뒤에 바뀌었" not in page and "포털에서 발행하지 않았" not in page


def test_terms_over_the_cap_or_the_share_are_refused(prepared, olivia):
    terms = prepared.current_version().terms
    start, end = datetime.date.fromisoformat(terms["start"]), datetime.date.fromisoformat(terms["end"])
    plan = [{"label": "일시", "percent": 100, "due": terms["start"]}]
    with pytest.raises(ValidationError, match="200,000,000"):  # advanced-1 level cap
        lifecycle.agreement_update_terms(user=olivia, agreement_id=prepared.pk, start=start, end=end, grant=250_000_000,
                                   cash=250_000_000, in_kind=0, instalments=plan)
    with pytest.raises(ValidationError, match="125,000,000"):  # half of the 250,000,000 total
        lifecycle.agreement_update_terms(user=olivia, agreement_id=prepared.pk, start=start, end=end, grant=150_000_000,
                                   cash=100_000_000, in_kind=0, instalments=plan)
    assert prepared.versions.count() == 1


@pytest.mark.parametrize("text", [
    "{회사명}은 {비밀값}을 지킨다.",
    "<img src='https://evil.example/x.png'>",
    "본문 url(http://evil.example/font.woff)",
    "@import 'http://evil.example/x.css';",
])
def test_clause_templates_with_unknown_placeholders_or_markup_are_refused(text):
    with pytest.raises(ValidationError):
        validate_clause_text(text)


def test_clause_template_with_known_placeholders_is_accepted():
    validate_clause_text("{회사명}은 {협약시작일}부터 {협약종료일}까지 과제를 수행한다.")


@pytest.mark.parametrize("url", ["https://example.com/x.css", "file:///etc/passwd", "static:../../portal/settings.py"])
def test_the_pdf_renderer_fetches_nothing_but_static_files(url):
    with pytest.raises(ValueError):
        static_only_fetcher()(url)
    css = static_only_fetcher()("static:agreements/agreement.css")
    assert css.content_type == "text/css" and b"@page" in css.read()


def test_a_static_image_in_a_document_really_loads_and_others_are_left_out(settings, tmp_path):
    """WeasyPrint 70's fetcher API: a fetcher answering with the old dict, or raising on
    everything, made every resource fail."""
    from weasyprint import HTML

    from tests.files import png

    (tmp_path / "stamp.png").write_bytes(png().read())
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(tmp_path)]
    html = '<p>직인</p><img src="static:stamp.png"><img src="https://example.com/tracker.png"><img src="file:///etc/hostname">'
    data = HTML(string=html, base_url="static:", url_fetcher=static_only_fetcher()).write_pdf()
    images = [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images]
    assert len(images) == 1


def test_verification_rejects_a_foreign_pdf(client, signing_cert):
    from tests.files import PDF

    response = client.post("/verify/", {"file": io.BytesIO(PDF)})
    assert response.status_code == 200
    assert "확인되지 않았습니다." in response.content.decode()


def test_a_render_that_keeps_failing_is_retried_then_shown_to_the_officer(selected, olivia, signing_cert, monkeypatch):
    from applications.tasks import render_agreement

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = agreement.current_version()

    attempts = []

    def broken(*args, **kwargs):
        attempts.append(1)
        raise OSError("font cache unavailable")

    monkeypatch.setattr("applications.services.agreements.render_pdf", broken)
    result = render_agreement.apply(args=[version.pk])  # run here: its retries run in turn
    assert result.state == "FAILURE"
    assert len(attempts) == render_agreement.max_retries + 1
    version.refresh_from_db()
    assert version.render_status == "failed" and "font cache unavailable" in version.render_error
    client = Client()
    login_with_mfa(client, olivia)
    assert "font cache unavailable" in client.get(f"/agreements/{agreement.pk}/").content.decode()


def test_officer_maintains_clause_templates_and_the_pdf_adds_them_as_special_conditions(call, olivia, selected, signing_cert):
    client = Client()
    login_with_mfa(client, olivia)
    bad = client.post(f"/officer/calls/{call.pk}/clauses/", {"kind": "other", "title": "제9조", "body": "{비밀} <img src=https://x>"})
    assert bad.status_code == 400 and not call.clause_templates.exists()
    client.post(f"/officer/calls/{call.pk}/clauses/", {"kind": "obligations", "title": "특약 1(성과 보고)",
                                                      "body": "{회사명}은 {협약종료일}까지 성과를 보고한다."})
    assert call.clause_templates.count() == 1
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    text = pdf_text(svc.render_version(version_id=agreement.current_version().pk).pdf.read())
    # The call's clause follows the program family's standard clauses; it replaces none of them.
    assert f"{selected.company.name}은" in text and "특약 1(성과 보고)" in text
    assert text.index("제17조(분쟁 해결 및 관할법원)") < text.index("특약 사항") < text.index("특약 1(성과 보고)")


# --- PAdES baseline with a real timestamp authority (tests/pki) -------------------------------

@pytest.fixture
def local_pki(tmp_path, settings):
    from tests.pki import local

    pki = local.start(tmp_path)
    settings.AGREEMENT_SIGNING_KEY = str(pki.signer_key)
    settings.AGREEMENT_SIGNING_CERT = str(pki.signer_cert)
    settings.AGREEMENT_SIGNING_PASSPHRASE = ""
    settings.AGREEMENT_SIGNING_CHAIN = [str(pki.root_cert)]
    settings.AGREEMENT_TRUST_ROOTS = [str(pki.root_cert)]
    settings.AGREEMENT_TSA_URL = pki.tsa_url
    yield pki
    pki.close()


def test_the_executed_agreement_is_pades_b_lt_with_a_timestamp(selected, olivia, otto, alice, local_pki, tmp_path):
    import subprocess

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature

    from applications import signing

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    svc.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    version = agreement.current_version()
    lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_countersign(user=otto, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.EXECUTED
    final = agreement.final_pdf.read()
    assert "/portal-test/tsa/tsa" in local_pki.requests, "the timestamp came from the configured TSA over HTTP"

    summary = signing.validate(final)
    assert summary["valid"] and summary["covers_whole_file"] and summary["timestamped"], summary
    assert summary["subfilter"] == "/ETSI.CAdES.detached"
    # The revision that adds the validation data keeps the file PDF/A-3b (metadata in step).
    from tests.pdfa import pdfa_problems

    assert pdfa_problems(final) == []

    # B-LT: with the TSA and CRL server gone and fetching forbidden, revocation checked
    # strictly, the validation data embedded in the document's DSS is enough.
    local_pki.close()
    reader = PdfFileReader(io.BytesIO(final))
    embedded = reader.embedded_signatures[0]
    signed_attrs = {attr["type"].native for attr in embedded.signer_info["signed_attrs"]}
    assert "signing_time" not in signed_attrs, signed_attrs
    dss = DocumentSecurityStore.read_dss(reader)
    assert list(dss.crls) and list(dss.load_certs())
    offline = dss.as_validation_context({"trust_roots": [load_cert_from_pemder(str(local_pki.root_cert))], "allow_fetching": False,
                                         "revocation_mode": "hard-fail"})
    status = validate_pdf_signature(embedded, signer_validation_context=offline, ts_validation_context=offline)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.valid and status.timestamp_validity.trusted

    # Poppler, independently of pyHanko, names the signature type.
    path = tmp_path / "final.pdf"
    path.write_bytes(final)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature Type: ETSI.CAdES.detached" in report, report


def test_a_three_party_agreement_names_the_partner_share(selected, olivia, signing_cert):
    from applications.models import Application, Call

    Call.objects.filter(pk=selected.call_id).update(min_partner_share_bp=3000, min_cash_share_bp=0, partner_name="한빛전자(주)",
                                                    partner_representative="최상생")
    Application.objects.filter(pk=selected.pk).update(partner_amount=90_000_000)
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    version = svc.render_version(version_id=agreement.current_version().pk)
    terms = version.terms
    assert (terms["total"], terms["grant"], terms["partner"], terms["cash"] + terms["in_kind"]) == (
        300_000_000, 150_000_000, 90_000_000, 60_000_000)
    text = pdf_text(version.pdf.read())
    assert "협력기업 부담금 90,000,000원 (총사업비의 30%) 금 구천만원정" in text
    # Changing the terms keeps the partner's share unless it is given, and the sum must hold.
    start, end = datetime.date.fromisoformat(terms["start"]), datetime.date.fromisoformat(terms["end"])
    second = lifecycle.agreement_update_terms(user=olivia, agreement_id=agreement.pk, start=start, end=end, grant=140_000_000,
                                        cash=terms["cash"] + 10_000_000, in_kind=terms["in_kind"], instalments=terms["instalments"])
    assert second.terms["partner"] == 90_000_000 and second.terms["total"] == 300_000_000
    with pytest.raises(ValidationError) as refused:
        lifecycle.agreement_update_terms(user=olivia, agreement_id=agreement.pk, start=start, end=end, grant=140_000_000, partner=60_000_000,
                                   cash=terms["cash"] + 40_000_000, in_kind=terms["in_kind"], instalments=terms["instalments"])
    assert "협력 기업 부담금 60,000,000원은 총사업비의 30%(90,000,000원) 이상이어야 합니다. 30,000,000원 부족합니다." in refused.value.messages


def test_a_zero_amount_reads_0_won_without_words(prepared, olivia):
    terms = prepared.current_version().terms
    start, end = datetime.date.fromisoformat(terms["start"]), datetime.date.fromisoformat(terms["end"])
    version = lifecycle.agreement_update_terms(user=olivia, agreement_id=prepared.pk, start=start, end=end, grant=terms["grant"],
                                         cash=terms["cash"] + terms["in_kind"], in_kind=0, instalments=terms["instalments"])
    text = pdf_text(svc.render_version(version_id=version.pk).pdf.read())
    assert "기업부담금(현물) 0원 (총사업비의 0%)" in text and "영원정" not in text


def test_the_signing_notice_leads_to_the_agreement_not_the_application(prepared, olivia, alice):
    from applications.models import Notification
    from portal.models import OutboundEmail

    _reauthenticated(olivia, mfa=True).post(f"/agreements/{prepared.pk}/issue/", {"confirm": "yes"})
    notice = Notification.objects.filter(user=alice).latest("pk")
    assert notice.url == f"/agreements/{prepared.pk}/"
    # Recipients are a JSON list: filtered in Python, as SQLite has no JSON containment.
    email = next(e for e in OutboundEmail.objects.order_by("-pk") if alice.email in e.to)
    assert f"/agreements/{prepared.pk}/" in email.body and "여기에서 읽고 서명하세요" in email.body
    # The company's dashboard names the action and its deadline.
    dashboard = _reauthenticated(alice).get("/applications/").content.decode()
    from portal.formatting import deadline

    due = deadline(Agreement.objects.get(pk=prepared.pk).sign_due_at)
    assert f'href="/agreements/{prepared.pk}/">협약서에 서명하기</a>' in dashboard and f"{due}(KST)까지" in dashboard
