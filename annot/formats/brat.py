"""brat standoff (https://brat.nlplab.org/standoff.html): a folder of NAME.txt + NAME.ann, both ways.

Read: ``T`` lines (text-bound annotations) become entity mentions, except those an ``E`` line
uses as its trigger; ``E`` lines become events (``Role2`` is role ``Role``: brat numbers repeated
roles). Relations (``R``), attributes (``A``, ``M``), normalisations (``N``), notes (``#``) and
equivalences (``*``) have no place in annot's format: they are skipped and listed. Discontinuous
spans, text that differs from the .txt, and arguments that point at a trigger or an event are
errors. Write: entities ``T1..Tn`` (as in annot's JSONL), then one trigger ``T`` line and one ``E``
line per event, in position order: the same documents always give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..documents import Argument, Document, Entity, Event, canonical
from ..errors import AnnotError
from ..files import output_lock, staged_folder
from .common import Located, Loss, lost_meta_and_scores

_ROLE_NUMBER = re.compile(r"^(.*?[^\d])\d+$")
_SKIPPED = {
    "R": ("relation", "annot has no relation layer"),
    "A": ("attribute", "annot has no attributes"),
    "M": ("attribute", "annot has no attributes"),
    "N": ("normalisation", "annot has no normalisations"),
    "#": ("note", "annot has no annotator notes"),
    "*": ("equivalence", "annot has no equivalence sets"),
}


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


@dataclass(frozen=True)
class _Bound:
    start: int
    end: int
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
        if len(fields) < 2 or not fields[1].strip():
            problems.append(f"{w}: {ann_id} has no annotation after the tab")
            continue
        if kind == "T":
            bound = _parse_t(ann_id, fields, text, w, problems)
            if bound is not None:
                bounds[ann_id] = _Bound(*bound, n)
        else:
            event = _parse_e(ann_id, fields[1], w, problems)
            if event is not None:
                events.append(_EventLine(*event, n))

    triggers = {ev.trigger for ev in events}
    event_ids = {ev.id for ev in events}
    out_events: list[Event] = []
    for ev in events:
        w = f"{ann_path}:{ev.line}"
        trig = bounds.get(ev.trigger)
        if trig is None:
            problems.append(f"{w}: {ev.id}: its trigger {ev.trigger} is not a T line of this file")
            continue
        if trig.label != ev.type:
            problems.append(
                f"{w}: {ev.id}: its trigger {ev.trigger} is labelled {trig.label!r}, not the event type {ev.type!r}"
            )
            continue
        args: list[Argument] = []
        for role, ref in ev.arguments:
            if ref in event_ids or ref in triggers:
                what = "the event" if ref in event_ids else "the trigger of an event"
                problems.append(
                    f"{w}: {ev.id}: role {role} points at {ref}, {what}; annot's arguments are entity mentions "
                    "(no nested events)"
                )
            elif ref not in bounds:
                problems.append(f"{w}: {ev.id}: role {role} points at {ref}, which is not a T line of this file")
            else:
                args.append(Argument(role, ref))
        out_events.append(Event(ev.id, ev.type, trig.start, trig.end, tuple(args)))
    if len(problems) > n_before:
        return None, skipped
    entities = tuple(Entity(b.start, b.end, b.label, i) for i, b in bounds.items() if i not in triggers)
    lines = {i: f"{ann_path}:{b.line}" for i, b in bounds.items()} | {e.id: f"{ann_path}:{e.line}" for e in events}
    return Located(Document(doc_id, text, entities, tuple(out_events)), ann_path, lines), skipped


def _parse_t(ann_id: str, fields: list[str], text: str, w: str, problems: list[str]) -> tuple[int, int, str] | None:
    label, _, offsets = fields[1].strip().partition(" ")
    if ";" in offsets:
        problems.append(
            f"{w}: {ann_id} {label} has a discontinuous span ({offsets}), which annot's format cannot represent"
        )
        return None
    parts = offsets.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        problems.append(f"{w}: {ann_id}: expected 'LABEL START END' after the id, got {fields[1]!r}")
        return None
    start, end = int(parts[0]), int(parts[1])
    if not 0 <= start < end <= len(text):
        problems.append(
            f"{w}: {ann_id}: offsets must satisfy 0 <= start < end <= {len(text)} (length of the .txt), "
            f"got {start} {end}"
        )
        return None
    if len(fields) < 3:
        problems.append(f"{w}: {ann_id}: no text after the offsets (brat writes the span's text as a third field)")
        return None
    if _flat(fields[2]) != _flat(text[start:end]):
        problems.append(
            f"{w}: {ann_id}: the text {fields[2]!r} is not the text at {start}-{end} of the .txt "
            f"({text[start:end]!r}): the offsets or the .txt were changed"
        )
        return None
    return start, end, label


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


def read_brat(folder: Path, problems: list[str]) -> tuple[list[Located], list[Loss]]:
    """The documents of a brat folder (NAME.txt + NAME.ann, document id NAME; subfolders are not read)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AnnotError(
            f"{folder}: brat input is a folder of NAME.txt and NAME.ann files", "Give the folder, or another --from."
        )
    texts = {p.stem: p for p in folder.glob("*.txt") if p.is_file()}
    anns = {p.stem: p for p in folder.glob("*.ann") if p.is_file()}
    located: list[Located] = []
    skipped: list[Loss] = []
    for name in sorted(texts.keys() | anns.keys()):
        if name not in anns:
            problems.append(f"{texts[name]}: no {name}.ann beside it (a document with no annotations has an empty one)")
            continue
        if name not in texts:
            problems.append(f"{anns[name]}: no {name}.txt beside it")
            continue
        try:
            text, ann = _read(texts[name]), _read(anns[name])
        except UnicodeDecodeError as exc:
            problems.append(f"{folder / name}.txt/.ann: not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        loc, skip = parse_ann(name, text, ann, str(anns[name]), problems)
        skipped += skip
        if loc is not None:
            located.append(loc)
    if not texts and not anns:
        problems.append(f"{folder}: no NAME.txt + NAME.ann files")
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
        lines.append(f"T{i}\t{e.label} {e.start} {e.end}\t{_flat(d.text[e.start : e.end])}")
    elines = []
    # canonical() orders events by their arguments as given; ordered again by the sorted arguments
    # (as canonical() leaves them), the same annotations always give the same .ann.
    pos = {e.id: (e.start, e.end) for e in d.entities}
    events = sorted(
        d.events, key=lambda ev: (ev.start, ev.end, ev.type, [(pos[a.entity], a.role) for a in ev.arguments])
    )
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
            items.append(f"{a.role}{number}:{tid[a.entity]}")
        elines.append(f"E{j}\t{' '.join(items)}")
    return "".join(f"{line}\n" for line in lines + elines)


def _check_name(name: str, what: str, where: str, problems: list[str], forbidden: str = "") -> None:
    if any(ch.isspace() or ch in forbidden for ch in name):
        problems.append(
            f"{where}: {what} {name!r} contains whitespace{' or ' + forbidden if forbidden else ''}, which brat cannot hold"
        )


def _file_name_problem(doc_id: str) -> str | None:
    if doc_id in (".", "..") or any(ch in doc_id for ch in "/\\\0"):
        return f"document id {doc_id!r} cannot be a file name (brat's document id is NAME of NAME.txt)"
    return None


def brat_files(located: list[Located], problems: list[str]) -> tuple[dict[str, str], list[Loss]]:
    """File name -> content of the brat folder of `located`, and what brat cannot carry (meta, scores)."""
    files: dict[str, str] = {}
    for loc in located:
        bad = _file_name_problem(loc.doc.id)
        if bad:
            problems.append(f"{loc.where}: {bad}")
            continue
        files[f"{loc.doc.id}.txt"] = loc.doc.text
        files[f"{loc.doc.id}.ann"] = dump_ann(loc.doc, loc.where, problems)
    return files, lost_meta_and_scores(located, "brat")


def check_brat_output(folder: Path) -> None:
    """The output folder is new, empty, or holds only .txt and .ann files (a previous brat output)."""
    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise AnnotError(f"{folder}: exists and is not a folder; brat output is a folder", "Give a folder name.")
    foreign = sorted(p.name for p in folder.iterdir() if not p.is_file() or p.suffix not in (".txt", ".ann"))
    if foreign:
        raise AnnotError(
            f"{folder}: exists and holds other files than brat's .txt and .ann ({foreign[0]}); nothing was written",
            "Give a new or empty folder: the brat output replaces the whole folder.",
        )


def write_brat(folder: Path, files: dict[str, str]) -> None:
    """Write the files as one output folder: staged beside `folder` and swapped in whole (`files.staged_folder`),
    a second run into the same folder at the same time refused."""
    folder = Path(folder)
    check_brat_output(folder)
    with output_lock(folder.parent, folder.name), staged_folder(folder) as staging:
        for name, content in files.items():
            (staging / name).write_text(content, encoding="utf-8", newline="")
