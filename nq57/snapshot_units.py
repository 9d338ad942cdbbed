"""Stored answers kept up to date per unit: after a commit, rollback, review or evidence file for
one unit, only that unit's rows of each stored snapshot are recomputed, plus the rows that depend
on every unit (the province's roll-up, ranks, grades and totals), which are computed from the
stored rows instead of from 13 million report values.

Validity is kept per unit and date: a snapshot stores the catalogue fingerprint and every unit's
fingerprint (`unit_fingerprints`) it was computed from. When the catalogue or settings changed, the
snapshot is rebuilt whole (nq57/snapshots.build); otherwise the units whose fingerprint moved are
the ones recomputed, and the snapshot then carries the date's new `data_fingerprint`.

The new rows are computed first, into temporary tables of this connection, while readers keep
reading the old rows; then one short transaction swaps them in. The views stay the definition:
each recomputed row is the view's own output, read with `where unit_id in (…)`, with the views it
reads standing on the snapshot's rows (the same rows the view would compute, see snapshots.shadow).
"""
from __future__ import annotations

import time

import duckdb

from nq57 import catalogue, snapshots
from nq57.transaction import transaction

# Beyond this many changed units a whole rebuild is as cheap as recomputing them one by one.
MAX_UNITS = 200


def stale_units(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> list[str] | None:
    """The units whose rows of the snapshot are stale at the connection's as-of date; None when
    the snapshot cannot be updated per unit (the catalogue or settings changed, or too many)."""
    found = con.execute(
        "select catalogue_fingerprint = (select fingerprint from catalogue_fingerprint) "
        "from view_snapshots where snapshot_id = ?", [snapshot_id]).fetchall()
    if not found or not found[0][0]:
        return None
    changed = [unit for (unit,) in con.execute(
        "select coalesce(s.unit_id, u.unit_id) from "
        "(select unit_id, fingerprint from snapshot_unit_fingerprints where snapshot_id = ?) s "
        "full join unit_fingerprints u using (unit_id) "
        "where s.fingerprint is distinct from u.fingerprint order by 1", [snapshot_id]).fetchall()]
    return changed if len(changed) <= MAX_UNITS else None


def update(con: duckdb.DuckDBPyConnection) -> int | None:
    """Bring the stored snapshot of the connection's as-of date up to date by recomputing only
    the stale units; its id, or None when there is none to update or it needs a whole rebuild."""
    started = time.perf_counter()
    as_of = snapshots.as_of_date(con)
    found = con.execute("select snapshot_id, data_fingerprint from view_snapshots where as_of = ? "
                        "order by built_at desc, snapshot_id desc limit 1", [as_of]).fetchall()
    if not found:
        return None
    snapshot_id, old_fingerprint = found[0]
    at = snapshots.hash_point(con)  # before hashing: on the lake, what the fingerprint covers at least
    current = snapshots.fingerprint(con)
    if old_fingerprint == current:
        return snapshot_id
    stale = stale_units(con, snapshot_id)
    if stale is None:
        return None
    # the province row rolls every commune up (kpi_latest_values): the one row that depends on
    # other units; the other provinces' rows depend on their own reports only
    affected = stale if catalogue.PROVINCE_ID in stale else [*stale, catalogue.PROVINCE_ID]
    try:
        _compute(con, snapshot_id, affected)
        with transaction(con):
            # another session may have brought it up to date meanwhile: keep what is stored
            still = con.execute("select data_fingerprint from view_snapshots where snapshot_id = ?",
                                [snapshot_id]).fetchall()
            if not still or still[0][0] != old_fingerprint:
                return None
            _swap(con, snapshot_id, affected, stale, current, at, started)
        return snapshot_id
    except (duckdb.ConstraintException, duckdb.TransactionException):
        return None  # two sessions updating the same snapshot: the other one won
    finally:
        _clean(con)


def _fresh(view: str) -> str:
    return f"fresh_{view}"


def _compute(con: duckdb.DuckDBPyConnection, snapshot_id: int, affected: list[str]) -> None:
    """The new rows, in temporary tables: each per-unit view for the affected units, each whole
    view entire, every view reading the ones before it as they will be stored (a temporary view
    per stored view: the snapshot's rows of the other units plus the fresh rows)."""
    sid = int(snapshot_id)
    sid, marks = int(snapshot_id), _marks(affected)
    con.execute("create or replace temp table affected_units as select unnest(?::varchar[]) as unit_id", [affected])
    # the facts of the affected units only (macro in_unit_scope): the roll-up rows read the others'
    # stored rows through the temporary views below
    con.execute("set variable unit_scope = ?::varchar[]", [affected])
    try:
        # each per-unit view, then the per-unit part of each ranked view (its stored rows less the rank)
        recomputed = [(view, view, ()) for view in snapshots.PER_UNIT_VIEWS]
        recomputed += [(part, whole, ("rank",)) for whole, part in snapshots.RANKED_VIEWS.items()]
        for view, stored_as, dropped in recomputed:
            con.execute(f"create or replace temp table {_fresh(view)} as "
                        f"select * from {view} where unit_id in ({marks})", affected)
            _stand_in(con, view, snapshots.table_name(stored_as), sid, *dropped)
    finally:
        con.execute("reset variable unit_scope")
    for view in snapshots.WHOLE_VIEWS:
        con.execute(f"create or replace temp table {_fresh(view)} as select * from {view}")
        con.execute(f"create or replace temp view {view} as select * from temp.{_fresh(view)}")


def _stand_in(con: duckdb.DuckDBPyConnection, view: str, table: str, sid: int, *dropped: str) -> None:
    """A temporary view named like `view`: the snapshot's rows of the other units (from `table`,
    less the columns `dropped`) plus the affected units' fresh rows."""
    excluded = ", ".join(["snapshot_id", "snapshot_row", *dropped])
    con.execute(f"create or replace temp view {view} as select * exclude ({excluded}) from main.{table} "
                f"where snapshot_id = {sid} and unit_id not in (select unit_id from temp.affected_units) "
                f"union all by name select * from temp.{_fresh(view)}")


def _marks(values: list) -> str:
    """One ? per value: a literal IN list lets DuckDB push the filter down to the table scans."""
    return ", ".join("?" * len(values))


def _swap(con: duckdb.DuckDBPyConnection, snapshot_id: int, affected: list[str], stale: list[str],
          current: str, at: int | None, started: float) -> None:
    """Inside the caller's transaction: the fresh rows replace the stored ones."""
    for view in snapshots.PER_UNIT_VIEWS:
        table = snapshots.table_name(view)
        con.execute(f"delete from {table} where snapshot_id = ? and unit_id in (select unit_id from temp.affected_units)",
                    [snapshot_id])
        con.execute(f"insert into {table} select ?, (select coalesce(max(snapshot_row), 0) from {table} "
                    f"where snapshot_id = ?) + row_number() over (), * from temp.{_fresh(view)}",
                    [snapshot_id, snapshot_id])
    for view in snapshots.WHOLE_VIEWS:
        table = snapshots.table_name(view)
        con.execute(f"delete from {table} where snapshot_id = ?", [snapshot_id])
        con.execute(f"insert into {table} select ?, row_number() over (), * from temp.{_fresh(view)}",
                    [snapshot_id])
    con.execute("delete from snapshot_unit_fingerprints where snapshot_id = ? and unit_id in "
                "(select unnest(?::varchar[]))", [snapshot_id, stale])
    con.execute("insert into snapshot_unit_fingerprints select ?, * from unit_fingerprints "
                "where unit_id in (select unnest(?::varchar[]))", [snapshot_id, stale])
    con.execute("update view_snapshots set data_fingerprint = ?, built_at = current_localtimestamp(), "
                "build_seconds = ?, lake_snapshot = ? where snapshot_id = ?",
                [current, round(time.perf_counter() - started, 3), at, snapshot_id])


def _clean(con: duckdb.DuckDBPyConnection) -> None:
    """No temporary view or table outlives an update on a connection."""
    for view in [*reversed(snapshots.SNAPSHOT_VIEWS), *snapshots.RANKED_VIEWS.values()]:
        con.execute(f"drop view if exists temp.{view}")
        con.execute(f"drop table if exists temp.{_fresh(view)}")
    con.execute("drop table if exists temp.affected_units")
