"""Storing reports: one batch per unit and period, written in one transaction.

Nothing is updated or deleted: a newer batch for the same unit and period supersedes the
older one in the views, and a rollback only stamps the batch, so history is kept whole.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from nq57 import audit, auth, db, request_items
from nq57.transaction import retried  # a lost write to another server is run again

TASK_STATUSES = {
    "chua_thuc_hien": "Chưa thực hiện",
    "dang_thuc_hien": "Đang thực hiện",
    "hoan_thanh": "Hoàn thành",
}
REVIEW_DECISIONS = {"valid": "Hợp lệ", "invalid": "Không hợp lệ", "insufficient": "Thiếu chất lượng"}


@dataclass
class KpiValue:
    kpi_id: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    evidence_ref: str | None = None
    note: str | None = None


@dataclass
class TaskUpdate:
    task_id: str
    status: str
    percent_complete: float | None = None
    evidence_ref: str | None = None
    difficulties: str | None = None
    requests: str | None = None
    note: str | None = None


@dataclass
class Batch:
    unit_id: str
    period: date
    uploaded_by: str
    uploaded_at: datetime = field(default_factory=datetime.now)
    file_name: str | None = None
    sha256: str | None = None
    source: str = "upload"
    is_demo: bool = False
    kpi_values: list[KpiValue] = field(default_factory=list)
    task_updates: list[TaskUpdate] = field(default_factory=list)


@retried
def record_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> int:
    """Store a batch and its rows atomically; returns the new batch id."""
    for update in batch.task_updates:
        if update.status not in TASK_STATUSES:
            raise ValueError(f"trạng thái không hợp lệ: {update.status}")
    with db.transaction(con):
        batch_id = db.new_id(con, "report_batches")
        con.execute(
            "insert into report_batches (batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, "
            "source, is_demo, row_count) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch_id, batch.unit_id, batch.period, batch.file_name, batch.sha256, batch.uploaded_by,
             batch.uploaded_at, batch.source, batch.is_demo, len(batch.kpi_values) + len(batch.task_updates)],
        )
        if batch.kpi_values:
            con.executemany(
                "insert into kpi_values (batch_id, unit_id, kpi_id, period, value, numerator, denominator, "
                "evidence_ref, note) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[batch_id, batch.unit_id, v.kpi_id, batch.period, v.value, v.numerator, v.denominator,
                  v.evidence_ref, v.note] for v in batch.kpi_values],
            )
        if batch.task_updates:
            con.executemany(
                "insert into task_updates (batch_id, unit_id, task_id, period, status, percent_complete, "
                "evidence_ref, difficulties, requests, note) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[batch_id, batch.unit_id, u.task_id, batch.period, u.status, u.percent_complete,
                  u.evidence_ref, u.difficulties, u.requests, u.note] for u in batch.task_updates],
            )
        request_items.raise_from_batches(con, [batch_id], batch.uploaded_at)
    return batch_id


@retried
def roll_back_batch(con: duckdb.DuckDBPyConnection, batch_id: int, by: str | auth.User | None = None,
                    at: datetime | None = None, user: auth.User | None = None) -> None:
    """The previous version for that unit and period becomes current again; nothing is deleted.
    With a signed-in `user` (or `by` given as an auth.User) the 'rollback' permission is checked
    first (auth.PermissionDenied). Audited ('rollback') in the same transaction."""
    if isinstance(by, auth.User):
        user, by = by, None
    by = auth.check(con, user, "rollback").user_name if user is not None else auth.trusted_name(by)
    at = at or datetime.now()
    with db.transaction(con):
        # read, then stamp (DuckLake has no RETURNING); the same transaction, so the same rows
        updated = con.execute("select batch_id, unit_id, period, file_name from report_batches "
                              "where batch_id = ? and rolled_back_at is null", [batch_id]).fetchall()
        con.execute("update report_batches set rolled_back_at = ?, rolled_back_by = ? "
                    "where batch_id = ? and rolled_back_at is null", [at, by, batch_id])
        if updated:
            _, unit_id, period, file_name = updated[0]
            audit.record(con, "rollback", by, at=at, unit_id=unit_id, period=period, batch_id=batch_id,
                         file_name=file_name, detail=f"hủy đợt {batch_id}")
    if not updated:
        raise ValueError(f"không tìm thấy đợt báo cáo {batch_id} còn hiệu lực")


@retried
def record_review(con: duckdb.DuckDBPyConnection, batch_id: int, unit_id: str, item_type: str, item_id: str,
                  decision: str, reviewed_by: str | auth.User | None = None, comment: str | None = None,
                  reviewed_at: datetime | None = None, user: auth.User | None = None) -> int:
    """One review decision on an item of a batch. With a signed-in `user` (or `reviewed_by` given
    as an auth.User) the 'review_evidence' permission is checked first (auth.PermissionDenied).
    Audited ('review') in the same transaction; returns the review_id."""
    if decision not in REVIEW_DECISIONS:
        raise ValueError(f"kết luận thẩm định không hợp lệ: {decision}")
    if item_type not in ("task", "kpi"):
        raise ValueError(f"loại mục không hợp lệ: {item_type}")
    if isinstance(reviewed_by, auth.User):
        user, reviewed_by = reviewed_by, None
    reviewed_by = (auth.check(con, user, "review_evidence").user_name if user is not None
                   else auth.trusted_name(reviewed_by))
    reviewed_at = reviewed_at or datetime.now()
    with db.transaction(con):
        review_id = db.new_id(con, "evidence_reviews")
        con.execute(
            "insert into evidence_reviews (review_id, batch_id, unit_id, item_type, item_id, decision, comment, "
            "reviewed_by, reviewed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [review_id, batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at],
        )
        period = con.execute("select period from report_batches where batch_id = ?", [batch_id]).fetchall()
        audit.record(con, "review", reviewed_by, at=reviewed_at, unit_id=unit_id,
                     period=period[0][0] if period else None, batch_id=batch_id,
                     detail=f"{item_type} {item_id}: {decision}" + (f" — {comment}" if comment else ""))
    return review_id
