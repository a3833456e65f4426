#!/usr/bin/env bash
# Set up (first run) and run every check of annot: format, lint, types, the
# schema and its generated Label Studio config, the bundled gold corpus, and
# the test suite (which starts real Label Studio servers on 127.0.0.1 and
# builds the documentation site strictly).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# On a terminal pip shows what it fetches and how far along it is; in CI logs it stays quiet.
if [ -t 1 ] && [ -z "${CI:-}" ]; then PIP_SHOW="--progress-bar on"; else PIP_SHOW="--quiet"; fi
[ -x .venv/bin/annot ] || echo "== setting up .venv: annot and its libraries (the first run takes a few minutes)"
.venv/bin/python -m pip install $PIP_SHOW --upgrade pip
.venv/bin/python -m pip install $PIP_SHOW -c constraints.txt -e '.[model,server,cluster,dev,pandas,docs]'
export PATH="$PWD/.venv/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }
step "ruff format --check";   ruff format --check annot tests
step "ruff check";            ruff check annot tests
step "mypy";                  mypy
step "schema";                annot schema check && annot schema config --check
step "gold corpus";           annot corpus verify gold/news
[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }  # for the browser tests
step "pytest";                pytest "$@"
