"""From paired gold and predicted columns to an `Evaluation`: every count, interval and error behind a report.

`score()` is the scoring entry: it takes gold and predictions as columns
(`annot.columns`; documents in memory are converted by the caller with
`columns.from_documents`), has the engine count them where `execution` says
(`execution.py`), bootstraps the intervals and lists the errors with their
text. The report (`annot.reporting`) is built from the `Evaluation` it
returns. No files, no printing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..columns import Columns
from ..errors import AnnotError, raise_if_problems
from ..limits import MAX_BOOTSTRAP, MAX_ERRORS, MAX_SEED, bounded
from ..parallel import LOCAL, Execution, release_memory
from ..project import DEFAULT_SEED
from ..tokens import bounds_of
from .analysis import ErrorItem, context, event_error_item
from .bootstrap import Interval, bootstrap_intervals
from .counts import CountKey, ZeroDivision, entity_keys
from .engine import Scores
from .execution import Cluster, run
from .table import CountTable
from .vocabulary import ENTITY_ERROR_CATEGORIES, EVENT_LEVELS, EXTENSION_DEFINITIONS


@dataclass(frozen=True, kw_only=True)
class ScoringSettings:
    """How scores are computed: bootstrap resamples, seed, confidence level, zero-division policy."""

    bootstrap_samples: int = 1000
    seed: int = DEFAULT_SEED
    confidence: float = 0.95
    zero_division: ZeroDivision = ZeroDivision.NULL
    max_errors: int = 1000  # errors listed per category (the others are counted)

    def __post_init__(self) -> None:
        bounded("bootstrap samples (--bootstrap)", self.bootstrap_samples, 0, MAX_BOOTSTRAP)
        bounded("seed (--seed)", self.seed, 0, MAX_SEED)
        bounded("errors listed per category (--max-errors)", self.max_errors, 0, MAX_ERRORS)
        if not 0 < self.confidence < 1:
            raise AnnotError(f"confidence {self.confidence!r} must be between 0 and 1", "Give e.g. 0.95.")


@dataclass(frozen=True, kw_only=True)
class Names:
    """The labels, event types and roles a report lists (the schema's), also where nothing uses them."""

    labels: Sequence[str] = ()
    event_types: Sequence[str] = ()
    roles: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer (scored on characters anyway).

    Counted on every document up to `Execution.alignment_documents`; above, on a sample of about that many (chosen by the
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
    extensions: tuple[str, ...] = ()  # the rules of vocabulary.EXTENSION_DEFINITIONS that the data makes apply


MISSING_LISTED = 5  # gold documents without a prediction named one a line; beyond, in one line


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
    missing = [d for d in gold_ids if d not in by_id]
    if len(missing) > MISSING_LISTED:  # one line, not one per document
        problems.append(
            f"{len(missing)} gold documents have no prediction: {', '.join(map(repr, missing[:MISSING_LISTED]))}, ... "
            "(the system must output every gold document, even with no mention)"
        )
    for d, sha in zip(gold_ids, gold_sha):
        i = by_id.get(d)
        if i is None:
            if len(missing) <= MISSING_LISTED:
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


def score(
    g: Columns,
    p: Columns,
    texts: Callable[[Sequence[int]], list[str]],
    *,
    names: Names = Names(),
    settings: ScoringSettings = ScoringSettings(),
    ignored: Sequence[str] = (),
    execution: Execution = LOCAL,
    cluster: Cluster | None = None,
    tokens: Mapping[str, np.ndarray] | None = None,
) -> Evaluation:
    """Score paired columns (`p` holds the prediction of each document of `g`, in the same order).

    `names` (the schema's) are reported, with those the gold and predictions use. `texts(indices)` gives the
    texts of some gold documents: those whose errors the report lists and those the alignment count tokenises.
    `execution` and `cluster` say where the counting runs (`execution.run`); the scores are the same anywhere.
    `tokens`: the gold texts' token bounds by text SHA-256, where stored (the others are tokenised).
    """
    sample = alignment_sample(g.sha256, execution.alignment_documents)
    sample_texts = dict(zip(sample, texts(sample)))
    scores, alignment = run(
        g,
        p,
        execution,
        settings.max_errors,
        beside=lambda: token_alignment(g, p, sample, sample_texts, known=tokens),
        cluster=cluster,
    )
    release_memory()  # the scoring's temporaries: the bootstrap's matrices are mapped afresh
    v = g.vocabs

    def used(all_names: list[str], *codes: np.ndarray) -> set[str]:
        return {all_names[i] for c in codes for i in np.unique(c)}

    labels = sorted(set(names.labels) | used(v.labels.names, g.ent_label, p.ent_label))
    event_types = sorted(set(names.event_types) | used(v.types.names, g.ev_type, p.ev_type))
    roles = sorted(set(names.roles) | used(v.roles.names, g.arg_role, p.arg_role))
    intervals = bootstrap_intervals(
        scores.table,
        entity_keys(labels) + [CountKey("events", None, lvl) for lvl in EVENT_LEVELS],
        settings.bootstrap_samples,
        settings.seed,
        settings.confidence,
        settings.zero_division,
    )
    errors, event_errors, left_out, event_left_out = _error_items(g, scores, texts, settings.max_errors)
    return Evaluation(
        settings=settings,
        labels=tuple(labels),
        event_types=tuple(event_types),
        roles=tuple(roles),
        table=scores.table,
        intervals=intervals,
        errors=errors,
        event_errors=event_errors,
        confusion=scores.confusion,
        role_confusion=scores.role_confusion,
        ignored_prediction_documents=tuple(ignored),
        alignment=alignment,
        errors_left_out=left_out,
        event_errors_left_out=event_left_out,
        extensions=extensions_used(g, p, scores.nested_gold),
    )


def extensions_used(gold: Columns, pred: Columns, nested_gold: bool) -> tuple[str, ...]:
    """The extension rules (`vocabulary.EXTENSION_DEFINITIONS`) that apply: nested mentions (gold mentions that
    overlap each other; overlapping predictions were always paired one to one), fragments and events filling
    roles (on either side)."""
    used = {"nested"} if nested_gold else set()
    for c in (gold, pred):
        if (c.ent_frag != 0).any():
            used.add("fragments")
        if (c.arg_ref >= 0).any():
            used.add("event_arguments")
    return tuple(k for k in EXTENSION_DEFINITIONS if k in used)


def _error_items(
    g: Columns, scores: Scores, texts: Callable[[Sequence[int]], list[str]], limit: int
) -> tuple[tuple[ErrorItem, ...], tuple[ErrorItem, ...], dict[str, int], dict[str, int]]:
    """The listed entity and event errors with their texts (the first `limit` of each category), and how many
    of each category are left out."""
    ent = scores.entity_errors
    keep_ent, ent_left = _first_per_category(ent.category.tolist(), limit)
    ev_left = {c: n - limit for c, n in scores.event_error_counts.items() if n > limit}
    needed = sorted(set(ent.doc[keep_ent].tolist()) | {r.doc for r in scores.event_errors})
    text_of = dict(zip(needed, texts(needed)))
    label_names = g.vocabs.labels.names

    def triple(row: np.ndarray) -> tuple[int, int, str] | None:
        return None if row[0] < 0 else (int(row[0]), int(row[1]), label_names[row[2]])

    errors = []
    for i in keep_ent:
        d = int(ent.doc[i])
        gt, pt = triple(ent.gold[i]), triple(ent.pred[i])
        text = text_of[d]
        span = gt or pt
        assert span is not None
        errors.append(
            ErrorItem(
                g.ids[d],
                ENTITY_ERROR_CATEGORIES[int(ent.category[i])],
                gt,
                pt,
                context(text, span[0], span[1]),
                "" if gt is None else text[gt[0] : gt[1]],
                "" if pt is None else text[pt[0] : pt[1]],
            )
        )
    event_errors = [  # the engine keeps only the first `limit` of each category
        event_error_item(g.ids[r.doc], text_of[r.doc], r.category, r.gold, r.pred, r.detail)
        for r in scores.event_errors
    ]
    return (
        tuple(errors),
        tuple(event_errors),
        {ENTITY_ERROR_CATEGORIES[int(c)]: n for c, n in ent_left.items()},
        ev_left,
    )


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


def alignment_sample(sha256: Sequence[str], size: int) -> list[int]:
    """The documents the alignment count tokenises: all up to `size`, else about `size` chosen by text digest."""
    if len(sha256) <= size:
        return list(range(len(sha256)))
    cut = int(size / len(sha256) * 0xFFFFFFFF)
    return [i for i, s in enumerate(sha256) if int(s[:8], 16) < cut]


def token_alignment(
    g: Columns,
    p: Columns,
    docs: Sequence[int],
    text_of: dict[int, str],
    examples: int = 20,
    known: Mapping[str, np.ndarray] | None = None,
) -> Alignment:
    """Mentions whose boundaries fall inside a token of spaCy's English tokenizer, on documents `docs`.

    They are scored on characters like any other; the counts tell how far a system's spans are from
    what a token-based model could produce. A mention is aligned when it starts at a token's start and ends at a
    token's end (what spaCy's `char_span` accepts). `known`: stored token bounds by text SHA-256 (`annot.tokens`).
    """
    gold_n = pred_n = 0
    shown: list[ErrorItem] = []
    g_at = np.searchsorted(g.ent_doc, np.arange(len(g) + 1))
    p_at = np.searchsorted(p.ent_doc, np.arange(len(p) + 1))
    labels = p.vocabs.labels.names
    for d in docs:
        text = text_of[d]
        tokens = bounds_of(text, g.sha256[d], known)
        starts, ends = tokens[:, 0], tokens[:, 1]
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
