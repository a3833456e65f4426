"""Metrics recomputed from per-document counts agree with report.json; the paired test against an exact test."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest

import annot
from annot.comparison.paired import _values, compare_reports, metric_value, paired_test
from annot.documents import Document
from annot.errors import AnnotError
from annot.reporting.model import Report
from annot.reporting.paths import parse_metric
from annot.scoring.vocabulary import EVENT_LEVELS, SCHEMES

from support import random_docs


def _report(schema, gold, pred, name="sys", zero_division="null"):
    return annot.evaluate(gold, pred, schema=schema, system=name, bootstrap_samples=0, zero_division=zero_division)


@pytest.mark.parametrize("zero_division", ["null", "zero"])
def test_paired_recomputed_metrics_equal_the_report(schema, zero_division):
    rng = random.Random(3)
    gold, pred = random_docs(rng, 12, 0.3)
    # through report.json and back, as a baseline is read
    rep = Report.from_json(_report(schema, gold, pred, zero_division=zero_division).to_json())
    paths = [f"entities.micro.{s}.{m}" for s in SCHEMES for m in ("precision", "recall", "f1")]
    paths += [f"entities.macro.{s}.{m}" for s in SCHEMES for m in ("precision", "recall", "f1")]
    paths += [f"entities.per_label.{lab}.{s}.f1" for lab in rep.entities.per_label for s in SCHEMES]
    paths += [f"events.micro.{lvl}.{m}" for lvl in EVENT_LEVELS for m in ("precision", "recall", "f1")]
    paths += [f"events.per_type.Contact.Meet.{lvl}.f1" for lvl in EVENT_LEVELS]
    paths += [f"events.per_role.Participant.argument_classification.{m}" for m in ("precision", "recall", "f1")]
    for path in paths:
        want = parse_metric(path).value(rep)
        got = metric_value(rep.per_document, path, zero_division)
        assert (got is None and want is None) or got == pytest.approx(want, abs=1e-6), path


@pytest.mark.parametrize(
    "bad",
    [
        "entities.micro.strict",
        "entities.micro.loose.f1",
        "entities.per_label.strict.f1",
        "events.micro.PER.trigger_identification.f1",
        "x.y.z.f1",
    ],
)
def test_paired_bad_metric_paths(bad):
    with pytest.raises(AnnotError, match="is not a report.json metric path"):
        parse_metric(bad)


def test_paired_test_agrees_with_the_exact_permutation_test(schema):
    rng = random.Random(5)
    gold, pa = random_docs(rng, 8, 0.45)
    pb = [Document(g.id, g.text, tuple(e for e in g.entities if rng.random() > 0.1), ()) for g in gold]
    ra, rb = _report(schema, gold, pa, "A"), _report(schema, gold, pb, "B")
    da, db = ra.per_document, rb.per_document
    mp = parse_metric("entities.micro.strict.f1")
    observed = abs(float(_values(db, mp)) - float(_values(da, mp)))
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=len(da.ids))))
    diffs = np.abs(_values(db, mp, "null", masks, da) - _values(da, mp, "null", masks, db))
    exact_p = float(np.mean(diffs >= observed - 1e-12))
    approx = paired_test(da, db, "entities.micro.strict.f1", samples=20000, seed=1)
    assert approx.delta == pytest.approx(float(_values(db, mp)) - float(_values(da, mp)))
    assert approx.p_value == pytest.approx(exact_p, abs=0.02)


def test_paired_identical_reports_p_is_one_and_seeded(schema):
    gold, pred = random_docs(random.Random(1), 10, 0.3)
    r = _report(schema, gold, pred)
    rows = compare_reports(r, r, ["entities.micro.strict.f1", "events.micro.trigger_classification.f1"], samples=500)
    assert all(x.delta == 0 and x.p_value == 1.0 for x in rows)
    better = _report(schema, gold, gold)
    a = compare_reports(r, better, ["entities.micro.strict.f1"], samples=2000, seed=7)
    b = compare_reports(r, better, ["entities.micro.strict.f1"], samples=2000, seed=7)
    assert a == b and a[0].delta > 0 and a[0].p_value < 0.01


def test_paired_refuses_different_gold(schema):
    gold, pred = random_docs(random.Random(1), 4, 0.3)
    r1 = _report(schema, gold, pred)
    r2 = _report(schema, gold[:3], pred[:3])
    with pytest.raises(AnnotError) as err:
        compare_reports(r1, r2)
    assert err.value.problems == ["documents only in A: d3"]


def test_paired_compare_cli(runner, tmp_path: Path, schema):
    from annot.cli import app

    gold, pred = random_docs(random.Random(2), 6, 0.3)
    for name, p in (("a", pred), ("b", gold)):
        (tmp_path / f"{name}.json").write_text(_report(schema, gold, p, name).to_json(), encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "compare",
            str(tmp_path / "a.json"),
            str(tmp_path / "b.json"),
            "--samples",
            "500",
            "-o",
            str(tmp_path / "c.json"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "entities.micro.strict.f1" in r.output
    out = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert out["method"] == "approximate randomisation" and out["metrics"][0]["delta"] > 0


def test_paired_report_without_per_document_is_refused(tmp_path: Path):
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"entities": {}}), encoding="utf-8")
    with pytest.raises(AnnotError, match="not a report.json made by annot evaluate"):
        annot.load_report(bad)


def test_paired_compare_on_a_split_of_reports_made_on_the_whole_corpus(runner, tmp_path: Path):
    """Reports on every document, compared on the test split, give what reports made on the test split give."""
    import json as _json

    from support import ROOT, run

    gold = ROOT / "gold" / "news" / "documents.jsonl"
    lines = gold.read_text(encoding="utf-8").splitlines()
    weaker = []
    for i, line in enumerate(lines):
        d = _json.loads(line)
        d["entities"] = [e for k, e in enumerate(d["entities"]) if (k + i) % 4]  # drop a quarter of the mentions
        d["events"] = [
            dict(ev, arguments=[a for a in ev["arguments"] if any(e["id"] == a["entity"] for e in d["entities"])])
            for ev in d["events"]
        ]
        weaker.append(_json.dumps(d, ensure_ascii=False))
    (tmp_path / "weak.jsonl").write_text("\n".join(weaker) + "\n", encoding="utf-8")
    for name, pred, split in (("a-all", gold, None), ("b-all", tmp_path / "weak.jsonl", None)) + (
        ("a-test", gold, "test"),
        ("b-test", tmp_path / "weak.jsonl", "test"),
    ):
        args = ["evaluate", "--gold", gold, "--pred", pred, "-o", tmp_path / name, "--bootstrap", 0, "--no-gate"]
        r = run(runner, *args, *(["--split", split] if split else []))
        assert r.exit_code == 0, r.output
    on_split = run(
        runner,
        "compare",
        tmp_path / "a-all/report.json",
        tmp_path / "b-all/report.json",
        "--split",
        "test",
        "--samples",
        500,
        "-o",
        tmp_path / "c1.json",
    )
    made_on_split = run(
        runner,
        "compare",
        tmp_path / "a-test/report.json",
        tmp_path / "b-test/report.json",
        "--samples",
        500,
        "-o",
        tmp_path / "c2.json",
    )
    assert on_split.exit_code == made_on_split.exit_code == 0, on_split.output
    c1 = _json.loads((tmp_path / "c1.json").read_text(encoding="utf-8"))["metrics"]
    c2 = _json.loads((tmp_path / "c2.json").read_text(encoding="utf-8"))["metrics"]
    assert c1 == c2 and any(m["delta"] for m in c1)
    whole = run(runner, "compare", tmp_path / "a-all/report.json", tmp_path / "b-all/report.json", "--samples", 500)
    assert whole.exit_code == 0
    wrong = run(runner, "compare", tmp_path / "a-test/report.json", tmp_path / "b-test/report.json", "--split", "dev")
    assert wrong.exit_code == 2 and "document(s) of split 'dev' were not scored" in wrong.output
