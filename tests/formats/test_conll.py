"""CoNLL columns: golden files by hand, the document rule, round trips with hypothesis, every bad line named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annot.documents import Argument, Document, Entity, Event
from annot.formats.common import Located, Sink
from annot.formats.conll import TagScheme, dump_conll, parse_conll

from .cases import WORDS, shape, token_documents
from support import DATA

FORMATS = DATA / "formats"
TEXT = "NATO sent troops to New York. The EU met.\nThey left"
DOC = Document("kfor", TEXT, (Entity(0, 4, "ORG", "T1"), Entity(20, 28, "GPE", "T2"), Entity(34, 36, "ORG", "T3")))


def read(name: str, scheme: TagScheme | None = None, references=None):
    path = FORMATS / name
    problems = Sink()
    located, skipped, used = parse_conll(
        path.read_text(encoding="utf-8"), name, path.stem, scheme, problems, references
    )
    assert problems.every_problem() == []
    return [loc.doc for loc in located], skipped, used


def spans(doc: Document) -> list[tuple[str, str]]:
    return [(doc.text[e.start : e.end], e.label) for e in doc.entities]


def test_conll_golden_iob2_with_docstart():
    """Columns between the token and the tag are ignored; -DOCSTART- separates documents, numbered from 1."""
    (a, b), skipped, used = read("news.conll")
    assert used == TagScheme.IOB2 and skipped == []
    assert (a.id, a.text) == ("news-1", "NATO is sending troops to Kosovo .")
    assert spans(a) == [("NATO", "ORG"), ("Kosovo", "GPE")]
    assert (b.id, b.text) == ("news-2", "The European Union met in New York on 5 June\nIt ended .")
    assert spans(b) == [("European Union", "ORG"), ("New York", "GPE"), ("5 June", "DATE")]


def test_conll_golden_iob1_without_docstart_is_one_document():
    (doc,), _, used = read("iob1.conll")
    assert used == TagScheme.IOB1 and doc.id == "iob1-1"
    assert spans(doc) == [("Ban Ki-moon", "PER"), ("Kofi Annan", "PER"), ("Annan", "PER")]


def test_conll_golden_bioes_and_bilou():
    (doc,), _, used = read("bioes.bioes")
    assert used == TagScheme.BIOES
    assert spans(doc) == [("NATO", "ORG"), ("New York", "GPE"), ("Kosovo", "GPE")]


def test_conll_entity_lines_and_empty_documents():
    raw = "-DOCSTART- O\n\n-DOCSTART- O\n\nNATO B-ORG\nsent O\n\nKFOR B-MIL\n"
    problems = Sink()
    (loc,), skipped, _ = parse_conll(raw, "x.conll", "x", None, problems)
    assert problems.every_problem() == [] and loc.doc.id == "x-1" and loc.where == "x.conll:3"
    assert [loc.at(e.id) for e in loc.doc.entities] == ["x.conll:5 (T1)", "x.conll:8 (T2)"]
    assert [(s.where, s.what) for s in skipped] == [("x.conll:1", "empty document")]


def test_conll_writes_iob2_and_bioes_by_hand():
    """spaCy's tokens; a sentence per line of the text and per spaCy sentencizer sentence."""
    head = "-DOCSTART- -X- -X- O\n\n"
    iob2 = "NATO B-ORG\nsent O\ntroops O\nto O\nNew B-GPE\nYork I-GPE\n. O\n\nThe O\nEU B-ORG\nmet O\n. O\n\nThey O\nleft O\n\n"
    bioes = iob2.replace("NATO B-ORG", "NATO S-ORG").replace("York I-GPE", "York E-GPE").replace("EU B-ORG", "EU S-ORG")
    for scheme, body in ((TagScheme.IOB2, iob2), (TagScheme.BIOES, bioes)):
        problems = Sink()
        content, lost, n_docs, n_ents = dump_conll([Located(DOC, "d.jsonl:1")], scheme, problems)
        assert problems.every_problem() == [] and lost == [] and (n_docs, n_ents) == (1, 3)
        assert content == head + body
        (back,), _, used = parse_conll(content, "x.conll", "x", None, problems, [DOC])
        assert (
            problems.every_problem() == []
            and used == scheme
            and back.doc.id == "kfor"
            and shape(back.doc) == shape(DOC)
        )


def test_conll_lists_what_it_cannot_write():
    doc = Document(
        "d",
        "NATOs troops met KFOR\n\nin Pristina",
        (
            Entity(0, 4, "ORG", "T1"),
            Entity(13, 21, "MIL", "T2"),
            Entity(17, 21, "MIL", "T3"),
            Entity(17, 34, "LOC", "T4"),
        ),
        (Event("E1", "Contact.Meet", 13, 16, (Argument("Participant", "T2"), Argument("Participant", "T1"))),),
        {"story": "x"},
    )
    problems = Sink()
    content, lost, _, n_ents = dump_conll([Located(doc, "d.jsonl:7")], TagScheme.IOB2, problems)
    assert problems.every_problem() == [] and n_ents == 1
    assert [(x.where, x.what, x.why, x.detail) for x in lost] == [
        ("d.jsonl:7", "document meta", "CoNLL has no document metadata", ""),
        (
            "d.jsonl:7 (T1)",
            "entity mention",
            "does not align to spaCy's English tokens",
            "ORG 'NATO' [0:4] (its tokens: 'NATOs')",
        ),
        ("d.jsonl:7 (T3)", "entity mention", "overlaps another one (CoNLL: one tag per token)", "MIL 'KFOR' [17:21]"),
        (
            "d.jsonl:7 (T4)",
            "entity mention",
            "overlaps another one (CoNLL: one tag per token)",
            "LOC 'KFOR\\n\\nin Pristina' [17:34]",
        ),
        ("d.jsonl:7 (E1)", "event", "CoNLL has no event layer", "Contact.Meet"),
        ("d.jsonl:7 (E1)", "argument", "CoNLL has no event layer", "Participant -> T2"),
        ("d.jsonl:7 (E1)", "argument", "CoNLL has no event layer", "Participant -> T1"),
    ]
    assert "NATOs O\n" in content and "met B-MIL\nKFOR I-MIL\n\nin O\n" in content


def test_conll_entity_over_a_line_break_is_listed():
    doc = Document("d", "New\nYork", (Entity(0, 8, "GPE", "T1"),))
    _, lost, _, n_ents = dump_conll([Located(doc, "d.jsonl:1")], TagScheme.IOB2, Sink())
    assert n_ents == 0 and [x.why for x in lost] == ["contains a line break or a run of spaces"]


def test_conll_words_of_the_generated_documents_are_single_tokens():
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    assert all(len(tokenizer(w)) == 1 for w in WORDS)


@settings(max_examples=200, deadline=None)
@given(token_documents(), st.sampled_from([TagScheme.IOB2, TagScheme.BIOES]), st.booleans())
def test_conll_round_trip_is_the_identity(doc: Document, scheme: TagScheme, given_scheme: bool):
    """Token-aligned entities on whitespace-tokenised text come back exactly (text rebuilt, or found with references)."""
    problems = Sink()
    content, lost, _, _ = dump_conll([Located(doc, "d.jsonl:1")], scheme, problems)
    assert problems.every_problem() == [] and lost == []
    (back,), _, used = parse_conll(content, "x.conll", "x", scheme if given_scheme else None, problems)
    assert problems.every_problem() == []
    assert back.doc.id == "x-1" and shape(back.doc) == shape(doc)
    if doc.entities:
        assert used == scheme or (scheme == TagScheme.BIOES and not given_scheme and used == TagScheme.IOB2)
    (again,), _, _ = parse_conll(content, "x.conll", "x", None, problems, [doc])
    assert problems.every_problem() == [] and again.doc == doc


BAD = [
    ("NATO\n", None, ["x.conll:1: 'NATO' has no tag: a token line needs the token first and the tag last"]),
    (
        "NATO B_ORG\n",
        None,
        ["x.conll:1: 'B_ORG' (last column) is not a NER tag: O, or B-, I-, E-, S- (L-, U-) and a label"],
    ),
    (
        "sent O\nNATO I-ORG\n",
        TagScheme.IOB2,
        [
            "x.conll: the tags look like IOB1, not IOB2 (--scheme)",
            "x.conll:2: I-ORG after O: in strict IOB2 a mention starts with B- (give --scheme iob1 if I- may start one)",
        ],
    ),
    (
        "NATO B-ORG\nKFOR I-MIL\n",
        TagScheme.IOB2,
        [
            "x.conll: the tags look like IOB1, not IOB2 (--scheme)",
            "x.conll:2: I-MIL after B-ORG: in strict IOB2 a mention starts with B- (give --scheme iob1 if I- may start one)",
        ],
    ),
    (
        "NATO S-ORG\n",
        TagScheme.IOB2,
        ["x.conll: the tags look like BIOES, not IOB2 (--scheme)", "x.conll:1: S-ORG is not a tag of IOB2 (O, B-, I-)"],
    ),
    (
        "New B-GPE\nYork O\nKosovo S-GPE\n",
        None,
        ["x.conll:2: O after B-GPE: in BIOES, a mention that is not closed by E- continues with I-GPE or E-GPE"],
    ),
    (
        "New B-GPE\nYork I-GPE\n",
        TagScheme.BIOES,
        [
            "x.conll: the tags look like IOB2, not BIOES (--scheme)",
            "x.conll:2: I-GPE ends the sentence: in BIOES, a mention ends with E-",
        ],
    ),
    ("sent O\nYork E-GPE\n", None, ["x.conll:2: E-GPE after O: in BIOES, I- and E- continue a B- or I-"]),
]


@pytest.mark.parametrize("raw, scheme, expected", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_conll_bad_lines_are_named(raw: str, scheme: TagScheme | None, expected: list[str]):
    problems = Sink()
    located, _, _ = parse_conll(raw, "x.conll", "x", scheme, problems)
    assert located == [] and problems.every_problem() == expected


def test_conll_iob1_reads_what_strict_iob2_refuses():
    problems = Sink()
    (loc,), _, used = parse_conll("sent O\nNATO I-ORG\n", "x.conll", "x", None, problems)
    assert problems.every_problem() == [] and used == TagScheme.IOB1 and spans(loc.doc) == [("NATO", "ORG")]


def test_conll_references_must_match_the_tokens():
    ref = Document("kfor", "NATO sent  troops", ())
    problems = Sink()
    parse_conll("NATO B-ORG\nsent O\ntroops O\n", "x.conll", "x", None, problems, [ref])
    assert problems.every_problem() == []
    parse_conll("NATO B-ORG\nsend O\n", "x.conll", "x", None, problems, [ref])
    assert problems.every_problem() == [
        "x.conll:2: token 'send' is not the next token of document 'kfor' of --text-from (offset 5: 'sent  troops')"
    ]
    problems = Sink()
    parse_conll("NATO B-ORG\nsent O\n", "x.conll", "x", None, problems, [ref])
    assert problems.every_problem() == [
        "x.conll:2: document 'kfor' of --text-from goes on after the last token ('troops')"
    ]
    problems = Sink()
    parse_conll("NATO B-ORG\n", "x.conll", "x", None, problems, [ref, ref])
    assert problems.every_problem() == [
        "x.conll: 1 document(s), but the reference documents (--text-from) are 2: they are matched in order"
    ]


def test_conll_and_docbin_list_discontinuous_and_nested_mentions():
    """One tag per token and one span per mention: a discontinuous mention and a nested one are listed, never
    written as their extent."""
    from annot.formats.docbin import docbin_bytes

    doc = Document(
        "d",
        "North and South Korea met.",
        (
            Entity(0, 21, "GPE", "T1", None, ((0, 5), (16, 21))),
            Entity(10, 21, "GPE", "T2"),
            Entity(16, 21, "GPE", "T3"),
        ),
    )
    _, lost, _, n_ents = dump_conll([Located(doc, "d.jsonl:1")], TagScheme.IOB2, Sink())
    assert n_ents == 1 and sorted((x.where, x.why) for x in lost) == [
        ("d.jsonl:1 (T1)", "is discontinuous (CoNLL: one span per mention)"),
        ("d.jsonl:1 (T3)", "overlaps another one (CoNLL: one tag per token)"),
    ]
    _, lost, n_ents = docbin_bytes([Located(doc, "d.jsonl:1")])
    assert n_ents == 1 and sorted(x.why for x in lost) == [
        "is discontinuous (a DocBin: one span per mention)",
        "overlaps another one (DocBin: one tag per token)",
    ]
