"""What the format modules share: documents with their source locations, losses, token-aligned entities."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..documents import Document, Entity, fragment_key


@dataclass(frozen=True)
class Located:
    """A document read from a file, with where it and each of its annotations came from ("file:line")."""

    doc: Document
    where: str
    lines: Mapping[str, str] = field(default_factory=dict)

    def at(self, annotation_id: str) -> str:
        """Where an entity or event (by id) was read, "file:line (id)": its own line, or the document's."""
        return f"{self.lines.get(annotation_id, self.where)} ({annotation_id})"


@dataclass(frozen=True)
class Loss:
    """Something of the input that was skipped, or that the output format cannot carry.

    `what` is the kind ("relation", "event", "entity mention", ...), `why` the reason; the
    command line groups losses by both.
    """

    where: str
    what: str
    why: str
    detail: str = ""


@dataclass(frozen=True)
class LeftOut:
    """A document of the input that is not in the output: annot's format or the output's cannot represent it, or
    its part of the input is broken; `reasons` says every way, each naming the file and line."""

    where: str
    document: str
    reasons: tuple[str, ...]


@dataclass
class Sink:
    """What a reader or a writer finds wrong. `problems` concern the whole input (not the format, unreadable) and
    stop the run; a problem of one document leaves that document out (`document`), unless the run is strict."""

    problems: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    def document(self, where: str, name: str, reasons: list[str]) -> bool:
        """Leave document `name` out for `reasons` (nothing when there are none); whether it was left out."""
        if reasons:
            self.left_out.append(LeftOut(where, name, tuple(reasons)))
        return bool(reasons)

    def every_problem(self) -> list[str]:
        """The problems and every reason of every document left out, in the order found."""
        return [*self.problems, *(r for d in self.left_out for r in d.reasons)]


# What the meta of a document read from another format may carry for that format (the split of a brat subfolder,
# the sentences and tokens of a token format): written back by the formats that have a place for it.
SPLIT = "split"
SENTENCES = "sentences"


def lost_meta_and_scores(located: list[Located], fmt: str, keeps: tuple[str, ...] = ()) -> list[Loss]:
    """Document meta (but the keys in `keeps`) and scores, which brat and CoNLL files have no place for."""
    out: list[Loss] = []
    for loc in located:
        d = loc.doc
        if any(k not in keeps for k in d.meta):
            out.append(Loss(loc.where, "document meta", f"{fmt} has no document metadata"))
        for e in d.entities:
            if e.score is not None:
                out.append(Loss(loc.at(e.id), "score", f"{fmt} has no scores"))
        for ev in d.events:
            if ev.score is not None or any(a.score is not None for a in ev.arguments):
                out.append(Loss(loc.at(ev.id), "score", f"{fmt} has no scores"))
    return out


def lost_events(loc: Located, fmt: str) -> list[Loss]:
    """Every event and argument of a document, for formats with no event layer."""
    out: list[Loss] = []
    for ev in loc.doc.events:
        out.append(Loss(loc.at(ev.id), "event", f"{fmt} has no event layer", ev.type))
        out += [
            Loss(loc.at(ev.id), "argument", f"{fmt} has no event layer", f"{a.role} -> {a.target}")
            for a in ev.arguments
        ]
    return out


def lost_fragments(loc: Located, fmt: str) -> list[Loss]:
    """The discontinuous mentions of a document, for formats whose mentions are one span."""
    return [
        Loss(
            loc.at(e.id),
            "entity mention",
            f"is discontinuous ({fmt}: one span per mention)",
            f"{e.label} {' … '.join(repr(loc.doc.text[s:t]) for s, t in e.pieces)} [{fragment_key(e.fragments)}]",
        )
        for e in loc.doc.entities
        if e.fragments
    ]


def token_entities(sdoc: Any, loc: Located, fmt: str) -> tuple[list[Any], set[int], list[Loss]]:
    """The spaCy spans of the document's entities that a token format can carry, and the others.

    An entity must align to spaCy's tokens (as `annot evaluate` counts alignment), not overlap
    an entity kept before it (position order) and not contain a whitespace token (a line break):
    CoNLL tags and `Doc.ents` hold one label per token. Also returned: the tokens of the mentions
    that do not align (`annot train` marks such tokens as missing, not as outside any entity).
    """
    spans: list[Any] = []
    unaligned: set[int] = set()
    losses: list[Loss] = []
    last_end = 0
    text = loc.doc.text
    for e in sorted(loc.doc.entities):
        if e.fragments:  # listed by lost_fragments; its tokens are not outside every mention
            for s, t in e.pieces:
                wide = sdoc.char_span(s, t, alignment_mode="expand")
                if wide is not None:
                    unaligned.update(range(wide.start, wide.end))
            continue
        detail = f"{e.label} {text[e.start : e.end]!r} [{e.start}:{e.end}]"
        span = sdoc.char_span(e.start, e.end, label=e.label)
        if span is None:
            wide = sdoc.char_span(e.start, e.end, alignment_mode="expand")
            covers = ""
            if wide is not None:
                covers = f" (its tokens: {wide.text!r})"
                unaligned.update(range(wide.start, wide.end))
            losses.append(
                Loss(loc.at(e.id), "entity mention", "does not align to spaCy's English tokens", detail + covers)
            )
        elif spans and span.start < last_end:
            losses.append(
                Loss(loc.at(e.id), "entity mention", f"overlaps another one ({fmt}: one tag per token)", detail)
            )
        elif any(t.is_space for t in span):
            losses.append(Loss(loc.at(e.id), "entity mention", "contains a line break or a run of spaces", detail))
        else:
            spans.append(span)
            last_end = span.end
    for s in spans:
        unaligned.difference_update(range(s.start, s.end))
    return spans, unaligned, losses


def entity_ids(entities: list[tuple[int, int, str]]) -> tuple[Entity, ...]:
    """Entities T1.. from (start, end, label) in position order."""
    return tuple(Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(sorted(entities), 1))


@functools.cache
def blank_english(sentencizer: bool = False) -> Any:
    """spaCy's blank English pipeline (its tokenizer; with the rule-based sentencizer if asked), made once."""
    import spacy

    nlp = spacy.blank("en")
    if sentencizer:
        nlp.add_pipe("sentencizer")
    return nlp
