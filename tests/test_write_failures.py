"""A full disk (issue #16): a commit that cannot be written gives a Vietnamese message and stores
nothing; snapshots that cannot be stored after a commit are reported, not skipped in silence.
The failure is simulated by a connection that raises DuckDB's own errors at one statement."""
from __future__ import annotations

import duckdb
import pytest

from nq57 import cli, db, ingest, plan_import, storage
from tests.test_ingest import COUNT_KPI, PERCENT_KPI, check, filled  # noqa: F401
from tests.test_input_rules import stored
from tests.test_plan_import import fill

FULL_DISK_IO = duckdb.IOException('Could not write file "nq57.duckdb.wal": No space left on device')
FULL_DISK_COMMIT = duckdb.TransactionException(
    'TransactionContext Error: Failed to commit: Could not write file "nq57.duckdb.wal": No space left on device')


class FailingConnection:
    """A DuckDB connection whose statements starting with `prefix` raise `error`."""

    def __init__(self, con, prefix: str, error: Exception):
        self._con, self._prefix, self._error = con, prefix, error
        self.failures = 0

    def execute(self, sql, *args, **kwargs):
        if sql.lstrip().lower().startswith(self._prefix):
            self.failures += 1
            raise self._error
        return self._con.execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        if sql.lstrip().lower().startswith(self._prefix):
            self.failures += 1
            raise self._error
        return self._con.executemany(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.fixture()
def con(demo_db_path, tmp_path):
    import shutil

    path = tmp_path / "disk.duckdb"
    shutil.copy(demo_db_path, path)
    connection = duckdb.connect(str(path))
    yield connection
    connection.close()


@pytest.mark.parametrize("prefix,error", [("insert into kpi_values", FULL_DISK_IO), ("commit", FULL_DISK_COMMIT)])
def test_a_report_commit_on_a_full_disk_says_so_and_stores_nothing(con, prefix, error):
    result = check(con, filled(con, kpis={PERCENT_KPI: {"value": 61}}))
    assert result.accepted
    before = stored(con)
    failing = FailingConnection(con, prefix, error)
    with pytest.raises(storage.StorageError, match="^không ghi được vào cơ sở dữ liệu: ổ đĩa đầy") as raised:
        ingest.commit(failing, result, "test")
    assert failing.failures == 1 and "không có gì được ghi" in str(raised.value).lower()
    assert stored(con) == before
    # no half-open transaction is left: the same file commits once the disk has room
    assert len(ingest.commit(con, check(con, filled(con, kpis={PERCENT_KPI: {"value": 61}})), "test")) == 1


def test_a_plan_commit_on_a_full_disk_says_so_and_stores_nothing(con):
    from nq57 import templates
    import io

    buffer = io.BytesIO()
    templates.build_plan_template(con).save(buffer)
    checked = plan_import.check_plan_workbook(con, fill(buffer.getvalue()), "ke-hoach.xlsx")
    assert checked.accepted, checked.problem_lines()
    before = stored(con)
    with pytest.raises(storage.StorageError, match="ổ đĩa đầy"):
        plan_import.commit_plan(FailingConnection(con, "insert into targets", FULL_DISK_IO), checked, "test")
    assert stored(con) == before


def test_other_errors_are_not_mistaken_for_a_full_disk():
    assert storage.storage_error(duckdb.ConstraintException("Duplicate key")) is None
    assert storage.storage_error(duckdb.TransactionException("Failed to commit: write-write conflict")) is None
    assert "lỗi đọc/ghi" in str(storage.storage_error(duckdb.IOException("Input/output error")))


# --- the command line, in process (the failing connection replaces the real one) --------------------

@pytest.fixture()
def database(demo_db_path, tmp_path):
    import shutil

    path = tmp_path / "cli.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def failing_opens(monkeypatch, prefix: str, error: Exception) -> None:
    real_open = db._open
    monkeypatch.setattr(db, "_open", lambda *args: FailingConnection(real_open(*args), prefix, error))


def report_file(database, tmp_path):
    with db.connect(database) as connection:
        data = filled(connection, kpis={COUNT_KPI: {"value": 12}})
    path = tmp_path / "bao-cao.xlsx"
    path.write_bytes(data)
    return path


def stored_at(database) -> dict:
    with db.connect(database, read_only=True) as connection:
        return stored(connection)


def test_cli_import_on_a_full_disk_exits_1_with_the_message(database, tmp_path, monkeypatch, capsys):
    path = report_file(database, tmp_path)
    before = stored_at(database)
    failing_opens(monkeypatch, "commit", FULL_DISK_COMMIT)
    assert cli.main(["--db", str(database), "import", str(path), "--system"]) == 1
    err = capsys.readouterr().err
    assert "Lỗi: không ghi được vào cơ sở dữ liệu: ổ đĩa đầy" in err and "Traceback" not in err
    monkeypatch.undo()
    assert stored_at(database) == before


def test_cli_import_reports_snapshots_it_could_not_store(database, tmp_path, monkeypatch, capsys):
    path = report_file(database, tmp_path)
    before = stored_at(database)
    failing_opens(monkeypatch, "insert into snapshot_", FULL_DISK_IO)
    assert cli.main(["--db", str(database), "import", str(path), "--system"]) == 0
    out, err = capsys.readouterr()
    assert "Đã ghi nhận 1 đơn vị" in out
    assert "Cảnh báo: chưa lưu được số liệu tổng hợp tính sẵn cho" in err and "No space left on device" in err
    assert "python -m nq57 refresh" in err
    monkeypatch.undo()
    after = stored_at(database)
    assert after["report_batches"][0] == before["report_batches"][0] + 1   # the report itself is stored


def test_cli_refresh_that_cannot_store_exits_1(database, monkeypatch, capsys):
    with db.connect(database) as connection:
        connection.execute("delete from view_snapshots")
    failing_opens(monkeypatch, "insert into view_snapshots", FULL_DISK_IO)
    assert cli.main(["--db", str(database), "refresh", "--as-of", "2026-11-25"]) == 1
    assert "Lỗi: chưa lưu được số liệu tổng hợp" in capsys.readouterr().err
