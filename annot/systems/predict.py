"""Run a spaCy pipeline over documents: predictions in the document format, in the schema's labels.

The pipeline's entity labels are mapped to the schema's through a label map
(configs/label_maps/*.toml). A label that is neither mapped nor listed as
ignored stops the run: no span is ever dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents import Argument, Document, Entity, Event, write_documents
from ..schema import Schema
from .extractor import FACTORY as EXTRACTOR
from .extractor import doc_events
from .labelmap import LabelMap

# What a pipeline found in one text, as plain data: (start, end, model label) entities and
# (event type, start, end, [(role, start, end)]) events. Small to send between processes.
RawEvents = list[tuple[str, int, int, list[tuple[str, int, int]]]]
Raw = tuple[list[tuple[int, int, str]], RawEvents]

_WORKER: dict[str, Any] = {}  # the pipeline, inherited by forked worker processes


def _raw(sdoc: Any, with_events: bool) -> Raw:
    ents = [(span.start_char, span.end_char, span.label_) for span in sdoc.ents]
    if not with_events:
        return ents, []
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


@dataclass(frozen=True, kw_only=True)
class PredictStats:
    documents: int
    entities: int
    events: int


def predict_file(
    docs: Sequence[Document],
    output: Path,
    *,
    model: str,
    label_map: Path,
    schema: Schema,
    events: Path | None = None,
    system: str = "",
    batch_size: int = 32,
    n_process: int = 1,
    progress: Callable[[int], None] | None = None,
) -> PredictStats:
    """`annot predict`: run the system on `docs` and write its predictions to `output`."""
    from .pipeline import build_pipeline

    nlp, lmap = build_pipeline(model, label_map, schema, events)
    preds = predict_documents(nlp, list(docs), lmap, system or model, batch_size, n_process, progress)
    write_documents(output, preds)
    return PredictStats(
        documents=len(preds),
        entities=sum(len(p.entities) for p in preds),
        events=sum(len(p.events) for p in preds),
    )
