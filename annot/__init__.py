"""annot: annotation and evaluation toolkit for information extraction from news.

From Python (a notebook gets a per-label table in two lines)::

    import annot
    report = annot.evaluate("gold/news/documents.jsonl", "preds.jsonl", split="test")
    report.to_dataframe("per_label", "strict")      # pandas (pip install 'annot[pandas]'); report.rows(...) without
    report.entities.micro["strict"].f1
    annot.compare("reports/a", "reports/b")          # the typed comparison; .to_dataframe()

Names are imported on first use, so that ``import annot`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

# public name -> module that defines it
_PUBLIC = {
    "AnnotError": "annot.errors",
    "Argument": "annot.documents",
    "Document": "annot.documents",
    "Entity": "annot.documents",
    "Event": "annot.documents",
    "read_documents": "annot.api",
    "Documents": "annot.api",
    "write_documents": "annot.documents",
    "Schema": "annot.schema",
    "load_schema": "annot.schema",
    "evaluate": "annot.api",
    "compare": "annot.api",
    "Report": "annot.reporting.model",
    "ScoreRow": "annot.reporting.model",
    "SideBySide": "annot.reporting.model",
    "load_report": "annot.reporting.model",
    "compare_reports": "annot.comparison.paired",
}

__all__ = ["__version__", *_PUBLIC]

if TYPE_CHECKING:
    from .api import Documents as Documents
    from .api import compare as compare
    from .api import evaluate as evaluate
    from .api import read_documents as read_documents
    from .comparison.paired import compare_reports as compare_reports
    from .documents import Argument as Argument
    from .documents import Document as Document
    from .documents import Entity as Entity
    from .documents import Event as Event
    from .documents import write_documents as write_documents
    from .errors import AnnotError as AnnotError
    from .reporting.model import Report as Report
    from .reporting.model import ScoreRow as ScoreRow
    from .reporting.model import SideBySide as SideBySide
    from .reporting.model import load_report as load_report
    from .schema import Schema as Schema
    from .schema import load_schema as load_schema


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'annot' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    """The public API (what `import annot` offers), for dir(annot) and completion in notebooks."""
    return sorted(__all__)
