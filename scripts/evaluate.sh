#!/usr/bin/env bash
# Set up (first run) and run the main job: every system of configs/evaluation.toml
# (the default spaCy pipeline) scored on the test split of the bundled gold corpus.
# Reports land in reports/<system>/report.json, report.md and report.html; exit 1 if the
# [gate] of configs/evaluation.toml fails, 2 on bad input.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[model]'
.venv/bin/annot evaluate "$@"
