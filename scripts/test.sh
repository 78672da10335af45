#!/usr/bin/env bash
# Run the whole test suite. Without DATABASE_URL / REDIS_URL the tests that need
# PostgreSQL or Redis are skipped and say why; with them, everything runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI runs the bootstrap once before starting two test runs at once (.ci/run).
[ -n "${PORTAL_BOOTSTRAPPED:-}" ] || scripts/bootstrap.sh
export PORTAL_VAR_DIR=${PORTAL_VAR_DIR:-$PWD/var/test}
# Every core (PYTEST_WORKERS=0 for one process); each worker its own databases (tests/parallel.py).
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadgroup "$@"
