"""Each program family's agreements carry their own standard clauses (협약 일반조건), kept as
versioned data: an officer sees which version a call's agreements take, an administrator
revises them for agreements prepared afterwards, and an agreement keeps the text it was
prepared with — its PDFs unchanged to the byte."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import Agreement, AgreementState, Application, Call, ClauseSet, ProgramFamily, ProgramOfficer
from applications.services import agreements as svc
from tests.browsing import submit
from tests.conftest import close_call, login_with_mfa, make_call, make_person, make_rubric, score_all, under_review
from tests.factories import ProgramFactory
from tests.pdfa import pdfa_problems
from tests.test_agreements import pdf_text

pytestmark = pytest.mark.django_db

PROGRAMS = {
    ProgramFamily.SMART_FACTORY: ("스마트공장 구축·고도화", "스마트제조혁신추진단", "SF"),
    ProgramFamily.MATERIALS: ("소재·부품·장비 스타트업100", "창업진흥원", "MPE"),
    ProgramFamily.WIN_WIN: ("자상한 기업 상생협력 프로그램", "대·중소기업·농어업협력재단", "WW"),
    ProgramFamily.FREE_ZONE: ("규제자유특구 패키지 (강원 디지털헬스케어)", "중소벤처기업부 규제자유특구기획단", "RFZ"),
}
# What only that family's clauses say: its act, and the duties particular to the program.
OWN_TEXT = {
    ProgramFamily.SMART_FACTORY: ["「중소기업기술혁신 촉진법」", "제5조(공급기업과 스마트공장 구축)", "스마트공장 수준확인", "생산성·품질·원가·납기(PQCD)"],
    ProgramFamily.MATERIALS: ["「소재·부품·장비산업 경쟁력 강화 및 공급망 안정화를 위한 특별조치법」", "제5조(핵심기술의 보호)",
                              "「산업기술의 유출방지 및 보호에 관한 법률」", "매출, 고용, 투자유치와 수입대체"],
    ProgramFamily.WIN_WIN: ["「대·중소기업 상생협력 촉진에 관한 법률」", "제5조(협력기업의 참여와 의무)", "기술자료를 요구하거나",
                            "협력기업 부담금 90,000,000원을 내고"],
    ProgramFamily.FREE_ZONE: ["「규제자유특구 및 지역특화발전특구에 관한 규제특례법」", "제5조(실증특례와 안전관리)", "책임보험에 가입하고",
                              "실증 사업장을 규제자유특구 밖으로"],
}
# What a 협약서 of every family carries (DOMAIN.md), each in its family's own words.
COMMON_TEXT = ["「보조금 관리에 관한 법률」", "사업비 전용계좌", "부가가치세", "특수관계인", "보고 및 점검", "현장점검",
               "가산금", "5배 이내의 제재부가금", "제33조의2", "제31조의2", "권리·의무의 양도 금지", "성과 관리 및 사후관리",
               "비밀유지 및 개인정보 보호", "「개인정보 보호법」", "관할하는 지방법원을 관할법원으로", "10원 미만의 끝수"]


def compact(text: str) -> str:
    return text.replace(" ", "")


def _selected(family: str, n: int, *, officers, alice, acme, reviewers) -> Application:
    """The company's application (by default alice's Acme) to a call of a new program of
    `family`, evaluated and selected. The call is set up as a smart-factory call: the family
    decides the agreement's clauses, the call's set-up does not."""
    from reviews.models import Assignment
    from reviews.services import evaluation, selection

    name, agency, prefix = PROGRAMS[family]
    program = ProgramFactory(family=family, name_ko=name, managing_agency=agency, agency_address=f"세종특별자치시 한누리대로 {n}00")
    for officer in officers:
        ProgramOfficer.objects.create(program=program, user=officer)
    olivia = officers[0]
    call = make_call(program, olivia, code=f"{prefix}-2026-{n}", title=f"2026년 {name} {n}차 공고")
    make_rubric(call, olivia)
    panel = evaluation.panel_create(user=olivia, call=call, name="서면평가", stage="written", reviewers_per_application=3,
                                    due_at=timezone.now() + datetime.timedelta(days=10))
    for person in reviewers:
        evaluation.reviewer_invite(user=olivia, panel=panel, email=person.email)
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    round_ = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=round_.pk)
    selection.selection_apply(round_id=round_.pk)
    if family == ProgramFamily.WIN_WIN:  # three-party funding: the partner pays 30 % of the total
        Call.objects.filter(pk=call.pk).update(min_partner_share_bp=3000, min_cash_share_bp=0, partner_name="한빛전자(주)",
                                                partner_business_number="1168200276", partner_representative="최상생")
        Application.objects.filter(pk=application.pk).update(partner_amount=90_000_000)
    return Application.objects.get(pk=application.pk)


def _execute(application: Application, *, olivia, otto, alice) -> Agreement:
    """Prepared and issued by olivia, signed by alice, countersigned by otto, executed."""
    agreement = lifecycle.agreement_start(user=olivia, application_id=application.pk)
    svc.render_version(version_id=agreement.current_version().pk)
    partner = None
    if application.call.min_partner_share_bp:  # 상생형: the partner's signer is named before issue, and signs too
        partner = make_person(f"partner{application.pk}@hanbit.example", name="박상생", position="상무")
        lifecycle.agreement_partner_signer_set(user=olivia, agreement_id=agreement.pk, email=partner.email)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    version = agreement.current_version()
    lifecycle.agreement_sign(user=alice, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256,
                       delegated_by="홍길동", position="과장")
    if partner is not None:
        lifecycle.agreement_sign_for_partner(user=partner, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256,
                                       delegated_by="최상생", position="상무")
    lifecycle.agreement_countersign(user=otto, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    lifecycle.agreement_execute(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.state == AgreementState.EXECUTED
    return agreement


def test_each_program_family_signs_its_own_clauses_in_a_pdf_a_3b_file(olivia, otto, alice, acme, reviewers, signing_cert):
    folder = settings.BASE_DIR / "test-artifacts"
    folder.mkdir(exist_ok=True)
    texts = {}
    for n, family in enumerate(PROGRAMS, 1):
        application = _selected(family, n, officers=[olivia, otto], alice=alice, acme=acme, reviewers=reviewers)
        agreement = _execute(application, olivia=olivia, otto=otto, alice=alice)
        final = agreement.final_pdf.read()
        (folder / f"agreement-{family}.pdf").write_bytes(final)  # to look at (pdftoppm -r 60), like the screenshots
        assert pdfa_problems(final) == [] and pdfa_problems(agreement.current_version().pdf.read()) == [], family
        texts[family] = compact(pdf_text(final))
        title = ClauseSet.objects.get(family=family, version=1).title
        assert compact(f"일반조건: 「{title}」 제1판(2026년 1월 1일 시행)") in texts[family]
        assert compact(f"전담기관에 보내는 서면의 수신처: {PROGRAMS[family][1]}, 세종특별자치시 한누리대로 {n}00") in texts[family]
    for family, text in texts.items():
        for expected in OWN_TEXT[family] + COMMON_TEXT:
            assert compact(expected) in text, (family, expected)
        for other in set(PROGRAMS) - {family}:
            for foreign in OWN_TEXT[other]:
                assert compact(foreign) not in text, (family, foreign)
    assert "제17조(분쟁해결및관할법원)" in texts[ProgramFamily.SMART_FACTORY]
    assert "6.특구사업자지정이나실증특례가취소된경우" in texts[ProgramFamily.FREE_ZONE]


def test_the_executed_pdf_meets_pdf_a_3b_and_its_metadata_agree(prepared_and_executed):
    from pypdf import PdfReader

    from tests.pdfa import xmp_properties

    final = prepared_and_executed.final_pdf.read()
    assert pdfa_problems(final) == []
    reader = PdfReader(io.BytesIO(final))
    info, xmp = reader.metadata, xmp_properties(reader)
    # The signer wrote last and names itself producer in both places, with nothing appended.
    assert info.producer == xmp["pdf:Producer"] and info.producer.startswith("pyHanko") and ";" not in info.producer
    assert info.title == xmp["dc:title"] == f"협약서 {prepared_and_executed.number}"
    # Created when executed; the XMP's modification is the signature's, not before it.
    executed = timezone.localtime(prepared_and_executed.executed_at).replace(microsecond=0)
    assert info.creation_date == executed == datetime.datetime.fromisoformat(xmp["xmp:CreateDate"])
    assert datetime.datetime.fromisoformat(xmp["xmp:ModifyDate"]) >= executed
    assert len(reader.trailer["/Root"]["/AF"]) == 1


@pytest.fixture
def prepared_and_executed(selected, olivia, otto, alice, signing_cert) -> Agreement:
    return _execute(selected, olivia=olivia, otto=otto, alice=alice)


def test_pdf_a_check_finds_what_breaks_the_standard(prepared_and_executed):
    """The check above can fail: a file listing its attachment twice, with an Info producer
    the XMP does not share, a font left out and no output intent is told apart."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(prepared_and_executed.final_pdf.read())))
    root = writer._root_object
    root[NameObject("/AF")] = ArrayObject([root["/AF"][0], root["/AF"][0]])
    del root["/OutputIntents"]
    writer.add_metadata({"/Producer": TextStringObject("WeasyPrint 70.0; pyHanko 0.38.0")})
    font = next(iter(writer.pages[0]["/Resources"]["/Font"].values())).get_object()
    del font["/DescendantFonts"][0].get_object()["/FontDescriptor"][NameObject("/FontFile2")]
    out = io.BytesIO()
    writer.write(out)
    problems = "\n".join(pdfa_problems(out.getvalue()))
    assert "/AF lists an associated file more than once" in problems
    assert "0 PDF/A output intents" in problems
    assert "Info /Producer 'WeasyPrint 70.0; pyHanko 0.38.0' is not XMP pdf:Producer" in problems
    assert "is not embedded" in problems


def test_an_officer_sees_the_clause_version_of_the_call_and_of_the_agreement(call, olivia, selected, signing_cert):
    label = "「스마트공장 구축·고도화 지원사업 협약 일반조건」 제1판(2026년 1월 1일 시행)"
    client = Client()
    login_with_mfa(client, olivia)
    page = client.get(f"/officer/calls/{call.pk}/").content.decode()
    assert f"이 공고의 모든 협약서에 들어가는 사업 유형의 일반조건: {label}." in page
    assert "<li>공급기업과 스마트공장 구축</li>" in page and "특약" in page
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    detail = client.get(f"/agreements/{agreement.pk}/").content.decode()
    assert f'<dt>일반조건</dt><dd id="clause-set">{label}</dd>' in detail


def test_a_revision_applies_to_agreements_prepared_after_it_and_an_executed_one_keeps_its_text(
        selected, call, olivia, otto, alice, bob, globex, adam, reviewers, signing_cert):
    executed = _execute(selected, olivia=olivia, otto=otto, alice=alice)
    version = executed.current_version()
    final_bytes, version_bytes = executed.final_pdf.read(), version.pdf.read()
    first = ClauseSet.objects.get(family=ProgramFamily.SMART_FACTORY, version=1)
    admin = Client()
    login_with_mfa(admin, adam)

    # The version the executed agreement was drafted with is read-only; revising makes version 2.
    change = f"/admin/applications/clauseset/{first.pk}/change/"
    assert admin.post(change, {"title": "바꾼 제목", "effective_on": "2026-01-01"}).status_code == 403
    assert admin.post(f"/admin/applications/clauseset/{first.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin.post("/admin/applications/clauseset/", {"action": "revise", "_selected_action": [first.pk]})
    revision = ClauseSet.objects.get(family=ProgramFamily.SMART_FACTORY, version=2)
    assert response.status_code == 302 and response["Location"] == f"/admin/applications/clauseset/{revision.pk}/change/"
    assert revision.effective_on == timezone.localdate() + datetime.timedelta(days=1)
    officer = Client()
    login_with_mfa(officer, olivia)
    setup = officer.get(f"/officer/calls/{call.pk}/").content.decode()
    assert f"다음 판: {revision.label()}." in setup and "제1판(2026년 1월 1일 시행)" in setup

    # The administrator rewrites the 분쟁 article of version 2 and brings it into force today.
    disputes = revision.clauses.get(kind="disputes")
    index = list(revision.clauses.all()).index(disputes)
    today = timezone.localdate()
    response = submit(admin, f"/admin/applications/clauseset/{revision.pk}/change/", {
        "effective_on": today.isoformat(), "note": "관할법원을 서울중앙지방법원으로 정함",
        f"clauses-{index}-body": "이 협약에 관한 소송은 서울중앙지방법원을 제1심 관할법원으로 한다."}, has="effective_on")
    assert response.status_code == 302, response.content.decode()[:2000]
    revision.refresh_from_db()
    assert ClauseSet.objects.in_force(ProgramFamily.SMART_FACTORY, today) == revision and revision.effective_on == today

    # Globex's agreement (another smart-factory program), prepared now, takes version 2;
    # Acme's executed one kept version 1.
    second = _selected(ProgramFamily.SMART_FACTORY, 2, officers=[olivia, otto], alice=bob, acme=globex, reviewers=reviewers)
    later = lifecycle.agreement_start(user=olivia, application_id=second.pk)
    later_text = compact(pdf_text(svc.render_version(version_id=later.current_version().pk).pdf.read()))
    assert compact("서울중앙지방법원을 제1심 관할법원으로") in later_text and compact(revision.label()) in later_text
    assert compact("전담기관의 주된 사무소 소재지를 관할하는 지방법원") not in later_text

    executed.refresh_from_db()
    assert executed.final_pdf.read() == final_bytes and hashlib.sha256(final_bytes).hexdigest() == executed.final_sha256
    assert svc.render_version(version_id=version.pk).pdf.read() == version_bytes  # kept, never rendered again
    kept = compact(pdf_text(final_bytes))
    assert compact("전담기관의 주된 사무소 소재지를 관할하는 지방법원") in kept and "서울중앙지방법원" not in kept
    assert version.terms["clause_set"]["version"] == 1
    page = Client().post("/verify/", {"file": io.BytesIO(final_bytes)}).content.decode()
    assert "진본이며 효력이 있습니다." in page


def test_new_terms_keep_the_clauses_the_agreement_was_prepared_with(prepared_agreement, olivia):
    first = prepared_agreement.current_version()
    revision = ClauseSet.objects.create(family=ProgramFamily.SMART_FACTORY, effective_on=timezone.localdate(), title="새 일반조건")
    terms = first.terms
    second = lifecycle.agreement_update_terms(user=olivia, agreement_id=prepared_agreement.pk, start=datetime.date.fromisoformat(terms["start"]),
                                        end=datetime.date.fromisoformat(terms["end"]), grant=terms["grant"], cash=terms["cash"],
                                        in_kind=terms["in_kind"], instalments=terms["instalments"])
    assert second.clause_set_id == first.clause_set_id != revision.pk
    assert second.terms["clauses"] == first.terms["clauses"] and second.terms["clause_set"]["version"] == 1


@pytest.fixture
def prepared_agreement(selected, olivia, signing_cert) -> Agreement:
    return lifecycle.agreement_start(user=olivia, application_id=selected.pk)


def test_without_clauses_in_force_no_agreement_is_prepared(selected, olivia):
    from django.core.exceptions import ValidationError

    ClauseSet.objects.filter(family=ProgramFamily.SMART_FACTORY).update(effective_on=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="관리자가 등록해야 협약서를 작성할 수 있습니다"):
        lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    assert not Agreement.objects.exists()


def test_a_used_version_refuses_changes_and_a_new_one_cannot_predate_the_last(selected, olivia):
    from django.core.exceptions import ValidationError

    lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    used = ClauseSet.objects.get(family=ProgramFamily.SMART_FACTORY, version=1)
    with pytest.raises(ValidationError, match="새 판을 만드세요"):
        used.full_clean()
    with pytest.raises(ValidationError, match="새 판을 만드세요"):
        used.clauses.first().full_clean()
    early = ClauseSet(family=ProgramFamily.SMART_FACTORY, effective_on=datetime.date(2025, 12, 31), title="소급")
    with pytest.raises(ValidationError, match=r"앞 판의 시행일\(2026년 1월 1일\)보다 빠를 수 없습니다"):
        early.full_clean()


def test_every_family_starts_with_every_article_a_real_agreement_carries():
    kinds = {"purpose", "period", "payment", "expenses", "program", "changes", "reporting", "settlement", "termination", "clawback",
             "ban", "assignment", "outcomes", "ip", "confidentiality", "notices", "disputes"}
    for family in ProgramFamily.values:
        clause_set = ClauseSet.objects.in_force(family, datetime.date(2026, 1, 1))
        assert clause_set is not None and clause_set.version == 1, family
        assert set(clause_set.clauses.values_list("kind", flat=True)) == kinds, family
        for clause in clause_set.clauses.all():
            clause.full_clean()  # plain text and known placeholders only
