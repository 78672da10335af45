"""Start the portal under gunicorn against the current database, for load tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@contextlib.contextmanager
def gunicorn(*, workers: int = 4, threads: int = 4, media_root: str | None = None, extra_env: dict | None = None):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": media_root or str(settings.MEDIA_ROOT),
        "PORTAL_VAR_DIR": str(settings.VAR_DIR),
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
        **(extra_env or {}),
    }
    # The server's log goes to a file, never to a pipe nobody reads: a pipe that fills up
    # would stop every worker at its next log line.
    log = tempfile.NamedTemporaryFile(prefix="portal-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except Exception:
                if process.poll() is not None:
                    raise RuntimeError(Path(log.name).read_text(errors="replace")[-2000:])
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        tail = Path(log.name).read_text(errors="replace")[-3000:]
        if tail.strip():
            print(f"gunicorn's log ({log.name}), last lines:\n{tail}", file=sys.stderr)
        log.close()
        os.unlink(log.name)
