"""The documented figures of the bundled systems (docs/corpus.md), made from the reports, and checked against them.

    python scripts/doc_figures.py --check   # exit 3 and a diff when docs/corpus.md's tables are not what reports/ say
    python scripts/doc_figures.py --write   # rewrite the tables in docs/corpus.md from reports/

Each table sits between a marker `<!-- figures:NAME -->` and the next `<!-- /figures -->`
in docs/corpus.md: `systems` (the held-out test split, reports/comparison.json), `styles` (the
same reports by style of article, with intervals) and `dev` (the development split,
reports/dev/, by origin of article). The main job (scripts/evaluate.sh) runs `--check` after it has made the
reports again on a fresh clone, so the documented figures are reproduced, or the job says
which differ. Exit 3 means "documented figures out of date", never a regression: annot's
exit 1 is kept for a failed gate, 2 for bad input.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXIT_FIGURES = 3  # documented figures out of date (scripts/evaluate.sh passes it on)
PAGE = ROOT / "docs" / "corpus.md"
END = "<!-- /figures -->"
SYSTEMS = ("spacy-sm", "spacy-sm-events", "ner-trained")


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


def _f1(score: dict) -> str:  # type: ignore[type-arg]
    """F1 with its interval when the report has one."""
    if score.get("f1") is None:
        return "–"
    ci = (score.get("ci") or {}).get("f1")
    return f"{score['f1']:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")


def _reports(folder: Path, systems: tuple[str, ...]) -> dict[str, dict]:  # type: ignore[type-arg]
    return {s: json.loads((folder / s / "report.json").read_text(encoding="utf-8")) for s in systems}


def grouped(folder: Path, systems: tuple[str, ...], what: str) -> str:
    """Micro F1 per group of documents (`--group-by`), with 95% bootstrap intervals: entities strict F1 of each
    system, and the event extractor's trigger and argument classification F1."""
    reports = _reports(folder, systems)
    first = reports[systems[0]]
    key = first["groups"]["key"]
    gold = first["meta"]["gold"]
    head = ["| " + key + " | documents | " + " | ".join(f"{s} strict F1" for s in systems)]
    head[0] += " | spacy-sm-events trigger cls. F1 | spacy-sm-events argument cls. F1 |"
    lines = [
        f"{what}: split {gold['split']} of `{gold['path']}` by `{key}`, micro F1 with 95% bootstrap intervals over "
        "the documents of each group (none for a single document).",
        "",
        *head,
        "|---|---:|" + "---:|" * (len(systems) + 2),
    ]
    events = reports["spacy-sm-events"]
    for name, g in first["groups"]["values"].items():
        cells = [_f1(reports[s]["groups"]["values"][name]["entities"]["strict"]) for s in systems]
        ev = events["groups"]["values"][name]["events"]
        cells += [_f1(ev["trigger_classification"]), _f1(ev["argument_classification"])]
        lines.append(f"| {name} | {g['documents']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def blocks(reports: Path) -> dict[str, str]:
    """Every figures block of docs/corpus.md, made from the reports."""
    return {
        "systems": table(reports),
        "styles": grouped(reports, SYSTEMS, "Held-out"),
        "dev": grouped(reports / "dev", ("spacy-sm", "spacy-sm-events"), "Development"),
    }


def split_page(text: str, name: str) -> tuple[str, str, str]:
    start = f"<!-- figures:{name} -->"
    if start not in text:
        raise SystemExit(f"{PAGE} has no {start} ... {END} block")
    head, rest = text.split(start, 1)
    if END not in rest:
        raise SystemExit(f"{PAGE}: {start} has no {END}")
    body, tail = rest.split(END, 1)
    return head + start, body, tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true")
    action.add_argument("--write", action="store_true")
    parser.add_argument("--reports", type=Path, default=ROOT / "reports")
    args = parser.parse_args()
    text = PAGE.read_text(encoding="utf-8")
    differ = []
    for name, table_text in blocks(args.reports).items():
        head, body, tail = split_page(text, name)
        want = "\n" + table_text + "\n"
        if body != want:
            differ.append((name, body, want))
        text = head + want + END + tail
    if args.write:
        PAGE.write_text(text, encoding="utf-8")
        return 0
    if not differ:
        print("docs/corpus.md: the figures of the bundled systems are the ones the reports give")
        return 0
    print("docs/corpus.md: the figures of the bundled systems differ from the reports just made:", file=sys.stderr)
    for name, body, want in differ:
        sys.stderr.writelines(
            difflib.unified_diff(body.splitlines(True), want.splitlines(True), f"docs/corpus.md ({name})", "reports")
        )
    print(
        "documented figures out of date (exit 3): python scripts/doc_figures.py --write puts the new ones in",
        file=sys.stderr,
    )
    return EXIT_FIGURES


if __name__ == "__main__":
    sys.exit(main())
