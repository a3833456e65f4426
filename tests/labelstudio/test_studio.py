"""`annot studio start | status | user add | stop` with a real Label Studio server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from annot.labelstudio.studio import load_studio_config, state

from lsserver import free_port
from support import ROOT, run

pytestmark = pytest.mark.server


@pytest.fixture
def studio(tmp_path: Path, ls_template: Path) -> Path:
    """A project folder whose studio config keeps the server's data in tmp (started from a migrated copy)."""
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
    yield config
    from annot.labelstudio.studio import stop

    stop(load_studio_config(config))


def test_studio_start_status_user_stop(runner, studio: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    cfg = load_studio_config(studio)
    r = run(runner, "studio", "start", "--config", studio)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith(f"Label Studio is running at {cfg.url} (pid ")
    assert lines[1].startswith("project 1 'team' created: 0 task(s), 2 annotator(s) per task, the guideline")
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
    assert st.output.startswith(f"Label Studio is not running (last at {cfg.url})")
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
