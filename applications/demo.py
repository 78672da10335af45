"""A realistic call set-up (levels, documents, rules, form), shared by the demo data and
the tests. Configured before the call opens, as an officer would."""

from __future__ import annotations

import datetime

from django.utils import timezone

from applications.models import Call, FieldType, RuleKind
from applications.services import calls as svc

MANUFACTURING = [f"C{n}" for n in range(10, 35)]


def configure_call(call: Call, *, user, levels: bool = True, rules: tuple[str, ...] = ("sme_size", "industry", "exclusions"),
                   regions: list[str] | None = None, max_age: int | None = None) -> Call:
    """Set up `call` (which must not have opened yet)."""
    if levels:
        for code, ko, en, cap in [("basic", "기초", "Basic", 50_000_000), ("advanced1", "고도화1", "Advanced 1", 200_000_000),
                                  ("advanced2", "고도화2", "Advanced 2", 400_000_000)]:
            svc.level_add(user=user, call=call, data={"code": code, "name_ko": ko, "name_en": en, "max_grant": min(cap, call.max_grant)})
    for kind, ko, en, formats, required in [
        ("business_plan", "사업계획서", "Business plan", ["pdf", "hwp", "hwpx", "docx"], True),
        ("sme_certificate", "중소기업확인서", "SME confirmation", ["pdf", "image"], True),
        ("tax_clearance", "국세·지방세 완납증명서", "Tax clearance", ["pdf", "image"], True),
        ("bonus_evidence", "가점 증빙 (벤처·이노비즈·연구소)", "Bonus point evidence", ["pdf", "image"], False),
    ]:
        svc.requirement_add(user=user, call=call, data={"kind": kind, "name_ko": ko, "name_en": en, "description": "",
                                                        "is_required": required, "formats": formats})
    if "sme_size" in rules:
        svc.rule_add(user=user, call=call, kind=RuleKind.SME_SIZE, is_hard=True, params={"scale": "sme"})
    if "industry" in rules:
        svc.rule_add(user=user, call=call, kind=RuleKind.INDUSTRY, is_hard=True, params={"divisions": MANUFACTURING})
    if "exclusions" in rules:
        svc.rule_add(user=user, call=call, kind=RuleKind.EXCLUSIONS, is_hard=True,
                     params={"items": ["closed_business", "tax_arrears", "loan_default", "participation_ban"]})
    if regions:
        svc.rule_add(user=user, call=call, kind=RuleKind.REGION, is_hard=True, params={"regions": regions})
    if max_age is not None:
        svc.rule_add(user=user, call=call, kind=RuleKind.MAX_AGE, is_hard=True, params={"years": max_age})
    section = svc.form_section_add(user=user, call=call, title_ko="사업 개요", title_en="Project outline")
    svc.form_field_add(user=user, call=call, section_id=section.pk, data={
        "key": "summary", "type": FieldType.LONG_TEXT, "label_ko": "사업 요약", "label_en": "Summary",
        "help_ko": "도입하려는 시스템과 기대 효과를 1,000자 이내로 쓰세요.", "help_en": "The system to introduce and its expected effect, in at most 1,000 characters.",
        "required": True, "max_length": 1000, "choices": []})
    svc.form_field_add(user=user, call=call, section_id=section.pk, data={
        "key": "current_level", "type": FieldType.CHOICE, "label_ko": "현재 스마트화 수준", "label_en": "Current level of automation",
        "required": True, "choices": [{"value": "none", "ko": "미도입", "en": "None"}, {"value": "basic", "ko": "기초", "en": "Basic"},
                                      {"value": "intermediate", "ko": "중간1 이상", "en": "Intermediate or higher"}]})
    section2 = svc.form_section_add(user=user, call=call, title_ko="추진 계획", title_en="Plan")
    svc.form_field_add(user=user, call=call, section_id=section2.pk, data={
        "key": "start_date", "type": FieldType.DATE, "label_ko": "착수 예정일", "label_en": "Planned start", "required": True, "choices": []})
    svc.form_field_add(user=user, call=call, section_id=section2.pk, data={
        "key": "new_jobs", "type": FieldType.NUMBER, "label_ko": "신규 고용 계획(명)", "label_en": "New jobs planned",
        "required": False, "min_value": 0, "max_value": 1000, "choices": []})
    return call


def open_now(call: Call, *, days: int = 30) -> Call:
    """Move a configured call's window so that it is open now (demo data and tests only)."""
    now = timezone.now()
    closes = timezone.localtime(now + datetime.timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)
    Call.objects.filter(pk=call.pk).update(opens_at=now - datetime.timedelta(days=1), closes_at=closes, is_published=True)
    call.refresh_from_db()
    return call
