"""A configured system served to a real Label Studio as its ML backend: connected, asked by the labeling stream,
its suggestions stored under its model_version (the browser: tests/labelstudio/test_ui.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from annot.errors import AnnotError
from annot.jobs.config import load_eval_config
from annot.jobs.loop import serve_system
from annot.labelstudio.client import connect_backend, server_from_env
from annot.labelstudio.tasks import prediction

from lsserver import api, free_port
from support import ROOT, run

pytestmark = pytest.mark.server

ARTICLES = {
    "kfor-a": "NATO deployed 500 troops to Kosovo on Monday, the alliance said in Brussels.\n",
    "kfor-b": "Rebels attacked a convoy near Goma on Sunday, killing three soldiers, the army said.\n",
}


def push_articles(runner, tmp_path: Path, title: str) -> int:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    assert run(runner, "export", folder, "-o", tmp_path / "tasks.json").exit_code == 0
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", title)
    assert r.exit_code == 0, r.output
    return int(r.output.split()[1])


def test_loop_the_stream_asks_the_backend_and_stores_its_predictions_once(runner, ls_env, tmp_path: Path):
    pid = push_articles(runner, tmp_path, "model in the loop")
    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    serving = serve_system(cfg, "spacy-sm-events", port=free_port(), project=pid, server=server_from_env())
    try:
        version = serving.system.model_version
        link = serving.link
        assert link is not None and (link.action, link.state, link.model_version) == ("connected", "CO", version)
        project = api(ls_env, "GET", f"/api/projects/{pid}")
        assert project["model_version"] == version and project["show_collab_predictions"] is True  # type: ignore[index]

        # the labeling stream's next task: predicted by the backend on the spot, under its model_version
        task = api(ls_env, "GET", f"/api/projects/{pid}/next")
        (pred,) = task["predictions"]  # type: ignore[index]
        text = task["data"]["text"]  # type: ignore[index]
        (served,) = serving.system.predict([text])
        want = prediction(served.document, version)
        assert (pred["model_version"], pred["result"]) == (want["model_version"], want["result"])
        assert any(r["type"] == "relation" for r in pred["result"])  # events and their roles, not only names
        assert serving.backend.stats.tasks == 1

        # served again: the stored prediction is used, nothing predicted twice
        api(ls_env, "GET", f"/api/projects/{pid}/next")
        stored = api(ls_env, "GET", f"/api/predictions?task={task['id']}")  # type: ignore[index]
        assert [p["model_version"] for p in stored] == [version]  # type: ignore[union-attr]
        assert serving.backend.stats.tasks == 1

        assert connect_backend(server_from_env(), pid, serving.backend.url, version).action == "already connected"
        backends = api(ls_env, "GET", f"/api/ml?project={pid}")
        assert [b["title"] for b in backends] == [version]  # type: ignore[union-attr]
    finally:
        serving.backend.stop()
    # the backend gone: the stream still serves the next task, without suggestions
    region = {"from_name": "label", "to_name": "text", "type": "labels"}
    region["value"] = {"start": 0, "end": 4, "text": text[:4], "labels": ["ORG"]}
    api(ls_env, "POST", f"/api/tasks/{task['id']}/annotations", {"result": [region]})  # type: ignore[index]
    second = api(ls_env, "GET", f"/api/projects/{pid}/next")
    assert second["id"] != task["id"] and second["predictions"] == []  # type: ignore[index]


def test_loop_a_project_whose_config_is_not_annots_is_refused_at_connect(ls_env, tmp_path: Path):
    """The backend's /setup refuses a project whose labels are not the schema's; Label Studio then refuses the
    connection, and annot says so (exit 2 from the command), the backend stopped."""
    from label_studio_sdk import LabelStudio

    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    config = '<View><Labels name="label" toName="text"><Label value="CITY"/></Labels><Text name="text" value="$text"/></View>'
    project = client.projects.create(title="not annot's", label_config=config)
    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    port = free_port()
    with pytest.raises(AnnotError) as caught:
        serve_system(cfg, "spacy-sm", port=port, project=project.id, server=server_from_env())
    assert f"connecting the ML backend at http://127.0.0.1:{port} to project {project.id}" in caught.value.message
    assert "HTTP 400" in caught.value.message
    with pytest.raises(OSError):  # the backend was stopped
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_loop_studio_model_serves_until_ctrl_c_and_says_what_it_did(runner, ls_env, tmp_path: Path, stop):
    """`annot studio model SYSTEM --connect PROJECT` as a user runs it: it connects, serves, and on Ctrl-C (or a
    process manager's SIGTERM) stops with a summary (exit 0)."""
    pid = push_articles(runner, tmp_path, f"model from the command line, {stop.name}")  # a project each
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "annot", "studio", "model", "spacy-sm", "--port", str(port), "--connect", str(pid)],
        cwd=ROOT,
        env={**os.environ, **ls_env, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith(f"serving spacy-sm at http://127.0.0.1:{port} (model_version spacy-sm@"), first
        second = proc.stdout.readline()  # type: ignore[union-attr]
        assert second.startswith(f"project {pid}: ML backend ") and " connected (state CO)" in second
        task = api(ls_env, "GET", f"/api/projects/{pid}/next")
        assert task["predictions"][0]["model_version"].startswith("spacy-sm@")  # type: ignore[index]
    finally:
        time.sleep(0.2)
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert re.fullmatch(
        r"stopped: 1 task\(s\) predicted in 1 call\(s\), [1-9]\d* region\(s\) and relation\(s\) sent, 0 item\(s\) "
        r"the schema refuses left out",
        out.strip().splitlines()[-1],
    )
    assert "predicted 1 task(s)" in err


def test_loop_what_cannot_be_served_is_refused_before_anything_starts(tmp_path: Path):
    import socket

    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    with pytest.raises(AnnotError, match="no system 'nope' in the evaluation config"):
        serve_system(cfg, "nope")
    preds = tmp_path / "p.jsonl"
    preds.write_text("", encoding="utf-8")
    from dataclasses import replace

    from annot.jobs.config import SystemConfig

    files = replace(cfg, systems=[SystemConfig(name="pred-file", kind="file", path=preds)])
    with pytest.raises(AnnotError) as caught:
        serve_system(files, "pred-file")
    assert caught.value.message == "system 'pred-file' is a prediction file: it cannot predict new texts"
    assert "annot export ARTICLES --predictions FILE" in caught.value.hint
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(AnnotError, match=f"port {port} on 127.0.0.1 is in use by another program"):
            serve_system(cfg, "spacy-sm", port=port)


@pytest.mark.parametrize(
    ("settings", "outcome"),
    [
        ({"ML_BLOCK_LOCAL_IP": "true"}, "refused"),  # Label Studio's default: why `annot studio start` sets it
        ({"SSRF_PROTECTION_ENABLED": "true"}, "repaired"),  # the backend saved, its webhook refused: still works
    ],
    ids=["loopback-blocked", "ssrf-protection-on"],
)
def test_loop_a_server_without_annots_settings(ls_template, tmp_path: Path, runner, settings, outcome, monkeypatch):
    from lsserver import start_from_template

    server = start_from_template(ls_template, tmp_path / "data", extra_env=settings)
    try:
        env = {"LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": server.token}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        pid = push_articles(runner, tmp_path, "loop settings")
        cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
        if outcome == "refused":
            with pytest.raises(AnnotError) as caught:
                serve_system(cfg, "spacy-sm", port=free_port(), project=pid, server=server_from_env())
            assert "refuses to reach a model server on a loopback or private address" in caught.value.message
            assert "ML_BLOCK_LOCAL_IP=false" in caught.value.hint and "annot studio start" in caught.value.hint
            return
        serving = serve_system(cfg, "spacy-sm", port=free_port(), project=pid, server=server_from_env())
        try:
            assert serving.link is not None and serving.link.notes and "webhook" in serving.link.notes[0]
            task = api(env, "GET", f"/api/projects/{pid}/next")
            assert task["predictions"][0]["model_version"] == serving.system.model_version  # type: ignore[index]
        finally:
            serving.backend.stop()
    finally:
        server.stop()
