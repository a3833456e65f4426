"""Documents as columns: the fast path for scoring large gold and prediction files.

`annot evaluate` on a year of a news wire reads millions of mentions. Making a
Python object per mention (the records of `documents.py`) costs more than the
scoring itself, so scoring reads the same JSONL into columns: one numpy array
per field (document, start, end, label code...) and, per document, its id,
text length, SHA-256 and where its line is in the file. Texts are not kept;
the few needed for error lists are read again by their offsets.

Reading is msgspec's typed JSON decoder, chosen over the standard library,
orjson and ijson because it decodes straight into typed records in C and
validates types as it goes (an `int` offset that is a string or a boolean is
refused), at several times the speed of `json`; it is maintained, has no
dependencies, and annot already reads report.json with it. The checks of
`documents.read_documents` are then run on whole arrays. Any problem at all
sends the file through `read_documents`, which names every problem with its
line and field exactly as everywhere else in annot: the fast path never has
error messages of its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from .documents import ID_PATTERN, Argument, Document, Event, event_cycles, fragment_key, read_documents
from .errors import AnnotError
from .parallel import LOCAL, Execution, fork_map

BLOCK = 8 << 20  # bytes read at a time


class Vocab:
    """Names (labels, event types, roles) and their integer codes, in order of first appearance."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}
        for n in names:
            self.code(n)

    def code(self, name: str) -> int:
        c = self.codes.get(name)
        if c is None:
            c = self.codes[name] = len(self.names)
            self.names.append(name)
        return c

    def encode(self, names: list[str]) -> np.ndarray:
        """The codes of `names` (new names get new codes)."""
        codes = self.codes
        try:
            out = [codes[n] for n in names]
        except KeyError:
            for n in dict.fromkeys(names):
                self.code(n)
            out = [codes[n] for n in names]
        return np.array(out, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(kw_only=True)
class Vocabs:
    """The codes shared by the gold and the predictions of one evaluation."""

    labels: Vocab = field(default_factory=Vocab)
    types: Vocab = field(default_factory=Vocab)
    roles: Vocab = field(default_factory=Vocab)
    # The fragments of discontinuous mentions (`documents.fragment_key`); code 0 is a contiguous mention.
    fragments: Vocab = field(default_factory=lambda: Vocab([""]))


_EMPTY = np.zeros(0, dtype=np.int64)
FRAG = np.int32  # the fragments' code of each mention: nearly always 0, so the narrow type


@dataclass(frozen=True, kw_only=True)
class Columns:
    """Documents as arrays. Entity, event and argument rows point at their document (`*_doc`, an index into
    `ids`); arguments point at their event and at the entity row that fills the role (`arg_entity`), or for nested
    events at the event row that does (`arg_ref`; -1 in the other). `ent_frag` is the fragments' code of a
    discontinuous mention (0: contiguous). Codes are those of `vocabs`. Rows are grouped by document, in document
    order (what the scoring engine relies on)."""

    ids: list[str]
    sha256: list[str]
    lengths: np.ndarray
    ent_doc: np.ndarray
    ent_start: np.ndarray
    ent_end: np.ndarray
    ent_label: np.ndarray
    ent_frag: np.ndarray
    ev_doc: np.ndarray
    ev_start: np.ndarray
    ev_end: np.ndarray
    ev_type: np.ndarray
    arg_event: np.ndarray
    arg_role: np.ndarray
    arg_entity: np.ndarray
    arg_ref: np.ndarray
    vocabs: Vocabs
    offsets: np.ndarray = field(default_factory=lambda: _EMPTY)  # byte offset of each document's line
    line_lengths: np.ndarray = field(default_factory=lambda: _EMPTY)
    meta: list[dict[str, Any]] | None = None  # the meta keys asked for, per document

    def __len__(self) -> int:
        return len(self.ids)

    def entity_pieces(self, row: int) -> tuple[tuple[int, int], ...]:
        """The character ranges of entity `row`: its fragments, or its start and end."""
        key = self.vocabs.fragments.names[self.ent_frag[row]]
        if not key:
            return ((int(self.ent_start[row]), int(self.ent_end[row])),)
        return tuple((int(a), int(b)) for a, b in (f.split("-") for f in key.split(",")))

    def take(self, order: np.ndarray) -> Columns:
        """The documents at `order` (indices), in that order; mentions of the others are dropped.

        Rows stay grouped by document in document order (entities, events and arguments of document 0 first),
        and within a document in their order.
        """
        order = np.asarray(order, dtype=np.int64)
        new = np.full(len(self.ids), -1, dtype=np.int64)
        new[order] = np.arange(len(order))
        ent_doc = new[self.ent_doc]
        ent_rows = np.flatnonzero(ent_doc >= 0)
        ent_rows = ent_rows[np.argsort(ent_doc[ent_rows], kind="stable")]
        ev_doc = new[self.ev_doc]
        ev_rows = np.flatnonzero(ev_doc >= 0)
        ev_rows = ev_rows[np.argsort(ev_doc[ev_rows], kind="stable")]
        # new row of each old one, -1 when dropped; one more place at the end, so that row -1 (no entity, no
        # event filling a role) stays -1
        ent_to = np.full(len(self.ent_doc) + 1, -1, dtype=np.int64)
        ent_to[ent_rows] = np.arange(len(ent_rows))
        ev_to = np.full(len(self.ev_doc) + 1, -1, dtype=np.int64)
        ev_to[ev_rows] = np.arange(len(ev_rows))
        arg_event = ev_to[self.arg_event] if len(self.arg_event) else self.arg_event
        arg_rows = np.flatnonzero(arg_event >= 0)
        arg_rows = arg_rows[np.argsort(arg_event[arg_rows], kind="stable")]
        return Columns(
            ids=[self.ids[i] for i in order],
            sha256=[self.sha256[i] for i in order],
            lengths=self.lengths[order],
            ent_doc=ent_doc[ent_rows],
            ent_start=self.ent_start[ent_rows],
            ent_end=self.ent_end[ent_rows],
            ent_label=self.ent_label[ent_rows],
            ent_frag=self.ent_frag[ent_rows],
            ev_doc=ev_doc[ev_rows],
            ev_start=self.ev_start[ev_rows],
            ev_end=self.ev_end[ev_rows],
            ev_type=self.ev_type[ev_rows],
            arg_event=arg_event[arg_rows],
            arg_role=self.arg_role[arg_rows],
            arg_entity=ent_to[self.arg_entity[arg_rows]],
            arg_ref=ev_to[self.arg_ref[arg_rows]],
            vocabs=self.vocabs,
            offsets=self.offsets[order] if len(self.offsets) else _EMPTY,
            line_lengths=self.line_lengths[order] if len(self.line_lengths) else _EMPTY,
            meta=None if self.meta is None else [self.meta[i] for i in order],
        )


def concat(parts: Sequence[Columns]) -> Columns:
    """One set of columns from several with the same vocabs (documents in order)."""
    if len(parts) == 1:
        return parts[0]
    docs = np.cumsum([0] + [len(p) for p in parts])
    ents = np.cumsum([0] + [len(p.ent_doc) for p in parts])
    evs = np.cumsum([0] + [len(p.ev_doc) for p in parts])

    def cat(name: str, shift: np.ndarray | None = None) -> np.ndarray:
        arrays = [getattr(p, name) + (0 if shift is None else shift[i]) for i, p in enumerate(parts)]
        return np.concatenate(arrays) if arrays else _EMPTY

    def cat_rows(name: str, shift: np.ndarray) -> np.ndarray:  # row indices, -1 (none) kept
        arrays = [np.where(getattr(p, name) >= 0, getattr(p, name) + shift[i], -1) for i, p in enumerate(parts)]
        return np.concatenate(arrays) if arrays else _EMPTY

    metas = [p.meta for p in parts]
    return Columns(
        ids=[i for p in parts for i in p.ids],
        sha256=[s for p in parts for s in p.sha256],
        lengths=cat("lengths"),
        ent_doc=cat("ent_doc", docs),
        ent_start=cat("ent_start"),
        ent_end=cat("ent_end"),
        ent_label=cat("ent_label"),
        ent_frag=cat("ent_frag"),
        ev_doc=cat("ev_doc", docs),
        ev_start=cat("ev_start"),
        ev_end=cat("ev_end"),
        ev_type=cat("ev_type"),
        arg_event=cat("arg_event", evs),
        arg_role=cat("arg_role"),
        arg_entity=cat_rows("arg_entity", ents),
        arg_ref=cat_rows("arg_ref", evs),
        vocabs=parts[0].vocabs,
        offsets=cat("offsets"),
        line_lengths=cat("line_lengths"),
        meta=None if any(m is None for m in metas) else [x for m in metas for x in m],  # type: ignore[union-attr]
    )


def from_documents(docs: Sequence[Document], vocabs: Vocabs, meta_keys: Sequence[str] = ()) -> Columns:
    """Columns of documents already in memory (checked records); `meta_keys`: the meta keys to keep."""
    ent_doc, ent_start, ent_end, labels, frags = [], [], [], [], []
    ev_doc, ev_start, ev_end, types = [], [], [], []
    arg_event, roles, arg_entity, arg_ref = [], [], [], []
    n_ent = n_ev = 0
    for d, doc in enumerate(docs):
        row_of = {}
        for e in doc.entities:
            row_of[e.id] = n_ent
            ent_doc.append(d)
            ent_start.append(e.start)
            ent_end.append(e.end)
            labels.append(e.label)
            frags.append(fragment_key(e.fragments))
            n_ent += 1
        ev_row = {ev.id: n_ev + k for k, ev in enumerate(doc.events)}
        for ev in doc.events:
            ev_doc.append(d)
            ev_start.append(ev.start)
            ev_end.append(ev.end)
            types.append(ev.type)
            for a in ev.arguments:
                arg_event.append(n_ev)
                roles.append(a.role)
                arg_entity.append(-1 if a.event else row_of[a.entity])
                arg_ref.append(ev_row[a.event] if a.event else -1)
            n_ev += 1
    return Columns(
        ids=[d.id for d in docs],
        sha256=[d.sha256 for d in docs],
        lengths=np.array([len(d.text) for d in docs], dtype=np.int64),
        ent_doc=np.array(ent_doc, dtype=np.int64),
        ent_start=np.array(ent_start, dtype=np.int64),
        ent_end=np.array(ent_end, dtype=np.int64),
        ent_label=vocabs.labels.encode(labels),
        ent_frag=vocabs.fragments.encode(frags).astype(FRAG),
        ev_doc=np.array(ev_doc, dtype=np.int64),
        ev_start=np.array(ev_start, dtype=np.int64),
        ev_end=np.array(ev_end, dtype=np.int64),
        ev_type=vocabs.types.encode(types),
        arg_event=np.array(arg_event, dtype=np.int64),
        arg_role=vocabs.roles.encode(roles),
        arg_entity=np.array(arg_entity, dtype=np.int64),
        arg_ref=np.array(arg_ref, dtype=np.int64),
        vocabs=vocabs,
        meta=[{k: d.meta[k] for k in meta_keys if k in d.meta} for d in docs] if meta_keys else None,
    )


# ------------------------------------------------------------- the wire


class _Trigger(msgspec.Struct, gc=False):
    start: int
    end: int


class _Argument(msgspec.Struct, gc=False):
    role: str
    entity: str | msgspec.UnsetType = msgspec.UNSET  # one of the two (checked below)
    event: str | msgspec.UnsetType = msgspec.UNSET
    score: float | None = None


class _Entity(msgspec.Struct, gc=False):
    start: int
    end: int
    label: str
    id: str | msgspec.UnsetType = msgspec.UNSET  # left out: T1.. (an explicit null is refused, as ever)
    score: float | None = None
    fragments: list[tuple[int, int]] | msgspec.UnsetType = msgspec.UNSET


class _Event(msgspec.Struct, gc=False):
    type: str
    trigger: _Trigger
    id: str | msgspec.UnsetType = msgspec.UNSET
    arguments: list[_Argument] = []
    score: float | None = None


class _Document(msgspec.Struct, gc=False):
    id: str
    text: msgspec.Raw  # the JSON string as written: hashed and measured without making a str of it
    sha256: str | None = None
    entities: list[_Entity] = []
    events: list[_Event] = []
    meta: msgspec.Raw = msgspec.Raw(b"{}")


_DECODER = msgspec.json.Decoder(_Document)
_ID = re.compile(ID_PATTERN)
_CONTROL = re.compile(rb"[\x00-\x1f]")


class _Refused(Exception):
    """The fast path met something it does not vouch for: the careful reader takes the file."""


def _check(ok: bool) -> None:
    if not ok:
        raise _Refused


def _text_facts(raw: msgspec.Raw) -> tuple[int, str]:
    """The length in code points and the SHA-256 of the UTF-8 text of a JSON string, as written in the file."""
    b = bytes(raw)
    _check(b[:1] == b'"')
    inner = b[1:-1]
    _check(not _CONTROL.search(inner))  # the careful reader says what is wrong with a raw control character
    if b"\\" in inner:  # escapes (line breaks are written \n): decode them
        inner = msgspec.json.decode(b, type=str).encode("utf-8")
    length = len(inner) if inner.isascii() else len(inner.decode("utf-8"))
    return length, hashlib.sha256(inner).hexdigest()


def _columns_of_wire(
    docs: list[_Document], vocabs: Vocabs, offsets: list[int], lengths: list[int], meta_keys: Sequence[str]
) -> Columns:
    """Columns of decoded lines, after every check of `document_from_dict` (raises _Refused on any problem)."""
    ids = [d.id for d in docs]
    _check(all(_ID.match(i) for i in ids))
    facts = [_text_facts(d.text) for d in docs]
    sha = [f[1] for f in facts]
    _check(all(d.sha256 is None or d.sha256 == s for d, s in zip(docs, sha)))
    text_len = np.fromiter((f[0] for f in facts), dtype=np.int64, count=len(facts))
    _check(all(bytes(d.meta).lstrip()[:1] == b"{" for d in docs))
    n_ent = np.fromiter((len(d.entities) for d in docs), dtype=np.int64, count=len(docs))
    ents = [e for d in docs for e in d.entities]
    ent_doc = np.repeat(np.arange(len(docs), dtype=np.int64), n_ent)
    ent_start = np.fromiter((e.start for e in ents), dtype=np.int64, count=len(ents))
    ent_end = np.fromiter((e.end for e in ents), dtype=np.int64, count=len(ents))
    _check(bool(((ent_start >= 0) & (ent_start < ent_end) & (ent_end <= text_len[ent_doc])).all()))
    labels = [e.label for e in ents]
    _check(all(labels))
    ent_frag = np.zeros(len(ents), dtype=FRAG)  # contiguous mentions (nearly all): code 0, no string made
    for k, e in enumerate(ents):
        if e.fragments is not msgspec.UNSET:
            f = e.fragments
            _check(len(f) >= 2 and f[0][0] == e.start and f[-1][1] == e.end)
            _check(all(0 <= a < b for a, b in f) and all(x[1] < y[0] for x, y in zip(f, f[1:])))
            ent_frag[k] = vocabs.fragments.code(fragment_key(f))
    # Entity ids: given (non-empty) or T1.., unique per document; arguments resolve to them.
    bounds = np.concatenate(([0], np.cumsum(n_ent))).tolist()
    eids = [e.id for e in ents]
    if any(i is msgspec.UNSET for i in eids):  # ids left out: T1.. in their document
        eids = [e.id if isinstance(e.id, str) else f"T{i + 1}" for d in docs for i, e in enumerate(d.entities)]
    _check(all(eids))
    _check(all(len(set(eids[bounds[k] : bounds[k + 1]])) == bounds[k + 1] - bounds[k] for k in range(len(docs))))
    ev_all = [ev for d in docs for ev in d.events]
    n_ev = np.fromiter((len(d.events) for d in docs), dtype=np.int64, count=len(docs))
    ev_doc = np.repeat(np.arange(len(docs), dtype=np.int64), n_ev)
    arg_entity: list[int] = []
    arg_ref: list[int] = []
    first_ev = 0
    for k, d in enumerate(docs):
        if not d.events:
            continue
        evids = [ev.id if isinstance(ev.id, str) else f"E{i + 1}" for i, ev in enumerate(d.events)]
        _check(len(set(evids)) == len(evids) and all(evids))
        row_of = dict(zip(eids[bounds[k] : bounds[k + 1]], range(bounds[k], bounds[k + 1])))
        ev_row = {i: first_ev + r for r, i in enumerate(evids)}
        first_ev += len(evids)
        nested = False
        try:
            for ev in d.events:
                for a in ev.arguments:
                    if a.event is msgspec.UNSET:
                        arg_entity.append(row_of[a.entity])  # KeyError for an unknown id, or UNSET
                        arg_ref.append(-1)
                    else:
                        _check(a.entity is msgspec.UNSET and bool(a.event))
                        arg_ref.append(ev_row[a.event])
                        arg_entity.append(-1)
                        nested = True
        except KeyError:
            raise _Refused from None
        if nested:
            _check(not event_cycles(_event_records(d.events, evids)))
    ev_start = np.fromiter((ev.trigger.start for ev in ev_all), dtype=np.int64, count=len(ev_all))
    ev_end = np.fromiter((ev.trigger.end for ev in ev_all), dtype=np.int64, count=len(ev_all))
    _check(bool(((ev_start >= 0) & (ev_start < ev_end) & (ev_end <= text_len[ev_doc])).all()))
    types = [ev.type for ev in ev_all]
    _check(all(types))
    n_arg = np.fromiter((len(ev.arguments) for ev in ev_all), dtype=np.int64, count=len(ev_all))
    roles = [a.role for ev in ev_all for a in ev.arguments]
    _check(all(roles))
    meta = None
    if meta_keys:
        meta = []
        for d in docs:
            m = msgspec.json.decode(bytes(d.meta))
            meta.append({k: m[k] for k in meta_keys if k in m})
    return Columns(
        ids=ids,
        sha256=sha,
        lengths=text_len,
        ent_doc=ent_doc,
        ent_start=ent_start,
        ent_end=ent_end,
        ent_label=vocabs.labels.encode(labels),
        ent_frag=ent_frag,
        ev_doc=ev_doc,
        ev_start=ev_start,
        ev_end=ev_end,
        ev_type=vocabs.types.encode(types),
        arg_event=np.repeat(np.arange(len(ev_all), dtype=np.int64), n_arg),
        arg_role=vocabs.roles.encode(roles),
        arg_entity=np.array(arg_entity, dtype=np.int64),
        arg_ref=np.array(arg_ref, dtype=np.int64),
        vocabs=vocabs,
        offsets=np.array(offsets, dtype=np.int64),
        line_lengths=np.array(lengths, dtype=np.int64),
        meta=meta,
    )


def _event_records(events: list[_Event], ids: list[str]) -> list[Event]:
    """Events as records with only what `event_cycles` looks at (ids and the events filling roles)."""
    return [
        Event(i, "", 0, 0, tuple(Argument("", "", None, a.event) for a in ev.arguments if isinstance(a.event, str)))
        for i, ev in zip(ids, events)
    ]


def _lines(path: Path, start: int = 0, stop: int | None = None) -> Iterator[tuple[list[bytes], list[int]]]:
    """Blocks of the non-blank lines that start in [start, stop), with their byte offsets."""
    with open(path, "rb") as fh:
        at = start
        if start:
            fh.seek(start - 1)
            at = start - 1 + len(fh.readline())  # a line under way at `start` belongs to the range before
        while True:
            block = fh.readlines(BLOCK)
            if not block:
                return
            lines: list[bytes] = []
            offsets: list[int] = []
            for line in block:
                if stop is not None and at >= stop:
                    if lines:
                        yield lines, offsets
                    return
                if not line.isspace():
                    lines.append(line)
                    offsets.append(at)
                at += len(line)
            if lines:
                yield lines, offsets


def read_columns(
    path: Path, vocabs: Vocabs, meta_keys: Sequence[str] = (), start: int = 0, stop: int | None = None
) -> Columns:
    """The documents of the JSONL file `path` (lines starting in [start, stop)) as columns.

    Raises `_Refused` when anything is off; `read_file_columns` turns that into the careful reader's errors.
    """
    parts = []
    for lines, offsets in _lines(path, start, stop):
        block = b"".join(lines)
        if not block.isascii():  # msgspec checks the UTF-8 of the values it decodes, not of keys it skips
            block.decode("utf-8")  # UnicodeDecodeError: the careful reader names the byte
        try:
            docs = _DECODER.decode_lines(block)
        except (msgspec.DecodeError, RecursionError):
            raise _Refused from None
        _check(len(docs) == len(lines))  # one document per line
        try:
            parts.append(_columns_of_wire(docs, vocabs, offsets, [len(x) for x in lines], meta_keys))
        except OverflowError:  # a number beyond 64 bits (an offset of 2**64): the careful reader names it
            raise _Refused from None
    if not parts:
        return from_documents([], vocabs, meta_keys)
    return concat(parts)


def read_files_columns(
    files: Sequence[tuple[Path, Sequence[str]]], vocabs: Vocabs, execution: Execution = LOCAL
) -> list[Columns]:
    """Documents files (path, meta keys to keep) as columns, checked exactly as `read_documents` checks them.

    Large files are cut into byte ranges (of at least `execution.read_piece` bytes) at line boundaries and the
    pieces of all files read by `execution.workers` processes at once; the pieces' codes are then mapped onto
    `vocabs` and joined in file order, so the columns are the same whatever the number of workers.
    """
    n_workers = execution.workers
    tasks: list[tuple[int, Path, Sequence[str], int, int | None]] = []
    for k, (path, meta_keys) in enumerate(files):
        path = Path(path)
        if path.is_dir():
            raise AnnotError(f"{path}: is a folder; a documents file (JSONL) is read here", "Give a .jsonl file.")
        if not path.is_file():
            raise AnnotError(f"{path}: no such file", "Check the path.")
        size = path.stat().st_size
        pieces = max(1, min(n_workers, size // execution.read_piece))
        bounds = [size * i // pieces for i in range(pieces)] + [None]
        tasks += [(k, path, meta_keys, int(bounds[i] or 0), bounds[i + 1]) for i in range(pieces)]

    def read(task: tuple[int, Path, Sequence[str], int, int | None]) -> Columns | None:
        _, path, meta_keys, start, stop = task
        try:
            return read_columns(path, Vocabs(), meta_keys, start, stop)
        except (_Refused, UnicodeDecodeError):
            return None

    results = fork_map(read, tasks, n_workers)
    out = []
    for k, (path, meta_keys) in enumerate(files):
        parts = [r for t, r in zip(tasks, results) if t[0] == k]
        if all(p is not None for p in parts):
            cols = concat([_recoded(p, vocabs) for p in parts if p is not None])
            if len(set(cols.ids)) == len(cols.ids):
                out.append(cols)
                continue
        # The careful reader names every problem; if it finds none (JSON the fast decoder refuses but the
        # standard library reads, such as NaN), its documents are the columns.
        out.append(from_documents(read_documents(Path(path)), vocabs, meta_keys))
    return out


def read_file_columns(
    path: Path, vocabs: Vocabs | None = None, meta_keys: Sequence[str] = (), execution: Execution = LOCAL
) -> Columns:
    """One documents file as columns (`read_files_columns`)."""
    return read_files_columns([(Path(path), meta_keys)], vocabs or Vocabs(), execution)[0]


def _recoded(c: Columns, vocabs: Vocabs) -> Columns:
    """`c` with its label, type and role codes mapped onto `vocabs`."""

    def remap(own: Vocab, shared: Vocab, codes: np.ndarray) -> np.ndarray:
        if not len(own.names):
            return codes
        mapped = shared.encode(own.names)
        if np.array_equal(mapped, np.arange(len(mapped))):
            return codes  # the same codes: no copy of a column of a million rows
        return mapped[codes].astype(codes.dtype)

    return replace(
        c,
        ent_label=remap(c.vocabs.labels, vocabs.labels, c.ent_label),
        ent_frag=remap(c.vocabs.fragments, vocabs.fragments, c.ent_frag),
        ev_type=remap(c.vocabs.types, vocabs.types, c.ev_type),
        arg_role=remap(c.vocabs.roles, vocabs.roles, c.arg_role),
        vocabs=vocabs,
    )


def texts_at(path: Path, offsets: Sequence[int], lengths: Sequence[int]) -> list[str]:
    """The texts of the documents whose lines are at `offsets` (`lengths` bytes) in `path`."""
    out = []
    with open(path, "rb") as fh:
        for at, n in zip(offsets, lengths):
            fh.seek(int(at))
            out.append(msgspec.json.decode(_DECODER.decode(fh.read(int(n))).text, type=str))
    return out
