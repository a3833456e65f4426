"""The array engine gives exactly what the one-document reference (reference.py) gives.

Random documents with every kind of overlap: predictions overlapping several gold mentions, predictions
overlapping each other, duplicates, gold mentions overlapping each other (the exact assignment's path), events
with shared triggers and repeated arguments.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annot.columns import Vocab, Vocabs, from_documents
from annot.scoring.engine import multiset_matches, score_columns
from annot.scoring.reference import entity_confusion, entity_errors, event_errors, match_entities, score_document
from annot.scoring.scorer import ScoringSettings
from annot.scoring.vocabulary import ENTITY_ERROR_CATEGORIES

from support import LABELS, ROLES, TYPES
from support import crowded_corpus as corpus
from support import score_documents as evaluate


def engine(gold, pred):  # type: ignore[no-untyped-def]
    vocabs = Vocabs(labels=Vocab(LABELS), types=Vocab(TYPES), roles=Vocab(ROLES))
    return score_columns(from_documents(gold, vocabs), from_documents(pred, vocabs))


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
    rows = scores.entity_errors

    def triple(r):  # type: ignore[no-untyped-def]
        return None if r[0] < 0 else (int(r[0]), int(r[1]), LABELS[r[2]])

    got = [
        (gold[d].id, ENTITY_ERROR_CATEGORIES[c], triple(gr), triple(pr))
        for d, c, gr, pr in zip(rows.doc, rows.category, rows.gold, rows.pred)
    ]
    assert got == want_errors
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
