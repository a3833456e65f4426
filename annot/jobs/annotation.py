"""Jobs on annotators' work: `annot agreement` (annotators against each other) and `annot adjudicate`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..corpus.adjudication import RECORD, Decision, decide, read_record, write_record
from ..corpus.annotations import by_annotator, read_annotations
from ..documents import write_documents
from ..errors import AnnotError
from ..labelstudio.importer import Annotated, annotations_from_export, iter_export
from ..reporting.agreement import AgreementReport, build_agreement, write_agreement
from ..reporting.model import SchemaInfo
from ..schema import Schema
from ..scoring.agreement import agreement
from ..scoring.scorer import ScoringSettings


def measure_agreement(
    annotated: Sequence[Annotated],
    schema: Schema,
    settings: ScoringSettings,
    inputs: Sequence[str],
    documents: set[str] | None = None,
) -> AgreementReport:
    """Agreement of the annotators of `annotated` (optionally on `documents` only)."""
    groups = by_annotator([a for a in annotated if documents is None or a.document.id in documents])
    pairs, pooled, alpha = agreement(
        groups, labels=list(schema.entities), event_types=list(schema.events), roles=schema.roles, settings=settings
    )
    return build_agreement(
        pairs,
        pooled,
        alpha,
        inputs=list(inputs),
        annotators=sorted(groups),
        schema=SchemaInfo(name=schema.name, version=schema.version),
    )


def agreement_files(
    paths: Sequence[Path], out_dir: Path, schema: Schema, settings: ScoringSettings
) -> tuple[AgreementReport, list[Path]]:
    """`annot agreement`: read the annotations, measure, write agreement.json, .md and .html."""
    annotated, names = read_annotations(paths, schema)
    report = measure_agreement(annotated, schema, settings, names)
    return report, write_agreement(report, out_dir)


@dataclass(frozen=True, kw_only=True)
class AdjudicationResult:
    decisions: list[Decision]
    record: Path | None
    gold: Path | None
    review: tuple[int, int] | None = None  # (project id, tasks pushed)

    @property
    def conflicts(self) -> list[Decision]:
        return [d for d in self.decisions if not d.resolved]


def adjudicate(
    paths: Sequence[Path],
    schema: Schema,
    *,
    record: Path | None = None,
    output: Path | None = None,
    reviewed: Path | None = None,
) -> AdjudicationResult:
    """`annot adjudicate`: decide every document several annotators did; keep the record; write the gold.

    For a corpus folder the record is `adjudication.json` in it (then `annot corpus build` makes the gold).
    """
    annotated, _ = read_annotations(paths, schema)
    corpus = Path(paths[0]) if len(paths) == 1 and Path(paths[0]).is_dir() else None
    if record is None and corpus is not None:
        record = corpus / RECORD
    previous = read_record(record) if record is not None else {}
    reviews: dict[str, Annotated] = {}
    if reviewed is not None:
        found, _ = annotations_from_export(iter_export(reviewed), schema, where=str(reviewed))
        known = {a.document.id: a.document.sha256 for a in annotated}
        for r in found:
            if r.document.id not in known:
                raise AnnotError(
                    f"{reviewed}: document {r.document.id!r} was reviewed but is not among the annotations",
                    "Import the review project made by `annot adjudicate --push` for these annotations.",
                )
            if known[r.document.id] != r.document.sha256:
                raise AnnotError(f"{reviewed}: document {r.document.id!r} has another text than the annotations")
            if r.document.id in reviews:
                raise AnnotError(
                    f"{reviewed}: document {r.document.id!r} has two reviews ({reviews[r.document.id].annotator} "
                    f"and {r.annotator})",
                    "Keep one review per document in the review project.",
                )
            reviews[r.document.id] = dataclasses.replace(r, annotator=f"reviewer {r.annotator}")
    decisions = decide(annotated, reviews, previous)
    if record is not None:
        write_record(record, decisions)
    if output is not None:
        decided = {d.document: d for d in decisions}
        docs = []
        for doc_id, group in sorted(_groups(annotated).items()):
            d = decided.get(doc_id)
            docs.append(group[0].document if d is None or d.gold is None else d.gold)
        write_documents(output, docs)
    return AdjudicationResult(decisions=decisions, record=record, gold=output)


def _groups(annotated: Sequence[Annotated]) -> dict[str, list[Annotated]]:
    out: dict[str, list[Annotated]] = {}
    for a in annotated:
        out.setdefault(a.document.id, []).append(a)
    return out


def review_tasks(annotated: Sequence[Annotated], decisions: Sequence[Decision]) -> list[dict]:  # type: ignore[type-arg]
    """Label Studio tasks for the documents with conflicts: each annotator's version (and the agreed part) as a
    prediction whose model version names it, for a reviewer to start from."""
    from ..labelstudio.tasks import prediction_result

    groups = _groups(annotated)
    tasks = []
    for d in decisions:
        if d.resolved:
            continue
        group = sorted(groups[d.document], key=lambda a: a.annotator)
        doc = group[0].document
        predictions = [
            {"model_version": f"annotator {a.annotator}", "result": prediction_result(a.document)} for a in group
        ]
        if d.gold is not None:
            predictions.append({"model_version": "agreed by all", "result": prediction_result(d.gold)})
        tasks.append(
            {
                "data": {
                    "text": doc.text,
                    "doc_id": doc.id,
                    "sha256": doc.sha256,
                    "meta": {"conflicts": len(d.conflicts), "annotators": [a.annotator for a in group]},
                },
                "predictions": predictions,
            }
        )
    return tasks
