"""The `annot` command line: one module per command group, each command a thin shell over one library call."""

from __future__ import annotations

from . import annotators, convert, corpus, evaluate, labelstudio, schema, studio, systems  # noqa: F401  (register commands)
from .app import EXIT_BAD, EXIT_GATE, EXIT_OK, app


def run() -> None:
    """The console script `annot`."""
    app()


__all__ = ["EXIT_BAD", "EXIT_GATE", "EXIT_OK", "app", "run"]
