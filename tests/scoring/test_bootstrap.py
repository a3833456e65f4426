"""Bootstrap intervals: the vectorised computation equals the plain one on the same resamples."""

from __future__ import annotations

import random

import numpy as np
import pytest

from annot.documents import Document
from annot.scoring.bootstrap import Interval, bootstrap_intervals, resample_weights
from annot.scoring.counts import CountKey, EntityCounts, entity_keys
from annot.scoring.reference import score_document
from annot.scoring.table import CountTable

from support import random_case

LABELS = ["PER", "ORG", "GPE"]


def _table(n: int) -> CountTable:
    rng = random.Random(8)
    rows = []
    for k in range(n):
        _, _, _, gold, pred, text = random_case(rng)
        row, _ = score_document(Document(f"d{k}", text, tuple(gold)), Document(f"d{k}", text, tuple(pred)), LABELS, [])
        rows.append(row)
    return CountTable.from_rows([f"d{k}" for k in range(n)], ["x"] * n, rows)


@pytest.mark.parametrize("zero_division", ["null", "zero"])
def test_bootstrap_matches_a_plain_computation(zero_division):
    table = _table(25)
    samples, seed = 300, 5
    keys = entity_keys(LABELS)
    got = bootstrap_intervals(table, keys, samples, seed, zero_division=zero_division)
    weights = np.concatenate(list(resample_weights(len(table), samples, seed)))
    assert weights.shape == (samples, len(table)) and set(weights.sum(axis=1)) == {len(table)}
    for key in (
        CountKey("entities", None, "strict"),
        CountKey("entities", "PER", "partial"),
        CountKey("entities", "GPE", "type"),
    ):
        vals: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
        rows = table.matrix(key)
        for w in weights:
            total = EntityCounts()
            for vector, times in zip(rows, w):
                for _ in range(int(times)):
                    total = total + EntityCounts(*(int(v) for v in vector))
            for name, v in zip(vals, total.scores(zero_division)):
                if v is not None:
                    vals[name].append(v)
        for name, v in vals.items():
            want = (np.quantile(v, 0.025), np.quantile(v, 0.975)) if len(v) * 2 > samples else None
            assert getattr(got[key], name) == (None if want is None else pytest.approx(want)), (key, name)


def test_bootstrap_is_seeded_and_handles_edge_cases():
    table = _table(10)
    keys = entity_keys(LABELS)
    assert bootstrap_intervals(table, keys, 200, 1) == bootstrap_intervals(table, keys, 200, 1)
    assert bootstrap_intervals(table, keys, 0, 1) == {}
    empty = CountTable([], [], [], np.zeros((0, 0), dtype=np.int64))
    assert bootstrap_intervals(empty, keys, 100, 1) == {}
    assert isinstance(next(iter(bootstrap_intervals(table, keys, 50, 1).values())), Interval)
