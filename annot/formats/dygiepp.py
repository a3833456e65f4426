"""DyGIE++'s format (Wadden et al. 2019, github.com/dwadden/dygiepp), both ways.

One JSON object per line, a document: ``doc_key``, ``sentences`` (lists of tokens), and one list
per sentence of ``ner`` (``[start, end, label]``, token indices into the whole document, end
inclusive), ``relations`` and ``events`` (``[[trigger, type], [start, end, role], ...]``, the
trigger one token); ``clusters`` (coreference) across sentences. A prediction file adds
``predicted_ner``, ``predicted_events`` ... whose entries end with scores.

Read: the text is the tokens joined by single spaces, a line break between sentences (DyGIE++
keeps no text; ``--text-from`` finds the tokens in the original documents, by id); when a
document has ``predicted_ner`` or ``predicted_events``, those are read (the last number of an
entry is its score) and the gold fields beside them are skipped. An argument is the mention with
its span (the first by label when several); a span that is no mention is skipped, like relations
and clusters, and listed. Write: the sentences and tokens read (or spaCy's), mentions and events
on them; what DyGIE++ cannot carry is listed (triggers of several tokens, discontinuous mentions,
events filling roles, arguments in another sentence than their trigger, scores).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeGuard

from ..documents import Argument, Document, Entity, Event
from .common import SENTENCES, Located, Loss, Sink
from .tokens import (
    Sentence,
    arguments_placed,
    joined,
    json_objects,
    locate,
    lost_scores,
    place,
    segment,
    sentences_in_meta,
)

NAME = "DyGIE++"
KEYS = frozenset({"doc_key", "sentences"})
DATASET = "dataset"  # DyGIE++'s dataset name, kept in the document's meta


def _int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _score(entry: list[Any], fixed: int) -> float | None:
    """The score of a predicted entry: its last number past the `fixed` fields, if any."""
    extra = entry[fixed:]
    last = extra[-1] if extra else None
    return float(last) if isinstance(last, (int, float)) and not isinstance(last, bool) else None


def parse_dygiepp(
    raw: str, path: str, sink: Sink, references: Mapping[str, Document] | None = None
) -> tuple[list[Located], list[Loss]]:
    """The documents of a DyGIE++ file's content."""
    located: list[Located] = []
    skipped: list[Loss] = []
    seen: dict[str, int] = {}
    for n, obj, key in json_objects(raw, path, "doc_key", f"a {NAME} document object", sink):
        w = f"{path}:{n}"
        problems: list[str] = []
        if key in seen:
            problems.append(f"{w}: doc_key {key!r} already used on line {seen[key]}")
        seen.setdefault(key, n)
        loc, skip = _document(obj, key, w, problems, None if references is None else references.get(key),
                              references is not None)  # fmt: skip
        skipped += skip
        if not sink.document(w, key, problems) and loc is not None:
            located.append(loc)
    return located, skipped


def _document(
    obj: dict[str, Any], key: str, w: str, problems: list[str], ref: Document | None, with_refs: bool
) -> tuple[Located | None, list[Loss]]:
    skipped: list[Loss] = []
    sents = obj.get("sentences")
    if not isinstance(sents, list) or not all(
        isinstance(s, list) and all(isinstance(t, str) and t for t in s) for s in sents
    ):
        problems.append(f"{w}: 'sentences' must be a list of lists of non-empty token strings")
        return None, skipped
    if with_refs and ref is None:
        problems.append(f"{w}: document {key!r} is not in the documents of --text-from")
        return None, skipped
    if ref is not None:
        flat = locate([t for s in sents for t in s], ref.text)
        if flat is None:
            problems.append(f"{w}: the tokens of document {key!r} are not, in order, in its text of --text-from")
            return None, skipped
        text, offsets, at = ref.text, [], 0
        for s in sents:
            offsets.append(flat[at : at + len(s)])
            at += len(s)
    else:
        text, offsets = joined(sents)
    tokens = [o for row in offsets for o in row]
    n_tok = len(tokens)
    predicted = "predicted_ner" in obj or "predicted_events" in obj
    prefix = "predicted_" if predicted else ""
    if predicted:
        skipped += [
            Loss(w, "gold annotation", "a prediction file's gold fields are not read (its predicted_ fields are)", k)
            for k in ("ner", "events", "relations")
            if obj.get(k) and any(obj[k])
        ]
    entities: list[Entity] = []
    by_span: dict[tuple[int, int], list[Entity]] = {}

    def rows(field: str) -> list[tuple[int, list[Any]]]:
        value = obj.get(field, [])
        if not isinstance(value, list) or not all(isinstance(x, list) for x in value):
            problems.append(f"{w}: '{field}' must be a list (one per sentence) of lists")
            return []
        return [(k, item) for k, per in enumerate(value) for item in per]

    for _, item in rows(prefix + "ner"):
        ok = isinstance(item, list) and len(item) >= 3 and _int(item[0]) and _int(item[1])
        ok = ok and 0 <= item[0] <= item[1] < n_tok and isinstance(item[2], str) and bool(item[2])
        if not ok:
            problems.append(
                f"{w}: {prefix}ner entry {item!r} must be [start, end, label] with 0 <= start <= end < {n_tok}"
            )
            continue
        e = Entity(tokens[item[0]][0], tokens[item[1]][1], item[2], f"T{len(entities) + 1}", _score(item, 3))
        entities.append(e)
        by_span.setdefault((item[0], item[1]), []).append(e)
    events: list[Event] = []
    for _, item in rows(prefix + "events"):
        head = item[0] if isinstance(item, list) and item else None
        ok = isinstance(head, list) and len(head) >= 2 and _int(head[0]) and 0 <= head[0] < n_tok
        ok = ok and isinstance(head[1], str) and bool(head[1])  # type: ignore[index]
        if not ok:
            problems.append(f"{w}: {prefix}events entry {item!r} must start with [trigger token, event type]")
            continue
        assert isinstance(head, list)
        args: list[Argument] = []
        for a in item[1:]:
            if not (isinstance(a, list) and len(a) >= 3 and _int(a[0]) and _int(a[1]) and 0 <= a[0] <= a[1] < n_tok
                    and isinstance(a[2], str) and a[2]):  # fmt: skip
                problems.append(f"{w}: an argument {a!r} must be [start, end, role] with 0 <= start <= end < {n_tok}")
                continue
            found = sorted(by_span.get((a[0], a[1]), []), key=lambda e: e.label)
            if not found:
                skipped.append(
                    Loss(w, "argument", "its span is no entity mention (annot's arguments are mentions)",
                         f"{head[1]} {a[2]} -> tokens {a[0]}-{a[1]}")
                )  # fmt: skip
                continue
            args.append(Argument(a[2], found[0].id, _score(a, 3)))
        t = tokens[head[0]]
        events.append(Event(f"E{len(events) + 1}", head[1], t[0], t[1], tuple(args), _score(head, 2)))
    for field, what in (("relations", "relation"), ("clusters", "coreference cluster")):
        value = obj.get(prefix + field if field == "relations" else field) or []
        if isinstance(value, list):
            flat = [x for per in value for x in per] if field == "relations" else value
            skipped += [Loss(w, what, f"annot has no {what} layer", str(x)[:60]) for x in flat]
    if problems:
        return None, skipped
    sentences = [
        Sentence("", row[0][0] if row else 0, row[-1][1] if row else 0, tuple(row)).to_meta() for row in offsets
    ]
    meta: dict[str, Any] = {SENTENCES: sentences}
    if isinstance(obj.get(DATASET), str):
        meta[DATASET] = obj[DATASET]
    lines = {e.id: w for e in entities} | {ev.id: w for ev in events}
    return Located(Document(key, text, tuple(entities), tuple(events), meta), w, lines), skipped


def dump_dygiepp(located: list[Located]) -> tuple[str, list[Loss], int]:
    """The DyGIE++ content of `located`, what it cannot carry, and the number of documents written."""
    out: list[str] = []
    losses: list[Loss] = []
    for loc in located:
        doc = loc.doc
        sentences = sentences_in_meta(doc) or segment(doc.text)
        placed = place(loc, sentences, NAME)
        for ev in doc.events:  # DyGIE++'s trigger is one token
            if ev.id in placed.triggers and placed.triggers[ev.id][2] - placed.triggers[ev.id][1] != 1:
                del placed.triggers[ev.id]
                text = doc.text[ev.start : ev.end]
                placed.losses.append(
                    Loss(loc.at(ev.id), "event", f"its trigger is several tokens ({NAME}: one)", f"{ev.type} {text!r}")
                )
        args, lost = arguments_placed(loc, placed, NAME)
        losses += placed.losses + lost + lost_scores(loc, NAME)
        if any(k not in (SENTENCES, DATASET) for k in doc.meta):
            losses.append(Loss(loc.where, "document meta", f"{NAME} has no document metadata"))
        first = [0]
        for s in sentences:
            first.append(first[-1] + len(s.tokens))
        ner: list[list[list[Any]]] = [[] for _ in sentences]
        for e in doc.entities:
            if e.id in placed.entities:
                k, i, j = placed.entities[e.id]
                ner[k].append([first[k] + i, first[k] + j - 1, e.label])
        events: list[list[list[Any]]] = [[] for _ in sentences]
        for ev in doc.events:
            if ev.id in placed.triggers:
                k, i, _ = placed.triggers[ev.id]
                entry: list[list[Any]] = [[first[k] + i, ev.type]]
                for role, ent in args.get(ev.id, []):
                    _, ai, aj = placed.entities[ent]
                    entry.append([first[k] + ai, first[k] + aj - 1, role])
                events[k].append(entry)
        obj: dict[str, Any] = {"doc_key": doc.id}
        if isinstance(doc.meta.get(DATASET), str):
            obj[DATASET] = doc.meta[DATASET]
        obj |= {
            "sentences": [[doc.text[a:b] for a, b in s.tokens] for s in sentences],
            "ner": ner,
            "relations": [[] for _ in sentences],
            "events": events,
        }
        out.append(json.dumps(obj) + "\n")
    return "".join(out), losses, len(out)
