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


# ------------------------------------------------------------------ a notebook's API


def test_api_dir_lists_the_api():
    import annot

    names = dir(annot)
    for name in ("evaluate", "read_documents", "compare", "load_report", "Report", "Document", "AnnotError"):
        assert name in names and name in annot.__all__
        assert getattr(annot, name) is not None


def test_api_evaluate_with_a_split_is_the_cli_with_a_split(tmp_path):
    """annot.evaluate(path, path, split=...) scores the split and ignores the other splits' predictions, as
    `annot evaluate --split` does (the same report, but its time)."""
    import json

    from typer.testing import CliRunner

    import annot
    from annot.cli import app

    gold = ROOT / "gold" / "news" / "documents.jsonl"
    report = annot.evaluate(gold, gold, split="test", bootstrap_samples=10, schema=ROOT / "configs" / "schema.toml")
    assert report.meta.gold.split == "test" and report.meta.gold.documents == 17
    assert len(report.meta.ignored_prediction_documents) == 43
    r = CliRunner().invoke(
        app,
        [
            "evaluate",
            "--gold",
            str(gold),
            "--pred",
            str(gold),
            "--split",
            "test",
            "-o",
            str(tmp_path),
            "--bootstrap",
            "10",
        ],
    )
    assert r.exit_code == 0, r.output
    cli = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    mine = json.loads(report.to_json())
    for d in (cli, mine):
        d["meta"].pop("created_at")
        d["meta"]["system"] = {}
        d["meta"]["gold"].pop("label", None)
        d.pop("human", None)
        d.pop("groups", None)  # the CLI groups by the config's group_by
        assert d["meta"].pop("held_out")["split"] == "test"  # both recorded in the ledger (system names differ)
    assert mine == cli
    # documents read with a split are the same thing
    test = annot.read_documents(gold, split="test")
    assert len(test) == 17 and test.split == "test" and test.path == gold
    again = annot.evaluate(test, annot.read_documents(gold), bootstrap_samples=10)
    assert again.entities == report.entities and again.meta.gold.sha256 == report.meta.gold.sha256


def test_api_split_needs_documents_from_a_file():
    import annot

    docs = [annot.Document("a", "NATO", (annot.Entity(0, 4, "ORG"),))]
    with pytest.raises(annot.AnnotError) as err:
        annot.evaluate(docs, docs, split="test")
    assert "their corpus's splits are unknown" in str(err.value) and "annot.read_documents" in err.value.hint


def test_api_forgotten_split_is_named_in_python_too():
    import annot

    gold = ROOT / "gold" / "news" / "documents.jsonl"
    with pytest.raises(annot.AnnotError) as err:
        annot.evaluate(gold, annot.read_documents(gold, split="test"), bootstrap_samples=0)
    assert "split='test'" in err.value.hint


def test_api_a_per_label_dataframe_in_two_lines():
    import annot

    report = annot.evaluate("gold/news/documents.jsonl", "gold/news/documents.jsonl", split="test", bootstrap_samples=0)
    df = report.to_dataframe("per_label", "strict")
    assert list(df["name"]) == sorted(report.entities.per_label) and set(df["f1"]) == {1.0}
    assert list(df.columns)[:6] == ["section", "name", "level", "precision", "recall", "f1"]
    assert df.set_index("name").loc["GPE", "gold"] == report.entities.per_label["GPE"]["strict"].possible
    rows = report.rows("per_type", "trigger_classification")
    assert {r.name for r in rows} == set(report.events.per_type) and all(r.section == "events" for r in rows)
    assert len(report.rows("micro")) == 4 + 6 and len(report.rows("per_role")) == 2 * len(report.events.per_role)
    with pytest.raises(annot.AnnotError):
        report.rows("per_thing")


def test_api_without_pandas_the_rows_remain_and_the_dataframe_names_the_extra(monkeypatch):
    import sys

    import annot

    docs = [annot.Document("a", "NATO", (annot.Entity(0, 4, "ORG"),))]
    report = annot.evaluate(docs, docs, bootstrap_samples=0)
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert report.rows()[0].f1 == 1.0
    with pytest.raises(annot.AnnotError) as err:
        report.to_dataframe()
    assert "pandas is not installed" in str(err.value) and "'.[pandas]'" in err.value.hint


def test_api_compare_returns_the_typed_comparison():
    import annot
    from annot.reporting.model import SideBySide

    reports = [ROOT / "reports" / n for n in ("spacy-sm", "spacy-sm-events")]
    cmp = annot.compare(*reports, metrics=["entities.micro.strict.f1"], samples=200)
    assert isinstance(cmp, SideBySide) and cmp.reference == "spacy-sm"
    strict = cmp.row("spacy-sm-events").metrics["entities.micro.strict.f1"]
    assert strict.delta is not None and strict.delta > 0 and strict.low is not None
    df = cmp.to_dataframe()
    assert list(df["system"]) == ["spacy-sm", "spacy-sm-events"]
    same = annot.compare(
        annot.load_report(reports[0]), annot.load_report(reports[1]), metrics=["entities.micro.strict.f1"], samples=200
    )
    assert same.systems == cmp.systems
