"""The document format shared by gold and predictions: records, JSONL reading and writing.

Offsets are Python string indices (Unicode code points), half-open:
``text[start:end]`` is the span. This module is the one place that turns JSON
into records; everything downstream works on these frozen dataclasses.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeGuard

from .errors import AnnotError, raise_if_problems
from .files import atomic_write_lines


@dataclass(frozen=True, order=True)
class Entity:
    """An entity mention: ``text[start:end]`` labelled ``label``.

    A discontinuous mention lists its `fragments` (in order, apart from each other, at least two); `start` and
    `end` are then its extent, the first fragment's start and the last one's end. A contiguous mention has none.
    """

    start: int
    end: int
    label: str
    id: str = ""
    score: float | None = None
    fragments: tuple[tuple[int, int], ...] = ()

    @property
    def pieces(self) -> tuple[tuple[int, int], ...]:
        """The character ranges of the mention: its fragments, or ``[start, end)``."""
        return self.fragments or ((self.start, self.end),)


@dataclass(frozen=True)
class Argument:
    """An event argument: the entity with id ``entity`` fills ``role``, or (nested events) the event with id
    ``event`` does, and then ``entity`` is empty."""

    role: str
    entity: str
    score: float | None = None
    event: str = ""

    @property
    def target(self) -> str:
        """The id of what fills the role (an entity's, or an event's)."""
        return self.event or self.entity


@dataclass(frozen=True)
class Event:
    """An event mention: a typed trigger span and its arguments."""

    id: str
    type: str
    start: int
    end: int
    arguments: tuple[Argument, ...] = ()
    score: float | None = None


@dataclass(frozen=True)
class Document:
    """One article with its annotations (gold) or a system's output (predictions)."""

    id: str
    text: str
    entities: tuple[Entity, ...] = ()
    events: tuple[Event, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)

    def entity_by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def event_by_id(self) -> dict[str, Event]:
        return {ev.id: ev for ev in self.events}

    @classmethod
    def from_dict(cls, obj: Any, where: str = "document") -> Document:
        """A document from its JSON object (the document format), checked; an AnnotError listing every problem."""
        problems: list[str] = []
        doc = document_from_dict(obj, where, problems)
        raise_if_problems(problems, f"{where}: invalid document", "The format is in docs/reference/document-format.md.")
        assert doc is not None
        return doc

    def to_dict(self) -> dict[str, Any]:
        """The document's JSON object, keys in the documented order."""
        return document_to_dict(self)


# The one rule for document ids and system names, checked where they enter annot (document files, exports,
# Label Studio tasks, the evaluation config): they become file and folder names (brat files, report folders),
# so nothing that could climb out of a folder or name an absolute path.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
_ID = re.compile(ID_PATTERN)


def id_problem(value: object, what: str = "document id") -> str | None:
    """Why `value` cannot be a document id (or system name), or None.

    >>> id_problem("kfor-2023.v2"), id_problem("../escape")
    (None, "document id '../escape' must be letters, digits, '.', '_' or '-', starting with a letter or digit (200 at most)")
    """
    if isinstance(value, str) and _ID.match(value):
        return None
    return f"{what} {value!r} must be letters, digits, '.', '_' or '-', starting with a letter or digit (200 at most)"


def mapped_id(value: str, taken: set[str]) -> str:
    r"""A valid document id made from `value` (an id that breaks the rule), not in `taken` (then added to it).

    Runs of other characters become ``_``, what does not start with a letter or digit is dropped from the front,
    a long id is cut (with a digest of the whole, so two long ids stay apart), an empty one is ``doc``; a taken
    one gets ``-2``, ``-3``...

    >>> taken = set()
    >>> [mapped_id(v, taken) for v in ["PMID 9463309", "../../escape", "-rf", ".hidden", "", "a\nb", "a b"]]
    ['PMID_9463309', 'escape', 'rf', 'hidden', 'doc', 'a_b', 'a_b-2']
    """
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", value)
    base = re.sub(r"^[^A-Za-z0-9]+", "", base)
    if len(base) > 180:
        base = base[:160] + "-" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    base = base or "doc"
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}-{n}"
    taken.add(out)
    return out


def fragment_key(fragments: Iterable[tuple[int, int]]) -> str:
    """The fragments of a discontinuous mention as one string ("0-4,10-14"), for comparing and keying.

    >>> fragment_key([(0, 4), (10, 14)])
    '0-4,10-14'
    """
    return ",".join(f"{s}-{e}" for s, e in fragments)


def normalise_text(text: str) -> str:
    r"""The one text normalisation of annot: line endings to ``\n``, Unicode NFC.

    >>> normalise_text("Pri\u0161tina\r\nE\u0301")
    'Priština\nÉ'
    """
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def text_sha256(text: str) -> str:
    """SHA-256 of the UTF-8 text, hex.

    >>> text_sha256("NATO")[:12]
    'ace0fc1bd762'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ to JSON


def _score(obj: dict[str, Any], score: float | None) -> dict[str, Any]:
    if score is not None:
        obj["score"] = score
    return obj


def _entity_dict(e: Entity) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": e.id, "start": e.start, "end": e.end, "label": e.label}
    if e.fragments:
        obj["fragments"] = [[s, t] for s, t in e.fragments]
    return _score(obj, e.score)


def _argument_dict(a: Argument) -> dict[str, Any]:
    return _score({"role": a.role, "event": a.event} if a.event else {"role": a.role, "entity": a.entity}, a.score)


def document_to_dict(doc: Document) -> dict[str, Any]:
    """The JSON object of a document, keys in the documented order."""
    return {
        "id": doc.id,
        "sha256": doc.sha256,
        "text": doc.text,
        "entities": [_entity_dict(e) for e in doc.entities],
        "events": [
            _score(
                {
                    "id": ev.id,
                    "type": ev.type,
                    "trigger": {"start": ev.start, "end": ev.end},
                    "arguments": [_argument_dict(a) for a in ev.arguments],
                },
                ev.score,
            )
            for ev in doc.events
        ],
        "meta": dict(doc.meta),
    }


def dumps_document(doc: Document) -> str:
    """One JSONL line (no newline): stable key order, non-ASCII kept as is."""
    return json.dumps(document_to_dict(doc), ensure_ascii=False, separators=(", ", ": "))


def _entity_key(e: Entity) -> tuple[Any, ...]:
    return (e.start, e.end, e.label, e.fragments, e.id)


def _argument_keys(doc: Document) -> Callable[[Argument], tuple[Any, ...]]:
    """How arguments are ordered: by the position of what fills the role (an entity's span; an event's trigger,
    after entities at the same place), never by ids, which `canonical` renumbers."""
    ents = {e.id: ((e.start, e.end), 0, e.label, e.fragments) for e in doc.entities}
    evs = {ev.id: ((ev.start, ev.end), 1, ev.type, ()) for ev in doc.events}
    missing = ((0, 0), 0, "", ())

    def key(a: Argument) -> tuple[Any, ...]:
        return (*(evs.get(a.event, missing) if a.event else ents.get(a.entity, missing)), a.role)

    return key


def _event_key(ev: Event, arg_key: Callable[[Argument], tuple[Any, ...]]) -> tuple[Any, ...]:
    return (ev.start, ev.end, ev.type, sorted(arg_key(a) for a in ev.arguments), ev.id)


def canonical(doc: Document) -> Document:
    """Entities and events sorted by position and renumbered T1.. / E1..; arguments sorted.

    The same annotations always give the same bytes, whatever order they came in.
    """
    if _is_canonical(doc):
        return doc  # as the importer gives it: nothing to sort or renumber when it is written
    ents = sorted(doc.entities, key=_entity_key)
    new_id = {e.id: f"T{i}" for i, e in enumerate(ents, 1)}
    ents2 = tuple(replace(e, id=new_id[e.id]) for e in ents)
    arg_key = _argument_keys(doc)
    evs = sorted(doc.events, key=lambda ev: _event_key(ev, arg_key))
    new_ev = {ev.id: f"E{i}" for i, ev in enumerate(evs, 1)}

    def renamed(a: Argument) -> Argument:
        if a.event:
            return replace(a, event=new_ev.get(a.event, a.event))
        return replace(a, entity=new_id.get(a.entity, a.entity))

    evs2 = tuple(
        replace(ev, id=new_ev[ev.id], arguments=tuple(renamed(a) for a in sorted(ev.arguments, key=arg_key)))
        for ev in evs
    )
    return Document(doc.id, doc.text, ents2, evs2, doc.meta)


def _is_canonical(doc: Document) -> bool:
    """Whether `canonical` would give `doc` unchanged: ids T1.. and E1.. in the order `canonical` sorts in."""

    def in_order(keys: list[Any]) -> bool:
        return not any(b < a for a, b in zip(keys, keys[1:]))

    if any(e.id != f"T{i}" for i, e in enumerate(doc.entities, 1)):
        return False
    if not in_order([_entity_key(e) for e in doc.entities]):
        return False
    arg_key = _argument_keys(doc)
    keys = []
    for i, ev in enumerate(doc.events, 1):
        if ev.id != f"E{i}" or not in_order([arg_key(a) for a in ev.arguments]):
            return False
        keys.append(_event_key(ev, arg_key))
    return in_order(keys)


def write_documents(path: Path, docs: Iterable[Document], *, sort: bool = True) -> int:
    """Write documents as JSONL sorted by id (or, with `sort` False, in the order given), atomically (no partial
    file on failure), a line at a time."""
    docs = sorted(docs, key=lambda d: d.id) if sort else list(docs)
    atomic_write_lines(path, (dumps_document(canonical(d)) + "\n" for d in docs))
    return len(docs)


# ---------------------------------------------------------------- from JSON


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _opt_score(obj: Mapping[str, Any], where: str, problems: list[str]) -> float | None:
    score = obj.get("score")
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        problems.append(f"{where}: 'score' must be a number, got {score!r}")
        return None
    return float(score)


def _fragments(value: Any, start: int, end: int, length: int) -> tuple[tuple[int, int], ...] | str:
    """The fragments of a discontinuous mention, checked against its extent, or why they are not valid.

    >>> _fragments([[0, 4], [10, 14]], 0, 14, 20)
    ((0, 4), (10, 14))
    >>> _fragments([[0, 4], [4, 9]], 0, 9, 20)
    "'fragments' must be at least two [start, end] pairs, in order and apart (0 <= start < end <= 20), the first starting at start (0) and the last ending at end (9); got [[0, 4], [4, 9]]"
    """
    ok = isinstance(value, list) and len(value) >= 2
    pairs: list[tuple[int, int]] = []
    if ok:
        for f in value:
            if not (isinstance(f, list) and len(f) == 2 and _int(f[0]) and _int(f[1]) and 0 <= f[0] < f[1] <= length):
                ok = False
                break
            pairs.append((f[0], f[1]))
    ok = ok and pairs[0][0] == start and pairs[-1][1] == end and all(a[1] < b[0] for a, b in zip(pairs, pairs[1:]))
    if not ok:
        return (
            f"'fragments' must be at least two [start, end] pairs, in order and apart (0 <= start < end <= {length}), "
            f"the first starting at start ({start}) and the last ending at end ({end}); got {value!r}"
        )
    return tuple(pairs)


def event_cycles(events: Iterable[Event]) -> list[str]:
    """Events that fill a role of themselves, directly or through other events (one line per cycle found).

    >>> event_cycles([Event("E1", "A", 0, 1, (Argument("Theme", "", None, "E2"),)),
    ...               Event("E2", "B", 2, 3, (Argument("Cause", "", None, "E1"),))])
    ['event E1 fills a role of itself (E1 -> E2 -> E1): an event cannot contain itself']
    """
    refs = {ev.id: [a.event for a in ev.arguments if a.event] for ev in events}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    out: list[str] = []
    for root in refs:
        if state.get(root):
            continue
        path = [root]
        stack = [iter(refs[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                out.append(f"event {nxt} fills a role of itself ({' -> '.join(cycle)}): an event cannot contain itself")
            elif not state.get(nxt) and nxt in refs:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(refs[nxt]))
    return out


def document_from_dict(obj: Any, where: str, problems: list[str]) -> Document | None:
    """Parse and check one document object; append problems (naming `where`) and return None if bad."""
    if not isinstance(obj, dict):
        problems.append(f"{where}: expected a JSON object, got {type(obj).__name__}")
        return None
    n_before = len(problems)
    doc_id = obj.get("id")
    text = obj.get("text")
    why = id_problem(doc_id)
    if why:
        problems.append(f"{where}: {why}")
    else:
        where = f"{where} (document {doc_id!r})"
    if not isinstance(text, str):
        problems.append(f"{where}: 'text' must be a string, got {type(text).__name__}")
        return None
    sha = obj.get("sha256")
    if sha is not None and sha != text_sha256(text):
        problems.append(
            f"{where}: 'sha256' does not match the text: the text was changed after annotation, "
            "so its offsets cannot be trusted"
        )
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        problems.append(f"{where}: 'meta' must be an object")
        meta = {}

    entities: list[Entity] = []
    seen_ids: set[str] = set()
    raw_ents = obj.get("entities", [])
    if not isinstance(raw_ents, list):
        problems.append(f"{where}: 'entities' must be a list")
        raw_ents = []
    for i, e in enumerate(raw_ents):
        w = f"{where}: entities[{i}]"
        if not isinstance(e, dict):
            problems.append(f"{w}: expected an object")
            continue
        eid, start, end, label = e.get("id", f"T{i + 1}"), e.get("start"), e.get("end"), e.get("label")
        if not isinstance(eid, str) or not eid:
            problems.append(f"{w}: 'id' must be a non-empty string, got {eid!r}")
            continue
        if eid in seen_ids:
            problems.append(f"{w}: duplicate entity id {eid!r}")
        seen_ids.add(eid)
        if not (_int(start) and _int(end) and 0 <= start < end <= len(text)):
            problems.append(
                f"{w} ({eid}): offsets must satisfy 0 <= start < end <= {len(text)} "
                f"(text length), got start={start!r} end={end!r}"
            )
            continue
        if not isinstance(label, str) or not label:
            problems.append(f"{w} ({eid}): 'label' must be a non-empty string")
            continue
        fragments: tuple[tuple[int, int], ...] = ()
        if "fragments" in e:
            got = _fragments(e["fragments"], start, end, len(text))
            if isinstance(got, str):
                problems.append(f"{w} ({eid}): {got}")
                continue
            fragments = got
        entities.append(Entity(start, end, label, eid, _opt_score(e, w, problems), fragments))

    events: list[Event] = []
    raw_evs = obj.get("events", [])
    if not isinstance(raw_evs, list):
        problems.append(f"{where}: 'events' must be a list")
        raw_evs = []
    ev_ids: set[str] = set()
    refs: list[tuple[str, str]] = []  # (where, id) of the events that fill roles: checked once all are read
    for i, ev in enumerate(raw_evs):
        w = f"{where}: events[{i}]"
        if not isinstance(ev, dict):
            problems.append(f"{w}: expected an object")
            continue
        evid, etype, trig = ev.get("id", f"E{i + 1}"), ev.get("type"), ev.get("trigger")
        if not isinstance(evid, str) or not evid:
            problems.append(f"{w}: 'id' must be a non-empty string")
            continue
        if evid in ev_ids:
            problems.append(f"{w}: duplicate event id {evid!r}")
        ev_ids.add(evid)
        if not isinstance(etype, str) or not etype:
            problems.append(f"{w} ({evid}): 'type' must be a non-empty string")
            continue
        if not isinstance(trig, dict):
            problems.append(f"{w} ({evid}): 'trigger' must be an object with start and end")
            continue
        start, end = trig.get("start"), trig.get("end")
        if not (_int(start) and _int(end) and 0 <= start < end <= len(text)):
            problems.append(
                f"{w} ({evid}): trigger offsets must satisfy 0 <= start < end <= {len(text)}, "
                f"got start={start!r} end={end!r}"
            )
            continue
        args: list[Argument] = []
        raw_args = ev.get("arguments", [])
        if not isinstance(raw_args, list):
            problems.append(f"{w} ({evid}): 'arguments' must be a list")
            raw_args = []
        for j, a in enumerate(raw_args):
            wa = f"{w} ({evid}): arguments[{j}]"
            if not isinstance(a, dict):
                problems.append(f"{wa}: expected an object")
                continue
            role, ent = a.get("role"), a.get("entity")
            if not isinstance(role, str) or not role:
                problems.append(f"{wa}: 'role' must be a non-empty string")
                continue
            if "event" in a:
                ref = a["event"]
                if "entity" in a:
                    problems.append(f"{wa}: an argument is an 'entity' or an 'event' (nested events), not both")
                elif not isinstance(ref, str) or not ref:
                    problems.append(f"{wa}: 'event' must be the id of an event of this document, got {ref!r}")
                else:
                    refs.append((wa, ref))
                    args.append(Argument(role, "", _opt_score(a, wa, problems), ref))
                continue
            if not isinstance(ent, str) or ent not in seen_ids:
                problems.append(f"{wa}: 'entity' {ent!r} is not the id of an entity of this document")
                continue
            args.append(Argument(role, ent, _opt_score(a, wa, problems)))
        events.append(Event(evid, etype, start, end, tuple(args), _opt_score(ev, w, problems)))
    for wa, ref in refs:
        if ref not in ev_ids:
            problems.append(f"{wa}: 'event' {ref!r} is not the id of an event of this document")
    if len(problems) == n_before:
        problems += [f"{where}: {cycle}" for cycle in event_cycles(events)]

    if len(problems) > n_before:
        return None
    return Document(doc_id, text, tuple(entities), tuple(events), meta)  # type: ignore[arg-type]


def iter_jsonl(path: Path, raw: str, problems: list[str]) -> Iterator[tuple[int, str, Any]]:
    """(line number, "file:line", object) of each non-blank line; a line that is not JSON is a problem.

    Lines end at "\n" only: JSON written with non-ASCII kept may hold U+2028 or U+0085 inside a string.
    """
    for n, line in enumerate(raw.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            yield n, where, json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})")
        except RecursionError:
            problems.append(f"{where}: JSON nested too deeply to read (not a document)")


def read_documents(path: Path) -> list[Document]:
    """Read a JSONL file of documents, checking every line; raise one error listing all problems."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnnotError(f"{path}: no such file", "Check the path.") from None
    except UnicodeDecodeError as exc:
        raise AnnotError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", "Save the file as UTF-8."
        ) from None
    problems: list[str] = []
    docs: list[Document] = []
    seen: dict[str, int] = {}
    for n, where, obj in iter_jsonl(path, raw, problems):
        doc = document_from_dict(obj, where, problems)
        if doc is None:
            continue
        if doc.id in seen:
            problems.append(f"{where}: document id {doc.id!r} already used on line {seen[doc.id]}")
            continue
        seen[doc.id] = n
        docs.append(doc)
    raise_if_problems(
        problems,
        f"{path}: invalid documents",
        "Fix the lines named above; the format is in docs/reference/document-format.md.",
    )
    return docs
