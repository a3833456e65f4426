"""Whole jobs: several configured systems side by side, prediction files from any system, the config's checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annot.cli import app
from annot.errors import AnnotError

from support import ROOT, project_copy, run


def test_jobs_systems_side_by_side_with_a_prediction_file(runner, tmp_path: Path, monkeypatch):
    root = project_copy(tmp_path, '[systems.oracle]\nkind = "file"\npath = "../gold/news/documents.jsonl"\n')
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
    ref = table["systems"][0]["metrics"]["entities.micro.strict.f1"]["value"]
    assert 0.3 < ref < 0.9
    assert f"| strict F1 | {ref:.3f} | 1.000 (+{1 - ref:.3f}, p < 0.001) |" in (
        root / "reports" / "comparison.md"
    ).read_text(encoding="utf-8")
    rep = json.loads((root / "reports" / "oracle" / "report.json").read_text(encoding="utf-8"))
    # the file holds the dev split too: those documents are ignored and listed, never scored
    splits = json.loads((root / "gold" / "news" / "splits.json").read_text(encoding="utf-8"))["splits"]
    assert rep["meta"]["ignored_prediction_documents"] == sorted(splits["dev"])
    assert rep["meta"]["gold"]["documents"] == len(splits["test"])


def test_jobs_prediction_file_problems_are_errors(runner, tmp_path: Path, monkeypatch):
    root = project_copy(tmp_path, '[systems.mine]\nkind = "file"\npath = "../mine.jsonl"\n')
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


# ------------------------------------------------------------------- plan


def test_jobs_plan_configured_form_takes_the_config_and_options_win():
    from annot.jobs.evaluate import Options, plan_evaluation

    cfg = ROOT / "configs" / "evaluation.toml"
    plan = plan_evaluation(Options(config=cfg))
    assert plan.pred is None and plan.config is not None and plan.split == "test"
    assert plan.settings.bootstrap_samples == 1000 and plan.gate is not None
    assert plan.gate.max_drop == 0.01 and plan.gate.thresholds["entities.micro.strict.f1"] == 0.5
    plan = plan_evaluation(
        Options(
            config=cfg,
            bootstrap=5,
            seed=2,
            split="dev",
            thresholds=["entities.micro.type.f1=0.5"],
            max_drop=0.2,
            baseline=Path("b.json"),
        )
    )
    assert (plan.settings.bootstrap_samples, plan.settings.seed, plan.split) == (5, 2, "dev")
    assert plan.gate is not None and plan.gate.max_drop == 0.2 and plan.gate.baseline == "b.json"
    assert set(plan.gate.thresholds) == {
        "entities.micro.strict.f1",
        "entities.micro.partial.f1",
        "entities.micro.type.f1",
    }
    assert plan_evaluation(Options(config=cfg, no_gate=True, thresholds=["entities.micro.type.f1=0.5"])).gate is None


def test_jobs_plan_file_form(tmp_path: Path):
    from annot.jobs.evaluate import Options, plan_evaluation

    gold, pred = tmp_path / "g.jsonl", tmp_path / "sys-a.jsonl"
    plan = plan_evaluation(Options(gold=gold, pred=pred, config=tmp_path / "none.toml"))
    assert plan.pred == pred and plan.gate is None and plan.output.name == "sys-a"
    assert plan.settings.bootstrap_samples == 1000  # no config: the defaults
    plan = plan_evaluation(
        Options(gold=gold, pred=pred, config=tmp_path / "none.toml", thresholds=["entities.micro.strict.f1=0.1"])
    )
    assert plan.gate is not None and plan.gate.thresholds == {"entities.micro.strict.f1": 0.1}


@pytest.mark.parametrize(
    "options, message",
    [
        ({"gold": Path("g")}, "give both --gold and --pred, or neither"),
        ({"max_drop": 0.1}, "--max-drop and --significant-only need --baseline"),
        ({"significant_only": True}, "--max-drop and --significant-only need --baseline"),
        ({"thresholds": ["nope=0.5"]}, "invalid thresholds"),
    ],
)
def test_jobs_plan_refuses_contradictions(options, message):
    from annot.jobs.evaluate import Options, plan_evaluation

    with pytest.raises(AnnotError, match=message):
        plan_evaluation(Options(config=ROOT / "configs" / "evaluation.toml", **options))


def test_jobs_human_ceiling_beside_the_system(runner, tmp_path: Path):
    """A corpus that keeps a second annotation: every report shows the humans' agreement beside the system."""
    import shutil as sh

    corpus = tmp_path / "news"
    (corpus / "sources").mkdir(parents=True)
    name = "kfor-reinforcements-2023-06"
    sh.copy(ROOT / "gold" / "news" / "sources" / f"{name}.ann.txt", corpus / "sources")
    (corpus / "annotators" / "b1").mkdir(parents=True)
    src = (corpus / "sources" / f"{name}.ann.txt").read_text(encoding="utf-8")
    (corpus / "annotators" / "b1" / f"{name}.ann.txt").write_text(
        src.replace("[[Oslo|GPE|T25]]", "[[Oslo|LOC|T25]]", 1).replace("annotator: a0", "annotator: b1"),
        encoding="utf-8",
    )
    assert run(runner, "adjudicate", corpus).exit_code == 0
    assert run(runner, "corpus", "build", corpus).exit_code == 0
    gold = corpus / "documents.jsonl"
    r = run(runner, "evaluate", "--gold", gold, "--pred", gold, "-o", tmp_path / "r", "--bootstrap", "0")
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    h = rep["human"]
    assert (h["documents"], h["annotators"], h["pairs"]) == (1, ["a0", "b1"], 1)
    assert h["entities"]["micro"]["strict"]["f1"] < 1.0 and h["entities"]["per_label"]["LOC"]["strict"]["f1"] == 0.0
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "humans F1" in md and "Humans: 2 annotators agree on 1 of these documents" in md
    assert 'id="humans"' in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert any(x.rstrip().endswith(" humans") for x in r.output.splitlines())  # the terminal table's column


def test_jobs_nested_gold_is_scored_when_the_schema_says_mentions_nest(runner, tmp_path: Path):
    """The schema declares whether mentions may nest: a flat one refuses overlapping gold (as ever), one with
    [mentions] nested = true scores it by the nested definitions, which the report states."""
    text = "Bank of China officials met in Beijing."
    gold = {
        "id": "a",
        "text": text,
        "entities": [
            {"id": "T1", "start": 0, "end": 13, "label": "ORG"},
            {"id": "T2", "start": 8, "end": 13, "label": "GPE"},  # nested in the bank's name
            {"id": "T3", "start": 31, "end": 38, "label": "GPE"},
        ],
    }
    pred = dict(gold, entities=gold["entities"][:1] + gold["entities"][2:])
    g, p = tmp_path / "g.jsonl", tmp_path / "p.jsonl"
    g.write_text(json.dumps(gold) + "\n", encoding="utf-8")
    p.write_text(json.dumps(pred) + "\n", encoding="utf-8")
    flat = tmp_path / "flat.toml"
    flat.write_text((ROOT / "configs" / "schema.toml").read_text(encoding="utf-8"), encoding="utf-8")
    nested = tmp_path / "nested.toml"
    nested.write_text(flat.read_text(encoding="utf-8") + "\n[mentions]\nnested = true\n", encoding="utf-8")
    r = run(runner, "evaluate", "--gold", g, "--pred", p, "--schema", flat, "-o", tmp_path / "r0", "--bootstrap", "0")
    assert r.exit_code == 2 and "overlaps GPE “China” at 8-13 (schema news-conflict declares mentions flat" in r.output
    r = run(runner, "evaluate", "--gold", g, "--pred", p, "--schema", nested, "-o", tmp_path / "r1", "--bootstrap", "0")
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "r1" / "report.json").read_text(encoding="utf-8"))
    strict = report["entities"]["micro"]["strict"]
    assert (strict["correct"], strict["missed"], strict["spurious"], strict["precision"], strict["recall"]) == (
        2,
        1,
        0,
        1.0,
        0.666667,
    )
    assert list(report["meta"]["definitions"]["extensions"]) == ["nested"]
    assert "**nested** mentions may overlap and nest" in (tmp_path / "r1" / "report.md").read_text(encoding="utf-8")
