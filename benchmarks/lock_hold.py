"""How long a submission holds its call's row (the receipt counter): from just before the
counter's UPDATE … RETURNING to the end of the commit, for submissions made one after
another in this process. One call takes at most 1 / hold submissions a second, whatever the
number of web machines."""

from __future__ import annotations

import statistics
import time
from unittest import mock

from django.db import transaction
from django.utils import timezone

from applications.lifecycle import submission


def measure(*, user, application_ids: list[int]) -> dict:
    holds: list[float] = []
    writes: list[float] = []
    take, submit = submission.take_receipt_number, submission._submit
    started: list[float] = []

    def timed_counter(call):
        started.append(time.perf_counter())
        seq = take(call)
        # Runs right after COMMIT, before the callbacks registered later (the e-mail's).
        transaction.on_commit(lambda: holds.append(time.perf_counter() - started[-1]))
        return seq

    def timed_submit(*args, **kwargs):
        application = submit(*args, **kwargs)
        writes.append(time.perf_counter() - started[-1])  # the statements under the lock, before COMMIT
        return application

    with mock.patch.object(submission, "take_receipt_number", timed_counter), mock.patch.object(submission, "_submit", timed_submit):
        for pk in application_ids:
            submission.application_submit(user=user, application_id=pk, now=timezone.now())
    holds_ms = sorted(h * 1000 for h in holds)
    median = statistics.median(holds_ms)
    return {
        "submissions": len(holds_ms), "median_ms": median, "p25_ms": _at(holds_ms, 0.25), "p75_ms": _at(holds_ms, 0.75),
        "p95_ms": _at(holds_ms, 0.95), "max_ms": holds_ms[-1], "ceiling_per_call_per_s": 1000 / median,
        # Of the hold: the counter and the four writes, and the rest — the COMMIT with its WAL flush.
        "statements_median_ms": statistics.median(w * 1000 for w in writes),
        "commit_median_ms": statistics.median((h - w) * 1000 for h, w in zip(holds, writes)),
    }


def _at(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]
