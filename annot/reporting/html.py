"""report.html: one self-contained page from a report.json object (see README, 'Report format').

The page loads nothing from outside: the CSS and the small filtering script are
inline, the per-label chart is an SVG drawn here, and a Content-Security-Policy
forbids any other load. Every text taken from the report is escaped; a null
value shows as "–", a float with three decimals. Meaning is never carried by
colour alone: verdicts and outcomes are also written out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from ..scoring.matching import EVENT_LEVELS, SCHEMES

DASH = "–"
SPECIAL = ("(missed)", "(spurious)")  # pseudo-labels of a confusion matrix, listed last
COUNT_KEYS = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual")
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

CSS = """
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --zebra: #f6f8fa;
  --accent: #0b5394; --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #b42318; --bad-bg: #ffebe9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--fg); background: #fff; }
main { max-width: 74rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.25rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p.note, .muted { color: var(--muted); font-size: .9rem; }
nav ul { list-style: none; padding: 0; margin: .5rem 0 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
a { color: var(--accent); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 1rem 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
dl.defs dt { font-weight: 600; margin-top: .5rem; }
dl.defs dd { margin: 0 0 0 1rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; vertical-align: top; }
thead th { background: var(--zebra); text-align: center; }
tbody th { text-align: left; font-weight: 600; }
tbody tr:nth-child(even) td, tbody tr:nth-child(even) th { background: var(--zebra); }
td.num { text-align: right; white-space: nowrap; min-width: 4rem; }
td.na { text-align: center; color: var(--muted); font-style: italic; }
.ci { display: block; color: var(--muted); font-size: .8rem; }
.sub { display: block; color: var(--muted); font-size: .8rem; white-space: nowrap; }
.banner { border: 2px solid; border-radius: 6px; padding: .75rem 1rem; margin: 1.25rem 0; font-size: 1.1rem; }
.banner.pass { border-color: var(--ok); background: var(--ok-bg); }
.banner.fail { border-color: var(--bad); background: var(--bad-bg); }
.verdict { font-weight: 700; }
.pass .verdict, td.pass { color: var(--ok); font-weight: 600; }
.fail .verdict, td.fail { color: var(--bad); font-weight: 600; }
figure { margin: .5rem 0 1rem; }
svg.chart { display: block; width: 100%; max-width: 46rem; height: auto; font-family: inherit; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .grid { stroke: #d8dee4; stroke-width: 1; }
svg .bar { fill: #4a86c5; }
svg .whisker { stroke: #1b1f24; stroke-width: 1.5; }
svg text { fill: #1b1f24; font-size: 12px; }
svg text.nosupport { fill: #57606a; font-style: italic; }
table.heat td { text-align: right; min-width: 3rem; }
table.heat td.diag { outline: 2px solid #1b1f24; outline-offset: -3px; font-weight: 700; }
table.heat td.zero { color: #8c959f; }
table.errors { font-size: .9rem; width: 100%; }
table.errors td.ctx { min-width: 22rem; }
mark { background: #ffe08a; color: inherit; font-weight: 600; padding: 0 .1em;
  border-bottom: 2px solid #9a6700; }
.filter { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: .5rem 0; }
.filter select, .filter input { font: inherit; padding: .15rem .3rem; }
@media print { nav, .filter { display: none; } main { max-width: none; } }
"""

SCRIPT = """
document.querySelectorAll("form.filter").forEach(function (form) {
  var table = document.getElementById(form.dataset.table);
  var select = form.querySelector("select");
  var search = form.querySelector("input");
  var status = form.querySelector("output");
  function apply() {
    var cat = select.value, q = search.value.trim().toLowerCase(), shown = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var ok = (!cat || row.dataset.category === cat) && (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    status.textContent = shown + " shown";
  }
  select.addEventListener("change", apply);
  search.addEventListener("input", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
});
"""


# ------------------------------------------------------------------ values


def _e(x: object) -> str:
    """Escape any value for HTML text or a quoted attribute; None shows as a dash."""
    return DASH if x is None else escape(str(x), quote=True)


def _f(x: float | None) -> str:
    """A float with three decimals; None shows as a dash."""
    return DASH if x is None else f"{x:.3f}"


def _slug(prefix: str, text: str) -> str:
    """An id usable in an anchor, from any text."""
    return prefix + "-" + "".join(ch if ch.isalnum() else "-" for ch in text.lower())


def _mark(context: str) -> str:
    """The escaped context with the span between ⟦ and ⟧ in a <mark> element."""
    before, sep, rest = context.partition("⟦")
    span, sep2, after = rest.partition("⟧")
    if not (sep and sep2):
        return _e(context)
    return f"{_e(before)}<mark>{_e(span)}</mark>{_e(after)}"


# ------------------------------------------------------------------ tables


def _table(headers: Sequence[str], rows: Iterable[str], caption: str = "", cls: str = "", table_id: str = "") -> str:
    """A table in a scrolling box: `headers` become <th scope=col>, `rows` are ready <tr> elements."""
    attrs = (f' class="{cls}"' if cls else "") + (f' id="{table_id}"' if table_id else "")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    return f'<div class="scroll"><table{attrs}>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _row(head: str, cells: Iterable[str], attrs: str = "") -> str:
    """A <tr> with a row header (escaped) and ready <td> cells."""
    return f'<tr{attrs}><th scope="row">{_e(head)}</th>{"".join(cells)}</tr>'


def _num(x: object) -> str:
    return f'<td class="num">{_e(x)}</td>'


def _score(c: dict[str, Any], key: str) -> str:
    """A P/R/F1 cell, with its confidence interval below when the report has one."""
    ci = (c.get("ci") or {}).get(key)
    low_high = f'<span class="ci" title="confidence interval">[{_f(ci[0])}, {_f(ci[1])}]</span>' if ci else ""
    return f'<td class="num">{_f(c.get(key))}{low_high}</td>'


def _scores(c: dict[str, Any]) -> list[str]:
    return [_score(c, k) for k in ("precision", "recall", "f1")]


# ------------------------------------------------------------------ sections


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}" aria-labelledby="{sid}-h"><h2 id="{sid}-h">{_e(title)}</h2>{body}</section>'


def _meta_items(report: dict[str, Any]) -> list[tuple[str, object]]:
    """(term, value) pairs of the header: system, gold, schema, version, settings."""
    m = report["meta"]
    system, gold, st = m.get("system") or {}, m.get("gold") or {}, m.get("settings") or {}
    sha = gold.get("sha256")
    items: list[tuple[str, object]] = [
        ("System", system.get("name")),
        ("Model", system.get("model")),
        ("Model version", system.get("version")),
        ("Predictions", system.get("predictions")),
        ("Gold", gold.get("path")),
        ("Gold sha256", sha[:16] + "…" if isinstance(sha, str) and len(sha) > 16 else sha),
        ("Documents", gold.get("documents")),
        ("Split", gold.get("split")),
        ("Schema", " ".join(str(m["schema"].get(k, "")) for k in ("name", "version")) if m.get("schema") else None),
        ("annot version", m.get("annot_version")),
        ("Created", m.get("created_at")),
        ("Bootstrap samples", st.get("bootstrap_samples")),
        ("Seed", st.get("seed")),
        ("Confidence", st.get("confidence")),
        ("Zero division", st.get("zero_division")),
    ]
    ignored = m.get("ignored_prediction_documents")
    if ignored:
        items.append(("Ignored prediction documents", ", ".join(map(str, ignored))))
    optional = {"Model", "Model version", "Predictions", "Split"}
    return [(k, v) for k, v in items if v is not None or k not in optional]


def _header(report: dict[str, Any], sections: list[tuple[str, str]]) -> str:
    name = (report["meta"].get("system") or {}).get("name")
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in _meta_items(report))
    links = "".join(f'<li><a href="#{sid}">{_e(title)}</a></li>' for sid, title in sections)
    return (
        f"<header><h1>annot evaluation: {_e(name)}</h1>"
        f'<dl class="meta">{dl}</dl>'
        f'<nav aria-label="Sections"><ul>{links}</ul></nav></header>'
    )


def _gate(gate: dict[str, Any]) -> str:
    passed = bool(gate.get("passed"))
    cls, word = ("pass", "✓ PASSED") if passed else ("fail", "✗ FAILED")
    checks = sorted(gate.get("checks") or [], key=lambda c: bool(c.get("passed")))  # failures first
    n_ok = sum(1 for c in checks if c.get("passed"))
    banner = (
        f'<div class="banner {cls}" role="status"><span class="verdict">Gate: {word}</span> '
        f"({n_ok} of {len(checks)} checks passed)</div>"
    )
    rows = [_gate_row(c) for c in checks]
    settings = gate.get("settings") or {}
    note = (
        f'<p class="note">Settings: {_e("; ".join(f"{k} {_fmt(v)}" for k, v in sorted(settings.items())))}.</p>'
        if settings
        else ""
    )
    return _section("gate", "Quality gate", banner + _table(["result", "metric", "check"], rows) + note)


def _gate_row(c: dict[str, Any]) -> str:
    ok = bool(c.get("passed"))
    result = ("✓ pass" if ok else "✗ fail") + (" (not gated)" if c.get("gated") is False else "")
    return (
        f'<tr><td class="{"pass" if ok else "fail"}">{_e(result)}</td>'
        f"<td>{_e(c.get('metric'))}</td><td>{_e(c.get('description'))}</td></tr>"
    )


def _fmt(v: object) -> str:
    """A detail value: floats with three decimals, None as a dash, the rest as text."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return _f(v)
    return DASH if v is None else str(v)


def _entity_micro(ents: dict[str, Any]) -> str:
    micro = ents.get("micro") or {}
    rows = [_row(s, _scores(micro[s]) + [_num(micro[s].get(k)) for k in COUNT_KEYS]) for s in SCHEMES if s in micro]
    table = _table(["scheme", "P", "R", "F1", *COUNT_KEYS], rows, "Micro-averaged over all mentions")
    macro = ents.get("macro") or {}
    mrows = [
        _row(s, [_num(_f(macro[s].get(k))) for k in ("precision", "recall", "f1")] + [_num(macro[s].get("labels"))])
        for s in SCHEMES
        if s in macro
    ]
    mtable = _table(
        ["scheme", "P", "R", "F1", "labels"], mrows, "Macro: mean over labels with gold or predicted mentions"
    )
    note = '<p class="note">Intervals in brackets are bootstrap confidence intervals (see Definitions).</p>'
    return _section("entities", "Entities", table + mtable + note)


def _per_label(ents: dict[str, Any]) -> str:
    per = ents.get("per_label") or {}
    unsupported = set(ents.get("unsupported_labels") or [])
    rows = []
    for lab, schemes in per.items():
        c = schemes.get("strict") or {}
        if lab in unsupported:
            cells = ['<td class="na" colspan="3">no support</td>'] + [_num(c.get(k, 0)) for k in COUNT_KEYS]
        else:
            cells = _scores(c) + [_num(c.get(k)) for k in COUNT_KEYS]
        rows.append(_row(lab, cells, f' id="{_e(_slug("label", lab))}"'))
    table = _table(["label", "P", "R", "F1", *COUNT_KEYS], rows, "Per label, strict scheme")
    note = (
        '<p class="note">A label with no gold and no predicted mention has <em>no support</em>: it is not scored '
        "and not part of the macro average.</p>"
    )
    return _section("labels", "Entities per label (strict)", _f1_chart(per, unsupported) + table + note)


# ------------------------------------------------------------------ chart


def _f1_chart(per: dict[str, Any], unsupported: set[str]) -> str:
    """A horizontal bar chart (SVG) of per-label strict F1, its confidence interval as an error bar."""
    labels = list(per)
    if not labels:
        return ""
    left = 20 + 8 * min(32, max(len(lab) for lab in labels))
    width, right, top, bar_h, gap = 640, 110, 28, 18, 8
    plot = width - left - right
    height = top + len(labels) * (bar_h + gap) + 8

    def x(v: float) -> float:
        return round(left + plot * min(1.0, max(0.0, v)), 1)

    parts = [_axis(x, top, height)]
    for i, lab in enumerate(labels):
        y = top + i * (bar_h + gap)
        parts.append(_bar(lab, (per[lab] or {}).get("strict") or {}, lab in unsupported, y, bar_h, x))
    title = "Per-label F1 (strict) with confidence intervals"
    desc = "; ".join(_bar_text(lab, (per[lab] or {}).get("strict") or {}, lab in unsupported) for lab in labels)
    return (
        f'<figure><svg class="chart" id="f1-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="f1-chart-t f1-chart-d">'
        f'<title id="f1-chart-t">{_e(title)}</title><desc id="f1-chart-d">{_e(desc)}</desc>'
        f'{"".join(parts)}</svg><figcaption class="muted">{_e(title)}; '
        "the whisker is the interval, the number the F1.</figcaption></figure>"
    )


def _axis(x: Any, top: int, height: int) -> str:
    """Grid lines and tick labels at 0, 0.25, …, 1."""
    out = []
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        cls = "axis" if t == 0.0 else "grid"
        out.append(f'<line class="{cls}" x1="{x(t)}" x2="{x(t)}" y1="{top - 6}" y2="{height - 4}"/>')
        out.append(f'<text x="{x(t)}" y="{top - 10}" text-anchor="middle">{t:g}</text>')
    return "".join(out)


def _bar(lab: str, c: dict[str, Any], unsupported: bool, y: int, h: int, x: Any) -> str:
    """One label's row of the chart: name, bar, whisker, value."""
    mid = y + h / 2
    out = [f'<text x="{x(0) - 8}" y="{mid + 4}" text-anchor="end">{_e(lab)}</text>']
    f1 = c.get("f1")
    if unsupported or f1 is None:
        word = "no support" if unsupported else DASH
        return "".join(out) + f'<text class="nosupport" x="{x(0) + 6}" y="{mid + 4}">{word}</text>'
    out.append(f'<rect class="bar" x="{x(0)}" y="{y}" width="{round(x(f1) - x(0), 1)}" height="{h}"/>')
    ci = (c.get("ci") or {}).get("f1")
    end = x(f1)
    if ci:
        lo, hi = x(ci[0]), x(ci[1])
        out.append(f'<line class="whisker" x1="{lo}" x2="{hi}" y1="{mid}" y2="{mid}"/>')
        out += [f'<line class="whisker" x1="{v}" x2="{v}" y1="{y + 3}" y2="{y + h - 3}"/>' for v in (lo, hi)]
        end = max(end, hi)
    out.append(f'<text x="{end + 6}" y="{mid + 4}">{_f(f1)}</text>')
    return "".join(out)


def _bar_text(lab: str, c: dict[str, Any], unsupported: bool) -> str:
    if unsupported:
        return f"{lab}: no support"
    ci = (c.get("ci") or {}).get("f1")
    return f"{lab}: F1 {_f(c.get('f1'))}" + (f" [{_f(ci[0])}, {_f(ci[1])}]" if ci else "")


# ------------------------------------------------------------------ events


def _events(events: dict[str, Any]) -> str:
    micro = events.get("micro") or {}
    keys = ("matched", "predicted", "gold")
    rows = [_row(lvl, _scores(micro[lvl]) + [_num(micro[lvl].get(k)) for k in keys]) for lvl in _levels(micro)]
    table = _table(["level", "P", "R", "F1", *keys], rows, "Micro-averaged over all event mentions")
    per_type = _per_group("Per event type", "event type", events.get("per_type") or {})
    per_role = _per_group("Per argument role", "role", events.get("per_role") or {})
    return _section("events", "Events", table + per_type + per_role)


def _levels(by_level: dict[str, Any]) -> list[str]:
    """The event levels present, in the README's order, unknown ones after."""
    return [lvl for lvl in EVENT_LEVELS if lvl in by_level] + sorted(set(by_level) - set(EVENT_LEVELS))


def _per_group(title: str, head: str, groups: dict[str, Any]) -> str:
    """A table of F1 per group (event type, role) and level, with matched/gold and predicted counts."""
    if not groups:
        return ""
    levels = _levels({lvl: None for g in groups.values() for lvl in (g or {})})
    rows = []
    for name, by_level in groups.items():
        cells = []
        for lvl in levels:
            c = (by_level or {}).get(lvl) or {}
            counts = f"{_e(c.get('matched'))}/{_e(c.get('gold'))} gold, {_e(c.get('predicted'))} pred."
            cells.append(f'<td class="num">{_f(c.get("f1"))}<span class="sub">{counts}</span></td>')
        rows.append(_row(name, cells))
    headers = [head, *(lvl.replace("_", " ") for lvl in levels)]
    return f"<h3>{_e(title)}</h3>" + _table(headers, rows, f"F1 per {head} and level (matched/gold, predicted)")


# ------------------------------------------------------------------ confusion


def _axis_names(matrix: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    """Row and column names of a confusion matrix, the (missed)/(spurious) pseudo-labels last."""

    def order(names: set[str]) -> list[str]:
        return sorted(n for n in names if n not in SPECIAL) + [n for n in SPECIAL if n in names]

    cols = {p for row in matrix.values() for p in (row or {})}
    return order(set(matrix)), order(cols)


def _heat_cell(n: int, row_total: int, diag: bool) -> str:
    """A cell shaded by its share of the row; the count is always written."""
    share = n / row_total if row_total else 0.0
    bg = f"rgba(11, 83, 148, {share * 0.85:.3f})"
    fg = "#fff" if share > 0.5 else "inherit"
    cls = " ".join(c for c in ("diag" if diag else "", "zero" if not n else "") if c)
    attr = f' class="{cls}"' if cls else ""
    title = f"{n} ({share:.0%} of the row)"
    return f'<td{attr} style="background:{bg};color:{fg}" title="{title}">{n}</td>'


def _confusion(sid: str, title: str, matrix: dict[str, dict[str, int]], what: str = "label") -> str:
    """A confusion matrix as a heat-map table: gold in rows, predicted in columns."""
    row_name, col_name = f"gold {what}", f"predicted {what}"
    rows_n, cols_n = _axis_names(matrix)
    rows = []
    for r in rows_n:
        line = matrix.get(r) or {}
        total = sum(int(v or 0) for v in line.values())
        rows.append(_row(r, [_heat_cell(int(line.get(c) or 0), total, r == c) for c in cols_n]))
    corner = f"{row_name} ↓ / {col_name} →"
    note = (
        f'<p class="note">Rows: {_e(row_name)}; columns: {_e(col_name)}. The shade is the share of the row; '
        "the diagonal (agreement) is outlined and bold.</p>"
    )
    caption = f"Counts by {row_name} (rows) and {col_name} (columns)"
    return _section(sid, title, _table([corner, *cols_n], rows, caption, "heat") + note)


# ------------------------------------------------------------------ errors


def _side(x: dict[str, Any] | None) -> str:
    """A gold or predicted mention: label, text and offsets."""
    if not x:
        return DASH
    return f'<strong>{_e(x.get("label"))}</strong> “{_e(x.get("text"))}”<span class="sub">{_e(x.get("start"))}–{_e(x.get("end"))}</span>'


def _category(e: dict[str, Any]) -> str:
    """The category of an error, with its detail below when there is one."""
    detail = e.get("detail")
    return _e(e.get("category")) + (f'<span class="sub">{_e(detail)}</span>' if detail else "")


def _errors(sid: str, title: str, errors: list[dict[str, Any]], left_out: dict[str, int] | None = None) -> str:
    table_id = f"{sid}-table"
    counts: dict[str, int] = {}
    for e in errors:
        counts[str(e.get("category"))] = counts.get(str(e.get("category")), 0) + 1
    options = "".join(f'<option value="{_e(c)}">{_e(c)} ({n})</option>' for c, n in sorted(counts.items()))
    form = (
        f'<form class="filter" data-table="{table_id}" hidden role="search" aria-label="Filter {_e(title)}">'
        f'<label>Category <select><option value="">all ({len(errors)})</option>{options}</select></label>'
        '<label>Search <input type="search" placeholder="text, label, document"></label>'
        '<output aria-live="polite"></output></form>'
    )
    rows = [
        f'<tr data-category="{_e(e.get("category"))}"><td>{_e(e.get("document"))}</td><td>{_category(e)}</td>'
        f'<td>{_side(e.get("gold"))}</td><td>{_side(e.get("predicted"))}</td><td class="ctx">{_mark(str(e.get("context") or ""))}</td></tr>'
        for e in errors
    ]
    summary = ", ".join(f"{c} {n}" for c, n in sorted(counts.items())) or "none"
    body = f"<p>{len(errors)} errors: {_e(summary)}. The marked text is the gold span (or the spurious one).</p>"
    if left_out:
        more = ", ".join(f"{c} {n}" for c, n in sorted(left_out.items()))
        body += f"<p>Not listed (beyond the first of each category): {_e(more)}.</p>"
    if errors:
        body += form + _table(
            ["document", "category", "gold", "predicted", "context"], rows, cls="errors", table_id=table_id
        )
    return _section(sid, title, body)


def _definitions(meta: dict[str, Any]) -> str:
    defs = meta.get("definitions") or {}
    items = []
    for k, v in defs.items():
        if isinstance(v, dict):
            items += [f"<dt>{_e(k)}: {_e(sk)}</dt><dd>{_e(sv)}</dd>" for sk, sv in v.items()]
        else:
            items.append(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>")
    return _section("definitions", "Definitions", f'<dl class="defs">{"".join(items)}</dl>') if items else ""


# ------------------------------------------------------------------ page


def _human(report: dict[str, Any]) -> str:
    """The system beside the agreement of the gold's annotators, per scheme, level, label, type and role."""
    h = report["human"]
    ents, evs = report.get("entities") or {}, report.get("events") or {}
    rows = [
        _row(
            f"entities {s}",
            [_num(_f((ents.get("micro") or {}).get(s, {}).get("f1"))), _num(_f(h["entities"]["micro"][s]["f1"]))],
        )
        for s in SCHEMES
    ]
    rows += [
        _row(
            lvl, [_num(_f((evs.get("micro") or {}).get(lvl, {}).get("f1"))), _num(_f(h["events"]["micro"][lvl]["f1"]))]
        )
        for lvl in EVENT_LEVELS
    ]
    for lab, per in h["entities"]["per_label"].items():
        mine = ((ents.get("per_label") or {}).get(lab) or {}).get("strict", {})
        rows.append(_row(f"{lab} (strict)", [_num(_f(mine.get("f1"))), _num(_f(per["strict"]["f1"]))]))
    for t, per in h["events"]["per_type"].items():
        mine = ((evs.get("per_type") or {}).get(t) or {}).get("trigger_classification", {})
        rows.append(_row(f"{t} (trigger)", [_num(_f(mine.get("f1"))), _num(_f(per["trigger_classification"]["f1"]))]))
    for r, per in h["events"]["per_role"].items():
        mine = ((evs.get("per_role") or {}).get(r) or {}).get("argument_classification", {})
        rows.append(_row(f"{r} (role)", [_num(_f(mine.get("f1"))), _num(_f(per["argument_classification"]["f1"]))]))
    note = (
        f'<p class="note">{len(h["annotators"])} annotators agree with each other on {h["documents"]} of the scored '
        "documents (every pair, the same matcher and counts as the system): the humans' F1 is the ceiling a "
        "system's F1 reads against.</p>"
    )
    return _section("humans", "System and humans (F1)", note + _table(["", "system", "humans"], rows, cls="humans"))


def _sections(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(id, nav title, html) of every section present in the report, in page order."""
    ents, events = report.get("entities") or {}, report.get("events") or {}
    gate, confusion, roles = report.get("gate"), ents.get("confusion"), events.get("role_confusion")
    ev_errors = events.get("errors")
    sections = [
        ("gate", "Quality gate", gate and _gate(gate)),
        ("humans", "Humans", report.get("human") and _human(report)),
        ("entities", "Entities", _entity_micro(ents)),
        ("labels", "Per label", _per_label(ents)),
        ("confusion", "Label confusion", confusion and _confusion("confusion", "Entity label confusion", confusion)),
        (
            "entity-errors",
            "Entity errors",
            _errors("entity-errors", "Entity errors (strict)", ents.get("errors") or [], ents.get("errors_left_out")),
        ),
        ("events", "Events", _events(events)),
        (
            "role-confusion",
            "Role confusion",
            roles and _confusion("role-confusion", "Event role confusion", roles, "role"),
        ),
        (
            "event-errors",
            "Event errors",
            ev_errors is not None and _errors("event-errors", "Event errors", ev_errors, events.get("errors_left_out")),
        ),
        ("definitions", "Definitions", _definitions(report.get("meta") or {})),
    ]
    return [(sid, title, html) for sid, title, html in sections if html]


def to_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS, SVG and script; nothing loaded from outside)."""
    name = (report["meta"].get("system") or {}).get("name")
    sections = _sections(report)
    header = _header(report, [(sid, title) for sid, title, _ in sections])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="annot">\n'
        f"<title>annot evaluation: {_e(name)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{header}\n"
        + "\n".join(html for _, _, html in sections)
        + f"\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
