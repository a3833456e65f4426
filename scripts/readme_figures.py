"""The README's figures of the bundled systems, made from the reports, and checked against them.

    python scripts/readme_figures.py --check   # exit 3 and a diff when README.md's table is not what reports/ say
    python scripts/readme_figures.py --write   # rewrite the table in README.md from reports/

The table sits between the markers `<!-- figures:systems -->` and `<!-- /figures -->`
in README.md. The main job (scripts/evaluate.sh) runs `--check` after it has made the
reports again on a fresh clone, so the README's figures are reproduced, or the job says
which differ. Exit 3 means "README figures out of date", never a regression: annot's
exit 1 is kept for a failed gate, 2 for bad input.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXIT_FIGURES = 3  # README figures out of date (scripts/evaluate.sh passes it on)
README = ROOT / "README.md"
START, END = "<!-- figures:systems -->", "<!-- /figures -->"


def p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def table(reports: Path) -> str:
    """The systems side by side (reports/comparison.json) with the gold they were scored on."""
    cmp = json.loads((reports / "comparison.json").read_text(encoding="utf-8"))
    first = json.loads((reports / cmp["reference"] / "report.json").read_text(encoding="utf-8"))
    gold = first["meta"]["gold"]
    lines = [
        (f"Split {gold['split']} of " if gold.get("split") else "All of ")
        + f"`{gold['path']}`: {gold['documents']} documents "
        f"(sha256 `{gold['sha256'][:12]}`); p: {cmp['method']}, {cmp['samples']} resamples, seed {cmp['seed']}.",
        "",
        "| system | "
        + " | ".join(
            m.replace("entities.", "").replace("events.", "").replace("micro.", "").replace(".f1", " F1")
            for m in cmp["metrics"]
        )
        + " |",
        "|---|" + "---:|" * len(cmp["metrics"]),
    ]
    for row in cmp["systems"]:
        cells = []
        for m in cmp["metrics"]:
            c = row["metrics"][m]
            v = "–" if c["value"] is None else f"{c['value']:.3f}"
            if c.get("delta") is not None:
                v += f" ({c['delta']:+.3f}, {p_text(c['p_value'])})"
            cells.append(v)
        lines.append(f"| {row['system']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def split_readme(text: str) -> tuple[str, str, str]:
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    body, tail = rest.split(END, 1)
    return head, body, tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true")
    action.add_argument("--write", action="store_true")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    head, body, tail = split_readme(text)
    want = "\n" + table(args.reports) + "\n"
    if args.write:
        README.write_text(head + START + want + END + tail, encoding="utf-8")
        return 0
    if body == want:
        print("README.md: the figures of the bundled systems are the ones the reports give")
        return 0
    print("README.md: the figures of the bundled systems differ from the reports just made:", file=sys.stderr)
    sys.stderr.writelines(difflib.unified_diff(body.splitlines(True), want.splitlines(True), "README.md", "reports"))
    print(
        "README figures out of date (exit 3): python scripts/readme_figures.py --write puts the new ones in",
        file=sys.stderr,
    )
    return EXIT_FIGURES


if __name__ == "__main__":
    sys.exit(main())
