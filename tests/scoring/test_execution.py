"""Where the engine runs changes nothing: in this process, forked in chunks, or mapped over chunks (a cluster)."""

from __future__ import annotations

import pytest

from annot.columns import Vocab, Vocabs, from_documents
from annot.parallel import Execution
from annot.scoring.engine import Scores, score_columns
from annot.scoring.execution import Cluster, run, score_in_chunks

from support import LABELS, ROLES, TYPES
from support import crowded_corpus as corpus


def _columns(seed: int, n: int):  # type: ignore[no-untyped-def]
    gold, pred = corpus(seed, n, 0.5)
    vocabs = Vocabs(labels=Vocab(LABELS), types=Vocab(TYPES), roles=Vocab(ROLES))
    return from_documents(gold, vocabs), from_documents(pred, vocabs)


def _same(a: Scores, b: Scores) -> None:
    assert a.table.keys == b.table.keys and a.table.data.tolist() == b.table.data.tolist()
    for field in ("doc", "category", "gold", "pred"):
        assert getattr(a.entity_errors, field).tolist() == getattr(b.entity_errors, field).tolist()
    assert a.event_errors == b.event_errors and a.event_error_counts == b.event_error_counts
    assert (a.confusion, a.role_confusion) == (b.confusion, b.role_confusion)
    assert a.crowded_components == b.crowded_components


@pytest.mark.parametrize("pieces", [1, 2, 7])
def test_execution_scores_in_chunks_merge_to_the_scores_of_all(pieces: int):
    g, p = _columns(9, 90)
    whole = score_columns(g, p, limit=4)
    _same(score_in_chunks(g, p, Cluster(run=lambda fn, items: [fn(x) for x in items], pieces=pieces), limit=4), whole)


@pytest.mark.parametrize(
    "execution",
    [
        Execution(workers=1),
        Execution(workers=2, parallel_alignment=10),  # the whole input in one forked task, alignment beside it
        Execution(workers=2, parallel_alignment=10, parallel_documents=20, fork_chunk=7),  # many forked chunks
        Execution(workers=3, parallel_alignment=10, parallel_documents=20, parallel_events=5),  # event errors too
    ],
)
def test_execution_any_way_of_running_gives_the_same_scores_and_runs_the_job_beside(execution: Execution):
    g, p = _columns(11, 60)
    whole = score_columns(g, p, limit=3)
    scores, beside = run(g, p, execution, 3, beside=lambda: ("aligned", len(g)))
    _same(scores, whole)
    assert beside == ("aligned", 60)


def test_execution_on_a_cluster_runs_the_job_beside_here():
    g, p = _columns(12, 40)
    cluster = Cluster(run=lambda fn, items: [fn(x) for x in items], pieces=5)
    scores, beside = run(g, p, Execution(), None, beside=lambda: "here", cluster=cluster)
    _same(scores, score_columns(g, p))
    assert beside == "here"
