"""Budget arithmetic: hand-computed examples and Hypothesis over amounts and ratios."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from applications.budget import BudgetRules, compute_budget

SMART_FACTORY = BudgetRules(max_grant=200_000_000, max_grant_share_bp=5_000, min_cash_share_bp=5_000)


def test_a_valid_budget_is_split_on_the_server():
    budget = compute_budget(rules=SMART_FACTORY, grant=150_000_000,
                            line_amounts=[(200_000_000, False), (80_000_000, False), (20_000_000, True)])
    assert (budget.total, budget.grant, budget.company_share, budget.in_kind, budget.cash) == (
        300_000_000, 150_000_000, 150_000_000, 20_000_000, 130_000_000)
    assert budget.is_valid


def test_grant_over_the_cap_says_by_how_much():
    budget = compute_budget(rules=SMART_FACTORY, grant=250_000_000, line_amounts=[(600_000_000, False)])
    assert any("200,000,000원" in m and "50,000,000원" in m for m in budget.errors), budget.errors


def test_grant_over_the_share_of_total_says_by_how_much():
    budget = compute_budget(rules=SMART_FACTORY, grant=120_000_000, line_amounts=[(200_000_000, False)])
    assert any("50%" in m and "20,000,000원" in m for m in budget.errors), budget.errors


def test_too_little_cash_says_how_much_is_missing():
    budget = compute_budget(rules=SMART_FACTORY, grant=100_000_000, line_amounts=[(100_000_000, False), (100_000_000, True)])
    # company share 100,000,000; cash 0; at least 50,000,000 must be cash
    assert any("50,000,000원" in m for m in budget.errors), budget.errors


def test_an_empty_budget_is_refused():
    assert not compute_budget(rules=SMART_FACTORY, grant=0, line_amounts=[]).is_valid


amounts = st.integers(min_value=1, max_value=10**12)
bps = st.integers(min_value=0, max_value=10_000)


@given(
    lines=st.lists(st.tuples(amounts, st.booleans()), min_size=1, max_size=12),
    grant=st.integers(min_value=0, max_value=10**13),
    cap=st.integers(min_value=0, max_value=10**12),
    share=bps,
    cash_share=bps,
)
def test_budget_invariants(lines, grant, cap, share, cash_share):
    rules = BudgetRules(max_grant=cap, max_grant_share_bp=share, min_cash_share_bp=cash_share)
    budget = compute_budget(rules=rules, line_amounts=lines, grant=grant)
    total = sum(a for a, _ in lines)
    assert budget.total == total
    assert budget.company_share == total - grant
    assert budget.cash + budget.in_kind == budget.company_share
    within_cap = grant <= cap and grant * 10_000 <= total * share
    enough_cash = budget.cash >= 0 and budget.cash * 10_000 >= max(budget.company_share, 0) * cash_share
    assert budget.is_valid == (within_cap and enough_cash)
    # The largest grant the page offers is itself always acceptable to the caps.
    assert budget.max_grant_allowed <= cap and budget.max_grant_allowed * 10_000 <= total * share


# --- Three-party funding (상생형 스마트공장, 자상한 기업: government ≤30%, partner ≥30%) ---------

WIN_WIN = BudgetRules(max_grant=50_000_000, max_grant_share_bp=3_000, min_cash_share_bp=0, min_partner_share_bp=3_000,
                      max_company_share_bp=4_000)


def test_three_parties_share_the_cost():
    budget = compute_budget(rules=WIN_WIN, grant=30_000_000, partner=30_000_000, line_amounts=[(90_000_000, False), (10_000_000, True)])
    assert (budget.total, budget.grant, budget.partner, budget.company_share, budget.cash, budget.in_kind) == (
        100_000_000, 30_000_000, 30_000_000, 40_000_000, 30_000_000, 10_000_000)
    assert budget.min_partner_required == 30_000_000
    assert budget.is_valid, budget.errors


def test_a_partner_share_below_its_minimum_says_how_much_is_missing():
    budget = compute_budget(rules=WIN_WIN, grant=30_000_000, partner=25_000_000, line_amounts=[(100_000_000, False)])
    assert budget.errors == ["협력 기업 부담금 25,000,000원은 총사업비의 30%(30,000,000원) 이상이어야 합니다. 5,000,000원 부족합니다.",
                             "기업 자체 부담금 45,000,000원은 총사업비의 40%(40,000,000원) 이하여야 합니다. 5,000,000원 많습니다."]


def test_the_company_pays_at_most_its_share_and_the_partner_makes_up_a_smaller_grant():
    budget = compute_budget(rules=WIN_WIN, grant=20_000_000, partner=30_000_000, line_amounts=[(100_000_000, False)])
    assert budget.errors == ["기업 자체 부담금 50,000,000원은 총사업비의 40%(40,000,000원) 이하여야 합니다. 10,000,000원 많습니다."]
    assert compute_budget(rules=WIN_WIN, grant=20_000_000, partner=40_000_000, line_amounts=[(100_000_000, False)]).is_valid


def test_a_partner_share_in_a_call_without_one_is_refused():
    budget = compute_budget(rules=BudgetRules(max_grant=200_000_000, max_grant_share_bp=5_000, min_cash_share_bp=5_000),
                            grant=100_000_000, partner=10_000_000, line_amounts=[(300_000_000, False)])
    assert "이 공고에는 협력 기업 부담금이 없습니다. 0으로 두세요." in budget.errors


def test_grant_and_partner_over_the_total_say_by_how_much():
    budget = compute_budget(rules=WIN_WIN, grant=30_000_000, partner=80_000_000, line_amounts=[(100_000_000, False)])
    assert "정부지원금, 협력 기업 부담금과 현물 항목의 합이 총사업비보다 10,000,000원 많습니다." in budget.errors


@given(total=st.integers(1, 10**10), grant_bp=st.integers(0, 10_000), partner_bp=st.integers(0, 10_000))
def test_the_three_shares_always_add_up_to_the_total(total, grant_bp, partner_bp):
    grant, partner = total * grant_bp // 10_000, total * partner_bp // 10_000
    budget = compute_budget(rules=WIN_WIN, grant=grant, partner=partner, line_amounts=[(total, False)])
    assert budget.grant + budget.partner + budget.company_share == budget.total
    assert (partner >= budget.min_partner_required) == (not any("협력 기업 부담금" in e and "부족" in e for e in budget.errors))
    assert (budget.company_share <= total * 4_000 // 10_000) == (not any("기업 자체 부담금" in e for e in budget.errors))


def test_the_budget_preview_recomputes_totals_and_limits_without_saving(client, alice, draft):
    """What static/js/budget-live.js shows as the applicant types: the server's arithmetic on
    the lines as typed, and nothing stored."""
    from applications.models import BudgetLine
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    data = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
            "lines-0-category": "equipment", "lines-0-description": "설비", "lines-0-amount": "200,000,000",
            "lines-1-category": "consulting", "lines-1-description": "자체 인력", "lines-1-amount": "20000000", "lines-1-is_in_kind": "on",
            "grant_requested": "150,000,000"}
    html = client.post(f"/applications/{draft.pk}/budget/preview/", data).content.decode()
    assert "<dt>총사업비</dt><dd>220,000,000원</dd>" in html and "<dt>정부지원금</dt><dd>150,000,000원</dd>" in html
    assert "그중 현물" in html and "20,000,000원" in html
    assert "사업비가 아직 공고 기준에 맞지 않습니다" in html and "110,000,000" in html  # 50% of 220,000,000 is the cap
    assert not BudgetLine.objects.filter(application=draft).exists()
    unreadable = client.post(f"/applications/{draft.pk}/budget/preview/", data | {"lines-0-amount": "많이"}).content.decode()
    assert "아직 읽을 수 없는 줄이 있습니다" in unreadable


def test_an_empty_budget_step_shows_no_error_box_before_anything_is_typed(client, alice, draft):
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get(f"/applications/{draft.pk}/edit/budget/").content.decode()
    assert "사업비가 아직 공고 기준에 맞지 않습니다" not in html and 'id="budget-live"' in html


@pytest.mark.django_db
def test_random_input_to_the_budget_preview(client, alice, draft):
    """Whatever the script sends while the applicant types, the answer is a fragment, never an error."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    text = st.one_of(st.text(max_size=30), st.integers(min_value=-10**20, max_value=10**20).map(str), st.just(""))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(total=st.sampled_from(["0", "1", "3", "-1", "x", "1001"]), amount=text, grant=text, in_kind=st.booleans(), category=text)
    def post(total, amount, grant, in_kind, category):
        data = {"lines-TOTAL_FORMS": total, "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
                "lines-0-category": category, "lines-0-description": "항목", "lines-0-amount": amount, "grant_requested": grant}
        if in_kind:
            data["lines-0-is_in_kind"] = "on"
        response = client.post(f"/applications/{draft.pk}/budget/preview/", data)
        assert response.status_code == 200

    post()


def test_a_budget_all_in_kind_shows_no_negative_cash_but_by_how_much_in_kind_passes_the_company_share(client, alice, draft):
    """Every line in kind: the company's 180,000,000 share cannot hold 360,000,000 in kind. The
    totals say there is no cash and why, and the error says what to change; never -180,000,000원."""
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    data = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
            "lines-0-category": "equipment", "lines-0-description": "자체 설비", "lines-0-amount": "300,000,000", "lines-0-is_in_kind": "on",
            "lines-1-category": "consulting", "lines-1-description": "자체 인력", "lines-1-amount": "60,000,000", "lines-1-is_in_kind": "on",
            "grant_requested": "180,000,000"}
    html = client.post(f"/applications/{draft.pk}/budget/preview/", data).content.decode()
    assert "<dt>기업부담금</dt><dd>180,000,000원</dd>" in html
    assert "<dt>그중 현금</dt><dd>없음: 현물 부담 항목이 기업부담금보다 180,000,000원 많습니다</dd>" in html
    assert "정부지원금과 현물 부담 항목의 합이 총사업비를 180,000,000원 초과합니다." in html
    assert not re.search(r"-[\d,]+원", html)


@given(lines=st.lists(st.tuples(amounts, st.booleans()), min_size=1, max_size=6), grant=st.integers(0, 10**13),
       partner=st.integers(0, 10**12))
def test_the_totals_never_show_a_negative_share(lines, grant, partner):
    from django.template.loader import render_to_string
    from django.utils import translation

    budget = compute_budget(rules=WIN_WIN, line_amounts=lines, grant=grant, partner=partner)
    with translation.override("ko"):
        html = render_to_string("applications/includes/budget_totals.html", {"budget": budget, "partner": True})
    assert not re.search(r"-[\d,]+원", html), html
