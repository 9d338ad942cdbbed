"""The command line's refresh after a one-unit write runs within a small memory cap (issue #17:
at national size DuckDB's buffer pool kept 1 GB of pages for one ward's import); a day that needs
more, such as a whole rebuild, is stored all the same, without the cap."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from nq57 import cli, db, snapshots, storage
from tests.test_ingest import COUNT_KPI, filled

DAY = date(2026, 11, 25)


@pytest.fixture()
def database(demo_db_path, tmp_path, monkeypatch):
    monkeypatch.delenv("NQ57_MEMORY_LIMIT", raising=False)
    path = tmp_path / "nq57.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def spy_limits(monkeypatch) -> list[str]:
    seen, real = [], db.refresh_snapshots

    def spy(con, days, *rest):
        seen.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return real(con, days, *rest)
    monkeypatch.setattr(db, "refresh_snapshots", spy)
    return seen


def test_a_command_line_import_refreshes_within_the_cap(database, tmp_path, monkeypatch):
    with db.connect(database) as con:
        report = tmp_path / "bao-cao.xlsx"
        report.write_bytes(filled(con, kpis={COUNT_KPI: {"value": 12}}))
        default = con.execute("select current_setting('memory_limit')").fetchone()[0]
        con.execute(f"set memory_limit = '{storage.WRITE_MEMORY_CAP}'")
        cap = con.execute("select current_setting('memory_limit')").fetchone()[0]  # as DuckDB says it
    seen = spy_limits(monkeypatch)
    assert cli.main(["--db", str(database), "import", str(report), "--system"]) == 0
    assert seen and all(limit == cap for limit in seen), (seen, cap)
    assert default not in seen
    with db.connect(database) as con:
        db.set_as_of(con, None)
        assert snapshots.find(con) is not None  # today's figures are stored all the same


def test_a_day_that_needs_more_than_the_cap_is_stored_without_it(database, monkeypatch):
    with db.connect(database) as con:
        con.execute("delete from view_snapshots")  # a whole rebuild: far more than an 8 MB cap
        default = con.execute("select current_setting('memory_limit')").fetchone()[0]
        seen = spy_limits(monkeypatch)
        storage.refresh_snapshots(con, [DAY], cap="8MB")
        # tried within the cap, then without it: the limit before, set back by value (it may
        # read a rounding lower)
        assert seen[0] == "7.6 MiB" and len(seen) == 2 and close(seen[-1], default), (seen, default)
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == seen[-1]
        db.set_as_of(con, DAY)
        assert snapshots.find(con) is not None


def test_the_limit_is_set_back_after_a_refresh_within_the_cap(database):
    with db.connect(database) as con:
        default = con.execute("select current_setting('memory_limit')").fetchone()[0]
        con.execute("delete from view_snapshots")
        storage.refresh_snapshots(con, [DAY], cap=storage.WRITE_MEMORY_CAP)
        db.set_as_of(con, DAY)
        assert snapshots.find(con) is not None
        assert close(con.execute("select current_setting('memory_limit')").fetchone()[0], default)


def close(limit: str, other: str) -> bool:
    """Two of DuckDB's memory limits ('18.7 GiB', '244.1 MiB') within 1 % of each other."""
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024 ** 2}
    size = lambda text: float(text.split()[0]) * units[text.split()[1]]
    return abs(size(limit) - size(other)) <= 0.01 * size(other)


def test_a_process_wide_limit_is_left_as_the_operator_set_it(database, monkeypatch):
    monkeypatch.setenv("NQ57_MEMORY_LIMIT", "700MB")
    with db.connect(database) as con:
        seen = spy_limits(monkeypatch)
        storage.refresh_snapshots(con, [DAY], cap="1MB")
        assert seen == ["667.5 MiB"]  # neither capped nor tried twice
