"""`transaction(con)`: begin … commit, rollback on any error — the one way nq57 writes in a transaction.

Spelled `db.transaction` everywhere (db re-exports it); it lives in this leaf module only because
snapshots.py needs it and db imports snapshots. `storage.transaction` builds on it to turn a full
disk into a Vietnamese message. db sets the two hooks for a store that needs them (nq57/lake.py):
`on_begin` runs first in every transaction, `translate` turns a store's error into one of the
exceptions below.
"""
from __future__ import annotations

import functools
import random
import threading
import time
import weakref
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

import duckdb


class WriteConflict(duckdb.TransactionException):
    """Another server committed a write at the same moment; nothing of this one was stored and
    the whole write may simply be run again (the command line does, nq57/cli.py)."""


class StoreUnreachable(RuntimeError):
    """The shared store cannot be reached; nothing was stored. The message is for a person."""


on_begin: Callable[[duckdb.DuckDBPyConnection], None] | None = None
translate: Callable[[duckdb.DuckDBPyConnection, BaseException], BaseException | None] | None = None

# The connections inside transaction() now (audit.record and a sign-in attempt open one of their
# own otherwise), and how deep this thread is in retrying() (only the outermost call reruns).
_open: weakref.WeakSet = weakref.WeakSet()
_retrying = threading.local()
T = TypeVar("T")


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    return con in _open


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, rollback when it raises (also on
    KeyboardInterrupt), then re-raise. A `return` inside the block commits. A failed commit has
    already rolled back in DuckDB, so the rollback here may fail too; that never hides the cause."""
    con.execute("begin transaction")
    _open.add(con)
    try:
        if on_begin is not None:
            on_begin(con)
        yield con
        con.execute("commit")
    except BaseException as error:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass
        meant = translate(con, error) if translate is not None else None
        if meant is not None:
            raise meant from error
        raise
    finally:
        _open.discard(con)


ATTEMPTS = 8


def retrying(run: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """run(), again (up to `attempts` times) while it loses a write to another server
    (WriteConflict: nothing of it was stored). Nested calls just run: the outermost one reruns
    the whole write, which reads the store afresh each time. The pause grows and is jittered,
    so writers that collided do not collide again in step."""
    if getattr(_retrying, "depth", 0):
        return run()
    _retrying.depth = 1
    try:
        for attempt in range(1, attempts):
            try:
                return run()
            except WriteConflict:
                time.sleep(random.uniform(0.05, 0.2) * attempt)
        return run()
    finally:
        _retrying.depth = 0


def retried(write: Callable[..., T]) -> Callable[..., T]:
    """A write of the core (an import, a rollback, a review …) rerun whole on a WriteConflict,
    whoever calls it: the web pages and the command line alike."""
    @functools.wraps(write)
    def run(*args, **kwargs):
        return retrying(lambda: write(*args, **kwargs))
    return run


def atomically(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """work() inside the caller's transaction, or in one of its own (retried) when there is none:
    on the lake only a transaction makes an id allocated by the writer unique (nq57/lake.py)."""
    if in_transaction(con):
        return work()

    def once() -> T:
        with transaction(con):
            return work()
    return retrying(once)
