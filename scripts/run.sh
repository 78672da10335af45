#!/usr/bin/env bash
# Run the portal with demo data: the web server on 127.0.0.1:8000 and a real Celery worker
# (with its beat scheduler). With no DATABASE_URL / REDIS_URL: SQLite and a filesystem
# broker under var/; with them: PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export DEBUG=${DEBUG:-true}
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py make_signing_cert
.venv/bin/python manage.py load_demo

.venv/bin/celery -A portal worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM

echo "==> Portal: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker)"
.venv/bin/python manage.py runserver 127.0.0.1:8000
