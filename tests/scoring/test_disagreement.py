"""The disagreement of systems on a document: pairwise F1 against a plain multiset computation, its bounds, the
order it gives."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from annot.documents import Argument, Document, Entity, Event
from annot.scoring.disagreement import Disagreement, disagreement, most_disagreed_first, pair_f1

TEXT = "x" * 40
LABELS = ("ORG", "GPE")


@st.composite
def outputs(draw: st.DrawFn) -> Document:
    """A system's output on TEXT: mentions anywhere (overlapping, repeated), events with arguments."""
    spans = draw(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 4), st.sampled_from(LABELS)), max_size=8))
    ents = tuple(Entity(s, s + n, lab, f"T{i}") for i, (s, n, lab) in enumerate(spans, 1))
    events = []
    for k in range(draw(st.integers(0, 3))):
        start = draw(st.integers(20, 30))
        args = tuple(
            Argument(draw(st.sampled_from(("Agent", "Place"))), e.id)
            for e in draw(st.lists(st.sampled_from(ents), max_size=3) if ents else st.just([]))
        )
        events.append(
            Event(f"E{k}", draw(st.sampled_from(("Conflict.Attack", "Contact.Meet"))), start, start + 3, args)
        )
    return Document("d", TEXT, ents, tuple(events))


def items(doc: Document, events: bool) -> Counter:
    """What the measure compares, as plain multisets: (span, label) of mentions; triggers with their type; and
    arguments as (event type, filler span and label, role)."""
    out: Counter = Counter(("entity", e.start, e.end, e.label) for e in doc.entities)
    if events:
        ents = doc.entity_by_id()
        for ev in doc.events:
            out["trigger", ev.start, ev.end, ev.type] += 1
            for a in ev.arguments:
                e = ents[a.entity]
                out["argument", ev.type, e.start, e.end, e.label, a.role] += 1
    return out


@given(outputs(), outputs(), st.booleans())
def test_disagreement_pair_f1_is_the_f1_of_the_two_multisets_and_symmetric(a: Document, b: Document, events: bool):
    x, y = items(a, events), items(b, events)
    total = x.total() + y.total()
    want = 1.0 if total == 0 else 2 * (x & y).total() / total
    assert pair_f1(a, b, events) == want == pair_f1(b, a, events)
    assert pair_f1(a, a, events) == 1.0


@given(st.lists(outputs(), min_size=2, max_size=4), st.lists(st.booleans(), min_size=4, max_size=4))
def test_disagreement_is_one_minus_the_mean_pairwise_f1_between_zero_and_one(docs: list[Document], events: list[bool]):
    outs = {f"s{i}": d for i, d in enumerate(docs)}
    has = {f"s{i}": events[i] for i in range(len(docs))}
    got = disagreement("d", outs, has)
    assert 0.0 <= got.score <= 1.0
    n = len(docs)
    assert len(got.pairs) == n * (n - 1) // 2
    for a, b, f in got.pairs:
        assert f == pair_f1(outs[a], outs[b], has[a] and has[b])
    assert abs(got.score - (1 - sum(f for _, _, f in got.pairs) / len(got.pairs))) < 1e-12
    same = disagreement("d", {name: docs[0] for name in outs}, has)
    assert same.score == 0.0


def test_disagreement_a_system_without_events_is_compared_on_entities_only():
    ents = (Entity(0, 4, "ORG", "T1"),)
    with_events = Document("d", TEXT, ents, (Event("E1", "Conflict.Attack", 20, 23, (Argument("Agent", "T1"),)),))
    names_only = Document("d", TEXT, ents)
    got = disagreement("d", {"events": with_events, "names": names_only}, {"events": True, "names": False})
    assert got.score == 0.0  # the system that outputs no events is not blamed for missing them
    got = disagreement("d", {"a": with_events, "b": names_only}, {"a": True, "b": True})
    assert got.score == 1 - 2 * 1 / (3 + 1)  # both output events: the trigger and argument count


def test_disagreement_order_is_most_disagreed_first_and_stable_on_ties():
    scores = [Disagreement(d, s, ()) for d, s in [("a", 0.1), ("b", 0.5), ("c", 0.1), ("d", 0.9), ("e", 0.5)]]
    assert [d.document for d in most_disagreed_first(scores)] == ["d", "b", "e", "a", "c"]
