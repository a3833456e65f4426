"""Run a spaCy pipeline over documents: predictions in the document format, in the schema's labels.

The pipeline's entity labels are mapped to the schema's through a label map
(configs/label_maps/*.toml). A label that is neither mapped nor listed as
ignored stops the run: no span is ever dropped silently.

On a Dask cluster (`annot predict --scheduler`), the documents' texts go to the
workers in partitions, with the system as a :class:`PipelineSpec` (the model's
name or path and the configuration read here); each worker process builds the
pipeline once (:func:`worker_pipeline`) and sends back offsets and labels, which
are turned into documents here exactly as in a local run.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents import Argument, Document, Entity, Event, write_documents
from ..errors import AnnotError
from ..limits import MAX_BATCH, MAX_WORKERS, bounded
from ..parallel import fork_imap
from ..schema import Schema
from .extractor import FACTORY as EXTRACTOR
from .extractor import doc_events
from .labelmap import LabelMap, load_label_map

if TYPE_CHECKING:
    from distributed import Client

# What a pipeline found in one text, as plain data: (start, end, model label) entities and
# (event type, start, end, [(role, start, end)]) events. Small to send between processes.
RawEvents = list[tuple[str, int, int, list[tuple[str, int, int]]]]
Raw = tuple[list[tuple[int, int, str]], RawEvents]


def _raw(sdoc: Any, with_events: bool) -> Raw:
    ents = [(span.start_char, span.end_char, span.label_) for span in sdoc.ents]
    if not with_events:
        return ents, []
    return ents, doc_events(sdoc)


def _raw_results(nlp: Any, texts: list[str], batch_size: int, n_process: int) -> Iterator[Raw]:
    """Run the pipeline over `texts`, in order.

    With several processes, annot forks workers (`parallel.fork_imap`: they inherit the pipeline) that each run
    `nlp.pipe` on chunks of texts and send back only offsets and labels, not whole spaCy documents as
    `nlp.pipe(n_process=...)` does: serialising and rebuilding every Doc in the main process costs a large share
    of the second core.
    """
    with_events = EXTRACTOR in nlp.pipe_names
    if n_process <= 1 or len(texts) < 2 * batch_size:
        for sdoc in nlp.pipe(texts, batch_size=batch_size):
            yield _raw(sdoc, with_events)
        return
    # Small chunks keep both workers busy to the end; at most a few batches each.
    chunk = max(1, min(4 * batch_size, -(-len(texts) // (n_process * 8))))
    chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]

    def run(part: list[str]) -> list[Raw]:
        return [_raw(sdoc, with_events) for sdoc in nlp.pipe(part, batch_size=batch_size)]

    for results in fork_imap(run, chunks, n_process):
        yield from results


def pipeline_version(nlp: Any) -> str:
    """The pipeline's name and version, as written to meta.model ("core_web_sm-3.8.0")."""
    return f"{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"


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
    raws = _raw_results(nlp, [d.text for d in docs], batch_size, n_process)
    return documents_from_raw(docs, raws, label_map, system, pipeline_version(nlp), progress)


def documents_from_raw(
    docs: Sequence[Document],
    raws: Iterable[Raw],
    label_map: LabelMap,
    system: str,
    version: str,
    progress: Callable[[int], None] | None = None,
) -> list[Document]:
    """The predicted documents: each of `docs` with what the pipeline found in it (`raws`, in the same order),
    its labels mapped to the schema's; the same whether the raws were made here or on a cluster."""
    out: list[Document] = []
    for doc, (raw_ents, raw_events) in zip(docs, raws):
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


# ------------------------------------------------------------------ on a Dask cluster


@dataclass(frozen=True)
class PipelineSpec:
    """A system as sent to Dask workers: the model, and the configuration read on the machine that runs annot.

    Workers need annot and the model (an installed package, or a folder at the same path on every worker), but
    none of the configuration files. `key` is a digest of all of it: the worker-side cache's key.
    """

    model: str
    schema: Schema
    label_map: LabelMap
    rules: Mapping[str, Any] | None
    rules_where: str
    key: str


def pipeline_spec(model: str, label_map: Path, schema: Schema, events: Path | None = None) -> PipelineSpec:
    """The system of `annot predict` as a :class:`PipelineSpec`: the label map read and checked, the event
    extractor's rules read (they are checked against the model's parser where the model is loaded).

    A model folder that exists here is sent as its absolute path (workers that share this file system find it).
    """
    from .extractor import read_rules

    lmap = load_label_map(label_map, schema)
    rules = read_rules(events) if events is not None else None
    if Path(model).exists():
        model = str(Path(model).resolve())
    where = str(Path(events)) if events is not None else ""

    def plain(value: Any) -> Any:
        return sorted(value) if isinstance(value, (set, frozenset)) else str(value)

    content = json.dumps([model, asdict(schema), asdict(lmap), rules, where], sort_keys=True, default=plain)
    key = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
    return PipelineSpec(model, schema, lmap, rules, where, key)


# In a Dask worker process: the pipelines built there, by spec key (the last two), the number of times each was
# built (once, unless evicted), and a lock, so that the threads of one worker build a pipeline once and run it
# one partition at a time (a spaCy pipeline is not meant to be run by two threads at once).
_PIPELINES: dict[str, tuple[Any, str]] = {}
LOADS: Counter[str] = Counter()
_LOCK = threading.Lock()


def worker_pipeline(spec: PipelineSpec) -> tuple[Any, str]:
    """The pipeline of `spec` and its version, built on the first call in this process and kept for the next.

    Call with `_LOCK` held.
    """
    if spec.key not in _PIPELINES:
        from .pipeline import load_pipeline

        nlp = load_pipeline(spec.model)
        if spec.rules is not None:
            from .extractor import add_event_rules

            add_event_rules(nlp, spec.rules, spec.schema, spec.label_map, spec.rules_where)
        while len(_PIPELINES) >= 2:
            del _PIPELINES[next(iter(_PIPELINES))]
        _PIPELINES[spec.key] = (nlp, pipeline_version(nlp))
        LOADS[spec.key] += 1
    return _PIPELINES[spec.key]


def predict_partition(spec: PipelineSpec, batch_size: int, texts: list[str]) -> tuple[str, list[Raw]]:
    """On a Dask worker: the pipeline's version and what it found in each of `texts` (offsets and model labels)."""
    with _LOCK:
        nlp, version = worker_pipeline(spec)
        with_events = EXTRACTOR in nlp.pipe_names
        return version, [_raw(sdoc, with_events) for sdoc in nlp.pipe(texts, batch_size=batch_size)]


def default_partition_size(n_docs: int, n_threads: int, batch_size: int) -> int:
    """Documents per partition when not given: about four partitions per worker thread, so that every worker keeps
    busy to the end, and at most four batches each, so that a retried partition costs little.

    >>> default_partition_size(31, 2, 32), default_partition_size(100_000, 16, 32)
    (4, 128)
    """
    return max(1, min(4 * batch_size, -(-n_docs // (4 * max(1, n_threads)))))


def _span(docs: Sequence[Document], start: int, end: int, total: int) -> str:
    """What a partition holds, for messages: 'documents 9-16 of 31: a-id ... b-id'."""
    if end - start == 1:
        return f"document {start + 1} of {total}: {docs[start].id}"
    return f"documents {start + 1}-{end} of {total}: {docs[start].id} ... {docs[end - 1].id}"


@dataclass(frozen=True)
class ClusterRun:
    """How a prediction ran on a cluster: the scheduler, its workers (threads) and the partitions sent."""

    scheduler: str
    threads: int
    partitions: int


def cluster_raws(
    client: Client,
    spec: PipelineSpec,
    docs: Sequence[Document],
    batch_size: int = 32,
    size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[str, list[Raw], ClusterRun]:
    """What the pipeline of `spec` finds in `docs`, computed by the workers of `client` in partitions of `size`
    documents (default: :func:`default_partition_size`), in the order of `docs`; with the pipeline's version.

    Raises AnnotError when a partition fails for good (naming its documents) and when workers report different
    versions of the pipeline (their models differ: the predictions would mix them).
    """
    from ..cluster import map_partitions

    threads = sum(client.nthreads().values())
    size = size or default_partition_size(len(docs), threads, batch_size)
    bounds = [(i, min(i + size, len(docs))) for i in range(0, len(docs), size)]
    texts = [[d.text for d in docs[a:b]] for a, b in bounds]
    names = [_span(docs, a, b, len(docs)) for a, b in bounds]

    def done(_: int, result: tuple[str, list[Raw]]) -> None:
        if progress:
            progress(len(result[1]))

    results = map_partitions(client, partial(predict_partition, spec, batch_size), texts, names=names, done=done)
    versions: dict[str, list[int]] = {}
    for i, (version, _) in enumerate(results, 1):
        versions.setdefault(version, []).append(i)
    if len(versions) > 1:
        raise AnnotError(
            "the workers ran different versions of the pipeline: "
            + "; ".join(f"{v} (partitions {', '.join(map(str, parts))})" for v, parts in versions.items()),
            f"Install the same version of {spec.model} on every worker.",
        )
    version = next(iter(versions), "")
    run = ClusterRun(str(getattr(client.scheduler, "address", "")), threads, len(bounds))
    return version, [raw for _, raws in results for raw in raws], run


# ------------------------------------------------------------------ the command


@dataclass(frozen=True, kw_only=True)
class PredictStats:
    documents: int
    entities: int
    events: int
    cluster: ClusterRun | None = None


def documents_to_predict(paths: Sequence[Path], split: str | None = None) -> list[Document]:
    """What `annot predict` reads: documents files (JSONL, as they are: their texts are the ones scored later),
    and .txt articles or folders of them, read as `annot export` reads them (id from the file name, text
    normalised), so that a prediction of an article matches its task and its gold. `split`: that split of one
    documents file's corpus."""
    from ..corpus.splits import select_split
    from ..documents import read_documents
    from ..labelstudio.tasks import read_articles

    paths = [Path(p) for p in paths]
    if split is not None:
        if len(paths) != 1 or paths[0].suffix != ".jsonl":
            raise AnnotError(
                "--split reads the splits.json beside one documents file", "Give one .jsonl file with --split."
            )
        return select_split(read_documents(paths[0]), paths[0], split)
    docs: list[Document] = []
    for path in paths:
        if path.is_file() and path.suffix == ".jsonl":
            docs += read_documents(path)
        else:
            docs += read_articles([path])
    seen: dict[str, int] = {}
    for d in docs:
        seen[d.id] = seen.get(d.id, 0) + 1
    twice = sorted(d for d, n in seen.items() if n > 1)
    if twice:
        raise AnnotError(
            f"document id(s) given twice: {', '.join(twice[:5])}", "Give each document once (ids must be unique)."
        )
    return docs


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
    scheduler: str | None = None,
    partition_size: int | None = None,
    scheduler_timeout: float | None = None,
) -> PredictStats:
    """`annot predict`: run the system on `docs` and write its predictions to `output`.

    With `scheduler` (a Dask scheduler's address), the workers of that cluster run the pipeline, in partitions
    of `partition_size` documents; the file written is the same, byte for byte, as a local run's. The file is
    written only once every document is predicted.
    """
    bounded("--batch-size", batch_size, 1, MAX_BATCH)
    bounded("--n-process", n_process, 1, MAX_WORKERS)
    if partition_size is not None:
        bounded("--partition-size", partition_size, 1, MAX_BATCH)
    run: ClusterRun | None = None
    if scheduler is None:
        if partition_size is not None or scheduler_timeout is not None:
            raise AnnotError(
                "--partition-size and --scheduler-timeout are for a run on a Dask cluster",
                "Give the scheduler's address with --scheduler (or DASK_SCHEDULER_ADDRESS), or leave them out.",
            )
        from .pipeline import build_pipeline

        nlp, lmap = build_pipeline(model, label_map, schema, events)
        preds = predict_documents(nlp, list(docs), lmap, system or model, batch_size, n_process, progress)
    else:
        if n_process > 1:
            raise AnnotError(
                f"--n-process {n_process} is for a run on this machine, and a Dask scheduler ({scheduler}) was given",
                "On a cluster the workers are the processes: leave out --n-process, or run on this machine "
                "(without --scheduler and DASK_SCHEDULER_ADDRESS).",
            )
        from ..cluster import DEFAULT_TIMEOUT, connect

        spec = pipeline_spec(model, label_map, schema, events)
        with connect(scheduler, scheduler_timeout or DEFAULT_TIMEOUT) as client:
            version, raws, run = cluster_raws(client, spec, docs, batch_size, partition_size, progress)
        preds = documents_from_raw(docs, raws, spec.label_map, system or model, version)
    write_documents(output, preds)
    return PredictStats(
        documents=len(preds),
        entities=sum(len(p.entities) for p in preds),
        events=sum(len(p.events) for p in preds),
        cluster=run,
    )
