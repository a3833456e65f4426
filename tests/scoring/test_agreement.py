"""Agreement between annotators: the matcher of `evaluate`, kappa and alpha, by hand on small cases."""

from __future__ import annotations

import pytest

from annot.documents import Argument, Document, Entity, Event
from annot.scoring.agreement import agreement, token_agreement, token_spans
from annot.scoring.counts import CountKey
from annot.scoring.scorer import ScoringSettings

TEXT = "NATO troops arrived in Pristina on Monday ."
# NATO 0-4, troops 5-11, arrived 12-19, in 20-22, Pristina 23-31, on 32-34, Monday 35-41
NOBOOT = ScoringSettings(bootstrap_samples=0)


def doc(ents, events=(), doc_id="d1", text=TEXT):  # type: ignore[no-untyped-def]
    return Document(
        doc_id, text, tuple(Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(ents, 1)), tuple(events)
    )


BASE = [(0, 4, "ORG"), (23, 31, "GPE"), (35, 41, "DATE")]
DEPLOY = Event(
    "E1", "Movement.Deploy", 12, 19, (Argument("Agent", "T1"), Argument("Destination", "T2"), Argument("Time", "T3"))
)


def _micro(ev, key):  # type: ignore[no-untyped-def]
    section, _, level = key.partition("/")
    c = (
        ev.table.entity_total(CountKey("entities", None, level))
        if section == "entities"
        else ev.table.event_total(CountKey("events", None, level))
    )
    return c.scores()[2]


def test_agreement_full_agreement():
    a = {"d1": doc(BASE, [DEPLOY])}
    pairs, pooled, alpha = agreement({"ann1": a, "ann2": dict(a)}, settings=NOBOOT)
    (p,) = pairs
    assert (p.a, p.b, p.documents) == ("ann1", "ann2", ("d1",))
    for key in ("entities/strict", "entities/type", "events/trigger_classification", "events/argument_classification"):
        assert _micro(p.evaluation, key) == 1.0
    assert p.tokens.entities == 1.0 and p.tokens.events == 1.0
    assert alpha is not None and alpha.entities == 1.0
    assert pooled is not None and _micro(pooled, "entities/strict") == 1.0


@pytest.mark.parametrize(
    "other, key, f1",
    [
        # a boundary: "Pristina on Monday"-style overlap; strict loses one of three, partial gives half
        ([(0, 4, "ORG"), (20, 31, "GPE"), (35, 41, "DATE")], "entities/strict", 2 / 3),
        ([(0, 4, "ORG"), (20, 31, "GPE"), (35, 41, "DATE")], "entities/partial", 2.5 / 3),
        # a type: the span agreed, the label not
        ([(0, 4, "MIL"), (23, 31, "GPE"), (35, 41, "DATE")], "entities/exact", 1.0),
        ([(0, 4, "MIL"), (23, 31, "GPE"), (35, 41, "DATE")], "entities/strict", 2 / 3),
        # a missing mention: 3 vs 2
        ([(0, 4, "ORG"), (23, 31, "GPE")], "entities/strict", 0.8),
    ],
)
def test_agreement_entity_disagreements(other, key, f1):
    pairs, _, _ = agreement({"a": {"d1": doc(BASE)}, "b": {"d1": doc(other)}}, settings=NOBOOT)
    assert _micro(pairs[0].evaluation, key) == pytest.approx(f1)


def test_agreement_trigger_argument_and_role_disagreements():
    other_trigger = Event("E1", "Movement.Deploy", 5, 19, DEPLOY.arguments)  # "troops arrived"
    other_type = Event("E1", "Conflict.Attack", 12, 19, ())
    wrong_role = Event(
        "E1",
        "Movement.Deploy",
        12,
        19,
        (Argument("Force", "T1"), Argument("Destination", "T2"), Argument("Time", "T3")),
    )
    a = {"d1": doc(BASE, [DEPLOY])}
    cases = [
        (other_trigger, "events/trigger_identification", 0.0),
        (other_type, "events/trigger_identification", 1.0),
        (other_type, "events/trigger_classification", 0.0),
        (wrong_role, "events/argument_identification", 1.0),
        (wrong_role, "events/argument_classification", 2 / 3),
    ]
    for ev, key, want in cases:
        pairs, _, _ = agreement({"a": a, "b": {"d1": doc(BASE, [ev])}}, settings=NOBOOT)
        assert _micro(pairs[0].evaluation, key) == pytest.approx(want), (ev, key)


def test_agreement_three_annotators_and_a_document_only_one_did():
    a = {"d1": doc(BASE), "d2": doc(BASE, doc_id="d2")}
    b = {"d1": doc(BASE)}
    c = {"d1": doc([(0, 4, "ORG"), (23, 31, "GPE")])}
    pairs, pooled, alpha = agreement({"a": a, "b": b, "c": c}, settings=NOBOOT)
    assert [(p.a, p.b, p.documents) for p in pairs] == [("a", "b", ("d1",)), ("a", "c", ("d1",)), ("b", "c", ("d1",))]
    assert pooled is not None and len(pooled.table) == 3  # d2 (one annotator) is in no pair
    # pooled strict: 3 + 2 + 2 correct of (3+3+3) and (3+2+2) -> F1 = 2*7 / (9+7)
    assert _micro(pooled, "entities/strict") == pytest.approx(14 / 16)
    assert alpha is not None and alpha.tokens == len(token_spans(TEXT))  # tokens of d2: seen by one only


def test_agreement_kappa_by_hand():
    """Two annotators, 8 tokens: A marks tokens 0 and 4 ORG, B marks token 0 only."""
    text = "a b c d e f g h"
    ann_a = {"d": Document("d", text, (Entity(0, 1, "ORG", "T1"), Entity(8, 9, "ORG", "T2")))}
    ann_b = {"d": Document("d", text, (Entity(0, 1, "ORG", "T1"),))}
    tok = token_agreement({"a": ann_a, "b": ann_b}, ["d"], ["ORG"], [], [])
    # observed agreement 7/8; chance: A says ORG 2/8, B 1/8 -> pe = 2/8*1/8 + 6/8*7/8 = 44/64
    po, pe = 7 / 8, 44 / 64
    assert tok.entities == pytest.approx((po - pe) / (1 - pe))
    assert tok.per_label["ORG"] == pytest.approx((po - pe) / (1 - pe))
    assert tok.events is None  # no trigger at all: kappa undefined, not 1.0


def test_agreement_alpha_matches_the_krippendorff_package():
    import krippendorff
    import numpy as np

    text = "a b c d e f g h"
    ann = {
        "x": {"d": Document("d", text, (Entity(0, 1, "ORG", "T1"), Entity(8, 9, "GPE", "T2")))},
        "y": {"d": Document("d", text, (Entity(0, 1, "ORG", "T1"),))},
        "z": {"d": Document("d", text, (Entity(0, 1, "GPE", "T1"), Entity(8, 9, "GPE", "T2")))},
    }
    tok = token_agreement(ann, ["d"], ["ORG", "GPE"], [], [])
    code = {"O": 0, "ORG": 1, "GPE": 2}
    rows = [
        ["ORG", "O", "O", "O", "GPE", "O", "O", "O"],
        ["ORG"] + ["O"] * 7,
        ["GPE", "O", "O", "O", "GPE", "O", "O", "O"],
    ]
    want = krippendorff.alpha(
        reliability_data=np.array([[code[v] for v in r] for r in rows]), level_of_measurement="nominal"
    )
    assert tok.entities == pytest.approx(want)


def test_agreement_nobody_shares_a_document():
    assert agreement({"a": {"d1": doc(BASE)}, "b": {"d2": doc(BASE, doc_id="d2")}}, settings=NOBOOT) == ([], None, None)
