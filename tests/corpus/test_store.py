from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annot.corpus.stats import corpus_stats, stats_markdown
from annot.corpus.store import build_corpus, verify_corpus
from annot.errors import AnnotError

from support import ROOT

SCHEMA = ROOT / "configs" / "schema.toml"


def make_corpus(tmp_path: Path, n: int = 4) -> Path:
    c = tmp_path / "c"
    (c / "sources").mkdir(parents=True)
    for i in range(n):
        story = f"story-{i // 2}"
        (c / "sources" / f"doc-{i}.ann.txt").write_text(
            f"---\nid: doc-{i}\nstory: {story}\n---\n[[NATO|ORG|T1]] [[sent|Movement.Deploy|E1|Agent=T1 Destination=T2]] troops to [[Kosovo|GPE|T2]] ({i}).\n",
            encoding="utf-8",
        )
    return c


def test_corpus_build_verify_and_stats(tmp_path: Path, schema):
    c = make_corpus(tmp_path)
    r = build_corpus(c, schema, SCHEMA)
    assert (r.documents, r.entities, r.events, r.arguments) == (4, 8, 4, 8)
    splits = json.loads((c / "splits.json").read_text(encoding="utf-8"))
    # stories stay together
    for key, split in splits["assigned"].items():
        ids = [f"doc-{i}" for i in range(4) if f"story:story-{i // 2}" == key]
        assert all(i in splits["splits"][split] for i in ids)
    assert "verified" in verify_corpus(c, schema, SCHEMA)
    before = {p.name: p.read_bytes() for p in c.iterdir() if p.is_file()}
    build_corpus(c, schema, SCHEMA)  # rebuilding changes no byte
    assert {p.name: p.read_bytes() for p in c.iterdir() if p.is_file()} == before
    stats = corpus_stats(c)
    assert stats.rows["all"]["documents"] == 4 and stats.rows["all"]["entity GPE"] == 4
    assert sum(stats.rows[s]["documents"] for s in stats.rows if s != "all") == 4
    assert "| entity ORG |" in stats_markdown(stats)


@pytest.mark.parametrize(
    "damage, expected",
    [
        (
            lambda c: (c / "sources" / "doc-0.ann.txt").write_text(
                (c / "sources" / "doc-0.ann.txt").read_text() + " ", encoding="utf-8"
            ),
            "sources/doc-0.ann.txt: changed since the manifest was written (SHA-256 differs)",
        ),
        (
            lambda c: (c / "sources" / "doc-1.ann.txt").unlink(),
            "sources/doc-1.ann.txt: listed in the manifest but missing",
        ),
        (
            lambda c: shutil.copy(c / "sources" / "doc-0.ann.txt", c / "sources" / "doc-9.ann.txt"),
            "sources/doc-9.ann.txt: present but not in the manifest",
        ),
        (
            lambda c: (c / "documents.jsonl").write_text(
                "\n".join((c / "documents.jsonl").read_text().splitlines()[:-1]) + "\n", encoding="utf-8"
            ),
            "says 4 documents, documents.jsonl has 3",
        ),
        (  # the flat schema's corpus may not nest: an overlapping mention is named
            lambda c: (c / "documents.jsonl").write_text(
                (c / "documents.jsonl")
                .read_text()
                .replace('"entities": [', '"entities": [{"id": "T0", "start": 0, "end": 2, "label": "ORG"}, ', 1),
                encoding="utf-8",
            ),
            "doc-0: entity T1 overlaps T0 ('NA' at 0-2): schema news-conflict declares mentions flat",
        ),
    ],
)
def test_corpus_verify_finds_missing_extra_changed(tmp_path: Path, schema, damage, expected):
    c = make_corpus(tmp_path)
    build_corpus(c, schema, SCHEMA)
    damage(c)
    with pytest.raises(AnnotError) as err:
        verify_corpus(c, schema, SCHEMA)
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_corpus_verify_detects_a_stale_schema(tmp_path: Path, schema):
    c = make_corpus(tmp_path)
    build_corpus(c, schema, SCHEMA)
    edited = tmp_path / "schema.toml"
    edited.write_text(
        SCHEMA.read_text(encoding="utf-8").replace('version = "1.0.0"', 'version = "1.1.0"'), encoding="utf-8"
    )
    from annot.schema import load_schema

    with pytest.raises(AnnotError) as err:
        verify_corpus(c, load_schema(edited), edited)
    assert any("built with schema news-conflict 1.0.0" in p and "stale" in p for p in err.value.problems)


def test_corpus_build_refuses_invalid_sources_and_writes_nothing(tmp_path: Path, schema):
    c = make_corpus(tmp_path)
    (c / "sources" / "doc-0.ann.txt").write_text("---\nid: doc-0\nstory: s\n---\n[[NATO|ORGX]]\n", encoding="utf-8")
    with pytest.raises(AnnotError):
        build_corpus(c, schema, SCHEMA)
    assert not (c / "documents.jsonl").exists() and not (c / "manifest.json").exists()


def test_corpus_bundled_verifies(schema):
    assert "verified" in verify_corpus(ROOT / "gold" / "news", schema, SCHEMA)
