"""Executed agreements as open data (360Giving): published only after the program's waiting
period, valid against the standard's own schema, never naming a sole proprietor or any
representative, the API's filters and pages, constant queries, the OpenAPI document and
the page about it all in Korean."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from applications import lifecycle
from applications.models import Agreement, AgreementState, AgreementVersion, Application, FormVersion, Program, State
from applications.services import agreements
from opendata import giving
from portal.identifiers import business_number_check_digit, format_business_number
from portal.models import Company, CompanyMembership
from reviews.models import Assignment
from reviews.services import evaluation, selection
from tests.conftest import close_call, make_complete_draft, score_all
from tests.factories import CallFactory, CompanyFactory

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parent / "data" / "360giving"
SOLE_OWNER = "홍길순"
SOLE_NAME = "홍길순상회"
SOLE_DISTRICT = "11680"  # 서울특별시 강남구


def business_number(kind: str, serial: int) -> str:
    """A valid 사업자등록번호 whose middle digits are `kind` (81 a corporation, 01 a sole proprietor)."""
    first_nine = f"{101 + serial % 799:03d}{kind}{1 + serial // 799:04d}"
    return first_nine + str(business_number_check_digit(first_nine))


def package_validator() -> Draft202012Validator:
    """The package schema, its grant `$ref` resolved to the local copy (no network)."""
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
    resource = DRAFT202012.create_resource(grant)  # its $schema is written http://, which `referencing` does not detect
    registry = Registry().with_resources([(package["properties"]["grants"]["items"]["$ref"], resource), (grant["$id"], resource)])
    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers  # else a plain date matches both branches of its oneOf
    return Draft202012Validator(package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --- Built through the services: a corporation and a sole proprietor, both executed ---------


def _submitted(user, company, call, officer, *, title: str | None = None):
    draft = make_complete_draft(user, company, call)
    if title:
        Application.objects.filter(pk=draft.pk).update(project_title=title)
    lifecycle.application_submit(user=user, application_id=draft.pk, now=timezone.now())
    return lifecycle.screening_pass(user=officer, application_id=draft.pk)


def _execute(application, *, officer, approver, signer, **signing) -> Agreement:
    agreement = lifecycle.agreement_start(user=officer, application_id=application.pk)
    version = agreements.render_version(version_id=agreement.current_version().pk)
    lifecycle.agreement_issue(user=officer, agreement_id=agreement.pk)
    lifecycle.agreement_sign(user=signer, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256, **signing)
    lifecycle.agreement_countersign(user=approver, agreement_id=agreement.pk, version_id=version.pk, seen_sha256=version.pdf_sha256)
    return lifecycle.agreement_execute(agreement_id=agreement.pk)


@pytest.fixture
def executed(call, olivia, otto, alice, acme, bob, panel, signing_cert):
    """Acme (a corporation with its corporate number, in 창원시 성산구) and 홍길순상회 (Bob's
    sole proprietorship, named after its owner, in 강남구, whose project title names it
    too), both selected and their agreements executed."""
    Company.objects.filter(pk=acme.pk).update(corporate_number="1301110006246", sigungu="48123")
    sole = CompanyFactory(name=SOLE_NAME, representative_name=SOLE_OWNER, business_number=business_number("01", 4321),
                          corporate_number="", region="11", sigungu=SOLE_DISTRICT)
    CompanyMembership.objects.create(company=sole, user=bob, role=CompanyMembership.Role.OWNER, can_sign=True)
    acme = Company.objects.get(pk=acme.pk)
    applications = [_submitted(alice, acme, call, olivia), _submitted(bob, sole, call, olivia, title=f"{SOLE_NAME} 스마트 작업장 구축")]
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application__in=applications):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    round_ = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=round_.pk)
    selection.selection_apply(round_id=round_.pk)
    done = [_execute(applications[0], officer=olivia, approver=otto, signer=alice),
            _execute(applications[1], officer=olivia, approver=otto, signer=bob, delegated_by=SOLE_OWNER, position="실장")]
    assert [a.state for a in done] == [AgreementState.EXECUTED] * 2
    return {"corporation": done[0], "sole": done[1], "sole_company": sole, "acme": acme}


def after_delay(agreement: Agreement, days: int | None = None):
    days = agreement.application.call.program.open_data_delay_days if days is None else days
    return time_machine.travel(agreement.executed_at + datetime.timedelta(days=days), tick=False)


def everything_published(client) -> dict[str, str]:
    """The JSON download, the CSV download and the API's first page, as text."""
    return {
        "json": b"".join(client.get("/opendata/grants.json").streaming_content).decode(),
        "csv": b"".join(client.get("/opendata/grants.csv").streaming_content).decode(),
        "api": client.get("/opendata/api/v1/grants").content.decode(),
    }


def test_an_executed_agreement_is_published_only_once_its_programs_waiting_period_has_passed(executed, client):
    corporation = executed["corporation"]
    assert corporation.application.call.program.open_data_delay_days == 30  # the default
    with after_delay(corporation, 30) as traveller:
        traveller.shift(-datetime.timedelta(seconds=1))
        texts = everything_published(client)
        assert json.loads(texts["json"])["grants"] == []
        assert json.loads(texts["api"])["count"] == 0
        assert corporation.number not in texts["csv"]
        traveller.shift(datetime.timedelta(seconds=1))
        grants = json.loads(b"".join(client.get("/opendata/grants.json").streaming_content))["grants"]
        # The sole proprietor's agreement was executed a moment later: its 30 days are not over yet.
        assert [g["id"] for g in grants] == [f"360G-example-portal-{corporation.number}"]
    with after_delay(executed["sole"], 30):
        grants = json.loads(b"".join(client.get("/opendata/grants.json").streaming_content))["grants"]
        assert [g["id"] for g in grants] == [f"360G-example-portal-{corporation.number}", f"360G-example-portal-{executed['sole'].number}"]


def test_the_package_validates_against_the_360giving_schema(executed, client):
    with after_delay(executed["sole"]):
        package = json.loads(b"".join(client.get("/opendata/grants.json").streaming_content))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in package_validator().iter_errors(package)]
    assert errors == []
    assert package["version"] == "1.4" and package["license"].startswith("https://")
    corporation, sole = package["grants"]
    acme = executed["acme"]
    terms = executed["corporation"].current_version().terms
    assert corporation["currency"] == "KRW" and corporation["amountAwarded"] == terms["grant"] == 150_000_000
    assert corporation["awardDate"] == timezone.localtime(executed["corporation"].executed_at).date().isoformat()
    assert corporation["plannedDates"] == [{"startDate": terms["start"], "endDate": terms["end"]}]
    assert corporation["title"] == "MES 도입을 통한 품질 고도화"
    assert corporation["recipientOrganization"] == [{
        "id": f"KR-BRN-{acme.business_number}", "name": "에이크미 정밀", "companyNumber": "1301110006246",
        "addressRegion": "경상남도", "addressLocality": "창원시 성산구", "addressCountry": "KR"}]
    assert [loc["geoCode"] for loc in corporation["beneficiaryLocation"]] == ["48", "48123"]
    assert corporation["fundingOrganization"][0]["name"] == "스마트제조혁신추진단"
    assert corporation["grantProgramme"][0]["code"] == "SF-2026-9"
    assert sole["recipientIndividual"] == {"id": f"360G-example-portal-IND-{executed['sole'].number}", "name": "개인사업자"}
    assert "recipientOrganization" not in sole


def test_no_sole_proprietors_name_number_district_or_title_and_no_representative_is_published_anywhere(executed, client):
    sole = executed["sole_company"]
    with after_delay(executed["sole"]):
        texts = everything_published(client)
    never = [SOLE_OWNER, SOLE_NAME, sole.business_number, format_business_number(sole.business_number), SOLE_DISTRICT, "강남구",
             executed["acme"].representative_name, "앨리스", "밥"]
    for kind, text in texts.items():
        assert [word for word in never if word in text] == [], kind
    api = json.loads(texts["api"])["grants"]
    assert api[1]["recipientIndividual"]["name"] == "개인사업자" and api[1]["title"].endswith("지원 과제")
    assert [loc["geoCode"] for loc in api[1]["beneficiaryLocation"]] == ["11"]  # the 시·도 only


# --- Many agreements, made directly: filters, pages and queries -------------------------------


def publish(call, user, count: int, *, first: int = 0, executed_at=None, region: str = "48") -> list[Agreement]:
    """`count` executed agreements of `call` with corporations in `region`, made in bulk."""
    executed_at = executed_at or timezone.now() - datetime.timedelta(days=40)
    form = call.form_versions.first() or FormVersion.objects.create(call=call, number=1)
    companies = Company.objects.bulk_create([
        CompanyFactory.build(name=f"공개기업{first + n}", business_number=business_number("81", first + n), region=region)
        for n in range(count)])
    applications = Application.objects.bulk_create([
        Application(call=call, company=company, form_version=form, created_by=user, state=State.CONTRACTED,
                    receipt_number=f"{call.code}-{first + n:05d}", project_title=f"과제 {first + n}", company_facts=company.facts())
        for n, company in enumerate(companies)])
    made = Agreement.objects.bulk_create([
        Agreement(application=application, number=f"AG-{application.receipt_number}", state=AgreementState.EXECUTED, created_by=user,
                  executed_at=executed_at + datetime.timedelta(minutes=n))
        for n, application in enumerate(applications)])
    AgreementVersion.objects.bulk_create([
        AgreementVersion(agreement=agreement, number=1, created_by=user, terms={"start": "2026-07-01", "end": "2026-12-31", "grant": 100_000_000})
        for agreement in made])
    return made


@pytest.fixture
def two_programs(olivia):
    smart = CallFactory(code="SF-2025-1", program__code="smart-factory")
    materials = CallFactory(code="MP-2026-1", program__code="materials")
    return smart, materials


def _ids(client, query: str = "") -> list[str]:
    body = json.loads(client.get(f"/opendata/api/v1/grants{query}").content)
    return [grant["id"].rsplit("-AG-", 1)[1] for grant in body["grants"]]


def test_a_program_without_a_waiting_period_publishes_at_once_and_a_longer_one_holds_back(two_programs, olivia, client):
    smart, _materials = two_programs
    publish(smart, olivia, 2, executed_at=timezone.now() - datetime.timedelta(days=60))
    Program.objects.filter(pk=smart.program_id).update(open_data_delay_days=90)
    assert json.loads(client.get("/opendata/api/v1/grants").content)["count"] == 0
    Program.objects.filter(pk=smart.program_id).update(open_data_delay_days=59)
    assert json.loads(client.get("/opendata/api/v1/grants?page=1").content)["count"] == 2
    Program.objects.filter(pk=smart.program_id).update(open_data_delay_days=0)
    (just_now,) = publish(smart, olivia, 1, first=5, executed_at=timezone.now())
    assert json.loads(client.get("/opendata/api/v1/grants?page=1&page_size=5").content)["grants"][-1]["id"].endswith(just_now.number)


def test_the_agencys_business_number_makes_the_funders_org_id(two_programs, olivia, client):
    smart, _materials = two_programs
    publish(smart, olivia, 1)
    assert json.loads(client.get("/opendata/api/v1/grants").content)["grants"][0]["fundingOrganization"] == [
        {"id": f"360G-example-portal-agency-{smart.program.code}", "name": "스마트제조혁신추진단"}]
    Program.objects.filter(pk=smart.program_id).update(agency_business_number="1248100998")
    grant = json.loads(client.get("/opendata/api/v1/grants?page=1").content)["grants"][0]
    assert grant["fundingOrganization"] == [{"id": "KR-BRN-1248100998", "name": "스마트제조혁신추진단"}]


def test_the_api_filters_by_program_call_year_and_region(two_programs, olivia, client):
    smart, materials = two_programs
    publish(smart, olivia, 2, executed_at=timezone.make_aware(datetime.datetime(2025, 12, 31, 23, 30)))  # 2025 in Korea
    publish(materials, olivia, 1, first=10, executed_at=timezone.make_aware(datetime.datetime(2026, 1, 1, 0, 30)), region="11")
    assert _ids(client) == ["SF-2025-1-00000", "SF-2025-1-00001", "MP-2026-1-00010"]
    assert _ids(client, "?program=materials") == ["MP-2026-1-00010"]
    assert _ids(client, "?call=SF-2025-1") == ["SF-2025-1-00000", "SF-2025-1-00001"]
    assert _ids(client, "?year=2025") == ["SF-2025-1-00000", "SF-2025-1-00001"]
    assert _ids(client, "?year=2026&region=11") == ["MP-2026-1-00010"]
    assert _ids(client, "?region=48&program=materials") == []


def test_the_api_refuses_a_region_that_is_not_a_province_code(client, db):
    response = client.get("/opendata/api/v1/grants?region=99")
    assert response.status_code == 422
    assert client.get("/opendata/api/v1/grants?page_size=101").status_code == 422


def test_the_api_pages_through_every_grant_once(two_programs, olivia, client):
    publish(two_programs[0], olivia, 5)
    first = json.loads(client.get("/opendata/api/v1/grants?page_size=2").content)
    assert (first["count"], first["pages"], first["page"], first["previous"]) == (5, 3, 1, None)
    assert first["next"] == "http://testserver/opendata/api/v1/grants?page_size=2&page=2"
    seen, url = [], "/opendata/api/v1/grants?page_size=2"
    while url:
        body = json.loads(client.get(url).content)
        seen += [grant["id"] for grant in body["grants"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 5
    last = json.loads(client.get("/opendata/api/v1/grants?page_size=2&page=3").content)
    assert len(last["grants"]) == 1 and last["next"] is None and last["previous"].endswith("page=2")
    assert json.loads(client.get("/opendata/api/v1/grants?page_size=2&page=9").content)["grants"] == []


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


# The waiting periods, the count and the page (the API; the page's programs, the count), and
# for a page the public-page cache keeps, when the next call opens or closes (its lifetime).
@pytest.mark.parametrize(("path", "most"), [("/opendata/api/v1/grants?page_size=100", 4), ("/opendata/grants.json", 2),
                                            ("/opendata/grants.csv", 2), ("/opendata/", 4)])
def test_the_same_few_queries_for_one_grant_and_for_thirty(two_programs, olivia, client, path, most, django_assert_max_num_queries):
    publish(two_programs[0], olivia, 1)
    with django_assert_max_num_queries(most):
        few = _queries(client, path)
    publish(two_programs[1], olivia, 29, first=100)
    with django_assert_max_num_queries(most):
        many = _queries(client, path + ("&page=1" if "?" in path else "?page=1"))  # another address: not the cached answer
    assert few == many


def test_the_csv_has_the_standards_column_titles_and_one_row_per_grant(two_programs, olivia, client):
    publish(two_programs[0], olivia, 3)
    response = client.get("/opendata/grants.csv")
    assert response["Content-Disposition"] == 'attachment; filename="grants-360giving.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [title for title, _path in giving.COLUMNS]
    assert rows[0][:6] == ["Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date"]
    first = dict(zip(rows[0], rows[1]))
    assert len(rows) == 4 and first["Amount Awarded"] == "100000000" and first["Currency"] == "KRW"
    assert first["Recipient Org:Identifier"].startswith("KR-BRN-") and first["Beneficiary Location:0:Geographic Code"] == "48"


def test_a_title_typed_as_a_formula_is_not_a_formula_in_the_csv(two_programs, olivia, client):
    (agreement,) = publish(two_programs[0], olivia, 1)
    Application.objects.filter(pk=agreement.application_id).update(project_title="=HYPERLINK(\"http://x\")")
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/opendata/grants.csv").streaming_content).decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")


def test_the_openapi_document_is_served_and_lists_the_grants_endpoint(client, db):
    document = client.get("/opendata/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.") and document["info"]["title"] == "지원사업 협약 공개 데이터 API"
    operation = document["paths"]["/opendata/api/v1/grants"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"program", "call", "year", "region", "page", "page_size"}
    assert set(document["paths"]) == {"/opendata/api/v1/grants"}
    docs = client.get("/opendata/api/v1/docs")
    assert docs.status_code == 200 and "/static/ninja/swagger-ui-bundle.js" in docs.content.decode()
    assert "cdn" not in docs.content.decode().lower()  # the CSP allows only the portal's own scripts
    assert client.get("/opendata/api/v1/").url == "/opendata/api/v1/docs"
    assert {client.post(path).status_code for path in ("/opendata/api/v1/", "/opendata/api/v1/docs", "/opendata/api/v1/openapi.json",
                                                       "/opendata/api/v1/grants", "/opendata/grants.json", "/opendata/")} == {405}


def test_the_open_data_page_explains_it_in_korean_and_links_the_downloads_and_the_api(two_programs, olivia, client):
    publish(two_programs[0], olivia, 3)
    Program.objects.filter(pk=two_programs[1].program_id).update(open_data_delay_days=0)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<a href="/opendata/">공개 데이터</a>' in html
    html = client.get("/opendata/").content.decode()
    assert "<title>공개 데이터 · " in html
    for text in ("360Giving 데이터 표준", "지금 3건의 협약이 공개되어 있습니다.", "협약 효력 발생 30일 후", "효력 발생 즉시",
                 "개인사업자", 'href="/opendata/grants.json"', 'href="/opendata/grants.csv"', 'href="/opendata/api/v1/docs"',
                 'href="/opendata/api/v1/openapi.json"'):
        assert text in html, text


def test_the_page_says_so_when_nothing_is_published_yet(client, db):
    assert "아직 공개된 협약이 없습니다." in client.get("/opendata/").content.decode()
