"""The parent side of the reading child (child.py): send a file, get its sheets' cells back, or a
Vietnamese sentence when the child ran out of memory or time or died.

One long-lived child per process serves uploads one at a time (it starts in ~50 ms, but the
server should not pay that per upload); a second upload arriving while it is busy gets a child
of its own. A child that crashed, timed out or was given other limits is replaced.
"""
from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CHILD_SCRIPT = str(Path(__file__).with_name("child.py"))
HEADER_SIZE = 8
FAULT_ENV = "NQ57_READER_FAULT"       # test-only: abort | memory | hang (see child._fault)


class ReadFailed(Exception):
    """The child could not read the file; `reason` is 'time', 'memory', 'password' or 'error'."""

    def __init__(self, reason: str, sheet: str | None = None, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.sheet, self.detail = reason, sheet, detail


@dataclass
class SheetCells:
    """A sheet's cells, row-major in one flat list (python-calamine's values: str, float, bool,
    dates; '' for an empty cell)."""
    height: int
    width: int
    values: list

    def rows(self, limit: int | None = None) -> list[list]:
        count = self.height if limit is None else min(limit, self.height)
        w = self.width
        return [self.values[i * w:(i + 1) * w] for i in range(count)]

    def grid(self, first_row: int = 0):
        """Rows from first_row on as one 2-D numpy object array (no copy of the values)."""
        import numpy as np
        grid = np.empty(self.height * self.width, dtype=object)
        grid[:] = self.values
        return grid.reshape(self.height, self.width)[first_row:]


class _Child:
    def __init__(self, memory_bytes: int):
        self.memory_bytes = memory_bytes
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, CHILD_SCRIPT, str(memory_bytes)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, close_fds=True, env={**os.environ, "RUST_BACKTRACE": "0"})

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict, timeout: float) -> tuple:
        deadline = time.monotonic() + timeout
        blob = pickle.dumps(request)
        try:
            self.process.stdin.write(len(blob).to_bytes(HEADER_SIZE, "little") + blob)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died()
        header = self._read(HEADER_SIZE, deadline)
        return pickle.loads(self._read(int.from_bytes(header, "little"), deadline))

    def _read(self, size: int, deadline: float) -> bytes:
        out = self.process.stdout.fileno()
        parts, missing = [], size
        while missing:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                self.close()
                raise ReadFailed("time")
            part = os.read(out, min(missing, 1 << 20))
            if not part:
                raise self._died()
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)

    def _died(self) -> ReadFailed:
        code = self.process.wait()
        self.stderr.seek(0)
        tail = self.stderr.read(8192).decode("utf-8", "replace")   # the reason comes first, a backtrace after
        self.close()
        # a Rust allocation failure under the address-space limit prints this, then aborts
        if "memory allocation" in tail or "MemoryError" in tail or code == -signal.SIGKILL:
            return ReadFailed("memory", detail=tail)
        return ReadFailed("error", detail=f"mã thoát {code}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass


_shared: _Child | None = None
_shared_lock = threading.Lock()


def _take_shared(memory_bytes: int) -> _Child:
    global _shared
    if _shared is None or not _shared.alive() or _shared.memory_bytes != memory_bytes:
        if _shared is not None:
            _shared.close()
        _shared = _Child(memory_bytes)
    return _shared


def shutdown() -> None:
    """Stop the long-lived child (tests use it to start afresh; also at exit)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
            _shared = None


atexit.register(shutdown)


def read_cells(data: bytes, sheets: list[str], memory_bytes: int, timeout: float) -> dict[str, SheetCells]:
    """The named sheets (those present) of an xlsx that has passed the safety scan."""
    with tempfile.NamedTemporaryFile(prefix="nq57-upload-", suffix=".xlsx") as copy:
        copy.write(data)
        copy.flush()
        request = {"path": copy.name, "sheets": list(sheets), "fault": os.environ.get(FAULT_ENV) or None}
        if _shared_lock.acquire(blocking=False):
            try:
                child = _take_shared(memory_bytes)
                try:
                    response = child.ask(request, timeout)
                except ReadFailed:
                    shutdown_locked()
                    raise
            finally:
                _shared_lock.release()
        else:                            # the shared child is busy with another upload
            child = _Child(memory_bytes)
            try:
                response = child.ask(request, timeout)
            finally:
                child.close()
    kind = response[0]
    if kind == "ok":
        return {name: SheetCells(*packed) for name, packed in response[1].items()}
    if kind == "password":
        raise ReadFailed("password")
    if kind == "memory":
        raise ReadFailed("memory", sheet=response[1])
    raise ReadFailed("error", sheet=response[1], detail=f"{response[2]}: {response[3]}")


def shutdown_locked() -> None:
    """Drop the shared child after a failure (the caller holds the lock)."""
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None
