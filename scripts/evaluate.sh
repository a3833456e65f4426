#!/usr/bin/env bash
# Set up (first run) and run the main job: every system of configs/evaluation.toml
# (the pretrained spaCy pipeline, the same with annot's event extractor, and a NER trained on
# the dev split) scored side by side on the test split of the bundled gold corpus.
# Reports land in reports/<system>/report.json, report.md and report.html; exit 1 if the
# [gate] of configs/evaluation.toml fails (a regression), 2 on bad input, and, without
# options, 3 if the documented figures are not the ones just made ("documented figures out of
# date": never a regression; the gate passed). Options are passed to annot evaluate.
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
.venv/bin/python -m pip install $PIP_SHOW -c constraints.txt -e '.[model]'
# The trained system of configs/evaluation.toml: trained once (about a minute on 2 cores), then reused.
if [ ! -d models/ner-dev/model-best ]; then
  echo "== training the NER of configs/evaluation.toml on the dev split (first run: about a minute)"
  .venv/bin/annot train --name ner-dev --split dev
fi
.venv/bin/annot evaluate "$@"
# Without options, the main job also checks that the documented figures are the ones it just made:
# exit 3 (its own code) when they differ, so that CI can tell it from a regression (1).
if [ $# -eq 0 ]; then
  # The same systems on the development split, by origin of article (template, free-style, the seed page):
  # development figures, beside the held-out ones (the "dev" table of docs/corpus.md). Not a held-out split: no ledger.
  .venv/bin/annot evaluate --split dev --group-by origin --no-gate -o reports/dev > /dev/null
  .venv/bin/python scripts/doc_figures.py --check || exit 3
fi
