"""Score predictions against gold: the numbers behind report.json.

`evaluate()` returns an `Evaluation`, plain data; `report.py` renders it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import ErrorItem, entity_confusion, entity_errors, event_errors
from .config import EvalSettings
from .documents import Document, text_sha256
from .matching import EVENT_LEVELS, SCHEMES, Scheme
from .metrics import (
    DocumentScores,
    bootstrap_intervals,
    pair_documents,
    score_document,
)
from .schema import Schema


@dataclass(frozen=True)
class Evaluation:
    """Everything `annot evaluate` measured for one system on one gold set."""

    schema: Schema
    system: dict[str, str]
    gold_path: str
    gold_sha256: str
    documents: list[DocumentScores]
    doc_sha256: dict[str, str]
    labels: list[str]
    event_types: list[str]
    roles: list[str]
    settings: EvalSettings
    intervals: dict[str, dict[str, tuple[float, float] | None]]
    errors: list[ErrorItem]
    event_errors: list[ErrorItem]
    confusion: Counter[tuple[str, str]]
    role_confusion: Counter[tuple[str, str]]
    ignored_prediction_documents: list[str]
    alignment: dict[str, Any]
    created_at: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))


def evaluate(
    gold: list[Document],
    pred: list[Document],
    schema: Schema,
    *,
    settings: EvalSettings,
    gold_path: Path | str,
    system: dict[str, str],
    other_gold: frozenset[str] = frozenset(),
) -> Evaluation:
    """Score `pred` against `gold` under every scheme and level; no printing, no files."""
    pairs, extra = pair_documents(gold, pred, other_gold)
    labels = sorted(set(schema.entities) | {e.label for _, p in pairs for e in p.entities})
    event_types = sorted(set(schema.events) | {ev.type for _, p in pairs for ev in p.events})
    roles = sorted(set(schema.roles) | {a.role for _, p in pairs for ev in p.events for a in ev.arguments})
    docs = [score_document(g, p, labels, event_types, roles) for g, p in pairs]
    errors = [e for (g, p), s in zip(pairs, docs) for e in entity_errors(g, p, s.matches["strict"])]
    confusion: Counter[tuple[str, str]] = Counter()
    for (g, p), s in zip(pairs, docs):
        confusion.update(entity_confusion(g, p, s.matches["type"]))
    ev_errors: list[ErrorItem] = []
    role_confusion: Counter[tuple[str, str]] = Counter()
    for g, p in pairs:
        errs, rc = event_errors(g, p)
        ev_errors += errs
        role_confusion.update(rc)
    intervals = bootstrap_intervals(docs, settings.bootstrap_samples, settings.seed, settings.confidence)
    gp = Path(gold_path)
    if gp.is_file():
        gold_sha = hashlib.sha256(gp.read_bytes()).hexdigest()
    else:  # gold given in memory: a digest of its document ids and texts
        gold_sha = text_sha256("\n".join(f"{d.id}\t{d.sha256}" for d in sorted(gold, key=lambda d: d.id)))
    return Evaluation(
        schema,
        system,
        str(gold_path),
        gold_sha,
        docs,
        {g.id: g.sha256 for g, _ in pairs},
        labels,
        event_types,
        roles,
        settings,
        intervals,
        errors,
        ev_errors,
        confusion,
        role_confusion,
        extra,
        token_alignment(pairs),
    )


def token_alignment(pairs: list[tuple[Document, Document]], examples: int = 20) -> dict[str, Any]:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer.

    They are scored on characters like any other; the counts tell how far a system's spans are from
    what a token-based model could produce.
    """
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    gold_n = pred_n = 0
    shown: list[dict[str, Any]] = []
    for g, p in pairs:
        sdoc = tokenizer(g.text)
        gold_n += sum(sdoc.char_span(e.start, e.end) is None for e in g.entities)
        for e in p.entities:
            if sdoc.char_span(e.start, e.end) is None:
                pred_n += 1
                if len(shown) < examples:
                    shown.append(
                        {
                            "document": g.id,
                            "start": e.start,
                            "end": e.end,
                            "label": e.label,
                            "text": g.text[e.start : e.end],
                        }
                    )
    return {
        "tokenizer": "spaCy English tokenizer (spacy.blank('en'))",
        "gold_unaligned": gold_n,
        "predicted_unaligned": pred_n,
        "predicted_unaligned_examples": shown,
    }


def settings_dict(settings: EvalSettings) -> dict[str, Any]:
    return {
        "bootstrap_samples": settings.bootstrap_samples,
        "confidence": settings.confidence,
        "event_levels": list(EVENT_LEVELS),
        "schemes": list(SCHEMES),
        "seed": settings.seed,
        "zero_division": settings.zero_division,
    }


SCHEME_DEFINITIONS: dict[Scheme, str] = {
    "strict": "correct: same start, end and label; incorrect: overlapping otherwise",
    "exact": "correct: same start and end; incorrect: overlapping with other boundaries",
    "partial": "correct: same start and end; partial (half credit): overlapping with other boundaries",
    "type": "correct: overlapping with the same label; incorrect: overlapping with another label",
}
