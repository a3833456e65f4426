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
    """What a document says, whatever its ids and order: text, entities, events with their arguments' spans."""
    ents = {e.id: (e.start, e.end, e.label) for e in doc.entities}
    events = sorted(
        (ev.type, ev.start, ev.end, tuple(sorted((a.role, ents[a.entity]) for a in ev.arguments))) for ev in doc.events
    )
    return doc.text, sorted(ents.values()), events


@st.composite
def any_documents(draw: st.DrawFn) -> Document:
    """Any text (line breaks, tabs, astral characters), overlapping entities, events with arguments."""
    text = draw(st.text(alphabet="ab NATOé😀\n\r\t\u2028.:", min_size=1, max_size=30))

    def span() -> tuple[int, int]:
        start = draw(st.integers(0, len(text) - 1))
        return start, draw(st.integers(start + 1, len(text)))

    entities = [Entity(*span(), draw(st.sampled_from(LABELS)), f"T{i}") for i in range(draw(st.integers(0, 6)))]
    events = []
    for j in range(draw(st.integers(0, 3))):
        args = ()
        if entities:
            args = tuple(
                Argument(draw(st.sampled_from(ROLES)), draw(st.sampled_from(entities)).id)
                for _ in range(draw(st.integers(0, 3)))
            )
        events.append(Event(f"E{j}", draw(st.sampled_from(EVENT_TYPES)), *span(), args))
    doc_id = draw(st.text(alphabet="abc-_.1", min_size=1, max_size=8).filter(lambda s: s not in (".", "..")))
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
