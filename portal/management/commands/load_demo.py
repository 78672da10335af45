"""Demo data for a laptop: the programs DOMAIN.md names, one open call each, and a person
for every role with a known password. Idempotent; refuses to run unless DEBUG is on."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from applications.demo import configure_call, open_now
from applications.models import Call, PartnerList, Program, ProgramOfficer
from applications.services.calls import call_create
from portal.models import Certification, Company, CompanyMembership, Region, User
from reviews.models import ReviewerProfile

DEMO_PASSWORD = "portal-demo-2026"
# Staff must use a second factor; the demo gives them a known TOTP secret to add to an
# authenticator app (or to compute codes in tests).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

FAMILY_OF = {"smart-factory": "smart_factory", "sobujang": "materials", "win-win": "win_win", "free-zone-gangwon": "free_zone"}

PROGRAMS = [
    {
        "code": "smart-factory",
        "name_ko": "스마트공장 구축·고도화",
        "name_en": "Smart factory build and upgrade",
        "managing_agency": "스마트제조혁신추진단",
        "agency_head_title": "단장",
        "agency_head_name": "김민준",
        "description_ko": "제조 중소기업의 스마트공장 구축(기초)과 고도화(고도화1·2)를 지원합니다. 정부지원금은 총사업비의 50% 이내입니다.",
        "description_en": "Support for manufacturing SMEs building (basic) or upgrading (advanced 1 and 2) a smart factory. The grant is at most 50% of the total project cost.",
        "call": {"code": "SF-2026-3", "title": "2026년 스마트공장 구축·고도화 지원사업 3차 공고", "budget": 20_000_000_000, "max_grant": 400_000_000, "round": 3},
    },
    {
        "code": "sobujang",
        "name_ko": "소재·부품·장비 스타트업100",
        "name_en": "Materials, parts and equipment startups 100",
        "managing_agency": "창업진흥원",
        "agency_head_title": "원장",
        "agency_head_name": "이서연",
        "description_ko": "소재·부품·장비 분야 유망 스타트업의 사업화를 지원합니다. 서면, 현장·기술평가, 심층평가, 발표평가를 거쳐 선정합니다.",
        "description_en": "Commercialisation support for promising startups in materials, parts and equipment, selected through written, on-site, in-depth and pitch evaluations.",
        "call": {"code": "MPE-2026-1", "title": "2026년 소재·부품·장비 스타트업100 참여기업 모집", "budget": 10_000_000_000, "max_grant": 200_000_000, "round": 1},
    },
    {
        "code": "win-win",
        "name_ko": "자상한 기업 상생협력 프로그램",
        "name_en": "Win-win partnership (자상한 기업) programme",
        "managing_agency": "대·중소기업·농어업협력재단",
        "agency_head_title": "사무총장",
        "agency_head_name": "박지훈",
        "description_ko": "자상한 기업으로 협약한 대기업이 협력 중소기업에 교육, 판로, 기술을 지원합니다.",
        "description_en": "A large company that signed a win-win partnership offers training, market access and technology to partner SMEs.",
        "call": {"code": "WW-2026-1", "title": "2026년 자상한 기업 협력사 기술지원 참여기업 모집", "budget": 3_000_000_000, "max_grant": 50_000_000, "round": 1},
    },
    {
        "code": "free-zone-gangwon",
        "name_ko": "규제자유특구 패키지 (강원 디지털헬스케어)",
        "name_en": "Regulation-free zone package (Gangwon digital healthcare)",
        "managing_agency": "중소벤처기업부 규제자유특구기획단",
        "agency_head_title": "단장",
        "agency_head_name": "최유진",
        "description_ko": "강원 디지털헬스케어 규제자유특구 특구사업자의 실증 연구개발과 사업화, 책임보험료를 지원합니다.",
        "description_en": "R&D, commercialisation and liability insurance support for companies named in the Gangwon digital healthcare zone plan.",
        "call": {"code": "RFZ-2026-GW", "title": "2026년 강원 디지털헬스케어 규제자유특구 실증사업 참여기업 모집", "budget": 5_000_000_000, "max_grant": 500_000_000, "round": 1},
    },
]

PEOPLE = [
    ("applicant@example.com", "김지원", "applicant"),
    ("colleague@example.com", "이동료", "applicant"),
    ("officer@example.com", "박담당", "officer"),
    ("reviewer@example.com", "최평가", "reviewer"),
    ("admin@example.com", "관리자", "admin"),
]


class Command(BaseCommand):
    help = "Create demo programs, calls and users (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data holds known passwords: it is loaded only with DEBUG=true.")
        with transaction.atomic():
            users = {email: self._person(email, name, role) for email, name, role in PEOPLE}
            self._programs(officer=users["officer@example.com"])
            self._company(owner=users["applicant@example.com"])
        self._print_accounts()

    def _person(self, email: str, name: str, role: str) -> User:
        user, _created = User.objects.get_or_create(email=email, defaults={"name": name})
        user.name = name
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        if role == "reviewer":
            ReviewerProfile.objects.get_or_create(user=user, defaults={"affiliation": "한국생산기술연구원", "expertise": "스마트제조"})
        if role in {"officer", "reviewer", "admin"} and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        return user

    def _programs(self, *, officer: User) -> None:
        now = timezone.now()
        for spec in PROGRAMS:
            call_spec = spec["call"]
            program, _ = Program.objects.update_or_create(
                code=spec["code"], defaults={k: v for k, v in spec.items() if k not in {"code", "call"}}
            )
            ProgramOfficer.objects.get_or_create(program=program, user=officer)
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
            configure_call(call, user=officer, family=FAMILY_OF.get(spec["code"], "smart_factory"))
            open_now(call)

    def _company(self, *, owner: User) -> None:
        company, _ = Company.objects.update_or_create(
            business_number="2148612341",
            defaults={
                "name": "한빛정밀 주식회사",
                "corporate_number": "1101110006240",
                "representative_name": "김한빛",
                "address": "경상남도 창원시 성산구 공단로 100",
                "region": Region.GYEONGNAM,
                "ksic_code": "C29271",
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
        from applications.models import PartnerListEntry

        for partner_list in PartnerList.objects.all():
            PartnerListEntry.objects.get_or_create(partner_list=partner_list, business_number=company.business_number,
                                                   defaults={"company_name": company.name})

    def _print_accounts(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Accounts (password for all: %s):" % DEMO_PASSWORD))
        for email, name, role in PEOPLE:
            self.stdout.write(f"  {role:<10} {email:<24} {name}")
        self.stdout.write(
            "Officer, reviewer and admin sign in with a second factor: add the TOTP secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app."
        )
