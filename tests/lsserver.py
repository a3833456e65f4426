"""Start a real Label Studio server on 127.0.0.1 for the tests (and for trying annot by hand).

The first start migrates a template data directory (about 30 s); each server
after that starts from a copy of it (a few seconds). Run as a script to start
one server and print its URL and token: ``python tests/lsserver.py``.
"""

from __future__ import annotations

import json
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

from annot.labelstudio.studio import LOOPBACK_BACKEND_ENV

USER = "annot@example.com"
PASSWORD = "annot-test-password"
TOKEN = "annot-test-token-0123456789"


def api(env: dict[str, str], method: str, path: str, body: object | None = None) -> object:
    """One call of Label Studio's REST API (`env`: LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY), its JSON answer."""
    req = urllib.request.Request(
        env["LABEL_STUDIO_URL"] + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Token {env['LABEL_STUDIO_API_KEY']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


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
    env: dict[str, str]

    def add_user(self, email: str, password: str, token: str) -> None:
        """A second account, made by Label Studio's own `init` command on this server's data."""
        env = {k: v for k, v in self.env.items() if k not in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD")}
        env["LABEL_STUDIO_USER_TOKEN"] = token
        exe = label_studio_executable()
        assert exe is not None
        subprocess.run(
            [exe, "init", "--username", email, "--password", password, "--user-token", token, "--quiet"],
            env=env,
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(data_dir: Path, timeout: float = 180.0, extra_env: dict[str, str] | None = None) -> RunningServer:
    """Start label-studio with its data in `data_dir`, bound to 127.0.0.1 only (`extra_env` on top of annot's
    environment); wait until healthy."""
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
        **LOOPBACK_BACKEND_ENV,  # as `annot studio start` runs it: ML backends on 127.0.0.1 can connect
    )
    env.update(extra_env or {})
    log = data_dir / "server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [exe, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port), "--debug"],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = RunningServer(url, TOKEN, proc, data_dir, log, env)
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


def start_from_template(template: Path, target: Path, extra_env: dict[str, str] | None = None) -> RunningServer:
    """A server whose data starts as a copy of an already migrated `template` directory."""
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("server.log", "media"))
    return start_server(target, extra_env=extra_env)


if __name__ == "__main__":
    import tempfile

    srv = start_server(Path(tempfile.mkdtemp(prefix="annot-ls-")))
    print(f"LABEL_STUDIO_URL={srv.url}\nLABEL_STUDIO_API_KEY={srv.token}\nlog: {srv.log}\nCtrl-C to stop", flush=True)
    try:
        srv.process.wait()
    except KeyboardInterrupt:
        srv.stop()


class FaultyProxy:
    """A proxy on 127.0.0.1 in front of a real server that misbehaves on demand (faults a server will not make).

    - `fail_after_forwarding`: requests whose method and path match are forwarded (the server acts on them),
      then answered with 502, as a proxy that lost the server's answer would;
    - `reflect_headers`: every request is answered 500 with the request's headers in the body;
    - `trickle`: answers 200 and sends its body one byte every `trickle` seconds;
    - `silent`: accepts connections and never answers.
    """

    def __init__(
        self,
        target: str = "",
        *,
        fail_after_forwarding: tuple[str, str] | None = None,
        reflect_headers: bool = False,
        trickle: float = 0.0,
        silent: bool = False,
    ) -> None:
        import threading
        import urllib.error
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        proxy = self
        self.calls: list[tuple[str, str, int]] = []

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if silent:
                    time.sleep(3600)
                    return
                if reflect_headers:
                    self._send(500, ("upstream error; request was:\n" + str(self.headers)).encode())
                    return
                if trickle:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(1000):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(trickle)
                    return
                req = urllib.request.Request(target + self.path, data=body, method=self.command)
                for k, v in self.headers.items():
                    if k.lower() not in ("host", "content-length", "connection"):
                        req.add_header(k, v)
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "application/json")
                except urllib.error.HTTPError as e:
                    status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/json")
                proxy.calls.append((self.command, self.path, status))
                if (
                    fail_after_forwarding
                    and self.command == fail_after_forwarding[0]
                    and fail_after_forwarding[1] in self.path
                ):
                    self._send(502, b"<html>502 Bad Gateway</html>", "text/html")
                    return
                self._send(status, data, ctype)

            def _send(self, status: int, data: bytes, ctype: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
