"""Past one machine: run independent pieces of one job on a Dask `distributed` cluster.

The cluster's counterpart of :mod:`annot.parallel`. :func:`scheduler_address`
says whether a job runs on a cluster (`--scheduler`, else the
DASK_SCHEDULER_ADDRESS that Dask users already set); :func:`connect` opens a
client to that scheduler and turns each way of failing into an AnnotError
saying what to do; :func:`map_partitions` runs one task per partition and gives
the results back in the order of the partitions, whatever order the workers
finish in, so that a cluster run gives what a local one gives.

Failures. A task whose worker dies (killed, out of memory) is run again on
another worker by the scheduler (up to its `distributed.scheduler.allowed-failures`,
3 by default); a task that raises is run again up to `retries` times. An
AnnotError raised by the function (bad input or configuration, the same on
every try) is not retried: it comes back as it is, naming the partition and the
worker. A partition that still fails stops the job with an AnnotError naming
it; the partitions not yet done are cancelled, and the caller writes nothing.

Dask is imported only when these functions connect or run: annot without a
scheduler never imports it, and it is an optional extra (`cluster`).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import AnnotError

if TYPE_CHECKING:
    from distributed import Client, Future

P = TypeVar("P")
R = TypeVar("R")

ENV = "DASK_SCHEDULER_ADDRESS"
DEFAULT_TIMEOUT = 10.0
_TCP = ("tcp", "tls", "ws", "wss")  # schemes over a TCP connection to HOST:PORT
_ADDRESS_HINT = (
    "Give the address the scheduler prints when it starts, e.g. tcp://10.0.0.5:8786 "
    "(`dask scheduler`; its port, 8786 by default, not the dashboard's)."
)
_START_HINT = (
    "Start a scheduler there (`dask scheduler`) and workers that join it (`dask worker ADDRESS`), "
    "or check the address; without --scheduler and DASK_SCHEDULER_ADDRESS annot runs on this machine."
)


def scheduler_address(flag: str | None) -> str | None:
    """The Dask scheduler a job runs on: `flag` (--scheduler) when given, else DASK_SCHEDULER_ADDRESS, else None.

    None means: run on this machine. Blank values count as not given.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    for value in (flag, os.environ.get(ENV)):
        if value is not None and value.strip():
            return value.strip()
    return None


def _require_distributed() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise AnnotError(
            "a Dask scheduler was given, but Dask's `distributed` is not installed",
            "Install annot's cluster extra (pip install -e '.[cluster]'), or run on this machine: "
            f"without --scheduler and {ENV}.",
        ) from None


def check_address(address: str) -> str:
    """`address` as Dask writes it (a bare HOST:PORT is tcp://HOST:PORT), or an AnnotError saying what is wrong."""
    _require_distributed()
    from distributed.comm.addressing import normalize_address, parse_address
    from distributed.comm.registry import get_backend

    def bad(why: str) -> AnnotError:
        return AnnotError(f"{address!r} is not a Dask scheduler address: {why}", _ADDRESS_HINT)

    try:
        scheme, location = parse_address(address, strict=False)
        get_backend(scheme)
    except ValueError as exc:
        raise bad(str(exc)) from None
    if scheme == "inproc":
        raise bad("an inproc:// scheduler lives inside one Python process; annot, a separate process, cannot reach it")
    if scheme not in _TCP:
        raise bad(f"annot reaches a scheduler over {', '.join(s + '://' for s in _TCP)}, not {scheme}://")
    _host_port(location, bad)
    return str(normalize_address(address))


def _host_port(location: str, bad: Callable[[str], AnnotError]) -> tuple[str, int]:
    host, sep, port = location.rpartition(":")
    host = host.strip("[]")  # an IPv6 host is written [::1]:8786
    if not sep or not host:
        raise bad("it needs a host and a port (HOST:PORT)")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise bad(f"the port {port!r} is not a number from 1 to 65535")
    return host, int(port)


def _probe(address: str, timeout: float) -> None:
    """Fail fast, with the reason, unless a Dask scheduler answers at `address` within `timeout` seconds.

    Nothing listening is refused at once (Dask's own client would retry until its timeout), and a peer that
    accepts the connection but never speaks Dask's protocol is given up on after `timeout` (Dask's client would
    wait for its handshake forever).
    """
    from distributed.comm import connect as comm_connect
    from distributed.comm.addressing import parse_address
    from distributed.security import Security

    scheme, location = parse_address(address)
    if scheme not in _TCP:
        return
    host, port = _host_port(location, lambda why: AnnotError(why))
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        raise AnnotError(f"no Dask scheduler at {address}: nothing listens there", _START_HINT) from None
    except socket.gaierror:
        raise AnnotError(f"no Dask scheduler at {address}: unknown host {host!r}", _ADDRESS_HINT) from None
    except TimeoutError:
        raise AnnotError(
            f"no Dask scheduler at {address}: no answer within {timeout:g} s",
            "A firewall may drop the connection, or the host is down; check the address, or give it longer "
            "with --scheduler-timeout.",
        ) from None
    except OSError as exc:
        raise AnnotError(f"no Dask scheduler at {address}: {exc.strerror or exc}", _START_HINT) from None

    async def handshake() -> None:
        args = Security().get_connection_args("client")
        comm = await asyncio.wait_for(comm_connect(address, timeout=timeout, **args), timeout)
        await comm.close()

    try:
        with ThreadPoolExecutor(1) as pool:  # its own event loop, even when the caller runs one
            pool.submit(asyncio.run, handshake()).result()
    except (TimeoutError, OSError):
        raise AnnotError(
            f"no Dask scheduler answered at {address} within {timeout:g} s",
            "Something listens there but does not speak Dask's protocol (a dashboard or another server?), or the "
            "scheduler is overloaded: check the port, or give it longer with --scheduler-timeout.",
        ) from None


def _quiet_dask() -> None:
    """Keep Dask's own log records (a lost scheduler logs two tracebacks while the client reconnects) off the
    terminal: annot reports what went wrong itself, once, with what to do. ANNOT_DASK_LOG=1 lets them through,
    for debugging a cluster."""
    import logging

    if os.environ.get("ANNOT_DASK_LOG"):
        return
    import distributed  # noqa: F401  (its import makes its loggers, each with its own level and handler)

    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def connect(address: str, timeout: float = DEFAULT_TIMEOUT, min_workers: int = 1) -> Client:
    """A `distributed.Client` of the scheduler at `address`, once at least `min_workers` workers have joined it.

    Every wait is bounded by `timeout` seconds. Raises AnnotError for an address Dask cannot read, nothing
    listening ("no Dask scheduler at ADDRESS"), something that does not answer as a scheduler, and a scheduler
    without workers. The client is not made Dask's default one; close it (`with connect(...) as client:`).
    """
    address = check_address(address)
    _probe(address, timeout)
    from distributed import Client

    _quiet_dask()

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise AnnotError(
            f"cannot connect to the Dask scheduler at {address}: {str(exc).splitlines()[0] if str(exc) else exc}",
            "Check that the scheduler runs and that this machine reaches it; give it longer with --scheduler-timeout.",
        ) from None
    try:
        client.wait_for_workers(min_workers, timeout=timeout)
    except TimeoutError:
        client.close()
        raise AnnotError(
            f"the Dask scheduler at {address} has no workers (waited {timeout:g} s)",
            f"Start workers that join it: `dask worker {address} --nthreads 1` on each machine that will do the work.",
        ) from None
    return client


@dataclass(frozen=True)
class _Failure:
    """An AnnotError a task raised, sent back as its result so that Dask does not retry it."""

    error: AnnotError
    worker: str


class _Guarded(Generic[P, R]):
    """`fn` as a task: an AnnotError (bad input or configuration, the same on every try) becomes a _Failure."""

    def __init__(self, fn: Callable[[P], R]) -> None:
        self.fn = fn

    def __call__(self, partition: P) -> R | _Failure:
        try:
            return self.fn(partition)
        except AnnotError as exc:
            return _Failure(exc, _worker_address())


def _worker_address() -> str:
    from distributed import get_worker

    try:
        return str(get_worker().address)
    except ValueError:  # not on a worker
        return ""


def _task_name(fn: Callable[..., Any]) -> str:
    inner = getattr(fn, "func", fn)  # a functools.partial names its function
    return str(getattr(inner, "__name__", "task")).strip("_") or "task"


def map_partitions(
    client: Client,
    fn: Callable[[P], R],
    partitions: Sequence[P],
    *,
    retries: int = 2,
    names: Sequence[str] | None = None,
    in_flight: int | None = None,
    done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """[fn(p) for p in partitions] on the cluster of `client`: one task per partition, results in partition order.

    `fn` goes to the workers pickled (a module-level function, or a functools.partial of one, with plain values;
    a lambda or a closure over local data does not), once per task, with its partition; the results come back
    pickled. A task that raises is run again up to `retries` times, a task whose worker died is run again by the
    scheduler; an AnnotError from `fn` is not retried. `names[i]` says what partition i holds, for messages
    ("documents 1-8 of 31"). At most `in_flight` tasks are on the cluster at once (default: two per worker
    thread), so that the scheduler never holds the inputs of a whole long job. `done(i, result)` is called here,
    in this process, as each partition's result arrives (in the order they finish: a progress bar).

    Raises AnnotError for the first partition that fails for good, naming it; the others are then cancelled.
    """
    from distributed import as_completed

    total = len(partitions)
    if total == 0:
        return []
    limit = in_flight or max(1, 2 * sum(client.nthreads().values()))
    prefix = f"annot-{_task_name(fn)}-{uuid.uuid4().hex[:8]}"
    task: _Guarded[P, R] = _Guarded(fn)
    pending: dict[str, tuple[int, Future]] = {}

    def submit(i: int) -> Future:
        future = client.submit(task, partitions[i], key=f"{prefix}-{i}", retries=retries, pure=False)
        pending[str(future.key)] = (i, future)
        return future

    def what(i: int) -> str:
        return f"partition {i + 1} of {total}" + (f" ({names[i]})" if names else "")

    results: dict[int, R] = {}
    queue = iter(range(total))
    running = as_completed([submit(i) for i in itertools.islice(queue, limit)], loop=client.loop)
    try:
        for future in running:
            i, _ = pending.pop(str(future.key))
            results[i] = _result(future, what(i), retries)
            if done is not None:
                done(i, results[i])
            following = next(queue, None)
            if following is not None:
                running.add(submit(following))
    finally:
        if pending:  # a partition failed, or the caller was interrupted: nothing more to compute
            client.cancel([f for _, f in pending.values()])
    return [results[i] for i in range(total)]


def _result(future: Future, what: str, retries: int) -> Any:
    """The result of a finished task, or the AnnotError that says why `what` failed."""
    from distributed import KilledWorker

    if future.status == "error":
        exc = future.exception()
        if isinstance(exc, KilledWorker):
            raise AnnotError(
                f"{what} failed: the worker running it died each time it was tried (killed, out of memory, or a crash)",
                "The workers' logs say why; if it is memory, give the workers more or make the partitions smaller.",
            )
        raise AnnotError(
            f"{what} failed after {retries + 1} tries: {type(exc).__name__}: {exc}",
            "The traceback is in the log of the worker that ran it last.",
        )
    try:
        value = future.result()
    except Exception as exc:  # cancelled, or the scheduler went away
        raise AnnotError(
            f"{what} did not finish: {type(exc).__name__}: {exc}".rstrip(": "),
            "The scheduler may have restarted or lost this client; run again.",
        ) from None
    if isinstance(value, _Failure):
        where = f" on worker {value.worker}" if value.worker else ""
        raise AnnotError(f"{value.error.message}; in {what}{where}", value.error.hint, value.error.problems)
    return value
