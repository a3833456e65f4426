"""Maximum-weight assignment for the small components of the overlap graph, without importing scipy.optimize.

The matcher pairs the mentions of a crowded component (a mention overlapping several) by a maximum-weight
assignment. scipy's `linear_sum_assignment` does that, but importing scipy.optimize costs about a third of a
second, more than scoring a test split. Components are a few mentions each, so `assign` solves them here in pure
Python with the same algorithm as scipy (shortest augmenting paths, one row at a time: Crouse, "On implementing
2D rectangular assignment algorithms", IEEE TAES 2016) and the same choices among equal paths, which makes the
pairs identical to scipy's, ties included (checked against scipy on random tie-heavy matrices in the tests).
Larger components go to scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

PURE_PYTHON_CELLS = 400  # up to this many cells (rows x columns) the pure-Python solver runs


def assign(weight: np.ndarray) -> tuple[list[int], list[int]]:
    """Rows and columns of a maximum-weight assignment of `weight` (finite), every row paired when there are no
    more rows than columns (else every column); rows in increasing order, as `linear_sum_assignment` gives."""
    if weight.size > PURE_PYTHON_CELLS:
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(weight, maximize=True)
        return [int(r) for r in rows], [int(c) for c in cols]
    cost = (-weight).tolist()
    transposed = len(cost) > len(cost[0]) if cost else False
    if transposed:
        cost = [list(col) for col in zip(*cost)]
    col4row = _shortest_augmenting(cost)
    if not transposed:
        return list(range(len(col4row))), col4row
    order = sorted(range(len(col4row)), key=lambda i: col4row[i])
    return [col4row[i] for i in order], order


def _shortest_augmenting(cost: Sequence[Sequence[float]]) -> list[int]:
    """The column of each row of a minimum-cost assignment of `cost` (no more rows than columns)."""
    nr = len(cost)
    nc = len(cost[0]) if nr else 0
    u = [0.0] * nr
    v = [0.0] * nc
    col4row = [-1] * nr
    row4col = [-1] * nc
    path = [-1] * nc
    for row in range(nr):
        spc = [math.inf] * nc  # shortest path cost to each column
        seen_rows = [False] * nr
        seen_cols = [False] * nc
        remaining = list(range(nc - 1, -1, -1))
        left = nc
        low_total = 0.0
        sink = -1
        i = row
        while sink == -1:
            seen_rows[i] = True
            index, lowest = -1, math.inf
            for k in range(left):
                j = remaining[k]
                r = low_total + cost[i][j] - u[i] - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                # among equal costs, a free column (it ends the path)
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest, index = spc[j], k
            low_total = lowest
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            seen_cols[j] = True
            left -= 1
            remaining[index] = remaining[left]
        u[row] += low_total
        for r in range(nr):
            if seen_rows[r] and r != row:
                u[r] += low_total - spc[col4row[r]]
        for c in range(nc):
            if seen_cols[c]:
                v[c] -= low_total - spc[c]
        j = sink
        while True:
            r = path[j]
            row4col[j] = r
            col4row[r], j = j, col4row[r]
            if r == row:
                break
    return col4row
