from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annot import documents
from annot.documents import (
    Argument,
    Document,
    Entity,
    Event,
    canonical,
    normalise_text,
    read_documents,
    write_documents,
)
from annot.errors import AnnotError


def test_documents_round_trip_is_byte_stable(tmp_path: Path):
    text = "NATO met Erdoğan in Priština."
    d = Document(
        "b",
        text,
        (Entity(20, 28, "GPE", "x"), Entity(0, 4, "ORG", "y")),
        (Event("ev", "Contact.Meet", 5, 8, (Argument("Place", "x"), Argument("Participant", "y"))),),
        {"story": "s"},
    )
    write_documents(tmp_path / "a.jsonl", [d, Document("a", "x")])
    raw = (tmp_path / "a.jsonl").read_text(encoding="utf-8")
    back = read_documents(tmp_path / "a.jsonl")
    assert [x.id for x in back] == ["a", "b"]  # sorted by id
    assert [(e.id, e.label) for e in back[1].entities] == [("T1", "ORG"), ("T2", "GPE")]
    assert [(a.role, a.entity) for a in back[1].events[0].arguments] == [("Participant", "T1"), ("Place", "T2")]
    write_documents(tmp_path / "b.jsonl", back)
    assert (tmp_path / "b.jsonl").read_text(encoding="utf-8") == raw
    assert "Erdoğan" in raw  # UTF-8, not \u escapes
    first = json.loads(raw.splitlines()[1])
    assert list(first) == ["id", "sha256", "text", "entities", "events", "meta"]


def test_documents_normalisation():
    assert normalise_text("a\r\nb\rc") == "a\nb\nc"
    assert normalise_text("Pris\u030ctina") == "Priština"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("{not json", "x.jsonl:1: not valid JSON"),
        (
            '{"id": "a", "text": "NATO", "entities": [{"id": "T1", "start": 2, "end": 9, "label": "ORG"}]}',
            "x.jsonl:1 (document 'a'): entities[0] (T1): offsets must satisfy 0 <= start < end <= 4 (text length), got start=2 end=9",
        ),
        (
            '{"id": "a", "text": "NATO", "sha256": "00", "entities": []}',
            "x.jsonl:1 (document 'a'): 'sha256' does not match the text",
        ),
        (
            '{"id": "a", "text": "NATO", "entities": [{"id": "T1", "start": 0, "end": 4, "label": "ORG"}], '
            '"events": [{"id": "E1", "type": "X.Y", "trigger": {"start": 0, "end": 1}, "arguments": [{"role": "Agent", "entity": "T9"}]}]}',
            "x.jsonl:1 (document 'a'): events[0] (E1): arguments[0]: 'entity' 'T9' is not the id of an entity of this document",
        ),
        ('{"id": "", "text": "NATO"}', "x.jsonl:1: document id '' must be letters, digits"),
        (
            '{"id": "a", "text": "NATO", "entities": [{"id": "T1", "start": 0, "end": 4, "label": "ORG", "score": "high"}]}',
            "x.jsonl:1 (document 'a'): entities[0]: 'score' must be a number",
        ),
    ],
)
def test_documents_read_errors_name_file_line_and_field(tmp_path: Path, line, expected):
    p = tmp_path / "x.jsonl"
    p.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        read_documents(p)
    assert any(
        pr.startswith(str(tmp_path / expected.split(":", 1)[0]) + ":" + expected.split(":", 1)[1])
        for pr in err.value.problems
    ), err.value.problems


def test_documents_duplicate_ids_refused(tmp_path: Path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        read_documents(p)
    assert err.value.problems == [f"{p}:2: document id 'a' already used on line 1"]


ent = st.tuples(st.integers(0, 20), st.integers(1, 5), st.sampled_from(["PER", "ORG", "GPE"]))


@settings(max_examples=100, deadline=None)
@given(st.lists(ent, max_size=8, unique_by=lambda t: (t[0], t[1])), st.randoms())
def test_documents_canonical_is_order_independent(spans, rnd):
    text = "x" * 30
    ents = [Entity(s, s + n, lab, f"id{i}") for i, (s, n, lab) in enumerate(spans)]
    evs = [
        Event(f"e{i}", "Contact.Meet", 0, 1, tuple(Argument("Participant", e.id) for e in ents[:i])) for i in range(2)
    ]
    a = canonical(Document("d", text, tuple(ents), tuple(evs)))
    rnd.shuffle(ents)
    b = canonical(Document("d", text, tuple(ents), tuple(reversed(evs))))
    assert a == b


def _sorted_afresh(doc: Document) -> Document:
    """`canonical` without its shortcut for documents already canonical."""
    with mock.patch.object(documents, "_is_canonical", lambda d: False):
        return canonical(doc)


arguments = st.lists(st.tuples(st.sampled_from(["Participant", "Place"]), st.integers(0, 6)), max_size=3)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(ent, max_size=7),
    st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["Contact.Meet", "Life.Die"]), arguments), max_size=12),
    st.booleans(),
)
def test_documents_canonical_shortcut_gives_what_sorting_gives(spans, events, renumbered):
    """A document already canonical is given back as is (written after the importer made it canonical)."""
    ents = [Entity(s, s + n, lab, f"T{i}" if renumbered else f"id{i}") for i, (s, n, lab) in enumerate(spans, 1)]
    evs = [
        Event(f"E{i}" if renumbered else f"ev{i}", t, s, s + 1, tuple(Argument(r, f"T{k}") for r, k in args))
        for i, (s, t, args) in enumerate(events, 1)
    ]
    doc = Document("d", "x" * 30, tuple(ents), tuple(evs))
    once = canonical(doc)
    assert once == _sorted_afresh(doc)
    assert canonical(once) == _sorted_afresh(once)
    twice = canonical(once)
    assert canonical(twice) == _sorted_afresh(twice)


def test_documents_canonical_of_equal_events_is_sorted_by_id_as_text():
    """Eleven equal events: E10 sorts before E2, so the document numbered E1..E11 is not yet canonical."""
    evs = tuple(Event(f"E{i}", "Life.Die", 0, 1) for i in range(1, 12))
    doc = Document("d", "x", (), evs)
    assert not documents._is_canonical(doc)
    assert canonical(doc) == _sorted_afresh(doc)
    assert [ev.id for ev in canonical(doc).events] == [f"E{i}" for i in range(1, 12)]
