"""The law, second reading: 별표3 (소기업), 신청일 as the arrival day, first-year annualisation
(시행령 §7), and the official code lists (행정표준코드, KSIC) that rules and forms read."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from applications import eligibility as e
from applications.models import Application, Call, EligibilityRule, State
from portal import codelists
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
D = datetime.date
EOK = 100_000_000
TODAY = D(2026, 11, 29)
ALL_DECLARED_NO = {k: False for k in e.INDEPENDENCE_ITEMS + e.EXCLUSION_ITEMS}


def run(kind, params, company, basis_date=TODAY, **facts):
    rule = EligibilityRule(kind=kind, params=params, is_hard=True)
    return e.evaluate_rule(rule, e.Facts(company=company, basis_date=basis_date, **facts))


# --- A. 소기업: 중소기업기본법 시행령 §8 ①, [별표 3] ---------------------------------------------

# Every entry of 별표3 (DOMAIN.md), with a sub-class of that industry to look it up by.
SMALL_TABLE = [
    ("C10", "C10711", 120, "별표3: 식료품 제조업 120억"),
    ("C11", "C11111", 120, "별표3: 음료 제조업 120억"),
    ("C14", "C14111", 120, "별표3: 의복, 의복액세서리 및 모피제품 제조업 120억"),
    ("C15", "C15121", 120, "별표3: 가죽, 가방 및 신발 제조업 120억"),
    ("C19", "C19210", 120, "별표3: 코크스, 연탄 및 석유정제품 제조업 120억"),
    ("C20", "C20111", 120, "별표3: 화학물질 및 화학제품 제조업(의약품 제외) 120억"),
    ("C21", "C21210", 120, "별표3: 의료용 물질 및 의약품 제조업 120억"),
    ("C23", "C23311", 120, "별표3: 비금속 광물제품 제조업 120억"),
    ("C24", "C24111", 120, "별표3: 1차 금속 제조업 120억"),
    ("C25", "C25112", 120, "별표3: 금속가공제품 제조업(기계 및 가구 제외) 120억"),
    ("C26", "C26110", 120, "별표3: 전자부품, 컴퓨터, 영상, 음향 및 통신장비 제조업 120억"),
    ("C28", "C28111", 120, "별표3: 전기장비 제조업 120억"),
    ("C29", "C29271", 120, "별표3: 그 밖의 기계 및 장비 제조업 120억"),
    ("C30", "C30121", 120, "별표3: 자동차 및 트레일러 제조업 120억"),
    ("C32", "C32011", 120, "별표3: 가구 제조업 120억"),
    ("D", "D35111", 120, "별표3: 전기, 가스, 증기 및 공기조절 공급업 120억"),
    ("C12", "C12000", 80, "별표3: 담배 제조업 80억"),
    ("C13", "C13101", 80, "별표3: 섬유제품 제조업(의복 제외) 80억"),
    ("C16", "C16101", 80, "별표3: 목재 및 나무제품 제조업(가구 제외) 80억"),
    ("C17", "C17110", 80, "별표3: 펄프, 종이 및 종이제품 제조업 80억"),
    ("C18", "C18111", 80, "별표3: 인쇄 및 기록매체 복제업 80억"),
    ("C22", "C22111", 80, "별표3: 고무제품 및 플라스틱제품 제조업 80억"),
    ("C27", "C27111", 80, "별표3: 의료, 정밀, 광학기기 및 시계 제조업 80억"),
    ("C31", "C31111", 80, "별표3: 그 밖의 운송장비 제조업 80억"),
    ("C33", "C33110", 80, "별표3: 그 밖의 제품 제조업 80억"),
    ("E36", "E36010", 80, "별표3: 수도업 80억 (not 120억)"),
    ("A", "A01110", 80, "별표3: 농업, 임업 및 어업 80억"),
    ("B", "B07100", 80, "별표3: 광업 80억"),
    ("F", "F41111", 80, "별표3: 건설업 80억"),
    ("H", "H49101", 80, "별표3: 운수 및 창고업 80억"),
    ("K", "K64110", 80, "별표3: 금융 및 보험업 80억"),
    ("G", "G46101", 50, "별표3: 도매 및 소매업 50억"),
    ("J", "J58111", 50, "별표3: 정보통신업 50억"),
    ("E", "E38110", 30, "별표3: 수도, 하수 및 폐기물 처리, 원료 재생업(수도업 제외) 30억"),
    ("L", "L68111", 30, "별표3: 부동산업 30억"),
    ("M", "M70111", 30, "별표3: 전문, 과학 및 기술 서비스업 30억"),
    ("N", "N75110", 30, "별표3: 사업시설관리, 사업지원 및 임대 서비스업 30억"),
    ("N", "N76110", 30, "별표3: 임대업 is in N, 30억 (별표3 has no N76 row)"),
    ("R", "R90110", 30, "별표3: 예술, 스포츠 및 여가 관련 서비스업 30억"),
    ("C34", "C34011", 10, "별표3: 산업용 기계 및 장비 수리업 10억"),
    ("I", "I55101", 10, "별표3: 숙박 및 음식점업 10억"),
    ("P", "P85110", 10, "별표3: 교육 서비스업 10억"),
    ("Q", "Q86101", 10, "별표3: 보건업 및 사회복지 서비스업 10억"),
    ("S", "S96111", 10, "별표3: 수리(修理) 및 기타 개인 서비스업 10억"),
]


@pytest.mark.parametrize(("entry", "ksic", "limit_eok", "source"), SMALL_TABLE, ids=[f"{row[0]}-{row[1]}" for row in SMALL_TABLE])
def test_small_business_ceilings_are_the_decree_table(entry, ksic, limit_eok, source):
    ceiling = e.size_standards.industry_ceiling(ksic, scale="small", on=TODAY)
    assert (ceiling.matched_code, ceiling.revenue_limit) == (entry, limit_eok * EOK), source
    at = CompanyFactory.build(ksic_code=ksic, revenue_latest=limit_eok * EOK, revenue_previous=limit_eok * EOK,
                              revenue_before_previous=limit_eok * EOK)
    over = CompanyFactory.build(ksic_code=ksic, revenue_latest=limit_eok * EOK + 3, revenue_previous=limit_eok * EOK,
                                revenue_before_previous=limit_eok * EOK)
    small = {"scale": "small"}
    assert run("sme_size", small, at, declarations=ALL_DECLARED_NO,
               uploaded_kinds=frozenset({"sme_certificate"})).outcome == e.PASS, f"{source}: …원 이하, the ceiling passes"
    assert run("sme_size", small, over, declarations=ALL_DECLARED_NO).outcome == e.FAIL, source


def test_the_small_table_has_five_tiers_and_every_row_of_the_decree():
    from applications.models import SizeStandard

    standard = SizeStandard.objects.get(scale="small")
    rows = dict(standard.limits.values_list("code", "revenue_limit"))
    assert sorted({limit // EOK for limit in rows.values()}) == [10, 30, 50, 80, 120]
    assert rows == {entry: limit * EOK for entry, _ksic, limit, _source in SMALL_TABLE}
    assert standard.version_date == D(2017, 10, 17) and "별표 3" in standard.source


def test_a_hospital_averaging_20_eok_is_not_a_small_business():
    hospital = CompanyFactory.build(ksic_code="Q86101", revenue_latest=20 * EOK, revenue_previous=20 * EOK, revenue_before_previous=20 * EOK)
    result = run("sme_size", {"scale": "small"}, hospital, declarations=ALL_DECLARED_NO, uploaded_kinds=frozenset({"sme_certificate"}))
    assert result.outcome == e.FAIL
    assert result.message_ko == "2023–2025년 평균매출액 20억원은 별표3의 보건업 및 사회복지 서비스업(Q) 상한 10억원을 넘습니다."
    assert result.inputs["ceiling"] == {"code": "Q", "revenue_limit": 10 * EOK, "assets_limit": 5000 * EOK, "table": "small",
                                        "version_date": "2017-10-17", "source": result.inputs["ceiling"]["source"]}


def test_the_migration_corrects_a_database_seeded_with_the_old_table():
    from applications.models import SizeLimit, SizeStandard
    from applications.size_tables import VERSION, correct_small_table

    standard = SizeStandard.objects.get(scale="small", version_date=VERSION)
    standard.limits.all().delete()
    SizeLimit.objects.bulk_create([SizeLimit(standard=standard, code="Q", revenue_limit=50 * EOK),
                                   SizeLimit(standard=standard, code="E36", revenue_limit=120 * EOK)])
    correct_small_table(SizeStandard, SizeLimit)
    assert e.size_standards.industry_ceiling("Q86101", scale="small", on=TODAY).revenue_limit == 10 * EOK
    assert e.size_standards.industry_ceiling("E36010", scale="small", on=TODAY).revenue_limit == 80 * EOK
    assert standard.limits.count() == len(SMALL_TABLE) - 1  # N76 looks up N


# --- C. First-year annualisation: 중소기업기본법 시행령 §7 -----------------------------------------

@pytest.mark.parametrize(("founded", "revenue_eok", "months", "average_eok", "source"), [
    (D(2025, 7, 1), 30, 6, 60, "founded on the 1st: July counts, 30 ÷ 6 × 12"),
    (D(2025, 7, 15), 30, 6, 60, "founded on the 15th: 1개월 미만은 1개월로 본다 — July still counts whole"),
    (D(2025, 7, 31), 30, 6, 60, "founded on the last day: one day of July is a month operated"),
    (D(2025, 2, 28), 33, 11, 36, "founded on the last day of February: Feb–Dec, 11 months"),
    (D(2025, 1, 2), 12, 12, 12, "founded on 2 January: the whole year in months, 12 ÷ 12 × 12"),
    (D(2025, 12, 31), 1, 1, 12, "founded on 31 December: one day is one month, 1 × 12"),
])
def test_a_first_year_is_annualised_over_the_months_operated_founding_month_included(founded, revenue_eok, months, average_eok, source):
    result = e.enterprise.average_revenue(founded_on=founded, fiscal_year=2025, revenues=(revenue_eok * EOK, 0, 0))
    assert (result.method, result.months, result.amount) == (e.enterprise.ANNUALISED, months, average_eok * EOK), source


def test_the_annualised_average_decides_the_verdict_and_says_how_it_was_made():
    """Founded 15 July with 55억: over six months that is 110억, within 120억 for C29 (별표3);
    over five months (the old reading) it was 132억 and failed."""
    company = CompanyFactory.build(ksic_code="C29271", founded_on=D(2025, 7, 15), fiscal_year=2025,
                                   revenue_latest=55 * EOK, revenue_previous=0, revenue_before_previous=0)
    result = run("sme_size", {"scale": "small"}, company, declarations=ALL_DECLARED_NO, uploaded_kinds=frozenset({"sme_certificate"}))
    assert result.outcome == e.PASS
    assert result.message_ko.startswith("2025년 매출액을 6개월로 연환산한 금액 110억원은")


# --- B. 신청일 is the day the request arrived -------------------------------------------------


def _next_kst_midnight() -> datetime.datetime:
    """The next KST midnight whose day has a seventh anniversary (not 29 February, which a
    date seven years earlier does not have)."""
    day = timezone.localtime().date() + timedelta(days=1)
    if (day.month, day.day) == (2, 29):
        day += timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def test_a_submission_that_arrived_before_midnight_is_judged_on_its_arrival_day(client, alice, acme, call, settings):
    """Seventh anniversary tomorrow: the request reached the load balancer at 23:59:59.9 and
    the server took it at 00:00:00.1 — on 신청일, the arrival day, the company is still a startup."""
    from tests.conftest import make_complete_draft

    settings.BEHIND_PROXY = True
    midnight = _next_kst_midnight()
    anniversary = timezone.localtime(midnight).date()
    acme.founded_on = anniversary.replace(year=anniversary.year - 7)
    acme.save(update_fields=["founded_on"])
    Call.objects.filter(pk=call.pk).update(eligibility_basis="application")
    EligibilityRule.objects.create(call=call, kind="max_age", params={"years": 7}, is_hard=True, order=5)
    draft = make_complete_draft(alice, acme, call)
    arrived = midnight - timedelta(milliseconds=100)
    with freeze_time(midnight + timedelta(milliseconds=100)):
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        response = client.post(f"/applications/{draft.pk}/submit/", {"confirm": "yes"},
                               HTTP_X_REQUEST_START=f"t={arrived.timestamp():.3f}")
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(pk=draft.pk)
    assert application.state == State.SUBMITTED and application.submitted_at == arrived
    age = next(r for r in application.eligibility_snapshot if r["kind"] == "max_age")
    assert age["outcome"] == e.PASS
    assert age["inputs"]["basis_date"] == (anniversary - timedelta(days=1)).isoformat()
    assert "아직 7년이 지나지 않았습니다" in age["message_ko"]


def test_the_same_request_arriving_after_midnight_is_refused_as_no_longer_a_startup(client, alice, acme, call, settings):
    from tests.conftest import make_complete_draft

    settings.BEHIND_PROXY = True
    midnight = _next_kst_midnight()
    anniversary = timezone.localtime(midnight).date()
    acme.founded_on = anniversary.replace(year=anniversary.year - 7)
    acme.save(update_fields=["founded_on"])
    Call.objects.filter(pk=call.pk).update(eligibility_basis="application")
    EligibilityRule.objects.create(call=call, kind="max_age", params={"years": 7}, is_hard=True, order=5)
    draft = make_complete_draft(alice, acme, call)
    with freeze_time(midnight + timedelta(milliseconds=300)):
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        response = client.post(f"/applications/{draft.pk}/submit/", {"confirm": "yes"},
                               HTTP_X_REQUEST_START=f"t={(midnight + timedelta(milliseconds=100)).timestamp():.3f}")
    assert response.status_code == 400
    assert "7년이 지났습니다" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).state == State.DRAFT


def test_the_self_check_judges_on_the_arrival_day_too(client, alice, acme, call, settings):
    settings.BEHIND_PROXY = True
    midnight = _next_kst_midnight()
    anniversary = timezone.localtime(midnight).date()
    acme.founded_on = anniversary.replace(year=anniversary.year - 7)
    acme.save(update_fields=["founded_on"])
    EligibilityRule.objects.create(call=call, kind="max_age", params={"years": 7}, is_hard=True, order=5)
    with freeze_time(midnight + timedelta(milliseconds=100)):
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        page = client.get(f"/calls/{call.code}/", HTTP_X_REQUEST_START=f"t={(midnight - timedelta(milliseconds=100)).timestamp():.3f}")
    assert "아직 7년이 지나지 않았습니다" in page.content.decode()


# --- D. Code lists: cities with 일반구, names in reasons, forms that check the lists -------------

CITIES_WITH_GU = [
    ("48120", "48123", "경상남도 창원시 성산구"),
    ("41110", "41117", "경기도 수원시 영통구"),
    ("41130", "41135", "경기도 성남시 분당구"),
    ("41280", "41285", "경기도 고양시 일산동구"),
    ("41460", "41463", "경기도 용인시 기흥구"),
    ("43110", "43112", "충청북도 청주시 서원구"),
    ("44130", "44133", "충청남도 천안시 서북구"),
    ("52110", "52113", "전북특별자치도 전주시 덕진구"),
    ("47110", "47113", "경상북도 포항시 북구"),
    ("41270", "41273", "경기도 안산시 단원구"),
    ("41170", "41173", "경기도 안양시 동안구"),
]


@pytest.mark.parametrize(("city", "gu", "name"), CITIES_WITH_GU, ids=[row[2] for row in CITIES_WITH_GU])
def test_a_rule_naming_a_city_covers_each_of_its_general_districts(city, gu, name):
    assert codelists.district_name(gu) == name
    site = CompanyFactory.build(region=gu[:2], sigungu=gu)
    result = run("location", {"codes": [city], "basis": "site"}, site)
    assert result.outcome == e.PASS, result.message_ko
    assert result.message_ko == f"사업장({name}): 이 공고의 대상 지역에 있습니다."
    every_gu = [code for code, _label in codelists.sigungu_choices(city[:2]) if code != city and codelists.city_of(code) == city]
    assert len(every_gu) >= 2 and all(run("location", {"codes": [city]}, CompanyFactory.build(region=g[:2], sigungu=g)).passed
                                      for g in every_gu)


def test_a_general_district_does_not_cover_its_sibling_or_a_neighbouring_city():
    sibling = CompanyFactory.build(region="48", sigungu="48125")  # 창원시 마산합포구
    assert run("location", {"codes": ["48123"]}, sibling).outcome == e.FAIL
    neighbour = CompanyFactory.build(region="48", sigungu="48170")  # 진주시
    assert run("location", {"codes": ["48120"]}, neighbour).outcome == e.FAIL


def test_reasons_name_regions_and_industries_not_codes():
    site = CompanyFactory.build(region="48", sigungu="48123", ksic_code="C35110")
    where = run("location", {"codes": ["51110", "51130"]}, site)
    assert where.message_ko == "사업장(경상남도 창원시 성산구): 이 공고의 대상 지역(강원특별자치도 춘천시, 강원특별자치도 원주시) 밖에 있습니다."
    industry = run("industry", {"divisions": e.expand_divisions("C10-C34")}, CompanyFactory.build(ksic_code="D35111"))
    assert industry.message_ko == "업종 원자력 발전업(D35111): 이 공고의 지원 대상 업종(제조업(C10–C34))이 아닙니다."
    ksic = run("ksic", {"allow": ["C29"], "deny": ["C2928"]}, CompanyFactory.build(ksic_code="C29280"))
    assert ksic.message_ko == "업종 산업용 로봇 제조업(C29280): 이 공고에서 제외된 업종입니다(산업용 로봇 제조업(C2928))."


def test_rule_descriptions_on_the_call_page_use_names():
    rules = [EligibilityRule(kind="location", params={"codes": ["48120", "51"], "basis": "site"}),
             EligibilityRule(kind="industry", params={"divisions": ["C10", "C11"]})]
    from django.utils import translation

    with translation.override("ko"):
        words = [e.describe_rule(rule) for rule in rules]
    assert words == ["사업장 소재지: 경상남도 창원시, 강원특별자치도", "업종(중분류) 식료품 제조업(C10), 음료 제조업(C11)"]


@pytest.mark.parametrize(("amount", "text"), [
    (100_000_000_000, "1,000억원"), (2_000_000_000, "20억원"), (4_512_345_678, "45억 1,234만 5,678원"),
    (50_000, "5만원"), (999, "999원"), (0, "0원"), (1_234_500_000_000, "1조 2,345억원"),
])
def test_large_amounts_are_written_in_eok_and_man(amount, text):
    from django.utils import translation

    from portal.korean import won_units

    with translation.override("ko"):
        assert won_units(amount) == text


@pytest.fixture
def signed_in(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


COMPANY = {
    "name": "한빛정밀 주식회사", "business_number": "214-86-12341", "representative_name": "김한빛",
    "address": "경상남도 창원시 성산구 공단로 100", "region": "48", "sigungu": "48123", "ksic_code": "C29271",
    "founded_on": "2012-04-02", "employees": "48", "fiscal_year": "2025", "revenue_latest": "12,400,000,000",
    "revenue_previous": "11,100,000,000", "revenue_before_previous": "9,800,000,000", "total_assets": "8,700,000,000",
}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sigungu", "99999", "현행 행정표준코드의 시·군·구 코드가 아닙니다: 99999"),
    ("sigungu", "11680", "선택한 시·도(경상남도)에 속하지 않는 시·군·구입니다: 서울특별시 강남구(11680)"),
    ("sigungu", "28110", "현행 행정표준코드의 시·군·구 코드가 아닙니다: 28110"),  # 인천 중구, retired 2026-07-01
    ("ksic_code", "C99999", "한국표준산업분류(KSIC)에 없는 코드입니다: C99999"),
    ("ksic_code", "40123", "한국표준산업분류(KSIC)에 없는 코드입니다: 40123"),  # no division 40
    ("ksic_code", "우주 정거장 운영", "이름에 “우주 정거장 운영” 문구가 들어간 업종이 없습니다."),
    ("ksic_code", "기계", "“기계”에 해당하는 업종이 여럿입니다:"),
    ("fiscal_year", "2099", "최근 사업연도는 미래일 수 없습니다"),
])
def test_the_company_form_checks_the_code_lists(signed_in, field, value, message):
    from portal.models import Company

    response = signed_in.post("/companies/new/", {**COMPANY, field: value})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Company.objects.exists()


@pytest.mark.parametrize(("value", "stored"), [("29199", "C29199"), ("c29271", "C29271"), ("반도체 제조용 기계", "C29271"),
                                               ("산업용 로봇 제조업", "C29280")])
def test_an_industry_is_accepted_without_its_letter_or_by_its_name(signed_in, value, stored):
    from portal.models import Company

    response = signed_in.post("/companies/new/", {**COMPANY, "ksic_code": value})
    assert response.status_code == 302, response.context["form"].errors
    assert Company.objects.get().ksic_code == stored


def test_a_fiscal_year_in_the_future_is_refused_but_this_year_is_not(signed_in):
    from portal.models import Company

    year = timezone.localdate().year
    assert signed_in.post("/companies/new/", {**COMPANY, "fiscal_year": str(year + 1)}).status_code == 400
    assert signed_in.post("/companies/new/", {**COMPANY, "fiscal_year": str(year)}).status_code == 302
    assert Company.objects.get().fiscal_year == year


@pytest.fixture
def as_olivia(client, olivia):
    from tests.conftest import login_with_mfa

    login_with_mfa(client, olivia)
    return client


@pytest.fixture
def draft_call(as_olivia, program):
    """A call being set up (rules can change until it opens)."""
    opens = timezone.localtime() + timedelta(days=7)
    as_olivia.post("/officer/calls/new/", {
        "program": program.pk, "code": "SF-2027-1", "title": "2027년 스마트공장 1차 공고", "round": 1, "notice": "공고문",
        "opens_at": f"{opens:%Y-%m-%dT%H:%M}", "closes_at": f"{opens + timedelta(days=30):%Y-%m-%dT%H:%M}",
        "budget_total": "10,000,000,000", "max_grant": "400,000,000", "max_grant_share_bp": "50", "min_cash_share_bp": "50",
        "max_file_mb": 20, "max_total_mb": 100, "max_files": 30})
    return Call.objects.get(code="SF-2027-1")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"kind": "location", "codes": "48120, 99999"}, "codes", "현행 행정표준코드의 시·도 또는 시·군·구 코드가 아닙니다: 99999."),
    ({"kind": "location", "codes": "42"}, "codes", "현행 행정표준코드의 시·도 또는 시·군·구 코드가 아닙니다: 42."),
    ({"kind": "industry", "divisions": "C10-C34, C99"}, "divisions", "한국표준산업분류(KSIC 제10차·제11차 개정)에 없는 코드입니다: C99."),
    ({"kind": "ksic", "allow": "C29, C29999"}, "allow", "한국표준산업분류(KSIC 제10차·제11차 개정)에 없는 코드입니다: C29999."),
    ({"kind": "ksic", "deny": "T99"}, "deny", "한국표준산업분류(KSIC 제10차·제11차 개정)에 없는 코드입니다: T99."),
    ({"kind": "region", "regions": ["48", "99"]}, "regions", "현행 행정표준코드의 시·도 코드가 아닙니다: 99."),
    ({"kind": "region", "regions": "42"}, "regions", "현행 행정표준코드의 시·도 코드가 아닙니다: 42."),  # 강원도 before 강원특별자치도 (51)
])
def test_a_rule_naming_a_code_not_on_the_lists_is_refused_with_the_code_named(as_olivia, draft_call, data, field, message):
    call = draft_call
    before = call.rules.count()
    response = as_olivia.post(f"/officer/calls/{call.pk}/rules/", {**data, "is_hard": "on"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert call.rules.count() == before


def test_a_rule_naming_a_code_not_on_the_lists_is_refused_by_the_service_too(olivia, draft_call):
    """Whatever sends it (the demo loader, a script): the service names the codes and saves nothing."""
    from django.core.exceptions import ValidationError

    from applications.services.calls import rule_add

    before = draft_call.rules.count()
    with pytest.raises(ValidationError) as refused:
        rule_add(user=olivia, call=draft_call, kind="location", params={"codes": ["48120", "28110"], "basis": "site"}, is_hard=True)
    assert refused.value.messages == ["공식 코드 목록(행정표준코드, 한국표준산업분류)에 없는 코드입니다: 28110. 저장하지 않았습니다."]
    assert draft_call.rules.count() == before


def test_a_rule_whose_code_was_retired_since_it_was_written_holds_back_publishing(as_olivia, draft_call):
    """A rule written before a 시·군·구 was retired (인천 중구 28110, 2026-07-01) is named on the
    set-up page among what must be fixed before the call is published."""
    from applications.models import EligibilityRule

    EligibilityRule.objects.create(call=draft_call, kind="location", params={"codes": ["28110", "48120"], "basis": "site"}, is_hard=True)
    page = as_olivia.get(f"/officer/calls/{draft_call.pk}/").content.decode()
    assert ("“사업장 또는 본사의 시·군·구” 규칙에 현행 공식 코드 목록에 없는 코드가 있습니다: 28110. "
            "규칙을 지우고 현행 코드로 다시 추가하세요.") in page


def test_a_rule_naming_a_city_is_accepted_and_described_by_name(as_olivia, draft_call):
    call = draft_call
    response = as_olivia.post(f"/officer/calls/{call.pk}/rules/", {"kind": "location", "codes": "48120", "is_hard": "on"})
    assert response.status_code == 302
    page = as_olivia.get(f"/officer/calls/{call.pk}/").content.decode()
    assert "사업장 소재지: 경상남도 창원시" in page


def test_the_code_lists_carry_their_source_and_revision():
    for name, words in (("admin_districts.csv", ("행정안전부", "Revision: 2026-07-01")),
                        ("ksic10.csv", ("통계청", "제10차")), ("ksic11.csv", ("통계청", "제11차"))):
        header = (codelists.HERE / name).read_text(encoding="utf-8").split("\ncode,")[0]
        assert all(word in header for word in words), name
    assert len([c for c in codelists.ksic10() if len(c) == 6]) == 1196
    assert len([c for c in codelists.ksic11() if len(c) == 3]) == 77
    assert len([d for d in codelists.districts().values() if d.in_force and len(d.code) == 2]) == 17


def test_the_catalogue_filter_offers_industries_by_name_and_reads_a_finer_code_as_its_division(client):
    page = client.get("/calls/").content.decode()
    assert '<optgroup label="제조업">' in page
    assert '<option value="C29">기타 기계 및 장비 제조업(C29)</option>' in page
    chosen = client.get("/calls/?industry=C29271")
    assert chosen.status_code == 200 and chosen.context["form"].cleaned_data["industry"] == "C29"
    assert 'value="C29" selected' in chosen.content.decode()


def test_the_company_page_names_its_industry_and_site(signed_in):
    from portal.models import Company

    signed_in.post("/companies/new/", COMPANY)
    page = signed_in.get(f"/companies/{Company.objects.get().pk}/").content.decode()
    assert "반도체 제조용 기계 제조업(C29271)" in page
    assert "경상남도 창원시 성산구 공단로 100 (경상남도 창원시 성산구)" in page


def test_the_officer_reads_the_submitted_site_and_industry_by_name(as_olivia, alice, acme, call):
    from applications.lifecycle import application_submit
    from tests.conftest import make_complete_draft

    acme.sigungu = "48123"
    acme.save(update_fields=["sigungu"])
    application = application_submit(user=alice, application_id=make_complete_draft(alice, acme, call).pk, now=timezone.now())
    page = as_olivia.get(f"/officer/applications/{application.pk}/").content.decode()
    assert "<dd>경상남도 창원시 성산구</dd>" in page
    assert "<dd>반도체 제조용 기계 제조업(C29271)</dd>" in page
