"""Scores to a ranking: totals, aggregation (mean or trimmed mean), bonus points, tie-breaks,
and selection within the budget. The arithmetic here is pure; the database work that feeds
it is compute_ranking in reviews/services/selection.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from applications.models import SelectionItem

THREE = Decimal("0.001")


def weighted_total(scores: list[tuple[Decimal, Decimal, Decimal]]) -> Decimal:
    """[(value, max_score, weight)] → the total out of 100 (weights add up to 100)."""
    total = sum((value / maximum * weight for value, maximum, weight in scores), Decimal(0))
    return total.quantize(THREE, rounding=ROUND_HALF_UP)


def aggregate_from_sums(*, n: int, total: Decimal, high: Decimal, low: Decimal, trimmed: bool, trim_min: int) -> Decimal:
    """The mean of the reviewers' totals from the database's count, sum, highest and lowest
    total; with `trimmed`, the highest and the lowest are dropped first when at least
    `trim_min` reviewers scored (최고·최저 점수 제외)."""
    if trimmed and n >= trim_min:
        return ((total - high - low) / (n - 2)).quantize(THREE, rounding=ROUND_HALF_UP)
    return (total / n).quantize(THREE, rounding=ROUND_HALF_UP)


@dataclass
class Candidate:
    application_id: int
    receipt_number: str
    aggregated: Decimal
    bonus: Decimal
    grant: int
    reviews: int
    # Mean per criterion id, for the tie-break and the applicant's breakdown.
    criterion_means: dict[int, Decimal] = field(default_factory=dict)
    rank: int = 0

    @property
    def final(self) -> Decimal:
        return self.aggregated + self.bonus


def rank(candidates: list[Candidate], *, tie_break: list[int]) -> list[Candidate]:
    """Order by final score, then by each tie-break criterion's mean (higher first), then the
    smaller grant (more companies within the budget), then the earlier receipt number.
    Equal on everything up to the grant → equal rank; the receipt only fixes the order."""

    def key(c: Candidate):
        return (-c.final, *(-c.criterion_means.get(cid, Decimal(0)) for cid in tie_break), c.grant)

    ordered = sorted(candidates, key=lambda c: (*key(c), c.receipt_number))
    previous = None
    for position, candidate in enumerate(ordered, start=1):
        candidate.rank = previous.rank if previous is not None and key(previous) == key(candidate) else position
        previous = candidate
    return ordered


def select_within_budget(ranked: list[Candidate], *, budget: int, cutoff: Decimal) -> list[tuple[Candidate, SelectionItem.Decision]]:
    """Down the ranking: below the cut-off is rejected; above it, selected while the remaining
    budget covers the grant, otherwise waitlisted (and the next ones still get their chance)."""
    remaining = budget
    decisions = []
    for candidate in ranked:
        if candidate.final < cutoff:
            decisions.append((candidate, SelectionItem.Decision.REJECTED))
        elif candidate.grant <= remaining:
            remaining -= candidate.grant
            decisions.append((candidate, SelectionItem.Decision.SELECTED))
        else:
            decisions.append((candidate, SelectionItem.Decision.WAITLISTED))
    return decisions
