"""Stored answers of the expensive views for one as-of date, so pages at national size read a
table instead of recomputing 13 million report values on every visit.

A snapshot holds every view in SNAPSHOT_VIEWS for one as-of date, tagged with the
`data_fingerprint` of that date (catalogue, settings, and the batches, rollbacks, reviews and
evidence dated up to that day). It is read only while the fingerprint is unchanged, so it can
never show a stale figure; a commit today changes today's fingerprint and leaves past month ends'
snapshots valid. The views stay the definition: a snapshot is their output, built by running them.

Building evaluates each view once, in dependency order, into a temporary table of the same name:
DuckDB resolves a view's references through the temp schema first, so `red_flags` and
`unit_scorecard` then read the materialised `kpi_progress` instead of recomputing it.

Only nq57/db.py calls this module; it knows nothing about where the database lives. The view
registry (nq57/views.py) gives the build order; this module does not import db.
"""
from __future__ import annotations

import contextvars
import functools
import time
import weakref
from contextlib import contextmanager
from datetime import date
from typing import Iterator

import duckdb

from nq57 import ids, lake, views
from nq57.transaction import in_transaction, transaction

# What a page or an export asks for at a date, in the order they depend on one another.
# Two kinds, so a commit for one unit recomputes little (nq57/snapshot_units.py):
# PER_UNIT_VIEWS have a unit_id column, and a unit's rows depend only on the catalogue and that
# unit's own batches, reviews and evidence, except the province's roll-up rows, which are computed
# from the other rows of these views (sums of numerators and denominators). WHOLE_VIEWS are
# computed from the per-unit views' rows (ranks, grades, totals) and are cheap to redo whole.
# A new stored view goes in one of the two lists, after the views it reads.
PER_UNIT_VIEWS = [
    "kpi_unit_latest_values",
    "reporting_compliance",
    "task_progress",
    "kpi_progress",
    "red_flags",
]
WHOLE_VIEWS = [
    "unit_scorecard",
    "province_summary",
    "flags_by_rule",
]
SNAPSHOT_VIEWS = PER_UNIT_VIEWS + WHOLE_VIEWS
# Whole views that are a per-unit view plus a rank over every unit: their stored rows less the
# rank are that view's rows, so a commit recomputes the changed units' and ranks them all again
# (3.321 rows) instead of aggregating every unit's stored rows anew.
RANKED_VIEWS = {whole: part for part, whole in views.CONTRACT_PARTS.items()}
# Views not materialised while building: the staging layer (renames, cheap), and views that are
# cheap or (the current values and updates, millions of rows) read only by one view each.
NOT_MATERIALISED = {name for name, view in views.REGISTRY.items() if view.layer == "staging"} | {
    "as_of_context", "data_fingerprint", "catalogue_fingerprint", "unit_fingerprints", "current_batches", "current_kpi_values",
    "current_task_updates", "batch_history", "kpi_history"}
# Snapshots kept (dates.page_days stores 10 or fewer); beyond this, the oldest that are not
# month ends go first when a new one is stored.
MAX_SNAPSHOTS = 24


def reads_stored(view: str) -> bool:
    """True when a read of `view` uses stored answers: a stored view, or one built on them
    (league_table on unit_scorecard …), read over the stored rows (db.query_view, shadow)."""
    return view in SNAPSHOT_VIEWS or views.reads_any(view, set(SNAPSHOT_VIEWS))


def table_name(view: str) -> str:
    return f"snapshot_{view}"


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the snapshot tables with the views' current columns; called whenever the
    views are (re)created, so a changed view never meets an old snapshot."""
    con.execute("delete from view_snapshots")
    # what each stored snapshot was computed from, so a write recomputes only the units it changed
    # (both columns are in schema.sql's create statement: these add them to older databases only,
    # since DuckDB cannot replay such an ALTER from its WAL, see schema.sql)
    con.execute("alter table view_snapshots add column if not exists catalogue_fingerprint varchar")
    con.execute("alter table view_snapshots add column if not exists lake_snapshot bigint")
    con.execute("drop table if exists snapshot_unit_fingerprints")
    con.execute("create table snapshot_unit_fingerprints as "
                "select 0::integer as snapshot_id, * from unit_fingerprints limit 0")
    for view in SNAPSHOT_VIEWS:
        # the columns as DESCRIBE names them: it only binds the view, where `create table as
        # select … limit 0` planned it too (twice the time, before a first start's first page)
        columns = ", ".join(f'"{name}" {kind}' for name, kind, *_ in con.execute(f"describe {view}").fetchall())
        con.execute(f"drop table if exists {table_name(view)}")
        con.execute(f"create table {table_name(view)} (snapshot_id integer, snapshot_row bigint, {columns})")


# The fingerprint views each connection has pinned now, with the lake snapshot each was hashed at.
_pins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def pinned(con: duckdb.DuckDBPyConnection, view: str) -> Iterator[None]:
    """Compute a fingerprint view (catalogue_fingerprint, unit_fingerprints) once for a block: a
    temporary table named like it shadows it on this connection, so data_fingerprint, find, build
    and snapshot_units read the one answer instead of hashing the catalogue and every unit's facts
    again at each step of a refresh. Re-entrant: an outer pin of the same view holds. Set the
    as-of date before pinning unit_fingerprints (it hashes the facts up to that day). A write that
    lands while pinned is at worst hashed as stale later, never read as fresh: the rows are
    computed after the hash, so they are never older than the fingerprint they are stored with."""
    # the pins are known here, not asked of duckdb_tables(): on the lake that lists every lake
    # table with its statistics, 80 PostgreSQL queries per look (docs/SCALING.md, lake speed)
    held_here = _pins.setdefault(con, {})
    held = view in held_here
    if not held:
        try:
            at = lake.snapshot_id(con) if lake.in_lake(con) else None  # read before hashing
            con.execute(f"create temp table {view} as select * from main.{view}")
            held_here[view] = at
        except duckdb.Error:
            held = True  # not pinned: the view is computed at each read, as without the pin
    try:
        yield
    finally:
        if not held:
            held_here.pop(view, None)
            try:
                con.execute(f"drop table if exists temp.{view}")
            except duckdb.Error:
                pass  # a connection a failed write invalidated: its temporary tables go with it


# The key under which pinned_tables records its lake snapshot among a connection's pins.
_TABLES_PIN = " tables"


@contextmanager
def pinned_tables(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """On the lake, for a refresh of several days: copies of the tables the fingerprint hashes, read
    in one lake snapshot, shadow them on this connection (temporary tables of their names), so each
    day's unit_fingerprints, catalogue_fingerprint and recomputed rows read them without a
    PostgreSQL round trip per table and day (about 190 queries a day for the units' hash alone).
    The data is then the one of that snapshot, as with `pinned`; nothing on a file."""
    pins = _pins.setdefault(con, {})
    if not lake.in_lake(con) or _TABLES_PIN in pins or in_transaction(con):
        yield
        return
    created: list[str] = []
    try:
        con.execute("begin transaction")
        at = lake.snapshot_id(con)
        for table in sorted(fingerprint_tables()):
            con.execute(f"create temp table {table} as select * from {lake.ALIAS}.main.{table}")
            created.append(table)
        con.execute("commit")
        pins[_TABLES_PIN] = at
    except duckdb.Error:
        try:
            con.execute("rollback")  # the copies made so far go with it
        except duckdb.Error:
            pass
        created = []  # not pinned: every read goes to the lake, as without the pin
    try:
        yield
    finally:
        pins.pop(_TABLES_PIN, None)
        try:
            _drop_temp(con, created)
        except duckdb.Error:
            pass  # a connection a failed write invalidated: its temporary tables go with it


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The data fingerprint for the as-of date set on the connection."""
    return con.execute("select fingerprint from data_fingerprint").fetchall()[0][0]


def as_of_date(con: duckdb.DuckDBPyConnection) -> date:
    """as_of_context's as_of (macro as_of_day), without the view: it also reads the settings table
    (first_period), a lake scan of 15 PostgreSQL queries for each snapshot look-up."""
    return con.execute("select as_of_day()").fetchall()[0][0]


# The pages' reads on the lake (components/data.py): a connection with no write transaction
# open reads committed rows only, so its data fingerprint is a function of the lake snapshot it
# reads and the as-of date. Computing it costs 0,8-0,9 s on the lake and every stored view read
# checks it, so after each commit a page reading four stored views paid it four times; here it
# is computed once per (store, lake snapshot, as-of date) and process. On a database file the
# pages name the data version their reads are cached under (components/data.data_version), and
# it is computed once per (file, version, as-of date): a page's first visit read it for each view
# (0,03-0,05 s each, six on the KPI page). Off (None) everywhere else: inside a write
# transaction the rows it reads are not yet a lake snapshot.
_committed_store: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("nq57_committed_store", default=None)
_fingerprints: dict[tuple, str] = {}
FINGERPRINTS_KEPT = 64


@contextmanager
def committed_reads(store: str | None, version: object = None) -> Iterator[None]:
    """Within this block, reads on `store` (None: off) share data fingerprints per lake snapshot,
    or per `version` (a hashable naming the state of a database file); only for connections that
    write nothing meanwhile."""
    token = _committed_store.set(None if store is None else (store, version))
    try:
        yield
    finally:
        _committed_store.reset(token)


def _read_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    reads = _committed_store.get()
    if reads is None:
        return fingerprint(con)
    store, version = reads
    key = (store, lake.snapshot_id(con) if version is None else version, as_of_date(con))
    found = _fingerprints.get(key)
    if found is None:
        found = fingerprint(con)
        if len(_fingerprints) >= FINGERPRINTS_KEPT:
            _fingerprints.clear()
        _fingerprints[key] = found
    return found


@functools.cache
def fingerprint_tables() -> frozenset[str]:
    """The stored tables data_fingerprint hashes (through the views it reads)."""
    names, todo = set(), ["data_fingerprint"]
    while todo:
        name = todo.pop()
        if name not in names and name in views.REGISTRY:
            names.add(name)
            todo.extend(views.REGISTRY[name].depends_on)
    tables = views.stored_tables()
    return frozenset(table for name in names for table in views.tables_read(views.REGISTRY[name].sql(), tables))


def hash_point(con: duckdb.DuckDBPyConnection) -> int | None:
    """On the lake, a lake snapshot at or before the one whose rows the data fingerprint computed on
    this connection now hashes (the earliest pin's, else the current one); None on a file."""
    if not lake.in_lake(con):
        return None
    return min([at for at in _pins.get(con, {}).values() if at is not None] + [lake.snapshot_id(con)])


def _unchanged(con: duckdb.DuckDBPyConnection, as_of: date) -> int | None:
    """On the lake, outside a write: the snapshot of this date whose fingerprint was hashed at a
    lake snapshot after which no commit changed a table the fingerprint reads. Its fingerprint is
    then the one the data would hash to now, so it is valid without hashing a dozen tables again
    (about 160 PostgreSQL queries); None when that cannot be told so cheaply."""
    if not lake.in_lake(con) or in_transaction(con) or _pins.get(con):
        return None  # a refresh pins the hashes, which are then cheap to compare
    for snapshot_id, since in con.execute(
            "select snapshot_id, lake_snapshot from view_snapshots where as_of = ? and lake_snapshot is not null "
            "order by lake_snapshot desc limit 1", [as_of]).fetchall():
        if lake.unchanged_since(con, since, fingerprint_tables()):
            return snapshot_id
    return None


def find(con: duckdb.DuckDBPyConnection) -> int | None:
    """The id of a valid snapshot for the connection's as-of date, or None."""
    unchanged = _unchanged(con, as_of_date(con))
    if unchanged is not None:
        return unchanged
    found = con.execute(
        "select snapshot_id from view_snapshots where as_of = ? and data_fingerprint = ?",
        [as_of_date(con), _read_fingerprint(con)],
    ).fetchall()
    return found[0][0] if found else None


def build(con: duckdb.DuckDBPyConnection) -> int | None:
    """Store a snapshot for the connection's as-of date (unless a valid one exists) and return
    its id. Returns None when another session stored the same snapshot at the same moment."""
    started = time.perf_counter()
    created: list[str] = []
    try:
        with transaction(con):
            as_of, at = as_of_date(con), hash_point(con)
            current = fingerprint(con)
            existing = con.execute(
                "select snapshot_id from view_snapshots where as_of = ? and data_fingerprint = ?", [as_of, current]
            ).fetchall()
            if existing:
                return existing[0][0]
            for view in build_order():
                con.execute(f"create or replace temp table {view} as select * from main.{view}")
                created.append(view)
            snapshot_id = ids.new_id(con, "view_snapshots")
            con.execute(
                "insert into view_snapshots (snapshot_id, as_of, data_fingerprint, catalogue_fingerprint, built_at, "
                "build_seconds, lake_snapshot) values (?, ?, ?, (select fingerprint from catalogue_fingerprint), "
                "current_localtimestamp(), 0, ?)", [snapshot_id, as_of, current, at])
            con.execute("insert into snapshot_unit_fingerprints select ?, * from unit_fingerprints", [snapshot_id])
            for view in SNAPSHOT_VIEWS:
                con.execute(
                    f"insert into {table_name(view)} select ?, row_number() over (), * from temp.{view}",
                    [snapshot_id],
                )
            _drop_temp(con, created)
            created = []
            con.execute("update view_snapshots set build_seconds = ? where snapshot_id = ?",
                        [round(time.perf_counter() - started, 3), snapshot_id])
            # older states of the same day are never read again
            for (old_id,) in con.execute(
                "select snapshot_id from view_snapshots where as_of = ? and snapshot_id <> ?", [as_of, snapshot_id]
            ).fetchall():
                drop(con, old_id)
            _prune(con, snapshot_id)
            return snapshot_id
    except duckdb.Error as problem:
        _drop_temp(con, created)
        # Two sessions building the same snapshot: the second loses on the unique key.
        if isinstance(problem, (duckdb.ConstraintException, duckdb.TransactionException)):
            return None
        raise


def build_order() -> list[str]:
    """The views to materialise, in their dependency order (nq57/views.py): the stored views and
    the views they read. Page views built on them (league_table, province_change, …) and views no
    stored view reads (plan_lineage, catalogue_findings, …) are left out: their temporary tables
    were dropped unread, and cost a third of each build (before a first start's first page too)."""
    return [view for view in views.ORDER if view not in NOT_MATERIALISED
            and (view in SNAPSHOT_VIEWS or any(views.reads_any(stored, {view}) for stored in SNAPSHOT_VIEWS))]


def _drop_temp(con: duckdb.DuckDBPyConnection, views: list[str]) -> None:
    """Temp tables shadow the views on this connection, so they never outlive a build."""
    for view in reversed(views):
        con.execute(f"drop table if exists temp.{view}")


def _prune(con: duckdb.DuckDBPyConnection, keep: int) -> None:
    """Drop the snapshots beyond MAX_SNAPSHOTS: other days (past "todays", a refresh --as-of)
    before month ends, which the pages ask for over and over; never the one just built."""
    stale = con.execute(
        "select snapshot_id from view_snapshots "
        "order by snapshot_id = ? desc, last_day(as_of) = as_of desc, built_at desc, snapshot_id desc offset ?",
        [keep, MAX_SNAPSHOTS],
    ).fetchall()
    for (snapshot_id,) in stale:
        drop(con, snapshot_id)


def drop(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    for view in SNAPSHOT_VIEWS:
        con.execute(f"delete from {table_name(view)} where snapshot_id = ?", [snapshot_id])
    con.execute("delete from snapshot_unit_fingerprints where snapshot_id = ?", [snapshot_id])
    con.execute("delete from view_snapshots where snapshot_id = ?", [snapshot_id])


def shadow(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    """Temporary views named like the stored views, over one snapshot's rows: DuckDB resolves a
    view's references through the temp schema first, so a view built on them reads the stored
    answers (the same rows: a snapshot is valid only while the data fingerprint holds)."""
    for view in SNAPSHOT_VIEWS:
        con.execute(f"create or replace temp view {view} as select * exclude (snapshot_id, snapshot_row) "
                    f"from main.{table_name(view)} where snapshot_id = {int(snapshot_id)}")


def unshadow(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary views of shadow (a kept-open connection must not keep them)."""
    for view in SNAPSHOT_VIEWS:
        con.execute(f"drop view if exists temp.{view}")
