"""A realistic call set-up (levels, documents, rules, form), shared by the demo data and
the tests. Configured before the call opens, as an officer would."""

from __future__ import annotations

import datetime

from django.utils import timezone

from applications.models import Call, FieldType, PartnerList, RuleKind
from applications.services import calls
from portal.page_cache import public_pages_changed

MANUFACTURING = [f"C{n}" for n in range(10, 35)]


def _documents(call: Call, user, specs) -> None:
    for kind, ko, en, formats, required in specs:
        calls.requirement_add(user=user, call=call, data={"kind": kind, "name_ko": ko, "name_en": en, "description": "",
                                                        "is_required": required, "formats": formats})


def _levels(call: Call, user, specs) -> None:
    for code, ko, en, cap in specs:
        calls.level_add(user=user, call=call, data={"code": code, "name_ko": ko, "name_en": en, "max_grant": min(cap, call.max_grant)})


def _fields(call: Call, user, sections) -> None:
    for (title_ko, title_en), fields in sections:
        section = calls.form_section_add(user=user, call=call, title_ko=title_ko, title_en=title_en)
        for data in fields:
            calls.form_field_add(user=user, call=call, section_id=section.pk, data={"required": False, "choices": [], **data})


def _choices(*items):
    return [{"value": value, "ko": ko, "en": en} for value, ko, en in items]


PLAN = ("business_plan", "사업계획서", "Business plan", ["pdf", "hwp", "hwpx", "docx"], True)
SME_CERT = ("sme_certificate", "중소기업확인서", "SME confirmation", ["pdf", "image"], True)
TAX = ("tax_clearance", "국세·지방세 완납증명서", "Tax clearance", ["pdf", "image"], True)
EXCLUSIONS = {"items": ["closed_business", "tax_arrears", "loan_default", "participation_ban"]}


def configure_call(call: Call, *, user, levels: bool = True, rules: tuple[str, ...] = ("sme_size", "industry", "exclusions"),
                   regions: list[str] | None = None, max_age: int | None = None, family: str = "smart_factory") -> Call:
    """Set up `call` (which must not have opened yet) as its program family does it
    (DOMAIN.md): 스마트공장 by default; "materials" (소재·부품·장비), "win_win" (자상한 기업)
    and "free_zone" (규제자유특구) have their own levels, documents, rules and forms."""
    if family != "smart_factory":
        return FAMILIES[family](call, user=user)
    if levels:
        _levels(call, user, [("basic", "기초", "Basic", 50_000_000), ("advanced1", "고도화1", "Advanced 1", 200_000_000),
                             ("advanced2", "고도화2", "Advanced 2", 400_000_000)])
    _documents(call, user, [PLAN, SME_CERT, TAX,
                            ("bonus_evidence", "가점 증빙 (벤처·이노비즈·연구소)", "Bonus point evidence", ["pdf", "image"], False)])
    if "sme_size" in rules:
        calls.rule_add(user=user, call=call, kind=RuleKind.SME_SIZE, is_hard=True, params={"scale": "sme"})
    if "industry" in rules:
        calls.rule_add(user=user, call=call, kind=RuleKind.INDUSTRY, is_hard=True, params={"divisions": MANUFACTURING})
    if "exclusions" in rules:
        calls.rule_add(user=user, call=call, kind=RuleKind.EXCLUSIONS, is_hard=True, params=EXCLUSIONS)
    if regions:
        calls.rule_add(user=user, call=call, kind=RuleKind.REGION, is_hard=True, params={"regions": regions})
    if max_age is not None:
        calls.rule_add(user=user, call=call, kind=RuleKind.MAX_AGE, is_hard=True, params={"years": max_age})
    _fields(call, user, [
        (("사업 개요", "Project outline"), [
            {"key": "summary", "type": FieldType.LONG_TEXT, "label_ko": "사업 요약", "label_en": "Summary",
             "help_ko": "도입하려는 시스템과 기대 효과를 1,000자 이내로 쓰세요.",
             "help_en": "The system to introduce and its expected effect, in at most 1,000 characters.", "required": True, "max_length": 1000},
            {"key": "current_level", "type": FieldType.CHOICE, "label_ko": "현재 스마트화 수준", "label_en": "Current level of automation",
             "required": True, "choices": _choices(("none", "미도입", "None"), ("basic", "기초", "Basic"),
                                                   ("intermediate", "중간1 이상", "Intermediate or higher"))},
        ]),
        (("추진 계획", "Plan"), [
            {"key": "start_date", "type": FieldType.DATE, "label_ko": "착수 예정일", "label_en": "Planned start", "required": True},
            {"key": "new_jobs", "type": FieldType.NUMBER, "label_ko": "신규 고용 계획(명)", "label_en": "New jobs planned",
             "min_value": 0, "max_value": 1000},
        ]),
    ])
    return call


def _materials(call: Call, *, user) -> Call:
    """소재·부품·장비 스타트업100: startups (창업 7년 미만) in 소부장 industries, commercialisation."""
    _levels(call, user, [("commercialisation", "사업화", "Commercialisation", 200_000_000)])
    _documents(call, user, [PLAN, SME_CERT, TAX,
                            ("corporate_registry", "법인등기부등본", "Corporate registry extract", ["pdf"], True),
                            ("other", "기술 증빙 (특허·시험성적서)", "Technology evidence (patents, test reports)", ["pdf", "image"], False)])
    calls.rule_add(user=user, call=call, kind=RuleKind.SME_SIZE, is_hard=True, params={"scale": "sme"})
    calls.rule_add(user=user, call=call, kind=RuleKind.MAX_AGE, is_hard=True, params={"years": 7})
    calls.rule_add(user=user, call=call, kind=RuleKind.INDUSTRY, is_hard=True,
                 params={"divisions": ["C20", "C22", "C23", "C24", "C25", "C26", "C27", "C28", "C29", "C30"]})
    calls.rule_add(user=user, call=call, kind=RuleKind.EXCLUSIONS, is_hard=True, params=EXCLUSIONS)
    calls.rule_add(user=user, call=call, kind=RuleKind.PRIOR_FUNDING, is_hard=True, params={"scope": "same_program", "years": 3, "concurrent": True})
    _fields(call, user, [
        (("기술 개요", "Technology"), [
            {"key": "core_technology", "type": FieldType.LONG_TEXT, "label_ko": "핵심 기술", "label_en": "Core technology",
             "help_ko": "기술의 내용과 차별성을 1,500자 이내로 쓰세요.", "help_en": "What it is and how it differs, in at most 1,500 characters.",
             "required": True, "max_length": 1500},
            {"key": "field", "type": FieldType.CHOICE, "label_ko": "기술 분야", "label_en": "Field", "required": True,
             "choices": _choices(("materials", "소재", "Materials"), ("parts", "부품", "Parts"), ("equipment", "장비", "Equipment"))},
            {"key": "trl", "type": FieldType.NUMBER, "label_ko": "기술성숙도(TRL, 1–9)", "label_en": "Technology readiness level (1–9)",
             "required": True, "min_value": 1, "max_value": 9},
        ]),
        (("사업화 계획", "Commercialisation"), [
            {"key": "target_market", "type": FieldType.LONG_TEXT, "label_ko": "목표 시장과 수요처", "label_en": "Target market and buyers",
             "required": True, "max_length": 1500},
            {"key": "start_date", "type": FieldType.DATE, "label_ko": "사업화 착수 예정일", "label_en": "Planned start", "required": True},
        ]),
    ])
    return call


def _win_win(call: Call, *, user) -> Call:
    """자상한 기업 (상생형): the partner company's programme for the SMEs it nominates (partner
    list), funded by three parties — government at most 30%, the partner at least 30%, the
    SME the rest (at most 40%)."""

    calls.call_update(user=user, call=call, data={"max_grant_share_bp": 3000, "min_partner_share_bp": 3000, "max_company_share_bp": 4000,
                                                "partner_name": "한빛전자(주)", "partner_business_number": "1168200276",
                                                "partner_representative": "최상생"})
    _levels(call, user, [("training", "교육·컨설팅", "Training and consulting", 30_000_000),
                         ("technology", "기술 지원", "Technology support", 50_000_000)])
    _documents(call, user, [PLAN, SME_CERT,
                            ("other", "협력 대기업 추천서", "The partner company's nomination letter", ["pdf"], True)])
    partners, _created = PartnerList.objects.get_or_create(name="자상한 기업 한빛전자 협력사 추천 명단", defaults={"partner_name": "한빛전자(주)"})
    calls.rule_add(user=user, call=call, kind=RuleKind.SME_SIZE, is_hard=True, params={"scale": "sme"})
    calls.rule_add(user=user, call=call, kind=RuleKind.PARTNER_LIST, is_hard=True, params={"list": partners.pk})
    calls.rule_add(user=user, call=call, kind=RuleKind.EMPLOYEES, is_hard=True, params={"max": 300})
    calls.rule_add(user=user, call=call, kind=RuleKind.EXCLUSIONS, is_hard=True, params=EXCLUSIONS)
    _fields(call, user, [
        (("협력 관계", "Partnership"), [
            {"key": "years_with_partner", "type": FieldType.NUMBER, "label_ko": "협력 대기업과의 거래 기간(년)",
             "label_en": "Years of business with the partner", "required": True, "min_value": 0, "max_value": 100},
            {"key": "support_wanted", "type": FieldType.MULTI_CHOICE, "label_ko": "지원받고 싶은 분야", "label_en": "Support wanted",
             "required": True, "choices": _choices(("training", "교육", "Training"), ("market", "판로", "Market access"),
                                                   ("technology", "기술", "Technology"))},
            {"key": "expected_effect", "type": FieldType.LONG_TEXT, "label_ko": "기대 효과", "label_en": "Expected effect",
             "required": True, "max_length": 1000},
        ]),
    ])
    return call


def _free_zone(call: Call, *, user) -> Call:
    """규제자유특구 (강원 디지털헬스케어): 특구사업자 whose site is in the zone's cities."""
    _levels(call, user, [("demonstration", "실증 연구개발", "Demonstration R&D", 500_000_000),
                         ("insurance", "책임보험료", "Liability insurance", 15_000_000)])
    _documents(call, user, [PLAN, SME_CERT, TAX,
                            ("other", "특구사업자 지정 증빙", "Evidence of being named in the zone plan", ["pdf"], True)])
    calls.rule_add(user=user, call=call, kind=RuleKind.SME_SIZE, is_hard=True, params={"scale": "sme"})
    # The zone: 춘천시 (51110) and 원주시 (51130), checked on the site.
    calls.rule_add(user=user, call=call, kind=RuleKind.LOCATION, is_hard=True, params={"codes": ["51110", "51130"], "basis": "site"})
    calls.rule_add(user=user, call=call, kind=RuleKind.EXCLUSIONS, is_hard=True, params=EXCLUSIONS)
    _fields(call, user, [
        (("실증 계획", "Demonstration"), [
            {"key": "special_case", "type": FieldType.LONG_TEXT, "label_ko": "적용받을 규제 특례", "label_en": "Regulatory exemption used",
             "required": True, "max_length": 1000},
            {"key": "site", "type": FieldType.SHORT_TEXT, "label_ko": "실증 장소", "label_en": "Demonstration site", "required": True,
             "max_length": 200},
            {"key": "start_date", "type": FieldType.DATE, "label_ko": "실증 착수 예정일", "label_en": "Planned start", "required": True},
        ]),
    ])
    return call


FAMILIES = {"materials": _materials, "win_win": _win_win, "free_zone": _free_zone}


def open_now(call: Call, *, days: int = 30) -> Call:
    """Move a configured call's window so that it is open now (demo data and tests only)."""
    now = timezone.now()
    closes = timezone.localtime(now + datetime.timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)
    Call.objects.filter(pk=call.pk).update(opens_at=now - datetime.timedelta(days=1), closes_at=closes, is_published=True)
    public_pages_changed()
    call.refresh_from_db()
    return call
