"""The agreement's terms and clause texts. Clauses (a program family's standard clauses,
applications/clause_sets.py, and a call's special conditions) use named placeholders in
braces ({회사명}); anything else in braces, and any markup, is refused when a clause is saved,
so a clause can never bring HTML or remote resources into the PDF."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.formatting import korean_date
from portal.korean import won_in_words

PLACEHOLDERS = {
    "회사명": "company", "대표자": "representative", "사업자등록번호": "business_number", "사업명": "program",
    "공고명": "call", "과제명": "project", "협약번호": "number", "협약시작일": "start", "협약종료일": "end",
    "총사업비": "total", "정부지원금": "grant", "기업부담금": "company_share", "현금부담금": "cash",
    "현물부담금": "in_kind", "전담기관": "agency", "협력기업부담금": "partner", "전담기관주소": "agency_address",
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MARKUP = re.compile(r"<[a-zA-Z/!]|url\s*\(|@import|javascript:|https?://", re.IGNORECASE)

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
        # Without an address on the program, the notices clause still reads as a sentence.
        "agency_address": application.call.program.agency_address or "공고문에 적힌 전담기관 주소",
    }


def instalment_amounts(grant: int, instalments: list[dict]) -> list[int]:
    """Split the grant by percentages in whole won; the last instalment takes the rounding."""
    amounts = [grant * int(i["percent"]) // 100 for i in instalments]
    if amounts:
        amounts[-1] = grant - sum(amounts[:-1])
    return amounts
