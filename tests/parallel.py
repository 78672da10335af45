"""Parallel test runs (pytest-xdist, `make test` runs `-n`): pytest-django gives each worker
its own test database (test_<name>_gw0, test_<name>_gw1, …); this plugin gives each its own
Redis databases (broker and cache) and its own var folder, so that one worker's
`cache.clear()`, broker purge, Celery worker or files never meet another's.

Loaded with `-p tests.parallel` (pyproject's addopts), which pytest imports before
pytest-django reads the settings; the environment it sets is also what the gunicorn and
Celery subprocesses of a test inherit."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default `databases`


def _isolate(worker: str) -> None:
    index = int(worker.removeprefix("gw"))
    url = os.environ.get("REDIS_URL")
    if url:
        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        broker = (base + 2 * index) % REDIS_DATABASES
        os.environ["REDIS_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{broker}", parts.query, parts.fragment))
        os.environ["REDIS_CACHE_DB"] = str((broker + 1) % REDIS_DATABASES)
    root = Path(os.environ.get("PORTAL_VAR_DIR") or Path(__file__).resolve().parent.parent / "var" / "test")
    os.environ["PORTAL_VAR_DIR"] = str(root / worker)


if os.environ.get("PYTEST_XDIST_WORKER"):
    _isolate(os.environ["PYTEST_XDIST_WORKER"])
