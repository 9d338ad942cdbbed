"""What every demo data set shares: the demo actor, removing demo rows, and the batch sequence.

Every demo row hangs off a batch marked is_demo (and reviews carry is_demo), so the pages can
announce "Dữ liệu minh họa" and `demo --clear` removes exactly these rows and nothing else.
"""
from __future__ import annotations

import duckdb

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
    """Demo batches carry explicit ids; move the sequence past them in one set-based statement,
    so uploads never collide."""
    highest = con.execute("select coalesce(max(batch_id), 0) from report_batches").fetchall()[0][0]
    current = con.execute("select nextval('batch_id_seq')").fetchall()[0][0]
    if current <= highest:
        con.execute("select max(nextval('batch_id_seq')) from range(?)", [highest - current + 1])


def has_demo_rows(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select exists (select 1 from report_batches where is_demo)").fetchall()[0][0]


def add_request_events(con: duckdb.DuckDBPyConnection, today) -> None:
    """A deterministic life for the demo's requests: four in five assigned to the office that leads
    the task three days after they were raised, three in five answered after fifteen days, one in
    five closed after twenty-five; only what happened before `today` (inside the caller's
    transaction, after the items exist)."""
    con.execute("set variable as_of = ?::date", [str(today)])
    con.execute(
        "insert into request_events (request_id, action, office_id, body, document_ref, acted_by, acted_at, is_demo) "
        "select request_id, action, office_id, body, document_ref, ?, acted_at, true from ("
        "  select request_id, 'assign' as action, suggested_office_id as office_id, null as body, null as document_ref,"
        "         raised_at + interval 3 day as acted_at from requests"
        "  where is_demo and suggested_office_id is not null and request_id % 5 <> 0"
        "  union all"
        "  select request_id, 'answer', null, 'Đã tiếp nhận, hướng dẫn đơn vị cách tháo gỡ; đề nghị tiếp tục báo cáo kết quả.',"
        "         'Công văn số ' || request_id || '/UBND-VP', raised_at + interval 15 day from requests"
        "  where is_demo and suggested_office_id is not null and request_id % 5 in (1, 2, 3)"
        "  union all"
        "  select request_id, 'close', null, null, null, raised_at + interval 25 day from requests"
        "  where is_demo and suggested_office_id is not null and request_id % 5 = 1"
        ") where acted_at < ?::date",
        [DEMO_USER, str(today)])
    con.execute("reset variable as_of")
