"""The scale benchmark (benchmarks/bench_scale.py) at a tiny size: the synthetic corpus keeps its promises, every
agreement check of the script agrees on it, and the checks do catch a count that differs. No timing is asserted."""

from __future__ import annotations

import copy
import importlib
import sys
import tomllib
from types import ModuleType

import pytest

from support import ROOT

N_SPANS = 2000
SEED = 5


def _benchmark(name: str) -> ModuleType:
    """A module of benchmarks/ (not a package of annot: imported from the checkout's root)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"benchmarks.{name}")


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    return _benchmark("synthetic")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _benchmark("bench_scale")


@pytest.fixture(scope="module")
def tiny(synthetic: ModuleType) -> tuple[list[dict], list[dict]]:
    return synthetic.corpus(N_SPANS, SEED)


def test_synthetic_corpus_is_deterministic_and_sized(synthetic, tiny):
    gold, pred = tiny
    assert synthetic.corpus(N_SPANS, SEED) == (gold, pred)
    assert synthetic.corpus(N_SPANS, SEED + 1)[0] != gold
    assert sum(len(d["entities"]) for d in gold) == N_SPANS
    assert {len(d["entities"]) for d in gold} <= {27, 28}
    assert [d["id"] for d in gold] == [d["id"] for d in pred] and len({d["id"] for d in gold}) == len(gold)
    entities = sum(len(d["entities"]) for d in gold)
    events = sum(len(d["events"]) for d in gold)
    assert 4.5 <= entities / events <= 6.5  # about one event per 5-6 entities
    assert synthetic.export_size(1_000_000) == 3720


def test_synthetic_documents_follow_the_format_and_the_schema(synthetic, bench, tiny):
    schema = tomllib.loads((ROOT / "configs" / "schema.toml").read_text(encoding="utf-8"))
    gold, pred = tiny
    text = " ".join(d["text"] for d in gold)
    assert all(c in text for c in "éğ“”")
    for g, p in zip(gold, pred):
        assert g["text"] == p["text"] and g["sha256"] == p["sha256"] == synthetic.sha256(g["text"])
        assert "  " not in g["text"] and g["text"] == g["text"].strip()
        assert [e["id"] for e in g["entities"]] == [f"T{i}" for i in range(1, len(g["entities"]) + 1)]
        assert [ev["id"] for ev in g["events"]] == [f"E{i}" for i in range(1, len(g["events"]) + 1)]
        assert synthetic.overlap_problems(g, p) == []
        bench.token_spans(g), bench.token_spans(p)  # every mention covers whole whitespace tokens
        labels = {e["id"]: e["label"] for e in g["entities"]}
        inside = {i for e in g["entities"] for i in range(e["start"], e["end"])}
        for ev in g["events"]:
            s, e = ev["trigger"]["start"], ev["trigger"]["end"]
            assert " " not in g["text"][s:e] and not inside & set(range(s, e))  # one word outside every entity
            roles = schema["events"][ev["type"]]["roles"]
            assert 1 <= len(ev["arguments"]) <= 3
            for a in ev["arguments"]:
                assert labels[a["entity"]] in roles[a["role"]]
        assert set(labels.values()) <= set(schema["entities"])


def test_label_studio_export_has_the_documents_regions(synthetic, tiny):
    gold, _ = tiny
    tasks = synthetic.label_studio_export(gold[:3])
    for task, doc in zip(tasks, gold):
        assert task["data"] == {"text": doc["text"], "doc_id": doc["id"], "sha256": doc["sha256"], "meta": doc["meta"]}
        (annotation,) = task["annotations"]
        regions = [r for r in annotation["result"] if r["type"] == "labels"]
        relations = [r for r in annotation["result"] if r["type"] == "relation"]
        assert len(regions) == len(doc["entities"]) + len(doc["events"])
        assert len(relations) == sum(len(ev["arguments"]) for ev in doc["events"])
        assert all(r["from_name"] == "label" and r["to_name"] == "text" for r in regions)
        assert all(doc["text"][r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in regions)


def test_every_agreement_check_agrees_at_a_tiny_size(bench, tmp_path):
    """The script's own path: corpus files, annot evaluate and import as processes, the references in workers."""
    options = bench.Options(bootstraps=(0, 20), limits=bench.Limits(max_mb=4000, max_seconds=300), seed=SEED)
    res = bench.run_size(N_SPANS, tmp_path / "2k", options)
    assert res.failures == []
    assert set(res.agreement) == {
        "events (independent multiset count)",
        "annot runs with each --bootstrap",
        "nervaluate",
        "seqeval",
        "spaCy",
        "annot import (documents, entities, events, arguments written)",
    }
    assert res.agreement == {name: [] for name in res.agreement}
    assert res.ok
    assert len(res.rows) == 6 and all(r.seconds and r.peak_mb for r in res.rows)
    table = bench.size_table(res)
    assert "| nervaluate 1.2.1" in table and "DISAGREES" not in table


def test_the_checks_catch_a_count_that_differs(bench, tiny):
    gold, pred = tiny
    pairs = list(zip(gold, pred))
    refs = {name: bench.score_in_process(name, pairs) for name in bench.REFERENCES}
    # nervaluate's counts in annot's report form agree with every reference ...
    annot = {"micro": refs["nervaluate"]["micro"], "per_label": refs["nervaluate"]["per_label"]}
    for name, ref in bench.REFERENCES.items():
        assert ref.compare(annot, refs[name]) == [], name
    events = bench.event_levels(pairs)
    assert bench.compare_events(events, events) == []
    # ... and one count moved from correct to incorrect is caught by each.
    wrong = copy.deepcopy(annot)
    wrong["micro"]["strict"][0] -= 1
    wrong["micro"]["strict"][1] += 1
    wrong["per_label"]["GPE"]["strict"][0] -= 1
    wrong["per_label"]["GPE"]["strict"][3] += 1
    for name, ref in bench.REFERENCES.items():
        assert ref.compare(wrong, refs[name]), name
    moved = copy.deepcopy(events)
    moved["argument_classification"][0] += 1
    assert bench.compare_events(moved, events) == [
        f"argument_classification: annot (matched, predicted, gold) {moved['argument_classification']} "
        f"count {events['argument_classification']}"
    ]


def test_event_levels_by_hand(bench):
    ents = [{"id": "T1", "start": 0, "end": 4, "label": "ORG"}, {"id": "T2", "start": 10, "end": 16, "label": "GPE"}]
    gold = {
        "entities": ents,
        "events": [
            {
                "type": "Movement.Deploy",
                "trigger": {"start": 5, "end": 9},
                "arguments": [{"role": "Agent", "entity": "T1"}, {"role": "Destination", "entity": "T2"}],
            }
        ],
    }
    pred = copy.deepcopy(gold)
    pred["events"][0]["trigger"] = {"start": 5, "end": 8}  # another trigger: anchored levels miss
    pred["events"][0]["arguments"][1]["role"] = "Origin"  # a wrong role
    got = bench.event_levels([(gold, pred)])
    assert got == {
        "trigger_identification": [0, 1, 1],
        "trigger_classification": [0, 1, 1],
        "argument_identification": [2, 2, 2],
        "argument_classification": [1, 2, 2],
        "argument_identification_anchored": [0, 2, 2],
        "argument_classification_anchored": [0, 2, 2],
    }


def test_measuring_a_process_sees_its_memory_and_stops_it_at_a_limit(bench, tmp_path):
    grow = [sys.executable, "-c", "b = b'x' * 150_000_000"]
    m = bench.run_measured(grow, cwd=tmp_path, log=tmp_path / "grow.log")
    assert m.exit_code == 0 and not m.stopped
    assert 150 <= m.peak_mb < 400 and m.maxrss_mb >= 150
    sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    m = bench.run_measured(sleep, cwd=tmp_path, log=tmp_path / "sleep.log", limits=bench.Limits(max_seconds=0.5))
    assert m.stopped.startswith("stopped after") and m.seconds < 10 and m.exit_code != 0


def test_the_benchmarks_doctests(synthetic, bench):
    import doctest

    for module in (synthetic, bench):
        failed, tried = doctest.testmod(module)
        assert failed == 0 and tried > 0, module.__name__


@pytest.mark.cluster
def test_the_cluster_benchmark_runs_and_finds_the_same_reports(tmp_path):
    """benchmarks/bench_cluster_evaluate.py at a tiny size: it runs end to end on real LocalClusters and finds
    every report the same (it exits 1 when one differs)."""
    import subprocess

    pytest.importorskip("distributed", reason="the cluster extra (pip install -e '.[cluster]')")
    args = ["--sizes", "2k", "--bootstrap", "20", "--repeats", "1", "--work", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_cluster_evaluate.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 2,")]
    assert len(rows) == 4 and all(row.endswith("| the same |") for row in rows)


def test_the_queue_benchmark_uses_the_dev_split_only_cut_by_theatre():
    """benchmarks/bench_queue.py (the learning curve of a disagreement-ordered queue): its eval, seed and pool
    documents are the 43 dev documents, whole theatres in one part each, never a held-out document; its table
    and chart render a result."""
    import json

    queue = _benchmark("bench_queue")
    parts = queue.parts(queue.dev_documents())
    splits = json.loads((ROOT / "gold" / "news" / "splits.json").read_text(encoding="utf-8"))
    ids = [d.id for p in (parts.eval, parts.seed, parts.pool) for d in p]
    assert sorted(ids) == sorted(splits["splits"]["dev"]) and not set(ids) & set(splits["splits"]["test"])
    theatres = [{d.meta["theatre"] for d in p} for p in (parts.eval, parts.seed, parts.pool)]
    assert not (theatres[0] & theatres[1] or theatres[0] & theatres[2] or theatres[1] & theatres[2])
    assert len(parts.eval) >= queue.EVAL_AT_LEAST and len(parts.seed) >= queue.SEED_AT_LEAST
    result = {
        "parts": {"eval": ids[:10], "seed": ids[10:15], "pool": ids[15:]},
        "sizes": [3, 28],
        "seeds": [0, 1],
        "f1": {o: {"3": [0.3, 0.4], "28": [0.6, 0.7]} for o in queue.ORDERS},
        "mentions": {o: {"3": [100, 110], "28": [900, 900]} for o in queue.ORDERS},
    }
    table = queue.table(result)
    assert "| 3 | 0.350 (0.300-0.400) | 0.350 (0.300-0.400) | 0.350 (0.300-0.400) | 105 | 105 | 105 |" in table
    svg = queue.svg(result)
    assert svg.startswith("<svg") and svg.count("<polyline") == len(queue.ORDERS)
