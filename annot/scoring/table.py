"""Per-document counts: one row per document, one block of columns per count key.

The table is what resampling (bootstrap), paired tests and the gate recompute
metrics from; report.json keeps it sparse under ``per_document``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .counts import CountKey, Counts, EntityCounts, EventCounts, counts_of


class CountTable:
    """Count vectors of `keys` for each document (`ids`, with their text SHA-256), as one integer matrix."""

    def __init__(self, ids: Sequence[str], sha256: Sequence[str], keys: Sequence[CountKey], data: np.ndarray) -> None:
        self.ids = list(ids)
        self.sha256 = list(sha256)
        self.keys = list(keys)
        self._slices: dict[CountKey, slice] = {}
        at = 0
        for key in self.keys:
            self._slices[key] = slice(at, at + key.width)
            at += key.width
        if data.shape != (len(self.ids), at):
            raise ValueError(f"count matrix of shape {data.shape}, expected {(len(self.ids), at)}")
        self.data = data

    @classmethod
    def from_rows(
        cls, ids: Sequence[str], sha256: Sequence[str], rows: Sequence[Mapping[CountKey, Sequence[int]]]
    ) -> CountTable:
        """A table from sparse rows (key -> vector; keys missing from a row are zeros)."""
        keys = sorted({k for row in rows for k in row}, key=CountKey.sort_key)
        table = cls(ids, sha256, keys, np.zeros((len(ids), sum(k.width for k in keys)), dtype=np.int64))
        for i, row in enumerate(rows):
            for key, vector in row.items():
                table.data[i, table._slices[key]] = vector
        return table

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, key: object) -> bool:
        return key in self._slices

    def matrix(self, key: CountKey) -> np.ndarray:
        """The (documents x vector) counts of `key`; zeros when the table has no such key."""
        where = self._slices.get(key)
        if where is None:
            return np.zeros((len(self.ids), key.width), dtype=np.int64)
        return self.data[:, where]

    def total(self, key: CountKey) -> Counts:
        """The counts of `key` summed over documents."""
        return counts_of(key.counts_section, self.matrix(key).sum(axis=0))

    def entity_total(self, key: CountKey) -> EntityCounts:
        """The entity counts of `key` summed over documents."""
        return EntityCounts(*(int(v) for v in self.matrix(key).sum(axis=0)))

    def event_total(self, key: CountKey) -> EventCounts:
        """The event (or role) counts of `key` summed over documents."""
        return EventCounts(*(int(v) for v in self.matrix(key).sum(axis=0)))

    def names(self, section: str, level: str) -> list[str]:
        """The labels / types / roles with a count of `level` in some document, sorted."""
        return sorted(
            k.name
            for k in self.keys
            if k.section == section and k.level == level and k.name is not None and self.matrix(k).any()
        )

    def row(self, i: int) -> dict[CountKey, list[int]]:
        """Document `i`'s non-zero count vectors."""
        out = {}
        for key, where in self._slices.items():
            values = self.data[i, where]
            if values.any():
                out[key] = [int(v) for v in values]
        return out

    def select(self, ids: Iterable[str]) -> CountTable:
        """The rows of `ids`, in that order."""
        index = {d: i for i, d in enumerate(self.ids)}
        rows = [index[d] for d in ids]
        return CountTable([self.ids[i] for i in rows], [self.sha256[i] for i in rows], self.keys, self.data[rows])
