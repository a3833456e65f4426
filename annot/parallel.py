"""Both cores: run independent pieces of one job in forked worker processes.

A forked worker inherits the parent's memory, so the pieces can be closures
over large arrays that are never pickled; only their results travel back.
Results come back in the order of the pieces, so a parallel run gives what a
sequential one gives. A worker that dies (killed, out of memory) stops the
job with an error instead of hanging it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from .errors import AnnotError

T = TypeVar("T")
R = TypeVar("R")

_JOB: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def workers(requested: int | None = None) -> int:
    """The number of worker processes: `requested`, else ANNOT_WORKERS, else the CPUs this process may use."""
    if requested is not None:
        return max(1, requested)
    env = os.environ.get("ANNOT_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise AnnotError(f"ANNOT_WORKERS={env!r} is not a number", "Set it to the number of processes.") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _call(i: int) -> Any:
    assert _JOB is not None
    fn, items = _JOB
    return fn(items[i])


def fork_map(fn: Callable[[T], R], items: Sequence[T], n_workers: int) -> list[R]:
    """[fn(x) for x in items], the items shared among `n_workers` forked processes (in this process when one)."""
    global _JOB
    if n_workers <= 1 or len(items) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(x) for x in items]
    _JOB = (fn, items)
    try:
        with ProcessPoolExecutor(min(n_workers, len(items)), mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_call, range(len(items))))
    except BrokenProcessPool:
        raise AnnotError(
            "a worker process died (killed, or out of memory)", "Run again with fewer workers (--workers 1)."
        ) from None
    finally:
        _JOB = None


def background(fn: Callable[[T], R], item: T, n_workers: int) -> Callable[[], R]:
    """Start `fn(item)` in a forked process now (when there are `n_workers` > 1) and return a function that waits
    for its result; with one worker, the function computes it when called. The result comes back pickled."""
    if n_workers <= 1 or not hasattr(os, "fork"):
        return lambda: fn(item)
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's clean-up
        os.close(read)
        try:
            payload = pickle.dumps((True, fn(item)))
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            payload = pickle.dumps((False, exc))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write)

    def result() -> R:
        with os.fdopen(read, "rb") as got:
            data = got.read()
        _, status = os.waitpid(pid, 0)
        if not data or status != 0:
            raise AnnotError(
                "a worker process died (killed, or out of memory)", "Run again with fewer workers (--workers 1)."
            )
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return result


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
