"""Agreement between annotators, with the matcher of `evaluate` and on token labels (Cohen's kappa,
Krippendorff's alpha). No files, no printing.

Span agreement: for two annotators A and B, A's annotation is scored as the
gold and B's as the prediction, on the documents both annotated; F1 does not
depend on which is which (precision and recall swap). Pooled agreement sums the
counts of every pair on every document they share.

Token agreement: each document is cut into spaCy's English tokens, and each
token gets, per annotator, the entity label of the mention covering it (or
``O``), the event type of the trigger covering it (or ``O``), and per role
whether it lies in an argument of that role. Cohen's kappa (scikit-learn)
compares the two annotators of a pair; Krippendorff's alpha (the
``krippendorff`` package, nominal) takes every annotator at once, however many
there are (two included: alpha is not kappa, their expected agreements
differ), a token an annotator did not see being missing. Each figure says which
statistic it is (`TokenAgreement.statistic`). Per label, type and role the
labels are binary (that label or not). A kappa or alpha is ``None`` where it is
undefined (one category only).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np

from ..columns import Vocab, Vocabs, from_documents
from ..documents import Document
from ..errors import raise_if_problems
from .scorer import Evaluation, Names, ScoringSettings, score

OUTSIDE = "O"


Statistic = Literal["kappa", "alpha"]
KAPPA: Statistic = "kappa"  # Cohen's kappa: two annotators on the tokens both saw
ALPHA: Statistic = "alpha"  # Krippendorff's alpha (nominal): any number of annotators, missing values allowed


@dataclass(frozen=True, kw_only=True)
class TokenAgreement:
    """Cohen's kappa (of a pair) or Krippendorff's alpha (of every annotator) on token labels, overall and per
    label; `statistic` says which."""

    statistic: Statistic
    tokens: int
    entities: float | None
    events: float | None
    per_label: dict[str, float | None]
    per_type: dict[str, float | None]
    per_role: dict[str, float | None]


@cache
def _tokenizer() -> Any:
    import spacy

    return spacy.blank("en").tokenizer


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of spaCy's English tokenizer, whitespace tokens left out."""
    return [(t.idx, t.idx + len(t.text)) for t in _tokenizer()(text) if not t.is_space]


@dataclass(frozen=True)
class _Views:
    """One annotator's token labels of one document."""

    entity: list[str]
    trigger: list[str]
    roles: list[frozenset[str]]


def _views(doc: Document, spans: Sequence[tuple[int, int]]) -> _Views:
    starts = np.array([s for s, _ in spans], dtype=np.int64)
    ends = np.array([e for _, e in spans], dtype=np.int64)

    def covered(start: int, end: int) -> range:
        # tokens overlapping [start, end)
        first = int(np.searchsorted(ends, start, side="right"))
        last = int(np.searchsorted(starts, end, side="left"))
        return range(first, last)

    entity = [OUTSIDE] * len(spans)
    for e in doc.entities:
        for i in covered(e.start, e.end):
            entity[i] = e.label
    trigger = [OUTSIDE] * len(spans)
    roles: list[set[str]] = [set() for _ in spans]
    by_id = doc.entity_by_id()
    for ev in doc.events:
        for i in covered(ev.start, ev.end):
            trigger[i] = ev.type
        for a in ev.arguments:
            ent = by_id.get(a.entity)
            if ent is not None:
                for i in covered(ent.start, ent.end):
                    roles[i].add(a.role)
    return _Views(entity, trigger, [frozenset(r) for r in roles])


def _kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if not a or (len(set(a)) == 1 and set(a) == set(b)):
        return None  # one category only: chance agreement is total, kappa undefined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = float(cohen_kappa_score(list(a), list(b)))
    return None if np.isnan(k) else k


def _alpha(rows: list[list[Any]]) -> float | None:
    """Nominal Krippendorff's alpha; rows are annotators, columns units, None where an annotator is missing."""
    import krippendorff

    values = sorted({v for r in rows for v in r if v is not None}, key=str)
    if len(values) < 2:
        return None
    code = {v: i for i, v in enumerate(values)}
    data = np.array([[np.nan if v is None else code[v] for v in r] for r in rows], dtype=float)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = float(krippendorff.alpha(reliability_data=data[:, pairable], level_of_measurement="nominal"))
    return None if np.isnan(a) else a


def _columns(
    annotations: dict[str, dict[str, Document]], doc_ids: Sequence[str]
) -> tuple[dict[str, list[str | None]], dict[str, list[str | None]], dict[str, list[frozenset[str] | None]]]:
    """Per annotator, the token labels of every token of `doc_ids` (None where the annotator has no annotation)."""
    entity: dict[str, list[str | None]] = {a: [] for a in annotations}
    trigger: dict[str, list[str | None]] = {a: [] for a in annotations}
    roles: dict[str, list[frozenset[str] | None]] = {a: [] for a in annotations}
    for doc_id in doc_ids:
        text = next(docs[doc_id].text for docs in annotations.values() if doc_id in docs)
        spans = token_spans(text)
        for who, docs in annotations.items():
            if doc_id in docs:
                v = _views(docs[doc_id], spans)
                entity[who] += v.entity
                trigger[who] += v.trigger
                roles[who] += v.roles
            else:
                entity[who] += [None] * len(spans)
                trigger[who] += [None] * len(spans)
                roles[who] += [None] * len(spans)
    return entity, trigger, roles


def token_agreement(
    annotations: dict[str, dict[str, Document]],
    doc_ids: Sequence[str],
    labels: Sequence[str],
    event_types: Sequence[str],
    roles: Sequence[str],
    statistic: Statistic = ALPHA,
) -> TokenAgreement:
    """Krippendorff's alpha over every annotator of `annotations` (any number, two included), or with `statistic`
    "kappa" Cohen's kappa of exactly two annotators on the tokens both saw."""
    entity, trigger, role = _columns(annotations, doc_ids)
    who = list(annotations)
    if statistic == KAPPA and len(who) != 2:
        raise ValueError(f"Cohen's kappa compares two annotators, got {len(who)}")

    def measure(rows: list[list[Any]]) -> float | None:
        if statistic == KAPPA:
            both = [(x, y) for x, y in zip(rows[0], rows[1]) if x is not None and y is not None]
            return _kappa([x for x, _ in both], [y for _, y in both])
        return _alpha(rows)

    def binary(rows: list[list[Any]], test: Any) -> list[list[Any]]:
        return [[None if v is None else bool(test(v)) for v in r] for r in rows]

    ent_rows = [entity[w] for w in who]
    trig_rows = [trigger[w] for w in who]
    role_rows = [role[w] for w in who]
    seen = sum(1 for i in range(len(ent_rows[0])) if sum(r[i] is not None for r in ent_rows) >= 2) if ent_rows else 0
    return TokenAgreement(
        statistic=statistic,
        tokens=seen,
        entities=measure(ent_rows),
        events=measure(trig_rows),
        per_label={lab: measure(binary(ent_rows, lambda v, lab=lab: v == lab)) for lab in labels},
        per_type={t: measure(binary(trig_rows, lambda v, t=t: v == t)) for t in event_types},
        per_role={r: measure(binary(role_rows, lambda v, r=r: r in v)) for r in roles},
    )


@dataclass(frozen=True, kw_only=True)
class PairEvaluation:
    """Annotator `a` as the reference, `b` as the other side, on the documents both annotated."""

    a: str
    b: str
    documents: tuple[str, ...]
    evaluation: Evaluation
    tokens: TokenAgreement


def pair_key(doc_id: str, a: str, b: str) -> str:
    """The id of one document of one pair in a pooled table."""
    return f"{doc_id} [{a} ~ {b}]"


def agreement(
    annotations: dict[str, dict[str, Document]],
    *,
    labels: Sequence[str] = (),
    event_types: Sequence[str] = (),
    roles: Sequence[str] = (),
    settings: ScoringSettings | None = None,
) -> tuple[list[PairEvaluation], Evaluation | None, TokenAgreement | None]:
    """Every pair of annotators that shares documents, the pooled evaluation of all pairs, alpha of everyone.

    `annotations` maps annotator -> document id -> that annotator's document.
    """
    settings = settings or ScoringSettings()
    annotators = sorted(annotations)
    pairs: list[PairEvaluation] = []
    pooled_gold: list[Document] = []
    pooled_other: list[Document] = []
    labels = sorted(set(labels) | {e.label for d in _all(annotations) for e in d.entities})
    event_types = sorted(set(event_types) | {ev.type for d in _all(annotations) for ev in d.events})
    roles = sorted(set(roles) | {a.role for d in _all(annotations) for ev in d.events for a in ev.arguments})
    names = Names(labels=labels, event_types=event_types, roles=roles)
    for i, a in enumerate(annotators):
        for b in annotators[i + 1 :]:
            shared = sorted(set(annotations[a]) & set(annotations[b]))
            if not shared:
                continue
            gold = [annotations[a][d] for d in shared]
            other = [annotations[b][d] for d in shared]
            _same_texts(a, b, gold, other)
            ev = _score(gold, other, names, settings)
            tok = token_agreement({a: annotations[a], b: annotations[b]}, shared, labels, event_types, roles, KAPPA)
            pairs.append(PairEvaluation(a=a, b=b, documents=tuple(shared), evaluation=ev, tokens=tok))
            pooled_gold += [_renamed(annotations[a][d], pair_key(d, a, b)) for d in shared]
            pooled_other += [_renamed(annotations[b][d], pair_key(d, a, b)) for d in shared]
    if not pairs:
        return [], None, None
    pooled = _score(pooled_gold, pooled_other, names, settings)
    shared_any = sorted({d for p in pairs for d in p.documents})
    alpha = token_agreement(annotations, shared_any, labels, event_types, roles, ALPHA)
    return pairs, pooled, alpha


def _same_texts(a: str, b: str, docs_a: Sequence[Document], docs_b: Sequence[Document]) -> None:
    """Refuse documents that two annotators annotated on different texts (their offsets cannot be compared)."""
    raise_if_problems(
        [
            f"document {x.id!r}: annotators {a} and {b} annotated different texts (SHA-256 {x.sha256[:12]}... vs "
            f"{y.sha256[:12]}...); their offsets cannot be compared"
            for x, y in zip(docs_a, docs_b)
            if x.sha256 != y.sha256
        ],
        "annotators' texts differ",
        "Give annotations of the same texts: export the same tasks (or corpus documents) to every annotator.",
    )


def _score(gold: Sequence[Document], other: Sequence[Document], names: Names, settings: ScoringSettings) -> Evaluation:
    """One side scored as the gold and the other as the prediction: the same documents in the same order."""
    vocabs = Vocabs(labels=Vocab(names.labels), types=Vocab(names.event_types), roles=Vocab(names.roles))
    g, p = from_documents(gold, vocabs), from_documents(other, vocabs)
    return score(g, p, lambda idx: [gold[i].text for i in idx], names=names, settings=settings)


def _all(annotations: dict[str, dict[str, Document]]) -> list[Document]:
    return [d for docs in annotations.values() for d in docs.values()]


def _renamed(doc: Document, new_id: str) -> Document:
    return Document(new_id, doc.text, doc.entities, doc.events, doc.meta)
