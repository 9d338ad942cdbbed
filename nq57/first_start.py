"""What a fresh install needs before anyone opens the dashboard: the real plans and demo reports
on an empty database, and, while no account exists, the one way to create the first administrator.

The server (app.py) loads the schema and the real plans before its first page, and makes the
demo reports and the pages' stored snapshots in a background thread afterwards, so a newcomer sees
the dashboard within seconds instead of waiting half a minute: while the thread works every page
says so ("Đang tạo dữ liệu minh họa…", components/first_start_banner.py) and reads what is committed
(the demo is one transaction, so a page sees all of it or none). The work left is recorded in the
table `first_start_pending`, so a server stopped half-way makes it again at its next start.
Everything else (the command line, AppTest, a script run without the server) does it all at once.

Writes from the web wait while the demo is being written (wait_for_demo, components/data.py): the
demo numbers its batches itself. The command line is another process: it waits for the file like
for any dashboard work (nq57/db.py), and the thread gives way to it between its steps.

With no account the web is read-only (nobody can create accounts, upload or roll back from a
browser), so the first administrator comes from the command line of the machine itself.
"""
from __future__ import annotations

import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb

from nq57 import auth, catalogue, dates, db, demo
from nq57.vnformat import vn_number

FIRST_ADMIN_HINT = (
    "Chưa có tài khoản nào: bảng điều hành đang ở chế độ chỉ xem (không ai nhập, hủy hay tạo tài khoản được từ trình duyệt).\n"
    "Tạo tài khoản quản trị đầu tiên trên máy chủ này:\n"
    "    .venv/bin/python -m nq57 user add TEN_DANG_NHAP --role admin --generate\n"
    "rồi đăng nhập tại /dang-nhap bằng mật khẩu được in ra."
)
LOADED = "Đã khởi tạo cơ sở dữ liệu: kế hoạch thật và dữ liệu minh họa."
LOADED_PLANS = ("Đã khởi tạo cơ sở dữ liệu: kế hoạch thật. Đang tạo dữ liệu minh họa trong nền; "
                "bảng điều hành dùng được ngay.")
MADE = "Đã tạo xong dữ liệu minh họa và số liệu tổng hợp ({seconds} giây)."
FAILED = "Không tạo được dữ liệu minh họa ({problem}); lần khởi động sau sẽ thử lại."
REFRESHING = ("Cơ sở dữ liệu chưa có số liệu tổng hợp tính sẵn (cách tính vừa được cập nhật): đang lưu lại trong nền; "
              "bảng điều hành dùng được ngay.")
REFRESHED = "Đã lưu lại số liệu tổng hợp ({seconds} giây)."
REFRESH_FAILED = "Không lưu lại được số liệu tổng hợp ({problem}); chạy 'python -m nq57 refresh'."
STEP = "demo"


def initialise(con: duckdb.DuckDBPyConnection) -> bool:
    """Schema, seed catalogue, demo reports and snapshots on an empty database, all before it
    returns (also what an interrupted background start left); True when the database was empty."""
    empty = load_plans(con)
    if is_pending(con):
        finish(con)
    return empty


def load_plans(con: duckdb.DuckDBPyConnection, refresh: bool = True) -> bool:
    """The part a visitor cannot do without: schema, views and the real plans; on an empty
    database it records that the demo is still to be made. True when the database was empty.
    Changed views drop the stored snapshots: with `refresh` they are stored again here."""
    if db.is_initialised(con):
        if db.migrate_if_needed(con) and not is_pending(con) and refresh:
            db.refresh_snapshots(con, dates.page_days(date.today()))  # new views: the offered days again
        return False
    db.create_schema(con)
    # recorded before the plans: a start killed in between finds no plans and begins again
    # `where not exists`, not `on conflict`: the lake's tables have no keys
    con.execute("insert into first_start_pending select ?, current_localtimestamp() "
                "where not exists (select 1 from first_start_pending where step = ?)", [STEP, STEP])
    catalogue.load_catalogue(con)
    return True


def is_pending(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from first_start_pending").fetchall()[0][0] > 0


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """The demo reports and the snapshots of the days pages offer, in one go."""
    demo.generate(con)
    db.refresh_snapshots(con, dates.page_days(date.today()))
    done(con)


def done(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("delete from first_start_pending")


def prepare(path: Path, out=sys.stdout, background: bool = False) -> None:
    """Before the first visitor. With `background` (the server), only the plans are loaded here
    and the rest is started in a thread (start_background); otherwise everything is done now."""
    with db.connect(path) as con:
        empty = load_plans(con, refresh=not background)
        later = background and is_pending(con)
        if is_pending(con) and not later:
            finish(con)
        if empty:
            print(LOADED_PLANS if later else LOADED, file=out, flush=True)
        # no stored snapshot at all: new views dropped them (an upgrade, migrated by this start or by
        # any command before it); at national size a page would compute for a minute meanwhile
        unstored = background and not later and not has_snapshots(con) and has_reports(con)
        if unstored:
            print(REFRESHING, file=out, flush=True)
        if not auth.has_accounts(con):
            print(FIRST_ADMIN_HINT, file=out, flush=True)
    if later or unstored:
        start_background(path, out, with_demo=later)


def has_snapshots(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from view_snapshots").fetchall()[0][0] > 0


def has_reports(con: duckdb.DuckDBPyConnection) -> bool:
    """Reports beyond the seed catalogue's own batch: with none, the live views are quick (a fresh
    `init`), and there is nothing worth storing at the start."""
    return con.execute("select count(*) from report_batches where source <> 'seed'").fetchall()[0][0] > 0


class _Job:
    """The background work of this process: one at a time, started by the server."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.demo_written = threading.Event()  # set once the demo is committed (or the work ended)
        self.days: dict[date, threading.Event] = {}  # the days it stores, each set once stored
        self.con: duckdb.DuckDBPyConnection | None = None  # the thread's connection, to interrupt it
        self.stopping = False
        self.error: BaseException | None = None
        self.with_demo = True  # False: only the snapshots are stored again (after an upgrade)


_job = _Job()


def start_background(path: Path, out=sys.stdout, with_demo: bool = True) -> None:
    if running():
        return
    _job.stopping, _job.error, _job.with_demo = False, None, with_demo
    _job.demo_written.clear()  # before the thread runs: a page or a write arriving at once waits
    # newest first: pages open on today, then the month ends of the overview's trend
    _job.days = {day: threading.Event() for day in reversed(dates.page_days(date.today()))}
    # A daemon: a server stopped half-way must not wait for the demo (stop_background interrupts
    # it first; what was not committed is made again at the next start).
    _job.thread = threading.Thread(target=_run, args=(Path(path), out), name="nq57-first-start", daemon=True)
    _job.thread.start()


def _run(path: Path, out) -> None:
    started = time.perf_counter()
    try:
        if _job.with_demo:
            with db.connect(path) as con:
                _job.con = con
                demo.generate(con)
            _job.con = None
        _job.demo_written.set()
        for day, stored in _job.days.items():
            if _job.stopping:
                return
            # one connection per day, so a command-line writer gets the file in between (db.connect
            # gives way to it)
            with db.connect(path) as con:
                _job.con = con
                db.refresh_snapshots(con, [day])
            _job.con = None
            stored.set()
        with db.connect(path) as con:
            done(con)
        print((MADE if _job.with_demo else REFRESHED).format(seconds=vn_number(time.perf_counter() - started, 1)),
              file=out, flush=True)
    except Exception as problem:  # said in the server log; the pending row makes the next start retry
        _job.error = problem
        if not _job.stopping:
            print((FAILED if _job.with_demo else REFRESH_FAILED).format(problem=problem), file=out, flush=True)
    finally:
        _job.con = None
        _job.demo_written.set()  # nobody waits for work that ended
        for stored in _job.days.values():
            stored.set()


def running() -> bool:
    """True while this process is making the first start's demo and snapshots."""
    return _job.thread is not None and _job.thread.is_alive()


def started_here() -> bool:
    """True once this process has started the background work (running or ended)."""
    return _job.thread is not None


def making_demo() -> bool:
    """True while the background work makes the demo (False: it only stores the snapshots again)."""
    return running() and _job.with_demo


def demo_being_written() -> bool:
    return running() and not _job.demo_written.is_set()


def wait_for_demo(timeout: float | None = None) -> bool:
    """Wait until the demo reports are committed (at once when they are not being made); False
    when they still are not after `timeout` seconds."""
    return not running() or _job.demo_written.wait(timeout)


# How long a page waits for a day the background work is storing before it computes it itself
# (the work pauses while the command line holds the file; a page must not wait that long per read).
DAY_WAIT_SECONDS = 15.0


def wait_for_day(day: date, timeout: float | None = None) -> bool:
    """Wait until the background work has stored the snapshots of `day`, if it stores that day
    (a page waits a second for them rather than computing the same figures for many seconds from
    the facts beside it); False when still not stored after `timeout` seconds."""
    stored = _job.days.get(day)
    return stored is None or not running() or stored.wait(timeout)


def stop_background(timeout: float = 10.0) -> None:
    """The server stops: interrupt the work (the pending row stays) and wait a moment for it."""
    thread = _job.thread
    if thread is None or not thread.is_alive():
        return
    _job.stopping = True
    con = _job.con
    if con is not None:
        try:
            con.interrupt()
        except duckdb.Error:
            pass
    thread.join(timeout)
