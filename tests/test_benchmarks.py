"""The benchmark commands run (on a small data set here; the full ones write benchmarks/results)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from benchmarks.management.commands import bench_agreement, bench_ranking
from reviews.models import Review

pytestmark = pytest.mark.django_db(transaction=True)


def test_ranking_benchmark_reports_a_ratio_and_leaves_no_data():
    out = io.StringIO()
    call_command(bench_ranking.Command(), applications=60, reviewers=5, repeat=3, no_write=True, stdout=out)
    assert re.search(r"\d\.\d\d× \(IQR \d+\.\d\d–\d+\.\d\d; range \d+\.\d\d–\d+\.\d\d\) a plain aggregate .*, 3 interleaved rounds",
                     out.getvalue()), out.getvalue()
    assert not Review.objects.exists()


def test_agreement_benchmark_reports_a_ratio_and_leaves_no_data():
    from applications.models import Agreement

    out = io.StringIO()
    call_command(bench_agreement.Command(), repeat=3, no_write=True, stdout=out)
    assert re.search(r"× \(IQR .*\) a one-page document .*3 interleaved rounds", out.getvalue()), out.getvalue()
    assert not Agreement.objects.exists()


def test_the_product_mounts_no_benchmark_code_and_the_benchmark_settings_do():
    from django.conf import settings
    from django.urls import Resolver404, resolve

    assert "benchmarks" not in settings.INSTALLED_APPS
    with pytest.raises(Resolver404):
        resolve("/bench/bare")
    assert resolve("/bench/bare", urlconf="benchmarks.urls").func.__name__ == "bare"
    assert resolve("/calls/", urlconf="benchmarks.urls").url_name == resolve("/calls/").url_name


def test_interleaved_slices_alternate_and_report_the_median_ratio_with_its_spread():
    import time

    from benchmarks.interleave import interleaved

    calls = []

    def work(name, seconds):
        def fn():
            calls.append(name)
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:  # busy work of a known length, not a sleep
                pass
        return fn

    result = interleaved(work("page", 0.004), work("baseline", 0.002), rounds=5)
    # Warm-up, then the baseline first in even rounds and the page first in odd ones.
    assert calls == ["page", "baseline"] + ["baseline", "page", "page", "baseline"] * 2 + ["baseline", "page"]
    assert result["rounds"] == 5 and result["ratio_min"] <= result["ratio_p25"] <= result["ratio"] <= result["ratio_p75"] <= result["ratio_max"]
    assert 1.5 < result["ratio"] < 3
