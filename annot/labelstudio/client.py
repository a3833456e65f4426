"""The one module that talks to a Label Studio server (through label-studio-sdk).

The server URL and API key come from ``LABEL_STUDIO_URL`` and
``LABEL_STUDIO_API_KEY``, read when a command runs and passed to the SDK
explicitly (the SDK's own default reads the key at import time). The key is
never printed, logged or written anywhere.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AnnotError
from ..files import atomic_write_text

URL_ENV = "LABEL_STUDIO_URL"
KEY_ENV = "LABEL_STUDIO_API_KEY"


@dataclass(frozen=True)
class Server:
    url: str
    api_key: str

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"Server(url={self.url!r}, api_key=***)"


def server_from_env(env: dict[str, str] | None = None) -> Server:
    """The server named by the environment; a clear error when a variable is missing."""
    env = dict(os.environ) if env is None else env
    url, key = env.get(URL_ENV, "").strip(), env.get(KEY_ENV, "").strip()
    missing = [name for name, v in ((URL_ENV, url), (KEY_ENV, key)) if not v]
    if missing:
        raise AnnotError(
            f"{' and '.join(missing)} not set",
            f"export {URL_ENV}=http://127.0.0.1:8080 and {KEY_ENV}=<your token> "
            "(Label Studio: Account & Settings -> Access Token).",
        )
    return Server(url.rstrip("/"), key)


def _client(server: Server, timeout: float = 60.0) -> Any:
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=server.url, api_key=server.api_key, timeout=timeout)


def _translate(exc: Exception, server: Server, doing: str) -> AnnotError:
    """An SDK or network error as an AnnotError that names the server and the next step (never the key)."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    if status in (401, 403):
        return AnnotError(
            f"{doing}: {server.url} refused the API key (HTTP {status})",
            f"Check {KEY_ENV}; with a legacy token the server needs LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true.",
        )
    if status == 404:
        return AnnotError(
            f"{doing}: not found on {server.url} (HTTP 404)", "Check the project id (annot ls push prints it)."
        )
    if status is not None:
        detail = body.get("validation_errors") or body.get("detail") if isinstance(body, dict) else body
        return AnnotError(
            f"{doing}: {server.url} answered HTTP {status}: {detail}",
            "Retry later if the server is overloaded (5xx); otherwise fix the request.",
        )
    name = type(exc).__name__
    return AnnotError(
        f"{doing}: cannot reach {server.url} ({name}: {str(exc).splitlines()[0] if str(exc) else ''})",
        f"Is the server running? Check {URL_ENV}.",
    )


def push_tasks(
    server: Server, tasks: list[dict[str, Any]], title: str, label_config: str, project: int | None = None
) -> tuple[int, int]:
    """Create a project (or use `project`) and import `tasks`; returns (project id, tasks imported)."""
    client = _client(server)
    try:
        if project is None:
            project = int(client.projects.create(title=title, label_config=label_config).id)
        imported = 0
        for i in range(0, len(tasks), 1000):
            r = client.projects.import_tasks(id=project, request=tasks[i : i + 1000], return_task_ids=True)
            imported += int(getattr(r, "task_count", None) or len(tasks[i : i + 1000]))
    except AnnotError:
        raise
    except Exception as exc:
        raise _translate(exc, server, f"pushing {len(tasks)} task(s)") from None
    return project, imported


def pull_export(server: Server, project: int, output: Path) -> int:
    """Download the project's JSON export (all tasks) to `output`; returns the number of tasks."""
    client = _client(server, timeout=300.0)
    try:
        raw = b"".join(client.projects.exports.download_sync(project, export_type="JSON", download_all_tasks=True))
    except Exception as exc:
        raise _translate(exc, server, f"exporting project {project}") from None
    try:
        tasks = json.loads(raw)
    except json.JSONDecodeError:
        raise AnnotError(
            f"exporting project {project}: {server.url} did not send JSON", "Check that the URL points at Label Studio."
        ) from None
    atomic_write_text(output, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return len(tasks)


def push_tasks_file(
    server: Server, path: Path, title: str, label_config: Path, project: int | None = None
) -> tuple[int, int]:
    """`annot ls push`: the tasks of `path` into a new project with `label_config`, or into `project`."""
    tasks = read_tasks_file(path)
    xml = Path(label_config).read_text(encoding="utf-8") if project is None else ""
    return push_tasks(server, tasks, title, xml, project)


def read_tasks_file(path: Path) -> list[dict[str, Any]]:
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: no such file", "Make it with `annot export`.") from None
    except json.JSONDecodeError as exc:
        raise AnnotError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks):
        raise AnnotError(
            f"{path}: not a tasks file (a JSON list of objects with 'data')", "Make it with `annot export`."
        )
    return tasks
