"""`deploy/local-cluster.sh up|status|down` as an operator runs it (issue #13), on the small
province demo (`up --from FILE`; the script's default stays the national demo): the pages answer
through nginx, a second `up` says the cluster is already up, `status` tells the truth, and `down`
leaves no PostgreSQL, replica or nginx process and no pid file behind.

Skipped only outside CI when PostgreSQL, nginx or chromium is missing (.ci/run installs them)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests import cluster_nodes, lake_server
from tests.test_browser import CHROMIUM, browser  # noqa: F401  (browser is a fixture)
from tests.test_cluster import _required, _uploads_shown

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "deploy" / "local-cluster.sh"


def _script(folder: Path, *arguments: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """The script with its output piped, as a caller capturing it would (a server that kept the
    pipe open would hang this call until the timeout)."""
    return subprocess.run(["bash", str(SCRIPT), *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "NQ57_CLUSTER_DIR": str(folder),
                                                "NQ57_PYTHON": sys.executable})


def _running(pid: int) -> bool:
    """A process that exists and is not a zombie (a dead child nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _pids(folder: Path) -> dict[str, int]:
    """Every server the script started, by the files it keeps: replicas, nginx, PostgreSQL."""
    pids = {path.stem: int(path.read_text().split()[0]) for path in folder.glob("replica*.pid")}
    pids["nginx"] = int((folder / "nginx" / "nginx.pid").read_text().split()[0])
    pids["postgresql"] = int((folder / "pg" / "postmaster.pid").read_text().splitlines()[0])
    return pids


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=3)
        return True
    except OSError:
        return False


def test_local_cluster_up_status_up_again_down(demo_db_path, browser):
    if lake_server.binaries() is None:
        _required("PostgreSQL", "apt-get install postgresql")
    if cluster_nodes.nginx_binary() is None:
        _required("nginx", "apt-get install nginx")
    if CHROMIUM is None:
        _required("chromium", "apt-get install chromium")
    # not pytest's tmp_path: its folders are private to root, and PostgreSQL runs as `postgres`
    parent = Path(tempfile.mkdtemp(prefix="nq57-local-cluster-"))
    parent.chmod(0o755)
    folder = parent / "cluster"
    try:
        started = _script(folder, "up", "--replicas", "2", "--from", str(demo_db_path))
        assert started.returncode == 0, started.stdout + started.stderr
        url = (folder / "url").read_text().strip()
        assert f"Địa chỉ: {url}" in started.stdout
        pids = _pids(folder)
        assert len(pids) == 4 and all(_running(pid) for pid in pids.values()), pids

        # the pages answer through nginx, drawn in chromium, on both replicas (new sessions spread)
        replicas = {(folder / f"replica{n}.port").read_text().strip() for n in (1, 2)}
        seen, count = set(), None
        for _ in range(8):
            shown, replica = _uploads_shown(browser, url)
            assert count in (None, shown)  # the same figures whichever replica answers
            count = shown
            seen.add(replica.rsplit(":", 1)[1])
        assert seen <= replicas and len(seen) == 2, seen

        status = _script(folder, "status", timeout=60)
        assert status.returncode == 0, status.stdout + status.stderr
        for part in ("postgresql", "replica1", "replica2", "nginx"):
            assert any(line.startswith(part) and line.endswith("đang chạy") for line in status.stdout.splitlines()), \
                status.stdout

        clock = time.monotonic()
        again = _script(folder, "up", "--replicas", "2", "--from", str(demo_db_path), timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "Cụm đã chạy rồi" in again.stdout and url in again.stdout
        assert time.monotonic() - clock < 20
        assert _pids(folder) == pids  # nothing started twice

        # one replica gone: status says so (and exits 1), it does not report a healthy cluster
        os.kill(pids["replica2"], 9)
        deadline = time.monotonic() + 10
        while _running(pids["replica2"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        broken = _script(folder, "status", timeout=60)
        assert broken.returncode == 1
        assert any(line.startswith("replica2") and line.endswith("đã dừng") for line in broken.stdout.splitlines())

        stopped = _script(folder, "down", timeout=120)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        left = {name: pid for name, pid in pids.items() if _running(pid)}
        assert left == {}, f"still running after down: {left}"
        assert not folder.exists()  # pid files, logs and the lake with it
        assert not _answers(f"{url}/_stcore/health")
        after = _script(folder, "status", timeout=60)
        assert after.returncode == 3 and "cụm không chạy" in after.stdout
    finally:
        if folder.exists():
            _script(folder, "down", timeout=120)
        shutil.rmtree(parent, ignore_errors=True)
