"""The CI gate: thresholds, baseline, minimum support, significance; exit codes 0 / 1 / 2 from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import annot
from annot.comparison.gate import GateSettings, parse_thresholds, run_gate
from annot.errors import AnnotError

from support import ROOT, run

TEXT = "NATO and KFOR met in Priština with Stoltenberg on Monday ."
# offsets: NATO 0-4, KFOR 9-13, Priština 21-29, Stoltenberg 35-46, Monday 50-56
GOLD = [
    {
        "id": "a",
        "text": TEXT,
        "entities": [
            {"id": "T1", "start": 0, "end": 4, "label": "ORG"},
            {"id": "T2", "start": 9, "end": 13, "label": "MIL"},
            {"id": "T3", "start": 21, "end": 29, "label": "GPE"},
            {"id": "T4", "start": 35, "end": 46, "label": "PER"},
            {"id": "T5", "start": 50, "end": 56, "label": "DATE"},
        ],
    },
    {
        "id": "b",
        "text": TEXT,
        "entities": [
            {"id": "T1", "start": 0, "end": 4, "label": "ORG"},
            {"id": "T3", "start": 21, "end": 29, "label": "GPE"},
        ],
    },
]


def _write(path: Path, docs) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def _pred(keep: set[str]):
    return [{**d, "entities": [e for e in d["entities"] if e["id"] in keep]} for d in GOLD]


@pytest.fixture
def files(tmp_path: Path):
    g = _write(tmp_path / "gold.jsonl", GOLD)
    good = _write(tmp_path / "good.jsonl", _pred({"T1", "T2", "T3", "T4", "T5"}))
    worse = _write(tmp_path / "worse.jsonl", _pred({"T1", "T3", "T4"}))
    return tmp_path, g, good, worse


def test_gate_threshold_pass_and_fail_exit_codes(runner, files):
    tmp, g, good, worse = files
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        good,
        "-o",
        tmp / "r1",
        "--bootstrap",
        "0",
        "--threshold",
        "entities.micro.strict.f1=0.9",
    )
    assert r.exit_code == 0, r.output
    assert "gate PASSED (1 checks)" in r.output
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        worse,
        "-o",
        tmp / "r2",
        "--bootstrap",
        "0",
        "--threshold",
        "entities.micro.strict.f1=0.9",
    )
    assert r.exit_code == 1
    assert "gate FAILED: 1 of 1 checks" in r.output
    assert "  FAIL entities.micro.strict.f1 = 0.8333 < threshold 0.9000 (short by 0.0667)" in r.output
    rep = json.loads((tmp / "r2" / "report.json").read_text(encoding="utf-8"))
    assert rep["gate"]["passed"] is False and rep["gate"]["checks"][0]["metric"] == "entities.micro.strict.f1"
    assert "Gate: FAILED" in (tmp / "r2" / "report.md").read_text(encoding="utf-8")


def test_gate_wildcard_and_min_support(runner, files):
    tmp, g, _, worse = files
    # MIL and DATE (support 1) are missed: with min support 2 they cannot fail the gate
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        worse,
        "-o",
        tmp / "r",
        "--bootstrap",
        "0",
        "--threshold",
        "entities.per_label.*.strict.recall=0.5",
        "--min-support",
        "2",
    )
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp / "r" / "report.json").read_text(encoding="utf-8"))
    checks = {c["metric"]: c for c in rep["gate"]["checks"]}
    assert checks["entities.per_label.MIL.strict.recall"]["gated"] is False
    assert checks["entities.per_label.ORG.strict.recall"]["gated"] is True
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        worse,
        "-o",
        tmp / "r",
        "--bootstrap",
        "0",
        "--threshold",
        "entities.per_label.*.strict.recall=0.5",
    )
    assert r.exit_code == 1
    assert "FAIL entities.per_label.MIL.strict.recall = 0.0000 < threshold 0.5000" in r.output


def test_gate_baseline_drop_tolerance_and_significance(runner, files):
    tmp, g, good, worse = files
    assert run(runner, "evaluate", "--gold", g, "--pred", good, "-o", tmp / "base", "--bootstrap", "0").exit_code == 0
    base = tmp / "base" / "report.json"
    r = run(runner, "evaluate", "--gold", g, "--pred", worse, "-o", tmp / "r", "--bootstrap", "0", "--baseline", base)
    assert r.exit_code == 1
    assert "FAIL entities.micro.strict.f1 = 0.8333, baseline 1.0000: dropped 0.1667 > tolerated 0.0000" in r.output
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        worse,
        "-o",
        tmp / "r",
        "--bootstrap",
        "0",
        "--baseline",
        base,
        "--max-drop",
        "0.45",
        "--min-support",
        "2",
    )
    assert r.exit_code == 0, r.output
    # two documents cannot make a drop significant: with --significant-only the gate passes
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        worse,
        "-o",
        tmp / "r",
        "--bootstrap",
        "0",
        "--baseline",
        base,
        "--significant-only",
    )
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp / "r" / "report.json").read_text(encoding="utf-8"))
    sig = [c for c in rep["gate"]["checks"] if c["metric"] == "entities.micro.strict.f1"][0]
    assert sig["p_value"] >= 0.05 and "not significant" in sig["description"]
    # the same run against itself passes
    assert (
        run(
            runner, "evaluate", "--gold", g, "--pred", good, "-o", tmp / "r", "--bootstrap", "0", "--baseline", base
        ).exit_code
        == 0
    )


def test_gate_bad_inputs_exit_2(runner, files):
    tmp, g, good, _ = files
    r = run(runner, "evaluate", "--gold", g, "--pred", good, "-o", tmp / "r", "--threshold", "entities.micro.strict.f1")
    assert r.exit_code == 2
    assert "expected METRIC=VALUE with VALUE between 0 and 1" in r.output
    r = run(runner, "evaluate", "--gold", g, "--pred", good, "-o", tmp / "r", "--baseline", tmp / "nope.json")
    assert r.exit_code == 2 and "baseline report not found" in r.output
    r = run(runner, "evaluate", "--gold", g, "--pred", good, "-o", tmp / "r", "--max-drop", "0.1")
    assert r.exit_code == 2 and "--max-drop and --significant-only need --baseline" in r.output
    # a baseline made on other gold
    other = _write(tmp / "other.jsonl", GOLD[:1])
    run(runner, "evaluate", "--gold", other, "--pred", other, "-o", tmp / "ob", "--bootstrap", "0")
    r = run(
        runner,
        "evaluate",
        "--gold",
        g,
        "--pred",
        good,
        "-o",
        tmp / "r",
        "--bootstrap",
        "0",
        "--baseline",
        tmp / "ob" / "report.json",
    )
    assert r.exit_code == 2
    assert "were not made on the same gold documents" in r.output


def test_gate_parse_thresholds_reports_all():
    with pytest.raises(AnnotError) as err:
        parse_thresholds(["a=1", "entities.micro.strict.f1=2"])
    assert len(err.value.problems) == 2


def test_gate_undefined_value_is_no_evidence_and_says_so():
    gold = [annot.Document.from_dict(d) for d in GOLD]
    empty = [annot.Document(d.id, d.text) for d in gold]
    report = annot.evaluate(gold, empty, bootstrap_samples=0)
    res = run_gate(report, GateSettings(thresholds={"entities.micro.strict.precision": 0.1}))
    (check,) = res.checks
    assert (res.passed, check.gated) == (True, False)
    assert (
        check.description
        == "entities.micro.strict.precision = undefined: no evidence (no gold and no prediction), not gated"
    )


def test_gate_labels_nobody_used_do_not_fail_a_wildcard_threshold_under_either_policy():
    gold = [annot.Document.from_dict(d) for d in GOLD]
    for zd in ("null", "zero"):
        report = annot.evaluate(
            gold, gold, schema=ROOT / "configs" / "schema.toml", bootstrap_samples=0, zero_division=zd
        )
        res = run_gate(report, GateSettings(thresholds={"entities.per_label.*.strict.f1": 0.5}))
        assert res.passed, [c.description for c in res.checks if not c.passed]
        nobody = [c for c in res.checks if c.metric == "entities.per_label.NORP.strict.f1"]
        assert nobody[0].gated is False and "no evidence" in nobody[0].description


def test_gate_compares_unrounded_values():
    """2/3 is 0.666667 in report.json; held to 0.666667 the unrounded 0.6666666... falls short."""
    text = "A B C ."
    gold = [
        annot.Document("d", text, (annot.Entity(0, 1, "ORG"), annot.Entity(2, 3, "ORG"), annot.Entity(4, 5, "ORG")))
    ]
    pred = [annot.Document("d", text, (annot.Entity(0, 1, "ORG"), annot.Entity(2, 3, "ORG")))]
    report = annot.evaluate(gold, pred, bootstrap_samples=0)
    assert json.loads(report.to_json())["entities"]["micro"]["strict"]["recall"] == 0.666667
    res = run_gate(report, GateSettings(thresholds={"entities.micro.strict.recall": 0.666667}))
    assert res.passed is False and "short by 0.0000" in res.checks[0].description


def test_gate_baseline_undefined_now_is_no_evidence(tmp_path: Path):
    gold = [annot.Document.from_dict(d) for d in GOLD]
    base = annot.evaluate(gold, gold, bootstrap_samples=0)
    (tmp_path / "base.json").write_text(base.to_json(), encoding="utf-8")
    empty = [annot.Document(d.id, d.text) for d in gold]
    now = annot.evaluate(gold, empty, bootstrap_samples=0)
    res = run_gate(now, GateSettings(baseline=str(tmp_path / "base.json")))
    precision_like = [c for c in res.checks if c.value is None]
    assert all(not c.gated and c.passed for c in precision_like)
    assert not res.passed  # recall and F1 did drop: that is evidence


def test_gate_configured_from_evaluation_toml(configured_run):
    assert "[gate" in configured_run.config.read_text(encoding="utf-8")
    assert configured_run.exit_code == 0, configured_run.output
    for system in ("spacy-sm", "spacy-sm-events", "ner-trained"):
        assert f"{system}: gate PASSED" in configured_run.output
