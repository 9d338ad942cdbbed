"""`transaction(con)`: begin … commit, rollback on any error — the one way nq57 writes in a transaction.

Spelled `db.transaction` everywhere (db re-exports it); it lives in this leaf module only because
snapshots.py needs it and db imports snapshots. `storage.transaction` builds on it to turn a full
disk into a Vietnamese message. db sets the two hooks for a store that needs them (nq57/lake.py):
`on_begin` runs first in every transaction, `translate` turns a store's error into one of the
exceptions below.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

import duckdb


class WriteConflict(duckdb.TransactionException):
    """Another server committed a write at the same moment; nothing of this one was stored and
    the whole write may simply be run again (the command line does, nq57/cli.py)."""


class StoreUnreachable(RuntimeError):
    """The shared store cannot be reached; nothing was stored. The message is for a person."""


on_begin: Callable[[duckdb.DuckDBPyConnection], None] | None = None
translate: Callable[[duckdb.DuckDBPyConnection, BaseException], BaseException | None] | None = None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, rollback when it raises (also on
    KeyboardInterrupt), then re-raise. A `return` inside the block commits. A failed commit has
    already rolled back in DuckDB, so the rollback here may fail too; that never hides the cause."""
    con.execute("begin transaction")
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


def retrying(run, attempts: int = 5):
    """run(), again (up to `attempts` times) while it loses a write to another server (WriteConflict)."""
    for attempt in range(1, attempts):
        try:
            return run()
        except WriteConflict:
            time.sleep(0.2 * attempt)
    return run()
