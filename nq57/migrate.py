"""`python -m nq57 migrate --from STORE --to STORE`: copy every stored table from one store to
another (a province's embedded file into the shared lake, or the lake out to a file for backup),
then compare each table's row count and checksum in both stores.

The stores are named as `--db`/`--store` name them (a file path or `ducklake:postgres:…`); only
nq57/db.py knows how to reach each. The target's schema and views are created from this code's
queries/; its rows of every table are replaced, in one transaction (all or nothing). The stored
snapshots are a cache and are not copied: the target builds its own (`refresh`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from nq57 import db
from nq57.vnformat import vn_number

# The snapshots' own table is a cache, rebuilt on the target; everything else in schema.sql is data.
NOT_COPIED = {"view_snapshots"}


def tables() -> list[str]:
    """Every storage table of queries/schema.sql, in the order it creates them."""
    names = re.findall(r"create table if not exists (\w+)", db.read_sql_file("schema"))
    return [name for name in names if name not in NOT_COPIED]


@dataclass
class Compared:
    table: str
    source_rows: int
    source_checksum: int
    target_rows: int
    target_checksum: int

    @property
    def same(self) -> bool:
        return (self.source_rows, self.source_checksum) == (self.target_rows, self.target_checksum)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_name = ? and table_schema = 'main' "
        "and table_catalog = current_database() order by ordinal_position", [table]).fetchall()]


def _quoted(columns: list[str]) -> str:
    return ", ".join('"' + column.replace('"', '""') + '"' for column in columns)


def checksum(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> tuple[int, int]:
    """(rows, order-independent checksum of every value of every row) of one table."""
    rows, total = con.execute(
        f"select count(*), coalesce(sum(hash(row({_quoted(columns)}))::hugeint), 0) from {table}").fetchall()[0]
    return int(rows), int(total)


def copy(source: str | None, target: str | None) -> list[Compared]:
    """Replace the target's rows by the source's, then compare every table in both stores."""
    with db.connect(source) as src, db.connect(target) as dst:
        if not db.is_initialised(src):
            raise Refused("kho nguồn chưa khởi tạo: chạy 'python -m nq57 init' trên kho đó trước")
        db.migrate_if_needed(src)
        db.migrate_if_needed(dst)
        plan = [(table, _columns(src, table)) for table in tables()]
        with db.transaction(dst):
            for table, columns in plan:
                dst.execute(f"delete from {table}")
                rows = src.execute(f"select {_quoted(columns)} from {table}").to_arrow_table()
                dst.register("incoming_rows", rows)
                try:
                    dst.execute(f"insert into {table} ({_quoted(columns)}) select {_quoted(columns)} from incoming_rows")
                finally:
                    dst.unregister("incoming_rows")
        db.sync_ids(dst)
        return [Compared(table, *checksum(src, table, columns), *checksum(dst, table, columns))
                for table, columns in plan]


class Refused(Exception):
    """The copy cannot be made or does not match; the message is for a person (exit 1)."""


def add_command(commands) -> None:
    command = commands.add_parser("migrate", help="chép toàn bộ dữ liệu từ kho này sang kho khác rồi đối chiếu")
    command.add_argument("--from", dest="source", required=True, help="kho nguồn: tệp DuckDB hoặc ducklake:postgres:…")
    command.add_argument("--to", dest="target", required=True, help="kho đích: tệp DuckDB hoặc ducklake:postgres:…")


def run(args) -> int:
    """Copy every table, then one line per table (rows and checksum in both stores); exit 1 when any differs."""
    lines, problem = report(copy(args.source, args.target))
    print("\n".join(lines))
    if problem:
        raise Refused(problem)
    return 0


def report(compared: list[Compared]) -> tuple[list[str], str | None]:
    """One Vietnamese line per table, and the problem when any table differs (else None)."""
    # row counts are quantities (13.970.125); a checksum is a code, written as it is
    lines = [f"{row.table}: {vn_number(row.source_rows)} → {vn_number(row.target_rows)} dòng, "
             f"tổng kiểm {row.source_checksum} → {row.target_checksum} ({'khớp' if row.same else 'KHÁC'})"
             for row in compared]
    different = [row.table for row in compared if not row.same]
    if different:
        return lines, f"dữ liệu chép sang không khớp ở {len(different)} bảng: {', '.join(different)}"
    lines.append(f"Đã chép {len(compared)} bảng, {vn_number(sum(row.target_rows for row in compared))} dòng; mọi bảng khớp.")
    return lines, None
