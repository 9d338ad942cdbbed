"""Reads never write: every page, at stored and unstored as-of dates, leaves the database as it
was (tables, the data fingerprint, the stored snapshots), so a visitor can neither slow a writer
down with snapshot builds nor evict the month ends that pages keep asking for. The meeting pack
needs an account and lets the file go before it draws."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import compare_views
from nq57 import auth, db
from tests.conftest import APP_PATH, DEMO_TODAY, sign_in_as

PROJECT = Path(__file__).resolve().parent.parent
PAGES = sorted(f"pages/{p.name}" for p in (PROJECT / "pages").glob("*.py"))
# stored (today, a month end, a quarter end) and not stored (a mid-month day, an old month end)
AS_OF_DAYS = [DEMO_TODAY, date(2026, 3, 17), date(2025, 12, 31), date(2025, 10, 31)]
PAGE_PARAMS = {"pages/unit_profile.py": {"unit": "xa-nha-bich"}, "pages/kpi_view.py": {"kpi": "dvc-toan-trinh"}}


def state(path: Path) -> dict:
    """Everything a write would change: each table's rows, the fingerprint at each date, the
    snapshots stored, and the file's bytes."""
    with db.connect(path) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_schema = 'main' order by 1").fetchall()]
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchall()[0][0] for t in tables}
        fingerprints = {}
        for day in AS_OF_DAYS:
            db.set_as_of(con, day)
            fingerprints[day] = con.execute("select fingerprint from data_fingerprint").fetchall()[0][0]
        stored = con.execute("select snapshot_id, as_of, data_fingerprint, built_at from view_snapshots "
                             "order by snapshot_id").fetchall()
    return {"counts": counts, "fingerprints": fingerprints, "snapshots": stored,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


@pytest.fixture()
def database(demo_db_path, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "reads.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("NQ57_DB", str(path))
    return path


def test_no_page_writes_at_any_as_of_date(database):
    before = state(database)
    stored_days = {row[1] for row in before["snapshots"]}
    assert DEMO_TODAY in stored_days and date(2026, 3, 17) not in stored_days
    runs = 0
    for day in AS_OF_DAYS:
        # a session per day: the compare page's open tab outlives page switches, and a link to
        # its first (default) tab does not move a session back to it
        at = AppTest.from_file(APP_PATH, default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        at.date_input(key="as_of_input").set_value(day).run()
        for page in PAGES:
            at.query_params.clear()
            for key, value in PAGE_PARAMS.get(page, {}).items():
                at.query_params[key] = value
            at.switch_page(page).run()
            assert not at.exception, (page, day, at.exception)
            runs += 1
        # each tab of the compare page (the league table, the heatmap, the panels), then the meeting
        # slides, which read the same views
        drawn = [lambda: len(at.dataframe) == 1, lambda: [s.key for s in at.slider] == ["heat_limit"],
                 lambda: "side_units" in [m.key for m in at.multiselect]]
        for tab, shows_it in zip(compare_views.TABS, drawn):
            at.query_params.clear()
            at.query_params["compare_tab"] = tab
            at.switch_page("pages/compare.py").run()
            assert not at.exception, (tab, day, at.exception)
            assert shows_it(), (tab, day)
        at.button(key="start_meeting").click().run()
        at.button(key="slide_next").click().run()
        assert not at.exception, (day, at.exception)
        at.button(key="slide_exit").click().run()
    assert runs == len(PAGES) * len(AS_OF_DAYS)
    assert state(database) == before


def test_visitor_dates_never_evict_the_month_ends(database):
    """Fifty different days asked for by visitors store nothing, so MAX_SNAPSHOTS never pushes
    the stored month ends out (before, each of these days stored a snapshot)."""
    from components import data

    before = state(database)["snapshots"]
    for offset in range(50):
        day = date.fromordinal(date(2025, 8, 1).toordinal() + 9 * offset)
        assert len(data._read_view("unit_scorecard", day, (), None, None, ("test", offset))) == 95
    assert state(database)["snapshots"] == before


def test_the_meeting_pack_needs_an_account(database, monkeypatch):
    with db.connect(database) as con:
        auth.add_user(con, "lanh-dao", "leader", "mat-khau-du-dai-123", by="system:tests")
    at = AppTest.from_file(APP_PATH, default_timeout=120)
    at.run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "make_pack"]
    assert any("Đăng nhập" in i.value and "gói tài liệu" in i.value for i in at.info)

    sign_in_as(monkeypatch, database, "lanh-dao")
    at.run()
    at.button(key="make_pack").click().run()
    assert not at.exception, at.exception
    assert {b.label for b in at.get("download_button")} >= {"Tải Excel", "Tải PDF"}


def test_the_meeting_pack_draws_without_holding_the_database(database):
    from components import data

    with pytest.raises(auth.PermissionDenied, match="cần đăng nhập"):
        data.meeting_pack(DEMO_TODAY, None, progress=lambda f, m: None)

    opened_while_drawing = []

    def progress(fraction: float, message: str) -> None:
        if 0.15 <= fraction < 1 and not opened_while_drawing:
            # another process opens the file for writing while the pack draws
            probe = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
                                    str(database)], capture_output=True, text=True, timeout=60)
            opened_while_drawing.append((probe.returncode, probe.stderr))

    workbook, pdf, stem = data.meeting_pack(DEMO_TODAY, auth.User(user_name="lanh-dao", role="leader"), progress)
    assert stem == f"goi_hop_{DEMO_TODAY.isoformat()}" and pdf.startswith(b"%PDF") and workbook[:2] == b"PK"
    assert opened_while_drawing == [(0, "")]
