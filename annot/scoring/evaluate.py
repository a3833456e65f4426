"""Score predictions against gold: every count, interval and error behind a report. No files, no printing.

`evaluate()` pairs the documents, scores each pair into one row of per-document
counts (`CountTable`), bootstraps intervals and lists the errors; the report
(`annot.reporting`) is built from the `Evaluation` it returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..columns import Columns, Vocab, Vocabs, from_documents
from ..documents import Document
from ..errors import raise_if_problems
from ..parallel import background, release_memory
from .analysis import ErrorItem, context, event_error_item
from .bootstrap import Interval, bootstrap_intervals
from .counts import CountKey, EventCounts, ZeroDivision
from .engine import ENTITY_CATEGORIES, Chunked, score_columns, score_forked, score_in_chunks
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
    max_errors: int = 1000  # errors listed per category (the others are counted)


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer (scored on characters anyway).

    Counted on every document up to `ALIGNMENT_DOCUMENTS`; above, on a sample of about that many (chosen by the
    text's SHA-256, so the same documents whatever their order), and `documents` says how many.
    """

    tokenizer: str = "spaCy English tokenizer (spacy.blank('en'))"
    gold_unaligned: int = 0
    predicted_unaligned: int = 0
    predicted_unaligned_examples: tuple[ErrorItem, ...] = ()
    documents: int | None = None  # set when counted on a sample of the documents


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
    errors_left_out: dict[str, int] = field(default_factory=dict)  # per category, beyond settings.max_errors
    event_errors_left_out: dict[str, int] = field(default_factory=dict)


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


def pairing(
    gold_ids: Sequence[str],
    gold_sha: Sequence[str],
    pred_ids: Sequence[str],
    pred_sha: Sequence[str],
    other_gold: frozenset[str] = frozenset(),
) -> tuple[list[int], list[str]]:
    """The prediction of each gold document (indices into the predictions) and the ignored prediction ids.

    Refuses missing predictions, predictions of documents the gold does not have and changed texts. A
    prediction for a document of `other_gold` (the corpus's other splits) is ignored and reported.
    """
    by_id = {d: i for i, d in enumerate(pred_ids)}
    gold_set = set(gold_ids)
    problems = [
        f"document {d!r}: predicted, but not in the gold (a wrong id, or predictions for another corpus?)"
        for d in pred_ids
        if d not in gold_set and d not in other_gold
    ]
    order = []
    for d, sha in zip(gold_ids, gold_sha):
        i = by_id.get(d)
        if i is None:
            problems.append(
                f"document {d!r}: no prediction (the system must output every gold document, even with no mention)"
            )
        elif pred_sha[i] != sha:
            problems.append(
                f"document {d!r}: the predicted text differs from the gold text (SHA-256 {pred_sha[i][:12]}... vs "
                f"{sha[:12]}...); offsets cannot be compared"
            )
        else:
            order.append(i)
    raise_if_problems(
        problems,
        "predictions do not match the gold documents",
        "Run the system on the gold documents' texts as they are (`annot predict`).",
    )
    return order, sorted(d for d in pred_ids if d not in gold_set)


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

    `labels`, `event_types` and `roles` are those of the schema; whatever the gold and the predictions use
    besides is scored too.
    """
    order, extra = pairing(
        [d.id for d in gold], [d.sha256 for d in gold], [d.id for d in pred], [d.sha256 for d in pred], other_gold
    )
    vocabs = Vocabs(labels=Vocab(labels), types=Vocab(event_types), roles=Vocab(roles))
    g = from_documents(gold, vocabs)
    p = from_documents([pred[i] for i in order], vocabs)
    return evaluate_columns(
        g,
        p,
        lambda docs: [gold[i].text for i in docs],
        labels=labels,
        event_types=event_types,
        roles=roles,
        settings=settings,
        ignored=extra,
    )


def evaluate_columns(
    g: Columns,
    p: Columns,
    texts: Callable[[Sequence[int]], list[str]],
    *,
    labels: Sequence[str] = (),
    event_types: Sequence[str] = (),
    roles: Sequence[str] = (),
    settings: ScoringSettings | None = None,
    ignored: Sequence[str] = (),
    n_workers: int = 1,
    chunked: Chunked | None = None,
) -> Evaluation:
    """Score paired columns (`p` holds the prediction of each document of `g`, in the same order).

    `labels`, `event_types` and `roles` (the schema's) are reported, with those the gold and predictions use.
    `texts(indices)` gives the texts of some gold documents: those whose errors the report lists and those the
    alignment count tokenises. With `chunked`, the documents are scored in chunks by its `run` (a Dask
    cluster's workers) and merged here: the same scores.
    """
    settings = settings or ScoringSettings()
    sample = alignment_sample(g.sha256)
    sample_texts = dict(zip(sample, texts(sample)))

    # The alignment count (spaCy's tokenizer) runs beside the scoring when there is a second core: as one more
    # task of the forked workers when they score chunks (no third process), else in a process of its own.
    def align(_: object = None) -> Alignment:
        return token_alignment(g, p, sample, sample_texts)

    if n_workers > 1 and len(g) >= PARALLEL_DOCUMENTS and chunked is None:  # chunks on every core, merged in order
        scores, aligned = score_forked(g, p, n_workers, settings.max_errors, beside=align)
        alignment = lambda: aligned  # noqa: E731
    else:
        alignment = background(align, None, n_workers if len(g) > 200 else 1)
        if chunked is not None:
            scores = score_in_chunks(g, p, chunked.run, chunked.pieces, settings.max_errors)
        else:
            scores = score_columns(g, p, n_workers=n_workers, limit=settings.max_errors)
    v = g.vocabs

    def used(names: list[str], *codes: np.ndarray) -> set[str]:
        return {names[i] for c in codes for i in np.unique(c)}

    labels = sorted(set(labels) | used(v.labels.names, g.ent_label, p.ent_label))
    event_types = sorted(set(event_types) | used(v.types.names, g.ev_type, p.ev_type))
    roles = sorted(set(roles) | used(v.roles.names, g.arg_role, p.arg_role))
    table = scores.table
    release_memory()  # the scoring's temporaries: the bootstrap's matrices are mapped afresh
    intervals = bootstrap_intervals(
        table,
        entity_keys(labels) + [CountKey("events", None, lvl) for lvl in EVENT_LEVELS],
        settings.bootstrap_samples,
        settings.seed,
        settings.confidence,
        settings.zero_division,
    )
    ent = scores.entity_errors
    keep_ent, ent_left = _first_per_category(ent.category.tolist(), settings.max_errors)
    ent_cats = [ENTITY_CATEGORIES[c] for c in ent.category[keep_ent]]
    keep_ev = list(range(len(scores.event_errors)))  # already the first of each category
    ev_left = {c: n - settings.max_errors for c, n in scores.event_error_counts.items() if n > settings.max_errors}
    needed = sorted(set(ent.doc[keep_ent].tolist()) | {scores.event_errors[i].doc for i in keep_ev})
    text_of = dict(zip(needed, texts(needed)))
    names = v.labels.names

    def triple(row: np.ndarray) -> tuple[int, int, str] | None:
        return None if row[0] < 0 else (int(row[0]), int(row[1]), names[row[2]])

    errors = []
    for i, cat in zip(keep_ent, ent_cats):
        d = int(ent.doc[i])
        gt, pt = triple(ent.gold[i]), triple(ent.pred[i])
        text = text_of[d]
        span = gt or pt
        assert span is not None
        errors.append(
            ErrorItem(
                g.ids[d],
                cat,
                gt,
                pt,
                context(text, span[0], span[1]),
                "" if gt is None else text[gt[0] : gt[1]],
                "" if pt is None else text[pt[0] : pt[1]],
            )
        )
    ev_errors = [
        event_error_item(g.ids[r.doc], text_of[r.doc], r.category, r.gold, r.pred, r.detail)
        for r in (scores.event_errors[i] for i in keep_ev)
    ]
    return Evaluation(
        settings=settings,
        labels=tuple(labels),
        event_types=tuple(event_types),
        roles=tuple(roles),
        table=table,
        intervals=intervals,
        errors=tuple(errors),
        event_errors=tuple(ev_errors),
        confusion=scores.confusion,
        role_confusion=scores.role_confusion,
        ignored_prediction_documents=tuple(ignored),
        alignment=alignment(),
        errors_left_out={ENTITY_CATEGORIES[int(c)]: n for c, n in ent_left.items()},
        event_errors_left_out=ev_left,
    )


PARALLEL_DOCUMENTS = 2000  # from this many documents, the scoring itself is shared among the workers


def _first_per_category(categories: Sequence[str | int], limit: int) -> tuple[list[int], dict]:
    """The indices of the first `limit` items of each category (in order), and how many of each are left out."""
    seen: Counter[str | int] = Counter()
    keep = []
    for i, c in enumerate(categories):
        seen[c] += 1
        if seen[c] <= limit:
            keep.append(i)
    left = {c: n - limit for c, n in seen.items() if n > limit}
    return keep, left


ALIGNMENT_DOCUMENTS = 500


def alignment_sample(sha256: Sequence[str], size: int = ALIGNMENT_DOCUMENTS) -> list[int]:
    """The documents the alignment count tokenises: all up to `size`, else about `size` chosen by text digest."""
    if len(sha256) <= size:
        return list(range(len(sha256)))
    cut = int(size / len(sha256) * 0xFFFFFFFF)
    return [i for i, s in enumerate(sha256) if int(s[:8], 16) < cut]


def token_alignment(
    g: Columns, p: Columns, docs: Sequence[int], text_of: dict[int, str], examples: int = 20
) -> Alignment:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer, on documents `docs`.

    They are scored on characters like any other; the counts tell how far a system's spans are from
    what a token-based model could produce. A mention is aligned when it starts at a token's start and ends at a
    token's end (what spaCy's `char_span` accepts).
    """
    import spacy
    from spacy.attrs import IDX, LENGTH

    tokenizer = spacy.blank("en").tokenizer
    gold_n = pred_n = 0
    shown: list[ErrorItem] = []
    g_at = np.searchsorted(g.ent_doc, np.arange(len(g) + 1))
    p_at = np.searchsorted(p.ent_doc, np.arange(len(p) + 1))
    labels = p.vocabs.labels.names
    for d in docs:
        text = text_of[d]
        tokens = tokenizer(text).to_array([IDX, LENGTH]).astype(np.int64).reshape(-1, 2)
        starts, ends = tokens[:, 0], tokens[:, 0] + tokens[:, 1]
        gs, ge = g.ent_start[g_at[d] : g_at[d + 1]], g.ent_end[g_at[d] : g_at[d + 1]]
        gold_n += int((~(np.isin(gs, starts) & np.isin(ge, ends))).sum())
        ps, pe = p.ent_start[p_at[d] : p_at[d + 1]], p.ent_end[p_at[d] : p_at[d + 1]]
        off = np.flatnonzero(~(np.isin(ps, starts) & np.isin(pe, ends)))
        pred_n += len(off)
        for i in off[: max(0, examples - len(shown))]:
            s, e = int(ps[i]), int(pe[i])
            label = labels[p.ent_label[p_at[d] + i]]
            shown.append(ErrorItem(g.ids[d], "unaligned", None, (s, e, label), "", "", text[s:e]))
    return Alignment(
        gold_unaligned=gold_n,
        predicted_unaligned=pred_n,
        predicted_unaligned_examples=tuple(shown),
        documents=len(docs) if len(docs) < len(g) else None,
    )
