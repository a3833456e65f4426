"""The terminal's view of reports: rich tables of one system, of systems side by side, of a paired comparison."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES
from .markdown import fmt, format_p, short_metric
from .model import Comparison, Report, SideBySide


def summary_rows(report: Report) -> list[list[str]]:
    """Rows of the summary table: scheme / level, P, R, F1, counts (and the humans' F1 when known)."""
    rows = []
    h = report.human
    for s in SCHEMES:
        c = report.entities.micro[s]
        rows.append(
            [
                f"entities {s}",
                fmt(c.precision),
                fmt(c.recall),
                fmt(c.f1),
                f"{c.correct}/{c.possible} gold, {c.actual} predicted",
            ]
            + ([fmt(h.entities.micro[s].f1)] if h else [])
        )
    if not any(report.events.micro[lvl].gold or report.events.micro[lvl].predicted for lvl in EVENT_LEVELS):
        rows.append(["events", "", "", "", "none in the gold or the predictions: not scored"] + ([""] if h else []))
        return rows
    for lvl in EVENT_LEVELS:
        e = report.events.micro[lvl]
        rows.append(
            [
                f"events {lvl}",
                fmt(e.precision),
                fmt(e.recall),
                fmt(e.f1),
                f"{e.matched}/{e.gold} gold, {e.predicted} predicted",
            ]
            + ([fmt(h.events.micro[lvl].f1)] if h else [])
        )
    return rows


def summary_table(report: Report, title: str) -> Table:
    """One system's micro scores: every entity scheme and event level."""
    table = Table(title=title)
    cols = ["level", "P", "R", "F1", "counts"] + (
        [f"humans F1 ({report.human.documents} docs)"] if report.human else []
    )
    for col in cols:
        table.add_column(col, justify="left" if col in ("level", "counts") else "right")
    for row in summary_rows(report):
        table.add_row(*row)
    return table


def side_by_side_table(sbs: SideBySide) -> Table:
    """The systems side by side: value, difference to the reference and p-value per metric."""
    t = Table(title=f"Systems side by side (p: paired approximate randomisation against {sbs.reference})")
    t.add_column("system")
    for m in sbs.metrics:
        t.add_column(short_metric(m), justify="right")
    for row in sbs.systems:
        cells = []
        for m in sbs.metrics:
            c = row.metrics[m]
            v = fmt(c.value)
            if c.delta is not None:
                v += f"\n{c.delta:+.3f} p {format_p(c.p_value)}"
            cells.append(v)
        t.add_row(row.system, *cells)
    return t


def comparison_table(rows: Sequence[Comparison], name_a: str, name_b: str, samples: int, seed: int) -> Table:
    """Two systems compared metric by metric (`annot compare`)."""
    table = Table(title=f"A = {name_a}, B = {name_b} (approximate randomisation, {samples} resamples, seed {seed})")
    for col in ("metric", "A", "B", "B - A", "p"):
        table.add_column(col, justify="left" if col == "metric" else "right")

    def f(x: float | None, sign: bool = False) -> str:
        return "–" if x is None else (f"{x:+.4f}" if sign else f"{x:.4f}")

    for r in rows:
        table.add_row(r.metric, f(r.a), f(r.b), f(r.delta, True), format_p(r.p_value))
    return table
