"""Score predictions against gold: every count, interval and error behind a report. No files, no printing.

`evaluate()` pairs the documents, scores each pair into one row of per-document
counts (`CountTable`), bootstraps intervals and lists the errors; the report
(`annot.reporting`) is built from the `Evaluation` it returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..documents import Document
from ..errors import raise_if_problems
from .analysis import ErrorItem, entity_confusion, entity_errors, event_errors
from .bootstrap import Interval, bootstrap_intervals
from .counts import CountKey, EventCounts, ZeroDivision
from .matching import EVENT_LEVELS, SCHEMES, EntityMatch, EventLevel, Scheme, match_entities, match_events
from .table import CountTable

ROLE_LEVELS: tuple[EventLevel, ...] = ("argument_classification", "argument_classification_anchored")


@dataclass(frozen=True, kw_only=True)
class ScoringSettings:
    """How scores are computed: bootstrap resamples, seed, confidence level, zero-division policy."""

    bootstrap_samples: int = 1000
    seed: int = 13
    confidence: float = 0.95
    zero_division: ZeroDivision = ZeroDivision.NULL


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer (scored on characters anyway)."""

    tokenizer: str = "spaCy English tokenizer (spacy.blank('en'))"
    gold_unaligned: int = 0
    predicted_unaligned: int = 0
    predicted_unaligned_examples: tuple[ErrorItem, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """Everything measured for one system on one gold set."""

    settings: ScoringSettings
    labels: tuple[str, ...]
    event_types: tuple[str, ...]
    roles: tuple[str, ...]
    table: CountTable = field(compare=False)
    intervals: dict[CountKey, Interval]
    errors: tuple[ErrorItem, ...]
    event_errors: tuple[ErrorItem, ...]
    confusion: Counter[tuple[str, str]]
    role_confusion: Counter[tuple[str, str]]
    ignored_prediction_documents: tuple[str, ...]
    alignment: Alignment


def entity_keys(labels: Sequence[str]) -> list[CountKey]:
    """The entity count keys: micro per scheme, then per label and scheme."""
    return [CountKey("entities", None, s) for s in SCHEMES] + [
        CountKey("entities", lab, s) for lab in labels for s in SCHEMES
    ]


def score_document(
    gold: Document, pred: Document, labels: Sequence[str], event_types: Sequence[str], roles: Sequence[str] = ()
) -> tuple[dict[CountKey, tuple[int, ...]], dict[Scheme, EntityMatch]]:
    """Every count of one document pair (non-zero vectors only), and the micro matching of each scheme."""
    row: dict[CountKey, tuple[int, ...]] = {}
    matches: dict[Scheme, EntityMatch] = {}

    def put(key: CountKey, vector: tuple[int, ...]) -> None:
        if any(vector):
            row[key] = vector

    for scheme in SCHEMES:
        m = match_entities(gold.entities, pred.entities, scheme)
        matches[scheme] = m
        put(CountKey("entities", None, scheme), m.counts().vector())
    for label in labels:
        g = [e for e in gold.entities if e.label == label]
        p = [e for e in pred.entities if e.label == label]
        # Per label, predictions are compared with gold mentions of the same label only.
        for scheme in SCHEMES:
            put(CountKey("entities", label, scheme), match_entities(g, p, scheme).counts().vector())
    for lvl in EVENT_LEVELS:
        put(CountKey("events", None, lvl), EventCounts(*match_events(gold, pred, lvl)).vector())
    for t in event_types:
        for lvl in EVENT_LEVELS:
            put(CountKey("events", t, lvl), EventCounts(*match_events(gold, pred, lvl, t)).vector())
    for r in roles:
        for lvl in ROLE_LEVELS:
            put(CountKey("roles", r, lvl), EventCounts(*match_events(gold, pred, lvl, role=r)).vector())
    return row, matches


def pair_documents(
    gold: Sequence[Document], pred: Sequence[Document], other_gold: frozenset[str] = frozenset()
) -> tuple[list[tuple[Document, Document]], list[str]]:
    """Pair each gold document with its prediction by id; refuse missing ones, unknown ones and changed texts.

    A prediction for a document of `other_gold` (the corpus's other splits) is ignored and reported; one for a
    document the gold does not have at all is an error. Returns the pairs and the ignored ids.
    """
    by_id = {p.id: p for p in pred}
    problems = []
    pairs = []
    gold_ids = {g.id for g in gold}
    for q in pred:
        if q.id not in gold_ids and q.id not in other_gold:
            problems.append(
                f"document {q.id!r}: predicted, but not in the gold (a wrong id, or predictions for another corpus?)"
            )
    for g in gold:
        p = by_id.get(g.id)
        if p is None:
            problems.append(
                f"document {g.id!r}: no prediction (the system must output every gold document, even with no mention)"
            )
        elif p.text != g.text:
            problems.append(
                f"document {g.id!r}: the predicted text differs from the gold text (SHA-256 {p.sha256[:12]}... vs "
                f"{g.sha256[:12]}...); offsets cannot be compared"
            )
        else:
            pairs.append((g, p))
    raise_if_problems(
        problems,
        "predictions do not match the gold documents",
        "Run the system on the gold documents' texts as they are (`annot predict`).",
    )
    extra = sorted(p.id for p in pred if p.id not in gold_ids)
    return pairs, extra


def evaluate(
    gold: Sequence[Document],
    pred: Sequence[Document],
    *,
    labels: Sequence[str] = (),
    event_types: Sequence[str] = (),
    roles: Sequence[str] = (),
    settings: ScoringSettings | None = None,
    other_gold: frozenset[str] = frozenset(),
) -> Evaluation:
    """Score `pred` against `gold` under every scheme and level.

    `labels`, `event_types` and `roles` are those of the schema; whatever the
    predictions use besides is scored too.
    """
    settings = settings or ScoringSettings()
    pairs, extra = pair_documents(gold, pred, other_gold)
    labels = sorted(set(labels) | {e.label for _, p in pairs for e in p.entities})
    event_types = sorted(set(event_types) | {ev.type for _, p in pairs for ev in p.events})
    roles = sorted(set(roles) | {a.role for _, p in pairs for ev in p.events for a in ev.arguments})
    rows = []
    errors: list[ErrorItem] = []
    ev_errors: list[ErrorItem] = []
    confusion: Counter[tuple[str, str]] = Counter()
    role_confusion: Counter[tuple[str, str]] = Counter()
    for g, p in pairs:
        row, matches = score_document(g, p, labels, event_types, roles)
        rows.append(row)
        errors += entity_errors(g, p, matches["strict"])
        confusion.update(entity_confusion(g, p, matches["type"]))
        errs, rc = event_errors(g, p)
        ev_errors += errs
        role_confusion.update(rc)
    table = CountTable.from_rows([g.id for g, _ in pairs], [g.sha256 for g, _ in pairs], rows)
    intervals = bootstrap_intervals(
        table,
        entity_keys(labels) + [CountKey("events", None, lvl) for lvl in EVENT_LEVELS],
        settings.bootstrap_samples,
        settings.seed,
        settings.confidence,
        settings.zero_division,
    )
    return Evaluation(
        settings=settings,
        labels=tuple(labels),
        event_types=tuple(event_types),
        roles=tuple(roles),
        table=table,
        intervals=intervals,
        errors=tuple(errors),
        event_errors=tuple(ev_errors),
        confusion=confusion,
        role_confusion=role_confusion,
        ignored_prediction_documents=tuple(extra),
        alignment=token_alignment(pairs),
    )


def token_alignment(pairs: Sequence[tuple[Document, Document]], examples: int = 20) -> Alignment:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer.

    They are scored on characters like any other; the counts tell how far a system's spans are from
    what a token-based model could produce.
    """
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    gold_n = pred_n = 0
    shown: list[ErrorItem] = []
    for g, p in pairs:
        sdoc = tokenizer(g.text)
        gold_n += sum(sdoc.char_span(e.start, e.end) is None for e in g.entities)
        for e in p.entities:
            if sdoc.char_span(e.start, e.end) is None:
                pred_n += 1
                if len(shown) < examples:
                    shown.append(
                        ErrorItem(g.id, "unaligned", None, (e.start, e.end, e.label), "", "", g.text[e.start : e.end])
                    )
    return Alignment(gold_unaligned=gold_n, predicted_unaligned=pred_n, predicted_unaligned_examples=tuple(shown))
