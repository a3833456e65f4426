"""What annot stores with a corpus: the human ceiling per split and the gold's token bounds, used while current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from annot.jobs import stored
from annot.jobs.stored import CEILING, TOKENS, stale_ceilings, stale_tokens, stored_tokens, write_ceilings, write_tokens
from annot.tokens import token_bounds

from support import ROOT, run

SCHEMA = ROOT / "configs" / "schema.toml"
TEXT = "[[NATO|ORG|T1]] [[sent|Movement.Deploy|E1|Agent=T1 Destination=T2]] troops to [[Kosovo|GPE|T2]] ({i})."
OTHER = "[[NATO|ORG|T1]] [[sent|Movement.Deploy|E1|Agent=T1]] troops to [[Kosovo|LOC|T2]] ({i})."


def double_annotated(tmp_path: Path, runner, schema) -> Path:  # type: ignore[no-untyped-def]
    """Four documents, each also annotated by a second annotator (who differs on one label and one argument)."""
    c = tmp_path / "c"
    (c / "sources").mkdir(parents=True)
    (c / "annotators" / "b").mkdir(parents=True)
    for i in range(4):
        head = f"---\nid: doc-{i}\nstory: s{i}\n---\n"
        (c / "sources" / f"doc-{i}.ann.txt").write_text(head + TEXT.format(i=i) + "\n", encoding="utf-8")
        (c / "annotators" / "b" / f"doc-{i}.ann.txt").write_text(head + OTHER.format(i=i) + "\n", encoding="utf-8")
    assert run(runner, "adjudicate", c).exit_code == 0
    r = run(runner, "corpus", "build", c)
    assert r.exit_code == 0, r.output
    assert "human ceiling stored" in r.output
    return c


def test_cli_build_stores_and_verify_checks(tmp_path: Path, runner, schema):
    c = double_annotated(tmp_path, runner, schema)
    entries = json.loads((c / CEILING).read_text(encoding="utf-8"))["splits"]
    assert set(entries) >= {"(all)", "dev", "test"} or set(entries) >= {"(all)", "test"}
    assert entries["(all)"]["ceiling"]["documents"] == 4
    assert "token bounds current" in run(runner, "corpus", "verify", c).output
    # an annotator's file changes: the stored ceiling is stale, and verify says so
    p = c / "annotators" / "b" / "doc-0.ann.txt"
    p.write_text(p.read_text(encoding="utf-8").replace("|LOC|", "|GPE|"), encoding="utf-8")
    assert any("stale" in x for x in stale_ceilings(c, schema))
    r = run(runner, "corpus", "verify", c)
    assert r.exit_code == 2 and "ceiling.json: the entry for '(all)' is stale" in r.output


def test_evaluate_reads_the_stored_ceiling_and_recomputes_a_stale_one(tmp_path: Path, runner, schema, monkeypatch):
    c = double_annotated(tmp_path, runner, schema)
    gold = c / "documents.jsonl"

    def evaluate(out: str) -> dict:  # type: ignore[type-arg]
        r = run(runner, "evaluate", "--gold", gold, "--pred", gold, "-o", tmp_path / out, "--bootstrap", 0)
        assert r.exit_code == 0, r.output
        return json.loads((tmp_path / out / "report.json").read_text(encoding="utf-8"))["human"]

    computed = evaluate("fresh")  # settings differ from the stored entry's (bootstrap 0): computed
    assert computed["documents"] == 4 and computed["entities"]["micro"]["strict"]["f1"] == pytest.approx(0.5)
    write_ceilings(c, schema, stored.ScoringSettings(bootstrap_samples=0))

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("computed although a stored entry matches")

    monkeypatch.setattr(stored, "compute_ceiling", refuse)
    assert evaluate("stored") == computed  # read from ceiling.json, the same figures
    p = c / "annotators" / "b" / "doc-1.ann.txt"
    p.write_text(p.read_text(encoding="utf-8").replace("|LOC|", "|GPE|"), encoding="utf-8")
    with pytest.raises(AssertionError, match="computed although"):
        evaluate("stale")  # the key no longer matches: it is computed afresh


def test_stored_tokens_are_the_tokenizer_s(tmp_path: Path, runner, schema):
    c = double_annotated(tmp_path, runner, schema)
    known = stored_tokens(c)
    texts = [json.loads(x)["text"] for x in (c / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(known) == len(set(texts))
    for text in texts:
        from annot.documents import text_sha256

        assert np.array_equal(known[text_sha256(text)], token_bounds(text))
    assert stale_tokens(c) == []
    obj = json.loads((c / TOKENS).read_text(encoding="utf-8"))
    obj["spacy"] = "0.0.1"
    (c / TOKENS).write_text(json.dumps(obj), encoding="utf-8")
    assert stored_tokens(c) == {}  # made by another spaCy: not used
    assert "made by spaCy 0.0.1" in stale_tokens(c)[0]
    assert write_tokens(c) == len(set(texts)) and stale_tokens(c) == []


def test_bundled_corpus_stores_are_current(schema):
    corpus = ROOT / "gold" / "news"
    assert stale_ceilings(corpus, schema) == [] and stale_tokens(corpus) == []


def test_evaluating_the_bundled_test_split_imports_neither_spacy_nor_sklearn(tmp_path: Path):
    """What makes scoring the bundled test split take about a second (docs/performance.md): the ceiling and
    the token bounds are read from the corpus, and nothing imports spaCy, scikit-learn or scipy.optimize."""
    gold = ROOT / "gold" / "news" / "documents.jsonl"
    code = (
        "import sys\n"
        "from annot.cli import run\n"
        f"sys.argv = ['annot', 'evaluate', '--gold', {str(gold)!r}, '--pred', {str(gold)!r}, '--split', 'test',"
        f" '-o', {str(tmp_path / 'r')!r}, '--held-out-policy', 'record']\n"
        "try:\n    run()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = sorted(m for m in ('spacy', 'sklearn', 'scipy.optimize', 'krippendorff') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["human"]["documents"] >= 1
