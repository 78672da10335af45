"""Who a grant went to, as the open data may say it — and what it must never say.

A 사업자등록번호 tells what kind of business holds it by its middle two digits (국세청; the
org-id.guide entry for KR-BRN repeats the table): 81 and 86–88 a for-profit corporation's
head office, 85 its branch, 82 a non-profit corporation, 83 a public body, 84 a foreign
corporation's office; 01–79 and 90–99 a sole proprietor (개인사업자); 80 and 89 an
unincorporated association or religious body.

The rule, with no judgement left to anyone: a recipient whose number is of a corporation or a
public body (81–88) is published by name with its identifiers. Every other recipient is
published anonymised, as a `recipientIndividual` named only 개인사업자 with an id of this
grant alone: a sole proprietor is a person, its business number is that person's, and its
trade name is often the owner's own name (홍길동상회) — which no rule can tell apart from a
made-up one, so no trade name of a sole proprietor is ever published. Unincorporated bodies
(80, 89) are anonymised as well: their representative stands behind them personally. A
company whose number says sole proprietor is anonymised even if a corporate number was
entered (the two disagree, so the safe reading wins)."""

from __future__ import annotations

from django.conf import settings

from portal import codelists
from portal.identifiers import ASCII_DIGITS

CORPORATE_KINDS = range(81, 89)
ANONYMOUS_NAME = "개인사업자"


def is_published_by_name(business_number: str) -> bool:
    """Whether the business number is a corporation's or a public body's (see the module)."""
    number = business_number or ""
    return len(number) == 10 and set(number) <= ASCII_DIGITS and int(number[3:5]) in CORPORATE_KINDS


def org_id(business_number: str) -> str:
    """The org-id of an organisation by its business registration number: KR-BRN-1248100998."""
    return f"{settings.OPEN_DATA_ORG_LIST}-{business_number}"


def recipient(facts: dict, *, individual_id: str) -> tuple[str, object]:
    """("recipientOrganization", [...]) for a corporation, ("recipientIndividual", {...}) for
    anyone else, whose id (`individual_id`) names this grant and nothing about the person.
    `facts` are the company's facts frozen with the application (Company.facts())."""
    number = facts.get("business_number") or ""
    if not is_published_by_name(number):
        return "recipientIndividual", {"id": individual_id, "name": ANONYMOUS_NAME}
    organisation = {"id": org_id(number), "name": facts.get("name") or ""}
    if facts.get("corporate_number"):
        # 법인등록번호: the number of the corporate register (등기), as Companies House's is in
        # the UK — the field the standard has for it.
        organisation["companyNumber"] = facts["corporate_number"]
    region, district = facts.get("region") or "", facts.get("sigungu") or ""
    if region:
        organisation["addressRegion"] = codelists.sido_name(region) or region
    if district:
        organisation["addressLocality"] = codelists.district_name(district, with_sido=False)
    organisation["addressCountry"] = "KR"
    return "recipientOrganization", [organisation]


def locations(facts: dict) -> list[dict]:
    """Where the grant's beneficiary is: its 시·도, and for a corporation its 시·군·구 too (a
    sole proprietor's district, with the program and the industry, could point at one person)."""
    region = facts.get("region") or ""
    if not region:
        return []
    found = [{"name": codelists.sido_name(region) or region, "countryCode": "KR", "geoCode": region, "geoCodeType": "KR-SIDO"}]
    district = facts.get("sigungu") or ""
    if district and is_published_by_name(facts.get("business_number") or ""):
        found.append({"name": codelists.district_name(district), "countryCode": "KR", "geoCode": district, "geoCodeType": "KR-SIGUNGU"})
    return found
