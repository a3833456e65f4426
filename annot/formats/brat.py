"""brat standoff (https://brat.nlplab.org/standoff.html): a folder of NAME.txt + NAME.ann, both ways.

Read: ``T`` lines (text-bound annotations) become entity mentions, except those an ``E`` line
uses as its trigger; a ``T`` line with several fragments (``0 4;10 14``) is a discontinuous
mention. ``E`` lines become events (``Role2`` is role ``Role``: brat numbers repeated roles); an
argument that is an ``E`` id is an event filling the role (nested events, as in BioNLP).
Relations (``R``), attributes (``A``, ``M``), normalisations (``N``), notes (``#``) and
equivalences (``*``) have no place in annot's format: they are skipped and listed. Text that
differs from the .txt, and arguments that point at the ``T`` line of a trigger, are problems of
their document. Subfolders are read too: a document of ``train/`` has ``meta.split`` "train".
Write: entities ``T1..Tn`` (as in annot's JSONL), then one trigger ``T`` line and one ``E`` line
per event, in position order: the same documents always give the same bytes; a document with a
`meta.split` goes in that subfolder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..documents import ID_PATTERN, Argument, Document, Entity, Event, canonical, event_cycles, id_problem
from ..errors import AnnotError
from ..files import output_lock, staged_folder
from .common import SPLIT, Located, Loss, Sink, lost_meta_and_scores

_ROLE_NUMBER = re.compile(r"^(.*?[^\d])\d+$")
_ID = re.compile(ID_PATTERN)
_SKIPPED = {
    "R": ("relation", "annot has no relation layer"),
    "A": ("attribute", "annot has no attributes"),
    "M": ("attribute", "annot has no attributes"),
    "N": ("normalisation", "annot has no normalisations"),
    "#": ("note", "annot has no annotator notes"),
    "*": ("equivalence", "annot has no equivalence sets"),
}
# The file annot writes in each brat folder it writes: what tells its own output (replaced by the next run)
# from a folder of someone's files (refused unless --force).
MARKER = "annot-output.json"
DISCONTINUOUS_SEPARATOR = " "  # brat's DISCONT_SEP: the texts of a mention's fragments, joined


def _flat(text: str) -> str:
    """A span's text as the .ann line holds it: line breaks and tabs become spaces."""
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def base_role(role: str) -> str:
    """brat's role name without its repeat number.

    >>> base_role("Participant2"), base_role("Agent")
    ('Participant', 'Agent')
    """
    m = _ROLE_NUMBER.match(role)
    return m.group(1) if m else role


def natural_key(name: str) -> list[tuple[int, int | str]]:
    """Names in natural order: ``doc2`` before ``doc10``.

    >>> sorted(["doc10", "doc2", "doc1"], key=natural_key)
    ['doc1', 'doc2', 'doc10']
    """
    return [(1, int(p)) if p.isdigit() else (0, p) for p in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class _Bound:
    fragments: tuple[tuple[int, int], ...]
    label: str
    line: int


@dataclass(frozen=True)
class _EventLine:
    id: str
    type: str
    trigger: str
    arguments: tuple[tuple[str, str], ...]
    line: int


def parse_ann(
    doc_id: str, text: str, ann: str, ann_path: str, problems: list[str]
) -> tuple[Located | None, list[Loss]]:
    """One brat document from its text and its .ann content; problems name `ann_path` and the line."""
    n_before = len(problems)
    skipped: list[Loss] = []
    bounds: dict[str, _Bound] = {}
    events: list[_EventLine] = []
    seen: dict[str, int] = {}
    unread: dict[str, int] = {}  # ids of lines that could not be read, and their line
    for n, line in enumerate(ann.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        w = f"{ann_path}:{n}"
        fields = line.split("\t", 2)
        ann_id = fields[0].strip()
        kind = ann_id[:1]
        if kind in _SKIPPED:
            what, why = _SKIPPED[kind]
            skipped.append(Loss(w, what, why, " ".join(line.split("\t")[:2])))
            continue
        if kind not in ("T", "E"):
            problems.append(f"{w}: {ann_id!r} is not a brat annotation id (T, E, R, A, M, N, # or *)")
            continue
        if ann_id in seen:
            problems.append(f"{w}: id {ann_id} is used again (first on line {seen[ann_id]})")
            continue
        seen[ann_id] = n
        unread[ann_id] = n
        if len(fields) < 2 or not fields[1].strip():
            problems.append(f"{w}: {ann_id} has no annotation after the tab")
            continue
        if kind == "T":
            bound = _parse_t(ann_id, fields, text, w, problems)
            if bound is not None:
                bounds[ann_id] = _Bound(*bound, n)
                del unread[ann_id]
        else:
            event = _parse_e(ann_id, fields[1], w, problems)
            if event is not None:
                events.append(_EventLine(*event, n))
                del unread[ann_id]

    triggers = {ev.trigger for ev in events}
    event_ids = {ev.id for ev in events}

    def missing(ref: str) -> str:
        if ref in unread:
            return f"{ref}, which could not be read (line {unread[ref]})"
        return f"{ref}, which is not a T or E line of this file"

    out_events: list[Event] = []
    for ev in events:
        w = f"{ann_path}:{ev.line}"
        trig = bounds.get(ev.trigger)
        if trig is None:
            problems.append(f"{w}: {ev.id}: its trigger is {missing(ev.trigger)}")
            continue
        if trig.label != ev.type:
            problems.append(
                f"{w}: {ev.id}: its trigger {ev.trigger} is labelled {trig.label!r}, not the event type {ev.type!r}"
            )
            continue
        if len(trig.fragments) > 1:
            problems.append(f"{w}: {ev.id}: its trigger {ev.trigger} is discontinuous; annot's triggers are one span")
            continue
        args: list[Argument] = []
        for role, ref in ev.arguments:
            if ref in event_ids:
                args.append(Argument(role, "", None, ref))
            elif ref in triggers:
                problems.append(
                    f"{w}: {ev.id}: role {role} points at {ref}, the trigger of an event; an event fills a role by "
                    "its E id (annot's arguments are entity mentions or events)"
                )
            elif ref not in bounds:
                problems.append(f"{w}: {ev.id}: role {role} points at {missing(ref)}")
            else:
                args.append(Argument(role, ref))
        (start, end), *_ = trig.fragments
        out_events.append(Event(ev.id, ev.type, start, end, tuple(args)))
    problems += [f"{ann_path}: {cycle}" for cycle in event_cycles(out_events)]
    if len(problems) > n_before:
        return None, skipped
    entities = tuple(
        Entity(b.fragments[0][0], b.fragments[-1][1], b.label, i, None, b.fragments if len(b.fragments) > 1 else ())
        for i, b in bounds.items()
        if i not in triggers
    )
    lines = {i: f"{ann_path}:{b.line}" for i, b in bounds.items()} | {e.id: f"{ann_path}:{e.line}" for e in events}
    return Located(Document(doc_id, text, entities, tuple(out_events)), ann_path, lines), skipped


def _parse_t(
    ann_id: str, fields: list[str], text: str, w: str, problems: list[str]
) -> tuple[tuple[tuple[int, int], ...], str] | None:
    """The fragments (in order, touching ones joined) and the label of a T line."""
    label, _, offsets = fields[1].strip().partition(" ")
    pieces = [p.split() for p in offsets.split(";")]
    # ASCII digits only: str.isdigit() takes '²', which int() refuses
    if not label or not all(len(p) == 2 and all(x.isascii() and x.isdigit() for x in p) for p in pieces):
        problems.append(
            f"{w}: {ann_id}: expected 'LABEL START END' (or 'LABEL START END;START END' for a discontinuous span) "
            f"after the id, got {fields[1]!r}"
        )
        return None
    spans = [(int(a), int(b)) for a, b in pieces]
    for start, end in spans:
        if not 0 <= start < end <= len(text):
            problems.append(
                f"{w}: {ann_id}: offsets must satisfy 0 <= start < end <= {len(text)} (length of the .txt), "
                f"got {start} {end}"
            )
            return None
    if len(fields) < 3:
        problems.append(f"{w}: {ann_id}: no text after the offsets (brat writes the span's text as a third field)")
        return None
    written = DISCONTINUOUS_SEPARATOR.join(text[s:e] for s, e in spans)
    if _flat(fields[2]) != _flat(written):
        where = ";".join(f"{s}-{e}" for s, e in spans)
        problems.append(
            f"{w}: {ann_id}: the text {fields[2]!r} is not the text at {where} of the .txt "
            f"({written!r}): the offsets or the .txt were changed"
        )
        return None
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:  # touching or overlapping fragments: one run of characters
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return tuple(merged), label


def _parse_e(
    ann_id: str, body: str, w: str, problems: list[str]
) -> tuple[str, str, str, tuple[tuple[str, str], ...]] | None:
    items = body.split()
    etype, sep, trigger = items[0].rpartition(":")
    if not sep or not etype or not trigger:
        problems.append(f"{w}: {ann_id}: expected 'TYPE:TRIGGER' first, got {items[0]!r}")
        return None
    args: list[tuple[str, str]] = []
    for item in items[1:]:
        role, sep, ref = item.rpartition(":")
        if not sep or not role or not ref:
            problems.append(f"{w}: {ann_id}: expected 'ROLE:ID' arguments, got {item!r}")
            return None
        args.append((base_role(role), ref))
    return ann_id, etype, trigger, tuple(args)


def read_brat(folder: Path, sink: Sink) -> tuple[list[Located], list[Loss]]:
    """The documents of a brat folder and its subfolders (NAME.txt + NAME.ann, document id NAME; in a subfolder,
    `meta.split` is the subfolder's path), in natural order of their paths."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AnnotError(
            f"{folder}: brat input is a folder of NAME.txt and NAME.ann files", "Give the folder, or another --from."
        )
    texts = {p.with_suffix(""): p for p in folder.rglob("*.txt") if p.is_file()}
    anns = {p.with_suffix(""): p for p in folder.rglob("*.ann") if p.is_file()}
    located: list[Located] = []
    skipped: list[Loss] = []
    seen: dict[str, Path] = {}
    for stem in sorted(texts.keys() | anns.keys(), key=lambda p: natural_key(str(p.relative_to(folder)))):
        name = stem.name
        rel = stem.parent.relative_to(folder)
        where = str(anns.get(stem) or texts[stem])
        problems: list[str] = []
        if stem not in anns:
            problems.append(f"{texts[stem]}: no {name}.ann beside it (a document with no annotations has an empty one)")
        elif stem not in texts:
            problems.append(f"{anns[stem]}: no {name}.txt beside it")
        elif name in seen:
            problems.append(f"{anns[stem]}: document {name!r} is also {seen[name]} (ids must be unique across folders)")
        if sink.document(where, name, problems):
            continue
        seen[name] = anns[stem]
        try:
            text, ann = _read(texts[stem]), _read(anns[stem])
        except UnicodeDecodeError as exc:
            sink.document(where, name, [f"{stem}.txt/.ann: not UTF-8 text ({exc.reason} at byte {exc.start})"])
            continue
        loc, skip = parse_ann(name, text, ann, str(anns[stem]), problems)
        skipped += skip
        if sink.document(where, name, problems) or loc is None:
            continue
        if rel.parts:
            loc = Located(Document(loc.doc.id, loc.doc.text, loc.doc.entities, loc.doc.events, {SPLIT: rel.as_posix()}),
                          loc.where, loc.lines)  # fmt: skip
        located.append(loc)
    if not texts and not anns:
        sink.problems.append(f"{folder}: no NAME.txt + NAME.ann files")
    return located, skipped


def _read(path: Path) -> str:
    """A file's text exactly (no newline translation: brat offsets count every character)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


# ------------------------------------------------------------------- write


def dump_ann(doc: Document, where: str, problems: list[str]) -> str:
    """The .ann content of a document: entities T1..Tn, then a trigger T line and an E line per event."""
    d = canonical(doc)
    lines: list[str] = []
    tid = {}
    for i, e in enumerate(d.entities, 1):
        tid[e.id] = f"T{i}"
        _check_name(e.label, "entity label", where, problems)
        offsets = ";".join(f"{s} {t}" for s, t in e.pieces)
        written = DISCONTINUOUS_SEPARATOR.join(d.text[s:t] for s, t in e.pieces)
        lines.append(f"T{i}\t{e.label} {offsets}\t{_flat(written)}")
    elines = []
    # canonical() orders events by their arguments as given; ordered again by the sorted arguments
    # (as canonical() leaves them), the same annotations always give the same .ann.
    pos = {e.id: (e.start, e.end) for e in d.entities}
    evpos = {ev.id: (ev.start, ev.end) for ev in d.events}

    def arg_pos(a: Argument) -> tuple[int, int]:
        return evpos[a.event] if a.event else pos[a.entity]

    events = sorted(d.events, key=lambda ev: (ev.start, ev.end, ev.type, [(arg_pos(a), a.role) for a in ev.arguments]))
    eid = {ev.id: f"E{j}" for j, ev in enumerate(events, 1)}
    for j, ev in enumerate(events, 1):
        t = f"T{len(d.entities) + j}"
        _check_name(ev.type, "event type", where, problems, ":")
        lines.append(f"{t}\t{ev.type} {ev.start} {ev.end}\t{_flat(d.text[ev.start : ev.end])}")
        items = [f"{ev.type}:{t}"]
        repeats: dict[str, int] = {}
        for a in ev.arguments:
            _check_name(a.role, "role", where, problems, ":")
            if a.role != base_role(a.role):
                problems.append(f"{where}: role {a.role!r} ends with a digit, which brat reads as a repeat number")
            repeats[a.role] = repeats.get(a.role, 0) + 1
            number = str(repeats[a.role]) if repeats[a.role] > 1 else ""
            items.append(f"{a.role}{number}:{eid[a.event] if a.event else tid[a.entity]}")
        elines.append(f"E{j}\t{' '.join(items)}")
    return "".join(f"{line}\n" for line in lines + elines)


def _check_name(name: str, what: str, where: str, problems: list[str], forbidden: str = "") -> None:
    if any(ch.isspace() or ch in forbidden for ch in name):
        problems.append(
            f"{where}: {what} {name!r} contains whitespace{' or ' + forbidden if forbidden else ''}, which brat cannot hold"
        )


def _folder_problem(split: object) -> str | None:
    """Why a document's `meta.split` cannot be the subfolder it is written in, or None."""
    parts = split.split("/") if isinstance(split, str) else [""]
    if all(_ID.match(p) for p in parts):
        return None
    return f"meta.split {split!r} cannot be a folder name (letters, digits, '.', '_', '-', '/' between names)"


def brat_files(located: list[Located], sink: Sink) -> tuple[dict[str, str], list[Loss]]:
    """File path (relative, '/' between folders) -> content of the brat folder of `located`, and what brat cannot
    carry (meta, scores). A document brat cannot hold is left out (`sink`)."""
    files: dict[str, str] = {}
    for loc in located:
        problems: list[str] = []
        why = id_problem(loc.doc.id)  # ids are checked where they enter annot: this is the last guard
        if why:
            problems.append(f"{loc.where}: {why}; it cannot be a file name")
        split = loc.doc.meta.get(SPLIT)
        if split is not None and (bad := _folder_problem(split)):
            problems.append(f"{loc.where}: {bad}")
        ann = dump_ann(loc.doc, loc.where, problems)
        if sink.document(loc.where, loc.doc.id, problems):
            continue
        prefix = f"{split}/" if split is not None else ""
        files[f"{prefix}{loc.doc.id}.txt"] = loc.doc.text
        files[f"{prefix}{loc.doc.id}.ann"] = ann
    return files, lost_meta_and_scores(located, "brat", keeps=(SPLIT,))


def check_brat_output(folder: Path, force: bool = False) -> None:
    """The output folder is new, empty, or annot's own brat output (its marker file, or nothing but pairs of
    NAME.txt and NAME.ann with valid names, as annot writes); anything else is refused unless `force`."""
    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise AnnotError(f"{folder}: exists and is not a folder; brat output is a folder", "Give a folder name.")
    if force or (folder / MARKER).is_file():
        return
    foreign: list[str] = []
    stems: dict[Path, set[str]] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if p.is_dir() and all(_ID.match(part) for part in rel.parts):
            continue
        if (
            p.is_file()
            and p.suffix in (".txt", ".ann")
            and _ID.match(p.stem)
            and all(_ID.match(x) for x in rel.parts[:-1])
        ):
            stems.setdefault(rel.with_suffix(""), set()).add(p.suffix)
            continue
        foreign.append(rel.as_posix())
    foreign += sorted(f"{s.as_posix()}{next(iter(x))}" for s, x in stems.items() if len(x) != 2)
    if foreign:
        raise AnnotError(
            f"{folder}: exists and is not a brat output of annot ({foreign[0]}"
            f"{f' and {len(foreign) - 1} more' if len(foreign) > 1 else ''} is not a NAME.txt + NAME.ann pair); "
            "nothing was written",
            "Give a new or empty folder (the brat output replaces the whole folder), or --force to replace it.",
        )


def write_brat(folder: Path, files: dict[str, str], force: bool = False) -> None:
    """Write the files as one output folder, with annot's marker: staged beside `folder` and swapped in whole
    (`files.staged_folder`), a second run into the same folder at the same time refused."""
    folder = Path(folder)
    check_brat_output(folder, force)
    with output_lock(folder.parent, folder.name), staged_folder(folder) as staging:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8", newline="")
        marker = {"written_by": "annot convert", "format": "brat", "documents": sum(n.endswith(".ann") for n in files)}
        (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
