"""The array engine gives exactly what the one-document reference (reference.py) gives.

Random documents with every kind of overlap: predictions overlapping several gold mentions, predictions
overlapping each other, duplicates, gold mentions overlapping each other (the exact assignment's path), events
with shared triggers and repeated arguments.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annot.columns import Vocab, Vocabs, from_documents
from annot.documents import Argument, Document, Entity, Event
from annot.scoring.counts import CountKey
from annot.scoring.engine import multiset_matches, score_columns
from annot.scoring.reference import entity_confusion, entity_errors, event_errors, match_entities, score_document
from annot.scoring.scorer import ScoringSettings
from annot.scoring.vocabulary import ENTITY_ERROR_CATEGORIES

from support import LABELS, ROLES, TYPES, nested_corpus
from support import crowded_corpus as corpus
from support import score_documents as evaluate


def engine(gold, pred):  # type: ignore[no-untyped-def]
    vocabs = Vocabs(labels=Vocab(LABELS), types=Vocab(TYPES), roles=Vocab(ROLES))
    return score_columns(from_documents(gold, vocabs), from_documents(pred, vocabs))


def entity_error_rows(scores, gold):  # type: ignore[no-untyped-def]
    """The engine's entity error rows as the reference lists them: (document, category, gold, predicted)."""
    rows = scores.entity_errors

    def triple(r):  # type: ignore[no-untyped-def]
        return None if r[0] < 0 else (int(r[0]), int(r[1]), LABELS[r[2]])

    return [
        (gold[d].id, ENTITY_ERROR_CATEGORIES[c], triple(gr), triple(pr))
        for d, c, gr, pr in zip(rows.doc, rows.category, rows.gold, rows.pred)
    ]


@pytest.mark.parametrize("seed, crowded", [(1, 0.0), (2, 0.3), (3, 1.0), (4, 0.6)])
def test_engine_counts_equal_the_one_document_reference(seed: int, crowded: float):
    gold, pred = corpus(seed, 150, crowded)
    scores = engine(gold, pred)
    if crowded:
        assert scores.crowded_components > 0
    table = scores.table
    for i, (g, p) in enumerate(zip(gold, pred)):
        row, _ = score_document(g, p, LABELS, TYPES, ROLES)
        assert table.row(i) == {k: list(v) for k, v in row.items()}, g.id


@pytest.mark.parametrize("seed, crowded", [(5, 0.0), (6, 0.5)])
def test_engine_errors_and_confusions_equal_the_reference(seed: int, crowded: float):
    gold, pred = corpus(seed, 120, crowded)
    scores = engine(gold, pred)
    want_errors, want_conf, want_ev, want_roles = [], Counter(), [], Counter()
    for g, p in zip(gold, pred):
        want_errors += [
            (e.doc_id, e.category, e.gold, e.pred)
            for e in entity_errors(g, p, match_entities(g.entities, p.entities, "strict"))
        ]
        want_conf.update(entity_confusion(g, p, match_entities(g.entities, p.entities, "type")))
        errs, roles = event_errors(g, p)
        want_ev += [(e.doc_id, e.category, e.gold, e.pred) for e in errs]
        want_roles.update(roles)
    assert entity_error_rows(scores, gold) == want_errors
    assert scores.confusion == want_conf
    assert [(gold[r.doc].id, r.category, r.gold, r.pred) for r in scores.event_errors] == want_ev
    assert scores.role_confusion == want_roles


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**6), crowded=st.floats(0, 1))
def test_engine_equals_the_reference_on_any_corpus(seed: int, crowded: float):
    gold, pred = corpus(seed, 6, crowded)
    table = engine(gold, pred).table
    for i, (g, p) in enumerate(zip(gold, pred)):
        row, _ = score_document(g, p, LABELS, TYPES, ROLES)
        assert table.row(i) == {k: list(v) for k, v in row.items()}


def test_engine_multiset_matches_by_hand():
    g = [np.array([0, 0, 0, 1]), np.array([5, 5, 7, 5])]
    p = [np.array([0, 0, 1, 1]), np.array([5, 5, 5, 5])]
    # document 0: gold {5, 5, 7}, predicted {5, 5} -> 2; document 1: gold {5}, predicted {5, 5} -> 1
    (matched,) = multiset_matches(g, p, [(g[0], p[0], 2)])
    assert matched.tolist() == [2, 1]


def test_engine_evaluate_reports_the_first_errors_of_each_category_and_counts_the_rest():
    gold, pred = corpus(7, 200, 0.2)
    full = evaluate(gold, pred, labels=LABELS, event_types=TYPES, roles=ROLES)
    capped = evaluate(gold, pred, labels=LABELS, event_types=TYPES, roles=ROLES, settings=ScoringSettings(max_errors=5))
    per_cat = Counter(e.category for e in full.errors)
    assert Counter(e.category for e in capped.errors) == {c: min(5, n) for c, n in per_cat.items()}
    assert capped.errors_left_out == {c: n - 5 for c, n in per_cat.items() if n > 5}
    assert [e for e in full.errors if e in capped.errors] == list(capped.errors)  # the first ones, in order
    ev_cat = Counter(e.category for e in full.event_errors)
    assert capped.event_errors_left_out == {c: n - 5 for c, n in ev_cat.items() if n > 5}
    assert full.table.data.tolist() == capped.table.data.tolist()


def test_engine_predictions_in_any_order_score_the_same():
    gold, pred = corpus(8, 120, 0.4)
    shuffled = list(pred)
    random.Random(1).shuffle(shuffled)
    a = evaluate(gold, pred, labels=LABELS, event_types=TYPES, roles=ROLES, settings=None)
    b = evaluate(gold, shuffled, labels=LABELS, event_types=TYPES, roles=ROLES, settings=None)
    assert a.table.data.tolist() == b.table.data.tolist()
    assert (a.errors, a.event_errors, a.confusion, a.role_confusion) == (
        b.errors,
        b.event_errors,
        b.confusion,
        b.role_confusion,
    )
    assert a.alignment == b.alignment and a.intervals == b.intervals


def test_components_match_scipy_connected_components():
    """The overlap graph's components, without scipy.sparse: the same partition as scipy's connected_components on
    random graphs (seeded), each component named by its smallest node."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from annot.scoring.engine import components

    rng = np.random.default_rng(2026)
    for _ in range(2000):
        n = int(rng.integers(1, 40))
        m = int(rng.integers(0, 60))
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
        got = components(u, v, n)
        k, ref = connected_components(coo_matrix((np.ones(m), (u, v)), shape=(n, n)), directed=False)
        assert len(set(got.tolist())) == k
        for label in range(k):
            nodes = np.flatnonzero(ref == label)
            assert (got[nodes] == nodes.min()).all()


# ------------------------------------------------- nested and discontinuous mentions, nested events


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_engine_equals_the_reference_on_nested_corpora(seed: int):
    """Nested and multi-type gold, discontinuous mentions, events filling roles: counts, errors and confusions
    of the engine are the reference's."""
    gold, pred = nested_corpus(seed, 150)
    assert any(e.fragments for d in gold for e in d.entities)
    assert any(a.event for d in gold for ev in d.events for a in ev.arguments)
    scores = engine(gold, pred)
    assert scores.crowded_components > 0
    want_errors, want_conf, want_ev = [], Counter(), []
    for i, (g, p) in enumerate(zip(gold, pred)):
        row, _ = score_document(g, p, LABELS, TYPES, ROLES)
        assert scores.table.row(i) == {k: list(v) for k, v in row.items()}, g.id
        want_errors += [
            (e.doc_id, e.category, e.gold, e.pred)
            for e in entity_errors(g, p, match_entities(g.entities, p.entities, "strict"))
        ]
        want_conf.update(entity_confusion(g, p, match_entities(g.entities, p.entities, "type")))
        want_ev += [(e.doc_id, e.category, e.gold, e.pred) for e in event_errors(g, p)[0]]
    assert entity_error_rows(scores, gold) == want_errors
    assert scores.confusion == want_conf
    assert [(gold[r.doc].id, r.category, r.gold, r.pred) for r in scores.event_errors] == want_ev


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_engine_equals_the_reference_on_any_nested_corpus(seed: int):
    gold, pred = nested_corpus(seed, 6)
    table = engine(gold, pred).table
    for i, (g, p) in enumerate(zip(gold, pred)):
        row, _ = score_document(g, p, LABELS, TYPES, ROLES)
        assert table.row(i) == {k: list(v) for k, v in row.items()}


# An independent reference: every one-to-one pairing enumerated, characters as sets (no offsets arithmetic).


def _chars(e):  # type: ignore[no-untyped-def]
    return frozenset(i for s, t in e.pieces for i in range(s, t))


def _brute_force(gold, pred, scheme):  # type: ignore[no-untyped-def]
    """(correct, incorrect, partial, missed, spurious) of the best pairing by brute force: the most correct pairs,
    then the most pairs; a pair shares a character; correct as the scheme says (same characters; a label)."""

    def outcome(g, p):  # type: ignore[no-untyped-def]
        same = _chars(g) == _chars(p)
        if scheme == "strict":
            return "correct" if same and g.label == p.label else "incorrect"
        if scheme == "exact":
            return "correct" if same else "incorrect"
        if scheme == "partial":
            return "correct" if same else "partial"
        return "correct" if g.label == p.label else "incorrect"

    best = (-1, -1, ())

    def walk(i, used, pairs):  # type: ignore[no-untyped-def]
        nonlocal best
        if i == len(gold):
            outs = [outcome(gold[a], pred[b]) for a, b in pairs]
            key = (outs.count("correct"), len(pairs), tuple(outs))
            if key[:2] > best[:2]:
                best = key
            return
        walk(i + 1, used, pairs)
        for j, p in enumerate(pred):
            if j not in used and _chars(gold[i]) & _chars(p):
                walk(i + 1, used | {j}, [*pairs, (i, j)])

    walk(0, frozenset(), [])
    outs = best[2]
    return (
        outs.count("correct"),
        outs.count("incorrect"),
        outs.count("partial"),
        len(gold) - len(outs),
        len(pred) - len(outs),
    )


def _brute_events(doc, level):  # type: ignore[no-untyped-def]
    """The items of an event level, from a definition written apart: an argument is its filler's characters (an
    entity) or its trigger's characters and type (an event)."""
    ents = {e.id: ("entity", _chars(e)) for e in doc.entities}
    evs = {ev.id: ("event", frozenset(range(ev.start, ev.end)), ev.type) for ev in doc.events}
    items = Counter()
    for ev in doc.events:
        trig = frozenset(range(ev.start, ev.end))
        if level == "trigger_identification":
            items[trig] += 1
        elif level == "trigger_classification":
            items[trig, ev.type] += 1
        else:
            for a in ev.arguments:
                key = (ev.type, evs[a.event] if a.event else ents[a.entity])
                if "classification" in level:
                    key += (a.role,)
                if level.endswith("anchored"):
                    key += (trig,)
                items[key] += 1
    return items


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_engine_reference_agrees_with_a_brute_force_matcher_on_nested_data(seed: int):
    from annot.scoring.vocabulary import EVENT_LEVELS, SCHEMES

    rng = random.Random(seed)
    gold, pred = nested_corpus(seed, 1)
    g, p = gold[0], pred[0]
    # small enough to enumerate every pairing
    g = replace(g, entities=g.entities[:6])
    p = replace(p, entities=p.entities[:6])
    kept = {e.id for e in g.entities}
    g = replace(
        g,
        events=tuple(
            replace(ev, arguments=tuple(a for a in ev.arguments if a.event or a.entity in kept)) for ev in g.events
        ),
    )
    kept = {e.id for e in p.entities}
    p = replace(
        p,
        events=tuple(
            replace(ev, arguments=tuple(a for a in ev.arguments if a.event or a.entity in kept)) for ev in p.events
        ),
    )
    rng.shuffle(list(p.entities))
    for scheme in SCHEMES:
        got = match_entities(g.entities, p.entities, scheme).counts().vector()
        assert got == _brute_force(list(g.entities), list(p.entities), scheme), scheme
    for level in EVENT_LEVELS:
        gi, pi = _brute_events(g, level), _brute_events(p, level)
        want = (sum((gi & pi).values()), sum(pi.values()), sum(gi.values()))
        from annot.scoring.reference import match_events

        assert match_events(g, p, level) == want, level


NESTED = "Bank of China and North and South Korea signed. The signing was welcomed."


@pytest.mark.parametrize(
    "gold, pred, scheme, counts",
    [
        # nested gold: a mention is correct only with its own boundaries and type
        ([(0, 13, "ORG"), (8, 13, "GPE")], [(0, 13, "ORG")], "strict", (1, 0, 0, 1, 0)),
        ([(0, 13, "ORG"), (8, 13, "GPE")], [(0, 13, "ORG"), (8, 13, "GPE")], "strict", (2, 0, 0, 0, 0)),
        # one span, two types: a prediction of one of them is correct once, the other gold mention is missed
        ([(0, 13, "ORG"), (0, 13, "GPE")], [(0, 13, "GPE")], "strict", (1, 0, 0, 1, 0)),
        ([(0, 13, "ORG"), (0, 13, "GPE")], [(0, 13, "GPE")], "exact", (1, 0, 0, 1, 0)),
        # each gold mention is matched at most once: a duplicate prediction is spurious
        ([(0, 13, "ORG")], [(0, 13, "ORG"), (0, 13, "ORG")], "strict", (1, 0, 0, 0, 1)),
        ([(0, 13, "ORG")], [(0, 13, "ORG"), (0, 4, "ORG")], "partial", (1, 0, 0, 0, 1)),
        # a nested prediction inside a gold mention already paired is spurious, not a second partial
        ([(0, 13, "ORG")], [(0, 4, "ORG"), (8, 13, "ORG")], "partial", (0, 0, 1, 0, 1)),
    ],
)
def test_engine_nested_cases_by_hand(gold, pred, scheme, counts):
    g = [Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(gold)]
    p = [Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(pred)]
    assert match_entities(g, p, scheme).counts().vector() == counts
    assert engine([Document("d", NESTED, tuple(g))], [Document("d", NESTED, tuple(p))]).table.row(0)[
        CountKey("entities", None, scheme)
    ] == list(counts)


NORTH_KOREA = Entity(18, 39, "GPE", "T1", None, ((18, 23), (34, 39)))  # "North … Korea"


@pytest.mark.parametrize(
    "pred, scheme, counts",
    [
        (NORTH_KOREA, "strict", (1, 0, 0, 0, 0)),
        (Entity(18, 39, "GPE", "T1"), "strict", (0, 1, 0, 0, 0)),  # the extent is not the fragments
        (Entity(18, 39, "GPE", "T1"), "partial", (0, 0, 1, 0, 0)),
        (Entity(18, 39, "ORG", "T1", None, ((18, 23), (34, 39))), "exact", (1, 0, 0, 0, 0)),
        (Entity(34, 39, "GPE", "T1"), "type", (1, 0, 0, 0, 0)),  # shares "Korea"
        (Entity(24, 27, "GPE", "T1"), "partial", (0, 0, 0, 1, 1)),  # "and", in the gap: no character shared
    ],
)
def test_engine_discontinuous_cases_by_hand(pred, scheme, counts):
    assert NESTED[18:23] == "North" and NESTED[34:39] == "Korea"
    assert match_entities([NORTH_KOREA], [pred], scheme).counts().vector() == counts
    g, p = Document("d", NESTED, (NORTH_KOREA,)), Document("d", NESTED, (pred,))
    assert engine([g], [p]).table.row(0)[CountKey("entities", None, scheme)] == list(counts)


def _statement(theme: Argument, meet_type: str = "Contact.Meet") -> Document:
    meet = Event("E1", meet_type, 40, 46, (Argument("Participant", "T1"),))
    welcomed = Event("E2", "Contact.Statement", 64, 72, (theme,))
    return Document("d", NESTED, (Entity(0, 13, "ORG", "T1"), Entity(40, 46, "ORG", "T2")), (meet, welcomed))


@pytest.mark.parametrize(
    "pred, matched",
    [
        (_statement(Argument("Theme", "", None, "E1")), 1),  # the same trigger offsets and type
        (_statement(Argument("Topic", "", None, "E1")), 0),  # another role (argument classification)
        (_statement(Argument("Theme", "", None, "E1"), "Conflict.Attack"), 0),  # the event it names has another type
        (_statement(Argument("Theme", "T2")), 0),  # an entity at the trigger's offsets is no event
    ],
)
def test_engine_nested_event_arguments_by_hand(pred: Document, matched: int):
    gold = _statement(Argument("Theme", "", None, "E1"))
    assert NESTED[40:46] == "signed" and NESTED[64:72] == "welcomed"
    from annot.scoring.reference import match_events

    want = match_events(gold, pred, "argument_classification")
    assert want[0] == matched + (1 if pred.events[0].type == "Contact.Meet" else 0)
    row = engine([gold], [pred]).table.row(0)
    assert row[CountKey("events", None, "argument_classification")] == list(want)
