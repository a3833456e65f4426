"""Wall time of `annot evaluate` on the bundled test split, as a whole process (start-up, imports, scoring, three
report files), with and without what annot stores beside the corpus.

    python benchmarks/bench_evaluate.py [--repeats 5]

Prints a Markdown table: the median and the fastest of `--repeats` runs of each variant (interleaved, so that a
slow spell of the machine hits every variant alike), and which heavy libraries the process imported. Variants:

- stored: the corpus as bundled, its human ceiling (ceiling.json) and token bounds (tokens.json) current;
- computed: a copy of the corpus without them: the ceiling is computed (agreement statistics, scikit-learn)
  and the gold texts are tokenised (spaCy's import).

The predictions are the gold itself (every scorer path runs; the figures do not matter here), written to a
temporary folder; the runs use `--held-out-policy record` and leave the corpus's ledger as it was.
Target (issue 22): about 1 s for the stored variant.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "gold" / "news"
HEAVY = ("spacy", "sklearn", "scipy.optimize", "krippendorff")
PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['annot'] + sys.argv[1:]\n"
    "from annot.cli import run\n"
    "try:\n    run()\nexcept SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
    f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_once(corpus: Path, out: Path) -> tuple[float, str]:
    gold = corpus / "documents.jsonl"
    args = ["evaluate", "--gold", str(gold), "--pred", str(gold), "--split", "test", "-o", str(out)]
    args += ["--held-out-policy", "record"]
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"annot evaluate failed ({done.returncode}):\n{done.stderr}")
    heavy = next((line[6:] for line in done.stderr.splitlines() if line.startswith("HEAVY=")), "?")
    return took, heavy or "none"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ledger = CORPUS / "ledger.jsonl"
    kept = ledger.read_bytes() if ledger.exists() else None
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "news"
        shutil.copytree(CORPUS, bare)
        for name in ("ceiling.json", "tokens.json"):
            (bare / name).unlink(missing_ok=True)
        variants = {"stored": CORPUS, "computed": bare}
        times: dict[str, list[float]] = {v: [] for v in variants}
        heavy: dict[str, str] = {}
        try:
            for i in range(args.repeats):
                for name, corpus in variants.items():
                    took, heavy[name] = run_once(corpus, Path(tmp) / f"out-{name}-{i}")
                    times[name].append(took)
        finally:
            if kept is None:
                ledger.unlink(missing_ok=True)
            else:
                ledger.write_bytes(kept)
    print(f"`annot evaluate` on the bundled test split, {args.repeats} runs each, as a process\n")
    print("| variant | median s | fastest s | heavy imports |")
    print("|---|---:|---:|---|")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts):.2f} | {min(ts):.2f} | {heavy[name]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
