"""The terminal tables: one row per scheme and level, fitting 80 and 120 columns; the worst labels; notes."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import annot
from annot.documents import Argument, Document, Entity, Event
from annot.reporting.model import load_report
from annot.reporting.terminal import comparison_table, notes, summary_rows, summary_table, worst_rows

from support import ROOT

TEXT = "NATO sent troops to Kosovo."


def test_terminal_rows_without_events_say_so_once():
    docs = [Document("d1", TEXT, (Entity(0, 4, "ORG", "T1"),))]
    rows = summary_rows(annot.evaluate(docs, docs, bootstrap_samples=0))
    assert [r[0] for r in rows] == [
        "entities strict",
        "entities exact",
        "entities partial",
        "entities type",
        "entities macro (strict)",
        "events",
    ]
    assert rows[-1][5:] == ["none", "none"]


def test_terminal_rows_with_events_have_every_level():
    ev = Event("E1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"),))
    docs = [Document("d1", TEXT, (Entity(0, 4, "ORG", "T1"),), (ev,))]
    rows = summary_rows(annot.evaluate(docs, docs, bootstrap_samples=0))
    assert len(rows) == 5 + 6 and rows[5][:4] == ["events trigger_identification", "1.000", "1.000", "1.000"]


def _render(renderable, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("system", ["spacy-sm", "spacy-sm-events", "ner-trained"])
def test_terminal_tables_fit_the_width_one_line_a_row(width: int, system: str):
    """Every bundled report's tables at 80 and 120 columns: no line past the width, no cell cut ("…"), one
    line per row; from 110 columns the intervals are shown."""
    report = load_report(ROOT / "reports" / system)
    lines = _render(summary_table(report, f"{system} on gold", width), width)
    assert max(len(x) for x in lines) <= width and not any("…" in x for x in lines), "\n".join(lines)
    rows = summary_rows(report, wide=width >= 110)
    for row in rows:  # each row on one line, its name and F1 on it
        assert sum(1 for x in lines if x.lstrip().startswith(row[0] + " ") and row[3] in x) == 1, row
    assert ("[0." in "\n".join(lines)) == (width >= 110)
    worst = worst_rows(report)
    assert worst and [float(r[4]) for r in worst if r[0] == "label"] == sorted(
        float(r[4]) for r in worst if r[0] == "label"
    )


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_comparison_fits_the_width(width: int):
    from annot.comparison.paired import compare_paths

    table = compare_paths([ROOT / "reports" / n for n in ("spacy-sm", "spacy-sm-events", "ner-trained")], samples=200)
    lines = _render(comparison_table(table, width), width)
    assert max(len(x) for x in lines) <= width and not any("…" in x for x in lines), "\n".join(lines)
    text = "\n".join(lines)
    assert "spacy-sm-events" in text and "ner-trained" in text and "not predicted" in text


def test_terminal_notes_count_ignored_predictions_and_a_missing_layer():
    gold = [Document("a", TEXT, (Entity(0, 4, "ORG", "T1"),), (Event("E1", "Movement.Deploy", 5, 9),))]
    pred = [Document("a", TEXT, (Entity(0, 4, "ORG", "T1"),))]
    lines = notes(annot.evaluate(gold, pred, bootstrap_samples=0))
    assert lines == ["events: none predicted by this system (1 gold triggers): no event score"]
    report = annot.evaluate("gold/news/documents.jsonl", "gold/news/documents.jsonl", split="test", bootstrap_samples=0)
    dev = len(annot.read_documents("gold/news/documents.jsonl", split="dev"))
    lines = notes(report)
    assert any(x.startswith(f"ignored: predictions for {dev} document(s) outside split test") for x in lines), lines
    assert any(x.startswith("held-out split test (17 documents scored)") for x in lines), lines
