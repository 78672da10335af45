"""The benchmark commands run (on a small data set here; the full ones write benchmarks/results)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reviews.models import Review

pytestmark = pytest.mark.django_db(transaction=True)


def test_ranking_benchmark_reports_a_ratio_and_leaves_no_data():
    out = io.StringIO()
    call_command("bench_ranking", applications=60, reviewers=5, repeat=1, no_write=True, stdout=out)
    assert "× a plain aggregate" in out.getvalue()
    assert not Review.objects.exists()


def test_agreement_benchmark_reports_a_ratio_and_leaves_no_data():
    from applications.models import Agreement

    out = io.StringIO()
    call_command("bench_agreement", repeat=1, no_write=True, stdout=out)
    assert "× a one-page document" in out.getvalue()
    assert not Agreement.objects.exists()
