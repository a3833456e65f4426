"""`annot convert`: format detection, label maps, the schema check, the command line, and the bundled corpus
through brat and CoNLL and back."""

from __future__ import annotations

from pathlib import Path

import pytest

from annot.documents import Argument, Document, Entity, Event, read_documents, write_documents
from annot.errors import AnnotError
from annot.formats.convert import Format, convert, detect_format
from annot.systems.labelmap import load_label_map

from support import DATA, ROOT, run

FORMATS = DATA / "formats"
GOLD = ROOT / "gold" / "news" / "documents.jsonl"
DOC = Document(
    "kfor",
    "NATO troops met KFOR in Pristina.",
    (Entity(0, 4, "ORGANIZATION", "T1"), Entity(16, 20, "MIL", "T2"), Entity(24, 32, "CITY", "T3")),
    (Event("E1", "Contact.Meet", 12, 15, (Argument("Participant", "T2"), Argument("Place", "T3"))),),
)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    path = tmp_path / "docs.jsonl"
    write_documents(path, [DOC])
    return path


def label_map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("news.conll", Format.CONLL),
        ("news.iob", Format.CONLL),
        ("news.BIO", Format.CONLL),
        ("news.bioes", Format.CONLL),
        ("news.spacy", Format.SPACY),
        ("news.jsonl", Format.JSONL),
    ],
)
def test_convert_detects_the_format_from_the_name(tmp_path: Path, name: str, fmt: Format):
    (tmp_path / name).write_text("", encoding="utf-8")
    assert detect_format(tmp_path / name) == fmt


def test_convert_detects_a_brat_folder():
    assert detect_format(FORMATS / "brat") == Format.BRAT


@pytest.mark.parametrize(
    "files, message",
    [
        (
            ["a.txt", "a.ann", "b.conll"],
            "{p}: the format is ambiguous: a brat folder (.txt + .ann) that also holds b.conll",
        ),
        (["a.txt"], "{p}: cannot tell the format: a folder with no .ann file is not a brat corpus"),
    ],
)
def test_convert_refuses_an_ambiguous_or_unknown_folder(tmp_path: Path, files: list[str], message: str):
    for name in files:
        (tmp_path / name).write_text("", encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        detect_format(tmp_path)
    assert err.value.message == message.format(p=tmp_path)
    assert err.value.hint == "Give --from brat|conll|spacy|jsonl."


def test_convert_refuses_an_ambiguous_or_unknown_file(tmp_path: Path):
    for name, message in (
        ("a.txt", "the format is ambiguous: a .txt file may hold CoNLL columns or a brat text"),
        (
            "a.xml",
            "cannot tell the format from the name (known: a brat folder, .conll (conll), .iob (conll), "
            ".bio (conll), .bioes (conll), .spacy (spacy), .jsonl (jsonl))",
        ),
    ):
        (tmp_path / name).write_text("", encoding="utf-8")
        with pytest.raises(AnnotError) as err:
            convert(tmp_path / name, tmp_path / "out.jsonl")
        assert err.value.message == f"{tmp_path / name}: {message}"


def test_convert_unknown_format_and_misplaced_options(docs: Path, tmp_path: Path):
    with pytest.raises(AnnotError, match=r"^unknown format 'xml' for --from$"):
        convert(docs, tmp_path / "o.jsonl", source_format="xml")
    with pytest.raises(AnnotError, match=r"cannot tell the output format from the name"):
        convert(docs, tmp_path / "out")
    with pytest.raises(AnnotError, match=r"^--text-from applies to CoNLL input only$"):
        convert(docs, tmp_path / "o.jsonl", text_from=docs)
    with pytest.raises(AnnotError, match=r"^CoNLL output is written in IOB2 or BIOES, not IOB1$"):
        convert(docs, tmp_path / "o.conll", scheme="iob1")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl"]


# --------------------------------------------------------- label maps, schema


def test_convert_relabels_jsonl_with_a_label_map(docs: Path, tmp_path: Path):
    """Mapped labels change, an ignored label drops its mentions and the arguments they fill: both listed."""
    lmap = label_map(tmp_path, 'ignore = ["CITY"]\n[map]\nORGANIZATION = "ORG"\nMIL = "MIL"\n')
    s = convert(docs, tmp_path / "out.jsonl", label_map=lmap)
    (out,) = read_documents(tmp_path / "out.jsonl")
    assert [e.label for e in out.entities] == ["ORG", "MIL"]
    assert out.events[0].arguments == (Argument("Participant", "T2"),)
    assert (s.documents, s.entities, s.events, s.arguments) == (1, 2, 1, 1)
    assert [(x.where, x.what, x.why) for x in s.skipped] == [
        (f"{docs}:1 (T3)", "entity mention", "label CITY is ignored by the label map"),
        (f"{docs}:1 (E1)", "argument", "its entity mention's label is ignored by the label map"),
    ]


def test_convert_unmapped_label_is_an_error_naming_the_line(docs: Path, tmp_path: Path):
    lmap = label_map(tmp_path, '[map]\nORGANIZATION = "ORG"\n')
    with pytest.raises(AnnotError) as err:
        convert(docs, tmp_path / "out.jsonl", label_map=lmap)
    assert err.value.message == f"{docs}: invalid jsonl input; nothing was written (2 problems)"
    assert err.value.problems == [
        f"{docs}:1 (T2): label 'MIL' (1 mention(s)) is neither mapped nor ignored by the label map {lmap} "
        "(add `MIL = \"<label>\"` under [map], or 'MIL' to `ignore`)",
        f"{docs}:1 (T3): label 'CITY' (1 mention(s)) is neither mapped nor ignored by the label map {lmap} "
        "(add `CITY = \"<label>\"` under [map], or 'CITY' to `ignore`)",
    ]
    assert not (tmp_path / "out.jsonl").exists()


def test_label_map_schema_is_optional(tmp_path: Path, schema):
    lmap = label_map(tmp_path, '[map]\nORGANIZATION = "ORGANISATION"\n')
    assert load_label_map(lmap).mapping == {"ORGANIZATION": "ORGANISATION"}
    with pytest.raises(AnnotError):
        load_label_map(lmap, schema)


def test_convert_schema_check(docs: Path, tmp_path: Path, schema):
    with pytest.raises(AnnotError) as err:
        convert(docs, tmp_path / "out.jsonl", schema=schema)
    assert err.value.problems == [
        f"{docs}:1 (T1): 'ORGANIZATION' is not an entity type of schema news-conflict (1 time(s))",
        f"{docs}:1 (T3): 'CITY' is not an entity type of schema news-conflict (1 time(s))",
        f"{docs}:1 (E1): a CITY cannot fill role 'Place' of Contact.Meet (allowed: GPE, LOC) (1 time(s))",
    ]
    lmap = label_map(tmp_path, '[map]\nORGANIZATION = "ORG"\nMIL = "MIL"\nCITY = "GPE"\n')
    s = convert(docs, tmp_path / "out.jsonl", schema=schema, label_map=lmap)
    assert (s.entities, s.arguments) == (3, 2)


# ------------------------------------------------------------- end to end


def test_convert_the_bundled_corpus_to_brat_and_back_is_the_same_bytes(tmp_path: Path):
    """brat has no document meta (listed): without it, the corpus comes back byte for byte."""
    s = convert(GOLD, tmp_path / "brat", output_format="brat")
    docs = read_documents(GOLD)
    assert (s.documents, s.entities, s.events, s.arguments) == (
        len(docs),
        sum(len(d.entities) for d in docs),
        sum(len(d.events) for d in docs),
        sum(len(e.arguments) for d in docs for e in d.events),
    )
    assert {(x.what, x.why) for x in s.not_carried} == {("document meta", "brat has no document metadata")}
    back = convert(tmp_path / "brat", tmp_path / "back.jsonl")
    assert back.skipped == () and back.not_carried == ()
    write_documents(
        tmp_path / "gold.jsonl", [Document(d.id, d.text, d.entities, d.events) for d in read_documents(GOLD)]
    )
    assert (tmp_path / "back.jsonl").read_bytes() == (tmp_path / "gold.jsonl").read_bytes()


def test_convert_the_bundled_corpus_through_conll_loses_the_events_only(tmp_path: Path):
    """CoNLL keeps the mentions it can (every one is counted), loses the events and arguments (listed)."""
    import annot

    docs = read_documents(GOLD)
    n_ents = sum(len(d.entities) for d in docs)
    s = convert(GOLD, tmp_path / "gold.conll")
    lost: dict[str, int] = {}
    for x in s.not_carried:
        lost[x.what] = lost.get(x.what, 0) + 1
    assert lost.pop("event") == sum(len(d.events) for d in docs)
    assert lost.pop("argument") == sum(len(e.arguments) for d in docs for e in d.events)
    assert lost.pop("document meta") == len(docs)
    assert s.entities + lost.pop("entity mention", 0) == n_ents and lost == {}
    assert (s.documents, s.scheme_written) == (len(docs), "iob2")
    convert(tmp_path / "gold.conll", tmp_path / "back.jsonl", text_from=GOLD)
    report = annot.evaluate(docs, read_documents(tmp_path / "back.jsonl"), bootstrap_samples=0)
    assert report.entities.micro["strict"].correct == s.entities
    assert report.events.micro["trigger_classification"].recall == 0.0
    assert report.events.micro["argument_classification"].recall == 0.0


def test_convert_docbin_and_back(tmp_path: Path, docs: Path):
    s = convert(docs, tmp_path / "d.spacy")
    assert (s.documents, s.entities, s.events) == (1, 3, 0) and len(s.not_carried) == 3
    convert(tmp_path / "d.spacy", tmp_path / "back.jsonl")
    (back,) = read_documents(tmp_path / "back.jsonl")
    assert (back.id, back.text, back.entities, back.events) == (DOC.id, DOC.text, DOC.entities, ())


# -------------------------------------------------------------- command line


def test_cli_convert_prints_the_summary(runner, tmp_path: Path):
    r = run(runner, "convert", FORMATS / "brat", "-o", tmp_path / "k.jsonl")
    assert r.exit_code == 0, r.output
    ann = FORMATS / "brat" / "kfor.ann"
    assert r.output.splitlines() == [
        f"read 2 document(s) from {FORMATS / 'brat'} (brat)",
        f"wrote 2 document(s) to {tmp_path / 'k.jsonl'} (jsonl): 5 entity mentions, 2 events, 5 arguments",
        f"skipped: 1 x relation: annot has no relation layer (first: {ann}:10: R1 LocatedIn Arg1:T6 Arg2:T7)",
        f"skipped: 1 x attribute: annot has no attributes (first: {ann}:11: A1 Negation E2)",
        f"skipped: 1 x normalisation: annot has no normalisations (first: {ann}:12: N1 Reference T2 Wikidata:Q1246)",
        f"skipped: 1 x note: annot has no annotator notes (first: {ann}:13: #1 AnnotatorNotes T5)",
    ]
    r = run(runner, "convert", tmp_path / "k.jsonl", "-o", tmp_path / "k.conll", "--scheme", "bioes")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[1:] == [
        f"wrote 2 document(s) to {tmp_path / 'k.conll'} (conll, BIOES tags): 5 entity mentions, 0 events, 0 arguments",
        f"warning: not written: 2 x event: CoNLL has no event layer (first: {tmp_path / 'k.jsonl'}:2 (E1): Movement.Deploy)",
        f"warning: not written: 5 x argument: CoNLL has no event layer (first: {tmp_path / 'k.jsonl'}:2 (E1): Agent -> T1)",
    ]


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "case, first_line",
    [
        ("discontinuous", "Error: {src}: invalid brat input; nothing was written (1 problem)"),
        ("no tag", "Error: {src}: invalid conll input; nothing was written (1 problem)"),
        ("strict iob2", "Error: {src}: invalid conll input; nothing was written (2 problems)"),
        ("unmapped", "Error: {src}: invalid conll input; nothing was written (1 problem)"),
        ("ambiguous", "Error: {src}: the format is ambiguous: a .txt file may hold CoNLL columns or a brat text"),
        ("unknown format", "Usage: annot convert [OPTIONS] SOURCE"),
    ],
)
def test_cli_convert_bad_input_exit_2(runner, tmp_path: Path, case: str, first_line: str):
    conll = "NATO B-ORG\nsent O\n"
    extra: list[object] = []
    second = None
    if case == "discontinuous":
        src = tmp_path / "corpus"
        _write(tmp_path, "corpus/a.txt", "NATO and KFOR")
        _write(tmp_path, "corpus/a.ann", "T1\tORG 0 4;9 13\tNATO KFOR\n")
        second = (
            f"  - {src / 'a.ann'}:1: T1 ORG has a discontinuous span (0 4;9 13), which annot's format cannot represent"
        )
    elif case == "no tag":
        src = _write(tmp_path, "a.conll", "NATO B-ORG\nsent\n")
        second = f"  - {src}:2: 'sent' has no tag: a token line needs the token first and the tag last"
    elif case == "strict iob2":
        src = _write(tmp_path, "a.conll", "sent O\nNATO I-ORG\n")
        extra = ["--scheme", "iob2"]
        second = f"  - {src}: the tags look like IOB1, not IOB2 (--scheme)"
    elif case == "unmapped":
        src = _write(tmp_path, "a.conll", conll)
        extra = ["--label-map", _write(tmp_path, "m.toml", "[map]\nPER = 'PER'\n")]
        second = f"  - {src}:1 (T1): label 'ORG' (1 mention(s)) is neither mapped nor ignored by the label map"
    elif case == "ambiguous":
        src = _write(tmp_path, "a.txt", conll)
    else:
        src = _write(tmp_path, "a.conll", conll)
        extra = ["--from", "xml"]
    r = run(runner, "convert", src, "-o", tmp_path / "out.jsonl", *extra)
    assert r.exit_code == 2, r.output
    lines = r.output.splitlines()
    assert lines[0] == first_line.format(src=src)
    if second:
        assert lines[1].startswith(second)
    if case == "unknown format":
        assert "'xml' is not one of 'brat', 'conll', 'spacy', 'jsonl'" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out.jsonl").exists()
