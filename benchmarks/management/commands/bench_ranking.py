"""Rank a generated call (default 10,000 applications × 5 reviewers) and report the time as
a ratio to a plain aggregate over the same rows, measured in the same run. The data is
generated inside a transaction that is rolled back."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from benchmarks.interleave import spread
from benchmarks.ranking import generate, measure
from benchmarks.rollback import rolled_back


class Command(BaseCommand):
    help = "Benchmark the ranking of a call against a plain aggregate (ratio)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--applications", type=int, default=10_000)
        parser.add_argument("--reviewers", type=int, default=5)
        parser.add_argument("--repeat", type=int, default=11, help="interleaved rounds")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"))
        parser.add_argument("--no-write", action="store_true")

    def handle(self, *args, applications: int, reviewers: int, repeat: int, output: str, no_write: bool, **options) -> None:
        result = rolled_back(lambda: measure(generate(applications=applications, reviewers=reviewers), repeat=repeat))
        result.update(applications=applications, reviews=applications * reviewers, database=connection.vendor,
                      machine=f"{platform.machine()} {platform.processor() or ''} {platform.system()}".strip(),
                      measured_at=timezone.now().isoformat(timespec="seconds"))
        line = (f"ranking {applications:,} applications × {reviewers} reviewers on {connection.vendor}: "
                f"{result['ranking_median_s']:.3f}s, {spread(result)} a plain aggregate ({result['baseline_median_s']:.3f}s), "
                f"{result['rounds']} interleaved rounds")
        self.stdout.write(line)
        if not no_write:
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "ranking.json").write_text(json.dumps(result, indent=2) + "\n")
            (folder / "ranking.md").write_text(
                "| benchmark | rows | database | median | baseline (plain aggregate) | ratio: median (quartiles; extremes) | rounds |\n"
                "|---|---|---|---|---|---|---|\n"
                f"| rank a call | {applications:,} applications × {reviewers} reviews | {connection.vendor} | "
                f"{result['ranking_median_s']:.3f} s | {result['baseline_median_s']:.3f} s | {spread(result)} | {result['rounds']} |\n"
            )
