"""Score predictions against gold: the numbers behind report.json.

`evaluate()` returns an `Evaluation`, plain data; `report.py` renders it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
class ErrorItem:
    """One false positive or false negative (strict scheme); the context marks the gold span (or the spurious one)."""

    doc_id: str
    category: str  # missed | spurious | wrong type | wrong boundary | wrong boundary and type
    gold: tuple[int, int, str] | None
    pred: tuple[int, int, str] | None
    context: str
    gold_text: str = ""
    pred_text: str = ""


@dataclass(frozen=True)
class Evaluation:
    """Everything `annot evaluate` measured for one system on one gold set."""

    schema: Schema
    system: dict[str, str]
    gold_path: str
    gold_sha256: str
    documents: list[DocumentScores]
    labels: list[str]
    event_types: list[str]
    settings: EvalSettings
    intervals: dict[str, dict[str, tuple[float, float] | None]]
    errors: list[ErrorItem]
    ignored_prediction_documents: list[str]
    created_at: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    """The text around [start, end) on one line, the span in ⟦ ⟧.

    >>> _context("NATO sent troops to Kosovo.", 20, 26, 10)
    '…troops to ⟦Kosovo⟧.'
    """
    left = max(0, start - width)
    right = min(len(text), end + width)
    s = (
        ("…" if left else "")
        + text[left:start]
        + "⟦"
        + text[start:end]
        + "⟧"
        + text[end:right]
        + ("…" if right < len(text) else "")
    )
    return " ".join(s.split())


def entity_errors(gold: Document, pred: Document, scores: DocumentScores) -> list[ErrorItem]:
    """Every strict-scheme error of one document, with its category."""
    m = scores.matches["strict"]
    out = []
    for gi, pi, outcome in m.pairs:
        if outcome == "correct":
            continue
        g, p = gold.entities[gi], pred.entities[pi]
        if (g.start, g.end) == (p.start, p.end):
            cat = "wrong type"
        elif g.label == p.label:
            cat = "wrong boundary"
        else:
            cat = "wrong boundary and type"
        out.append(
            ErrorItem(
                gold.id,
                cat,
                (g.start, g.end, g.label),
                (p.start, p.end, p.label),
                _context(gold.text, g.start, g.end),
                gold.text[g.start : g.end],
                gold.text[p.start : p.end],
            )
        )
    for gi in m.missed:
        g = gold.entities[gi]
        t = gold.text[g.start : g.end]
        out.append(
            ErrorItem(gold.id, "missed", (g.start, g.end, g.label), None, _context(gold.text, g.start, g.end), t)
        )
    for pi in m.spurious:
        p = pred.entities[pi]
        t = gold.text[p.start : p.end]
        out.append(
            ErrorItem(gold.id, "spurious", None, (p.start, p.end, p.label), _context(gold.text, p.start, p.end), "", t)
        )
    return sorted(out, key=lambda e: (e.doc_id, (e.gold or e.pred or (0, 0, ""))[:2]))


def evaluate(
    gold: list[Document],
    pred: list[Document],
    schema: Schema,
    *,
    settings: EvalSettings,
    gold_path: Path | str,
    system: dict[str, str],
) -> Evaluation:
    """Score `pred` against `gold` under every scheme and level; no printing, no files."""
    pairs, extra = pair_documents(gold, pred)
    labels = sorted(set(schema.entities) | {e.label for _, p in pairs for e in p.entities})
    event_types = sorted(set(schema.events) | {ev.type for _, p in pairs for ev in p.events})
    docs = [score_document(g, p, labels, event_types) for g, p in pairs]
    errors = [e for (g, p), s in zip(pairs, docs) for e in entity_errors(g, p, s)]
    intervals = bootstrap_intervals(docs, settings.bootstrap_samples, settings.seed, settings.confidence)
    gp = Path(gold_path)
    if gp.is_file():
        gold_sha = hashlib.sha256(gp.read_bytes()).hexdigest()
    else:  # gold given in memory: a digest of its document ids and texts
        gold_sha = text_sha256("\n".join(f"{d.id}\t{d.sha256}" for d in sorted(gold, key=lambda d: d.id)))
    return Evaluation(
        schema, system, str(gold_path), gold_sha, docs, labels, event_types, settings, intervals, errors, extra
    )


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
