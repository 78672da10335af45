"""The parallel run's isolation (tests/parallel.py): each xdist worker its own Redis
databases and var folder, as it has its own test database."""

from __future__ import annotations

import os

from tests import parallel


def test_each_worker_gets_its_own_broker_cache_and_folder(monkeypatch, tmp_path):
    seen = set()
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
        monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path))
        parallel._isolate(worker)
        broker, cache = int(os.environ["REDIS_URL"].rsplit("/", 1)[1]), int(os.environ["REDIS_CACHE_DB"])
        assert cache == broker + 1
        seen |= {broker, cache}
        assert os.environ["PORTAL_VAR_DIR"] == str(tmp_path / worker)
    assert seen == {0, 1, 2, 3, 4, 5}  # six databases, none shared


def test_this_run_uses_what_the_plugin_chose(settings):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # under `make test`
        assert settings.VAR_DIR.name == worker
        if settings.REDIS_URL:
            broker = int(settings.CELERY_BROKER_URL.rsplit("/", 1)[1])
            assert settings.CACHES["default"]["LOCATION"].endswith(f"/{broker + 1}")
