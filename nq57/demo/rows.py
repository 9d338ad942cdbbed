"""What every demo data set shares: the demo actor, removing demo rows, and the batch sequence.

Every demo row hangs off a batch marked is_demo (and reviews carry is_demo), so the pages can
announce "Dữ liệu minh họa" and `demo --clear` removes exactly these rows and nothing else.
"""
from __future__ import annotations

import duckdb

from nq57 import db

DEMO_USER = "demo"


def delete_demo_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Remove demo batches with their values, updates, reviews and the requests they raised (inside
    the caller's transaction)."""
    demo_batches = "select batch_id from report_batches where is_demo"
    demo_requests = "select request_id from request_items where is_demo"
    con.execute(f"delete from request_events where is_demo or request_id in ({demo_requests})")
    con.execute(f"delete from request_sightings where batch_id in ({demo_batches}) or request_id in ({demo_requests})")
    con.execute("delete from request_items where is_demo")
    con.execute(f"delete from kpi_values where batch_id in ({demo_batches})")
    con.execute(f"delete from task_updates where batch_id in ({demo_batches})")
    con.execute("delete from evidence_reviews where is_demo")
    con.execute("delete from report_batches where is_demo")


def advance_batch_sequence(con: duckdb.DuckDBPyConnection) -> None:
    """Demo batches carry explicit ids; move the sequences past them, so uploads never collide."""
    db.sync_ids(con)


def has_demo_rows(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select exists (select 1 from report_batches where is_demo)").fetchall()[0][0]


def add_request_events(con: duckdb.DuckDBPyConnection, today) -> None:
    """A deterministic life for the demo's requests (queries/demo/request_events.sql): assigned,
    answered and closed on fixed days after they were raised, up to `today` (inside the caller's
    transaction, after the items exist)."""
    con.execute("set variable as_of = ?::date", [str(today)])
    con.execute(db.read_sql_file("demo/request_events"), {"today": str(today), "actor": DEMO_USER})
    con.execute("reset variable as_of")
