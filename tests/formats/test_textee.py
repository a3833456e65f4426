"""TextEE's unified format: the fixture read with exact offsets, written back byte for byte, its quirks listed,
annot's documents through it and back, broken windows named."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings

from annot.documents import Argument, Document, Entity, Event, read_documents, write_documents
from annot.errors import AnnotError
from annot.formats.common import Located, Sink
from annot.formats.convert import Format, convert, detect_format
from annot.formats.textee import dump_textee, parse_textee

from .cases import shape, token_documents
from support import DATA

TEXTEE = DATA / "formats" / "textee"


def read(path: Path) -> tuple[list[Located], list, Sink]:  # type: ignore[type-arg]
    sink = Sink()
    located, skipped = parse_textee(path.read_text(encoding="utf-8"), str(path), sink)
    return located, skipped, sink


def test_textee_is_detected_by_its_first_line():
    assert detect_format(TEXTEE / "test.json") == Format.TEXTEE


def test_textee_reads_windows_into_documents_with_exact_offsets():
    """A document is its windows joined by line breaks; each token, mention and trigger lands on the characters
    of its window's text (a token cut out of a word, "Goma" + "'s", and two spaces in a row included)."""
    located, skipped, sink = read(TEXTEE / "test.json")
    assert sink.every_problem() == [] and skipped == []
    one, two = (loc.doc for loc in located)
    lines = [json.loads(x) for x in (TEXTEE / "test.json").read_text(encoding="utf-8").splitlines()]
    assert one.text == lines[0]["text"] + "\n" + lines[1]["text"]
    for loc, windows in ((located[0], lines[:2]), (located[1], lines[2:])):
        doc = loc.doc
        sentences = doc.meta["sentences"]
        assert [s["id"] for s in sentences] == [w["wnd_id"] for w in windows]
        for s, w in zip(sentences, windows):
            assert [doc.text[a:b] for a, b in s["tokens"]] == w["tokens"]
            assert doc.text[s["start"] : s["end"]] == w["text"]
        mentions = [m for w in windows for m in w["entity_mentions"]]
        assert [(doc.text[e.start : e.end], e.label) for e in doc.entities] == [
            (m["text"], m["entity_type"]) for m in mentions
        ]
        triggers = [ev["trigger"]["text"] for w in windows for ev in w["event_mentions"]]
        assert [doc.text[ev.start : ev.end] for ev in doc.events] == triggers
    # a nested mention ("Kinshasa" in "Kinshasa's mayor") and two events of one sentence
    assert [(two.text[e.start : e.end], e.label) for e in two.entities][:2] == [
        ("Kinshasa", "GPE"),
        ("Kinshasa's mayor", "PER"),
    ]
    assert [ev.arguments for ev in two.events] == [
        (Argument("Entity", "T2"), Argument("Entity", "T3")),
        (Argument("Person", "T2"), Argument("Time-Within", "T4")),
    ]


def test_textee_round_trip_through_annot_is_byte_exact(tmp_path: Path):
    """TextEE -> annot's JSONL -> TextEE gives the file back byte for byte: document and window ids, lang, tokens,
    texts, mentions (ids <wnd_id>-T1 as annot writes them), events and arguments."""
    s = convert(TEXTEE / "test.json", tmp_path / "d.jsonl")
    assert (s.documents, s.entities, s.events, s.arguments, s.skipped, s.not_carried) == (2, 10, 3, 8, (), ())
    back = convert(tmp_path / "d.jsonl", tmp_path / "back.json", output_format="textee")
    assert back.not_carried == () and (back.entities, back.events, back.arguments) == (10, 3, 8)
    assert (tmp_path / "back.json").read_bytes() == (TEXTEE / "test.json").read_bytes()


def test_textee_quirks_of_real_files_are_skipped_and_listed(tmp_path: Path):
    located, skipped, sink = read(TEXTEE / "quirks.json")
    assert sink.every_problem() == []
    assert Counter(x.what for x in skipped) == {
        "mention attribute": 6,  # entity_subtype and mention_type of three mentions
        "event attribute": 2,  # event_main_type, event_subtype
        "relation": 1,
        "argument": 1,  # its entity_id names no mention
        "sentence text": 1,  # "&amp;" among the tokens, "&" in the text: the tokens joined by spaces
    }
    (loc,) = located
    assert loc.doc.text.splitlines()[1] == "Lawyers &amp; family waited ."
    assert [a.role for a in loc.doc.events[0].arguments] == ["Agent", "Person", "Place"]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda w: w["entity_mentions"][0].update(end=99), "entity_mentions[0] must have an 'entity_type' and token"),
        (lambda w: w["event_mentions"][0].pop("trigger"), "event_mentions[0] must have an 'event_type', a 'trigger'"),
        (lambda w: w.update(tokens=["Rebels", ""]), "'tokens' must be a list of non-empty strings"),
        (lambda w: w["entity_mentions"].append(dict(w["entity_mentions"][0])), "is not a new string of this document"),
    ],
)
def test_textee_a_broken_window_leaves_its_document_out(tmp_path: Path, change, problem: str):
    lines = [json.loads(x) for x in (TEXTEE / "test.json").read_text(encoding="utf-8").splitlines()]
    change(lines[0])
    src = tmp_path / "broken.json"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    s = convert(src, tmp_path / "d.jsonl", source_format="textee")
    assert [d.id for d in read_documents(tmp_path / "d.jsonl")] == ["EN-WIRE-0002"]
    ((name, reasons),) = [(d.document, d.reasons) for d in s.left_out]
    assert name == "EN-WIRE-0001" and reasons[0].startswith(f"{src}:1: ") and problem in reasons[0]
    with pytest.raises(AnnotError) as err:
        convert(src, tmp_path / "e.jsonl", source_format="textee", strict=True)
    assert problem in err.value.problems[0] and not (tmp_path / "e.jsonl").exists()


@settings(max_examples=60, deadline=None)
@given(token_documents())
def test_textee_annot_documents_through_textee_and_back(tmp_path_factory, doc: Document):
    """annot's documents -> TextEE (spaCy's sentences and tokens) -> annot, the texts taken back from the
    originals (--text-from): every mention and event comes back on the same characters."""
    events = tuple(
        Event(f"E{i}", "Contact.Meet", e.start, e.end, (Argument("Place", e.id),)) for i, e in enumerate(doc.entities)
    )
    doc = Document(doc.id, doc.text, doc.entities, events)
    folder = tmp_path_factory.mktemp("textee")
    write_documents(folder / "a.jsonl", [doc])
    s = convert(folder / "a.jsonl", folder / "a.json", output_format="textee")
    assert s.not_carried == ()
    convert(folder / "a.json", folder / "b.jsonl", text_from=folder / "a.jsonl")
    (back,) = read_documents(folder / "b.jsonl")
    assert back.text == doc.text and shape(back) == shape(doc)


def test_textee_lists_what_it_cannot_carry():
    doc = Document(
        "d",
        "Kim met Lee. They signed.",
        (
            Entity(0, 3, "PER", "T1"),
            Entity(8, 11, "PER", "T2"),
            Entity(0, 11, "PER", "T3", None, ((0, 3), (8, 11))),
            Entity(1, 3, "PER", "T4"),
        ),
        (
            Event("E1", "Contact.Meet", 4, 7, (Argument("Entity", "T1"), Argument("Entity", "T2"))),
            Event("E2", "Contact.Sign", 18, 24, (Argument("Entity", "T1"), Argument("Theme", "", None, "E1"))),
        ),
    )
    _, lost, _ = dump_textee([Located(doc, "d.jsonl:1")])
    assert sorted((x.what, x.why) for x in lost) == [
        ("argument", "is an event (TextEE arguments are mentions)"),
        ("argument", "is in another sentence than its trigger (TextEE)"),
        ("entity mention", "does not start and end at token edges"),
        ("entity mention", "is discontinuous (TextEE: one span per mention)"),
    ]


def test_textee_a_systems_predictions_score_against_the_benchmark_split_in_one_command(
    runner, tmp_path: Path, monkeypatch
):
    """annot evaluate --from textee reads the benchmark's split file and the system's TextEE output as they are:
    one command, annot's levels, intervals and report."""
    from support import run

    lines = [json.loads(x) for x in (TEXTEE / "test.json").read_text(encoding="utf-8").splitlines()]
    for w in lines:  # the system misses every argument of its first event and one mention
        if w["event_mentions"]:
            w["event_mentions"][0]["arguments"] = []
    lines[0]["entity_mentions"].pop()
    pred = tmp_path / "system-test.json"
    pred.write_text("".join(json.dumps(w) + "\n" for w in lines), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # outside a project: labels from the data
    r = run(runner, "evaluate", "--from", "textee", "--gold", TEXTEE / "test.json", "--pred", pred, "-o", tmp_path / "rep",
            "--bootstrap", "200")  # fmt: skip
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert report["events"]["micro"]["trigger_classification"]["f1"] == 1.0
    arg = report["events"]["micro"]["argument_classification"]
    assert (arg["matched"], arg["gold"], arg["predicted"]) == (2, 8, 2)
    assert report["entities"]["micro"]["strict"]["missed"] == 1
    assert report["meta"]["gold"]["documents"] == 2 and "ci" in report["entities"]["micro"]["strict"]
    r = run(runner, "evaluate", "--from", "textee", "--gold", TEXTEE / "test.json", "--pred", pred, "--split", "test")
    assert r.exit_code == 2 and "with --from, give the split's own file" in r.output


def test_textee_text_from_finds_the_tokens_in_the_documents_texts_or_names_the_window(tmp_path: Path):
    """--text-from: each document takes the text of the document with its id; a window whose tokens are not
    there leaves its document out, named (never a traceback)."""
    convert(TEXTEE / "test.json", tmp_path / "d.jsonl")
    first, second = read_documents(tmp_path / "d.jsonl")
    refs = [
        Document(first.id, first.text.replace("\n", "  \n\n")),  # other whitespace between the windows: fine
        Document(second.id, second.text.replace("envoys", "envoy")),  # a token that is not there
    ]
    write_documents(tmp_path / "refs.jsonl", refs, sort=False)
    s = convert(TEXTEE / "test.json", tmp_path / "e.jsonl", text_from=tmp_path / "refs.jsonl")
    (doc,) = read_documents(tmp_path / "e.jsonl")
    assert doc.text == refs[0].text
    assert [(doc.text[e.start : e.end], e.label) for e in doc.entities] == [
        (first.text[e.start : e.end], e.label) for e in first.entities
    ]
    ((name, reasons),) = [(d.document, d.reasons) for d in s.left_out]
    assert name == "EN-WIRE-0002" and "are not the next tokens of document 'EN-WIRE-0002' of --text-from" in reasons[0]
