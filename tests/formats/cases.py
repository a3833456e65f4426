"""Generated documents for the round-trip tests of the formats, and a comparison that ignores ids."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from annot.documents import Argument, Document, Entity, Event

LABELS = ("PER", "ORG", "GPE", "Q-2")
EVENT_TYPES = ("Movement.Deploy", "Contact.Meet")
ROLES = ("Agent", "Participant", "Place")
# Each of these is one token of spaCy's English tokenizer (checked in test_conll).
WORDS = ("NATO", "sent", "troops", "to", "Kosovo", "Erdoğan", "Priština", "KFOR", "5", "June", "EU", "talks", "x1")


def shape(doc: Document) -> tuple[Any, ...]:
    """What a document says, whatever its ids and order: text, entities (with fragments), events with what fills
    their roles (an entity's span, or an event's trigger and type)."""
    ents = {e.id: (e.start, e.end, e.label, e.fragments) for e in doc.entities}
    evs = {ev.id: ("event", ev.start, ev.end, ev.type) for ev in doc.events}

    def filler(a: Argument) -> tuple[Any, ...]:
        return evs[a.event] if a.event else ("entity", *ents[a.entity])

    events = sorted(
        (ev.type, ev.start, ev.end, tuple(sorted((a.role, filler(a)) for a in ev.arguments))) for ev in doc.events
    )
    return doc.text, sorted(ents.values()), events


def fragments_of(draw: st.DrawFn, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Sometimes, fragments of [start, end): pieces apart from each other, the first at start, the last at end."""
    cuts = sorted(set(draw(st.lists(st.integers(start + 1, end - 1), max_size=4)))) if end - start > 2 else []
    if len(cuts) < 2 or not draw(st.booleans()):
        return ()
    bounds = [start, *cuts[: len(cuts) // 2 * 2], end]
    pieces = tuple((bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))
    return pieces if len(pieces) > 1 and all(a[1] < b[0] for a, b in zip(pieces, pieces[1:])) else ()


@st.composite
def any_documents(draw: st.DrawFn, nested_events: bool = True, fragments: bool = True) -> Document:
    """Any text (line breaks, tabs, astral characters), overlapping and discontinuous entities, events with
    arguments that are entities or (nested events) other events."""
    text = draw(st.text(alphabet="ab NATOé😀\n\r\t\u2028.:", min_size=1, max_size=30))

    def span() -> tuple[int, int]:
        start = draw(st.integers(0, len(text) - 1))
        return start, draw(st.integers(start + 1, len(text)))

    entities = []
    for i in range(draw(st.integers(0, 6))):
        s, e = span()
        entities.append(
            Entity(s, e, draw(st.sampled_from(LABELS)), f"T{i}", None, fragments_of(draw, s, e) if fragments else ())
        )
    n_events = draw(st.integers(0, 3))
    events = []
    for j in range(n_events):
        args: list[Argument] = []
        for _ in range(draw(st.integers(0, 3))):
            # an event fills a role of a later one only: no event contains itself
            if nested_events and j and draw(st.booleans()):
                args.append(Argument(draw(st.sampled_from(ROLES)), "", None, f"E{draw(st.integers(0, j - 1))}"))
            elif entities:
                args.append(Argument(draw(st.sampled_from(ROLES)), draw(st.sampled_from(entities)).id))
        events.append(Event(f"E{j}", draw(st.sampled_from(EVENT_TYPES)), *span(), tuple(args)))
    doc_id = draw(st.from_regex(r"\A[a-c1][a-c1._-]{0,7}\Z"))
    return Document(doc_id, text, tuple(entities), tuple(events))


@st.composite
def token_documents(draw: st.DrawFn, doc_id: str = "d") -> Document:
    """Whitespace-tokenised text (words joined by single spaces, lines by a line break) and
    non-overlapping entity mentions of whole tokens within a line."""
    lines = draw(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=4))
    entities: list[Entity] = []
    pos = 0
    for words in lines:
        starts = []
        for w in words:
            starts.append(pos)
            pos += len(w) + 1
        i = 0
        while i < len(words):
            if draw(st.booleans()):
                j = draw(st.integers(i + 1, min(len(words), i + 3)))
                end = starts[j - 1] + len(words[j - 1])
                entities.append(Entity(starts[i], end, draw(st.sampled_from(LABELS)), f"T{len(entities) + 1}"))
                i = j
            else:
                i += 1
    text = "\n".join(" ".join(words) for words in lines)
    return Document(doc_id, text, tuple(entities))
