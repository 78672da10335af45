"""Agreement PDF rendering against a one-page WeasyPrint document, in the same run."""

from __future__ import annotations

import datetime

from django.utils import timezone

from applications import clause_sets
from applications.agreement_text import placeholder_values
from applications.models import Agreement, AgreementVersion, Application, Call, ClauseSet, FormVersion, Program, State
from applications.pdf import render_pdf
from applications.services.agreements import _clauses, _context
from portal.models import Company, User

ONE_PAGE = """<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>한 쪽</title></head>
<body><h1>한 쪽 문서</h1><p>지원사업 신청 포털의 기준 문서입니다. 같은 글꼴과 같은 A4 설정으로 한 쪽만 만듭니다.</p></body></html>"""


def sample_agreement() -> Agreement:
    user, _ = User.objects.get_or_create(email="bench-agreement@example.com")
    program, _ = Program.objects.get_or_create(code="bench-agreement", defaults={"name_ko": "스마트공장 구축·고도화", "name_en": "Smart factory",
                                                                                "family": "smart_factory", "managing_agency": "스마트제조혁신추진단"})
    now = timezone.now()
    call = Call.objects.create(program=program, code=f"BA-{now:%H%M%S%f}", title="2026년 스마트공장 구축·고도화 지원사업 3차 공고",
                               opens_at=now - datetime.timedelta(days=40), closes_at=now - datetime.timedelta(days=10),
                               budget_total=10**10, max_grant=400_000_000, is_published=True)
    company = Company.objects.create(name="한빛정밀 주식회사", business_number="2148612341", corporate_number="1101110006240",
                                     representative_name="김한빛", address="경상남도 창원시 성산구 공단로 100", region="48", ksic_code="C29271",
                                     founded_on=datetime.date(2012, 4, 2), employees=48, fiscal_year=2025, revenue_latest=1,
                                     revenue_previous=1, revenue_before_previous=1, total_assets=1)
    application = Application.objects.create(call=call, company=company, form_version=FormVersion.objects.create(call=call, number=1),
                                             created_by=user, state=State.SELECTED, receipt_number=f"{call.code}-00001",
                                             project_title="MES 도입을 통한 품질 고도화", grant_requested=150_000_000)
    agreement = Agreement.objects.create(application=application, number=f"AG-{application.receipt_number}", created_by=user)
    start, end = datetime.date(2027, 1, 1), datetime.date(2027, 6, 30)
    values = placeholder_values(application=application, number=agreement.number, start=start, end=end, total=300_000_000,
                                grant=150_000_000, cash=130_000_000, in_kind=20_000_000)
    clause_sets.ensure_seeded()
    clause_set = ClauseSet.objects.in_force(program.family, clause_sets.EFFECTIVE_ON)
    AgreementVersion.objects.create(agreement=agreement, number=1, created_by=user, clause_set=clause_set, terms={
        "start": start.isoformat(), "end": end.isoformat(), "total": 300_000_000, "grant": 150_000_000, "cash": 130_000_000,
        "in_kind": 20_000_000, "instalments": [{"label": "선급금", "percent": 70, "due": "2027-01-01"}, {"label": "잔금", "percent": 30, "due": "2027-06-30"}],
        **_clauses(application, values, clause_set)})
    return agreement


def measure(agreement: Agreement, *, repeat: int = 11) -> dict:
    """The agreement and the one-page document rendered alternately, `repeat` rounds."""
    from weasyprint import HTML

    from benchmarks.interleave import interleaved

    version = agreement.current_version()
    context = _context(agreement, version)

    def agreement_pdf():
        render_pdf("agreements/agreement.html", context, title=f"협약서 {agreement.number}")

    def one_page():
        HTML(string=ONE_PAGE).write_pdf()

    result = interleaved(agreement_pdf, one_page, rounds=repeat)
    result.update(agreement_median_s=result["page_median_s"], repeat=repeat)
    return result
