"""`annot convert`: any corpus in and out, through annot's documents.

SRC is read in its format (given, or inferred from its name and first line), the label map and the
schema check apply to the documents, and DST is written in its format. Everything is read and checked
before anything is written. What the input has that annot's format has not (brat relations, ...) is
skipped, and what the output format cannot hold (events in CoNLL, ...) is not carried: both are listed
in the summary. A document annot or the output format cannot represent, or whose part of the input is
broken, is left out and named with every reason (`strict`: the whole run is refused instead, nothing
written); a problem of the whole input (not the format, unreadable, a wrong --scheme, a label the
label map does not know) always refuses the run. Document ids that break annot's rule (file names with
spaces, ids from a DocBin) are mapped to valid ones, and the mapping is written beside the output.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from ..documents import Document, document_from_dict, id_problem, iter_jsonl, mapped_id, read_documents, write_documents
from ..errors import AnnotError, raise_if_problems
from ..files import atomic_write_text, write_bytes
from ..schema import Schema, mention_problems
from ..systems.labelmap import LabelMap, load_label_map
from . import brat, conll, docbin, dygiepp, oneie, textee
from .common import LeftOut, Located, Loss, Sink
from .conll import TagScheme


class Format(StrEnum):
    """The corpus formats `annot convert` reads and writes."""

    BRAT = "brat"
    CONLL = "conll"
    SPACY = "spacy"
    JSONL = "jsonl"
    TEXTEE = "textee"
    ONEIE = "oneie"
    DYGIEPP = "dygiepp"


SUFFIXES = {**dict.fromkeys(conll.SUFFIXES, Format.CONLL), docbin.SUFFIX: Format.SPACY, ".jsonl": Format.JSONL}
JSON_LINES = (".json", ".jsonl")  # TextEE, OneIE and DyGIE++ files: told apart by their first line
TOKEN_FORMATS = (Format.TEXTEE, Format.ONEIE, Format.DYGIEPP)
_FORMATS = ", ".join(f.value for f in Format)
ID_MAP_SUFFIX = ".ids.json"  # beside the output: the document ids that were mapped, new -> original


@dataclass(frozen=True)
class ConvertSummary:
    """What a conversion read and wrote, and what it left out, each item with its file and line."""

    source: str
    output: str
    source_format: Format
    output_format: Format
    documents_read: int
    documents: int
    entities: int
    events: int
    arguments: int
    scheme_read: TagScheme | None = None  # the CoNLL tag scheme of SRC (given or detected)
    scheme_written: TagScheme | None = None
    skipped: tuple[Loss, ...] = ()  # in the input, not read: annot's format has no place for it, or ignored labels
    not_carried: tuple[Loss, ...] = ()  # read, but the output format cannot hold it
    left_out: tuple[LeftOut, ...] = ()  # whole documents not written, with every reason
    renamed: tuple[tuple[str, str], ...] = ()  # (id in the input, id written) of ids that break annot's rule
    id_map: str | None = None  # where `renamed` was written


def _sniff(path: Path) -> Format | None:
    """The format of a JSON lines file by the keys of its first object (None: not one of annot's formats)."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            first = next((line for line in fh if line.strip()), "")
        keys = set(json.loads(first)) if first else set()
    except (OSError, UnicodeDecodeError, ValueError, TypeError, RecursionError):
        return None
    if {"id", "text"} <= keys:
        return Format.JSONL
    for fmt, want in ((Format.TEXTEE, textee.KEYS), (Format.ONEIE, oneie.KEYS), (Format.DYGIEPP, dygiepp.KEYS)):
        if want <= keys:
            return fmt
    return None


def detect_format(path: Path, option: str = "--from") -> Format:
    """The format of a file or folder, from its name (and for a folder, its files; for JSON lines, the keys
    of its first line)."""
    path = Path(path)
    hint = f"Give {option} {'|'.join(f.value for f in Format)}."
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file() and p.name != brat.MARKER]
        others = sorted(p.name for p in files if p.suffix.lower() in (*SUFFIXES, ".json"))
        if any(p.suffix == ".ann" for p in path.rglob("*.ann")):
            if others:
                raise AnnotError(
                    f"{path}: the format is ambiguous: a brat folder (.txt + .ann) that also holds {others[0]}", hint
                )
            return Format.BRAT
        raise AnnotError(f"{path}: cannot tell the format: a folder with no .ann file is not a brat corpus", hint)
    if path.suffix.lower() == ".txt":
        raise AnnotError(f"{path}: the format is ambiguous: a .txt file may hold CoNLL columns or a brat text", hint)
    if path.suffix.lower() in JSON_LINES:
        found = _sniff(path)
        if found is not None:
            return found
        if path.suffix.lower() == ".jsonl":
            return Format.JSONL  # its reader says what is wrong with it
        raise AnnotError(
            f"{path}: cannot tell the format: its first line is not a TextEE, OneIE or DyGIE++ object "
            "(doc_id and wnd_id, doc_id and sent_id, doc_key and sentences)",
            hint,
        )
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(f"{s} ({f.value})" for s, f in SUFFIXES.items())
        raise AnnotError(
            f"{path}: cannot tell the format from the name (known: a brat folder, {known}, "
            ".json (textee, oneie or dygiepp, by its first line))",
            hint,
        )
    return fmt


_TAG = re.compile(r"^(O|[BIESLU]-\S+)$")
_BRAT_LINE = re.compile(r"^[TERAMN#*]\d*\t")


def sniff_format(path: Path) -> Format | None:
    """The corpus format of a file or folder that is clearly not annot's JSONL (None: it may be JSONL, or
    nothing recognisable): a brat folder or .ann file, a CoNLL file (token and tag columns, -DOCSTART-), a spaCy
    DocBin. Read from the name and the first few kilobytes; JSONL is never taken for another format."""
    path = Path(path)
    if path.is_dir():
        return Format.BRAT if any(path.glob("*.ann")) else None
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    suffix = path.suffix.lower()
    if suffix == docbin.SUFFIX or head[:1] == b"\x78" and not _utf8(head):
        return Format.SPACY
    if suffix in conll.SUFFIXES:
        return Format.CONLL
    if not _utf8(head):
        return None
    lines = [x for x in head.decode("utf-8", "ignore").splitlines()[:-1] if x.strip()][:50]
    if not lines:
        return None
    if suffix == ".ann" or all(_BRAT_LINE.match(x) for x in lines):
        return Format.BRAT
    tagged = [x for x in lines if x.startswith("-DOCSTART-") or (len(x.split()) >= 2 and _TAG.match(x.split()[-1]))]
    return Format.CONLL if len(tagged) >= max(1, len(lines) * 0.9) else None


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(data) - 4  # a character cut by the end of the sample
    return True


def refuse_other_format(path: Path, what: str, text_from: Path | None = None) -> None:
    """Refuse a brat, CoNLL or DocBin input where annot's JSONL documents are expected, naming the conversion."""
    fmt = sniff_format(path)
    if fmt is None:
        return
    target = Path(path).with_suffix(".jsonl").name if not Path(path).is_dir() else Path(path).name + ".jsonl"
    extra = f" --text-from {text_from}" if fmt == Format.CONLL and text_from is not None else ""
    raise AnnotError(
        f"{path}: {what} in {fmt.value} format, not annot's JSONL documents",
        f"Convert it first: annot convert {path} --from {fmt.value} -o {target}{extra}"
        + (" (--text-from gives each CoNLL document the gold's id and text, so that it can be scored)" if extra else "")
        + f"; or score it as it is, gold and predictions alike: annot evaluate --from {fmt.value}"
        + "; docs/guides/formats.md.",
    )


def _format(value: Format | str, option: str) -> Format:
    try:
        return Format(value)
    except ValueError:
        raise AnnotError(f"unknown format {value!r} for {option}", f"Formats: {_FORMATS}.") from None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_output_path(output: Path, fmt_out: Format, inputs: dict[str, Path | None]) -> None:
    """Refuse an output that is one of the inputs, lies inside an input folder, or (a brat folder, replaced
    whole) holds an input."""
    for what, path in inputs.items():
        if path is None or not path.exists():
            continue
        if output.exists() and os.path.samefile(output, path) or output.resolve() == path.resolve():
            raise AnnotError(f"{output}: is the {what} itself; nothing was written", "Give another output path.")
        if path.is_dir() and _inside(output, path):
            raise AnnotError(
                f"{output}: is inside the {what} {path}; nothing was written", "Give an output outside the input."
            )
        if fmt_out == Format.BRAT and _inside(path, output):
            raise AnnotError(
                f"{output}: holds the {what} {path}, and a brat output replaces its whole folder; nothing was written",
                "Give another output folder.",
            )


def convert(
    source: Path,
    output: Path,
    source_format: Format | str | None = None,
    output_format: Format | str | None = None,
    label_map: Path | None = None,
    schema: Schema | None = None,
    scheme: TagScheme | None = None,
    text_from: Path | None = None,
    *,
    strict: bool = False,
    force: bool = False,
) -> ConvertSummary:
    """Convert SRC to DST; nothing is written unless the whole input is readable.

    `label_map` maps (or ignores) entity labels, checked against `schema` when one is given;
    with `schema`, entity labels, event types and roles must be the schema's, and mentions must be as
    its `[mentions]` declares (nested, discontinuous). `scheme` is the tag scheme of a CoNLL source
    (detected when None) or output (IOB2 when None). `text_from`: documents whose texts the documents
    take (CoNLL: in order, with their ids; DyGIE++, TextEE, OneIE: by id), the tokens found in them.
    `strict`: refuse the whole run where a document would be left out. `force`: replace a brat output
    folder that is not annot's.
    """
    source, output = Path(source), Path(output)
    if not source.exists():
        raise AnnotError(f"{source}: no such file or folder", "Check the path.")
    fmt_in = _format(source_format, "--from") if source_format else detect_format(source, "--from")
    fmt_out = _format(output_format, "--to") if output_format else _output_format(output)
    if scheme is not None and Format.CONLL not in (fmt_in, fmt_out):
        raise AnnotError("--scheme is the tag scheme of CoNLL files; neither side is CoNLL", "Drop --scheme.")
    if fmt_out == Format.CONLL and scheme == TagScheme.IOB1:
        raise AnnotError("CoNLL output is written in IOB2 or BIOES, not IOB1", "Give --scheme iob2 or --scheme bioes.")
    if text_from is not None and fmt_in not in (Format.CONLL, *TOKEN_FORMATS):
        raise AnnotError(
            "--text-from applies to CoNLL, TextEE, OneIE and DyGIE++ input only (their texts are rebuilt from tokens)",
            "Drop --text-from.",
        )
    check_output_path(output, fmt_out, {"input": source, "--text-from file": text_from, "label map": label_map})
    if fmt_out == Format.BRAT:
        brat.check_brat_output(output, force)
    elif output.is_dir():
        raise AnnotError(f"{output}: is a folder; {fmt_out.value} output is a file", "Give a file name.")
    lmap = None
    if label_map is not None:
        if not Path(label_map).is_file():
            raise AnnotError(f"{label_map}: label map not found", "Check the --label-map path.")
        lmap = load_label_map(label_map, schema)

    sink = Sink()
    located, skipped, scheme_read = read_source(source, fmt_in, sink, scheme, text_from)
    n_read = len(located) + len(sink.left_out)
    located, renamed = valid_ids(located)
    if lmap is not None:
        located, ignored = apply_label_map(located, lmap, sink.problems)
        skipped += ignored
    if schema is not None:
        sink.problems += schema_problems(located, schema)
        located = declared_mentions(located, schema, sink)
    what = f"{source}: invalid {fmt_in.value} input; nothing was written"
    _refuse_if(sink, strict, what, "Fix the lines named above.")

    write: Callable[[], None]
    scheme_written = None
    n_written = len(sink.left_out)
    if fmt_out == Format.BRAT:
        files, not_carried = brat.brat_files(located, sink)

        def write() -> None:
            brat.write_brat(output, files, force)

    elif fmt_out == Format.CONLL:
        scheme_written = scheme or TagScheme.IOB2
        content, not_carried, n_docs, n_ents = conll.dump_conll(located, scheme_written, sink)

        def write() -> None:
            atomic_write_text(output, content)

    elif fmt_out == Format.SPACY:
        data, not_carried, n_ents = docbin.docbin_bytes(located)

        def write() -> None:
            write_bytes(output, data)

    elif fmt_out in TOKEN_FORMATS:
        dump = {Format.TEXTEE: textee.dump_textee, Format.ONEIE: oneie.dump_oneie}.get(fmt_out, dygiepp.dump_dygiepp)
        content, not_carried, _ = dump(located)

        def write() -> None:
            atomic_write_text(output, content)

    else:
        not_carried = []

        def write() -> None:
            write_documents(output, docs, sort=False)  # the input's order: --text-from pairs documents by position

    gone = {d.document for d in sink.left_out[n_written:]}
    docs = [loc.doc for loc in located if loc.doc.id not in gone]
    counts = _written(docs, not_carried)
    if fmt_out == Format.CONLL:
        counts = (n_docs, n_ents, 0, 0)
    elif fmt_out == Format.SPACY:
        counts = (len(docs), n_ents, 0, 0)
    _refuse_if(
        sink,
        strict,
        f"{source}: cannot be written as {fmt_out.value}; nothing was written",
        "Fix the documents named above, or choose another --to.",
    )
    if not docs and sink.left_out:
        raise AnnotError(
            f"{source}: no document could be converted; nothing was written",
            "Fix the documents named above.",
            [r for d in sink.left_out for r in d.reasons],
        )
    id_map = write_id_map(output, renamed, str(source))
    write()
    return ConvertSummary(
        str(source),
        str(output),
        fmt_in,
        fmt_out,
        n_read,
        *counts,
        scheme_read=scheme_read,
        scheme_written=scheme_written,
        skipped=tuple(skipped),
        not_carried=tuple(not_carried),
        left_out=tuple(sink.left_out),
        renamed=tuple(renamed),
        id_map=id_map,
    )


def read_source(
    source: Path, fmt: Format, sink: Sink, scheme: TagScheme | None = None, text_from: Path | None = None
) -> tuple[list[Located], list[Loss], TagScheme | None]:
    """The documents of SRC in format `fmt` (what was skipped, and a CoNLL source's tag scheme); problems go to
    `sink`."""
    scheme_read = None
    if fmt == Format.BRAT:
        located, skipped = brat.read_brat(source, sink)
    elif fmt == Format.CONLL:
        refs = read_documents(text_from) if text_from is not None else None
        located, skipped, scheme_read = conll.parse_conll(
            _read_text(source), str(source), source.stem, scheme, sink, refs
        )
    elif fmt == Format.SPACY:
        located, skipped = docbin.read_docbin(source, sink)
    elif fmt in TOKEN_FORMATS:
        by_id = {d.id: d for d in read_documents(text_from)} if text_from is not None else None
        parse = {Format.TEXTEE: textee.parse_textee, Format.ONEIE: oneie.parse_oneie}.get(fmt, dygiepp.parse_dygiepp)
        located, skipped = parse(_read_text(source), str(source), sink, by_id)
    else:
        located, skipped = _read_jsonl(source, sink)
    return located, skipped, scheme_read


def read_corpus(path: Path, fmt: Format | str | None = None) -> list[Document]:
    """The documents of a corpus file or folder in any format `annot convert` reads (`fmt`, or inferred), for
    scoring: every problem refuses the whole input (none is left out), and ids that break annot's rule are
    mapped as `convert` maps them (the same on the gold and the predictions)."""
    path = Path(path)
    if not path.exists():
        raise AnnotError(f"{path}: no such file or folder", "Check the path.")
    fmt = _format(fmt, "--from") if fmt else detect_format(path, "--from")
    sink = Sink()
    located, _, _ = read_source(path, fmt, sink)
    _refuse_if(sink, True, f"{path}: invalid {fmt.value} input", "Fix the lines named above.")
    return [loc.doc for loc in valid_ids(located)[0]]


def _refuse_if(sink: Sink, strict: bool, message: str, hint: str) -> None:
    """Refuse the run for the problems of the whole input, or (strict) for any document left out."""
    raise_if_problems(sink.every_problem() if strict else sink.problems, message, hint)


def valid_ids(located: list[Located]) -> tuple[list[Located], list[tuple[str, str]]]:
    """The documents with ids that follow annot's rule (`documents.id_problem`): an id that does not is mapped
    (`documents.mapped_id`) to one no other document has; the (original, new) pairs."""
    taken = {loc.doc.id for loc in located if id_problem(loc.doc.id) is None}
    out, renamed = [], []
    for loc in located:
        if id_problem(loc.doc.id) is None:
            out.append(loc)
            continue
        new = mapped_id(loc.doc.id, taken)
        renamed.append((loc.doc.id, new))
        out.append(replace(loc, doc=replace(loc.doc, id=new)))
    return out, renamed


def write_id_map(output: Path, renamed: list[tuple[str, str]], source: str) -> str | None:
    """Write the ids that were mapped beside the output (``OUTPUT.ids.json``: new id -> id in the input); remove
    one annot wrote before when none is mapped now. Where it is, or None."""
    path = output.with_name(output.name + ID_MAP_SUFFIX)
    if not renamed:
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("written_by") == "annot convert":
                path.unlink()
        except (OSError, ValueError, AttributeError):
            pass
        return None
    body = {
        "written_by": "annot convert",
        "note": "Document ids of the input that break annot's rule (letters, digits, '.', '_', '-', starting with "
        "a letter or digit, 200 at most), and the ids they were written with.",
        "source": source,
        "ids": dict((new, old) for old, new in renamed),
    }
    atomic_write_text(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    return str(path)


def declared_mentions(located: list[Located], schema: Schema, sink: Sink) -> list[Located]:
    """The documents whose mentions are as the schema's `[mentions]` declares; the others left out."""
    out = []
    for loc in located:
        found = mention_problems(loc.doc, schema)
        if not sink.document(loc.where, loc.doc.id, [f"{loc.at(eid)}: {why}" for eid, why in found]):
            out.append(loc)
    return out


def _output_format(output: Path) -> Format:
    fmt = SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise AnnotError(
            f"{output}: cannot tell the output format from the name (.jsonl, .conll, .iob, .bio, .bioes, .spacy)",
            f"Give --to {'|'.join(f.value for f in Format)} (a brat output is a folder: --to brat; TextEE, OneIE and "
            "DyGIE++ files are .json: --to textee|oneie|dygiepp).",
        )
    return fmt


def _written(docs: list[Document], not_carried: Iterable[Loss]) -> tuple[int, int, int, int]:
    """Documents, entity mentions, events and arguments written: those of `docs` less those not carried."""
    lost = {"entity mention": 0, "event": 0, "argument": 0}
    for loss in not_carried:
        if loss.what in lost:
            lost[loss.what] += 1
    return (
        len(docs),
        sum(len(d.entities) for d in docs) - lost["entity mention"],
        sum(len(d.events) for d in docs) - lost["event"],
        sum(len(ev.arguments) for d in docs for ev in d.events) - lost["argument"],
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AnnotError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", "Save the file as UTF-8."
        ) from None
    except IsADirectoryError:
        raise AnnotError(f"{path}: is a folder, not a file", "Give the file, or another --from.") from None


def _read_jsonl(path: Path, sink: Sink) -> tuple[list[Located], list[Loss]]:
    """annot's documents, each with the line it was read from; a line with a problem is left out, named."""
    raw = _read_text(path)
    located: list[Located] = []
    seen: dict[str, int] = {}
    for n, where, obj in iter_jsonl(path, raw, sink.problems):
        problems: list[str] = []
        doc = document_from_dict(obj, where, problems)
        name = str(obj["id"]) if isinstance(obj, dict) and isinstance(obj.get("id"), str) else f"line {n}"
        if doc is not None and doc.id in seen:
            problems.append(f"{where}: document id {doc.id!r} already used on line {seen[doc.id]}")
        if sink.document(where, name, problems) or doc is None:
            continue
        seen[doc.id] = n
        located.append(Located(doc, where))
    return located, []


def apply_label_map(located: list[Located], lmap: LabelMap, problems: list[str]) -> tuple[list[Located], list[Loss]]:
    """Entity labels through the label map; ignored mentions, and the arguments they filled, are listed.

    A label that is neither mapped nor ignored is a problem (once per label, at its first mention).
    """
    out: list[Located] = []
    skipped: list[Loss] = []
    unmapped: dict[str, list[str]] = {}
    for loc in located:
        d = loc.doc
        kept, dropped = [], set()
        for e in d.entities:
            if e.label in lmap.mapping:
                kept.append(replace(e, label=lmap.mapping[e.label]))
            elif e.label in lmap.ignore:
                dropped.add(e.id)
                skipped.append(
                    Loss(
                        loc.at(e.id),
                        "entity mention",
                        f"label {e.label} is ignored by the label map",
                        repr(d.text[e.start : e.end]),
                    )
                )
            else:
                unmapped.setdefault(e.label, []).append(loc.at(e.id))
        events = []
        for ev in d.events:
            for a in ev.arguments:
                if a.entity and a.entity in dropped:
                    skipped.append(
                        Loss(
                            loc.at(ev.id),
                            "argument",
                            "its entity mention's label is ignored by the label map",
                            f"{a.role} -> {a.entity}",
                        )
                    )
            events.append(replace(ev, arguments=tuple(a for a in ev.arguments if a.entity not in dropped)))
        out.append(replace(loc, doc=replace(d, entities=tuple(kept), events=tuple(events))))
    for label, places in unmapped.items():
        problems.append(
            f"{places[0]}: label {label!r} ({len(places)} mention(s)) is neither mapped nor ignored by the label map "
            f'{lmap.path} (add `{label} = "<label>"` under [map], or {label!r} to `ignore`)'
        )
    return out, skipped


def schema_problems(located: list[Located], schema: Schema) -> list[str]:
    """Entity labels, event types and roles outside the schema: one problem per kind, at its first place."""
    found: dict[str, list[str]] = {}
    for loc in located:
        for at, msg in schema.document_problems(loc.doc):
            found.setdefault(msg, []).append(loc.at(at))
    return [f"{places[0]}: {msg} ({len(places)} time(s))" for msg, places in found.items()]
