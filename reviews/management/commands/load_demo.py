"""Demo data for a laptop: the programs DOMAIN.md names, one open call each, a person for
every role with a known password, and an earlier smart-factory call that has closed with
applications waiting at each step of the evaluation (one to screen, others assigned to the
demo reviewer), so that screening and scoring can be tried at once. Idempotent; refuses to run
unless DEBUG is on. It lives in the top app (reviews) because it builds every app's rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from applications import lifecycle
from applications.demo import configure_call, open_now
from applications.models import Call, PartnerList, PartnerListEntry, Program, ProgramOfficer
from applications.services import submission
from applications.services.calls import call_create
from portal.models import Certification, Company, CompanyMembership, Region, User
from reviews.models import ReviewerProfile
from reviews.services import evaluation

DEMO_PASSWORD = "portal-demo-2026"
# Staff must use a second factor; the demo gives them a known TOTP secret to add to an
# authenticator app (or to compute codes in tests).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

PROGRAMS = [
    {
        "code": "smart-factory",
        "name_ko": "스마트공장 구축·고도화",
        "name_en": "Smart factory build and upgrade",
        "family": "smart_factory",
        "managing_agency": "스마트제조혁신추진단",
        "agency_address": "서울특별시 구로구 디지털로 100",
        "agency_head_title": "단장",
        "agency_head_name": "김민준",
        "names_supplier": True,
        "description_ko": "제조 중소기업의 스마트공장 구축(기초)과 고도화(고도화1·2)를 지원합니다. 정부지원금은 총사업비의 50% 이내입니다.",
        "description_en": ("Support for manufacturing SMEs building (basic) or upgrading (advanced 1 and 2) a smart factory. "
                           "The grant is at most 50% of the total project cost."),
        "call": {"code": "SF-2026-3", "title": "2026년 스마트공장 구축·고도화 지원사업 3차 공고", "budget": 20_000_000_000,
                 "max_grant": 400_000_000, "round": 3},
    },
    {
        "code": "sobujang",
        "name_ko": "소재·부품·장비 스타트업100",
        "name_en": "Materials, parts and equipment startups 100",
        "family": "materials",
        "managing_agency": "창업진흥원",
        "agency_address": "세종특별자치시 집현중앙로 100",
        "agency_head_title": "원장",
        "agency_head_name": "이서연",
        "description_ko": "소재·부품·장비 분야 유망 스타트업의 사업화를 지원합니다. 서면, 현장·기술평가, 심층평가, 발표평가를 거쳐 선정합니다.",
        "description_en": ("Commercialisation support for promising startups in materials, parts and equipment, selected through "
                           "written, on-site, in-depth and pitch evaluations."),
        "call": {"code": "MPE-2026-1", "title": "2026년 소재·부품·장비 스타트업100 참여기업 모집", "budget": 10_000_000_000,
                 "max_grant": 200_000_000, "round": 1},
    },
    {
        "code": "win-win",
        "name_ko": "자상한 기업 상생협력 프로그램",
        "name_en": "Win-win partnership (자상한 기업) programme",
        "family": "win_win",
        "managing_agency": "대·중소기업·농어업협력재단",
        "agency_address": "서울특별시 마포구 성암로 100",
        "agency_head_title": "사무총장",
        "agency_head_name": "박지훈",
        "description_ko": "자상한 기업으로 협약한 대기업이 협력 중소기업에 교육, 판로, 기술을 지원합니다.",
        "description_en": "A large company that signed a win-win partnership offers training, market access and technology to partner SMEs.",
        "call": {"code": "WW-2026-1", "title": "2026년 자상한 기업 협력사 기술지원 참여기업 모집", "budget": 3_000_000_000,
                 "max_grant": 50_000_000, "round": 1},
    },
    {
        "code": "free-zone-gangwon",
        "name_ko": "규제자유특구 패키지 (강원 디지털헬스케어)",
        "name_en": "Regulation-free zone package (Gangwon digital healthcare)",
        "family": "free_zone",
        "managing_agency": "중소벤처기업부 규제자유특구기획단",
        "agency_address": "세종특별자치시 가름로 100",
        "agency_head_title": "단장",
        "agency_head_name": "최유진",
        "description_ko": "강원 디지털헬스케어 규제자유특구 특구사업자의 실증 연구개발과 사업화, 책임보험료를 지원합니다.",
        "description_en": "R&D, commercialisation and liability insurance support for companies named in the Gangwon digital healthcare zone plan.",
        "call": {"code": "RFZ-2026-GW", "title": "2026년 강원 디지털헬스케어 규제자유특구 실증사업 참여기업 모집",
                 "budget": 5_000_000_000, "max_grant": 500_000_000, "round": 1},
    },
]

# E-mail, name, position (as sign-up asks for them) and role.
PEOPLE = [
    ("applicant@example.com", "김지원", "대표이사", "applicant"),
    ("second@example.com", "정두리", "대표이사", "applicant"),
    ("third@example.com", "한세나", "대표", "applicant"),
    ("colleague@example.com", "이동료", "과장", "applicant"),
    ("officer@example.com", "박담당", "주무관", "officer"),
    # A second officer of every program: whoever drafts an agreement does not also approve it
    # (the four-eyes rule), so the agency's countersignature is this person's.
    ("approver@example.com", "김결재", "사무관", "officer"),
    ("reviewer@example.com", "최평가", "책임연구원", "reviewer"),
    ("admin@example.com", "관리자", "", "admin"),
]


class Command(BaseCommand):
    help = "Create demo programs, calls and users (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data holds known passwords: it is loaded only with DEBUG=true.")
        with transaction.atomic():
            users = {email: self._person(email, name, position, role) for email, name, position, role in PEOPLE}
            self._programs(officer=users["officer@example.com"], approver=users["approver@example.com"])
            self._company(owner=users["applicant@example.com"])
            self._evaluation_call(officer=users["officer@example.com"], reviewer=users["reviewer@example.com"],
                                  owners=[users["applicant@example.com"], users["second@example.com"], users["third@example.com"]])
        self._print_accounts()

    def _person(self, email: str, name: str, position: str, role: str) -> User:
        user, _created = User.objects.get_or_create(email=email, defaults={"name": name})
        user.name, user.position = name, position
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if role == "reviewer":
            ReviewerProfile.objects.get_or_create(user=user, defaults={"affiliation": "한국생산기술연구원", "expertise": "스마트제조"})
        if role in {"officer", "reviewer", "admin"} and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        return user

    def _programs(self, *, officer: User, approver: User) -> None:
        now = timezone.now()
        for spec in PROGRAMS:
            call_spec = spec["call"]
            program, _ = Program.objects.update_or_create(
                code=spec["code"], defaults={k: v for k, v in spec.items() if k not in {"code", "call"}}
            )
            ProgramOfficer.objects.get_or_create(program=program, user=officer)
            ProgramOfficer.objects.get_or_create(program=program, user=approver)
            if Call.objects.filter(code=call_spec["code"]).exists():
                continue
            call = call_create(
                user=officer,
                program=program,
                data={
                    "code": call_spec["code"],
                    "title": call_spec["title"],
                    "round": call_spec["round"],
                    "notice": spec["description_ko"],
                    "opens_at": now + datetime.timedelta(days=1),
                    "closes_at": now + datetime.timedelta(days=30),
                    "budget_total": call_spec["budget"],
                    "max_grant": call_spec["max_grant"],
                    "contact_department": "사업운영팀", "contact_phone": "1357-2026", "contact_email": "support@example.go.kr",
                    "is_published": True,
                },
            )
            configure_call(call, user=officer, family=program.family)
            open_now(call)

    def _company(self, *, owner: User, business_number: str = "2148612341", name: str = "한빛정밀 주식회사",
                 representative: str = "김한빛", address: str = "경상남도 창원시 성산구 공단로 100", region: str = Region.GYEONGNAM,
                 ksic_code: str = "C29271") -> Company:
        company, _ = Company.objects.update_or_create(
            business_number=business_number,
            defaults={
                "name": name,
                "corporate_number": "1101110006240" if business_number == "2148612341" else "",
                "representative_name": representative,
                "address": address,
                "region": region,
                "ksic_code": ksic_code,
                "founded_on": datetime.date(2012, 4, 2),
                "employees": 48,
                "fiscal_year": 2025,
                "revenue_latest": 12_400_000_000,
                "revenue_previous": 11_100_000_000,
                "revenue_before_previous": 9_800_000_000,
                "total_assets": 8_700_000_000,
                "certifications": [Certification.VENTURE.value, Certification.RESEARCH_INSTITUTE.value],
            },
        )
        CompanyMembership.objects.get_or_create(
            company=company, user=owner, defaults={"role": CompanyMembership.Role.OWNER, "can_sign": True}
        )
        # The partner nominates the demo company for the 자상한 기업 call.
        for partner_list in PartnerList.objects.all():
            PartnerListEntry.objects.get_or_create(partner_list=partner_list, business_number=company.business_number,
                                                   defaults={"company_name": company.name})
        return company

    def _evaluation_call(self, *, officer: User, reviewer: User, owners: list[User]) -> None:
        """The smart-factory program's 2차 call: closed, three applications in — one waiting
        for screening, two passed and assigned to the demo reviewer — with its rubric and its
        panel, all made through the services as people make them on the pages."""

        if Call.objects.filter(code="SF-2026-2").exists():
            return
        program = Program.objects.get(code="smart-factory")
        now = timezone.now()
        call = call_create(user=officer, program=program, data={
            "code": "SF-2026-2", "title": "2026년 스마트공장 구축·고도화 지원사업 2차 공고", "round": 2,
            "notice": PROGRAMS[0]["description_ko"], "opens_at": now + datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=30), "budget_total": 1_000_000_000, "max_grant": 400_000_000,
            "contact_department": "사업운영팀", "contact_phone": "1357-2026", "contact_email": "support@example.go.kr",
            "is_published": True,
        })
        configure_call(call, user=officer)
        open_now(call)
        companies = [
            Company.objects.get(business_number="2148612341"),
            self._company(owner=owners[1], business_number="1248100998", name="두리기계 주식회사", representative="정두리",
                          address="경상북도 포항시 남구 신항로 12", region=Region.GYEONGBUK, ksic_code="C29199"),
            self._company(owner=owners[2], business_number="1298600135", name="세나전자 주식회사", representative="한세나",
                          address="충청남도 천안시 서북구 직산읍 4산단로 7", region=Region.CHUNGNAM, ksic_code="C26299"),
        ]
        plan = _demo_pdf()
        applications = []
        for owner, company, (title, grant) in zip(owners, companies, [("MES 도입을 통한 품질 고도화", 150_000_000),
                                                                      ("설비 예지보전 시스템 구축", 120_000_000),
                                                                      ("SMT 라인 실시간 검사 고도화", 180_000_000)]):
            applications.append(self._submitted(call=call, user=owner, company=company, title=title, grant=grant, pdf=plan))
        for application in applications[1:]:
            lifecycle.screening_pass(user=officer, application_id=application.pk)
        # Closed now, after the three arrived (never a receipt later than the deadline it met).
        Call.objects.filter(pk=call.pk).update(closes_at=timezone.now())
        call.refresh_from_db()

        rubric = evaluation.rubric_for(call)
        for ko, en, weight in (("사업 필요성", "Need", 30), ("실행 계획의 구체성", "Feasibility of the plan", 40),
                               ("기대 효과", "Expected effect", 30)):
            evaluation.criterion_add(user=officer, rubric=rubric, data={"name_ko": ko, "name_en": en, "description": "",
                                                                       "max_score": Decimal(weight), "weight": Decimal(weight)})
        evaluation.rubric_update(user=officer, rubric=rubric, data={"tie_break": [rubric.criteria.first().pk], "cutoff": Decimal(70)})
        panel = evaluation.panel_create(user=officer, call=call, name="서면평가 1분과", stage="written", reviewers_per_application=1,
                                        due_at=now + datetime.timedelta(days=10))
        evaluation.reviewer_invite(user=officer, panel=panel, email=reviewer.email)
        evaluation.auto_assign(user=officer, panel=panel)

    def _submitted(self, *, call: Call, user: User, company: Company, title: str, grant: int, pdf: bytes):
        from django.core.files.uploadedfile import SimpleUploadedFile


        application, _created = submission.application_start(user=user, call=call, company=company)
        submission.application_save_draft(
            user=user, application_id=application.pk, project_title=title, support_level_id=call.levels.get(code="advanced1").pk,
            answers={"summary": f"{title}: 생산 데이터를 실시간으로 모아 불량률을 30% 줄입니다.", "current_level": "basic",
                     "start_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(), "new_jobs": "3"},
            supplier_name="스마트솔루션 주식회사", supplier_business_number="1168119948",
            declarations={"in_restricted_group": False, "owned_by_large_company": False, "closed_business": False,
                          "tax_arrears": False, "loan_default": False, "participation_ban": False, "other_support": False},
        )
        submission.budget_save(user=user, application_id=application.pk, grant_requested=grant, lines=[
            {"category": "software", "description": "MES 라이선스", "amount": grant + 50_000_000, "is_in_kind": False},
            {"category": "equipment", "description": "설비 센서", "amount": grant - 50_000_000, "is_in_kind": False},
            {"category": "consulting", "description": "자체 인력 투입", "amount": 20_000_000, "is_in_kind": True},
        ])
        for requirement in call.required_documents.filter(is_required=True):
            upload = SimpleUploadedFile(f"{requirement.name_ko}.pdf", pdf, content_type="application/pdf")
            submission.document_upload(user=user, application_id=application.pk, upload=upload, requirement_id=requirement.pk)
        return lifecycle.application_submit(user=user, application_id=application.pk, now=timezone.now())

    def _print_accounts(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Accounts (password for all: %s):" % DEMO_PASSWORD))
        for email, name, position, role in PEOPLE:
            self.stdout.write(f"  {role:<10} {email:<24} {name} {position}".rstrip())
        self.stdout.write(
            "Officer, reviewer and admin sign in with a second factor: add the TOTP secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app."
        )


def _demo_pdf() -> bytes:
    """A one-page document to stand for each uploaded file of the demo applications."""
    from weasyprint import HTML

    return HTML(string="<html lang='ko'><body><h1>사업계획서 (데모)</h1><p>데모 데이터로 만든 문서입니다.</p></body></html>").write_pdf()
