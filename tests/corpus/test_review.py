"""Gold-error candidates (every voter against the gold), their order, the reviewer's decisions applied to the gold,
and the corrections record (the review project itself: tests/jobs/test_goldreview.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annot.corpus.adjudication import DROP, KEEP, describe, digest
from annot.corpus.review import (
    Change,
    Correction,
    Voter,
    apply_decisions,
    corrected,
    document_candidates,
    find_candidates,
    read_corrections,
    write_corrections,
)
from annot.documents import Argument, Document, Entity, Event
from annot.errors import AnnotError

TEXT = "NATO ministers met in Oslo on Monday. Serbia was not there."
NATO, OSLO, MONDAY, SERBIA = (0, 4), (22, 26), (30, 36), (38, 44)


def d(ents: list[tuple[tuple[int, int], str]], events: list[Event] = (), doc_id: str = "a") -> Document:  # type: ignore[assignment]
    return Document(
        doc_id, TEXT, tuple(Entity(s, e, lab, f"T{i}") for i, ((s, e), lab) in enumerate(ents, 1)), tuple(events)
    )


def met(*args: tuple[str, str]) -> Event:
    return Event("E1", "Contact.Meet", 15, 18, tuple(Argument(role, t) for role, t in args))


# the gold: Oslo wrongly LOC, Monday not marked, Serbia marked
GOLD = d([(NATO, "ORG"), (OSLO, "LOC"), (SERBIA, "GPE")], [met(("Participant", "T1"), ("Place", "T2"))])
SYSTEM = d([(NATO, "ORG"), (OSLO, "GPE"), (MONDAY, "DATE")], [met(("Participant", "T1"), ("Place", "T2"))])


def voters(*docs: Document, layers: frozenset[str] = frozenset({"entities", "events"})) -> list[Voter]:
    return [Voter(f"s{i}", {doc.id: doc}, layers) for i, doc in enumerate(docs)]


def test_review_candidates_every_voter_against_the_gold_by_kind():
    found = find_candidates([GOLD], voters(SYSTEM, SYSTEM))
    got = [(c.kind, [describe(i, TEXT) for i in c.gold], [describe(i, TEXT) for i in c.proposed]) for c in found]
    assert got == [
        ("label", ["LOC “Oslo” at 22-26"], ["GPE “Oslo” at 22-26"]),
        ("missing", [], ["DATE “Monday” at 30-36"]),
        ("unsupported", ["GPE “Serbia” at 38-44"], []),
    ]
    assert all(c.voters == ("s0", "s1") and c.unanimous for c in found)
    # the argument to Oslo is the mention's candidate, not one of its own (its filler differs)
    assert not [c for c in found if c.kind == "argument"]


def test_review_one_voter_that_agrees_with_the_gold_clears_it():
    agrees = d([(NATO, "ORG"), (OSLO, "LOC"), (MONDAY, "DATE"), (SERBIA, "GPE")])
    found = find_candidates([GOLD], [*voters(SYSTEM, SYSTEM), Voter("s2", {"a": agrees}, frozenset({"entities"}))])
    # Oslo's label and Serbia: s2 sides with the gold; Monday: every voter has it, the gold has not
    assert [(c.kind, c.voters) for c in found] == [("missing", ("s0", "s1", "s2"))]


def test_review_min_voters_and_layers():
    assert document_candidates(GOLD, voters(SYSTEM), min_voters=2) == []  # one system alone is its error rate
    assert len(document_candidates(GOLD, voters(SYSTEM), min_voters=1)) == 3
    names_only = voters(SYSTEM, SYSTEM, layers=frozenset({"entities"}))
    assert {c.layer for c in document_candidates(GOLD, names_only)} == {"entities"}


def test_review_arguments_and_triggers():
    gold = d([(NATO, "ORG"), (OSLO, "GPE")], [met(("Participant", "T1"))])
    system = d([(NATO, "ORG"), (OSLO, "GPE")], [met(("Participant", "T1"), ("Place", "T2"))])
    (c,) = find_candidates([gold], voters(system, system))
    assert (c.kind, c.gold, [describe(i, TEXT) for i in c.proposed]) == (
        "argument",
        (),
        ["Place of Contact.Meet “met”: GPE “Oslo” at 22-26"],
    )
    no_event = d([(NATO, "ORG"), (OSLO, "GPE")])
    found = find_candidates([gold], voters(no_event, no_event))
    assert [(c.kind, describe(c.gold[0], TEXT)) for c in found] == [
        ("unsupported", "Contact.Meet “met” at 15-18 (trigger)")
    ]


def test_review_order_more_voters_then_unanimous_then_kind():
    split = d([(NATO, "ORG"), (OSLO, "GPE"), (MONDAY, "DATE")], doc_id="b")
    other = d([(NATO, "ORG"), (OSLO, "GPE"), (MONDAY, "QTY")], doc_id="b")
    gold_b = d([(NATO, "ORG"), (OSLO, "LOC"), (SERBIA, "GPE")], doc_id="b")
    three = [Voter(f"t{i}", {"b": x}, frozenset({"entities"})) for i, x in enumerate((split, split, other))]
    found = find_candidates([GOLD, gold_b], [*voters(SYSTEM, SYSTEM), *three])
    assert [(c.document, c.kind, len(c.voters), c.unanimous) for c in found][:3] == [
        ("b", "label", 3, True),
        ("b", "unsupported", 3, True),
        ("a", "label", 2, True),
    ]


def test_review_decisions_applied_relabel_keeps_the_arguments_and_every_change_is_named(schema):
    found = find_candidates([GOLD], voters(SYSTEM, SYSTEM))
    listed = [(i, c.kind) for c in found for i in (*c.gold, *c.proposed)]
    # 1 LOC Oslo, 2 GPE Oslo, 3 DATE Monday, 4 GPE Serbia
    problems: list[str] = []
    got = apply_decisions(GOLD, listed, {1: DROP, 2: KEEP, 3: KEEP, 4: KEEP}, problems, schema)
    assert got is not None and problems == []
    doc, changes = got
    assert sorted((doc.text[e.start : e.end], e.label) for e in doc.entities) == [
        ("Monday", "DATE"),
        ("NATO", "ORG"),
        ("Oslo", "GPE"),
        ("Serbia", "GPE"),
    ]
    (ev,) = doc.events
    fillers = {a.role: doc.entity_by_id()[a.entity].label for a in ev.arguments}
    assert fillers == {"Participant": "ORG", "Place": "GPE"}  # the Place moved to the relabelled Oslo
    assert [(c.change, c.number) for c in changes] == [
        ("removed", 1),
        ("added", 2),
        ("added", 3),
        ("kept", 4),
        ("moved to the relabelled mention", 0),
    ]
    assert changes[0].reason == "label"
    problems = []
    assert apply_decisions(GOLD, listed, {1: DROP, 2: KEEP}, problems, schema) is None
    assert problems == ["document 'a': item(s) #3, #4 undecided (tick keep or drop)"]


def test_review_a_kept_argument_needs_its_ends(schema):
    gold = d([(NATO, "ORG")], [met(("Participant", "T1"))])
    arg = ("argument", 15, 18, "Contact.Meet", 22, 26, "GPE", "Place")
    problems: list[str] = []
    assert apply_decisions(gold, [(arg, "argument")], {1: KEEP}, problems, schema) is None
    assert "kept argument(s) whose event word or mention is not kept: Place of Contact.Meet" in problems[0]


def test_review_corrections_round_trip_and_stale_detection(tmp_path: Path, schema):
    new, changes = apply_decisions(GOLD, [(("entity", *SERBIA, "GPE"), "unsupported")], {1: DROP}, [], schema) or (
        None,
        [],
    )
    assert new is not None
    c = Correction(
        document="a",
        sha256=GOLD.sha256,
        base=digest(GOLD),
        by=("reviewer 1",),
        decided_at="2026-12-08T00:00:00+00:00",
        changes=tuple(changes),
        gold=new,
    )
    path = tmp_path / "corrections.json"
    write_corrections(path, {"a": c})
    again = read_corrections(path)
    assert again["a"] == c and again["a"].changes[0] == Change(
        item="GPE “Serbia” at 38-44", change="removed", reason="unsupported", number=1
    )
    docs, problems = corrected([GOLD], again, "corrections.json")
    assert problems == [] and [e.label for e in docs[0].entities] == ["ORG", "LOC"]
    assert docs[0].meta["annotation"]["gold_review"] == {"by": ["reviewer 1"], "changes": 1}
    edited = d([(NATO, "ORG"), (OSLO, "GPE"), (SERBIA, "GPE")])
    docs, problems = corrected([edited], again, "corrections.json")
    assert problems == [
        "a: its annotations changed since the gold review recorded in corrections.json (review it again)"
    ]
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(AnnotError, match="not a corrections record"):
        read_corrections(path)
