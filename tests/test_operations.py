"""Running on several machines: health checks, structured logs, shared storage settings."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from portal.logging import JsonFormatter
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_web_health_check_reports_database_and_cache(client):
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_worker_health_check_fails_without_a_recent_heartbeat(client):
    cache.delete("portal:worker-heartbeat")
    assert client.get("/healthz/worker").status_code == 503


@pytest.mark.django_db(transaction=True)
def test_worker_health_check_passes_once_a_worker_ran_the_heartbeat(client, celery_worker):
    from portal.tasks import heartbeat

    cache.delete("portal:worker-heartbeat")
    heartbeat.delay()
    assert wait_until(lambda: client.get("/healthz/worker").status_code == 200)


def test_json_logs_are_one_object_a_line_with_korean_kept():
    record = logging.makeLogRecord({"name": "applications", "levelname": "WARNING", "msg": "접수 %s", "args": ("SF-1",), "receipt": "SF-1"})
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "접수 SF-1" and entry["level"] == "WARNING" and entry["extra"]["receipt"] == "SF-1"
    assert "\n" not in line


def test_media_on_s3_compatible_storage_when_configured(tmp_path):
    env = {**os.environ, "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "portal-media", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
           "PORTAL_VAR_DIR": str(tmp_path)}
    code = "from django.core.files.storage import default_storage as s; s._setup(); print(type(s._wrapped).__name__, s._wrapped.bucket_name)"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "S3Storage portal-media" in result.stdout
