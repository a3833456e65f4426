"""The held-out split's ledger: every scoring of it recorded, reported, and refused under policy refuse."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from annot.corpus.ledger import LEDGER, Entry, Policy, check_policy, read_ledger, record, standing
from annot.corpus.store import build_corpus
from annot.errors import AnnotError

from support import ROOT, run

SCHEMA = ROOT / "configs" / "schema.toml"
TEXT = "[[NATO|ORG|T1]] [[sent|Movement.Deploy|E1|Agent=T1 Destination=T2]] troops to [[Kosovo|GPE|T2]] ({i})."


def held_out_corpus(tmp_path: Path, schema, n: int = 6) -> Path:  # type: ignore[no-untyped-def]
    """A corpus of `n` documents in three theatres whose test split is held out."""
    c = tmp_path / "c"
    (c / "sources").mkdir(parents=True)
    for i in range(n):
        (c / "sources" / f"doc-{i}.ann.txt").write_text(
            f"---\nid: doc-{i}\nstory: story-{i}\ntheatre: theatre-{i % 3}\nstyle: {'wire' if i % 2 else 'feature'}\n---\n"
            + TEXT.format(i=i)
            + "\n",
            encoding="utf-8",
        )
    build_corpus(c, schema, SCHEMA)
    splits = json.loads((c / "splits.json").read_text(encoding="utf-8"))
    splits["held_out"] = ["test"]
    (c / "splits.json").write_text(json.dumps(splits), encoding="utf-8")
    build_corpus(c, schema, SCHEMA)  # keeps held_out
    assert json.loads((c / "splits.json").read_text(encoding="utf-8"))["held_out"] == ["test"]
    return c


def _entry(**kw: object) -> Entry:
    base = dict(
        scored_at="2026-12-01T00:00:00+00:00",
        split="test",
        gold_sha256="g",
        documents=3,
        system="s",
        system_sha256="code1",
        predictions_sha256="p1",
        annot_version="0.3.0",
    )
    base.update(kw)
    return Entry(**base)  # type: ignore[arg-type]


def test_cli_every_scoring_of_the_held_out_split_is_recorded(tmp_path: Path, runner, schema):
    c = held_out_corpus(tmp_path, schema)
    gold = c / "documents.jsonl"
    test_ids = json.loads((c / "splits.json").read_text(encoding="utf-8"))["splits"]["test"]
    assert test_ids, "the corpus has a test split"

    def score(pred: Path, out: str, *extra: object):  # type: ignore[no-untyped-def]
        return run(runner, "evaluate", "--gold", gold, "--pred", pred, "--split", "test", "-o", tmp_path / out, *extra)

    r = score(gold, "r1", "--group-by", "style")
    assert r.exit_code == 0, r.output
    entries = read_ledger(c)
    assert len(entries) == 1 and entries[0].split == "test" and entries[0].documents == len(test_ids)
    assert entries[0].figures["entities.micro.strict.f1"] == 1.0
    assert any(k.startswith("groups.style.") for k in entries[0].figures)  # the figures by style are of record
    report = json.loads((tmp_path / "r1" / "report.json").read_text(encoding="utf-8"))
    assert report["meta"]["held_out"]["scorings"] == 1 and not report["meta"]["held_out"]["system_changed"]
    assert "Held-out split **test**" in (tmp_path / "r1" / "report.md").read_text(encoding="utf-8")
    assert 'id="held-out"' in (tmp_path / "r1" / "report.html").read_text(encoding="utf-8")

    # the same scoring again reveals nothing new: not recorded twice, no warning
    r = score(gold, "r2")
    assert r.exit_code == 0 and "warning" not in r.output and len(read_ledger(c)) == 1

    # other predictions of the same system (a file: known by its predictions): recorded, and warned about
    lines = gold.read_text(encoding="utf-8").splitlines()
    docs = [json.loads(x) for x in lines]
    for d in docs:
        d["entities"] = d["entities"][:1]
        d["events"] = []
    other = tmp_path / "documents.jsonl"  # same stem: the same system name
    other.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    r = score(other, "r3")
    assert r.exit_code == 0, r.output
    assert "warning: system 'documents' changed since it was first scored on held-out split 'test'" in r.output
    assert len(read_ledger(c)) == 2
    again = json.loads((tmp_path / "r3" / "report.json").read_text(encoding="utf-8"))["meta"]["held_out"]
    assert again["scorings"] == 2 and again["system_changed"]

    # policy refuse: a third distinct scoring is refused before anything is written
    for d in docs:
        d["entities"] = []
    other.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    r = score(other, "r4", "--held-out-policy", "refuse")
    assert r.exit_code == 2 and "the held-out split's policy refuses this scoring; nothing was written" in r.output
    assert not (tmp_path / "r4").exists() and len(read_ledger(c)) == 2

    # the development split is not held out: never recorded
    assert (
        run(runner, "evaluate", "--gold", gold, "--pred", other, "--split", "dev", "-o", tmp_path / "d").exit_code == 0
    )
    assert len(read_ledger(c)) == 2

    r = run(runner, "corpus", "ledger", c)
    assert r.exit_code == 0, r.output
    assert "held-out split(s) test; 2 distinct scoring(s)" in r.output
    assert r.output.count(" CHANGED ") == 1 and "strict F1 1.000" in r.output


def test_cli_policy_from_the_config(tmp_path: Path, runner, schema):
    """[held_out] policy = "refuse" in the evaluation config refuses a changed system."""
    c = held_out_corpus(tmp_path, schema)
    gold = c / "documents.jsonl"
    pred = tmp_path / "p.jsonl"
    pred.write_bytes(gold.read_bytes())
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(
        f'schema = "{SCHEMA}"\ngold = "{gold}"\nsplit = "test"\noutput = "{tmp_path / "out"}"\n\n'
        f'[held_out]\npolicy = "refuse"\n\n[systems.p]\nkind = "file"\npath = "{pred}"\n',
        encoding="utf-8",
    )
    assert run(runner, "evaluate", "--config", cfg).exit_code == 0
    assert run(runner, "evaluate", "--config", cfg).exit_code == 0  # the same again: fine
    pred.write_text(gold.read_text(encoding="utf-8").replace('"label": "GPE"', '"label": "LOC"'), encoding="utf-8")
    r = run(runner, "evaluate", "--config", cfg)
    assert r.exit_code == 2 and "changed since it was first scored" in r.output, r.output
    assert len(read_ledger(c)) == 1


def test_policy_and_standing():
    first = _entry()
    assert check_policy([], first, Policy.WARN) == []
    assert check_policy([first], first, Policy.REFUSE) == []  # a repeat
    changed = replace(first, system_sha256="code2", predictions_sha256="p2", scored_at="2026-12-02T00:00:00+00:00")
    assert "changed since it was first scored" in check_policy([first], changed, Policy.WARN)[0]
    assert check_policy([first], changed, Policy.RECORD) == []
    rescored = replace(first, predictions_sha256="p3")
    assert "scored on held-out split 'test' before" in check_policy([first], rescored, Policy.WARN)[0]
    st = standing([first], changed, Policy.WARN)
    assert (st.scorings, st.system_scorings, st.system_changed) == (2, 2, True)
    assert st.first_scored == "2026-12-01T00:00:00+00:00"
    other_system = replace(first, system="t", system_sha256="x")
    assert not standing([first], other_system, Policy.WARN).system_changed


def test_record_keeps_every_entry_of_concurrent_runs(tmp_path: Path):
    """Eight evaluations recording at once: the lock keeps every entry (none lost to a concurrent rewrite)."""
    entries = [_entry(predictions_sha256=f"p{i}") for i in range(8)]
    threads = [threading.Thread(target=record, args=(tmp_path, e)) for e in entries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e.predictions_sha256 for e in read_ledger(tmp_path)) == sorted(e.predictions_sha256 for e in entries)
    assert not record(tmp_path, entries[0])  # a repeat is not recorded


def test_a_damaged_ledger_line_is_named(tmp_path: Path):
    record(tmp_path, _entry())
    with open(tmp_path / LEDGER, "a", encoding="utf-8") as f:
        f.write('{"split": "test"}\n')
    with pytest.raises(AnnotError) as e:
        read_ledger(tmp_path)
    assert f"{tmp_path / LEDGER}:2: not a ledger entry" in str(e.value)


def test_splits_by_theatre(tmp_path: Path, schema):
    """Whole theatres go to one split; a theatre given to documents that were in two splits goes whole to the
    split most of them were in (dev on a tie), and the move is reported."""
    c = held_out_corpus(tmp_path, schema)
    splits = json.loads((c / "splits.json").read_text(encoding="utf-8"))
    assert all(k.startswith("theatre:") for k in splits["assigned"])
    for key, split in splits["assigned"].items():
        members = [f"doc-{i}" for i in range(6) if f"theatre:theatre-{i % 3}" == key]
        assert members and all(m in splits["splits"][split] for m in members)
    # regroup: doc-0 and doc-1 now share a new theatre, although they sit in two splits
    split_of = {d: s for s, ids in splits["splits"].items() for d in ids}
    a, b = next((x, y) for x in split_of for y in split_of if x < y and split_of[x] != split_of[y])
    for doc in (a, b):
        p = c / "sources" / f"{doc}.ann.txt"
        text = p.read_text(encoding="utf-8")
        p.write_text(text.replace(f"theatre: theatre-{int(doc[-1]) % 3}", "theatre: shared"), encoding="utf-8")
    r = build_corpus(c, schema, SCHEMA)
    assert r.new_units == ["theatre:shared"]
    now = json.loads((c / "splits.json").read_text(encoding="utf-8"))
    assert now["assigned"]["theatre:shared"] == "dev"
    assert set(r.moved) <= {a, b} and len(r.moved) == 1 and next(iter(r.moved.values()))[1] == "dev"
    assert now["held_out"] == ["test"]


def test_old_splits_files_are_read(tmp_path: Path, schema):
    """annot 0.2's splits.json assigned stories ("stories"): the assignment is kept."""
    c = tmp_path / "c"
    (c / "sources").mkdir(parents=True)
    for i in range(4):
        (c / "sources" / f"doc-{i}.ann.txt").write_text(
            f"---\nid: doc-{i}\nstory: s{i}\n---\n" + TEXT.format(i=i) + "\n", encoding="utf-8"
        )
    old = {
        "splits": {"dev": ["doc-0", "doc-1", "doc-2"], "test": ["doc-3"]},
        "stories": {"s0": "dev", "s1": "dev", "s2": "dev", "s3": "test"},
    }
    (c / "splits.json").write_text(json.dumps(old), encoding="utf-8")
    r = build_corpus(c, schema, SCHEMA)
    assert r.new_units == [] and r.moved == {}
    assert json.loads((c / "splits.json").read_text(encoding="utf-8"))["splits"] == old["splits"]


def test_a_model_folders_digest_is_the_same_wherever_it_lies(tmp_path: Path):
    """A trained model is known by what is in its folder (its training record and config), not by its path or
    where its training data lay: copies in two places have one digest; another record or config, another."""
    from annot.jobs.config import load_eval_config
    from annot.jobs.evaluate import system_digest

    def model(where: Path, seed: int = 0, data: str = "models/x") -> str:
        folder = where / "model-best"
        folder.mkdir(parents=True)
        (folder / "meta.json").write_text(json.dumps({"name": "x", "annot": {"seed": seed}}), encoding="utf-8")
        config = f'[paths]\ntrain = "{data}/train.spacy"\n\n[system]\nseed = {seed}\n\n[nlp]\nlang = "en"\n'
        (folder / "config.cfg").write_text(config, encoding="utf-8")
        return str(folder)

    system = load_eval_config(ROOT / "configs" / "evaluation.toml").systems[2]
    assert system.name == "ner-trained"

    def digest(path: str) -> str | None:
        return system_digest(replace(system, model=path), "x-0.0.0")

    here = digest(model(tmp_path / "a"))
    assert digest(model(tmp_path / "elsewhere" / "b", data="/tmp/somewhere")) == here
    assert digest(model(tmp_path / "c", seed=1)) != here
    changed = model(tmp_path / "d")
    cfg = Path(changed) / "config.cfg"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('lang = "en"', 'lang = "de"'), encoding="utf-8")
    assert digest(changed) != here
    assert system_digest(replace(system, model=model(tmp_path / "e")), "x-0.0.1") != here  # another version
