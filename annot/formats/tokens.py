"""What the sentence-and-token formats share (TextEE, OneIE, DyGIE++): tokens found in a text, sentences kept in
a document's meta, mentions between characters and tokens.

A document read from one of these formats keeps its sentences and tokens in ``meta.sentences``:
``[{"id": ..., "start": ..., "end": ..., "tokens": [[start, end], ...]}, ...]`` (character offsets into the
document's text; ``start``/``end`` the sentence's text), so that writing it back gives the same sentences,
tokens and ids. A document without them (annot's own) is cut into sentences and tokens by spaCy's English
tokenizer and rule-based sentencizer, a line break ending a sentence (as the CoNLL writer does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ..documents import Argument, Document, Entity, Event
from .common import SENTENCES, Located, Loss, Sink, blank_english

Offsets = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document: its id in the format ("" when it has none), where its text is, its tokens
    (character offsets into the document's text) and what else the format keeps for it."""

    id: str
    start: int
    end: int
    tokens: Offsets
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_meta(self) -> dict[str, Any]:
        return {"id": self.id, "start": self.start, "end": self.end, "tokens": [list(t) for t in self.tokens]} | dict(
            self.extra
        )


def locate(tokens: Sequence[str], text: str, at: int = 0) -> list[tuple[int, int]] | None:
    """Where each token is in `text`, in order from `at`, skipping whitespace only; None if one is not there.

    >>> locate(["NATO", "'s", "troops"], "NATO's  troops")
    [(0, 4), (4, 6), (8, 14)]
    >>> locate(["-LRB-"], "(")
    """
    out = []
    pos = at
    for t in tokens:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not t or not text.startswith(t, pos):
            return None
        out.append((pos, pos + len(t)))
        pos += len(t)
    return out


def joined(sentences: Sequence[Sequence[str]]) -> tuple[str, list[list[tuple[int, int]]]]:
    """A text made of tokens (single spaces between tokens, a line break between sentences) and the offsets of
    every token.

    >>> joined([["NATO", "came"], ["."]])
    ('NATO came\\n.', [[(0, 4), (5, 9)], [(10, 11)]])
    """
    parts, offsets, pos = [], [], 0
    for sent in sentences:
        row = []
        for i, t in enumerate(sent):
            if i:
                pos += 1
            row.append((pos, pos + len(t)))
            pos += len(t)
        parts.append(" ".join(sent))
        offsets.append(row)
        pos += 1
    return "\n".join(parts), offsets


def token_span(tokens: Offsets, start: int, end: int) -> tuple[int, int] | None:
    """The tokens [i, j) that `text[start:end]` covers exactly, or None if it cuts a token or covers none.

    >>> token_span(((0, 4), (5, 9), (10, 11)), 5, 11), token_span(((0, 4), (5, 9)), 1, 4)
    ((1, 3), None)
    """
    starts = {s: i for i, (s, _) in enumerate(tokens)}
    ends = {e: i for i, (_, e) in enumerate(tokens)}
    i, j = starts.get(start), ends.get(end)
    if i is None or j is None or j < i:
        return None
    return i, j + 1


def sentences_in_meta(doc: Document) -> list[Sentence] | None:
    """The sentences a document carries in its meta (`meta.sentences`), if they fit its text; else None."""
    raw = doc.meta.get(SENTENCES)
    if not isinstance(raw, list) or not raw:
        return None
    out = []
    n = len(doc.text)
    last = 0
    try:
        for item in raw:
            start, end = int(item["start"]), int(item["end"])
            toks = tuple((int(a), int(b)) for a, b in item["tokens"])
            ok = 0 <= start <= end <= n and all(start <= a < b <= end for a, b in toks)
            ok = ok and all(x[1] <= y[0] for x, y in zip(toks, toks[1:])) and (not toks or toks[0][0] >= last)
            if not ok:
                return None
            last = toks[-1][1] if toks else last
            extra = {k: v for k, v in item.items() if k not in ("id", "start", "end", "tokens")}
            out.append(Sentence(str(item.get("id") or ""), start, end, toks, extra))
    except (KeyError, TypeError, ValueError):
        return None
    return out


def segment(text: str) -> list[Sentence]:
    """Sentences and tokens of a text by spaCy's English tokenizer and sentencizer (a line break ends a sentence;
    whitespace is no token)."""
    sdoc = blank_english(sentencizer=True)(text)
    out: list[list[tuple[int, int]]] = []
    pending = True
    for tok in sdoc:
        if tok.is_space:
            pending = pending or tok.is_sent_start or "\n" in tok.text
            continue
        if pending or tok.is_sent_start:
            out.append([])
        pending = False
        out[-1].append((tok.idx, tok.idx + len(tok.text)))
    return [Sentence("", s[0][0], s[-1][1], tuple(s)) for s in out]


@dataclass
class Placed:
    """Where each mention and trigger of a document falls: (sentence, first token, end token)."""

    entities: dict[str, tuple[int, int, int]]
    triggers: dict[str, tuple[int, int, int]]
    losses: list[Loss]


def place(loc: Located, sentences: list[Sentence], fmt: str) -> Placed:
    """Put each entity mention and each event trigger in its sentence on whole tokens; what cannot be placed
    (a discontinuous mention, one that cuts a token or crosses sentences) is listed."""
    text = loc.doc.text
    bounds = [(s.start, s.end) for s in sentences]

    def find(start: int, end: int) -> tuple[int, int, int] | None:
        for k, s in enumerate(sentences):
            if bounds[k][0] <= start and end <= bounds[k][1]:
                span = token_span(s.tokens, start, end)
                return None if span is None else (k, *span)
        return None

    placed = Placed({}, {}, [])
    for e in loc.doc.entities:
        detail = f"{e.label} {text[e.start : e.end]!r} [{e.start}:{e.end}]"
        if e.fragments:
            placed.losses.append(
                Loss(loc.at(e.id), "entity mention", f"is discontinuous ({fmt}: one span per mention)", detail)
            )
            continue
        where = find(e.start, e.end)
        if where is None:
            placed.losses.append(Loss(loc.at(e.id), "entity mention", _why_not(sentences, e, fmt), detail))
        else:
            placed.entities[e.id] = where
    for ev in loc.doc.events:
        where = find(ev.start, ev.end)
        if where is None:
            detail = f"{ev.type} {text[ev.start : ev.end]!r} [{ev.start}:{ev.end}]"
            why = _why_not(sentences, Entity(ev.start, ev.end, ev.type), fmt)
            placed.losses.append(Loss(loc.at(ev.id), "event", f"its trigger {why}", detail))
        else:
            placed.triggers[ev.id] = where
    return placed


def _why_not(sentences: list[Sentence], e: Entity, fmt: str) -> str:
    inside = [s for s in sentences if s.start <= e.start and e.end <= s.end]
    if not inside:
        return f"is not within one sentence ({fmt} mentions are in a sentence)"
    return "does not start and end at token edges"


def arguments_placed(
    loc: Located, placed: Placed, fmt: str, same_sentence: bool = True
) -> tuple[dict[str, list[tuple[str, str]]], list[Loss]]:
    """The arguments each placed event can carry, (role, entity id), and the others listed: an event filling a
    role (no place in the format), an entity not placed, an entity in another sentence than the trigger."""
    out: dict[str, list[tuple[str, str]]] = {}
    losses: list[Loss] = []
    for ev in loc.doc.events:
        if ev.id not in placed.triggers:
            losses += [
                Loss(loc.at(ev.id), "argument", "its event is not written", f"{a.role} -> {a.target}")
                for a in ev.arguments
            ]
            continue
        kept = out.setdefault(ev.id, [])
        for a in ev.arguments:
            detail = f"{ev.type} {a.role} -> {a.target}"
            if a.event:
                losses.append(Loss(loc.at(ev.id), "argument", f"is an event ({fmt} arguments are mentions)", detail))
            elif a.entity not in placed.entities:
                losses.append(Loss(loc.at(ev.id), "argument", "its entity mention is not written", detail))
            elif same_sentence and placed.entities[a.entity][0] != placed.triggers[ev.id][0]:
                losses.append(
                    Loss(loc.at(ev.id), "argument", f"is in another sentence than its trigger ({fmt})", detail)
                )
            else:
                kept.append((a.role, a.entity))
    return out, losses


def lost_scores(loc: Located, fmt: str) -> list[Loss]:
    """Scores of mentions, events and arguments, for formats without them."""
    out = [Loss(loc.at(e.id), "score", f"{fmt} has no scores") for e in loc.doc.entities if e.score is not None]
    out += [
        Loss(loc.at(ev.id), "score", f"{fmt} has no scores")
        for ev in loc.doc.events
        if ev.score is not None or any(a.score is not None for a in ev.arguments)
    ]
    return out


# ------------------------------------------------- sentence-level JSON lines (TextEE, OneIE)


@dataclass(frozen=True)
class Style:
    """How a sentence-level format names things: one JSON object per sentence (an instance), grouped into
    documents by ``doc_id``; mentions in tokens of their sentence, end exclusive."""

    name: str
    sentence_id: str  # the key of the sentence's id ("wnd_id", "sent_id")
    text: str  # the key of the sentence's text ("text", "sentence")
    kept: tuple[str, ...]  # sentence keys kept in meta.sentences and written back ("lang"; "pieces", ...)
    argument_offsets: bool  # whether an argument repeats its mention's token offsets (TextEE) or not (OneIE)


def _int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _span(obj: Any, n: int) -> tuple[int, int] | None:
    """Token offsets [start, end) of a mention object within a sentence of `n` tokens, or None."""
    if not isinstance(obj, dict):
        return None
    s, e = obj.get("start"), obj.get("end")
    return (s, e) if _int(s) and _int(e) and 0 <= s < e <= n else None


def json_objects(raw: str, path: str, key: str, what: str, sink: Sink) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(line number, object, its `key`) of each non-blank line of a JSON lines file; a line that is not JSON, or
    not an object with a non-empty `key` string, is a problem of the whole input (`sink`)."""
    for n, line in enumerate(raw.removeprefix("\ufeff").split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            sink.problems.append(f"{path}:{n}: not a JSON object ({type(exc).__name__})")
            continue
        value = obj.get(key) if isinstance(obj, dict) else None
        if not isinstance(value, str) or not value:
            sink.problems.append(f"{path}:{n}: expected {what} with a {key!r} string")
            continue
        yield n, obj, value


@dataclass
class _DocParts:
    """A document being read, a sentence at a time."""

    first: str  # "file:line" of its first sentence
    lines: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_instances(
    raw: str, path: str, style: Style, sink: Sink, references: Mapping[str, Document] | None = None
) -> tuple[list[Located], list[Loss]]:
    """The documents of a sentence-level file: its sentences grouped by ``doc_id`` (in order of first
    appearance, sentences in file order), the text the sentences' texts joined by line breaks (or, with
    `references`, the reference document's text, the tokens found in it). A document with a malformed sentence
    is left out (`sink`); what annot has no place for (relations, mention attributes) is skipped and listed."""
    docs: dict[str, _DocParts] = {}
    for n, obj, doc_id in json_objects(raw, path, "doc_id", f"a {style.name} sentence object", sink):
        docs.setdefault(doc_id, _DocParts(f"{path}:{n}")).lines.append((n, obj))
    located: list[Located] = []
    skipped: list[Loss] = []
    for doc_id, parts in docs.items():
        problems: list[str] = []
        ref = None if references is None else references.get(doc_id)
        if references is not None and ref is None:
            problems.append(f"{parts.first}: document {doc_id!r} is not in the documents of --text-from")
        texts: list[str] = []
        sentences: list[Sentence] = []
        entities: list[Entity] = []
        ents_of: dict[str, tuple[int, tuple[int, int], str]] = {}  # mention id -> (sentence, token span, row id)
        events: list[tuple[int, dict[str, Any], int]] = []
        lines: dict[str, str] = {}
        pos = 0  # where the next sentence's text starts (in the joined text, or in the reference)
        for k, (n, obj) in enumerate(parts.lines):
            w = f"{path}:{n}"
            tokens = obj.get("tokens")
            if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
                problems.append(f"{w}: 'tokens' must be a list of non-empty strings")
                continue
            text = obj.get(style.text)
            if ref is not None:
                found = locate(tokens, ref.text, pos)
                if found is None:
                    problems.append(
                        f"{w}: the tokens of sentence {k + 1} are not the next tokens of document {doc_id!r} of "
                        f"--text-from (from offset {pos}: {ref.text[pos : pos + 20]!r})"
                    )
                    continue
                offs = found
                start, end = (offs[0][0], offs[-1][1]) if offs else (pos, pos)
                pos = end
            else:
                if k:
                    pos += 1  # the line break between sentences
                found = locate(tokens, text) if isinstance(text, str) else None
                if found is None:
                    if text is not None:
                        skipped.append(
                            Loss(w, "sentence text", "its tokens are not all in it, in order: the document's text "
                                 "is the tokens joined by spaces there")
                        )  # fmt: skip
                    text = " ".join(tokens)
                    found = locate(tokens, text)
                assert found is not None and isinstance(text, str)
                offs = [(pos + a, pos + b) for a, b in found]
                texts.append(text)
                start, end = pos, pos + len(text)
                pos = end
            extra = {key: obj[key] for key in style.kept if key in obj}
            sid = obj.get(style.sentence_id)
            sentences.append(Sentence(sid if isinstance(sid, str) else "", start, end, tuple(offs), extra))
            for rel in obj.get("relation_mentions") or []:
                skipped.append(Loss(w, "relation", "annot has no relation layer", str(rel.get("relation_type", ""))
                                    if isinstance(rel, dict) else ""))  # fmt: skip
            raw_ents = obj.get("entity_mentions", [])
            for i, e in enumerate(raw_ents if isinstance(raw_ents, list) else [None]):
                span = _span(e, len(tokens))
                if span is None or not isinstance(e.get("entity_type"), str) or not e["entity_type"]:
                    problems.append(
                        f"{w}: entity_mentions[{i}] must have an 'entity_type' and token offsets 0 <= start < end <= "
                        f"{len(tokens)}, got {e!r}"
                    )
                    continue
                mid = e.get("id", f"{obj.get(style.sentence_id, k)}-T{i}")
                if not isinstance(mid, str) or mid in ents_of:
                    problems.append(f"{w}: entity_mentions[{i}]: id {mid!r} is not a new string of this document")
                    continue
                row = f"T{len(entities) + 1}"
                ents_of[mid] = (k, span, row)
                entities.append(Entity(offs[span[0]][0], offs[span[1] - 1][1], e["entity_type"], row))
                lines[row] = w
                skipped += [
                    Loss(w, "mention attribute", "annot's mentions have a label only", f"{key}={e[key]!r}")
                    for key in e
                    if key not in ("id", "text", "entity_type", "start", "end")
                ]
            raw_evs = obj.get("event_mentions", [])
            for i, ev in enumerate(raw_evs if isinstance(raw_evs, list) else [None]):
                trig = _span(ev.get("trigger") if isinstance(ev, dict) else None, len(tokens))
                etype = ev.get("event_type") if isinstance(ev, dict) else None
                if (
                    trig is None
                    or not isinstance(etype, str)
                    or not etype
                    or not isinstance(ev.get("arguments", []), list)
                ):
                    problems.append(
                        f"{w}: event_mentions[{i}] must have an 'event_type', a 'trigger' with token offsets "
                        f"0 <= start < end <= {len(tokens)} and a list of 'arguments', got {ev!r}"
                    )
                    continue
                events.append((k, ev, n))
        if sink.document(parts.first, doc_id, problems):
            continue  # (a sentence that could not be read leaves the others' indices unusable)
        built: list[Event] = []
        for k, ev, n in events:
            w = f"{path}:{n}"
            toks = sentences[k].tokens
            s, e = _span(ev["trigger"], len(toks)) or (0, 1)
            args: list[Argument] = []
            for j, a in enumerate(ev.get("arguments", [])):
                role = a.get("role") if isinstance(a, dict) else None
                if not isinstance(role, str) or not role:
                    problems.append(f"{w}: arguments[{j}] of event {ev.get('id')!r} has no 'role' string: {a!r}")
                    continue
                target = ents_of.get(a.get("entity_id"))  # type: ignore[arg-type]
                if target is None and style.argument_offsets and (span := _span(a, len(toks))) is not None:
                    target = next((t for t in ents_of.values() if t[0] == k and t[1] == span), None)
                if target is None:
                    skipped.append(
                        Loss(w, "argument", "it is no entity mention of the document (annot's arguments are mentions)",
                             f"{ev.get('event_type', '')} {role} -> {a.get('entity_id')!r}")
                    )  # fmt: skip
                    continue
                args.append(Argument(role, target[2]))
                skipped += [
                    Loss(w, "argument attribute", "annot's arguments have a role only", f"{key}={a[key]!r}")
                    for key in a
                    if key not in ("entity_id", "role", "text", "start", "end")
                ]
            row = f"E{len(built) + 1}"
            built.append(Event(row, ev["event_type"], toks[s][0], toks[e - 1][1], tuple(args)))
            lines[row] = w
            skipped += [
                Loss(w, "event attribute", "annot's events have a type only", f"{key}={ev[key]!r}")
                for key in ev
                if key not in ("id", "event_type", "trigger", "arguments")
            ]
        if sink.document(parts.first, doc_id, problems):
            continue
        text = ref.text if ref is not None else "\n".join(texts)
        meta = {SENTENCES: [s.to_meta() for s in sentences]}
        located.append(Located(Document(doc_id, text, tuple(entities), tuple(built), meta), parts.first, lines))
    return located, skipped


def write_instances(located: list[Located], style: Style) -> tuple[list[dict[str, Any]], list[Loss]]:
    """The sentence objects of `located` in a sentence-level format, and what it cannot carry: mentions that
    do not fall on the tokens of one sentence, events filling roles, arguments in another sentence than
    their trigger, scores, document meta."""
    out: list[dict[str, Any]] = []
    losses: list[Loss] = []
    for loc in located:
        doc = loc.doc
        sentences = sentences_in_meta(doc) or segment(doc.text)
        placed = place(loc, sentences, style.name)
        args, lost = arguments_placed(loc, placed, style.name)
        losses += placed.losses + lost + lost_scores(loc, style.name)
        if any(k != SENTENCES for k in doc.meta):
            losses.append(Loss(loc.where, "document meta", f"{style.name} has no document metadata"))
        by_sentence: dict[int, list[Entity]] = {}
        for e in doc.entities:
            if e.id in placed.entities:
                by_sentence.setdefault(placed.entities[e.id][0], []).append(e)
        ev_by_sentence: dict[int, list[Any]] = {}
        for ev in doc.events:
            if ev.id in placed.triggers:
                ev_by_sentence.setdefault(placed.triggers[ev.id][0], []).append(ev)
        for k, s in enumerate(sentences):
            sid = s.id or f"{doc.id}-{k}"
            toks = [doc.text[a:b] for a, b in s.tokens]

            def mention_text(i: int, j: int, s: Sentence = s, text: str = doc.text) -> str:
                return text[s.tokens[i][0] : s.tokens[j - 1][1]]

            ents = []
            for e in by_sentence.get(k, []):
                _, i, j = placed.entities[e.id]
                ents.append(
                    {"id": f"{sid}-{e.id}", "text": mention_text(i, j), "entity_type": e.label, "start": i, "end": j}
                )
            evs = []
            for ev in ev_by_sentence.get(k, []):
                _, i, j = placed.triggers[ev.id]
                arguments = []
                for role, ent in args.get(ev.id, []):
                    _, ai, aj = placed.entities[ent]
                    arg: dict[str, Any] = {"entity_id": f"{sid}-{ent}", "role": role, "text": mention_text(ai, aj)}
                    if style.argument_offsets:
                        arg |= {"start": ai, "end": aj}
                    arguments.append(arg)
                trigger = {"text": mention_text(i, j), "start": i, "end": j}
                evs.append({"id": f"{sid}-{ev.id}", "event_type": ev.type, "trigger": trigger, "arguments": arguments})
            text = doc.text[s.start : s.end]
            out.append(style_instance(style, doc.id, sid, text, toks, ents, evs, s.extra, loc, losses))
    return out, losses


def style_instance(
    style: Style,
    doc_id: str,
    sid: str,
    text: str,
    tokens: list[str],
    ents: list[dict[str, Any]],
    evs: list[dict[str, Any]],
    extra: Mapping[str, Any],
    loc: Located,
    losses: list[Loss],
) -> dict[str, Any]:
    """One sentence object, keys in the order the format's own tools write them."""
    if style.name == "TextEE":
        return {
            "doc_id": doc_id,
            "wnd_id": sid,
            "text": text,
            "lang": extra.get("lang", "en"),
            "tokens": tokens,
            "entity_mentions": ents,
            "event_mentions": evs,
            "relation_mentions": [],
        }
    # OneIE: its pieces and their lengths are a BERT tokenizer's, which annot does not have
    pieces, lens = extra.get("pieces"), extra.get("token_lens")
    if not (isinstance(lens, list) and len(lens) == len(tokens) and isinstance(pieces, list)):
        pieces, lens = list(tokens), [1] * len(tokens)
        losses.append(
            Loss(
                loc.where,
                "wordpieces",
                "OneIE's pieces are a BERT tokenizer's: written as the tokens themselves (run OneIE's preprocessing "
                "for real ones)",
                sid,
            )
        )
    return {
        "doc_id": doc_id,
        "sent_id": sid,
        "tokens": tokens,
        "pieces": pieces,
        "token_lens": lens,
        "sentence": text,
        "entity_mentions": ents,
        "relation_mentions": [],
        "event_mentions": [
            {
                **ev,
                "arguments": [
                    {"entity_id": a["entity_id"], "text": a["text"], "role": a["role"]} for a in ev["arguments"]
                ],
            }
            for ev in evs
        ],
    }
