"""report.json (the contract) from an Evaluation, and its renderings: Markdown and the terminal table."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from . import __version__
from .analysis import ErrorItem
from .documents import atomic_write_text
from .evaluate import SCHEME_DEFINITIONS, Evaluation, settings_dict
from .matching import EVENT_LEVELS, SCHEMES
from .metrics import ROLE_LEVELS, Counts, DocumentScores, EventCounts, sum_counts, sum_event_counts

DIGITS = 6  # stable float digits in report.json


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, DIGITS)


def counts_dict(c: Counts, zero_division: str, ci: dict[str, Any] | None = None) -> dict[str, Any]:
    p, r, f = c.scores(zero_division)  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "correct": c.correct,
        "incorrect": c.incorrect,
        "partial": c.partial,
        "missed": c.missed,
        "spurious": c.spurious,
        "possible": c.possible,
        "actual": c.actual,
        "precision": _r(p),
        "recall": _r(r),
        "f1": _r(f),
    }
    if ci:
        out["ci"] = {k: (None if v is None else [_r(v[0]), _r(v[1])]) for k, v in ci.items()}
    return out


def event_dict(c: EventCounts, zero_division: str) -> dict[str, Any]:
    p, r, f = c.scores(zero_division)  # type: ignore[arg-type]
    return {
        "matched": c.matched,
        "predicted": c.predicted,
        "gold": c.gold,
        "precision": _r(p),
        "recall": _r(r),
        "f1": _r(f),
    }


def build_report(ev: Evaluation) -> dict[str, Any]:
    """The report.json object (see README, 'Report format')."""
    zd = ev.settings.zero_division
    docs = ev.documents
    micro = {s: sum_counts([d.micro[s] for d in docs]) for s in SCHEMES}
    per_label = {lab: {s: sum_counts([d.per_label[lab][s] for d in docs]) for s in SCHEMES} for lab in ev.labels}
    supported = [lab for lab in ev.labels if per_label[lab]["strict"].possible or per_label[lab]["strict"].actual]
    macro: dict[str, Any] = {}
    for s in SCHEMES:
        vals: dict[str, list[float]] = {"precision": [], "recall": [], "f1": []}
        for lab in supported:
            for k, v in zip(vals, per_label[lab][s].scores("null")):
                if v is not None:
                    vals[k].append(v)
        macro[s] = {k: (_r(sum(v) / len(v)) if v else None) for k, v in vals.items()}
        macro[s]["labels"] = len(supported)
    ev_micro = {lvl: sum_event_counts([d.events[lvl] for d in docs]) for lvl in EVENT_LEVELS}
    ev_types = {
        t: {lvl: sum_event_counts([d.events_per_type[t][lvl] for d in docs]) for lvl in EVENT_LEVELS}
        for t in ev.event_types
    }
    ev_roles = {
        r: {lvl: sum_event_counts([d.events_per_role[r][lvl] for d in docs]) for lvl in ROLE_LEVELS} for r in ev.roles
    }
    return {
        "meta": {
            "annot_version": __version__,
            "created_at": ev.created_at,
            "gold": {"documents": len(docs), "path": ev.gold_path, "sha256": ev.gold_sha256},
            "ignored_prediction_documents": ev.ignored_prediction_documents,
            "alignment": ev.alignment,
            "schema": {"name": ev.schema.name, "version": ev.schema.version},
            "settings": settings_dict(ev.settings),
            "system": ev.system,
            "definitions": {
                "schemes": dict(SCHEME_DEFINITIONS),
                "per_label": "predictions are compared with gold mentions of the same label only: a type confusion "
                "is missed under the gold label and spurious under the predicted label",
                "macro": "mean over labels with gold or predicted mentions; an undefined value (zero denominator) is left out",
                "zero_division": "null: precision with no prediction, recall with no gold are null, never 1.0; "
                "F1 is 0 if only one of them is defined",
                "ci": f"percentile bootstrap over documents, {ev.settings.bootstrap_samples} resamples, "
                f"seed {ev.settings.seed}, confidence {ev.settings.confidence}",
            },
        },
        "entities": {
            "micro": {s: counts_dict(micro[s], zd, ev.intervals.get(s)) for s in SCHEMES},
            "macro": macro,
            "per_label": {
                lab: {s: counts_dict(per_label[lab][s], zd, ev.intervals.get(f"{lab}/{s}")) for s in SCHEMES}
                for lab in ev.labels
            },
            "unsupported_labels": [lab for lab in ev.labels if lab not in supported],
            "errors": [error_dict(e) for e in ev.errors],
            "confusion": confusion_dict(ev.confusion),
        },
        "events": {
            "micro": {lvl: event_dict(ev_micro[lvl], zd) for lvl in EVENT_LEVELS},
            "per_type": {t: {lvl: event_dict(ev_types[t][lvl], zd) for lvl in EVENT_LEVELS} for t in ev.event_types},
            "per_role": {r: {lvl: event_dict(ev_roles[r][lvl], zd) for lvl in ROLE_LEVELS} for r in ev.roles},
            "errors": [error_dict(e) for e in ev.event_errors],
            "role_confusion": confusion_dict(ev.role_confusion),
        },
        "per_document": {d.doc_id: {"sha256": ev.doc_sha256[d.doc_id], "counts": document_counts(d)} for d in docs},
    }


def error_dict(e: ErrorItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "category": e.category,
        "context": e.context,
        "document": e.doc_id,
        "gold": None
        if e.gold is None
        else {"start": e.gold[0], "end": e.gold[1], "label": e.gold[2], "text": e.gold_text},
        "predicted": None
        if e.pred is None
        else {"start": e.pred[0], "end": e.pred[1], "label": e.pred[2], "text": e.pred_text},
    }
    if e.detail:
        out["detail"] = e.detail
    return out


def confusion_dict(c: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{gold: {predicted: count}}, with the rows / columns "(missed)" and "(spurious)"."""
    out: dict[str, dict[str, int]] = {}
    for (g, p), n in sorted(c.items()):
        out.setdefault(g, {})[p] = n
    return out


def document_counts(d: DocumentScores) -> dict[str, list[int]]:
    """The counts of one document, flat and sparse (all-zero vectors left out), for paired tests and resampling.

    Keys: ``entities/<scheme>`` and ``entities/<label>/<scheme>`` -> [correct, incorrect, partial, missed,
    spurious]; ``events/<level>``, ``events/<type>/<level>``, ``roles/<role>/<level>`` -> [matched, predicted, gold].
    """
    out: dict[str, list[int]] = {}

    def put(key: str, values: list[int]) -> None:
        if any(values):
            out[key] = values

    for s, c in d.micro.items():
        put(f"entities/{s}", [c.correct, c.incorrect, c.partial, c.missed, c.spurious])
    for lab, per in d.per_label.items():
        for s, c in per.items():
            put(f"entities/{lab}/{s}", [c.correct, c.incorrect, c.partial, c.missed, c.spurious])
    for lvl, e in d.events.items():
        put(f"events/{lvl}", [e.matched, e.predicted, e.gold])
    for t, per_t in d.events_per_type.items():
        for lvl, e in per_t.items():
            put(f"events/{t}/{lvl}", [e.matched, e.predicted, e.gold])
    for r, per_r in d.events_per_role.items():
        for lvl, e in per_r.items():
            put(f"roles/{r}/{lvl}", [e.matched, e.predicted, e.gold])
    return out


def dumps_report(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _ci(c: dict[str, Any], key: str) -> str:
    ci = (c.get("ci") or {}).get(key)
    return "" if not ci else f" [{ci[0]:.2f}, {ci[1]:.2f}]"


def to_markdown(report: dict[str, Any], max_errors: int = 30) -> str:
    """A Markdown report that fits a pull-request comment."""
    m = report["meta"]
    ents = report["entities"]
    lines = [
        f"# annot evaluation: {m['system'].get('name', '?')}",
        "",
        f"Gold `{m['gold']['path']}` ({m['gold']['documents']} documents, sha256 `{m['gold']['sha256'][:12]}`), "
        f"schema {m['schema']['name']} {m['schema']['version']}, annot {m['annot_version']}, {m['created_at']}.",
        "",
        *_gate_lines(report),
        "## Entities, micro",
        "",
        "| scheme | P | R | F1 | correct | incorrect | partial | missed | spurious | possible | actual |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in SCHEMES:
        c = ents["micro"][s]
        lines.append(
            f"| {s} | {_f(c['precision'])}{_ci(c, 'precision')} | {_f(c['recall'])}{_ci(c, 'recall')} | "
            f"{_f(c['f1'])}{_ci(c, 'f1')} | {c['correct']} | {c['incorrect']} | {c['partial']} | {c['missed']} | "
            f"{c['spurious']} | {c['possible']} | {c['actual']} |"
        )
    lines += [
        "",
        "Macro (mean over supported labels): " + ", ".join(f"{s} F1 {_f(ents['macro'][s]['f1'])}" for s in SCHEMES),
        "",
        "## Entities per label (strict)",
        "",
        "| label | P | R | F1 | gold | predicted | correct |",
        "|---|---|---|---|---|---|---|",
    ]
    for lab, per in ents["per_label"].items():
        c = per["strict"]
        if lab in ents["unsupported_labels"]:
            lines.append(f"| {lab} | no support | | | 0 | 0 | 0 |")
            continue
        lines.append(
            f"| {lab} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])}{_ci(c, 'f1')} | "
            f"{c['possible']} | {c['actual']} | {c['correct']} |"
        )
    evm = report["events"]["micro"]
    lines += [
        "",
        "## Events",
        "",
        "| level | P | R | F1 | matched | predicted | gold |",
        "|---|---|---|---|---|---|---|",
    ]
    for lvl in EVENT_LEVELS:
        c = evm[lvl]
        lines.append(
            f"| {lvl} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])} | {c['matched']} | {c['predicted']} | {c['gold']} |"
        )
    per_type = report["events"].get("per_type", {})
    if per_type:
        lines += ["", "Per event type (F1): trigger classification / argument classification", ""]
        lines += ["| type | gold | trigger F1 | argument F1 |", "|---|---|---|---|"]
        for t, lv in per_type.items():
            tc, ac = lv["trigger_classification"], lv["argument_classification"]
            lines.append(f"| {t} | {tc['gold']} | {_f(tc['f1'])} | {_f(ac['f1'])} |")
    per_role = report["events"].get("per_role", {})
    if per_role:
        lines += ["", "| role | gold args | P | R | F1 (argument classification) |", "|---|---|---|---|---|"]
        for r, lv in per_role.items():
            c = lv["argument_classification"]
            lines.append(f"| {r} | {c['gold']} | {_f(c['precision'])} | {_f(c['recall'])} | {_f(c['f1'])} |")
    conf = ents.get("confusion")
    if conf:
        lines += ["", "## Entity type confusion (overlapping mentions; rows gold, columns predicted)", ""]
        lines += _matrix(conf)
    ev_errs = report["events"].get("errors", [])
    if ev_errs:
        cats = Counter(e["category"] for e in ev_errs)
        lines += [
            "",
            f"## Event errors: {len(ev_errs)}",
            "",
            ", ".join(f"{k} {n}" for k, n in sorted(cats.items())) + ".",
        ]
    errs = ents["errors"]
    lines += ["", f"## Entity errors (strict): {len(errs)}", ""]
    for e in errs[:max_errors]:
        g = f"{e['gold']['label']} “{e['gold']['text']}”" if e["gold"] else "–"
        p = f"{e['predicted']['label']} “{e['predicted']['text']}”" if e["predicted"] else "–"
        lines.append(f"- `{e['document']}` {e['category']}: gold {g}, predicted {p}: {e['context']}")
    if len(errs) > max_errors:
        lines.append(f"- … {len(errs) - max_errors} more in report.json")
    lines += ["", "Definitions: " + "; ".join(f"**{k}** {v}" for k, v in m["definitions"]["schemes"].items()) + "."]
    return "\n".join(lines) + "\n"


def _gate_lines(report: dict[str, Any]) -> list[str]:
    g = report.get("gate")
    if g is None:
        return []
    failed = [c for c in g["checks"] if not c["passed"]]
    out = [f"## Gate: {'PASSED' if g['passed'] else 'FAILED'} ({len(failed)} of {len(g['checks'])} checks failed)", ""]
    out += [f"- FAIL: {c['description']}" for c in failed]
    shown = [c for c in g["checks"] if c["passed"]][:20]
    out += [f"- ok: {c['description']}" for c in shown]
    return [*out, ""]


def _matrix(conf: dict[str, dict[str, int]]) -> list[str]:
    rows = sorted(conf)
    cols = sorted({p for r in conf.values() for p in r})
    out = ["| gold \\ predicted | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for r in rows:
        out.append(f"| {r} | " + " | ".join(str(conf[r].get(c, "")) for c in cols) + " |")
    return out


def format_p(p: float | None) -> str:
    """A p-value for people: three decimals, '< 0.001' below that.

    >>> format_p(0.0001), format_p(0.25)
    ('< 0.001', '= 0.250')
    """
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def comparison_markdown(table: dict[str, Any]) -> str:
    """The systems side by side, as Markdown: value (difference to the reference, p-value) per metric."""
    metrics = table["metrics"]
    short = [
        m.replace("entities.", "").replace("events.", "").replace("micro.", "").replace(".f1", " F1") for m in metrics
    ]
    lines = [
        "# Systems side by side",
        "",
        f"Reference: {table['reference']}. p: {table['method']} ({table['samples']} resamples, seed {table['seed']}).",
        "",
        "| system | " + " | ".join(short) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    for row in table["systems"]:
        cells = []
        for m in metrics:
            c = row["metrics"][m]
            cell = _f(c["value"])
            if c["delta"] is not None:
                cell += f" ({c['delta']:+.3f}, p {format_p(c['p_value'])})"
            cells.append(cell)
        lines.append(f"| {row['system']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def terminal_rows(report: dict[str, Any]) -> list[list[str]]:
    """Rows of the terminal summary table: scheme / level, P, R, F1, counts."""
    rows = []
    for s in SCHEMES:
        c = report["entities"]["micro"][s]
        rows.append(
            [
                f"entities {s}",
                _f(c["precision"]),
                _f(c["recall"]),
                _f(c["f1"]),
                f"{c['correct']}/{c['possible']} gold, {c['actual']} predicted",
            ]
        )
    for lvl in EVENT_LEVELS:
        c = report["events"]["micro"][lvl]
        rows.append(
            [
                f"events {lvl}",
                _f(c["precision"]),
                _f(c["recall"]),
                _f(c["f1"]),
                f"{c['matched']}/{c['gold']} gold, {c['predicted']} predicted",
            ]
        )
    return rows


def write_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.json, report.md and report.html into `out_dir` (atomically, each)."""
    from .html import to_html

    out_dir = Path(out_dir)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    atomic_write_text(paths[0], dumps_report(report))
    atomic_write_text(paths[1], to_markdown(report))
    atomic_write_text(paths[2], to_html(report))
    return paths
