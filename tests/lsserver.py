"""Start a real Label Studio server on 127.0.0.1 for the tests (and for trying annot by hand).

The first start migrates a template data directory (about 30 s); each server
after that starts from a copy of it (a few seconds). Run as a script to start
one server and print its URL and token: ``python tests/lsserver.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

USER = "annot@example.com"
PASSWORD = "annot-test-password"
TOKEN = "annot-test-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def label_studio_executable() -> str | None:
    exe = Path(sys.executable).with_name("label-studio")
    return str(exe) if exe.exists() else shutil.which("label-studio")


@dataclass
class RunningServer:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(data_dir: Path, timeout: float = 180.0) -> RunningServer:
    """Start label-studio with its data in `data_dir`, bound to 127.0.0.1 only; wait until healthy."""
    exe = label_studio_executable()
    if exe is None:
        raise RuntimeError("label-studio is not installed: pip install -e '.[server]'")
    port = free_port()
    home = data_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "POSTGRE", "DJANGO_"))}
    for bare in ("USERNAME", "PASSWORD", "PORT", "HOST"):  # the settings loader reads these too
        env.pop(bare, None)
    env.update(
        HOME=str(home),
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_HOST=url,
        LABEL_STUDIO_USERNAME=USER,
        LABEL_STUDIO_PASSWORD=PASSWORD,
        LABEL_STUDIO_USER_TOKEN=TOKEN,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LATEST_VERSION_CHECK="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        COLLECT_ANALYTICS="false",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
    )
    log = data_dir / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [exe, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port), "--debug"],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = RunningServer(url, TOKEN, proc, data_dir, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"label-studio exited with {proc.returncode}; log: {log}\n" + log.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(f"{url}/health/", timeout=2) as r:
                if b"UP" in r.read():
                    return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"label-studio did not become healthy in {timeout} s; log: {log}")


def start_from_template(template: Path, target: Path) -> RunningServer:
    """A server whose data starts as a copy of an already migrated `template` directory."""
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("server.log", "media"))
    return start_server(target)


if __name__ == "__main__":
    import tempfile

    srv = start_server(Path(tempfile.mkdtemp(prefix="annot-ls-")))
    print(f"LABEL_STUDIO_URL={srv.url}\nLABEL_STUDIO_API_KEY={srv.token}\nlog: {srv.log}\nCtrl-C to stop", flush=True)
    try:
        srv.process.wait()
    except KeyboardInterrupt:
        srv.stop()
