"""`annot convert`: any corpus in and out, through annot's documents.

SRC is read in its format (given, or inferred from its name), the label map and the schema
check apply to the documents, and DST is written in its format. Everything is read and checked
before anything is written; every problem is reported at once, naming the file and the line.
What the input has that annot's format has not (brat relations, ...) is skipped, and what the
output format cannot hold (events in CoNLL, ...) is not carried: both are listed in the summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from ..documents import Document, read_documents, write_documents
from ..errors import AnnotError, raise_if_problems
from ..files import atomic_write_text, write_bytes
from ..schema import Schema
from ..systems.labelmap import LabelMap, load_label_map
from . import brat, conll, docbin
from .common import Located, Loss
from .conll import TagScheme


class Format(StrEnum):
    """The corpus formats `annot convert` reads and writes."""

    BRAT = "brat"
    CONLL = "conll"
    SPACY = "spacy"
    JSONL = "jsonl"


SUFFIXES = {**dict.fromkeys(conll.SUFFIXES, Format.CONLL), docbin.SUFFIX: Format.SPACY, ".jsonl": Format.JSONL}
_FORMATS = ", ".join(f.value for f in Format)


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


def detect_format(path: Path, option: str = "--from") -> Format:
    """The format of a file or folder, from its name (and for a folder, its files)."""
    path = Path(path)
    hint = f"Give {option} {'|'.join(f.value for f in Format)}."
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file()]
        others = sorted(p.name for p in files if p.suffix.lower() in SUFFIXES)
        if any(p.suffix == ".ann" for p in files):
            if others:
                raise AnnotError(
                    f"{path}: the format is ambiguous: a brat folder (.txt + .ann) that also holds {others[0]}", hint
                )
            return Format.BRAT
        raise AnnotError(f"{path}: cannot tell the format: a folder with no .ann file is not a brat corpus", hint)
    if path.suffix.lower() == ".txt":
        raise AnnotError(f"{path}: the format is ambiguous: a .txt file may hold CoNLL columns or a brat text", hint)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(f"{s} ({f.value})" for s, f in SUFFIXES.items())
        raise AnnotError(
            f"{path}: cannot tell the format from the name (known: a brat folder, {known})",
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
        + "; README, 'Any corpus in and out'.",
    )


def _format(value: Format | str, option: str) -> Format:
    try:
        return Format(value)
    except ValueError:
        raise AnnotError(f"unknown format {value!r} for {option}", f"Formats: {_FORMATS}.") from None


def convert(
    source: Path,
    output: Path,
    source_format: Format | str | None = None,
    output_format: Format | str | None = None,
    label_map: Path | None = None,
    schema: Schema | None = None,
    scheme: TagScheme | None = None,
    text_from: Path | None = None,
) -> ConvertSummary:
    """Convert SRC to DST; nothing is written unless the whole input is valid.

    `label_map` maps (or ignores) entity labels, checked against `schema` when one is given;
    with `schema`, entity labels, event types and roles must be the schema's. `scheme` is the tag
    scheme of a CoNLL source (detected when None) or output (IOB2 when None). `text_from` (CoNLL
    source only): documents whose ids and texts the CoNLL documents take, in order.
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
    if text_from is not None and fmt_in != Format.CONLL:
        raise AnnotError("--text-from applies to CoNLL input only", "Drop --text-from.")
    if fmt_out == Format.BRAT:
        brat.check_brat_output(output)
    elif output.is_dir():
        raise AnnotError(f"{output}: is a folder; {fmt_out.value} output is a file", "Give a file name.")
    lmap = None
    if label_map is not None:
        if not Path(label_map).is_file():
            raise AnnotError(f"{label_map}: label map not found", "Check the --label-map path.")
        lmap = load_label_map(label_map, schema)

    problems: list[str] = []
    scheme_read = None
    if fmt_in == Format.BRAT:
        located, skipped = brat.read_brat(source, problems)
    elif fmt_in == Format.CONLL:
        refs = read_documents(text_from) if text_from is not None else None
        located, skipped, scheme_read = conll.parse_conll(
            _read_text(source), str(source), source.stem, scheme, problems, refs
        )
    elif fmt_in == Format.SPACY:
        located, skipped = docbin.read_docbin(source, problems)
    else:
        located, skipped = _read_jsonl(source), []
    n_read = len(located)
    if lmap is not None:
        located, ignored = apply_label_map(located, lmap, problems)
        skipped += ignored
    if schema is not None:
        problems += schema_problems(located, schema)
    raise_if_problems(
        problems, f"{source}: invalid {fmt_in.value} input; nothing was written", "Fix the lines named above."
    )

    write: Callable[[], None]
    scheme_written = None
    if fmt_out == Format.BRAT:
        files, not_carried = brat.brat_files(located, problems)
        docs = [loc.doc for loc in located]
        counts = _counts(docs)

        def write() -> None:
            brat.write_brat(output, files)

    elif fmt_out == Format.CONLL:
        scheme_written = scheme or TagScheme.IOB2
        content, not_carried, n_docs, n_ents = conll.dump_conll(located, scheme_written, problems)
        counts = (n_docs, n_ents, 0, 0)

        def write() -> None:
            atomic_write_text(output, content)

    elif fmt_out == Format.SPACY:
        data, not_carried, n_ents = docbin.docbin_bytes(located)
        counts = (len(located), n_ents, 0, 0)

        def write() -> None:
            write_bytes(output, data)

    else:
        not_carried = []
        docs = [loc.doc for loc in located]
        counts = _counts(docs)

        def write() -> None:
            write_documents(output, docs)

    raise_if_problems(
        problems,
        f"{source}: cannot be written as {fmt_out.value}; nothing was written",
        "Fix the documents named above, or choose another --to.",
    )
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
    )


def _output_format(output: Path) -> Format:
    fmt = SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise AnnotError(
            f"{output}: cannot tell the output format from the name (.jsonl, .conll, .iob, .bio, .bioes, .spacy)",
            f"Give --to {'|'.join(f.value for f in Format)} (a brat output is a folder: --to brat).",
        )
    return fmt


def _counts(docs: list[Document]) -> tuple[int, int, int, int]:
    return (
        len(docs),
        sum(len(d.entities) for d in docs),
        sum(len(d.events) for d in docs),
        sum(len(ev.arguments) for d in docs for ev in d.events),
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


def _read_jsonl(path: Path) -> list[Located]:
    """annot's documents, each with the line it was read from."""
    docs = read_documents(path)
    lines = [n for n, line in enumerate(_read_text(path).split("\n"), 1) if line.strip()]
    return [Located(d, f"{path}:{n}") for d, n in zip(docs, lines, strict=True)]


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
                if a.entity in dropped:
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
        labels = {e.id: e.label for e in loc.doc.entities}
        for e in loc.doc.entities:
            if e.label not in schema.entities:
                found.setdefault(f"{e.label!r} is not an entity type of schema {schema.name}", []).append(loc.at(e.id))
        for ev in loc.doc.events:
            if ev.type not in schema.events:
                found.setdefault(f"{ev.type!r} is not an event type of schema {schema.name}", []).append(loc.at(ev.id))
                continue
            for a in ev.arguments:
                bad = schema.role_problem(ev.type, a.role, labels[a.entity])
                if bad:
                    found.setdefault(bad, []).append(loc.at(ev.id))
    return [f"{places[0]}: {msg} ({len(places)} time(s))" for msg, places in found.items()]
