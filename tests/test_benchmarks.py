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
    """The order and the arithmetic, on a stopwatch the test controls: a busy machine (the
    suite runs on every core) cannot move the ratios."""
    from benchmarks.interleave import interleaved

    calls, now = [], [0.0]
    lengths = iter([0.02, 0.01] + [0.01, 0.02, 0.03, 0.01, 0.01, 0.04, 0.02, 0.01, 0.01, 0.05])

    def work(name):
        def fn():
            calls.append(name)
            now[0] += next(lengths)
        return fn

    result = interleaved(work("page"), work("baseline"), rounds=5, clock=lambda: now[0])
    # Warm-up, then the baseline first in even rounds and the page first in odd ones.
    assert calls == ["page", "baseline"] + ["baseline", "page", "page", "baseline"] * 2 + ["baseline", "page"]
    # The rounds' ratios: 2, 3, 4, 2, 5 → median 3, quartiles 2 and 4, extremes 2 and 5.
    assert result["rounds"] == 5
    assert [round(result[k], 6) for k in ("ratio", "ratio_p25", "ratio_p75", "ratio_min", "ratio_max")] == [3, 2, 4, 2, 5]
    assert round(result["page_median_s"], 6) == 0.03 and round(result["baseline_median_s"], 6) == 0.01


def test_the_product_has_no_admin_page_for_applications(client, adam):
    """The admin changelist the benchmark sets beside the queue is registered by the benchmark
    app alone: in the product, every change of an application goes through its services."""
    from django.contrib import admin

    from applications.models import Application

    assert not admin.site.is_registered(Application)


@pytest.mark.postgres
def test_the_lock_hold_measurement_times_the_counter_to_the_commit(alice, acme, bob, globex, call):
    from applications.models import Application
    from benchmarks import lock_hold
    from tests.conftest import make_complete_draft

    drafts = [make_complete_draft(alice, acme, call).pk]
    hold = lock_hold.measure(user=alice, application_ids=drafts)
    assert hold["submissions"] == 1 and 0 < hold["median_ms"] < 1000
    assert hold["ceiling_per_call_per_s"] == pytest.approx(1000 / hold["median_ms"])
    assert Application.objects.get(pk=drafts[0]).receipt_number == f"{call.code}-00001"


@pytest.mark.postgres
def test_the_http_benchmark_runs_end_to_end_with_interleaved_slices(tmp_path, settings):
    """A small run of `make bench-http`: gunicorn under benchmarks.settings, wrk, every endpoint
    against its baseline (the queue also against the admin changelist), the lock hold."""
    import json

    from benchmarks.management.commands import bench_http

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command(bench_http.Command(), applications=40, rounds=2, slice_seconds=1, drafts=400, uploads=2, workers=1, connections=2,
                 lock_samples=5, output=str(tmp_path), stdout=out)
    report = json.loads((tmp_path / "http.json").read_text())
    assert set(report["results"]) == {"public call list", "applicant dashboard", "officer queue (40 applications)",
                                      "officer queue vs Django admin changelist (40 applications)", "submission", "document upload (5 MB)"}
    for name, result in report["results"].items():
        assert result["rounds"] == 2 and len(result["slices"]) == 2, name
        assert result["page"]["requests"] > 0 and result["page"]["errors"] == 0, (name, result["page"])
        assert result["ratio_min"] <= result["ratio"] <= result["ratio_max"]
    assert report["lock_hold"]["submissions"] == 5
    assert not out.getvalue().count("ran out of drafts")
    table = (tmp_path / "http.md").read_text()
    assert "| officer queue vs Django admin changelist (40 applications) |" in table and "Django admin changelist |" in table
    assert "Submission lock hold" in table
