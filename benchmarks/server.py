"""One way to start a Streamlit script on a free loopback port and wait until it answers: the
browser benchmark (the dashboard and the bare floor app) and the tests' live server use it."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from nq57.vnformat import vn_number


class ServerDidNotStart(RuntimeError):
    """The server never answered /_stcore/health; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(script: Path | str, cwd: Path, env: dict, log: Path, timeout: float = 90) -> tuple[subprocess.Popen, str]:
    """The server process and its base URL, once /_stcore/health answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise ServerDidNotStart(f"máy chủ Streamlit không khởi động được trong {vn_number(timeout)} giây:\n"
                            + log.read_text(errors="replace")[-2000:])
