"""Against a real Label Studio server on 127.0.0.1 (started by the fixtures): push, annotate, pull, import."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from annot.cli import app
from annot.documents import read_documents
from annot.errors import AnnotError
from annot.labelstudio.authoring import author_export
from annot.labelstudio.client import Server, pull_export, push_tasks, server_from_env

from support import DATA, ROOT

pytestmark = pytest.mark.server
SEED_SOURCE = ROOT / "gold" / "news" / "sources" / "kfor-reinforcements-2023-06.ann.txt"


def run(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def _client(env):
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=env["LABEL_STUDIO_URL"], api_key=env["LABEL_STUDIO_API_KEY"])


def test_labelstudio_round_trip_through_a_real_server(runner, ls_env, tmp_path: Path, schema):
    art = tmp_path / "kfor-reinforcements-2023-06.txt"
    art.write_text((DATA / "seed_article.txt").read_text(encoding="utf-8"), encoding="utf-8")
    assert run(runner, "export", art, "-o", tmp_path / "tasks.json").exit_code == 0
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "round trip")
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1].rstrip(":"))
    assert "imported 1 task(s)" in r.output
    assert ls_env["LABEL_STUDIO_API_KEY"] not in r.output

    # The annotator's submission, posted as the UI posts it; one more task is skipped (cancelled).
    client = _client(ls_env)
    (task,) = list(client.tasks.list(project=pid))
    result = author_export([SEED_SOURCE], schema)[0]["annotations"][0]["result"]
    client.annotations.create(id=task.id, result=result, was_cancelled=False, lead_time=42.0)
    client.projects.import_tasks(id=pid, request=[{"data": {"text": "Skipped.", "doc_id": "skipped", "sha256": ""}}])
    skipped = [t for t in client.tasks.list(project=pid) if t.id != task.id][0]
    client.annotations.create(id=skipped.id, result=[], was_cancelled=True)

    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"wrote 2 task(s) to {tmp_path / 'export.json'}"
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl")
    assert r.exit_code == 0, r.output
    assert "skipped 1 cancelled annotation(s)" in r.output
    (d,) = read_documents(tmp_path / "gold.jsonl")
    bundled = {x.id: x for x in read_documents(ROOT / "gold" / "news" / "documents.jsonl")}[
        "kfor-reinforcements-2023-06"
    ]
    assert (d.text, d.entities, d.events) == (bundled.text, bundled.entities, bundled.events)
    r = run(
        runner,
        "evaluate",
        "--gold",
        tmp_path / "gold.jsonl",
        "--pred",
        tmp_path / "gold.jsonl",
        "-o",
        tmp_path / "rep",
        "--bootstrap",
        "0",
    )
    assert r.exit_code == 0


def test_labelstudio_server_stores_bad_regions_and_import_refuses_them(runner, ls_env, tmp_path: Path, schema):
    """The server accepts a span past the end and an unknown label; annot import must not."""
    client = _client(ls_env)
    xml = (ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8")
    pid, n = push_tasks(server_from_env(), [{"data": {"text": "NATO met.", "doc_id": "bad-1"}}], "bad", xml)
    (task,) = list(client.tasks.list(project=pid))
    client.annotations.create(
        id=task.id,
        result=[
            {
                "id": "r1",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": 40, "text": "NATO met.", "labels": ["ORG"]},
            },
            {
                "id": "r2",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 5, "end": 8, "text": "met", "labels": ["WEAPON"]},
            },
        ],
    )
    pull_export(server_from_env(), pid, tmp_path / "e.json")
    r = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g.jsonl")
    assert r.exit_code == 2
    assert f"  - task {task.id}, annotation " in r.output
    assert "region 'r1' (ORG): offsets start=0 end=40 are outside 0 <= start < end <= 9 (text length)" in r.output
    assert "region 'r2': label 'WEAPON' is not an entity type" in r.output
    assert not (tmp_path / "g.jsonl").exists()


def test_labelstudio_bad_key_is_refused_and_never_printed(runner, ls_server, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "wrong-key-123456")
    (tmp_path / "t.json").write_text('[{"data": {"text": "x", "doc_id": "x"}}]', encoding="utf-8")
    r = run(runner, "ls", "push", tmp_path / "t.json")
    assert r.exit_code == 2
    assert r.output.startswith(f"Error: pushing 1 task(s): {ls_server.url} refused the API key (HTTP 401)")
    assert "wrong-key-123456" not in r.output


def test_labelstudio_missing_environment(runner, monkeypatch, tmp_path: Path):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    r = run(runner, "ls", "pull", "1", "-o", tmp_path / "e.json")
    assert r.exit_code == 2
    assert r.output.splitlines()[0] == "Error: LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY not set"


def test_labelstudio_server_repr_hides_key():
    assert "secret" not in repr(Server("http://x", "secret-token"))


class _BadGateway(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>502 Bad Gateway</html>")

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_labelstudio_502_from_a_proxy(tmp_path: Path):
    """A proxy answering 502 (a fault a real server will not produce on demand): a clear error."""
    httpd = HTTPServer(("127.0.0.1", 0), _BadGateway)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        with pytest.raises(AnnotError) as err:
            pull_export(Server(url, "k"), 1, tmp_path / "e.json")
        assert err.value.message.startswith(f"exporting project 1: {url} answered HTTP 502")
        assert not (tmp_path / "e.json").exists()
    finally:
        httpd.shutdown()


def test_labelstudio_connection_refused(tmp_path: Path):
    from lsserver import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(AnnotError) as err:
        pull_export(Server(url, "k"), 1, tmp_path / "e.json")
    assert err.value.message.startswith(f"exporting project 1: cannot reach {url}")
    assert err.value.hint == "Is the server running? Check LABEL_STUDIO_URL."


def test_labelstudio_preannotations_are_accepted_as_predictions(runner, ls_env, tmp_path: Path, schema):
    """Tasks pre-annotated by `annot export --predictions` import as Label Studio predictions, relations included."""
    from label_studio_sdk.label_interface import LabelInterface

    (tmp_path / "gold.jsonl").write_text(
        (ROOT / "gold" / "news" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    # any system's output in the document format: here the gold itself, entities, triggers and arguments
    r = run(
        runner,
        "export",
        tmp_path / "gold.jsonl",
        "--predictions",
        tmp_path / "gold.jsonl",
        "--model-version",
        "oracle-1",
        "-o",
        tmp_path / "t.json",
    )
    assert r.exit_code == 0, r.output
    tasks = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    li = LabelInterface((ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8"))
    regions = [x for x in tasks[0]["predictions"][0]["result"] if x["type"] == "labels"]
    assert li.validate_prediction({"result": regions}, return_errors=True) == []
    r = run(runner, "ls", "push", tmp_path / "t.json", "--title", "preannotated")
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1].rstrip(":"))
    client = _client(ls_env)
    (task,) = list(client.tasks.list(project=pid))
    preds = list(client.predictions.list(task=task.id))
    assert len(preds) == 1 and preds[0].model_version == "oracle-1"
    kinds = [x["type"] for x in preds[0].result]
    doc = read_documents(tmp_path / "gold.jsonl")[0]
    assert kinds.count("labels") == len(doc.entities) + len(doc.events)
    assert kinds.count("relation") == sum(len(e.arguments) for e in doc.events)
