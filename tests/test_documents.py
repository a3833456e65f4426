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


# ------------------------------------------------- fragments and events filling roles (nested events)

NK = "North and South Korea signed; the signing was welcomed."


def _nested_doc() -> Document:
    return Document(
        "nk",
        NK,
        (Entity(10, 21, "GPE", "b"), Entity(0, 21, "GPE", "a", None, ((0, 5), (16, 21)))),
        (
            Event("w", "Contact.Statement", 46, 54, (Argument("Theme", "", None, "s"),)),
            Event("s", "Contact.Meet", 22, 28, (Argument("Participant", "b"), Argument("Participant", "a"))),
        ),
    )


def test_documents_fragments_and_event_arguments_round_trip(tmp_path: Path):
    """A discontinuous mention writes its fragments beside start and end; an argument filled by an event names it
    by "event"; canonical ids are renumbered on both sides and the bytes are stable."""
    write_documents(tmp_path / "a.jsonl", [_nested_doc()])
    raw = (tmp_path / "a.jsonl").read_text(encoding="utf-8")
    obj = json.loads(raw)
    assert obj["entities"] == [
        {"id": "T1", "start": 0, "end": 21, "label": "GPE", "fragments": [[0, 5], [16, 21]]},
        {"id": "T2", "start": 10, "end": 21, "label": "GPE"},
    ]
    assert [ev["arguments"] for ev in obj["events"]] == [
        [{"role": "Participant", "entity": "T1"}, {"role": "Participant", "entity": "T2"}],
        [{"role": "Theme", "event": "E1"}],
    ]
    (back,) = read_documents(tmp_path / "a.jsonl")
    assert back.entities[0].fragments == ((0, 5), (16, 21)) and back.events[1].arguments[0].event == "E1"
    write_documents(tmp_path / "b.jsonl", [back])
    assert (tmp_path / "b.jsonl").read_text(encoding="utf-8") == raw


@settings(max_examples=200, deadline=None)
@given(st.permutations(range(2)), st.permutations(range(2)))
def test_documents_canonical_does_not_depend_on_the_input_order(ent_order, ev_order):
    d = _nested_doc()
    shuffled = Document(d.id, d.text, tuple(d.entities[i] for i in ent_order), tuple(d.events[i] for i in ev_order))
    assert canonical(shuffled) == canonical(d) and canonical(canonical(d)) == canonical(d)


BASE = '{"id": "a", "text": "NATO and KFOR", "entities": [{"id": "T1", "start": 0, "end": 13, "label": "ORG", %s}], "events": [{"id": "E1", "type": "X", "trigger": {"start": 5, "end": 8}, "arguments": [%s]}]}'


@pytest.mark.parametrize(
    "fragments, argument, expected",
    [
        ('"fragments": [[0, 4], [9, 13]]', '{"role": "Theme", "entity": "T1"}', None),
        ('"fragments": [[0, 4]]', '{"role": "Theme", "entity": "T1"}', "'fragments' must be at least two"),
        ('"fragments": [[0, 4], [4, 13]]', '{"role": "Theme", "entity": "T1"}', "in order and apart"),
        ('"fragments": [[1, 4], [9, 13]]', '{"role": "Theme", "entity": "T1"}', "the first starting at start (0)"),
        ('"fragments": [[0, 4], [9, 14]]', '{"role": "Theme", "entity": "T1"}', "<= 13"),
        ('"fragments": null', '{"role": "Theme", "entity": "T1"}', "got None"),
        ('"label": "ORG"', '{"role": "Theme", "event": "E2"}', "'event' 'E2' is not the id of an event"),
        ('"label": "ORG"', '{"role": "Theme", "event": "E1"}', "event E1 fills a role of itself (E1 -> E1)"),
        ('"label": "ORG"', '{"role": "Theme", "event": "E1", "entity": "T1"}', "not both"),
    ],
)
def test_documents_fragments_and_event_arguments_are_checked(tmp_path: Path, fragments, argument, expected):
    path = tmp_path / "x.jsonl"
    path.write_text(BASE % (fragments, argument) + "\n", encoding="utf-8")
    if expected is None:
        (d,) = read_documents(path)
        assert d.entities[0].fragments == ((0, 4), (9, 13))
        return
    with pytest.raises(AnnotError) as err:
        read_documents(path)
    assert len(err.value.problems) == 1 and expected in err.value.problems[0], err.value.problems


def test_documents_write_keeps_the_order_given_when_asked(tmp_path: Path):
    docs = [Document(f"news-{n}", "x") for n in (1, 10, 2)]
    write_documents(tmp_path / "a.jsonl", docs, sort=False)
    assert [d.id for d in read_documents(tmp_path / "a.jsonl")] == ["news-1", "news-10", "news-2"]
