"""Writing reports: report.json, report.md and report.html of one system; comparison.json and .md of several."""

from __future__ import annotations

from pathlib import Path

from ..files import atomic_write_lines, atomic_write_text
from .html import comparison_html, to_html
from .markdown import comparison_markdown, to_markdown
from .model import Report, SideBySide


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write report.json, report.md and report.html into `out_dir` (each atomically); returns their paths."""
    out_dir = Path(out_dir)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    atomic_write_lines(paths[0], report.json_chunks())
    atomic_write_text(paths[1], to_markdown(report))
    atomic_write_text(paths[2], to_html(report))
    return paths


def write_comparison(table: SideBySide, out_dir: Path) -> list[Path]:
    """Write comparison.json, comparison.md and comparison.html into `out_dir`; returns their paths."""
    paths = [Path(out_dir) / name for name in ("comparison.json", "comparison.md", "comparison.html")]
    atomic_write_text(paths[0], table.to_json())
    atomic_write_text(paths[1], comparison_markdown(table))
    atomic_write_text(paths[2], comparison_html(table))
    return paths


def write_comparison_folder(table: SideBySide, folder: Path) -> list[Path]:
    """Write comparison.json, .md and .html into `folder`, created if missing (refused if it is a file)."""
    from ..errors import AnnotError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise AnnotError(
            f"{folder}: is a file; the comparison is written into a folder (comparison.json, .md, .html)",
            "Give a folder that does not exist yet or is one, e.g. -o reports/comparison/.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    return write_comparison(table, folder)
