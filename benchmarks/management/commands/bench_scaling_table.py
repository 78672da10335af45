"""One table of how throughput scales with gunicorn workers, from the `bench_http --workers N`
runs that `make bench-scaling` leaves in benchmarks/results/workers-N/."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write benchmarks/results/scaling.md from the workers-N runs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--folder", default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"))

    def handle(self, *args, folder, **options) -> None:
        runs = sorted((json.loads(p.read_text()) for p in Path(folder).glob("workers-*/http.json")),
                      key=lambda run: run["meta"]["gunicorn_workers"])
        if not runs:
            raise CommandError("no workers-N runs found; run `make bench-scaling`")
        names = list(runs[0]["results"])
        first = runs[0]["results"]
        lines = [f"{runs[0]['meta']['machine']}, {runs[0]['meta']['database']}, load from {runs[0]['meta']['load_generator']}, "
                 f"measured {runs[-1]['meta']['measured_at']}.", "",
                 "| endpoint | " + " | ".join(f"{r['meta']['gunicorn_workers']} workers: rps (p95)" for r in runs) + " | speed-up, most vs 1 worker |",
                 "|---|" + "---|" * (len(runs) + 1)]
        for name in names:
            cells = [f"{r['results'][name]['page']['rps']:.1f} ({r['results'][name]['page']['p95_ms']:.0f} ms)" for r in runs]
            base = first[name]["page"]["rps"]
            speedup = runs[-1]["results"][name]["page"]["rps"] / base if base else float("inf")
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {speedup:.2f}× |")
        (Path(folder) / "scaling.md").write_text("\n".join(lines) + "\n")
        self.stdout.write("\n".join(lines))
