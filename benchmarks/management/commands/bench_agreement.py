"""Time the agreement PDF against a one-page WeasyPrint document (ratio, same run)."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from benchmarks.agreement import measure, sample_agreement
from benchmarks.interleave import spread
from benchmarks.rollback import rolled_back


class Command(BaseCommand):
    help = "Benchmark the agreement PDF against a one-page document."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=11, help="interleaved rounds")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"))
        parser.add_argument("--no-write", action="store_true")

    def handle(self, *args, repeat: int, output: str, no_write: bool, **options) -> None:
        result = rolled_back(lambda: measure(sample_agreement(), repeat=repeat))
        result.update(machine=f"{platform.machine()} {platform.system()}", measured_at=timezone.now().isoformat(timespec="seconds"))
        self.stdout.write(f"agreement PDF: {result['agreement_median_s']:.3f}s, {spread(result)} a one-page document "
                          f"({result['baseline_median_s']:.3f}s), {result['rounds']} interleaved rounds")
        if not no_write:
            folder = Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "agreement.json").write_text(json.dumps(result, indent=2) + "\n")
            (folder / "agreement.md").write_text(
                "| benchmark | median | baseline (one-page WeasyPrint document) | ratio: median (quartiles; extremes) | rounds |\n"
                "|---|---|---|---|---|\n"
                f"| agreement PDF (3 pages, Korean) | {result['agreement_median_s']:.3f} s | {result['baseline_median_s']:.3f} s | "
                f"{spread(result)} | {result['rounds']} |\n"
            )
