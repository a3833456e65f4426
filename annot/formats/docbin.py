"""spaCy DocBin files (``.spacy``), both ways: `Doc.ents` are the entity mentions.

Read with the vocabulary of ``spacy.blank("en")``; the document id is ``user_data["id"]`` when
present, else ``<file stem>-<n>`` (n from 1 in file order); ``user_data["meta"]``, when a dict,
is the document's meta. Span groups (`Doc.spans`) are not read (listed). Write: tokenised by
``spacy.blank("en")`` (the text is kept exactly), entity mentions that align to tokens as
`Doc.ents`, the tokens of those that do not marked missing (as `annot train` does), the id and meta
in `user_data`. Events and scores are not written (listed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..documents import Document
from ..errors import AnnotError
from .common import Located, Loss, Sink, blank_english, entity_ids, lost_events, lost_fragments, token_entities

SUFFIX = ".spacy"


def parse_docbin(data: bytes, path: str, stem: str, sink: Sink) -> tuple[list[Located], list[Loss]]:
    """The documents of a DocBin's bytes, and the span groups that were not read; a document whose id is not a
    string, or is one already used, is left out (`sink`)."""
    from spacy.tokens import DocBin

    vocab = blank_english().vocab
    try:
        sdocs = list(DocBin().from_bytes(data).get_docs(vocab))
    except Exception as exc:  # DocBin raises whatever msgpack or zlib raise on bytes that are not a DocBin
        raise AnnotError(
            f"{path}: not a spaCy DocBin file ({type(exc).__name__}: {exc})",
            "Write it with spacy.tokens.DocBin(...).to_disk(...), or give --from with the file's format.",
        ) from None
    located: list[Located] = []
    skipped: list[Loss] = []
    seen: dict[str, int] = {}
    for n, sdoc in enumerate(sdocs, 1):
        where = f"{path}, document {n}"
        uid = sdoc.user_data.get("id")
        if uid is not None and (not isinstance(uid, str) or not uid):
            sink.document(where, str(uid), [f"{where}: user_data['id'] must be a non-empty string, got {uid!r}"])
            continue
        doc_id = uid or f"{stem}-{n}"
        if doc_id in seen:
            sink.document(where, doc_id, [f"{where}: document id {doc_id!r} already used by document {seen[doc_id]}"])
            continue
        seen[doc_id] = n
        meta = sdoc.user_data.get("meta", {})
        try:
            meta = json.loads(json.dumps(meta)) if isinstance(meta, dict) else {}  # msgpack gives lists as tuples
        except (TypeError, ValueError):
            skipped.append(Loss(where, "document meta", "user_data['meta'] is not JSON"))
            meta = {}
        for key, group in sdoc.spans.items():
            skipped += [
                Loss(
                    where,
                    "span",
                    f"span group {key!r} is not read: annot's entities are Doc.ents",
                    f"{s.label_ or '(no label)'} {s.text!r}",
                )
                for s in group
            ]
        entities = entity_ids([(e.start_char, e.end_char, e.label_) for e in sdoc.ents])
        doc = Document(doc_id, sdoc.text, entities, meta=meta)
        located.append(Located(doc, where))
    return located, skipped


def read_docbin(path: Path, sink: Sink) -> tuple[list[Located], list[Loss]]:
    """The documents of a .spacy file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnnotError(f"{path}: no such file", "Check the path.") from None
    return parse_docbin(data, str(path), path.stem, sink)


def docbin_bytes(located: list[Located]) -> tuple[bytes, list[Loss], int]:
    """The DocBin of `located`, what it cannot carry, and the number of entity mentions written."""
    from spacy.tokens import DocBin

    nlp = blank_english()
    db = DocBin(store_user_data=True)
    losses: list[Loss] = []
    written = 0
    for loc in located:
        sdoc = nlp.make_doc(loc.doc.text)
        spans, unaligned, lost = token_entities(sdoc, loc, "DocBin")
        losses += lost + lost_fragments(loc, "a DocBin") + lost_events(loc, "a DocBin")
        losses += _lost_scores(loc)
        sdoc.set_ents(spans, missing=[sdoc[i : i + 1] for i in sorted(unaligned)], default="outside")
        user_data: dict[str, Any] = {"id": loc.doc.id}
        if loc.doc.meta:
            user_data["meta"] = dict(loc.doc.meta)
        sdoc.user_data.update(user_data)
        db.add(sdoc)
        written += len(spans)
    return db.to_bytes(), losses, written


def _lost_scores(loc: Located) -> list[Loss]:
    return [
        Loss(loc.at(e.id), "score", "a DocBin's Doc.ents have no scores")
        for e in loc.doc.entities
        if e.score is not None
    ]
