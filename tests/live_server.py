"""One way to start the real dashboard for the tests that need a server (browser, sign-in page,
load test): `streamlit run app.py` on a free loopback port over a given database."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from benchmarks.server import ServerDidNotStart, serve

PROJECT = Path(__file__).resolve().parent.parent


def start_server(database: Path, log: Path, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """The server process and its base URL, once /_stcore/health answers; fails the test with the
    end of the server's log when it does not start."""
    try:
        return serve("app.py", PROJECT, {**os.environ, "NQ57_DB": str(database)}, log, timeout)
    except ServerDidNotStart as failure:
        pytest.fail(str(failure))


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)
