"""Time `annot evaluate`'s scoring (matching, metrics, error analysis, bootstrap) on synthetic corpora.

    python benchmarks/bench_evaluate.py [--docs 1000 10000] [--bootstrap 1000]

Each synthetic document has 300 characters of text and about 12 gold and 12 predicted
entity mentions (70 % exact copies, the rest shifted, relabelled or spurious) and two events.
Prints a Markdown table of wall seconds (the first run also pays for imports).
"""

from __future__ import annotations

import argparse
import random
import time

from annot.config import EvalSettings
from annot.documents import Argument, Document, Entity, Event
from annot.evaluate import evaluate
from annot.report import build_report
from annot.schema import load_schema

LABELS = ["PER", "ORG", "GPE", "DATE"]


def synthetic(n: int, seed: int = 1) -> tuple[list[Document], list[Document]]:
    rng = random.Random(seed)
    text = ("NATO sent 500 troops to Kosovo on Monday . " * 8)[:300]
    gold, pred = [], []
    for k in range(n):
        g = [Entity(i * 24, i * 24 + rng.randint(3, 12), rng.choice(LABELS), f"T{i + 1}") for i in range(12)]
        p = []
        for e in g:
            r = rng.random()
            if r < 0.7:
                p.append(e)
            elif r < 0.8:
                p.append(Entity(e.start, e.end + 2, e.label, e.id))
            elif r < 0.9:
                p.append(Entity(e.start, e.end, rng.choice(LABELS), e.id))
        ev = (Event("E1", "Contact.Meet", 5, 9, (Argument("Participant", "T1"), Argument("Place", "T2"))),)
        gold.append(Document(f"d{k}", text, tuple(g), ev))
        linked = {"T1", "T2"} <= {e.id for e in p}
        pred.append(Document(f"d{k}", text, tuple(p), ev if linked and rng.random() < 0.5 else ()))
    return gold, pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args()
    schema = load_schema("configs/schema.toml")
    print(f"bootstrap {args.bootstrap} resamples\n")
    print(
        "| documents | gold mentions | evaluate, no bootstrap (s) | evaluate, with bootstrap (s) | build report.json (s) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for n in args.docs:
        gold, pred = synthetic(n)
        t0 = time.perf_counter()
        evaluate(gold, pred, schema, settings=EvalSettings(bootstrap_samples=0), gold_path="synthetic", system={})
        t1 = time.perf_counter()
        ev = evaluate(
            gold,
            pred,
            schema,
            settings=EvalSettings(bootstrap_samples=args.bootstrap),
            gold_path="synthetic",
            system={},
        )
        t2 = time.perf_counter()
        build_report(ev)
        t3 = time.perf_counter()
        print(f"| {n} | {sum(len(d.entities) for d in gold)} | {t1 - t0:.1f} | {t2 - t1:.1f} | {t3 - t2:.1f} |")


if __name__ == "__main__":
    main()
