"""The ranking's criterion means and outliers computed in SQL give exactly what the earlier
Python code gave, on the benchmark's data set with outliers added."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Avg

from benchmarks.ranking import generate
from reviews.models import Review
from reviews.services.selection import _stray, compute_ranking, criterion_means

pytestmark = pytest.mark.django_db


def reference_means(call) -> dict:
    """The code the SQL replaced (AVG per criterion through the reviews, NOT EXISTS and all)."""
    reviews = Review.objects.filter(status=Review.Status.SUBMITTED, assignment__panel__call=call, assignment__status="submitted")
    means: dict = defaultdict(dict)
    for row in (reviews.values("assignment__application", "scores__criterion").annotate(avg=Avg("scores__value"))
                .exclude(scores__criterion__isnull=True)):
        means[row["assignment__application"]][row["scores__criterion"]] = Decimal(str(row["avg"])).quantize(Decimal("0.001"))
    return means


def reference_stray(call, stray_points) -> list:
    reviews = Review.objects.filter(status=Review.Status.SUBMITTED, assignment__panel__call=call, assignment__status="submitted")
    totals = defaultdict(list)
    for application_id, reviewer_id, total in reviews.values_list("assignment__application", "assignment__reviewer", "total"):
        totals[application_id].append((reviewer_id, total))
    flagged = []
    for application_id, rows in totals.items():
        if len(rows) < 2:
            continue
        mean = sum((t for _r, t in rows), Decimal(0)) / len(rows)
        flagged += [(application_id, r, t, mean.quantize(Decimal("0.001"))) for r, t in rows if abs(t - mean) > stray_points]
    return sorted(flagged)


def test_sql_means_and_outliers_equal_the_reference_on_the_benchmark_set():
    call = generate(applications=1500, reviewers=5, seed=3)
    # Outliers, including one exactly at the threshold (not flagged) and one just past it.
    reviews = list(Review.objects.filter(assignment__panel__call=call).order_by("pk")[:40])
    for n, review in enumerate(reviews):
        review.total = Decimal(100 if n % 3 == 0 else 20) + Decimal(n % 2) / 10
    Review.objects.bulk_update(reviews, ["total"])
    rubric = call.rubric
    means = criterion_means(call)
    assert means == reference_means(call)
    assert len(means) == 1500 and all(len(by_criterion) == 4 for by_criterion in means.values())
    for points in (Decimal("5"), Decimal("20"), Decimal("30.5")):
        rubric.stray_points = points
        assert sorted(_stray(Review.objects.filter(assignment__panel__call=call, status=Review.Status.SUBMITTED,
                                                   assignment__status="submitted"), rubric)) == reference_stray(call, points)
    assert reference_stray(call, Decimal("20")) != []


def test_the_ranking_orders_the_benchmark_set_the_same_way():
    call = generate(applications=400, reviewers=5, seed=5)
    ranking = compute_ranking(call)
    reference = reference_means(call)
    assert [c.criterion_means for c in ranking.candidates] == [reference[c.application_id] for c in ranking.candidates]
    assert len(ranking.candidates) == 400 and ranking.unscored == []
