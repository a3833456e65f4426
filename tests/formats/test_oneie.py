"""OneIE's format: sentences grouped into documents, word pieces kept, written back byte for byte."""

from __future__ import annotations

from pathlib import Path

from annot.documents import Document, Entity, read_documents
from annot.formats.common import Located
from annot.formats.convert import Format, convert, detect_format
from annot.formats.oneie import dump_oneie

from support import DATA

ONEIE = DATA / "formats" / "oneie" / "test.oneie.json"


def test_oneie_round_trip_through_annot_is_byte_exact(tmp_path: Path):
    """Sentence ids, tokens, the BERT pieces and their lengths, the sentence text (two spaces in a row kept),
    mentions, events and arguments: OneIE -> JSONL -> OneIE is the same bytes."""
    assert detect_format(ONEIE) == Format.ONEIE
    s = convert(ONEIE, tmp_path / "d.jsonl")
    assert (s.documents, s.entities, s.events, s.arguments) == (2, 5, 2, 5)
    first, second = read_documents(tmp_path / "d.jsonl")
    assert first.text == "Soldiers evacuated villagers from Beni overnight.\nThe roads  stayed open."
    assert [first.text[e.start : e.end] for e in first.entities] == ["Soldiers", "villagers", "Beni"]
    assert [second.text[e.start : e.end] for e in second.entities] == ["Two journalists", "Bamako"]
    convert(tmp_path / "d.jsonl", tmp_path / "back.json", output_format="oneie")
    assert (tmp_path / "back.json").read_bytes() == ONEIE.read_bytes()


def test_oneie_pieces_annot_cannot_make_are_listed():
    doc = Document("d", "Troops left Gao.", (Entity(12, 15, "GPE", "T1"),))
    content, lost, n = dump_oneie([Located(doc, "d.jsonl:1")])
    assert n == 1 and '"pieces": ["Troops", "left", "Gao", "."]' in content
    assert [(x.what, x.detail) for x in lost] == [("wordpieces", "d-0")]
