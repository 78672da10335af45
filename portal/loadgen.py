"""A small, bounded load generator (threads with keep-alive connections) for loopback only."""

from __future__ import annotations

import http.client
import queue
import statistics
import threading
import time
from urllib.parse import urlsplit


def run(base: str, requests_source, *, seconds: float = 6.0, threads: int = 8, max_requests: int = 5000) -> dict:
    """`requests_source()` returns (method, path, headers, body) or None when exhausted."""
    host = urlsplit(base)
    assert host.hostname in ("127.0.0.1", "localhost"), "load is only ever sent to this machine"
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    budget = queue.Queue()
    for _ in range(max_requests):
        budget.put(1)
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        while time.monotonic() < deadline:
            try:
                budget.get_nowait()
            except queue.Empty:
                return
            item = requests_source()
            if item is None:
                return
            method, path, headers, body = item
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1
        connection.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall if wall else 0.0,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95_ms": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000 if latencies else 0.0,
    }
