"""The pure-Python assignment of crowded components gives scipy's pairs exactly, ties included."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from annot.scoring.assignment import PURE_PYTHON_CELLS, assign


def _scipy(w: np.ndarray) -> tuple[list[int], list[int]]:
    rows, cols = linear_sum_assignment(w, maximize=True)
    return [int(r) for r in rows], [int(c) for c in cols]


@pytest.mark.parametrize("seed", range(4))
def test_assign_is_scipy_on_random_tie_heavy_matrices(seed: int):
    """Small integer weights (many equal-weight assignments): the same rows and columns as scipy, square,
    wide and tall, the matcher's weights (correct > other pair > shared characters) among them."""
    rng = np.random.default_rng(seed)
    for _ in range(3000):
        r, c = int(rng.integers(1, 10)), int(rng.integers(1, 10))
        w = rng.integers(0, int(rng.integers(1, 6)), (r, c)).astype(float)
        if rng.random() < 0.5:
            w *= float(rng.integers(1, 100))
        assert assign(w) == _scipy(w), w


def test_assign_by_hand():
    # two golds both overlap one prediction; the second gold's pair weighs more
    assert assign(np.array([[3.0], [5.0]])) == ([1], [0])
    # a 2x2 where the diagonal loses: 1 + 1 < 0 + 4
    assert assign(np.array([[1.0, 4.0], [0.0, 1.0]])) == ([0, 1], [1, 0])
    assert assign(np.zeros((1, 3))) == ([0], [0])


def test_large_components_go_to_scipy():
    rng = np.random.default_rng(7)
    w = rng.integers(0, 3, (30, 30)).astype(float)
    assert w.size > PURE_PYTHON_CELLS and assign(w) == _scipy(w)
