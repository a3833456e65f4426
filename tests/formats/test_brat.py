"""brat standoff: the golden folder by hand, round trips with hypothesis, every bad line named."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from annot.documents import Argument, Document, Entity, Event, canonical
from annot.errors import AnnotError
from annot.formats.brat import base_role, brat_files, parse_ann, read_brat, write_brat
from annot.formats.common import Located
from annot.formats.convert import convert

from .cases import any_documents, shape
from support import DATA

BRAT = DATA / "formats" / "brat"
TEXT = (BRAT / "kfor.txt").read_text(encoding="utf-8")


def test_brat_reads_the_golden_folder():
    problems: list[str] = []
    located, skipped = read_brat(BRAT, problems)
    assert problems == []
    empty, kfor = (loc.doc for loc in located)
    assert (empty.id, empty.text, empty.entities, empty.events) == ("empty", "No entities here.\n", (), ())
    assert kfor.id == "kfor" and kfor.text == TEXT
    assert [(e.id, TEXT[e.start : e.end], e.label) for e in kfor.entities] == [
        ("T1", "NATO", "ORG"),
        ("T2", "Kosovo", "GPE"),
        ("T5", "KFOR", "MIL"),
        ("T6", "EULEX", "ORG"),
        ("T7", "Priština", "GPE"),
    ]
    assert kfor.events == (
        Event("E1", "Movement.Deploy", 8, 15, (Argument("Agent", "T1"), Argument("Destination", "T2"))),
        Event(
            "E2",
            "Contact.Meet",
            55,
            58,
            (Argument("Participant", "T5"), Argument("Participant", "T6"), Argument("Place", "T7")),
        ),
    )
    ann = f"{BRAT / 'kfor.ann'}"
    assert [(s.where, s.what) for s in skipped] == [
        (f"{ann}:10", "relation"),
        (f"{ann}:11", "attribute"),
        (f"{ann}:12", "normalisation"),
        (f"{ann}:13", "note"),
    ]
    assert located[1].at("E2") == f"{ann}:9 (E2)" and located[1].at("T7") == f"{ann}:8 (T7)"


def test_brat_writes_the_golden_ann():
    """Entities T1..Tn in position order, then a trigger and an E line per event; Participant2 for the repeat."""
    located, _ = read_brat(BRAT, [])
    files, lost = brat_files(located, problems := [])
    assert problems == [] and lost == []
    written = DATA / "formats" / "brat_written"
    assert files == {p.name: p.read_text(encoding="utf-8") for p in sorted(written.iterdir())}


def test_brat_role_numbers():
    assert [base_role(r) for r in ("Participant2", "Participant12", "Agent", "Q2")] == [
        "Participant",
        "Participant",
        "Agent",
        "Q",
    ]


@settings(max_examples=300, deadline=None)
@given(any_documents())
def test_brat_round_trip_is_the_identity(doc: Document):
    """Entities (overlapping too), events and arguments come back exactly, whatever the text holds."""
    problems: list[str] = []
    files, lost = brat_files([Located(doc, "x.jsonl:1")], problems)
    assert problems == [] and lost == []
    back, skipped = parse_ann(doc.id, files[f"{doc.id}.txt"], files[f"{doc.id}.ann"], "x.ann", problems)
    assert problems == [] and skipped == [] and back is not None
    assert back.doc.id == doc.id and shape(back.doc) == shape(doc)
    # and the written form is stable: writing what was read gives the same bytes
    assert brat_files([back], [])[0] == files


def test_brat_round_trip_of_the_files(tmp_path: Path):
    doc = Document(
        "kfor", TEXT, (Entity(0, 4, "ORG", "T1"),), (Event("E1", "Movement.Deploy", 8, 15, (Argument("Agent", "T1"),)),)
    )
    files, _ = brat_files([Located(doc, "x")], [])
    write_brat(tmp_path / "out", files)
    (back,), _ = read_brat(tmp_path / "out", problems := [])
    assert problems == [] and canonical(back.doc) == canonical(doc)


BAD = [
    (
        "T1\tORG 0 4;5 8\tNATO is\n",
        "x.ann:1: T1 ORG has a discontinuous span (0 4;5 8), which annot's format cannot represent",
    ),
    (
        "T1\tORG 0 4\tNAT0\n",
        "x.ann:1: T1: the text 'NAT0' is not the text at 0-4 of the .txt ('NATO'): the offsets or the .txt were changed",
    ),
    (
        "T1\tORG 0 400\tNATO\n",
        "x.ann:1: T1: offsets must satisfy 0 <= start < end <= 41 (length of the .txt), got 0 400",
    ),
    ("T1\tORG 0 4\n", "x.ann:1: T1: no text after the offsets (brat writes the span's text as a third field)"),
    ("T1\tORG zero 4\tNATO\n", "x.ann:1: T1: expected 'LABEL START END' after the id, got 'ORG zero 4'"),
    (
        "T1\tORG 0 4\tNATO\nE1\tMovement.Deploy:T9 Agent:T1\n",
        "x.ann:2: E1: its trigger T9 is not a T line of this file",
    ),
    (
        "T1\tORG 0 4\tNATO\nT2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2 Agent:T3\n",
        "x.ann:3: E1: role Agent points at T3, which is not a T line of this file",
    ),
    (
        "T2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2 Agent:T2\n",
        "x.ann:2: E1: role Agent points at T2, the trigger of an event; annot's arguments are entity mentions "
        "(no nested events)",
    ),
    (
        "T2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2\nT3\tContact.Meet 0 4\tNATO\nE2\tContact.Meet:T3 Agent:E1\n",
        "x.ann:4: E2: role Agent points at E1, the event; annot's arguments are entity mentions (no nested events)",
    ),
    (
        "T1\tORG 0 4\tNATO\nE1\tMovement.Deploy:T1\n",
        "x.ann:2: E1: its trigger T1 is labelled 'ORG', not the event type 'Movement.Deploy'",
    ),
    ("T1\tORG 0 4\tNATO\nT1\tORG 0 4\tNATO\n", "x.ann:2: id T1 is used again (first on line 1)"),
    ("X1\tORG 0 4\tNATO\n", "x.ann:1: 'X1' is not a brat annotation id (T, E, R, A, M, N, # or *)"),
    ("E1\tMovement.Deploy\n", "x.ann:1: E1: expected 'TYPE:TRIGGER' first, got 'Movement.Deploy'"),
]


@pytest.mark.parametrize("ann, problem", BAD, ids=[b[1].split(": ", 2)[-1][:40] for b in BAD])
def test_brat_bad_lines_are_named(ann: str, problem: str):
    problems: list[str] = []
    loc, _ = parse_ann("kfor", "NATO is sending reinforcements to Kosovo.", ann, "x.ann", problems)
    assert loc is None and problems == [problem]


def test_brat_every_problem_of_the_folder_at_once_and_nothing_written(tmp_path: Path):
    src = tmp_path / "corpus"
    src.mkdir()
    (src / "a.txt").write_text("NATO and KFOR", encoding="utf-8")
    (src / "a.ann").write_text("T1\tORG 0 4;9 13\tNATO KFOR\nT2\tORG 0 4\tNAT\n", encoding="utf-8")
    (src / "b.txt").write_text("no annotation file", encoding="utf-8")
    (src / "c.ann").write_text("", encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        convert(src, tmp_path / "out.jsonl")
    assert err.value.message == f"{src}: invalid brat input; nothing was written (4 problems)"
    assert err.value.problems == [
        f"{src / 'a.ann'}:1: T1 ORG has a discontinuous span (0 4;9 13), which annot's format cannot represent",
        f"{src / 'a.ann'}:2: T2: the text 'NAT' is not the text at 0-4 of the .txt ('NATO'): the offsets or the .txt "
        "were changed",
        f"{src / 'b.txt'}: no b.ann beside it (a document with no annotations has an empty one)",
        f"{src / 'c.ann'}: no c.txt beside it",
    ]
    assert not (tmp_path / "out.jsonl").exists()


def test_brat_text_is_read_exactly(tmp_path: Path):
    """CRLF line endings are characters of the text: brat offsets count them (no newline translation)."""
    src = tmp_path / "c"
    src.mkdir()
    (src / "a.txt").write_bytes(b"NATO\r\nKFOR")
    (src / "a.ann").write_bytes(b"T1\tMIL 6 10\tKFOR\r\n")
    (loc,), _ = read_brat(src, problems := [])
    assert problems == [] and loc.doc.text == "NATO\r\nKFOR" and loc.doc.entities == (Entity(6, 10, "MIL", "T1"),)


def test_brat_output_folder_is_replaced_whole_or_refused(tmp_path: Path):
    out = tmp_path / "out"
    write_brat(out, {"a.txt": "x", "a.ann": ""})
    write_brat(out, {"b.txt": "y", "b.ann": ""})
    assert sorted(p.name for p in out.iterdir()) == ["b.ann", "b.txt"]
    # no staging or old folder left behind (the hidden lock file of the output stays, as for every output)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.annot.lock", "out"]
    (out / "notes.md").write_text("mine", encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        write_brat(out, {"c.txt": "z", "c.ann": ""})
    assert (
        err.value.message
        == f"{out}: exists and holds other files than brat's .txt and .ann (notes.md); nothing was written"
    )
    assert sorted(p.name for p in out.iterdir()) == ["b.ann", "b.txt", "notes.md"]


def test_brat_cannot_write_names_it_cannot_hold():
    doc = Document(
        "a/b", "NATO", (Entity(0, 4, "BIG ORG", "T1"),), (Event("E1", "X", 0, 4, (Argument("Agent2", "T1"),)),)
    )
    problems: list[str] = []
    brat_files([Located(doc, "d.jsonl:1")], problems)
    assert problems == ["d.jsonl:1: document id 'a/b' cannot be a file name (brat's document id is NAME of NAME.txt)"]
    brat_files([Located(Document("ab", doc.text, doc.entities, doc.events), "d.jsonl:1")], problems := [])
    assert problems == [
        "d.jsonl:1: entity label 'BIG ORG' contains whitespace, which brat cannot hold",
        "d.jsonl:1: role 'Agent2' ends with a digit, which brat reads as a repeat number",
    ]


def test_brat_meta_and_scores_are_listed_as_not_carried():
    doc = Document("a", "NATO", (Entity(0, 4, "ORG", "T1", 0.9),), meta={"story": "s"})
    _, lost = brat_files([Located(doc, "d.jsonl:3")], [])
    assert [(x.where, x.what) for x in lost] == [("d.jsonl:3", "document meta"), ("d.jsonl:3 (T1)", "score")]
