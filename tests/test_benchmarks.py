"""The benchmark commands run (on a small data set here; the full ones write benchmarks/results)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from benchmarks.management.commands import bench_agreement, bench_ranking
from reviews.models import Review

pytestmark = pytest.mark.django_db(transaction=True)


def test_ranking_benchmark_reports_a_ratio_and_leaves_no_data():
    out = io.StringIO()
    call_command(bench_ranking.Command(), applications=60, reviewers=5, repeat=1, no_write=True, stdout=out)
    assert "× a plain aggregate" in out.getvalue()
    assert not Review.objects.exists()


def test_agreement_benchmark_reports_a_ratio_and_leaves_no_data():
    from applications.models import Agreement

    out = io.StringIO()
    call_command(bench_agreement.Command(), repeat=1, no_write=True, stdout=out)
    assert "× a one-page document" in out.getvalue()
    assert not Agreement.objects.exists()


def test_the_product_mounts_no_benchmark_code_and_the_benchmark_settings_do():
    from django.conf import settings
    from django.urls import Resolver404, resolve

    assert "benchmarks" not in settings.INSTALLED_APPS
    with pytest.raises(Resolver404):
        resolve("/bench/bare")
    assert resolve("/bench/bare", urlconf="benchmarks.urls").func.__name__ == "bare"
    assert resolve("/calls/", urlconf="benchmarks.urls").url_name == resolve("/calls/").url_name
