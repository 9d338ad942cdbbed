"""Fresh ids for the tables whose ids a sequence gives in queries/schema.sql (db.new_id …).

In a file, the table's sequence; on the lake, which has none, the highest id + 1, safe because
the lake's write transactions are serialised (nq57/lake.py). Imported by db only.
"""
from __future__ import annotations

import functools
from pathlib import Path

import duckdb

from nq57 import lake

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "queries" / "schema.sql"


@functools.cache
def id_columns() -> dict[str, tuple[str, str]]:
    """table -> (id column, sequence), read from schema.sql once, when first needed (not at import)."""
    return lake.id_columns(SCHEMA_FILE.read_text(encoding="utf-8"))


def new_ids(con: duckdb.DuckDBPyConnection, table: str, count: int = 1) -> list[int]:
    """`count` fresh ids for rows of `table`, to be written in the same transaction."""
    column, sequence = id_columns()[table]
    if lake.in_lake(con):
        return lake.next_ids(con, table, column, count)
    return [row[0] for row in con.execute(f"select nextval('{sequence}') from range(?)", [count]).fetchall()]


def new_id(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return new_ids(con, table)[0]


def sync_ids(con: duckdb.DuckDBPyConnection) -> None:
    """After rows were written with explicit ids (demo, migrate): move each sequence past them."""
    if lake.in_lake(con):
        return
    for table, (column, sequence) in id_columns().items():
        highest = con.execute(f"select coalesce(max({column}), 0) from {table}").fetchall()[0][0]
        current = con.execute(f"select nextval('{sequence}')").fetchall()[0][0]
        if current <= highest:
            con.execute(f"select max(nextval('{sequence}')) from range(?)", [highest - current + 1])
