"""Load from wrk (Debian's package) on loopback: a Lua script feeds it the requests, and its
own `done` hook reports requests, errors and latency percentiles as one JSON line."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import CommandError

SCRIPT = r"""
local spec = {%(spec)s}
local unique = %(unique)s
local threads_total = %(threads)d
local bodies = {}
local sent = 0
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  for _, r in ipairs(spec) do
    if r.body_file and not bodies[r.body_file] then
      local f = assert(io.open(r.body_file, "rb"))
      bodies[r.body_file] = f:read("*a")
      f:close()
    end
  end
end

function request()
  local i
  if unique then
    -- thread k sends requests k+1, k+1+T, k+1+2T, ...: each request at most once.
    i = id + sent * threads_total + 1
    if i > #spec then i = #spec end
  else
    i = (sent %% #spec) + 1
  end
  sent = sent + 1
  local r = spec[i]
  return wrk.format(r.method, r.path, r.headers, r.body_file and bodies[r.body_file] or nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "status_errors": %%d, "socket_errors": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise CommandError("wrk is missing; install it with: sudo apt-get install wrk")
    return wrk


def version() -> str:
    return subprocess.run([_wrk(), "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()


def _lua(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for the ASCII we send


def run(base: str, requests: list[tuple[str, str, dict, bytes | None]], *, seconds: float = 6.0, connections: int = 8,
        threads: int = 2, unique: bool = False) -> dict:
    """Send `requests` (method, path, headers, body) to `base` for `seconds`: cycling through
    them, or, with `unique`, each at most once (give more than the run can use; `exhausted`
    says if it ran out)."""
    host = urlsplit(base)
    assert host.hostname in ("127.0.0.1", "localhost"), "load is only ever sent to this machine"
    wrk = _wrk()
    threads = max(1, min(threads, connections))
    with tempfile.TemporaryDirectory(prefix="portal-wrk-") as folder:
        files: dict[bytes, str] = {}
        entries = []
        for method, path, headers, body in requests:
            body_file = "nil"
            if body is not None:
                if body not in files:
                    files[body] = str(Path(folder) / f"body{len(files)}")
                    Path(files[body]).write_bytes(body)
                body_file = _lua(files[body])
            header_table = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items())
            entries.append(f"{{method = {_lua(method)}, path = {_lua(path)}, headers = {{{header_table}}}, body_file = {body_file}}}")
        script = Path(folder) / "load.lua"
        script.write_text(SCRIPT % {"spec": ",\n".join(entries), "unique": "true" if unique else "false", "threads": threads})
        completed = subprocess.run([wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
                                    "-s", str(script), base], capture_output=True, text=True, timeout=seconds + 120)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise CommandError(f"wrk gave no result: {completed.stdout[-500:]} {completed.stderr[-500:]}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    duration = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "duration_s": duration,
        "errors": raw["status_errors"] + raw["socket_errors"],
        "rps": raw["requests"] / duration if duration else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "exhausted": bool(unique and raw["requests"] > len(requests)),
    }
