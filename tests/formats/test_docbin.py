"""spaCy DocBin: ids and meta in user_data, round trips with hypothesis, what it cannot carry listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from annot.documents import Argument, Document, Entity, Event
from annot.errors import AnnotError
from annot.formats.common import Located, Sink, blank_english
from annot.formats.docbin import docbin_bytes, parse_docbin, read_docbin

from .cases import shape, token_documents


@settings(max_examples=200, deadline=None)
@given(token_documents(doc_id="kfor-1"))
def test_docbin_round_trip_is_the_identity(doc: Document):
    """Token-aligned entities come back exactly, with the id, the text and the meta."""
    doc = Document(doc.id, doc.text, doc.entities, meta={"story": "kfor", "n": [1, 2]})
    data, lost, n_ents = docbin_bytes([Located(doc, "d.jsonl:1")])
    assert lost == [] and n_ents == len(doc.entities)
    problems = Sink()
    (back,), skipped = parse_docbin(data, "x.spacy", "x", problems)
    assert problems.every_problem() == [] and skipped == []
    assert back.doc == doc


def test_docbin_from_another_tool(tmp_path: Path):
    """No id in user_data: <stem>-<n>; span groups are not read, and listed."""
    from spacy.tokens import DocBin

    nlp = blank_english()
    db = DocBin()
    for text in ("NATO sent troops", "KFOR patrols"):
        sdoc = nlp.make_doc(text)
        sdoc.ents = [sdoc.char_span(0, 4, label="ORG")]
        sdoc.spans["sc"] = [sdoc[1:3]]
        db.add(sdoc)
    db.to_disk(tmp_path / "corpus.spacy")
    problems = Sink()
    located, skipped = read_docbin(tmp_path / "corpus.spacy", problems)
    assert problems.every_problem() == []
    assert [(loc.doc.id, loc.doc.entities) for loc in located] == [
        ("corpus-1", (Entity(0, 4, "ORG", "T1"),)),
        ("corpus-2", (Entity(0, 4, "ORG", "T1"),)),
    ]
    assert [(s.where, s.what, s.detail) for s in skipped] == [
        (f"{tmp_path / 'corpus.spacy'}, document 1", "span", "(no label) 'sent troops'"),
        (f"{tmp_path / 'corpus.spacy'}, document 2", "span", "(no label) 'patrols'"),
    ]


def test_docbin_lists_what_it_cannot_write_and_marks_cut_tokens_missing():
    doc = Document(
        "d",
        "NATOs troops met KFOR",
        (Entity(0, 4, "ORG", "T1", 0.5), Entity(17, 21, "MIL", "T2")),
        (Event("E1", "Contact.Meet", 13, 16, (Argument("Participant", "T2"),)),),
    )
    data, lost, n_ents = docbin_bytes([Located(doc, "d.jsonl:2")])
    assert n_ents == 1
    assert [(x.where, x.what) for x in lost] == [
        ("d.jsonl:2 (T1)", "entity mention"),
        ("d.jsonl:2 (E1)", "event"),
        ("d.jsonl:2 (E1)", "argument"),
        ("d.jsonl:2 (T1)", "score"),
    ]
    from spacy.tokens import DocBin

    (sdoc,) = DocBin().from_bytes(data).get_docs(blank_english().vocab)
    assert [t.ent_iob_ for t in sdoc] == ["", "O", "O", "B"]  # 'NATOs' missing: neither entity nor outside


def test_docbin_bad_input(tmp_path: Path):
    (tmp_path / "x.spacy").write_bytes(b"not a docbin")
    with pytest.raises(AnnotError) as err:
        read_docbin(tmp_path / "x.spacy", Sink())
    assert err.value.message.startswith(f"{tmp_path / 'x.spacy'}: not a spaCy DocBin file (")


def test_docbin_ids_must_be_strings_and_unique():
    from spacy.tokens import DocBin

    nlp = blank_english()
    db = DocBin(store_user_data=True)
    for uid in ("a", "a", 7):
        sdoc = nlp.make_doc("NATO")
        sdoc.user_data["id"] = uid
        db.add(sdoc)
    problems = Sink()
    parse_docbin(db.to_bytes(), "x.spacy", "x", problems)
    assert problems.every_problem() == [
        "x.spacy, document 2: document id 'a' already used by document 1",
        "x.spacy, document 3: user_data['id'] must be a non-empty string, got 7",
    ]


def test_docbin_shape_helper_sees_labels():
    assert shape(Document("a", "NATO", (Entity(0, 4, "ORG", "T1"),))) != shape(
        Document("a", "NATO", (Entity(0, 4, "MIL", "T1"),))
    )
