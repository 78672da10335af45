#!/usr/bin/env bash
# Prepare this machine for the portal: Debian packages the PDFs and browser tests need,
# a virtualenv with the project's dependencies, compiled translations.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
DEBIAN_PACKAGES=(fonts-nanum libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils gettext wrk)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! Missing Debian packages; run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtualenv (.venv) with $PY"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> Installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if command -v msgfmt >/dev/null 2>&1; then
  .venv/bin/python manage.py compilemessages -v0 --ignore=.venv
else
  echo "!! gettext is missing, so translations cannot be compiled; run: sudo apt-get install gettext" >&2
fi
