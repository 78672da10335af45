"""The rules engine: every rule passes and fails for the right reason, in Korean."""

from __future__ import annotations

import datetime

import pytest

from applications import eligibility as e
from applications.models import EligibilityRule
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 29)
ALL_DECLARED_NO = {k: False for k in e.INDEPENDENCE_ITEMS + e.EXCLUSION_ITEMS}


def run(kind, params, company=None, **facts):
    company = company or CompanyFactory.build()
    rule = EligibilityRule(kind=kind, params=params, is_hard=True)
    return e.evaluate_rule(rule, e.Facts(company=company, today=TODAY, **facts))


SME = {"revenue_limits": {"default": 80_000_000_000, "C29": 150_000_000_000}, "assets_limit": 500_000_000_000}


def test_sme_size_passes_with_figures_declarations_and_certificate():
    result = run("sme_size", SME, declarations=ALL_DECLARED_NO, uploaded_kinds=frozenset({"sme_certificate"}))
    assert result.outcome == e.PASS
    assert "한도" in result.message_ko and "limit" in result.message_en
    assert result.inputs["average_revenue"] == 4_500_000_000


def test_sme_size_uses_the_longest_ksic_prefix_and_fails_over_it():
    company = CompanyFactory.build(ksic_code="C29271", revenue_latest=160_000_000_000, revenue_previous=160_000_000_000,
                                   revenue_before_previous=160_000_000_000)
    result = run("sme_size", SME, company=company, declarations=ALL_DECLARED_NO)
    assert result.outcome == e.FAIL
    assert "150,000,000,000원" in result.message_ko


def test_sme_size_fails_on_assets_of_5000_eok():
    company = CompanyFactory.build(total_assets=500_000_000_000)
    assert run("sme_size", SME, company=company, declarations=ALL_DECLARED_NO).outcome == e.FAIL


def test_sme_size_fails_when_the_company_declares_it_is_not_independent():
    result = run("sme_size", SME, declarations=ALL_DECLARED_NO | {"owned_by_large_company": True})
    assert result.outcome == e.FAIL


def test_sme_size_needs_evidence_without_declarations_or_certificate():
    assert run("sme_size", SME).outcome == e.NEEDS_EVIDENCE
    assert run("sme_size", SME, declarations=ALL_DECLARED_NO).outcome == e.NEEDS_EVIDENCE


@pytest.mark.parametrize(("ksic", "outcome"), [("C29271", e.PASS), ("C10", e.PASS), ("G47", e.FAIL), ("C35110", e.FAIL)])
def test_industry_rule(ksic, outcome):
    divisions = e.expand_divisions("C10-C34")
    result = run("industry", {"divisions": divisions}, company=CompanyFactory.build(ksic_code=ksic))
    assert result.outcome == outcome
    if outcome == e.FAIL:
        assert "C10–C34" in result.message_ko


@pytest.mark.parametrize(("region", "outcome"), [("51", e.PASS), ("11", e.FAIL)])
def test_region_rule(region, outcome):
    result = run("region", {"regions": ["51"]}, company=CompanyFactory.build(region=region))
    assert result.outcome == outcome
    assert "강원특별자치도" in result.message_ko


@pytest.mark.parametrize(("founded", "outcome"), [(datetime.date(2019, 11, 30), e.PASS), (datetime.date(2019, 11, 29), e.PASS),
                                                  (datetime.date(2018, 11, 28), e.FAIL)])
def test_years_since_founding_counts_full_years(founded, outcome):
    assert run("max_age", {"years": 7}, company=CompanyFactory.build(founded_on=founded)).outcome == outcome


def test_certification_rule():
    assert run("certification", {"any_of": ["innobiz"]}, company=CompanyFactory.build(certifications=["venture"])).outcome == e.FAIL
    holder = CompanyFactory.build(certifications=["innobiz"])
    assert run("certification", {"any_of": ["innobiz"]}, company=holder).outcome == e.NEEDS_EVIDENCE
    assert run("certification", {"any_of": ["innobiz"]}, company=holder, uploaded_kinds=frozenset({"bonus_evidence"})).outcome == e.PASS


def test_exclusions_rule():
    params = {"items": list(e.EXCLUSION_ITEMS)}
    assert run("exclusions", params).outcome == e.NEEDS_EVIDENCE
    declared_arrears = run("exclusions", params, declarations=ALL_DECLARED_NO | {"tax_arrears": True})
    assert declared_arrears.outcome == e.FAIL and "체납" in declared_arrears.message_ko
    assert run("exclusions", params, declarations=ALL_DECLARED_NO).outcome == e.NEEDS_EVIDENCE  # tax clearance missing
    assert run("exclusions", params, declarations=ALL_DECLARED_NO, uploaded_kinds=frozenset({"tax_clearance"})).outcome == e.PASS


def test_one_application_per_call_rule():
    assert run("one_per_call", {}).outcome == e.PASS
    assert run("one_per_call", {}, other_application_exists=True).outcome == e.FAIL


def test_divisions_are_expanded_and_summarised():
    assert e.expand_divisions("C10-C12, j58") == ["C10", "C11", "C12", "J58"]
    assert e.summarize_divisions(["C10", "C11", "C12", "J58"]) == "C10–C12, J58"
    for bad in ["C10-D12", "C3", "C12-C10", "10-12"]:
        with pytest.raises(ValueError):
            e.expand_divisions(bad)
