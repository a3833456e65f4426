"""Agreement between annotators: the matcher of `evaluate`, kappa and alpha, by hand on small cases."""

from __future__ import annotations

import random

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
    tok = token_agreement({"a": ann_a, "b": ann_b}, ["d"], ["ORG"], [], [], statistic="kappa")
    assert tok.statistic == "kappa"
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


def test_agreement_alpha_of_two_annotators_is_alpha_not_kappa():
    """With two annotators, the figure over everyone is Krippendorff's alpha, labelled so; by hand: A marks tokens
    0 and 4 ORG, B token 0: 16 values (3 ORG, 13 O), one unit in disagreement. D_o = 2/16, D_e = 2*3*13/(16*15),
    alpha = 1 - D_o/D_e = 8/13; Cohen's kappa of the same pair is 0.6."""
    text = "a b c d e f g h"
    ann = {
        "a": {"d": Document("d", text, (Entity(0, 1, "ORG", "T1"), Entity(8, 9, "ORG", "T2")))},
        "b": {"d": Document("d", text, (Entity(0, 1, "ORG", "T1"),))},
    }
    pairs, _, overall = agreement(ann, labels=["ORG"], settings=NOBOOT)
    assert overall is not None and overall.statistic == "alpha"
    assert overall.entities == pytest.approx(1 - (2 / 16) / (2 * 3 * 13 / (16 * 15)))
    assert overall.entities == pytest.approx(8 / 13)
    assert pairs[0].tokens.statistic == "kappa" and pairs[0].tokens.entities == pytest.approx(0.6)


def _random_annotations(rng: random.Random, annotators: int, docs: int):  # type: ignore[no-untyped-def]
    """Annotators labelling the tokens of short texts as near copies of one another; some miss whole documents
    (never so many that a document has fewer than two), and one label only one annotator ever uses."""
    words = ["NATO", "sent", "troops", "to", "Kosovo", "on", "Monday", "."]
    out: dict[str, dict[str, Document]] = {f"a{i}": {} for i in range(annotators)}
    for k in range(docs):
        toks = [rng.choice(words) for _ in range(rng.randint(4, 12))]
        text = " ".join(toks)
        starts = [sum(len(t) + 1 for t in toks[:i]) for i in range(len(toks))]
        truth = {i: rng.choice(["ORG", "GPE", "DATE"]) for i in range(len(toks)) if rng.random() < 0.4}
        absent = set(rng.sample(sorted(out), k=rng.randint(0, annotators - 2)))
        for n, who in enumerate(sorted(out)):
            if who in absent:
                continue
            ents = []
            for i, s in enumerate(starts):
                label = truth.get(i)
                if rng.random() < 0.15:
                    label = rng.choice([None, "ORG", "GPE", "DATE"])
                if n == 0 and rng.random() < 0.05:
                    label = "RARE"  # a label only the first annotator uses
                if label:
                    ents.append(Entity(s, s + len(toks[i]), label, f"T{len(ents) + 1}"))
            out[who][f"d{k}"] = Document(f"d{k}", text, tuple(ents))
    return out


def _rows(annotations, labels_of_token):  # type: ignore[no-untyped-def]
    """Token label rows (annotator x token, None where missing) as the reference implementations take them."""
    doc_ids = sorted({d for docs in annotations.values() for d in docs})
    rows = {w: [] for w in annotations}
    for d in doc_ids:
        text = next(docs[d].text for docs in annotations.values() if d in docs)
        spans = token_spans(text)
        for w, docs in annotations.items():
            if d not in docs:
                rows[w] += [None] * len(spans)
                continue
            for s, e in spans:
                rows[w].append(labels_of_token(docs[d], s, e))
    return doc_ids, rows


@pytest.mark.parametrize("annotators", [2, 3, 5])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agreement_alpha_equals_krippendorff_and_nltk_for_any_number_of_annotators(annotators: int, seed: int):
    """Alpha over everyone (2, 3, 5 annotators, documents some annotators did not do, a label one annotator
    alone uses) equals the `krippendorff` package and NLTK's AnnotationTask, independent implementations."""
    import krippendorff
    import numpy as np
    from nltk.metrics.agreement import AnnotationTask

    ann = _random_annotations(random.Random(seed), annotators, 6)

    def label(doc: Document, s: int, e: int) -> str:
        return next((x.label for x in doc.entities if x.start < e and s < x.end), "O")

    doc_ids, rows = _rows(ann, label)
    tok = token_agreement(ann, doc_ids, ["ORG", "GPE", "DATE", "RARE"], [], [])
    assert tok.statistic == "alpha"
    values = sorted({v for r in rows.values() for v in r if v is not None})
    data = np.array([[np.nan if v is None else values.index(v) for v in r] for r in rows.values()], dtype=float)
    assert tok.entities == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    triples = [(w, i, v) for w, r in rows.items() for i, v in enumerate(r) if v is not None]
    assert tok.entities == pytest.approx(AnnotationTask(data=triples).alpha())
    # per label: binary (the label or not), also for the label one annotator alone uses
    binary = [(w, i, v == "RARE") for w, i, v in triples]
    if any(v for _, _, v in binary):
        assert tok.per_label["RARE"] == pytest.approx(AnnotationTask(data=binary).alpha())


def test_agreement_kappa_of_a_pair_equals_nltk():
    from nltk.metrics.agreement import AnnotationTask

    ann = _random_annotations(random.Random(7), 2, 8)

    def label(doc: Document, s: int, e: int) -> str:
        return next((x.label for x in doc.entities if x.start < e and s < x.end), "O")

    doc_ids, rows = _rows(ann, label)
    a, b = sorted(ann)
    both = [(x, y) for x, y in zip(rows[a], rows[b]) if x is not None and y is not None]
    triples = [(a, i, x) for i, (x, _) in enumerate(both)] + [(b, i, y) for i, (_, y) in enumerate(both)]
    tok = token_agreement(ann, doc_ids, [], [], [], statistic="kappa")
    assert tok.entities == pytest.approx(AnnotationTask(data=triples).kappa())
