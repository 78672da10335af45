"""The participation-ban register (참여제한): each ban with its legal ground, what it bars and a
length, its last day computed as a duty period (행정기본법 §6 ②: the first day counts, and the
ban ends on its last day even on a Saturday or a holiday), and the eligibility check that reads
the scope and that computed end. Bans recorded before the length was kept keep their typed end."""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path

import pytest
from django.utils import timezone
from freezegun import freeze_time

from applications.models import ParticipationBan
from portal.models import AuditEvent
from tests.conftest import PASSWORD, login_with_mfa, make_call
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

D = datetime.date
ADD = "/admin/applications/participationban/add/"
SUBSIDY_ACT = "「보조금 관리에 관한 법률」 제31조의2"
TECH_ACT = "「중소기업기술혁신 촉진법」 제31조"


@pytest.fixture
def as_adam(client, adam):
    login_with_mfa(client, adam)
    return client


def ban_form(company, **changes) -> dict:
    return {"business_number": company.business_number_display, "company_name": company.name, "legal_ground": SUBSIDY_ACT,
            "reason": "보조금 목적 외 사용", "scope": "all", "starts_on": "2027-01-31", "length": "1", "unit": "months"} | changes


def korean_day(day: datetime.date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일({'월화수목금토일'[day.weekday()]})"


# Each last day worked out by hand from DOMAIN.md's rule for a period that imposes a duty:
# the first day counts (a month from the 31st of January is January 31 … the day before
# February 31st, which February lacks, so its last day, 민법 §160 ③), and no Saturday,
# Sunday or holiday moves the end.
@pytest.mark.parametrize(("starts_on", "length", "unit", "last_day", "why"), [
    (D(2027, 1, 31), 1, "months", D(2027, 2, 28), "February 2027 has no 31st (or 29th): its last day"),
    (D(2028, 1, 31), 1, "months", D(2028, 2, 29), "2028 is a leap year: February's last day is the 29th"),
    (D(2028, 1, 29), 1, "months", D(2028, 2, 28), "the day before February 29th, which 2028 has"),
    (D(2028, 2, 29), 1, "years", D(2029, 2, 28), "from a leap day: 2029 has no February 29th"),
    (D(2027, 3, 1), 1, "months", D(2027, 3, 31), "from the first of a month: to its last day"),
    (D(2026, 3, 1), 1, "years", D(2027, 2, 28), "starts on 삼일절 and ends on a Sunday: neither moves it"),
    (D(2026, 9, 25), 3, "months", D(2026, 12, 24), "starts on 추석 (the first day counts all the same)"),
    (D(2027, 6, 15), 5, "years", D(2032, 6, 14), "the longest ban the law allows"),
    (D(2027, 8, 31), 6, "months", D(2028, 2, 29), "six months from August 31st end on the last day of a leap February"),
])
def test_the_register_computes_the_last_day_as_a_duty_period(as_adam, adam, acme, starts_on, length, unit, last_day, why):
    response = as_adam.post(ADD, ban_form(acme, starts_on=starts_on.isoformat(), length=str(length), unit=unit), follow=True)
    assert response.status_code == 200, why
    ban = ParticipationBan.objects.get()
    assert ban.ends_on == last_day, why
    page = response.content.decode()
    assert f"에이크미 정밀의 참여제한 기간은 {korean_day(starts_on)}부터 {korean_day(last_day)}까지입니다." in page, why
    change = as_adam.get(f"/admin/applications/participationban/{ban.pk}/change/").content.decode()
    assert "참여제한 종료일" in change
    assert f"{korean_day(last_day)} (첫날 산입, 행정기본법 제6조 제2항)" in change, why
    event = AuditEvent.objects.get(action="ban.recorded")
    assert event.actor == adam and event.data["ends_on"] == last_day.isoformat() and event.data["legal_ground"] == SUBSIDY_ACT


def test_the_add_form_says_how_the_end_is_computed_and_asks_no_end_date(as_adam):
    page = as_adam.get(ADD).content.decode()
    assert "저장하면 시작일과 기간으로 계산합니다. 첫날을 기간에 넣고, 마지막 날이 공휴일이어도 그날 끝납니다(행정기본법 제6조 제2항)." in page
    assert 'name="ends_on"' not in page
    assert "법적 근거" in page and "제한 범위" in page


@pytest.mark.parametrize(("changes", "message"), [
    ({"legal_ground": ""}, "필수 항목입니다."),
    ({"legal_ground": "보조금법 위반"},
     "법률 이름을 「」로 묶고 조항을 적으세요. 예: 「보조금 관리에 관한 법률」 제31조의2, 「중소기업기술혁신 촉진법」 제31조"),
    ({"length": "6", "unit": "years"}, "참여제한 기간은 5년을 넘을 수 없습니다(보조금 관리에 관한 법률 제31조의2)."),
    ({"length": "61", "unit": "months"}, "참여제한 기간은 5년을 넘을 수 없습니다(보조금 관리에 관한 법률 제31조의2)."),
    ({"length": "0"}, "1 이상의 값을 입력해 주세요."),
    ({"length": ""}, "필수 항목입니다."),
    ({"scope": "programs"}, "참여를 제한할 사업을 고르거나, 모든 사업으로 정하세요."),
])
def test_a_ban_without_its_ground_or_beyond_the_law_is_refused_and_nothing_recorded(as_adam, acme, changes, message):
    response = as_adam.post(ADD, ban_form(acme, **changes))
    assert response.status_code == 200  # the admin shows the form again with its errors
    page = response.content.decode()
    assert message in page, page[-3000:]
    assert not ParticipationBan.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="ban.").exists()


@pytest.fixture
def as_alice(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


def test_a_ban_on_named_programs_bars_their_calls_and_no_other(as_adam, client, alice, acme, call):
    other = ProgramFactory(name_ko="소재·부품·장비 스타트업100")
    today = timezone.localdate()
    as_adam.post(ADD, ban_form(acme, legal_ground=TECH_ACT, reason="협약 위반", scope="programs", programs=[other.pk],
                               starts_on=today.isoformat(), length="2", unit="years"))
    ban = ParticipationBan.objects.get()
    assert list(ban.programs.all()) == [other]
    client.logout()
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    page = client.get(f"/calls/{call.code}/").content.decode()
    assert f"{today.year}년 {today.month}월 {today.day}일 기준으로 이 공고에 적용되는 참여제한이 없습니다." in page
    ban.programs.add(call.program)
    page = client.get(f"/calls/{call.code}/").content.decode()
    start, last = (f"{d.year}년 {d.month}월 {d.day}일" for d in (today, ban.ends_on))
    # The programs in the register's order (by Korean name): 소재… before 스마트공장….
    assert (f"이 기업은 {TECH_ACT}에 따라 {start}부터 {last}까지 다음 사업에 참여가 제한되어 있습니다: "
            f"소재·부품·장비 스타트업100, {call.program.name_ko}. 사유: 협약 위반") in page


def test_a_ban_on_every_program_names_its_ground_when_the_applicant_submits(client, alice, acme, olivia, complete_draft):
    from portal.periods import duty_period_last_day

    today = timezone.localdate()
    ParticipationBan.objects.create(business_number=acme.business_number, company_name=acme.name, legal_ground=SUBSIDY_ACT,
                                    reason="보조금 목적 외 사용", starts_on=today, length=1, unit="years",
                                    ends_on=duty_period_last_day(today, years=1), recorded_by=olivia)
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    response = client.post(f"/applications/{complete_draft.pk}/submit/", {"confirm": "yes"})
    assert response.status_code == 400
    start, end = (f"{d.year}년 {d.month}월 {d.day}일" for d in (today, duty_period_last_day(today, years=1)))
    assert (f"신청 요건: 이 기업은 {SUBSIDY_ACT}에 따라 {start}부터 {end}까지 모든 지원사업에 참여가 제한되어 있습니다. "
            "사유: 보조금 목적 외 사용") in response.context["problems"]


def test_the_check_reads_the_computed_last_day_not_a_stale_stored_one(alice, acme, olivia, program, client):
    """A ban of one month from 2028-01-31 bars through 2028-02-29 (leap year) and no longer on
    2028-03-01, whatever end date the row carries."""
    with freeze_time("2028-02-29 10:00:00+09:00"):
        call = make_call(program, olivia, code="SF-2028-1")
        ParticipationBan.objects.create(business_number=acme.business_number, company_name=acme.name, legal_ground=SUBSIDY_ACT,
                                        reason="보조금 목적 외 사용", starts_on=D(2028, 1, 31), length=1, unit="months",
                                        ends_on=D(2028, 2, 28), recorded_by=olivia)  # stored wrong by hand: the length decides
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        page = client.get(f"/calls/{call.code}/").content.decode()
        assert "2028년 1월 31일부터 2028년 2월 29일까지 모든 지원사업에 참여가 제한되어 있습니다." in page
    with freeze_time("2028-03-01 10:00:00+09:00"):
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
        page = client.get(f"/calls/{call.code}/").content.decode()
        assert "2028년 3월 1일 기준으로 이 공고에 적용되는 참여제한이 없습니다." in page


def _migration():
    folder = Path(__file__).resolve().parent.parent / "applications" / "migrations"
    name = next(folder.glob("*_sanctions_and_other_agency_support.py")).stem
    return importlib.import_module(f"applications.migrations.{name}")


def test_bans_recorded_before_lengths_were_kept_keep_their_typed_end(as_adam, acme, olivia):
    from django.apps import apps

    typed = ParticipationBan.objects.create(business_number=acme.business_number, company_name=acme.name, reason="허위 신청",
                                            starts_on=D(2026, 5, 11), ends_on=D(2027, 2, 3), recorded_by=olivia)
    a_year = ParticipationBan.objects.create(business_number=acme.business_number, company_name=acme.name, reason="허위 신청",
                                             starts_on=D(2026, 3, 1), ends_on=D(2027, 2, 28), recorded_by=olivia)
    _migration().lengths_from_typed_end_dates(apps, None)
    typed.refresh_from_db()
    a_year.refresh_from_db()
    assert (typed.length, typed.unit, typed.ends_on, typed.scope) == (None, "", D(2027, 2, 3), "all")
    assert (a_year.length, a_year.unit, a_year.ends_on) == (1, "years", D(2027, 2, 28))
    change = as_adam.get(f"/admin/applications/participationban/{typed.pk}/change/").content.decode()
    assert "2027년 2월 3일(수) (등록할 때 직접 입력한 종료일)" in change
    # Its ground given now, without a length: the typed end stays.
    response = as_adam.post(f"/admin/applications/participationban/{typed.pk}/change/",
                            ban_form(acme, reason="허위 신청", starts_on="2026-05-11", length="", unit=""))
    assert response.status_code == 302
    typed.refresh_from_db()
    assert (typed.legal_ground, typed.ends_on, typed.length) == (SUBSIDY_ACT, D(2027, 2, 3), None)
