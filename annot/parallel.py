"""Both cores: run independent pieces of one job in forked worker processes.

A forked worker inherits the parent's memory, so the pieces can be closures
over large arrays that are never pickled; only their results travel back.
Results come back in the order of the pieces, so a parallel run gives what a
sequential one gives. A worker that dies (killed, out of memory) stops the
job with an error instead of hanging it. `fork_imap` is the one way annot
forks (reading files, scoring, predicting); `Execution` is the one record of
how many workers and how large their pieces are.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import AnnotError
from .limits import MAX_WORKERS, bounded

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def workers(requested: int | None = None) -> int:
    """The number of worker processes: `requested`, else ANNOT_WORKERS, else the CPUs this process may use."""
    if requested is not None:
        return bounded("--workers", requested, 1, MAX_WORKERS)
    env = os.environ.get("ANNOT_WORKERS", "").strip()
    if env:
        try:
            number = int(env)
        except ValueError:
            raise AnnotError(f"ANNOT_WORKERS={env!r} is not a number", "Set it to the number of processes.") from None
        return bounded("ANNOT_WORKERS", number, 1, MAX_WORKERS)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _call(i: int) -> Any:
    assert _JOB is not None
    fn, items = _JOB
    return fn(items[i])


def fork_imap(fn: Callable[[T], R], items: Sequence[T], n_workers: int) -> Iterator[R]:
    """fn(x) for x in items, in order, as each is ready: the items shared among `n_workers` forked processes
    (in this process when one). This is annot's one way to fork; `fork_map` is it as a list.

    The workers are forked when the first result is asked for and inherit this process's memory, so `fn` may be
    a closure over large arrays (never pickled); each item's result comes back pickled. A worker that dies stops
    the job with an AnnotError.
    """
    global _JOB
    if n_workers <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (fn(x) for x in items)
        return
    if _JOB is not None:
        raise RuntimeError("fork_imap is not reentrant: a job is already running in this process")
    _JOB = (fn, items)
    try:
        with ProcessPoolExecutor(min(n_workers, len(items)), mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_call, range(len(items)))
    except BrokenProcessPool:
        raise AnnotError(
            "a worker process died (killed, or out of memory)", "Run again with fewer workers (--workers 1)."
        ) from None
    finally:
        _JOB = None


def fork_map(fn: Callable[[T], R], items: Sequence[T], n_workers: int) -> list[R]:
    """[fn(x) for x in items], the items shared among `n_workers` forked processes (in this process when one)."""
    return list(fork_imap(fn, items, n_workers))


@dataclass(frozen=True, kw_only=True)
class Execution:
    """Where and in what pieces a job runs: the worker processes, the sizes of their pieces and the thresholds
    from which work is shared. The caller builds one (the command line from --workers; tests with small
    thresholds, so that small inputs take the parallel paths); nothing reads these from module globals.

    The results never depend on these values, only the time and memory they take.
    """

    workers: int = 1
    read_piece: int = 16 << 20  # bytes: a file is read in pieces of at least this size, one per worker
    fork_chunk: int = 4000  # documents per chunk a forked worker scores: bounds each worker's working memory
    parallel_documents: int = 2000  # from this many documents, the scoring itself is shared among the workers
    parallel_events: int = 20_000  # events (gold and predicted) from which the event error analysis is shared
    parallel_alignment: int = 200  # above this many documents, the alignment count runs beside the scoring
    alignment_documents: int = 500  # documents the alignment count tokenises (a sample above that)
    cluster_pieces_per_thread: int = 4  # chunks per worker thread of a Dask cluster


LOCAL = Execution()  # one process, the default sizes


def release_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim) after a phase that made and dropped
    many small objects, such as decoding JSON: large arrays made later are mapped afresh, not carved from that
    free space, so without this the process keeps both. Does nothing where there is no glibc."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None
