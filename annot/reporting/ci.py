"""What CI systems read: the run's verdict, JUnit XML, a Markdown step summary and GitHub Actions annotations.

One verdict per run of `annot evaluate`, made from the reports' gates: its
line is the last line of the run (which systems failed and why, the largest
shortfall first); `--format json` prints it as JSON; `--junit-xml` writes one
test case per gate check (JUnit XML as Jenkins, GitLab, Azure and the GitHub
test-report actions read it); the step summary is Markdown for
`$GITHUB_STEP_SUMMARY`; under GitHub Actions `::error::` lines point at the
failed checks. Everywhere, failed checks come largest shortfall first (the drop
from the baseline, or the distance below the threshold).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ..scoring.vocabulary import EVENT_LEVELS, SCHEMES
from .markdown import fmt, md, short_metric
from .model import GateCheck, Report, SideBySide, SystemVerdict, Verdict
from .paths import SIDE_BY_SIDE

HEADLINE = (
    *(f"entities.micro.{s}.f1" for s in SCHEMES),
    "entities.macro.strict.f1",
    *(f"events.micro.{lvl}.f1" for lvl in EVENT_LEVELS),
)
ANNOTATIONS_SHOWN = 10  # GitHub shows at most ten error annotations of a step


def headline_scores(report: Report) -> dict[str, float | None]:
    """The micro F1 of every scheme and level and the macro strict F1, by metric path."""
    out: dict[str, float | None] = {f"entities.micro.{s}.f1": report.entities.micro[s].f1 for s in SCHEMES}
    out["entities.macro.strict.f1"] = report.entities.macro["strict"].f1
    out.update({f"events.micro.{lvl}.f1": report.events.micro[lvl].f1 for lvl in EVENT_LEVELS})
    return out


def system_verdict(name: str, report: Report, path: str | None = None) -> SystemVerdict:
    gate = report.gate
    return SystemVerdict(
        system=name,
        gated=gate is not None,
        passed=gate is None or gate.passed,
        checks=0 if gate is None else len(gate.gated),
        failed=() if gate is None else tuple(gate.failed),
        scores=headline_scores(report),
        report=path,
        ignored_predictions=len(report.meta.ignored_prediction_documents),
        all_checks=() if gate is None else gate.checks,
    )


def verdict(results: Sequence[tuple[str, Report, str | None]]) -> Verdict:
    """The verdict of a run from its (system name, report, report.json path) triples, in run order."""
    systems = tuple(system_verdict(n, r, p) for n, r, p in results)
    return Verdict(passed=all(s.passed for s in systems), line=verdict_line(systems), systems=systems)


def verdict_line(systems: Sequence[SystemVerdict]) -> str:
    """The run's one verdict: which systems failed and why, the largest shortfall first.

    >>> from annot.reporting.model import GateCheck
    >>> bad = GateCheck(kind="baseline", metric="entities.per_label.PER.strict.f1", value=0.5, baseline=0.9,
    ...                 drop=0.4, support=30, gated=True, passed=False, description="")
    >>> print(verdict_line([SystemVerdict(system="a", gated=True, passed=False, checks=12, failed=(bad,), scores={}),
    ...                     SystemVerdict(system="b", gated=True, passed=True, checks=12, failed=(), scores={})]))
    verdict: FAILED: a failed 1 of 12 checks, worst entities.per_label.PER.strict.f1 dropped 0.400 (0.900 -> 0.500); b passed
    """
    n = len(systems)
    if not any(s.gated for s in systems):
        return f"verdict: no gate (no threshold or baseline given); {n} system{'s' * (n != 1)} scored"
    failed = sorted((s for s in systems if not s.passed), key=lambda s: -s.shortfall)
    if not failed:
        checks = sum(s.checks for s in systems)
        who = f"{n} systems" if n > 1 else systems[0].system
        return f"verdict: PASSED: {who}, {checks} gated checks, none failed"
    parts = [
        f"{s.system} failed {len(s.failed)} of {s.checks} check{'s' * (s.checks != 1)}, worst {s.failed[0].summary}"
        for s in failed
    ]
    passed = [s.system for s in systems if s.passed]
    tail = f"; {', '.join(passed)} passed" if passed else ""
    return "verdict: FAILED: " + "; ".join(parts) + tail


# ----------------------------------------------------------------- JUnit


def _detail(c: GateCheck) -> str:
    def num(x: float | None) -> str:
        return "undefined" if x is None else f"{x:.6f}"

    support = "" if c.support is None else f"; support {c.support}"
    if c.kind == "threshold":
        head = f"value {num(c.value)}; threshold {num(c.threshold)}; short by {c.shortfall:.6f}"
    else:
        head = f"value {num(c.value)}; baseline {num(c.baseline)}; drop {num(c.drop)}"
    return f"{head}{support}\n{c.description}"


def junit_xml(v: Verdict) -> str:
    """JUnit XML: a test suite per system, a test case per gate check (failed first, largest shortfall first);
    a failed check is a <failure> with its value, threshold or baseline and drop, a check that is not gated
    (too little support, no evidence) is <skipped>."""
    root = ET.Element("testsuites", name="annot evaluate")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for s in v.systems:
        suite = ET.SubElement(root, "testsuite", name=f"annot gate: {s.system}")
        props = ET.SubElement(suite, "properties")
        for key, value in (("system", s.system), ("report", s.report or ""), ("verdict", v.line)):
            ET.SubElement(props, "property", name=key, value=value)
        for metric, score in s.scores.items():
            ET.SubElement(props, "property", name=metric, value=fmt(score))
        checks = [] if not s.gated else _checks_of(s)
        counts = {"tests": len(checks), "failures": 0, "skipped": 0}
        for c in checks:
            case = ET.SubElement(suite, "testcase", name=f"{c.kind} {c.metric}", classname=f"annot.gate.{s.system}")
            if not c.passed:
                counts["failures"] += 1
                fail = ET.SubElement(case, "failure", message=c.summary, type=f"{c.kind} check")
                fail.text = _detail(c)
            elif not c.gated:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=c.description)
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        for k in totals:
            totals[k] += counts[k]
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _checks_of(s: SystemVerdict) -> list[GateCheck]:
    return [*s.failed, *(c for c in s.all_checks if c.passed)]


# ---------------------------------------------------------------- summary


def step_summary(v: Verdict, reports: Sequence[Report], comparison: SideBySide | None = None) -> str:
    """The run as GitHub Markdown, for `$GITHUB_STEP_SUMMARY`: the verdict, each system's headline F1s and gate,
    the failed checks largest shortfall first, and the gold."""
    state = "✓ PASSED" if v.passed else "✗ FAILED"
    if not any(s.gated for s in v.systems):
        state = "no gate"
    lines = [f"## annot evaluate: {state}", "", f"**{md(v.line)}**", ""]
    lines += [
        "| system | gate | " + " | ".join(short_metric(m) for m in SIDE_BY_SIDE) + " |",
        "|---|---|" + "---:|" * len(SIDE_BY_SIDE),
    ]
    deltas = {}
    if comparison is not None:
        deltas = {row.system: row.metrics for row in comparison.systems}
    for s in v.systems:
        gate = "no gate" if not s.gated else ("passed" if s.passed else f"**failed** {len(s.failed)} of {s.checks}")
        cells = []
        for m in SIDE_BY_SIDE:
            cell = fmt(s.scores.get(m))
            c = deltas.get(s.system, {}).get(m)
            if c is not None and c.not_predicted:
                cell = "not predicted"
            elif c is not None and c.delta is not None:
                cell += f" ({c.delta:+.3f})"
            cells.append(cell)
        lines.append(f"| {md(s.system)} | {gate} | " + " | ".join(cells) + " |")
    if comparison is not None and len(comparison.systems) > 1:
        lines += ["", f"In brackets: the difference to {md(comparison.reference)}, the first system."]
    failed = [(s, c) for s in v.failed_systems for c in s.failed]
    failed.sort(key=lambda sc: -sc[1].shortfall)
    if failed:
        shown = failed[:30]
        lines += [
            "",
            "### Failed checks, largest shortfall first",
            "",
            "| system | metric | value | threshold / baseline | short by |",
            "|---|---|---:|---:|---:|",
        ]
        for s, check in shown:
            ref = (
                f"threshold {fmt(check.threshold)}" if check.kind == "threshold" else f"baseline {fmt(check.baseline)}"
            )
            lines.append(
                f"| {md(s.system)} | {md(check.metric)} | {fmt(check.value)} | {ref} | {check.shortfall:.3f} |"
            )
        if len(failed) > len(shown):
            lines.append(f"\n… and {len(failed) - len(shown)} more failed checks, in each report's Gate section.")
    if reports:
        g = reports[0].meta.gold
        where = f"split **{md(g.split)}** of " if g.split else ""
        lines += ["", f"Gold: {where}`{md(g.path)}`, {g.documents} documents."]
    paths = [s.report for s in v.systems if s.report]
    if paths:
        lines.append("Reports: " + ", ".join(f"`{md(p)}`" for p in paths) + " (and report.md / report.html beside).")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------- annotations


def _escape(text: str, prop: bool = False) -> str:
    """Data of a GitHub workflow command: %, CR and LF escaped (and : , in a property)."""
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def github_annotations(v: Verdict) -> list[str]:
    """`::error::` lines for the verdict and the worst failed checks (at most ten errors: GitHub shows no more
    per step), `::warning::` lines for ignored predictions."""
    out = []
    if not v.passed:
        out.append(f"::error title={_escape('annot gate FAILED', True)}::{_escape(v.line)}")
        failed = sorted(((s, c) for s in v.systems for c in s.failed), key=lambda sc: -sc[1].shortfall)
        for s, c in failed[: ANNOTATIONS_SHOWN - 1]:
            out.append(f"::error title={_escape(f'annot gate: {s.system}', True)}::{_escape(c.description)}")
    for s in v.systems:
        if s.ignored_predictions:
            out.append(
                f"::warning title={_escape(f'annot: {s.system}', True)}::"
                + _escape(
                    f"{s.ignored_predictions} predicted documents of other splits were ignored "
                    "(meta.ignored_prediction_documents of the report)"
                )
            )
    return out
