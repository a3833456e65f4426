"""`annot evaluate --scheduler` on a real Dask LocalCluster (worker processes on 127.0.0.1): the workers count
chunks of documents, the counts are merged and bootstrapped here, and the report is the local run's."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annot.cluster import ENV

from support import ROOT, crowded_files, dask_modules_after, local_cluster, report_json, run

pytestmark = pytest.mark.cluster

distributed = pytest.importorskip("distributed", reason="the cluster extra (pip install -e '.[cluster]')")
import cloudpickle  # noqa: E402  (comes with distributed)
import dask  # noqa: E402
from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402

cloudpickle.register_pickle_by_value(sys.modules[__name__])

GOLD = ROOT / "gold" / "news" / "documents.jsonl"


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "10 minutes"}), local_cluster(2) as c:
        yield c


@pytest.fixture(autouse=True)
def _no_scheduler_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def evaluate(g: Path, p: Path, out: Path, *args: object):  # type: ignore[no-untyped-def]
    return run(CliRunner(), "evaluate", "--gold", g, "--pred", p, "-o", out, "--bootstrap", 200, *args)


@pytest.mark.parametrize("max_errors", [1000, 3])
def test_evaluate_cluster_gives_the_local_report(cluster, tmp_path, monkeypatch, max_errors):
    """Random crowded documents (shuffled predictions): counts, intervals, errors (capped or not), confusions,
    per-document rows and the Markdown report are those of a local run in one process."""
    g, p = crowded_files(tmp_path, 300)
    monkeypatch.chdir(tmp_path)
    local = evaluate(g, p, tmp_path / "local", "--workers", 1, "--max-errors", max_errors)
    assert local.exit_code == 0, local.output
    remote = evaluate(g, p, tmp_path / "dask", "--scheduler", cluster.scheduler_address, "--max-errors", max_errors)
    assert remote.exit_code == 0, remote.output
    assert report_json(tmp_path / "dask") == report_json(tmp_path / "local")
    assert report_json(tmp_path / "local")["entities"]["micro"]["strict"]["possible"] > 800
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
    md = [stamp.sub("T", (tmp_path / d / "report.md").read_text(encoding="utf-8")) for d in ("local", "dask")]
    assert md[0] == md[1]


def noisy_copy(gold: Path, out: Path) -> Path:
    """The gold with every fifth entity dropped (and the arguments that named it), every seventh relabelled and
    every third event moved one character: predictions with errors of every kind."""
    import dataclasses

    from annot.documents import read_documents, write_documents

    docs = []
    for d in read_documents(gold):
        dropped = {e.id for i, e in enumerate(d.entities) if i % 5 == 4}
        entities = tuple(
            dataclasses.replace(e, label="ORG" if e.label != "ORG" else "GPE") if i % 7 == 3 else e
            for i, e in enumerate(d.entities)
            if e.id not in dropped
        )
        events = tuple(
            dataclasses.replace(
                ev,
                start=ev.start + (i % 3 == 0),
                end=ev.end + (i % 3 == 0 and ev.end < len(d.text)),
                arguments=tuple(a for a in ev.arguments if a.entity not in dropped),
            )
            for i, ev in enumerate(d.events)
        )
        docs.append(dataclasses.replace(d, entities=entities, events=events, meta={}))
    write_documents(out, docs)
    return out


def test_evaluate_cluster_through_the_environment_on_the_bundled_corpus(cluster, tmp_path, monkeypatch):
    """DASK_SCHEDULER_ADDRESS is honoured; the bundled gold (fewer documents than chunks) scores as locally."""
    monkeypatch.chdir(ROOT)
    pred = noisy_copy(GOLD, tmp_path / "pred.jsonl")
    local = evaluate(GOLD, pred, tmp_path / "local", "--split", "test")
    assert local.exit_code == 0, local.output
    monkeypatch.setenv(ENV, cluster.scheduler_address)
    remote = evaluate(GOLD, pred, tmp_path / "dask", "--split", "test")
    assert remote.exit_code == 0, remote.output
    assert report_json(tmp_path / "dask") == report_json(tmp_path / "local")
    assert 0 < report_json(tmp_path / "local")["entities"]["micro"]["strict"]["f1"] < 1


class KillOnce(WorkerPlugin):
    """The first chunk a worker starts to count ends that worker's process (a marker file says it happened)."""

    name = "annot-test-kill-chunk"

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def setup(self, worker: object) -> None:
        import annot.scoring.engine as engine

        original = engine.__dict__.setdefault("_score_chunk_unfaulted", engine.score_chunk)
        marker = self.marker

        def faulty(chunk, limit=None):  # type: ignore[no-untyped-def]
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return original(chunk, limit)
            os._exit(1)

        engine.score_chunk = faulty

    def teardown(self, worker: object) -> None:
        import annot.scoring.engine as engine

        engine.score_chunk = engine.__dict__.pop("_score_chunk_unfaulted", engine.score_chunk)


def test_evaluate_cluster_a_worker_killed_mid_run_gives_the_same_report(cluster, tmp_path, monkeypatch):
    g, p = crowded_files(tmp_path, 200)
    monkeypatch.chdir(tmp_path)
    local = evaluate(g, p, tmp_path / "local")
    assert local.exit_code == 0, local.output
    marker = tmp_path / "killed"
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.register_plugin(KillOnce(marker))
        try:
            remote = evaluate(g, p, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
        finally:
            client.unregister_worker_plugin(KillOnce.name)
            client.wait_for_workers(2, timeout=60)
    assert remote.exit_code == 0, remote.output
    assert marker.exists()  # a worker died during the run
    assert report_json(tmp_path / "dask") == report_json(tmp_path / "local")


def test_evaluate_cluster_no_scheduler_fails_fast_and_writes_nothing(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    g, p = crowded_files(tmp_path, 20)
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    r = evaluate(g, p, tmp_path / "out", "--scheduler", address)
    assert r.exit_code == 2
    assert time.monotonic() - started < 5
    assert f"Error: no Dask scheduler at {address}: nothing listens there" in r.output
    assert not (tmp_path / "out").exists()


def test_evaluate_cluster_a_timeout_without_a_scheduler_is_refused(tmp_path, monkeypatch):
    g, p = crowded_files(tmp_path, 5)
    monkeypatch.chdir(tmp_path)
    r = evaluate(g, p, tmp_path / "out", "--scheduler-timeout", 3)
    assert r.exit_code == 2
    assert "Error: --scheduler-timeout is for a run on a Dask cluster" in r.output
    assert not (tmp_path / "out").exists()


def test_evaluate_cluster_a_local_run_never_imports_dask(tmp_path):
    g, p = crowded_files(tmp_path, 20)
    args = ["evaluate", "--gold", str(g), "--pred", str(p), "-o", str(tmp_path / "out"), "--bootstrap", "0"]
    assert dask_modules_after(args, tmp_path) == []
    assert (tmp_path / "out" / "report.json").is_file()
