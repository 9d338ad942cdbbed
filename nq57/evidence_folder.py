"""Where evidence files live on disk, and what to say when that folder fails.

A file is stored once by content under <database folder>/evidence (on the shared lake: under
NQ57_DATA_PATH, which every server sees), written atomically (a temporary file, then a rename).
A folder that cannot be written or read (a network share gone, no permission, a full disk) is
said in Vietnamese, naming the folder: the system's own words are English.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import duckdb

from nq57 import db
from nq57.storage import DISK_FAILED_WORDS, DISK_FULL_WORDS

EVIDENCE_FOLDER = "evidence"


def evidence_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """<folder of the database file>/evidence (for an in-memory database: beside the default file;
    on the shared lake: under its data path, so every server finds the files)."""
    shared = db.files_folder(con)
    if shared is not None:
        return shared / EVIDENCE_FOLDER
    rows = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows and rows[0][0] else None
    base = Path(path).resolve().parent if path else db.database_path().resolve().parent
    return base / EVIDENCE_FOLDER


def evidence_path(con: duckdb.DuckDBPyConnection, stored_path: str) -> Path:
    return evidence_dir(con) / stored_path


def _folder_problem(error: OSError, reading: bool) -> str:
    """Why the evidence folder failed, in Vietnamese (the system's own text is English)."""
    if error.errno == errno.ENOSPC:
        return DISK_FULL_WORDS
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "không có quyền đọc" if reading else "không có quyền ghi"
    if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.EEXIST):
        return "không tìm thấy thư mục, hoặc đường dẫn không phải là thư mục"
    code = errno.errorcode.get(error.errno, str(error.errno)) if error.errno else "không rõ mã"
    return f"{DISK_FAILED_WORDS} ({code})"


def folder_unreachable(con: duckdb.DuckDBPyConnection, error: OSError, reading: bool) -> str:
    """The sentence naming the evidence folder that failed and why, for a refusal or a warning
    (on the lake: under the shared data path, which db.py alone knows)."""
    shared = " (thư mục dữ liệu chung NQ57_DATA_PATH)" if db.files_folder(con) is not None else ""
    action = "đọc" if reading else "ghi"
    return f"không {action} được thư mục minh chứng{shared} {evidence_dir(con)}: {_folder_problem(error, reading)}"


def write_once(target: Path, data: bytes) -> bool:
    """Write the content unless a file with it is already there; atomic (temp file + rename)."""
    if target.exists() and target.stat().st_size == len(data):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return True
