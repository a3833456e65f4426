"""CoNLL columns (CoNLL-2003 style), both ways: a token per line, the NER tag in the last column.

Read: blank lines separate sentences, ``-DOCSTART-`` lines separate documents. Documents are
numbered from 1 in file order, ``<file stem>-<n>``; tokens before the first ``-DOCSTART-``, or a
whole file without one, form a document too. The text is rebuilt by joining a sentence's tokens
with single spaces and the sentences with ``\\n`` (or, with `references`, the tokens are found in
the original texts, so offsets refer to those). Tags are IOB1, IOB2 or BIOES (BILOU's L- and U-
are read as E- and S-), detected or given; spaCy's `iob_to_biluo` and `biluo_tags_to_spans` turn
them into spans.

Write: spaCy's English tokenizer and its rule-based sentencizer (a line break also ends a
sentence, never inside an entity mention), tags from spaCy's `offsets_to_biluo_tags`. Events,
scores and meta are not written, nor mentions that do not align to tokens: each is listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..documents import Document
from .common import (
    Located,
    Loss,
    Sink,
    blank_english,
    entity_ids,
    lost_events,
    lost_fragments,
    lost_meta_and_scores,
    token_entities,
)

SUFFIXES = (".conll", ".iob", ".bio", ".bioes")
DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"^(?:O|([BIESLU])-(\S+))$")


class TagScheme(StrEnum):
    """CoNLL NER tag schemes: IOB1 (I- may start a mention), IOB2 (B- starts every mention), BIOES."""

    IOB1 = "iob1"
    IOB2 = "iob2"
    BIOES = "bioes"


@dataclass(frozen=True)
class _Token:
    text: str
    prefix: str  # "O", "B", "I", "E" (also L) or "S" (also U)
    label: str
    line: int

    @property
    def tag(self) -> str:
        return "O" if self.prefix == "O" else f"{self.prefix}-{self.label}"


@dataclass
class _Doc:
    line: int  # the -DOCSTART- line, 0 when the document starts with the file
    sentences: list[list[_Token]]
    problems: list[str] = field(default_factory=list)  # its malformed lines and tag sequences


def _split(raw: str, path: str) -> tuple[list[_Doc], list[Loss]]:
    """Documents of sentences of tokens; every malformed line is a problem of its document."""
    raw = raw.removeprefix("\ufeff")  # a byte order mark is not part of the first token
    docs = [_Doc(0, [[]])]
    skipped: list[Loss] = []
    for n, line in enumerate(raw.split("\n"), 1):
        fields = line.split()
        if not fields:
            if docs[-1].sentences[-1]:
                docs[-1].sentences.append([])
            continue
        if fields[0] == DOCSTART:
            docs.append(_Doc(n, [[]]))
            continue
        if len(fields) < 2:
            docs[-1].problems.append(
                f"{path}:{n}: {line.strip()!r} has no tag: a token line needs the token first and the tag last"
            )
            continue
        m = _TAG.match(fields[-1])
        if m is None:
            docs[-1].problems.append(
                f"{path}:{n}: {fields[-1]!r} (last column) is not a NER tag: O, or B-, I-, E-, S- (L-, U-) and a label"
            )
            continue
        prefix = {"L": "E", "U": "S"}.get(m.group(1) or "O", m.group(1) or "O")
        docs[-1].sentences[-1].append(_Token(fields[0], prefix, m.group(2) or "", n))
    out = []
    for d in docs:
        d.sentences = [s for s in d.sentences if s]
        if d.sentences or d.problems:
            out.append(d)
        elif d.line:
            skipped.append(Loss(f"{path}:{d.line}", "empty document", "a -DOCSTART- with no tokens after it"))
    return out, skipped


def detect_scheme(tokens: list[list[_Token]]) -> TagScheme:
    """BIOES if any E-/S- (L-/U-) tag, IOB1 if an I- tag starts a mention, else IOB2."""
    prefixes = {t.prefix for s in tokens for t in s}
    if prefixes & {"E", "S"}:
        return TagScheme.BIOES
    for sentence in tokens:
        prev = _Token("", "O", "", 0)
        for t in sentence:
            if t.prefix == "I" and (prev.prefix == "O" or prev.label != t.label):
                return TagScheme.IOB1
            prev = t
    return TagScheme.IOB2


def _check(sentence: list[_Token], scheme: TagScheme, path: str, problems: list[str]) -> bool:
    """Strict checks of IOB2 and BIOES sequences (IOB1 takes any order); problems name the line."""
    n_before = len(problems)
    prev = _Token("", "O", "", 0)
    for t in sentence:
        if scheme != TagScheme.BIOES and t.prefix in ("E", "S"):
            problems.append(f"{path}:{t.line}: {t.tag} is not a tag of {scheme.upper()} (O, B-, I-)")
        inside = prev.prefix in ("B", "I") and prev.label == t.label
        if scheme == TagScheme.IOB2 and t.prefix == "I" and not inside:
            problems.append(
                f"{path}:{t.line}: {t.tag} after {prev.tag}: in strict IOB2 a mention starts with B- "
                "(give --scheme iob1 if I- may start one)"
            )
        if scheme == TagScheme.BIOES:
            if t.prefix in ("I", "E") and not inside:
                problems.append(f"{path}:{t.line}: {t.tag} after {prev.tag}: in BIOES, I- and E- continue a B- or I-")
            elif prev.prefix in ("B", "I") and not (inside and t.prefix in ("I", "E")):
                problems.append(
                    f"{path}:{t.line}: {t.tag} after {prev.tag}: in BIOES, a mention that is not closed by E- "
                    f"continues with I-{prev.label} or E-{prev.label}"
                )
        prev = t
    if scheme == TagScheme.BIOES and prev.prefix in ("B", "I"):
        problems.append(f"{path}:{prev.line}: {prev.tag} ends the sentence: in BIOES, a mention ends with E-")
    return len(problems) == n_before


def _spans(sentence: list[_Token], scheme: TagScheme, vocab: Any) -> list[tuple[int, int, str]]:
    """Token spans (start, end, label) of a checked sentence, by spaCy's tag helpers."""
    from spacy.tokens import Doc
    from spacy.training import biluo_tags_to_spans, iob_to_biluo

    tags = [t.tag for t in sentence]
    if scheme == TagScheme.BIOES:
        biluo = [{"E": "L", "S": "U"}.get(t.prefix, t.prefix) + t.tag[1:] for t in sentence]
    else:
        biluo = iob_to_biluo(tags)
    doc = Doc(vocab, words=[t.text for t in sentence])
    return [(s.start, s.end, s.label_) for s in biluo_tags_to_spans(doc, biluo)]


def parse_conll(
    raw: str,
    path: str,
    stem: str,
    scheme: TagScheme | None,
    sink: Sink,
    references: list[Document] | None = None,
) -> tuple[list[Located], list[Loss], TagScheme]:
    """The documents of a CoNLL file's content, what was skipped, and the tag scheme read.

    With `references` (documents in the same order, e.g. those the file was written from), each
    document takes the id and text of its reference and its tokens are found in that text. A document
    with malformed lines or tag sequences is left out (`sink`).
    """
    docs, skipped = _split(raw, path)
    detected = detect_scheme([s for d in docs for s in d.sentences])
    used = scheme or detected
    wrong_scheme = False
    for d in docs:
        for s in d.sentences:
            wrong_scheme |= not _check(s, used, path, d.problems)
    if wrong_scheme and used != detected:
        sink.problems.append(f"{path}: the tags look like {detected.upper()}, not {used.upper()} (--scheme)")
    if references is not None and len(references) != len(docs):
        sink.problems.append(
            f"{path}: {len(docs)} document(s), but the reference documents (--text-from) are {len(references)}: "
            "they are matched in order"
        )
        return [], skipped, used
    vocab = blank_english().vocab
    located = []
    for n, d in enumerate(docs, 1):
        tokens = [t for s in d.sentences for t in s]
        where = f"{path}:{d.line or (d.sentences[0][0].line if d.sentences else 1)}"
        name = references[n - 1].id if references is not None else f"{stem}-{n}"
        if sink.document(where, name, d.problems):
            continue
        if references is not None:
            ref = references[n - 1]
            doc_id, text = ref.id, ref.text
            offsets = _find_tokens(tokens, ref, path, d.problems)
            if sink.document(where, name, d.problems) or offsets is None:
                continue
        else:
            doc_id = f"{stem}-{n}"
            text = "\n".join(" ".join(t.text for t in s) for s in d.sentences)
            offsets, pos = [], 0
            for s in d.sentences:
                for t in s:
                    offsets.append((pos, pos + len(t.text)))
                    pos += len(t.text) + 1
        spans: list[tuple[int, int, str]] = []
        lines: dict[tuple[int, int, str], str] = {}
        first = 0
        for s in d.sentences:
            for a, b, label in _spans(s, used, vocab):
                spans.append((offsets[first + a][0], offsets[first + b - 1][1], label))
                lines[spans[-1]] = f"{path}:{s[a].line}"
            first += len(s)
        entities = entity_ids(spans)
        located.append(
            Located(Document(doc_id, text, entities), where, {e.id: lines[(e.start, e.end, e.label)] for e in entities})
        )
    return located, skipped, used


def _find_tokens(tokens: list[_Token], ref: Document, path: str, problems: list[str]) -> list[tuple[int, int]] | None:
    """Offsets of each token in the reference text, in order, skipping whitespace; None (a problem) if one is not there."""
    text, pos, offsets = ref.text, 0, []
    for t in tokens:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith(t.text, pos):
            problems.append(
                f"{path}:{t.line}: token {t.text!r} is not the next token of document {ref.id!r} of --text-from "
                f"(offset {pos}: {text[pos : pos + 20]!r})"
            )
            return None
        offsets.append((pos, pos + len(t.text)))
        pos += len(t.text)
    if text[pos:].strip():
        problems.append(
            f"{path}:{tokens[-1].line}: document {ref.id!r} of --text-from goes on after the last token "
            f"({text[pos:].strip()[:20]!r})"
        )
        return None
    return offsets


# ------------------------------------------------------------------- write


def dump_conll(located: list[Located], scheme: TagScheme, sink: Sink) -> tuple[str, list[Loss], int, int]:
    """The CoNLL content of `located` (token and tag, a -DOCSTART- line per document), what it cannot carry,
    and the numbers of documents and entity mentions written."""
    from spacy.training import biluo_to_iob, offsets_to_biluo_tags

    nlp = blank_english(sentencizer=True)
    out: list[str] = []
    losses = lost_meta_and_scores(located, "CoNLL")
    written = 0
    for loc in located:
        problems = [
            f"{loc.at(e.id)}: label {e.label!r} contains whitespace, which CoNLL columns cannot hold"
            for e in loc.doc.entities
            if any(ch.isspace() for ch in e.label)
        ]
        if sink.document(loc.where, loc.doc.id, problems):
            continue
        sdoc = nlp(loc.doc.text)
        spans, _, lost = token_entities(sdoc, loc, "CoNLL")
        losses += lost + lost_fragments(loc, "CoNLL") + lost_events(loc, "CoNLL")
        biluo = offsets_to_biluo_tags(sdoc, [(s.start_char, s.end_char, s.label_) for s in spans])
        if scheme == TagScheme.IOB2:
            tags = biluo_to_iob(biluo)
        else:
            tags = [{"L": "E", "U": "S"}.get(t[0], t[0]) + t[1:] for t in biluo]
        sentences: list[list[str]] = []
        pending = True
        for tok, biluo_tag, tag in zip(sdoc, biluo, tags, strict=True):
            if tok.is_space:
                pending = pending or tok.is_sent_start or "\n" in tok.text
                continue
            if (pending or tok.is_sent_start) and biluo_tag[0] not in ("I", "L"):
                sentences.append([])
            pending = False
            sentences[-1].append(f"{tok.text} {tag}\n")
        if not sentences:
            losses.append(Loss(loc.where, "document", "has no tokens: CoNLL has no empty documents", loc.doc.id))
            continue
        written += len(spans)
        out.append(f"{DOCSTART} -X- -X- O\n\n" + "\n".join("".join(s) for s in sentences) + "\n")
    return "".join(out), losses, len(out), written
