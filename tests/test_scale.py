"""Caches and concurrent use: many reading sessions while imports commit, an upload seen on the
next rerun, and an import killed with SIGKILL leaves the database whole (all or nothing).

No timing asserts: the benchmark (`python -m nq57 bench --views`) measures speed.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from benchmarks import ingest as bench
from benchmarks.commit import filled_report  # the one-unit file the commit benchmark imports too
from nq57 import db, ingest
from tests.conftest import APP_PATH, DEMO_TODAY

PROJECT = Path(__file__).resolve().parent.parent
READERS = 20


@pytest.fixture()
def demo_copy(demo_db_path, tmp_path) -> Path:
    path = tmp_path / "scale.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def count(path: Path, sql: str, params: list | None = None) -> int:
    with db.connect(path) as con:
        return con.execute(sql, params or []).fetchall()[0][0]


def test_twenty_reading_sessions_while_two_imports_commit(demo_copy):
    files = {}
    with db.connect(demo_copy) as con:
        for unit, value in (("xa-nha-bich", 61.5), ("xa-phuoc-an", 72.5)):
            data = filled_report(con, unit, "2026-10", value)
            checked = ingest.check_workbook(con, data, f"{unit}.xlsx", today=DEMO_TODAY)
            assert checked.accepted, [p.line() for p in checked.problems]
            files[f"{unit}.xlsx"] = (data, len(checked.kpi_rows), len(checked.task_rows))
        scorecard_rows = len(db.query_view(con, "unit_scorecard", as_of=DEMO_TODAY))
    kpi_before = count(demo_copy, "select count(*) from kpi_values")
    task_before = count(demo_copy, "select count(*) from task_updates")

    errors: list[BaseException] = []
    reads = [0] * READERS
    writers_done = threading.Event()
    start = threading.Barrier(READERS + 2)

    def reader(index: int) -> None:
        try:
            start.wait()
            while not writers_done.is_set() or reads[index] < 2:
                with db.connect(demo_copy) as con:
                    card = db.query_view(con, "unit_scorecard", as_of=DEMO_TODAY)
                    flags = db.query_view(con, "red_flags", as_of=DEMO_TODAY)
                assert len(card) == scorecard_rows and len(flags) > 0
                reads[index] += 1
        except BaseException as problem:  # reported below; a thread must not die silently
            errors.append(problem)

    def writer(name: str) -> None:
        try:
            start.wait()
            with db.connect(demo_copy) as con:
                checked = ingest.check_workbook(con, files[name][0], name, today=DEMO_TODAY)
                ingest.commit(con, checked, "test-scale")
        except BaseException as problem:
            errors.append(problem)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    writer_threads = [threading.Thread(target=writer, args=(name,)) for name in files]
    for thread in threads + writer_threads:
        thread.start()
    for thread in writer_threads:
        thread.join(timeout=300)
    writers_done.set()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors
    assert all(n >= 2 for n in reads)
    # both imports landed, each whole, one after the other (distinct batches), no row lost
    with db.connect(demo_copy) as con:
        batches = con.execute(
            "select file_name, batch_id, row_count from report_batches where file_name in (?, ?) order by batch_id",
            list(files)).fetchall()
    assert sorted(b[0] for b in batches) == sorted(files)
    assert len({b[1] for b in batches}) == 2
    for name, batch_id, row_count in batches:
        _data, kpi_rows, task_rows = files[name]
        assert row_count == kpi_rows + task_rows
        assert count(demo_copy, "select count(*) from kpi_values where batch_id = ?", [batch_id]) == kpi_rows
    assert count(demo_copy, "select count(*) from kpi_values") == kpi_before + sum(f[1] for f in files.values())
    assert count(demo_copy, "select count(*) from task_updates") == task_before + sum(f[2] for f in files.values())


def test_scorecard_flag_counts_equal_red_flags(demo_db_path):
    """unit_scorecard applies red_flags' rules to shared rows; the two must agree."""
    with db.connect(demo_db_path, read_only=True) as con:
        for as_of in (date(2025, 12, 31), DEMO_TODAY):
            db.set_as_of(con, as_of)
            different = con.execute("""
                select s.unit_id
                from unit_scorecard s
                left join (select unit_id, count(*) as n, count(*) filter (where rule = 1) as r1,
                                  count(*) filter (where rule = 2) as r2, count(*) filter (where rule = 3) as r3,
                                  count(*) filter (where rule = 4) as r4
                           from red_flags group by unit_id) f using (unit_id)
                where s.red_flag_count <> coalesce(f.n, 0) or s.flags_rule_1 <> coalesce(f.r1, 0)
                   or s.flags_rule_2 <> coalesce(f.r2, 0) or s.flags_rule_3 <> coalesce(f.r3, 0)
                   or s.flags_rule_4 <> coalesce(f.r4, 0)
            """).fetchall()
            assert different == [], (as_of, different)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_a_committed_upload_shows_on_the_next_rerun(demo_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from components import data

    today = date.today()  # the app answers for today unless ?as_of= says otherwise
    with db.connect(demo_copy) as con:
        flags = db.query_view(con, "red_flags", as_of=today, filters={"rule": 4})
        # a unit whose template has KPI rows to fill: targets follow plan lineage (issue #14)
        holding = {row[0] for row in con.execute("select distinct unit_id from effective_targets").fetchall()}
        missing = flags[flags["unit_id"].isin(holding)].sort_values(["period", "unit_id"]).iloc[-1]
        period = f"{missing['period']:%Y-%m}"
        upload = filled_report(con, missing["unit_id"], period, 55.0)

    monkeypatch.setenv("NQ57_DB", str(demo_copy))
    at = AppTest.from_file(APP_PATH, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    before = metric(at, "Cảnh báo đỏ")
    version_before = data.data_version()

    checked = data.check_upload(upload, "bao-cao-muon.xlsx")
    assert checked.accepted, [p.line() for p in checked.problems]
    from nq57 import auth
    with db.connect(demo_copy) as con:  # a web write names a signed-in account
        secretary = auth.add_user(con, "test-scale", "secretariat", "mat-khau-du-dai-123", by="system:tests")
    data.commit_upload(checked, secretary)
    assert data.data_version() != version_before

    at.run()
    assert not at.exception, at.exception
    assert metric(at, "Cảnh báo đỏ") != before  # the missing report's flag is gone


def run_import(database: Path, workbook: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nq57", "--db", str(database), "import", str(workbook), "--system"],
                            cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def big_import(tmp_path_factory):
    """A database with the bench catalogue, a 34,200-row workbook (95 units × 120 KPIs × 3 months),
    and how long the whole import takes here when not killed (to place the kills)."""
    folder = tmp_path_factory.mktemp("kill")
    base = folder / "base.duckdb"
    units = bench.build_database(base)
    workbook = folder / "BIG.xlsx"
    rows = bench.write_report(workbook, units, [date(2025, m, 1) for m in (1, 2, 3)], "2025-01..2025-03")
    batches = len(units) * 3
    # the same import, not killed, stores everything; its duration spreads the kills below over
    # process start, reading, checking and the commit itself
    copy = folder / "whole.duckdb"
    shutil.copy(base, copy)
    started = time.perf_counter()
    process = run_import(copy, workbook)
    _out, err = process.communicate(timeout=300)
    seconds = time.perf_counter() - started
    assert process.returncode == 0, err
    assert count(copy, "select count(*) from kpi_values") == rows
    assert count(copy, "select count(*) from report_batches where file_name = ?", [workbook.name]) == batches
    return base, workbook, rows, batches, seconds


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.75, 0.85, 0.9, 0.95, 1.0, 1.1])
def test_an_import_killed_mid_way_leaves_all_or_nothing(big_import, tmp_path, fraction):
    base, workbook, rows, batches, seconds = big_import
    copy = tmp_path / "copy.duckdb"
    shutil.copy(base, copy)
    process = run_import(copy, workbook)
    time.sleep(seconds * fraction)
    process.send_signal(signal.SIGKILL)
    process.communicate()

    with db.connect(copy) as con:  # opens (replaying or discarding the log) …
        stored_batches = con.execute("select count(*) from report_batches where file_name = ?",
                                     [workbook.name]).fetchall()[0][0]
        stored_rows = con.execute("select count(*) from kpi_values").fetchall()[0][0]
        assert con.execute("select count(*) from unit_scorecard").fetchall()[0][0] == 95
    # … and the batch is wholly there or wholly absent
    assert (stored_batches, stored_rows) in {(0, 0), (batches, rows)}, (fraction, stored_batches, stored_rows)


# --- the dashboard's kept-open database and the command line ------------------------------------

HOLD_FILE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("insert into settings (key, value, description) values ('held_by', 'other process', '')")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_the_command_line_writes_while_the_dashboard_keeps_the_database_open(demo_copy):
    """The server keeps the database open between its page connections; the file must still be
    released soon after, and a command-line write made meanwhile waits instead of failing."""
    db.keep_open(0.5)
    try:
        with db.connect(demo_copy) as con:
            con.execute("insert into settings (key, value, description) values ('seen_by_cli', 'yes', '')")
        # still open: a process that does not wait is refused, which is what kept it fast
        refused = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(demo_copy)],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "lock" in refused.stderr.lower()
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "nq57", "--db", str(demo_copy), "refresh", "--as-of", "2026-01-31"],
                                cwd=PROJECT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert time.perf_counter() - started < db.LOCK_WAIT_SECONDS
    finally:
        db.keep_open(0)
    assert count(demo_copy, "select count(*) from settings where key = 'seen_by_cli'") == 1
    assert count(demo_copy, "select count(*) from view_snapshots where as_of = ?", [date(2026, 1, 31)]) == 1


def test_a_connection_waits_for_a_file_another_process_is_writing(demo_copy, monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(demo_copy), "1.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 0.2)
        with pytest.raises(db.DatabaseBusy, match="vẫn bận sau 0,2 giây") as refused:
            with db.connect(demo_copy):
                pass
        assert "lock" in str(refused.value.__cause__).lower()  # DuckDB's own reason, kept as the cause
        monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 30.0)
        # waits for the other process to finish, then reads what it wrote
        assert count(demo_copy, "select count(*) from settings where key = 'held_by'") == 1
    finally:
        holder.wait(timeout=60)


def test_a_read_only_connection_after_the_dashboard_kept_the_file_open(demo_copy):
    db.keep_open(30)
    try:
        with db.connect(demo_copy) as con:
            con.execute("select 1").fetchall()
        with db.connect(demo_copy, read_only=True) as con:
            assert con.execute("select count(*) from units").fetchall()[0][0] > 0
    finally:
        db.keep_open(0)
