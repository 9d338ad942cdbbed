"""DuckLake over PostgreSQL: the shared store of several app servers (NQ57_STORE=ducklake:postgres:…).

Only nq57/db.py imports this module; everything else asks db for a connection and cannot tell the
stores apart. The catalogue (tables, snapshots, which Parquet files hold which rows) lives in
PostgreSQL, the rows as Parquet files under NQ57_DATA_PATH.

DuckLake has no keys, no unique constraints and no sequences, so its form of the schema is
generated from queries/schema.sql (schema_form) and db makes up for them:
- every write transaction first bumps the one row of `lake_writes`. DuckLake refuses to commit a
  transaction whose rows another committed transaction changed meanwhile, so two writers that
  overlap conflict and the later one is rolled back whole and retried (db.WriteConflict). Writers
  are thereby serialised, which makes the rest safe:
- ids are the table's highest id + 1, read in the writing transaction (new_ids);
- uniqueness is checked by the writers before they insert, in that same transaction.
"""
from __future__ import annotations

import importlib
import re
import threading
from contextlib import contextmanager
from typing import Iterator
import weakref
from pathlib import Path

import duckdb

from nq57.transaction import StoreUnreachable, WriteConflict, in_transaction

PREFIX = "ducklake:"
ALIAS = "lake"
WRITES_TABLE = "lake_writes"
# The PyPI packages that carry the extensions, and the file each one loads (the postgres
# extension's entry point is postgres_scanner whatever its package calls the file).
EXTENSIONS = {"duckdb_extension_postgres_scanner": "postgres_scanner", "duckdb_extension_ducklake": "ducklake"}

UNREACHABLE = ("không kết nối được kho dữ liệu chung (DuckLake trên PostgreSQL): {detail}. "
               "Không có gì được ghi; kiểm tra máy chủ PostgreSQL rồi thử lại.")
_UNREACHABLE_HINTS = ("connection", "could not connect", "server closed", "connect to", "no connection",
                      "terminating", "pq", "socket", "postgres")


def is_lake(target: str | None) -> bool:
    return bool(target) and str(target).startswith(PREFIX)


def extension_files() -> list[Path]:
    """The extension files of the pinned PyPI packages, for this DuckDB version."""
    found = []
    for package, name in EXTENSIONS.items():
        folder = Path(importlib.import_module(package).__file__).parent
        found.append(folder / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension")
    return found


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# One DuckDB instance per process and store, with the lake attached once: attaching reads the
# catalogue from PostgreSQL; each connection is a cursor of it (own transaction, temp schema and
# variables, like a new connection to a file).
_instances: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}
_guard = threading.Lock()
_lake_connections: weakref.WeakSet = weakref.WeakSet()


def connect(store: str, data_path: str, config: dict) -> duckdb.DuckDBPyConnection:
    key = (store, data_path)
    with _guard:
        instance = _instances.get(key)
        if instance is None:
            instance = duckdb.connect(":memory:", config=config)
            try:
                for file in extension_files():
                    instance.execute(f"load {_literal(str(file))}")
                options = f" (data_path {_literal(data_path)})" if data_path else ""
                instance.execute(f"attach {_literal(store)} as {ALIAS}{options}")
            except duckdb.Error:
                instance.close()
                raise
            _instances[key] = instance
    con = instance.cursor()
    con.execute(f"use {ALIAS}")
    _lake_connections.add(con)
    return con


@contextmanager
def session(store: str, data_path: str, config: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    """db.connect on the lake. PostgreSQL unreachable is StoreUnreachable (a Vietnamese message)
    and the process attaches afresh next time, so it recovers by itself when the server is back."""
    try:
        con = connect(store, data_path, config)
    except duckdb.Error as problem:
        forget(store, data_path)
        raise StoreUnreachable(unreachable(problem) or UNREACHABLE.format(detail=problem)) from problem
    try:
        yield con
    except (duckdb.Error, StoreUnreachable) as problem:
        message = str(problem) if isinstance(problem, StoreUnreachable) else unreachable(problem)
        if message is None:
            raise
        forget(store, data_path)
        raise StoreUnreachable(message) from problem
    finally:
        try:
            con.close()
        except duckdb.Error:
            pass


def forget(store: str, data_path: str) -> None:
    """Drop the process's instance of this store (after the server went away: attach again)."""
    with _guard:
        instance = _instances.pop((store, data_path), None)
    if instance is not None:
        try:
            instance.close()
        except duckdb.Error:
            pass


def unreachable(error: BaseException) -> str | None:
    """The Vietnamese message when an error means PostgreSQL cannot be reached, else None."""
    if not isinstance(error, duckdb.Error):
        return None
    text = " ".join(str(error).split())
    if not any(hint in text.lower() for hint in _UNREACHABLE_HINTS):
        return None
    # DuckDB's own words are English: the reader gets the server's address, the log the full error
    host, port = re.search(r"host=([^\s\"]+)", text), re.search(r"port=(\d+)", text)
    where = (f"máy chủ {host.group(1)}" + (f", cổng {port.group(1)}" if port else "")) if host else "máy chủ"
    return UNREACHABLE.format(detail=f"{where} không trả lời")


def is_conflict(error: BaseException) -> bool:
    """A commit DuckLake refused because another transaction committed a change to the same rows."""
    return isinstance(error, duckdb.Error) and "conflict" in str(error).lower()


def in_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """True for a connection this module opened (a set lookup: called in every transaction)."""
    return con in _lake_connections


# ---- the schema's DuckLake form, generated from queries/schema.sql ----

_SEQUENCE = re.compile(r"^create sequence if not exists \w+;\n", re.MULTILINE)
_DEFAULT_NEXTVAL = re.compile(r" default nextval\('\w+'\)")
_INLINE_KEY = re.compile(r" primary key\b(?! *\()")
_TABLE_KEY = re.compile(r",([ \t]*--[^\n]*)?\n[ \t]*(?:primary key|unique) *\([^)]*\)")
_ID_COLUMN = re.compile(
    r"create table if not exists (\w+) \(\s*(\w+)\s+\w+ primary key default nextval\('(\w+)'\)")


def schema_form(sql: str) -> str:
    """queries/schema.sql without what DuckLake refuses (sequences, primary keys, unique
    constraints), plus the writers' table; every column, type, default and comment kept."""
    form = _SEQUENCE.sub("", sql)
    form = _DEFAULT_NEXTVAL.sub("", form)
    form = _TABLE_KEY.sub(lambda match: match.group(1) or "", form)
    form = _INLINE_KEY.sub(" not null", form)  # a key column is never null
    return form + (f"\n-- DuckLake only: bumped by every write transaction, so overlapping writers conflict.\n"
                   f"create table if not exists {WRITES_TABLE} (writes bigint not null);\n"
                   f"insert into {WRITES_TABLE} select 0 where not exists (select 1 from {WRITES_TABLE});\n")


def id_columns(sql: str) -> dict[str, tuple[str, str]]:
    """{table: (id column, sequence)} of every table whose id a sequence gives in schema.sql."""
    return {table: (column, sequence) for table, column, sequence in _ID_COLUMN.findall(sql)}


CONFLICT_MESSAGE = "một máy chủ khác vừa ghi cùng lúc; thay đổi này chưa được ghi, hãy chạy lại"


def on_begin(con: duckdb.DuckDBPyConnection) -> None:
    """The first statement of every write transaction on the lake (see the module docstring)."""
    if in_lake(con):
        con.execute(f"update {WRITES_TABLE} set writes = writes + 1")


def translate(con: duckdb.DuckDBPyConnection, error: BaseException) -> BaseException | None:
    """A failed lake transaction as WriteConflict (run it again) or StoreUnreachable, else None."""
    if not in_lake(con):
        return None
    if is_conflict(error):
        return WriteConflict(CONFLICT_MESSAGE)
    message = unreachable(error)
    return StoreUnreachable(message) if message else None


def next_ids(con: duckdb.DuckDBPyConnection, table: str, column: str, count: int) -> list[int]:
    first = con.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchall()[0][0]
    return list(range(first, first + count))


@contextmanager
def reading(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One read transaction for the statements of a block on the lake (nothing on a file, nor inside
    db.transaction or another `reading`). DuckLake opens a PostgreSQL transaction for every statement that
    is its own transaction (BEGIN, the snapshot, COMMIT, DISCARD ALL and two health checks: six
    round trips each); a page's read is five or six statements. The rows read are one snapshot's."""
    # a failed `begin` would abort a transaction already open, so open ones are known, not probed
    if not in_lake(con) or con in _reading or in_transaction(con):
        yield
        return
    con.execute("begin transaction")
    _reading.add(con)
    try:
        yield
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass
        raise
    else:
        con.execute("commit")
    finally:
        _reading.discard(con)


_reading: weakref.WeakSet = weakref.WeakSet()  # the connections inside `reading` now


# The kinds of change a lake commit records that touch rows only (ducklake_snapshot_changes); any
# other kind (a table created, dropped or altered, files merged) counts as a change to every table.
ROW_CHANGES = {"inserted_into_table", "deleted_from_table", "inlined_insert", "inlined_delete"}


def unchanged_since(con: duckdb.DuckDBPyConnection, since: int, tables: set[str]) -> bool:
    """True when no lake commit after snapshot `since` changed a row of `tables` (or the definition
    of any table): two PostgreSQL queries on DuckLake's own catalogue."""
    metadata = f"__ducklake_metadata_{ALIAS}"
    ids = {str(table_id) for table_id, name in con.execute(
        f"select table_id, table_name from {metadata}.ducklake_table where end_snapshot is null").fetchall()
        if name in tables}
    rows = con.execute(f"select snapshot_id, changes_made from {metadata}.ducklake_snapshot_changes "
                       f"where snapshot_id >= ? order by snapshot_id", [since]).fetchall()
    # snapshot ids are consecutive: a gap (or `since` gone) means expired snapshots took their
    # change records with them, and what they changed can no longer be known
    if not rows or rows[0][0] != since or rows[-1][0] - since + 1 != len(rows):
        return False
    for _snapshot, changes in rows[1:]:
        for change in (changes or "").split(","):
            kind, _, table_id = change.partition(":")
            if kind not in ROW_CHANGES or table_id in ids:
                return False
    return True


def snapshot_id(con: duckdb.DuckDBPyConnection) -> int:
    """The lake's current snapshot: it changes with every commit, from any server."""
    return con.execute(f"select id from {ALIAS}.current_snapshot()").fetchall()[0][0]
