"""Counts that add up, precision / recall / F1, micro and macro averages, bootstrap intervals.

Zero division: a precision with no prediction (actual = 0) or a recall with no
gold (possible = 0) is undefined, reported as ``null`` (policy ``"null"``) and
left out of macro averages, never shown as a perfect 1.0. F1 is 0 when one of
precision and recall is 0 or undefined and the other is defined; it is
``null`` only when both are undefined. Policy ``"zero"`` reports 0.0 instead
of ``null``, as spaCy's and seqeval's default scorers do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from .documents import Document
from .errors import AnnotError, raise_if_problems
from .matching import EVENT_LEVELS, SCHEMES, EntityMatch, EventLevel, Scheme, match_entities, match_events

ZeroDivision = Literal["null", "zero"]


def prf(
    credit: float, actual: int, possible: int, zero_division: ZeroDivision = "null"
) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1 of `credit` correct out of `actual` predicted and `possible` gold.

    >>> prf(3, 4, 6)
    (0.75, 0.5, 0.6)
    >>> prf(0, 0, 5)
    (None, 0.0, 0.0)
    >>> prf(0, 0, 0)
    (None, None, None)
    """
    p = credit / actual if actual else None
    r = credit / possible if possible else None
    if p is None and r is None:
        f = None
    elif not p or not r:
        f = 0.0
    else:
        f = 2 * p * r / (p + r)
    if zero_division == "zero":
        return p or 0.0, r or 0.0, f or 0.0
    return p, r, f


@dataclass(frozen=True)
class Counts:
    """SemEval-style counts for one scheme; they add up across documents and labels."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def possible(self) -> int:
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def actual(self) -> int:
        return self.correct + self.incorrect + self.partial + self.spurious

    def scores(self, zero_division: ZeroDivision = "null") -> tuple[float | None, float | None, float | None]:
        # Partial is non-zero only in the partial scheme, so the formula is the same for all four.
        return prf(self.correct + 0.5 * self.partial, self.actual, self.possible, zero_division)

    @classmethod
    def of(cls, m: EntityMatch) -> Counts:
        return cls(m.count("correct"), m.count("incorrect"), m.count("partial"), len(m.missed), len(m.spurious))


@dataclass(frozen=True)
class EventCounts:
    """Matched, predicted and gold items at one event level."""

    matched: int = 0
    predicted: int = 0
    gold: int = 0

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(self.matched + other.matched, self.predicted + other.predicted, self.gold + other.gold)

    def scores(self, zero_division: ZeroDivision = "null") -> tuple[float | None, float | None, float | None]:
        return prf(self.matched, self.predicted, self.gold, zero_division)


@dataclass(frozen=True)
class DocumentScores:
    """Every count of one document, so that any set of documents can be summed (bootstrap)."""

    doc_id: str
    micro: dict[Scheme, Counts]
    per_label: dict[str, dict[Scheme, Counts]]
    events: dict[EventLevel, EventCounts]
    events_per_type: dict[str, dict[EventLevel, EventCounts]]
    events_per_role: dict[str, dict[EventLevel, EventCounts]]
    matches: dict[Scheme, EntityMatch]


ROLE_LEVELS: tuple[EventLevel, ...] = ("argument_classification", "argument_classification_anchored")


def score_document(
    gold: Document,
    pred: Document,
    labels: Sequence[str],
    event_types: Sequence[str],
    roles: Sequence[str] = (),
) -> DocumentScores:
    """All entity schemes and event levels for one document pair."""
    micro: dict[Scheme, Counts] = {}
    matches: dict[Scheme, EntityMatch] = {}
    for scheme in SCHEMES:
        m = match_entities(gold.entities, pred.entities, scheme)
        matches[scheme] = m
        micro[scheme] = Counts.of(m)
    per_label: dict[str, dict[Scheme, Counts]] = {}
    for label in labels:
        g = [e for e in gold.entities if e.label == label]
        p = [e for e in pred.entities if e.label == label]
        # Per label, predictions are compared with gold mentions of the same label only.
        per_label[label] = {s: Counts.of(match_entities(g, p, s)) for s in SCHEMES}
    events = {lvl: EventCounts(*match_events(gold, pred, lvl)) for lvl in EVENT_LEVELS}
    per_type = {t: {lvl: EventCounts(*match_events(gold, pred, lvl, t)) for lvl in EVENT_LEVELS} for t in event_types}
    per_role = {r: {lvl: EventCounts(*match_events(gold, pred, lvl, role=r)) for lvl in ROLE_LEVELS} for r in roles}
    return DocumentScores(gold.id, micro, per_label, events, per_type, per_role, matches)


def pair_documents(
    gold: list[Document], pred: list[Document], other_gold: frozenset[str] = frozenset()
) -> tuple[list[tuple[Document, Document]], list[str]]:
    """Pair each gold document with its prediction by id; refuse missing ones, unknown ones and changed texts.

    A prediction for a document of `other_gold` (the corpus' other splits) is ignored and reported; one for a
    document the gold does not have at all is an error. Returns the pairs and the ignored ids.
    """
    by_id = {p.id: p for p in pred}
    problems = []
    pairs = []
    gold_ids = {g.id for g in gold}
    for q in pred:
        if q.id not in gold_ids and q.id not in other_gold:
            problems.append(
                f"document {q.id!r}: predicted, but not in the gold (a wrong id, or predictions for another corpus?)"
            )
    for g in gold:
        p = by_id.get(g.id)
        if p is None:
            problems.append(
                f"document {g.id!r}: no prediction (the system must output every gold document, even with no mention)"
            )
        elif p.text != g.text:
            problems.append(
                f"document {g.id!r}: the predicted text differs from the gold text (SHA-256 {p.sha256[:12]}... vs "
                f"{g.sha256[:12]}...); offsets cannot be compared"
            )
        else:
            pairs.append((g, p))
    raise_if_problems(
        problems,
        "predictions do not match the gold documents",
        "Run the system on the gold documents' texts as they are (`annot predict`).",
    )
    extra = sorted(p.id for p in pred if p.id not in gold_ids)
    return pairs, extra


def sum_counts(items: Sequence[Counts]) -> Counts:
    total = Counts()
    for c in items:
        total = total + c
    return total


def sum_event_counts(items: Sequence[EventCounts]) -> EventCounts:
    total = EventCounts()
    for c in items:
        total = total + c
    return total


def prf_arrays(credit: np.ndarray, actual: np.ndarray, possible: np.ndarray, metric: str) -> np.ndarray:
    """`prf` over arrays, one metric: NaN where undefined (the report's null), same F1 rule."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(actual > 0, credit / np.where(actual > 0, actual, 1), np.nan)
        r = np.where(possible > 0, credit / np.where(possible > 0, possible, 1), np.nan)
        if metric == "precision":
            return p
        if metric == "recall":
            return r
        denom = np.nan_to_num(p) + np.nan_to_num(r)
        f = np.where(denom > 0, 2 * np.nan_to_num(p) * np.nan_to_num(r) / np.where(denom > 0, denom, 1), 0.0)
        return np.where(np.isnan(p) & np.isnan(r), np.nan, f)


def resample_weights(n: int, samples: int, seed: int) -> Iterator[np.ndarray]:
    """Bootstrap resamples of `n` documents as count weights (how often each document was drawn), in chunks.

    Row r of the weights times the per-document counts gives resample r's totals.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, min(samples, 2_000_000 // max(n, 1)))
    done = 0
    while done < samples:
        k = min(chunk, samples - done)
        idx = rng.integers(0, n, size=(k, n))
        flat = (np.arange(k)[:, None] * n + idx).ravel()
        yield np.bincount(flat, minlength=k * n).reshape(k, n).astype(float)
        done += k


def bootstrap_intervals(
    docs: Sequence[DocumentScores],
    samples: int,
    seed: int,
    confidence: float = 0.95,
) -> dict[str, dict[str, tuple[float, float] | None]]:
    """Percentile bootstrap over documents for micro P/R/F1 of every scheme and label.

    Keys are ``"<scheme>"`` and ``"<label>/<scheme>"``; a metric that is undefined
    in more than half of the resamples gets None. Vectorised: resample weights
    times a (documents x counts) matrix per key.
    """
    if samples <= 0 or not docs:
        return {}
    if not 0 < confidence < 1:
        raise AnnotError(f"confidence {confidence} must be between 0 and 1")
    labels = sorted({lab for d in docs for lab in d.per_label})
    keys = [(sch, None) for sch in SCHEMES] + [(sch, lab) for lab in labels for sch in SCHEMES]

    def row(c: Counts) -> list[int]:
        return [c.correct, c.incorrect, c.partial, c.missed, c.spurious]

    matrices = {
        _key(sch, lab): np.array(
            [row(d.micro[sch] if lab is None else d.per_label[lab][sch]) for d in docs], dtype=float
        )
        for sch, lab in keys
    }
    totals: dict[str, list[np.ndarray]] = {k: [] for k in matrices}
    for weights in resample_weights(len(docs), samples, seed):
        for k, m in matrices.items():
            totals[k].append(weights @ m)
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    out: dict[str, dict[str, tuple[float, float] | None]] = {}
    for k, parts in totals.items():
        sums = np.concatenate(parts)
        c, i, p, m, sp = (sums[:, j] for j in range(5))
        credit, actual, possible = c + 0.5 * p, c + i + p + sp, c + i + p + m
        prec, rec, f1 = (prf_arrays(credit, actual, possible, name) for name in ("precision", "recall", "f1"))
        out[k] = {}
        for name, vals in (("precision", prec), ("recall", rec), ("f1", f1)):
            defined = vals[~np.isnan(vals)]
            out[k][name] = (
                (float(np.quantile(defined, lo_q)), float(np.quantile(defined, hi_q)))
                if len(defined) * 2 > samples
                else None
            )
    return out


def _key(scheme: str, label: str | None) -> str:
    return scheme if label is None else f"{label}/{scheme}"
