"""annot from Python: read documents, score predictions, get a typed report.

>>> import annot
>>> gold = [annot.Document("d1", "NATO sent troops to Kosovo.", (annot.Entity(0, 4, "ORG"), annot.Entity(20, 26, "GPE")))]
>>> pred = [annot.Document("d1", "NATO sent troops to Kosovo.", (annot.Entity(0, 4, "ORG"), annot.Entity(20, 26, "LOC")))]
>>> report = annot.evaluate(gold, pred, bootstrap_samples=0)
>>> report.entities.micro["strict"].f1, report.entities.micro["type"].f1, report.entities.micro["partial"].f1
(0.5, 0.5, 1.0)
>>> report.entities.per_label["GPE"]["strict"].recall
0.0
>>> '"strict"' in report.to_json()
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .documents import Document
from .project import DEFAULT_SEED
from .reporting.model import Report, SchemaInfo, SystemInfo
from .schema import Schema, data_schema, load_schema
from .scoring.counts import ZeroDivision
from .scoring.scorer import ScoringSettings


def evaluate(
    gold: Iterable[Document],
    pred: Iterable[Document],
    *,
    schema: Schema | Path | str | None = None,
    system: str = "system",
    bootstrap_samples: int = 1000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
    zero_division: str = ZeroDivision.NULL,
) -> Report:
    """Score predicted documents against gold documents (same ids and texts): every entity scheme and event level.

    With a `schema` (a Schema or the path of a schema file), every label, event type and role of the schema
    gets a row, also without support; without one, the labels, types and roles are those found in the data.
    """
    from .columns import from_documents
    from .corpus.splits import GoldColumns
    from .jobs.evaluate import Scoring, score_system, vocabs_of

    gold_docs, pred_docs = list(gold), list(pred)
    if isinstance(schema, str | Path):
        schema = load_schema(Path(schema))
    if schema is None:
        schema = data_schema(gold_docs, pred_docs)
    settings = ScoringSettings(
        bootstrap_samples=bootstrap_samples, seed=seed, confidence=confidence, zero_division=ZeroDivision(zero_division)
    )
    vocabs = vocabs_of(schema)
    return score_system(
        GoldColumns.from_documents(gold_docs, vocabs),
        from_documents(pred_docs, vocabs),
        SystemInfo(name=system),
        Scoring(schema=schema, settings=settings),
    )


__all__ = ["SchemaInfo", "evaluate"]
