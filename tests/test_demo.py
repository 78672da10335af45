from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from applications.models import Call, FormField, Program
from portal.models import Company, User

pytestmark = pytest.mark.django_db


def test_demo_data_creates_the_programs_with_an_open_call_each_and_can_run_twice(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    assert Program.objects.count() == 4
    names = set(Program.objects.values_list("name_ko", flat=True))
    assert {"스마트공장 구축·고도화", "소재·부품·장비 스타트업100"} <= names
    assert any("자상한" in n for n in names) and any("규제자유특구" in n for n in names)
    from django.utils import timezone

    assert Call.objects.published().open_at(timezone.now()).count() == 4
    assert User.objects.filter(email__endswith="@example.com").count() == 8
    assert Company.objects.count() == 3


def test_demo_data_has_a_closed_call_ready_to_screen_and_score(settings, client):
    """A newcomer can try screening and scoring at once: the 2차 call has closed with one
    application to screen and two assigned to the demo reviewer, under a rubric and a panel."""
    from allauth.mfa.models import Authenticator

    from applications.models import Application
    from reviews.models import Assignment

    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    from django.utils import timezone

    call = Call.objects.get(code="SF-2026-2")
    assert call.closes_at < timezone.now()
    assert sorted(Application.objects.filter(call=call).values_list("state", flat=True)) == ["submitted", "under_review", "under_review"]
    assert all(submitted <= call.closes_at for submitted in Application.objects.filter(call=call).values_list("submitted_at", flat=True))
    assert list(call.rubric.criteria.values_list("name_ko", flat=True)) == ["사업 필요성", "실행 계획의 구체성", "기대 효과"]
    reviewer = User.objects.get(email="reviewer@example.com")
    assert Assignment.objects.filter(reviewer=reviewer, application__call=call).count() == 2
    assert Authenticator.objects.filter(user=reviewer).exists()

    from reviews.management.commands.load_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
    from tests.conftest import totp_code

    client.post("/accounts/login/", {"login": reviewer.email, "password": DEMO_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(DEMO_TOTP_SECRET)})
    page = client.get("/reviewer/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "평가 2건 중 0건 제출." in text
    assert text.count("2026년 스마트공장 구축·고도화 지원사업 2차 공고") == 2


def test_demo_data_refuses_to_load_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.exists()


def test_each_program_family_has_its_own_form_documents_and_rules(settings):
    """DOMAIN.md: the four families differ — not the smart-factory form everywhere."""
    settings.DEBUG = True
    call_command("load_demo")
    by_program = {call.program.code: call for call in Call.objects.select_related("program")}

    def questions(call):
        return {f.label_ko for f in FormField.objects.filter(section__form__call=call)}

    def rules(call):
        return sorted(call.rules.values_list("kind", flat=True))

    assert "현재 스마트화 수준" in questions(by_program["smart-factory"])
    for code in ("sobujang", "win-win", "free-zone-gangwon"):
        assert "현재 스마트화 수준" not in questions(by_program[code]), code
    assert "기술성숙도(TRL, 1–9)" in questions(by_program["sobujang"])
    assert "협력 대기업과의 거래 기간(년)" in questions(by_program["win-win"])
    assert "적용받을 규제 특례" in questions(by_program["free-zone-gangwon"])
    assert rules(by_program["sobujang"]) == ["exclusions", "industry", "max_age", "one_per_call", "prior_funding", "sme_size"]
    assert rules(by_program["win-win"]) == ["employees", "exclusions", "one_per_call", "partner_list", "sme_size"]
    assert rules(by_program["free-zone-gangwon"]) == ["exclusions", "location", "one_per_call", "sme_size"]
    documents = {code: set(call.required_documents.values_list("name_ko", flat=True)) for code, call in by_program.items()}
    assert "법인등기부등본" in documents["sobujang"] and "협력 대기업 추천서" in documents["win-win"]
    assert "특구사업자 지정 증빙" in documents["free-zone-gangwon"]
    assert set(by_program["free-zone-gangwon"].levels.values_list("name_ko", flat=True)) == {"실증 연구개발", "책임보험료"}
    # 자상한 기업 is funded by three parties: government at most 30%, the partner at least 30%.
    win_win = by_program["win-win"]
    assert (win_win.max_grant_share_bp, win_win.min_partner_share_bp, win_win.max_company_share_bp) == (3000, 3000, 4000)
    assert by_program["smart-factory"].min_partner_share_bp == 0
