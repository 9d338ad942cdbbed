"""`transaction(con)`: begin … commit, rollback on any error — the one way nq57 writes in a transaction.

Spelled `db.transaction` everywhere (db re-exports it); it lives in this leaf module only because
snapshots.py needs it and db imports snapshots. `storage.transaction` builds on it to turn a full
disk into a Vietnamese message.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: commit when the block ends, rollback when it raises (also on
    KeyboardInterrupt), then re-raise. A `return` inside the block commits. A failed commit has
    already rolled back in DuckDB, so the rollback here may fail too; that never hides the cause."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass
        raise
