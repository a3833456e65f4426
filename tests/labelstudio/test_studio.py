"""`annot studio start | status | user add | stop` with a real Label Studio server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import shutil
import stat
from pathlib import Path

import pytest

from annot.labelstudio.studio import load_studio_config, state

from lsserver import free_port
from support import ROOT, run

pytestmark = pytest.mark.server


def _project(tmp_path: Path, ls_template: Path) -> Path:
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "schema.toml", tmp_path / "configs" / "schema.toml")
    data = tmp_path / ".studio"
    shutil.copytree(ls_template, data, ignore=shutil.ignore_patterns("server.log", "media"))
    guide = tmp_path / "guide.md"
    guide.write_text("# Guideline\n\n| type | take |\n|---|---|\n| PER | names |\n", encoding="utf-8")
    config = tmp_path / "configs" / "studio.toml"
    config.write_text(
        f'port = {free_port()}\ndata = ".studio"\ntitle = "team"\noverlap = 2\ninstructions = "guide.md"\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture
def studio(tmp_path: Path, ls_template: Path) -> Path:
    """A project folder whose studio config keeps the server's data in tmp (started from a migrated copy)."""
    config = _project(tmp_path, ls_template)
    yield config
    from annot.labelstudio.studio import stop

    stop(load_studio_config(config))


@pytest.fixture
def public_studio(ls_template: Path) -> Path:
    """The same in a folder every local user may enter (0755), as a project in a home folder usually is: what
    another user cannot read there is protected by its own mode, not by a private parent folder."""
    import tempfile

    from annot.labelstudio.studio import stop

    folder = Path(tempfile.mkdtemp(prefix="annot-public-", dir="/tmp"))
    folder.chmod(0o755)
    config = _project(folder, ls_template)
    yield config
    stop(load_studio_config(config))
    shutil.rmtree(folder, ignore_errors=True)


def test_studio_start_status_user_stop(runner, studio: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    cfg = load_studio_config(studio)
    r = run(runner, "studio", "start", "--config", studio)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith(f"Label Studio is running at {cfg.url} (pid ")
    assert lines[1].startswith("project 1 'team' created: 0 task(s), 2 annotator(s) per task")
    assert lines[2].startswith("First start: log in as admin@annot.local with the password in ")
    creds = cfg.data / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    key = json.loads(creds.read_text(encoding="utf-8"))["api_key"]
    assert key not in r.output

    again = run(runner, "studio", "start", "--config", studio)
    assert again.exit_code == 0 and again.output.startswith(f"Label Studio is already running at {cfg.url}")
    assert "project 1 'team' found" in again.output and "First start" not in again.output

    st = run(runner, "studio", "status", "--config", studio)
    assert st.exit_code == 0 and st.output.splitlines()[1] == "  project 1 'team': 0 task(s), 2 annotator(s) per task"

    # `annot ls` uses the local server's key when the environment names none (run from the project folder)
    monkeypatch.chdir(studio.parent.parent)
    ls = run(runner, "ls", "status", "1")
    assert ls.exit_code == 0, ls.output
    assert ls.output.startswith("project 1 'team': 0 task(s), 2 annotator(s) per task")

    u = run(runner, "studio", "user", "add", "alice@example.org", "--config", studio)
    assert u.exit_code == 0, u.output
    assert u.output.startswith("created alice@example.org; password (shown once, pass it on): ")
    dup = run(runner, "studio", "user", "add", "alice@example.org", "--config", studio)
    assert dup.exit_code == 2 and "alice@example.org already has an account" in dup.output

    stopped = run(runner, "studio", "stop", "--config", studio)
    assert stopped.exit_code == 0 and stopped.output.startswith("stopped Label Studio (pid ")
    assert not state(cfg).running
    st = run(runner, "studio", "status", "--config", studio)
    assert st.exit_code == 2  # scripts can tell: `annot studio status || annot studio start`
    assert st.output.startswith(f"Error: Label Studio is not running (last at {cfg.url})")
    assert "Hint: Start it: annot studio start" in st.output
    assert run(runner, "studio", "stop", "--config", studio).output.strip() == "Label Studio was not running"

    # a restart keeps the data: the same project, found again
    r = run(runner, "studio", "start", "--config", studio)
    assert r.exit_code == 0 and "project 1 'team' found" in r.output, r.output


def test_studio_refuses_a_busy_port(runner, studio: Path):
    import socket

    cfg = load_studio_config(studio)
    with socket.socket() as s:
        s.bind(("127.0.0.1", cfg.port))
        s.listen()
        r = run(runner, "studio", "start", "--config", studio)
    assert r.exit_code == 2
    assert r.output.splitlines()[0] == f"Error: port {cfg.port} on 127.0.0.1 is in use by another program"
    assert not state(cfg).running


def test_studio_config_is_checked(runner, tmp_path: Path):
    bad = tmp_path / "configs" / "studio.toml"
    bad.parent.mkdir()
    bad.write_text('port = 80\noverlap = 0\nhost = "0.0.0.0"\n', encoding="utf-8")
    r = run(runner, "studio", "status", "--config", bad)
    assert r.exit_code == 2
    assert f"  - {bad}: port: Input should be greater than or equal to 1024" in r.output
    assert f"  - {bad}: unknown key host" in r.output


def test_studio_start_keeps_a_projects_settings_and_says_what_differs(runner, studio: Path, monkeypatch):
    """A project pushed with --overlap 3 stays at 3 when the server starts again with configs/studio.toml's 2; the
    difference is reported; --apply-settings applies the file's."""
    cfg = load_studio_config(studio)
    assert run(runner, "studio", "start", "--config", studio).exit_code == 0
    creds = json.loads((cfg.data / "credentials.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("LABEL_STUDIO_URL", creds["url"])
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", creds["api_key"])
    tasks = studio.parent / "tasks.json"
    assert run(runner, "export", ROOT / "tests" / "data" / "seed_article.txt", "-o", tasks).exit_code == 0
    r = run(
        runner, "ls", "push", tasks, "--title", "team", "--overlap", "3", "--instructions", studio.parent / "guide.md"
    )
    assert r.exit_code == 0 and "3 annotator(s) per task" in r.output, r.output
    r = run(runner, "studio", "start", "--config", studio)
    assert r.exit_code == 0, r.output
    assert "project 1 'team' found: 1 task(s), 3 annotator(s) per task" in r.output
    assert "maximum_annotations is 3 in the project, 2 in the file" in r.output
    assert "To apply the file's: annot studio start --apply-settings" in r.output
    st = run(runner, "studio", "status", "--config", studio)
    assert "project 1 'team': 1 task(s), 3 annotator(s) per task" in st.output  # unchanged
    r = run(runner, "studio", "start", "--config", studio, "--apply-settings")
    assert "settings changed to those of" in r.output and "maximum_annotations" in r.output
    st = run(runner, "studio", "status", "--config", studio)
    assert "project 1 'team': 1 task(s), 2 annotator(s) per task" in st.output


def test_studio_accounts_list_reset_and_refused_addresses(runner, studio: Path):
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    cfg = load_studio_config(studio)
    assert run(runner, "studio", "start", "--config", studio).exit_code == 0
    for bad in ("@", "alice", "alice@", "a b@example.org", "x@y@z.org"):
        r = run(runner, "studio", "user", "add", bad, "--config", studio)
        assert r.exit_code == 2 and f"Error: {bad!r} is not an e-mail address" in r.output
    r = run(runner, "studio", "user", "add", "carol@example.org", "--config", studio)
    assert r.exit_code == 0, r.output
    first = r.output.strip().rsplit(" ", 1)[1]
    listed = run(runner, "studio", "user", "list", "--config", studio)
    assert listed.exit_code == 0 and "\tcarol@example.org" in listed.output and "\tadmin@annot.local" in listed.output
    r = run(runner, "studio", "user", "reset-password", "carol@example.org", "--config", studio)
    assert r.exit_code == 0, r.output
    second = r.output.strip().rsplit(" ", 1)[1]
    assert second != first
    r = run(runner, "studio", "user", "reset-password", "nobody@example.org", "--config", studio)
    assert r.exit_code == 2 and "nobody@example.org has no account" in r.output

    def logs_in(password: str) -> bool:
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{cfg.url}/user/login/").read()
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        form = urllib.parse.urlencode({"email": "carol@example.org", "password": password, "csrfmiddlewaretoken": csrf})
        req = urllib.request.Request(f"{cfg.url}/user/login/", data=form.encode(), headers={"Referer": cfg.url})
        with opener.open(req) as resp:
            return "/user/login" not in resp.geturl()

    assert logs_in(second) and not logs_in(first)


def test_studio_passwords_never_reach_a_command_line(runner, studio: Path):
    """A watcher reads every process's command line (what `ps` shows any local user) while accounts are added and
    passwords reset: the passwords never appear there."""
    import threading
    import time

    assert run(runner, "studio", "start", "--config", studio).exit_code == 0
    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for proc in Path("/proc").iterdir():
                if proc.name.isdigit():
                    with contextlib.suppress(OSError):
                        seen.add((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        added = run(runner, "studio", "user", "add", "dave@example.org", "--config", studio)
        reset = run(runner, "studio", "user", "reset-password", "dave@example.org", "--config", studio)
    finally:
        stop.set()
        watcher.join()
    passwords = [added.output.strip().rsplit(" ", 1)[1], reset.output.strip().rsplit(" ", 1)[1]]
    assert any("label-studio init" in c or "label-studio reset_password" in c for c in seen)  # the watcher saw them
    assert not [c for c in seen for p in passwords if p in c]


def test_studio_nothing_secret_is_readable_by_another_local_user(runner, public_studio: Path, monkeypatch):
    """After a team's whole workflow (start, accounts, push, pull), the user `nobody` can read no key, password,
    database, log or export of annotators' work, while a file left public beside them stays readable to it."""
    import subprocess

    cfg = load_studio_config(public_studio)
    assert run(runner, "studio", "start", "--config", public_studio).exit_code == 0
    assert run(runner, "studio", "user", "add", "erin@example.org", "--config", public_studio).exit_code == 0
    creds = json.loads((cfg.data / "credentials.json").read_text(encoding="utf-8"))
    monkeypatch.setenv("LABEL_STUDIO_URL", creds["url"])
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", creds["api_key"])
    folder = public_studio.parent.parent
    tasks, export = folder / "tasks.json", folder / "export.json"
    assert run(runner, "export", ROOT / "tests" / "data" / "seed_article.txt", "-o", tasks).exit_code == 0
    assert run(runner, "ls", "push", tasks, "--title", "team").exit_code == 0
    assert run(runner, "ls", "pull", "1", "-o", export).exit_code == 0

    def readable_by_nobody(path: Path) -> bool:
        r = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat", str(path)],
            capture_output=True,
        )
        return r.returncode == 0

    assert readable_by_nobody(tasks)  # the harness works: an ordinary file of the project is readable
    private = [export, *sorted(p for p in cfg.data.rglob("*") if p.is_file())]
    assert any(p.name.endswith(".sqlite3") for p in private) and cfg.data / "credentials.json" in private
    leaks = [p for p in private if readable_by_nobody(p)]
    assert leaks == []
    assert stat.S_IMODE(cfg.data.stat().st_mode) == 0o700
    assert stat.S_IMODE(export.stat().st_mode) == 0o600


def test_studio_stop_never_kills_a_process_that_got_the_servers_pid(runner, studio: Path):
    """The server died and its pid went to another program: `studio stop` and `studio start` must not signal it.
    A pid counts only with the start time recorded beside it (or, from annot 0.2's bare pid file, a command line
    that runs Label Studio)."""
    import os
    import subprocess
    import sys

    from annot.labelstudio.studio import PID_FILE, _start_time

    data = load_studio_config(studio).data
    data.mkdir(parents=True, exist_ok=True)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        started = _start_time(other.pid)
        assert started is not None
        for record in (
            json.dumps({"pid": other.pid, "start_time": started - 1}),  # the server's pid, reused
            str(other.pid),  # annot 0.2's pid file: the process is no Label Studio
        ):
            (data / PID_FILE).write_text(record, encoding="utf-8")
            r = run(runner, "studio", "stop", "--config", studio)
            assert r.exit_code == 0 and "not running" in r.output, r.output
            assert other.poll() is None, "an unrelated process was killed"
            assert not (data / PID_FILE).exists()
        os.kill(other.pid, 0)
    finally:
        other.kill()
        other.wait()


def test_studio_two_starts_at_once_make_one_server(runner, studio: Path):
    """Two `annot studio start` at the same time on one data folder: one server; the second finds it running."""
    import subprocess
    import sys

    annot = Path(sys.executable).parent / "annot"
    procs = [
        subprocess.Popen([str(annot), "studio", "start", "--config", str(studio)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("already running" in o for o in outs) == 1, outs
    cfg = load_studio_config(studio)
    st = state(cfg)
    assert st.running and st.pid is not None
    servers = subprocess.run(["pgrep", "-f", f"label-studio start .*--port {cfg.port}"], capture_output=True, text=True)
    assert len(servers.stdout.split()) == 1, servers.stdout
