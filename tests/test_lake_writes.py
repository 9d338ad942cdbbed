"""Writes racing on the shared lake (issue #13): two servers writing at the same moment both land
(one of them is rerun whole by the core after a WriteConflict), never half, and the ids the writer
allocates stay unique.

Each writer runs in a process of its own, as a second app server would. Its first write
transaction waits, after it began, until the other one has begun too: both are then open at
once, so one of them must lose its commit and be run again (nothing left to timing)."""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

from nq57 import cli, db
from tests.test_lake import postgres, lake  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent

# The writer process: the web's core calls, with the gate described above.
WRITER = r"""
import json, sys, time
from pathlib import Path
from datetime import datetime
from nq57 import audit, db, ingest, reports, transaction

store, action, argument, gate, me = sys.argv[1:6]
gate = Path(gate)
attempts = 0
bump = transaction.on_begin


def on_begin(con):
    global attempts
    bump(con)
    attempts += 1
    if attempts == 1:
        (gate / me).touch()
        deadline = time.monotonic() + 60
        while len(list(gate.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)


with db.connect(store) as con:
    if action == "import":
        data = Path(argument).read_bytes()
        result = ingest.check_workbook(con, data, Path(argument).name, today=datetime(2026, 11, 25).date())
        assert result.accepted, [p.line() for p in result.problems]
        transaction.on_begin = on_begin
        done = [c.batch_id for c in ingest.commit(con, result, "may-chu-" + me)]
    elif action == "rollback":
        transaction.on_begin = on_begin
        reports.roll_back_batch(con, int(argument), by="may-chu-" + me)
        done = [int(argument)]
    else:  # audit rows written outside any transaction (as a sign-in or a refusal is)
        transaction.on_begin = on_begin
        done = [audit.record(con, "sign_out", "may-chu-" + me) for _ in range(int(argument))]
print(json.dumps({"attempts": attempts, "done": done}))
"""


def _race(store: str, tmp_path: Path, *writers: tuple[str, str]) -> list[dict]:
    """Start the writers at once; wait for both; their reports (attempts, ids written)."""
    gate = tmp_path / "gate"
    gate.mkdir()
    running = [subprocess.Popen([sys.executable, "-c", WRITER, store, action, argument, str(gate), str(n)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})
               for n, (action, argument) in enumerate(writers)]
    reports = []
    for process in running:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        reports.append(json.loads(out.splitlines()[-1]))
    return reports


def _workbook(source: Path, tmp_path: Path, unit: str) -> Path:
    """A report of `unit` for 10/2026: its template with the first KPI's value filled in."""
    from tests.test_ingest import FIRST_ROW, KPI, KPI_SHEET, filled

    def first_value(workbook) -> None:
        workbook[KPI_SHEET][f"{KPI['value']}{FIRST_ROW}"] = 1

    with db.connect(source) as con:
        data = filled(con, unit=unit, period="2026-10", edit=first_value)
    path = tmp_path / f"bao-cao-{unit}.xlsx"
    path.write_bytes(data)
    return path


def _whole_batches(store: str) -> dict[int, tuple[str, int, int, int]]:
    """batch_id -> (unit, row_count, kpi rows, task rows) of every batch."""
    with db.connect(store) as con:
        rows = con.execute(
            "select b.batch_id, b.unit_id, b.row_count,"
            " (select count(*) from kpi_values k where k.batch_id = b.batch_id),"
            " (select count(*) from task_updates t where t.batch_id = b.batch_id) from report_batches b").fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_two_imports_committed_at_once_through_two_servers_both_land_whole(lake, demo_db_path, tmp_path, capsys):
    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    files = [_workbook(demo_db_path, tmp_path, unit) for unit in ("xa-nha-bich", "xa-phuoc-an")]
    before = _whole_batches(lake)
    first, second = _race(lake, tmp_path, ("import", str(files[0])), ("import", str(files[1])))
    assert sorted([first["attempts"], second["attempts"]]) == [1, 2]  # one lost its commit and was rerun
    after = _whole_batches(lake)
    new = {batch: after[batch] for batch in set(after) - set(before)}
    assert sorted(new) == sorted(first["done"] + second["done"])  # both landed, each once
    assert sorted(unit for unit, *_ in new.values()) == ["xa-nha-bich", "xa-phuoc-an"]
    for unit, row_count, kpi_rows, task_rows in new.values():
        assert row_count == kpi_rows + task_rows > 0  # whole: every row of its batch stored
    assert len(after) == len(before) + 2


def test_a_rollback_racing_an_import_on_another_server_both_land(lake, demo_db_path, tmp_path, capsys):
    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    with db.connect(lake) as con:
        victim = con.execute("select max(batch_id) from report_batches where rolled_back_at is null "
                             "and unit_id <> 'xa-nha-bich'").fetchall()[0][0]
    report = _workbook(demo_db_path, tmp_path, "xa-nha-bich")
    rolled, imported = _race(lake, tmp_path, ("rollback", str(victim)), ("import", str(report)))
    assert sorted([rolled["attempts"], imported["attempts"]]) == [1, 2]
    with db.connect(lake) as con:
        assert con.execute("select rolled_back_at is not null from report_batches where batch_id = ?",
                           [victim]).fetchall() == [(True,)]
        assert con.execute("select count(*) from audit_log where action = 'rollback' and batch_id = ?",
                           [victim]).fetchall()[0][0] == 1
        (batch,) = imported["done"]
        assert con.execute("select unit_id, rolled_back_at from report_batches where batch_id = ?",
                           [batch]).fetchall() == [("xa-nha-bich", None)]
        assert con.execute("select count(*) from kpi_values where batch_id = ?", [batch]).fetchall()[0][0] > 0


def test_audit_rows_written_at_once_by_two_servers_get_unique_ids(lake, tmp_path, capsys):
    assert cli.main(["--store", lake, "init", "--system"]) == 0
    first, second = _race(lake, tmp_path, ("audit", "15"), ("audit", "15"))
    written = first["done"] + second["done"]
    assert len(written) == len(set(written)) == 30
    assert max(first["attempts"], second["attempts"]) > 15  # they did collide, and the loser took new ids
    with db.connect(lake) as con:
        ids = [row[0] for row in con.execute("select audit_id from audit_log").fetchall()]
        outs = con.execute("select count(*) from audit_log where action = 'sign_out'").fetchall()[0][0]
    assert len(ids) == len(set(ids)) and outs == 30


def test_the_national_demo_numbers_every_row_whose_id_a_sequence_gives(tmp_path):
    """`demo --scale national` on the lake, which has no sequences: every insert of the national SQL
    into a table with a sequence id names that id (measured on the lake: docs/SCALING.md)."""
    import re

    from nq57 import ids

    sql = db.read_sql_file("demo/national")
    inserts = re.findall(r"insert into (\w+) \(([^)]*)\)", sql)
    assert inserts
    for table, columns in inserts:
        if table in ids.id_columns():
            assert ids.id_columns()[table][0] in [c.strip() for c in columns.split(",")], table


def test_bench_views_store_prints_the_lake_against_the_file_in_one_run(lake, tmp_path, monkeypatch, capsys):
    """`bench --views --store STORE`: the file's data copied into the lake, then both measured in the
    same run and printed as lake ÷ file ratios beside the goals (no timing asserted here)."""
    from benchmarks import views

    monkeypatch.setattr(views, "BENCH_DIR", tmp_path / "bench")  # not the worktree's data/bench
    assert cli.main(["--store", lake, "bench", "--views", "--scale", "province", "--runs", "1", "--skip-pages"]) == 0
    out = capsys.readouterr().out
    assert "Kho dữ liệu chung (DuckLake) so với tệp — quy mô province" in out
    for measure, goal in (("red_flags", "≤ 1,5×"), ("unit_scorecard", "≤ 1,5×"),
                          ("nhập báo cáo một tháng (1 đơn vị)", "≤ 2×")):
        line = next(line for line in out.splitlines() if line.startswith(measure))
        assert goal in line and re.search(r"\d+,\d\d× (đạt|CHƯA ĐẠT)", line), line
    with db.connect(lake) as con:  # the lake holds the file's reports (and the two measured imports)
        assert con.execute("select count(*) from report_batches where file_name like 'province-%'").fetchall()[0][0] == 2
