"""Aggregation, tie-breaks and selection within the budget: hand-computed examples and
Hypothesis."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from applications.models import SelectionItem
from reviews.ranking import Candidate, aggregate_from_sums, rank, select_within_budget, weighted_total

Decision = SelectionItem.Decision


def aggregate(totals, *, trimmed, trim_min):
    """The reviewers' totals as the database hands them to the ranking: count, sum, highest, lowest."""
    return aggregate_from_sums(n=len(totals), total=sum(totals, D(0)), high=max(totals), low=min(totals),
                               trimmed=trimmed, trim_min=trim_min)

def test_weighted_total_scales_each_criterion_to_its_weight():
    # 기술성 32/40 ×40, 사업성 20/25 ×30, 추진역량 9/10 ×20, 파급효과 4/5 ×10
    assert weighted_total([(D(32), D(40), D(40)), (D(20), D(25), D(30)), (D(9), D(10), D(20)), (D(4), D(5), D(10))]) == D("82.000")


def test_plain_mean_of_five_totals():
    assert aggregate([D(90), D(80), D(70), D(60), D(100)], trimmed=False, trim_min=5) == D("80.000")


def test_trimmed_mean_drops_the_highest_and_the_lowest():
    # 100 and 50 dropped: (80 + 75 + 70) / 3 = 75
    assert aggregate([D(80), D(100), D(75), D(50), D(70)], trimmed=True, trim_min=5) == D("75.000")


def test_trimmed_mean_falls_back_to_the_mean_below_the_minimum_number_of_reviewers():
    # Four reviewers, minimum five: a plain mean of all four.
    assert aggregate([D(80), D(100), D(75), D(50)], trimmed=True, trim_min=5) == D("76.250")


def _c(receipt, final, grant=100, means=None, bonus=D(0)):
    return Candidate(application_id=int(receipt[-2:]), receipt_number=receipt, aggregated=D(final) - bonus, bonus=bonus,
                     grant=grant, reviews=5, criterion_means=means or {})


def test_ties_are_broken_by_the_written_order_then_the_smaller_grant():
    tech, business = 1, 2
    a = _c("SF-01", "80", means={tech: D(30), business: D(20)})
    b = _c("SF-02", "80", means={tech: D(32), business: D(18)})
    c = _c("SF-03", "80", means={tech: D(32), business: D(19)})
    d = _c("SF-04", "80", grant=50, means={tech: D(32), business: D(19)})
    e = _c("SF-05", "85")
    ordered = rank([a, b, c, d, e], tie_break=[tech, business])
    assert [x.receipt_number for x in ordered] == ["SF-05", "SF-04", "SF-03", "SF-02", "SF-01"]
    assert [x.rank for x in ordered] == [1, 2, 3, 4, 5]


def test_exactly_equal_applications_share_a_rank():
    ordered = rank([_c("SF-01", "80"), _c("SF-02", "80"), _c("SF-03", "70")], tie_break=[])
    assert [x.rank for x in ordered] == [1, 1, 3]


def test_bonus_points_count_after_averaging():
    ordered = rank([_c("SF-01", "82"), _c("SF-02", "83", bonus=D(3))], tie_break=[])
    assert ordered[0].receipt_number == "SF-02" and ordered[0].final == D(83)


def test_selection_goes_down_the_ranking_skipping_what_does_not_fit():
    ranked = rank([_c("SF-01", "90", 60), _c("SF-02", "85", 50), _c("SF-03", "80", 30), _c("SF-04", "60", 10)], tie_break=[])
    decisions = {c.receipt_number: d for c, d in select_within_budget(ranked, budget=100, cutoff=D(70))}
    assert decisions == {"SF-01": Decision.SELECTED, "SF-02": Decision.WAITLISTED, "SF-03": Decision.SELECTED, "SF-04": Decision.REJECTED}


candidates = st.lists(
    st.tuples(st.decimals(min_value=0, max_value=105, places=3), st.integers(min_value=1, max_value=500)),
    min_size=0, max_size=40,
)


@given(candidates, st.integers(min_value=0, max_value=3000), st.decimals(min_value=0, max_value=100, places=2))
def test_selection_never_exceeds_the_budget_and_skips_only_what_would_not_fit(rows, budget, cutoff):
    ranked = rank([_c(f"SF-{i:02d}", final, grant) for i, (final, grant) in enumerate(rows)], tie_break=[])
    decisions = select_within_budget(ranked, budget=budget, cutoff=cutoff)
    selected_total = sum(c.grant for c, d in decisions if d == Decision.SELECTED)
    assert selected_total <= budget
    remaining = budget - selected_total
    for candidate, decision in decisions:
        if decision == Decision.REJECTED:
            assert candidate.final < cutoff
        else:
            assert candidate.final >= cutoff
        if decision == Decision.WAITLISTED:
            # It was skipped because it did not fit, and nothing freed room later.
            assert candidate.grant > remaining
