"""report.md (fits a pull-request comment) and the systems side by side, in Markdown."""

from __future__ import annotations

import re
from collections import Counter

from ..scoring.vocabulary import EVENT_LEVELS, LEVEL_DEFINITIONS, SCHEMES
from .model import Confusion, EntityScore, EventScore, GateResult, Report, SideBySide

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#+!|~])")


def md(value: object) -> str:
    r"""Text from data made inert in Markdown: HTML escaped (a viewer that allows HTML runs no script) and
    Markdown's characters, table pipes included, backslash-escaped.

    >>> print(md('<script>alert(1)</script> | *x*'))
    &lt;script&gt;alert(1)&lt;/script&gt; \| \*x\*
    """
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def fmt(x: float | None) -> str:
    """A score with three decimals; a dash when undefined.

    >>> fmt(None), fmt(0.65068)
    ('–', '0.651')
    """
    return "–" if x is None else f"{x:.3f}"


def format_p(p: float | None) -> str:
    """A p-value for people: three decimals, '< 0.001' below that.

    >>> format_p(0.0001), format_p(0.25)
    ('< 0.001', '= 0.250')
    """
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _ci(c: EntityScore | EventScore, metric: str) -> str:
    ends = None if c.ci is None else getattr(c.ci, metric)
    return "" if not ends else f" [{ends[0]:.2f}, {ends[1]:.2f}]"


def to_markdown(report: Report, max_errors: int = 30) -> str:
    """A Markdown report that fits a pull-request comment, read top-down: which gold, the verdict, the headline
    scores with their intervals; then per label, events, groups, the gate's checks and the errors."""
    events_scored = any(report.events.micro[lvl].gold or report.events.micro[lvl].predicted for lvl in EVENT_LEVELS)
    lines = [
        *_header_lines(report),
        *_verdict_lines(report.gate),
        *_human_lines(report),
        *_score_lines(report, events_scored),
        *_entity_lines(report),
        *(_event_lines(report) if events_scored else []),
        *_group_lines(report),
        *_gate_lines(report.gate),
        *_error_lines(report, max_errors),
        "",
        "Definitions: "
        + "; ".join(
            f"**{k}** {v}" for k, v in (report.meta.definitions.schemes | report.meta.definitions.extensions).items()
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _header_lines(report: Report) -> list[str]:
    m = report.meta
    gold = m.gold
    return [
        f"# annot evaluation: {md(m.system.name)}",
        "",
        f"Gold **{md(gold.path)}**"
        + (f", split **{md(gold.split)}**" if gold.split else "")
        + f", **{gold.documents}** documents (sha256 `{gold.sha256[:12]}`); schema {md(m.schema.name)} "
        f"{md(m.schema.version)}; annot {m.annot_version}; {m.created_at}.",
        "",
        *([] if m.held_out is None else [_held_out_sentence(m.held_out), ""]),
    ]


def _held_out_sentence(h) -> str:  # type: ignore[no-untyped-def]
    changed = (
        " **This system changed after its first score there: this is not a held-out figure.**"
        if h.system_changed
        else " The system is the one first scored there."
    )
    return (
        f"Held-out split **{md(h.split)}** ({h.documents} documents scored): {h.scorings} distinct scoring(s) "
        f"recorded in the corpus's ledger since {h.first_scored}; this system's first on {h.system_first_scored} "
        f"({h.system_scorings} in all).{changed}"
    )


def _score_lines(report: Report, events_scored: bool) -> list[str]:
    """The headline table: micro scores of every scheme and level with their intervals (and the humans' F1)."""
    m, ents, h = report.meta, report.entities, report.human
    lines = [
        "## Scores (micro"
        + (f", {round(m.settings.confidence * 100)}% intervals in brackets)" if m.settings.bootstrap_samples else ")"),
        "",
        "| scheme / level | P | R | F1 | counts |" + (" humans F1 |" if h else ""),
        "|---|---|---|---|---|" + ("---|" if h else ""),
    ]
    for s in SCHEMES:
        c = ents.micro[s]
        lines.append(
            f"| entities {s} | {fmt(c.precision)}{_ci(c, 'precision')} | {fmt(c.recall)}{_ci(c, 'recall')} | "
            f"{fmt(c.f1)}{_ci(c, 'f1')} | {c.correct}/{c.possible} gold, {c.actual} predicted |"
            + (f" {_human_cell(h.entities.micro[s])} |" if h else "")
        )
    predicted = any(report.events.micro[lvl].predicted for lvl in EVENT_LEVELS)
    if events_scored and not predicted:
        e = report.events.micro["trigger_identification"]
        lines.append(
            f"| events | not predicted | | | {e.gold} gold triggers, no event predicted |" + (" |" if h else "")
        )
    elif events_scored:
        for lvl in EVENT_LEVELS:
            e = report.events.micro[lvl]
            lines.append(
                f"| events {lvl.replace('_', ' ')} | {fmt(e.precision)}{_ci(e, 'precision')} | "
                f"{fmt(e.recall)}{_ci(e, 'recall')} | {fmt(e.f1)}{_ci(e, 'f1')} | "
                f"{e.matched}/{e.gold} gold, {e.predicted} predicted |"
                + (f" {_human_cell(h.events.micro[lvl])} |" if h else "")
            )
    lines += [
        "",
        "Macro (mean over supported labels): " + ", ".join(f"{s} F1 {fmt(ents.macro[s].f1)}" for s in SCHEMES) + ".",
        "",
        "What each row counts: " + "; ".join(f"**{k}** {v}" for k, v in m.definitions.schemes.items()) + ".",
    ]
    if events_scored:
        lines += ["", "Event levels: " + "; ".join(f"**{k}** {v}" for k, v in LEVEL_DEFINITIONS.items()) + "."]
    if h is not None:
        lines += [
            "",
            f"humans F1: the annotators' F1 on the {h.documents} documents two of them annotated (every pair pooled), "
            "with the number of items of the first and the second annotator in brackets.",
        ]
    if not events_scored:
        lines += ["", "No events in the gold or the predictions: the event levels are not scored."]
    return lines


def _entity_lines(report: Report) -> list[str]:
    """Entity counts per scheme, scores per label, and the type confusion."""
    ents, h = report.entities, report.human
    lines = [
        "",
        "## Entities, micro",
        "",
        "| scheme | correct | incorrect | partial | missed | spurious | possible | actual |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in SCHEMES:
        c = ents.micro[s]
        lines.append(
            f"| {s} | {c.correct} | {c.incorrect} | {c.partial} | {c.missed} | {c.spurious} | {c.possible} | {c.actual} |"
        )
    lines += [
        "",
        "## Entities per label (strict)",
        "",
        "| label | P | R | F1 | gold | predicted | correct |" + (" humans F1 |" if h else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if h else ""),
    ]
    for lab, per in ents.per_label.items():
        c = per["strict"]
        human = "" if not h else f" {_human_cell(h.entities.per_label.get(lab, {}).get('strict'))} |"
        if lab in ents.unsupported_labels:
            lines.append(f"| {md(lab)} | no support | | | 0 | 0 | 0 |{human}")
            continue
        lines.append(
            f"| {md(lab)} | {fmt(c.precision)} | {fmt(c.recall)} | {fmt(c.f1)}{_ci(c, 'f1')} | "
            f"{c.possible} | {c.actual} | {c.correct} |{human}"
        )
    return lines


def _event_lines(report: Report) -> list[str]:
    """Event levels, per type and per role (with the humans' F1), and the entity type confusion."""
    h = report.human
    lines = [
        "",
        "## Events",
        "",
        "| level | P | R | F1 | matched | predicted | gold |" + (" humans F1 |" if h else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if h else ""),
    ]
    for lvl in EVENT_LEVELS:
        e = report.events.micro[lvl]
        lines.append(
            f"| {lvl} | {fmt(e.precision)} | {fmt(e.recall)} | {fmt(e.f1)}{_ci(e, 'f1')} | {e.matched} | {e.predicted} | "
            f"{e.gold} |" + (f" {fmt(h.events.micro[lvl].f1)} |" if h else "")
        )
    if report.events.per_type:
        lines += ["", "Per event type (F1): trigger classification / argument classification", ""]
        lines += [
            "| type | gold | trigger F1 | argument F1 |" + (" humans trigger F1 | humans argument F1 |" if h else ""),
            "|---|---|---|---|" + ("---|---|" if h else ""),
        ]
        for t, lv in report.events.per_type.items():
            tc, ac = lv["trigger_classification"], lv["argument_classification"]
            human = ""
            if h:
                human = (
                    f" {_human_cell(h.events.per_type.get(t, {}).get('trigger_classification'))} |"
                    f" {_human_cell(h.events.per_type.get(t, {}).get('argument_classification'))} |"
                )
            lines.append(f"| {md(t)} | {tc.gold} | {fmt(tc.f1)} | {fmt(ac.f1)} |{human}")
    if report.events.per_role:
        lines += [
            "",
            "| role | gold args | P | R | F1 (argument classification) |" + (" humans F1 |" if h else ""),
            "|---|---|---|---|---|" + ("---|" if h else ""),
        ]
        for r, lv in report.events.per_role.items():
            e = lv["argument_classification"]
            human = f" {_human_cell(h.events.per_role.get(r, {}).get('argument_classification'))} |" if h else ""
            lines.append(f"| {md(r)} | {e.gold} | {fmt(e.precision)} | {fmt(e.recall)} | {fmt(e.f1)} |{human}")
    return lines


def _group_lines(report: Report) -> list[str]:
    """The entity confusion matrix and the scores per group of documents (`--group-by`)."""
    lines: list[str] = []
    if report.entities.confusion:
        lines += ["", "## Entity type confusion (overlapping mentions; rows gold, columns predicted)", ""]
        lines += _matrix(report.entities.confusion)
    if report.groups is not None:
        grouped = report.groups
        lines += [
            "",
            f"## By {md(grouped.key)}",
            "",
            f"| {md(grouped.key)} | documents | strict F1 | partial F1 | trigger classification F1 | "
            "argument classification F1 |",
            "|---|---|---|---|---|---|",
        ]
        for name, gs in grouped.values.items():
            lines.append(
                f"| {md(name)} | {gs.documents} | {fmt(gs.entities['strict'].f1)}{_ci(gs.entities['strict'], 'f1')} | "
                f"{fmt(gs.entities['partial'].f1)}{_ci(gs.entities['partial'], 'f1')} | "
                f"{fmt(gs.events['trigger_classification'].f1)}{_ci(gs.events['trigger_classification'], 'f1')} | "
                f"{fmt(gs.events['argument_classification'].f1)}{_ci(gs.events['argument_classification'], 'f1')} |"
            )
    return lines


def _error_lines(report: Report, max_errors: int) -> list[str]:
    """Event error counts per category, then the first `max_errors` entity errors with their context."""
    m, ents = report.meta, report.entities
    lines: list[str] = []
    ev_errs = report.events.errors
    if ev_errs:
        cats = Counter(e.category for e in ev_errs) + Counter(report.events.errors_left_out)
        lines += [
            "",
            f"## Event errors: {cats.total()}",
            "",
            ", ".join(f"{k} {n}" for k, n in sorted(cats.items())) + ".",
        ]
        lines += _left_out(report.events.errors_left_out, m.settings.max_errors)
    errs = ents.errors
    lines += ["", f"## Entity errors (strict): {len(errs) + sum(ents.errors_left_out.values())}", ""]
    lines += _left_out(ents.errors_left_out, m.settings.max_errors)
    for err in errs[:max_errors]:
        g = f"{md(err.gold.label)} “{md(err.gold.text)}”" if err.gold else "–"
        p = f"{md(err.predicted.label)} “{md(err.predicted.text)}”" if err.predicted else "–"
        lines.append(f"- {md(err.document)} {err.category}: gold {g}, predicted {p}: {md(err.context)}")
    if len(errs) > max_errors:
        lines.append(f"- … {len(errs) - max_errors} more in report.json")
    return lines


def _left_out(left: dict[str, int], limit: int) -> list[str]:
    """The line saying which errors report.json does not list (beyond `limit` per category)."""
    if not left:
        return []
    counts = ", ".join(f"{md(k)} {n}" for k, n in sorted(left.items()))
    return ["", f"report.json lists the first {limit} errors of each category; not listed: {counts}.", ""]


def _human_cell(score: EntityScore | EventScore | None) -> str:
    """The humans' F1 with its interval and support (items of the first vs the second annotator).

    >>> from annot.reporting.model import EventScore
    >>> _human_cell(EventScore(matched=0, predicted=1, gold=1, precision=0.0, recall=0.0, f1=0.0))
    '0.000 (1 vs 1)'
    """
    if score is None:
        return "–"
    a, b = (score.possible, score.actual) if isinstance(score, EntityScore) else (score.gold, score.predicted)
    return f"{fmt(score.f1)}{_ci(score, 'f1')} ({a} vs {b})"


def _human_lines(report: Report) -> list[str]:
    h = report.human
    if h is None:
        return []
    return [
        f"Humans: {len(h.annotators)} annotators agree on {h.documents} of these documents (every pair, the same "
        f"matcher): entities strict F1 {fmt(h.entities.micro['strict'].f1)}, trigger classification F1 "
        f"{fmt(h.events.micro['trigger_classification'].f1)}, argument classification F1 "
        f"{fmt(h.events.micro['argument_classification'].f1)}; the `humans F1` columns below.",
        "",
    ]


def _verdict_lines(gate: GateResult | None) -> list[str]:
    """The gate's verdict, with every failed check, for the top of the report."""
    if gate is None:
        return ["**No gate**: no threshold or baseline was given.", ""]
    failed = gate.failed
    if not failed:
        return [f"**Gate: PASSED** ({len(gate.gated)} gated checks, none failed; the checks are listed below).", ""]
    out = [f"**Gate: FAILED** ({len(failed)} of {len(gate.gated)} gated checks failed):", ""]
    return [*out, *(f"- FAIL: {md(c.description)}" for c in failed), ""]


def _gate_lines(gate: GateResult | None) -> list[str]:
    if gate is None:
        return []
    failed = gate.failed
    out = [
        "",
        f"## Gate: {'PASSED' if gate.passed else 'FAILED'} ({len(failed)} of {len(gate.checks)} checks failed)",
        "",
    ]
    out += [f"- FAIL: {md(c.description)}" for c in failed]
    passed = [c for c in gate.checks if c.passed]
    out += [f"- {'ok' if c.gated else 'not gated'}: {md(c.description)}" for c in passed[:20]]
    if len(passed) > 20:
        out.append(f"- … and {len(passed) - 20} more passed check(s), listed in report.json and report.html")
    return out


def _matrix(conf: Confusion) -> list[str]:
    rows = sorted(conf)
    cols = sorted({p for r in conf.values() for p in r})
    out = ["| gold \\ predicted | " + " | ".join(md(c) for c in cols) + " |", "|---|" + "---:|" * len(cols)]
    for r in rows:
        out.append(f"| {md(r)} | " + " | ".join(str(conf[r].get(c, "")) for c in cols) + " |")
    return out


def short_metric(path: str) -> str:
    """A metric path shortened for a table header.

    >>> short_metric("events.micro.trigger_classification.f1")
    'trigger_classification F1'
    """
    return path.replace("entities.", "").replace("events.", "").replace("micro.", "").replace(".f1", " F1")


def comparison_markdown(table: SideBySide) -> str:
    """The systems compared, as Markdown: a row per metric, a column per system (value [interval], and for the
    other systems the difference to the reference and the p-value; "not predicted" for a layer with no output)."""
    g = table.gold
    scope = ""
    if g is not None:
        scope = f"Gold `{md(g.path)}`" + (f", split {md(g.split)}" if g.split else "") + f", {g.documents} documents. "
    lines = [
        "# Systems compared",
        "",
        scope + f"Reference: {md(table.reference)}. p: {table.method} ({table.samples} resamples, seed {table.seed}).",
        "In brackets: the system's own bootstrap interval; *not predicted*: the system output nothing of that layer.",
        "",
        "| metric | " + " | ".join(md(r.system) for r in table.systems) + " |",
        "|---|" + "---:|" * len(table.systems),
    ]
    for m in table.metrics:
        cells = []
        for row in table.systems:
            c = row.metrics[m]
            if c.not_predicted:
                cells.append("not predicted")
                continue
            cell = fmt(c.value)
            if c.low is not None and c.high is not None:
                cell += f" [{c.low:.2f}, {c.high:.2f}]"
            if c.delta is not None:
                cell += f" ({c.delta:+.3f}, p {format_p(c.p_value)})"
            cells.append(cell)
        lines.append(f"| {md(short_metric(m))} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
