"""Executed agreements as grants of the 360Giving Data Standard (version 1.4): one record
per agreement, the package that carries them, and the standard's flattened CSV.

Identifiers (see also opendata/recipients.py):
- a grant: the publisher's 360Giving prefix (OPEN_DATA_GRANT_PREFIX) and the agreement
  number, 360G-…-AG-SF-2026-1-00001: unique because agreement numbers are, and stable
  because neither changes;
- the funder (the program's managing agency): its org-id by business registration number,
  KR-BRN-… (org-id.guide's confirmed list for 국세청 사업자등록번호, OPEN_DATA_ORG_LIST),
  or, until the agency's number is entered, the prefix and `agency-<program code>`;
- a corporation: KR-BRN-<its business number>, with its 법인등록번호 as companyNumber.

The records are in Korean whatever the visitor's language: they are the data, not the page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from applications.models import Agreement, Program
from opendata.recipients import is_published_by_name, locations, org_id, recipient
from portal.csv_cells import csv_safe

VERSION = "1.4"


def grant_id(agreement: Agreement) -> str:
    return f"{settings.OPEN_DATA_GRANT_PREFIX}-{agreement.number}"


def funder(program: Program) -> dict:
    if program.agency_business_number:
        identifier = org_id(program.agency_business_number)
    else:
        identifier = f"{settings.OPEN_DATA_GRANT_PREFIX}-agency-{program.code}"
    return {"id": identifier, "name": program.managing_agency}


def data_source() -> str:
    return settings.SITE_URL + reverse("opendata_index")


def grant(agreement: Agreement) -> dict:
    """One grant record from an agreement of `published_agreements()` (its annotations)."""
    application = agreement.application
    call, facts = application.call, application.company_facts or {}
    program = call.program
    identifier = grant_id(agreement)
    executed = timezone.localtime(agreement.executed_at)
    by_name = is_published_by_name(facts.get("business_number") or "")
    # A sole proprietor's project title may carry the owner's or the business's name: the
    # title says only what the program supported.
    title = application.project_title.strip() if by_name else ""
    recipient_key, recipient_value = recipient(facts, individual_id=f"{settings.OPEN_DATA_GRANT_PREFIX}-IND-{agreement.number}")
    record = {
        "id": identifier,
        "title": title or f"{program.name_ko} 지원 과제",
        "description": f"{program.name_ko}의 「{call.title}」에 선정되어 협약(협약번호 {agreement.number})을 맺고 지원받는 과제입니다.",
        "currency": "KRW",
        "amountAwarded": int(agreement.grant or 0),
        "awardDate": executed.date().isoformat(),
        "plannedDates": [{"startDate": agreement.starts_on, "endDate": agreement.ends_on}],
        recipient_key: recipient_value,
        "beneficiaryLocation": locations(facts),
        "fundingOrganization": [funder(program)],
        "grantProgramme": [{"code": call.code, "title": f"{program.name_ko} · {call.title}",
                            "url": settings.SITE_URL + reverse("call_detail", args=[call.code])}],
        "fromOpenCall": "Yes",
        # A call open to the whole country, or to the regions its rules name (시·도).
        "locationScope": "GLS030" if call.all_regions else "GLS040",
        "dateModified": executed.isoformat(),
        "dataSource": data_source(),
    }
    if not record["beneficiaryLocation"]:
        del record["beneficiaryLocation"]
    return record


def package_metadata(*, now=None) -> dict:
    """What the 360Giving package says about itself (everything but `grants`)."""
    now = timezone.localtime(now or timezone.now())
    publisher = {"name": settings.OPEN_DATA_PUBLISHER_NAME, "website": settings.SITE_URL + "/"}
    if settings.OPEN_DATA_PUBLISHER_ID:
        publisher["identifier"] = settings.OPEN_DATA_PUBLISHER_ID
    return {
        "version": VERSION,
        "title": "지원사업 협약 공개 데이터 (360Giving)",
        "description": "지원사업 신청 포털에서 체결된 협약을 사업별로 정한 공개 유예기간이 지난 뒤 360Giving 데이터 표준으로 공개합니다. "
                       "개인사업자는 익명으로 표시합니다.",
        "identifier": f"{settings.OPEN_DATA_GRANT_PREFIX}-grants",
        "issued": now.date().isoformat(),
        "modified": now.isoformat(timespec="seconds"),
        "publisher": publisher,
        "downloadURL": settings.SITE_URL + reverse("opendata_json"),
        "accessURL": data_source(),
        "license": settings.OPEN_DATA_LICENSE,
    }


def package_chunks(agreements: Iterable[Agreement], *, now=None) -> Iterator[str]:
    """The package as JSON, a grant at a time (a year's grants are never all in memory)."""
    metadata = json.dumps(package_metadata(now=now), ensure_ascii=False)
    yield metadata[:-1] + ', "grants": ['
    for n, agreement in enumerate(agreements):
        yield ("," if n else "") + json.dumps(grant(agreement), ensure_ascii=False)
    yield "]}"


# The standard's column titles for the grant fields published here, in the order of its
# spreadsheet template. A single-item list takes the plain title (Recipient Org:Name); the
# beneficiary's two locations are numbered from 0, as the standard numbers repeated ones.
COLUMNS = [
    ("Identifier", ("id",)),
    ("Title", ("title",)),
    ("Description", ("description",)),
    ("Currency", ("currency",)),
    ("Amount Awarded", ("amountAwarded",)),
    ("Award Date", ("awardDate",)),
    ("Planned Dates:Start Date", ("plannedDates", 0, "startDate")),
    ("Planned Dates:End Date", ("plannedDates", 0, "endDate")),
    ("Recipient Org:Identifier", ("recipientOrganization", 0, "id")),
    ("Recipient Org:Name", ("recipientOrganization", 0, "name")),
    ("Recipient Org:Company Number", ("recipientOrganization", 0, "companyNumber")),
    ("Recipient Org:City", ("recipientOrganization", 0, "addressLocality")),
    ("Recipient Org:County", ("recipientOrganization", 0, "addressRegion")),
    ("Recipient Org:Country", ("recipientOrganization", 0, "addressCountry")),
    ("Recipient Ind:Identifier", ("recipientIndividual", "id")),
    ("Recipient Ind:Name", ("recipientIndividual", "name")),
    *[(f"Beneficiary Location:{n}:{title}", ("beneficiaryLocation", n, key)) for n in (0, 1)
      for title, key in (("Name", "name"), ("Country Code", "countryCode"), ("Geographic Code", "geoCode"),
                         ("Geographic Code Type", "geoCodeType"))],
    ("Funding Org:Identifier", ("fundingOrganization", 0, "id")),
    ("Funding Org:Name", ("fundingOrganization", 0, "name")),
    ("Grant Programme:Code", ("grantProgramme", 0, "code")),
    ("Grant Programme:Title", ("grantProgramme", 0, "title")),
    ("Grant Programme:URL", ("grantProgramme", 0, "url")),
    ("From An Open Call?", ("fromOpenCall",)),
    ("Location Scope", ("locationScope",)),
    ("Last Modified", ("dateModified",)),
    ("Data Source", ("dataSource",)),
]


def _at(record, path):
    for step in path:
        try:
            record = record[step]
        except (KeyError, IndexError, TypeError):
            return ""
    return record


def flat_row(record: dict) -> list:
    """The record's cells; a title a company typed never opens as a formula in a spreadsheet."""
    return [csv_safe(_at(record, path)) for _title, path in COLUMNS]


def csv_chunks(agreements: Iterable[Agreement]) -> Iterator[str]:
    """The flattened CSV, with a byte order mark so that Excel reads the Korean as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for title, _path in COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    for agreement in agreements:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(flat_row(grant(agreement)))
        yield buffer.getvalue()
