"""The audit log: who did what, when, to which unit, period, batch and file.

Rows are only ever added. A caller that changes data writes its audit row inside its own
transaction (all or nothing); a row recorded outside one (a sign-in, a refusal, an upload check)
gets a transaction of its own (transaction.atomically), which on the lake is what keeps two
servers from allocating the same audit_id.
"""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from nq57 import ids, transaction
from nq57.vnformat import vn_number

# Action ids (stored) and their Vietnamese names (for the audit page).
ACTION_LABELS = {
    "sign_in": "Đăng nhập",
    "sign_in_failed": "Đăng nhập thất bại",
    "sign_out": "Đăng xuất",
    "upload": "Tải lên (kiểm tra tệp)",
    "commit": "Ghi nhận báo cáo",
    "supersede": "Thay thế báo cáo cùng kỳ",
    "rollback": "Hủy đợt báo cáo",
    "review": "Thẩm định minh chứng",
    "reopen": "Mở lại kỳ báo cáo đã thẩm định",
    "evidence_upload": "Tải lên tệp minh chứng",
    "plan_import": "Nhập kế hoạch",
    "user_add": "Thêm tài khoản",
    "user_disable": "Khóa (vô hiệu hóa) tài khoản",
    "user_enable": "Mở lại tài khoản",
    "password_set": "Đặt lại mật khẩu",
    "request_raise": "Nêu khó khăn, kiến nghị",
    "request_assign": "Giao xử lý kiến nghị",
    "request_answer": "Trả lời kiến nghị",
    "request_close": "Đóng kiến nghị",
    "request_reopen": "Mở lại kiến nghị",
    "denied": "Bị từ chối (không có quyền)",
}
FIELDS = ["unit_id", "period", "batch_id", "file_name", "detail"]
COLUMNS = ["audit_id", "at", "user_name", "action", *FIELDS]
QUOTED = [f'"{c}"' for c in COLUMNS]


def record(con: duckdb.DuckDBPyConnection, action: str, user_name: str | None, *, at: datetime | None = None,
           unit_id: str | None = None, period: date | None = None, batch_id: int | None = None,
           file_name: str | None = None, detail: str | None = None) -> int:
    """Add one row; returns its audit_id. Inside the caller's transaction when there is one."""
    if action not in ACTION_LABELS:
        raise ValueError(f"hành động nhật ký không hợp lệ: {action}")
    at = at or datetime.now()

    def insert() -> int:
        audit_id = ids.new_id(con, "audit_log")
        con.execute(
            'insert into audit_log (audit_id, "at", user_name, action, unit_id, period, batch_id, file_name, detail) '
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [audit_id, at, user_name, action, unit_id, period, batch_id, file_name, detail],
        )
        return audit_id
    return transaction.atomically(con, insert)


def record_frame(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    """Many rows at once (a bulk import writes one per batch): `rows` has the columns at,
    user_name, action and any of unit_id, period, batch_id, file_name, detail."""
    if rows.empty:
        return 0
    unknown = set(rows["action"]) - set(ACTION_LABELS)
    if unknown:
        raise ValueError(f"hành động nhật ký không hợp lệ: {', '.join(sorted(unknown))}")
    frame = rows.copy()
    for column in FIELDS:
        if column not in frame:
            frame[column] = None
    frame = frame[["at", "user_name", "action", *FIELDS]]

    def insert() -> int:
        staged = frame.assign(audit_id=ids.new_ids(con, "audit_log", len(frame)))
        con.register("staged_audit_rows", staged)
        try:
            con.execute(
                'insert into audit_log (audit_id, "at", user_name, action, unit_id, period, batch_id, file_name, detail) '
                'select audit_id, "at"::timestamp, user_name::varchar, action::varchar, unit_id::varchar, period::date, '
                "batch_id::integer, file_name::varchar, detail::varchar from staged_audit_rows"
            )
        finally:
            con.unregister("staged_audit_rows")
        return len(staged)
    return transaction.atomically(con, insert)


def query(con: duckdb.DuckDBPyConnection, since: date | datetime | str | None = None, user: str | None = None,
          action: str | None = None, until: date | datetime | str | None = None,
          unit_id: str | None = None, limit: int | None = None, in_words: bool = False) -> pd.DataFrame:
    """The log, oldest first, filtered by start date/time (inclusive), user, action, unit;
    `until` is exclusive. Columns: audit_id, at, user_name, action, unit_id, period,
    batch_id, file_name, detail; in_words adds user_label (a system actor in words, actor_label)
    and unit_name, as the page shows them."""
    clauses, params = [], []
    if since is not None:
        clauses.append('a."at" >= ?::timestamp')
        params.append(str(since))
    if until is not None:
        clauses.append('a."at" < ?::timestamp')
        params.append(str(until))
    if user is not None:
        clauses.append("a.user_name = ?")
        params.append(user)
    if action is not None:
        clauses.append("a.action = ?")
        params.append(action)
    if unit_id is not None:
        clauses.append("a.unit_id = ?")
        params.append(unit_id)
    columns = [f"a.{q}" for q in QUOTED]
    source = "audit_log a"
    if in_words:
        columns += ["actor_label(a.user_name) as user_label", "coalesce(u.name, a.unit_id) as unit_name"]
        source += " left join units u on u.unit_id = a.unit_id"
    sql = f"select {', '.join(columns)} from {source}"
    if clauses:
        sql += " where " + " and ".join(clauses)
    sql += ' order by a."at", a.audit_id'
    if limit is not None:
        sql += f" limit {int(limit)}"
    return con.execute(sql, params).df()


# --- report commits ---------------------------------------------------------------------------------

def batches_in_force(con: duckdb.DuckDBPyConnection, groups: pd.DataFrame, at: datetime) -> pd.DataFrame:
    """For each (unit_id, period) of `groups`, the batch in force just before `at`: the columns
    unit_id, period, previous_batch_id. Call it inside the commit's transaction, before inserting."""
    con.register("audit_groups", groups[["unit_id", "period"]])
    try:
        return con.execute(
            "select b.unit_id, b.period, b.batch_id as previous_batch_id from ("
            "  select unit_id, period, batch_id, row_number() over ("
            "    partition by unit_id, period order by uploaded_at desc, batch_id desc) as version_rank"
            "  from report_batches where rolled_back_at is null and uploaded_at <= ?) b "
            "join (select distinct unit_id, period::date as period from audit_groups) g "
            "  on g.unit_id = b.unit_id and g.period = b.period "
            "where b.version_rank = 1",
            [at],
        ).df()
    finally:
        con.unregister("audit_groups")


def record_commit(con: duckdb.DuckDBPyConnection, batches: pd.DataFrame, previous: pd.DataFrame,
                  user_name: str, file_name: str | None, at: datetime) -> int:
    """One 'commit' row per new batch, and one 'supersede' row per batch that replaced the one in
    force for the same unit and period (the detail names the replaced batch)."""
    if batches.empty:
        return 0
    new = batches[["batch_id", "unit_id", "period"]].copy()
    new["period"] = pd.to_datetime(new["period"]).dt.date
    old = previous.copy()
    old["period"] = pd.to_datetime(old["period"]).dt.date
    merged = new.merge(old, on=["unit_id", "period"], how="left")
    commits = merged.assign(action="commit", detail=None)
    replaced = merged[merged["previous_batch_id"].notna()]
    supersedes = replaced.assign(
        action="supersede",
        detail=[f"thay thế đợt {int(b)} (đơn vị {u}, kỳ {p:%m/%Y})"
                for b, u, p in zip(replaced["previous_batch_id"], replaced["unit_id"], replaced["period"])],
    )
    rows = pd.concat([commits, supersedes], ignore_index=True).drop(columns="previous_batch_id")
    rows["at"] = at
    rows["user_name"] = user_name
    rows["file_name"] = file_name
    return record_frame(con, rows)


def record_upload_check(con: duckdb.DuckDBPyConnection, user_name: str | None, result,
                        at: datetime | None = None) -> int:
    """An 'upload' row for a checked report workbook (an ingest.CheckResult), accepted or not."""
    if result.accepted:
        detail = f"hợp lệ: {result.row_count} dòng, đơn vị {', '.join(result.units[:5])}" + (
            "…" if len(result.units) > 5 else "")
        if result.duplicate_of is not None:
            detail += f"; trùng tệp đã nhập (đợt {result.duplicate_of})"
    else:
        detail = f"bị từ chối: {vn_number(len(result.problems) + result.truncated_problems)} lỗi"
    return record(con, "upload", user_name, at=at, unit_id=result.unit_id, period=result.period,
                  file_name=result.file_name, detail=detail)
