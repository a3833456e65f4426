"""brat standoff: the golden folder by hand, round trips with hypothesis, every bad line named."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from annot.documents import Argument, Document, Entity, Event, canonical, read_documents
from annot.errors import AnnotError
from annot.formats.brat import MARKER, base_role, brat_files, parse_ann, read_brat, write_brat
from annot.formats.common import Located, Sink
from annot.formats.convert import convert

from .cases import any_documents, shape
from support import DATA

BRAT = DATA / "formats" / "brat"
TEXT = (BRAT / "kfor.txt").read_text(encoding="utf-8")


def test_brat_reads_the_golden_folder():
    problems = Sink()
    located, skipped = read_brat(BRAT, problems)
    assert problems.every_problem() == []
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
    located, _ = read_brat(BRAT, Sink())
    files, lost = brat_files(located, problems := Sink())
    assert problems.every_problem() == [] and lost == []
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
    sink = Sink()
    files, lost = brat_files([Located(doc, "x.jsonl:1")], sink)
    assert sink.every_problem() == [] and lost == []
    problems: list[str] = []
    back, skipped = parse_ann(doc.id, files[f"{doc.id}.txt"], files[f"{doc.id}.ann"], "x.ann", problems)
    assert problems == [] and skipped == [] and back is not None
    assert back.doc.id == doc.id and shape(back.doc) == shape(doc)
    # and the written form is stable: writing what was read gives the same bytes
    assert brat_files([back], Sink())[0] == files


def test_brat_round_trip_of_the_files(tmp_path: Path):
    doc = Document(
        "kfor", TEXT, (Entity(0, 4, "ORG", "T1"),), (Event("E1", "Movement.Deploy", 8, 15, (Argument("Agent", "T1"),)),)
    )
    files, _ = brat_files([Located(doc, "x")], Sink())
    write_brat(tmp_path / "out", files)
    (back,), _ = read_brat(tmp_path / "out", problems := Sink())
    assert problems.every_problem() == [] and canonical(back.doc) == canonical(doc)


BAD = [
    (
        "T1\tORG 0 4;5 8\tNATO is\n",
        "x.ann:1: T1: the text 'NATO is' is not the text at 0-4;5-8 of the .txt ('NATO is '): the offsets or the .txt "
        "were changed",
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
    (
        "T1\tORG zero 4\tNATO\n",
        "x.ann:1: T1: expected 'LABEL START END' (or 'LABEL START END;START END' for a discontinuous span) after "
        "the id, got 'ORG zero 4'",
    ),
    (  # a superscript two is a digit to str.isdigit(), not to int(): a message, never a traceback
        "T1\tORG 0 \u00b2\tNATO\n",
        "x.ann:1: T1: expected 'LABEL START END' (or 'LABEL START END;START END' for a discontinuous span) after "
        "the id, got 'ORG 0 \u00b2'",
    ),
    (
        "T1\tORG 0 4\tNATO\nE1\tMovement.Deploy:T9 Agent:T1\n",
        "x.ann:2: E1: its trigger is T9, which is not a T or E line of this file",
    ),
    (
        "T1\tORG 0 4\tNATO\nT2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2 Agent:T3\n",
        "x.ann:3: E1: role Agent points at T3, which is not a T or E line of this file",
    ),
    (  # the message names the line that could not be read, not "no T line"
        "T3\tORG 0 4\tNAT\nT2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2 Agent:T3\n",
        "x.ann:1: T3: the text 'NAT' is not the text at 0-4 of the .txt ('NATO'): the offsets or the .txt were changed",
        "x.ann:3: E1: role Agent points at T3, which could not be read (line 1)",
    ),
    (
        "T2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2 Agent:T2\n",
        "x.ann:2: E1: role Agent points at T2, the trigger of an event; an event fills a role by its E id (annot's "
        "arguments are entity mentions or events)",
    ),
    (
        "T2\tMovement.Deploy 8 15\tsending\nE1\tMovement.Deploy:T2 Agent:E2\nT3\tContact.Meet 0 4\tNATO\n"
        "E2\tContact.Meet:T3 Agent:E1\n",
        "x.ann: event E1 fills a role of itself (E1 -> E2 -> E1): an event cannot contain itself",
    ),
    (
        "T1\tORG 0 4\tNATO\nE1\tMovement.Deploy:T1\n",
        "x.ann:2: E1: its trigger T1 is labelled 'ORG', not the event type 'Movement.Deploy'",
    ),
    (
        "T1\tMovement.Deploy 0 4;8 15\tNATO sending\nE1\tMovement.Deploy:T1\n",
        "x.ann:2: E1: its trigger T1 is discontinuous; annot's triggers are one span",
    ),
    ("T1\tORG 0 4\tNATO\nT1\tORG 0 4\tNATO\n", "x.ann:2: id T1 is used again (first on line 1)"),
    ("X1\tORG 0 4\tNATO\n", "x.ann:1: 'X1' is not a brat annotation id (T, E, R, A, M, N, # or *)"),
    ("E1\tMovement.Deploy\n", "x.ann:1: E1: expected 'TYPE:TRIGGER' first, got 'Movement.Deploy'"),
]


@pytest.mark.parametrize(
    "ann, problem", [(b[0], list(b[1:])) for b in BAD], ids=[b[-1].split(": ", 2)[-1][:40] for b in BAD]
)
def test_brat_bad_lines_are_named(ann: str, problem: list[str]):
    problems: list[str] = []
    loc, _ = parse_ann("kfor", "NATO is sending reinforcements to Kosovo.", ann, "x.ann", problems)
    assert loc is None and problems == problem


def _bad_folder(tmp_path: Path) -> Path:
    src = tmp_path / "corpus"
    src.mkdir()
    (src / "a.txt").write_text("NATO and KFOR", encoding="utf-8")
    (src / "a.ann").write_text("T1\tORG 0 4;9 13\tNATO KFOR\nT2\tORG 0 4\tNAT\n", encoding="utf-8")
    (src / "b.txt").write_text("no annotation file", encoding="utf-8")
    (src / "c.ann").write_text("", encoding="utf-8")
    (src / "d.txt").write_text("KFOR", encoding="utf-8")
    (src / "d.ann").write_text("T1\tMIL 0 4\tKFOR\n", encoding="utf-8")
    return src


def test_brat_a_document_it_cannot_read_is_left_out_and_named(tmp_path: Path):
    """One broken document does not stop the conversion: it is left out with every reason; the others are
    written."""
    src = _bad_folder(tmp_path)
    s = convert(src, tmp_path / "out.jsonl")
    assert [d.id for d in read_documents(tmp_path / "out.jsonl")] == ["d"]
    assert [(d.document, d.reasons) for d in s.left_out] == [
        (
            "a",
            (
                f"{src / 'a.ann'}:2: T2: the text 'NAT' is not the text at 0-4 of the .txt ('NATO'): the offsets or the "
                ".txt were changed",
            ),
        ),
        ("b", (f"{src / 'b.txt'}: no b.ann beside it (a document with no annotations has an empty one)",)),
        ("c", (f"{src / 'c.ann'}: no c.txt beside it",)),
    ]
    assert (s.documents_read, s.documents) == (4, 1)


def test_brat_strict_refuses_every_problem_at_once_and_writes_nothing(tmp_path: Path):
    src = _bad_folder(tmp_path)
    with pytest.raises(AnnotError) as err:
        convert(src, tmp_path / "out.jsonl", strict=True)
    assert err.value.message == f"{src}: invalid brat input; nothing was written (3 problems)"
    assert err.value.problems == [
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
    (loc,), _ = read_brat(src, sink := Sink())
    assert sink.every_problem() == [] and loc.doc.text == "NATO\r\nKFOR"
    assert loc.doc.entities == (Entity(6, 10, "MIL", "T1"),)


def test_brat_discontinuous_mentions_and_nested_events(tmp_path: Path):
    """A T line of several fragments is a discontinuous mention; an E id as an argument is an event filling the
    role (BioNLP); both are written back as they were read."""
    text = "North and South Korea signed. The signing was welcomed."
    ann = (
        "T1\tGPE 0 5;16 21\tNorth Korea\n"
        "T2\tGPE 10 21\tSouth Korea\n"
        "T3\tContact.Meet 22 28\tsigned\n"
        "T4\tContact.Statement 46 54\twelcomed\n"
        "E1\tContact.Meet:T3 Participant:T1 Participant2:T2\n"
        "E2\tContact.Statement:T4 Theme:E1\n"
    )
    src = tmp_path / "c"
    src.mkdir()
    (src / "d.txt").write_text(text, encoding="utf-8")
    (src / "d.ann").write_text(ann, encoding="utf-8")
    (loc,), _ = read_brat(src, sink := Sink())
    assert sink.every_problem() == []
    north, south = loc.doc.entities
    assert north.fragments == ((0, 5), (16, 21)) and (north.start, north.end) == (0, 21) and south.fragments == ()
    meet, statement = loc.doc.events
    assert statement.arguments == (Argument("Theme", "", None, "E1"),)
    files, lost = brat_files([loc], sink)
    assert lost == [] and files["d.ann"] == ann
    convert(src, tmp_path / "d.jsonl")
    convert(tmp_path / "d.jsonl", tmp_path / "back", output_format="brat")
    assert (tmp_path / "back" / "d.ann").read_text(encoding="utf-8") == ann


def test_brat_subfolders_are_read_with_their_split_and_written_back(tmp_path: Path):
    src = tmp_path / "corpus"
    for split, name in (("train", "doc2"), ("train", "doc10"), ("test", "doc1")):
        (src / split).mkdir(parents=True, exist_ok=True)
        (src / split / f"{name}.txt").write_text("NATO", encoding="utf-8")
        (src / split / f"{name}.ann").write_text("T1\tORG 0 4\tNATO\n", encoding="utf-8")
    s = convert(src, tmp_path / "all.jsonl")
    docs = read_documents(tmp_path / "all.jsonl")
    # every document, in natural order of its path (doc2 before doc10), its subfolder as meta.split
    assert [(d.id, d.meta.get("split")) for d in docs] == [("doc1", "test"), ("doc2", "train"), ("doc10", "train")]
    assert s.documents == 3
    convert(tmp_path / "all.jsonl", tmp_path / "back", output_format="brat")
    assert sorted(p.relative_to(tmp_path / "back").as_posix() for p in (tmp_path / "back").rglob("*.ann")) == [
        "test/doc1.ann",
        "train/doc10.ann",
        "train/doc2.ann",
    ]


def test_brat_the_same_name_in_two_subfolders_is_left_out_named(tmp_path: Path):
    src = tmp_path / "corpus"
    for split in ("train", "test"):
        (src / split).mkdir(parents=True)
        (src / split / "a.txt").write_text("NATO", encoding="utf-8")
        (src / split / "a.ann").write_text("", encoding="utf-8")
    (_, _), sink = read_brat(src, sink := Sink()), sink
    assert sink.every_problem() == [
        f"{src / 'train' / 'a.ann'}: document 'a' is also {src / 'test' / 'a.ann'} (ids must be unique across folders)"
    ]


def test_brat_output_folder_is_replaced_whole_or_refused(tmp_path: Path):
    out = tmp_path / "out"
    write_brat(out, {"a.txt": "x", "a.ann": ""})
    write_brat(out, {"b.txt": "y", "b.ann": ""})
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "b.ann", "b.txt"]
    # no staging or old folder left behind (the hidden lock file of the output stays, as for every output)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.annot.lock", "out"]


@pytest.mark.parametrize(
    "files, first",
    [
        ({"story.txt": "an article", "notes.txt": "another"}, "notes.txt"),  # a folder of articles
        ({"a.txt": "x", "a.ann": "", "notes.md": "mine"}, "notes.md"),
        ({"a.ann": ""}, "a.ann"),
        ({"my doc.txt": "x", "my doc.ann": ""}, "my doc.ann"),
    ],
)
def test_brat_a_folder_that_is_not_annots_output_is_refused_unless_force(tmp_path: Path, files, first):
    """A folder annot did not write (no marker, not only pairs of NAME.txt + NAME.ann) is never replaced without
    --force: a folder of articles would be lost."""
    out = tmp_path / "out"
    out.mkdir()
    for name, content in files.items():
        (out / name).write_text(content, encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        write_brat(out, {"c.txt": "z", "c.ann": ""})
    assert err.value.message.startswith(f"{out}: exists and is not a brat output of annot ({first}")
    assert err.value.hint.endswith("or --force to replace it.")
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    write_brat(out, {"c.txt": "z", "c.ann": ""}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "c.ann", "c.txt"]


def test_brat_an_older_output_of_pairs_only_is_replaced(tmp_path: Path):
    out = tmp_path / "out"
    (out / "train").mkdir(parents=True)
    for name in ("train/a.txt", "train/a.ann", "b.txt", "b.ann"):
        (out / name).write_text("", encoding="utf-8")
    write_brat(out, {"c.txt": "z", "c.ann": ""})
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "c.ann", "c.txt"]


def test_brat_cannot_write_names_it_cannot_hold():
    doc = Document(
        "a/b", "NATO", (Entity(0, 4, "BIG ORG", "T1"),), (Event("E1", "X", 0, 4, (Argument("Agent2", "T1"),)),)
    )
    sink = Sink()
    files, _ = brat_files([Located(doc, "d.jsonl:1")], sink)
    assert files == {} and [d.document for d in sink.left_out] == ["a/b"]
    assert sink.every_problem() == [
        "d.jsonl:1: document id 'a/b' must be letters, digits, '.', '_' or '-', starting with a letter or digit "
        "(200 at most); it cannot be a file name",
        "d.jsonl:1: entity label 'BIG ORG' contains whitespace, which brat cannot hold",
        "d.jsonl:1: role 'Agent2' ends with a digit, which brat reads as a repeat number",
    ]


def test_brat_meta_and_scores_are_listed_as_not_carried():
    doc = Document("a", "NATO", (Entity(0, 4, "ORG", "T1", 0.9),), meta={"story": "s"})
    _, lost = brat_files([Located(doc, "d.jsonl:3")], Sink())
    assert [(x.where, x.what) for x in lost] == [("d.jsonl:3", "document meta"), ("d.jsonl:3 (T1)", "score")]
