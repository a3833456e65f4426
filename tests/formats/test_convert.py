"""`annot convert`: format detection, label maps, the schema check, the command line, and the bundled corpus
through brat and CoNLL and back."""

from __future__ import annotations

import json
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
    assert err.value.hint == "Give --from brat|conll|spacy|jsonl|textee|oneie|dygiepp."


def test_convert_refuses_an_ambiguous_or_unknown_file(tmp_path: Path):
    for name, message in (
        ("a.txt", "the format is ambiguous: a .txt file may hold CoNLL columns or a brat text"),
        (
            "a.xml",
            "cannot tell the format from the name (known: a brat folder, .conll (conll), .iob (conll), "
            ".bio (conll), .bioes (conll), .spacy (spacy), .jsonl (jsonl), .json (textee, oneie or dygiepp, by its "
            "first line))",
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
    with pytest.raises(AnnotError, match=r"^--text-from applies to CoNLL, TextEE, OneIE and DyGIE\+\+ input only"):
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
        ("changed text", "Error: {src}: invalid brat input; nothing was written (1 problem)"),
        ("no tag", "Error: {src}: invalid conll input; nothing was written (1 problem)"),
        ("strict iob2", "Error: {src}: invalid conll input; nothing was written (1 problem)"),
        ("unmapped", "Error: {src}: invalid conll input; nothing was written (1 problem)"),
        ("ambiguous", "Error: {src}: the format is ambiguous: a .txt file may hold CoNLL columns or a brat text"),
        ("unknown format", "Usage: annot convert [OPTIONS] SOURCE"),
    ],
)
def test_cli_convert_bad_input_exit_2(runner, tmp_path: Path, case: str, first_line: str):
    conll = "NATO B-ORG\nsent O\n"
    extra: list[object] = []
    second = None
    if case == "changed text":
        src = tmp_path / "corpus"
        _write(tmp_path, "corpus/a.txt", "NATO and KFOR")
        _write(tmp_path, "corpus/a.ann", "T1\tORG 0 4;9 13\tNATO KFOX\n")
        extra = ["--strict"]
        second = f"  - {src / 'a.ann'}:1: T1: the text 'NATO KFOX' is not the text at 0-4;9-13 of the .txt"
    elif case == "no tag":
        src = _write(tmp_path, "a.conll", "NATO B-ORG\nsent\n")
        extra = ["--strict"]
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
        assert "'xml' is not one of 'brat', 'conll', 'spacy', 'jsonl', 'textee', 'oneie', 'dygiepp'" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out.jsonl").exists()


# ------------------------------------------------------------- ids at every door


HOSTILE_IDS = ["../../escape", "/etc/passwd", "-rf", ".hidden", "a\nb", "my doc", "", "PMID 9463309"]


def _docbin_with_ids(path: Path, ids: list[str]) -> Path:
    from spacy.tokens import DocBin

    from annot.formats.common import blank_english

    db = DocBin(store_user_data=True)
    for uid in ids:
        sdoc = blank_english().make_doc("NATO")
        sdoc.user_data["id"] = uid
        db.add(sdoc)
    db.to_disk(path)
    return path


def _names_are_safe(folder: Path) -> None:
    for p in folder.rglob("*"):
        name = p.name
        if name.endswith(".annot.lock"):
            continue  # annot's own lock beside an output, never a document's name
        assert not name.startswith(("-", ".")) and "\n" not in name and "/" not in name and "\\" not in name, name


@pytest.mark.parametrize("to", ["jsonl", "brat", "conll", "spacy", "textee", "oneie", "dygiepp"])
def test_convert_ids_from_a_docbin_are_mapped_and_the_mapping_written_beside(tmp_path: Path, to: str):
    """user_data ids that could climb out of a folder, name an option or a hidden file, or hold a line break
    become valid ids; the mapping is written beside the output; what is written is what annot itself reads."""
    src = _docbin_with_ids(tmp_path / "in.spacy", [i for i in HOSTILE_IDS if i])
    out = (
        tmp_path
        / "out"
        / ("corpus" if to == "brat" else f"corpus.{'json' if to in ('textee', 'oneie', 'dygiepp') else to}")
    )
    s = convert(src, out, output_format=to)
    assert dict(s.renamed) == {
        "../../escape": "escape",
        "/etc/passwd": "etc_passwd",
        "-rf": "rf",
        ".hidden": "hidden",
        "a\nb": "a_b",
        "my doc": "my_doc",
        "PMID 9463309": "PMID_9463309",
    }
    mapping = json.loads(Path(s.id_map or "").read_text(encoding="utf-8"))
    assert mapping["ids"]["etc_passwd"] == "/etc/passwd" and Path(s.id_map or "").parent == out.parent
    _names_are_safe(tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.spacy", "out"]  # nothing written outside
    back = convert(out, tmp_path / "back.jsonl", source_format=to, text_from=None)
    assert back.renamed == ()  # annot's output is ids annot reads as they are
    read_documents(tmp_path / "back.jsonl")


def test_convert_brat_and_conll_file_names_become_valid_ids(tmp_path: Path):
    src = tmp_path / "brat"
    src.mkdir()
    for name in ("PMID 9463309", "my doc", ".hidden"):
        (src / f"{name}.txt").write_text("NATO", encoding="utf-8")
        (src / f"{name}.ann").write_text("T1\tORG 0 4\tNATO\n", encoding="utf-8")
    s = convert(src, tmp_path / "b.jsonl")
    assert [d.id for d in read_documents(tmp_path / "b.jsonl")] == ["hidden", "PMID_9463309", "my_doc"]
    assert dict(s.renamed) == {".hidden": "hidden", "PMID 9463309": "PMID_9463309", "my doc": "my_doc"}
    conll = tmp_path / "eng testb.conll"
    conll.write_text("-DOCSTART- -X- -X- O\n\nNATO B-ORG\n", encoding="utf-8")
    s = convert(conll, tmp_path / "c.jsonl")
    assert [d.id for d in read_documents(tmp_path / "c.jsonl")] == ["eng_testb-1"]
    # the next run that maps nothing removes the stale map annot wrote
    convert(tmp_path / "c.jsonl", tmp_path / "c2.jsonl")
    assert not (tmp_path / "c2.jsonl.ids.json").exists()
    (tmp_path / "c.jsonl").write_text("", encoding="utf-8")


def test_convert_an_id_map_annot_did_not_write_is_left_alone(tmp_path: Path, docs: Path):
    mine = tmp_path / "out.jsonl.ids.json"
    mine.write_text('{"mine": true}', encoding="utf-8")
    convert(docs, tmp_path / "out.jsonl")
    assert mine.read_text(encoding="utf-8") == '{"mine": true}'


# ----------------------------------------------------------- outputs it must not write


def test_convert_output_equal_to_or_inside_an_input_is_refused(tmp_path: Path, docs: Path):
    with pytest.raises(AnnotError, match=r"is the input itself; nothing was written"):
        convert(docs, docs)
    brat_in = tmp_path / "brat"
    convert(docs, brat_in, output_format="brat")
    with pytest.raises(AnnotError, match=r"is inside the input"):
        convert(brat_in, brat_in / "x.jsonl")
    with pytest.raises(AnnotError, match=r"holds the input .*a brat output replaces its whole folder"):
        convert(docs, tmp_path, output_format="brat", force=True)
    with pytest.raises(AnnotError, match=r"is the --text-from file itself"):
        convert(docs, tmp_path / "x.conll")
        convert(tmp_path / "x.conll", docs, text_from=docs)
    assert docs.is_file() and (brat_in / "kfor.ann").is_file()


def test_convert_to_brat_over_a_folder_of_articles_is_refused_and_nothing_lost(tmp_path: Path, docs: Path, runner):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "story-1.txt").write_text("An article nobody annotated.", encoding="utf-8")
    r = run(runner, "convert", docs, "--to", "brat", "-o", articles)
    assert r.exit_code == 2 and "is not a brat output of annot (story-1.txt" in r.output and "--force" in r.output
    assert [p.name for p in articles.iterdir()] == ["story-1.txt"]
    r = run(runner, "convert", docs, "--to", "brat", "-o", articles, "--force")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in articles.iterdir()) == ["annot-output.json", "kfor.ann", "kfor.txt"]


# ------------------------------------------------------------------- order, BOM


def test_convert_conll_keeps_the_document_order_and_text_from_works_on_its_own_output(tmp_path: Path):
    """news-1 ... news-12 stay in file order (not -1, -10, -11, -12, -2 ...), so the JSONL annot writes from a
    CoNLL file gives that file its texts back, document by document."""
    conll = tmp_path / "news.conll"
    conll.write_text(
        "".join(f"-DOCSTART- -X- -X- O\n\nNATO{i} B-ORG\nsent O\n\n" for i in range(1, 13)), encoding="utf-8"
    )
    convert(conll, tmp_path / "news.jsonl")
    assert [d.id for d in read_documents(tmp_path / "news.jsonl")] == [f"news-{i}" for i in range(1, 13)]
    s = convert(conll, tmp_path / "again.jsonl", text_from=tmp_path / "news.jsonl")
    assert s.left_out == () and s.documents == 12


def test_convert_a_byte_order_mark_is_not_part_of_the_first_token(tmp_path: Path):
    conll = tmp_path / "bom.conll"
    conll.write_bytes("\ufeffNATO B-ORG\nsent O\n".encode())
    convert(conll, tmp_path / "d.jsonl")
    (doc,) = read_documents(tmp_path / "d.jsonl")
    assert doc.text == "NATO sent" and doc.text[doc.entities[0].start : doc.entities[0].end] == "NATO"


# -------------------------------------------------- every pair of formats that carry the data


def _doc_for_pairs() -> Document:
    text = "NATO troops met KFOR in Pristina.\nThe talks ended."
    return Document(
        "pairs-1",
        text,
        (Entity(0, 4, "ORG", "T1"), Entity(16, 20, "MIL", "T2"), Entity(24, 32, "GPE", "T3")),
        (Event("E1", "Contact.Meet", 12, 15, (Argument("Participant", "T2"), Argument("Place", "T3"))),),
    )


EVENT_FORMATS = ["jsonl", "brat", "textee", "oneie", "dygiepp"]


@pytest.mark.parametrize("first", EVENT_FORMATS)
@pytest.mark.parametrize("second", EVENT_FORMATS)
def test_convert_round_trips_through_every_pair_of_event_formats(tmp_path: Path, first: str, second: str):
    """jsonl -> FIRST -> SECOND -> jsonl keeps every mention, event and argument (on the same characters, the
    texts taken back from the original where a format rebuilds them)."""
    from .cases import shape

    doc = _doc_for_pairs()
    write_documents(tmp_path / "orig.jsonl", [doc])

    def path(fmt: str, tag: str) -> Path:
        return tmp_path / (
            f"{tag}" if fmt == "brat" else f"{tag}.{'json' if fmt in ('textee', 'oneie', 'dygiepp') else fmt}"
        )

    def text_from(fmt: str) -> Path | None:
        return tmp_path / "orig.jsonl" if fmt == "dygiepp" else None

    a, b = path(first, "a"), path(second, "b")
    convert(tmp_path / "orig.jsonl", a, output_format=first)
    convert(a, tmp_path / "between.jsonl", source_format=first, text_from=text_from(first))
    convert(tmp_path / "between.jsonl", b, output_format=second)
    s = convert(b, tmp_path / "back.jsonl", source_format=second, text_from=text_from(second))
    (back,) = read_documents(tmp_path / "back.jsonl")
    assert s.left_out == () and shape(back) == shape(doc)


def test_convert_schema_declaration_decides_which_documents_fit(tmp_path: Path, schema):
    """With --schema, mentions must be as its [mentions] declares: overlapping ones under a flat schema leave their
    document out, named (--strict: the run refused); a nested schema takes them."""
    import dataclasses

    doc = Document("nest", "Bank of China", (Entity(0, 13, "ORG", "T1"), Entity(8, 13, "GPE", "T2")))
    flat_doc = Document("flat", "Bank of China", (Entity(8, 13, "GPE", "T1"),))
    write_documents(tmp_path / "d.jsonl", [doc, flat_doc])
    s = convert(tmp_path / "d.jsonl", tmp_path / "o.jsonl", schema=schema)
    assert [d.id for d in read_documents(tmp_path / "o.jsonl")] == ["flat"]
    ((name, reasons),) = [(d.document, d.reasons) for d in s.left_out]
    assert name == "nest" and reasons == (
        f"{tmp_path / 'd.jsonl'}:2 (T2): overlaps T1 ('Bank of China' at 0-13): schema news-conflict declares mentions "
        "flat ([mentions] nested = false)",
    )
    with pytest.raises(AnnotError):
        convert(tmp_path / "d.jsonl", tmp_path / "p.jsonl", schema=schema, strict=True)
    s = convert(tmp_path / "d.jsonl", tmp_path / "q.jsonl", schema=dataclasses.replace(schema, nested=True))
    assert s.left_out == () and s.documents == 2
