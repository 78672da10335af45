"""Budget arithmetic: hand-computed examples and Hypothesis over amounts and ratios."""

from __future__ import annotations

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
