"""Writers are never starved (nq57/filelock.py): a dashboard whose visitors never stop reading
gives the file to a command-line import; two claimants queue; a write that cannot get the file
says so in Vietnamese, waits, and either lands or exits 1 with a Vietnamese message, never a
raw duckdb.IOException. Separate processes, as in production; no timing asserts."""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nq57 import cli, db, filelock
from tests.test_scale import HOLD_FILE, PROJECT, count, filled_report

# A dashboard process: the server's keep-open mode and six visitors reading without a pause,
# so its database is never idle, until the stop file appears (or 90 s pass).
DASHBOARD = """
import json, sys, threading, time
from pathlib import Path
from nq57 import db
path, stop_file = sys.argv[1], Path(sys.argv[2])
db.keep_open(1.0)
reads, errors, deadline = [0] * 6, [], time.monotonic() + 90
def visitor(index):
    while not stop_file.exists() and time.monotonic() < deadline:
        try:
            with db.connect(path) as con:
                db.query_view(con, "red_flags", as_of="2026-03-17")
                db.query_view(con, "unit_scorecard", as_of="2026-03-17")
            reads[index] += 1
        except Exception as problem:
            errors.append(repr(problem))
threads = [threading.Thread(target=visitor, args=(i,)) for i in range(6)]
for thread in threads:
    thread.start()
while sum(reads) < 6:
    time.sleep(0.05)
print("reading", flush=True)
for thread in threads:
    thread.join()
db.keep_open(0)
print(json.dumps({"reads": sum(reads), "errors": errors, "stopped": stop_file.exists()}), flush=True)
"""

# Another claimant (a second import, say): holds the intent lock and the file for a while.
CLAIMANT = """
import sys, time
from pathlib import Path
from nq57 import db
with db.connect(sys.argv[1]) as con:
    con.execute("insert into settings (key, value, description) values ('claimed_by', 'other', '')")
    print("claimed", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture()
def database(demo_db_path, tmp_path) -> Path:
    path = tmp_path / "priority.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def report_file(database: Path, folder: Path, unit: str = "xa-nha-bich", value: float = 66.5) -> Path:
    path = folder / f"{unit}.xlsx"
    with db.connect(database) as con:
        path.write_bytes(filled_report(con, unit, "2026-10", value))
    return path


def batches_of(database: Path, name: str) -> int:
    return count(database, "select count(*) from report_batches where file_name = ?", [name])


def test_a_dashboard_that_never_stops_reading_cannot_starve_an_import(database, tmp_path):
    workbook = report_file(database, tmp_path)
    stop = tmp_path / "stop"
    dashboard = subprocess.Popen([sys.executable, "-c", DASHBOARD, str(database), str(stop)], cwd=PROJECT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert dashboard.stdout.readline().strip() == "reading", dashboard.stderr.read()
        # the file is held the whole time: a process that does not claim it is refused
        refused = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(database)],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "lock" in refused.stderr.lower()
        imported = subprocess.run([sys.executable, "-m", "nq57", "--db", str(database), "import", str(workbook), "--system"],
                                  cwd=PROJECT, capture_output=True, text=True, timeout=180)
    finally:
        stop.touch()
        out, err = dashboard.communicate(timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr and "IOException" not in imported.stderr
    assert "Đã ghi nhận" in imported.stdout
    visitors = json.loads(out.strip().splitlines()[-1])
    assert visitors["stopped"], "the import landed only after the visitors had gone"  # they read throughout
    assert visitors["errors"] == [] and visitors["reads"] > 6, (visitors, err[-2000:])
    assert batches_of(database, workbook.name) == 1


def test_a_write_that_cannot_get_the_file_says_so_and_exits_1(database, tmp_path, monkeypatch, capsys):
    workbook = report_file(database, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(database), "6"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 1.0)
        code = cli.main(["--db", str(database), "import", str(workbook), "--system"])
    finally:
        holder.wait(timeout=60)
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[0] == db.WAIT_FOR_DASHBOARD  # said once, then waited
    assert "Lỗi: cơ sở dữ liệu vẫn bận sau 1 giây" in err and "không có gì được ghi" in err
    assert "Traceback" not in err and "IOException" not in err
    assert batches_of(database, workbook.name) == 0


def test_two_claimants_queue_and_the_second_lands(database, tmp_path, capsys):
    workbook = report_file(database, tmp_path)
    other = subprocess.Popen([sys.executable, "-c", CLAIMANT, str(database), "2"], cwd=PROJECT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "claimed"
        assert filelock.writer_pending(database)
        code = cli.main(["--db", str(database), "import", str(workbook), "--system"])
    finally:
        other.wait(timeout=60)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert db.WAIT_FOR_WRITER in captured.err and "Đã ghi nhận" in captured.out
    assert count(database, "select count(*) from settings where key = 'claimed_by'") == 1
    assert batches_of(database, workbook.name) == 1


def test_a_claimant_that_never_lets_go_is_reported_in_vietnamese(database, monkeypatch):
    other = subprocess.Popen([sys.executable, "-c", CLAIMANT, str(database), "30"], cwd=PROJECT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "claimed"
        monkeypatch.setattr(db, "WRITER_WAIT_SECONDS", 0.3)
        with pytest.raises(db.DatabaseBusy, match="vẫn bận sau 0,3 giây"):
            with db.connect(database):
                pass
        # the dashboard gives up the same way instead of hanging a page
        db.keep_open(0.5)
        try:
            with pytest.raises(db.DatabaseBusy):
                with db.connect(database):
                    pass
        finally:
            db.keep_open(0)
        # a claimant killed outright leaves no claim behind (flock dies with its process)
        other.send_signal(signal.SIGKILL)
        other.wait(timeout=60)
        assert filelock.wait_while_pending(database, 5)
    finally:
        if other.poll() is None:
            other.kill()
    with db.connect(database) as con:
        assert con.execute("select count(*) from units").fetchall()[0][0] > 0


def test_the_dashboard_gives_way_to_a_pending_writer_and_resumes(database):
    """In the dashboard process: a kept-open database is closed for a claimant, new
    connections wait for it, then read what it wrote."""
    db.keep_open(30)
    try:
        with db.connect(database) as con:
            con.execute("select 1").fetchall()
        assert db._kept  # kept open for 30 s …
        other = subprocess.Popen([sys.executable, "-c", CLAIMANT, str(database), "1"], cwd=PROJECT,
                                 stdout=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not filelock.writer_pending(database) and time.monotonic() < deadline:
                time.sleep(0.05)
            # … but the claimant gets the file: this connection waits for it, then sees its row
            with db.connect(database) as con:
                assert con.execute("select count(*) from settings where key = 'claimed_by'").fetchall()[0][0] == 1
        finally:
            other.wait(timeout=60)
        assert other.returncode == 0
    finally:
        db.keep_open(0)
