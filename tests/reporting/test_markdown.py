"""report.md: the verdict first, then scores with intervals, per label, events, errors; small case by hand."""

from __future__ import annotations

import dataclasses

import annot
from annot.comparison.gate import GateSettings, run_gate
from annot.documents import Document, Entity
from annot.reporting.markdown import to_markdown

TEXT = "NATO sent troops to Kosovo and Serbia ."


def test_markdown_small_report_by_hand():
    gold = [Document("d1", TEXT, (Entity(0, 4, "ORG", "T1"), Entity(20, 26, "GPE", "T2"), Entity(31, 37, "GPE", "T3")))]
    pred = [Document("d1", TEXT, (Entity(0, 4, "ORG", "T1"), Entity(20, 26, "LOC", "T2")))]
    report = annot.evaluate(gold, pred, system="tiny", bootstrap_samples=0)
    report = dataclasses.replace(
        report, gate=run_gate(report, GateSettings(thresholds={"entities.micro.strict.f1": 0.9}))
    )
    md = to_markdown(report)
    lines = md.splitlines()
    assert lines[0] == "# annot evaluation: tiny"
    assert (
        lines[2]
        == "Gold **(in memory)**, **1** documents (sha256 `"
        + lines[2].split("`")[1]
        + "`); schema "
        + lines[2].split("schema ")[1]
    )
    # the verdict with its failed checks, then the headline scores, come first
    assert lines[4] == "**Gate: FAILED** (1 of 1 gated checks failed):"
    assert lines[6] == "- FAIL: entities.micro.strict.f1 = 0.4000 &lt; threshold 0.9000 (short by 0.5000)"
    assert md.index("**Gate: FAILED**") < md.index("## Scores") < md.index("## Entities per label")
    assert "## Gate: FAILED (1 of 1 checks failed)" in md
    # strict: 1 correct, 1 incorrect (Kosovo GPE vs LOC), 1 missed (Serbia); 2 predicted
    assert "| entities strict | 0.500 | 0.333 | 0.400 | 1/3 gold, 2 predicted |" in lines
    assert "| strict | 1 | 1 | 0 | 1 | 0 | 3 | 2 |" in lines
    assert "No events in the gold or the predictions: the event levels are not scored." in lines
    assert "| GPE | – | 0.000 | 0.000 | 2 | 0 | 0 |" in lines
    assert "- d1 missed: gold GPE “Serbia”, predicted –: NATO sent troops to Kosovo and ⟦Serbia⟧ ." in lines


def test_markdown_escapes_everything_that_came_from_data():
    hostile = "<script>alert(1)</script>"
    text = f"NATO met {hostile} | x ."
    gold = [Document("d1", text, (Entity(0, 4, "ORG|X", "T1"), Entity(9, 9 + len(hostile), "GPE", "T2")))]
    pred = [Document("d1", text, (Entity(0, 4, "ORG|X", "T1"),))]
    report = annot.evaluate(gold, pred, system="<b>sys</b>", bootstrap_samples=0)
    md = to_markdown(report)
    assert "<script>" not in md and "<b>" not in md and "&lt;script&gt;" in md
    assert "| ORG\\|X |" in md  # a pipe in a label adds no column
    for line in md.splitlines():
        if line.startswith("| ORG"):
            assert line.count(" | ") == line.replace("\\|", "").count(" | ")
