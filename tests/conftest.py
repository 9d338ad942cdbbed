"""Fixtures: a tiny hand-made database for the view tests, and the real catalogue with demo
reports (built once per test session) for the command line and the pages."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from nq57 import catalogue, dates, db, demo

# The demo data and every as-of in the tests are pinned, so results do not drift with the clock.
DEMO_TODAY = date(2026, 11, 25)

FIXTURE_SQL = """
insert into units (unit_id, name, kind, parent_id, office_code, report_cycle, sort_order) values
    ('dong-nai',      'tỉnh Đồng Nai',  'province',   null,       null,    'monthly',   0),
    ('phuong-a',      'phường An',      'ward',       'dong-nai', null,    'monthly',   1),
    ('xa-b',          'xã Bình',        'commune',    'dong-nai', null,    'monthly',   2),
    ('xa-c',          'xã Cát',         'commune',    'dong-nai', null,    'quarterly', 3),
    ('dong-nai/so-x', 'Sở Thử nghiệm',  'department', 'dong-nai', 'so-x',  'monthly',   4);

insert into plans (plan_id, issuer_unit_id, issuer_name, doc_number, issued_on, title, implements, report_cycle) values
    ('p-a',    'phuong-a', 'UBND phường An', '1/KH-UBND',  date '2025-07-01', 'Kế hoạch phường An', ['02-KH/BCĐ'], 'monthly'),
    ('p-b',    'xa-b',     'UBND xã Bình',   '2/KH-UBND',  date '2025-07-01', 'Kế hoạch xã Bình',   ['02-KH/BCĐ'], 'monthly'),
    ('p-c',    'xa-c',     'UBND xã Cát',    '3/KH-UBND',  date '2025-07-01', 'Kế hoạch xã Cát',    ['02-KH/BCĐ'], 'quarterly'),
    ('p-prov', 'dong-nai', 'BCĐ tỉnh',       '02-KH/BCĐ',  date '2025-07-01', 'Kế hoạch tỉnh',      [], 'monthly');

insert into tasks (task_id, plan_id, task_no, sort_order, content, lead_text, deadline_text, deadline_kind,
                   due_date, start_date, recurrence, is_key_task) values
    ('p-a:1', 'p-a', '1', 1, 'Xây dựng kế hoạch chuyển đổi số', 'Phòng VH-XH', 'Năm 2025',            'date',        date '2025-12-31', null, null, false),
    ('p-a:2', 'p-a', '2', 2, 'Tuyên truyền thường xuyên',        'Phòng VH-XH', 'Thường xuyên',        'recurring',   null,              null, 'continuous', false),
    ('p-a:3', 'p-a', '3', 3, 'Cơ chế đặc thù mua sắm',           'Phòng Kinh tế', 'Khi Trung ương, tỉnh có hướng dẫn', 'conditional', null, null, null, false),
    ('p-a:4', 'p-a', '4', 4, 'Rà soát thủ tục hành chính',       'Trung tâm PVHCC', 'Quý III/2025',    'date',        date '2025-09-30', null, null, false);

insert into task_units values
    ('p-a:1', 'phuong-a', null), ('p-a:2', 'phuong-a', null), ('p-a:3', 'phuong-a', null), ('p-a:4', 'phuong-a', null);

insert into kpis (kpi_id, name, unit_of_measure, direction, kind, is_ratio, numerator_label, denominator_label) values
    ('dvc', 'Tỷ lệ DVC trực tuyến toàn trình', '%',       'higher', 'level', true,  'Số TTHC toàn trình', 'Số TTHC đủ điều kiện'),
    ('xh',  'Xếp hạng chuyển đổi số',          'Thứ bậc', 'rank',   'level', false, null, null);

insert into targets (plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit, due_date, raw_text) values
    ('p-prov', 'dong-nai', 'dvc', 2025, '>=',     80,  '%',       date '2025-12-31', '≥ 80% trước ngày 01/01/2026'),
    ('p-prov', 'dong-nai', 'dvc', 2030, '>=',     100, '%',       date '2030-12-31', 'tiến tới 100% trước ngày 31/12/2030'),
    ('p-a',    'xa-b',     'dvc', 2025, '>=',     50,  '%',       date '2025-12-31', '≥ 50%'),
    ('p-a',    'phuong-a', 'xh',  2030, 'rank<=', 25,  'thứ bậc', date '2030-12-31', 'Tốp 25 của tỉnh');
"""


@pytest.fixture(scope="session")
def schema_path(tmp_path_factory) -> Path:
    """A database holding the schema, macros and views and nothing else, made once: creating
    them takes about 3 s, and 160 tests start from them (a copy of the file takes milliseconds)."""
    path = tmp_path_factory.mktemp("schema") / "schema.duckdb"
    with duckdb.connect(str(path)) as con:
        db.create_schema(con)
    return path


@pytest.fixture()
def fixture_db(tmp_path: Path, schema_path: Path) -> duckdb.DuckDBPyConnection:
    """Schema and views over a five-unit catalogue, no reports yet."""
    import shutil

    shutil.copy(schema_path, tmp_path / "fixture.duckdb")
    con = duckdb.connect(str(tmp_path / "fixture.duckdb"))
    con.execute(FIXTURE_SQL)
    yield con
    con.close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


APP_PATH = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture()
def app(demo_db_path, tmp_path, monkeypatch):
    """The dashboard under AppTest, on a copy of the demo database (tests may write through the
    pages: uploads, rollbacks, reviews), after its first run."""
    import shutil

    from streamlit.testing.v1 import AppTest

    database = tmp_path / "app.duckdb"
    shutil.copy(demo_db_path, database)
    monkeypatch.setenv("NQ57_DB", str(database))
    at = AppTest.from_file(APP_PATH, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    """The real catalogue with demo reports, built once; tests must not write to it."""
    path = tmp_path_factory.mktemp("demo") / "nq57.duckdb"
    with db.connect(path) as con:
        db.create_schema(con)
        catalogue.load_catalogue(con)
        demo.generate(con, today=DEMO_TODAY)
        # as the first start does, for the demo's day and for the clock's: the pages open on the
        # clock's today, and a page served from the stored rows (as at any real first start) takes
        # 2 s under AppTest where computing it from the facts took 8 s, in every test of a page
        days = set(dates.page_days(DEMO_TODAY)) | set(dates.page_days(date.today()))
        db.refresh_snapshots(con, sorted(days))
    return path


def pytest_configure(config):
    config.addinivalue_line("markers", "load: the bounded load test against a real server (tests/test_load.py)")


def sign_in_as(monkeypatch, database: Path, user_name: str) -> str:
    """Sign `user_name` in for AppTest as the sign-in page would: a server-side session and the
    signed cookie the browser would send (AppTest cannot carry cookies, so the page's cookie
    reader is pointed at it). Returns the cookie value."""
    from components import session
    from nq57 import web_sessions

    with db.connect(database) as con:
        cookie, _ = web_sessions.create(con, user_name, web_sessions.cookie_secret(database), client="test")
    monkeypatch.setattr(session, "cookie_value", lambda: cookie)
    return cookie


def signed_in_copy(demo_db_path: Path, folder: Path, monkeypatch, user_name: str, role: str = "secretariat",
                   display_name: str | None = None) -> Path:
    """A copy of the demo database that the app (NQ57_DB) opens, with one account signed in."""
    import shutil

    from nq57 import auth

    copy = folder / "signed_in.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("NQ57_DB", str(copy))
    with db.connect(copy) as con:
        auth.add_user(con, user_name, role, "mat-khau-du-dai-123", display_name=display_name, by="system:tests")
    sign_in_as(monkeypatch, copy, user_name)
    return copy
