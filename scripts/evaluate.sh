#!/usr/bin/env bash
# Set up (first run) and run the main job: every system of configs/evaluation.toml
# (the pretrained spaCy pipeline, the same with annot's event extractor, and a NER trained on
# the dev split) scored side by side on the test split of the bundled gold corpus.
# Reports land in reports/<system>/report.json, report.md and report.html; exit 1 if the
# [gate] of configs/evaluation.toml fails, 2 on bad input.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[model]'
# The trained system of configs/evaluation.toml: trained once (about a minute on 2 cores), then reused.
[ -d models/ner-dev/model-best ] || .venv/bin/annot train --name ner-dev --split dev
.venv/bin/annot evaluate "$@"
