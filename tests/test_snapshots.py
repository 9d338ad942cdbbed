"""Stored snapshots of the expensive views (nq57/snapshots.py): they hold exactly what the views
compute, they are read while valid, and any change the views would see makes them invalid, so a
page never shows a figure the data no longer supports."""
from __future__ import annotations

import re
import shutil
import threading
from datetime import date, datetime, time
from pathlib import Path

import pytest

from nq57 import cli, dates, db, reports, snapshots
from tests.conftest import DEMO_TODAY

PROJECT = Path(__file__).resolve().parent.parent
DAYS = [date(2025, 12, 31), date(2026, 3, 3), DEMO_TODAY]


@pytest.fixture()
def demo_copy(demo_db_path, tmp_path) -> Path:
    path = tmp_path / "snapshots.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def stored(view: str, snapshot_id: int) -> str:
    return (f"(select * exclude (snapshot_id, snapshot_row) from {snapshots.table_name(view)} "
            f"where snapshot_id = {int(snapshot_id)})")


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_a_snapshot_holds_exactly_what_each_view_computes(demo_copy, day):
    with db.connect(demo_copy) as con:
        db.set_as_of(con, day)
        snapshot_id = snapshots.build(con)
        for view in snapshots.SNAPSHOT_VIEWS:
            live_rows = con.execute(f"select count(*) from {view}").fetchall()[0][0]
            missing = con.execute(f"select count(*) from ((from {view}) except all (from {stored(view, snapshot_id)}))").fetchall()[0][0]
            extra = con.execute(f"select count(*) from ((from {stored(view, snapshot_id)}) except all (from {view}))").fetchall()[0][0]
            assert (missing, extra) == (0, 0), f"{view} at {day}: {missing} rows missing, {extra} extra of {live_rows}"
        # the league table's order is part of what a reader sees
        live = con.execute("select unit_id from unit_scorecard").fetchall()
    with db.connect(demo_copy) as con:
        assert db.query_view(con, "unit_scorecard", day)["unit_id"].tolist() == [u for (u,) in live]


def test_pages_read_the_snapshot_and_a_commit_today_replaces_only_todays(demo_copy):
    past = date(2026, 9, 30)
    with db.connect(demo_copy) as con:
        cli.refresh_page_snapshots(con, DEMO_TODAY)
        db.set_as_of(con, past)
        past_id = snapshots.find(con)
        db.set_as_of(con, DEMO_TODAY)
        today_id = snapshots.find(con)
        assert past_id and today_id
        # mark the stored figure so the test can tell a read of the snapshot from a recomputation
        con.execute("update snapshot_unit_scorecard set score = -1 where unit_id = 'xa-nha-bich'")
        assert db.query_view(con, "unit_scorecard", DEMO_TODAY, filters={"unit_id": "xa-nha-bich"})["score"].item() == -1
        assert db.query_view(con, "unit_scorecard", past, filters={"unit_id": "xa-nha-bich"})["score"].item() == -1

        # a report rolled back today changes what today's views see, not what 30/09 saw
        batch = con.execute("select max(batch_id) from report_batches where unit_id = 'xa-nha-bich'").fetchall()[0][0]
        reports.roll_back_batch(con, batch, by="kiem-thu", at=datetime.combine(DEMO_TODAY, time(12)))
        db.set_as_of(con, DEMO_TODAY)
        assert snapshots.find(con) is None
        assert db.query_view(con, "unit_scorecard", DEMO_TODAY, filters={"unit_id": "xa-nha-bich"})["score"].item() >= 0
        db.set_as_of(con, past)
        assert snapshots.find(con) == past_id


def fingerprint(con, day: date) -> str:
    db.set_as_of(con, day)
    return snapshots.fingerprint(con)


@pytest.mark.parametrize("change", [
    "update settings set value = '0.5' where key = 'weight_completion'",
    "update targets set target_value = target_value + 1 where unit_id = 'xa-nha-bich' and horizon = 2030",
    "update tasks set due_date = date '2026-01-31' where task_id = (select min(task_id) from tasks)",
    "insert into evidence_reviews (batch_id, unit_id, item_type, item_id, decision, reviewed_by, reviewed_at)"
    " select batch_id, unit_id, 'kpi', kpi_id, 'insufficient', 'x', timestamp '2026-11-25 09:00'"
    " from kpi_values limit 1",
    "insert into evidence_files (sha256, size, mime_type, original_name, stored_path, uploaded_by, uploaded_at,"
    " batch_id, unit_id, item_type, item_id) select 'ab', 1, 'application/pdf', 'a.pdf', 'ab', 'x',"
    " timestamp '2026-11-25 09:00', batch_id, unit_id, 'kpi', kpi_id from kpi_values limit 1",
    "update report_batches set rolled_back_at = timestamp '2026-11-25 09:00' where batch_id = (select max(batch_id) from report_batches)",
    "delete from report_batches where batch_id = (select max(batch_id) from report_batches)",
], ids=["setting", "target", "task", "review", "evidence file", "rollback", "batch removed"])
def test_every_change_the_views_would_see_changes_the_fingerprint(demo_copy, change):
    with db.connect(demo_copy) as con:
        before = fingerprint(con, DEMO_TODAY)
        con.execute(change)
        assert fingerprint(con, DEMO_TODAY) != before


def test_a_change_dated_today_leaves_past_fingerprints_alone(demo_copy):
    with db.connect(demo_copy) as con:
        before = fingerprint(con, date(2026, 6, 30))
        con.execute("update report_batches set rolled_back_at = timestamp '2026-11-25 09:00' "
                    "where batch_id = (select max(batch_id) from report_batches where uploaded_at < date '2026-06-01')")
        assert fingerprint(con, date(2026, 6, 30)) == before


def test_the_fingerprint_covers_every_table_the_views_read():
    tables = set(re.findall(r"create table if not exists (\w+)", (PROJECT / "queries/schema.sql").read_text()))
    read = set()
    for view in db.VIEW_ORDER:
        read |= set(re.findall(r"\b(?:from|join)\s+(\w+)", db.read_sql_file(view))) & tables
    read |= set(re.findall(r"\bfrom\s+(\w+)", db.read_sql_file("macros"))) & tables
    # data_fingerprint hashes the catalogue (catalogue_fingerprint) and every unit's facts
    # (unit_fingerprints, which validate the stored answers unit by unit)
    hashed = set()
    for part in ("data_fingerprint", "catalogue_fingerprint", "unit_fingerprints"):
        hashed |= set(re.findall(r"\bfrom\s+(\w+)", db.read_sql_file(part)))
    # values and task updates come and go only with their batch, which is hashed; the stored
    # latest values, task updates and verdicts are derived from the batches, verdicts and files
    # and read only where their hashes still match the unit's (kpi_store_fresh_units), so a stale
    # store cannot change an answer; the stored targets likewise, while the catalogue's hash matches
    assert read - hashed == {"kpi_values", "task_updates", "kpi_store_units", "kpi_store_values", "kpi_store_year_sums",
                             "task_store_latest", "evidence_store", "target_store", "target_store_state"}


def test_two_sessions_building_the_same_snapshot_store_one(demo_copy):
    errors, ids = [], []

    def build():
        try:
            with db.connect(demo_copy) as con:
                db.set_as_of(con, DEMO_TODAY)
                ids.append(snapshots.build(con))
        except Exception as problem:  # noqa: BLE001 - the test reports any error
            errors.append(problem)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with db.connect(demo_copy) as con:
        assert con.execute("select count(*) from view_snapshots where as_of = ?", [DEMO_TODAY]).fetchall()[0][0] == 1
        # no temp table outlives a build on a connection
        assert con.execute("select count(*) from duckdb_tables() where temporary").fetchall()[0][0] == 0


def test_changed_views_drop_every_snapshot(demo_copy):
    with db.connect(demo_copy) as con:
        cli.refresh_page_snapshots(con, DEMO_TODAY)
        stored = {day for (day,) in con.execute("select as_of from view_snapshots").fetchall()}
        assert stored >= set(dates.page_days(DEMO_TODAY))
        con.execute("update settings set value = 'old' where key = 'schema_fingerprint'")
        assert db.migrate_if_needed(con)
        assert con.execute("select count(*) from view_snapshots").fetchall()[0][0] == 0
        assert con.execute("select count(*) from snapshot_kpi_progress").fetchall()[0][0] == 0


def test_refresh_command_builds_the_days_the_pages_ask_for(demo_copy, capsys):
    with db.connect(demo_copy) as con:  # the fixture stores the clock's days too: start from none
        for (snapshot_id,) in con.execute("select snapshot_id from view_snapshots").fetchall():
            snapshots.drop(con, snapshot_id)
    assert cli.main(["--db", str(demo_copy), "refresh", "--as-of", "2026-11-25"]) == 0
    assert "10 ngày" in capsys.readouterr().out
    with db.connect(demo_copy) as con:
        days = [d for (d,) in con.execute("select as_of from view_snapshots order by as_of").fetchall()]
    # the quarter ends of the last two years (from 07/2025), the six month ends before today, today
    quarters = [date(2025, 9, 30), date(2025, 12, 31), date(2026, 3, 31)]
    months = [date(2026, m, 31 if m in (5, 7, 8, 10) else 30) for m in (5, 6, 7, 8, 9, 10)]
    assert days == quarters + months + [DEMO_TODAY]


def test_old_snapshots_are_pruned_month_ends_last(demo_copy, monkeypatch):
    with db.connect(demo_copy) as con:
        month_ends = {d for (d,) in con.execute(
            "select as_of from view_snapshots where last_day(as_of) = as_of").fetchall()}
        assert len(month_ends) >= 6
        monkeypatch.setattr(snapshots, "MAX_SNAPSHOTS", len(month_ends) + 3)
        for day in range(1, 6):  # other days (refresh --as-of): the oldest of them go first
            db.set_as_of(con, date(2026, 10, day))
            snapshots.build(con)
        kept = {d for (d,) in con.execute("select as_of from view_snapshots").fetchall()}
        assert kept == month_ends | {date(2026, 10, 3), date(2026, 10, 4), date(2026, 10, 5)}
        orphans = con.execute("select count(*) from snapshot_red_flags where snapshot_id not in "
                              "(select snapshot_id from view_snapshots)").fetchall()[0][0]
        assert orphans == 0


def test_an_import_from_the_command_line_leaves_todays_figures_stored(demo_copy, tmp_path):
    from tests.test_scale import filled_report

    report = tmp_path / "bao-cao.xlsx"
    with db.connect(demo_copy) as con:
        report.write_bytes(filled_report(con, "xa-nha-bich", "2026-10", 55))
    assert cli.main(["--db", str(demo_copy), "import", str(report), "--system"]) == 0
    with db.connect(demo_copy) as con:
        db.set_as_of(con, date.today())
        snapshot_id = snapshots.find(con)
        assert snapshot_id is not None  # stored for the state after the import
        shown = db.query_view(con, "kpi_progress", date.today(), filters={"unit_id": "xa-nha-bich"})
    assert 55 in set(shown["actual_value"].round(6))


def test_page_views_built_on_stored_views_read_the_stored_rows(demo_copy):
    """league_table reads unit_scorecard: with a valid snapshot it reads the stored rows (the same
    rows, in a fraction of the time at national size) and leaves no temporary view behind."""
    with db.connect(demo_copy) as con:
        db.set_as_of(con, DEMO_TODAY)
        assert snapshots.find(con) is not None, "the demo stores the pages' days"
        live = db.fetch_frame(con, "select * from league_table order by unit_id")
        stored = db.query_view(con, "league_table", as_of=DEMO_TODAY).sort_values("unit_id").reset_index(drop=True)
        assert stored.equals(live)
        # proof that the stored rows are what it read: mark them, read again
        snapshot_id = snapshots.find(con)
        con.execute("update snapshot_unit_scorecard set score = -1 where snapshot_id = ?", [snapshot_id])
        marked = db.query_view(con, "league_table", as_of=DEMO_TODAY)
        assert set(marked["score"]) == {-1}
        left = con.execute("select view_name from duckdb_views() where temporary and view_name in ?",
                           [snapshots.SNAPSHOT_VIEWS]).fetchall()
        assert left == []
        assert set(db.fetch_frame(con, "select score from unit_scorecard")["score"]) != {-1}


def test_a_server_start_after_an_upgrade_stores_the_snapshots_again_in_the_background(demo_copy):
    """New views drop every stored snapshot (create_tables), whichever process migrates first: here
    a command before the server. The server's start then stores the offered days again in the
    background (the banner says so), instead of leaving each page to compute them: a minute of
    the overview's time at national size. The demo is not made again."""
    import io

    from nq57 import first_start

    with db.connect(demo_copy) as con:
        con.execute("update settings set value = 'an-older-version' where key = 'schema_fingerprint'")
        batches = con.execute("select count(*) from report_batches").fetchall()[0][0]
    assert cli.main(["--db", str(demo_copy), "export", "units", "--out", str(demo_copy.with_suffix(".csv"))]) == 0
    with db.connect(demo_copy) as con:
        assert not first_start.has_snapshots(con)  # the command migrated: the snapshots went with the old views
    said = io.StringIO()
    first_start.prepare(demo_copy, out=said, background=True)
    try:
        assert first_start.started_here() and not first_start.making_demo() or not first_start.running()
        first_start._job.thread.join(timeout=300)
        assert not first_start.running()
    finally:
        first_start._job.thread = None  # this process is no server: later tests prepare their databases
    assert first_start.REFRESHING in said.getvalue() and "Đã lưu lại số liệu tổng hợp" in said.getvalue()
    with db.connect(demo_copy) as con:
        days = {row[0] for row in con.execute("select as_of from view_snapshots").fetchall()}
        assert days == set(dates.page_days(date.today()))
        assert con.execute("select count(*) from report_batches").fetchall()[0][0] == batches
