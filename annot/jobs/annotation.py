"""Jobs on annotators' work: `annot agreement` (annotators against each other) and `annot adjudicate`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..corpus.adjudication import (
    DROP,
    KEEP,
    RECORD,
    Decision,
    Review,
    conflicts_of,
    decide,
    describe,
    read_record,
    write_record,
)
from ..corpus.annotations import by_annotator, read_annotations
from ..documents import Document, write_documents
from ..errors import AnnotError
from ..labelstudio.config import CONFLICT_ITEMS, CONFLICTS_FIELD, DECISIONS_CONTROL
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
    review_problems: tuple[str, ...] = ()  # reviewed documents left undecided, each with what is missing

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
    choices: dict[str, Review] = {}
    if reviewed is not None:
        tasks, choices = split_review(iter_export(reviewed), str(reviewed))
        found, _ = annotations_from_export(tasks, schema, where=str(reviewed))
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
        texts = {a.document.id: a.document.text for a in annotated}
        for doc_id, review in choices.items():
            if doc_id not in reviews and not review.regions and doc_id in texts:
                empty = Document(doc_id, texts[doc_id])
                reviews[doc_id] = Annotated(f"reviewer {review.annotator}", empty)
    problems: list[str] = []
    decisions = decide(annotated, reviews, previous, {d: c for d, c in choices.items() if d in reviews}, problems)
    if record is not None:
        write_record(record, decisions)
    if output is not None:
        decided = {d.document: d for d in decisions}
        docs = []
        for doc_id, group in sorted(_groups(annotated).items()):
            d = decided.get(doc_id)
            docs.append(group[0].document if d is None or d.gold is None else d.gold)
        write_documents(output, docs)
    return AdjudicationResult(decisions=decisions, record=record, gold=output, review_problems=tuple(problems))


def split_review(tasks: Iterable[Any], where: str) -> tuple[list[Any], dict[str, Review]]:
    """A review project's export as plain tasks (the decisions control taken out of every annotation, so the
    importer checks the regions as any export's) and, per document whose task listed conflicts, what the
    reviewer decided: the conflicts listed and the keep / drop choices ticked, by conflict number."""
    out: list[Any] = []
    reviews: dict[str, Review] = {}
    for task in tasks:
        if not isinstance(task, dict):
            out.append(task)
            continue
        raw = task.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        listed = data.get(CONFLICT_ITEMS)
        annotations = task.get("annotations")
        if not isinstance(listed, list) or not isinstance(annotations, list):
            out.append(task)  # not a conflict-by-conflict review: the reviewer's annotation is the gold
            continue
        task = dict(task)
        task["annotations"] = []
        for ann in annotations:
            if not isinstance(ann, dict) or not isinstance(ann.get("result"), list):
                task["annotations"].append(ann)
                continue
            ticked: dict[int, set[str]] = {}
            kept = []
            for region in ann["result"]:
                if isinstance(region, dict) and region.get("from_name") == DECISIONS_CONTROL:
                    raw = region.get("value")
                    ticks = raw.get("choices") if isinstance(raw, dict) else None
                    for value in ticks if isinstance(ticks, list) else []:
                        number, _, what = str(value).partition(":")
                        if number.isdigit() and what in (KEEP, DROP):
                            ticked.setdefault(int(number), set()).add(what)
                else:
                    kept.append(region)
            if ann.get("was_cancelled") is not True:
                who = ann.get("completed_by")
                reviews[str(data.get("doc_id"))] = Review(
                    listed=tuple(str(x) for x in listed),
                    choices={n: frozenset(v) for n, v in ticked.items()},
                    annotator=str(who.get("id") if isinstance(who, dict) else who),
                    regions=bool(kept),
                )
            if kept:  # a review with no region left (nothing agreed, nothing drawn) is decided by its choices
                task["annotations"].append({**ann, "result": kept})
        out.append(task)
    return out, reviews


def _groups(annotated: Sequence[Annotated]) -> dict[str, list[Annotated]]:
    out: dict[str, list[Annotated]] = {}
    for a in annotated:
        out.setdefault(a.document.id, []).append(a)
    return out


def decision_choices(listed: Sequence[tuple[str, dict[str, bool]]]) -> list[dict[str, str]]:
    """The choices of a review task's decisions control: for each listed item (its description, and who has it:
    name -> bool), "#N keep" and "#N drop", each saying who has it and who has not (values "N:keep", "N:drop")."""
    from html import escape

    choices = []
    for n, (text, who) in enumerate(listed, 1):
        has = ", ".join(w for w, yes in who.items() if yes)
        not_ = ", ".join(w for w, yes in who.items() if not yes)
        said = f"{escape(text)} <i>(has it: {escape(has)}; has not: {escape(not_)})</i>"
        choices.append({"value": f"{n}:{KEEP}", "html": f"<b>#{n} keep</b>: {said}"})
        choices.append({"value": f"{n}:{DROP}", "html": f"<b>#{n} drop</b>: {said}"})
    return choices


def review_tasks(annotated: Sequence[Annotated], decisions: Sequence[Decision]) -> list[dict]:  # type: ignore[type-arg]
    """Label Studio tasks of a review project for the documents with conflicts.

    The task starts from what every annotator agreed on (its one prediction, "agreed by all", which the labeling
    stream and the Data Manager both show) and lists every conflict as two choices of the review config's
    decisions control, "#N keep" and "#N drop", each saying who has the item and who has not: whichever way
    the reviewer opens the task, every annotator's version of every conflict is on screen.
    """
    from ..labelstudio.tasks import prediction_result

    groups = _groups(annotated)
    tasks = []
    for d in decisions:
        if d.resolved:
            continue
        group = sorted(groups[d.document], key=lambda a: a.annotator)
        doc = group[0].document
        agreed, listed = conflicts_of(group)
        items = [describe(item, doc.text) for item, _ in listed]
        choices = decision_choices(
            [(text, {f"annotator {w}": yes for w, yes in sorted(who.items())}) for text, (_, who) in zip(items, listed)]
        )
        predictions = []
        if d.gold is not None:
            predictions.append({"model_version": "agreed by all", "result": prediction_result(d.gold)})
        tasks.append(
            {
                "data": {
                    "text": doc.text,
                    "doc_id": doc.id,
                    "sha256": doc.sha256,
                    CONFLICTS_FIELD: choices,
                    CONFLICT_ITEMS: items,
                    "meta": {"conflicts": len(listed), "annotators": [a.annotator for a in group]},
                },
                "predictions": predictions,
            }
        )
    return tasks
