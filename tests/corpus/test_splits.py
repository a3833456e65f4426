"""Splits: the documents of a split, in the declared order; clear errors for a missing or unknown split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annot.corpus.splits import read_gold
from annot.errors import AnnotError

from support import ROOT

GOLD = ROOT / "gold" / "news" / "documents.jsonl"


def test_splits_read_gold_keeps_one_split_and_names_the_others():
    declared = json.loads((GOLD.parent / "splits.json").read_text(encoding="utf-8"))["splits"]
    test = read_gold(GOLD, "test")
    assert [d.id for d in test.documents] == declared["test"]
    assert test.other_ids == frozenset(declared["dev"])
    every = read_gold(GOLD)
    assert len(every.documents) == len(declared["dev"]) + len(declared["test"]) and not every.other_ids


def test_splits_errors(tmp_path: Path):
    with pytest.raises(AnnotError, match="no split named 'nope' \\(have: dev, test\\)"):
        read_gold(GOLD, "nope")
    with pytest.raises(AnnotError, match="gold file not found"):
        read_gold(tmp_path / "none.jsonl", "test")
    lone = tmp_path / "documents.jsonl"
    lone.write_text(GOLD.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(AnnotError, match="splits file not found") as err:
        read_gold(lone, "test")
    assert err.value.hint == f"Run: annot corpus build {tmp_path}"
