"""중복수혜 beyond this portal: the applicant declares that no other agency supports the same
project, or names each agency, program and amount (rows, amounts in whole won). The
declaration is part of the declarations step, goes with the submission, is shown on the
applicant's copy and to the screener beside what the portal itself found, and can only
change where the application can (a draft, or a revision that names the step)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import Application, OtherAgencySupport, State
from tests.conftest import PASSWORD, VALID_DECLARATIONS, login_with_mfa

pytestmark = pytest.mark.django_db

NO_EXCLUSIONS = {key: "no" for key in VALID_DECLARATIONS if key != "other_support"}
KIAT = {"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": "120,000,000"}
GYEONGNAM = {"agency": "경상남도", "program": "스마트공장 고도화 지원", "amount": "30,000,000"}
CLEARED = {**VALID_DECLARATIONS}
del CLEARED["other_support"]


@pytest.fixture
def as_alice(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


@pytest.fixture
def undeclared(complete_draft):
    """A complete draft whose company has not yet answered the other-agency question."""
    Application.objects.filter(pk=complete_draft.pk).update(declarations=CLEARED)
    return Application.objects.get(pk=complete_draft.pk)


def step(application) -> str:
    return f"/applications/{application.pk}/edit/declarations/"


def declarations_post(answer: str | None, *rows: dict, extra: int = 3) -> dict:
    data = dict(NO_EXCLUSIONS)
    if answer is not None:
        data["other_support"] = answer
    count = max(len(rows), extra)
    data.update({"support-TOTAL_FORMS": str(count), "support-INITIAL_FORMS": "0", "support-MIN_NUM_FORMS": "0",
                 "support-MAX_NUM_FORMS": "20"})
    for i, row in enumerate(rows):
        data.update({f"support-{i}-{key}": value for key, value in row.items()})
    return data


def test_the_declarations_step_asks_about_other_agencies(as_alice, undeclared):
    page = as_alice.get(step(undeclared)).content.decode()
    assert "다른 기관의 지원(중복수혜)" in page
    assert "이 포털은 포털을 통해 지원한 사업만 확인할 수 있습니다." in page
    assert "이 사업에 대한 다른 기관의 지원" in page
    assert "없음: 이 사업으로 다른 기관에서 지원받거나 지원받기로 한 것이 없습니다" in page
    assert "있음: 아래에 지원 기관, 사업명, 금액을 적습니다" in page
    assert '<th scope="col">지원 기관</th><th scope="col">사업명</th><th scope="col">지원 금액(원)</th>' in page


def test_an_application_that_does_not_answer_cannot_be_submitted(as_alice, undeclared):
    response = as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    assert "신고 사항: 이 사업에 대한 다른 기관의 지원 여부를 신고하세요." in response.context["problems"]
    assert Application.objects.get(pk=undeclared.pk).state == State.DRAFT


def test_none_declared_is_submitted_and_the_copy_says_so(as_alice, undeclared):
    response = as_alice.post(step(undeclared), declarations_post("no") | {"go": "next"})
    assert response.status_code == 302
    assert Application.objects.get(pk=undeclared.pk).declarations["other_support"] is False
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    copy = as_alice.get(f"/applications/{undeclared.pk}/copy/").content.decode()
    assert "없음: 이 사업으로 다른 기관에서 지원받거나 지원받기로 한 것이 없다고 신고했습니다." in copy


def test_rows_are_kept_as_whole_won_and_shown_on_the_copy_and_to_the_screener(as_alice, client, undeclared, olivia):
    response = as_alice.post(step(undeclared), declarations_post("yes", KIAT, GYEONGNAM))
    assert response.status_code == 302
    rows = list(OtherAgencySupport.objects.filter(application=undeclared).values_list("agency", "program", "amount"))
    assert rows == [("한국산업기술진흥원", "소재부품기술개발사업", 120_000_000), ("경상남도", "스마트공장 고도화 지원", 30_000_000)]
    # The step shows them again, as saved.
    page = as_alice.get(step(undeclared)).content.decode()
    assert 'value="한국산업기술진흥원"' in page and 'value="120,000,000"' in page
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302

    copy = as_alice.get(f"/applications/{undeclared.pk}/copy/").content.decode()
    assert "있음: 같은 사업에 대한 다른 기관의 지원을 다음과 같이 신고했습니다." in copy
    assert ('<td data-label="지원 기관">한국산업기술진흥원</td><td data-label="사업명">소재부품기술개발사업</td>'
            '<td class="amount" data-label="지원 금액(원)">120,000,000원</td>') in copy
    assert '<th scope="row" colspan="2">지원 금액 합계</th><td class="amount">150,000,000원</td>' in copy

    client.logout()
    login_with_mfa(client, olivia)
    screening = client.get(f"/officer/applications/{undeclared.pk}/").content.decode()
    found, declared = screening.index("포털의 확인 결과"), screening.index("신청기업이 신고한 다른 기관의 지원")
    assert screening.index("중복수혜 확인") < found < declared
    assert "이 공고의 신청 요건에는 중복수혜 규칙이 없습니다." in screening
    assert "지금 이 포털에는 다른 공고에서 이 기업에 지원한 기록이 없습니다." in screening
    assert screening.index("경상남도</td><td data-label=\"사업명\">스마트공장 고도화 지원") > declared
    assert "150,000,000원" in screening[declared:]


def test_the_screener_reads_the_portals_own_finding_beside_the_declaration(client, alice, acme, call, olivia, complete_draft):
    from applications.models import EligibilityRule

    EligibilityRule.objects.create(call=call, kind="prior_funding", params={"scope": "same_program", "years": 3, "concurrent": True},
                                   is_hard=True)
    lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    login_with_mfa(client, olivia)
    screening = client.get(f"/officer/applications/{complete_draft.pk}/").content.decode()
    found, declared = screening.index("포털의 확인 결과"), screening.index("신청기업이 신고한 다른 기관의 지원")
    assert "이 공고가 제외하는 이전 지원 이력이 없습니다." in screening[found:declared]
    assert "없음: 이 사업으로 다른 기관에서 지원받거나 지원받기로 한 것이 없다고 신고했습니다." in screening[declared:]


@pytest.mark.parametrize(("row", "field", "message"), [
    ({"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": ""}, "amount", "지원 금액을 원 단위로 적어 주세요."),
    ({"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": "-5,000,000"}, "amount",
     "지원 금액은 0원보다 큰 금액을 원 단위 숫자로 적어 주세요."),
    ({"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": "0"}, "amount",
     "지원 금액은 0원보다 큰 금액을 원 단위 숫자로 적어 주세요."),
    ({"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": "일억"}, "amount", "금액을 숫자로 적어 주세요. 예: 50,000,000"),
    ({"agency": "", "program": "소재부품기술개발사업", "amount": "120,000,000"}, "agency", "지원 기관을 적어 주세요."),
    ({"agency": "한국산업기술진흥원", "program": "", "amount": "120,000,000"}, "program", "지원 사업명을 적어 주세요."),
])
def test_a_row_that_cannot_be_read_is_refused_with_nothing_lost(as_alice, undeclared, row, field, message):
    response = as_alice.post(step(undeclared), declarations_post("yes", GYEONGNAM, row))
    assert response.status_code == 400
    page = response.content.decode()
    assert "읽을 수 없는 줄이 있어 아래에 표시했습니다. 아무것도 바뀌지 않았습니다." in page
    assert message in page
    assert message in " ".join(response.context["formset"].forms[1].errors[field])
    # What was typed is on the page again, the other row too; nothing was stored.
    for value in (*GYEONGNAM.values(), *(v for v in row.values() if v)):
        assert f'value="{value}"' in page, value
    assert '<input type="radio" name="other_support" value="yes" id="id_other_support_1" checked>' in page
    application = Application.objects.get(pk=undeclared.pk)
    assert "other_support" not in application.declarations and not application.other_agency_support.exists()


def test_none_declared_with_rows_typed_is_refused_with_nothing_lost(as_alice, undeclared):
    response = as_alice.post(step(undeclared), declarations_post("no", KIAT))
    assert response.status_code == 400
    page = response.content.decode()
    assert "다른 기관의 지원을 “없음”으로 고르셨는데 지원 내역이 적혀 있습니다. 내역을 지우거나 “있음”을 고르세요." in page
    assert 'value="한국산업기술진흥원"' in page and 'value="120,000,000"' in page
    application = Application.objects.get(pk=undeclared.pk)
    assert "other_support" not in application.declarations and not application.other_agency_support.exists()


def test_yes_without_a_row_is_kept_but_cannot_be_submitted(as_alice, undeclared):
    response = as_alice.post(step(undeclared), declarations_post("yes"))
    assert response.status_code == 200
    assert "다른 기관의 지원 내역(지원 기관, 사업명, 금액)을 적거나 “없음”을 고르세요." in response.content.decode()
    assert Application.objects.get(pk=undeclared.pk).declarations["other_support"] is True
    refused = as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"})
    assert refused.status_code == 400
    assert "신고 사항: 다른 기관의 지원 내역(지원 기관, 사업명, 금액)을 적거나 “없음”을 고르세요." in refused.context["problems"]


def test_choosing_none_later_removes_the_rows(as_alice, undeclared):
    as_alice.post(step(undeclared), declarations_post("yes", KIAT))
    assert as_alice.post(step(undeclared), declarations_post("no")).status_code == 302
    application = Application.objects.get(pk=undeclared.pk)
    assert application.declarations["other_support"] is False and not application.other_agency_support.exists()


def test_the_submitted_declaration_is_frozen_unless_a_revision_opens_the_step(as_alice, client, undeclared, olivia, alice):
    as_alice.post(step(undeclared), declarations_post("yes", KIAT))
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    refused = as_alice.post(step(undeclared), declarations_post("yes", GYEONGNAM), follow=True)
    assert refused.redirect_chain == [(f"/applications/{undeclared.pk}/", 302)]
    assert "제출된 신청서는 수정할 수 없습니다." in refused.content.decode()
    assert list(OtherAgencySupport.objects.filter(application=undeclared).values_list("agency", flat=True)) == ["한국산업기술진흥원"]

    lifecycle.revision_request(user=olivia, application_id=undeclared.pk, message="지원 금액을 협약서와 맞추세요.", days=5,
                               steps=["declarations"])
    assert as_alice.post(step(undeclared), declarations_post("yes", {**KIAT, "amount": "100,000,000"}, GYEONGNAM)).status_code == 302
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    assert Application.objects.get(pk=undeclared.pk).state == State.SCREENING
    copy = as_alice.get(f"/applications/{undeclared.pk}/copy/").content.decode()
    assert '<th scope="row" colspan="2">지원 금액 합계</th><td class="amount">130,000,000원</td>' in copy


@pytest.mark.parametrize(("row", "message"), [
    ({"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": -1},
     "다른 기관의 지원 2번째 줄: 지원 금액은 0원보다 큰 원 단위 금액이어야 합니다."),
    ({"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": "120000000"},
     "다른 기관의 지원 2번째 줄: 지원 금액은 0원보다 큰 원 단위 금액이어야 합니다."),
    ({"agency": "한국산업기술진흥원", "program": " ", "amount": 1}, "다른 기관의 지원 2번째 줄: 지원 기관과 사업명을 적어 주세요."),
])
def test_the_service_refuses_rows_it_cannot_store_whoever_sends_them(alice, undeclared, row, message):
    """Not only the page's form: a row is stored as typed or refused, never cut or coerced."""
    from django.core.exceptions import ValidationError

    from applications.services.submission import application_save_draft

    good = {"agency": "경상남도", "program": "스마트공장 고도화 지원", "amount": 30_000_000}
    with pytest.raises(ValidationError) as refused:
        application_save_draft(user=alice, application_id=undeclared.pk, declarations={"other_support": True}, other_support=[good, row])
    assert refused.value.messages == [message]
    application = Application.objects.get(pk=undeclared.pk)
    assert "other_support" not in application.declarations and not application.other_agency_support.exists()


def test_the_pdf_copy_carries_the_declared_support(as_alice, undeclared):
    from applications.models import ApplicationCopy
    from applications.services.copies import copy_render
    from tests.test_application_copy import pdf_text

    as_alice.post(step(undeclared), declarations_post("yes", KIAT, GYEONGNAM))
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    as_alice.post(f"/applications/{undeclared.pk}/copy/pdf/")
    copy_render(copy_id=ApplicationCopy.objects.get().pk)  # what the worker does
    text = pdf_text(b"".join(as_alice.get(f"/applications/{undeclared.pk}/copy/pdf/").streaming_content))
    for expected in ("다른 기관의 지원(중복수혜)", "한국산업기술진흥원", "소재부품기술개발사업", "120,000,000원", "경상남도", "30,000,000원",
                     "지원 금액 합계", "150,000,000원"):
        assert expected in text, expected


KIAT_STORED = {"agency": "한국산업기술진흥원", "program": "소재부품기술개발사업", "amount": 120_000_000}
GYEONGNAM_STORED = {"agency": "경상남도", "program": "스마트공장 고도화 지원", "amount": 30_000_000}
NOTHING_APPLIES = {key: False for key in NO_EXCLUSIONS}


def sendings_part(page: str) -> str:
    """The officer page's record of each sending (empty when it shows none)."""
    start = page.find("신청기업이 신청서를 보낼 때마다 신고한 내용")
    return page[start:page.index("</section>", start)] if start >= 0 else ""


def test_each_sending_keeps_what_was_declared_and_the_officer_sees_both(as_alice, undeclared, olivia):
    """A revision that reopens the declarations lets the company replace its rows: the
    submission's event keeps the rows it was judged on (A), the revision's event the new ones
    (B), and the officer reads both, with what changed, while the rows themselves hold only B."""
    from applications.models import ApplicationEvent
    from applications.services.events import verify_chain

    as_alice.post(step(undeclared), declarations_post("yes", KIAT))
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    lifecycle.revision_request(user=olivia, application_id=undeclared.pk, message="다른 기관의 지원 내역을 다시 확인하세요.", days=5,
                               steps=["declarations"])
    assert as_alice.post(step(undeclared), declarations_post("yes", GYEONGNAM)).status_code == 302

    officer = Client()
    login_with_mfa(officer, olivia)
    # While the revision is open the rows are the company's work in progress; what it sent is kept apart.
    revising = sendings_part(officer.get(f"/officer/applications/{undeclared.pk}/").content.decode())
    assert "신청기업이 보완 중입니다. 위의 내용은 보완을 제출하기 전까지 바뀔 수 있습니다. 아래는 신청기업이 보낸 내용입니다." in revising
    assert "<h4>접수 완료 · " in revising and "한국산업기술진흥원" in revising and "경상남도" not in revising

    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    application = Application.objects.get(pk=undeclared.pk)
    assert application.state == State.SCREENING
    assert list(application.other_agency_support.values("agency", "program", "amount")) == [GYEONGNAM_STORED]
    submitted, resent = (ApplicationEvent.objects.get(application=application, action=action) for action in ("submitted", "resubmit"))
    declared = {**NOTHING_APPLIES, "other_support": True}
    assert submitted.data == {"receipt_number": application.receipt_number, "declarations": declared, "other_agency_support": [KIAT_STORED]}
    assert resent.data == {"declarations": declared, "other_agency_support": [GYEONGNAM_STORED]}
    assert verify_chain(application) == []

    page = officer.get(f"/officer/applications/{undeclared.pk}/").content.decode()
    sendings = sendings_part(page)
    first, second = sendings.index("<h4>접수 완료 · "), sendings.index("<h4>보완 제출 · ")
    assert first < second
    assert ('<td data-label="지원 기관">한국산업기술진흥원</td><td data-label="사업명">소재부품기술개발사업</td>'
            '<td class="amount" data-label="지원 금액(원)">120,000,000원</td>') in sendings[first:second]
    assert "경상남도" not in sendings[first:second]
    resent_part = sendings[second:]
    assert ('<td data-label="지원 기관">경상남도</td><td data-label="사업명">스마트공장 고도화 지원</td>'
            '<td class="amount" data-label="지원 금액(원)">30,000,000원</td>') in resent_part
    assert "직전에 보낸 것과 달라진 점:" in resent_part
    assert "<li>삭제: 한국산업기술진흥원, 소재부품기술개발사업, 120,000,000원</li>" in resent_part
    assert "<li>추가: 경상남도, 스마트공장 고도화 지원, 30,000,000원</li>" in resent_part
    assert "신청기업이 보완 중입니다." not in page


def test_a_change_of_answer_is_named_and_an_unchanged_sending_says_so(as_alice, undeclared, olivia):
    as_alice.post(step(undeclared), declarations_post("yes", KIAT))
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    officer = Client()
    login_with_mfa(officer, olivia)
    # Sent once: the declaration above is what was sent, nothing more to show.
    assert sendings_part(officer.get(f"/officer/applications/{undeclared.pk}/").content.decode()) == ""

    for _round in range(2):  # "none" sent back, then sent back again as it was
        lifecycle.revision_request(user=olivia, application_id=undeclared.pk, message="신고 내용을 확인하세요.", days=5,
                                   steps=["declarations"])
        assert as_alice.post(step(undeclared), declarations_post("no")).status_code == 302
        assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302

    sendings = sendings_part(officer.get(f"/officer/applications/{undeclared.pk}/").content.decode())
    first, second = sendings.index("<h4>보완 제출 · "), sendings.rindex("<h4>보완 제출 · ")
    assert first < second
    assert ("<li>다른 기관의 지원(중복수혜): 예, 해당합니다 → 아니요, 해당하지 않습니다</li>"
            "<li>삭제: 한국산업기술진흥원, 소재부품기술개발사업, 120,000,000원</li>") in compact_lines(sendings[first:second])
    assert "없음: 이 사업으로 다른 기관에서 지원받거나 지원받기로 한 것이 없다고 신고했습니다." in sendings[first:second]
    assert "직전에 보낸 것과 비교해 신고 내용이 달라지지 않았습니다." in sendings[second:]


def test_a_changed_amount_of_one_agency_and_program_reads_as_changed_not_removed_and_added(as_alice, undeclared, olivia):
    as_alice.post(step(undeclared), declarations_post("yes", KIAT, GYEONGNAM))
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    lifecycle.revision_request(user=olivia, application_id=undeclared.pk, message="지원 금액을 확인하세요.", days=5, steps=["declarations"])
    assert as_alice.post(step(undeclared), declarations_post("yes", {**KIAT, "amount": "100,000,000"}, GYEONGNAM)).status_code == 302
    assert as_alice.post(f"/applications/{undeclared.pk}/submit/", {"confirm": "yes"}).status_code == 302
    officer = Client()
    login_with_mfa(officer, olivia)
    sendings = sendings_part(officer.get(f"/officer/applications/{undeclared.pk}/").content.decode())
    resent = compact_lines(sendings[sendings.index("<h4>보완 제출 · "):])
    assert "<li>변경: 한국산업기술진흥원, 소재부품기술개발사업, 120,000,000원 → 100,000,000원</li>" in resent
    assert "삭제:" not in resent and "추가:" not in resent and "경상남도, 스마트공장" not in resent.split("달라진 점:")[1]


def compact_lines(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())
