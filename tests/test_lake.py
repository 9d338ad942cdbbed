"""The shared store (issue #13): DuckLake over a real PostgreSQL, started for these tests.

Each test has a lake of its own (a fresh PostgreSQL database and data folder). Skipped only when
the PostgreSQL binaries are absent and this is not CI (.ci/run installs them)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nq57 import cli, db
from tests import lake_server

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "tests" / "fixtures" / "libreoffice_nha_bich_2026-10.xlsx"
AS_OF = "2026-11-30"


@pytest.fixture(scope="session")
def postgres():
    folder = lake_server.binaries()
    if folder is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed, and CI must run the lake tests (.ci/run installs it)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = lake_server.PostgresServer(folder)
    server.start()
    yield server
    server.remove()


@pytest.fixture()
def lake(postgres, monkeypatch) -> str:
    store, data_path = postgres.new_store()
    monkeypatch.setenv("NQ57_DATA_PATH", data_path)
    monkeypatch.delenv("NQ57_STORE", raising=False)
    return store


def _another_server(*arguments: str) -> subprocess.CompletedProcess:
    """The command line in a process of its own, as a second app server would be."""
    return subprocess.run([sys.executable, "-m", "nq57", *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ})


def _batches(store: str) -> int:
    with db.connect(store) as con:
        return con.execute("select count(*) from report_batches where rolled_back_at is null").fetchall()[0][0]


def test_init_on_the_lake_loads_the_catalogue_that_another_server_reads(lake, capsys):
    assert cli.main(["--store", lake, "init", "--system"]) == 0
    assert "138 đơn vị" in capsys.readouterr().out
    units = _another_server("--store", lake, "export", "units")
    assert units.returncode == 0, units.stderr
    assert "xa-nha-bich" in units.stdout and len(units.stdout.splitlines()) == 139  # header + 138 units


def test_an_import_through_one_server_is_seen_by_the_other(lake, demo_db_path, capsys):
    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    before = _batches(lake)  # this process now has the lake attached
    imported = _another_server("--store", lake, "import", str(REPORT), "--system")
    assert imported.returncode == 0, imported.stderr
    assert "Đã ghi nhận 1 đơn vị, kỳ 10/2026" in imported.stdout
    assert _batches(lake) == before + 1
    with db.connect(lake) as con:
        stored = con.execute("select unit_id, period from report_batches where file_name = ?",
                             [REPORT.name]).fetchall()
        ids = [row[0] for row in con.execute("select batch_id from report_batches").fetchall()]
    assert [(unit, str(period)) for unit, period in stored] == [("xa-nha-bich", "2026-10-01")]
    assert len(ids) == len(set(ids))  # the writer allocated a fresh id


def test_migrate_into_the_lake_and_back_loses_nothing(lake, demo_db_path, tmp_path, capsys):
    back = tmp_path / "back.duckdb"
    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    assert cli.main(["migrate", "--from", lake, "--to", str(back)]) == 0
    out = capsys.readouterr().out
    assert "mọi bảng khớp" in out and "KHÁC" not in out
    assert "kpi_values:" in out and "audit_log:" in out
    flags = [_another_server("--db", str(store), "export", "red_flags", "--as-of", AS_OF) for store in (demo_db_path, back)]
    assert flags[0].returncode == 0 and flags[1].returncode == 0
    assert len(flags[0].stdout.splitlines()) > 100
    # the same flags (the file reads them from its stored snapshot, the copy computes them: order aside)
    assert sorted(flags[0].stdout.splitlines()) == sorted(flags[1].stdout.splitlines())
    # the copy out is a working file: a new upload gets an id after the copied ones
    assert cli.main(["--db", str(back), "import", str(REPORT), "--system"]) == 0
    with db.connect(back) as con:
        ids = [row[0] for row in con.execute("select batch_id from report_batches").fetchall()]
    assert len(ids) == len(set(ids))


def test_an_import_while_postgresql_is_stopped_fails_in_vietnamese_and_stores_nothing(
        lake, postgres, demo_db_path, capsys):
    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    before = _batches(lake)
    capsys.readouterr()
    postgres.stop()
    try:
        assert cli.main(["--store", lake, "import", str(REPORT), "--system"]) == 1
        err = capsys.readouterr().err
        assert "không kết nối được kho dữ liệu chung" in err and "Không có gì được ghi" in err
        assert "Traceback" not in err
    finally:
        postgres.start()
    assert _batches(lake) == before  # and this process reconnects by itself once the server is back


def test_the_pages_say_the_store_is_unreachable_instead_of_a_traceback(tmp_path, monkeypatch):
    """A replica whose PostgreSQL is down: every page shows the store's Vietnamese message (and
    reloads itself when the store answers again), never a traceback."""
    from streamlit.testing.v1 import AppTest

    port = lake_server._free_port()  # nothing listens there
    monkeypatch.setenv("NQ57_STORE", f"ducklake:postgres:dbname=nq57 host=127.0.0.1 port={port} user=nq57 password=S3cret")
    monkeypatch.setenv("NQ57_DATA_PATH", str(tmp_path / "lake-files"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    assert "không kết nối được kho dữ liệu chung" in shown and "tự tải lại" in shown, shown
    assert f"cổng {port} không trả lời" in shown and "Error" not in shown, shown  # no English from DuckDB
    assert "S3cret" not in shown and "password" not in shown, shown  # nor the connection string


def test_a_plan_imported_through_the_lake_gets_fresh_target_ids(lake, capsys, tmp_path):
    """The lake has no column defaults: the writer allocates the targets' ids, unique beside the seed's."""
    from tests.test_plan_import import fill

    assert cli.main(["--store", lake, "init", "--system"]) == 0
    template = tmp_path / "ke-hoach-trong.xlsx"
    assert cli.main(["--store", lake, "template", "--plan", "--out", str(template)]) == 0
    plan = tmp_path / "ke-hoach.xlsx"
    plan.write_bytes(fill(template.read_bytes()))
    imported = _another_server("--store", lake, "import", str(plan), "--plan", "--system")
    assert imported.returncode == 0, imported.stderr
    with db.connect(lake) as con:
        new = con.execute("select count(*) from targets where plan_id = 'tan-an-cds-2026'").fetchall()[0][0]
        ids = [row[0] for row in con.execute("select target_id from targets").fetchall()]
    assert new > 0 and None not in ids and len(ids) == len(set(ids))


def test_page_reads_share_one_fingerprint_per_lake_snapshot_and_see_the_next_commit(lake, demo_db_path, capsys):
    """The pages' reads (snapshots.committed_reads) compute the data fingerprint once per lake
    snapshot: they still read the stored rows, equal to the views computed from the facts, and a
    commit from another server moves them to the new figures."""
    import pandas as pd

    from nq57 import snapshots

    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    assert cli.main(["--store", lake, "refresh"]) == 0

    def read() -> pd.DataFrame:
        with db.connect(lake) as con, snapshots.committed_reads(lake):
            db.set_as_of(con, None)
            assert snapshots.find(con) is not None  # the stored answer is the one read
            stored = db.query_view(con, "reporting_compliance", filters={"unit_id": "xa-nha-bich"})
            again = db.query_view(con, "reporting_compliance", filters={"unit_id": "xa-nha-bich"})
        with db.connect(lake) as con:
            db.set_as_of(con, None)
            live = con.execute("select * from reporting_compliance where unit_id = 'xa-nha-bich'").df()
        ordered = lambda frame: frame.sort_values(list(frame.columns)).reset_index(drop=True)  # noqa: E731
        pd.testing.assert_frame_equal(ordered(stored), ordered(again))
        pd.testing.assert_frame_equal(ordered(stored), ordered(live[list(stored.columns)]), check_dtype=False)
        return ordered(stored)

    before = read()
    imported = _another_server("--store", lake, "import", str(REPORT), "--system")
    assert imported.returncode == 0, imported.stderr
    after = read()
    assert not before.equals(after)  # the October report shows, through the shared fingerprint


def test_a_stored_snapshot_is_valid_without_hashing_until_a_commit_touches_what_the_hash_reads(lake, demo_db_path, capsys):
    """On the lake a stored snapshot is found without computing data_fingerprint when no commit
    since its hashing changed a table the fingerprint reads (snapshots._unchanged, two PostgreSQL
    queries instead of ~160): it is the snapshot the hash would find; commits to other tables (the
    writers' row) keep it; a commit to a hashed table sends the look-up back to the hash, which
    then decides (a setting's changed description: no valid snapshot for any day)."""
    from datetime import date

    from nq57 import dates, snapshots
    from nq57 import lake as lake_store

    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    assert cli.main(["--store", lake, "refresh"]) == 0
    days = dates.page_days(date.today())

    def hashed(con) -> int | None:
        found = con.execute("select snapshot_id from view_snapshots where as_of = ? and data_fingerprint = ?",
                            [snapshots.as_of_date(con), snapshots.fingerprint(con)]).fetchall()
        return found[0][0] if found else None

    with db.connect(lake) as con:
        for day in days:
            db.set_as_of(con, day)
            assert snapshots._unchanged(con, snapshots.as_of_date(con)) == hashed(con) is not None
        # a read that reads another date first nests query_view in one read transaction, also
        # inside a write transaction (a failed nested `begin` aborted the outer one)
        first, second = sorted(day for day in days if day is not None)[-2:]
        league = db.query_view(con, "league_table", as_of=second, previous=first)
        with db.transaction(con):
            assert db.query_view(con, "league_table", as_of=second, previous=first).equals(league)
        assert len(league) > 0 and con.execute("select 1").fetchall() == [(1,)]
        with db.transaction(con):
            pass  # bumps lake_writes only
        db.set_as_of(con, days[-1])
        assert snapshots._unchanged(con, snapshots.as_of_date(con)) == hashed(con) is not None
        # maintenance that expires a snapshot takes its change record with it: what it changed is
        # unknown, so the hash decides again (and, nothing hashed having changed, finds the same)
        for _ in range(2):
            with db.transaction(con):
                pass
        expired = lake_store.snapshot_id(con) - 1
        con.execute(f"call ducklake_expire_snapshots('{lake_store.ALIAS}', versions => [{expired}])")
        assert snapshots._unchanged(con, snapshots.as_of_date(con)) is None
        assert snapshots.find(con) == hashed(con) is not None
        with db.transaction(con):
            con.execute("update settings set description = description || '.' where key = 'first_period'")
        for day in days:
            db.set_as_of(con, day)
            assert snapshots._unchanged(con, snapshots.as_of_date(con)) is None
            assert snapshots.find(con) is None  # the catalogue hash moved: no stored answer is valid


def test_a_replica_whose_postgresql_restarts_says_so_then_shows_the_figures_again(
        lake, postgres, demo_db_path, monkeypatch, capsys):
    """PostgreSQL stopped under a running replica, then started again: the page says the store is
    unreachable (no traceback) and, once it answers, shows the figures again in the same process,
    without a restart of the replica."""
    import time

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    assert cli.main(["migrate", "--from", str(demo_db_path), "--to", lake]) == 0
    monkeypatch.setenv("NQ57_STORE", lake)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert any("Tổng quan" in t.value for t in at.title)
    postgres.stop()
    try:
        time.sleep(1)  # past the lake version's cache (components/data.py LAKE_VERSION_TTL)
        at.run()
        assert not at.exception, at.exception
        shown = " ".join(e.value for e in at.error)
        assert "không kết nối được kho dữ liệu chung" in shown and "Traceback" not in shown, shown
    finally:
        postgres.start()
    time.sleep(1)
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert any("Tổng quan" in t.value for t in at.title)
