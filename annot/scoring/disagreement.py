"""How much systems disagree on one document: the measure that orders a labeling queue (`annot ls push --order
disagreement`).

For two systems A and B and one document, their agreement is the F1 of one against the other, pooled over the
items both output:

- entity mentions, strict (the same span and label; `reference.match_entities`, one-to-one);
- when both output events, triggers with their type (trigger classification) and arguments with their event
  type, filler and role (argument classification; `reference.match_events`).

F1 = 2 x matched / (items of A + items of B), symmetric in A and B; two systems that find nothing in a document
agree (F1 = 1). The document's **disagreement** is 1 - the mean of that F1 over every pair of systems: 0 when
all systems output the same items, 1 when no two share any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from ..documents import Document
from .reference import match_entities, match_events

DEFINITION = (
    "disagreement = 1 - mean over pairs of systems of the pairwise F1 on the document, pooled over entity "
    "mentions (strict: span and label) and, when both systems output events, triggers (span and type) and "
    "arguments (event type, filler and role); F1 = 2 x matched / (items of one + items of the other), 1 when "
    "neither has any"
)


def pair_f1(a: Document, b: Document, events: bool) -> float:
    """The F1 of `a` against `b` (symmetric), pooled over entities and, with `events`, triggers and arguments.

    >>> from ..documents import Entity
    >>> a = Document("d", "NATO sent troops to Kosovo.", (Entity(0, 4, "ORG", "T1"), Entity(20, 26, "GPE", "T2")))
    >>> b = Document("d", a.text, (Entity(0, 4, "ORG", "T1"), Entity(20, 26, "LOC", "T2")))
    >>> pair_f1(a, b, events=False), pair_f1(a, a, events=False), pair_f1(Document("d", ""), Document("d", ""), False)
    (0.5, 1.0, 1.0)
    """
    counts = match_entities(a.entities, b.entities, "strict").counts()
    matched, total = counts.correct, counts.possible + counts.actual
    if events:
        for level in ("trigger_classification", "argument_classification"):
            m, p, g = match_events(a, b, level)
            matched, total = matched + m, total + p + g
    return 1.0 if total == 0 else 2 * matched / total


@dataclass(frozen=True)
class Disagreement:
    """One document's disagreement and the F1 of each pair of systems behind it."""

    document: str
    score: float
    pairs: tuple[tuple[str, str, float], ...]  # (system, system, F1)


def disagreement(document: str, outputs: Mapping[str, Document], events: Mapping[str, bool]) -> Disagreement:
    """The disagreement of the systems' `outputs` on one document (two systems at least); `events[name]`: whether
    that system outputs events at all (a system without events is compared on entities only)."""
    names = sorted(outputs)
    if len(names) < 2:
        raise ValueError("disagreement needs two systems or more")
    pairs = tuple((x, y, pair_f1(outputs[x], outputs[y], events[x] and events[y])) for x, y in combinations(names, 2))
    return Disagreement(document, 1 - sum(f for _, _, f in pairs) / len(pairs), pairs)


def most_disagreed_first(scores: Sequence[Disagreement]) -> list[Disagreement]:
    """`scores` ordered by disagreement, highest first; documents that tie keep their order."""
    return sorted(scores, key=lambda d: -d.score)
