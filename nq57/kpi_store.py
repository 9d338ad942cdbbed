"""The stored latest KPI values: per unit and KPI the latest and first value over every batch not
rolled back, and each year's sums (tables kpi_store_*), kept after every write so that the views
read one row per unit and KPI instead of aggregating 13 million report values. Beside them, from
the same batches, the latest task update per unit and task (task_store_latest) and the verdicts
that apply to the items in force (evidence_store); and every unit's targets (target_store), kept
with the catalogue fingerprint they were computed from.

The views stay the definition: `kpi_value_facts`, `kpi_value_year_sums`, `task_update_facts` and
`evidence_verdict_facts` compute the rows from the facts, and this module stores exactly their
output for a date after every change. Whether a unit's stored rows may be used
on a date is decided in SQL (`kpi_store_fresh_units`): the hashes they were stored from must still
be the unit's hashes, and the unit must have changed nothing after that day. So a write that has
not been followed by `refresh` yet is only slower, never wrong, and the tables are a cache: safe to
delete, rebuilt by the next refresh.
"""
from __future__ import annotations

import weakref
from contextlib import contextmanager
from typing import Iterator

import duckdb

from nq57 import lake, snapshots, views
from nq57.transaction import in_transaction, transaction

# Computed as of a day after any upload can happen, so every batch not rolled back is in force.
ALL_TIME = "9999-12-30"
# Beyond this many units one pass over every unit's facts is cheaper than a list to look units up in.
MAX_SCOPED = 200
# Each stored table and the temporary table its new rows are computed into (the units' hashes last).
STORED = (("kpi_store_values", "kpi_store_new_values"),
          ("kpi_store_year_sums", "kpi_store_new_sums"),
          ("task_store_latest", "kpi_store_new_tasks"),
          ("evidence_store", "kpi_store_new_verdicts"),
          ("kpi_store_units", "kpi_store_new_units"))


def reads_store(view: str, shadowed: bool = False) -> bool:
    """Whether a read of `view` computes rows over these stores (`shadowed`: with the stored
    views replaced by a snapshot's rows, snapshots.shadow)."""
    return views.reads_any(view, {"kpi_store_fresh_units"},
                           skipping=set(snapshots.SNAPSHOT_VIEWS) if shadowed else set())


@contextmanager
def trusted(con: duckdb.DuckDBPyConnection, view: str | None = None, shadowed: bool = False) -> Iterator[None]:
    """The reads of the block skip the views' paths from the facts when every unit's stores hold
    on the as-of date set now (kpi_stores_hold, the macro stores_trusted): checked once, in the
    transaction the reads share, so no write lands between the check and the reads (a reader
    never mixes stored rows with reports committed after them). Nationally the check costs a
    few hundredths of a second; what it saves is planning and running those paths. Given a
    `view` that does not read the stores (reads_store), nothing is checked."""
    if view is not None and not reads_store(view, shadowed):
        yield
        return
    outer = con in _trusting
    opened = not outer and not in_transaction(con) and not lake.in_lake(con)
    before = con.execute("select getvariable('stores_hold')").fetchone()[0]
    try:
        with lake.reading(con):
            try:
                if opened:
                    con.execute("begin transaction")
                _trusting.add(con)
                holds = con.execute("select holds from kpi_stores_hold").fetchone()[0]
                con.execute("set variable stores_hold = ?", [bool(holds)])
                yield
            except BaseException:
                if opened:
                    _quietly(con, "rollback")
                    opened = False
                raise
            if opened:
                con.execute("commit")
    finally:
        # after the transaction ended (a statement in an aborted one is refused); inside a
        # caller's aborted transaction the next set_as_of resets it (db.set_as_of)
        _quietly(con, "reset variable stores_hold" if before is None else f"set variable stores_hold = {bool(before)}")
        if not outer:
            _trusting.discard(con)


_trusting: weakref.WeakSet = weakref.WeakSet()  # the connections inside `trusted` now


def _quietly(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    try:
        con.execute(statement)
    except duckdb.Error:
        pass


def stale_units(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Units whose stored rows are missing or differ from their reports now (also units whose
    reports are all gone: their stored rows are removed)."""
    return [unit for (unit,) in con.execute("select unit_id from kpi_store_stale_units order by 1").fetchall()]


# The cache tables schema.sql creates without a key (a key's index is rewritten at every checkpoint).
UNKEYED = ("kpi_store_values", "kpi_store_year_sums", "task_store_latest", "evidence_store")


def drop_keyed(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the cache tables an older version created with a primary key, before schema.sql
    creates them again without one: DuckDB cannot drop a key, and their rows are a cache."""
    for (table,) in con.execute(
            "select distinct table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY' "
            "and schema_name = 'main' and table_name in (select unnest(?::varchar[]))", [list(UNKEYED)]).fetchall():
        con.execute(f"drop table {table}")
        # at once, not only at create_schema's end: a failure between would leave the units
        # marked fresh over emptied tables
        con.execute("delete from kpi_store_units")


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Mark every stored row unusable (the views compute from the facts until the next refresh):
    run when the views are re-created, since a changed rule would not change the hashes."""
    con.execute("delete from kpi_store_units")
    con.execute("delete from target_store_state")


def refresh_targets(con: duckdb.DuckDBPyConnection) -> bool:
    """Store every unit's targets when the catalogue changed since they were stored; True if it did.
    The fingerprint is read before the targets are computed, so a catalogue changed meanwhile
    leaves rows labelled with the older fingerprint: unused, never wrong."""
    if con.execute("select is_fresh from target_store_fresh").fetchone()[0]:
        return False
    fingerprint = con.execute("select fingerprint from catalogue_fingerprint").fetchone()[0]
    try:
        con.execute("create or replace temp table target_store_new as select * from effective_target_facts")
        with transaction(con):
            con.execute("delete from target_store")
            con.execute("insert into target_store by name select * from temp.target_store_new")
            con.execute("delete from target_store_state")
            con.execute("insert into target_store_state values (?)", [fingerprint])
    except (duckdb.ConstraintException, duckdb.TransactionException):
        return False  # another session stored them at that moment
    finally:
        con.execute("drop table if exists temp.target_store_new")
    return True


def refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Store the targets if the catalogue changed, then the rows of the units that changed since
    they were last stored; the number of units. Computed into temporary tables first, then swapped
    in by one short transaction."""
    refresh_targets(con)
    stale = stale_units(con)
    if not stale:
        return 0
    previous_as_of = con.execute("select getvariable('as_of')").fetchone()[0]
    con.execute(f"set variable as_of = date '{ALL_TIME}'")
    con.execute("reset variable stores_hold")  # the facts must see every stale unit (never a reader's trust)
    if len(stale) <= MAX_SCOPED:
        con.execute("set variable unit_scope = ?::varchar[]", [stale])
    try:
        con.execute("create or replace temp table kpi_store_stale as select unnest(?::varchar[]) as unit_id", [stale])
        con.execute("create or replace temp table kpi_store_new_values as "
                    "select * exclude (ytd_value, ytd_numerator, ytd_denominator) from kpi_value_facts "
                    "where unit_id in (select unit_id from temp.kpi_store_stale)")
        con.execute("create or replace temp table kpi_store_new_sums as "
                    "select * from kpi_value_year_sums where unit_id in (select unit_id from temp.kpi_store_stale)")
        con.execute("create or replace temp table kpi_store_new_tasks as "
                    "select * from task_update_facts where unit_id in (select unit_id from temp.kpi_store_stale)")
        con.execute("create or replace temp table kpi_store_new_verdicts as "
                    "select * from evidence_verdict_facts where unit_id in (select unit_id from temp.kpi_store_stale)")
        con.execute("create or replace temp table kpi_store_new_units as "
                    "select unit_id, batches_hash, kpis_hash, evidence_hash from kpi_store_hashes "
                    "where unit_id in (select unit_id from temp.kpi_store_stale)")
    finally:
        con.execute("reset variable unit_scope")
        if previous_as_of is None:
            con.execute("reset variable as_of")
        else:
            con.execute("set variable as_of = ?::date", [previous_as_of])
    try:
        with transaction(con):
            for table, new in STORED:
                con.execute(f"delete from {table} where unit_id in (select unit_id from temp.kpi_store_stale)")
                con.execute(f"insert into {table} by name select * from temp.{new}")
    except (duckdb.ConstraintException, duckdb.TransactionException):
        return 0  # another session stored the same units at that moment
    finally:
        for table in ("kpi_store_stale", *(new for _table, new in STORED)):
            con.execute(f"drop table if exists temp.{table}")
    return len(stale)
