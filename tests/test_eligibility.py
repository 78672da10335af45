"""The rules engine: every rule passes and fails for the right reason, in Korean."""

from __future__ import annotations

import datetime

import pytest

from applications import eligibility as e
from applications.models import EligibilityRule
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 29)
ALL_DECLARED_NO = {k: False for k in e.INDEPENDENCE_ITEMS + e.EXCLUSION_ITEMS}


def run(kind, params, company=None, basis_date=TODAY, **facts):
    company = company or CompanyFactory.build()
    rule = EligibilityRule(kind=kind, params=params, is_hard=True)
    return e.evaluate_rule(rule, e.Facts(company=company, basis_date=basis_date, **facts))


SME = {"scale": "sme"}
EOK = 100_000_000


def test_sme_size_passes_with_figures_declarations_and_certificate():
    result = run("sme_size", SME, declarations=ALL_DECLARED_NO, uploaded_kinds=frozenset({"sme_certificate"}))
    assert result.outcome == e.PASS
    assert result.message_ko == ("2023–2025년 평균매출액 45억원은 기타 기계 및 장비 제조업(C29) 상한 1,000억원 이내이고, "
                                 "자산총액 30억원은 5,000억원 미만입니다.")
    assert result.inputs["average_revenue"] == 4_500_000_000
    assert result.inputs["ceiling"]["version_date"] == "2017-10-17"


def test_sme_size_fails_on_assets_of_5000_eok():
    company = CompanyFactory.build(total_assets=500_000_000_000)
    assert run("sme_size", SME, company=company, declarations=ALL_DECLARED_NO).outcome == e.FAIL


def test_sme_size_fails_when_the_company_declares_it_is_not_independent():
    result = run("sme_size", SME, declarations=ALL_DECLARED_NO | {"owned_by_large_company": True})
    assert result.outcome == e.FAIL


def test_sme_size_needs_evidence_without_declarations_or_certificate():
    assert run("sme_size", SME).outcome == e.NEEDS_EVIDENCE
    assert run("sme_size", SME, declarations=ALL_DECLARED_NO).outcome == e.NEEDS_EVIDENCE


@pytest.mark.parametrize(("ksic", "outcome"), [("C29271", e.PASS), ("C10", e.PASS), ("G47", e.FAIL), ("C35110", e.FAIL)])
def test_industry_rule(ksic, outcome):
    divisions = e.expand_divisions("C10-C34")
    result = run("industry", {"divisions": divisions}, company=CompanyFactory.build(ksic_code=ksic))
    assert result.outcome == outcome
    if outcome == e.FAIL:
        assert "C10–C34" in result.message_ko


@pytest.mark.parametrize(("region", "outcome"), [("51", e.PASS), ("11", e.FAIL)])
def test_region_rule(region, outcome):
    result = run("region", {"regions": ["51"]}, company=CompanyFactory.build(region=region))
    assert result.outcome == outcome
    assert "강원특별자치도" in result.message_ko




def test_certification_rule():
    assert run("certification", {"any_of": ["innobiz"]}, company=CompanyFactory.build(certifications=["venture"])).outcome == e.FAIL
    holder = CompanyFactory.build(certifications=["innobiz"])
    assert run("certification", {"any_of": ["innobiz"]}, company=holder).outcome == e.NEEDS_EVIDENCE
    assert run("certification", {"any_of": ["innobiz"]}, company=holder, uploaded_kinds=frozenset({"bonus_evidence"})).outcome == e.PASS


def test_exclusions_rule():
    params = {"items": list(e.EXCLUSION_ITEMS)}
    assert run("exclusions", params).outcome == e.NEEDS_EVIDENCE
    declared_arrears = run("exclusions", params, declarations=ALL_DECLARED_NO | {"tax_arrears": True})
    assert declared_arrears.outcome == e.FAIL and "체납" in declared_arrears.message_ko
    assert run("exclusions", params, declarations=ALL_DECLARED_NO).outcome == e.NEEDS_EVIDENCE  # tax clearance missing
    assert run("exclusions", params, declarations=ALL_DECLARED_NO, uploaded_kinds=frozenset({"tax_clearance"})).outcome == e.PASS


def test_one_application_per_call_rule():
    assert run("one_per_call", {}).outcome == e.PASS
    assert run("one_per_call", {}, other_application_exists=True).outcome == e.FAIL


def test_divisions_are_expanded_and_summarised():
    assert e.expand_divisions("C10-C12, j58") == ["C10", "C11", "C12", "J58"]
    assert e.summarize_divisions(["C10", "C11", "C12", "J58"]) == "C10–C12, J58"
    for bad in ["C10-D12", "C3", "C12-C10", "10-12"]:
        with pytest.raises(ValueError):
            e.expand_divisions(bad)


# --- Size and age as the law defines them (DOMAIN.md; portal/enterprise.py, applications/size_standards.py) ------------

D = datetime.date


@pytest.mark.parametrize(("founded", "on", "startup", "source"), [
    (D(2019, 3, 1), D(2026, 2, 28), True, "중소기업창업 지원법 §2: 7년이 지나지 아니한 — the day before the anniversary"),
    (D(2019, 3, 1), D(2026, 3, 1), False, "중소기업창업 지원법 §2: on the anniversary seven years have passed"),
    (D(2019, 3, 1), D(2026, 11, 30), False, "the issue's example: founded 2019-03-01, judged 2026-11-30"),
    (D(2020, 2, 29), D(2027, 2, 28), True, "민법 §160 ③: no 29 February in 2027, the period ends on 28 February"),
    (D(2020, 2, 29), D(2027, 3, 1), False, "민법 §160 ③: the day after the month's last day is outside"),
    (D(2026, 11, 30), D(2026, 11, 30), True, "민법 §157 단서: founded today is within the period"),
])
def test_startup_age_is_strict_as_the_startup_act_reads(founded, on, startup, source):
    result = run("max_age", {"years": 7}, company=CompanyFactory.build(founded_on=founded), basis_date=on)
    assert (result.outcome == e.PASS) is startup, source


def test_startup_age_message_names_the_last_day_within_the_period():
    passed = run("max_age", {"years": 7}, company=CompanyFactory.build(founded_on=D(2019, 3, 1)), basis_date=D(2026, 11, 30))
    assert passed.message_ko == "설립일 2019년 3월 1일: 2026년 11월 30일 현재 7년이 지났습니다(기간 안의 마지막 날은 2026년 2월 28일)."
    within = run("max_age", {"years": 7}, company=CompanyFactory.build(founded_on=D(2019, 3, 1)), basis_date=D(2026, 2, 28))
    assert within.message_ko == "설립일 2019년 3월 1일: 2026년 2월 28일 현재 아직 7년이 지나지 않았습니다(2026년 2월 28일 이후에 지납니다)."


@pytest.mark.parametrize(("founded", "fiscal_year", "revenues", "average", "method", "source"), [
    (D(2015, 3, 1), 2025, (900, 600, 300), 600 * EOK, e.enterprise.THREE_YEARS, "시행령 §7 ① 1호: three full years ÷ 3"),
    (D(2023, 1, 1), 2025, (900, 600, 300), 600 * EOK, e.enterprise.THREE_YEARS, "founded on 1 January: 2023 is a full year"),
    (D(2024, 1, 1), 2025, (900, 700, 0), 800 * EOK, e.enterprise.FULL_YEARS, "시행령 §7 ① 2호: the two full years 2024–2025 ÷ 2"),
    (D(2023, 6, 15), 2025, (900, 600, 100), 750 * EOK, e.enterprise.FULL_YEARS, "시행령 §7 ① 2호: 2024–2025 only, the partial 2023 left out"),
    (D(2024, 7, 1), 2025, (900, 200, 0), 900 * EOK, e.enterprise.FULL_YEARS, "시행령 §7 ① 2호: one full year of 900억 averages 900억, never 300억"),
    (D(2025, 7, 1), 2025, (300, 0, 0), 600 * EOK, e.enterprise.ANNUALISED, "시행령 §7 ① 3호: 300 ÷ 6 months (Jul–Dec) × 12"),
    (D(2025, 12, 10), 2025, (10, 0, 0), 120 * EOK, e.enterprise.ANNUALISED, "시행령 §7: 1개월 미만은 1개월로 본다 — 10 ÷ 1 × 12"),
    (D(2026, 2, 1), 2025, (0, 0, 0), None, e.enterprise.UNKNOWN, "founded after the last closed year: the certificate decides"),
])
def test_average_revenue_follows_the_decree(founded, fiscal_year, revenues, average, method, source):
    result = e.enterprise.average_revenue(founded_on=founded, fiscal_year=fiscal_year, revenues=tuple(r * EOK for r in revenues))
    assert (result.method, result.amount) == (method, average), source


def test_one_year_of_900_eok_fails_the_1000_eok_ceiling_only_when_over_it():
    """The issue's example: a company with one full year of 900억 is not averaged to 300억."""
    young = CompanyFactory.build(ksic_code="C14111", founded_on=D(2024, 7, 1), revenue_latest=1600 * EOK, revenue_previous=200 * EOK,
                                 revenue_before_previous=0)
    result = run("sme_size", SME, company=young, declarations=ALL_DECLARED_NO)
    assert result.outcome == e.FAIL
    assert result.message_ko == ("유일한 완전 사업연도인 2025년 매출액 1,600억원은 별표1의 의복, 의복 액세서리 및 모피제품 제조업(C14) "
                                 "상한 1,500억원을 넘습니다.")


@pytest.mark.parametrize(("ksic", "limit_eok", "source"), [
    ("C29271", 1000, "별표1: C29 그 밖의 기계 및 장비 제조업 1,000억 (not 1,500억)"),
    ("C14111", 1500, "별표1: C14 의복 1,500억 (not an 800억 default)"),
    ("C25112", 1000, "별표1: C25 금속가공제품 1,000억"),
    ("C34011", 600, "별표1: C34 산업용 기계 수리업 600억"),
    ("E36010", 1000, "별표1: E36 수도업 1,000억"),
    ("E38110", 800, "별표1: E (36 제외) 800억"),
    ("N76110", 400, "별표1: N76 임대업 400억"),
    ("N75110", 600, "별표1: N (76 제외) 600억"),
    ("G47111", 1000, "별표1: G 도매 및 소매업 1,000억"),
    ("I56111", 400, "별표1: I 숙박 및 음식점업 400억"),
])
def test_sme_ceilings_come_from_the_decree_table(ksic, limit_eok, source):
    ceiling = e.size_standards.industry_ceiling(ksic, scale="sme", on=TODAY)
    assert ceiling.revenue_limit == limit_eok * EOK, source
    assert ceiling.assets_limit == 5000 * EOK
    at_limit = CompanyFactory.build(ksic_code=ksic, revenue_latest=limit_eok * EOK, revenue_previous=limit_eok * EOK,
                                    revenue_before_previous=limit_eok * EOK)
    over = CompanyFactory.build(ksic_code=ksic, revenue_latest=limit_eok * EOK + 3, revenue_previous=limit_eok * EOK,
                                revenue_before_previous=limit_eok * EOK)
    assert run("sme_size", SME, company=at_limit, declarations=ALL_DECLARED_NO,
               uploaded_kinds=frozenset({"sme_certificate"})).outcome == e.PASS, "…원 이하: the ceiling itself passes"
    assert run("sme_size", SME, company=over, declarations=ALL_DECLARED_NO).outcome == e.FAIL




def test_a_revised_table_applies_from_its_date_and_not_before():
    from applications.models import SizeLimit, SizeStandard

    revised = SizeStandard.objects.create(scale="sme", version_date=D(2026, 1, 1), source="시행령 개정(가상)", assets_limit=5000 * EOK)
    SizeLimit.objects.create(standard=revised, code="C29", revenue_limit=1200 * EOK)
    assert e.size_standards.industry_ceiling("C29271", scale="sme", on=D(2025, 12, 31)).revenue_limit == 1000 * EOK
    assert e.size_standards.industry_ceiling("C29271", scale="sme", on=D(2026, 1, 1)).revenue_limit == 1200 * EOK
    # An industry the new version does not list is not judged by the old one.
    assert e.size_standards.industry_ceiling("C14111", scale="sme", on=D(2026, 1, 1)).revenue_limit is None


def test_an_industry_missing_from_the_table_leaves_it_to_the_certificate():
    result = run("sme_size", SME, company=CompanyFactory.build(ksic_code="O84111"), declarations=ALL_DECLARED_NO)
    assert result.outcome == e.NEEDS_EVIDENCE
    assert result.message_ko == "업종 입법기관(O84111): 별표1에 없는 업종이므로 중소기업확인서로 판단합니다."


# --- The rule language: several rules, either-or groups, points, new kinds -------------------

def _rules(*specs):
    return [EligibilityRule(kind=k, params=p, is_hard=h, group=g, points=pts) for k, p, h, g, pts in specs]


def test_either_or_group_passes_when_one_member_passes():
    company = CompanyFactory.build(region="11", certifications=["innobiz"])
    facts = e.Facts(company=company, basis_date=TODAY, uploaded_kinds=frozenset({"bonus_evidence"}))
    results = e.evaluate(_rules(("region", {"regions": ["48"]}, True, "지역또는인증", 0),
                                ("certification", {"any_of": ["innobiz"]}, True, "지역또는인증", 0)), facts)
    region, certification, ban = results
    assert region.outcome == e.FAIL and certification.outcome == e.PASS
    assert not region.blocks and not certification.blocks and region.group_outcome == e.PASS
    assert ban.kind == e.BAN_REGISTER and ban.outcome == e.PASS


def test_either_or_group_blocks_when_no_member_passes_and_two_rules_of_a_kind_both_hold():
    company = CompanyFactory.build(region="11", certifications=[], employees=30)
    facts = e.Facts(company=company, basis_date=TODAY)
    results = e.evaluate(_rules(("region", {"regions": ["48"]}, True, "g", 0), ("certification", {"any_of": ["innobiz"]}, True, "g", 0),
                                ("employees", {"min": 10}, True, "", 0), ("employees", {"max": 20}, True, "", 0)), facts)
    assert [r.blocks for r in results[:4]] == [True, True, False, True]
    assert results[3].message_ko == "상시근로자 30명으로, 이 공고가 허용하는 20명보다 많습니다."


def test_soft_rules_never_block_and_earn_their_points_when_met():
    company = CompanyFactory.build(region="48")
    facts = e.Facts(company=company, basis_date=TODAY)
    results = e.evaluate(_rules(("region", {"regions": ["48"]}, False, "", 2), ("region", {"regions": ["11"]}, False, "", 3)), facts)
    assert not any(r.blocks for r in results)
    assert e.bonus_points(results) == 2


@pytest.mark.parametrize(("ksic", "params", "outcome"), [
    ("C29271", {"allow": ["C29"], "deny": []}, e.PASS),
    ("C29271", {"allow": ["C2927"], "deny": []}, e.PASS),
    ("C29280", {"allow": ["C2927"], "deny": []}, e.FAIL),
    ("C29271", {"allow": ["C"], "deny": ["C29271"]}, e.FAIL),
    ("C11209", {"allow": ["C10", "C11"], "deny": ["C112"]}, e.FAIL),
])
def test_ksic_allow_and_deny_lists_down_to_the_sub_class(ksic, params, outcome):
    assert run("ksic", params, company=CompanyFactory.build(ksic_code=ksic)).outcome == outcome


def test_location_rule_checks_the_site_or_the_headquarters():
    company = CompanyFactory.build(region="48", sigungu="48121", hq_region="11", hq_sigungu="11680")
    assert run("location", {"codes": ["48121"], "basis": "site"}, company=company).outcome == e.PASS
    assert run("location", {"codes": ["48121"], "basis": "headquarters"}, company=company).outcome == e.FAIL
    assert run("location", {"codes": ["11"], "basis": "headquarters"}, company=company).outcome == e.PASS
    no_code = CompanyFactory.build(region="48", sigungu="")
    assert run("location", {"codes": ["48121"]}, company=no_code).outcome == e.NEEDS_EVIDENCE
    assert run("location", {"codes": ["48"]}, company=no_code).outcome == e.PASS


def test_prior_funding_within_years_or_running():
    grant = e.PriorGrant(program_id=1, program_name="스마트공장 구축", call_code="SF-2024-1", decided_on=D(2024, 5, 2), running=False)
    running = e.PriorGrant(program_id=2, program_name="소부장 스타트업", call_code="MPE-2026-1", decided_on=D(2026, 4, 1), running=True)
    same = {"scope": "same_program", "years": 3}
    assert run("prior_funding", same, prior_grants=(grant,), program_id=1).outcome == e.FAIL
    assert run("prior_funding", same, prior_grants=(grant,), program_id=1, basis_date=D(2027, 5, 2)).outcome == e.PASS
    assert run("prior_funding", same, prior_grants=(grant,), program_id=9).outcome == e.PASS
    listed = {"scope": "programs", "programs": [2], "concurrent": True}
    result = run("prior_funding", listed, prior_grants=(grant, running), program_id=1)
    assert result.outcome == e.FAIL
    assert result.message_ko == "소부장 스타트업(MPE-2026-1)의 지원을 받은 과제가 아직 진행 중입니다. 이 공고는 동시에 두 과제를 지원하지 않습니다."


def test_partner_list_admits_only_nominated_companies():
    company = CompanyFactory.build()
    lists = {7: ("삼성전자 자상한 기업 협력사", frozenset({company.business_number}))}
    assert run("partner_list", {"list": 7}, company=company, partner_lists=lists).outcome == e.PASS
    other = run("partner_list", {"list": 7}, company=CompanyFactory.build(), partner_lists=lists)
    assert other.outcome == e.FAIL
    assert other.message_ko == "삼성전자 자상한 기업 협력사에 추천된 기업만 신청할 수 있습니다. 이 기업은 목록에 없습니다."


def test_the_ban_register_counts_its_first_and_last_day():
    ban = e.Ban(reason="보조금 목적 외 사용", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    company = CompanyFactory.build()
    for day, barred in [(D(2025, 12, 31), False), (D(2026, 1, 1), True), (D(2026, 12, 31), True), (D(2027, 1, 1), False)]:
        result = e.evaluate([], e.Facts(company=company, basis_date=day, bans=(ban,)))[0]
        assert (result.outcome == e.FAIL) is barred, day
    result = e.evaluate([], e.Facts(company=company, basis_date=D(2026, 6, 1), bans=(ban,)))[0]
    assert result.message_ko == "이 기업은 2026년 1월 1일부터 2026년 12월 31일까지 참여가 제한되어 있습니다: 보조금 목적 외 사용"
