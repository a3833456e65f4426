"""annot: annotation and evaluation toolkit for information extraction from news.

From Python::

    import annot
    report = annot.evaluate(annot.read_documents("gold.jsonl"), annot.read_documents("pred.jsonl"))
    report.entities.micro["strict"].f1
    report.to_json()

Names are imported on first use, so that ``import annot`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# public name -> module that defines it
_PUBLIC = {
    "AnnotError": "annot.errors",
    "Argument": "annot.documents",
    "Document": "annot.documents",
    "Entity": "annot.documents",
    "Event": "annot.documents",
    "read_documents": "annot.documents",
    "write_documents": "annot.documents",
    "Schema": "annot.schema",
    "load_schema": "annot.schema",
    "evaluate": "annot.api",
    "Report": "annot.reporting.model",
    "load_report": "annot.reporting.model",
    "compare_reports": "annot.comparison.paired",
}

__all__ = ["__version__", *_PUBLIC]

if TYPE_CHECKING:
    from .api import evaluate as evaluate
    from .comparison.paired import compare_reports as compare_reports
    from .documents import Argument as Argument
    from .documents import Document as Document
    from .documents import Entity as Entity
    from .documents import Event as Event
    from .documents import read_documents as read_documents
    from .documents import write_documents as write_documents
    from .errors import AnnotError as AnnotError
    from .reporting.model import Report as Report
    from .reporting.model import load_report as load_report
    from .schema import Schema as Schema
    from .schema import load_schema as load_schema


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'annot' has no attribute {name!r}")
    return getattr(import_module(module), name)
