"""When the database cannot be written: a full disk or an I/O error becomes one Vietnamese message
(StorageError) and leaves nothing half-written; snapshots that could not be stored after a write
are reported (SnapshotsNotStored), never skipped in silence.

DuckDB reports a full disk in several ways: an IOException while writing, or a
TransactionException "Failed to commit: Could not write file … No space left on device" when the
write-ahead log cannot grow. Both are recognised here, once, for every writer.
"""
from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from datetime import date
from typing import Iterator

import duckdb

from nq57 import db, snapshots

# Why a disk refused, in the words every message uses (the database's and the evidence folder's)
DISK_FULL_WORDS = "ổ đĩa đầy"
DISK_FAILED_WORDS = "lỗi đọc/ghi ổ đĩa"

_DISK_FULL = ("no space left", "disk full", "disk is full", "not enough space")
_WRITE_FAILED = ("could not write", "failed to commit", "i/o error", "input/output error", "invalidated",
                 "could not fsync", "could not truncate")


class StorageError(Exception):
    """The database could not be written; nothing of the change was stored. Vietnamese message."""


class SnapshotsNotStored(Exception):
    """A write was stored but the precomputed figures for some days were not (Vietnamese message)."""


def _detail(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 160 else text[:160] + "…"


def storage_error(error: BaseException) -> StorageError | None:
    """The StorageError an exception means, or None when it is not a storage failure."""
    text = str(error).lower()
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        full = True
    elif isinstance(error, duckdb.IOException):
        full = any(hint in text for hint in _DISK_FULL)
    elif isinstance(error, duckdb.Error) and "conflict" not in text and any(
            hint in text for hint in _DISK_FULL + _WRITE_FAILED):
        full = any(hint in text for hint in _DISK_FULL)
    else:
        return None
    cause = DISK_FULL_WORDS if full else DISK_FAILED_WORDS
    return StorageError(f"không ghi được vào cơ sở dữ liệu: {cause} ({_detail(error)}). Không có gì được ghi; "
                        "hãy giải phóng dung lượng (hoặc kiểm tra ổ đĩa) rồi thử lại.")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """db.transaction, with a write the disk refused (full, I/O error) raised as StorageError
    with its Vietnamese message; anything else is raised unchanged."""
    try:
        with db.transaction(con):
            yield con
    except BaseException as error:
        failure = storage_error(error)
        if failure is not None:
            raise failure from error
        raise


# A write changes one unit's rows, but DuckDB's buffer pool keeps every page the refresh after it
# reads: 0,8-1 GB at national size for one ward's import. A command-line write refreshes within
# this cap; a day that needs more (a whole rebuild) is tried again without it. National, one ward,
# third session of 06/12/2026: 128MB ran out at kpi_progress and computed the day twice (2,8 s,
# 465 MB peak); 140MB 2,5-2,6 s, 390-415 MB; 160MB 2,4-2,5 s, 395-405 MB; 200MB 2,3-2,4 s,
# 410-415 MB; no cap 2,2 s, 480-490 MB.
WRITE_MEMORY_CAP = "160MB"


@contextmanager
def memory_cap(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[bool]:
    """DuckDB's memory limit lowered to `limit` inside the block (True), unless there is none or
    NQ57_MEMORY_LIMIT sets the limit for the whole process (False)."""
    if limit is None or os.environ.get("NQ57_MEMORY_LIMIT"):
        yield False
        return
    before = con.execute("select current_setting('memory_limit')").fetchone()[0]
    try:
        con.execute(f"set memory_limit = '{limit}'")
    except duckdb.OutOfMemoryException:  # more than the cap is in use already
        yield False
        return
    try:
        yield True
    finally:  # set back by value: RESET leaves DuckDB's buffer manager at the cap
        con.execute(f"set memory_limit = '{before}'")


def _refresh_day(con: duckdb.DuckDBPyConnection, day: date | None, cap: str | None, store_latest: bool) -> bool:
    capped = False
    try:
        with memory_cap(con, cap) as capped:
            return db.refresh_snapshots(con, [day], store_latest) == [day]
    except duckdb.OutOfMemoryException:
        if not capped:
            raise
    return db.refresh_snapshots(con, [day], store_latest) == [day]


def refresh_snapshots(con: duckdb.DuckDBPyConnection, days: list[date | None], cap: str | None = None) -> None:
    """db.refresh_snapshots, then a check that every day has its snapshot: a build that lost its
    commit to a full disk returns without one. SnapshotsNotStored names the days; the figures stay
    right (the views compute them), only slower, until `python -m nq57 refresh` succeeds. `cap`:
    a memory limit to try each day within first (WRITE_MEMORY_CAP after a one-unit write)."""
    missing, cause = [], None
    # the hashed tables read once (on the lake) and the catalogue hashed once, for every day
    with snapshots.pinned_tables(con), snapshots.pinned(con, "catalogue_fingerprint"):
        for number, day in enumerate(days):
            try:
                # the stored latest values do not depend on the day: brought up to date once
                stored = _refresh_day(con, day, cap, store_latest=number == 0)
            except duckdb.Error as error:
                stored, cause = False, error
            if not stored:
                missing.append(day or date.today())
    try:
        db.set_as_of(con, None)
    except duckdb.Error:
        pass
    if missing:
        why = f": {_detail(cause)}" if cause is not None else f" (có thể {DISK_FULL_WORDS} hoặc cơ sở dữ liệu đang bận)"
        days_text = ", ".join(f"{day:%d/%m/%Y}" for day in missing)
        raise SnapshotsNotStored(
            f"chưa lưu được số liệu tổng hợp tính sẵn cho {len(missing)} ngày ({days_text}){why}. "
            "Số liệu vẫn đúng (các trang tự tính lại, chậm hơn); chạy 'python -m nq57 refresh' khi đã khắc phục.")
