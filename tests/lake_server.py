"""A real PostgreSQL server for the lake tests: initdb into a temporary folder and pg_ctl on a free
port, as the `postgres` user when the tests run as root (the server refuses root)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """The folder of Debian's initdb/pg_ctl/psql, or None when PostgreSQL is not installed."""
    for candidate in [shutil.which("initdb"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)]:
        if candidate and Path(candidate).exists():
            folder = Path(os.path.realpath(candidate)).parent
            if (folder / "pg_ctl").exists() and (folder / "psql").exists():
                return folder
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="nq57-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.databases = 0

    def _run(self, tool: str, *arguments: str) -> str:
        command = [str(self.bin / tool), *arguments]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed: {done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def new_store(self) -> tuple[str, str]:
        """A fresh database for one lake: (NQ57_STORE, NQ57_DATA_PATH)."""
        self.databases += 1
        name = f"lake{self.databases}"
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc", f"create database {name}")
        data_path = self.folder / f"{name}-files"
        data_path.mkdir()
        return f"ducklake:postgres:dbname={name} host=127.0.0.1 port={self.port} user=postgres", str(data_path)

    def remove(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
