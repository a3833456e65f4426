"""Percentile bootstrap intervals over documents, vectorised: resample weights times per-document counts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import AnnotError
from .counts import METRICS, CountKey, ZeroDivision, metric_from_sums
from .table import CountTable


@dataclass(frozen=True, kw_only=True, slots=True)
class Interval:
    """Low and high ends of the interval of each metric (None where the metric is mostly undefined)."""

    precision: tuple[float, float] | None = None
    recall: tuple[float, float] | None = None
    f1: tuple[float, float] | None = None


def resample_weights(n: int, samples: int, seed: int) -> Iterator[np.ndarray]:
    """Bootstrap resamples of `n` documents as count weights (how often each document was drawn), in chunks.

    Row r of the weights times the per-document counts gives resample r's totals.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, min(samples, 2_000_000 // max(n, 1)))  # the chunk decides the draws: keep it
    done = 0
    while done < samples:
        k = min(chunk, samples - done)
        idx = rng.integers(0, n, size=(k, n))
        idx += np.arange(k)[:, None] * n  # row r's draws counted in row r (in place: one array less)
        drawn = np.bincount(idx.ravel(), minlength=k * n)
        del idx
        yield drawn.reshape(k, n).astype(float)
        done += k


def bootstrap_intervals(
    table: CountTable,
    keys: Sequence[CountKey],
    samples: int,
    seed: int,
    confidence: float = 0.95,
    zero_division: str = ZeroDivision.NULL,
) -> dict[CountKey, Interval]:
    """Percentile bootstrap over the documents of `table` for P/R/F1 of each of `keys`.

    Under policy ``null`` a metric that is undefined in more than half of the
    resamples gets no interval; under ``zero`` an undefined value counts as 0.
    """
    if samples <= 0 or not len(table):
        return {}
    if not 0 < confidence < 1:
        raise AnnotError(f"confidence {confidence} must be between 0 and 1")
    # One matrix of every key's columns, one product per chunk of resamples (integer sums, exact in float).
    widths = [key.width for key in keys]
    starts = np.concatenate(([0], np.cumsum(widths)))
    counts = np.empty((len(table), int(starts[-1])))  # filled key by key: no second, integer copy
    for i, key in enumerate(keys):
        counts[:, starts[i] : starts[i + 1]] = table.matrix(key)
    parts = [weights @ counts for weights in resample_weights(len(table), samples, seed)]
    all_sums = np.concatenate(parts) if parts else np.zeros((0, counts.shape[1]))
    totals = {key: [all_sums[:, starts[i] : starts[i + 1]]] for i, key in enumerate(keys)}
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    out: dict[CountKey, Interval] = {}
    for key, parts in totals.items():
        sums = np.concatenate(parts)
        ends: dict[str, tuple[float, float] | None] = {}
        for metric in METRICS:
            values = metric_from_sums(key.counts_section, sums, metric, zero_division)
            defined = values[~np.isnan(values)]
            ends[metric] = (
                (float(np.quantile(defined, lo_q)), float(np.quantile(defined, hi_q)))
                if len(defined) * 2 > samples
                else None
            )
        out[key] = Interval(**ends)
    return out
