"""Forked workers: results in order, a dying worker is an error, the number of workers from the environment."""

from __future__ import annotations

import os

import pytest

from annot.errors import AnnotError
from annot.parallel import fork_imap, fork_map, workers


def test_parallel_a_worker_that_dies_stops_the_job_with_an_error():
    def die(x: int) -> int:
        if x == 3:
            os._exit(9)
        return x

    assert fork_map(lambda x: x * 2, list(range(5)), 2) == [0, 2, 4, 6, 8]
    with pytest.raises(AnnotError, match="a worker process died"):
        fork_map(die, list(range(5)), 2)


def test_parallel_workers_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANNOT_WORKERS", "3")
    assert workers() == 3 and workers(1) == 1
    monkeypatch.setenv("ANNOT_WORKERS", "many")
    with pytest.raises(AnnotError, match="ANNOT_WORKERS='many' is not a number"):
        workers()


def test_parallel_fork_imap_streams_results_in_order_and_closures_see_the_parent_memory():
    big = list(range(1000))  # inherited by the forked workers, never pickled

    def total(i: int) -> int:
        return sum(big[: i * 100])

    got = fork_imap(total, list(range(10)), 2)
    assert next(got) == 0  # results come as they are ready, in order
    assert list(got) == [sum(range(i * 100)) for i in range(1, 10)]


def test_parallel_an_error_in_a_worker_comes_back_as_it_is():
    def fails(x: int) -> int:
        if x == 2:
            raise AnnotError("no such model", "Install it.")
        return x

    with pytest.raises(AnnotError, match="no such model") as err:
        fork_map(fails, [0, 1, 2, 3], 2)
    assert err.value.hint == "Install it."
