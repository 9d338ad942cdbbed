"""A local cluster for the cluster tests and `bench --cluster`: dashboard replicas on one lake and
nginx in front of them (deploy/nginx.conf, rendered here as deploy/local-cluster.sh renders it).
nginx runs with a config and pid/log folder of its own on a free port, as www-data when root."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.server import free_port, serve

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def replica_env(store: str, data_path: str) -> dict:
    """What every replica shares: the lake, its files, and the sign-in cookie secret."""
    return {**os.environ, "NQ57_STORE": store, "NQ57_DATA_PATH": data_path,
            "NQ57_COOKIE_SECRET": os.environ.get("NQ57_COOKIE_SECRET", "nq57-cluster-tests-secret"),
            # Streamlit's own cookie secret, shared too (its docs: every replica behind one address)
            "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET", "nq57-cluster-streamlit")}


def start_replica(store: str, data_path: str, log: Path, timeout: float = 120) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on the lake, once /_stcore/health answers: (process, base URL)."""
    return serve("app.py", PROJECT, replica_env(store, data_path), log, timeout)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def render(template: str, run_dir: str, listen: str, ports: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in ports)
    return template.replace("{{RUN_DIR}}", run_dir).replace("{{LISTEN}}", listen).replace("{{SERVERS}}", servers)


class Nginx:
    """nginx over the given replica ports, on a free loopback port; stop() ends it."""

    def __init__(self, ports: list[int], binary: str):
        self.binary = binary
        self.folder = Path(tempfile.mkdtemp(prefix="nq57-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = self.folder / "nginx.conf"
        self.conf.write_text(render(TEMPLATE.read_text(), str(self.folder), f"127.0.0.1:{self.port}", ports))
        self.as_root = os.geteuid() == 0
        if self.as_root:  # nginx needs no root on a high port: its own unprivileged user
            shutil.chown(self.folder, "www-data")
            shutil.chown(self.conf, "www-data")

    def _run(self, *arguments: str) -> subprocess.CompletedProcess:
        command = [self.binary, "-p", str(self.folder), "-c", str(self.conf), *arguments]
        if self.as_root:
            command = ["runuser", "-u", "www-data", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=30)

    def start(self, timeout: float = 20) -> None:
        done = self._run()
        if done.returncode != 0:
            raise RuntimeError(f"nginx did not start: {done.stderr}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # nginx answers (a replica may not yet)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("nginx does not answer: " + self.log_tail())

    def log_tail(self) -> str:
        log = self.folder / "error.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def _halt(self) -> None:
        if (self.folder / "nginx.pid").exists():
            self._run("-s", "stop")
            deadline = time.monotonic() + 10
            while (self.folder / "nginx.pid").exists() and time.monotonic() < deadline:
                time.sleep(0.1)

    def restart(self, down_seconds: float = 1) -> None:
        """Stop nginx, leave it down a moment (clients lose their connections), start it again."""
        self._halt()
        time.sleep(down_seconds)
        self.start()

    def stop(self) -> None:
        self._halt()
        shutil.rmtree(self.folder, ignore_errors=True)


def replica_of(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """Which replica nginx sent a request to (X-NQ57-Replica) and the route cookie it set."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        routes = [value.split(";")[0] for value in answer.headers.get_all("Set-Cookie") or []
                  if value.startswith("nq57_replica=")]
        return answer.headers["X-NQ57-Replica"], routes[0] if routes else None
