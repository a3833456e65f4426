"""The terminal's view of reports: rich tables that fit the terminal's width (80 columns and CI logs included).

Below `WIDE` columns the tables use short level names and leave the intervals
out; from `WIDE` on they show full names and the intervals. The tables have no
vertical rules, so that a row stays one line at 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.table import Table

from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES
from .markdown import fmt, format_p, short_metric
from .model import Comparison, EntityScore, EventScore, Report, SideBySide

WIDE = 110  # columns from which the tables show full names and intervals
WORST = 5  # labels (and event types) in the table of the worst ones

SHORT_LEVELS = {
    "trigger_identification": "trigger id.",
    "trigger_classification": "trigger cls.",
    "argument_identification": "argument id.",
    "argument_classification": "argument cls.",
    "argument_identification_anchored": "arg. id. anch.",
    "argument_classification_anchored": "arg. cls. anch.",
}


def _table(title: str | None = None) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)


def _with_ci(score: EntityScore | EventScore, metric: str, wide: bool) -> str:
    value = fmt(getattr(score, metric))
    ends = None if score.ci is None else getattr(score.ci, metric)
    return f"{value} [{ends[0]:.2f}, {ends[1]:.2f}]" if wide and ends else value


def summary_rows(report: Report, wide: bool = True) -> list[list[str]]:
    """Rows of the summary table: scheme / level, P, R, F1, correct, gold, predicted (and the humans' F1)."""
    rows = []
    h = report.human
    for s in SCHEMES:
        c = report.entities.micro[s]
        rows.append(
            [f"entities {s}" if wide else s, fmt(c.precision), fmt(c.recall), _with_ci(c, "f1", wide)]
            + [str(c.correct), str(c.possible), str(c.actual)]
            + ([fmt(h.entities.micro[s].f1)] if h else [])
        )
    macro = report.entities.macro["strict"]
    rows.append(
        ["entities macro (strict)" if wide else "macro strict", fmt(macro.precision), fmt(macro.recall), fmt(macro.f1)]
        + ["", "", ""]
        + ([fmt(h.entities.macro["strict"].f1)] if h else [])
    )
    if not any(report.events.micro[lvl].gold or report.events.micro[lvl].predicted for lvl in EVENT_LEVELS):
        rows.append(["events", "", "", "", "", "none", "none"] + ([""] if h else []))
        return rows
    if not any(report.events.micro[lvl].predicted for lvl in EVENT_LEVELS):
        e = report.events.micro["trigger_identification"]
        rows.append(["events", "–", "–", "–", "", str(e.gold), "0"] + ([""] if h else []))
        return rows
    for lvl in EVENT_LEVELS:
        e = report.events.micro[lvl]
        rows.append(
            [f"events {lvl}" if wide else SHORT_LEVELS[lvl], fmt(e.precision), fmt(e.recall), _with_ci(e, "f1", wide)]
            + [str(e.matched), str(e.gold), str(e.predicted)]
            + ([fmt(h.events.micro[lvl].f1)] if h else [])
        )
    return rows


def summary_table(report: Report, title: str, width: int = 120) -> Table:
    """One system's micro scores: every entity scheme and event level, with the intervals when wide enough."""
    wide = width >= WIDE
    table = _table(title)
    cols = ["level", "P", "R", "F1", "match", "gold", "pred."] + (["humans"] if report.human else [])
    for col in cols:
        table.add_column(col, justify="left" if col == "level" else "right", no_wrap=True)
    for i, row in enumerate(summary_rows(report, wide)):
        if i == len(SCHEMES) + 1:
            table.add_section()
        table.add_row(*row)
    return table


def worst_rows(report: Report, n: int = WORST) -> list[list[str]]:
    """The `n` labels with the lowest strict F1 (and event types with the lowest trigger classification F1), of
    those with gold support: what, name, P, R, F1, gold, predicted."""
    rows = []
    labels = [
        (name, per["strict"])
        for name, per in report.entities.per_label.items()
        if per["strict"].possible and name not in report.entities.unsupported_labels
    ]
    labels.sort(key=lambda x: (x[1].f1 if x[1].f1 is not None else -1.0, -x[1].possible, x[0]))
    labels = [x for x in labels if x[1].f1 != 1.0]
    for name, c in labels[:n]:
        rows.append(["label", name, fmt(c.precision), fmt(c.recall), fmt(c.f1), str(c.possible), str(c.actual)])
    if any(report.events.micro[lvl].predicted for lvl in EVENT_LEVELS):
        types = [(t, per["trigger_classification"]) for t, per in report.events.per_type.items()]
        types = [(t, e) for t, e in types if e.gold and e.f1 != 1.0]
        types.sort(key=lambda x: (x[1].f1 if x[1].f1 is not None else -1.0, -x[1].gold, x[0]))
        for name, e in types[:n]:
            rows.append(["event", name, fmt(e.precision), fmt(e.recall), fmt(e.f1), str(e.gold), str(e.predicted)])
    return rows


def worst_table(report: Report, n: int = WORST) -> Table | None:
    """The worst labels (strict F1) and event types (trigger classification F1), as `spacy evaluate` lists them."""
    rows = worst_rows(report, n)
    if not rows:
        return None
    table = _table("Lowest F1 (labels: strict; event types: trigger cls.)")
    for col in ("", "name", "P", "R", "F1", "gold", "pred."):
        table.add_column(col, justify="left" if col in ("", "name") else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def notes(report: Report) -> list[str]:
    """What the tables do not show but a reader should know: predictions ignored, spans off the tokens."""
    out = []
    ignored = report.meta.ignored_prediction_documents
    if ignored:
        split = report.meta.gold.split
        out.append(
            f"ignored: predictions for {len(ignored)} document(s) outside split {split} (listed in report.json, "
            "meta.ignored_prediction_documents)"
            if split
            else f"ignored: predictions for {len(ignored)} document(s) (meta.ignored_prediction_documents)"
        )
    ev = report.events.micro["trigger_identification"]
    if ev.gold and not any(report.events.micro[lvl].predicted for lvl in EVENT_LEVELS):
        out.append(f"events: none predicted by this system ({ev.gold} gold triggers): no event score")
    al = report.meta.alignment
    if al is not None and al.predicted_unaligned:
        out.append(
            f"off the tokens: {al.predicted_unaligned} predicted mention(s) do not start and end at token edges "
            "(scored on characters; meta.alignment)"
        )
    return out


def comparison_table(sbs: SideBySide, width: int = 120, title: str | None = None) -> Table:
    """Systems compared metric by metric: a row per metric, a column per system; below each value (but the
    reference's), the difference to the reference and its paired p-value; "not predicted" for a layer the system
    has no output of."""
    wide = width >= WIDE
    t = _table(title or f"Systems compared (p: paired approximate randomisation against {sbs.reference})")
    t.add_column("metric", no_wrap=True)
    for row in sbs.systems:
        t.add_column(
            row.system + ("\n(reference)" if row.system == sbs.reference else ""), justify="right", overflow="fold"
        )
    for m in sbs.metrics:
        cells = []
        for row in sbs.systems:
            c = row.metrics[m]
            if c.not_predicted:
                cells.append("not predicted")
                continue
            v = fmt(c.value)
            if wide and c.low is not None and c.high is not None:
                v += f" [{c.low:.2f}, {c.high:.2f}]"
            if c.delta is not None:
                v += f"\n{c.delta:+.3f}" + (", " if wide else "\n") + f"p {format_p(c.p_value)}"
            cells.append(v)
        t.add_row(metric_label(m, wide), *cells)
    return t


def metric_label(path: str, wide: bool = True) -> str:
    """A metric path as a row label; narrow: without the group and with short level names.

    >>> metric_label("entities.per_label.PER.strict.f1", wide=False), metric_label("events.micro.trigger_classification.f1", wide=False)
    ('PER strict F1', 'trigger cls. F1')
    """
    label = short_metric(path)
    if wide:
        return label
    for group in ("per_label.", "per_type.", "per_role."):
        label = label.replace(group, "")
    for level, short in SHORT_LEVELS.items():
        label = label.replace(level, short)
    return label.replace(".", " ", 1) if label.count(".") == 1 and " " not in label.split(".")[0] else label


def paired_table(rows: Sequence[Comparison], name_a: str, name_b: str, samples: int, seed: int) -> Table:
    """Two systems compared metric by metric (the two-report JSON form of `annot compare`)."""
    table = _table(f"A = {name_a}, B = {name_b} (approximate randomisation, {samples} resamples, seed {seed})")
    for col in ("metric", "A", "B", "B - A", "p"):
        table.add_column(col, justify="left" if col == "metric" else "right")

    def f(x: float | None, sign: bool = False) -> str:
        return "–" if x is None else (f"{x:+.4f}" if sign else f"{x:.4f}")

    for r in rows:
        table.add_row(r.metric, f(r.a), f(r.b), f(r.delta, True), format_p(r.p_value))
    return table
