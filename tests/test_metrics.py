"""Bootstrap intervals: the vectorised computation equals the plain one on the same resamples."""

from __future__ import annotations

import random

import numpy as np
import pytest
from test_matching import random_case

from annot.metrics import Counts, bootstrap_intervals, resample_weights, score_document, sum_counts


def _docs(n: int):
    rng = random.Random(8)
    out = []
    for k in range(n):
        _, _, _, gold, pred, text = random_case(rng)
        from annot.documents import Document

        out.append(
            score_document(
                Document(f"d{k}", text, tuple(gold)), Document(f"d{k}", text, tuple(pred)), ["PER", "ORG", "GPE"], []
            )
        )
    return out


def test_metrics_bootstrap_matches_a_plain_computation():
    docs = _docs(25)
    samples, seed = 300, 5
    got = bootstrap_intervals(docs, samples, seed)
    weights = np.concatenate(list(resample_weights(len(docs), samples, seed)))
    assert weights.shape == (samples, len(docs)) and set(weights.sum(axis=1)) == {len(docs)}
    for key in ("strict", "PER/partial", "GPE/type"):
        vals: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
        for w in weights:
            parts: list[Counts] = []
            for d, times in zip(docs, w):
                c = d.micro[key] if "/" not in key else d.per_label[key.split("/")[0]][key.split("/")[1]]
                parts += [c] * int(times)
            for name, v in zip(vals, sum_counts(parts).scores()):
                if v is not None:
                    vals[name].append(v)
        for name, v in vals.items():
            want = (np.quantile(v, 0.025), np.quantile(v, 0.975)) if len(v) * 2 > samples else None
            assert got[key][name] == (None if want is None else pytest.approx(want)), (key, name)


def test_metrics_bootstrap_is_seeded_and_handles_edge_cases():
    docs = _docs(10)
    assert bootstrap_intervals(docs, 200, 1) == bootstrap_intervals(docs, 200, 1)
    assert bootstrap_intervals(docs, 0, 1) == {}
    assert bootstrap_intervals([], 100, 1) == {}
