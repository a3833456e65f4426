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

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from .documents import Document
from .errors import AnnotError
from .project import DEFAULT_SEED
from .reporting.model import Report, SideBySide, SystemInfo
from .schema import Schema, data_schema, load_schema
from .scoring.counts import ZeroDivision
from .scoring.scorer import ScoringSettings


class Documents(list[Document]):
    """Documents read from a file (`annot.read_documents`): a list that remembers the file, the split it was
    cut to and the ids of the corpus's other documents, so that `annot.evaluate` can name the gold's file and
    ignore predictions for the other splits."""

    path: Path | None = None
    split: str | None = None
    other_ids: frozenset[str] = frozenset()
    sha256: str = ""


def read_documents(path: str | Path, split: str | None = None) -> Documents:
    """The documents of a JSONL file; with `split`, those of that split (splits.json beside the file).

    >>> import annot
    >>> test = annot.read_documents("gold/news/documents.jsonl", split="test")
    >>> len(test), test.split
    (17, 'test')
    """
    from .corpus.splits import read_gold
    from .documents import read_documents as read_file

    path = Path(path)
    if split is None:
        docs = Documents(read_file(path))
        docs.path = path
        return docs
    gold = read_gold(path, split)
    docs = Documents(gold.documents)
    docs.path, docs.split, docs.other_ids, docs.sha256 = path, split, gold.other_ids, gold.sha256
    return docs


def _documents(value: Iterable[Document] | str | Path, split: str | None, what: str) -> Documents:
    """Documents given as a path (read, cut to `split`) or in memory (cut to `split` when read from a file)."""
    if isinstance(value, str | Path):
        return read_documents(value, split)
    if isinstance(value, Documents):
        if split is None or value.split == split:
            return value
        if value.split is not None:
            raise AnnotError(
                f"{what}: documents of split {value.split!r} cannot be scored as split {split!r}",
                "Read the whole file (annot.read_documents(path)) or the split you mean.",
            )
        assert value.path is not None
        return read_documents(value.path, split)
    docs = Documents(value)
    if split is not None:
        raise AnnotError(
            f"split={split!r}: the {what} documents were not read from a file, so their corpus's splits are unknown",
            "Give the gold file's path (annot.evaluate('gold/news/documents.jsonl', pred, split='test')) or "
            "documents read with annot.read_documents(path).",
        )
    return docs


def evaluate(
    gold: Iterable[Document] | str | Path,
    pred: Iterable[Document] | str | Path,
    *,
    split: str | None = None,
    schema: Schema | Path | str | None = None,
    system: str = "system",
    bootstrap_samples: int = 1000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
    zero_division: str = ZeroDivision.NULL,
    held_out_policy: str = "warn",
) -> Report:
    """Score predicted documents against gold documents (same ids and texts): every entity scheme and event level.

    `gold` and `pred` are documents or the paths of JSONL files. With `split`, only the gold documents of that
    split are scored (splits.json beside the gold file) and predictions for the corpus's other documents are
    ignored (listed in `report.meta.ignored_prediction_documents`), as `annot evaluate --split` does.
    With a `schema` (a Schema or the path of a schema file), every label, event type and role of the schema
    gets a row, also without support; without one, the labels, types and roles are those found in the data.
    A gold file in a corpus folder gets the corpus's human ceiling (`report.human`), and a scoring of a held-out
    split is recorded in the corpus's ledger as `annot evaluate` records it (`held_out_policy`: record, warn (a
    Python warning) or refuse (an AnnotError, nothing recorded)).
    """
    from .columns import from_documents
    from .corpus.ledger import Policy
    from .corpus.splits import GoldColumns
    from .jobs.evaluate import Scoring, _held_out, _record, held_out_scorings, score_system, vocabs_of
    from .jobs.stored import human_ceiling

    gold_docs = _documents(gold, split, "gold")
    pred_docs = list(_documents(pred, None, "predicted"))
    if isinstance(schema, str | Path):
        schema = load_schema(Path(schema))
    if schema is None:
        schema = data_schema(gold_docs, pred_docs)
    settings = ScoringSettings(
        bootstrap_samples=bootstrap_samples, seed=seed, confidence=confidence, zero_division=ZeroDivision(zero_division)
    )
    vocabs = vocabs_of(schema)
    gold_columns = GoldColumns.from_documents(
        gold_docs,
        vocabs,
        path=gold_docs.path,
        split=gold_docs.split,
        other_ids=gold_docs.other_ids,
        sha256=gold_docs.sha256,
    )
    pred_columns = from_documents(pred_docs, vocabs)
    human = human_ceiling(gold_columns, schema, settings)
    report = score_system(
        gold_columns, pred_columns, SystemInfo(name=system), Scoring(schema=schema, settings=settings, human=human)
    )
    # A held-out split is recorded in its corpus's ledger here as on the command line (docs/guides/held-out.md).
    pending = held_out_scorings(gold_columns, pred_columns, report, None)
    report, cautions = _held_out(report, pending, Policy(held_out_policy))
    _record(pending)
    for caution in cautions:
        warnings.warn(caution, stacklevel=2)
    return report


def compare(
    *reports: Report | str | Path,
    metrics: Sequence[str] | None = None,
    samples: int = 10000,
    seed: int = DEFAULT_SEED,
) -> SideBySide:
    """Two or more reports (Report records, report.json files or report folders) on the same gold compared: each
    metric per system, the difference to the first and a paired p-value; what `annot compare` writes.

    `comparison.to_dataframe()` tabulates it (pandas); `comparison.to_json()` is comparison.json.
    """
    from .comparison.paired import _names, default_metrics, side_by_side
    from .reporting.model import load_report, report_file

    if len(reports) < 2:
        raise AnnotError(f"compare needs two or more reports, got {len(reports)}", "annot.compare(report_a, report_b)")
    loaded = [r if isinstance(r, Report) else load_report(r) for r in reports]
    files = [Path(f"report-{i}") if isinstance(r, Report) else report_file(r) for i, r in enumerate(reports)]
    names = _names(files, loaded)
    return side_by_side(dict(zip(names, loaded)), tuple(metrics or default_metrics(loaded[0])), samples, seed)


__all__ = ["Documents", "compare", "evaluate", "read_documents"]
