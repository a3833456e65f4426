"""The executable definition of annot's scores: one document pair at a time, small and readable.

This module is the reference that everything else is checked against. The
engine (`engine.py`) computes the same counts for a whole corpus at once over
arrays; `tests/scoring/test_engine.py` proves the two equal on random crowded
corpora (counts, errors and confusions), and `tests/scoring/test_matching.py`
checks this module against nervaluate, seqeval and hand-made cases. The names
of the schemes and levels, and their one-line definitions, are in
`vocabulary.py`.

Entities follow SemEval-2013 Task 9.1 (as in nervaluate), with half-open
offsets. Matching is one-to-one and independent of input order: among all
one-to-one pairings of gold and predicted mentions, annot takes one with the
most *correct* pairs and, among those, the most *incorrect* / *partial* pairs
(a maximum-weight assignment); the counts depend on nothing else. Among such
pairings, the one whose pairs share the most characters is taken (so a gold
"Guo Hanxiang" is paired with the prediction "Guo Hanxiang Li" rather than with
"Guo"), solved for each connected component of the overlap graph on its own.
A gold mention left unpaired is *missed*; a prediction left unpaired is
*spurious*, including a duplicate or a second fragment of a gold mention
already paired (nervaluate would count it again against the same gold mention;
annot never pairs one gold mention twice).

Nested gold (mentions that overlap each other, one span with several types)
needs no other rule: the pairing is one-to-one on both sides whatever overlaps
what, so the strict scheme's correct count is the size of the multiset
intersection of (boundaries, label) -- the usual nested-NER measure -- and on
flat gold nothing changes. A discontinuous mention is its set of characters:
"same start and end" means the same fragments, "overlapping" means sharing a
character of a fragment (not of a gap), and the characters shared are counted
on the fragments (`vocabulary.MENTION_DEFINITIONS`).

Events (Ji & Grishman 2008; Li, Ji & Huang 2013): each level compares a
multiset of items per document (`event_items`) and counts their one-to-one
intersection. An argument filled by an event (nested events, as in BioNLP)
stands for that event's trigger offsets and type, as the BioNLP shared tasks'
approximate recursive matching has it: it matches an argument filled by an
event with the same trigger offsets and type, never one filled by an entity. Error categories of events are defined in `analysis.py`, which
the engine calls per document as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..documents import Argument, Document, Entity, fragment_key
from .analysis import ErrorItem, EventTuple, context, event_error_item, event_error_records
from .counts import CountKey, EntityCounts, EventCounts
from .vocabulary import EVENT_LEVELS, MISSED, ROLE_LEVELS, SCHEMES, SPURIOUS, EventLevel, Outcome, Scheme

# ------------------------------------------------------------------ entities


def same_boundaries(a: Entity, b: Entity) -> bool:
    """The same characters: the same start and end, and the same fragments (none for contiguous mentions).

    >>> same_boundaries(Entity(0, 14, "X", fragments=((0, 4), (10, 14))), Entity(0, 14, "X"))
    False
    """
    return (a.start, a.end, a.fragments) == (b.start, b.end, b.fragments)


class Strict:
    """Correct: same start, end (fragments) and label. Incorrect: overlapping otherwise."""

    @staticmethod
    def judge(g: Entity, p: Entity) -> Outcome:
        return "correct" if same_boundaries(g, p) and g.label == p.label else "incorrect"


class Exact:
    """Correct: same start and end (fragments), whatever the label. Incorrect: overlapping, other boundaries."""

    @staticmethod
    def judge(g: Entity, p: Entity) -> Outcome:
        return "correct" if same_boundaries(g, p) else "incorrect"


class Partial:
    """Correct: same start and end (fragments). Partial (half credit): overlapping, other boundaries. Labels
    ignored."""

    @staticmethod
    def judge(g: Entity, p: Entity) -> Outcome:
        return "correct" if same_boundaries(g, p) else "partial"


class Type:
    """Correct: overlapping with the same label. Incorrect: overlapping with another label."""

    @staticmethod
    def judge(g: Entity, p: Entity) -> Outcome:
        return "correct" if g.label == p.label else "incorrect"


JUDGES: dict[str, Callable[[Entity, Entity], Outcome]] = {
    "strict": Strict.judge,
    "exact": Exact.judge,
    "partial": Partial.judge,
    "type": Type.judge,
}


def overlaps(a: Entity, b: Entity) -> bool:
    """Half-open spans share at least one character (of a fragment: the gaps of a discontinuous mention are not
    its characters).

    >>> overlaps(Entity(0, 4, "ORG"), Entity(4, 8, "ORG"))
    False
    >>> overlaps(Entity(0, 14, "ORG", fragments=((0, 4), (10, 14))), Entity(5, 9, "ORG"))
    False
    """
    if not (a.start < b.end and b.start < a.end):
        return False
    if not a.fragments and not b.fragments:
        return True
    return any(s < f and r < e for s, e in a.pieces for r, f in b.pieces)


def shared_characters(a: Entity, b: Entity) -> int:
    """How many characters two mentions share (on their fragments).

    >>> shared_characters(Entity(0, 14, "X", fragments=((0, 4), (10, 14))), Entity(2, 12, "X"))
    4
    """
    return sum(max(0, min(e, f) - max(s, r)) for s, e in a.pieces for r, f in b.pieces)


@dataclass(frozen=True)
class EntityMatch:
    """Pairs (gold index, prediction index, outcome), unpaired gold (missed) and predictions (spurious)."""

    pairs: tuple[tuple[int, int, Outcome], ...]
    missed: tuple[int, ...]
    spurious: tuple[int, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for _, _, o in self.pairs if o == outcome)

    def counts(self) -> EntityCounts:
        """The SemEval counts of this matching."""
        return EntityCounts(
            self.count("correct"), self.count("incorrect"), self.count("partial"), len(self.missed), len(self.spurious)
        )


def match_entities(gold: Sequence[Entity], pred: Sequence[Entity], scheme: Scheme) -> EntityMatch:
    """One-to-one matching of `pred` to `gold` under `scheme` (see the module docstring).

    >>> gold = [Entity(0, 12, "PER"), Entity(20, 26, "GPE")]
    >>> match_entities(gold, [Entity(0, 3, "PER"), Entity(0, 15, "PER")], "partial").counts()
    EntityCounts(correct=0, incorrect=0, partial=1, missed=1, spurious=1)
    """
    judge = JUDGES[scheme]
    # Candidate edges: only overlapping pairs can be paired at all.
    edges: dict[tuple[int, int], Outcome] = {}
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if overlaps(g, p):
                edges[gi, pi] = judge(g, p)
    if not edges:
        return EntityMatch((), tuple(range(len(gold))), tuple(range(len(pred))))
    pairs = _assign(edges, gold, pred)
    used_g = {g for g, _, _ in pairs}
    used_p = {p for _, p, _ in pairs}
    return EntityMatch(
        tuple(sorted(pairs)),
        tuple(i for i in range(len(gold)) if i not in used_g),
        tuple(i for i in range(len(pred)) if i not in used_p),
    )


def _assign(
    edges: dict[tuple[int, int], Outcome], gold: Sequence[Entity], pred: Sequence[Entity]
) -> list[tuple[int, int, Outcome]]:
    """Maximum-weight one-to-one pairing: the most correct pairs, then the most other pairs, then the most
    characters shared; one connected component of the overlap graph at a time."""
    # Fast path: every mention has at most one candidate (the usual case) -> take all edges.
    g_deg = Counter(g for g, _ in edges)
    p_deg = Counter(p for _, p in edges)
    if max(g_deg.values()) == 1 and max(p_deg.values()) == 1:
        return [(g, p, o) for (g, p), o in edges.items()]
    import numpy as np

    from .assignment import assign

    out: list[tuple[int, int, Outcome]] = []
    for golds, preds in components(edges):
        if len(golds) == 1 and len(preds) == 1:
            out.append((golds[0], preds[0], edges[golds[0], preds[0]]))
            continue
        # Integer weights, exact in floating point: a correct pair outweighs any set of other pairs, another
        # pair outweighs any difference in shared characters (which sum to less than `length`).
        length = sum(gold[g].end - gold[g].start for g in golds) + 1
        correct = 2 * length * (min(len(golds), len(preds)) + 1)
        weight = np.zeros((len(golds), len(preds)))
        for i, g in enumerate(golds):
            for j, p in enumerate(preds):
                o = edges.get((g, p))
                if o is not None:
                    weight[i, j] = correct if o == "correct" else length + shared_characters(gold[g], pred[p])
        rows, cols = assign(weight)
        for i, j in zip(rows, cols):
            g, p = golds[int(i)], preds[int(j)]
            if (g, p) in edges:
                out.append((g, p, edges[g, p]))
    return out


def components(edges: Iterable[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    """The connected components of a bipartite graph (gold index, predicted index), each side sorted."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g, p in edges:
        a, b = find(("g", g)), find(("p", p))
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for node in list(parent):
        golds, preds = groups.setdefault(find(node), ([], []))
        (golds if node[0] == "g" else preds).append(node[1])
    return sorted((sorted(g), sorted(p)) for g, p in groups.values())


# -------------------------------------------------------------------- events


def argument_filler(doc: Document) -> Callable[[Argument], tuple[int, int, str]]:
    """What an argument's filler is compared by: its offsets and what it is beyond them -- "" for a contiguous
    entity mention, "fragments ..." for a discontinuous one, "event TYPE" for an event (its trigger's offsets).

    >>> from ..documents import Event
    >>> d = Document("d", "Troops attacked.", (Entity(0, 6, "MIL", "T1"),), (Event("E1", "Attack", 7, 15),))
    >>> fill = argument_filler(d)
    >>> fill(Argument("Agent", "T1")), fill(Argument("Theme", "", None, "E1"))
    ((0, 6, ''), (7, 15, 'event Attack'))
    """
    ents = doc.entity_by_id()
    evs = doc.event_by_id()

    def filler(a: Argument) -> tuple[int, int, str]:
        if a.event:
            ev = evs[a.event]
            return ev.start, ev.end, f"event {ev.type}"
        e = ents[a.entity]
        return e.start, e.end, f"fragments {fragment_key(e.fragments)}" if e.fragments else ""

    return filler


def event_items(
    doc: Document, level: EventLevel, event_type: str | None = None, role: str | None = None
) -> Counter[tuple[object, ...]]:
    """The multiset of what `level` compares in `doc` (optionally for one event type or one role only).

    Trigger levels compare trigger offsets (and type); argument levels compare
    (event type, argument offsets and what fills the role (`argument_filler`)[, role]), anchored ones also the
    trigger offsets.
    """
    filler = argument_filler(doc)
    items: Counter[tuple[object, ...]] = Counter()
    for ev in doc.events:
        if event_type is not None and ev.type != event_type:
            continue
        if level == "trigger_identification":
            items[ev.start, ev.end] += 1
        elif level == "trigger_classification":
            items[ev.start, ev.end, ev.type] += 1
        else:
            for a in ev.arguments:
                if role is not None and a.role != role:
                    continue
                key: tuple[object, ...] = (ev.type, *filler(a))
                if level.startswith("argument_classification"):
                    key += (a.role,)
                if level.endswith("anchored"):
                    key = (ev.start, ev.end) + key
                items[key] += 1
    return items


def match_events(
    gold: Document, pred: Document, level: EventLevel, event_type: str | None = None, role: str | None = None
) -> tuple[int, int, int]:
    """(matched, predicted, gold) for one document at one level: a one-to-one multiset intersection.

    >>> from ..documents import Argument, Event
    >>> text = "Troops attacked Tarsa."
    >>> ents = (Entity(16, 21, "GPE", "T1"),)
    >>> gold = Document("d", text, ents, (Event("E1", "Conflict.Attack", 7, 15, (Argument("Place", "T1"),)),))
    >>> pred = Document("d", text, ents, (Event("E1", "Conflict.Attack", 7, 15, (Argument("Target", "T1"),)),))
    >>> match_events(gold, pred, "argument_identification"), match_events(gold, pred, "argument_classification")
    ((1, 1, 1), (0, 1, 1))
    """
    g = event_items(gold, level, event_type, role)
    p = event_items(pred, level, event_type, role)
    return sum((g & p).values()), sum(p.values()), sum(g.values())


def score_document(
    gold: Document, pred: Document, labels: Sequence[str], event_types: Sequence[str], roles: Sequence[str] = ()
) -> tuple[dict[CountKey, tuple[int, ...]], dict[Scheme, EntityMatch]]:
    """Every count of one document pair (non-zero vectors only), and the micro matching of each scheme.

    >>> gold = Document("d", "NATO sent troops to Kosovo.", (Entity(0, 4, "ORG", "T1"), Entity(20, 26, "GPE", "T2")))
    >>> pred = Document("d", "NATO sent troops to Kosovo.", (Entity(0, 4, "ORG", "T1"), Entity(20, 25, "GPE", "T2")))
    >>> row, _ = score_document(gold, pred, ["ORG", "GPE"], [])
    >>> row[CountKey("entities", None, "strict")], row[CountKey("entities", None, "partial")]
    ((1, 1, 0, 0, 0), (1, 0, 1, 0, 0))
    """
    row: dict[CountKey, tuple[int, ...]] = {}
    matches: dict[Scheme, EntityMatch] = {}

    def put(key: CountKey, vector: tuple[int, ...]) -> None:
        if any(vector):
            row[key] = vector

    for scheme in SCHEMES:
        m = match_entities(gold.entities, pred.entities, scheme)
        matches[scheme] = m
        put(CountKey("entities", None, scheme), m.counts().vector())
    for label in labels:
        g = [e for e in gold.entities if e.label == label]
        p = [e for e in pred.entities if e.label == label]
        # Per label, predictions are compared with gold mentions of the same label only.
        for scheme in SCHEMES:
            put(CountKey("entities", label, scheme), match_entities(g, p, scheme).counts().vector())
    for lvl in EVENT_LEVELS:
        put(CountKey("events", None, lvl), EventCounts(*match_events(gold, pred, lvl)).vector())
    for t in event_types:
        for lvl in EVENT_LEVELS:
            put(CountKey("events", t, lvl), EventCounts(*match_events(gold, pred, lvl, t)).vector())
    for r in roles:
        for lvl in ROLE_LEVELS:
            put(CountKey("roles", r, lvl), EventCounts(*match_events(gold, pred, lvl, role=r)).vector())
    return row, matches


# -------------------------------------------------------------------- errors


def entity_errors(gold: Document, pred: Document, m: EntityMatch) -> list[ErrorItem]:
    """Every strict-scheme error of one document, with its category."""
    out = []
    for gi, pi, outcome in m.pairs:
        if outcome == "correct":
            continue
        g, p = gold.entities[gi], pred.entities[pi]
        if same_boundaries(g, p):
            cat = "wrong type"
        elif g.label == p.label:
            cat = "wrong boundary"
        else:
            cat = "wrong boundary and type"
        out.append(
            ErrorItem(
                gold.id,
                cat,
                (g.start, g.end, g.label),
                (p.start, p.end, p.label),
                context(gold.text, g.start, g.end),
                gold.text[g.start : g.end],
                gold.text[p.start : p.end],
            )
        )
    for gi in m.missed:
        g = gold.entities[gi]
        out.append(
            ErrorItem(
                gold.id,
                "missed",
                (g.start, g.end, g.label),
                None,
                context(gold.text, g.start, g.end),
                gold.text[g.start : g.end],
            )
        )
    for pi in m.spurious:
        p = pred.entities[pi]
        out.append(
            ErrorItem(
                gold.id,
                "spurious",
                None,
                (p.start, p.end, p.label),
                context(gold.text, p.start, p.end),
                "",
                gold.text[p.start : p.end],
            )
        )
    return sorted(out, key=lambda e: (e.doc_id, (e.gold or e.pred or (0, 0, ""))[:2]))


def entity_confusion(gold: Document, pred: Document, m: EntityMatch) -> Counter[tuple[str, str]]:
    """(gold label, predicted label) counts over the type scheme's pairs, with missed and spurious."""
    c: Counter[tuple[str, str]] = Counter()
    for gi, pi, _ in m.pairs:
        c[gold.entities[gi].label, pred.entities[pi].label] += 1
    for gi in m.missed:
        c[gold.entities[gi].label, MISSED] += 1
    for pi in m.spurious:
        c[SPURIOUS, pred.entities[pi].label] += 1
    return c


def event_tuples(doc: Document) -> list[EventTuple]:
    """A document's events for `event_error_records`."""
    filler = argument_filler(doc)
    return [(ev.start, ev.end, ev.type, tuple((a.role, *filler(a)) for a in ev.arguments)) for ev in doc.events]


def event_errors(gold: Document, pred: Document) -> tuple[list[ErrorItem], Counter[tuple[str, str]]]:
    """Categorised event errors of one document, and the role confusion (gold role, predicted role)."""
    records, confusion = event_error_records(event_tuples(gold), event_tuples(pred))
    return [event_error_item(gold.id, gold.text, *r) for r in records], confusion
