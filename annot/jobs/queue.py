"""A labeling queue ordered by where systems disagree (`annot ls push --order disagreement`).

The new documents of a push are predicted by the configured systems (or read from prediction files), each
document's disagreement between the systems is measured (`scoring.disagreement`: 1 - the mean pairwise F1), and
the documents go to Label Studio most disagreed first: imported in that order into a project whose sampling is
"Sequential sampling", whose labeling stream then serves them in that order (measured: tests/jobs/test_queue.py).
The ordering and every score are written beside the tasks file (``TASKS.order.json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..documents import Document, read_documents
from ..errors import AnnotError, raise_if_problems
from ..files import atomic_write_text
from ..schema import Schema
from ..scoring.disagreement import DEFINITION, Disagreement, disagreement, most_disagreed_first
from .config import EvalConfig, SystemConfig
from .evaluate import check_systems, system_predictions


@dataclass(frozen=True)
class Outputs:
    """What one system predicted on the documents to order, and whether it outputs events at all."""

    name: str
    documents: dict[str, Document]  # by document id
    events: bool


def configured_outputs(
    cfg: EvalConfig, docs: Sequence[Document], schema: Schema, names: Sequence[str] = ()
) -> list[Outputs]:
    """The configured systems (all, or `names`) on `docs`: spaCy systems predict them, prediction files are read
    (they must hold every document, with the same text)."""
    systems = _chosen(cfg, names)
    check_systems(replace(cfg, systems=systems))
    out = []
    for s in systems:
        preds = system_predictions(s, list(docs), schema)
        events = s.events is not None if s.kind == "spacy" else any(p.events for p in preds)
        out.append(_matched(s.name, preds, docs, events, f"systems.{s.name}"))
    return out


def file_outputs(paths: Sequence[Path], docs: Sequence[Document]) -> list[Outputs]:
    """Prediction files (document format), each a system named by its file name; every document must be there."""
    out = []
    for path in paths:
        preds = read_documents(Path(path))
        out.append(_matched(Path(path).stem, preds, docs, any(p.events for p in preds), str(path)))
    return out


def _chosen(cfg: EvalConfig, names: Sequence[str]) -> list[SystemConfig]:
    if not names:
        return list(cfg.systems)
    known = {s.name: s for s in cfg.systems}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise AnnotError(
            f"no system {', '.join(map(repr, unknown))} in the evaluation config", f"Configured: {', '.join(known)}."
        )
    return [known[n] for n in names]


def _matched(name: str, preds: Sequence[Document], docs: Sequence[Document], events: bool, where: str) -> Outputs:
    by_id = {p.id: p for p in preds}
    problems = []
    for d in docs:
        p = by_id.get(d.id)
        if p is None:
            problems.append(f"{where}: no prediction for document {d.id!r}")
        elif p.text != d.text:
            problems.append(f"{where}: the prediction for {d.id!r} has another text (SHA-256 differs)")
    raise_if_problems(
        problems,
        f"{where}: the predictions do not cover the documents to order",
        "Predict the same documents (annot predict TASK-ARTICLES -o FILE) or leave the file out.",
    )
    return Outputs(name, {d.id: by_id[d.id] for d in docs}, events)


@dataclass(frozen=True)
class Queue:
    """Documents most disagreed first, with the systems compared."""

    systems: tuple[str, ...]
    order: tuple[Disagreement, ...]

    def to_json(self, already: Sequence[str] = ()) -> str:
        """The ordering file written beside the tasks: the measure, the systems, each document's rank, score and
        pairwise F1s; `already`: the tasks file's documents the project had (not ordered again)."""
        data = {
            "measure": DEFINITION,
            "systems": list(self.systems),
            "order": [
                {
                    "rank": n,
                    "document": d.document,
                    "disagreement": round(d.score, 6),
                    "pairwise_f1": {f"{a} / {b}": round(f, 6) for a, b, f in d.pairs},
                }
                for n, d in enumerate(self.order, 1)
            ],
            "already_in_project": list(already),
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def disagreement_queue(docs: Sequence[Document], outputs: Sequence[Outputs]) -> Queue:
    """`docs` most disagreed first (ties in their given order)."""
    if len(outputs) < 2:
        raise AnnotError(
            f"ordering by disagreement needs two systems or more, got {len(outputs)}",
            "Configure more systems in configs/evaluation.toml, or give --system / --pred twice or more.",
        )
    events = {o.name: o.events for o in outputs}
    scores = [disagreement(d.id, {o.name: o.documents[d.id] for o in outputs}, events) for d in docs]
    return Queue(tuple(sorted(o.name for o in outputs)), tuple(most_disagreed_first(scores)))


def order_path(tasks_file: Path) -> Path:
    """Where the ordering of a tasks file is written: beside it (tasks.json -> tasks.order.json)."""
    tasks_file = Path(tasks_file)
    return tasks_file.with_name(f"{tasks_file.stem}.order.json")


TaskOrder = Callable[[list[dict[str, Any]], list[dict[str, Any]]], list[dict[str, Any]]]


def disagreement_order(
    outputs_of: Callable[[list[Document]], list[Outputs]], write_to: Path, queue: list[Queue] | None = None
) -> TaskOrder:
    """The order a push gives its new tasks: `outputs_of` predicts the new documents, they are ordered most
    disagreed first, each task gets its score as ``data.disagreement`` (a Data Manager column), and the ordering
    is written to `write_to` before anything is imported. The queue made is appended to `queue` when given."""

    def order(new: list[dict[str, Any]], existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
        docs = [Document(t["data"]["doc_id"], t["data"]["text"]) for t in new]
        made = disagreement_queue(docs, outputs_of(docs)) if docs else Queue((), ())
        already = [str(t["data"]["doc_id"]) for t in existing]
        atomic_write_text(write_to, made.to_json(already))
        if queue is not None:
            queue.append(made)
        by_id = {t["data"]["doc_id"]: t for t in new}
        return [
            {**by_id[d.document], "data": {**by_id[d.document]["data"], "disagreement": round(d.score, 6)}}
            for d in made.order
        ]

    return order


def disagreement_push_order(
    tasks_file: Path,
    schema: Schema,
    *,
    systems: Sequence[str] = (),
    preds: Sequence[Path] = (),
    config: Path | None = None,
) -> TaskOrder:
    """What `annot ls push --order disagreement` orders a push with: the prediction files `preds` (two at least),
    or else the configured systems (`systems`, default all) of `config`; the ordering written beside the tasks
    file. Everything that can be checked before the push is checked here."""
    if preds and systems:
        raise AnnotError("give --pred files or --system names, not both", "Prediction files are systems too.")
    if preds:
        if len(preds) < 2:
            raise AnnotError("ordering by disagreement needs two prediction files or more", "Give --pred twice.")
        missing = [str(p) for p in preds if not Path(p).is_file()]
        if missing:
            raise AnnotError(f"no such prediction file: {', '.join(missing)}", "Check the --pred paths.")
        return disagreement_order(lambda docs: file_outputs(preds, docs), order_path(tasks_file))
    from ..project import EVALUATION_CONFIG, project_path
    from .config import load_eval_config

    cfg = load_eval_config(config or project_path(EVALUATION_CONFIG))
    chosen = _chosen(cfg, systems)
    if len(chosen) < 2:
        raise AnnotError(
            f"ordering by disagreement needs two systems or more, got {len(chosen)}",
            "Name two --system or more, or configure more systems in configs/evaluation.toml.",
        )
    check_systems(replace(cfg, systems=chosen))
    return disagreement_order(
        lambda docs: configured_outputs(cfg, docs, schema, [s.name for s in chosen]), order_path(tasks_file)
    )
