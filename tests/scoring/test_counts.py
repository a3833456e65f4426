"""The count algebra: P/R/F1 under both zero-division policies, macro, count keys, array forms."""

from __future__ import annotations

import random

import numpy as np
import pytest

from annot.scoring.counts import (
    CountKey,
    EntityCounts,
    EventCounts,
    macro,
    macro_arrays,
    metric_from_sums,
    prf,
)


def test_counts_prf_by_hand():
    # strict: 3 correct of 4 predicted, 6 gold
    assert prf(3, 4, 6) == (0.75, 0.5, 0.6)
    # partial scheme: correct 2, partial 2 -> credit 3
    c = EntityCounts(correct=2, partial=2, missed=1, spurious=1)
    assert (c.possible, c.actual) == (5, 5)
    assert c.scores() == (0.6, 0.6, 0.6)


@pytest.mark.parametrize(
    "counts, null, zero",
    [
        (EntityCounts(missed=3), (None, 0.0, 0.0), (0.0, 0.0, 0.0)),
        (EntityCounts(spurious=2), (0.0, None, 0.0), (0.0, 0.0, 0.0)),
        (EntityCounts(), (None, None, None), (0.0, 0.0, 0.0)),
        (EntityCounts(correct=1), (1.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
        (EventCounts(matched=0, predicted=0, gold=4), (None, 0.0, 0.0), (0.0, 0.0, 0.0)),
        (EventCounts(matched=2, predicted=4, gold=2), (0.5, 1.0, 2 / 3), (0.5, 1.0, 2 / 3)),
    ],
)
def test_counts_zero_division_policies(counts, null, zero):
    assert counts.scores("null") == pytest.approx(null)
    assert counts.scores("zero") == pytest.approx(zero)


def test_counts_add_up():
    a, b = EntityCounts(1, 2, 3, 4, 5), EntityCounts(5, 4, 3, 2, 1)
    assert (a + b).vector() == (6, 6, 6, 6, 6)
    assert EventCounts(1, 2, 3) + EventCounts(1, 1, 1) == EventCounts(2, 3, 4)


def test_counts_macro_null_leaves_undefined_out_and_zero_counts_it():
    per_label = [(1.0, 0.5, 2 / 3), (None, 0.0, 0.0), (0.5, None, 0.0)]
    p, r, f = macro(per_label, "null")
    assert (p, r, f) == pytest.approx((0.75, 0.25, 2 / 9))
    p, r, f = macro(per_label, "zero")
    assert (p, r, f) == pytest.approx((0.5, 0.5 / 3, 2 / 9))
    assert macro([], "zero") == (None, None, None)


def test_counts_macro_zero_matches_seqeval():
    """seqeval's macro with zero_division=0 equals annot's macro under policy zero (labels from the data)."""
    from seqeval.metrics import precision_score, recall_score

    y_true = [["B-PER", "O", "B-ORG", "O"]]
    y_pred = [["B-PER", "O", "O", "B-GPE"]]  # ORG: no prediction (precision undefined); GPE: no gold
    per_label = [
        EntityCounts(correct=1).scores("null"),  # PER
        EntityCounts(missed=1).scores("null"),  # ORG
        EntityCounts(spurious=1).scores("null"),  # GPE
    ]
    p, r, _ = macro(per_label, "zero")
    assert p == pytest.approx(precision_score(y_true, y_pred, average="macro", zero_division=0))
    assert r == pytest.approx(recall_score(y_true, y_pred, average="macro", zero_division=0))


def test_counts_arrays_agree_with_scalars():
    rng = random.Random(4)
    for _ in range(300):
        vec = [rng.randint(0, 3) for _ in range(5)]
        c = EntityCounts(*vec)
        for zd in ("null", "zero"):
            for k, metric in enumerate(("precision", "recall", "f1")):
                got = float(metric_from_sums("entities", np.array(vec, dtype=float), metric, zd))
                want = c.scores(zd)[k]
                assert (np.isnan(got) and want is None) or got == pytest.approx(want)
    values = [np.array([1.0, np.nan]), np.array([0.0, np.nan])]
    assert macro_arrays(values, "null")[0] == 0.5 and np.isnan(macro_arrays(values, "null")[1])
    assert list(macro_arrays(values, "zero")) == [0.5, 0.0]


@pytest.mark.parametrize(
    "text, key",
    [
        ("entities/strict", CountKey("entities", None, "strict")),
        ("entities/PER/partial", CountKey("entities", "PER", "partial")),
        ("events/Contact.Meet/trigger_classification", CountKey("events", "Contact.Meet", "trigger_classification")),
        ("roles/Agent/argument_classification", CountKey("roles", "Agent", "argument_classification")),
    ],
)
def test_counts_key_round_trip(text, key):
    assert CountKey.parse(text) == key and str(key) == text
    assert key.width == (5 if key.section == "entities" else 3)
