"""Where the engine runs: in this process, on forked workers of this machine, or on a Dask cluster.

Every way gives the same scores: the documents are cut into chunks of
consecutive documents, each chunk is scored by `engine.score_chunk` (or the
whole input at once), and `engine.merge` joins the chunks' scores in document
order (`tests/scoring/test_engine.py` and `tests/jobs/test_scale.py` prove it).
How many workers, how large the chunks and from which size work is shared are
the caller's `parallel.Execution`; the cluster, when there is one, is a
`Cluster` (a map over chunks on its workers).

Beside the scoring, one more job (`beside`: the token alignment count) runs at
the same time: as one more task of the forked workers, or in this process
while the cluster counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ..columns import Columns
from ..parallel import Execution, fork_map, release_memory
from .engine import Scores, bounds_of, chunks, merge, score_chunk, score_columns

B = TypeVar("B")
MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


@dataclass(frozen=True)
class Cluster:
    """A Dask cluster as a way to score chunks: `run` maps a function over chunks on its workers (results in
    order); the documents are cut into `pieces` chunks (fewer when there are fewer documents)."""

    run: MapFn
    pieces: int


def run(
    g: Columns,
    p: Columns,
    execution: Execution,
    limit: int | None,
    beside: Callable[[], B],
    cluster: Cluster | None = None,
) -> tuple[Scores, B]:
    """Every count of `g` against `p` (as `engine.score_columns`), and what `beside()` returns, computed at the
    same time where there is a second core.

    - on a cluster: chunks there, `beside` here meanwhile;
    - with one worker, or up to `execution.parallel_alignment` documents: both here, one after the other;
    - otherwise on forked workers: `beside` is one task and the scoring the others (the whole input as one task
      below `execution.parallel_documents` documents, else chunks of at most `execution.fork_chunk` documents,
      at least one per worker).
    """
    if cluster is not None:
        with ThreadPoolExecutor(1) as pool:  # the cluster's work is waiting on the network: align meanwhile
            pending = pool.submit(score_in_chunks, g, p, cluster, limit)
            aside = beside()
            return pending.result(), aside
    n = len(g)
    if execution.workers <= 1 or n <= execution.parallel_alignment:
        return score_columns(g, p, execution=execution, limit=limit), beside()
    pieces = 1 if n < execution.parallel_documents else max(execution.workers, -(-n // execution.fork_chunk))
    return score_forked(g, p, execution, min(n, pieces), limit, beside)


def score_in_chunks(g: Columns, p: Columns, cluster: Cluster, limit: int | None = None) -> Scores:
    """`engine.score_columns` with the documents cut into chunks scored by the cluster's `run` and merged: the
    same scores as one `score_columns` of all."""
    parts = chunks(g, p, max(1, min(cluster.pieces, len(g))))
    scored = cluster.run(functools.partial(score_chunk, limit=limit), parts)
    return merge(scored, [len(c[0]) for c in parts], g.ids, g.sha256, limit)


def score_forked(
    g: Columns, p: Columns, execution: Execution, pieces: int, limit: int | None, beside: Callable[[], B]
) -> tuple[Scores, B]:
    """The scores of `pieces` chunks of consecutive documents, each a task of the forked workers of `execution`,
    merged; and `beside()` as one more task of the same processes.

    Each chunk is cut out of the columns in the worker that scores it, so that this process never holds a
    second copy of the corpus, and a worker gives its temporaries back to the system after each chunk.
    """
    bounds = bounds_of(len(g), pieces)

    def run(i: int) -> Any:
        if i < 0:
            return beside()
        docs = np.arange(bounds[i], bounds[i + 1])
        scores = score_columns(g.take(docs), p.take(docs), limit=limit)
        release_memory()
        return scores

    done = fork_map(run, [-1, *range(pieces)], execution.workers)
    return merge(done[1:], np.diff(bounds).tolist(), g.ids, g.sha256, limit), done[0]
