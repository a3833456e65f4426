"""DyGIE++'s format: documents of token sentences, document-level token indices, one-token triggers; prediction
files read by their predicted_ fields and scores."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from annot.documents import Argument, Document, Entity, Event, read_documents, write_documents
from annot.formats.common import Located
from annot.formats.convert import Format, convert, detect_format
from annot.formats.dygiepp import dump_dygiepp

from support import DATA

DYGIE = DATA / "formats" / "dygiepp"


def test_dygiepp_round_trip_through_annot_is_byte_exact(tmp_path: Path):
    assert detect_format(DYGIE / "test.json") == Format.DYGIEPP
    s = convert(DYGIE / "test.json", tmp_path / "d.jsonl")
    assert (s.documents, s.entities, s.events, s.arguments) == (2, 6, 3, 5)
    first, _ = read_documents(tmp_path / "d.jsonl")
    # the text is the tokens joined by spaces, a line break between sentences; ends are inclusive in DyGIE++
    assert first.text == "Protesters blocked the port of Busan .\nPolice detained twelve of them ."
    assert [(first.text[e.start : e.end], e.label) for e in first.entities] == [
        ("Protesters", "PER"),
        ("the port of Busan", "FAC"),
        ("Busan", "GPE"),  # nested in the facility
        ("Police", "ORG"),
        ("twelve of them", "PER"),
    ]
    assert first.meta["dataset"] == "ace-event"
    convert(tmp_path / "d.jsonl", tmp_path / "back.json", output_format="dygiepp")
    assert (tmp_path / "back.json").read_bytes() == (DYGIE / "test.json").read_bytes()


def test_dygiepp_a_prediction_file_is_read_by_its_predicted_fields(tmp_path: Path):
    s = convert(DYGIE / "predictions.json", tmp_path / "p.jsonl")
    (doc,) = read_documents(tmp_path / "p.jsonl")
    assert [(doc.text[e.start : e.end], e.label, e.score) for e in doc.entities] == [
        ("Protesters", "PER", 0.97),
        ("Busan", "GPE", 0.95),
        ("Police", "ORG", 0.61),
    ]
    assert [(ev.type, ev.score, ev.arguments) for ev in doc.events] == [
        ("Conflict.Demonstrate", 0.92, (Argument("Entity", "T1", 0.84),)),
        ("Justice.Arrest-Jail", 0.88, ()),
    ]
    assert Counter(x.what for x in s.skipped) == {
        "gold annotation": 2,  # ner and events beside the predicted ones
        "argument": 1,  # tokens 3-4, "port of", is no predicted mention
        "coreference cluster": 1,
    }


def test_dygiepp_scores_against_its_gold_in_one_command(runner, tmp_path: Path, monkeypatch):
    """A DyGIE++ prediction file against the DyGIE++ gold it was made from: both read by annot evaluate --from
    (outside a project: the labels, and nested mentions, as the data has them)."""
    from support import run

    monkeypatch.chdir(tmp_path)
    gold = tmp_path / "gold.json"
    gold.write_text((DYGIE / "test.json").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    r = run(runner, "evaluate", "--from", "dygiepp", "--gold", gold, "--pred", DYGIE / "predictions.json",
            "-o", tmp_path / "report", "--bootstrap", "0")  # fmt: skip
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    strict = report["entities"]["micro"]["strict"]
    assert (strict["correct"], strict["possible"], strict["actual"]) == (3, 5, 3)
    assert report["events"]["micro"]["trigger_classification"]["matched"] == 2
    assert "nested" in report["meta"]["definitions"]["extensions"]


def test_dygiepp_lists_what_it_cannot_carry(tmp_path: Path):
    doc = Document(
        "d",
        "Kim shook hands with Lee. They signed.",
        (Entity(0, 3, "PER", "T1"), Entity(21, 24, "PER", "T2")),
        (
            Event("E1", "Contact.Meet", 4, 15, (Argument("Entity", "T1"),)),  # "shook hands": two tokens
            Event("E2", "Contact.Sign", 31, 37, (Argument("Entity", "T1"), Argument("Theme", "", None, "E1"))),
        ),
        {"story": "s"},
    )
    _, lost, _ = dump_dygiepp([Located(doc, "d.jsonl:1")])
    assert sorted((x.what, x.why) for x in lost) == [
        ("argument", "is an event (DyGIE++ arguments are mentions)"),
        ("argument", "is in another sentence than its trigger (DyGIE++)"),
        ("argument", "its event is not written"),
        ("document meta", "DyGIE++ has no document metadata"),
        ("event", "its trigger is several tokens (DyGIE++: one)"),
    ]
    write_documents(tmp_path / "d.jsonl", [doc])
