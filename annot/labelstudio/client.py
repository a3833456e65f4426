"""The one module that talks to a Label Studio server (through label-studio-sdk).

The server comes from ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY``, read
when a command runs and passed to the SDK explicitly (the SDK's own default
reads the key at import time), or else from the project's local server
(`annot studio start`, its credentials file). The key is checked before use
and never printed, logged or written: every message and every body a server
sends back is redacted (the key, ``Authorization`` headers, credentials in
the URL) and cut short.

Calls that create something (a project, tasks) are never retried blindly:
the SDK's retries are off for them, and after a failure annot asks the server
what exists (by document id and text SHA-256) and says so. Pushing again is
safe: a push adds only the documents the project does not have yet.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import AnnotError, raise_if_problems
from ..files import atomic_write_text
from ..schema import Schema
from .config import DECISIONS_CONTROL, LABEL_CONTROL, check_labeling_config, labeling_config
from .importer import task_data

URL_ENV = "LABEL_STUDIO_URL"
KEY_ENV = "LABEL_STUDIO_API_KEY"
TIMEOUT = 60.0  # seconds per request
DEADLINE = 600.0  # seconds for a whole download
BATCH = 1000  # tasks per import request
_KEY = re.compile(r"^[\x21-\x7e]{6,512}$")  # printable ASCII, no space: anything else breaks the header


@dataclass(frozen=True)
class Server:
    """A Label Studio server: its URL (credentials stripped), the API key, the time limits."""

    url: str
    api_key: str
    timeout: float = TIMEOUT
    deadline: float = DEADLINE

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"Server(url={self.url!r}, api_key=***)"


def _strip_credentials(url: str) -> tuple[str, bool]:
    """`url` without user:password@ (and whether it had any)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, False
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), True


def show_predictions(server: Server, project: int, model_version: str) -> None:
    """Make the labeling stream of `project` start each task from its prediction of `model_version`: Label
    Studio shows annotators the predictions of the project's model_version as their draft (with several
    predictions per task and none chosen, it picks one of them, not the first)."""
    _show_predictions(Session(server), project, model_version, "making project {project} show {model_version!r}")


def _show_predictions(session: Session, project: int, model_version: str, doing: str) -> None:
    session.write(
        doing.format(project=project, model_version=model_version),
        session.client.projects.update,
        id=project,
        show_collab_predictions=True,
        model_version=model_version,
    )


def verified(server: Server) -> Server:
    """`server`, its key tried on it now (who it belongs to): a server that is down or a wrong key is named before
    a long run (predicting a corpus, loading a model), not after it."""
    Session(server)._verify()
    return server


def check_server(url: str, key: str, timeout: float = TIMEOUT, deadline: float = DEADLINE) -> Server:
    """A Server from a URL and key, both checked; the key is never part of a message."""
    url, had_credentials = _strip_credentials(url.strip())
    problems = []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"{URL_ENV} must be an http:// or https:// URL with a host, like http://127.0.0.1:8080")
    if had_credentials:
        problems.append(f"{URL_ENV} must not hold a user name or password; the API key goes in {KEY_ENV}")
    if not _KEY.fullmatch(key):  # fullmatch: `$` would let a trailing newline through
        problems.append(
            f"{KEY_ENV} is not a usable API key: it must be 6 to 512 printable characters with no space, tab "
            "or line break (was it pasted with a newline?)"
        )
    if timeout <= 0 or deadline <= 0:
        problems.append("timeouts must be positive numbers of seconds")
    raise_if_problems(
        problems,
        "the Label Studio server settings are not usable",
        f"export {URL_ENV}=http://127.0.0.1:8080 and {KEY_ENV}=<your token> (Label Studio: Account & Settings -> "
        "Access Token); or run `annot studio start` for a local server.",
    )
    return Server(url.rstrip("/"), key, timeout, deadline)


def server_from_env(env: dict[str, str] | None = None, timeout: float = TIMEOUT, deadline: float = DEADLINE) -> Server:
    """The server named by the environment, or the project's local server; a clear error when there is none."""
    env = dict(os.environ) if env is None else env
    url, key = env.get(URL_ENV, ""), env.get(KEY_ENV, "")
    if not url.strip() and not key:
        from .studio import load_studio_config, read_credentials

        creds = read_credentials(load_studio_config().data)
        if creds is not None:
            return check_server(creds.url, creds.api_key, timeout, deadline)
    missing = [name for name, v in ((URL_ENV, url.strip()), (KEY_ENV, key)) if not v]
    if missing:
        raise AnnotError(
            f"{' and '.join(missing)} not set",
            f"export {URL_ENV}=http://127.0.0.1:8080 and {KEY_ENV}=<your token> "
            "(Label Studio: Account & Settings -> Access Token); or run `annot studio start` for a local server.",
        )
    return check_server(url, key, timeout, deadline)


# ----------------------------------------------------------------- errors


def redact(text: str, server: Server, limit: int = 300) -> str:
    """`text` with the API key, Authorization headers and URL credentials removed, cut to `limit` characters."""
    out = text.replace(server.api_key, "***") if server.api_key else text
    out = re.sub(r"(?i)(authorization|x-api-key|cookie)(\W{1,4})[^\r\n,;'\"}]*", r"\1\2***", out)
    out = re.sub(r"(?i)\b(token|bearer)\s+[A-Za-z0-9._~+/=-]{6,}", r"\1 ***", out)
    out = re.sub(r"(https?://)[^/\s:@]+(:[^/\s@]*)?@", r"\1***@", out)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


class DeadlineExceeded(Exception):
    """A session's overall deadline passed (a server that sends, but too slowly to ever finish)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"deadline of {seconds:g} s exceeded")
        self.seconds = seconds


def _deadline_transport(deadline: float) -> Any:
    """An httpx transport that stops every request, and every byte of every answer, past `deadline` seconds.

    Per-read timeouts do not catch a server that trickles its answer; this does.
    """
    import httpx

    end = time.monotonic() + deadline

    def check() -> None:
        if time.monotonic() > end:
            raise DeadlineExceeded(deadline)

    class Stream(httpx.SyncByteStream):
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __iter__(self) -> Any:
            try:
                for chunk in self.inner:
                    check()
                    yield chunk
            except httpx.TimeoutException:
                if time.monotonic() >= end:
                    raise DeadlineExceeded(deadline) from None
                raise

        def close(self) -> None:
            self.inner.close()

    class Transport(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            check()
            # No wait of this request (connecting, the headers, each read) may outlast the deadline either.
            left = max(0.001, end - time.monotonic())
            timeouts = dict(request.extensions.get("timeout") or {})
            request.extensions["timeout"] = {
                k: left if v is None else min(float(v), left)
                for k, v in {**dict.fromkeys(("connect", "read", "write", "pool")), **timeouts}.items()
            }
            try:
                r = super().handle_request(request)
            except httpx.TimeoutException:
                if time.monotonic() >= end:
                    raise DeadlineExceeded(deadline) from None
                raise
            return httpx.Response(
                status_code=r.status_code, headers=r.headers, stream=Stream(r.stream), extensions=r.extensions
            )

    return Transport()


def _translate(exc: BaseException, server: Server, doing: str) -> AnnotError:
    """An SDK or network error as an AnnotError that names the server and the next step (never the key)."""
    import httpx

    if isinstance(exc, DeadlineExceeded):
        return AnnotError(
            f"{doing}: {server.url} did not finish within the deadline of {exc.seconds:g} s",
            "The server or the network is slow: retry later, or raise --deadline.",
        )
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    if status == 403 and "reserved network address" in str(body):
        return AnnotError(
            f"{doing}: {server.url} refuses to reach a model server on a loopback or private address "
            f"({redact(str(body), server)})",
            "Label Studio 1.23 blocks them unless started with ML_BLOCK_LOCAL_IP=false and "
            "SSRF_PROTECTION_ENABLED=false: `annot studio start` sets both (restart a server started by an older "
            "annot: annot studio stop && annot studio start); a shared server needs its administrator to.",
        )
    if status in (401, 403):
        return AnnotError(
            f"{doing}: {server.url} refused the API key (HTTP {status})",
            f"Check {KEY_ENV}; with a legacy token the server needs LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true.",
        )
    if status == 404:
        return AnnotError(
            f"{doing}: not found on {server.url} (HTTP 404)", "Check the project id (annot ls projects lists them)."
        )
    if status is not None:
        if isinstance(body, dict):
            detail: Any = body.get("validation_errors") or body.get("detail") or body
        else:
            detail = body
        hint = (
            "The server (or a proxy in front of it) failed. Wait, then run the same command again: "
            "annot checks what exists before sending anything twice."
            if int(status) >= 500
            else "Fix the request named above."
        )
        return AnnotError(f"{doing}: {server.url} answered HTTP {status}: {redact(str(detail), server)}", hint)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return AnnotError(
            f"{doing}: {server.url} did not answer within {server.timeout:g} s",
            "The server is slow or stuck: retry later, or raise --timeout.",
        )
    if isinstance(exc, httpx.ConnectError | ConnectionRefusedError):
        return AnnotError(
            f"{doing}: cannot reach {server.url} (connection refused)",
            f"Is the server running? Check {URL_ENV} (or run `annot studio start`).",
        )
    if isinstance(exc, httpx.LocalProtocolError | ValueError) and "header" in str(exc).lower():
        return AnnotError(f"{doing}: the API key cannot be sent as a header", f"Check {KEY_ENV} for stray characters.")
    first = str(exc).splitlines()[0] if str(exc) else ""
    return AnnotError(
        f"{doing}: the connection to {server.url} failed ({type(exc).__name__}: {redact(first, server)})",
        "The server closed the connection or answered with something that is not HTTP; retry, and check the URL.",
    )


_VERIFIED: set[Server] = set()  # servers (URL and key) whose key this process has tried


class Session:
    """An SDK client with annot's rules: explicit key checked before the first request, time limits, retries
    only for calls safe to repeat."""

    def __init__(self, server: Server) -> None:
        import httpx
        from label_studio_sdk import LabelStudio

        self.server = server
        self.client = LabelStudio(
            base_url=server.url,
            api_key=server.api_key,
            httpx_client=httpx.Client(
                timeout=httpx.Timeout(server.timeout),
                follow_redirects=True,
                transport=_deadline_transport(server.deadline),
            ),
        )

    def _verify(self) -> None:
        """Before the first request of a command: the key, tried on the server (who it belongs to), so that a wrong
        key is named as such before anything is read or sent, whatever the command does first."""
        if self.server in _VERIFIED:
            return
        try:
            self.client.users.whoami()
        except Exception as exc:
            raise _translate(exc, self.server, "connecting (checking the API key)") from None
        _VERIFIED.add(self.server)

    def read(self, doing: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A call that changes nothing on the server (retried by the SDK on a 5xx or a dropped connection)."""
        self._verify()
        try:
            return call(*args, **kwargs)
        except AnnotError:
            raise
        except Exception as exc:
            raise _translate(exc, self.server, doing) from None

    def write(self, doing: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A call that creates or changes something: sent once, never retried blindly."""
        self._verify()
        try:
            return call(*args, **kwargs, request_options={"max_retries": 0})
        except Exception as exc:
            raise _translate(exc, self.server, doing) from None

    def download(self, doing: str, chunks: Callable[[], Iterable[bytes]]) -> bytes:
        """A streamed download (the session's deadline covers it byte by byte)."""
        self._verify()
        try:
            return b"".join(chunks())
        except AnnotError:
            raise
        except Exception as exc:
            raise _translate(exc, self.server, doing) from None


def _items(task: Any, name: str) -> list[Any]:
    """A task's list field (annotations, drafts, predictions) when it is one; an export of another shape gives
    none (the importer names it)."""
    value = task.get(name) if isinstance(task, dict) else None
    return value if isinstance(value, list) else []


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


# --------------------------------------------------------------- projects


@dataclass(frozen=True, kw_only=True)
class ProjectSettings:
    """What a team's project needs: annotators per task, the guideline before labeling, others' work hidden."""

    overlap: int | None = None  # None: as the project has it (1 for a new project)
    instructions_html: str | None = None
    sampling: str | None = None  # None: as the project has it; SEQUENTIAL serves tasks in the order imported

    def fields(self) -> dict[str, Any]:
        """Label Studio's project fields for these settings.

        Label Studio OSS can hide the annotation history and show each annotator its own annotation in the
        labeling stream; it cannot stop a member who opens the Data Manager from seeing others' annotations
        (annotator roles are an Enterprise feature). docs/guides/agreement.md says so.
        """
        out: dict[str, Any] = {
            "show_annotation_history": False,
            "show_skip_button": True,
            "enable_empty_annotation": False,  # an empty submission is almost always a slip
        }
        if self.overlap is not None:
            out.update(
                maximum_annotations=self.overlap, overlap_cohort_percentage=100, show_overlap_first=self.overlap > 1
            )
        if self.instructions_html is not None:
            out.update(expert_instruction=self.instructions_html, show_instruction=True)
        if self.sampling is not None:
            out.update(sampling=self.sampling)
        return out


# Label Studio's sampling that serves the labeling stream's tasks in the order they were imported (by task id),
# when no Data Manager tab filters or sorts them (measured on 1.23.2: tests/jobs/test_queue.py).
SEQUENTIAL = "Sequential sampling"


def guideline_html(path: Path) -> str:
    """The Markdown guideline as HTML for Label Studio's instructions panel."""
    from markdown_it import MarkdownIt

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as exc:
        raise AnnotError(f"{path}: cannot read the guideline ({type(exc).__name__})", "Check `instructions`.") from None
    return MarkdownIt("commonmark").enable("table").render(text)


@dataclass(frozen=True, kw_only=True)
class ProjectInfo:
    id: int
    title: str
    tasks: int
    overlap: int


def _info(p: Any) -> ProjectInfo:
    return ProjectInfo(
        id=int(_get(p, "id")),
        title=str(_get(p, "title") or ""),
        tasks=int(_get(p, "task_number") or 0),
        overlap=int(_get(p, "maximum_annotations") or 1),
    )


@dataclass(frozen=True, kw_only=True)
class Account:
    """An account of the server: its id (what exports, reports and `--annotator` call an annotator) and login."""

    id: int
    email: str


def list_accounts(server: Server) -> list[Account]:
    """Every account of the server, by id."""
    session = Session(server)
    users = session.read("listing the accounts", lambda: list(session.client.users.list()))
    return sorted(
        (Account(id=int(_get(u, "id") or 0), email=str(_get(u, "email") or "")) for u in users), key=lambda a: a.id
    )


PAGE = 100  # projects asked for per page


def all_projects(session: Session) -> list[Any]:
    """Every project the key can see, page by page until the server's count is reached.

    The SDK's own pager asks for the page after the last one, which the server answers with a 404 and a
    traceback in its log each time; counting avoids that request.
    """
    out: list[Any] = []
    page = 1
    while True:
        pager = session.read("listing projects", session.client.projects.list, page=page, page_size=PAGE)
        got = list(pager.items or [])
        out += got
        total = _get(pager.response, "count")
        if not got or len(got) < PAGE or (isinstance(total, int) and len(out) >= total):
            return out
        page += 1


def list_projects(session: Session) -> list[ProjectInfo]:
    """Every project the key can see."""
    return [_info(p) for p in all_projects(session)]


@dataclass(frozen=True, kw_only=True)
class ConfigCheck:
    """How a project's labeling config relates to the schema: annot's and current, annot's but older, foreign."""

    current: bool
    annot: bool
    problems: tuple[str, ...] = ()


def _config_check(schema: Schema, xml: str, where: str, review: bool = False) -> ConfigCheck:
    problems = check_labeling_config(schema, xml, where)
    if not problems and xml.strip() == labeling_config(schema, review).strip():  # the server drops the final newline
        return ConfigCheck(current=True, annot=True)
    annot_made = "Generated by `annot schema config`" in xml or f'name="{LABEL_CONTROL}"' in xml
    return ConfigCheck(current=False, annot=annot_made, problems=tuple(problems))


def _labels_in_use(tasks: list[dict[str, Any]]) -> Counter[str]:
    """Labels and relation roles of the project's annotations, drafts and predictions (what a config must keep)."""
    used: Counter[str] = Counter()
    for t in tasks:
        results = [a.get("result") for a in _items(t, "annotations") if isinstance(a, dict)]
        results += [d.get("result") for d in _items(t, "drafts") if isinstance(d, dict)]
        results += [p.get("result") for p in _items(t, "predictions") if isinstance(p, dict)]
        for result in results:
            for r in result or []:
                if not isinstance(r, dict):
                    continue
                values = (r.get("value") or {}).get("labels") if r.get("type") != "relation" else r.get("labels")
                used.update(v for v in values or [] if isinstance(v, str))
    return used


def _update_config(
    session: Session, pid: int, schema: Schema, tasks: list[dict[str, Any]], review: bool = False
) -> None:
    """Give project `pid` the schema's labeling config, unless its annotations use labels or roles it drops."""
    keep = set(schema.entities) | set(schema.events) | set(schema.roles)
    lost = {label: n for label, n in _labels_in_use(tasks).items() if label not in keep}
    if lost:
        raise AnnotError(
            f"project {pid}: the schema's labeling config would invalidate annotations: "
            + ", ".join(f"{label} ({n} region(s) or relation(s))" for label, n in sorted(lost.items())),
            "Keep those labels in configs/schema.toml (a label can be renamed only where nothing uses it), or "
            "relabel those regions in Label Studio first.",
        )
    session.write(
        f"updating the labeling config of project {pid}",
        session.client.projects.update,
        id=pid,
        label_config=labeling_config(schema, review),
    )


# -------------------------------------------------------------------- push


@dataclass(frozen=True, kw_only=True)
class PushReport:
    """What a push did: the project, and the documents sent, already there, or refused."""

    project: ProjectInfo
    created: bool
    config: str  # "current", "updated", "forced"
    new: tuple[str, ...]
    unchanged: tuple[str, ...]
    foreign_tasks: int  # tasks of the project that annot did not make (no doc_id)
    settings: dict[str, Any] = field(default_factory=dict)  # the settings asked for
    differing: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (the project's, asked), not applied
    applied: tuple[str, ...] = ()  # fields changed on an existing project


def _task_key(task: dict[str, Any]) -> tuple[str | None, str | None]:
    data = task_data(task)
    doc_id, sha = data.get("doc_id"), data.get("sha256")
    return (doc_id if isinstance(doc_id, str) else None, sha if isinstance(sha, str) else None)


def read_tasks_file(path: Path) -> list[dict[str, Any]]:
    """A tasks file made by `annot export`, checked: every task has a document id, a text and its SHA-256."""
    from ..documents import text_sha256

    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: no such file", "Make it with `annot export`.") from None
    except IsADirectoryError:
        raise AnnotError(
            f"{path}: is a folder, not a tasks file", "Give the JSON file made by `annot export`."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnnotError(f"{path}: not JSON ({exc})", "Make it with `annot export`.") from None
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks):
        raise AnnotError(
            f"{path}: not a tasks file (a JSON list of objects with 'data')", "Make it with `annot export`."
        )
    problems = []
    seen: dict[str, int] = {}
    for i, t in enumerate(tasks):
        doc_id, sha = _task_key(t)
        text = t["data"].get("text")
        if doc_id is None or sha is None or not isinstance(text, str):
            problems.append(f"{path}: task {i}: needs data.doc_id, data.text and data.sha256")
        elif sha != text_sha256(text):
            problems.append(f"{path}: task {i} ({doc_id}): data.sha256 does not match data.text (edited by hand?)")
        elif doc_id in seen:
            problems.append(f"{path}: task {i}: document {doc_id!r} is also task {seen[doc_id]}")
        else:
            seen[doc_id] = i
    raise_if_problems(problems, f"{path}: not a tasks file made by `annot export`", "Make it with `annot export`.")
    return tasks


def export_tasks(session: Session, pid: int, doing: str) -> list[dict[str, Any]]:
    """Every task of project `pid` as Label Studio's JSON export gives it (annotations, drafts, prediction ids)."""
    raw = session.download(
        doing,
        lambda: session.client.projects.exports.download_sync(pid, export_type="JSON", download_all_tasks=True),
    )
    try:
        tasks = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AnnotError(
            f"{doing}: {session.server.url} did not send JSON", "Check that the URL points at Label Studio."
        ) from None
    if not isinstance(tasks, list):
        raise AnnotError(f"{doing}: {session.server.url} sent something other than a task list", "Check the URL.")
    return tasks


def _resolve_project(session: Session, project: int | None, title: str) -> Any | None:
    """The project with id `project`, or the one titled `title` (None when there is none; refused when several)."""
    if project is not None:
        return session.read(f"reading project {project}", session.client.projects.get, id=project)
    same = [p for p in all_projects(session) if _get(p, "title") == title]
    if len(same) > 1:
        raise AnnotError(
            f"{len(same)} projects are titled {title!r} (ids {', '.join(str(_get(p, 'id')) for p in same)})",
            "Name the one to use with --project ID.",
        )
    return same[0] if same else None


def push_tasks(
    server: Server,
    tasks: list[dict[str, Any]],
    schema: Schema,
    *,
    title: str = "annot",
    project: int | None = None,
    settings: ProjectSettings | None = None,
    force: bool = False,
    apply_settings: bool = True,
    review: bool = False,
    order: Callable[[list[dict[str, Any]], list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> PushReport:
    """Bring a project in sync with `tasks`: created or found (by id or title), config current, and only the
    documents it does not have yet imported. A changed text is refused, never a second task. `order(new,
    unchanged)` gives the new tasks in the order to import them (default: as given).

    A new project gets `settings`; an existing one gets them only with `apply_settings` (else the fields that
    differ are reported in `PushReport.differing` and left as the project has them). With `review`, the project
    is a review project (`annot adjudicate --push`): its config has the decisions control too.
    """
    with push_lock(server.url, str(project) if project is not None else f"title:{title}"):
        return _push_tasks(server, tasks, schema, title, project, settings, force, apply_settings, review, order)


@contextlib.contextmanager
def push_lock(url: str, key: str) -> Iterator[None]:
    """Serialise the pushes of this user to one project of one server (`key`: its id or title): two pushes at
    once would both find no project, or no task, and both create it. The lock is a file in a private folder of
    the temporary directory; pushes from other machines are caught by the re-check after a project is made."""
    folder = Path(tempfile.gettempdir()) / f"annot-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    name = hashlib.sha256(f"{url}\n{key}".encode()).hexdigest()[:16]
    fd = os.open(folder / f"push-{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _push_tasks(
    server: Server,
    tasks: list[dict[str, Any]],
    schema: Schema,
    title: str,
    project: int | None,
    settings: ProjectSettings | None,
    force: bool,
    apply_settings: bool,
    review: bool,
    order: Callable[[list[dict[str, Any]], list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> PushReport:
    session = Session(server)
    settings = settings or ProjectSettings()
    found = _resolve_project(session, project, title)
    created = found is None
    # The order of a new project's tasks is known before anything is made: a failure to order them makes nothing.
    early = order(list(tasks), []) if found is None and order is not None else None
    if found is None:
        found = _create_project(session, title, schema, settings, review)
        found, created = _one_project_titled(session, title, found)
    pid = int(_get(found, "id"))
    if not created and project is None:  # a project of the list: read it whole
        found = session.read(f"reading project {pid}", session.client.projects.get, id=pid)
    existing = export_tasks(session, pid, f"reading the tasks of project {pid}")
    check = _config_check(schema, str(_get(found, "label_config") or ""), f"project {pid}", review)
    config_action = "current"
    if not check.current:
        if not check.annot and not force:
            raise AnnotError(
                f"project {pid} ({_get(found, 'title')!r}) has a labeling config that is not annot's",
                "Push into a project made by annot (another --title, or no --project), or --force to replace its "
                "config with annot's.",
                list(check.problems),
            )
        config_action = "forced" if not check.annot else "updated"
    on_server: dict[str, str | None] = {}
    foreign = 0
    for t in existing:
        doc_id, sha = _task_key(t)
        if doc_id is None:
            foreign += 1
        else:
            on_server[doc_id] = sha
    new, unchanged, changed, kept = [], [], [], []
    for t in tasks:
        doc_id, sha = _task_key(t)
        assert doc_id is not None
        if doc_id not in on_server:
            new.append(t)
        elif on_server[doc_id] == sha:
            unchanged.append(doc_id)
            kept.append(t)
        else:
            changed.append(doc_id)
    if changed:
        raise AnnotError(
            f"project {pid}: {len(changed)} document(s) are already in the project with another text; nothing was "
            "pushed",
            "A document keeps its text once annotators work on it: give the new text a new document id, or remove "
            "the old task in Label Studio first.",
            [f"{d}: text differs from the task in the project (SHA-256)" for d in changed],
        )
    if order is not None:
        new = early if early is not None and created else order(new, kept)
    if config_action != "current":  # only now: every check has passed
        _update_config(session, pid, schema, existing, review)
    fields = settings.fields()
    current = {k: _get(found, k) for k in fields}
    differing = {k: (current[k], v) for k, v in fields.items() if current[k] != v}
    applied: tuple[str, ...] = ()
    if created or (differing and apply_settings):
        session.write(f"setting up project {pid}", session.client.projects.update, id=pid, **fields)
        applied = () if created else tuple(sorted(differing))
        differing = {}
    _import_new(session, pid, new)
    return PushReport(
        project=ProjectInfo(
            id=pid,
            title=str(_get(found, "title")),
            tasks=len(existing) + len(new),
            overlap=int((settings.overlap if applied or created else None) or _get(found, "maximum_annotations") or 1),
        ),
        created=created,
        config=config_action,
        new=tuple(_task_key(t)[0] or "" for t in new),
        unchanged=tuple(unchanged),
        foreign_tasks=foreign,
        settings=fields,
        differing=differing,
        applied=applied,
    )


def _one_project_titled(session: Session, title: str, made: Any) -> tuple[Any, bool]:
    """After making project `made`: when another push (from another machine) made one with the same title at the
    same time, the first of them (lowest id) is kept and ours, still empty, is deleted, so both pushes fill one
    project. Returns the project to fill and whether it is the one just made."""
    same = [p for p in all_projects(session) if _get(p, "title") == title]
    if len(same) < 2:
        return made, True
    first = min(same, key=lambda p: int(_get(p, "id")))
    mine = int(_get(made, "id"))
    if int(_get(first, "id")) == mine:
        return made, True
    session.write(f"deleting project {mine} (made twice)", session.client.projects.delete, id=mine)
    return session.read(
        f"reading project {_get(first, 'id')}", session.client.projects.get, id=_get(first, "id")
    ), False


def _create_project(
    session: Session, title: str, schema: Schema, settings: ProjectSettings, review: bool = False
) -> Any:
    try:
        return session.write(
            f"creating project {title!r}",
            session.client.projects.create,
            title=title,
            label_config=labeling_config(schema, review),
            **settings.fields(),
        )
    except AnnotError as exc:
        # The server may have created it before failing to answer: look before anyone creates it again.
        try:
            again = _resolve_project(session, None, title)
        except AnnotError:
            again = None
        if again is not None:
            exc.problems.append(
                f"the server now has project {_get(again, 'id')} titled {title!r}: the same push adds to it"
            )
        else:
            exc.problems.append(f"the server has no project titled {title!r}")
        raise


def _import_new(session: Session, pid: int, new: list[dict[str, Any]]) -> None:
    """Import `new` in batches; after a failure, say which of them the server now has."""
    done = 0
    try:
        for i in range(0, len(new), BATCH):
            batch = new[i : i + BATCH]
            session.write(
                f"importing {len(batch)} task(s) into project {pid}",
                session.client.projects.import_tasks,
                id=pid,
                request=batch,
                return_task_ids=True,
            )
            done += len(batch)
    except AnnotError as exc:
        try:
            have = {_task_key(t)[0] for t in export_tasks(session, pid, f"checking project {pid}")}
            arrived = sum(1 for t in new if _task_key(t)[0] in have)
            exc.problems.append(
                f"project {pid} now has {arrived} of the {len(new)} new document(s); the same push sends only the "
                f"{len(new) - arrived} missing"
            )
        except AnnotError:
            exc.problems.append(f"{done} of {len(new)} new document(s) were confirmed before the failure")
        raise


# -------------------------------------------------------------------- pull


@dataclass(frozen=True, kw_only=True)
class ProjectStatus:
    """Where a project stands: tasks, completed annotations and drafts per annotator, tasks short of their
    overlap, and the annotations that `annot import` would refuse (each named, with the fix)."""

    project: int
    title: str
    overlap: int
    tasks: int
    completed: dict[str, int]  # annotator id -> completed annotations
    cancelled: int
    drafts: int
    short: int  # tasks with fewer completed annotations than the overlap
    finished: int
    drafts_by: dict[str, int] = field(default_factory=dict)  # annotator id ("?" when unknown) -> drafts
    problems: tuple[str, ...] = ()  # what the importer refuses in completed annotations (checked with a schema)


def _clean(
    tasks: list[dict[str, Any]], predictions: dict[int, list[dict[str, Any]]], ids: dict[str, int] | None = None
) -> None:
    """No e-mail address survives into a file (a draft's owner becomes the account's id, from `ids`: e-mail ->
    id); predictions are given in full, not as ids."""
    ids = ids or {}
    for t in tasks:
        for a in _items(t, "annotations"):
            if isinstance(a, dict):
                for key in ("completed_by", "updated_by", "last_created_by"):
                    if isinstance(a.get(key), dict):
                        a[key] = a[key].get("id")
                a.pop("created_username", None)
        for d in _items(t, "drafts"):
            if isinstance(d, dict):
                owner = d.pop("user", None)
                d.pop("created_username", None)
                if isinstance(owner, int):
                    d["user"] = owner
                elif isinstance(owner, str) and owner in ids:
                    d["user"] = ids[owner]
        t.pop("comment_authors", None)
        if isinstance(t.get("id"), int) and t["id"] in predictions:
            t["predictions"] = predictions[t["id"]]


def status_of(tasks: list[dict[str, Any]], overlap: int) -> tuple[Counter[str], int, Counter[str], int, int]:
    """Completed annotations per annotator, cancelled, drafts per owner, tasks short of `overlap`, tasks finished."""
    completed: Counter[str] = Counter()
    drafts: Counter[str] = Counter()
    cancelled = short = finished = 0
    for t in tasks:
        done = 0
        for a in _items(t, "annotations"):
            if not isinstance(a, dict):
                continue
            if a.get("was_cancelled"):
                cancelled += 1
                continue
            who = a.get("completed_by")
            completed[str(who.get("id") if isinstance(who, dict) else who)] += 1
            done += 1
        for d in _items(t, "drafts"):
            owner = d.get("user") if isinstance(d, dict) else None
            drafts[str(owner) if isinstance(owner, int) else "?"] += 1
        if done >= overlap:
            finished += 1
        else:
            short += 1
    return completed, cancelled, drafts, short, finished


def annotation_problems(tasks: list[dict[str, Any]], schema: Schema) -> list[str]:
    """What `annot import` would refuse in the tasks' completed annotations: a relation whose role the event
    type forbids, a region without a label ..., each named (task, annotator, words) with the fix."""
    from .importer import ImportSummary, annotation_to_document

    problems: list[str] = []
    summary = ImportSummary()
    for t in tasks:
        for a in _items(t, "annotations"):
            if isinstance(a, dict) and not a.get("was_cancelled") and isinstance(a.get("result"), list):
                regions = [
                    r for r in a["result"] if not (isinstance(r, dict) and r.get("from_name") == DECISIONS_CONTROL)
                ]
                if regions:  # a review's decisions are read by `annot adjudicate --reviewed`, not by import
                    annotation_to_document(t, {**a, "result": regions}, schema, problems, summary)
    return problems


def pull_export(server: Server, project: int, output: Path, schema: Schema | None = None) -> ProjectStatus:
    """Download every task of a project with every annotator's work (no e-mail kept) to `output`."""
    session = Session(server)
    info = session.read(f"reading project {project}", session.client.projects.get, id=project)
    tasks = export_tasks(session, project, f"exporting project {project}")
    preds: dict[int, list[dict[str, Any]]] = {}
    if any(t.get("predictions") for t in tasks):
        for p in session.read(
            f"reading the predictions of project {project}",
            lambda: list(session.client.predictions.list(project=project)),
        ):
            preds.setdefault(int(_get(p, "task")), []).append(
                {
                    "id": _get(p, "id"),
                    "model_version": _get(p, "model_version"),
                    "score": _get(p, "score"),
                    "result": _get(p, "result"),
                }
            )
    owners: dict[str, int] = {}
    if any(t.get("drafts") for t in tasks):
        owners = {a.email: a.id for a in list_accounts(server)}
    _clean(tasks, preds, owners)
    # annotators' work: private to the one who pulls it (docs/guides/annotation-team.md, "Secrets")
    atomic_write_text(output, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", private=True)
    return _status(project, info, tasks, schema)


def _status(project: int, info: Any, tasks: list[dict[str, Any]], schema: Schema | None = None) -> ProjectStatus:
    overlap = int(_get(info, "maximum_annotations") or 1)
    completed, cancelled, drafts, short, finished = status_of(tasks, overlap)
    return ProjectStatus(
        project=project,
        title=str(_get(info, "title") or ""),
        overlap=overlap,
        tasks=len(tasks),
        completed=dict(sorted(completed.items())),
        cancelled=cancelled,
        drafts=drafts.total(),
        short=short,
        finished=finished,
        drafts_by=dict(sorted(drafts.items())),
        problems=tuple(annotation_problems(tasks, schema)) if schema is not None else (),
    )


def project_status(server: Server, project: int, schema: Schema | None = None) -> ProjectStatus:
    """`annot ls status`: tasks, completed annotations and drafts per annotator, tasks still short of their
    overlap, and (with a schema) every completed annotation that `annot import` would refuse."""
    session = Session(server)
    info = session.read(f"reading project {project}", session.client.projects.get, id=project)
    tasks = export_tasks(session, project, f"reading the tasks of project {project}")
    owners = {a.email: a.id for a in list_accounts(server)} if any(t.get("drafts") for t in tasks) else {}
    _clean(tasks, {}, owners)
    return _status(project, info, tasks, schema)


def push_tasks_file(
    server: Server,
    path: Path,
    schema: Schema,
    *,
    title: str = "annot",
    project: int | None = None,
    settings: ProjectSettings | None = None,
    force: bool = False,
    order: Callable[[list[dict[str, Any]], list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> PushReport:
    """`annot ls push`: the tasks of `path` into the project (see `push_tasks`)."""
    return push_tasks(
        server, read_tasks_file(path), schema, title=title, project=project, settings=settings, force=force, order=order
    )


# ------------------------------------------------------------ ground truth


@dataclass(frozen=True, kw_only=True)
class GroundTruthReport:
    """What `annot ls ground-truth` marked: the annotations now ground truth, those unmarked, and the documents
    where the annotator has no completed annotation (left as they were)."""

    marked: tuple[str, ...]  # document ids
    unmarked: int  # other annotations of those tasks that were ground truth before
    missing: tuple[str, ...]  # document ids the annotator did not complete


def mark_ground_truth(
    server: Server, project: int, annotator: str, documents: set[str] | None = None
) -> GroundTruthReport:
    """Mark `annotator`'s completed annotation of every task (or of `documents` only) as the task's ground truth in
    Label Studio, and unmark the task's others, so that `annot import --pick ground-truth` takes it.

    Label Studio's open-source editor has no control for this (only its API has): this is the way a team names
    its ground truth.
    """
    session = Session(server)
    tasks = export_tasks(session, project, f"reading the tasks of project {project}")
    marked: list[str] = []
    missing: list[str] = []
    unmarked = 0
    for t in tasks:
        doc_id = _task_key(t)[0] or str(t.get("id"))
        if documents is not None and doc_id not in documents:
            continue
        done = [
            a
            for a in _items(t, "annotations")
            if isinstance(a, dict) and not a.get("was_cancelled") and a.get("result")
        ]
        mine = [a for a in done if str(_annotator_id(a)) == annotator]
        if not mine:
            missing.append(doc_id)
            continue
        for a in done:
            want = a is mine[0]
            if bool(a.get("ground_truth")) != want:
                session.write(
                    f"marking annotation {a.get('id')} of task {t.get('id')}",
                    session.client.annotations.update,
                    id=a.get("id"),
                    ground_truth=want,
                )
                unmarked += not want
        marked.append(doc_id)
    if documents is not None:
        missing += sorted(documents - {(_task_key(t)[0] or str(t.get("id"))) for t in tasks})
    return GroundTruthReport(marked=tuple(marked), unmarked=unmarked, missing=tuple(missing))


def _annotator_id(annotation: dict[str, Any]) -> Any:
    who = annotation.get("completed_by")
    return who.get("id") if isinstance(who, dict) else who


# -------------------------------------------------------------- ML backend


@dataclass(frozen=True, kw_only=True)
class BackendLink:
    """A project connected to an ML backend: the backend's id on the server, its state (CO: connected), the
    model_version the project asks it for, what was done, and the other backends the project has."""

    project: int
    backend: int
    state: str
    model_version: str
    action: str  # "connected", "updated", "already connected"
    others: tuple[str, ...] = ()  # other backends of the project (title at URL), left as they are
    notes: tuple[str, ...] = ()


def connect_backend(server: Server, project: int, url: str, title: str) -> BackendLink:
    """Connect the ML backend at `url` (whose /setup answers `title` as its model_version) to `project`, and make
    the project ask it: predictions shown to annotators ("show_collab_predictions") and the project's
    model_version set to `title`, so that the labeling stream asks the backend for each task it serves.

    A backend already connected at `url` is reused (its title updated); Label Studio checks the backend's
    /health and /setup itself before it answers. When the server creates the backend but then refuses the
    webhook Label Studio adds beside it (SSRF protection on), the backend is found again and the project
    settings are made anyway.
    """
    session = Session(server)
    session.read(f"reading project {project}", session.client.projects.get, id=project)
    notes: list[str] = []

    def backends() -> list[Any]:
        return list(
            session.read(f"listing the ML backends of project {project}", session.client.ml.list, project=project)
        )

    mine = [b for b in backends() if _get(b, "url") == url]
    if mine:
        found = mine[0]
        action = "already connected"
        if _get(found, "title") != title:
            found = session.write(
                f"updating the ML backend {_get(found, 'id')} of project {project}",
                session.client.ml.update,
                id=_get(found, "id"),
                url=url,
                project=project,
                title=title,
            )
            action = "updated"
    else:
        action = "connected"
        try:
            found = session.write(
                f"connecting the ML backend at {url} to project {project}",
                session.client.ml.create,
                url=url,
                project=project,
                title=title,
                is_interactive=False,
            )
        except AnnotError:
            again = [b for b in backends() if _get(b, "url") == url]
            if not again:
                raise
            found = again[0]  # made, then its webhook refused: the project settings below still work
            notes.append(
                "Label Studio made the backend but refused the webhook it adds beside it (SSRF protection on): "
                "predictions work; events are not sent to the backend"
            )
    info = session.read(f"reading project {project}", session.client.projects.get, id=project)
    if _get(info, "model_version") != title or _get(info, "show_collab_predictions") is not True:
        _show_predictions(session, project, title, "making project {project} ask the ML backend")
    others = tuple(
        f"{_get(b, 'title')} at {_get(b, 'url')}" for b in backends() if int(_get(b, "id")) != int(_get(found, "id"))
    )
    return BackendLink(
        project=project,
        backend=int(_get(found, "id")),
        state=str(_get(found, "state") or ""),
        model_version=title,
        action=action,
        others=others,
        notes=tuple(notes),
    )
