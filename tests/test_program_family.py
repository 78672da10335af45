"""A program's family decides which standard clauses its agreements print, so it is chosen,
never assumed: an administrator must pick it when creating the program, and a program whose
family is not known (one from before the choice was required that could not be told) has no
call published and no agreement prepared or issued until an administrator sets it."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.test import Client
from django.utils import timezone

from applications import lifecycle
from applications.models import Agreement, AgreementState, Call, ClauseSet, Program, ProgramFamily
from applications.services import agreements as svc
from tests.browsing import submit
from tests.conftest import login_with_mfa
from tests.test_agreements import _reauthenticated

pytestmark = pytest.mark.django_db

MISSING = ("“{name}”의 사업 유형이 정해지지 않아 어느 협약 일반조건을 적용할지 알 수 없습니다. 관리자가 사업 설정에서 사업 유형을 "
           "골라야 하며, 그 전에는 이 사업의 공고를 게시할 수 없고 협약서를 작성하거나 발급할 수 없습니다.")


def missing(program: Program) -> str:
    return MISSING.format(name=program.name_ko)


def unset_family(program: Program) -> None:
    Program.objects.filter(pk=program.pk).update(family=None)
    program.refresh_from_db()


def test_the_administrator_must_choose_the_family_of_a_new_program(adam):
    admin = Client()
    login_with_mfa(admin, adam)
    page = admin.get("/admin/applications/program/add/").content.decode()
    assert '<select name="family" required' in page and '<option value="" selected>선택하세요</option>' in page  # nothing chosen for them
    data = {"name_ko": "스마트공장 보급확산", "name_en": "Smart factory", "code": "smart-factory-2027",
            "managing_agency": "스마트제조혁신추진단"}
    refused = submit(admin, "/admin/applications/program/add/", data, has="name_ko")
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["family"] == ["필수 항목입니다."]
    assert not Program.objects.filter(code="smart-factory-2027").exists()
    created = submit(admin, "/admin/applications/program/add/", data | {"family": "materials"}, has="name_ko")
    assert created.status_code == 302
    assert Program.objects.get(code="smart-factory-2027").family == ProgramFamily.MATERIALS


def test_a_program_created_in_code_has_no_family_until_one_is_chosen(db):
    program = Program.objects.create(code="new", name_ko="새 사업", name_en="New", managing_agency="전담기관")
    assert program.family is None
    assert program.family_missing() == MISSING.format(name="새 사업")


def test_no_agreement_is_prepared_for_a_program_without_a_family(selected, olivia, program):
    unset_family(program)
    officer = Client()
    login_with_mfa(officer, olivia)
    response = officer.post(f"/officer/applications/{selected.pk}/agreement/", follow=True)
    assert response.redirect_chain == [(f"/officer/applications/{selected.pk}/", 302)]
    assert missing(program) in [str(m) for m in response.context["messages"]]
    assert not Agreement.objects.exists()

    # Once the administrator chooses it, the agreement takes that family's clauses.
    Program.objects.filter(pk=program.pk).update(family=ProgramFamily.MATERIALS)
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    assert agreement.current_version().clause_set == ClauseSet.objects.get(family=ProgramFamily.MATERIALS, version=1)


def test_an_agreement_drafted_before_is_not_issued_until_the_family_is_set_and_its_clauses_fit(selected, olivia, program, signing_cert):
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    svc.render_version(version_id=agreement.current_version().pk)
    officer = _reauthenticated(olivia, mfa=True)

    unset_family(program)
    response = officer.post(f"/agreements/{agreement.pk}/issue/", {"confirm": "yes"}, follow=True)
    assert missing(program) in [str(m) for m in response.context["messages"]]
    assert Agreement.objects.get(pk=agreement.pk).state == AgreementState.DRAFTED

    # The administrator says it is a materials program: the smart-factory draft does not fit.
    Program.objects.filter(pk=program.pk).update(family=ProgramFamily.MATERIALS)
    response = officer.post(f"/agreements/{agreement.pk}/issue/", {"confirm": "yes"}, follow=True)
    assert ("이 협약서는 다른 사업 유형(스마트공장)의 일반조건으로 작성되었는데, 지금 이 사업의 유형은 “소재·부품·장비”입니다. "
            "그 유형의 일반조건으로 다시 작성하도록 협약 조건을 다시 저장하세요. 아무것도 발급하지 않았습니다.") in [
        str(m) for m in response.context["messages"]]
    assert Agreement.objects.get(pk=agreement.pk).state == AgreementState.DRAFTED

    # Saved again, the terms take the materials clauses, and the agreement is issued.
    terms = agreement.current_version().terms
    version = lifecycle.agreement_update_terms(user=olivia, agreement_id=agreement.pk, start=datetime.date.fromisoformat(terms["start"]),
                                         end=datetime.date.fromisoformat(terms["end"]), grant=terms["grant"], cash=terms["cash"],
                                         in_kind=terms["in_kind"], instalments=terms["instalments"])
    assert version.clause_set == ClauseSet.objects.get(family=ProgramFamily.MATERIALS, version=1)
    svc.render_version(version_id=version.pk)
    officer.post(f"/agreements/{agreement.pk}/issue/", {"confirm": "yes"})
    assert Agreement.objects.get(pk=agreement.pk).state == AgreementState.ISSUED


def test_a_call_of_a_program_without_a_family_is_not_published(client, olivia, call, program):
    unset_family(program)
    Call.objects.filter(pk=call.pk).update(is_published=False, opens_at=timezone.now() + datetime.timedelta(days=1))
    login_with_mfa(client, olivia)
    page = client.get(f"/officer/calls/{call.pk}/").content.decode()
    assert f'<p class="message message-error" id="clause-set">{missing(program)}</p>' in page
    response = submit(client, f"/officer/calls/{call.pk}/", {"is_published": "on", "confirm_publish": "yes"}, has="is_published")
    assert response.status_code == 400
    assert missing(program) in response.content.decode()
    assert not Call.objects.get(pk=call.pk).is_published

    # Nor created published at once.
    opens = timezone.localtime(timezone.now() + datetime.timedelta(days=7))
    response = client.post("/officer/calls/new/", {
        "program": program.pk, "code": "SF-2027-1", "title": "2027년 1차 공고", "round": 1, "notice": "공고문",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"), "closes_at": (opens + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "budget_total": "10,000,000,000", "max_grant": "400,000,000", "max_grant_share_bp": "50", "min_cash_share_bp": "50",
        "max_file_mb": 20, "max_total_mb": 100, "max_files": 30, "is_published": "on"})
    assert response.status_code == 400
    assert missing(program) in response.content.decode()
    assert not Call.objects.filter(code="SF-2027-1").exists()

    # The officer's desk says which programs wait for their family.
    desk = client.get("/officer/").content.decode()
    assert f'<p class="message message-warning" role="status">{missing(program)}</p>' in desk


migration = importlib.import_module("applications.migrations.0031_program_family_chosen_explicitly")


@pytest.mark.parametrize(("code", "name_ko", "name_en", "family", "names_supplier", "expected"), [
    # The demo and benchmark programs, by their code, whatever the field held.
    ("smart-factory", "스마트공장 구축·고도화", "", "smart_factory", True, "smart_factory"),
    ("sobujang", "소재·부품·장비 스타트업100", "", "smart_factory", False, "materials"),
    ("win-win", "자상한 기업 상생협력 프로그램", "", "smart_factory", False, "win_win"),
    ("free-zone-gangwon", "규제자유특구 패키지 (강원 디지털헬스케어)", "", "smart_factory", False, "free_zone"),
    # A family someone changed from the old default is theirs, even on a known code.
    ("zone-2", "지역 실증 지원", "", "free_zone", False, "free_zone"),
    ("smart-factory", "스마트공장 구축·고도화", "", "win_win", True, "win_win"),
    # The old default with a name (or the supplier setting) pointing to one family.
    ("mpe", "소재부품 기술개발", "", "smart_factory", False, "materials"),
    ("sf-2", "스마트공장 보급확산", "Smart factory roll-out", "smart_factory", False, "smart_factory"),
    ("mes", "제조 고도화 지원", "", "smart_factory", True, "smart_factory"),
    ("rfz", "규제자유특구 실증", "Regulation-free zone trials", "smart_factory", False, "free_zone"),
    # The old default and nothing, or two families, in the name: not guessed.
    ("voucher", "수출 바우처", "Export voucher", "smart_factory", False, None),
    ("sf-win", "대·중소 상생형 스마트공장", "", "smart_factory", False, None),
])
def test_the_migration_keeps_a_family_only_where_it_is_unambiguous(code, name_ko, name_en, family, names_supplier, expected):
    from django.apps import apps

    program = Program.objects.create(code=code, name_ko=name_ko, name_en=name_en, family=family, names_supplier=names_supplier,
                                     managing_agency="전담기관")
    migration.set_families(apps, None)
    assert Program.objects.get(pk=program.pk).family == expected


def test_the_demo_programs_are_the_ones_the_migration_knows():
    from reviews.management.commands.load_demo import PROGRAMS

    for spec in PROGRAMS:
        assert migration.KNOWN_CODES[spec["code"]] == spec["family"], spec["code"]
        assert migration.infer_family(Program(code=spec["code"], name_ko=spec["name_ko"], name_en=spec["name_en"])) == spec["family"]
