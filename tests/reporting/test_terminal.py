"""The terminal table: one row per scheme and level; no rows of dashes for events nobody annotated."""

from __future__ import annotations

import annot
from annot.documents import Argument, Document, Entity, Event
from annot.reporting.terminal import summary_rows

TEXT = "NATO sent troops to Kosovo."


def test_terminal_rows_without_events_say_so_once():
    docs = [Document("d1", TEXT, (Entity(0, 4, "ORG", "T1"),))]
    rows = summary_rows(annot.evaluate(docs, docs, bootstrap_samples=0))
    assert [r[0] for r in rows] == ["entities strict", "entities exact", "entities partial", "entities type", "events"]
    assert rows[-1][4] == "none in the gold or the predictions: not scored"


def test_terminal_rows_with_events_have_every_level():
    ev = Event("E1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"),))
    docs = [Document("d1", TEXT, (Entity(0, 4, "ORG", "T1"),), (ev,))]
    rows = summary_rows(annot.evaluate(docs, docs, bootstrap_samples=0))
    assert len(rows) == 4 + 6 and rows[4][:4] == ["events trigger_identification", "1.000", "1.000", "1.000"]
