"""annot as a Label Studio ML backend: the protocol Label Studio 1.23 speaks to a model server, served on loopback.

Label Studio calls (measured on 1.23.2; docs/model-in-the-loop.md):

- ``GET /health``: any 2xx answer with a JSON body (a text "OK" counts as a failure);
- ``POST /setup`` with the project's labeling config (``schema``), before every prediction pass: the answer's
  ``model_version`` must be a non-empty string (without one the labeling stream breaks with a 400);
- ``POST /predict`` with ``tasks``: one result per task, in order, each ``{"result", "score", "model_version"}``;
  the labeling stream asks for the task it serves when the task has no prediction of this ``model_version``;
- ``POST /webhook``: every project event (answered at once, ignored);
- ``GET /versions``: the versions the backend knows.

The server is a standard-library threading HTTP server bound to 127.0.0.1; the model (a `Model`) is loaded once
by the caller and run under a lock (a spaCy pipeline is not meant to be run by two threads at once). What the
model returns is turned into a Label Studio prediction by `tasks.prediction`, the code `annot export
--predictions` uses, so a live suggestion is the region a static pre-annotation would have been. The model
filters what the schema refuses before it gets here (`Served.refused`); the backend counts it.

Label Studio sends the project owner's API token in every ``/setup``: request bodies are never logged.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from ..documents import Document
from ..errors import AnnotError
from ..schema import Schema
from .config import check_labeling_config
from .tasks import prediction

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024 * 1024  # bytes of one request: thousands of tasks of news text fit


@dataclass(frozen=True)
class Served:
    """What a model answers for one text: the predicted document (only what the schema allows) and a line for
    each item the schema refused and that was left out."""

    document: Document
    refused: tuple[str, ...] = ()


class Model(Protocol):
    """A loaded system: its version (what Label Studio stores with each prediction), the schema it predicts in,
    and the prediction of several texts at once, in order."""

    @property
    def model_version(self) -> str: ...

    @property
    def schema(self) -> Schema: ...

    def predict(self, texts: Sequence[str]) -> list[Served]: ...


@dataclass
class BackendStats:
    """What the backend did since it started (read under the backend's lock)."""

    setups: int = 0
    predict_calls: int = 0
    tasks: int = 0
    regions: int = 0  # regions and relations sent
    refused: Counter[str] = field(default_factory=Counter)  # why -> items left out
    errors: int = 0  # requests answered with an error


def _task_text(task: Any, n: int) -> str:
    data = task.get("data") if isinstance(task, dict) else None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise AnnotError(f"task {n} (id {task.get('id') if isinstance(task, dict) else '?'}) has no data.text")
    return text


class Backend:
    """The ML backend server of one model, on 127.0.0.1 (`port` 0: a free port)."""

    def __init__(self, model: Model, port: int = 0, log: Callable[[str], None] | None = None) -> None:
        self.model = model
        self.stats = BackendStats()
        self._log = log or (lambda line: None)
        self._lock = threading.Lock()  # one prediction at a time; guards the stats too
        backend = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "annot-ml-backend"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass  # request lines are not logged: the bodies hold the project owner's API token

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    raise AnnotError(f"request body of {length} bytes is larger than {MAX_BODY}")
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    return json.loads(raw or b"{}")
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise AnnotError("request body is not JSON") from None

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0].rstrip("/")
                if path in ("", "/health"):
                    self._send(200, {"status": "UP", "model_version": backend.model.model_version})
                elif path == "/versions":
                    self._send(200, {"versions": [backend.model.model_version]})
                else:
                    self._send(404, {"error": f"no such endpoint: GET {path}"})

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0].rstrip("/")
                handler = {"/setup": backend.setup, "/predict": backend.predict, "/webhook": backend.webhook}.get(path)
                if handler is None:
                    self._send(404, {"error": f"no such endpoint: POST {path}"})
                    return
                try:
                    status, answer = handler(self._body())
                except AnnotError as exc:
                    status, answer = 400, {"error": str(exc)}
                except Exception as exc:  # a bug of the model: Label Studio shows the task without suggestions
                    status, answer = 500, {"error": f"{type(exc).__name__}: {exc}"}
                if status >= 400:
                    with backend._lock:
                        backend.stats.errors += 1
                    backend._log(f"{path}: answered {status}: {answer.get('error', '')}")
                self._send(status, answer)

        self._server = ThreadingHTTPServer((HOST, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    # ------------------------------------------------------------- endpoints

    def setup(self, body: Any) -> tuple[int, dict[str, Any]]:
        """POST /setup: the project's labeling config must be annot's for the model's schema (else the regions
        would name labels the project does not have); the answer is the model_version."""
        xml = body.get("schema") if isinstance(body, dict) else None
        if isinstance(xml, str) and xml.strip():
            problems = check_labeling_config(self.model.schema, xml, "the project's labeling config")
            if problems:
                return 400, {"error": "; ".join(problems)}
        with self._lock:
            self.stats.setups += 1
        return 200, {"model_version": self.model.model_version}

    def predict(self, body: Any) -> tuple[int, dict[str, Any]]:
        """POST /predict: one prediction per task, in order."""
        tasks = body.get("tasks") if isinstance(body, dict) else None
        if not isinstance(tasks, list):
            raise AnnotError("the request has no list of tasks")
        texts = [_task_text(t, n) for n, t in enumerate(tasks)]
        version = self.model.model_version
        with self._lock:
            served = self.model.predict(texts) if texts else []
            results = [prediction(s.document, version) for s in served]
            regions = sum(len(r["result"]) for r in results)
            refused = Counter(why for s in served for why in s.refused)
            self.stats.predict_calls += 1
            self.stats.tasks += len(tasks)
            self.stats.regions += regions
            self.stats.refused.update(refused)
        ids = [t.get("id") for t in tasks if isinstance(t, dict)]
        self._log(
            f"predicted {len(tasks)} task(s) {ids[:5]}{' ...' if len(ids) > 5 else ''}: {regions} region(s) and "
            f"relation(s)" + (f"; {refused.total()} item(s) the schema refuses left out" if refused else "")
        )
        return 200, {"results": results, "model_version": version}

    def webhook(self, body: Any) -> tuple[int, dict[str, Any]]:
        """POST /webhook: Label Studio's project events; nothing to do (annot does not train from them)."""
        return 200, {}

    # ------------------------------------------------------------- running

    def start(self) -> Backend:
        """Serve in a background thread (returns at once)."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="annot-ml-backend", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Backend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
