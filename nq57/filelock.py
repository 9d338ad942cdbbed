"""Writer priority between processes on one embedded DuckDB file.

DuckDB lets one process open a file for writing at a time. The dashboard keeps the file open
while its visitors' pages run (db.keep_open), so with enough visitors a command-line import
could wait forever for DuckDB's own lock. This module adds one rule around that lock, nothing
more: a process that wants the file (the command line, a script) first takes the *intent lock*,
an exclusive `flock` on `<database>.writer` beside the database, and holds it while it has the
file open. The dashboard probes the intent lock (non-blocking, a few microseconds) before every
new connection; while a claim is pending it opens no new connection, closes its kept-open
database as soon as its current connections finish, and waits (bounded) for the claim to end.

Claimants queue on the intent lock itself, so two imports run one after the other.
`flock` locks belong to an open file description and vanish when the process dies, so a killed
import never leaves the dashboard waiting.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

POLL_SECONDS = 0.05


class Busy(Exception):
    """The intent lock was not free within the time allowed."""


def intent_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".writer")


def writer_pending(db_path: Path) -> bool:
    """True while another process holds the intent lock of this database."""
    try:
        fd = os.open(intent_path(db_path), os.O_RDONLY)
    except FileNotFoundError:
        return False  # no process ever claimed it; the reader never creates the file
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock just taken
    return False


def wait_while_pending(db_path: Path, timeout: float) -> bool:
    """Wait until no claim is pending; False when one still is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while writer_pending(db_path):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


class _Claim:
    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.count = 0
        self.fd: int | None = None


_claims: dict[str, _Claim] = {}
_claims_guard = threading.Lock()


@contextmanager
def claim(db_path: Path, timeout: float, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the intent lock of this database (taken once per process: threads and nested
    connections share it). Waits up to `timeout` seconds for another claimant, calling
    on_wait once if it has to; raises Busy after that."""
    key = str(db_path.resolve())
    with _claims_guard:
        entry = _claims.setdefault(key, _Claim())
    with entry.guard:
        if entry.count == 0:
            entry.fd = _lock_exclusive(intent_path(db_path), timeout, on_wait)
        entry.count += 1
    try:
        yield
    finally:
        with entry.guard:
            entry.count -= 1
            if entry.count == 0 and entry.fd is not None:
                os.close(entry.fd)  # releases the flock
                entry.fd = None


def _lock_exclusive(path: Path, timeout: float, on_wait: Callable[[], None] | None) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise Busy(str(path))
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(POLL_SECONDS)
