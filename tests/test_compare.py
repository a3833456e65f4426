"""Metrics recomputed from per-document counts agree with report.json; the paired test against an exact test."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest

from annot.compare import DocCounts, _values, compare_reports, doc_counts, metric_value, paired_test, parse_metric
from annot.config import EvalSettings
from annot.documents import Argument, Document, Entity, Event
from annot.errors import AnnotError
from annot.evaluate import evaluate
from annot.matching import EVENT_LEVELS, SCHEMES
from annot.report import build_report

LABELS = ("PER", "ORG", "GPE")


def _random_docs(rng: random.Random, n: int, noise: float):
    gold, pred = [], []
    for k in range(n):
        text = " ".join(f"w{i}" for i in range(40))
        starts = [len(" ".join(f"w{j}" for j in range(i))) + (1 if i else 0) for i in range(40)]
        spans = sorted(rng.sample(range(40), 8))
        g = tuple(Entity(starts[s], starts[s] + len(f"w{s}"), rng.choice(LABELS), f"T{i}") for i, s in enumerate(spans))
        p = []
        for e in g:
            r = rng.random()
            if r < noise:
                continue
            lab = e.label if rng.random() > noise else rng.choice(LABELS)
            p.append(Entity(e.start, e.end, lab, e.id))
        ev_g = (
            Event(
                "E1",
                "Contact.Meet",
                g[0].start,
                g[0].end,
                (Argument("Participant", g[1].id), Argument("Place", g[2].id)),
            ),
        )
        ev_p = (
            (Event("E1", "Contact.Meet", g[0].start, g[0].end, (Argument("Participant", g[1].id),)),)
            if rng.random() > noise and any(x.id == g[1].id for x in p)
            else ()
        )
        gold.append(Document(f"d{k}", text, g, ev_g))
        pred.append(Document(f"d{k}", text, tuple(p), ev_p))
    return gold, pred


def _report(schema, gold, pred, name="sys"):
    ev = evaluate(
        gold, pred, schema, settings=EvalSettings(bootstrap_samples=0), gold_path="mem", system={"name": name}
    )
    return build_report(ev)


def test_compare_recomputed_metrics_equal_the_report(schema):
    rng = random.Random(3)
    gold, pred = _random_docs(rng, 12, 0.3)
    rep = json.loads(
        json.dumps(
            build_report(
                evaluate(gold, pred, schema, settings=EvalSettings(bootstrap_samples=0), gold_path="m", system={})
            )
        )
    )
    paths = [f"entities.micro.{s}.{m}" for s in SCHEMES for m in ("precision", "recall", "f1")]
    paths += [f"entities.macro.{s}.{m}" for s in SCHEMES for m in ("precision", "recall", "f1")]
    paths += [f"entities.per_label.{lab}.{s}.f1" for lab in rep["entities"]["per_label"] for s in SCHEMES]
    paths += [f"events.micro.{lvl}.{m}" for lvl in EVENT_LEVELS for m in ("precision", "recall", "f1")]
    paths += [f"events.per_type.Contact.Meet.{lvl}.f1" for lvl in EVENT_LEVELS]
    paths += [f"events.per_role.Participant.argument_classification.{m}" for m in ("precision", "recall", "f1")]
    for path in paths:
        node = parse_metric(path).lookup(rep)
        assert node is not None, path
        want = node[path.rsplit(".", 1)[1]]
        got = metric_value(rep, path)
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
def test_compare_bad_metric_paths(bad):
    with pytest.raises(AnnotError, match="is not a report.json metric path"):
        parse_metric(bad)


def test_compare_paired_test_agrees_with_the_exact_permutation_test(schema):
    rng = random.Random(5)
    gold, pa = _random_docs(rng, 8, 0.45)
    pb = [Document(g.id, g.text, tuple(e for e in g.entities if rng.random() > 0.1), ()) for g in gold]
    ra, rb = _report(schema, gold, pa, "A"), _report(schema, gold, pb, "B")
    da, db = doc_counts(ra), doc_counts(rb)
    mp = parse_metric("entities.micro.strict.f1")
    observed = abs(float(_values(db, mp)) - float(_values(da, mp)))
    masks = np.array(list(itertools.product([0.0, 1.0], repeat=len(da.ids))))
    diffs = np.abs(_values(db, mp, masks, da) - _values(da, mp, masks, db))
    exact_p = float(np.mean(diffs >= observed - 1e-12))
    approx = paired_test(da, db, "entities.micro.strict.f1", samples=20000, seed=1)
    assert approx.delta == pytest.approx(float(_values(db, mp)) - float(_values(da, mp)))
    assert approx.p_value == pytest.approx(exact_p, abs=0.02)


def test_compare_identical_reports_p_is_one_and_seeded(schema):
    gold, pred = _random_docs(random.Random(1), 10, 0.3)
    r = _report(schema, gold, pred)
    rows = compare_reports(r, r, ["entities.micro.strict.f1", "events.micro.trigger_classification.f1"], samples=500)
    assert all(x.delta == 0 and x.p_value == 1.0 for x in rows)
    better = _report(schema, gold, gold)
    a = compare_reports(r, better, ["entities.micro.strict.f1"], samples=2000, seed=7)
    b = compare_reports(r, better, ["entities.micro.strict.f1"], samples=2000, seed=7)
    assert a == b and a[0].delta > 0 and a[0].p_value < 0.01


def test_compare_refuses_different_gold(schema):
    gold, pred = _random_docs(random.Random(1), 4, 0.3)
    r1 = _report(schema, gold, pred)
    r2 = _report(schema, gold[:3], pred[:3])
    with pytest.raises(AnnotError) as err:
        compare_reports(r1, r2)
    assert err.value.problems == ["documents only in A: d3"]


def test_compare_cli(runner, tmp_path: Path, schema):
    from annot.cli import app

    gold, pred = _random_docs(random.Random(2), 6, 0.3)
    for name, p in (("a", pred), ("b", gold)):
        (tmp_path / f"{name}.json").write_text(json.dumps(_report(schema, gold, p, name)), encoding="utf-8")
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


def test_compare_doc_counts_requires_per_document():
    with pytest.raises(AnnotError, match="has no per_document counts"):
        doc_counts({"entities": {}}, "old.json")
    assert isinstance(DocCounts([], [], []).matrix("entities/strict"), np.ndarray)
