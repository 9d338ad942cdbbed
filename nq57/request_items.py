"""Difficulties and requests become items (issue #15): raised by the reports that carry them, or
entered directly on the Kiến nghị page by a unit reporter.

A report's task row holds its difficulties and requests as text; each non-empty line is one item.
The same text (request_text_key: case, spacing, bullets and trailing punctuation ignored) for the
same unit, task and kind in a later report is the same item while it is not closed: the batch is
recorded as one more sighting, no new item is made. Nothing here updates or deletes: the item's
state is read by the view `requests` from its sightings and events (nq57/request_flow.py).
"""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from nq57 import audit, auth, db, storage, value_rules
from nq57.transaction import retried  # a lost write to another server is run again

KINDS = ("kho_khan", "kien_nghi")


class RequestError(ValueError):
    """A request cannot be raised or changed as asked; the message (Vietnamese) says why."""


def raise_from_batches(con: duckdb.DuckDBPyConnection, batch_ids: list[int], at: datetime | None = None) -> int:
    """Items and sightings for the difficulties and requests of these batches; call it inside the
    transaction that wrote them. A key seen for the first time becomes one item, raised by its
    earliest batch (a bulk load of several months makes one item, not one per month). Audited
    'request_raise' per new item. Returns the number of new items."""
    if not batch_ids:
        return 0
    lines = con.execute(db.read_sql_file("workbook/request_lines"), {"batches": [int(b) for b in batch_ids]}).df()
    if lines.empty:
        return 0
    keys = ["unit_id", "task_id", "kind", "text_key"]
    fresh = lines[lines["request_id"].isna()].drop_duplicates(keys, keep="first")
    if len(fresh):
        con.register("fresh_requests", fresh.assign(request_id=db.new_ids(con, "request_items", len(fresh))))
        try:
            con.execute(
                "insert into request_items (request_id, unit_id, task_id, kind, text, text_key, period, raised_by, "
                "raised_at, source, batch_id, is_demo) select request_id, unit_id, task_id, kind, text, text_key, "
                "period::date, uploaded_by, uploaded_at, 'report', batch_id, is_demo from fresh_requests")
            made = con.execute("select request_id, unit_id, task_id, kind, text_key, batch_id, period::date as period, "
                               "uploaded_by as raised_by, is_demo from fresh_requests").df()
        finally:
            con.unregister("fresh_requests")
        made_ids = made.set_index(keys)["request_id"]
        missing = lines["request_id"].isna()
        lines.loc[missing, "request_id"] = [made_ids[key] for key in lines.loc[missing, keys].itertuples(index=False)]
        real = made[~made["is_demo"].astype(bool)]
        audit.record_frame(con, pd.DataFrame({
            "at": at or datetime.now(), "user_name": real["raised_by"], "action": "request_raise",
            "unit_id": real["unit_id"], "period": real["period"], "batch_id": real["batch_id"],
            "detail": [f"kiến nghị {r}: nêu trong báo cáo" for r in real["request_id"]]}))
    sightings = lines[["request_id", "batch_id"]].dropna().astype("int64").drop_duplicates()
    con.register("new_sightings", sightings)
    try:
        # no key on the lake (nq57/lake.py): the writer leaves out the pairs already stored
        con.execute("insert into request_sightings select n.request_id, n.batch_id from new_sightings n "
                    "where not exists (select 1 from request_sightings s "
                    "where s.request_id = n.request_id and s.batch_id = n.batch_id)")
    finally:
        con.unregister("new_sightings")
    return len(fresh)


@retried
def raise_directly(con: duckdb.DuckDBPyConnection, user: auth.User, unit_id: str, kind: str, text: str,
                   task_id: str | None = None, at: datetime | None = None) -> int:
    """A difficulty or request entered on the page by the unit's reporter (or the secretariat);
    permission 'raise_request' for that unit. Returns the new request_id; audited 'request_raise'."""
    account = auth.check(con, user, "raise_request", unit_id)
    text = (text or "").strip()
    if kind not in KINDS:
        raise RequestError(f"loại kiến nghị không hợp lệ: {kind}")
    if not text:
        raise RequestError("Nội dung: chưa nhập nội dung khó khăn, kiến nghị")
    if problem := value_rules.too_long(text, value_rules.max_text_chars(con)):
        raise RequestError(f"Nội dung: {problem}")
    if task_id is not None and not con.execute(
            "select count(*) from task_units where task_id = ? and unit_id = ?", [task_id, unit_id]).fetchall()[0][0]:
        raise RequestError(f"Nhiệm vụ: '{task_id}' không được giao cho đơn vị '{unit_id}'")
    at = at or datetime.now()
    with storage.transaction(con):
        request_id = db.new_id(con, "request_items")
        con.execute(
            "insert into request_items (request_id, unit_id, task_id, kind, text, text_key, period, raised_by, "
            "raised_at, source) values (?, ?, ?, ?, ?, request_text_key(?), ?, ?, ?, 'direct')",
            [request_id, unit_id, task_id, kind, text, text, date(at.year, at.month, 1), account.user_name, at],
        )
        audit.record(con, "request_raise", account.user_name, at=at, unit_id=unit_id,
                     detail=f"kiến nghị {request_id}: nhập trực tiếp")
    return request_id

