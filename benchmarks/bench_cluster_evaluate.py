"""`annot evaluate` on this machine against `annot evaluate --scheduler` on a Dask LocalCluster, same files.

    python benchmarks/bench_cluster_evaluate.py [--sizes 100k 1m] [--bootstrap 1000] [--repeats 2] [--work DIR]

For each size (gold entity mentions) it writes the scale benchmark's synthetic wire corpus
(benchmarks/synthetic.py, seeded), then times `annot evaluate --gold G --pred P -o OUT --bootstrap B` as a whole
process (start-up, reading, scoring, the three reports) with `--workers 1`, `--workers 2`, and with `--scheduler`
on a LocalCluster of 1 and of 2 worker processes (one thread each, on 127.0.0.1, started before the timing), the
variants interleaved, best of the repeats. It checks that every report.json is the one of `--workers 1` (but for
its creation time) and exits 1 if one differs. Prints a Markdown table.

On one machine the cluster only adds work (the columns of every chunk are pickled to a worker and the counts
back); the benchmark says how much, which is what a cluster must win back with cores of other machines.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    from benchmarks.bench_predict import local_cluster
    from benchmarks.bench_scale import annot_command, generate, parse_size, size_label, tool_env
except ModuleNotFoundError:  # run as a script, without the project on sys.path
    from bench_predict import local_cluster  # type: ignore[no-redef]
    from bench_scale import annot_command, generate, parse_size, size_label, tool_env  # type: ignore[no-redef]


def timed_evaluate(gold: Path, pred: Path, out: Path, bootstrap: int, cwd: Path, *extra: object) -> float:
    import subprocess

    shutil.rmtree(out, ignore_errors=True)
    cmd = annot_command("evaluate", "--gold", gold, "--pred", pred, "-o", out, "--bootstrap", bootstrap, *extra)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=tool_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"annot evaluate {' '.join(map(str, extra))} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def report(folder: Path) -> dict[str, object]:
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    data["meta"].pop("created_at")
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["100k", "1m"])
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, help="folder for the corpora (default: a temporary one)")
    args = ap.parse_args()
    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="annot-bench-cluster-"))
    ok = True
    print(f"# annot evaluate on a Dask LocalCluster\n\ncommand: python {' '.join(sys.argv)}\n")
    print("| gold spans | documents | run | best s | median s | spans/s | report |")
    print("|---:|---:|---|---:|---:|---:|---|")
    try:
        with local_cluster(1, {}) as one, local_cluster(2, {}) as two:
            for size in args.sizes:
                n = parse_size(size)
                folder = work / size_label(n)
                folder.mkdir(parents=True, exist_ok=True)
                gold, pred = folder / "gold.jsonl", folder / "pred.jsonl"
                if not (gold.is_file() and pred.is_file()):
                    gold, pred, sizes, _ = generate(folder, n, args.seed)
                    (folder / "sizes.json").write_text(json.dumps(sizes), encoding="utf-8")
                sizes = json.loads((folder / "sizes.json").read_text(encoding="utf-8"))
                variants: dict[str, tuple[object, ...]] = {
                    "annot evaluate --workers 1": ("--workers", 1),
                    "annot evaluate --workers 2": ("--workers", 2),
                    "--scheduler, local cluster of 1 worker": ("--scheduler", one),
                    "--scheduler, local cluster of 2 workers": ("--scheduler", two),
                }
                times: dict[str, list[float]] = {name: [] for name in variants}
                for _ in range(args.repeats):
                    for i, (name, extra) in enumerate(variants.items()):
                        times[name].append(
                            timed_evaluate(gold, pred, folder / f"out{i}", args.bootstrap, folder, *extra)
                        )
                reference = report(folder / "out0")
                for i, name in enumerate(variants):
                    same = report(folder / f"out{i}") == reference
                    ok &= same
                    best, median = min(times[name]), statistics.median(times[name])
                    print(
                        f"| {sizes['gold spans']:,} | {sizes['documents']:,} | {name} | {best:.2f} | {median:.2f} "
                        f"| {sizes['gold spans'] / best:,.0f} | {'the same' if same else 'DIFFERS'} |",
                        flush=True,
                    )
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nwall s of the whole `annot evaluate` process, --bootstrap {args.bootstrap}, best and median of "
        f"{args.repeats} interleaved runs; report: report.json against --workers 1's (creation time aside)."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
