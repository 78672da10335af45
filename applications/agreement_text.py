"""The agreement's terms and clause texts. Clause templates use named placeholders in braces
({회사명}); anything else in braces, and any markup, is refused when the template is saved,
so a clause can never bring HTML or remote resources into the PDF."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from applications.models import ClauseKind
from portal.formatting import korean_date
from portal.korean import won_in_words

PLACEHOLDERS = {
    "회사명": "company", "대표자": "representative", "사업자등록번호": "business_number", "사업명": "program",
    "공고명": "call", "과제명": "project", "협약번호": "number", "협약시작일": "start", "협약종료일": "end",
    "총사업비": "total", "정부지원금": "grant", "기업부담금": "company_share", "현금부담금": "cash",
    "현물부담금": "in_kind", "전담기관": "agency", "협력기업부담금": "partner",
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MARKUP = re.compile(r"<[a-zA-Z/!]|url\s*\(|@import|javascript:|https?://", re.IGNORECASE)

DEFAULT_CLAUSES = [
    (ClauseKind.OBLIGATIONS, "제1조(목적 및 의무)",
     "{회사명}(이하 “수행기관”)은 {협약시작일}부터 {협약종료일}까지 “{과제명}” 과제를 성실히 수행하고, 전담기관이 정한 기한까지 중간·최종 보고서를 제출한다."),
    (ClauseKind.PAYMENT, "제2조(사업비 지급)",
     "전담기관은 정부지원금 {정부지원금}을 지급 일정에 따라 수행기관의 사업비 전용계좌로 지급하며, 수행기관은 기업부담금 {기업부담금}(현금 {현금부담금}, 현물 {현물부담금})을 부담한다."),
    (ClauseKind.CHANGES, "제3조(협약변경)",
     "협약 내용의 변경이 필요한 경우 수행기관은 변경 사유가 발생한 날부터 15일 이내, 협약종료일 1개월 전까지 변경을 신청하여야 하며, 협약기간은 1회에 한하여 3개월 이내로 연장할 수 있다."),
    (ClauseKind.TERMINATION, "제4조(협약해약)",
     "수행기관이 거짓이나 부정한 방법으로 지원을 받거나 정당한 사유 없이 과제를 수행하지 않는 경우 전담기관은 협약을 해약할 수 있다."),
    (ClauseKind.CLAWBACK, "제5조(환수 및 참여제한)",
     "협약이 해약되거나 사업비를 목적 외로 사용한 경우 전담기관은 지급한 정부지원금의 전부 또는 일부를 환수하고 관계 법령에 따라 참여를 제한할 수 있다."),
    (ClauseKind.SETTLEMENT, "제6조(사업비 정산)",
     "수행기관은 협약종료일부터 2개월 이내에 사업비 사용 실적을 보고하고 전담기관의 정산을 받아야 한다. 정산 결과 집행하지 않은 정부지원금과 정부지원금에서 발생한 이자는 전담기관에 반납하며, 인정되지 않은 집행액은 환수한다."),
    (ClauseKind.IP, "제7조(지식재산권)",
     "과제 수행으로 발생한 지식재산권은 관계 법령에 따라 {회사명}에 귀속하며, 수행기관은 그 내용을 전담기관에 보고한다."),
]


def validate_clause_text(text: str) -> None:
    if MARKUP.search(text):
        raise ValidationError(_("Clause texts are plain text: markup, links and style rules are not allowed."), code="markup")
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Allowed: %(allowed)s.")
            % {"names": ", ".join("{" + n + "}" for n in unknown), "allowed": ", ".join("{" + n + "}" for n in PLACEHOLDERS)},
            code="unknown_placeholder",
        )


@dataclass
class Terms:
    start: datetime.date
    end: datetime.date
    total: int
    grant: int
    cash: int
    in_kind: int
    instalments: list[dict]  # [{"label": "선급금", "percent": 70, "due": "2027-01-15"}]
    clauses: list[dict]  # [{"title": …, "text": …}] already filled in

    @property
    def company_share(self) -> int:
        return self.cash + self.in_kind


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(PLACEHOLDERS.get(m.group(1), ""), m.group(0)), text)


def placeholder_values(*, application, number: str, start: datetime.date, end: datetime.date, total: int, grant: int,
                       cash: int, in_kind: int, partner: int = 0) -> dict[str, str]:
    company = application.company_submitted  # as the application was judged, never the live profile
    return {
        "company": company.name, "representative": company.representative_name, "business_number": company.business_number_display,
        "program": application.call.program.name_ko, "call": application.call.title, "project": application.project_title,
        "number": number, "start": korean_date(start), "end": korean_date(end),
        "total": f"{total:,}원", "grant": f"{grant:,}원({won_in_words(grant)})", "company_share": f"{cash + in_kind:,}원",
        "cash": f"{cash:,}원", "in_kind": f"{in_kind:,}원", "agency": application.call.program.managing_agency,
        "partner": f"{partner:,}원",
    }


def instalment_amounts(grant: int, instalments: list[dict]) -> list[int]:
    """Split the grant by percentages in whole won; the last instalment takes the rounding."""
    amounts = [grant * int(i["percent"]) // 100 for i in instalments]
    if amounts:
        amounts[-1] = grant - sum(amounts[:-1])
    return amounts
