"""report.html and comparison.html: pages read top-down, made from templates (Jinja2, autoescaping on).

A report page opens on what a reader wants first: which system on which gold
(file, split, documents), the gate's verdict, and the headline scores with
their intervals; then per label, events, groups, per-document scores (to find
the documents a system fails on), the gate's checks, confusions, and the
errors, grouped by category and folded, each list capped with the count of
what it does not show. Every page is one self-contained file: CSS, script and
SVG charts inline, nothing loaded from outside (its Content-Security-Policy
forbids it). Meaning is never carried by colour alone.

The view below prepares what the templates show (rows, chart geometry); the
templates only lay it out, and escape every text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scoring.counts import CountKey
from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES
from .markdown import fmt, format_p, short_metric
from .model import EntityScore, EventScore, GateCheck, Report, SideBySide
from .templates import render

ERRORS_SHOWN = 50  # errors shown per category, folded; the rest are counted (all listed ones are in report.json)
DOCUMENTS_SHOWN = 1000  # per-document rows: those with the lowest strict F1 first


# ------------------------------------------------------------------ charts


@dataclass(frozen=True)
class Bar:
    name: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""  # shown instead of a bar ("no support")
    series: int = 0  # which series of a grouped chart


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of scores in [0, 1]: geometry in SVG units, one row per name."""

    id: str
    title: str
    bars: tuple[Bar, ...]
    series: tuple[str, ...] = ("F1",)
    left: int = 0
    width: int = 640
    right: int = 110
    top: int = 28
    bar: int = 16
    gap: int = 10

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(b.name for b in self.bars))

    @property
    def row(self) -> int:
        return self.bar * len(self.series) + self.gap

    @property
    def height(self) -> int:
        return self.top + len(self.names) * self.row + 8

    @property
    def plot(self) -> int:
        return self.width - self.left - self.right

    def x(self, v: float) -> float:
        return round(self.left + self.plot * min(1.0, max(0.0, v)), 1)

    def y(self, b: Bar) -> int:
        return self.top + self.names.index(b.name) * self.row + b.series * self.bar

    def label_y(self, name: str) -> float:
        return self.top + self.names.index(name) * self.row + self.bar * len(self.series) / 2 + 4

    @property
    def has_intervals(self) -> bool:
        return any(b.low is not None and b.high is not None for b in self.bars)

    @property
    def ticks(self) -> list[tuple[float, float]]:
        return [(t, self.x(t)) for t in (0.0, 0.25, 0.5, 0.75, 1.0)]

    @property
    def description(self) -> str:
        parts = []
        for b in self.bars:
            who = b.name + (f" ({self.series[b.series]})" if len(self.series) > 1 else "")
            if b.note or b.value is None:
                parts.append(f"{who}: {b.note or '–'}")
            else:
                ci = f" [{fmt(b.low)}, {fmt(b.high)}]" if b.low is not None and b.high is not None else ""
                parts.append(f"{who}: {fmt(b.value)}{ci}")
        return "; ".join(parts)


def _chart(id: str, title: str, bars: list[Bar], series: tuple[str, ...] = ("F1",)) -> Chart | None:
    if not bars:
        return None
    left = 20 + 8 * min(32, max(len(b.name) for b in bars))
    right = 110 if len(series) < 2 else 60 + 7 * min(24, max(len(s) for s in series))
    width = max(640, left + 400 + right)
    return Chart(id=id, title=title, bars=tuple(bars), series=series, left=left, right=right, width=width)


def _ci(score: EntityScore | EventScore, metric: str = "f1") -> tuple[float | None, float | None]:
    ends = None if score.ci is None else getattr(score.ci, metric)
    return (ends[0], ends[1]) if ends else (None, None)


# ------------------------------------------------------------------ view


@dataclass(frozen=True)
class Headline:
    """One row of the headline table: a scheme or level, its scores and support."""

    name: str
    score: EntityScore | EventScore
    support: str
    humans: float | None = None
    key: str = ""  # the scheme or level (its definition)
    human_score: EntityScore | EventScore | None = None


@dataclass(frozen=True)
class DocumentRow:
    document: str
    gold: int
    strict_f1: float | None
    partial_f1: float | None
    trigger_f1: float | None
    argument_f1: float | None
    errors: int


@dataclass(frozen=True)
class ErrorGroup:
    category: str
    shown: list[Any]
    listed: int  # in report.json
    left_out: int  # not even in report.json (beyond max_errors)

    @property
    def total(self) -> int:
        return self.listed + self.left_out


@dataclass
class View:
    report: Report
    headline: list[Headline]
    events_scored: bool
    events_predicted: bool
    failed: list[GateCheck]
    label_chart: Chart | None
    type_chart: Chart | None
    role_chart: Chart | None
    documents: list[DocumentRow]
    documents_total: int
    entity_errors: list[ErrorGroup]
    event_errors: list[ErrorGroup]
    confusion: tuple[list[str], list[str]] | None = None
    role_confusion: tuple[list[str], list[str]] | None = None
    sections: list[tuple[str, str]] = field(default_factory=list)


def _documents(report: Report, limit: int) -> tuple[list[DocumentRow], int]:
    """Per-document scores, the documents with the lowest strict F1 first (undefined last), at most `limit`."""
    from ..scoring.counts import metric_from_sums

    table = report.per_document
    strict = table.matrix(CountKey("entities", None, "strict")).astype(np.int64)
    partial = table.matrix(CountKey("entities", None, "partial")).astype(np.int64)
    trig = table.matrix(CountKey("events", None, "trigger_classification")).astype(np.int64)
    args = table.matrix(CountKey("events", None, "argument_classification")).astype(np.int64)
    f1 = {
        "strict": metric_from_sums("entities", strict, "f1"),
        "partial": metric_from_sums("entities", partial, "f1"),
        "trigger": metric_from_sums("events", trig, "f1"),
        "argument": metric_from_sums("events", args, "f1"),
    }
    ids = np.array(table.ids, dtype=object)
    undefined = np.isnan(f1["strict"])
    order = np.lexsort((ids, np.nan_to_num(f1["strict"], nan=2.0), undefined))[:limit]

    def value(name: str, i: int) -> float | None:
        v = f1[name][i]
        return None if np.isnan(v) else float(v)

    rows = [
        DocumentRow(
            document=table.ids[i],
            gold=int(strict[i, :4].sum()),
            strict_f1=value("strict", i),
            partial_f1=value("partial", i),
            trigger_f1=value("trigger", i),
            argument_f1=value("argument", i),
            errors=int(strict[i, 1] + strict[i, 3] + strict[i, 4]),
        )
        for i in order.tolist()
    ]
    return rows, len(table.ids)


def _error_groups(errors: tuple[Any, ...], left_out: dict[str, int], shown: int) -> list[ErrorGroup]:
    by_cat: dict[str, list[Any]] = {}
    for e in errors:
        by_cat.setdefault(e.category, []).append(e)
    cats = sorted(set(by_cat) | set(left_out), key=lambda c: (-(len(by_cat.get(c, [])) + left_out.get(c, 0)), c))
    return [
        ErrorGroup(
            category=c, shown=by_cat.get(c, [])[:shown], listed=len(by_cat.get(c, [])), left_out=left_out.get(c, 0)
        )
        for c in cats
    ]


def _axes(matrix: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    special = ("(missed)", "(spurious)")

    def order(names: set[str]) -> list[str]:
        return sorted(n for n in names if n not in special) + [n for n in special if n in names]

    return order(set(matrix)), order({p for row in matrix.values() for p in row})


def view(report: Report, errors_shown: int = ERRORS_SHOWN, documents_shown: int = DOCUMENTS_SHOWN) -> View:
    """What report.html shows, in the order it shows it."""
    ents, evs, h = report.entities, report.events, report.human
    headline = [
        Headline(
            name=f"entities {s}",
            score=ents.micro[s],
            support=f"{ents.micro[s].correct}/{ents.micro[s].possible} gold, {ents.micro[s].actual} predicted",
            humans=None if h is None else h.entities.micro[s].f1,
            key=s,
            human_score=None if h is None else h.entities.micro[s],
        )
        for s in SCHEMES
    ]
    events_scored = any(evs.micro[lvl].gold or evs.micro[lvl].predicted for lvl in EVENT_LEVELS)
    if events_scored:
        headline += [
            Headline(
                name=f"events {lvl.replace('_', ' ')}",
                score=evs.micro[lvl],
                support=f"{evs.micro[lvl].matched}/{evs.micro[lvl].gold} gold, {evs.micro[lvl].predicted} predicted",
                humans=None if h is None else h.events.micro[lvl].f1,
                key=lvl,
                human_score=None if h is None else h.events.micro[lvl],
            )
            for lvl in EVENT_LEVELS
        ]
    label_bars = []
    for lab, by_scheme in ents.per_label.items():
        c = by_scheme["strict"]
        if lab in ents.unsupported_labels:
            label_bars.append(Bar(lab, None, note="no support"))
        else:
            label_bars.append(Bar(lab, c.f1, *_ci(c)))
    type_bars, role_bars = [], []
    for t, by_level in evs.per_type.items():
        tc, ac = by_level["trigger_classification"], by_level["argument_classification"]
        none = not (tc.gold or tc.predicted)
        type_bars.append(Bar(t, None if none else tc.f1, note="no support" if none else "", series=0))
        none_a = not (ac.gold or ac.predicted)
        type_bars.append(Bar(t, None if none_a else ac.f1, note="no support" if none_a else "", series=1))
    for r, by_role_level in evs.per_role.items():
        ac = by_role_level["argument_classification"]
        none = not (ac.gold or ac.predicted)
        role_bars.append(Bar(r, None if none else ac.f1, note="no support" if none else ""))
    documents, total = _documents(report, documents_shown)
    v = View(
        report=report,
        headline=headline,
        events_scored=events_scored,
        events_predicted=any(evs.micro[lvl].predicted for lvl in EVENT_LEVELS),
        failed=[] if report.gate is None else report.gate.failed,
        label_chart=_chart("f1-chart", "Per-label F1 (strict) with confidence intervals", label_bars),
        type_chart=_chart(
            "type-chart",
            "Per event type: trigger and argument classification F1",
            type_bars if events_scored else [],
            ("trigger", "argument"),
        ),
        role_chart=_chart("role-chart", "Per role: argument classification F1", role_bars if events_scored else []),
        documents=documents,
        documents_total=total,
        entity_errors=_error_groups(ents.errors, ents.errors_left_out, errors_shown),
        event_errors=_error_groups(evs.errors, evs.errors_left_out, errors_shown),
        confusion=_axes(ents.confusion) if ents.confusion else None,
        role_confusion=_axes(evs.role_confusion) if evs.role_confusion else None,
    )
    v.sections = [
        ("scores", "Scores"),
        ("labels", "Per label"),
        ("events", "Events"),
        *([("groups", "By " + report.groups.key)] if report.groups else []),
        ("documents", "Per document"),
        *([("gate", "Gate checks")] if report.gate else []),
        *([("humans", "Humans")] if h else []),
        ("confusion", "Confusions"),
        ("entity-errors", "Entity errors"),
        ("event-errors", "Event errors"),
        ("about", "About"),
    ]
    return v


def to_html(report: Report, errors_shown: int = ERRORS_SHOWN, documents_shown: int = DOCUMENTS_SHOWN) -> str:
    """The report as one self-contained HTML page."""
    return render(
        "report.html",
        v=view(report, errors_shown, documents_shown),
        r=report,
        errors_shown=errors_shown,
        fmt=fmt,
        schemes=SCHEMES,
        levels=EVENT_LEVELS,
        heat=heat,
    )


def heat(n: int, row_total: int) -> str:
    """The background of a confusion cell: its share of the row, as a shade of blue (the count is written too)."""
    share = n / row_total if row_total else 0.0
    return f"background: rgba(11, 83, 148, {share * 0.85:.3f}); color: {'#fff' if share > 0.5 else 'inherit'}"


# ------------------------------------------------------------------ comparison


@dataclass(frozen=True)
class MetricGroup:
    """Metrics of a comparison shown together: a block of the table and one chart."""

    title: str
    metrics: list[str]
    chart: Chart | None


def _group_of(path: str) -> str:
    if ".per_label." in path:
        return "Entities per label"
    if ".per_type." in path or ".per_role." in path:
        return "Events per type and role"
    return "Entities: micro and macro" if path.startswith("entities.") else "Events: micro"


def metric_definition(path: str) -> str:
    """The one-line definition of the scheme or level a metric path scores under (empty when none applies)."""
    from ..scoring.vocabulary import LEVEL_DEFINITIONS, SCHEME_DEFINITIONS

    parts = path.split(".")
    for part in reversed(parts):
        if part in SCHEME_DEFINITIONS:
            return f"{part}: {SCHEME_DEFINITIONS[part]}" + (" (mean over labels)" if "macro" in parts else "")
        if part in LEVEL_DEFINITIONS:
            return f"{part}: {LEVEL_DEFINITIONS[part]}"
    return ""


def comparison_groups(table: SideBySide) -> list[MetricGroup]:
    """The metrics of a comparison by group (micro and macro, per label, events), each with a chart of every
    system's value and interval."""
    groups: dict[str, list[str]] = {}
    for m in table.metrics:
        groups.setdefault(_group_of(m), []).append(m)
    names = tuple(row.system for row in table.systems)
    out = []
    for n, (title, metrics) in enumerate(groups.items()):
        bars = []
        for m in metrics:
            for i, row in enumerate(table.systems):
                c = row.metrics[m]
                if c.not_predicted:
                    bars.append(Bar(short_metric(m), None, note="not predicted", series=i))
                else:
                    bars.append(Bar(short_metric(m), c.value, c.low, c.high, series=i))
        out.append(MetricGroup(title, metrics, _chart(f"chart-{n}", f"{title}: F1 per system", bars, names)))
    return out


def comparison_html(table: SideBySide) -> str:
    """The systems compared as one page: a row per metric, a column per system (value, interval, difference to
    the reference and paired p-value), and a chart per group of metrics with every system's interval."""
    return render(
        "comparison.html",
        t=table,
        fmt=fmt,
        format_p=format_p,
        short_metric=short_metric,
        groups=comparison_groups(table),
        definition=metric_definition,
        schemes=SCHEMES,
        levels=EVENT_LEVELS,
    )
