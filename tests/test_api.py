"""`import annot`: the few functions a researcher needs, light to import, typed results."""

from __future__ import annotations

import subprocess
import sys

import pytest

import annot

from support import ROOT


def test_api_import_is_light():
    code = "import annot, sys; print(sorted(m for m in ('numpy', 'spacy', 'scipy', 'typer') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_api_evaluate_files_with_the_schema(tmp_path):
    gold = annot.read_documents(ROOT / "gold" / "news" / "documents.jsonl")[:3]
    report = annot.evaluate(gold, gold, schema=ROOT / "configs" / "schema.toml", bootstrap_samples=0)
    assert report.entities.micro["strict"].f1 == 1.0
    assert report.events.micro["argument_classification_anchored"].f1 == 1.0
    assert report.meta.schema.name == "news-conflict"
    assert set(report.entities.per_label) == set(annot.load_schema(ROOT / "configs" / "schema.toml").entities)
    path = tmp_path / "report.json"
    path.write_text(report.to_json(), encoding="utf-8")
    assert annot.load_report(path).to_json() == report.to_json()


def test_api_evaluate_without_a_schema_takes_labels_from_the_data():
    text = "Ana met Bo in Rome ."
    gold = [annot.Document("d", text, (annot.Entity(0, 3, "PER"), annot.Entity(14, 18, "CITY")))]
    pred = [annot.Document("d", text, (annot.Entity(0, 3, "PER"),))]
    report = annot.evaluate(gold, pred, bootstrap_samples=0)
    assert sorted(report.entities.per_label) == ["CITY", "PER"]
    assert report.entities.per_label["CITY"]["strict"].recall == 0.0
    assert report.meta.schema.name == "(labels from the data)"


def test_api_unknown_name():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        annot.nope  # noqa: B018


def test_api_names_are_importable():
    for name in annot.__all__:
        assert getattr(annot, name) is not None
