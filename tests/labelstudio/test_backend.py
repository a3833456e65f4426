"""The ML backend's protocol, spoken over HTTP to a small model (Label Studio itself: tests/jobs/test_loop.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence

import pytest

from annot.documents import Argument, Document, Entity, Event
from annot.labelstudio.backend import Backend, Served
from annot.labelstudio.config import labeling_config
from annot.labelstudio.tasks import make_tasks
from annot.schema import Schema

TEXT = "NATO deployed troops to Kosovo."


class Fixed:
    """A model that finds NATO (ORG) deploying to Kosovo (GPE) wherever they are, and refuses one item."""

    def __init__(self, schema: Schema, version: str = "fixed@1") -> None:
        self._schema = schema
        self._version = version
        self.calls: list[list[str]] = []

    @property
    def schema(self) -> Schema:
        return self._schema

    @property
    def model_version(self) -> str:
        return self._version

    def predict(self, texts: Sequence[str]) -> list[Served]:
        self.calls.append(list(texts))
        out = []
        for t in texts:
            ents, events = [], []
            if "NATO" in t and "Kosovo" in t:
                a, b, c = t.index("NATO"), t.index("Kosovo"), t.index("deployed")
                ents = [Entity(a, a + 4, "ORG", "T1", score=0.8), Entity(b, b + 6, "GPE", "T2", score=0.6)]
                args = (Argument("Agent", "T1"), Argument("Destination", "T2"))
                events = [Event("E1", "Movement.Deploy", c, c + 8, args)]
            out.append(Served(Document("x", t, tuple(ents), tuple(events)), ("entity label 'CITY' is not in schema",)))
        return out


def call(url: str, method: str = "GET", body: object | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def served(schema: Schema):
    lines: list[str] = []
    model = Fixed(schema)
    with Backend(model, log=lines.append) as backend:
        yield backend, model, lines


def test_backend_health_setup_and_versions_answer_json_with_the_model_version(served, schema):
    backend, _, _ = served
    assert call(f"{backend.url}/health") == (200, {"status": "UP", "model_version": "fixed@1"})
    assert call(f"{backend.url}/versions") == (200, {"versions": ["fixed@1"]})
    body = {"project": "1.17", "schema": labeling_config(schema), "hostname": "http://x", "access_token": "secret"}
    assert call(f"{backend.url}/setup", "POST", body) == (200, {"model_version": "fixed@1"})
    assert call(f"{backend.url}/webhook", "POST", {"action": "TASKS_CREATED"}) == (200, {})
    assert backend.url.startswith("http://127.0.0.1:")


def test_backend_predict_answers_what_export_predictions_gives_one_per_task_in_order(served, schema):
    """The live prediction of a text is the static pre-annotation `annot export --predictions` attaches for the
    same document: the same regions, relations and score; an empty result for a task with nothing found."""
    backend, model, lines = served
    tasks = [{"id": 7, "data": {"text": TEXT}}, {"id": 8, "data": {"text": "Nothing here."}}]
    status, answer = call(f"{backend.url}/predict", "POST", {"tasks": tasks, "project": "1.17", "params": {}})
    assert status == 200
    first, second = answer["results"]
    (doc,) = [s.document for s in model.predict([TEXT])]
    (static,) = make_tasks([Document("a", TEXT)], [Document("a", TEXT, doc.entities, doc.events)], "fixed@1")
    assert first == static["predictions"][0]
    assert first["score"] == 0.7 and first["model_version"] == "fixed@1"
    relations = [r for r in first["result"] if r["type"] == "relation"]
    assert {(r["from_id"], r["to_id"], tuple(r["labels"])) for r in relations} == {
        ("E1", "T1", ("Agent",)),
        ("E1", "T2", ("Destination",)),
    }
    assert second == {"result": [], "model_version": "fixed@1"}
    assert model.calls[0] == [TEXT, "Nothing here."]  # one model call for the whole batch
    assert backend.stats.tasks == 2 and backend.stats.refused.total() == 2
    assert lines == ["predicted 2 task(s) [7, 8]: 5 region(s) and relation(s); 2 item(s) the schema refuses left out"]


def test_backend_setup_refuses_a_project_whose_labels_are_not_the_models(served, schema):
    """A project whose labeling config is not annot's for the schema is refused at /setup (Label Studio then
    refuses to connect it), never sent regions with labels it does not have."""
    backend, _, lines = served
    other = labeling_config(schema).replace('value="GPE"', 'value="COUNTRY"')
    status, answer = call(f"{backend.url}/setup", "POST", {"schema": other})
    assert status == 400 and "labels differ from schema" in answer["error"] and "missing GPE" in answer["error"]
    assert lines and lines[0].startswith("/setup: answered 400")


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/predict", b"not json", 400, "request body is not JSON"),
        ("/predict", b'{"tasks": 3}', 400, "the request has no list of tasks"),
        ("/predict", b'{"tasks": [{"id": 4, "data": {}}]}', 400, "task 0 (id 4) has no data.text"),
        ("/train", b"{}", 404, "no such endpoint: POST /train"),
    ],
)
def test_backend_bad_requests_get_a_json_error_never_a_traceback(served, path, body, status, message):
    backend, _, _ = served
    req = urllib.request.Request(f"{backend.url}{path}", data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, timeout=10)
    assert caught.value.code == status
    assert json.loads(caught.value.read())["error"] == message


def test_backend_a_model_that_fails_answers_500_and_the_backend_keeps_serving(schema):
    class Broken(Fixed):
        def predict(self, texts: Sequence[str]) -> list[Served]:
            raise RuntimeError("the model fell over")

    lines: list[str] = []
    with Backend(Broken(schema), log=lines.append) as backend:
        status, answer = call(f"{backend.url}/predict", "POST", {"tasks": [{"id": 1, "data": {"text": TEXT}}]})
        assert (status, answer) == (500, {"error": "RuntimeError: the model fell over"})
        assert call(f"{backend.url}/health")[0] == 200
        assert backend.stats.errors == 1 and "answered 500" in lines[0]
