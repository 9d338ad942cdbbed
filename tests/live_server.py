"""One way to start the real dashboard for the tests that need a server (browser, sign-in page,
load test): `streamlit run app.py` on a free loopback port over a given database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database: Path, log: Path, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """The server process and its base URL, once /_stcore/health answers; fails the test with the
    end of the server's log when it does not start."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=PROJECT, env={**os.environ, "NQ57_DB": str(database)}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    pytest.fail(f"streamlit did not start within {timeout:.0f} s:\n" + log.read_text(errors="replace")[-2000:])


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)
