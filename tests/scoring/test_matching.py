"""Matching and metrics: by hand on small cases, and against nervaluate, seqeval and spaCy's Scorer."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annot.documents import Argument, Document, Entity, Event
from annot.scoring.counts import CountKey, EntityCounts
from annot.scoring.reference import match_entities, match_events, score_document
from annot.scoring.vocabulary import SCHEMES

from support import doc, random_case

TEXT = "NATO sent 500 Turkish soldiers to Kosovo on 5 June ."


def counts(gold, pred, scheme):
    return match_entities(gold, pred, scheme).counts()


def sum_counts(items):
    total = EntityCounts()
    for c in items:
        total = total + c
    return total


def E(s, e, lab):
    return Entity(s, e, lab)


# --------------------------------------------------------------- by hand

HAND = [
    # gold, pred, scheme -> (correct, incorrect, partial, missed, spurious)
    ([E(0, 4, "ORG")], [E(0, 4, "ORG")], {s: (1, 0, 0, 0, 0) for s in SCHEMES}),
    (
        [E(0, 4, "ORG")],
        [E(0, 4, "GPE")],
        {"strict": (0, 1, 0, 0, 0), "exact": (1, 0, 0, 0, 0), "partial": (1, 0, 0, 0, 0), "type": (0, 1, 0, 0, 0)},
    ),
    (
        [E(10, 30, "MIL")],
        [E(14, 30, "MIL")],
        {"strict": (0, 1, 0, 0, 0), "exact": (0, 1, 0, 0, 0), "partial": (0, 0, 1, 0, 0), "type": (1, 0, 0, 0, 0)},
    ),
    (
        [E(10, 30, "MIL")],
        [E(14, 30, "NORP")],
        {"strict": (0, 1, 0, 0, 0), "exact": (0, 1, 0, 0, 0), "partial": (0, 0, 1, 0, 0), "type": (0, 1, 0, 0, 0)},
    ),
    ([E(0, 4, "ORG")], [E(5, 9, "ORG")], {s: (0, 0, 0, 1, 1) for s in SCHEMES}),
    ([], [E(5, 9, "ORG")], {s: (0, 0, 0, 0, 1) for s in SCHEMES}),
    ([E(0, 4, "ORG")], [], {s: (0, 0, 0, 1, 0) for s in SCHEMES}),
    # adjacent, not overlapping: half-open offsets
    ([E(0, 4, "ORG")], [E(4, 9, "ORG")], {s: (0, 0, 0, 1, 1) for s in SCHEMES}),
    # a duplicate prediction is spurious, never a second correct
    ([E(0, 4, "ORG")], [E(0, 4, "ORG"), E(0, 4, "ORG")], {s: (1, 0, 0, 0, 1) for s in SCHEMES}),
    # the exact prediction wins the gold mention, whatever the order; the fragment is spurious
    ([E(10, 30, "MIL")], [E(10, 20, "MIL"), E(10, 30, "MIL")], {s: (1, 0, 0, 0, 1) for s in SCHEMES}),
    # one prediction covering two gold mentions: pairs with one, the other is missed
    (
        [E(0, 4, "ORG"), E(5, 9, "ORG")],
        [E(0, 9, "ORG")],
        {"strict": (0, 1, 0, 1, 0), "exact": (0, 1, 0, 1, 0), "partial": (0, 0, 1, 1, 0), "type": (1, 0, 0, 1, 0)},
    ),
]


@pytest.mark.parametrize("gold, pred, expected", HAND)
def test_matching_by_hand(gold, pred, expected):
    for scheme, want in expected.items():
        for p in itertools.permutations(pred):
            c = counts(gold, list(p), scheme)
            assert (c.correct, c.incorrect, c.partial, c.missed, c.spurious) == want, (scheme, p)


def test_matching_counts_add_up_over_labels(schema):
    g = doc(TEXT, (0, 4, "ORG"), (10, 13, "QTY"), (14, 21, "NORP"), (34, 40, "GPE"))
    p = doc(TEXT, (0, 4, "GPE"), (10, 21, "QTY"), (34, 40, "GPE"), (44, 50, "DATE"))
    row, _ = score_document(g, p, list(schema.entities), [])

    def c(label, scheme):
        return EntityCounts(*row.get(CountKey("entities", label, scheme), (0,) * 5))

    for scheme in SCHEMES:
        total = sum_counts([c(lab, scheme) for lab in schema.entities])
        assert total.possible == c(None, scheme).possible == 4
        assert total.actual == c(None, scheme).actual == 4
    assert c(None, "strict").correct == sum(c(lab, "strict").correct for lab in schema.entities) == 1


# ------------------------------------------------------------- events


def _event_docs():
    text = "NATO sent troops to Kosovo after clashes in Zvečan on Monday ."
    ents = (
        Entity(0, 4, "ORG", "T1"),
        Entity(20, 26, "GPE", "T2"),
        Entity(44, 50, "GPE", "T3"),
        Entity(54, 60, "DATE", "T4"),
    )
    gold = Document(
        "d",
        text,
        ents,
        (
            Event("E1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"), Argument("Destination", "T2"))),
            Event("E2", "Conflict.Attack", 33, 40, (Argument("Place", "T3"), Argument("Time", "T4"))),
        ),
    )
    pred = Document(
        "d",
        text,
        ents,
        (
            Event("X1", "Movement.Deploy", 5, 9, (Argument("Agent", "T1"), Argument("Origin", "T2"))),  # wrong role
            Event("X2", "Life.Injure", 33, 40, (Argument("Place", "T3"),)),  # wrong type
            Event("X3", "Conflict.Attack", 10, 16, (Argument("Time", "T4"),)),  # wrong trigger
        ),
    )
    return gold, pred


@pytest.mark.parametrize(
    "level, expected",
    [
        ("trigger_identification", (2, 3, 2)),
        ("trigger_classification", (1, 3, 2)),
        ("argument_identification", (3, 4, 4)),  # Agent, Destination(as Origin), Time of an Attack (other trigger)
        ("argument_classification", (2, 4, 4)),
        ("argument_identification_anchored", (2, 4, 4)),
        ("argument_classification_anchored", (1, 4, 4)),
    ],
)
def test_matching_events_by_hand(level, expected):
    gold, pred = _event_docs()
    assert match_events(gold, pred, level) == expected


def test_matching_events_per_type():
    gold, pred = _event_docs()
    assert match_events(gold, pred, "trigger_classification", "Conflict.Attack") == (0, 1, 1)
    assert match_events(gold, pred, "argument_classification", "Conflict.Attack") == (1, 1, 2)


# ------------------------------------------------- random cases, references


def simple_overlaps(gold, pred) -> bool:
    """Every mention overlaps at most one mention of the other side (no greedy ambiguity)."""
    from annot.scoring.reference import overlaps

    return all(sum(overlaps(g, p) for p in pred) <= 1 for g in gold) and all(
        sum(overlaps(g, p) for g in gold) <= 1 for p in pred
    )


N_CASES = 3000


def test_matching_against_nervaluate_all_schemes():
    from nervaluate import Evaluator

    rng = random.Random(20261128)
    compared = ambiguous = 0
    for _ in range(N_CASES):
        _, _, _, gold, pred, _ = random_case(rng)
        ev = Evaluator(
            [[{"label": e.label, "start": e.start, "end": e.end - 1} for e in gold]],
            [[{"label": e.label, "start": e.start, "end": e.end - 1} for e in pred]],
            tags=["PER", "ORG", "GPE"],
            loader="dict",
        )
        res = ev.evaluate()["overall"]
        ours = {s: counts(gold, pred, s) for s in SCHEMES}
        for s, ref_name in (("strict", "strict"), ("exact", "exact"), ("partial", "partial"), ("type", "ent_type")):
            r = res.get(ref_name)
            o = ours[s]
            if r is None:  # nervaluate leaves out a scheme when a case has no mention at all
                assert o == EntityCounts()
                continue
            got = (o.correct, o.incorrect, o.partial, o.missed, o.spurious)
            ref = (r.correct, r.incorrect, r.partial, r.missed, r.spurious)
            if simple_overlaps(gold, pred):
                assert got == ref, (s, gold, pred)
                p, rc, f = o.scores("zero")
                assert (p, rc, f) == pytest.approx((r.precision, r.recall, r.f1), abs=1e-12)
            else:
                # A mention overlapping several on the other side: nervaluate pairs greedily in list
                # order; annot takes the pairing with the most correct pairs. Both are one-to-one, so
                # possible and actual agree, and annot never has fewer correct pairs.
                ambiguous += 1
                assert o.possible == r.possible and o.actual == r.actual
                assert o.correct >= r.correct
        compared += 1
    assert compared == N_CASES and ambiguous > 0


def _iob(n, toks):
    tags = ["O"] * n
    for s, e, lab in toks:
        tags[s] = f"B-{lab}"
        for i in range(s + 1, e):
            tags[i] = f"I-{lab}"
    return tags


def test_matching_strict_against_seqeval_micro_and_per_type(schema):
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    rng = random.Random(7)
    for _ in range(N_CASES // 3):
        docs = [random_case(rng) for _ in range(rng.choice([1, 2, 4]))]
        y_true = [_iob(len(w), g) for w, g, *_ in docs]
        y_pred = [_iob(len(w), p) for w, _, p, *_ in docs]
        if not any(t != "O" for seq in y_true + y_pred for t in seq):
            continue
        ref = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
        micro = sum_counts([counts(g, p, "strict") for *_, g, p, _ in docs])
        assert micro.scores("zero") == pytest.approx(
            (ref["micro avg"]["precision"], ref["micro avg"]["recall"], ref["micro avg"]["f1-score"]), abs=1e-12
        )
        for lab in ("PER", "ORG", "GPE"):
            c = sum_counts(
                [
                    counts([e for e in g if e.label == lab], [e for e in p if e.label == lab], "strict")
                    for *_, g, p, _ in docs
                ]
            )
            if lab in ref:
                assert c.possible == ref[lab]["support"]
                assert c.scores("zero") == pytest.approx(
                    (ref[lab]["precision"], ref[lab]["recall"], ref[lab]["f1-score"]), abs=1e-12
                )
            else:
                assert c.possible == 0


def test_matching_strict_against_spacy_scorer():
    import spacy
    from spacy.scorer import Scorer
    from spacy.tokens import Doc
    from spacy.training import Example

    nlp = spacy.blank("en")
    rng = random.Random(11)
    for _ in range(N_CASES // 3):
        docs = [random_case(rng) for _ in range(rng.choice([1, 3]))]
        examples = []
        for words, gtok, ptok, *_ in docs:
            gdoc = Doc(nlp.vocab, words=words)
            gdoc.ents = [gdoc.char_span(0, 0) or gdoc[s:e] for s, e, _ in []] or [
                spacy.tokens.Span(gdoc, s, e, label=lab) for s, e, lab in gtok
            ]
            pdoc = Doc(nlp.vocab, words=words)
            pdoc.ents = [spacy.tokens.Span(pdoc, s, e, label=lab) for s, e, lab in ptok]
            examples.append(Example(pdoc, gdoc))
        ref = Scorer.score_spans(examples, "ents")
        micro = sum_counts([counts(g, p, "strict") for *_, g, p, _ in docs])
        p, r, f = micro.scores("zero")
        assert (p, r, f) == pytest.approx((ref["ents_p"] or 0.0, ref["ents_r"] or 0.0, ref["ents_f"] or 0.0), abs=1e-9)
        for lab, vals in (ref["ents_per_type"] or {}).items():
            c = sum_counts(
                [
                    counts([e for e in g if e.label == lab], [e for e in pp if e.label == lab], "strict")
                    for *_, g, pp, _ in docs
                ]
            )
            assert c.scores("zero") == pytest.approx((vals["p"], vals["r"], vals["f"]), abs=1e-9)


# ------------------------------------------------------------ invariants

span = st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from(["PER", "ORG"])).map(
    lambda t: Entity(t[0], t[0] + t[1], t[2])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(span, max_size=6), st.lists(span, max_size=6), st.randoms())
def test_matching_is_order_independent_and_counts_balance(gold, pred, rnd):
    for scheme in SCHEMES:
        c = counts(gold, pred, scheme)
        assert c.possible == len(gold) and c.actual == len(pred)
        g2, p2 = gold[:], pred[:]
        rnd.shuffle(g2)
        rnd.shuffle(p2)
        assert counts(g2, p2, scheme) == c
        # strict correct never exceeds the others'
        assert counts(gold, pred, "strict").correct <= c.correct or scheme == "strict"


def test_matching_per_label_against_nervaluate_per_tag():
    """Per label, annot compares a label's predictions with that label's gold only, as nervaluate does per tag.

    So a type confusion is `incorrect` overall but `missed` + `spurious` per label, in both tools.
    """
    from nervaluate import Evaluator

    rng = random.Random(424242)
    compared = 0
    for _ in range(N_CASES // 2):
        _, _, _, gold, pred, _ = random_case(rng)
        if not simple_overlaps(gold, pred):
            continue
        ev = Evaluator(
            [[{"label": e.label, "start": e.start, "end": e.end - 1} for e in gold]],
            [[{"label": e.label, "start": e.start, "end": e.end - 1} for e in pred]],
            tags=["PER", "ORG", "GPE"],
            loader="dict",
        )
        per_tag = ev.evaluate()["entities"]
        for lab, results in per_tag.items():
            g = [e for e in gold if e.label == lab]
            p = [e for e in pred if e.label == lab]
            for s, ref_name in (("strict", "strict"), ("exact", "exact"), ("partial", "partial"), ("type", "ent_type")):
                o, r = counts(g, p, s), results[ref_name]
                assert (o.correct, o.incorrect, o.partial, o.missed, o.spurious) == (
                    r.correct,
                    r.incorrect,
                    r.partial,
                    r.missed,
                    r.spurious,
                ), (lab, s, gold, pred)
            compared += 1
    assert compared > 1000
