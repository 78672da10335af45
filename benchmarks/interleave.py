"""Page and baseline measured in alternating short slices.

On a shared machine a baseline measured once can swing 2× between runs; measured right
next to the page, slice after slice (the order flipped every round so neither always runs
second), each round gives one ratio, and the report is the median ratio with its spread
(the quartiles and the extremes) rather than one number that could be luck."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def summary(ratios: list[float], page_s: list[float], baseline_s: list[float]) -> dict:
    low, high = quartiles(ratios)
    return {
        "ratio": statistics.median(ratios), "ratio_p25": low, "ratio_p75": high, "ratio_min": min(ratios), "ratio_max": max(ratios),
        "page_median_s": statistics.median(page_s), "baseline_median_s": statistics.median(baseline_s), "rounds": len(ratios),
    }


def interleaved(page: Callable[[], object], baseline: Callable[[], object], *, rounds: int = 11, per_slice: int = 1,
                clock: Callable[[], float] = time.perf_counter) -> dict:
    """Time `page` and `baseline`, `per_slice` calls each, alternately for `rounds` rounds
    (`clock` is the stopwatch: a test gives one it controls)."""
    page()
    baseline()  # warm both
    ratios, page_s, baseline_s = [], [], []

    def timed(fn) -> float:
        start = clock()
        for _ in range(per_slice):
            fn()
        return (clock() - start) / per_slice

    for n in range(rounds):
        if n % 2:
            p, b = timed(page), timed(baseline)
        else:
            b, p = timed(baseline), timed(page)
        ratios.append(p / b)
        page_s.append(p)
        baseline_s.append(b)
    return summary(ratios, page_s, baseline_s)


def spread(result: dict) -> str:
    """`5.1× (4.8–5.4; 4.5–6.0)`: median, quartiles, extremes."""
    return (f"{result['ratio']:.2f}× (IQR {result['ratio_p25']:.2f}–{result['ratio_p75']:.2f}; "
            f"range {result['ratio_min']:.2f}–{result['ratio_max']:.2f})")
