"""The expenditure ledger (사업비 집행): expenses entered against the agreement's budget lines,
each refusal in Korean with nothing saved; the officer's review once in the timeline; the XLSX
template and upload imported whole or refused row by row; constant queries at 10 and 1,000
expenses."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from applications.models import Agreement
from portal.identifiers import business_number_check_digit
from projects import ledger
from projects.ledger import Entry
from projects.models import Expense, Project, ProjectEvent
from projects.timeline import verify_chain
from tests.files import pdf, png_with_script
from tests.test_projects import project, signed_in  # noqa: F401  (project is a fixture)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START, END = TODAY - datetime.timedelta(days=60), TODAY + datetime.timedelta(days=120)
EXECUTED = TODAY - datetime.timedelta(days=61)


def brn(first_nine: str) -> str:
    return first_nine + str(business_number_check_digit(first_nine))


PAYEE = brn("220811234")


@pytest.fixture
def running(project):  # noqa: F811
    """The project, its period moved so that it began two months ago (expenses may be dated up to today)."""
    Project.objects.filter(pk=project.pk).update(starts_on=START, ends_on=END)
    Agreement.objects.filter(pk=project.agreement_id).update(
        executed_at=timezone.make_aware(datetime.datetime.combine(EXECUTED, datetime.time(10))))
    return Project.objects.select_related("agreement", "application__company").get(pk=project.pk)


def line(project, description: str):  # noqa: F811
    return project.application.budget_lines.get(description=description)


def entry(project, **overrides) -> Entry:  # noqa: F811
    values = {"budget_line_id": line(project, "설비 센서").pk, "spent_on": TODAY - datetime.timedelta(days=3), "payee_name": "센서텍",
              "payee_business_number": PAYEE, "supply_amount": 10_000_000, "vat": 1_000_000, "evidence_kind": "tax_invoice",
              "evidence_number": "202612084100001234567890"}
    values.update(overrides)
    return Entry(**values)


def refused(project, user, **overrides) -> list[str]:  # noqa: F811
    before = (Expense.objects.count(), ProjectEvent.objects.filter(project=project).count())
    with pytest.raises(ValidationError) as caught:
        ledger.expense_add(user=user, project_id=project.pk, entry=entry(project, **overrides), upload=pdf("계산서.pdf"))
    assert (Expense.objects.count(), ProjectEvent.objects.filter(project=project).count()) == before
    return caught.value.messages


# --- Entering ----------------------------------------------------------------------------------

def test_an_expense_is_entered_with_its_evidence_and_vat_is_excluded_for_a_company_that_recovers_it(running, alice):
    expense = ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running), upload=pdf("계산서.pdf"))
    assert (expense.supply_amount, expense.vat, expense.eligible_amount) == (10_000_000, 1_000_000, 10_000_000)
    assert expense.evidence_format == "pdf" and expense.evidence_file.name.startswith(f"expenses/{running.pk}/")
    event = running.events.order_by("seq").last()
    assert (event.action, event.actor, event.data["eligible"]) == ("expense_added", alice, 10_000_000)
    # A company that does not recover VAT (간이과세자, 면세사업자) counts it.
    Project.objects.filter(pk=running.pk).update(vat_recoverable=False)
    running.refresh_from_db()
    second = ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running, evidence_number="202612084100001234567891"))
    assert second.eligible_amount == 11_000_000
    totals = ledger.line_totals(running)
    sensors = next(x for x in totals["lines"] if x.description == "설비 센서")
    assert (sensors.spent, sensors.remaining) == (21_000_000, 59_000_000)
    assert totals["cash"] == {"amount": 280_000_000, "spent": 21_000_000, "remaining": 259_000_000}
    assert totals["in_kind"] == {"amount": 20_000_000, "spent": 0, "remaining": 20_000_000}


def test_each_bad_expense_is_refused_with_its_reason_in_korean_and_nothing_saved(running, alice):
    ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running))
    outside = END + datetime.timedelta(days=1)
    messages = refused(running, alice, spent_on=outside, evidence_number="202612084100001234567899")
    assert len(messages) == 1 and "사업기간(" in messages[0] and messages[0].endswith(") 밖입니다.")
    assert refused(running, alice, evidence_number="202612084100001234567890") == [
        "이 사업의 집행내역에 이미 있는 증빙 번호입니다(202612084100001234567890). 같은 지출은 한 번만 입력합니다."]
    assert refused(running, alice, evidence_number="12345") == ["전자세금계산서 승인번호는 24자리 숫자입니다."]
    assert refused(running, alice, supply_amount=75_000_000, evidence_number="202612084100001234567892") == [
        "75,000,000원은 비목 “설비 센서”의 잔액보다 많습니다(잔액 70,000,000원 / 배정 80,000,000원)."]
    company_number = running.application.company.business_number
    assert refused(running, alice, payee_business_number=company_number, evidence_number="202612084100001234567893") == [
        "거래처가 수행기업 자신 또는 특수관계 기업입니다. 특수관계자와의 거래는 사업비로 집행할 수 없습니다."]
    assert refused(running, alice, payee_business_number=PAYEE[:9] + str((int(PAYEE[9]) + 1) % 10), evidence_number="202612084100001234567894") == [
        "거래처 사업자등록번호가 올바르지 않습니다(123-45-67890 형식의 숫자 10자리, 검증번호 일치)."]
    assert refused(running, alice, evidence_kind="cash", evidence_number="C-1", supply_amount=1_000_000, vat=100_000) == [
        "현금 지급 1,100,000원은 한도 1,000,000원을 넘습니다. 카드나 계좌이체로 지급하세요."]
    # Cash within the limit is entered.
    ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running, evidence_kind="cash", evidence_number="C-2",
                                                                      supply_amount=900_000, vat=90_000))


def test_dates_before_the_agreement_and_outside_the_period_read_exactly(running, alice):
    from portal.formatting import day

    early = EXECUTED - datetime.timedelta(days=1)
    assert refused(running, alice, spent_on=early) == [
        f"지출일({day(early)})이 협약 체결일({day(EXECUTED)}) 이전이므로 사업비로 집행할 수 없습니다."]
    Project.objects.filter(pk=running.pk).update(starts_on=TODAY - datetime.timedelta(days=10))
    running.refresh_from_db()
    inside_agreement = TODAY - datetime.timedelta(days=20)
    assert refused(running, alice, spent_on=inside_agreement) == [
        f"지출일({day(inside_agreement)})이 사업기간({day(running.starts_on)} – {day(running.ends_on)}) 밖입니다."]


def test_an_evidence_file_with_active_content_is_refused_and_nothing_saved(running, alice):
    with pytest.raises(ValidationError):
        ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running), upload=png_with_script())
    assert not Expense.objects.exists()


def test_only_the_companys_members_enter_expenses(running, otto):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ledger.expense_add(user=otto, project_id=running.pk, entry=entry(running))
    assert not Expense.objects.exists()


# --- The pages ---------------------------------------------------------------------------------

def test_the_company_enters_an_expense_on_its_ledger_page_and_a_refusal_keeps_nothing(running, carol):
    client = signed_in(carol)
    url = f"/projects/{running.pk}/expenses/"
    assert "사업비 집행내역" in client.get(f"/projects/{running.pk}/").content.decode()
    data = {"budget_line": line(running, "설비 센서").pk, "spent_on": (TODAY - datetime.timedelta(days=2)).isoformat(),
            "payee_name": "센서텍", "payee_business_number": PAYEE[:3] + "-" + PAYEE[3:5] + "-" + PAYEE[5:],
            "supply_amount": "85,000,000", "vat": "0", "evidence_kind": "transfer", "evidence_number": "T-0001"}
    response = client.post(url, data | {"evidence_file": pdf("이체확인증.pdf")})
    assert response.status_code == 400
    # Said once, in the summary above the form (not again under it).
    assert response.content.decode().count("85,000,000원은 비목 “설비 센서”의 잔액보다 많습니다(잔액 80,000,000원 / 배정 80,000,000원).") == 1
    assert not Expense.objects.exists()
    response = client.post(url, data | {"supply_amount": "5,000,000", "evidence_file": pdf("이체확인증.pdf")})
    assert response.status_code == 302
    text = client.get(url).content.decode()
    assert "집행내역에 지출을 입력했습니다." in text
    assert "5,000,000원" in text and "75,000,000원" in text


def test_the_officer_recognises_or_not_once_with_a_reason_in_the_timeline(running, alice, otto):
    first = ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running))
    second = ledger.expense_add(user=alice, project_id=running.pk, entry=entry(running, evidence_number="202612084100001234567891"))
    client = signed_in(otto)
    assert client.get(f"/officer/projects/{running.pk}/expenses/").status_code == 200
    response = client.post(f"/officer/expenses/{first.pk}/review/", {"recognised": "no", "reason": "사업과 무관한 구매"})
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()
    assert "검토 결과를 기록했습니다." in text and "불인정: 사업과 무관한 구매" in text
    response = client.post(f"/officer/expenses/{first.pk}/review/", {"recognised": "yes", "reason": "다시"})
    assert "이 지출은 이미 검토되었습니다(불인정). 아무것도 바뀌지 않았습니다." in client.get(response["Location"]).content.decode()
    response = client.post(f"/officer/expenses/{second.pk}/review/", {"recognised": "yes", "reason": " "})
    assert "인정 또는 불인정을 고르고 사유를 입력하세요. 아무것도 바뀌지 않았습니다." in client.get(response["Location"]).content.decode()
    reviewed = ProjectEvent.objects.filter(project=running, action="expense_reviewed")
    assert [(e.actor, e.message, e.data["recognised"]) for e in reviewed] == [(otto, "사업과 무관한 구매", False)]
    first.refresh_from_db()
    assert (first.recognised, first.reviewed_by) == (False, otto)
    running.refresh_from_db()
    assert verify_chain(running) == []
    # The company does not reach the officer's ledger, nor review.
    company = signed_in(alice)
    assert company.get(f"/officer/projects/{running.pk}/expenses/").status_code in (403, 404)
    assert company.post(f"/officer/expenses/{second.pk}/review/", {"recognised": "yes", "reason": "자기 인정"}).status_code in (403, 404)
    second.refresh_from_db()
    assert second.recognised is None


def many(project, user, count: int) -> None:  # noqa: F811
    """`count` expenses written directly (their checks are the tests above')."""
    pk = line(project, "MES 라이선스").pk
    Expense.objects.bulk_create(
        Expense(project=project, budget_line_id=pk, spent_on=TODAY, payee_name="솔루션사", payee_business_number=PAYEE,
                supply_amount=1_000, vat=100, eligible_amount=1_000, evidence_kind="card", evidence_number=f"CARD-{n}",
                entered_by=user, recognised=(None if n % 3 else n % 2 == 0), review_reason="" if n % 3 else "확인")
        for n in range(count))


@pytest.mark.parametrize("count", [10, 1000])
def test_the_ledger_pages_make_the_same_number_of_queries_at_10_and_1000_expenses(running, alice, otto, count,
                                                                                  django_assert_max_num_queries):
    many(running, alice, count)
    company, officer = signed_in(alice), signed_in(otto)
    with django_assert_max_num_queries(LEDGER_COMPANY_QUERIES):
        text = company.get(f"/projects/{running.pk}/expenses/?kind=card&page=2").content.decode()
    assert ("지출 내역 (%d)" % count) in text
    with django_assert_max_num_queries(LEDGER_OFFICER_QUERIES):
        assert officer.get(f"/officer/projects/{running.pk}/expenses/?review=open").status_code == 200


# The session and roles, the project, the permission checks, the lines with their totals (one
# aggregate), the page's count and its rows, the messages.
LEDGER_COMPANY_QUERIES = 12
LEDGER_OFFICER_QUERIES = 14


# --- The XLSX file -----------------------------------------------------------------------------

def xlsx(rows, *, formula: bool = False, merged: bool = False) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(["비목 번호", "지출일", "거래처명", "사업자등록번호", "공급가액", "부가세", "증빙 종류", "증빙 번호"])
    for row in rows:
        sheet.append(row)
    if formula:
        sheet["E2"] = "=1+1"
    if merged:
        sheet.merge_cells("A2:B2")
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("집행내역.xlsx", out.getvalue())


def test_the_template_names_the_lines_and_a_valid_file_is_imported_whole(running, alice):
    client = signed_in(alice)
    response = client.get(f"/projects/{running.pk}/expenses/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["지출내역"][1]][:3] == ["비목 번호", "지출일(YYYY-MM-DD)", "거래처명"]
    assert [r[1] for r in book["비목"].iter_rows(min_row=2, max_row=4, values_only=True)] == ["MES 라이선스", "설비 센서", "자체 인력 투입"]
    pk = line(running, "설비 센서").pk
    day = (TODAY - datetime.timedelta(days=1)).isoformat()
    rows = [[pk, day, "센서텍", PAYEE, 1_000_000 * (n + 1), 0, "카드전표", f"K-{n}"] for n in range(3)]
    response = client.post(f"/projects/{running.pk}/expenses/import/", {"file": xlsx(rows)})
    assert response.status_code == 302
    assert "지출 3건을 등록했습니다." in client.get(response["Location"]).content.decode()
    assert Expense.objects.filter(project=running).count() == 3
    assert ProjectEvent.objects.filter(project=running, action="expenses_imported").get().data == {"rows": 3, "eligible": 6_000_000}


def test_a_file_with_bad_rows_is_refused_whole_with_each_rows_error(running, alice):
    client = signed_in(alice)
    pk = line(running, "설비 센서").pk
    day = (TODAY - datetime.timedelta(days=1)).isoformat()
    rows = [[pk, day, "센서텍", PAYEE, 50_000_000, 0, "카드전표", "K-1"],
            [pk, day, "센서텍", PAYEE, 40_000_000, 0, "카드전표", "K-2"],  # together over the line of 80,000,000
            [pk, day, "센서텍", PAYEE, 1_000, 0, "카드전표", "K-1"],
            [pk, "어제", "센서텍", PAYEE, 1_000, 0, "전자세금계산서", "123"]]
    response = client.post(f"/projects/{running.pk}/expenses/import/", {"file": xlsx(rows)})
    assert response.status_code == 400
    text = response.content.decode()
    for message in ["3행: 40,000,000원은 비목 “설비 센서”의 잔액보다 많습니다(잔액 30,000,000원 / 배정 80,000,000원).",
                    "4행: 이 사업의 집행내역에 이미 있는 증빙 번호입니다(K-1). 같은 지출은 한 번만 입력합니다.",
                    "5행: 지출일을 YYYY-MM-DD 형식으로 입력하세요.", "5행: 전자세금계산서 승인번호는 24자리 숫자입니다.",
                    "아무것도 등록되지 않았습니다. 위의 행을 고친 뒤 파일을 다시 올리세요."]:
        assert message in text, message
    assert not Expense.objects.exists()


def test_files_with_formulas_merged_cells_or_too_many_rows_are_refused(running, alice):
    client = signed_in(alice)
    pk = line(running, "설비 센서").pk
    row = [pk, TODAY.isoformat(), "센서텍", PAYEE, 1_000, 0, "카드전표", "K-1"]
    text = client.post(f"/projects/{running.pk}/expenses/import/", {"file": xlsx([row], formula=True)}).content.decode()
    assert "파일에 수식이 있습니다(2행). 값을 직접 입력하세요. 아무것도 등록되지 않았습니다." in text
    text = client.post(f"/projects/{running.pk}/expenses/import/", {"file": xlsx([row], merged=True)}).content.decode()
    assert "파일에 병합된 셀이 있습니다. 양식 그대로, 한 행에 지출 하나씩 입력하세요. 아무것도 등록되지 않았습니다." in text
    assert not Expense.objects.exists()


def test_a_file_of_100000_rows_is_refused_quickly_without_reading_it_all(running, alice):
    from openpyxl import Workbook as Book

    book = Book(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["비목 번호"])
    for n in range(100_000):
        sheet.append([1, "2026-01-01", "센서텍", PAYEE, 1_000, 0, "카드전표", f"K-{n}"])
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("big.xlsx", out.getvalue())
    started = time.monotonic()
    text = signed_in(alice).post(f"/projects/{running.pk}/expenses/import/", {"file": upload}).content.decode()
    assert "파일의 지출 행이 5,000행을 넘습니다. 5,000행 이하의 파일로 나누어 올리세요. 아무것도 등록되지 않았습니다." in text
    assert time.monotonic() - started < 10
    assert not Expense.objects.exists()
