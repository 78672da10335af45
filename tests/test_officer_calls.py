"""Program officers create and set up calls in the portal's own pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Call, EligibilityRule, FormField, RequiredDocument, SupportLevel
from tests import files
from tests.conftest import login_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_olivia(client, olivia):
    login_with_mfa(client, olivia)
    return client


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _new_call(as_olivia, program, **overrides):
    opens = timezone.now() + timedelta(days=7)
    data = {
        "program": program.pk, "code": "SF-2027-1", "title": "2027년 스마트공장 1차 공고", "round": 1, "notice": "공고문",
        "opens_at": _local(opens), "closes_at": _local(opens + timedelta(days=30)), "budget_total": "10,000,000,000",
        "max_grant": "400,000,000", "max_grant_share_bp": "50", "min_cash_share_bp": "50", "max_file_mb": 20,
        "max_total_mb": 100, "max_files": 30, "is_published": "on",
    } | overrides
    return as_olivia.post("/officer/calls/new/", data)


def test_officer_creates_a_call_entered_in_kst(as_olivia, program):
    response = _new_call(as_olivia, program, opens_at="2027-03-02T09:00", closes_at="2027-03-31T18:00")
    call = Call.objects.get(code="SF-2027-1")
    assert response["Location"] == f"/officer/calls/{call.pk}/"
    assert call.closes_at.isoformat() == "2027-03-31T09:00:00+00:00"  # 18:00 KST is 09:00 UTC
    assert call.form_versions.count() == 1
    assert call.rules.filter(kind="one_per_call").exists()


def test_closing_before_opening_is_refused_with_a_message(as_olivia, program):
    response = _new_call(as_olivia, program, opens_at="2027-03-02T09:00", closes_at="2027-03-01T18:00")
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_officer_sets_up_levels_documents_rules_and_form(as_olivia, program):
    _new_call(as_olivia, program)
    call = Call.objects.get()
    base = f"/officer/calls/{call.pk}"
    as_olivia.post(f"{base}/levels/", {"code": "basic", "name_ko": "기초", "name_en": "Basic", "max_grant": "50,000,000"})
    as_olivia.post(f"{base}/documents/", {"kind": "business_plan", "name_ko": "사업계획서", "name_en": "Business plan",
                                            "is_required": "on", "formats": ["pdf", "hwp"]})
    as_olivia.post(f"{base}/rules/", {"kind": "industry", "is_hard": "on", "divisions": "C10-C34"})
    as_olivia.post(f"{base}/rules/", {"kind": "region", "is_hard": "on", "regions": ["51", "52"]})
    as_olivia.post(f"{base}/sections/", {"title_ko": "사업 개요", "title_en": "Outline"})
    section = call.form_versions.get().sections.get()
    as_olivia.post(f"{base}/sections/{section.pk}/fields/", {"key": "summary", "type": "long_text", "label_ko": "요약",
                                                               "label_en": "Summary", "required": "on", "max_length": 500})
    as_olivia.post(f"{base}/sections/{section.pk}/fields/", {"key": "level", "type": "choice", "label_ko": "수준", "label_en": "Level",
                                                               "choices_text": "a | 기초 | Basic\nb | 고도화 | Advanced"})
    assert SupportLevel.objects.get(call=call).max_grant == 50_000_000
    assert RequiredDocument.objects.get(call=call).formats == ["pdf", "hwp"]
    assert EligibilityRule.objects.get(call=call, kind="industry").params["divisions"][0] == "C10"
    call.refresh_from_db()
    assert not call.all_industries and not call.all_regions
    assert set(call.regions.values_list("region", flat=True)) == {"51", "52"}
    assert FormField.objects.get(key="level").choices[1] == {"value": "b", "ko": "고도화", "en": "Advanced"}
    page = as_olivia.get(f"{base}/").content.decode()
    assert "C10–C34" in page
    # Each item is named by its Korean name; the English one and the export key are secondary.
    assert "요약 삭제" in page and "summary 삭제" not in page
    assert '<span class="helptext" lang="en">Outline</span>' in page and "사업 개요 / Outline" not in page
    assert "(내보내기 열 <code>summary</code>)" in page


def test_bad_rule_parameters_get_a_message(as_olivia, program):
    _new_call(as_olivia, program)
    call = Call.objects.get()
    response = as_olivia.post(f"/officer/calls/{call.pk}/rules/", {"kind": "industry", "divisions": "C10-D20"})
    assert response.status_code == 400
    assert "C10-D20" in response.content.decode()
    assert not call.rules.filter(kind="industry").exists()


def test_a_level_above_the_call_cap_is_refused(as_olivia, program):
    _new_call(as_olivia, program)
    call = Call.objects.get()
    response = as_olivia.post(f"/officer/calls/{call.pk}/levels/", {"code": "x", "name_ko": "x", "name_en": "x", "max_grant": "500,000,000"})
    assert response.status_code == 400
    assert not call.levels.exists()


def test_after_opening_form_rules_and_documents_are_fixed(as_olivia, call):
    base = f"/officer/calls/{call.pk}"
    response = as_olivia.post(f"{base}/rules/", {"kind": "max_age", "years": 3, "is_hard": "on"})
    assert response.status_code == 400
    assert not call.rules.filter(kind="max_age").exists()
    section = call.form_versions.get().sections.first()
    before = FormField.objects.count()
    as_olivia.post(f"{base}/sections/{section.pk}/fields/", {"key": "late", "type": "short_text", "label_ko": "x", "label_en": "x"})
    assert FormField.objects.count() == before
    rule = call.rules.get(kind="industry")
    as_olivia.post(f"{base}/rule/{rule.pk}/delete/")
    assert call.rules.filter(kind="industry").exists()


def test_after_opening_the_deadline_can_be_extended_not_brought_forward(as_olivia, call):
    base = f"/officer/calls/{call.pk}"
    data = {"code": call.code, "title": call.title, "round": call.round, "notice": "연장 공고", "opens_at": _local(call.opens_at),
            "budget_total": call.budget_total, "max_grant": call.max_grant, "max_grant_share_bp": call.max_grant_share_bp / 100,
            "min_cash_share_bp": call.min_cash_share_bp / 100, "max_file_mb": call.max_file_mb, "max_total_mb": call.max_total_mb, "max_files": call.max_files,
            "is_published": "on"}
    later = call.closes_at + timedelta(days=3)
    response = as_olivia.post(f"{base}/basics/", data | {"closes_at": _local(later)})
    form = response.context["call_form"] if response.context else None
    assert response.status_code == 302, [str(e) for f in form for e in f.errors] + list(form.non_field_errors())
    call.refresh_from_db()
    assert _local(call.closes_at) == _local(later)
    response = as_olivia.post(f"{base}/basics/", data | {"closes_at": _local(later - timedelta(days=5))})
    assert response.status_code == 400
    call.refresh_from_db()
    assert _local(call.closes_at) == _local(later)
    # A forged change to a fixed field is ignored: the field is not taken from the request.
    as_olivia.post(f"{base}/basics/", data | {"closes_at": _local(later), "max_grant": "100,000,000"})
    call.refresh_from_db()
    assert call.max_grant == 400_000_000


def test_notice_attachments_must_be_pdf(as_olivia, call):
    base = f"/officer/calls/{call.pk}"
    as_olivia.post(f"{base}/attachments/", {"title": "공고문", "file": files.docx("공고문.pdf")})
    assert not call.attachments.exists()
    as_olivia.post(f"{base}/attachments/", {"title": "공고문", "file": files.pdf("공고문.pdf")})
    attachment = call.attachments.get()
    response = as_olivia.get(f"/calls/{call.code}/attachments/{attachment.pk}/")
    assert response["Content-Disposition"].startswith("attachment")


def test_publishing_a_complete_call_asks_for_the_ticked_confirmation(as_olivia, call):
    from applications.models import Call

    Call.objects.filter(pk=call.pk).update(is_published=False)
    base = f"/officer/calls/{call.pk}"
    page = as_olivia.get(f"{base}/").content.decode()
    assert "공고 설정이 모두 갖춰졌습니다." in page and 'name="confirm_publish"' in page
    data = {"code": call.code, "title": call.title, "round": call.round, "notice": call.notice, "opens_at": _local(call.opens_at),
            "closes_at": _local(call.closes_at), "budget_total": call.budget_total, "max_grant": call.max_grant,
            "max_grant_share_bp": call.max_grant_share_bp / 100, "min_cash_share_bp": call.min_cash_share_bp / 100, "max_file_mb": call.max_file_mb,
            "max_total_mb": call.max_total_mb, "max_files": call.max_files, "is_published": "on"}
    response = as_olivia.post(f"{base}/basics/", data)
    assert response.status_code == 400
    assert "게시를 확인하는 확인란에 표시하세요." in response.content.decode()
    assert not Call.objects.get(pk=call.pk).is_published
    response = as_olivia.post(f"{base}/basics/", data | {"confirm_publish": "yes"})
    assert response.status_code == 302 and Call.objects.get(pk=call.pk).is_published


def test_several_rules_of_a_kind_either_or_groups_and_points_in_words(as_olivia, program):
    _new_call(as_olivia, program, is_published="")
    call = Call.objects.get()
    base = f"/officer/calls/{call.pk}/rules/"
    assert as_olivia.post(base, {"kind": "employees", "min_employees": 10, "is_hard": "on"}).status_code == 302
    assert as_olivia.post(base, {"kind": "employees", "max_employees": 300, "is_hard": "on"}).status_code == 302
    assert as_olivia.post(base, {"kind": "region", "regions": ["48"], "is_hard": "on", "group": "지역또는인증"}).status_code == 302
    assert as_olivia.post(base, {"kind": "certification", "certifications": ["innobiz"], "is_hard": "on", "group": "지역또는인증"}).status_code == 302
    assert as_olivia.post(base, {"kind": "ksic", "allow": "C29, c2927", "deny": "C29280"}).status_code == 302  # soft
    refused = as_olivia.post(base, {"kind": "region", "regions": ["11"], "is_hard": "on", "points": "2"})
    assert refused.status_code == 400
    assert "제출을 막지 않는 규칙에만 가점을 줄 수 있습니다." in refused.content.decode()
    assert as_olivia.post(base, {"kind": "region", "regions": ["11"], "points": "2"}).status_code == 302
    bad_code = as_olivia.post(base, {"kind": "location", "codes": "48, 481"})
    assert bad_code.status_code == 400 and "“481”: 48, 48121 같은 코드가 아닙니다." in bad_code.content.decode()
    rules = list(call.rules.exclude(kind="one_per_call").values_list("kind", "group", "is_hard", "points"))
    assert [(k, g, h, int(p)) for k, g, h, p in rules] == [
        ("employees", "", True, 0), ("employees", "", True, 0), ("region", "지역또는인증", True, 0),
        ("certification", "지역또는인증", True, 0), ("ksic", "", False, 0), ("region", "", False, 2)]
    page = as_olivia.get(f"/officer/calls/{call.pk}/").content.decode()
    assert "상시근로자 10명 이상" in page and "상시근로자 300명 이하" in page
    assert "택일 묶음 “지역또는인증”" in page and "가점 2점" in page
    assert "업종 기타 기계 및 장비 제조업(C29), 반도체 및 디스플레이 제조용 기계 제조업(C2927); 제외 산업용 로봇 제조업(C29280)" in page
    assert "{'" not in page  # no raw parameters


def test_the_basis_date_is_chosen_per_call_and_fixed_once_it_opens(as_olivia, program):
    _new_call(as_olivia, program, is_published="", eligibility_basis="notice")
    call = Call.objects.get()
    assert call.eligibility_basis == "notice"
    assert call.basis_date() == timezone.localtime(call.opens_at).date()
    page = as_olivia.get(f"/officer/calls/{call.pk}/").content.decode()
    assert "요건 판단 기준일" in page and "업력과 직전 사업연도를 판단하는 날입니다." in page
    Call.objects.filter(pk=call.pk).update(eligibility_basis="deadline")
    call.refresh_from_db()
    # A call closing at 2027-03-31 18:00 KST judges facts on 3-31; one closing at 24:00 on the last day too.
    call.closes_at = timezone.make_aware(timezone.datetime(2027, 4, 1, 0, 0))
    assert call.basis_date().isoformat() == "2027-03-31"


def test_shares_are_entered_as_percentages_and_kept_in_basis_points(as_olivia, program):
    response = _new_call(as_olivia, program, max_grant_share_bp="33.33", min_cash_share_bp="0")
    call = Call.objects.get(code="SF-2027-1")
    assert response.status_code == 302 and (call.max_grant_share_bp, call.min_cash_share_bp) == (3333, 0)
    html = as_olivia.get(f"/officer/calls/{call.pk}/").content.decode()
    assert 'name="max_grant_share_bp" value="33.33"' in html and "정부지원금 비율 상한(총사업비의 %)" in html
    refused = _new_call(as_olivia, program, code="SF-2027-2", max_grant_share_bp="5000")
    assert refused.status_code == 400 and "100 이하의 값을 입력해 주세요." in refused.content.decode()


def test_a_new_call_opens_its_evaluation_and_ranking_pages_with_nothing_set_up(as_olivia, program, olivia):
    """The first pages an officer opens after creating a call: no rubric, no panel, no
    application yet. Each answers with what is still to do, never a server error."""
    _new_call(as_olivia, program)
    call = Call.objects.get()
    evaluation = as_olivia.get(f"/officer/calls/{call.pk}/evaluation/")
    assert evaluation.status_code == 200
    page = evaluation.content.decode()
    # What is still to do reads as a next step, not as an error the officer made.
    assert '<div class="message message-info" role="status"><p>평가위원이 점수를 매기기 전에:</p><ul><li>평가 항목을 추가하세요.</li>' in page
    assert "form-error-summary" not in page
    assert "평가 항목을 먼저 추가하세요. 동점이면 여기서 고른 항목 순서대로 가립니다." in page
    ranking = as_olivia.get(f"/officer/calls/{call.pk}/ranking/")
    assert ranking.status_code == 200
    assert "이 공고에는 아직 평가표가 없습니다." in ranking.content.decode()
    # Nothing to propose or export yet: the page says why instead of offering what would be refused.
    assert "아직 접수 시작 전인 공고입니다." in ranking.content.decode()
    assert f'action="/officer/calls/{call.pk}/selection/"' not in ranking.content.decode()
    assert "/exports/" not in ranking.content.decode()
    # An export asked for all the same (an old link) is an empty table, not a job retried forever.
    from applications.services.exports import export_build, export_request

    for kind in ("scores", "ranking"):
        built = export_build(export_id=export_request(user=olivia, call=call, format="csv", kind=kind).pk)
        assert built.status == "done" and built.file.read().decode("utf-8-sig").count("\n") == 1
    # A selection cannot be proposed from nothing: refused with the reason, nothing made.
    refused = as_olivia.post(f"/officer/calls/{call.pk}/selection/", follow=True)
    assert refused.status_code == 200 and not call.selection_rounds.exists()
    # Reading the pages wrote nothing: the rubric is made by the first change saved.
    assert not hasattr(Call.objects.get(pk=call.pk), "rubric")
    # The officer then builds the evaluation from these pages.
    saved = as_olivia.post(f"/officer/calls/{call.pk}/evaluation/criterion/",
                           {"name_ko": "기술성", "name_en": "Technology", "max_score": "100", "weight": "100"})
    assert saved.status_code == 302
    assert Call.objects.get(pk=call.pk).rubric.criteria.get().name_ko == "기술성"
    rubric = as_olivia.post(f"/officer/calls/{call.pk}/evaluation/rubric/",
                            {"cutoff": "70", "aggregation": "mean", "trim_min_reviewers": "5", "max_bonus": "0",
                             "appeal_days": "7", "stray_points": "20"})
    assert rubric.status_code == 302, rubric.content.decode()[:2000]
    assert as_olivia.get(f"/officer/calls/{call.pk}/ranking/").status_code == 200


def test_the_new_call_form_starts_from_the_calls_defaults(as_olivia, program):
    """The shares are filled in (50 % at most from the government, no minimum cash part), so
    an officer who types only the call's own facts gets a call, not 'required' under fields
    they never touched."""
    from tests.browsing import submit

    page = as_olivia.get("/officer/calls/new/").content.decode()
    assert 'name="max_grant_share_bp" value="50"' in page and 'name="min_cash_share_bp" value="0"' in page
    response = submit(as_olivia, "/officer/calls/new/", {
        "code": "SF-2027-5", "title": "2027년 스마트공장 5차 공고", "opens_at": "2027-03-02T09:00", "closes_at": "2027-03-31T18:00",
        "budget_total": "3,000,000,000", "max_grant": "200,000,000"}, action=r"/officer/calls/new/$")
    assert response.status_code == 302, response.content.decode()[:3000]
    call = Call.objects.get(code="SF-2027-5")
    assert (call.max_grant_share_bp, call.min_cash_share_bp) == (5_000, 0)
