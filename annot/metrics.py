"""Counts that add up, precision / recall / F1, micro and macro averages, bootstrap intervals.

Zero division: a precision with no prediction (actual = 0) or a recall with no
gold (possible = 0) is undefined, reported as ``null`` (policy ``"null"``) and
left out of macro averages, never shown as a perfect 1.0. F1 is 0 when one of
precision and recall is 0 or undefined and the other is defined; it is
``null`` only when both are undefined. Policy ``"zero"`` reports 0.0 instead
of ``null``, as spaCy's and seqeval's default scorers do.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

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


def bootstrap_intervals(
    docs: Sequence[DocumentScores],
    samples: int,
    seed: int,
    confidence: float = 0.95,
) -> dict[str, dict[str, tuple[float, float] | None]]:
    """Percentile bootstrap over documents for micro P/R/F1 of every scheme and label.

    Keys are ``"<scheme>"`` and ``"<label>/<scheme>"``; a metric that is undefined
    in more than half of the resamples gets None.
    """
    if samples <= 0 or not docs:
        return {}
    if not 0 < confidence < 1:
        raise AnnotError(f"confidence {confidence} must be between 0 and 1")
    rng = random.Random(seed)
    n = len(docs)
    labels = sorted({lab for d in docs for lab in d.per_label})
    keys = [(s, None) for s in SCHEMES] + [(s, lab) for lab in labels for s in SCHEMES]
    draws: dict[str, list[list[float]]] = {_key(s, lab): [[], [], []] for s, lab in keys}
    for _ in range(samples):
        idx = [rng.randrange(n) for _ in range(n)]
        for s, lab in keys:
            c = sum_counts([docs[i].micro[s] if lab is None else docs[i].per_label[lab][s] for i in idx])
            for k, v in enumerate(c.scores()):
                if v is not None:
                    draws[_key(s, lab)][k].append(v)
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    out: dict[str, dict[str, tuple[float, float] | None]] = {}
    for key, (ps, rs, fs) in draws.items():
        out[key] = {
            name: (_quantile(vals, lo_q), _quantile(vals, hi_q)) if len(vals) * 2 > samples else None
            for name, vals in (("precision", ps), ("recall", rs), ("f1", fs))
        }
    return out


def _key(scheme: str, label: str | None) -> str:
    return scheme if label is None else f"{label}/{scheme}"


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile, as numpy's default.

    >>> _quantile([0.0, 1.0, 2.0, 3.0], 0.5)
    1.5
    """
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)
