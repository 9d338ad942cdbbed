"""The one module that knows where the data lives and how to reach it.

Everything else asks for a connection here and reads the contract views; no other module
opens DuckDB files or builds SQL from user values.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd

from nq57 import filelock, kpi_store, labels, lake, previous_as_of, snapshot_units, snapshots, views
from nq57 import transaction as transactions
from nq57.frames import fetch_frame  # noqa: F401 (db.fetch_frame)
from nq57.ids import new_id, new_ids, sync_ids  # noqa: F401 (db.new_id …)
from nq57.settings import DEFAULT_SETTINGS, number_setting, setting  # noqa: F401 (db.setting …)
from nq57.transaction import StoreUnreachable, WriteConflict, retried, retrying, transaction  # noqa: F401 (db.…)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "nq57.duckdb"

# Views are created in the order nq57/views.py sorts them by what they read (no hand-kept list).
VIEW_ORDER = views.ORDER
CONTRACT_VIEWS = views.CONTRACT_VIEWS
CATALOGUE_TABLES = ["units", "tasks", "kpis", "targets"]

def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db/--store beats NQ57_STORE beats NQ57_DB beats data/nq57.duckdb. A store named
    `ducklake:postgres:…` is the shared lake (nq57/lake.py), its files under NQ57_DATA_PATH."""
    chosen = explicit or os.environ.get("NQ57_STORE") or os.environ.get("NQ57_DB") or DEFAULT_DB_PATH
    return Path(chosen)


def is_lake(explicit: str | os.PathLike | None = None) -> bool:
    return lake.is_lake(str(database_path(explicit)))


def files_folder(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Where the store keeps files beside its rows (evidence): NQ57_DATA_PATH on the lake, None
    for a file (its own folder)."""
    return Path(os.environ.get("NQ57_DATA_PATH") or ".") if lake.in_lake(con) else None

transactions.on_begin, transactions.translate = lake.on_begin, lake.translate
snapshot_id = lake.snapshot_id  # the lake's commit count, any server's: the pages' cache key there


# How long a connection waits for DuckDB's lock on a file another process has open, then gives up.
LOCK_WAIT_SECONDS = 30.0
# How long a claimant waits for another (imports queue), and the dashboard for a pending writer.
WRITER_WAIT_SECONDS = 120.0

WAIT_FOR_DASHBOARD = "Cơ sở dữ liệu đang được bảng điều hành sử dụng; đang chờ…"
WAIT_FOR_WRITER = "Cơ sở dữ liệu đang được một lệnh khác ghi; đang chờ…"
BUSY_MESSAGE = ("cơ sở dữ liệu vẫn bận sau {seconds} giây (bảng điều hành hoặc một lệnh khác đang dùng tệp); "
                "hãy thử lại sau ít phút")

# Called with one of the WAIT_ sentences when a connection has to wait for another process; the
# command line prints it on standard error. None: wait silently (the dashboard).
wait_notice: Callable[[str], None] | None = None


class DatabaseBusy(RuntimeError):
    """Another process kept the file longer than we wait; the message is for a person."""

    def __init__(self, seconds: float):
        super().__init__(BUSY_MESSAGE.format(seconds=f"{seconds:g}".replace(".", ",")))


# The dashboard keeps a database open this many seconds after its last connection closes (see
# keep_open); 0 in every other process, so the command line never holds a file longer than it works.
_keep_open_seconds = 0.0
DASHBOARD_KEEP_OPEN_SECONDS = 1.0
_kept: dict[str, tuple[duckdb.DuckDBPyConnection, threading.Timer | None]] = {}
_kept_guard = threading.Lock()


def keep_open(seconds: float) -> None:
    """Keep each database open `seconds` after its last short-lived connection closes: opening
    the national file reads its catalogue (26 ms), a page opens a dozen connections, and an open
    database hands out new ones in 0,04 ms. Released after that idle time, or at once when another
    process claims the file (nq57/filelock.py). This makes the process the dashboard, which gives
    way to claimants; the server turns it on, tests and the CLI leave it off."""
    global _keep_open_seconds
    _keep_open_seconds = seconds
    if seconds <= 0:
        release_kept()
    else:
        atexit.unregister(release_kept)
        atexit.register(release_kept)  # close cleanly when the server stops


def release_kept() -> None:
    """Close every kept-open database now (the file is then free for other processes)."""
    with _kept_guard:
        entries = list(_kept.values())
        _kept.clear()
    for keeper, timer in entries:
        if timer is not None:
            timer.cancel()
        keeper.close()


def _hold(key: str, db_path: Path, config: dict) -> duckdb.DuckDBPyConnection:
    """The kept-open database of this file (opened if needed), with any pending release cancelled."""
    with _kept_guard:
        keeper, pending = _kept.get(key, (None, None))
        if pending is not None:
            pending.cancel()
        if keeper is None:
            keeper = _open(db_path, False, config)
        _kept[key] = (keeper, None)
        return keeper


def _release_later(key: str, keeper: duckdb.DuckDBPyConnection) -> None:
    """Close the kept-open database after _keep_open_seconds unless a connection comes first;
    at once when a writer waits for the file."""
    if filelock.writer_pending(Path(key)):
        _release(key, keeper)
        return
    with _kept_guard:
        current, pending = _kept.get(key, (None, None))
        if current is not keeper:
            return  # already released (and maybe replaced) meanwhile
        if pending is not None:
            pending.cancel()
        timer = threading.Timer(_keep_open_seconds, _release, args=(key, keeper))
        # not a daemon: the interpreter waits (at most _keep_open_seconds) for the release at exit.
        # A daemon timer firing during finalisation closed DuckDB from a dying thread and aborted
        # the process ("terminate called after throwing an instance of ''").
        timer.daemon = False
        _kept[key] = (keeper, timer)
        timer.start()


def _release(key: str, keeper: duckdb.DuckDBPyConnection) -> None:
    with _kept_guard:
        current, pending = _kept.get(key, (None, None))
        if current is keeper:
            del _kept[key]
            if pending is not None:
                pending.cancel()  # a waiting timer would hold the connection until exit
    keeper.close()


def _give_way(key: str, db_path: Path) -> None:
    """The dashboard, before a new connection: while another process claims the file, close the
    kept-open database (DuckDB frees the file when the connections in flight end) and wait."""
    if not filelock.writer_pending(db_path):
        return
    kept = _kept.get(key)
    if kept is not None:
        _release(key, kept[0])
    if not filelock.wait_while_pending(db_path, WRITER_WAIT_SECONDS):
        raise DatabaseBusy(WRITER_WAIT_SECONDS)


def _claim(db_path: Path):
    """Every process but the dashboard claims the file while it has it open (nq57/filelock.py)."""
    def waiting() -> None:
        if wait_notice is not None:
            wait_notice(WAIT_FOR_WRITER)
    return filelock.claim(db_path, WRITER_WAIT_SECONDS, on_wait=waiting)


# duckdb.connect on one file from two threads at once races in DuckDB's instance cache ("Unique file
# handle conflict: Cannot attach … already attached"); opening one at a time per process avoids it.
_connect_guard = threading.Lock()


def _open(db_path: Path, read_only: bool, config: dict,
          notice: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting while another process holds the file's lock (notice, once, when it
    has to wait); DatabaseBusy after LOCK_WAIT_SECONDS."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.05
    while True:
        try:
            with _connect_guard:
                con = duckdb.connect(str(db_path), read_only=read_only, config=config)
            con.execute("set enable_progress_bar = false")  # it drew bars among the CLI's messages
            return con
        except duckdb.IOException as problem:
            if "lock" not in str(problem).lower():
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(LOCK_WAIT_SECONDS) from problem
            if notice is not None:
                notice(WAIT_FOR_DASHBOARD)
                notice = None
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


@contextmanager
def connect(path: str | os.PathLike | None = None, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection (DuckDB lets one process write a file at a time). The dashboard keeps
    the database open a moment between connections (keep_open) and gives way to any process that
    claims the file, as every other process does while connected (nq57/filelock.py)."""
    db_path = database_path(path)
    if lake.is_lake(str(db_path)):
        with lake.session(str(db_path), os.environ.get("NQ57_DATA_PATH", ""), _config()) as con:
            yield con
        return
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    # NQ57_MEMORY_LIMIT (e.g. "800MB") caps DuckDB's memory (docs/SCALING.md); aggregates spill.
    config = _config()
    key = str(db_path.resolve())
    dashboard = _keep_open_seconds > 0
    with ExitStack() as stack:
        if dashboard:
            _give_way(key, db_path)
        else:
            try:
                stack.enter_context(_claim(db_path))
            except filelock.Busy:
                raise DatabaseBusy(WRITER_WAIT_SECONDS) from None
        kept = _kept.get(key)
        if read_only and kept is not None:
            # DuckDB will not mix read-only and read-write handles on one file in a process
            _release(key, kept[0])
        keeper = _hold(key, db_path, config) if dashboard and not read_only else None
        if keeper is not None:
            stack.callback(_release_later, key, keeper)
        con = _open(db_path, read_only, config, None if dashboard else wait_notice)
        try:
            yield con
        finally:
            con.close()


def _config() -> dict:
    return {"memory_limit": os.environ["NQ57_MEMORY_LIMIT"]} if os.environ.get("NQ57_MEMORY_LIMIT") else {}


def read_sql_file(name: str) -> str:
    """A view by name (wherever its layer folder is), else queries/<name>.sql ('schema',
    'macros', 'workbook/import_preview', 'demo/national')."""
    if name in views.REGISTRY:
        return views.REGISTRY[name].sql()
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Tables, settings defaults, macros and views; safe to run on an existing database."""
    schema = read_sql_file("schema")
    if not lake.in_lake(con):
        kpi_store.drop_keyed(con)
    con.execute(lake.schema_form(schema) if lake.in_lake(con) else schema)
    for key, (value, description) in DEFAULT_SETTINGS.items():
        con.execute("insert into settings (key, value, description) select ?, ?, ? "
                    "where not exists (select 1 from settings where key = ?)", [key, value, description, key])
    con.execute(read_sql_file("macros"))
    from nq57 import catalogue  # catalogue reads seeds only; imported here to keep db light

    catalogue.load_labels(con)  # the views join the labels for their *_label columns
    for view in VIEW_ORDER:
        con.execute(f"create or replace view {view} as\n{read_sql_file(view)}")
    snapshots.create_tables(con)
    kpi_store.forget(con)  # rows a changed rule computed differently are not read again
    con.execute("delete from settings where key = 'schema_fingerprint'")
    con.execute("insert into settings (key, value, description) values ('schema_fingerprint', ?, ?)",
                [schema_fingerprint(), "Dấu vân tay của lược đồ; đổi khi mã SQL đổi"])


def schema_fingerprint() -> str:
    """A hash of every SQL file that shapes the database: when it changes, views are re-created."""
    digest = hashlib.sha256()
    for name in ["schema", "macros", *VIEW_ORDER]:
        digest.update(read_sql_file(name).encode("utf-8"))
    digest.update(labels.SEED_FILE.read_bytes())  # a changed label reloads the labels table
    return digest.hexdigest()[:16]


def migrate_if_needed(con: duckdb.DuckDBPyConnection) -> bool:
    """Bring an existing database up to this code's schema and views; True when it did."""
    fingerprint = schema_fingerprint()
    has_settings = con.execute(
        "select count(*) from information_schema.tables where table_name = 'settings'"
    ).fetchall()[0][0]
    if has_settings:
        stored = con.execute("select value from settings where key = 'schema_fingerprint'").fetchall()
        if stored and stored[0][0] == fingerprint:
            return False
    create_schema(con)
    return True


def is_initialised(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = 'unit_scorecard'"
    ).fetchall()[0][0]
    if not found:
        return False
    return con.execute("select count(*) from units").fetchall()[0][0] > 0


def set_as_of(con: duckdb.DuckDBPyConnection, as_of: date | str | None) -> None:
    """Every view reads the as-of date from this connection variable (today when unset)."""
    con.execute("reset variable stores_hold")  # a trust checked for another date never carries over
    if as_of is None:
        con.execute("reset variable as_of")
    else:
        con.execute("set variable as_of = ?::date", [str(as_of)])


def query_view(con: duckdb.DuckDBPyConnection, view: str, as_of: date | str | None = None,
               filters: dict[str, object] | None = None, order_by: str | None = None,
               columns: list[str] | None = None, previous: date | str | None = None) -> pd.DataFrame:
    """Rows of one view as of a date, with equality filters passed as parameters.
    `previous`: the second as-of of league_table / province_change (nq57/previous_as_of.py).

    The expensive views are read from a stored snapshot when one is valid for the date
    (nq57/snapshots.py), else computed from the facts. A read never stores anything: snapshots
    are built by writes and by `refresh` (refresh_snapshots), for the days pages offer.
    On the lake its statements share one read transaction (lake.reading)."""
    with lake.reading(con):
        return _query_view(con, view, as_of, filters, order_by, columns, previous)


def _query_view(con, view, as_of, filters, order_by, columns, previous) -> pd.DataFrame:
    # one catalogue query filtered by name: listing every table walks PostgreSQL's catalogue on the
    # lake, 0,1-0,4 s for each of a page's dozen reads (docs/SCALING.md, cross-replica freshness)
    known_columns = [row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [view]
    ).fetchall()]
    if not known_columns:
        raise ValueError(f"không có bảng/view tên '{view}'")
    for column in [*(filters or {}), *([order_by] if order_by else []), *(columns or [])]:
        if column not in known_columns:
            raise ValueError(f"view '{view}' không có cột '{column}'")
    previous_as_of.set_previous(con, view, previous, query_view)
    set_as_of(con, as_of)
    source, params, default_order = view, [], None
    stored = view in snapshots.SNAPSHOT_VIEWS
    # a page view built on stored views (league_table on unit_scorecard …) reads their stored rows
    # too (nationally computing them again costs seconds a page)
    built_on_stored = not stored and snapshots.reads_stored(view)
    snapshot_id = snapshots.find(con) if stored or built_on_stored else None
    if stored and snapshot_id is not None:
        source = f"(select * from {snapshots.table_name(view)} where snapshot_id = ?)"
        params.append(snapshot_id)
        default_order = "snapshot_row"
    elif snapshot_id is not None:
        snapshots.shadow(con, snapshot_id)
    sql = f"select {', '.join(map(_quoted, columns or known_columns))} from {source}"
    if filters:
        sql += " where " + " and ".join(f"{_quoted(column)} = ?" for column in filters)
        params.extend(filters.values())
    if order_by:
        sql += f" order by {_quoted(order_by)}"
    elif default_order:
        sql += f" order by {default_order}"
    try:  # a view computed here skips its paths from the facts when every store holds
        with kpi_store.trusted(con, view, shadowed=snapshot_id is not None) if source == view else ExitStack():
            return fetch_frame(con, sql, params)
    finally:
        if built_on_stored and snapshot_id is not None:
            snapshots.unshadow(con)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def refresh_snapshots(con: duckdb.DuckDBPyConnection, days: list[date | None], store_latest: bool = True) -> list:
    """Bring the snapshots of these as-of dates (None: today) up to date after a write: a stale one
    is updated for the units whose data changed (nq57/snapshot_units.py), a missing one or one whose
    catalogue changed is built; the days stored afterwards. The catalogue is hashed once and each
    day's units once (snapshots.pinned). The stored latest values (nq57/kpi_store.py) come first,
    unless the caller brought them up to date already (store_latest False)."""
    if store_latest:
        kpi_store.refresh(con)
    stored = []
    with snapshots.pinned(con, "catalogue_fingerprint"):
        for day in days:
            set_as_of(con, day)
            with snapshots.pinned(con, "unit_fingerprints"):
                current = snapshots.find(con) is not None or snapshot_units.update(con) is not None
            if not current:
                # a miss: pin again (another session may have stored the day after a later write)
                with snapshots.pinned(con, "unit_fingerprints"):
                    if snapshots.find(con) is None:
                        snapshots.build(con)  # None when another session stored it at that moment
                    current = snapshots.find(con) is not None
            if current:
                stored.append(day)
    set_as_of(con, None)
    return stored
