"""What a queue ordered by disagreement buys: a learning curve of a NER trained on the first N documents of a pool
taken in disagreement order, against file order and a random order, on the bundled corpus's dev split only.

    python benchmarks/bench_queue.py [--sizes 3,6,9,12,18,0] [--seeds 0,1,2] [--svg docs/model-in-the-loop-curve.svg]

The held-out `test` split is never read (the corpus's ledger is not touched). The 43 dev documents are cut by
theatre (meta.theatre), whole theatres in the order of the SHA-256 of their names:

- eval: the first theatres, until 10 documents or more: every model of the curve is scored on them only;
- seed: the next theatres, until 5 documents or more: what a team has labelled before the queue starts. spaCy's
  training uses it as its development set (to pick model-best), and the committee's third member is trained
  on it;
- pool: the rest, the new documents the queue orders.

The committee that orders the pool is the configured systems of configs/evaluation.toml as a team has them at
that point: spacy-sm, spacy-sm-events, and the trained NER (`ner-trained`), here trained on the seed documents
(the bundled ner-trained was trained on the whole dev split, pool and eval included: it would know the answers).
The ordering is made by the code of `annot ls push --order disagreement` (`jobs.queue`).

For each order (disagreement; file: the order of documents.jsonl, by id; random: shuffled with the seed) and
each N (0: the whole pool), a NER (configs/train_ner.cfg, from scratch, seed S) is trained on the first N pool
documents and scored on the eval documents: entity strict micro F1 (annot's scorer, no bootstrap), averaged
over the seeds. Every run is deterministic given its seed on this machine (spaCy on the CPU).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annot.documents import Document, read_documents, write_documents  # noqa: E402

GOLD = ROOT / "gold" / "news" / "documents.jsonl"
EVAL_AT_LEAST, SEED_AT_LEAST = 10, 5
ORDERS = ("disagreement", "file", "random")


@dataclass(frozen=True)
class Parts:
    eval: list[Document]
    seed: list[Document]
    pool: list[Document]


def dev_documents() -> list[Document]:
    """The dev split of the bundled corpus (never the held-out test split)."""
    from annot.corpus.splits import select_split

    docs = select_split(read_documents(GOLD), GOLD, "dev")
    assert all(d.id in {x.id for x in docs} for d in docs) and len(docs) == 43
    return docs


def parts(docs: Sequence[Document]) -> Parts:
    """eval, seed and pool, by whole theatres in the order of the SHA-256 of their names."""
    theatres: dict[str, list[Document]] = {}
    for d in docs:
        theatres.setdefault(str(d.meta.get("theatre")), []).append(d)
    ordered = sorted(theatres, key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    ev: list[Document] = []
    seed: list[Document] = []
    pool: list[Document] = []
    for t in ordered:
        (ev if len(ev) < EVAL_AT_LEAST else seed if len(seed) < SEED_AT_LEAST else pool).extend(theatres[t])
    order = {d.id: i for i, d in enumerate(docs)}  # file order inside each part
    return Parts(*(sorted(p, key=lambda d: order[d.id]) for p in (ev, seed, pool)))


def write_corpus(folder: Path, p: Parts, splits: dict[str, list[str]]) -> Path:
    """A throwaway corpus of the dev documents with the benchmark's splits (no held-out split, no manifest)."""
    folder.mkdir(parents=True, exist_ok=True)
    gold = folder / "documents.jsonl"
    write_documents(gold, sorted([*p.eval, *p.seed, *p.pool], key=lambda d: d.id))
    data = {"splits": {"eval": [d.id for d in p.eval], "seed": [d.id for d in p.seed], **splits}, "held_out": []}
    (folder / "splits.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return gold


def train(gold: Path, split: str, dev_split: str | None, seed: int, out: Path) -> Path:
    from annot.systems.train import TrainOptions, train_ner

    return train_ner(TrainOptions(gold=gold, split=split, dev_split=dev_split, seed=seed), out).model_dir


def strict_f1(model: Path, gold_docs: Sequence[Document]) -> float:
    """Entity strict micro F1 of `model` (schema labels) on `gold_docs`."""
    import annot
    from annot.schema import load_schema
    from annot.systems.labelmap import load_label_map
    from annot.systems.pipeline import load_pipeline
    from annot.systems.predict import predict_documents

    schema = load_schema(ROOT / "configs" / "schema.toml")
    lmap = load_label_map(ROOT / "configs" / "label_maps" / "schema.toml", schema)
    preds = predict_documents(load_pipeline(str(model)), list(gold_docs), lmap, model.parent.name)
    report = annot.evaluate(list(gold_docs), preds, schema=schema, bootstrap_samples=0)
    f1 = report.entities.micro["strict"].f1
    return 0.0 if f1 is None else float(f1)


def disagreement_order(p: Parts, gold: Path, work: Path, seed: int) -> tuple[list[str], list[float]]:
    """The pool, most disagreed first, by the committee (spacy-sm, spacy-sm-events, a NER trained on the seed
    documents), with `annot ls push --order disagreement`'s code."""
    from annot.jobs.config import load_eval_config
    from annot.jobs.queue import configured_outputs, disagreement_queue
    from annot.schema import load_schema

    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    model = train(gold, "seed", None, seed, work / "ner-seed")
    systems = [replace(s, model=str(model)) if s.name == "ner-trained" else s for s in cfg.systems]
    cfg = replace(cfg, systems=systems)
    schema = load_schema(cfg.schema)
    queue = disagreement_queue(p.pool, configured_outputs(cfg, p.pool, schema))
    return [d.document for d in queue.order], [d.score for d in queue.order]


def curve(sizes: Sequence[int], seeds: Sequence[int], work: Path, log=print) -> dict:  # type: ignore[no-untyped-def]
    p = parts(dev_documents())
    splits: dict[str, list[str]] = {}
    gold = write_corpus(work / "corpus", p, splits)
    log(f"eval {len(p.eval)} documents, seed {len(p.seed)}, pool {len(p.pool)} (dev split of {GOLD.name})")
    mentions = {d.id: len(d.entities) for d in p.pool}
    sizes = sorted({n if n > 0 else len(p.pool) for n in sizes})
    rows: dict[str, dict[int, list[float]]] = {o: {n: [] for n in sizes} for o in ORDERS}
    trained_on: dict[str, dict[int, list[int]]] = {o: {n: [] for n in sizes} for o in ORDERS}
    queues = {}
    for seed in seeds:
        by_disagreement, scores = disagreement_order(p, gold, work / f"seed-{seed}", seed)
        shuffled = [d.id for d in p.pool]
        random.Random(seed).shuffle(shuffled)
        orders = {"disagreement": by_disagreement, "file": [d.id for d in p.pool], "random": shuffled}
        queues[seed] = {"disagreement": list(zip(by_disagreement, [round(s, 4) for s in scores])), "random": shuffled}
        for name, ids in orders.items():
            for n in sizes:
                splits[f"{name}-{seed}-{n}"] = ids[:n]
        write_corpus(work / "corpus", p, splits)
        done: dict[frozenset[str], float] = {}  # the same documents are trained on once per seed (N = the pool)
        for name in ORDERS:
            for n in sizes:
                t0 = time.perf_counter()
                key = frozenset(orders[name][:n])
                if key not in done:
                    model = train(gold, f"{name}-{seed}-{n}", "seed", seed, work / f"m-{name}-{seed}-{n}")
                    done[key] = strict_f1(model, p.eval)
                    shutil.rmtree(work / f"m-{name}-{seed}-{n}", ignore_errors=True)
                f1 = done[key]
                rows[name][n].append(f1)
                trained_on[name][n].append(sum(mentions[i] for i in orders[name][:n]))
                log(f"seed {seed} {name:>12} N={n:>2}: strict F1 {f1:.3f} ({time.perf_counter() - t0:.0f} s)")
    return {
        "parts": {k: [d.id for d in getattr(p, k)] for k in ("eval", "seed", "pool")},
        "sizes": sizes,
        "seeds": list(seeds),
        "f1": {o: {str(n): v for n, v in r.items()} for o, r in rows.items()},
        "mentions": {o: {str(n): v for n, v in r.items()} for o, r in trained_on.items()},
        "queues": {str(s): q for s, q in queues.items()},
    }


def table(result: dict) -> str:
    """The curve as Markdown: mean strict F1 over the seeds (min-max in brackets), and the gold mentions trained on."""
    sizes, seeds = result["sizes"], result["seeds"]
    lines = [
        f"Entity strict micro F1 on the {len(result['parts']['eval'])} eval documents of a NER trained on the first N "
        f"of {len(result['parts']['pool'])} pool documents; mean over seeds {', '.join(map(str, seeds))} "
        "(lowest-highest); mentions: gold entity mentions in those N documents (mean).",
        "",
        "| N | "
        + " | ".join(f"{o} order F1" for o in ORDERS)
        + " | "
        + " | ".join(f"{o} mentions" for o in ORDERS)
        + " |",
        "|---:|" + "---:|" * (2 * len(ORDERS)),
    ]
    for n in sizes:
        cells = []
        for o in ORDERS:
            v = result["f1"][o][str(n)]
            cells.append(f"{statistics.mean(v):.3f} ({min(v):.3f}-{max(v):.3f})" if len(v) > 1 else f"{v[0]:.3f}")
        cells += [f"{statistics.mean(result['mentions'][o][str(n)]):.0f}" for o in ORDERS]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def svg(result: dict, width: int = 560, height: int = 300) -> str:
    """The curve as a small self-contained SVG line chart (mean F1 per order)."""
    sizes = result["sizes"]
    values = [statistics.mean(v) for o in ORDERS for v in result["f1"][o].values()]
    lo, hi = max(0.0, min(values) - 0.05), min(1.0, max(values) + 0.05)
    left, right, top, bottom = 50, width - 130, 20, height - 40

    def x(n: int) -> float:
        return left + (right - left) * (n - sizes[0]) / max(1, sizes[-1] - sizes[0])

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - lo) / (hi - lo)

    colours = {"disagreement": "#c0392b", "file": "#2c3e50", "random": "#7f8c8d"}
    dashes = {"disagreement": "", "file": "6 3", "random": "2 3"}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="black"/>',
        f'<text x="{(left + right) / 2}" y="{height - 8}" text-anchor="middle">documents labelled (N)</text>',
        f'<text x="12" y="{(top + bottom) / 2}" transform="rotate(-90 12 {(top + bottom) / 2})" '
        'text-anchor="middle">strict F1 on eval</text>',
    ]
    for n in sizes:
        out.append(f'<text x="{x(n):.1f}" y="{bottom + 15}" text-anchor="middle">{n}</text>')
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<text x="{left - 5}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{right}" y2="{y(v):.1f}" stroke="#ddd"/>')
    for i, o in enumerate(ORDERS):
        pts = " ".join(f"{x(n):.1f},{y(statistics.mean(result['f1'][o][str(n)])):.1f}" for n in sizes)
        dash = f' stroke-dasharray="{dashes[o]}"' if dashes[o] else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colours[o]}" stroke-width="2"{dash}/>')
        out.append(
            f'<line x1="{right + 10}" y1="{top + 10 + 18 * i}" x2="{right + 35}" y2="{top + 10 + 18 * i}" '
            f'stroke="{colours[o]}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{right + 40}" y="{top + 14 + 18 * i}">{o} order</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="3,6,9,12,18,0", help="N values, comma-separated (0: the whole pool)")
    ap.add_argument("--seeds", default="0,1,2", help="training (and random order) seeds, comma-separated")
    ap.add_argument("--svg", type=Path, help="also write the curve as an SVG chart here")
    ap.add_argument("--json", type=Path, help="also write every figure as JSON here")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    with tempfile.TemporaryDirectory(prefix="annot-queue-") as tmp:
        result = curve(sizes, seeds, Path(tmp), log=lambda line: print(line, file=sys.stderr, flush=True))
    print(table(result), end="")
    if args.svg:
        args.svg.write_text(svg(result), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
