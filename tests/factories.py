from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from portal.identifiers import business_number_check_digit


def _business_number(n: int) -> str:
    """A distinct, structurally possible number per n: office 101–899, kind 81, serial 0001–9999."""
    first_nine = f"{101 + n % 799:03d}81{1 + (n // 799) % 9999:04d}"
    return first_nine + str(business_number_check_digit(first_nine))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portal.User"
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"사용자{n}")
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portal.Company"

    name = factory.Sequence(lambda n: f"테스트기업{n}")
    business_number = factory.Sequence(lambda n: _business_number(n + 1))
    representative_name = "홍길동"
    address = "경상남도 창원시 성산구 공단로 1"
    region = "48"
    ksic_code = "C29271"
    founded_on = datetime.date(2015, 3, 1)
    employees = 30
    fiscal_year = 2025
    revenue_latest = 5_000_000_000
    revenue_previous = 4_500_000_000
    revenue_before_previous = 4_000_000_000
    total_assets = 3_000_000_000
    certifications = factory.LazyFunction(lambda: ["venture"])


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "applications.Program"

    code = factory.Sequence(lambda n: f"program-{n}")
    name_ko = factory.Sequence(lambda n: f"스마트공장 구축 {n}")
    name_en = factory.Sequence(lambda n: f"Smart factory {n}")
    family = "smart_factory"  # as its name says; a program has no family by default
    managing_agency = "스마트제조혁신추진단"
    agency_address = "서울특별시 구로구 디지털로 100"
    agency_head_title = "단장"
    agency_head_name = "김단장"


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "applications.Call"

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"SF-2026-{n}")
    title = factory.Sequence(lambda n: f"2026년 스마트공장 지원사업 {n}차 공고")
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))
    budget_total = 10_000_000_000
    max_grant = 400_000_000
    is_published = True
