"""Adjudication: ground truth wins, agreed items are gold, conflicts are listed; the record survives a rebuild."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annot.corpus.adjudication import RECORD, decide, read_record, stale, write_record
from annot.corpus.store import build_corpus, verify_corpus
from annot.documents import Argument, Document, Entity, Event, read_documents
from annot.errors import AnnotError
from annot.labelstudio.importer import Annotated

from support import ROOT, run

TEXT = "NATO troops arrived in Pristina on Monday ."


def doc(ents, events=()):  # type: ignore[no-untyped-def]
    return Document(
        "d1", TEXT, tuple(Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(ents, 1)), tuple(events)
    )


A = doc(
    [(0, 4, "ORG"), (23, 31, "GPE")],
    [Event("E1", "Movement.Deploy", 12, 19, (Argument("Agent", "T1"), Argument("Destination", "T2")))],
)
B = doc([(0, 4, "ORG"), (23, 31, "LOC")], [Event("E1", "Movement.Deploy", 12, 19, (Argument("Agent", "T1"),))])


def test_adjudication_agreed_items_are_gold_and_conflicts_listed():
    (d,) = decide([Annotated("a", A), Annotated("b", B)])
    assert d.decision == "agreed" and not d.resolved and d.by == ("a", "b")
    assert [(e.label, TEXT[e.start : e.end]) for e in d.gold.entities] == [("ORG", "NATO")]
    (ev,) = d.gold.events
    assert [a.role for a in ev.arguments] == ["Agent"]  # Destination: its mention is not agreed
    assert sorted(c.item for c in d.conflicts) == sorted(
        [
            "GPE “Pristina” at 23-31",
            "LOC “Pristina” at 23-31",
            "Destination of Movement.Deploy “arrived”: GPE “Pristina” at 23-31",
        ]
    )
    assert {tuple(sorted(c.annotators.items())) for c in d.conflicts} >= {(("a", True), ("b", False))}


def test_adjudication_ground_truth_wins():
    (d,) = decide([Annotated("a", A), Annotated("b", B, ground_truth=True)])
    assert (d.decision, d.by, d.resolved) == ("ground truth", ("b",), True)
    assert d.gold.entities[1].label == "LOC"
    (d,) = decide([Annotated("a", A, ground_truth=True), Annotated("b", B, ground_truth=True)])
    assert d.decision == "agreed" and d.conflicts[-1].item == "several annotations are marked ground truth"


def test_adjudication_full_agreement_has_no_conflict_and_one_annotation_needs_no_decision():
    (d,) = decide([Annotated("a", A), Annotated("b", A)])
    assert d.resolved and d.gold.entities == A.entities and d.gold.events == A.events
    assert decide([Annotated("a", A)]) == []


def test_adjudication_review_resolves_and_the_record_round_trips(tmp_path: Path):
    review = Annotated("7", doc([(0, 4, "ORG"), (23, 31, "GPE")]))
    decisions = decide([Annotated("a", A), Annotated("b", B)], {"d1": Annotated("reviewer 7", review.document)})
    (d,) = decisions
    assert (d.decision, d.by, d.resolved) == ("reviewed", ("reviewer 7",), True)
    path = tmp_path / RECORD
    write_record(path, decisions)
    back = read_record(path)
    assert back["d1"].gold.entities == d.gold.entities and back["d1"].inputs == d.inputs
    # a rebuild keeps the review while the annotations stay as they were ...
    (again,) = decide([Annotated("a", A), Annotated("b", B)], previous=back)
    assert again.decision == "reviewed" and again.decided_at == d.decided_at
    assert stale(back, [Annotated("a", A), Annotated("b", B)]) == []
    # ... and says it is stale once one changes
    changed = [Annotated("a", A), Annotated("b", doc([(0, 4, "ORG")]))]
    assert stale(back, changed) == ["d1: an annotation changed since it was decided"]
    (redone,) = decide(changed, previous=back)
    assert redone.decision == "agreed"


def _review(conflicts, ticked: dict[int, set[str]], regions=None):  # type: ignore[no-untyped-def]
    from annot.corpus.adjudication import Review

    listed = tuple(c.item for c in conflicts)
    return Review(listed=listed, choices={n: frozenset(v) for n, v in ticked.items()}, annotator="7")


def test_adjudication_a_review_decides_every_conflict_or_the_document_stays_undecided():
    """Conflict by conflict: each kept or dropped; the reviewer's own regions (the agreed part, possibly
    corrected) plus the kept items are the gold. Undecided, doubly decided, dropped-but-drawn and orphan
    arguments are named and leave the document undecided, never read as "drop"."""
    pair = [Annotated("a", A), Annotated("b", B)]
    (d,) = decide(pair)
    numbers = {c.item: c.id for c in d.conflicts}
    gpe, loc = numbers["GPE “Pristina” at 23-31"], numbers["LOC “Pristina” at 23-31"]
    dest = numbers["Destination of Movement.Deploy “arrived”: GPE “Pristina” at 23-31"]
    agreed = Annotated("reviewer 7", d.gold)  # the reviewer submits the agreed part as loaded
    everything = {gpe: {"keep"}, loc: {"drop"}, dest: {"keep"}}

    problems: list[str] = []
    (ok,) = decide(pair, {"d1": agreed}, reviews={"d1": _review(d.conflicts, everything)}, problems=problems)
    assert problems == [] and (ok.decision, ok.resolved, ok.by) == ("reviewed", True, ("reviewer 7",))
    assert {(c.id, c.decision) for c in ok.conflicts} == {(gpe, "keep"), (loc, "drop"), (dest, "keep")}
    assert [(e.label, TEXT[e.start : e.end]) for e in ok.gold.entities] == [("ORG", "NATO"), ("GPE", "Pristina")]
    assert sorted(a.role for a in ok.gold.events[0].arguments) == ["Agent", "Destination"]

    cases = [
        ({gpe: {"keep"}, loc: {"drop"}}, f"conflict(s) #{dest} undecided (tick keep or drop)"),
        ({**everything, loc: {"keep", "drop"}}, f"conflict(s) #{loc} both kept and dropped"),
        ({gpe: {"drop"}, loc: {"drop"}, dest: {"keep"}}, f"conflict(s) #{dest} keep an argument whose event word"),
    ]
    for ticked, message in cases:
        problems = []
        (undecided,) = decide(pair, {"d1": agreed}, reviews={"d1": _review(d.conflicts, ticked)}, problems=problems)
        assert (undecided.decision, undecided.resolved) == ("agreed", False)
        assert undecided.gold.entities == d.gold.entities  # meanwhile the agreed part only
        assert len(problems) == 1 and message in problems[0] and problems[0].startswith("document 'd1': ")
    # a dropped item the reviewer drew anyway
    drawn = Annotated("reviewer 7", doc([(0, 4, "ORG"), (23, 31, "LOC")]))
    problems = []
    decide(
        pair,
        {"d1": drawn},
        reviews={"d1": _review(d.conflicts, {**everything, gpe: {"drop"}, loc: {"drop"}, dest: {"drop"}})},
        problems=problems,
    )
    assert f"conflict(s) #{loc} dropped, but the review annotation still has them" in problems[0]
    # conflicts that changed since the review project was made: nothing applied
    problems = []
    stale_review = _review(d.conflicts[:1], everything)
    (same,) = decide(pair, {"d1": agreed}, reviews={"d1": stale_review}, problems=problems)
    assert not same.resolved and "its conflicts changed since the review project was made" in problems[0]


def test_adjudication_record_that_is_not_one(tmp_path: Path):
    bad = tmp_path / RECORD
    bad.write_text('{"documents": {"d1": {"sha256": 1}}}', encoding="utf-8")
    with pytest.raises(AnnotError, match="not an adjudication record"):
        read_record(bad)


def _corpus_with_second_annotator(tmp_path: Path) -> Path:
    corpus = tmp_path / "news"
    (corpus / "sources").mkdir(parents=True)
    names = ["kfor-reinforcements-2023-06", "sudan-darfur-el-fasher-drones-2025-05"]
    for n in names:
        shutil.copy(ROOT / "gold" / "news" / "sources" / f"{n}.ann.txt", corpus / "sources")
    # the second annotator: the same markup, one mention relabelled in the first article
    (corpus / "annotators" / "b1").mkdir(parents=True)
    src = (corpus / "sources" / f"{names[0]}.ann.txt").read_text(encoding="utf-8")
    (corpus / "annotators" / "b1" / f"{names[0]}.ann.txt").write_text(
        src.replace("[[Oslo|GPE|T25]]", "[[Oslo|LOC|T25]]", 1).replace("annotator: a0", "annotator: b1"),
        encoding="utf-8",
    )
    return corpus


def test_adjudication_corpus_build_needs_the_decisions_and_applies_them(runner, tmp_path: Path, schema):
    corpus = _corpus_with_second_annotator(tmp_path)
    schema_path = ROOT / "configs" / "schema.toml"
    with pytest.raises(AnnotError) as err:
        build_corpus(corpus, schema, schema_path)
    assert err.value.problems == ["kfor-reinforcements-2023-06: annotated by a0, b1, no decision"]
    r = run(runner, "adjudicate", corpus, "--schema", schema_path)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        "1 document(s) with several annotations: 1 agreed; 1 with unresolved conflicts (6 item(s) left out of the gold)"
    )
    build_corpus(corpus, schema, schema_path)
    docs = {d.id: d for d in read_documents(corpus / "documents.jsonl")}
    kfor = docs["kfor-reinforcements-2023-06"]
    assert "Oslo" not in [kfor.text[e.start : e.end] for e in kfor.entities]  # the conflict is out of the gold
    assert kfor.meta["annotation"] == {
        "adjudication": "agreed",
        "annotators": ["a0", "b1"],
        "by": ["a0", "b1"],
        "unresolved_conflicts": 6,
    }
    assert "verified" in verify_corpus(corpus, schema, schema_path)
    # the record is listed in the manifest; editing an annotation makes the corpus stale
    assert RECORD in json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["files"]
    b1 = corpus / "annotators" / "b1" / "kfor-reinforcements-2023-06.ann.txt"
    b1.write_text(b1.read_text(encoding="utf-8").replace("[[Oslo|LOC|T25]]", "[[Oslo|GPE|T25]]"), encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        build_corpus(corpus, schema, schema_path)
    assert err.value.problems == ["kfor-reinforcements-2023-06: an annotation changed since it was decided"]
    run(runner, "adjudicate", corpus, "--schema", schema_path)
    build_corpus(corpus, schema, schema_path)
    kfor = {d.id: d for d in read_documents(corpus / "documents.jsonl")}["kfor-reinforcements-2023-06"]
    assert kfor.meta["annotation"]["unresolved_conflicts"] == 0


def test_adjudication_and_agreement_from_the_cli_with_bad_inputs(runner, tmp_path: Path):
    r = run(runner, "agreement", tmp_path / "missing.json", "-o", tmp_path / "out")
    assert r.exit_code == 2 and f"{tmp_path / 'missing.json'}: no such file or folder" in r.output
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    r = run(runner, "agreement", tmp_path / "notes.txt", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "not an annotation file" in r.output
    r = run(runner, "adjudicate", tmp_path / "notes.txt")
    assert r.exit_code == 2 and r.output.startswith("Error: give --record RECORD.json")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["agreement", "adjudicate"])
def test_cli_labels_outside_the_schema_are_refused(runner, tmp_path: Path, command: str):
    """As `annot evaluate` refuses gold outside the schema, agreement and adjudicate refuse annotations outside
    it, naming the file, document and mention (an entity type, an event type, a role)."""
    a = tmp_path / "a0.jsonl"
    b = tmp_path / "a1.jsonl"
    a.write_text(
        '{"id": "d1", "text": "NATO sent tanks.", "entities": [{"id": "T1", "start": 0, "end": 4, "label": "WEAPON"}],'
        ' "events": [{"id": "E1", "type": "Movement.Fly", "trigger": {"start": 5, "end": 9}, "arguments": []}]}\n',
        encoding="utf-8",
    )
    b.write_text(
        '{"id": "d1", "text": "NATO sent tanks.", "entities": [{"id": "T1", "start": 0, "end": 4, "label": "ORG"}],'
        ' "events": [{"id": "E1", "type": "Movement.Deploy", "trigger": {"start": 5, "end": 9},'
        ' "arguments": [{"role": "Victim", "entity": "T1"}]}]}\n',
        encoding="utf-8",
    )
    out = (
        ["-o", tmp_path / "out"]
        if command == "agreement"
        else ["-o", tmp_path / "g.jsonl", "--record", tmp_path / "r.json"]
    )
    r = run(runner, command, a, b, *out)
    assert r.exit_code == 2, r.output
    assert f"{a}: document 'd1': T1: 'WEAPON' is not an entity type of schema news-conflict" in r.output
    assert f"{a}: document 'd1': E1: 'Movement.Fly' is not an event type" in r.output
    assert f"{b}: document 'd1': E1: role 'Victim' is not a role of Movement.Deploy" in r.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "g.jsonl").exists()


def test_cli_agreement_names_the_annotators_whose_texts_differ(runner, tmp_path: Path):
    a = tmp_path / "a0.jsonl"
    b = tmp_path / "a1.jsonl"
    a.write_text('{"id": "d1", "text": "NATO sent troops.", "entities": [], "events": []}\n', encoding="utf-8")
    b.write_text('{"id": "d1", "text": "NATO sent troops!", "entities": [], "events": []}\n', encoding="utf-8")
    r = run(runner, "agreement", a, b, "-o", tmp_path / "out")
    assert r.exit_code == 2, r.output
    assert "document 'd1': annotators a0 and a1 annotated different texts" in r.output
    assert "predictions do not match the gold" not in r.output and not (tmp_path / "out").exists()
