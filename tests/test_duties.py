"""Separation of duties: a person tied to a company — a member of it, or
with a declared tie to its business number — never screens, reviews, selects, prepares or
signs for it; the two signatures come from two people; an administrator's account does no
officer's work. Each refusal is a clear message, changes nothing and is recorded once."""

from __future__ import annotations

import pytest
from django.test import Client

from applications import lifecycle
from applications.models import AgreementState, Application, ProgramOfficer, SelectionRound, State
from applications.services import agreements
from portal.duties import ConflictOfInterest
from portal.models import AuditEvent, CompanyMembership, StaffTie
from reviews.models import Assignment
from reviews.services import evaluation, scoring, selection
from tests.conftest import PASSWORD, close_call, login_with_mfa, make_complete_draft, score_all, timezone_now, under_review
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

TIED_MESSAGE = "귀하는 {company} 기업과 이해관계({tie})가 있어 {action} 업무를 할 수 없습니다. 다른 담당자가 처리해야 하며, 이 시도는 기록되었습니다."


@pytest.fixture
def own_company_application(olivia, call):
    """The probe's case: the officer registered a company and applied to her own program's call."""
    company = CompanyFactory(name="올리비아 상사")
    CompanyMembership.objects.create(company=company, user=olivia, role=CompanyMembership.Role.OWNER, can_sign=True)
    draft = make_complete_draft(olivia, company, call)
    return lifecycle.application_submit(user=olivia, application_id=draft.pk, now=timezone_now())


def refusals(user) -> list[dict]:
    return list(AuditEvent.objects.filter(actor=user, action="duty.refused").values("target_type", "target_id", "data"))


def test_an_officer_cannot_screen_her_own_companys_application_and_the_refusal_is_recorded(own_company_application, olivia, otto):
    application = own_company_application
    client = Client()
    login_with_mfa(client, olivia)
    page = client.get(f"/officer/applications/{application.pk}/").content.decode()
    assert "귀하는 올리비아 상사 기업과 이해관계(기업 소속 회원)가 있습니다. 이 신청의 심사·선정·서명은 다른 담당자가 합니다." in page
    assert f"/officer/applications/{application.pk}/pass/" not in page  # no screening buttons
    response = client.post(f"/officer/applications/{application.pk}/pass/", {"expected_state": "submitted"})
    assert response.status_code == 403
    assert TIED_MESSAGE.format(company="올리비아 상사", tie="기업 소속 회원", action="이 신청의 심사") in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.SUBMITTED
    assert refusals(olivia) == [{"target_type": "applications.application", "target_id": str(application.pk),
                                 "data": {"action": "screen", "tie": "기업 소속 회원", "company": application.company_id}}]
    # Another officer of the program screens it.
    lifecycle.screening_pass(user=otto, application_id=application.pk)
    assert Application.objects.get(pk=application.pk).state == State.UNDER_REVIEW


@pytest.mark.parametrize("step", ["begin", "pass", "revision", "ineligible"])
def test_every_screening_step_is_refused_to_a_tied_officer(own_company_application, olivia, step):
    run = {
        "begin": lambda: lifecycle.screening_begin(user=olivia, application_id=own_company_application.pk),
        "pass": lambda: lifecycle.screening_pass(user=olivia, application_id=own_company_application.pk),
        "revision": lambda: lifecycle.revision_request(user=olivia, application_id=own_company_application.pk, message="보완", days=5,
                                                       steps=["documents"]),
        "ineligible": lambda: lifecycle.screening_declare_ineligible(user=olivia, application_id=own_company_application.pk, reason="부적격"),
    }[step]
    events = own_company_application.events.count()
    with pytest.raises(ConflictOfInterest):
        run()
    assert Application.objects.get(pk=own_company_application.pk).state == State.SUBMITTED
    assert own_company_application.events.count() == events
    assert len(refusals(olivia)) == 1


def test_staff_declare_their_own_ties_on_their_desk_and_then_cannot_screen(olivia, otto, alice, acme, call):
    application = lifecycle.application_submit(user=alice, application_id=make_complete_draft(alice, acme, call).pk, now=timezone_now())
    client = Client()
    login_with_mfa(client, otto)
    form = client.get("/staff/ties/").content.decode()
    assert "이해관계 신고" in form and "신고한 이해관계가 없습니다." in form
    response = client.post("/staff/ties/", {"business_number": acme.business_number_display, "kind": "adviser", "note": "자문 계약"})
    assert response.status_code == 302
    tie = StaffTie.objects.get(person=otto)
    assert (tie.business_number, tie.kind, tie.recorded_by) == (acme.business_number, "adviser", otto)
    listed = client.get("/staff/ties/").content.decode()
    assert f"<td>{acme.business_number_display}</td><td>자문</td><td>자문 계약</td>" in listed
    refused = client.post(f"/officer/applications/{application.pk}/begin/", {"expected_state": "submitted"})
    assert refused.status_code == 403
    assert TIED_MESSAGE.format(company=acme.name, tie="자문", action="이 신청의 심사") in refused.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.SUBMITTED
    # A person cannot take their own declaration back from the desk (there is no such action).
    assert client.post("/staff/ties/", {"delete": tie.pk}).status_code == 400
    assert StaffTie.objects.filter(person=otto).count() == 1


def test_applicants_do_not_get_the_ties_page(alice, acme):
    client = Client()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert client.get("/staff/ties/").status_code == 403


def test_a_selection_that_includes_a_tied_company_goes_to_another_officer(call, olivia, otto, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    StaffTie.objects.create(person=olivia, business_number=acme.business_number, kind="supplier", recorded_by=olivia)
    with pytest.raises(ConflictOfInterest) as refused:
        selection.selection_run(user=olivia, call=call)
    assert str(refused.value) == TIED_MESSAGE.format(company=acme.name, tie="공급(스마트공장 솔루션 공급 등)", action="이 기업이 포함된 선정")
    assert not SelectionRound.objects.filter(call=call).exists()
    round_ = selection.selection_run(user=otto, call=call)
    with pytest.raises(ConflictOfInterest):
        selection.selection_finalize(user=olivia, round_id=round_.pk)
    assert SelectionRound.objects.get(pk=round_.pk).finalized_at is None
    assert [r["data"]["action"] for r in refusals(olivia)] == ["select", "select"]
    selection.selection_finalize(user=otto, round_id=round_.pk)
    assert SelectionRound.objects.get(pk=round_.pk).finalized_at is not None


def test_a_reviewer_who_joins_the_company_after_assignment_cannot_score_it(call, olivia, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=application).first()
    evaluation.declare_no_conflict(user=assignment.reviewer, assignment_id=assignment.pk)
    CompanyMembership.objects.create(company=acme, user=assignment.reviewer)
    with pytest.raises(ConflictOfInterest):
        scoring.review_save(user=assignment.reviewer, assignment_id=assignment.pk, scores={}, comments={}, comment="")
    assert not hasattr(Assignment.objects.get(pk=assignment.pk), "review")
    assert refusals(assignment.reviewer)[0]["data"]["action"] == "review"


@pytest.fixture
def issued(selected, olivia, signing_cert):
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    agreements.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=olivia, agreement_id=agreement.pk)
    agreement.refresh_from_db()
    return agreement


def test_the_two_signatures_come_from_two_people(issued, olivia, otto, alice, acme, program):
    version = issued.current_version()
    lifecycle.agreement_sign(user=alice, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    # The company's signer leaves the company and becomes an officer of the program: still not the agency's signer.
    CompanyMembership.objects.filter(user=alice).delete()
    ProgramOfficer.objects.create(program=program, user=alice)
    with pytest.raises(ConflictOfInterest) as refused:
        lifecycle.agreement_countersign(user=alice, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    assert str(refused.value) == ("이 협약서에 기업 측으로 서명하셨으므로 기관 측 서명은 할 수 없습니다. "
                                  "다른 담당자가 서명해야 하며, 이 시도는 기록되었습니다.")
    issued.refresh_from_db()
    assert issued.state == AgreementState.SIGNED
    assert refusals(alice)[0]["data"] == {"action": "countersign", "tie": "company_signer"}
    lifecycle.agreement_countersign(user=otto, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    issued.refresh_from_db()
    assert issued.state == AgreementState.COUNTERSIGNED


def test_a_member_of_the_company_cannot_prepare_or_countersign_its_agreement(issued, olivia, otto, acme):
    CompanyMembership.objects.create(company=acme, user=otto)
    for attempt in (
        lambda: lifecycle.agreement_update_terms(user=otto, agreement_id=issued.pk, start=timezone_now().date(),
                                                  end=timezone_now().date(), grant=1, cash=1, in_kind=0, instalments=[]),
        lambda: lifecycle.agreement_start(user=otto, application_id=issued.application_id),
    ):
        with pytest.raises(ConflictOfInterest):
            attempt()
    assert issued.versions.count() == 1
    assert [r["data"]["action"] for r in refusals(otto)] == ["agreement", "agreement"]


def test_the_sign_page_shows_the_refusal_in_korean(issued, olivia, otto, alice, acme):
    from tests.test_agreements import _reauthenticated

    version = issued.current_version()
    lifecycle.agreement_sign(user=alice, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    CompanyMembership.objects.create(company=acme, user=otto)
    officer = _reauthenticated(otto, mfa=True)
    response = officer.post(f"/agreements/{issued.pk}/sign/", {"version": version.pk, "sha256": version.pdf_sha256, "confirm": "yes",
                                                               "role": "agency"}, follow=True)
    assert TIED_MESSAGE.format(company=acme.name, tie="기업 소속 회원", action="이 기업 협약의 기관 서명") in response.content.decode()
    issued.refresh_from_db()
    assert issued.state == AgreementState.SIGNED


def test_an_administrator_linked_as_officer_still_does_no_officers_work(own_company_application, adam, program, otto):
    ProgramOfficer.objects.create(program=program, user=adam)
    with pytest.raises(ConflictOfInterest) as refused:
        lifecycle.screening_pass(user=adam, application_id=own_company_application.pk)
    assert str(refused.value) == ("관리자 계정으로는 담당자 업무(심사·선정·협약)를 할 수 없습니다. 담당자 계정으로 로그인하세요.")
    assert refusals(adam)[0]["data"]["tie"] == "admin"
    assert Application.objects.get(pk=own_company_application.pk).state == State.SUBMITTED


def test_people_without_the_permission_get_the_plain_refusal_unrecorded(own_company_application, alice):
    """Someone who could not screen anyway (an applicant) is refused by the permission, not
    recorded as a conflict."""
    with pytest.raises(Exception) as refused:
        lifecycle.screening_pass(user=alice, application_id=own_company_application.pk)
    assert not isinstance(refused.value, ConflictOfInterest)
    assert refusals(alice) == []


# --- The evaluation of one's own company's application -----------------------------------------

@pytest.fixture
def evaluated(call, olivia, otto, alice, acme, panel):
    """Acme's application assigned by the independent officer and scored; then olivia, also an
    officer of the program, turns out to be a member of Acme."""
    application = under_review(alice, acme, call, otto)
    evaluation.auto_assign(user=otto, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    CompanyMembership.objects.create(company=acme, user=olivia)
    return application


def officer_page(user) -> Client:
    client = Client()
    login_with_mfa(client, user)
    return client


def test_a_tied_officer_cannot_auto_assign_a_panel_that_evaluates_her_company(call, olivia, otto, alice, acme, panel):
    CompanyMembership.objects.create(company=acme, user=olivia)
    application = under_review(alice, acme, call, otto)
    response = officer_page(olivia).post(f"/officer/panels/{panel.pk}/auto/")
    assert response.status_code == 403
    assert TIED_MESSAGE.format(company=acme.name, tie="기업 소속 회원", action="이 기업을 평가하는 분과의 평가위원 배정") in response.content.decode()
    assert not Assignment.objects.filter(application=application).exists()
    assert [r["data"]["action"] for r in refusals(olivia)] == ["assign_panel"]
    assert evaluation.auto_assign(user=otto, panel=panel)[0] == 3


def test_a_tied_officer_cannot_turn_a_reviewer_of_her_company_into_a_conflict(evaluated, olivia, acme, panel):
    assignment = Assignment.objects.filter(application=evaluated).first()
    response = officer_page(olivia).post(f"/officer/panels/{panel.pk}/tie/", {
        "reviewer": assignment.reviewer_id, "business_number": acme.business_number, "kind": "adviser", "note": "자문"})
    assert response.status_code == 403
    assert TIED_MESSAGE.format(company=acme.name, tie="기업 소속 회원", action="이 기업과 평가위원의 이해관계 등록") in response.content.decode()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.SUBMITTED
    assert not StaffTie.objects.filter(person=assignment.reviewer).exists()
    assert [r["data"]["action"] for r in refusals(olivia)] == ["tie"]
    # Her own tie she may always declare: it only keeps her away.
    evaluation.tie_record(user=olivia, reviewer=olivia, business_number=acme.business_number, kind="owner")
    assert StaffTie.objects.filter(person=olivia, business_number=acme.business_number).exists()


def test_a_tied_officer_cannot_reopen_a_review_of_her_companys_application(evaluated, olivia, otto, acme):
    review = Assignment.objects.filter(application=evaluated).first().review
    response = officer_page(olivia).post(f"/officer/reviews/{review.pk}/reopen/", {"reason": "점수 재검토"})
    assert response.status_code == 403
    assert TIED_MESSAGE.format(company=acme.name, tie="기업 소속 회원", action="이 신청의 평가 재개") in response.content.decode()
    review.refresh_from_db()
    assert review.status == "submitted" and review.total is not None
    assert not evaluated.events.filter(action="review_reopened").exists()
    assert [r["data"]["action"] for r in refusals(olivia)] == ["reopen"]
    scoring.review_reopen(user=otto, review_id=review.pk, reason="점수 재검토")
    review.refresh_from_db()
    assert review.status == "draft"


def test_a_tied_officer_cannot_waive_or_extend_for_her_companys_application(evaluated, olivia, otto, acme, panel):
    import datetime

    assignment = Assignment.objects.filter(application=evaluated).first()
    scoring.review_reopen(user=otto, review_id=assignment.review.pk, reason="점수 재검토")  # unscored again: it may be waived
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.CLEARED
    due = panel.due_at
    with pytest.raises(ConflictOfInterest):
        evaluation.assignment_waive(user=olivia, assignment_id=assignment.pk, reason="연락 두절")
    with pytest.raises(ConflictOfInterest) as refused:
        evaluation.panel_extend(user=olivia, panel=panel, due_at=due + datetime.timedelta(days=3), reason="평가위원 요청")
    assert str(refused.value) == TIED_MESSAGE.format(company=acme.name, tie="기업 소속 회원", action="이 기업을 평가하는 분과의 평가 기한 연장")
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.CLEARED
    panel.refresh_from_db()
    assert panel.due_at == due
    assert sorted(r["data"]["action"] for r in refusals(olivia)) == ["assign", "extend"]


def test_a_reviewer_who_joins_the_company_after_assignment_can_no_longer_read_it(call, olivia, alice, acme, panel):
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignment = Assignment.objects.filter(application=application).first()
    evaluation.declare_no_conflict(user=assignment.reviewer, assignment_id=assignment.pk)
    document = application.documents.first()
    reviewer = officer_page(assignment.reviewer)
    assert reviewer.get(f"/reviewer/assignments/{assignment.pk}/").status_code == 200
    CompanyMembership.objects.create(company=acme, user=assignment.reviewer)
    page = reviewer.get(f"/reviewer/assignments/{assignment.pk}/")
    assert page.status_code == 403
    assert TIED_MESSAGE.format(company=acme.name, tie="기업 소속 회원", action="이 신청의 평가") in page.content.decode()
    assert application.project_title not in page.content.decode()
    assert reviewer.get(f"/reviewer/assignments/{assignment.pk}/documents/{document.pk}/").status_code == 403
    assert application.receipt_number not in reviewer.get("/reviewer/").content.decode()
    assert [r["data"]["action"] for r in refusals(assignment.reviewer)] == ["review", "review"]


def test_the_officer_who_drafted_the_agreement_does_not_countersign_it(issued, olivia, otto, alice):
    """기안 and 결재 by two officers: whoever prepared, changed or issued the agreement does
    not approve it for the agency."""
    version = issued.current_version()
    lifecycle.agreement_sign(user=alice, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    with pytest.raises(ConflictOfInterest) as refused:
        lifecycle.agreement_countersign(user=olivia, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    assert str(refused.value) == ("이 협약서를 작성하거나 발송(기안)하셨으므로 기관 측 서명(결재)은 할 수 없습니다. "
                                  "기안과 결재는 서로 다른 담당자가 합니다. 다른 담당자가 서명해야 하며, 이 시도는 기록되었습니다.")
    issued.refresh_from_db()
    assert issued.state == AgreementState.SIGNED
    assert refusals(olivia)[0]["data"] == {"action": "countersign", "tie": "drafter"}
    lifecycle.agreement_countersign(user=otto, agreement_id=issued.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    issued.refresh_from_db()
    assert issued.state == AgreementState.COUNTERSIGNED
