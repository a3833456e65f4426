"""The scoring entry: pairing by id, counts per document, labels the schema does not know."""

from __future__ import annotations

import pytest

from annot.documents import Document, Entity
from annot.errors import AnnotError
from annot.scoring.counts import CountKey, EntityCounts
from annot.scoring.scorer import ScoringSettings

from support import score_documents as evaluate

TEXT = "NATO met Serbia ."


def _doc(doc_id: str, *spans: tuple[int, int, str], text: str = TEXT) -> Document:
    return Document(doc_id, text, tuple(Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(spans)))


def test_evaluate_pairs_by_id_and_counts_per_document():
    gold = [_doc("a", (0, 4, "ORG")), _doc("b", (9, 15, "GPE"))]
    pred = [_doc("b", (9, 15, "GPE")), _doc("a", (0, 4, "GPE"))]
    ev = evaluate(gold, pred, labels=["ORG", "GPE"], settings=ScoringSettings(bootstrap_samples=0))
    assert ev.table.ids == ["a", "b"]
    assert ev.table.entity_total(CountKey("entities", None, "strict")) == EntityCounts(correct=1, incorrect=1)
    assert ev.table.entity_total(CountKey("entities", "ORG", "strict")) == EntityCounts(missed=1)
    assert ev.labels == ("GPE", "ORG") and ev.intervals == {}
    assert [e.category for e in ev.errors] == ["wrong type"]


def test_evaluate_scores_labels_the_schema_does_not_know():
    gold = [_doc("a", (0, 4, "ORG"))]
    pred = [_doc("a", (0, 4, "ALLIANCE"))]
    ev = evaluate(gold, pred, labels=["ORG"], settings=ScoringSettings(bootstrap_samples=0))
    assert "ALLIANCE" in ev.labels
    assert ev.table.entity_total(CountKey("entities", "ALLIANCE", "strict")) == EntityCounts(spurious=1)


def test_evaluate_refuses_missing_unknown_and_changed_documents():
    gold = [_doc("a"), _doc("b")]
    pred = [_doc("a", text="other text"), _doc("c")]
    with pytest.raises(AnnotError) as err:
        evaluate(gold, pred)
    assert err.value.problems == [
        "document 'c': predicted, but not in the gold (a wrong id, or predictions for another corpus?)",
        "document 'a': the predicted text differs from the gold text (SHA-256 "
        + f"{pred[0].sha256[:12]}... vs {gold[0].sha256[:12]}...); offsets cannot be compared",
        "document 'b': no prediction (the system must output every gold document, even with no mention)",
    ]


def test_evaluate_ignores_and_lists_predictions_for_the_other_splits():
    ev = evaluate([_doc("a")], [_doc("a"), _doc("z")], other_gold=frozenset({"z"}))
    assert ev.ignored_prediction_documents == ("z",)
