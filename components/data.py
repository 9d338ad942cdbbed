"""Cached reads of the contract views for the pages.

Connections are short-lived and all opened the same way (DuckDB refuses to mix read-only and
read-write handles on one file inside a process, and Streamlit serves sessions on threads).

The cache key carries a data version (the newest batch, review and rollback), so a committed
upload shows on the next rerun in every session, and a stale figure is never served.
"""
from __future__ import annotations

import os
from datetime import date

import pandas as pd
import streamlit as st
from streamlit import runtime

from components.safe_text import md_escape
from nq57 import (audit, auth, dates, db, demo, evidence, exports, first_start, ingest, reports, request_flow,
                  request_items, snapshots, storage, templates, verdicts)

# Under the Streamlit server, keep the database open for a second between the short-lived
# connections of a page run (a dozen per page; 26 ms each to open the national file otherwise),
# and give way to the command line (db.connect). Not under AppTest (it installs a mock runtime,
# so runtime.exists() alone is true there too) or the command line, which copy and reopen
# files freely and claim them.
if runtime.exists() and type(runtime.get_instance()) is runtime.Runtime:
    db.keep_open(db.DASHBOARD_KEEP_OPEN_SECONDS)


_prepared: set[str] = set()


def ensure_database() -> None:
    """Once per process and database: the first start on an empty database loads the real plans
    and the demo reports; a database from older code is migrated. Both store the snapshots of
    the days pages offer (the server does this before the first visitor; this covers a script run
    without it). Later runs do not touch the file, so a visitor never writes."""
    path = str(db.database_path())
    if path in _prepared:
        return
    if first_start.started_here():  # the server makes the demo in the background: not here too
        _prepared.add(path)
        return
    with db.connect(path) as con, st.spinner("Đang chuẩn bị cơ sở dữ liệu (lần chạy đầu hoặc phiên bản mới)…"):
        first_start.initialise(con)
    _prepared.add(path)


# Read at most every VERSION_TTL seconds: writes made in this process clear it at once, and
# writes from another process (the command line) show within that delay.
VERSION_TTL = 2
# On the lake, the version is its snapshot id: one PostgreSQL read, changed by every commit of
# every replica and of the command line, so another server's commit shows here within a second.
LAKE_VERSION_TTL = 0.25


# The rows a page's long list draws (the red flags): a province has hundreds; the country's 35.000
# long sentences took the browser 3 s for every new tab. Its Excel download holds them all.
TABLE_ROWS = 1000


# A database file's fingerprint is read again only when the file or its write-ahead log
# changed (every commit, from any process, writes one of them): a stat costs microseconds where
# opening the file and hashing its data cost 0,1-0,2 s of every page switch made more than
# VERSION_TTL after the last (issue #12). STAMP_TTL re-reads it anyway now and then.
STAMP_TTL = 60


def file_stamp(path: str) -> tuple | None:
    """The database file's and its log's modification time and size; None when not a file."""
    stamp = []
    for name in (path, path + ".wal"):
        try:
            found = os.stat(name)
        except FileNotFoundError:
            if name == path:
                return None
            stamp.append(None)
        except OSError:
            return None
        else:
            stamp.append((found.st_mtime_ns, found.st_size))
    return tuple(stamp)


def data_version() -> tuple:
    """What the cached reads are keyed on: the store and the state of its data."""
    path = str(db.database_path())
    if db.is_lake(path):
        return _lake_version(path)
    stamp = file_stamp(path)
    return _data_version(path) if stamp is None else _stamped_version(path, stamp)


@st.cache_data(ttl=STAMP_TTL, show_spinner=False, max_entries=32)
def _stamped_version(path: str, stamp: tuple) -> tuple:
    return _fingerprint(path)


@st.cache_data(ttl=VERSION_TTL, show_spinner=False)
def _data_version(path: str) -> tuple:
    return _fingerprint(path)


def _fingerprint(path: str) -> tuple:
    # The views' own fingerprint of the data (catalogue, settings, batches, rollbacks, reviews,
    # evidence files), so nothing a view reads can change without the cache key changing.
    with db.connect(path) as con:
        db.set_as_of(con, None)
        return (path, con.execute("select fingerprint from data_fingerprint").fetchall()[0][0])


@st.cache_data(ttl=LAKE_VERSION_TTL, show_spinner=False)
def _lake_version(path: str) -> tuple:
    with db.connect(path) as con:
        return (path, db.snapshot_id(con))


def _clear_version() -> None:
    _stamped_version.clear()
    _data_version.clear()
    _lake_version.clear()


# cache_resource, not cache_data: cache_data pickles each result going in and coming out (0,4 s
# for the national heatmap's rows). view() hands every caller its own copy, so a page cannot
# change what another session reads. A date without a stored snapshot is computed here and kept
# only in this bounded cache: reads never write (snapshots are stored by writes and `refresh`).
@st.cache_resource(show_spinner=False, max_entries=256)
def _read_view(view: str, as_of: date | None, filters: tuple, columns: tuple | None, previous: date | None,
               version: tuple) -> pd.DataFrame:
    store = str(db.database_path())
    # a page's read writes nothing: its stored views share one data fingerprint per lake snapshot,
    # or per data version of a file (nq57/snapshots.py)
    reads = snapshots.committed_reads(store) if db.is_lake(store) else snapshots.committed_reads(store, version)
    with db.connect() as con, reads:
        return db.query_view(con, view, as_of=as_of, filters=dict(filters) or None,
                             columns=list(columns) if columns else None, previous=previous)


def view(view_name: str, as_of: date | None = None, columns: list[str] | None = None,
         previous: date | None = None, **filters) -> pd.DataFrame:
    """Rows of a view as of a date; equality filters become SQL parameters. At national size a
    page names the columns it needs: 585.000 KPI rows with every text column take seconds.
    `previous` is the second as-of of the views that compare two dates (league_table,
    province_change; db.PREVIOUS_INPUTS)."""
    if first_start.running() and snapshots.reads_stored(view_name):
        # the first start stores these figures in a second or two; computing them here from the
        # facts beside it takes many seconds (components/first_start_banner.py says why it waits)
        for day in {as_of or date.today(), *([previous] if previous else [])}:
            first_start.wait_for_day(day, first_start.DAY_WAIT_SECONDS)
    return _read_view(view_name, as_of, tuple(sorted(filters.items())), tuple(columns) if columns else None,
                      previous, data_version()).copy()


# --- the catalogue as data: labels, settings, unit counts (never written into a page) ----------

def labels(domain: str) -> dict[str, str]:
    """The reader's text of every code of a labels domain, from the database's labels table
    (renaming a label there renames it on every page)."""
    rows = view("labels", columns=["domain", "code", "label", "sort_order"])
    rows = rows[rows["domain"] == domain].sort_values("sort_order")
    return dict(zip(rows["code"], rows["label"].fillna("")))


def label(domain: str, code: object) -> str:
    """One label by code (the code itself when the table has none)."""
    return labels(domain).get(str(code), str(code))


def tile(column: str) -> str:
    """The words of a headline figure (rates on the overview, the profile, meeting mode, the trend
    chart): the `tile` rows of data/seed/column_labels.csv, so they are worded once."""
    return exports.header("tile", column)


def setting(key: str) -> str | None:
    """One value of the settings table (report deadline day, first period, weights …)."""
    rows = view("settings", key=key)
    return None if rows.empty else str(rows.iloc[0]["value"])


def plan_labels() -> dict[str, str]:
    """The name a reader sees for each plan (view plan_labels: "KH xã Nha Bích"), never its id."""
    rows = view("plan_labels")
    return dict(zip(rows["plan_id"], rows["plan_label"]))


def commune_count() -> int:
    """How many communes/wards are ranked (stg_units.is_commune_level), never a number in a page."""
    return int(view("stg_units", columns=["unit_id"], is_commune_level=True)["unit_id"].nunique())


def _refresh_after_write(con) -> None:
    """Rebuild the snapshots a write made stale (today's; past month ends stay valid), so the
    next page anyone opens reads stored figures. The write itself is stored; snapshots that
    could not be (a full disk) are said on the page, not skipped in silence."""
    try:
        storage.refresh_snapshots(con, dates.page_days(date.today()))
    except storage.SnapshotsNotStored as problem:
        st.warning(md_escape(problem), icon=":material/warning:")
    _clear_version()


def first_start_running() -> bool:
    """True while the server makes the first start's demo reports and snapshots (no read)."""
    return first_start.running()


def wait_for_first_demo() -> None:
    """A page during the first start is drawn over the demo reports, never over the plans alone
    (figures without a single report would read as real): it waits for them to be committed."""
    if first_start.demo_being_written():
        first_start.wait_for_demo(db.WRITER_WAIT_SECONDS)
        _clear_version()


def has_demo_data() -> bool:
    return _has_demo(data_version())


@st.cache_data(show_spinner=False)
def _has_demo(version: tuple) -> bool:
    with db.connect() as con:
        return demo.has_demo_rows(con)


@st.cache_data(show_spinner=False, max_entries=64)
def _template_bytes(unit: str, period: str, version: tuple) -> bytes:
    with db.connect() as con:
        return templates.report_template_bytes(con, unit, period)


def report_template(unit: str, period: str) -> bytes:
    """The Excel template for a unit (or 'all') and a period 'YYYY-MM', prefilled from the data."""
    return _template_bytes(unit, period, data_version())


def _signed_in(user) -> auth.User:
    """Every write from the web names a signed-in account (the core refuses nobody too, and a
    plain name is the command line's, which a browser must never be). It also waits while the first start
    writes the demo reports (the demo numbers its batches itself; nq57/first_start.py)."""
    if not isinstance(user, auth.User):
        raise auth.PermissionDenied("cần đăng nhập để ghi dữ liệu")
    if first_start.demo_being_written():
        with st.spinner("Hệ thống đang tạo dữ liệu minh họa lần đầu; việc ghi sẽ tiếp tục ngay khi xong…"):
            if not first_start.wait_for_demo(db.WRITER_WAIT_SECONDS):
                raise auth.PermissionDenied("hệ thống vẫn đang tạo dữ liệu minh họa lần đầu; hãy thử lại sau ít phút")
    return user


def check_upload(data_bytes: bytes, file_name: str) -> ingest.CheckResult:
    with db.connect() as con:
        return ingest.check_workbook(con, data_bytes, file_name)


def upload_preview(result: ingest.CheckResult) -> ingest.Preview:
    with db.connect() as con:
        return ingest.preview_changes(con, result)


def commit_upload(result: ingest.CheckResult, user) -> list[ingest.Committed]:
    """Writes go straight to the core; the next read sees a new data version, so every
    session's cached figures refresh on their next rerun. Returns the (unit, period, batch)
    written."""
    user = _signed_in(user)
    with db.connect() as con:
        written = ingest.commit(con, result, user)
        _refresh_after_write(con)
    return written


def roll_back(batch_id: int, user) -> None:
    user = _signed_in(user)
    with db.connect() as con:
        reports.roll_back_batch(con, batch_id, by=user)
        _refresh_after_write(con)


def reviewed_periods() -> pd.DataFrame:
    """Units and periods with a verdict, and whether each is closed to its unit (verdicts.py)."""
    with db.connect() as con:
        return verdicts.period_states(con)


def reopen_period(unit_id: str, period: date, user, reason: str) -> None:
    user = _signed_in(user)
    with db.connect() as con:
        verdicts.reopen(con, unit_id, period, user, reason)  # no figure changes: nothing to refresh


def meeting_pack(as_of: date, user, progress) -> tuple[bytes, bytes, str]:
    """The Excel workbook and PDF for a meeting; returns (xlsx bytes, pdf bytes, file stem). Needs
    a signed-in account (seconds of CPU per pack). The figures are read in one short connection
    and the files built after it closes, so the pack never keeps the file from a writer."""
    import tempfile
    from pathlib import Path

    from nq57 import pack

    auth.require(user, "read")
    progress(0.0, "Đang đọc số liệu từ cơ sở dữ liệu…")
    with db.connect() as con:
        figures = pack.load_pack_data(con, as_of)
    with tempfile.TemporaryDirectory() as folder:
        files = pack.write_pack(figures, Path(folder), progress=progress)
        return files.xlsx.read_bytes(), files.pdf.read_bytes(), files.xlsx.stem


# --- trust: accounts, evidence, audit (writes clear the data version so pages refresh) ---------

def pending_evidence() -> pd.DataFrame:
    with db.connect() as con:
        return evidence.pending_evidence(con)


def evidence_files(batch_id: int, unit_id: str, item_type: str, item_id: str) -> pd.DataFrame:
    with db.connect() as con:
        return evidence.list_evidence(con, batch_id=batch_id, unit_id=unit_id, item_type=item_type, item_id=item_id)


def read_evidence(evidence_id: int) -> tuple[bytes, str, str]:
    with db.connect() as con:
        return evidence.read_evidence(con, evidence_id)


def store_evidence(content: bytes, name: str, user, batch_id: int, unit_id: str, item_type: str, item_id: str):
    user = _signed_in(user)
    with db.connect() as con:
        stored = evidence.store_evidence(con, content, name, user, batch_id, unit_id, item_type, item_id)
        _refresh_after_write(con)
        return stored


def review_evidence(user, batch_id: int, unit_id: str, item_type: str, item_id: str, decision: str, comment):
    user = _signed_in(user)
    with db.connect() as con:
        evidence.review(con, user, batch_id, unit_id, item_type, item_id, decision, comment)
        _refresh_after_write(con)


def list_users() -> pd.DataFrame:
    with db.connect() as con:
        return auth.list_users(con)


def add_user(name: str, role: str, password: str, unit_id, display_name, by) -> None:
    by = _signed_in(by)
    with db.connect() as con:
        auth.add_user(con, name, role, password, unit_id=unit_id, display_name=display_name, by=by)
    st.cache_data.clear()  # sign-in settings and menus depend on whether accounts exist


def set_user_disabled(name: str, disabled: bool, by) -> None:
    by = _signed_in(by)
    with db.connect() as con:
        (auth.disable_user if disabled else auth.enable_user)(con, name, by=by)


def audit_log(since) -> pd.DataFrame:
    with db.connect() as con:
        return audit.query(con, since=since, in_words=True)


def record_upload_check(user_name: str, result) -> None:
    with db.connect() as con:
        audit.record_upload_check(con, user_name, result)


# --- difficulties and requests (nq57/request_items.py, nq57/request_flow.py) -------------------

def request_offices(unit_id: str) -> list[tuple[str, str]]:
    """Where a unit's request may be assigned: its offices, then the province departments."""
    with db.connect() as con:
        return request_flow.offices(con, unit_id)


def raise_request(user, unit_id: str, kind: str, text: str, task_id: str | None) -> int:
    user = _signed_in(user)
    with db.connect() as con:
        request_id = request_items.raise_directly(con, user, unit_id, kind, text, task_id)
        _refresh_after_write(con)
    return request_id


def move_request(user, action: str, request_id: int, **fields) -> None:
    """assign (office_id), answer (text, document_ref), close, reopen (reason): request_flow checks
    the role and the state; the next read shows the new state everywhere."""
    user = _signed_in(user)
    step = {"assign": request_flow.assign, "answer": request_flow.answer, "close": request_flow.close,
            "reopen": request_flow.reopen}[action]
    with db.connect() as con:
        step(con, user, request_id, **fields)
        _refresh_after_write(con)
