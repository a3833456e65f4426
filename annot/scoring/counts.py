"""The count algebra: count vectors that add up, precision / recall / F1, macro averages, and the key of every count.

Everything that turns counts into scores calls this module: the report, the
bootstrap, the paired test and the gate.

Zero division: a precision with no prediction (actual = 0) or a recall with no
gold (possible = 0) is undefined. Policy ``null`` (the default) reports it as
``null`` and leaves it out of macro averages, never showing a perfect 1.0.
F1 is 0 when one of precision and recall is 0 or undefined and the other is
defined; it is ``null`` only when both are undefined. Policy ``zero`` reports
0.0 instead of ``null`` everywhere, macro averages and intervals included, as
seqeval's ``zero_division=0`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum

import numpy as np

from .vocabulary import SCHEMES

PRF = tuple[float | None, float | None, float | None]
METRICS: tuple[str, ...] = ("precision", "recall", "f1")

# The order of the values in a count vector, per section.
ENTITY_FIELDS: tuple[str, ...] = ("correct", "incorrect", "partial", "missed", "spurious")
EVENT_FIELDS: tuple[str, ...] = ("matched", "predicted", "gold")


class ZeroDivision(StrEnum):
    """What a zero denominator gives: ``null`` (undefined, left out of macro) or ``zero`` (0.0)."""

    NULL = "null"
    ZERO = "zero"


def prf(credit: float, actual: float, possible: float, zero_division: str = ZeroDivision.NULL) -> PRF:
    """Precision, recall and F1 of `credit` correct out of `actual` predicted and `possible` gold.

    >>> prf(3, 4, 6)
    (0.75, 0.5, 0.6)
    >>> prf(0, 0, 5)
    (None, 0.0, 0.0)
    >>> prf(0, 0, 0)
    (None, None, None)
    >>> prf(0, 0, 0, "zero")
    (0.0, 0.0, 0.0)
    """
    p = credit / actual if actual else None
    r = credit / possible if possible else None
    if p is None and r is None:
        f = None
    elif not p or not r:
        f = 0.0
    else:
        f = 2 * p * r / (p + r)
    if zero_division == ZeroDivision.ZERO:
        return p or 0.0, r or 0.0, f or 0.0
    return p, r, f


def macro(scores: Iterable[PRF], zero_division: str = ZeroDivision.NULL) -> PRF:
    """The mean of each metric over labels: undefined values are left out (``null``) or count as 0 (``zero``).

    >>> macro([(1.0, 0.5, 0.667), (None, 0.0, 0.0)])
    (1.0, 0.25, 0.3335)
    >>> macro([(1.0, 0.5, 0.667), (None, 0.0, 0.0)], "zero")
    (0.5, 0.25, 0.3335)
    >>> macro([])
    (None, None, None)
    """
    columns: list[list[float]] = [[], [], []]
    for score in scores:
        for column, value in zip(columns, score):
            if value is not None:
                column.append(value)
            elif zero_division == ZeroDivision.ZERO:
                column.append(0.0)
    p, r, f = (sum(c) / len(c) if c else None for c in columns)
    return p, r, f


@dataclass(frozen=True, slots=True)
class EntityCounts:
    """SemEval-style counts of one entity scheme; they add up across documents and labels."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    def __add__(self, other: EntityCounts) -> EntityCounts:
        return EntityCounts(*(a + b for a, b in zip(self.vector(), other.vector())))

    @property
    def possible(self) -> int:
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def actual(self) -> int:
        return self.correct + self.incorrect + self.partial + self.spurious

    def vector(self) -> tuple[int, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    def scores(self, zero_division: str = ZeroDivision.NULL) -> PRF:
        # Partial is non-zero only in the partial scheme, so the formula is the same for all four.
        return prf(self.correct + 0.5 * self.partial, self.actual, self.possible, zero_division)


@dataclass(frozen=True, slots=True)
class EventCounts:
    """Matched, predicted and gold items at one event level."""

    matched: int = 0
    predicted: int = 0
    gold: int = 0

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(self.matched + other.matched, self.predicted + other.predicted, self.gold + other.gold)

    def vector(self) -> tuple[int, ...]:
        return (self.matched, self.predicted, self.gold)

    def scores(self, zero_division: str = ZeroDivision.NULL) -> PRF:
        return prf(self.matched, self.predicted, self.gold, zero_division)


Counts = EntityCounts | EventCounts


def counts_of(section: str, vector: Sequence[int]) -> Counts:
    """The counts record of a section from its vector.

    >>> counts_of("entities", [3, 1, 0, 2, 1]).possible
    6
    """
    values = [int(v) for v in vector]
    return EntityCounts(*values) if section == "entities" else EventCounts(*values)


# ------------------------------------------------------------------ arrays


def prf_arrays(
    credit: np.ndarray, actual: np.ndarray, possible: np.ndarray, metric: str, zero_division: str = ZeroDivision.NULL
) -> np.ndarray:
    """`prf` over arrays, one metric: NaN where undefined under ``null``, 0 under ``zero``; the same F1 rule."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(actual > 0, credit / np.where(actual > 0, actual, 1), np.nan)
        r = np.where(possible > 0, credit / np.where(possible > 0, possible, 1), np.nan)
        if metric == "precision":
            out = p
        elif metric == "recall":
            out = r
        else:
            denom = np.nan_to_num(p) + np.nan_to_num(r)
            f = np.where(denom > 0, 2 * np.nan_to_num(p) * np.nan_to_num(r) / np.where(denom > 0, denom, 1), 0.0)
            out = np.where(np.isnan(p) & np.isnan(r), np.nan, f)
    return np.nan_to_num(out, nan=0.0) if zero_division == ZeroDivision.ZERO else out


def metric_from_sums(section: str, sums: np.ndarray, metric: str, zero_division: str = ZeroDivision.NULL) -> np.ndarray:
    """One metric from summed count vectors (the last axis holds the vector of `section`)."""
    if section == "entities":
        c, i, p, m, s = (sums[..., k] for k in range(5))
        return prf_arrays(c + 0.5 * p, c + i + p + s, c + i + p + m, metric, zero_division)
    matched, predicted, gold = (sums[..., k] for k in range(3))
    return prf_arrays(matched, predicted, gold, metric, zero_division)


def macro_arrays(values: Sequence[np.ndarray], zero_division: str = ZeroDivision.NULL) -> np.ndarray:
    """`macro` over arrays: the mean over labels (the first axis), NaN left out; NaN when all are NaN."""
    if not values:
        return np.array(np.nan)
    stacked = np.stack(values)
    if zero_division == ZeroDivision.ZERO:
        return np.nan_to_num(stacked, nan=0.0).mean(axis=0)
    defined = ~np.isnan(stacked)
    n = defined.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(stacked, axis=0) / np.where(n > 0, n, 1), np.nan)


# ------------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class CountKey:
    """The one name of a count: section, label / event type / role (None for micro), scheme or event level.

    Written ``entities/<scheme>``, ``entities/<label>/<scheme>``, ``events/<level>``,
    ``events/<type>/<level>`` and ``roles/<role>/<level>`` in report.json's per-document counts.

    >>> str(CountKey("entities", "PER", "strict")), CountKey.parse("events/Contact.Meet/trigger_classification").name
    ('entities/PER/strict', 'Contact.Meet')
    """

    section: str
    name: str | None
    level: str

    def __str__(self) -> str:
        return f"{self.section}/{self.level}" if self.name is None else f"{self.section}/{self.name}/{self.level}"

    @classmethod
    def parse(cls, text: str) -> CountKey:
        section, _, rest = text.partition("/")
        name, _, level = rest.rpartition("/")
        return cls(section, name or None, level)

    def sort_key(self) -> tuple[str, bool, str, str]:
        """Sections, then micro before named keys, then names and levels in order."""
        return (self.section, self.name is not None, self.name or "", self.level)

    @property
    def width(self) -> int:
        return len(ENTITY_FIELDS) if self.section == "entities" else len(EVENT_FIELDS)

    @property
    def counts_section(self) -> str:
        """The section whose count vector this key holds (roles count like events)."""
        return "entities" if self.section == "entities" else "events"


def entity_keys(labels: Sequence[str]) -> list[CountKey]:
    """The entity count keys: micro per scheme, then per label and scheme.

    >>> [str(k) for k in entity_keys(["PER"])][-1]
    'entities/PER/type'
    """
    return [CountKey("entities", None, s) for s in SCHEMES] + [
        CountKey("entities", lab, s) for lab in labels for s in SCHEMES
    ]
