"""Generate a scored call and time the ranking against a plain aggregate over the same rows."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import Avg
from django.utils import timezone

from applications.models import Application, Call, FormVersion, Program, State
from portal.identifiers import business_number_check_digit
from portal.models import Company, Region, User
from reviews.models import Assignment, Criterion, Panel, Review, Rubric, Score
from reviews.services.selection import compute_ranking

CRITERIA = [("기술성", 40), ("사업성", 30), ("추진역량", 20), ("파급효과", 10)]


def generate(*, applications: int, reviewers: int, seed: int = 7) -> Call:
    rng = random.Random(seed)
    officer, _ = User.objects.get_or_create(email="bench-officer@example.com")
    program, _ = Program.objects.get_or_create(code="bench", defaults={"name_ko": "벤치마크", "name_en": "Benchmark", "managing_agency": "-"})
    now = timezone.now()
    call = Call.objects.create(program=program, code=f"BENCH-{rng.randrange(10**6)}", title="benchmark", opens_at=now - datetime.timedelta(days=30),
                               closes_at=now - datetime.timedelta(days=1), budget_total=10**13, max_grant=400_000_000, is_published=True)
    form = FormVersion.objects.create(call=call, number=1)
    rubric = Rubric.objects.create(call=call, aggregation=Rubric.Aggregation.TRIMMED, trim_min_reviewers=5)
    criteria = [Criterion.objects.create(rubric=rubric, order=i, name_ko=n, name_en=n, max_score=Decimal(w), weight=Decimal(w))
                for i, (n, w) in enumerate(CRITERIA)]
    rubric.tie_break = [criteria[0].pk]
    rubric.save()
    panel = Panel.objects.create(call=call, name="bench", reviewers_per_application=reviewers, due_at=now + datetime.timedelta(days=7))
    experts = [User.objects.get_or_create(email=f"bench-reviewer{n}@example.com")[0] for n in range(max(reviewers * 4, 20))]
    base = rng.randrange(10**7) * 100
    companies = []
    for n in range(applications):
        nine = f"{(base + n) % 900_000_000 + 100_000_000:09d}"
        companies.append(Company(name=f"벤치기업{n}", business_number=nine + str(business_number_check_digit(nine)), representative_name="-",
                                 address="-", region=rng.choice(Region.values), ksic_code="C29111", founded_on=datetime.date(2015, 1, 1),
                                 employees=10, fiscal_year=2025, revenue_latest=1, revenue_previous=1, revenue_before_previous=1,
                                 total_assets=1, certifications=rng.choice([[], ["venture"]])))
    Company.objects.bulk_create(companies, batch_size=5000)
    apps = Application.objects.bulk_create(
        [Application(call=call, company=c, form_version=form, created_by=officer, state=State.UNDER_REVIEW, receipt_number=f"{call.code}-{i:05d}",
                     grant_requested=rng.randrange(50, 400) * 1_000_000, submitted_at=now) for i, c in enumerate(companies)], batch_size=5000)
    assignments = Assignment.objects.bulk_create(
        [Assignment(panel=panel, application=a, reviewer=r, assigned_by=officer, status=Assignment.Status.SUBMITTED)
         for a in apps for r in rng.sample(experts, reviewers)], batch_size=5000)
    reviews, values = [], []
    for assignment in assignments:
        scores = [Decimal(rng.randint(w // 2, w)) for _n, w in CRITERIA]
        values.append(scores)
        reviews.append(Review(assignment=assignment, status=Review.Status.SUBMITTED, total=sum(scores, Decimal(0)), submitted_at=now))
    reviews = Review.objects.bulk_create(reviews, batch_size=5000)
    Score.objects.bulk_create([Score(review=rv, criterion=c, value=v) for rv, scores in zip(reviews, values) for c, v in zip(criteria, scores)],
                              batch_size=10000)
    return call


def plain_aggregate(call: Call) -> list:
    """The baseline: one grouped average over the same review rows, nothing else."""
    return list(Review.objects.filter(assignment__panel__call=call, status=Review.Status.SUBMITTED)
                .values("assignment__application").annotate(avg=Avg("total")))


def measure(call: Call, *, repeat: int = 11) -> dict:
    """The ranking and the plain aggregate run alternately, `repeat` rounds."""
    from benchmarks.interleave import interleaved

    result = interleaved(lambda: compute_ranking(call), lambda: plain_aggregate(call), rounds=repeat)
    result.update(ranking_median_s=result["page_median_s"], repeat=repeat)
    return result
