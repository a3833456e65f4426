"""A local Label Studio server for a project: `annot studio start | status | stop | user`.

The server runs from the ``server`` extra, bound to 127.0.0.1 only, with its
data in a git-ignored folder of the project (``.studio/`` by default) that
survives restarts. It runs without ``--debug``; since Label Studio then moves
silently to the next port when its port is taken, the port is checked first.

The first start creates an administrator with a random password and API key,
kept in ``.studio/credentials.json``: the key is never printed. `annot ls`
commands read it when ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY`` are not
set. Users of a shared server set those variables instead and never run
`annot studio`.

Nothing of the server is readable by another user of the machine: the data
folder is 0700, and the server and Label Studio's own commands run with the
umask 077, so its database (which holds the API keys), its exports and media
are 0600; a password reaches Label Studio's commands through their environment
or standard input, never their command line (which any local user can read
with `ps`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import AnnotError
from ..files import read_toml
from ..project import project_path
from ..validation import Strict, validate

STUDIO_CONFIG = Path("configs/studio.toml")
CREDENTIALS = "credentials.json"
PID_FILE = "server.pid"
LOG_FILE = "server.log"
SERVER_LOCK = "server.lock"  # held by the running server (inherited), whoever started it through annot
START_LOCK = "start.lock"  # held while a `studio start` decides and starts: two at once make one server
HOST = "127.0.0.1"
ADMIN = "admin@annot.local"
PRIVATE_UMASK = 0o077  # what the server and Label Studio's commands create is their owner's only
# An account is an e-mail address: a local part and a domain with a dot, no spaces, nothing else.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class _StudioFile(Strict):
    port: int = Field(8080, ge=1024, le=65535)
    data: str = Field(".studio", min_length=1)
    title: str = Field("annot", min_length=1)
    overlap: int = Field(1, ge=1, le=20)
    instructions: str | None = "docs/guideline.md"
    startup_timeout: float = Field(240.0, gt=0)


@dataclass(frozen=True, kw_only=True)
class StudioConfig:
    """Where and how the project's local server runs, and the project it opens with."""

    port: int = 8080
    data: Path = Path(".studio")
    title: str = "annot"
    overlap: int = 1
    instructions: Path | None = None
    startup_timeout: float = 240.0
    path: Path = STUDIO_CONFIG  # the file these settings were read from

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def load_studio_config(path: Path | None = None, port: int | None = None) -> StudioConfig:
    """configs/studio.toml (all keys optional; the file itself too), paths resolved against the project root."""
    path = path or project_path(STUDIO_CONFIG)
    data: dict[str, Any] = read_toml(path, "studio config", "") if Path(path).is_file() else {}
    cfg = validate(_StudioFile, data, str(path), "studio config")
    root = Path(path).resolve().parent.parent
    return StudioConfig(
        port=port or cfg.port,
        data=root / cfg.data,
        title=cfg.title,
        overlap=cfg.overlap,
        instructions=None if cfg.instructions is None else root / cfg.instructions,
        startup_timeout=cfg.startup_timeout,
        path=Path(path),
    )


@dataclass(frozen=True, kw_only=True)
class Credentials:
    url: str
    username: str
    password: str
    api_key: str

    def __repr__(self) -> str:  # never show the password or the key, even in a traceback
        return f"Credentials(url={self.url!r}, username={self.username!r}, password=***, api_key=***)"


def read_credentials(data: Path) -> Credentials | None:
    """The credentials of the local server whose data is in `data`, if it was ever started."""
    path = Path(data) / CREDENTIALS
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(url=raw["url"], username=raw["username"], password=raw["password"], api_key=raw["api_key"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnnotError(
            f"{path}: unreadable credentials ({type(exc).__name__})",
            f"Stop the server, remove {Path(data)} to start afresh (its projects are lost), or restore the file.",
        ) from None


def private_folder(data: Path) -> None:
    """The server's data folder, made (or made again) readable by its owner only, with the files already in
    it that hold keys or annotators' data (its SQLite database and exports from before annot made it private)."""
    data = Path(data)
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    for path in data.rglob("*"):
        if path.is_symlink():
            continue
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)


def _write_credentials(data: Path, creds: Credentials) -> Path:
    path = Path(data) / CREDENTIALS
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(
            {"url": creds.url, "username": creds.username, "password": creds.password, "api_key": creds.api_key},
            fh,
            indent=2,
        )
    os.chmod(path, 0o600)
    return path


def label_studio_executable() -> str:
    """The `label-studio` program of this environment (the `server` extra)."""
    exe = Path(sys.executable).with_name("label-studio")
    found = str(exe) if exe.exists() else shutil.which("label-studio")
    if found is None:
        raise AnnotError(
            "Label Studio is not installed in this environment",
            "Install the server extra: pip install -e '.[server]' (about 1.4 GB with its dependencies).",
        )
    return found


# What a model server on this machine needs (`annot studio model`, a Label Studio ML backend on 127.0.0.1):
# Label Studio 1.23 refuses to connect a backend on a loopback or private address unless ML_BLOCK_LOCAL_IP is
# false (POST /api/ml answers 403 "URL resolves to a reserved network address"), and with SSRF protection on it
# saves the backend, then refuses the webhook it adds beside it, answers 403 and never sets the project's
# model_version, so the labeling stream never asks the backend. The server is bound to 127.0.0.1 and serves one
# team; turning SSRF protection off also lets webhooks, imports from URLs and storages reach local addresses.
LOOPBACK_BACKEND_ENV = {"ML_BLOCK_LOCAL_IP": "false", "SSRF_PROTECTION_ENABLED": "false"}


def _env(cfg: StudioConfig, creds: Credentials) -> dict[str, str]:
    """A clean environment for the server: its data in `cfg.data`, offline, on loopback only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "POSTGRE", "DJANGO_"))}
    for bare in ("USERNAME", "PASSWORD", "PORT", "HOST", "USER_TOKEN"):  # Label Studio's settings read these too
        env.pop(bare, None)
    home = cfg.data / "home"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        LABEL_STUDIO_BASE_DATA_DIR=str(cfg.data),
        LABEL_STUDIO_HOST=creds.url,
        LABEL_STUDIO_USERNAME=creds.username,
        LABEL_STUDIO_PASSWORD=creds.password,
        LABEL_STUDIO_USER_TOKEN=creds.api_key,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LATEST_VERSION_CHECK="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        COLLECT_ANALYTICS="false",
        **LOOPBACK_BACKEND_ENV,
    )
    return env


def _start_time(pid: int) -> int | None:
    """The start time of process `pid` (clock ticks since boot, /proc/PID/stat field 22), None when it is gone.
    With the pid it names one process for good: a pid reused by another program has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name, in brackets, may hold spaces
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _server_lock_held(cfg: StudioConfig) -> bool:
    """Whether a server holds the data folder's lock (it inherits it from `annot studio start` and keeps it
    until it exits), whatever its pid file says."""
    path = cfg.data / SERVER_LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _pid(cfg: StudioConfig) -> int | None:
    """The pid of the project's running server, or None. A pid counts only when it is provably the server
    annot started: the process with that pid has the start time recorded with it (a pid reused by another
    program after the server died does not). A pid file that proves nothing is removed."""
    path = cfg.data / PID_FILE
    try:
        raw = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    try:
        record = json.loads(raw)
        pid, started = int(record["pid"]), int(record["start_time"])
    except (ValueError, TypeError, KeyError):
        # annot 0.2 wrote the bare pid: trust it only if that process runs Label Studio and holds no other
        # program's identity we can check (its command line names label-studio)
        try:
            pid = int(raw)
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (ValueError, OSError):
            path.unlink(missing_ok=True)
            return None
        if b"label-studio" not in cmdline and b"label_studio" not in cmdline:
            path.unlink(missing_ok=True)
            return None
        return pid
    if _start_time(pid) != started:
        path.unlink(missing_ok=True)
        return None
    return pid


def _write_pid(cfg: StudioConfig, pid: int) -> None:
    started = _start_time(pid)
    (cfg.data / PID_FILE).write_text(json.dumps({"pid": pid, "start_time": started}), encoding="utf-8")


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether a Label Studio server answers at `url`."""
    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=timeout) as r:
            return b"UP" in r.read()
    except (OSError, ValueError):
        return False


def _answers(url: str, pid: int, within: float) -> bool:
    """Whether the server of process `pid` answers at `url` within `within` seconds (False once it has exited)."""
    deadline = time.monotonic() + within
    while True:
        if healthy(url, timeout=5.0):
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT after a stop is free
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass(frozen=True, kw_only=True)
class StartResult:
    url: str
    pid: int
    already_running: bool
    first_start: bool
    username: str
    credentials: Path
    data: Path
    seconds: float


def start(cfg: StudioConfig) -> StartResult:
    """Start the project's server (or find it running); the first start creates the administrator. Two starts
    at once make one server: the second waits for the first and finds its server running."""
    private_folder(cfg.data)
    fd = os.open(cfg.data / START_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return _start(cfg)
    finally:
        os.close(fd)


def _start(cfg: StudioConfig) -> StartResult:
    begun = time.monotonic()
    creds = read_credentials(cfg.data)
    pid = _pid(cfg)
    if pid is not None and creds is not None:
        # Ours and alive: a busy server may answer slowly, so wait for it rather than start a second one.
        if not _answers(creds.url, pid, cfg.startup_timeout):
            raise AnnotError(
                f"Label Studio (pid {pid}) is running but does not answer on {creds.url}",
                f"Stop it (annot studio stop) and start it again; its log: {cfg.data / LOG_FILE}",
            )
        return StartResult(
            url=creds.url,
            pid=pid,
            already_running=True,
            first_start=False,
            username=creds.username,
            credentials=cfg.data / CREDENTIALS,
            data=cfg.data,
            seconds=0.0,
        )
    if _server_lock_held(cfg):
        raise AnnotError(
            f"a Label Studio server started by annot still holds {cfg.data / SERVER_LOCK}, but its pid file is gone",
            f"Find it (ps -ef | grep label-studio) and stop it; a second server on {cfg.data} would corrupt its data.",
        )
    exe = label_studio_executable()
    first = creds is None
    if creds is None:
        creds = Credentials(
            url=cfg.url, username=ADMIN, password=secrets.token_urlsafe(16), api_key=secrets.token_hex(20)
        )
    elif creds.url != cfg.url:  # another port this time: keep the account, move the URL
        creds = Credentials(url=cfg.url, username=creds.username, password=creds.password, api_key=creds.api_key)
    if not _port_free(cfg.port):
        raise AnnotError(
            f"port {cfg.port} on {HOST} is in use by another program",
            f"Start on another port: annot studio start --port {cfg.port + 1} (or set `port` in configs/studio.toml).",
        )
    cred_path = _write_credentials(cfg.data, creds)  # makes the data folder private too
    log = cfg.data / LOG_FILE
    lock = os.open(cfg.data / SERVER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: checked above, under the start lock
        with open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as fh:
            proc = subprocess.Popen(
                [exe, "start", "--no-browser", "--internal-host", HOST, "--port", str(cfg.port)],
                env=_env(cfg, creds),
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the command; `annot studio stop` ends it
                umask=PRIVATE_UMASK,
                pass_fds=(lock,),  # the server holds the data folder's lock for as long as it runs
            )
    finally:
        os.close(lock)  # the server's copy keeps the lock
    _write_pid(cfg, proc.pid)
    deadline = time.monotonic() + cfg.startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (cfg.data / PID_FILE).unlink(missing_ok=True)
            raise AnnotError(
                f"Label Studio exited with code {proc.returncode} while starting",
                f"Read its log: {log}",
            )
        if healthy(creds.url):
            return StartResult(
                url=creds.url,
                pid=proc.pid,
                already_running=False,
                first_start=first,
                username=creds.username,
                credentials=cred_path,
                data=cfg.data,
                seconds=time.monotonic() - begun,
            )
        time.sleep(0.5)
    _terminate(proc.pid)
    (cfg.data / PID_FILE).unlink(missing_ok=True)
    raise AnnotError(
        f"Label Studio did not answer on {creds.url} within {cfg.startup_timeout:.0f} s",
        f"Read its log: {log}; a first start migrates its database and is the slowest.",
    )


def _terminate(pid: int, wait: float = 20.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:  # reap it when it is our child (the tests start and stop in one process)
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop(cfg: StudioConfig) -> int | None:
    """Stop the project's server; the pid it had, or None when it was not running. Only a process proved to be
    that server is signalled (`_pid`): never a process that got its pid after it died."""
    pid = _pid(cfg)
    if pid is None:
        return None
    _terminate(pid)
    (cfg.data / PID_FILE).unlink(missing_ok=True)
    return pid


@dataclass(frozen=True, kw_only=True)
class StudioState:
    running: bool
    url: str | None
    pid: int | None
    data: Path
    username: str | None


def state(cfg: StudioConfig) -> StudioState:
    """Whether the project's server runs, where, and whose account the tools use."""
    creds = read_credentials(cfg.data)
    pid = _pid(cfg)
    running = pid is not None and creds is not None and _answers(creds.url, pid, 20.0)
    return StudioState(
        running=running,
        url=None if creds is None else creds.url,
        pid=pid if running else None,
        data=cfg.data,
        username=None if creds is None else creds.username,
    )


def check_email(email: str) -> str:
    """`email` when it can be a Label Studio account (an e-mail address), else an AnnotError.

    >>> check_email("alice@example.org")
    'alice@example.org'
    """
    if not _EMAIL.match(email):
        raise AnnotError(f"{email!r} is not an e-mail address", "Label Studio accounts are e-mail addresses.")
    return email


def _ls_command(cfg: StudioConfig, args: list[str], env: dict[str, str], stdin: str | None = None) -> Any:
    """Run one of Label Studio's own commands on the project's data (the running server holds SQLite's write lock
    now and then: wait and try again). Secrets go in `env` or `stdin`, never in `args`."""
    for attempt in range(3):
        run = subprocess.run(
            [label_studio_executable(), *args],
            env=env,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,  # no terminal: a password prompt reads standard input
            umask=PRIVATE_UMASK,
        )
        if run.returncode == 0 or "database is locked" not in run.stderr or attempt == 2:
            return run
        time.sleep(2.0 * (attempt + 1))
    return run


def _server_env(cfg: StudioConfig) -> tuple[dict[str, str], Credentials]:
    creds = read_credentials(cfg.data)
    if creds is None:
        raise AnnotError("the project's Label Studio server was never started", "Run: annot studio start")
    env = _env(cfg, creds)
    for key in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN"):
        env.pop(key)  # the administrator's: never given to another account
    return env, creds


def new_password() -> str:
    """A random password that no command line could take for an option (it never starts with '-')."""
    while True:
        password = secrets.token_urlsafe(12)
        if password[0].isalnum():
            return password


def add_user(cfg: StudioConfig, email: str) -> str:
    """Create an annotator account on the project's server (Label Studio's own `init` command); its password.

    The address and the password reach `label-studio init` through its environment (LABEL_STUDIO_USERNAME,
    LABEL_STUDIO_PASSWORD), which only this user can read, not through its command line.
    """
    check_email(email)
    env, _ = _server_env(cfg)
    password = new_password()
    env.update(LABEL_STUDIO_USERNAME=email, LABEL_STUDIO_PASSWORD=password)
    run = _ls_command(cfg, ["init", "--quiet"], env)
    if run.returncode != 0:
        raise AnnotError(
            f"Label Studio could not create {email}",
            run.stderr.strip().splitlines()[-1:][0] if run.stderr.strip() else "",
        )
    if "already exists" in run.stdout:
        raise AnnotError(f"{email} already has an account", "Each annotator gets one account; pick another address.")
    return password


def reset_password(cfg: StudioConfig, email: str) -> str:
    """Give an account of the project's server a new random password (Label Studio's `reset_password`); it.

    The password reaches the command on its standard input (its prompt), never on its command line.
    """
    check_email(email)
    env, _ = _server_env(cfg)
    password = new_password()
    run = _ls_command(cfg, ["reset_password", "--username", email], env, stdin=password + "\n")
    if run.returncode != 0 or "not found" in run.stdout:
        raise AnnotError(
            f"{email} has no account on the project's server"
            if "not found" in run.stdout
            else f"Label Studio could not reset the password of {email}",
            "List the accounts: annot studio user list",
        )
    return password
