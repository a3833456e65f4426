"""The agreement report: annotators against each other, written as agreement.json, agreement.md, agreement.html.

Span agreement uses the records of the evaluation report (EntityResults,
EventResults) so that a human's F1 reads like a model's; token agreement adds
Cohen's kappa per pair and Krippendorff's alpha over everyone.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..files import atomic_write_text
from ..project import DEFAULT_SEED
from ..scoring.agreement import PairEvaluation, TokenAgreement
from ..scoring.scorer import Evaluation
from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES
from .build import build_report, now
from .codec import to_builtins
from .markdown import fmt, md
from .model import (
    EntityResults,
    ErrorRecord,
    EventResults,
    GoldInfo,
    SchemaInfo,
    Settings,
    SystemInfo,
)

DIFFICULT = 20  # documents listed where annotators disagree most
SPANS = 200  # disagreeing spans listed (the rest counted)


@dataclass(frozen=True, kw_only=True)
class SpanAgreement:
    """F1 between annotators under every entity scheme and event level, per label, type and role."""

    entities: EntityResults
    events: EventResults


@dataclass(frozen=True, kw_only=True)
class PairAgreement:
    a: str
    b: str
    documents: tuple[str, ...]
    spans: SpanAgreement
    kappa: TokenAgreement


@dataclass(frozen=True, kw_only=True)
class OverallAgreement:
    pairs: int
    documents: int
    spans: SpanAgreement
    alpha: TokenAgreement


@dataclass(frozen=True, kw_only=True)
class DifficultDocument:
    document: str
    pairs: int
    entity_strict_f1: float | None
    argument_classification_f1: float | None
    disagreements: int


@dataclass(frozen=True, kw_only=True)
class Disagreement:
    """One item two annotators did not annotate alike (`a` counts as the gold side, `b` as the other)."""

    a: str
    b: str
    kind: str  # "entity" or "event"
    error: ErrorRecord


@dataclass(frozen=True, kw_only=True)
class AgreementMeta:
    annot_version: str
    created_at: str
    inputs: tuple[str, ...]
    annotators: tuple[str, ...]
    documents: int  # documents annotated by two or more annotators
    schema: SchemaInfo
    settings: Settings
    definitions: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class AgreementReport:
    meta: AgreementMeta
    overall: OverallAgreement | None
    pairs: tuple[PairAgreement, ...]
    difficult_documents: tuple[DifficultDocument, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    disagreements_not_listed: int = 0
    matrix: dict[str, dict[str, dict[str, float | None]]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(to_builtins(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


DEFINITIONS = {
    "spans": "each pair of annotators is scored as in `annot evaluate`, the first annotator (by name) as the gold: "
    "F1 does not depend on the order; `overall` sums the counts of every pair on every document it shares",
    "kappa": "Cohen's kappa on token labels (spaCy's English tokens; entity label, event type, or per role whether "
    "the token is in an argument of that role; binary per label, type and role), for one pair",
    "alpha": "Krippendorff's alpha (nominal) on the same token labels, over every annotator at once",
    "ci": "percentile bootstrap over documents (over pair-documents for `overall`)",
}


def span_agreement(ev: Evaluation, schema: SchemaInfo) -> SpanAgreement:
    """The span agreement of an evaluation of one annotator against another (or of pooled pairs)."""
    return _spans(ev, schema, "annotators")[0]


def _spans(ev: Evaluation, schema: SchemaInfo, name: str) -> tuple[SpanAgreement, list[ErrorRecord], list[ErrorRecord]]:
    report = build_report(
        ev,
        gold=GoldInfo(path="(annotations)", sha256="", documents=len(ev.table)),
        system=SystemInfo(name=name),
        schema=schema,
    )
    ents = dataclasses.replace(report.entities, errors=())
    evs = dataclasses.replace(report.events, errors=())
    return SpanAgreement(entities=ents, events=evs), list(report.entities.errors), list(report.events.errors)


def build_agreement(
    pairs: list[PairEvaluation],
    pooled: Evaluation | None,
    alpha: TokenAgreement | None,
    *,
    inputs: list[str],
    annotators: list[str],
    schema: SchemaInfo,
) -> AgreementReport:
    """The agreement report of the pairs, the pooled evaluation and alpha."""
    built: list[PairAgreement] = []
    disagreements: list[Disagreement] = []
    per_doc: dict[str, list[tuple[Any, Any, int]]] = {}
    for p in pairs:
        spans, ent_errors, ev_errors = _spans(p.evaluation, schema, f"{p.a} ~ {p.b}")
        built.append(PairAgreement(a=p.a, b=p.b, documents=p.documents, spans=spans, kappa=p.tokens))
        disagreements += [Disagreement(a=p.a, b=p.b, kind="entity", error=e) for e in ent_errors]
        disagreements += [Disagreement(a=p.a, b=p.b, kind="event", error=e) for e in ev_errors]
        errors_per_doc = Counter(e.document for e in [*ent_errors, *ev_errors])
        for d in p.documents:
            sub = p.evaluation.table.select([d])
            from ..scoring.counts import CountKey

            ent = sub.entity_total(CountKey("entities", None, "strict")).scores("null")[2]
            arg = sub.event_total(CountKey("events", None, "argument_classification")).scores("null")[2]
            per_doc.setdefault(d, []).append((ent, arg, errors_per_doc[d]))
    difficult = []
    for d, rows in per_doc.items():
        ents = [r[0] for r in rows if r[0] is not None]
        args = [r[1] for r in rows if r[1] is not None]
        difficult.append(
            DifficultDocument(
                document=d,
                pairs=len(rows),
                entity_strict_f1=sum(ents) / len(ents) if ents else None,
                argument_classification_f1=sum(args) / len(args) if args else None,
                disagreements=sum(r[2] for r in rows),
            )
        )
    difficult.sort(key=lambda x: (-x.disagreements, x.entity_strict_f1 or 0.0, x.document))
    rank = {d.document: i for i, d in enumerate(difficult)}
    disagreements.sort(key=lambda x: (rank.get(x.error.document, 0), x.a, x.b, x.kind, x.error.category))
    overall = None
    settings = None
    if pooled is not None and alpha is not None:
        spans, _, _ = _spans(pooled, schema, "all pairs")
        overall = OverallAgreement(
            pairs=len(pairs), documents=len({d for p in pairs for d in p.documents}), spans=spans, alpha=alpha
        )
        s = pooled.settings
        settings = Settings(
            bootstrap_samples=s.bootstrap_samples,
            confidence=s.confidence,
            event_levels=EVENT_LEVELS,
            schemes=SCHEMES,
            seed=s.seed,
            zero_division=str(s.zero_division),
        )
    matrix: dict[str, dict[str, dict[str, float | None]]] = {}
    for name, get in (
        ("entities strict F1", lambda pa: pa.spans.entities.micro["strict"].f1),
        ("trigger classification F1", lambda pa: pa.spans.events.micro["trigger_classification"].f1),
        ("argument classification F1", lambda pa: pa.spans.events.micro["argument_classification"].f1),
        ("entity token kappa", lambda pa: pa.kappa.entities),
    ):
        m: dict[str, dict[str, float | None]] = {}
        for pa in built:
            m.setdefault(pa.a, {})[pa.b] = get(pa)
            m.setdefault(pa.b, {})[pa.a] = get(pa)
        matrix[name] = m
    return AgreementReport(
        meta=AgreementMeta(
            annot_version=__version__,
            created_at=now(),
            inputs=tuple(inputs),
            annotators=tuple(annotators),
            documents=len(per_doc),
            schema=schema,
            settings=settings
            or Settings(
                bootstrap_samples=0,
                confidence=0.95,
                event_levels=EVENT_LEVELS,
                schemes=SCHEMES,
                seed=DEFAULT_SEED,
                zero_division="null",
            ),
            definitions=dict(DEFINITIONS),
        ),
        overall=overall,
        pairs=tuple(built),
        difficult_documents=tuple(difficult[:DIFFICULT]),
        disagreements=tuple(disagreements[:SPANS]),
        disagreements_not_listed=max(0, len(disagreements) - SPANS),
        matrix=matrix,
    )


# ---------------------------------------------------------------- Markdown


def _ci(score: Any) -> str:
    ends = None if score.ci is None else score.ci.f1
    return "" if not ends else f" [{ends[0]:.2f}, {ends[1]:.2f}]"


def agreement_markdown(r: AgreementReport) -> str:
    """agreement.md: overall first, then pairs, the matrix, the hardest documents and spans."""
    m = r.meta
    lines = [
        "# annot agreement",
        "",
        f"{len(m.annotators)} annotators ({', '.join(md(a) for a in m.annotators)}), {m.documents} documents annotated by two or "
        f"more, schema {m.schema.name} {m.schema.version}, annot {m.annot_version}, {m.created_at}.",
        "",
    ]
    if r.overall is None:
        return "\n".join([*lines, "No two annotators share a document: no agreement to measure.", ""])
    o = r.overall
    lines += [
        f"## Overall ({o.pairs} pair(s), {o.documents} documents)",
        "",
        "| entities | F1 | P | R |",
        "|---|---|---|---|",
    ]
    for s in SCHEMES:
        c = o.spans.entities.micro[s]
        lines.append(f"| {s} | {fmt(c.f1)}{_ci(c)} | {fmt(c.precision)} | {fmt(c.recall)} |")
    lines += ["", "| events | F1 | matched | A | B |", "|---|---|---|---|---|"]
    for lvl in EVENT_LEVELS:
        e = o.spans.events.micro[lvl]
        lines.append(f"| {lvl} | {fmt(e.f1)}{_ci(e)} | {e.matched} | {e.gold} | {e.predicted} |")
    lines += [
        "",
        f"Krippendorff's alpha on {o.alpha.tokens} tokens: entities {fmt(o.alpha.entities)}, "
        f"event triggers {fmt(o.alpha.events)}.",
        "",
        "| label | strict F1 | alpha |",
        "|---|---|---|",
    ]
    for lab, per_label in o.spans.entities.per_label.items():
        lines.append(f"| {md(lab)} | {fmt(per_label['strict'].f1)} | {fmt(o.alpha.per_label.get(lab))} |")
    lines += ["", "| event type | trigger F1 | argument F1 | alpha |", "|---|---|---|---|"]
    for t, per_type in o.spans.events.per_type.items():
        lines.append(
            f"| {md(t)} | {fmt(per_type['trigger_classification'].f1)} | {fmt(per_type['argument_classification'].f1)} | "
            f"{fmt(o.alpha.per_type.get(t))} |"
        )
    lines += ["", "| role | argument F1 | alpha |", "|---|---|---|"]
    for role, per_role in o.spans.events.per_role.items():
        lines.append(
            f"| {md(role)} | {fmt(per_role['argument_classification'].f1)} | {fmt(o.alpha.per_role.get(role))} |"
        )
    lines += [
        "",
        "## Pairs",
        "",
        "| pair | documents | strict F1 | type F1 | trigger F1 | argument F1 | kappa (entities) | kappa (triggers) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for pair in r.pairs:
        pe, pv = pair.spans.entities.micro, pair.spans.events.micro
        lines.append(
            f"| {md(pair.a)} ~ {md(pair.b)} | {len(pair.documents)} | {fmt(pe['strict'].f1)}{_ci(pe['strict'])} | "
            f"{fmt(pe['type'].f1)} | {fmt(pv['trigger_classification'].f1)} | {fmt(pv['argument_classification'].f1)} | "
            f"{fmt(pair.kappa.entities)} | {fmt(pair.kappa.events)} |"
        )
    names = list(m.annotators)
    lines += ["", "## Annotator matrix (entities strict F1)", "", "| | " + " | ".join(md(n) for n in names) + " |"]
    lines.append("|---|" + "---|" * len(names))
    mat = r.matrix.get("entities strict F1", {})
    for a in names:
        lines.append(f"| {md(a)} | " + " | ".join("–" if a == b else fmt(mat.get(a, {}).get(b)) for b in names) + " |")
    lines += [
        "",
        "## Where annotators disagree most",
        "",
        "| document | pairs | strict F1 | argument F1 | disagreements |",
    ]
    lines.append("|---|---|---|---|---|")
    for d in r.difficult_documents:
        lines.append(
            f"| {md(d.document)} | {d.pairs} | {fmt(d.entity_strict_f1)} | {fmt(d.argument_classification_f1)} | "
            f"{d.disagreements} |"
        )
    lines += [""]
    for x in r.disagreements[:40]:
        g = f"{md(x.error.gold.label)} “{md(x.error.gold.text)}”" if x.error.gold else "–"
        q = f"{md(x.error.predicted.label)} “{md(x.error.predicted.text)}”" if x.error.predicted else "–"
        lines.append(
            f"- {md(x.error.document)} {md(x.a)} {g} / {md(x.b)} {q} ({x.error.category}): {md(x.error.context)}"
        )
    rest = len(r.disagreements) - 40 + r.disagreements_not_listed
    if rest > 0:
        lines.append(f"- … {rest} more in agreement.json")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------- HTML


def agreement_html(r: AgreementReport) -> str:
    """agreement.html: one self-contained page (no outside request), from a template with autoescaping."""
    from .templates import render

    return render("agreement.html", report=r, schemes=SCHEMES, levels=EVENT_LEVELS, fmt=fmt)


def write_agreement(r: AgreementReport, out_dir: Path) -> list[Path]:
    """agreement.json, agreement.md and agreement.html in `out_dir`."""
    out_dir = Path(out_dir)
    paths = [out_dir / "agreement.json", out_dir / "agreement.md", out_dir / "agreement.html"]
    atomic_write_text(paths[0], r.to_json())
    atomic_write_text(paths[1], agreement_markdown(r))
    atomic_write_text(paths[2], agreement_html(r))
    return paths
