from __future__ import annotations

from annot.documents import Argument, Document, Entity, Event
from annot.scoring.reference import entity_confusion, entity_errors, event_errors, match_entities
from annot.scoring.vocabulary import MISSED, SPURIOUS

TEXT = "NATO sent troops to Kosovo after clashes in Zvečan on Monday , Stoltenberg said ."


def _ents():
    return (
        Entity(0, 4, "ORG", "T1"),
        Entity(20, 26, "GPE", "T2"),
        Entity(44, 50, "GPE", "T3"),
        Entity(54, 60, "DATE", "T4"),
        Entity(63, 74, "PER", "T5"),
    )


def test_analysis_entity_error_categories_and_confusion():
    gold = Document("d", TEXT, _ents())
    pred = Document(
        "d",
        TEXT,
        (
            Entity(0, 4, "GPE", "P1"),  # wrong type
            Entity(17, 26, "GPE", "P2"),  # wrong boundary
            Entity(44, 53, "LOC", "P3"),  # wrong boundary and type
            Entity(5, 9, "ORG", "P4"),  # spurious
            Entity(63, 74, "PER", "P5"),  # correct
        ),  # DATE missed
    )
    errs = entity_errors(gold, pred, match_entities(gold.entities, pred.entities, "strict"))
    assert [(e.category, e.gold_text or e.pred_text) for e in errs] == [
        ("wrong type", "NATO"),
        ("spurious", "sent"),
        ("wrong boundary", "Kosovo"),
        ("wrong boundary and type", "Zvečan"),
        ("missed", "Monday"),
    ]
    assert errs[2].pred_text == "to Kosovo"
    assert errs[0].context.startswith("⟦NATO⟧ sent")
    conf = entity_confusion(gold, pred, match_entities(gold.entities, pred.entities, "type"))
    assert conf == {
        ("ORG", "GPE"): 1,
        ("GPE", "GPE"): 1,
        ("GPE", "LOC"): 1,
        ("DATE", MISSED): 1,
        ("PER", "PER"): 1,
        (SPURIOUS, "ORG"): 1,
    }
    # every gold mention is in exactly one row cell, every prediction in one column cell
    assert sum(n for (g, _), n in conf.items() if g != SPURIOUS) == len(gold.entities)
    assert sum(n for (_, p), n in conf.items() if p != MISSED) == len(pred.entities)


def test_analysis_event_error_categories():
    ents = _ents()
    gold = Document(
        "d",
        TEXT,
        ents,
        (
            Event("E1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"), Argument("Destination", "T2"))),
            Event("E2", "Conflict.Attack", 33, 40, (Argument("Place", "T3"), Argument("Time", "T4"))),
            Event("E3", "Contact.Statement", 75, 79, (Argument("Speaker", "T5"),)),
            Event("E4", "Conflict.Attack", 10, 16, ()),
        ),
    )
    pents = (*ents, Entity(41, 50, "GPE", "P3"))
    pred = Document(
        "d",
        TEXT,
        pents,
        (
            Event("X1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"), Argument("Origin", "T2"))),  # wrong role
            Event("X2", "Conflict.Attack", 33, 40, (Argument("Place", "P3"),)),  # argument boundary; Time missed
            Event("X3", "Life.Injure", 75, 79, ()),  # wrong type; Speaker missed
            Event(
                "X4", "Conflict.Attack", 10, 15, (Argument("Time", "T4"),)
            ),  # trigger boundary; Time on the wrong trigger
            Event("X5", "Life.Die", 27, 32, (Argument("Victim", "T5"),)),  # spurious trigger and argument
        ),
    )
    errs, roles = event_errors(gold, pred)
    got = sorted((e.category, e.gold_text or e.pred_text) for e in errs)
    assert got == sorted(
        [
            ("wrong role", "Kosovo"),
            ("argument boundary", "Zvečan"),
            ("wrong trigger", "Monday"),
            ("wrong type", "said"),
            ("missed argument", "Stoltenberg"),
            ("trigger boundary", "troops"),
            ("spurious trigger", "after"),
            ("spurious argument", "Stoltenberg"),
        ]
    )
    assert roles[("Agent", "Agent")] == 1 and roles[("Destination", "Origin")] == 1
    assert roles[(SPURIOUS, "Victim")] == 1 and roles[("Speaker", MISSED)] == 1
